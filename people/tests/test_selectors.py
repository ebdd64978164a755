"""The access matrix: which roles see which teams' cases, for every role; and who may change a
team's allocations."""

import pytest

from cases.selectors import cases_visible_to
from cases.tests.factories import CaseFactory
from people.models import Service, User
from people.roles import Role
from people.selectors import team_ids_visible_to, teams_visible_to, user_manages_team
from people.tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

ALL = {"cin_north", "cin_south", "eh_north", "cic", "qa"}

# role: (teams they belong to, the teams whose cases they must see; every other case is hidden)
MATRIX = {
    Role.SOCIAL_WORKER: (["cin_north"], {"cin_north"}),
    Role.FFP: (["eh_north"], {"eh_north"}),
    Role.FSW: (["eh_north"], {"eh_north"}),
    Role.CCA: (["qa"], {"qa"}),
    Role.EH_SUPERVISOR: (["eh_north"], {"eh_north"}),
    Role.TEAM_MANAGER: ([], {"cin_north"}),  # manages cin_north without being a member
    Role.ASSISTANT_TEAM_MANAGER: (["cin_north"], {"cin_north"}),
    Role.LOCALITY_LEAD: (["eh_north"], {"eh_north", "cin_north"}),  # the North locality
    Role.SERVICE_MANAGER: (["cin_north"], {"cin_north", "cin_south"}),  # the CIN service
    Role.OPERATIONAL_MANAGER: (["cic"], {"cic"}),
    Role.QA_SERVICE_MANAGER: (["qa"], {"qa"}),
    Role.INDEPENDENT_CHAIR: (["qa"], {"qa"}),
    Role.ASSISTANT_DIRECTOR: ([], ALL),
    Role.INTEGRATED_FAMILY_SERVICES_MANAGER: ([], ALL),
    Role.SENIOR_ADMINISTRATOR: ([], ALL),
    Role.SYSTEM_ADMINISTRATOR: ([], ALL),
}


@pytest.fixture
def teams():
    return {
        "cin_north": TeamFactory(
            name="CIN North", service=Service.CHILDREN_IN_NEED, locality="North"
        ),
        "cin_south": TeamFactory(
            name="CIN South", service=Service.CHILDREN_IN_NEED, locality="South"
        ),
        "eh_north": TeamFactory(name="EH North", service=Service.EARLY_HELP, locality="North"),
        "cic": TeamFactory(name="CiC", service=Service.CHILDREN_IN_CARE, locality=""),
        "qa": TeamFactory(name="Conference & QA", service=Service.CONFERENCE_AND_QA, locality=""),
    }


@pytest.fixture
def cases(teams):
    return {key: CaseFactory(current_team=team) for key, team in teams.items()}


def make(role: str, member_of: list[str], teams) -> User:
    user = UserFactory(roles=[role], teams=[teams[k] for k in member_of])
    if role == Role.TEAM_MANAGER:
        teams["cin_north"].manager = user
        teams["cin_north"].save()
    return user


def test_the_matrix_covers_every_role():
    assert set(MATRIX) == set(Role)


@pytest.mark.parametrize(("role", "row"), MATRIX.items(), ids=[r.value for r in MATRIX])
def test_cases_visible_to_follows_the_matrix(teams, cases, role, row):
    member_of, expected = row
    user = make(role, member_of, teams)
    visible = set(cases_visible_to(user).values_list("pk", flat=True))
    assert visible == {cases[key].pk for key in expected}


@pytest.mark.parametrize(("role", "row"), MATRIX.items(), ids=[r.value for r in MATRIX])
def test_teams_visible_to_follows_the_matrix(teams, role, row):
    member_of, expected = row
    user = make(role, member_of, teams)
    visible = set(teams_visible_to(user).values_list("pk", flat=True))
    assert visible == {teams[key].pk for key in expected}
    assert team_ids_visible_to(user) == visible


@pytest.mark.parametrize("role", [Role.TEAM_MANAGER, Role.SOCIAL_WORKER, Role.SERVICE_MANAGER])
def test_the_visible_team_ids_count_a_team_managed_without_belonging(teams, role):
    user = make(role, ["cin_north"], teams)
    teams["cin_south"].manager = user
    teams["cin_south"].save()
    visible = set(teams_visible_to(user).values_list("pk", flat=True))
    assert team_ids_visible_to(user) == visible


