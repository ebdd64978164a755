"""Creating, changing, allocating, opening and closing cases. Each change writes its audit
record in the same transaction. The `involvement` and `allocation` state machines move only here,
each move through `audit.fsm.apply_transition`."""

from datetime import date, datetime, time
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from audit.fsm import apply_transition
from audit.models import AuditEvent
from audit.services import audit_record, diff, snapshot
from deadlines.calendar import LONDON
from deadlines.models import Deadline, DeadlineStatus
from deadlines.rules import Kind, compute_due
from deadlines.services import (
    deadline_cancel,
    deadline_reassign,
    deadline_reschedule,
    deadline_start,
    open_deadlines,
    policy_for,
    reminder_time,
    working_calendar,
)
from people.models import DISABLED_CHILDRENS_SERVICES, SOCIAL_CARE_SERVICES, Service, Team, User
from people.selectors import user_manages_team

from . import permissions as can
from .choices import AllocationState, Involvement, PlanType
from .models import Allocation, Case

EARLY_HELP_SERVICES = (
    Service.EARLY_HELP,
    Service.GRAFT,
    Service.YOUTH_AND_FAMILY,
    Service.CHILDRENS_CENTRE,
)


# full_clean would set these again, which a protected FSM field refuses; their values come from
# the choices and the transitions, never from input.
STATE_FIELDS = ["involvement", "allocation"]


def involvement_for_team(team: Team) -> str:
    """Where a case opened in `team` is open: Social Care teams hold Social Care cases; every
    other team (Early Help, Graft, Youth & Family, Children's Centres) holds Early Help ones."""
    if team.service in SOCIAL_CARE_SERVICES:
        return Involvement.SOCIAL_CARE
    return Involvement.EARLY_HELP


def _next_reference() -> str:
    last = Case.objects.filter(reference__startswith="CT").order_by("-reference").first()
    number = int(last.reference[2:]) + 1 if last and last.reference[2:].isdigit() else 1
    return f"CT{number:07d}"


@transaction.atomic
def case_create(*, by: User | None, current_team: Team, **fields: Any) -> Case:
    """Open a case in a team, with its first allocation row and an audit record. Its
    involvement follows the team's service; its allocation, whether a worker is named. A
    disabled child opened in the Disabled Children's Service is flagged for adult services."""
    fields.setdefault("involvement", involvement_for_team(current_team))
    allocated = fields.get("allocated_worker") is not None
    fields.setdefault(
        "allocation", AllocationState.ALLOCATED if allocated else AllocationState.UNALLOCATED
    )
    case = Case(current_team=current_team, **fields)
    if not case.reference:
        case.reference = _next_reference()
    case.full_clean(exclude=STATE_FIELDS)
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
    if needs_adult_transition(case, timezone.localdate()):
        case_flag_adult_transition(case=case, by=by)
    return case


