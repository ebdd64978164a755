"""The case's involvement and allocation machines: every transition allowed, refused for the
wrong state, refused for the wrong person, and guarded against a stale copy."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition

from audit.models import AuditEvent
from cases.choices import AllocationState, Involvement, PlanType
from cases.models import Case
from cases.services import (
    case_allocate,
    case_close_to_social_care,
    case_create,
    case_hold_by_team_leader,
    case_open_to_social_care,
    case_reopen_to_early_help,
    case_step_down_to_early_help,
    case_step_up_to_social_care,
    case_update,
)
from cases.tests.factories import CaseFactory
from people.models import Service
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    """A Social Care team with its TM, ATM and social worker; an Early Help team and its TM."""

    class World:
        pass

    world = World()
    world.tm = UserFactory(username="cintm", roles=[Role.TEAM_MANAGER])
    world.cin = TeamFactory(name="CIN", service=Service.CHILDREN_IN_NEED, manager=world.tm)
    world.atm = UserFactory(
        username="cinatm", roles=[Role.ASSISTANT_TEAM_MANAGER], teams=[world.cin]
    )
    world.sw = UserFactory(username="cinsw", roles=[Role.SOCIAL_WORKER], teams=[world.cin])
    world.eh_tm = UserFactory(username="ehtm", roles=[Role.TEAM_MANAGER])
    world.eh = TeamFactory(name="EH", service=Service.EARLY_HELP, manager=world.eh_tm)
    world.graft = TeamFactory(name="Graft", service=Service.GRAFT)
    world.other_tm = UserFactory(username="othertm", roles=[Role.TEAM_MANAGER])
    world.other = TeamFactory(name="CIC", service=Service.CHILDREN_IN_CARE, manager=world.other_tm)
    world.case = CaseFactory(current_team=world.cin, allocated_worker=world.sw)
    return world


def _events(case, action):
    return AuditEvent.objects.filter(case=case, action=action)


# Where a case starts.


def test_a_case_opened_in_a_social_care_team_is_open_to_social_care(w):
    case = case_create(
        by=w.tm, current_team=w.cin, first_name="A", last_name="B", date_of_birth=date(2016, 1, 2)
    )
    assert case.involvement == Involvement.SOCIAL_CARE
    assert case.allocation == AllocationState.UNALLOCATED


def test_a_case_opened_in_graft_is_open_to_early_help_and_says_graft(w):
    case = case_create(
        by=None,
        current_team=w.graft,
        allocated_worker=None,
        first_name="A",
        last_name="B",
        date_of_birth=date(2016, 1, 2),
    )
    assert case.involvement == Involvement.EARLY_HELP
    assert case.involvement_label == "Open to Graft"


def test_states_are_read_in_words(w):
    assert w.case.involvement_label == "Open to Social Care (Child in Need)"
    assert w.case.allocation_label == f"Allocated to {w.sw}"
    assert CaseFactory(current_team=w.eh).involvement_label == "Open to Early Help"


def test_the_state_fields_cannot_be_set_directly(w):
    with pytest.raises(AttributeError):
        w.case.involvement = Involvement.CLOSED
    with pytest.raises(ValueError, match="own services"):
        case_update(case=w.case, by=w.tm, involvement=Involvement.CLOSED)


# Allocation.


def test_allocating_moves_the_allocation_machine_and_audits_it(w):
    case = CaseFactory(current_team=w.cin)
    case_allocate(case=case, team=w.cin, worker=w.sw, by=w.tm, reason="Capacity")
    case.refresh_from_db()
    assert case.allocation == AllocationState.ALLOCATED
    event = _events(case, "case.allocate_to_worker").get()
    assert (event.from_state, event.to_state, event.actor) == ("unallocated", "allocated", w.tm)
    case_allocate(case=case, team=w.cin, worker=None, by=w.tm, reason="Worker left")
    case.refresh_from_db()
    assert case.allocation == AllocationState.UNALLOCATED
    assert _events(case, "case.await_allocation").count() == 1


def test_reallocating_to_another_worker_keeps_the_state_without_a_state_event(w):
    other_sw = UserFactory(roles=[Role.SOCIAL_WORKER], teams=[w.cin])
    case_allocate(case=w.case, team=w.cin, worker=other_sw, by=w.tm)
    w.case.refresh_from_db()
    assert w.case.allocation == AllocationState.ALLOCATED
    assert not _events(w.case, "case.allocate_to_worker").exists()


# Hold by the team leader (seed 001 s2.6).


def test_a_manager_holds_an_unallocated_child_in_need_until_allocated(w):
    case = CaseFactory(current_team=w.cin, plan_type=PlanType.CIN)
    case = case_hold_by_team_leader(case=case, by=w.atm, reason="No social worker free")
    assert case.allocation == AllocationState.HELD_BY_TEAM_LEADER
    assert case.allocation_label == "Unallocated, held by the team leader"
    event = _events(case, "case.hold_by_team_leader").get()
    assert event.note == "No social worker free"
    case_allocate(case=case, team=w.cin, worker=w.sw, by=w.tm)
    case.refresh_from_db()
    assert case.allocation == AllocationState.ALLOCATED


@pytest.mark.parametrize("plan", [PlanType.CP, PlanType.CIC])
def test_a_cp_or_cic_case_is_never_held_unallocated(w, plan):
    case = CaseFactory(current_team=w.cin, plan_type=plan)
    with pytest.raises(ValidationError, match="must never be left unallocated"):
        case_hold_by_team_leader(case=case, by=w.tm, reason="No one free")
    case.refresh_from_db()
    assert case.allocation == AllocationState.UNALLOCATED


def test_an_allocated_or_already_held_case_cannot_be_held(w):
    with pytest.raises(ValidationError, match="Only an unallocated case"):
        case_hold_by_team_leader(case=w.case, by=w.tm, reason="x")
    case = CaseFactory(current_team=w.cin)
    case_hold_by_team_leader(case=case, by=w.tm, reason="x")
    with pytest.raises(ValidationError, match="already holds"):
        case_hold_by_team_leader(case=case, by=w.tm, reason="x")


def test_an_early_help_case_is_not_held_by_a_team_leader(w):
    with pytest.raises(ValidationError, match="open to Social Care"):
        case_hold_by_team_leader(case=CaseFactory(current_team=w.eh), by=w.eh_tm, reason="x")


@pytest.mark.parametrize("who", ["sw", "other_tm", "eh_tm"])
def test_only_a_manager_of_the_team_may_hold(w, who):
    case = CaseFactory(current_team=w.cin)
    with pytest.raises(PermissionDenied):
        case_hold_by_team_leader(case=case, by=getattr(w, who), reason="x")
    assert not _events(case, "case.hold_by_team_leader").exists()


def test_a_hold_needs_a_reason(w):
    with pytest.raises(ValidationError):
        case_hold_by_team_leader(case=CaseFactory(current_team=w.cin), by=w.tm, reason=" ")


# Step-up (seed 002, step 3).


def test_a_step_up_opens_an_early_help_case_to_social_care(w):
    case = CaseFactory(current_team=w.eh, plan_type=PlanType.EARLY_HELP)
    case = case_step_up_to_social_care(case=case, by=w.tm, note="Referral R1")
    assert case.involvement == Involvement.SOCIAL_CARE
    event = _events(case, "case.step_up_to_social_care").get()
    assert (event.from_state, event.to_state, event.note) == (
        "early_help",
        "social_care",
        "Referral R1",
    )


def test_a_social_care_case_cannot_be_stepped_up(w):
    with pytest.raises(ValidationError, match="Only a case open to Early Help"):
        case_step_up_to_social_care(case=w.case, by=w.tm)


# Closure to Social Care: the 12-week rule's start.


@pytest.mark.parametrize("who", ["tm", "atm"])
def test_a_manager_closes_to_social_care_and_the_closure_is_recorded(w, who):
    by = getattr(w, who)
    case = case_close_to_social_care(case=w.case, by=by, reason="Plan ended")
    case.refresh_from_db()
    assert case.involvement == Involvement.CLOSED
    assert case.last_closed_to_social_care_on == timezone.localdate()
    assert case.last_closed_to_social_care_by == by
    assert case.last_closed_to_social_care_team == w.cin
    assert case.last_closed_social_worker == w.sw
    assert case.allocated_worker is None and case.allocation == AllocationState.UNALLOCATED
    assert case.current_team == w.cin
    event = _events(case, "case.close_to_social_care").get()
    assert (event.from_state, event.to_state, event.note) == ("social_care", "closed", "Plan ended")
    assert "last_closed_to_social_care_team" in _events(case, "case.update").get().changes


def test_a_closure_can_be_dated_back(w):
    case = case_close_to_social_care(
        case=w.case, by=w.tm, reason="Recorded late", closed_on=date(2025, 1, 6)
    )
    assert case.last_closed_to_social_care_on == date(2025, 1, 6)


@pytest.mark.parametrize("who", ["sw", "other_tm", "eh_tm"])
def test_only_a_manager_of_the_social_care_team_may_close(w, who):
    with pytest.raises(PermissionDenied):
        case_close_to_social_care(case=w.case, by=getattr(w, who), reason="x")
    w.case.refresh_from_db()
    assert w.case.involvement == Involvement.SOCIAL_CARE
    assert w.case.last_closed_to_social_care_on is None


def test_a_case_not_open_to_social_care_cannot_be_closed_to_it(w):
    with pytest.raises(ValidationError, match="Only a case open to Social Care"):
        case_close_to_social_care(case=CaseFactory(current_team=w.eh), by=w.eh_tm, reason="x")
    case_close_to_social_care(case=w.case, by=w.tm, reason="x")
    with pytest.raises(ValidationError, match="this one is closed"):
        case_close_to_social_care(case=w.case, by=w.tm, reason="again")


def test_a_closure_needs_a_reason(w):
    with pytest.raises(ValidationError):
        case_close_to_social_care(case=w.case, by=w.tm, reason="")


# Step down to Early Help: a closure to Social Care too.


def test_a_step_down_records_the_closure_and_awaits_allocation_in_early_help(w):
    case = case_step_down_to_early_help(case=w.case, by=w.tm, to_team=w.eh, reason="Needs met")
    case.refresh_from_db()
    assert case.involvement == Involvement.EARLY_HELP
    assert case.current_team == w.eh and case.allocated_worker is None
    assert case.allocation == AllocationState.UNALLOCATED
    assert case.plan_type == PlanType.EARLY_HELP
    assert case.last_closed_to_social_care_by == w.tm
    assert case.last_closed_to_social_care_team == w.cin
    assert case.last_closed_social_worker == w.sw
    assert _events(case, "case.step_down_to_early_help").get().note == "Needs met"


def test_a_step_down_goes_only_to_an_early_help_or_graft_team(w):
    with pytest.raises(ValidationError):
        case_step_down_to_early_help(case=w.case, by=w.tm, to_team=w.other, reason="x")


def test_only_a_manager_of_the_social_care_team_may_step_down(w):
    with pytest.raises(PermissionDenied):
        case_step_down_to_early_help(case=w.case, by=w.sw, to_team=w.eh, reason="x")


def test_an_early_help_case_cannot_be_stepped_down(w):
    case = CaseFactory(current_team=w.eh)
    with pytest.raises(ValidationError, match="Only a case open to Social Care"):
        case_step_down_to_early_help(case=case, by=w.eh_tm, to_team=w.graft, reason="x")


# Reopening a closed case.


def test_a_closed_case_reopens_to_early_help(w):
    case_close_to_social_care(case=w.case, by=w.tm, reason="Closed")
    case = case_reopen_to_early_help(case=w.case, by=w.eh_tm, team=w.eh, reason="New concerns")
    assert case.involvement == Involvement.EARLY_HELP
    assert case.current_team == w.eh and case.plan_type == PlanType.EARLY_HELP
    # The closure stays recorded: the 12-week rule reads it at the next step-up.
    assert case.last_closed_to_social_care_by == w.tm


def test_a_closed_case_is_referred_to_social_care_again(w):
    case_close_to_social_care(case=w.case, by=w.tm, reason="Closed")
    case = case_open_to_social_care(
        case=w.case, by=w.other_tm, team=w.other, reason="Re-referral", plan_type=PlanType.CIC
    )
    assert case.involvement == Involvement.SOCIAL_CARE
    assert case.current_team == w.other
    assert case.involvement_label == "Open to Social Care (Child in Care)"


def test_only_a_closed_case_reopens_and_only_by_the_receiving_teams_manager(w):
    with pytest.raises(ValidationError, match="Only a closed case"):
        case_reopen_to_early_help(case=w.case, by=w.eh_tm, team=w.eh, reason="x")
    with pytest.raises(ValidationError, match="Only a closed case"):
        case_open_to_social_care(case=w.case, by=w.tm, team=w.cin, reason="x")
    case_close_to_social_care(case=w.case, by=w.tm, reason="Closed")
    with pytest.raises(PermissionDenied):
        case_reopen_to_early_help(case=w.case, by=w.tm, team=w.eh, reason="x")
    with pytest.raises(PermissionDenied):
        case_open_to_social_care(case=w.case, by=w.eh_tm, team=w.cin, reason="x")


# Concurrency and transfers.


def test_a_stale_copy_cannot_overwrite_a_newer_state(w):
    stale = Case.objects.get(pk=w.case.pk)
    case_close_to_social_care(case=w.case, by=w.tm, reason="Closed")
    stale.step_down_to_early_help()
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        stale.save()
    w.case.refresh_from_db()
    assert w.case.involvement == Involvement.CLOSED


def live_transfer(case, by):
    """A transfer still under way on the case (the step-up's first stage)."""
    from transfers.models import Transfer, TransferKind

    return Transfer.objects.create(
        kind=TransferKind.STEP_UP, case=case, from_team=case.current_team, requested_by=by
    )


def test_closing_and_stepping_down_wait_for_a_live_transfer(w):
    live_transfer(w.case, w.tm)
    with pytest.raises(ValidationError, match="being transferred"):
        case_close_to_social_care(case=w.case, by=w.tm, reason="x")
    with pytest.raises(ValidationError, match="being transferred"):
        case_step_down_to_early_help(case=w.case, by=w.tm, to_team=w.eh, reason="x")
    w.case.refresh_from_db()
    assert w.case.involvement == Involvement.SOCIAL_CARE


def test_closed_cases_are_not_waiting_for_allocation(w):
    from cases.selectors import unallocated_cases_for_manager

    held = CaseFactory(current_team=w.cin)
    case_hold_by_team_leader(case=held, by=w.tm, reason="x")
    case_close_to_social_care(case=w.case, by=w.tm, reason="Closed")
    assert list(unallocated_cases_for_manager(w.tm)) == [held]
