"""The access matrix: which roles see which teams' cases."""

import pytest

from cases.selectors import cases_visible_to
from cases.tests.factories import CaseFactory
from people.models import Service
from people.roles import Role
from people.selectors import teams_visible_to, user_manages_team
from people.tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    teams = {
        "cin_north": TeamFactory(
            name="CIN North", service=Service.CHILDREN_IN_NEED, locality="North"
        ),
        "cin_south": TeamFactory(
            name="CIN South", service=Service.CHILDREN_IN_NEED, locality="South"
        ),
        "eh_north": TeamFactory(name="EH North", service=Service.EARLY_HELP, locality="North"),
        "cic": TeamFactory(name="CiC", service=Service.CHILDREN_IN_CARE, locality=""),
    }
    cases = {key: CaseFactory(current_team=team) for key, team in teams.items()}
    manager = UserFactory(username="tm", roles=[Role.TEAM_MANAGER])
    teams["cin_north"].manager = manager
    teams["cin_north"].save()
    users = {
        "worker": UserFactory(
            username="sw", roles=[Role.SOCIAL_WORKER], teams=[teams["cin_north"]]
        ),
        "manager": manager,
        "locality_lead": UserFactory(
            username="ll", roles=[Role.LOCALITY_LEAD], teams=[teams["eh_north"]]
        ),
        "service_manager": UserFactory(
            username="sm", roles=[Role.SERVICE_MANAGER], teams=[teams["cin_north"]]
        ),
        "assistant_director": UserFactory(username="ad", roles=[Role.ASSISTANT_DIRECTOR]),
        "senior_admin": UserFactory(username="sa", roles=[Role.SENIOR_ADMINISTRATOR]),
        "no_role": UserFactory(username="nobody", teams=[teams["cin_north"]]),
    }
    return teams, cases, users


# Which cases each user must see; every other case must be hidden.
MATRIX = {
    "worker": {"cin_north"},
    "manager": {"cin_north"},
    "locality_lead": {"cin_north", "eh_north"},
    "service_manager": {"cin_north", "cin_south"},
    "assistant_director": {"cin_north", "cin_south", "eh_north", "cic"},
    "senior_admin": {"cin_north", "cin_south", "eh_north", "cic"},
    "no_role": set(),
}


@pytest.mark.parametrize(("user_key", "expected"), MATRIX.items())
def test_cases_visible_to_follows_the_matrix(world, user_key, expected):
    _teams, cases, users = world
    visible = set(cases_visible_to(users[user_key]).values_list("pk", flat=True))
    assert visible == {cases[key].pk for key in expected}


@pytest.mark.parametrize(("user_key", "expected"), MATRIX.items())
def test_teams_visible_to_follows_the_matrix(world, user_key, expected):
    teams, _, users = world
    visible = set(teams_visible_to(users[user_key]).values_list("pk", flat=True))
    assert {teams[key].pk for key in expected} <= visible
    hidden = {teams[key].pk for key in teams if key not in expected}
    assert not visible & hidden


def test_a_worker_sees_a_case_allocated_to_them_in_another_team(world):
    teams, _cases, users = world
    worker = users["worker"]
    other = CaseFactory(current_team=teams["cin_south"], allocated_worker=worker)
    assert cases_visible_to(worker).filter(pk=other.pk).exists()


def test_an_inactive_user_sees_nothing(world):
    _, _, users = world
    users["assistant_director"].is_active = False
    assert not cases_visible_to(users["assistant_director"]).exists()


def test_only_managers_in_scope_manage_a_team(world):
    teams, _, users = world
    assert user_manages_team(users["manager"], teams["cin_north"])
    assert not user_manages_team(users["manager"], teams["cin_south"])
    assert not user_manages_team(users["worker"], teams["cin_north"])
    assert user_manages_team(users["service_manager"], teams["cin_south"])
    assert not user_manages_team(users["senior_admin"], teams["cin_north"])