@transaction.atomic
def case_update(*, case: Case, by: User | None, note: str = "", **fields: Any) -> Case:
    """Change a case's details. Team and worker change through `case_allocate` instead. A
    change to the disability flag or the date of birth starts, moves or cancels the
    adult-services transition."""
    if {"current_team", "allocated_worker"} & fields.keys():
        raise ValueError("Use case_allocate to change the team or the worker.")
    if {"involvement", "allocation"} & fields.keys():
        raise ValueError("Involvement and allocation change through their own services.")
    case = Case.objects.select_for_update().get(pk=case.pk)
    before = snapshot(case, Case.AUDITED_FIELDS)
    for name, value in fields.items():
        setattr(case, name, value)
    case.full_clean(exclude=STATE_FIELDS)
    changes = diff(before, snapshot(case, Case.AUDITED_FIELDS))
    if not changes:
        return case
    case.save(update_fields=[*fields.keys(), "updated_at"])
    audit_record(
        actor=by, action="case.update", subject=case, case=case, changes=changes, note=note
    )
    if {"has_disability", "date_of_birth"} & changes.keys():
        _adult_transition_follow(case, by=by)
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
    seen_allocation: int | None = None,
) -> Allocation:
    """Move the case to `team` and, optionally, a worker in it. Ends the open allocation and
    starts a new one, so the history shows every holder without a gap.

    While a transfer is live, only that transfer's own steps move the case (`for_transfer`):
    an allocation beside it would leave the transfer and its deadlines behind.

    A disabled child moved into the Disabled Children's Service is flagged for adult services;
    the flag follows them to a new worker or team in it, and is cancelled if they leave it.

    Idempotent: the case already where it is asked to go (a form sent twice) changes nothing and
    writes nothing. `seen_allocation`, the open allocation the person saw when they chose,
    refuses a change made on a stale page: of two managers allocating at once, the second is
    told someone else got there first."""
    from transfers.models import LIVE, Transfer

    if worker is not None and not worker.memberships.filter(team=team).exists():
        raise ValidationError({"worker": f"{worker} is not a member of {team}."})
    case = Case.objects.select_for_update().get(pk=case.pk)
    target = AllocationState.ALLOCATED if worker is not None else AllocationState.UNALLOCATED
    current = Allocation.objects.filter(case=case, ended_at__isnull=True).order_by("-pk").first()
    already = (
        current is not None
        and case.current_team_id == team.pk
        and case.allocated_worker_id == getattr(worker, "pk", None)
        and case.allocation == target
    )
    if already:
        return current
    if seen_allocation is not None and (current is None or current.pk != seen_allocation):
        raise ValidationError(
            "Someone else changed who holds this case while you were choosing. Check who holds "
            "it now and try again."
        )
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
    # A worker named: allocated. None: unallocated, which also ends a team leader's hold
    # (a hold is one team leader's, for one team).
    name = "allocate_to_worker" if worker is not None else "await_allocation"
    if case.allocation != target:
        apply_transition(case, name, by=by, case=case, note=reason, state_field="allocation")
    _adult_transition_follow(case, by=by)
    return allocation


def _locked(case: Case) -> Case:
    return (
        Case.objects.select_for_update(of=("self",)).select_related("current_team").get(pk=case.pk)
    )


def _refuse_while_transferred(case: Case) -> None:
    from transfers.models import LIVE, Transfer

    if Transfer.objects.filter(case=case, status__in=LIVE).exists():
        raise ValidationError(
            "This case is being transferred. Finish or withdraw the transfer first."
        )


def _require_text(value: str, field: str, message: str) -> None:
    if not value.strip():
        raise ValidationError({field: message})


def _record_closure(case: Case, *, by: User, closed_on: date) -> dict[str, list[Any]]:
    """Who closed the case to Social Care, when, from which team, and whose case it was: what
    the 12-week rule reads when Early Help steps the case up again (seed 002)."""
    before = snapshot(case, Case.AUDITED_FIELDS)
    case.last_closed_to_social_care_on = closed_on
    case.last_closed_to_social_care_by = by
    case.last_closed_to_social_care_team = case.current_team
    case.last_closed_social_worker = case.allocated_worker
    return before


@transaction.atomic
def case_step_up_to_social_care(*, case: Case, by: User | None, note: str = "") -> Case:
    """Seed 002, step 3: Social Care agreed the step-up; the case is open to Social Care. The
    transfer that calls this has checked who may agree; the allocation is the transfer's."""
    case = _locked(case)
    if case.involvement != Involvement.EARLY_HELP:
        raise ValidationError(
            f"Only a case open to Early Help or Graft can be stepped up; this one is "
            f"{case.involvement_label.lower()}."
        )
    apply_transition(
        case, "step_up_to_social_care", by=by, case=case, note=note, state_field="involvement"
    )
    return case


