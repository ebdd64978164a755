"""The guards the review asked for: one live transfer per case, no re-recording, the safety plan,
the discussion's timing, 12-week routing, a moving clock, allocations beside a transfer, and a
broker that is down."""

from datetime import datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from cases.services import case_allocate
from deadlines.calendar import LONDON
from deadlines.models import Deadline
from people.roles import Role
from transfers import services
from transfers.models import Transfer, TransferKind, TransferStatus
from transfers.tests.conftest import at, closed_recently

S = TransferStatus
pytestmark = pytest.mark.django_db


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def test_the_database_refuses_a_second_live_transfer_for_a_case(world, walk):
    first = walk(S.WITH_DUTY)
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(
            kind=TransferKind.TEAM_TRANSFER,
            case=world.case,
            from_team=world.eh,
            requested_by=world.ffp,
        )
    services.transfer_withdraw(transfer=first, by=world.ffp, reason="Moved away")
    Transfer.objects.create(
        kind=TransferKind.TEAM_TRANSFER, case=world.case, from_team=world.eh, requested_by=world.ffp
    )  # now allowed


def test_the_discussion_cannot_be_before_the_form_was_sent(world, walk):
    with time_machine.travel(london(2026, 11, 24, 11, 15, 40), tick=False):
        transfer = walk(S.PICKED_UP)
    with time_machine.travel(london(2026, 11, 24, 12, 0), tick=False):
        with pytest.raises(ValidationError, match="before the form was sent"):
            services.step_up_decide(
                transfer=transfer,
                by=world.duty_atm,
                outcome="nfa_advice",
                discussion_held_at=london(2026, 11, 24, 11, 14),
                note="No",
            )
        # The minute it was sent counts: the form only takes hours and minutes.
        services.step_up_decide(
            transfer=transfer,
            by=world.duty_atm,
            outcome="nfa_advice",
            discussion_held_at=london(2026, 11, 24, 11, 15),
            note="No",
        )


def test_the_12_week_rule_only_routes_to_a_social_care_team(world, walk):
    world.cin.manager = None
    world.cin.save()
    world.graft.manager = world.cin_tm  # the closer now manages an Early Help-side team only
    world.graft.save()
    closed_recently(world.case, world.cin_tm, days=10)
    transfer = walk(S.WITH_DUTY)
    assert transfer.to_team == world.duty
    assert "no longer manages a Social Care team" in transfer.step_up.routing_reason


def test_the_12_week_rule_needs_the_closer_to_still_be_a_team_manager(world, walk):
    world.cin_tm.groups.clear()
    closed_recently(world.case, world.cin_tm, days=10)
    assert walk(S.WITH_DUTY).to_team == world.duty


def test_picking_up_moves_the_discussion_deadline_to_the_manager_who_holds_it(world, walk):
    transfer = walk(S.WITH_DUTY)
    deadline = Deadline.objects.get(subject_id=str(transfer.pk), kind="step_up_standard")
    assert deadline.owner == world.duty_tm
    services.step_up_pick_up(transfer=transfer, by=world.duty_atm)
    deadline.refresh_from_db()
    assert deadline.owner == world.duty_atm


def test_a_joint_visit_is_recorded_once_and_with_the_early_help_worker(world, walk, today):
    transfer = walk(S.ALLOCATED)
    with pytest.raises(ValidationError) as error:
        services.step_up_record_joint_visit(
            transfer=transfer, by=world.sw, visited_at=at(today), eh_worker_attended=False
        )
    # Without the Early Help worker, the visit is recordable only with the reason.
    assert "eh_worker_absent_reason" in error.value.error_dict
    services.step_up_record_joint_visit(
        transfer=transfer, by=world.sw, visited_at=at(today), eh_worker_attended=True
    )
    with pytest.raises(ValidationError, match="already recorded"):
        services.step_up_record_joint_visit(
            transfer=transfer,
            by=world.sw,
            visited_at=at(today - timedelta(days=1)),
            eh_worker_attended=True,
        )
    transfer.refresh_from_db()
    assert timezone.localtime(transfer.step_up.joint_visit_at).date() == today


def test_the_10_day_discussion_is_recorded_once(world, walk, today):
    transfer = walk(S.ALLOCATED)
    kwargs = {
        "transfer": transfer,
        "by": world.sw,
        "held_at": at(today),
        "worker_invited": True,
        "supervisor_invited": True,
        "new_plan_agreed": False,
    }
    services.step_up_record_ten_day_discussion(**kwargs)
    with pytest.raises(ValidationError, match="already recorded"):
        services.step_up_record_ten_day_discussion(**kwargs)


