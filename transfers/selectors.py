"""Reading transfers for pages: queues, what needs a person's action, timelines."""

from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast

from audit.models import AuditEvent
from deadlines.models import Deadline, DeadlineStatus
from people.models import Team, User
from people.roles import Role
from people.selectors import teams_of

from . import permissions as can
from .models import LIVE, WITHDRAWABLE, Transfer, TransferStatus

S = TransferStatus


def involved_case_ids(user: User, teams: QuerySet[Team]) -> QuerySet:
    """Cases a transfer involves the user in.

    The receiving side (its team, the manager holding or deciding it, the allocated worker)
    sees the case while the transfer is live. The sending side (who asked, the supervisor, the
    sending team's manager) also keeps it once completed: the Early Help worker stays involved
    with the family after allocation (seed 002). Nobody keeps a withdrawn or refused one."""
    receiving = (
        Q(to_team__in=teams.values("pk"))
        | Q(assigned_to=user)
        | Q(decided_by=user)
        | Q(allocated_worker=user)
    )
    sending = Q(requested_by=user) | Q(step_up__supervisor=user) | Q(from_team__manager=user)
    return Transfer.objects.filter(
        (receiving & Q(status__in=LIVE))
        | (sending & Q(status__in=[*LIVE, TransferStatus.COMPLETED]))
    ).values("case_id")


def transfer_get_for_user(*, user: User, pk: int) -> Transfer | None:
    """The transfer if the user may see its case (else None: the views answer 404)."""
    from cases.selectors import cases_visible_to

    return (
        Transfer.objects.filter(pk=pk, case__in=cases_visible_to(user))
        .select_related(
            "case",
            "from_team",
            "to_team",
            "requested_by",
            "assigned_to",
            "allocated_worker",
            "decided_by",
            "step_up",
            "step_up__supervisor",
        )
        .first()
    )


def _with_due(transfers: QuerySet[Transfer]) -> QuerySet[Transfer]:
    """Annotate the earliest live deadline of each transfer, for sorting and display."""
    next_deadline = Deadline.objects.filter(
        subject_type__model="transfer",
        subject_type__app_label="transfers",
        subject_id=Cast(OuterRef("pk"), output_field=CharField()),
        status__in=[DeadlineStatus.OPEN, DeadlineStatus.BREACHED],
    ).order_by("due_at")
    return transfers.annotate(
        next_due_at=Subquery(next_deadline.values("due_at")[:1]),
        priority=Case(
            When(Q(urgent=True) | Q(section_47=True), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def duty_queue(user: User) -> QuerySet[Transfer]:
    """Step-ups waiting for Social Care: urgent and s47 first, then by discussion deadline."""
    own = teams_of(user)
    return (
        _with_due(
            Transfer.objects.filter(
                Q(to_team__in=own.values("pk")) | Q(assigned_to=user),
                status__in=[S.WITH_DUTY, S.PICKED_UP],
            )
        )
        .select_related("case", "from_team", "to_team", "assigned_to")
        .order_by("-section_47", "-priority", "next_due_at", "sent_at")
    )


def transfers_needing_action(user: User) -> QuerySet[Transfer]:
    """Everything waiting on this person, by the step it is at."""
    own = teams_of(user).values("pk")
    condition = Q(pk__in=[])
    if user.has_role(Role.EH_SUPERVISOR):
        condition |= Q(status__in=[S.ESCALATION_DISCUSSION, S.READY_TO_SEND], from_team__in=own)
    if user.has_role(Role.TEAM_MANAGER):
        condition |= Q(status=S.AWAITING_EH_DECISION, from_team__in=own)
        condition |= Q(status=S.READY_TO_SEND, from_team__manager=user)
    if user.has_role(Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER):
        condition |= Q(status__in=[S.WITH_DUTY, S.AWAITING_ALLOCATION], to_team__in=own)
        condition |= Q(status=S.PICKED_UP, assigned_to=user)
    condition |= Q(status__in=[S.WITH_DUTY, S.PICKED_UP], assigned_to=user)
    condition |= Q(status=S.ALLOCATED, allocated_worker=user)
    return (
        _with_due(Transfer.objects.filter(condition))
        .select_related("case", "from_team", "to_team")
        .order_by("-priority", "next_due_at", "created_at")
        .distinct()
    )


def requests_raised_by(user: User) -> QuerySet[Transfer]:
    return (
        _with_due(Transfer.objects.filter(requested_by=user, status__in=LIVE))
        .select_related("case", "to_team")
        .order_by("-created_at")
    )


def case_transfers(case) -> QuerySet[Transfer]:
    return Transfer.objects.filter(case=case).select_related("to_team", "from_team", "step_up")


def transfer_timeline(transfer: Transfer) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            subject_type__app_label="transfers",
            subject_type__model="transfer",
            subject_id=str(transfer.pk),
        )
        .select_related("actor")
        .order_by("at", "id")
    )


def transfer_deadlines(transfer: Transfer) -> QuerySet[Deadline]:
    return (
        Deadline.objects.filter(
            subject_type__app_label="transfers",
            subject_type__model="transfer",
            subject_id=str(transfer.pk),
        )
        .select_related("owner")
        .order_by("due_at")
    )


def eh_worker_involved(case) -> Transfer | None:
    """After a step-up is allocated the FFP/FSW stays involved (seed 002): the latest such."""
    return (
        Transfer.objects.filter(case=case, status__in=[S.ALLOCATED, S.COMPLETED], kind="step_up")
        .select_related("requested_by", "step_up")
        .order_by("-allocated_at")
        .first()
    )


@dataclass(frozen=True)
class Action:
    label: str
    url_name: str
    secondary: bool = False
    warning: bool = False


def available_actions(transfer: Transfer, user: User) -> list[Action]:
    """The next steps this person may take, for the buttons on the transfer page."""
    status = transfer.status
    actions: list[Action] = []
    if status == S.ESCALATION_DISCUSSION and can.review_as_supervisor(transfer, user):
        actions.append(Action("Review and send to the team manager", "transfers:review"))
    if status == S.AWAITING_EH_DECISION and can.decide_for_early_help(transfer, user):
        actions.append(Action("Record the Early Help decision", "transfers:eh_decision"))
    if status == S.READY_TO_SEND and can.send_to_duty(transfer, user):
        actions.append(Action("Complete and send the step-up form", "transfers:send"))
    if status == S.WITH_DUTY and can.act_for_duty(transfer, user):
        actions.append(Action("Pick up this request", "transfers:pick_up"))
    if status == S.PICKED_UP and can.decide_for_social_care(transfer, user):
        actions.append(Action("Record the discussion and decision", "transfers:decision"))
    if status == S.AWAITING_ALLOCATION and can.allocate(transfer, user):
        actions.append(Action("Allocate a social worker", "transfers:allocate"))
    if status in (S.ALLOCATED, S.COMPLETED) and can.record_after_allocation(transfer, user):
        step_up = transfer.step_up
        if not step_up.joint_visit_on:
            actions.append(Action("Record the joint visit", "transfers:joint_visit"))
        if not step_up.ten_day_discussion_on:
            actions.append(Action("Record the 10-day discussion", "transfers:ten_day"))
    if (
        status == S.NOT_AGREED
        and can.request_escalation(transfer, user)
        and not transfer.step_up.escalation_requested_at
    ):
        actions.append(
            Action(
                "Escalate to the Social Care service manager",
                "transfers:escalate",
                secondary=True,
            )
        )
    if transfer.status in WITHDRAWABLE and can.withdraw(transfer, user):
        actions.append(Action("Withdraw this request", "transfers:withdraw", warning=True))
    return actions