@transaction.atomic
def case_close_to_social_care(
    *, case: Case, by: User, reason: str, closed_on: date | None = None
) -> Case:
    """Close the case to Social Care. The team manager who closes it, the team, the date and the
    allocated social worker are recorded: for 12 weeks a step-up goes back to that team manager
    (seed 002, step 2). The worker's allocation ends; the case stays with the team."""
    case = _locked(case)
    if case.involvement != Involvement.SOCIAL_CARE:
        raise ValidationError(
            f"Only a case open to Social Care can be closed to Social Care; this one is "
            f"{case.involvement_label.lower()}."
        )
    if not can.close_to_social_care(case, by):
        raise PermissionDenied(
            "Only a team manager or assistant team manager of the Social Care team holding the "
            "case can close it."
        )
    _require_text(reason, "reason", "Enter why the case is being closed")
    _refuse_while_transferred(case)
    before = _record_closure(case, by=by, closed_on=closed_on or timezone.localdate())
    case.plan_type = PlanType.NONE
    apply_transition(
        case,
        "close_to_social_care",
        by=by,
        case=case,
        note=reason,
        state_field="involvement",
        check_permission=True,
    )
    audit_record(
        actor=by,
        action="case.update",
        subject=case,
        case=case,
        changes=diff(before, snapshot(case, Case.AUDITED_FIELDS)),
        note="Closed to Social Care",
    )
    if case.allocated_worker_id is not None:
        case_allocate(
            case=case, team=case.current_team, worker=None, by=by, reason="Closed to Social Care"
        )
    _adult_transition_follow(case, by=by)
    return case


@transaction.atomic
def case_step_down_to_early_help(
    *, case: Case, by: User, to_team: Team, reason: str, for_transfer=None
) -> Case:
    """Close the case to Social Care and open it to an Early Help or Graft team, awaiting
    allocation there. It is a closure to Social Care too, so the 12-week rule applies to it."""
    case = _locked(case)
    if case.involvement != Involvement.SOCIAL_CARE:
        raise ValidationError(
            f"Only a case open to Social Care can be stepped down; this one is "
            f"{case.involvement_label.lower()}."
        )
    if not can.close_to_social_care(case, by):
        raise PermissionDenied(
            "Only a team manager or assistant team manager of the Social Care team holding the "
            "case can step it down."
        )
    if to_team.service not in EARLY_HELP_SERVICES or not to_team.is_active:
        raise ValidationError({"to_team": "Choose an Early Help or Graft team"})
    _require_text(reason, "reason", "Enter why the case is being stepped down")
    if for_transfer is None:
        _refuse_while_transferred(case)
    before = _record_closure(case, by=by, closed_on=timezone.localdate())
    case.plan_type = PlanType.EARLY_HELP
    apply_transition(
        case,
        "step_down_to_early_help",
        by=by,
        case=case,
        note=reason,
        state_field="involvement",
        check_permission=True,
    )
    audit_record(
        actor=by,
        action="case.update",
        subject=case,
        case=case,
        changes=diff(before, snapshot(case, Case.AUDITED_FIELDS)),
        note=f"Stepped down to {to_team}",
    )
    case_allocate(
        case=case,
        team=to_team,
        worker=None,
        by=by,
        reason=f"Stepped down from Social Care: {reason}",
        for_transfer=for_transfer,
    )
    return case


@transaction.atomic
def case_reopen_to_early_help(*, case: Case, by: User, team: Team, reason: str) -> Case:
    """A closed case opened again to an Early Help or Graft team, awaiting allocation there.
    Only a manager of that team opens a case into it."""
    case = _locked(case)
    if case.involvement != Involvement.CLOSED:
        raise ValidationError("Only a closed case can be reopened.")
    if team.service not in EARLY_HELP_SERVICES or not team.is_active:
        raise ValidationError({"team": "Choose an Early Help or Graft team"})
    if not user_manages_team(by, team):
        raise PermissionDenied("Only a manager of the team can open a case to it.")
    _require_text(reason, "reason", "Enter why the case is being reopened")
    case_allocate(case=case, team=team, worker=None, by=by, reason=reason)
    case = _locked(case)
    case_update(case=case, by=by, plan_type=PlanType.EARLY_HELP, note=reason)
    case = _locked(case)
    apply_transition(
        case, "reopen_to_early_help", by=by, case=case, note=reason, state_field="involvement"
    )
    return case


