"""Creating, changing and allocating cases. Each change writes its audit record in the same
transaction."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record, diff, snapshot
from people.models import Team, User

from .models import Allocation, Case


def _next_reference() -> str:
    last = Case.objects.filter(reference__startswith="CT").order_by("-reference").first()
    number = int(last.reference[2:]) + 1 if last and last.reference[2:].isdigit() else 1
    return f"CT{number:07d}"


@transaction.atomic
def case_create(*, by: User | None, current_team: Team, **fields: Any) -> Case:
    """Open a case in a team, with its first allocation row and an audit record."""
    case = Case(current_team=current_team, **fields)
    if not case.reference:
        case.reference = _next_reference()
    case.full_clean()
    case.save()
    Allocation.objects.create(
        case=case,
        team=current_team,
        worker=case.allocated_worker,
        started_at=timezone.now(),
        allocated_by=by,
        reason="Case opened",
    )
    audit_record(
        actor=by,
        action="case.create",
        subject=case,
        case=case,
        changes=diff({}, snapshot(case, Case.AUDITED_FIELDS)),
    )
    return case


@transaction.atomic
def case_update(*, case: Case, by: User | None, note: str = "", **fields: Any) -> Case:
    """Change a case's details. Team and worker change through `case_allocate` instead."""
    if {"current_team", "allocated_worker"} & fields.keys():
        raise ValueError("Use case_allocate to change the team or the worker.")
    case = Case.objects.select_for_update().get(pk=case.pk)
    before = snapshot(case, Case.AUDITED_FIELDS)
    for name, value in fields.items():
        setattr(case, name, value)
    case.full_clean()
    changes = diff(before, snapshot(case, Case.AUDITED_FIELDS))
    if not changes:
        return case
    case.save(update_fields=[*fields.keys(), "updated_at"])
    audit_record(
        actor=by, action="case.update", subject=case, case=case, changes=changes, note=note
    )
    return case


@transaction.atomic
def case_allocate(
    *,
    case: Case,
    team: Team,
    worker: User | None,
    by: User | None,
    reason: str = "",
    for_transfer=None,
) -> Allocation:
    """Move the case to `team` and, optionally, a worker in it. Ends the open allocation and
    starts a new one, so the history shows every holder without a gap.

    While a transfer is live, only that transfer's own steps move the case (`for_transfer`):
    an allocation beside it would leave the transfer and its deadlines behind."""
    from transfers.models import LIVE, Transfer

    if worker is not None and not worker.memberships.filter(team=team).exists():
        raise ValidationError({"worker": f"{worker} is not a member of {team}."})
    case = Case.objects.select_for_update().get(pk=case.pk)
    live = Transfer.objects.filter(case=case, status__in=LIVE)
    if for_transfer is not None:
        live = live.exclude(pk=for_transfer.pk)
    if live.exists():
        raise ValidationError(
            "This case is being transferred. Allocate it from the transfer, so its deadlines "
            "follow."
        )
    before = snapshot(case, Case.AUDITED_FIELDS)
    now = timezone.now()
    Allocation.objects.filter(case=case, ended_at__isnull=True).update(ended_at=now)
    allocation = Allocation.objects.create(
        case=case, team=team, worker=worker, started_at=now, allocated_by=by, reason=reason
    )
    case.current_team = team
    case.allocated_worker = worker
    case.save(update_fields=["current_team", "allocated_worker", "updated_at"])
    audit_record(
        actor=by,
        action="case.allocate",
        subject=case,
        case=case,
        changes=diff(before, snapshot(case, Case.AUDITED_FIELDS)),
        note=reason,
    )
    return allocation
