"""The buttons a person is offered, built from the same permission functions the services check,
so a button shown is a button that works. Pages render only these lists; the step views check
the same `(permission, states)` pair through `STEPS`."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from casework import permissions as casework
from people.models import User

from . import permissions as can
from .models import (
    TEAM_MOVE_KINDS,
    WITHDRAWABLE_CIN_TO_CIC,
    WITHDRAWABLE_STEP_UP,
    WITHDRAWABLE_TEAM_MOVE,
    Transfer,
    TransferKind,
    TransferStatus,
)

S = TransferStatus


@dataclass(frozen=True)
class Action:
    label: str
    url: str
    secondary: bool = False
    warning: bool = False


@dataclass(frozen=True)
class Step:
    """One step page: who may take it, in which states, and whether it is still to do."""

    label: str
    permission: Callable[[Transfer, User], bool]
    statuses: tuple[str, ...]
    still_open: Callable[[Transfer], bool] = lambda transfer: True
    secondary: bool = False
    warning: bool = False
    kinds: tuple[str, ...] = (TransferKind.STEP_UP,)
    # Where the button goes, when not to the step named by its key (a casework page).
    url_name: str = ""
    query: str = ""

    def open_for(self, transfer: Transfer) -> bool:
        return (
            transfer.kind in self.kinds
            and transfer.status in self.statuses
            and self.still_open(transfer)
        )

    def allowed(self, transfer: Transfer, user: User) -> bool:
        return self.open_for(transfer) and self.permission(transfer, user)


def _refusal_open(transfer: Transfer) -> bool:
    step_up = transfer.step_up
    return not (step_up.refusal_accepted_at or step_up.escalation_requested_at)


def _may_escalate_transfer(transfer: Transfer, user: User) -> bool:
    from escalations.permissions import raise_for_transfer

    return raise_for_transfer(transfer, user)


def _no_live_escalation(transfer: Transfer) -> bool:
    """A declined or stuck transfer not already escalated (a declined one only once)."""
    from escalations.models import LIVE_ESCALATION, EscalationKind, EscalationStatus

    raised = transfer.escalations.filter(kind=EscalationKind.BLOCKED_TRANSFER)
    if transfer.status == S.DECLINED:
        return not raised.exclude(status=EscalationStatus.WITHDRAWN).exists()
    return not raised.filter(status__in=LIVE_ESCALATION).exists()


AFTER_ALLOCATION = (S.ALLOCATED, S.COMPLETED)
PREPARING = (S.PROPOSED, S.ACCEPTED, S.ALLOCATED)
CIC = (TransferKind.CIN_TO_CIC,)
CIC_LIVE = (S.CARE_CONFIRMED, S.TEAM_ALLOCATED, S.ALLOCATED)
ALL_KINDS = tuple(TransferKind.values)


def _summary_to_write(transfer: Transfer) -> bool:
    move = transfer.team_move
    return move.summary_required and not move.summary_written_at


def _summary_to_sign(transfer: Transfer) -> bool:
    move = transfer.team_move
    return move.summary_written_at is not None and move.summary_signed_off_at is None


def _capacity_to_escalate(transfer: Transfer) -> bool:
    from .services.team_move import NEVER_UNALLOCATED

    return (
        transfer.case.plan_type in NEVER_UNALLOCATED
        and transfer.team_move.capacity_escalated_at is None
    )


def _ready_to_complete(transfer: Transfer) -> bool:
    from .services.team_move import transfer_blockers

    return not transfer_blockers(transfer)


def _originating_records_notification(transfer: Transfer, user: User) -> bool:
    """Seed 001 s5: the originating team notifies; its worker or managers record it."""
    return can.prepare_transfer(transfer, user) and casework.record_notification(transfer, user)


def _originating_records_meeting(transfer: Transfer, user: User) -> bool:
    return can.prepare_transfer(transfer, user) and casework.record_transfer_meeting(transfer, user)


def _joint_visit_to_record(transfer: Transfer) -> bool:
    from casework.models import MeetingKind

    return not transfer.meetings.filter(
        kind=MeetingKind.JOINT_TRANSITION, held_at__isnull=False
    ).exists()


def _cic_ready(transfer: Transfer) -> bool:
    from .services.cin_to_cic import cin_to_cic_blockers

    return not cin_to_cic_blockers(transfer)


def _withdrawable(transfer: Transfer) -> bool:
    if transfer.kind == TransferKind.CIN_TO_CIC:
        return transfer.status in WITHDRAWABLE_CIN_TO_CIC
    allowed = (
        WITHDRAWABLE_STEP_UP if transfer.kind == TransferKind.STEP_UP else WITHDRAWABLE_TEAM_MOVE
    )
    return transfer.status in allowed


# url name -> step, in the order buttons appear.
STEPS: dict[str, Step] = {
    "transfers:review": Step(
        "Review and send to the team manager",
        can.review_as_supervisor,
        (S.ESCALATION_DISCUSSION,),
    ),
    "transfers:eh_decision": Step(
        "Record the Early Help decision", can.decide_for_early_help, (S.AWAITING_EH_DECISION,)
    ),
    "transfers:send": Step(
        "Complete and send the step-up form", can.send_to_duty, (S.READY_TO_SEND,)
    ),
    "transfers:pick_up": Step("Pick up this request", can.act_for_duty, (S.WITH_DUTY,)),
    "transfers:decision": Step(
        "Record the discussion and decision", can.decide_for_social_care, (S.PICKED_UP,)
    ),
    "transfers:allocate": Step("Allocate a social worker", can.allocate, (S.AWAITING_ALLOCATION,)),
    "transfers:joint_visit": Step(
        "Record the joint visit",
        can.record_joint_visit,
        AFTER_ALLOCATION,
        lambda t: not t.step_up.joint_visit_at,
    ),
    "transfers:ten_day": Step(
        "Record the 10-day discussion",
        can.record_after_allocation,
        AFTER_ALLOCATION,
        lambda t: not t.step_up.ten_day_discussion_at,
    ),
    "transfers:new_plan": Step(
        "Record a new plan",
        can.record_after_allocation,
        AFTER_ALLOCATION,
        lambda t: not t.step_up.new_plan_on,
        secondary=True,
    ),
    "transfers:accept_refusal": Step(
        "Accept Social Care's decision", can.accept_refusal, (S.NOT_AGREED,), _refusal_open
    ),
    "transfers:escalate": Step(
        "Escalate to the Social Care service manager",
        can.request_escalation,
        (S.NOT_AGREED,),
        _refusal_open,
        secondary=True,
    ),
    # --- transfers between teams (seeds 000 and 001) --------------------------------------------
    "transfers:decide": Step(
        "Accept or decline the transfer",
        can.decide_transfer,
        (S.PROPOSED,),
        kinds=TEAM_MOVE_KINDS,
    ),
    "transfers:summary": Step(
        "Write the transfer summary",
        can.prepare_transfer,
        PREPARING,
        _summary_to_write,
        kinds=TEAM_MOVE_KINDS,
    ),
    "transfers:sign_off": Step(
        "Sign off the transfer summary",
        can.sign_off_summary,
        PREPARING,
        _summary_to_sign,
        kinds=TEAM_MOVE_KINDS,
    ),
    "transfers:quality": Step(
        "Record the quality assurance check",
        can.quality_assure,
        (S.ACCEPTED, S.ALLOCATED),
        lambda t: t.team_move.qa_checked_at is None,
        kinds=TEAM_MOVE_KINDS,
    ),
    "transfers:allocate_receiving": Step(
        "Allocate a worker", can.allocate_receiving, (S.ACCEPTED,), kinds=TEAM_MOVE_KINDS
    ),
    "transfers:capacity": Step(
        "Escalate capacity to the Service Manager",
        can.escalate_capacity,
        (S.ACCEPTED,),
        _capacity_to_escalate,
        secondary=True,
        kinds=TEAM_MOVE_KINDS,
    ),
    "transfers:missing_work": Step(
        "Record missing work",
        can.record_missing_work,
        (S.ACCEPTED, S.ALLOCATED, S.COMPLETED),
        secondary=True,
        kinds=TEAM_MOVE_KINDS,
    ),
    "casework:notification_new": Step(
        "Record who was told in writing",
        _originating_records_notification,
        (S.ALLOCATED,),
        lambda t: not t.notifications.exists(),
        kinds=TEAM_MOVE_KINDS,
    ),
    "joint_transition": Step(
        "Record the joint transition visit",
        _originating_records_meeting,
        (S.ALLOCATED,),
        _joint_visit_to_record,
        kinds=(TransferKind.STEP_ACROSS,),
        url_name="casework:transfer_meeting_new",
        query="?kind=joint_transition",
    ),
    "casework:letter": Step(
        "Print the notification letter",
        casework.record_notification,
        (S.ALLOCATED, S.COMPLETED),
        lambda t: t.allocated_worker_id is not None,
        secondary=True,
        kinds=TEAM_MOVE_KINDS,
    ),
    "casework:transfer_meeting_new": Step(
        "Record a meeting",
        casework.record_transfer_meeting,
        (S.PROPOSED, S.ACCEPTED, S.ALLOCATED),
        secondary=True,
        kinds=TEAM_MOVE_KINDS,
    ),
    "transfers:complete": Step(
        "Complete the transfer",
        can.complete_transfer,
        (S.ALLOCATED,),
        _ready_to_complete,
        kinds=TEAM_MOVE_KINDS,
    ),
    # --- Child in Need to Children in Care (seed 004) ----------------------------------------
    "transfers:cic_notify_admin": Step(
        "Tell the Senior Performance Administrator",
        can.notify_senior_administrator,
        CIC_LIVE,
        lambda t: t.cin_to_cic.admin_notified_at is None,
        kinds=CIC,
    ),
    "transfers:cic_team": Step(
        "Allocate a Children in Care team",
        can.act_as_operational_manager,
        (S.CARE_CONFIRMED,),
        kinds=CIC,
    ),
    "transfers:cic_review": Step(
        "Enter the first Looked After review date",
        can.receiving_team_manager,
        (S.TEAM_ALLOCATED, S.ALLOCATED),
        lambda t: t.cin_to_cic.transfer_discussion_at is None,
        secondary=True,
        kinds=CIC,
    ),
    "transfers:cic_discussion": Step(
        "Record the transfer discussion",
        can.receiving_team_manager,
        (S.TEAM_ALLOCATED, S.ALLOCATED),
        lambda t: (
            t.cin_to_cic.first_lac_review_on is not None
            and t.cin_to_cic.transfer_discussion_at is None
        ),
        kinds=CIC,
    ),
    "transfers:cic_worker": Step(
        "Allocate a social worker", can.receiving_team_manager, (S.TEAM_ALLOCATED,), kinds=CIC
    ),
    "transfers:cic_family": Step(
        "Record that the child, family and professionals were told",
        can.prepare_transfer,
        (S.TEAM_ALLOCATED, S.ALLOCATED),
        lambda t: t.cin_to_cic.family_told_at is None,
        kinds=CIC,
    ),
    "transfers:cic_pre_transfer": Step(
        "Record the pre-transfer discussion",
        can.pre_transfer_discussion,
        (S.TEAM_ALLOCATED, S.ALLOCATED),
        lambda t: t.cin_to_cic.pre_transfer_at is None,
        kinds=CIC,
    ),
    "transfers:cic_ics": Step(
        "Confirm the transfer is recorded on ICS",
        can.record_on_ics,
        (S.ALLOCATED,),
        lambda t: t.cin_to_cic.ics_recorded_at is None,
        kinds=CIC,
    ),
    "transfers:cic_complete": Step(
        "Complete the transfer",
        can.complete_cin_to_cic,
        (S.ALLOCATED,),
        _cic_ready,
        kinds=CIC,
    ),
    # --- Escalations (issue 11) ------------------------------------------------------------
    "escalations:raise_for_transfer": Step(
        "Escalate to the service manager",
        _may_escalate_transfer,
        (S.DECLINED, S.PROPOSED, S.ACCEPTED, S.ALLOCATED, S.CARE_CONFIRMED, S.TEAM_ALLOCATED),
        _no_live_escalation,
        secondary=True,
        kinds=(*TEAM_MOVE_KINDS, TransferKind.CIN_TO_CIC),
    ),
    "transfers:withdraw": Step(
        "Withdraw this request",
        can.withdraw,
        (*WITHDRAWABLE_STEP_UP, *WITHDRAWABLE_TEAM_MOVE, *WITHDRAWABLE_CIN_TO_CIC),
        _withdrawable,
        warning=True,
        kinds=ALL_KINDS,
    ),
}


def transfer_actions(transfer: Transfer, user: User) -> list[Action]:
    """The next steps this person may take on this transfer, for the buttons on its page."""
    return [
        Action(
            step.label,
            reverse(step.url_name or name, args=[transfer.pk]) + step.query,
            step.secondary,
            step.warning,
        )
        for name, step in STEPS.items()
        if step.allowed(transfer, user)
    ]


def case_actions(case, user: User) -> list[Action]:
    """Transfer actions offered on a case page."""
    actions: list[Action] = []
    if can.start_step_up(case, user):
        actions.append(
            Action(
                "Start a step-up to Social Care",
                reverse("transfers:start", args=[case.reference]),
            )
        )
    if can.confirm_access_to_care(case, user):
        actions.append(
            Action(
                "Record that the panel confirmed access to care",
                reverse("transfers:cic_start", args=[case.reference]),
            )
        )
    if can.propose_transfer(case, user):
        actions.append(
            Action(
                "Propose a transfer to another team",
                reverse("transfers:propose", args=[case.reference]),
                secondary=True,
            )
        )
    return actions