@transaction.atomic
def case_open_to_social_care(
    *, case: Case, by: User, team: Team, reason: str, plan_type: str = PlanType.NONE
) -> Case:
    """A closed case referred to Social Care again (a re-referral, not a step-up from Early
    Help): it is opened in a Social Care team, awaiting allocation. Only a manager of that
    team opens a case into it."""
    case = _locked(case)
    if case.involvement != Involvement.CLOSED:
        raise ValidationError(
            "Only a closed case can be opened to Social Care this way; a case open to Early Help "
            "is stepped up."
        )
    if team.service not in SOCIAL_CARE_SERVICES or not team.is_active:
        raise ValidationError({"team": "Choose a Social Care team"})
    if not user_manages_team(by, team):
        raise PermissionDenied("Only a manager of the team can open a case to it.")
    _require_text(reason, "reason", "Enter why the case is being opened to Social Care")
    case_allocate(case=case, team=team, worker=None, by=by, reason=reason)
    case = _locked(case)
    case_update(case=case, by=by, plan_type=plan_type, note=reason)
    case = _locked(case)
    apply_transition(
        case, "open_to_social_care", by=by, case=case, note=reason, state_field="involvement"
    )
    _adult_transition_follow(case, by=by)
    return case


@transaction.atomic
def case_hold_by_team_leader(*, case: Case, by: User, reason: str) -> Case:
    """Seed 001 s2.6: no social worker can be allocated to this child in need, so the team
    leader holds the case, visiting and reviewing it, until one can. A child on a CP plan or in
    care is never left unallocated (s2.5): allocate them instead."""
    case = _locked(case)
    if case.involvement != Involvement.SOCIAL_CARE:
        raise ValidationError("Only a case open to Social Care can be held by the team leader.")
    if not can.may_be_left_unallocated(case):
        raise ValidationError(
            f"A child on a {case.get_plan_type_display()} plan must never be left unallocated: "
            "allocate a social worker, or escalate to the service manager."
        )
    if case.allocation == AllocationState.HELD_BY_TEAM_LEADER:
        raise ValidationError("The team leader already holds this case.")
    if case.allocation != AllocationState.UNALLOCATED:
        raise ValidationError("Only an unallocated case can be held by the team leader.")
    if not can.hold_by_team_leader(case, by):
        raise PermissionDenied("Only a manager of the team holding the case can hold it.")
    _require_text(reason, "reason", "Enter why no social worker can be allocated yet")
    apply_transition(
        case,
        "hold_by_team_leader",
        by=by,
        case=case,
        note=reason,
        state_field="allocation",
        check_permission=True,
    )
    # Seed 001 s2.6: the service manager sees the held child, with the team leader's visits.
    from escalations.services import held_cin_raise

    held_cin_raise(case=case, by=by, reason=reason)
    return case


# --- Turning 18 in the Disabled Children's Service ------------------------------------------
# Seed 001 s3.10 (amended): the Disabled Children's Service keeps a disabled child through CIN,
# CP and CiC planning; at 18 they continue to receive services as an adult. The move is planned
# ahead: an `adult_services_transition` deadline, anchored on the 18th birthday at 09:00 London
# and due `pullback(birthday - 183 days)` (DEADLINES.md, local default).

ADULT_AGE = 18
ADULT_TRANSITION_ANCHOR_TIME = time(9, 0)
OPEN_STATUSES = (DeadlineStatus.OPEN, DeadlineStatus.BREACHED)


def adult_transition_anchor(case: Case) -> datetime:
    """The 18th birthday at 09:00 London: what the adult-services transition is anchored on."""
    return datetime.combine(case.birthday(ADULT_AGE), ADULT_TRANSITION_ANCHOR_TIME, tzinfo=LONDON)


def needs_adult_transition(case: Case, on: date) -> bool:
    """A disabled child held by the Disabled Children's Service, not closed, not yet 18 on
    `on`: their move to adult services is being planned."""
    return (
        case.has_disability
        and case.current_team.service in DISABLED_CHILDRENS_SERVICES
        and case.involvement != Involvement.CLOSED
        and case.age_on(on) < ADULT_AGE
    )


def _adult_transition_owner(case: Case) -> User | None:
    """The allocated worker; while there is none, the team manager."""
    return case.allocated_worker or case.current_team.manager


