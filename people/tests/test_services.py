"""The team's capacity machine (seed 001 s2.5 and s6): each step allowed, refused for the wrong
state, refused for the wrong person, audited, and guarded against a stale copy."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django_fsm import ConcurrentTransition

from audit.models import AuditEvent
from people.models import Capacity, Service, Team
from people.roles import Role
from people.services import team_escalate_capacity, team_restore, team_suspend_protocol
from people.tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    class World:
        pass

    world = World()
    world.tm = UserFactory(username="tm", roles=[Role.TEAM_MANAGER])
    world.team = TeamFactory(name="CIN", service=Service.CHILDREN_IN_NEED, manager=world.tm)
    world.atm = UserFactory(username="atm", roles=[Role.ASSISTANT_TEAM_MANAGER], teams=[world.team])
    world.sw = UserFactory(username="sw", roles=[Role.SOCIAL_WORKER], teams=[world.team])
    world.sm = UserFactory(username="sm", roles=[Role.SERVICE_MANAGER], teams=[world.team])
    world.ifsm = UserFactory(username="ifsm", roles=[Role.INTEGRATED_FAMILY_SERVICES_MANAGER])
    world.ad = UserFactory(username="ad", roles=[Role.ASSISTANT_DIRECTOR])
    world.outsider_tm = UserFactory(
        username="othertm", roles=[Role.TEAM_MANAGER], teams=[TeamFactory(name="Other")]
    )
    return world


def _event(team, name):
    return AuditEvent.objects.get(action=f"team.{name}", subject_id=str(team.pk))


@pytest.mark.parametrize("who", ["tm", "atm", "sm"])
def test_the_team_or_its_service_manager_escalates_capacity(w, who):
    team = team_escalate_capacity(team=w.team, by=getattr(w, who), reason="Three workers off")
    assert team.capacity == Capacity.CAPACITY_ESCALATED and not team.is_suspended
    assert team.capacity_note == "Three workers off"
    event = _event(team, "escalate_capacity")
    assert (event.from_state, event.to_state) == ("open", "capacity_escalated")


@pytest.mark.parametrize("who", ["sw", "outsider_tm"])
def test_others_may_not_escalate(w, who):
    with pytest.raises(PermissionDenied):
        team_escalate_capacity(team=w.team, by=getattr(w, who), reason="x")
    w.team.refresh_from_db()
    assert w.team.capacity == Capacity.OPEN


def test_an_escalated_team_is_not_escalated_again(w):
    team_escalate_capacity(team=w.team, by=w.tm, reason="x")
    with pytest.raises(ValidationError, match="capacity escalated"):
        team_escalate_capacity(team=w.team, by=w.tm, reason="again")


@pytest.mark.parametrize("who", ["ifsm", "ad"])
@pytest.mark.parametrize("escalated_first", [False, True])
def test_the_ifs_manager_or_ad_suspends_the_protocol(w, who, escalated_first):
    if escalated_first:
        team_escalate_capacity(team=w.team, by=w.tm, reason="x")
    team = team_suspend_protocol(team=w.team, by=getattr(w, who), reason="Appendix 1 form")
    assert team.capacity == Capacity.PROTOCOL_SUSPENDED and team.is_suspended
    assert _event(team, "suspend_protocol").note == "Appendix 1 form"


@pytest.mark.parametrize("who", ["tm", "sm", "sw"])
def test_a_team_cannot_suspend_the_protocol_for_itself(w, who):
    with pytest.raises(PermissionDenied):
        team_suspend_protocol(team=w.team, by=getattr(w, who), reason="x")


def test_a_suspended_team_is_not_suspended_again(w):
    team_suspend_protocol(team=w.team, by=w.ifsm, reason="x")
    with pytest.raises(ValidationError, match="already suspended"):
        team_suspend_protocol(team=w.team, by=w.ifsm, reason="x")


def test_an_escalation_is_restored_by_the_team_and_a_suspension_only_above_it(w):
    team_escalate_capacity(team=w.team, by=w.tm, reason="x")
    assert team_restore(team=w.team, by=w.tm, reason="Staff back").capacity == Capacity.OPEN
    team_suspend_protocol(team=w.team, by=w.ifsm, reason="x")
    with pytest.raises(PermissionDenied):
        team_restore(team=w.team, by=w.tm, reason="x")
    team = team_restore(team=w.team, by=w.ad, reason="Lifted")
    assert team.capacity == Capacity.OPEN and not team.is_suspended
    assert AuditEvent.objects.filter(action="team.restore").count() == 2


def test_an_open_team_is_not_restored(w):
    with pytest.raises(ValidationError, match="already open"):
        team_restore(team=w.team, by=w.ifsm, reason="x")


def test_each_step_needs_a_reason(w):
    with pytest.raises(ValidationError):
        team_escalate_capacity(team=w.team, by=w.tm, reason="  ")
    w.team.refresh_from_db()
    assert w.team.capacity == Capacity.OPEN


def test_capacity_cannot_be_set_directly(w):
    with pytest.raises(AttributeError):
        w.team.capacity = Capacity.PROTOCOL_SUSPENDED


def test_a_stale_copy_cannot_overwrite_the_capacity(w):
    stale = Team.objects.get(pk=w.team.pk)
    team_suspend_protocol(team=w.team, by=w.ifsm, reason="x")
    stale.escalate_capacity()
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        stale.save()
    w.team.refresh_from_db()
    assert w.team.capacity == Capacity.PROTOCOL_SUSPENDED


def test_the_admin_shows_capacity_read_only(admin_client, w):
    response = admin_client.get(f"/admin/people/team/{w.team.pk}/change/")
    assert response.status_code == 200
    assert b'name="capacity"' not in response.content
    assert b"Open" in response.content
