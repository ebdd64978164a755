"""Closing, stepping down and holding from the case page, as the roles concerned; and the page
offers only actions that work."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from cases.actions import case_page_actions
from cases.choices import AllocationState, Involvement, PlanType
from cases.services import case_close_to_social_care, case_hold_by_team_leader
from cases.tests.factories import CaseFactory
from people.models import Service
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory
from transfers.models import Transfer, TransferKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    class World:
        pass

    world = World()
    world.tm = UserFactory(username="cintm", roles=[Role.TEAM_MANAGER])
    world.cin = TeamFactory(name="CIN North", service=Service.CHILDREN_IN_NEED, manager=world.tm)
    world.atm = UserFactory(
        username="cinatm", roles=[Role.ASSISTANT_TEAM_MANAGER], teams=[world.cin]
    )
    world.sw = UserFactory(username="cinsw", roles=[Role.SOCIAL_WORKER], teams=[world.cin])
    world.sm = UserFactory(username="sm", roles=[Role.SERVICE_MANAGER], teams=[world.cin])
    world.eh = TeamFactory(name="Early Help North", service=Service.EARLY_HELP)
    world.ffp = UserFactory(username="ffp", roles=[Role.FFP], teams=[world.eh])
    world.case = CaseFactory(
        current_team=world.cin, allocated_worker=world.sw, first_name="Ada", last_name="Lovelace"
    )
    world.unallocated = CaseFactory(current_team=world.cin, plan_type=PlanType.CIN)
    return world


def labels(case, user):
    return [action.label for action in case_page_actions(case, user)]


def url(name, case):
    return reverse(f"cases:{name}", args=[case.reference])


def test_the_case_page_shows_the_states_in_words(client, w):
    case_close_to_social_care(case=w.case, by=w.tm, reason="Plan ended")
    client.force_login(w.sw)
    page = client.get(w.case.get_absolute_url()).content.decode()
    assert "Closed" in page
    assert "by " + escape(w.tm) + " (CIN North)" in page
    client.force_login(w.tm)
    case_hold_by_team_leader(case=w.unallocated, by=w.tm, reason="No one free")
    page = client.get(w.unallocated.get_absolute_url()).content.decode()
    assert "Open to Social Care (Child in Need)" in page
    assert "Unallocated, held by the team leader" in page


@pytest.mark.parametrize("who", ["tm", "atm"])
def test_a_manager_sees_close_and_step_down_and_can_use_them(client, w, who):
    user = getattr(w, who)
    assert "Close Social Care involvement" in labels(w.case, user)
    assert "Step down to Early Help" in labels(w.case, user)
    client.force_login(user)
    page = client.get(w.case.get_absolute_url()).content.decode()
    assert url("close", w.case) in page
    response = client.post(url("close", w.case), {"reason": "Plan ended"})
    assert response.status_code == 302
    w.case.refresh_from_db()
    assert w.case.involvement == Involvement.CLOSED
    assert w.case.last_closed_to_social_care_by == user


def test_a_closure_without_a_reason_shows_the_error_summary(client, w):
    client.force_login(w.tm)
    response = client.post(url("close", w.case), {"reason": ""})
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert b"Enter why the case is being closed" in response.content


def test_a_manager_steps_a_case_down_to_an_early_help_team(client, w):
    client.force_login(w.tm)
    assert client.get(url("step_down", w.case)).status_code == 200
    response = client.post(url("step_down", w.case), {"to_team": w.eh.pk, "reason": "Needs met"})
    assert response.status_code == 302
    w.case.refresh_from_db()
    assert (w.case.involvement, w.case.current_team) == (Involvement.EARLY_HELP, w.eh)


def test_a_step_down_offers_only_early_help_and_graft_teams(client, w):
    client.force_login(w.tm)
    response = client.post(url("step_down", w.case), {"to_team": w.cin.pk, "reason": "x"})
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content


@pytest.mark.parametrize("who", ["sw", "sm"])
@pytest.mark.parametrize("name", ["close", "step_down", "hold", "allocate"])
def test_a_worker_or_onlooker_sees_no_case_action_and_gets_403(client, w, who, name):
    user = getattr(w, who)
    case = w.unallocated if name == "hold" else w.case
    assert labels(case, user) == []
    client.force_login(user)
    page = client.get(case.get_absolute_url()).content.decode()
    assert url(name, case) not in page
    assert client.get(url(name, case)).status_code == 403
    assert client.post(url(name, case), {"reason": "x"}).status_code == 403


def test_a_manager_holds_an_unallocated_cin_case(client, w):
    assert "Hold by team leader" in labels(w.unallocated, w.tm)
    assert "Hold by team leader" not in labels(w.case, w.tm)
    client.force_login(w.atm)
    response = client.post(url("hold", w.unallocated), {"reason": "No social worker free"})
    assert response.status_code == 302
    w.unallocated.refresh_from_db()
    assert w.unallocated.allocation == AllocationState.HELD_BY_TEAM_LEADER
    assert "Hold by team leader" not in labels(w.unallocated, w.atm)


@pytest.mark.parametrize("plan", [PlanType.CP, PlanType.CIC])
def test_a_cp_or_cic_case_is_not_offered_the_hold(client, w, plan):
    case = CaseFactory(current_team=w.cin, plan_type=plan)
    assert "Hold by team leader" not in labels(case, w.tm)
    assert "Allocate a worker" in labels(case, w.tm)
    client.force_login(w.tm)
    assert client.get(url("hold", case)).status_code == 403


def test_a_closed_case_offers_no_close_and_no_allocation(client, w):
    case_close_to_social_care(case=w.case, by=w.tm, reason="x")
    w.case.refresh_from_db()
    assert labels(w.case, w.tm) == []
    client.force_login(w.tm)
    assert client.get(url("close", w.case)).status_code == 403
    assert client.get(url("allocate", w.case)).status_code == 403


def test_while_a_transfer_is_live_the_case_page_offers_no_allocation_or_closure(client, w):
    Transfer.objects.create(
        kind=TransferKind.STEP_UP, case=w.unallocated, from_team=w.cin, requested_by=w.tm
    )
    offered = labels(w.unallocated, w.tm)
    assert "Allocate a worker" not in offered
    assert "Close Social Care involvement" not in offered
    assert "Step down to Early Help" not in offered
    # Holding is not allocating: a child waiting for a worker still needs the team leader.
    assert "Hold by team leader" in offered


def test_the_early_help_worker_is_offered_the_step_up_from_the_same_list(w):
    case = CaseFactory(current_team=w.eh, plan_type=PlanType.EARLY_HELP)
    assert labels(case, w.ffp) == ["Start a step-up to Social Care"]


@pytest.mark.parametrize("who", ["tm", "atm", "sw", "sm", "ffp"])
def test_every_action_the_case_page_offers_works(client, w, who):
    user = getattr(w, who)
    client.force_login(user)
    eh_case = CaseFactory(current_team=w.eh, plan_type=PlanType.EARLY_HELP)
    for case in (w.case, w.unallocated, eh_case):
        page = client.get(case.get_absolute_url())
        if page.status_code == 404:
            continue
        offered = page.context["actions"]
        assert offered == case_page_actions(case, user)
        for action in offered:
            assert action.url in page.content.decode()
            assert client.get(action.url).status_code == 200, action