@transaction.atomic
def case_flag_adult_transition(*, case: Case, by: User | None = None) -> Deadline | None:
    """Seed 001 s3.10 (amended): flag a disabled child in the Disabled Children's Service for
    adult services ahead of their 18th birthday, with an `adult_services_transition` deadline on
    the case (owner: the allocated worker, else the team manager; the case's team).

    Idempotent: while one is open, no second is started; the open one follows the case to its
    current worker and team, and to a corrected date of birth. Returns the open deadline, or
    None when the child does not need one (not disabled, not in the service, closed, or 18)."""
    case = _locked(case)
    if not needs_adult_transition(case, timezone.localdate()):
        return None
    owner = _adult_transition_owner(case)
    anchor_at = adult_transition_anchor(case)
    kind = Kind.ADULT_SERVICES_TRANSITION
    deadline = open_deadlines(case, kind).select_for_update().order_by("pk").first()
    if deadline is None:
        return deadline_start(
            kind=kind,
            subject=case,
            case=case,
            anchor_at=anchor_at,
            owner=owner,
            owner_team=case.current_team,
            by=by,
        )
    if deadline.anchor_at != anchor_at:
        deadline = deadline_reschedule(
            deadline=deadline,
            anchor_at=anchor_at,
            by=by,
            reason="The child's date of birth was corrected",
        )
    deadline_reassign(subject=case, kind=kind, owner=owner, owner_team=case.current_team, by=by)
    deadline.refresh_from_db()
    return deadline


@transaction.atomic
def case_cancel_adult_transition(*, case: Case, reason: str, by: User | None = None) -> list:
    """The adult-services transition no longer applies to this case (it left the Disabled
    Children's Service, the child is no longer recorded as disabled, the case was closed)."""
    return deadline_cancel(subject=case, kind=Kind.ADULT_SERVICES_TRANSITION, by=by, reason=reason)


def _adult_transition_follow(case: Case, *, by: User | None) -> None:
    """After a case is opened, moved, changed or closed: flag it for adult services when it
    needs it; otherwise cancel a flag it no longer needs, saying why."""
    if needs_adult_transition(case, timezone.localdate()):
        case_flag_adult_transition(case=case, by=by)
        return
    if not case.has_disability:
        reason = "The child is no longer recorded as disabled."
    elif case.current_team.service not in DISABLED_CHILDRENS_SERVICES:
        reason = f"The case left the Disabled Children's Service for {case.current_team}."
    elif case.involvement == Involvement.CLOSED:
        reason = "The case was closed to Social Care."
    else:
        reason = "The child has turned 18."
    case_cancel_adult_transition(case=case, reason=reason, by=by)


def cases_awaiting_adult_transition_flag(on: date) -> models.QuerySet[Case]:
    """The cases `needs_adult_transition` on `on` that have no open adult-services transition:
    disabled children in the Disabled Children's Service, not closed, under 18. One query."""
    try:
        eighteen_years_before = on.replace(year=on.year - ADULT_AGE)
    except ValueError:  # 29 February: a child born on the 28th turned 18 yesterday
        eighteen_years_before = date(on.year - ADULT_AGE, 2, 28)
    flagged = Deadline.objects.filter(
        case=models.OuterRef("pk"),
        kind=Kind.ADULT_SERVICES_TRANSITION,
        status__in=OPEN_STATUSES,
    )
    return (
        Case.objects.filter(
            has_disability=True,
            current_team__service__in=DISABLED_CHILDRENS_SERVICES,
            date_of_birth__gt=eighteen_years_before,
        )
        .exclude(involvement=Involvement.CLOSED)
        .exclude(models.Exists(flagged))
    )


