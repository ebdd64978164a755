"""The step-up's task list: a row per step, its status along the walk, who holds it, and a link
only for the person who may take the step."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from transfers import services
from transfers.actions import transfer_actions
from transfers.models import TransferStatus
from transfers.selectors import transfer_timeline
from transfers.task_list import (
    CANNOT_START,
    COMPLETED,
    IN_PROGRESS,
    NOT_NEEDED,
    WAITING,
    step_up_tasks,
)

S = TransferStatus
pytestmark = pytest.mark.django_db

NAMES = [
    "Supervisor's discussion and review",
    "Early Help decision",
    "Send to Social Care",
    "Picked up by duty",
    "Social Care's decision",
    "Allocate a social worker",
    "Joint visit",
    "10-day discussion",
    "New plan",
]


def statuses(transfer, user):
    return [task.status for task in step_up_tasks(transfer, user)]


def test_one_row_per_step_in_order(world, walk):
    transfer = walk(S.ESCALATION_DISCUSSION)
    assert [task.name for task in step_up_tasks(transfer, world.ffp)] == NAMES


# (stage, how many steps are completed before it, the role the current step waits for)
WALK = [
    (S.ESCALATION_DISCUSSION, 0, "Waiting for the supervisor"),
    (S.AWAITING_EH_DECISION, 1, "Waiting for the team manager"),
    (S.READY_TO_SEND, 2, "Waiting for the supervisor"),
    (S.WITH_DUTY, 3, "Waiting for Social Care duty"),
    (S.PICKED_UP, 4, "Waiting for the duty manager"),
    (S.AWAITING_ALLOCATION, 5, "Waiting for the team manager"),
]


@pytest.mark.parametrize(("stage", "done", "waiting"), WALK)
def test_statuses_along_the_walk_as_the_early_help_worker_sees_them(
    world, walk, stage, done, waiting
):
    transfer = walk(stage)
    tasks = step_up_tasks(transfer, world.ffp)
    assert [t.status for t in tasks[:done]] == [COMPLETED] * done
    assert all(t.status_text == "Completed" and " by " in t.hint for t in tasks[:done])
    current = tasks[done]
    assert (current.status, current.status_text, current.url) == (WAITING, waiting, "")
    assert current.hint.endswith("hold it") or current.hint.endswith("holds it")
    assert [t.status for t in tasks[done + 1 :]] == [CANNOT_START] * (len(NAMES) - done - 1)
    assert all(t.status_text == "Cannot start yet" for t in tasks[done + 1 :])


def test_after_allocation_the_last_three_steps_run_side_by_side(world, walk):
    transfer = walk(S.ALLOCATED)
    tasks = step_up_tasks(transfer, world.supervisor)
    assert [t.status for t in tasks] == [COMPLETED] * 6 + [WAITING] * 3
    assert tasks[5].hint.startswith(f"Allocated by {world.duty_tm} on ")
    assert {t.status_text for t in tasks[6:]} == {"Waiting for the social worker"}
    assert tasks[6].hint == f"{world.sw} holds it"
    # The Early Help worker goes on the joint visit, so may record it; the rest is not theirs.
    assert [t.status for t in step_up_tasks(transfer, world.ffp)[6:]] == [IN_PROGRESS] + [
        WAITING
    ] * 2

    # The social worker records the joint visit: that row is done, the others still theirs.
    services.step_up_record_joint_visit(
        transfer=transfer, by=world.sw, visited_at=timezone.now(), eh_worker_attended=True
    )
    transfer.refresh_from_db()
    tasks = step_up_tasks(transfer, world.sw)
    assert [t.status for t in tasks[6:]] == [COMPLETED, IN_PROGRESS, IN_PROGRESS]
    assert tasks[6].hint.startswith("Visit on ") and f"recorded by {world.sw}" in tasks[6].hint


def test_the_hint_says_who_completed_a_step_and_when_in_london_time(world, walk):
    transfer = walk(S.AWAITING_EH_DECISION)
    review = step_up_tasks(transfer, world.ffp)[0]
    event = next(e for e in transfer_timeline(transfer) if e.action.endswith("submit_to_manager"))
    london = timezone.localtime(event.at)
    assert review.hint == (
        f"Sent to the team manager by {world.supervisor} on {london:%-d %B %Y, %H:%M}"
    )


# Who may take the current step at each stage, and one person who may not.
TAKERS = [
    (S.ESCALATION_DISCUSSION, "supervisor", "ffp", "transfers:review"),
    (S.AWAITING_EH_DECISION, "eh_tm", "supervisor", "transfers:eh_decision"),
    (S.READY_TO_SEND, "supervisor", "ffp", "transfers:send"),
    (S.WITH_DUTY, "duty_atm", "sw", "transfers:pick_up"),
    (S.AWAITING_ALLOCATION, "duty_tm", "sw", "transfers:allocate"),
]


@pytest.mark.parametrize(("stage", "taker", "other", "step"), TAKERS)
def test_a_link_only_for_the_person_who_may_take_the_step(world, walk, stage, taker, other, step):
    transfer = walk(stage)
    mine = [t for t in step_up_tasks(transfer, getattr(world, taker)) if t.url]
    assert [(t.status, t.status_text, t.url) for t in mine] == [
        (IN_PROGRESS, "In progress", reverse(step, args=[transfer.pk]))
    ]
    # The same link is one of the buttons the page offers them: a link shown is one that works.
    offered = {a.url for a in transfer_actions(transfer, getattr(world, taker))}
    assert mine[0].url in offered
    assert not [t for t in step_up_tasks(transfer, getattr(world, other)) if t.url]
    assert not [t for t in step_up_tasks(transfer, world.outsider) if t.url]


def test_a_refusal_by_social_care_leaves_the_later_steps_not_needed(world, walk):
    transfer = walk(S.PICKED_UP)
    services.step_up_decide(
        transfer=transfer,
        by=transfer.assigned_to,
        outcome="nfa_advice",
        discussion_held_at=timezone.now(),
        note="Threshold not met",
    )
    transfer.refresh_from_db()
    assert transfer.status == S.NOT_AGREED
    tasks = step_up_tasks(transfer, world.duty_tm)
    assert [t.status for t in tasks] == [COMPLETED] * 5 + [NOT_NEEDED] * 4
    assert tasks[4].hint.startswith(f"Not agreed by {transfer.decided_by} on ")
    assert {t.status_text for t in tasks[5:]} == {"Not needed"}
    assert {t.hint for t in tasks[5:]} == {"Social Care did not agree to step up"}
    assert not [t for t in tasks if t.url]


def test_a_refusal_by_early_help_leaves_the_later_steps_not_needed(world, walk):
    transfer = walk(S.AWAITING_EH_DECISION)
    services.step_up_eh_decide(
        transfer=transfer,
        by=world.eh_tm,
        all_work_done=False,
        threshold_met=True,
        outcome="More work first",
        actions="Parenting support",
        advice="Try the family group conference",
    )
    transfer.refresh_from_db()
    tasks = step_up_tasks(transfer, world.supervisor)
    assert statuses(transfer, world.supervisor) == [COMPLETED] * 2 + [NOT_NEEDED] * 7
    assert tasks[1].hint.startswith(f"Not agreed by {world.eh_tm} on ")


def test_a_withdrawal_leaves_what_was_not_done_not_needed(world, walk):
    transfer = walk(S.WITH_DUTY)
    services.transfer_withdraw(transfer=transfer, by=world.supervisor, reason="Family moved away")
    transfer.refresh_from_db()
    assert transfer.status == S.WITHDRAWN
    tasks = step_up_tasks(transfer, world.supervisor)
    assert [t.status for t in tasks] == [COMPLETED] * 3 + [NOT_NEEDED] * 6
    assert tasks[3].hint == "The request was withdrawn"


def test_the_transfer_page_shows_the_task_list_with_the_viewers_link(world, walk):
    transfer = walk(S.WITH_DUTY)
    pick_up = reverse("transfers:pick_up", args=[transfer.pk])
    client = Client()
    client.force_login(world.duty_atm)
    content = client.get(transfer.get_absolute_url()).content.decode()
    assert "Steps of the step-up" in content
    assert 'class="govuk-task-list"' in content
    assert f'class="govuk-link govuk-task-list__link" href="{pick_up}"' in content
    assert content.count("govuk-task-list__item") >= len(NAMES)
    for name in NAMES:
        assert name.replace("'", "&#x27;") in content

    client.force_login(world.ffp)
    content = client.get(transfer.get_absolute_url()).content.decode()
    assert "Steps of the step-up" in content
    assert "govuk-task-list__link" not in content
    assert "Waiting for Social Care duty" in content