def test_the_safety_plan_stays_in_force_until_a_new_plan_is_recorded(world, walk, today):
    transfer = walk(S.ALLOCATED)
    world.case.refresh_from_db()
    assert world.case.safety_plan_in_force
    services.step_up_record_joint_visit(
        transfer=transfer, by=world.sw, visited_at=at(today), eh_worker_attended=True
    )
    world.case.refresh_from_db()
    assert world.case.safety_plan_in_force
    services.step_up_record_ten_day_discussion(
        transfer=transfer,
        by=world.sw,
        held_at=at(today),
        worker_invited=True,
        supervisor_invited=True,
        new_plan_agreed=True,
    )
    world.case.refresh_from_db()
    assert not world.case.safety_plan_in_force


def test_a_case_in_a_live_transfer_is_not_allocated_beside_it(world, walk, client):
    transfer = walk(S.AWAITING_ALLOCATION)
    with pytest.raises(ValidationError, match="being transferred"):
        case_allocate(case=world.case, team=world.duty, worker=world.sw, by=world.duty_tm)
    client.force_login(world.duty_tm)
    page = client.get(world.case.get_absolute_url()).content.decode()
    assert reverse("cases:allocate", args=[world.case.reference]) not in page
    services.step_up_allocate(transfer=transfer, by=world.duty_tm, worker=world.sw)
    world.case.refresh_from_db()
    assert world.case.allocated_worker == world.sw


