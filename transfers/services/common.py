"""What every kind of transfer shares: locking, required text, who is on the duty rota, and
withdrawal."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_fsm import TransitionNotAllowed, can_proceed, has_transition_perm

from audit.services import audit_record, changed_since, saved_values
from deadlines.services import deadline_cancel
from people.models import Team, User
from people.roles import Role

from ..models import STAGE_OF, Transfer, TransferStage
from .notify import transfer_notify

# Each kind's own withdrawal step.
WITHDRAW_STEP = {
    "step_up": "withdraw_step_up",
    "cin_to_cic": "withdraw_cin_to_cic",
    "step_across": "withdraw_transfer",
    "step_down": "withdraw_transfer",
    "team_transfer": "withdraw_transfer",
}

# The stage transition that brings a transfer to each stage.
STAGE_TRANSITIONS = {
    TransferStage.AGREED: "stage_agreed",
    TransferStage.ALLOCATED: "stage_allocated",
    TransferStage.COMPLETED: "stage_completed",
    TransferStage.REFUSED: "stage_refused",
    TransferStage.WITHDRAWN: "stage_withdrawn",
}


def take_step(
    transfer: Transfer,
    name: str,
    *,
    by: User | None,
    note: str = "",
    case=None,
    check_permission: bool = False,
    **kwargs: Any,
) -> Any:
    """Take the kind's step `name` and, when the step means it, the shared stage with it: one
    save and one audit record naming both (from, to, and the stage change).

    State first (a step no longer open is "moved on", whoever asks), then the step's
    `permission=`. A stale copy raises django_fsm.ConcurrentTransition on save."""
    method = getattr(transfer, name)
    if not can_proceed(method):
        raise TransitionNotAllowed(
            f"Cannot {name.replace('_', ' ')} from {transfer.status}",
            object=transfer,
            method=method,
        )
    if check_permission and (by is None or not has_transition_perm(method, by)):
        raise PermissionDenied("Your role does not allow this step.")
    from_status, from_stage = transfer.status, transfer.stage
    # Before: the saved row, so what the service set ahead of the step (the receiving team,
    # who holds it, urgency, references) is in the record with what the step set.
    before = saved_values(transfer)
    result = method(**kwargs)
    stage = STAGE_OF[transfer.status]
    if stage != from_stage:
        getattr(transfer, STAGE_TRANSITIONS[stage])()
    transfer.save()
    audit_record(
        actor=by,
        action=f"transfer.{name}",
        subject=transfer,
        case=case or transfer.case,
        from_state=from_status,
        to_state=transfer.status,
        changes=changed_since(before, transfer, ignore=["status"]),
        note=note,
    )
    return result


def require_text(**fields: tuple[str, str]) -> None:
    """Each field must have text; the services say so themselves, not only the forms."""
    errors = {name: message for name, (value, message) in fields.items() if not value.strip()}
    if errors:
        raise ValidationError(errors)


def locked(transfer: Transfer) -> Transfer:
    """The transfer re-read FOR UPDATE: a second person acting at the same moment waits, then
    finds the state already moved and is refused."""
    return (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("case", "from_team", "to_team", "step_up")
        .get(pk=transfer.pk)
    )


def duty_managers(team: Team | None) -> list[User]:
    """The team's manager first, then its other TMs and ATMs."""
    if team is None:
        return []
    people = list(
        User.objects.filter(
            memberships__team=team,
            groups__name__in=[Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER],
            is_active=True,
        ).distinct()
    )
    if team.manager and team.manager not in people:
        people.insert(0, team.manager)
    return people


def sending_side(transfer: Transfer) -> list[User]:
    """Everyone on the sending side who waits on the transfer: who asked, the team's manager
    and, for a step-up, the Early Help worker and supervisor."""
    people = [transfer.requested_by, transfer.from_team.manager]
    step_up = getattr(transfer, "step_up", None)
    if step_up is not None:
        people += [step_up.eh_worker, step_up.supervisor]
    return [p for p in people if p is not None]


@transaction.atomic
def transfer_withdraw(*, transfer: Transfer, by: User, reason: str) -> Transfer:
    """Any time before a decision, with a reason. Its deadlines are cancelled and both sides
    are told."""
    require_text(reason=(reason, "Enter why the request is withdrawn"))
    transfer = locked(transfer)
    take_step(
        transfer,
        WITHDRAW_STEP[transfer.kind],
        by=by,
        check_permission=True,
        case=transfer.case,
        note=reason,
        withdrawn_by=by,
        reason=reason,
        at=timezone.now(),
    )
    deadline_cancel(subject=transfer, by=by, reason=f"Request withdrawn: {reason}")
    label = transfer.get_kind_display()
    transfer_notify(
        transfer,
        event="withdrawn",
        recipients=sending_side(transfer),
        heading=f"{label} request withdrawn",
        lines=[f"{by} withdrew the request: no further action is needed."],
    )
    if transfer.sent_at:
        # The receiving side no longer sees the case: their link is their queue.
        receiving = (
            [transfer.assigned_to] if transfer.assigned_to else duty_managers(transfer.to_team)
        )
        transfer_notify(
            transfer,
            event="withdrawn",
            recipients=receiving,
            heading=f"{label} request withdrawn",
            lines=["The sending team withdrew the request. No further action is needed."],
            link=reverse(
                "transfers:duty_queue" if transfer.kind == "step_up" else "transfers:inbox"
            ),
        )
    return transfer
