"""Mending a stuck transfer (issue 13): the system administrator, and only they, may withdraw a
transfer with a reason or hand it to another person, when the people who should have cannot
(a manager who left, a request nobody can reach). Each is one audited step, told to those
waiting on it, through the same transitions and deadlines as the journeys."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from deadlines.services import deadline_cancel, deadline_reassign, open_deadlines
from people.models import User
from people.roles import Role

from ..models import LIVE, Transfer
from .common import WITHDRAW_STEP, locked, require_text, sending_side, take_step
from .notify import transfer_notify


def may_mend(user: User) -> bool:
    return user.is_active and user.has_role(Role.SYSTEM_ADMINISTRATOR)


def _check(transfer: Transfer, by: User) -> None:
    if not may_mend(by):
        raise PermissionDenied("Only a system administrator can mend a transfer.")
    if transfer.status not in LIVE:
        raise ValidationError("Only a transfer still going on can be mended.")


@transaction.atomic
def transfer_operator_withdraw(*, transfer: Transfer, by: User, reason: str) -> Transfer:
    """Withdraw a live transfer of any kind at any stage, with the reason; its deadlines are
    cancelled and both sides are told."""
    require_text(reason=(reason, "Enter why the transfer is withdrawn"))
    transfer = locked(transfer)
    _check(transfer, by)
    method = getattr(transfer, WITHDRAW_STEP[transfer.kind])
    from django_fsm import can_proceed

    if not can_proceed(method):
        raise ValidationError(
            "This transfer cannot be withdrawn at its stage. Reassign it to someone who can "
            "take it on instead."
        )
    take_step(
        transfer,
        WITHDRAW_STEP[transfer.kind],
        by=by,
        case=transfer.case,
        note=f"Withdrawn by the system administrator: {reason}",
        withdrawn_by=by,
        reason=reason,
        at=timezone.now(),
    )
    deadline_cancel(subject=transfer, by=by, reason=f"Withdrawn by an administrator: {reason}")
    transfer_notify(
        transfer,
        event="operator_withdrawn",
        recipients=[*sending_side(transfer), transfer.assigned_to, transfer.to_team.manager],
        heading="Transfer withdrawn by the system administrator",
        lines=[f"{by} withdrew it: {reason}"],
    )
    return transfer


@transaction.atomic
def transfer_operator_reassign(
    *, transfer: Transfer, by: User, holder: User, reason: str
) -> Transfer:
    """Hand the transfer's current step and its open deadlines to another person (a manager
    of the receiving team, say, when the one holding it has left)."""
    require_text(reason=(reason, "Enter why it is reassigned"))
    transfer = locked(transfer)
    _check(transfer, by)
    if not holder.is_active:
        raise ValidationError({"holder": "Choose someone whose account is active"})
    before = transfer.assigned_to_id
    Transfer.objects.filter(pk=transfer.pk).update(assigned_to=holder)
    transfer.assigned_to = holder
    kinds = set(open_deadlines(transfer).values_list("kind", flat=True))
    for kind in sorted(kinds):
        deadline_reassign(subject=transfer, kind=kind, owner=holder, by=by)
    audit_record(
        actor=by,
        action="transfer.operator_reassign",
        subject=transfer,
        case=transfer.case,
        changes={"assigned_to": [before, holder.pk]},
        note=reason,
    )
    transfer_notify(
        transfer,
        event=f"operator_reassigned:{holder.pk}",
        recipients=[holder, *sending_side(transfer)],
        heading="Transfer reassigned by the system administrator",
        lines=[f"{by} handed the transfer's next step to {holder}: {reason}"],
    )
    return transfer
