"""The escalation ladder through its levels (issue 11): refused step-ups, declined transfers,
capacity, children in need held by the team leader and protocol suspensions."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from cases.choices import AllocationState, PlanType
from cases.services import case_allocate, case_hold_by_team_leader
from cases.tests.factories import CaseFactory
from deadlines.models import DeadlineStatus, OutboxEmail
from deadlines.rules import Kind
from deadlines.services import open_deadlines
from deadlines.sweep import sweep
from escalations.models import Escalation, EscalationKind, EscalationStatus, Outcome
from escalations.services import (
    escalate_overdue,
    escalation_acknowledge,
    escalation_escalate,
    escalation_raise,
    escalation_record_oversight,
    escalation_resolve,
    escalation_withdraw,
    level_holders,
    outcomes_for,
    suspension_end,
)
from people.models import Capacity, Service
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory
from transfers import services as transfer_services
from transfers.models import TransferStage, TransferStatus

from .helpers import refused

K = EscalationKind


@pytest.fixture
def ifsm(db):
    return UserFactory(username="ifsm", roles=[Role.INTEGRATED_FAMILY_SERVICES_MANAGER])


def emails_to(user, contains=""):
    return OutboxEmail.objects.filter(recipient=user, subject__contains=contains)


# --- Refused step-up -----------------------------------------------------------------------------


def test_the_locality_lead_is_told_of_a_refusal(world, walk):
    refused(world, walk)
    assert emails_to(world.locality_lead, "accept the decision or escalate").exists()


def test_a_refused_step_up_goes_to_the_service_manager_with_a_clock(world, walk, director):
    transfer = refused(world, walk)
    escalation = escalation_raise(
        kind=K.REFUSED_STEP_UP, transfer=transfer, by=world.locality_lead, reason="Risk is rising"
    )
    assert escalation.status == EscalationStatus.RAISED and escalation.level == 1
    assert escalation.team == transfer.to_team
    assert level_holders(escalation) == [world.service_manager]
    clock = escalation.response_deadline
    assert clock.kind == Kind.ESCALATION_RESPONSE and clock.owner == world.service_manager
    assert clock.status == DeadlineStatus.OPEN
    email = emails_to(world.service_manager, "Escalated to you").get()
    assert escalation.get_absolute_url() in email.body_text
    assert "Lovelace" not in email.body_text + email.subject
    transfer.step_up.refresh_from_db()
    assert transfer.step_up.escalation_requested_by == world.locality_lead


def test_only_the_locality_lead_or_graft_tm_may_escalate_a_refusal(world, walk):
    transfer = refused(world, walk)
    with pytest.raises(PermissionDenied):
        escalation_raise(kind=K.REFUSED_STEP_UP, transfer=transfer, by=world.ffp, reason="Please")
    escalation_raise(kind=K.REFUSED_STEP_UP, transfer=transfer, by=world.locality_lead, reason="x")
    with pytest.raises(ValidationError, match="already been escalated"):
        escalation_raise(
            kind=K.REFUSED_STEP_UP, transfer=transfer, by=world.locality_lead, reason="again"
        )


def test_upheld_the_case_stays_with_early_help_and_they_are_told_why(world, walk):
    transfer = refused(world, walk)
    escalation = escalation_raise(
        kind=K.REFUSED_STEP_UP, transfer=transfer, by=world.locality_lead, reason="Risk"
    )
    escalation_acknowledge(escalation=escalation, by=world.service_manager)
    escalation.refresh_from_db()
    assert escalation.response_deadline.owner == world.service_manager
    escalation_resolve(
        escalation=escalation,
        by=world.service_manager,
        outcome=Outcome.UPHELD,
        note="Early Help plan is working",
    )
    escalation.refresh_from_db()
    transfer.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED
    assert escalation.outcome == Outcome.UPHELD
    assert transfer.status == TransferStatus.NOT_AGREED
    assert escalation.response_deadline.status == DeadlineStatus.MET
    told = emails_to(world.supervisor, "Escalation decided").get()
    assert "Early Help plan is working" in told.body_text


def test_overturned_the_same_step_up_awaits_allocation_with_its_clock(world, walk):
    transfer = refused(world, walk)
    escalation = escalation_raise(
        kind=K.REFUSED_STEP_UP, transfer=transfer, by=world.locality_lead, reason="Risk"
    )
    assert outcomes_for(escalation) == [Outcome.OVERTURNED, Outcome.UPHELD]
    escalation_resolve(
        escalation=escalation,
        by=world.service_manager,
        outcome=Outcome.OVERTURNED,
        note="Threshold is met",
    )
    transfer.refresh_from_db()
    assert transfer.pk == escalation.transfer_id
    assert transfer.status == TransferStatus.AWAITING_ALLOCATION
    assert transfer.stage == TransferStage.AGREED
    assert transfer.case.involvement == "social_care"
    assert open_deadlines(transfer, Kind.STEP_UP_ALLOCATION).exists()
    # And on to allocation as any agreed step-up.
    transfer = transfer_services.step_up_allocate(
        transfer=transfer, by=transfer.to_team.manager, worker=world.sw
    )
    assert transfer.status == TransferStatus.ALLOCATED


def test_the_raiser_cannot_answer_and_nobody_outside_the_level_can(world, walk, director):
    transfer = refused(world, walk)
    escalation = escalation_raise(
        kind=K.REFUSED_STEP_UP, transfer=transfer, by=world.locality_lead, reason="Risk"
    )
    for person in (world.locality_lead, world.duty_tm, director):
        with pytest.raises(PermissionDenied):
            escalation_resolve(escalation=escalation, by=person, outcome=Outcome.UPHELD, note="No")


def test_a_breached_response_deadline_passes_it_up_automatically(world, walk, director):
    transfer = refused(world, walk)
    escalation = escalation_raise(
        kind=K.REFUSED_STEP_UP, transfer=transfer, by=world.locality_lead, reason="Risk"
    )
    first = escalation.response_deadline
    later = first.due_at + timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        sweep(later)
        assert escalate_overdue(later)["escalated"] == 1
    escalation.refresh_from_db()
    first.refresh_from_db()
    assert escalation.level == 2 and escalation.status == EscalationStatus.ESCALATED
    assert first.status == DeadlineStatus.CANCELLED
    second = escalation.response_deadline
    assert second.pk != first.pk and second.owner == director
    assert emails_to(director, "Escalated to you as assistant director").exists()
    assert emails_to(world.locality_lead, "went to the assistant director").exists()
    event = AuditEvent.objects.filter(action="escalation.escalate").get()
    assert event.actor is None and event.from_state == EscalationStatus.RAISED
    # The top level: the director decides; the service manager no longer can.
    with pytest.raises(PermissionDenied):
        escalation_resolve(
            escalation=escalation, by=world.service_manager, outcome=Outcome.UPHELD, note="x"
        )
    escalation_resolve(escalation=escalation, by=director, outcome=Outcome.UPHELD, note="Agreed")
    # At the top, a breach alerts (the deadline engine) but there is nowhere to pass it.
    assert escalate_overdue(later + timedelta(days=30))["escalated"] == 0


def test_a_level_may_pass_it_up_with_a_reason(world, walk, director):
    transfer = refused(world, walk)
    escalation = escalation_raise(
        kind=K.REFUSED_STEP_UP, transfer=transfer, by=world.locality_lead, reason="Risk"
    )
    with pytest.raises(ValidationError):
        escalation_escalate(escalation=escalation, by=world.service_manager, note=" ")
    escalation_escalate(escalation=escalation, by=world.service_manager, note="Needs the AD")
    escalation.refresh_from_db()
    assert escalation.level == 2
    assert level_holders(escalation) == [director]


def test_withdrawn_by_whoever_raised_it_cancels_its_clock(world, walk):
    transfer = refused(world, walk)
    escalation = escalation_raise(
        kind=K.REFUSED_STEP_UP, transfer=transfer, by=world.locality_lead, reason="Risk"
    )
    with pytest.raises(PermissionDenied):
        escalation_withdraw(escalation=escalation, by=world.service_manager, note="x")
    escalation_withdraw(escalation=escalation, by=world.locality_lead, note="Family moved")
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.WITHDRAWN
    assert escalation.response_deadline.status == DeadlineStatus.CANCELLED


# --- Declined or blocked transfer ----------------------------------------------------------------


@pytest.fixture
def declined(world):
    south_tm = UserFactory(username="cin2tm", roles=[Role.TEAM_MANAGER])
    south = TeamFactory(
        name="CIN South", service=Service.CHILDREN_IN_NEED, locality="South", manager=south_tm
    )
    south_tm.memberships.create(team=south)
    world.service_manager.memberships.create(team=south)
    case = CaseFactory(
        current_team=world.cin, plan_type=PlanType.CIN, allocated_worker=world.cin_sw
    )
    transfer = transfer_services.transfer_propose(
        case=case, by=world.cin_tm, to_team=south, reason="Family moved south"
    )
    return transfer_services.transfer_decide(
        transfer=transfer, by=south_tm, accepted=False, reasons="Not our area yet"
    )


def test_a_declined_transfer_overturned_is_accepted_for_the_receiving_team(world, declined):
    assert declined.status == TransferStatus.DECLINED
    with pytest.raises(PermissionDenied):
        escalation_raise(
            kind=K.BLOCKED_TRANSFER, transfer=declined, by=world.cin_sw, reason="Please"
        )
    escalation = escalation_raise(
        kind=K.BLOCKED_TRANSFER, transfer=declined, by=world.cin_tm, reason="They live there now"
    )
    assert escalation.team == declined.to_team
    assert outcomes_for(escalation) == [Outcome.OVERTURNED, Outcome.UPHELD]
    escalation_resolve(
        escalation=escalation,
        by=world.service_manager,
        outcome=Outcome.OVERTURNED,
        note="Within remit",
    )
    declined.refresh_from_db()
    assert declined.status == TransferStatus.ACCEPTED
    assert declined.stage == TransferStage.AGREED
    assert open_deadlines(declined, Kind.TRANSFER_ALLOCATION).exists()
    assert emails_to(declined.to_team.manager, "overturned").exists()


def test_a_transfer_still_going_on_is_answered_with_actions(world, declined):
    escalation = escalation_raise(
        kind=K.BLOCKED_TRANSFER, transfer=declined, by=world.cin_tm, reason="x"
    )
    escalation_resolve(
        escalation=escalation, by=world.service_manager, outcome=Outcome.OVERTURNED, note="Go"
    )
    second = escalation_raise(
        kind=K.BLOCKED_TRANSFER, transfer=declined, by=world.cin_tm, reason="Stuck on QA"
    )
    assert outcomes_for(second) == [Outcome.ACTIONS_AGREED]


# --- Capacity --------------------------------------------------------------------------------


def test_capacity_from_a_case_page_moves_the_team_and_stays_until_allocated(world, director):
    case = CaseFactory(current_team=world.cin, plan_type=PlanType.CP, allocated_worker=None)
    with pytest.raises(PermissionDenied):
        escalation_raise(kind=K.CAPACITY, case=case, by=world.cin_sw, reason="No one")
    escalation = escalation_raise(
        kind=K.CAPACITY, case=case, by=world.cin_tm, reason="Three workers off sick"
    )
    world.cin.refresh_from_db()
    assert world.cin.capacity == Capacity.CAPACITY_ESCALATED
    assert emails_to(world.service_manager, "URGENT").exists()
    assert outcomes_for(escalation) == []
    with pytest.raises(ValidationError):
        escalation_acknowledge(escalation=escalation, by=world.service_manager, note="")
    escalation_acknowledge(
        escalation=escalation, by=world.service_manager, note="Agency worker from Monday"
    )
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ACKNOWLEDGED
    assert escalation.response_deadline.status == DeadlineStatus.MET
    case_allocate(case=case, team=world.cin, worker=world.cin_sw, by=world.cin_tm, reason="Agency")
    escalation.refresh_from_db()
    world.cin.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED
    assert escalation.outcome == Outcome.ALLOCATED
    assert world.cin.capacity == Capacity.OPEN


def test_capacity_is_only_for_children_on_cp_plans_or_in_care(world):
    case = CaseFactory(current_team=world.cin, plan_type=PlanType.CIN)
    with pytest.raises(ValidationError, match="CP plan or in care"):
        escalation_raise(kind=K.CAPACITY, case=case, by=world.cin_tm, reason="No one")


def test_capacity_passes_up_when_the_service_manager_does_not_answer(world, director):
    case = CaseFactory(current_team=world.cin, plan_type=PlanType.CIC, allocated_worker=None)
    escalation = escalation_raise(kind=K.CAPACITY, case=case, by=world.cin_tm, reason="None")
    later = escalation.response_deadline.due_at + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        sweep(later)
        escalate_overdue(later)
    escalation.refresh_from_db()
    assert escalation.level == 2 and escalation.response_deadline.owner == director


# --- A child in need held by the team leader -------------------------------------------------


def test_holding_a_child_in_need_puts_it_on_the_service_managers_list(world):
    case = CaseFactory(current_team=world.cin, plan_type=PlanType.CIN, allocated_worker=None)
    assert case.allocation == AllocationState.UNALLOCATED
    case_hold_by_team_leader(case=case, by=world.cin_tm, reason="No capacity this month")
    escalation = Escalation.objects.get(case=case, kind=K.HELD_CIN)
    assert escalation.raised_by == world.cin_tm
    assert level_holders(escalation) == [world.service_manager]
    record = escalation_record_oversight(
        escalation=escalation,
        by=world.cin_tm,
        kind="visit",
        happened_on=timezone.localdate(),
        note="Seen at home, safe",
    )
    assert list(escalation.oversight_records.all()) == [record]
    with pytest.raises(PermissionDenied):
        escalation_record_oversight(
            escalation=escalation,
            by=world.cin_sw,
            kind="review",
            happened_on=timezone.localdate(),
            note="x",
        )
    with pytest.raises(ValidationError) as error:
        escalation_record_oversight(
            escalation=escalation,
            by=world.cin_tm,
            kind="review",
            happened_on=timezone.localdate() + timedelta(days=2),
            note="",
        )
    assert set(error.value.message_dict) == {"happened_on", "note"}
    case_allocate(case=case, team=world.cin, worker=world.cin_sw, by=world.cin_tm, reason="Now")
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED


# --- Protocol suspension -----------------------------------------------------------------------


def suspension(world, **overrides):
    today = timezone.localdate()
    fields = {
        "kind": K.PROTOCOL_SUSPENSION,
        "team": world.cin,
        "by": world.cin_tm,
        "reason": "Four vacancies",
        "protocol_part": "Transfers in within 5 working days",
        "starts_on": today,
        "ends_on": today + timedelta(days=14),
        "impact": "Transfers in wait up to 4 weeks",
        "mitigations": "Weekly duty oversight of waiting cases",
    }
    return escalation_raise(**{**fields, **overrides})


def test_a_suspension_request_says_what_is_missing(world, ifsm):
    with pytest.raises(ValidationError) as error:
        suspension(world, protocol_part="", impact=" ", ends_on=None)
    assert {"protocol_part", "impact", "ends_on"} <= set(error.value.message_dict)
    with pytest.raises(ValidationError) as error:
        suspension(world, ends_on=timezone.localdate() - timedelta(days=1))
    assert "ends_on" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        suspension(world, by=world.cin_sw)


def test_a_suspension_goes_to_the_ifsm_then_the_ad_who_approves_it(world, ifsm, director):
    escalation = suspension(world)
    assert level_holders(escalation) == [ifsm]
    assert outcomes_for(escalation) == [Outcome.REFUSED]
    escalation_escalate(escalation=escalation, by=ifsm, note="Brought to the AD")
    escalation.refresh_from_db()
    assert outcomes_for(escalation) == [Outcome.APPROVED, Outcome.REFUSED]
    escalation_resolve(escalation=escalation, by=director, outcome=Outcome.APPROVED, note="Yes")
    world.cin.refresh_from_db()
    escalation.refresh_from_db()
    assert world.cin.capacity == Capacity.PROTOCOL_SUSPENDED
    assert escalation.suspension_in_force
    end = open_deadlines(escalation, Kind.PROTOCOL_SUSPENSION_END).get()
    assert end.due_at.date() <= escalation.ends_on
    # A second request for the same team while one is in force is refused.
    with pytest.raises(ValidationError, match="already"):
        suspension(world)
    suspension_end(escalation=escalation, by=ifsm, note="Staff recruited")
    world.cin.refresh_from_db()
    end.refresh_from_db()
    assert world.cin.capacity == Capacity.OPEN and end.status == DeadlineStatus.MET


def test_a_suspension_ends_by_itself_after_its_end_date(world, ifsm, director):
    escalation = suspension(world)
    escalation_escalate(escalation=escalation, by=ifsm, note="To the AD")
    escalation_resolve(escalation=escalation, by=director, outcome=Outcome.APPROVED, note="Yes")
    after = timezone.now() + timedelta(days=16)
    with time_machine.travel(after, tick=False):
        assert escalate_overdue(after)["suspensions_ended"] == 1
    world.cin.refresh_from_db()
    assert world.cin.capacity == Capacity.OPEN


def test_the_ifsm_may_refuse_a_suspension(world, ifsm):
    escalation = suspension(world)
    escalation_resolve(escalation=escalation, by=ifsm, outcome=Outcome.REFUSED, note="Not now")
    world.cin.refresh_from_db()
    assert world.cin.capacity == Capacity.OPEN
    with pytest.raises(ValidationError):
        escalation_resolve(escalation=escalation, by=ifsm, outcome=Outcome.APPROVED, note="x")


def test_capacity_from_a_transfer_stays_until_the_receiving_team_allocates(world, director):
    south_tm = UserFactory(username="cic2tm", roles=[Role.TEAM_MANAGER])
    south = TeamFactory(
        name="CIN South", service=Service.CHILDREN_IN_NEED, locality="South", manager=south_tm
    )
    south_tm.memberships.create(team=south)
    south_sw = UserFactory(username="southsw", roles=[Role.SOCIAL_WORKER], teams=[south])
    world.service_manager.memberships.create(team=south)
    case = CaseFactory(current_team=world.cin, plan_type=PlanType.CP, allocated_worker=world.cin_sw)
    transfer = transfer_services.transfer_propose(
        case=case, by=world.cin_tm, to_team=south, reason="Moved"
    )
    transfer = transfer_services.transfer_decide(
        transfer=transfer, by=south_tm, accepted=True, reasons="Ours"
    )
    transfer_services.transfer_escalate_capacity(transfer=transfer, by=south_tm, note="No one")
    escalation = Escalation.objects.get(transfer=transfer, kind=K.CAPACITY)
    south.refresh_from_db()
    assert south.capacity == Capacity.CAPACITY_ESCALATED
    # The child still has the sending team's worker: that is not the answer.
    assert escalate_overdue()["resolved"] == 0
    transfer_services.transfer_allocate(transfer=transfer, by=south_tm, worker=south_sw)
    escalation.refresh_from_db()
    south.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED
    assert south.capacity == Capacity.OPEN


def test_a_held_child_in_need_goes_to_the_director_when_the_service_manager_is_silent(
    world, director
):
    case = CaseFactory(current_team=world.cin, plan_type=PlanType.CIN, allocated_worker=None)
    case_hold_by_team_leader(case=case, by=world.cin_tm, reason="No capacity")
    escalation = Escalation.objects.get(case=case, kind=K.HELD_CIN)
    later = escalation.response_deadline.due_at + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        sweep(later)
        escalate_overdue(later)
    escalation.refresh_from_db()
    assert escalation.level == 2 and level_holders(escalation) == [director]
    # The director answers by acknowledging, with what happens until a worker is free.
    escalation_acknowledge(escalation=escalation, by=director, note="Agency worker agreed")
    escalation.refresh_from_db()
    assert escalation.response_deadline.status == DeadlineStatus.MET
    assert escalate_overdue(later + timedelta(days=10))["escalated"] == 0


def test_a_concern_duty_has_not_answered_reaches_the_service_manager(town, client):
    from escalations.services import concern_raise

    sm = UserFactory(username="t.sm", roles=[Role.SERVICE_MANAGER], teams=[town.duty])
    concern = concern_raise(
        case=town.yfs_case,
        by=town.yfs_worker,
        concern="Disclosed being hit",
        no_safeguarding_tm_available=True,
    )
    deadline = open_deadlines(concern, Kind.SAFEGUARDING_CONCERN).get()
    # Breached at the due time; escalated an hour later (the concern's policy), to the service
    # manager over the duty team.
    later = deadline.due_at + timedelta(hours=1, minutes=1)
    with time_machine.travel(later, tick=False):
        sweep(later)
    email = emails_to(sm, "Escalation").get()
    # Its link opens for them, though the child's case is in another service.
    client.force_login(sm)
    assert client.get(concern.get_absolute_url()).status_code == 200
    assert concern.get_absolute_url() in email.body_text


def test_ending_a_suspension_keeps_a_capacity_escalation_that_is_still_open(world, ifsm, director):
    case = CaseFactory(current_team=world.cin, plan_type=PlanType.CP, allocated_worker=None)
    escalation_raise(kind=K.CAPACITY, case=case, by=world.cin_tm, reason="Nobody free")
    suspended = suspension(world)
    escalation_escalate(escalation=suspended, by=ifsm, note="To the AD")
    escalation_resolve(escalation=suspended, by=director, outcome=Outcome.APPROVED, note="Yes")
    world.cin.refresh_from_db()
    assert world.cin.capacity == Capacity.PROTOCOL_SUSPENDED
    suspension_end(escalation=suspended, by=ifsm, note="Over")
    world.cin.refresh_from_db()
    assert world.cin.capacity == Capacity.CAPACITY_ESCALATED


def _breach_and_sweep(escalation):
    later = escalation.response_deadline.due_at + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        sweep(later)
        escalate_overdue(later)
    escalation.refresh_from_db()
    return escalation


def test_a_declined_transfer_nobody_answers_goes_to_the_director_who_upholds_it(
    world, declined, director
):
    escalation = escalation_raise(
        kind=K.BLOCKED_TRANSFER, transfer=declined, by=world.cin_tm, reason="They moved"
    )
    escalation = _breach_and_sweep(escalation)
    assert escalation.level == 2 and level_holders(escalation) == [director]
    escalation_resolve(
        escalation=escalation, by=director, outcome=Outcome.UPHELD, note="Outside the remit"
    )
    declined.refresh_from_db()
    assert declined.status == TransferStatus.DECLINED
    assert emails_to(world.cin_tm, "Escalation decided").exists()


def test_a_suspension_the_ifsm_does_not_answer_reaches_the_director(world, ifsm, director):
    escalation = _breach_and_sweep(suspension(world))
    assert escalation.level == 2 and level_holders(escalation) == [director]
    assert outcomes_for(escalation) == [Outcome.APPROVED, Outcome.REFUSED]


def test_the_default_ladder_is_restored_for_a_kind_with_no_levels(world, walk):
    from escalations.models import EscalationLevel
    from escalations.services.ladder import DEFAULT_LEVELS

    # The data migration wrote the same ladders.
    for kind, levels in DEFAULT_LEVELS.items():
        stored = EscalationLevel.objects.filter(kind=kind).order_by("number")
        assert [(lv.role, lv.title) for lv in stored] == levels
    EscalationLevel.objects.all().delete()
    transfer = refused(world, walk)
    escalation = escalation_raise(
        kind=K.REFUSED_STEP_UP, transfer=transfer, by=world.locality_lead, reason="Risk"
    )
    assert level_holders(escalation) == [world.service_manager]