def test_a_broker_that_is_down_does_not_turn_a_saved_step_into_an_error(
    world, walk, client, django_capture_on_commit_callbacks
):
    transfer = walk(S.READY_TO_SEND)
    client.force_login(world.supervisor)
    with (
        mock.patch(
            "deadlines.tasks.send_outbox_email.delay", side_effect=ConnectionError("broker down")
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            reverse("transfers:send", args=[transfer.pk]),
            {
                "request_summary": "s",
                "current_risks": "r",
                "family_informed": "yes",
                "family_agrees": "yes",
                "urgency": "urgent",
            },
        )
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == S.WITH_DUTY
    from deadlines.models import OutboxEmail

    assert OutboxEmail.objects.filter(status="pending", subject__startswith="URGENT").exists()


STALE_STEPS = {
    S.ESCALATION_DISCUSSION: lambda w, t: services.step_up_submit(transfer=t, by=w.supervisor),
    S.AWAITING_EH_DECISION: lambda w, t: services.step_up_eh_decide(
        transfer=t, by=w.eh_tm, all_work_done=True, threshold_met=True, outcome="o", actions="a"
    ),
    S.READY_TO_SEND: lambda w, t: services.step_up_send(
        transfer=t,
        by=w.supervisor,
        request_summary="s",
        current_risks="r",
        family_informed=True,
        family_agrees=True,
        urgent=False,
        section_47=False,
    ),
    S.WITH_DUTY: lambda w, t: services.step_up_pick_up(transfer=t, by=w.duty_atm),
    S.PICKED_UP: lambda w, t: services.step_up_decide(
        transfer=t,
        by=w.duty_atm,
        outcome="nfa_advice",
        discussion_held_at=timezone.now(),
        note="No",
    ),
}


@pytest.mark.parametrize("stage", list(STALE_STEPS))
def test_every_step_refuses_a_stale_copy(world, walk, stage):
    """The page was loaded, then the request was withdrawn: the step is refused, nothing saved."""
    transfer = walk(stage)
    stale = Transfer.objects.get(pk=transfer.pk)
    services.transfer_withdraw(transfer=transfer, by=world.ffp, reason="Moved")
    with pytest.raises(TransitionNotAllowed):
        STALE_STEPS[stage](world, stale)
    transfer.refresh_from_db()
    assert transfer.status == S.WITHDRAWN


def test_allocation_refuses_a_stale_copy(world, walk):
    transfer = walk(S.AWAITING_ALLOCATION)
    stale = Transfer.objects.get(pk=transfer.pk)
    services.step_up_allocate(transfer=transfer, by=world.duty_tm, worker=world.sw)
    with pytest.raises(TransitionNotAllowed):
        services.step_up_allocate(transfer=stale, by=world.duty_tm, worker=world.sw)


def test_the_requester_who_left_the_team_cannot_withdraw(world, walk):
    from django.core.exceptions import PermissionDenied

    transfer = walk(S.WITH_DUTY)
    world.ffp.memberships.all().delete()
    with pytest.raises(PermissionDenied):
        services.transfer_withdraw(transfer=transfer, by=world.ffp, reason="Left")


def test_only_the_named_supervisor_reviews(world, walk):
    from django.core.exceptions import PermissionDenied

    from people.tests.factories import UserFactory

    other = UserFactory(roles=[Role.EH_SUPERVISOR], teams=[world.eh])
    transfer = walk(S.ESCALATION_DISCUSSION)
    with pytest.raises(PermissionDenied):
        services.step_up_submit(transfer=transfer, by=other)


def test_a_team_manager_of_another_team_cannot_decide_for_early_help(world, walk):
    from django.core.exceptions import PermissionDenied

    world.duty_tm.memberships.create(team=world.eh)  # a member, but not its manager
    transfer = walk(S.AWAITING_EH_DECISION)
    with pytest.raises(PermissionDenied):
        services.step_up_eh_decide(
            transfer=transfer,
            by=world.duty_tm,
            all_work_done=True,
            threshold_met=True,
            outcome="o",
            actions="a",
        )


def test_an_escalation_without_service_managers_reaches_the_assistant_director(
    world, walk, django_capture_on_commit_callbacks
):
    from django.core import mail

    from people.tests.factories import UserFactory

    world.service_manager.groups.clear()
    director = UserFactory(roles=[Role.ASSISTANT_DIRECTOR])
    transfer = walk(S.PICKED_UP)
    services.step_up_decide(
        transfer=transfer,
        by=world.duty_atm,
        outcome="nfa_advice",
        discussion_held_at=timezone.now(),
        note="No",
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.step_up_request_escalation(
            transfer=transfer, by=world.locality_lead, note="Disagree"
        )
    # Nobody answers at the service manager's level: it goes straight to the director's.
    escalations = [m.to for m in mail.outbox if "Escalated to you as" in m.subject]
    assert escalations == [[director.email]]


def test_after_a_refusal_the_duty_manager_is_sent_home_not_to_a_404(client, world, walk):
    transfer = walk(S.PICKED_UP)
    client.force_login(world.duty_atm)
    now = timezone.localtime()
    response = client.post(
        reverse("transfers:decision", args=[transfer.pk]),
        {
            "discussion_date_0": now.day,
            "discussion_date_1": now.month,
            "discussion_date_2": now.year,
            "discussion_time": now.strftime("%H:%M"),
            "agreed": "no",
            "refused_outcome": "nfa_advice",
            "note": "Below threshold",
            "confirm": "yes",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_team_deadlines_hide_cases_the_user_no_longer_sees(client, world, walk):
    transfer = walk(S.PICKED_UP)
    services.step_up_decide(
        transfer=transfer,
        by=world.duty_atm,
        outcome="nfa_advice",
        discussion_held_at=timezone.now(),
        note="No",
    )
    client.force_login(world.sw)  # duty social worker, not named on the transfer
    response = client.get("/deadlines/", {"status": "all"})
    assert response.status_code == 200
    assert world.case.reference not in response.content.decode()


def test_the_services_refuse_blank_required_text(world, walk):
    transfer = walk(S.AWAITING_EH_DECISION)
    with pytest.raises(ValidationError) as error:
        services.step_up_eh_decide(
            transfer=transfer,
            by=world.eh_tm,
            all_work_done=True,
            threshold_met=True,
            outcome=" ",
            actions="",
        )
    assert {"outcome", "actions"} <= set(error.value.error_dict)
    transfer = services.step_up_eh_decide(
        transfer=transfer,
        by=world.eh_tm,
        all_work_done=True,
        threshold_met=True,
        outcome="o",
        actions="a",
    )
    with pytest.raises(ValidationError) as error:
        services.step_up_send(
            transfer=transfer,
            by=world.supervisor,
            request_summary="",
            current_risks="",
            family_informed=True,
            family_agrees=True,
            urgent=False,
            section_47=False,
        )
    assert {"request_summary", "current_risks"} <= set(error.value.error_dict)


def test_duty_managers_are_told_of_a_withdrawal_with_a_link_they_can_open(
    world, walk, django_capture_on_commit_callbacks
):
    from django.core import mail

    transfer = walk(S.WITH_DUTY)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.transfer_withdraw(transfer=transfer, by=world.ffp, reason="Family moved")
    to_duty = [m for m in mail.outbox if m.to[0] == world.duty_atm.email]
    assert len(to_duty) == 1
    assert reverse("transfers:duty_queue") in to_duty[0].body
    assert transfer.get_absolute_url() not in to_duty[0].body
    to_ffp = [m for m in mail.outbox if m.to[0] == world.ffp.email]
    assert transfer.get_absolute_url() in to_ffp[0].body
