"""The step-up as a GOV.UK task list: one row per step of seed 002, in order, with its status,
who holds it or who completed it, and a link only where the viewer is offered the step.

Reads only: the transfer, its step-up row and the transfer's audit events (the page already
has them as its timeline, so passing them costs no query). The links come from the same
`STEPS` entries the buttons and the step views check, so a link shown is a link that works."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from audit.models import AuditEvent
from people.models import User

from .actions import STEPS
from .models import Transfer, TransferStatus

S = TransferStatus

COMPLETED = "completed"
IN_PROGRESS = "in_progress"
WAITING = "waiting"
CANNOT_START = "cannot_start"
NOT_NEEDED = "not_needed"

# The GOV.UK tag colour of each status.
TAG_CLASSES = {
    COMPLETED: "govuk-tag--green",
    IN_PROGRESS: "govuk-tag--light-blue",
    WAITING: "govuk-tag--yellow",
    CANNOT_START: "govuk-tag--grey",
    NOT_NEEDED: "govuk-tag--grey",
}

# How far along the main line each status is: the number of steps (below) already done.
PROGRESS = {
    S.ESCALATION_DISCUSSION: 0,
    S.AWAITING_EH_DECISION: 1,
    S.READY_TO_SEND: 2,
    S.WITH_DUTY: 3,
    S.PICKED_UP: 4,
    S.AWAITING_ALLOCATION: 5,
    S.ALLOCATED: 6,
    S.COMPLETED: 6,
}
AFTER_ALLOCATION = 6  # the joint visit, 10-day discussion and new plan run side by side


@dataclass(frozen=True)
class TaskStep:
    name: str
    step: str  # the key of STEPS whose page takes it
    actions: tuple[str, ...]  # the audit actions that complete it
    done_verb: str


TASKS = (
    TaskStep(
        "Supervisor's discussion and review",
        "transfers:review",
        ("transfer.submit_to_manager",),
        "Sent to the team manager",
    ),
    TaskStep(
        "Early Help decision",
        "transfers:eh_decision",
        ("transfer.agree_escalation", "transfer.refuse_escalation"),
        "Decided",
    ),
    TaskStep("Send to Social Care", "transfers:send", ("transfer.send_to_duty",), "Sent"),
    TaskStep("Picked up by duty", "transfers:pick_up", ("transfer.pick_up",), "Picked up"),
    TaskStep(
        "Social Care's decision",
        "transfers:decision",
        ("transfer.agree_step_up", "transfer.refuse_step_up", "transfer.overturn_refusal"),
        "Decided",
    ),
    TaskStep("Allocate a social worker", "transfers:allocate", ("transfer.allocate",), "Allocated"),
    TaskStep("Joint visit", "transfers:joint_visit", ("transfer.joint_visit",), "Recorded"),
    TaskStep(
        "10-day discussion",
        "transfers:ten_day",
        ("transfer.ten_day_discussion",),
        "Recorded",
    ),
    TaskStep("New plan", "transfers:new_plan", ("transfer.new_plan",), "Recorded"),
)


@dataclass(frozen=True)
class Task:
    name: str
    status: str
    status_text: str
    hint: str
    url: str = ""

    @property
    def tag_class(self) -> str:
        return TAG_CLASSES[self.status]


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "j F Y, H:i")


def _by(event: AuditEvent | None) -> str:
    if event is None:
        return ""
    return f" by {event.actor or 'the system'} on {_when(event.at)}"


def _holder(transfer: Transfer, index: int) -> tuple[str, str]:
    """Who holds step `index` now: ("Waiting for <role>", "<person> holds it")."""
    step_up = transfer.step_up
    to_manager = transfer.to_team.manager if transfer.to_team_id else None
    if index in (0, 2):
        return "Waiting for the supervisor", f"{step_up.supervisor} holds it"
    if index == 1:
        return "Waiting for the team manager", f"{transfer.from_team.manager} holds it"
    if index == 3:
        if transfer.assigned_to_id:
            return "Waiting for Social Care", f"{transfer.assigned_to} holds it"
        return "Waiting for Social Care duty", f"The managers of {transfer.to_team} hold it"
    if index == 4:
        holder = transfer.assigned_to or to_manager
        return "Waiting for the duty manager", f"{holder} holds it"
    if index == 5:
        return "Waiting for the team manager", f"{to_manager}, {transfer.to_team}, holds it"
    return "Waiting for the social worker", f"{transfer.allocated_worker} holds it"


def _done_after_allocation(transfer: Transfer, index: int) -> bool:
    step_up = transfer.step_up
    return bool(
        {
            6: step_up.joint_visit_at,
            7: step_up.ten_day_discussion_at,
            8: step_up.new_plan_on,
        }[index]
    )


def _stopped_at(transfer: Transfer, events: dict[str, AuditEvent]) -> int | None:
    """Where a step-up that ended early stopped: the index of its first step no longer needed
    (None while it is on its main line)."""
    if transfer.status == S.EH_NOT_AGREED:
        return 2
    if transfer.status == S.NOT_AGREED:
        return 5
    if transfer.status == S.WITHDRAWN:
        withdrawn = events.get("transfer.withdraw_step_up") or events.get("transfer.withdraw")
        if withdrawn is not None and withdrawn.from_state in PROGRESS:
            return PROGRESS[withdrawn.from_state]
        return 0
    return None


def step_up_tasks(
    transfer: Transfer, user: User, events: list[AuditEvent] | None = None
) -> list[Task]:
    """The rows of a step-up's task list, as `user` sees them. `events`: the transfer's audit
    events (its timeline), when the caller has them already."""
    if events is None:
        from .selectors import transfer_timeline

        events = transfer_timeline(transfer)
    # The latest event of each action (an overturned refusal is followed by its overturn).
    latest: dict[str, AuditEvent] = {}
    for event in sorted(events, key=lambda e: (e.at, e.pk or 0)):
        latest[event.action] = event
    stopped = _stopped_at(transfer, latest)
    progress = PROGRESS.get(transfer.status, 0) if stopped is None else stopped
    tasks = []
    for index, task in enumerate(TASKS):
        event = next((latest[a] for a in reversed(task.actions) if a in latest), None)
        if index >= AFTER_ALLOCATION:
            done = progress >= AFTER_ALLOCATION and _done_after_allocation(transfer, index)
        else:
            done = index < progress
        if done:
            tasks.append(_completed(transfer, index, task, event))
            continue
        if stopped is not None:
            tasks.append(Task(task.name, NOT_NEEDED, "Not needed", _why_not_needed(transfer)))
            continue
        current = index == progress or (index >= AFTER_ALLOCATION and progress >= AFTER_ALLOCATION)
        if not current:
            tasks.append(Task(task.name, CANNOT_START, "Cannot start yet", ""))
            continue
        step = STEPS[task.step]
        waiting, holds = _holder(transfer, index)
        if step.allowed(transfer, user):
            url = reverse(task.step, args=[transfer.pk])
            tasks.append(Task(task.name, IN_PROGRESS, "In progress", "For you to do", url))
        else:
            tasks.append(Task(task.name, WAITING, waiting, holds))
    return tasks


def _completed(transfer: Transfer, index: int, task: TaskStep, event) -> Task:
    step_up = transfer.step_up
    hint = f"{task.done_verb}{_by(event)}"
    if index == 1 and transfer.status == S.EH_NOT_AGREED:
        hint = f"Not agreed{_by(event)}"
    elif index == 4 and event is not None:
        if event.action == "transfer.refuse_step_up":
            hint = f"Not agreed{_by(event)}"
        elif event.action == "transfer.overturn_refusal":
            hint = f"Agreed on escalation{_by(event)}"
        else:
            hint = f"Agreed{_by(event)}"
    elif index == 6 and step_up.joint_visit_at:
        hint = f"Visit on {_when(step_up.joint_visit_at)}, recorded{_by(event)}"
    elif index == 7 and step_up.ten_day_discussion_at:
        hint = f"Held on {_when(step_up.ten_day_discussion_at)}, recorded{_by(event)}"
    elif index == 8 and step_up.new_plan_on:
        hint = f"Agreed on {date_format(step_up.new_plan_on, 'j F Y')}, recorded{_by(event)}"
    return Task(task.name, COMPLETED, "Completed", hint.strip())


def _why_not_needed(transfer: Transfer) -> str:
    if transfer.status == S.WITHDRAWN:
        return "The request was withdrawn"
    if transfer.status == S.EH_NOT_AGREED:
        return "Early Help did not agree to step up"
    return "Social Care did not agree to step up"
