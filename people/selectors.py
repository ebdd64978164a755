"""Which teams a user may act on or see. Every page that shows a case asks these."""

from contextlib import contextmanager
from typing import NamedTuple

from django.db.models import Exists, OuterRef, Q, QuerySet

from casetransfer.compiled import CompiledOnce
from casetransfer.request_cache import once_per_request, request_cache

from .models import Team, TeamMembership, User
from .roles import ROLE_SCOPE, Role, Scope, widest_scope


def user_scope(user: User) -> str | None:
    """The widest scope among the user's roles; None for a user with no role."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Scope.ALL
    return widest_scope({ROLE_SCOPE[r] for r in user.role_names if r in ROLE_SCOPE})


def teams_of(user: User) -> QuerySet[Team]:
    """The teams the user belongs to or manages."""
    return teams_of_id(user.pk)


def teams_of_id(user_id: int) -> QuerySet[Team]:
    """teams_of, for a person known by their id: the form the queries compiled once build on
    (casetransfer.compiled), which take ids, not users."""
    return Team.objects.filter(Q(memberships__user_id=user_id) | Q(manager_id=user_id)).distinct()


class OwnTeam(NamedTuple):
    pk: int
    service: str
    locality: str
    manager_id: int | None
    is_active: bool
    member: bool  # belongs to it; False for a team the user only manages
    name: str


def _own_teams_of(user_id: int) -> QuerySet[Team]:
    member = Exists(TeamMembership.objects.filter(team=OuterRef("pk"), user_id=user_id))
    return (
        Team.objects.alias(member=member)
        .filter(Q(member=True) | Q(manager_id=user_id))
        .values_list("pk", "service", "locality", "manager_id", "is_active", member, "name")
        .order_by("pk")
    )


_read_own_teams = CompiledOnce(_own_teams_of)  # every signed-in page asks: compiled once


def own_teams(user: User) -> tuple[OwnTeam, ...]:
    """The teams the user belongs to or manages (teams_of), as facts read in one query: once
    within a GET, however many checks the page makes (the menu, the guidance, the panels),
    afresh anywhere else."""
    if not user.is_authenticated:
        return ()
    return once_per_request(
        ("own_teams", user.pk),
        lambda: tuple(OwnTeam(*row) for row in _read_own_teams(user.pk)),
    )


def teams_visible_to(user: User) -> QuerySet[Team]:
    scope = user_scope(user)
    if scope is None:
        return Team.objects.none()
    return _teams_in_scope(scope, user.pk)


def _teams_in_scope(scope: str, user_id: int) -> QuerySet[Team]:
    """The teams a person of `scope` sees: teams_visible_to, for a person known by their id."""
    if scope == Scope.ALL:
        return Team.objects.all()
    own = teams_of_id(user_id)
    if scope == Scope.TEAM:
        return Team.objects.filter(memberships__user_id=user_id).distinct()
    if scope == Scope.MANAGED:
        return own
    if scope == Scope.LOCALITY:
        localities = own.exclude(locality="").values("locality")
        return Team.objects.filter(Q(locality__in=localities) | Q(pk__in=own.values("pk")))
    return Team.objects.filter(service__in=own.values("service"))


# The teams a locality or service scope sees, (id, name): asked on every page their readers
# open (the cases they see, a team filter), compiled once per process (casetransfer.compiled).
_read_teams_in_scope = {
    scope: CompiledOnce(
        lambda user_id, scope=scope: (
            _teams_in_scope(scope, user_id).values_list("pk", "name").order_by()
        )
    )
    for scope in (Scope.LOCALITY, Scope.SERVICE)
}


def _wide_teams_visible_to(user: User) -> list[tuple[int, str]] | None:
    """(id, name) of teams_visible_to for a locality or service scope, read once within a GET;
    None for other scopes."""
    scope = user_scope(user)
    if scope not in _read_teams_in_scope:
        return None
    return once_per_request(("scope_teams", user.pk), lambda: _read_teams_in_scope[scope](user.pk))


def _own_teams_visible_to(user: User) -> list[OwnTeam] | None:
    """teams_visible_to from the teams read once within a GET (own_teams), where the scope is
    the user's own teams: those they belong to (a worker), or also manage (a team manager).
    None for wider scopes (_wide_teams_visible_to, or every team)."""
    scope = user_scope(user)
    if scope not in (Scope.TEAM, Scope.MANAGED):
        return None
    return [team for team in own_teams(user) if team.member or scope == Scope.MANAGED]


def team_ids_visible_to(user: User) -> set[int]:
    """The ids of teams_visible_to: for a worker or a team manager from the teams they belong to
    or manage (own_teams), for a locality or service scope from its teams (each read once
    within a GET, by a query compiled once), for the county-wide scope from the database."""
    teams = _own_teams_visible_to(user)
    if teams is not None:
        return {team.pk for team in teams}
    wide = _wide_teams_visible_to(user)
    if wide is not None:
        return {pk for pk, _ in wide}
    return set(teams_visible_to(user).values_list("pk", flat=True))


def team_choices_visible_to(user: User) -> list[tuple[int, str]] | None:
    """(id, name) of teams_visible_to, by name, for a team filter: for a worker or a team
    manager from the teams they belong to or manage (own_teams), for a locality or service
    scope from the teams read for the cases they see (no query of its own either way); None
    for everyone else (every team), whose filter reads its teams from the database."""
    teams = _own_teams_visible_to(user)
    if teams is not None:
        choices = [(team.pk, team.name) for team in teams]
    else:
        choices = _wide_teams_visible_to(user)
        if choices is None:
            return None
    return sorted(choices, key=lambda choice: (choice[1], choice[0]))


class TeamFilter(NamedTuple):
    """What a filter by team offers: the teams a chosen one is checked against, and their (id,
    name) by name when already read (None: the field reads them from `teams`)."""

    teams: QuerySet[Team]
    choices: list[tuple[int, str]] | None


def team_filter_for(user: User) -> TeamFilter:
    """The teams a user may filter a list by (teams_visible_to). Where they are already read
    (team_choices_visible_to), the team chosen is checked against their ids: building the
    scope's query for a filter most openings leave at "All" took a tenth of a search's Python,
    and reading the options 3 ms of a weekly list (issue 14)."""
    choices = team_choices_visible_to(user)
    if choices is None:
        return TeamFilter(teams_visible_to(user), None)
    return TeamFilter(Team.objects.filter(pk__in=[pk for pk, _ in choices]), choices)


def teams_managed_by(user: User) -> QuerySet[Team]:
    return Team.objects.filter(manager=user)


def users_in_team(team: Team, *roles: str) -> QuerySet[User]:
    """Active members of the team; with `roles`, only those holding one of them."""
    users = User.objects.filter(memberships__team=team, is_active=True)
    if roles:
        users = users.filter(groups__name__in=roles)
    return users.distinct()


def in_team(user: User, team: Team | None) -> bool:
    """Member or manager of the team."""
    if team is None or not user.is_authenticated or not user.is_active:
        return False
    if team.manager_id == user.pk:
        return True
    cached = getattr(user, "_team_ids", None)
    if cached is not None:
        return team.pk in cached
    if request_cache.get() is not None:
        return any(t.pk == team.pk and t.member for t in own_teams(user))
    return user.memberships.filter(team=team).exists()


@contextmanager
def memberships_cached(user: User):
    """Within the block, `in_team` answers from the user's team ids read once: for working
    through many records' permissions in one go (issue 14). Not kept beyond the block, so a
    membership changed later is never answered from a stale copy."""
    if getattr(user, "_team_ids", None) is not None:  # within an outer block: its copy stands
        yield user
        return
    if request_cache.get() is not None:  # within a GET: the teams read once for it
        user._team_ids = frozenset(t.pk for t in own_teams(user) if t.member)
    else:
        user._team_ids = frozenset(user.memberships.values_list("team_id", flat=True))
    try:
        yield user
    finally:
        del user._team_ids


def user_manages_team(user: User, team: Team) -> bool:
    """Who may change a team's allocations: its manager, or a team manager or assistant team
    manager who belongs to it. Seeing a team (a locality lead, a service manager) is not
    managing it."""
    if not user.is_authenticated or not user.is_active:
        return False
    if team.manager_id == user.pk:
        return True
    return user.has_role(Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER) and in_team(user, team)