def test_a_user_with_no_role_sees_nothing(teams, cases):
    user = UserFactory(teams=[teams["cin_north"]])
    assert not cases_visible_to(user).exists()


def test_several_roles_see_the_union(teams, cases):
    user = UserFactory(
        roles=[Role.FFP, Role.SERVICE_MANAGER], teams=[teams["eh_north"], teams["cin_south"]]
    )
    visible = set(cases_visible_to(user).values_list("pk", flat=True))
    assert visible == {cases[k].pk for k in ("eh_north", "cin_north", "cin_south")}


def test_a_worker_sees_a_case_allocated_to_them_in_another_team(teams):
    worker = UserFactory(roles=[Role.SOCIAL_WORKER], teams=[teams["cin_north"]])
    other = CaseFactory(current_team=teams["cin_south"], allocated_worker=worker)
    assert cases_visible_to(worker).filter(pk=other.pk).exists()


def test_an_inactive_user_sees_nothing_by_any_route(teams):
    worker = UserFactory(roles=[Role.ASSISTANT_DIRECTOR], teams=[teams["cin_north"]])
    CaseFactory(current_team=teams["cin_south"], allocated_worker=worker)
    User.objects.filter(pk=worker.pk).update(is_active=False)
    worker.refresh_from_db()
    assert not cases_visible_to(worker).exists()


def test_only_the_teams_own_managers_change_its_allocations(teams):
    manager = make(Role.TEAM_MANAGER, [], teams)
    atm = UserFactory(roles=[Role.ASSISTANT_TEAM_MANAGER], teams=[teams["cin_north"]])
    worker = UserFactory(roles=[Role.SOCIAL_WORKER], teams=[teams["cin_north"]])
    locality_lead = UserFactory(roles=[Role.LOCALITY_LEAD], teams=[teams["eh_north"]])
    service_manager = UserFactory(roles=[Role.SERVICE_MANAGER], teams=[teams["cin_north"]])
    director = UserFactory(roles=[Role.ASSISTANT_DIRECTOR])
    assert user_manages_team(manager, teams["cin_north"])
    assert user_manages_team(atm, teams["cin_north"])
    assert not user_manages_team(manager, teams["cin_south"])
    # Seeing a team is not managing it.
    for person in (worker, locality_lead, service_manager, director):
        assert not user_manages_team(person, teams["cin_north"])


@pytest.mark.django_db
def test_memberships_are_read_once_in_a_block_and_blocks_nest(django_assert_num_queries):
    from people.selectors import in_team, memberships_cached

    team, other = TeamFactory(), TeamFactory()
    user = UserFactory(roles=[Role.SOCIAL_WORKER], teams=[team])
    with memberships_cached(user):
        with django_assert_num_queries(0):
            assert in_team(user, team) and not in_team(user, other)
        with memberships_cached(user):  # an inner block keeps the outer one's copy
            assert in_team(user, team)
        with django_assert_num_queries(0):
            assert in_team(user, team)
    assert not hasattr(user, "_team_ids")  # never kept beyond the block


@pytest.mark.django_db
def test_own_teams_are_read_once_in_a_request_that_changes_nothing(django_assert_num_queries):
    from casetransfer.request_cache import read_only
    from people.selectors import in_team, own_teams

    member_of, managed, other = TeamFactory(), TeamFactory(), TeamFactory(service=Service.MASH)
    user = UserFactory(roles=[Role.TEAM_MANAGER], teams=[member_of])
    managed.manager = user
    managed.save()
    with read_only():
        with django_assert_num_queries(1):
            teams = {team.pk: team for team in own_teams(user)}
            assert own_teams(user) == tuple(teams.values())
            assert in_team(user, member_of) and not in_team(user, other)
        assert set(teams) == {member_of.pk, managed.pk}
        assert teams[member_of.pk].member and not teams[managed.pk].member
    # Outside one, each ask reads afresh: a membership added since is seen.
    other.memberships.create(user=user)
    assert other.pk in {team.pk for team in own_teams(user)}
    with django_assert_num_queries(1):
        assert in_team(user, other)
