"""The buttons a person is offered, built from the same permission functions the services check,
so a button shown is a button that works. Pages render only these lists; the step views check
the same `(permission, states)` pair through `STEPS`."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from people.models import User

from . import permissions as can
from .models import WITHDRAWABLE, Transfer, TransferStatus

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

    def allowed(self, transfer: Transfer, user: User) -> bool:
        return (
            transfer.status in self.statuses
            and self.still_open(transfer)
            and self.permission(transfer, user)
        )


def _refusal_open(transfer: Transfer) -> bool:
    step_up = transfer.step_up
    return not (step_up.refusal_accepted_at or step_up.escalation_requested_at)


AFTER_ALLOCATION = (S.ALLOCATED, S.COMPLETED)

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
    "transfers:withdraw": Step(
        "Withdraw this request", can.withdraw, tuple(WITHDRAWABLE), warning=True
    ),
}


def transfer_actions(transfer: Transfer, user: User) -> list[Action]:
    """The next steps this person may take on this transfer, for the buttons on its page."""
    return [
        Action(step.label, reverse(name, args=[transfer.pk]), step.secondary, step.warning)
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
    return actions
