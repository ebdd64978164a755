"""Step up from Early Help to Social Care (seed 002), through the services: every path."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from audit.models import AuditEvent
from cases.choices import PlanType
from cases.models import Allocation
from deadlines.calendar import LONDON
from deadlines.models import Deadline, DeadlineStatus, OutboxEmail
from transfers import services
from transfers.models import Transfer, TransferStatus
from transfers.tests.conftest import at, closed_recently

S = TransferStatus
pytestmark = pytest.mark.django_db


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def deadline_of(transfer, kind) -> Deadline:
    return Deadline.objects.get(subject_id=str(transfer.pk), kind=kind)


# --- step 1: the escalation discussion ----------------------------------------------------


def test_a_worker_starts_an_escalation_discussion(world):
    transfer = services.step_up_start(
        case=world.case,
        by=world.ffp,
        supervisor=world.supervisor,
        concerns="Bruising",
        work_tried="Parenting support",
        why_now="New injury",
        urgent=False,
        section_47=False,
    )
    assert transfer.status == S.ESCALATION_DISCUSSION
    assert transfer.from_team == world.eh
    assert transfer.step_up.concerns == "Bruising"
    event = AuditEvent.objects.get(action="transfer.start")
    assert (event.actor, event.case, event.to_state) == (
        world.ffp,
        world.case,
        S.ESCALATION_DISCUSSION,
    )
    assert [e.to_email for e in OutboxEmail.objects.all()] == [world.supervisor.email]


def test_section_47_is_always_urgent(world, walk):
    transfer = walk(S.ESCALATION_DISCUSSION, section_47=True)
    assert transfer.urgent and transfer.section_47


def test_a_worker_in_another_team_cannot_start_a_step_up(world):
    with pytest.raises(PermissionDenied):
        services.step_up_start(
            case=world.case,
            by=world.outsider,
            supervisor=world.supervisor,
            concerns="c",
            work_tried="w",
            why_now="n",
            urgent=False,
            section_47=False,
        )
    assert not Transfer.objects.exists()


def test_only_one_live_step_up_per_case(world, walk):
    walk(S.ESCALATION_DISCUSSION)
    with pytest.raises(ValidationError, match="already has a transfer in progress"):
        walk(S.ESCALATION_DISCUSSION)


def test_the_supervisor_must_be_an_eh_supervisor_in_the_team(world):
    with pytest.raises(ValidationError) as error:
        services.step_up_start(
            case=world.case,
            by=world.ffp,
            supervisor=world.eh_tm,
            concerns="c",
            work_tried="w",
            why_now="n",
            urgent=False,
            section_47=False,
        )
    assert "supervisor" in error.value.error_dict
    assert not Transfer.objects.exists()


def test_a_case_not_open_to_early_help_cannot_be_stepped_up(world):
    world.case.current_team = world.cin
    world.case.save()
    world.ffp.memberships.create(team=world.cin)
    with pytest.raises(PermissionDenied, match="Early Help or Graft"):
        services.step_up_start(
            case=world.case,
            by=world.ffp,
            supervisor=world.supervisor,
            concerns="c",
            work_tried="w",
            why_now="n",
            urgent=False,
            section_47=False,
        )


def test_only_the_supervisor_submits_to_the_team_manager(world, walk):
    transfer = walk(S.ESCALATION_DISCUSSION)
    with pytest.raises(PermissionDenied):
        services.step_up_submit(transfer=transfer, by=world.ffp)
    services.step_up_submit(transfer=transfer, by=world.supervisor, supervisor_notes="Agree")
    transfer.refresh_from_db()
    assert transfer.status == S.AWAITING_EH_DECISION


# --- step 2: the Early Help team manager decides -----------------------------------------


def test_eh_not_agreed_records_advice_and_the_case_stays_with_early_help(world, walk):
    transfer = walk(S.AWAITING_EH_DECISION)
    services.step_up_eh_decide(
        transfer=transfer,
        by=world.eh_tm,
        all_work_done=True,
        threshold_met=False,
        outcome="Threshold not met",
        actions="TAF meeting",
        advice="Try a family group conference",
    )
    transfer.refresh_from_db()
    assert transfer.status == S.EH_NOT_AGREED
    assert transfer.step_up.eh_advice == "Try a family group conference"
    world.case.refresh_from_db()
    assert world.case.current_team == world.eh
    assert world.case.plan_type == PlanType.EARLY_HELP
    # The Early Help clocks were met; nothing is left running.
    assert not Deadline.objects.filter(status=DeadlineStatus.OPEN).exists()


def test_eh_not_agreed_needs_advice(world, walk):
    transfer = walk(S.AWAITING_EH_DECISION)
    with pytest.raises(ValidationError):
        services.step_up_eh_decide(
            transfer=transfer,
            by=world.eh_tm,
            all_work_done=True,
            threshold_met=False,
            outcome="No",
            actions="None",
            advice=" ",
        )
    transfer.refresh_from_db()
    assert transfer.status == S.AWAITING_EH_DECISION


def test_only_the_eh_team_manager_decides(world, walk):
    transfer = walk(S.AWAITING_EH_DECISION)
    for person in (world.ffp, world.supervisor, world.graft_tm, world.duty_tm):
        with pytest.raises(PermissionDenied):
            services.step_up_eh_decide(
                transfer=transfer,
                by=person,
                all_work_done=True,
                threshold_met=True,
                outcome="o",
                actions="a",
            )


def test_a_graft_case_is_decided_by_the_graft_team_manager(world):
    case = world.case
    case.current_team = world.graft
    case.save()
    world.supervisor.memberships.create(team=world.graft)
    transfer = services.step_up_start(
        case=case,
        by=world.graft_worker,
        supervisor=world.supervisor,
        concerns="c",
        work_tried="w",
        why_now="n",
        urgent=False,
        section_47=False,
    )
    services.step_up_submit(transfer=transfer, by=world.supervisor)
    with pytest.raises(PermissionDenied):
        services.step_up_eh_decide(
            transfer=transfer,
            by=world.eh_tm,
            all_work_done=True,
            threshold_met=True,
            outcome="o",
            actions="a",
        )
    services.step_up_eh_decide(
        transfer=transfer,
        by=world.graft_tm,
        all_work_done=True,
        threshold_met=True,
        outcome="o",
        actions="a",
    )
    transfer.refresh_from_db()
    assert transfer.status == S.READY_TO_SEND


def test_the_form_cannot_be_sent_before_the_eh_team_manager_agreed(world, walk):
    for stage in (S.ESCALATION_DISCUSSION, S.AWAITING_EH_DECISION):
        transfer = walk(stage)
        with pytest.raises(TransitionNotAllowed):
            services.step_up_send(
                transfer=transfer,
                by=world.supervisor,
                request_summary="s",
                current_risks="r",
                family_informed=True,
                family_agrees=True,
                urgent=False,
                section_47=False,
            )
        assert not Deadline.objects.filter(
            subject_id=str(transfer.pk), kind__in=["step_up_urgent", "step_up_standard"]
        ).exists()
        services.transfer_withdraw(transfer=transfer, by=world.ffp, reason="Test reset")


# --- sending: the clock starts --------------------------------------------------------------


@time_machine.travel(london(2026, 11, 24, 11, 15), tick=False)
def test_an_urgent_step_up_gets_a_4_hour_deadline_and_tells_duty_at_once(
    world, walk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        transfer = walk(S.WITH_DUTY, urgent=True)
    assert transfer.to_team == world.duty
    deadline = deadline_of(transfer, "step_up_urgent")
    assert deadline.due_at == london(2026, 11, 24, 15, 15)
    assert deadline.owner == world.duty_tm and deadline.owner_team == world.duty
    sent = [m for m in mail.outbox if "request" in m.subject]
    assert {m.to[0] for m in sent} == {world.duty_tm.email, world.duty_atm.email}
    for message in sent:
        assert message.subject.startswith("URGENT ")
        assert world.case.reference in message.subject
        body = message.body + message.alternatives[0][0]
        assert "Ada" not in body and "Lovelace" not in body and "Lovelace" not in message.subject
        assert "Tuesday 24 November 2026 at 3:15pm" in body


@time_machine.travel(london(2026, 12, 3, 14, 0), tick=False)
def test_a_standard_step_up_gets_the_48_hour_deadline(
    world, walk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        transfer = walk(S.WITH_DUTY)
    assert deadline_of(transfer, "step_up_standard").due_at == london(2026, 12, 4, 17, 0)
    assert mail.outbox
    assert not any(m.subject.startswith("URGENT") for m in mail.outbox)


def test_sending_is_audited_with_who_when_from_and_to(world, walk):
    transfer = walk(S.WITH_DUTY)
    event = AuditEvent.objects.get(action="transfer.send_to_duty", subject_id=str(transfer.pk))
    assert (event.actor, event.from_state, event.to_state) == (
        world.supervisor,
        S.READY_TO_SEND,
        S.WITH_DUTY,
    )


# --- the 12-week rule ---------------------------------------------------------------------


def test_a_case_closed_to_social_care_within_12_weeks_goes_to_the_closing_manager(world, walk):
    closed_recently(world.case, world.cin_tm, days=84)
    transfer = walk(S.WITH_DUTY)
    assert transfer.to_team == world.cin
    assert transfer.assigned_to == world.cin_tm
    assert transfer.step_up.routed_to_closing_manager
    assert "12 weeks" in transfer.step_up.routing_reason
    assert deadline_of(transfer, "step_up_standard").owner == world.cin_tm
    with pytest.raises(PermissionDenied):
        services.step_up_pick_up(transfer=transfer, by=world.duty_atm)
    services.step_up_pick_up(transfer=transfer, by=world.cin_tm)
    services.step_up_decide(
        transfer=transfer,
        by=world.cin_tm,
        outcome="s17_assessment",
        discussion_held_at=timezone.now(),
        note="ok",
        contact_reference="C",
        referral_reference="R",
    )
    services.step_up_allocate(transfer=transfer, by=world.cin_tm, worker=world.cin_sw)
    world.case.refresh_from_db()
    assert (world.case.current_team, world.case.allocated_worker) == (world.cin, world.cin_sw)


def test_a_case_closed_more_than_12_weeks_ago_goes_to_duty(world, walk):
    closed_recently(world.case, world.cin_tm, days=85)
    transfer = walk(S.WITH_DUTY)
    assert transfer.to_team == world.duty
    assert transfer.assigned_to is None
    assert not transfer.step_up.routed_to_closing_manager


# --- step 3: duty picks up, discusses and decides -------------------------------------------


def test_pick_up_assigns_the_request_to_the_duty_manager(world, walk):
    transfer = walk(S.WITH_DUTY)
    services.step_up_pick_up(transfer=transfer, by=world.duty_atm)
    transfer.refresh_from_db()
    assert (transfer.status, transfer.assigned_to) == (S.PICKED_UP, world.duty_atm)


@pytest.mark.parametrize("who", ["sw", "ffp", "eh_tm", "cin_tm"])
def test_only_duty_managers_pick_up(world, walk, who):
    transfer = walk(S.WITH_DUTY)
    with pytest.raises(PermissionDenied):
        services.step_up_pick_up(transfer=transfer, by=getattr(world, who))


def test_a_stale_second_pick_up_is_refused(world, walk):
    transfer = walk(S.WITH_DUTY)
    stale = Transfer.objects.get(pk=transfer.pk)
    services.step_up_pick_up(transfer=transfer, by=world.duty_atm)
    with pytest.raises(TransitionNotAllowed):
        services.step_up_pick_up(transfer=stale, by=world.duty_tm)
    transfer.refresh_from_db()
    assert transfer.assigned_to == world.duty_atm
    assert AuditEvent.objects.filter(action="transfer.pick_up").count() == 1


def test_agreed_moves_the_case_to_social_care_awaiting_allocation(world, walk):
    with time_machine.travel(london(2026, 11, 24, 10, 0), tick=False):
        transfer = walk(S.PICKED_UP)
    held = london(2026, 11, 24, 10, 30)
    with time_machine.travel(london(2026, 11, 24, 11, 0), tick=False):
        services.step_up_decide(
            transfer=transfer,
            by=world.duty_atm,
            outcome="s17_assessment",
            discussion_held_at=held,
            note="Threshold met",
            contact_reference="EHM-1",
            referral_reference="LCS-9",
        )
    transfer.refresh_from_db()
    assert transfer.status == S.AWAITING_ALLOCATION
    assert (transfer.step_up.contact_reference, transfer.step_up.referral_reference) == (
        "EHM-1",
        "LCS-9",
    )
    assert transfer.step_up.sc_outcome == "s17_assessment"
    world.case.refresh_from_db()
    # The plan type changes only when a plan exists: a section 17 assessment is not a plan.
    assert world.case.plan_type == PlanType.EARLY_HELP
    assert world.case.involvement == "social_care"
    assert world.case.current_team == world.duty
    assert world.case.allocated_worker is None
    history = list(Allocation.objects.filter(case=world.case).order_by("id"))
    assert history[-1].team == world.duty and history[-1].ended_at is None
    deadline = deadline_of(transfer, "step_up_standard")
    assert deadline.status == DeadlineStatus.MET and deadline.met_at == held
    assert not AuditEvent.objects.filter(case=world.case, changes__has_key="plan_type").exists()


def test_agreed_needs_the_contact_and_referral_references(world, walk):
    transfer = walk(S.PICKED_UP)
    with pytest.raises(ValidationError) as error:
        services.step_up_decide(
            transfer=transfer,
            by=world.duty_atm,
            outcome="s17_assessment",
            discussion_held_at=timezone.now(),
            note="",
            contact_reference="",
            referral_reference="",
        )
    assert {"contact_reference", "referral_reference"} <= set(error.value.error_dict)
    transfer.refresh_from_db()
    assert transfer.status == S.PICKED_UP
    world.case.refresh_from_db()
    assert world.case.plan_type == PlanType.EARLY_HELP


def test_a_discussion_in_the_future_is_refused(world, walk):
    transfer = walk(S.PICKED_UP)
    with pytest.raises(ValidationError) as error:
        services.step_up_decide(
            transfer=transfer,
            by=world.duty_atm,
            outcome="nfa_advice",
            discussion_held_at=timezone.now() + timedelta(hours=1),
            note="No",
        )
    assert "discussion_held_at" in error.value.error_dict


def test_not_agreed_keeps_the_case_with_early_help(world, walk):
    transfer = walk(S.PICKED_UP)
    services.step_up_decide(
        transfer=transfer,
        by=world.duty_atm,
        outcome="nfa_advice",
        discussion_held_at=timezone.now(),
        note="Below threshold",
    )
    transfer.refresh_from_db()
    assert transfer.status == S.NOT_AGREED
    assert transfer.decision_note == "Below threshold"
    world.case.refresh_from_db()
    assert (world.case.current_team, world.case.plan_type) == (world.eh, PlanType.EARLY_HELP)
    assert deadline_of(transfer, "step_up_standard").status == DeadlineStatus.MET


def test_not_agreed_needs_reasons(world, walk):
    transfer = walk(S.PICKED_UP)
    with pytest.raises(ValidationError):
        services.step_up_decide(
            transfer=transfer,
            by=world.duty_atm,
            outcome="nfa_advice",
            discussion_held_at=timezone.now(),
            note="",
        )


def test_only_the_manager_who_picked_it_up_or_the_team_manager_decides(world, walk):
    transfer = walk(S.PICKED_UP)  # picked up by the duty ATM
    with pytest.raises(PermissionDenied):
        services.step_up_decide(
            transfer=transfer,
            by=world.sw,
            outcome="nfa_advice",
            discussion_held_at=timezone.now(),
            note="No",
        )
    services.step_up_decide(
        transfer=transfer,
        by=world.duty_tm,
        outcome="nfa_advice",
        discussion_held_at=timezone.now(),
        note="No",
    )


def test_the_locality_lead_escalates_a_refusal_to_the_service_manager(
    world, walk, django_capture_on_commit_callbacks
):
    transfer = walk(S.PICKED_UP)
    services.step_up_decide(
        transfer=transfer,
        by=world.duty_atm,
        outcome="nfa_advice",
        discussion_held_at=timezone.now(),
        note="No",
    )
    with pytest.raises(PermissionDenied):
        services.step_up_request_escalation(transfer=transfer, by=world.ffp, note="Disagree")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.step_up_request_escalation(
            transfer=transfer, by=world.locality_lead, note="Risks are rising"
        )
    escalations = [m.to for m in mail.outbox if "Escalated to you as" in m.subject]
    assert escalations == [[world.service_manager.email]]
    assert AuditEvent.objects.filter(action="escalation.raise", actor=world.locality_lead).exists()
    with pytest.raises(ValidationError, match="already"):
        services.step_up_request_escalation(transfer=transfer, by=world.locality_lead, note="x")


# --- allocation, joint visit, 10-day discussion ----------------------------------------------


@time_machine.travel(london(2026, 11, 23, 10, 0), tick=False)
def test_allocation_starts_the_joint_visit_and_10_day_clocks(world, walk):
    transfer = walk(S.ALLOCATED)
    assert transfer.allocated_worker == world.sw
    joint = deadline_of(transfer, "joint_visit")
    assert joint.due_at == london(2026, 11, 30, 17, 0)
    assert joint.owner == world.sw
    assert deadline_of(transfer, "ten_day_discussion").due_at == london(2026, 12, 7, 17, 0)
    world.case.refresh_from_db()
    assert world.case.allocated_worker == world.sw
    assert world.case.safety_plan_in_force


def test_only_a_social_worker_of_the_receiving_team_can_be_allocated(world, walk):
    transfer = walk(S.AWAITING_ALLOCATION)
    for worker in (world.cin_sw, world.duty_atm):
        with pytest.raises(ValidationError):
            services.step_up_allocate(transfer=transfer, by=world.duty_tm, worker=worker)
    with pytest.raises(PermissionDenied):
        services.step_up_allocate(transfer=transfer, by=world.sw, worker=world.sw)


def test_joint_visit_and_ten_day_discussion_complete_the_step_up(world, walk, today):
    transfer = walk(S.ALLOCATED)
    services.step_up_record_joint_visit(
        transfer=transfer, by=world.sw, visited_at=at(today), eh_worker_attended=True
    )
    assert deadline_of(transfer, "joint_visit").status == DeadlineStatus.MET
    transfer.refresh_from_db()
    assert transfer.status == S.ALLOCATED
    services.step_up_record_ten_day_discussion(
        transfer=transfer,
        by=world.sw,
        held_at=at(today),
        worker_invited=True,
        supervisor_invited=True,
        new_plan_agreed=True,
        notes="Plan agreed",
    )
    transfer.refresh_from_db()
    assert transfer.status == S.COMPLETED
    assert transfer.step_up.new_plan_on == today
    assert deadline_of(transfer, "ten_day_discussion").status == DeadlineStatus.MET


def test_a_joint_visit_in_the_future_or_before_allocation_is_refused(world, walk, today):
    transfer = walk(S.ALLOCATED)
    for day in (today + timedelta(days=1), today - timedelta(days=3)):
        with pytest.raises(ValidationError):
            services.step_up_record_joint_visit(
                transfer=transfer, by=world.sw, visited_at=at(day), eh_worker_attended=True
            )
    assert deadline_of(transfer, "joint_visit").status == DeadlineStatus.OPEN


def test_the_10_day_discussion_must_invite_the_early_help_worker_and_supervisor(world, walk, today):
    transfer = walk(S.ALLOCATED)
    with pytest.raises(ValidationError) as error:
        services.step_up_record_ten_day_discussion(
            transfer=transfer,
            by=world.sw,
            held_at=at(today),
            worker_invited=False,
            supervisor_invited=False,
            new_plan_agreed=False,
        )
    assert {"worker_invited", "supervisor_invited"} <= set(error.value.error_dict)


def test_someone_outside_the_receiving_team_cannot_record_the_visit(world, walk, today):
    transfer = walk(S.ALLOCATED)
    for person in (world.supervisor, world.cin_sw):
        with pytest.raises(PermissionDenied):
            services.step_up_record_joint_visit(
                transfer=transfer, by=person, visited_at=at(today), eh_worker_attended=True
            )


def test_a_late_joint_visit_is_recorded_as_met_late(world, walk):
    with time_machine.travel(london(2026, 11, 23, 10, 0), tick=False):
        transfer = walk(S.ALLOCATED)
    with time_machine.travel(london(2026, 12, 2, 10, 0), tick=False):
        services.step_up_record_joint_visit(
            transfer=transfer,
            by=world.sw,
            visited_at=at(timezone.localdate()),
            eh_worker_attended=True,
        )
    assert deadline_of(transfer, "joint_visit").met_late


# --- withdrawal -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stage",
    [S.ESCALATION_DISCUSSION, S.AWAITING_EH_DECISION, S.READY_TO_SEND, S.WITH_DUTY, S.PICKED_UP],
)
def test_withdrawal_before_a_decision_cancels_the_clock(world, walk, stage):
    transfer = walk(stage)
    services.transfer_withdraw(transfer=transfer, by=world.ffp, reason="Family moved away")
    transfer.refresh_from_db()
    assert transfer.status == S.WITHDRAWN
    assert transfer.withdrawn_reason == "Family moved away"
    assert not Deadline.objects.filter(
        subject_id=str(transfer.pk), status=DeadlineStatus.OPEN
    ).exists()


def test_withdrawal_needs_a_reason(world, walk):
    transfer = walk(S.ESCALATION_DISCUSSION)
    with pytest.raises(ValidationError):
        services.transfer_withdraw(transfer=transfer, by=world.ffp, reason="  ")


@pytest.mark.parametrize("stage", [S.AWAITING_ALLOCATION, S.ALLOCATED])
def test_no_withdrawal_after_the_decision(world, walk, stage):
    transfer = walk(stage)
    with pytest.raises(TransitionNotAllowed):
        services.transfer_withdraw(transfer=transfer, by=world.ffp, reason="Too late")


def test_duty_cannot_withdraw_early_helps_request(world, walk):
    transfer = walk(S.WITH_DUTY)
    with pytest.raises(PermissionDenied):
        services.transfer_withdraw(transfer=transfer, by=world.duty_tm, reason="No")


def test_every_step_is_audited(world, walk):
    transfer = walk(S.ALLOCATED)
    steps = list(
        AuditEvent.objects.filter(subject_id=str(transfer.pk), action__startswith="transfer.")
        .order_by("id")
        .values_list("from_state", "to_state")
    )
    assert steps == [
        ("", S.ESCALATION_DISCUSSION),
        (S.ESCALATION_DISCUSSION, S.AWAITING_EH_DECISION),
        (S.AWAITING_EH_DECISION, S.READY_TO_SEND),
        (S.READY_TO_SEND, S.WITH_DUTY),
        (S.WITH_DUTY, S.PICKED_UP),
        (S.PICKED_UP, S.AWAITING_ALLOCATION),
        (S.AWAITING_ALLOCATION, S.ALLOCATED),
    ]