def case_flag_adult_transitions(
    *, by: User | None = None, batch_size: int = 1000, on: date | None = None
) -> int:
    """Backfill: flag every case that needs an adult-services transition and has none. Bulk-safe:
    only the cases that need one are read, a batch at a time (keyset by id), each batch in its
    own transaction with its cases locked, the deadlines and their audit records written in bulk
    with the same due instant, reminder and audit as `case_flag_adult_transition`. Safe to run
    again, and beside the application: a case flagged meanwhile is skipped. Returns how many
    cases were flagged."""
    on = on or timezone.localdate()
    kind = Kind.ADULT_SERVICES_TRANSITION
    policy = policy_for(kind)
    calendar = working_calendar()
    case_type = ContentType.objects.get_for_model(Case)
    deadline_type = ContentType.objects.get_for_model(Deadline)
    flagged, last_pk = 0, 0
    while True:
        ids = list(
            cases_awaiting_adult_transition_flag(on)
            .filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return flagged
        last_pk = ids[-1]
        with transaction.atomic():
            locked = list(
                Case.objects.select_for_update(of=("self",))
                .select_related("current_team")
                .filter(pk__in=ids)
                .order_by("pk")
            )
            # Read after the locks, so a flag another transaction committed meanwhile is seen.
            already = set(
                Deadline.objects.filter(
                    case_id__in=ids, kind=kind, status__in=OPEN_STATUSES
                ).values_list("case_id", flat=True)
            )
            now = timezone.now()
            deadlines = []
            for case in locked:
                if case.pk in already or not needs_adult_transition(case, on):
                    continue
                anchor_at = adult_transition_anchor(case)
                due_at = compute_due(kind, anchor_at, amount=policy.amount, calendar=calendar)
                deadlines.append(
                    Deadline(
                        kind=kind,
                        subject_type=case_type,
                        subject_id=str(case.pk),
                        case=case,
                        anchor_at=anchor_at,
                        due_at=due_at,
                        owner_id=case.allocated_worker_id or case.current_team.manager_id,
                        owner_team_id=case.current_team_id,
                        remind_at=reminder_time(
                            due_at=due_at,
                            anchor_at=anchor_at,
                            policy=policy,
                            calendar=calendar,
                            now=now,
                        ),
                    )
                )
            Deadline.objects.bulk_create(deadlines, batch_size=batch_size)
            AuditEvent.objects.bulk_create(
                [
                    AuditEvent(
                        at=now,
                        actor=by if getattr(by, "pk", None) else None,
                        action="deadline.start",
                        subject_type=deadline_type,
                        subject_id=str(deadline.pk),
                        case_id=deadline.case_id,
                        to_state=DeadlineStatus.OPEN,
                        changes={
                            "kind": [None, kind],
                            "due_at": [None, deadline.due_at.isoformat()],
                        },
                        note="Flagged for adult services by the backfill",
                    )
                    for deadline in deadlines
                ],
                batch_size=batch_size,
            )
            flagged += len(deadlines)


# --- Leaving a team -------------------------------------------------------------------------


@transaction.atomic
def case_hand_back_on_leaving(*, team: Team, user: User, by: User | None) -> list[Case]:
    """Issue 13: a worker who leaves `team` keeps none of its cases. Each case of the team
    allocated to them goes back to the team, unallocated, for the manager to reallocate; their
    open deadlines on the team's cases go to the team manager. Every change is audited (by
    `case_allocate` and `deadline_reassign`). Returns the cases handed back."""
    from transfers.models import LIVE, Transfer

    reason = f"{user} left {team}: back to the team manager for reallocation"
    handed_back = []
    for case in Case.objects.filter(current_team=team, allocated_worker=user).order_by("pk"):
        # A case mid-transfer is still handed back: the transfer's own steps allocate it later.
        live = Transfer.objects.filter(case=case, status__in=LIVE).first()
        case_allocate(case=case, team=team, worker=None, by=by, reason=reason, for_transfer=live)
        handed_back.append(case)
    manager = team.manager if team.manager_id != user.pk else None
    deadlines = Deadline.objects.filter(owner=user, status__in=OPEN_STATUSES).filter(
        models.Q(owner_team=team) | models.Q(case__current_team=team)
    )
    seen = set()
    for deadline in deadlines.select_related("subject_type").order_by("pk"):
        key = (deadline.subject_type_id, deadline.subject_id, deadline.kind)
        if key in seen or deadline.subject is None:
            continue
        seen.add(key)
        deadline_reassign(subject=deadline.subject, kind=deadline.kind, owner=manager, by=by)
    return handed_back
