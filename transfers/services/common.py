"""What every kind of transfer shares: locking, required text, who is on the duty rota, and
withdrawal."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.fsm import apply_transition
from deadlines.services import deadline_cancel
from people.models import Team, User
from people.roles import Role

from ..models import Transfer
from .notify import transfer_notify


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
    apply_transition(
        transfer,
        "withdraw",
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
            link=reverse("transfers:duty_queue"),
        )
    return transfer
