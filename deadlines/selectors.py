"""Reading deadlines for pages: scoped like cases."""

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import NamedTuple

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.utils import timezone

from casetransfer.compiled import CompiledOnce, ModelsCompiledOnce
from casetransfer.ranking import CountedApart, OrderedRows, RankedRows, union_of
from people.models import User
from people.roles import Scope
from people.selectors import _teams_in_scope, teams_visible_to, user_scope

from .models import Deadline, DeadlineStatus

DUE_SOON = timedelta(days=2)
LIVE = [DeadlineStatus.OPEN, DeadlineStatus.BREACHED]


def _watched_by(user: User) -> QuerySet:
    return _watched_by_id(user.pk)


def _watched_by_id(user_id: int) -> QuerySet:
    return Deadline.watchers.through.objects.filter(user_id=user_id)


def _team_ids(user: User) -> QuerySet:
    # A subquery: the planner loops over the few teams, a range scan of the team index each.
    return teams_visible_to(user).values("pk")


def _one_of(*branches: QuerySet) -> QuerySet[Deadline]:
    """Deadlines in any of `branches`: the UNION of their ids, each branch served by its own
    index ((owner, status, due_at), (owner_team, status, due_at), the watchers' table), where
    an OR of the three would scan the whole due_at index."""
    return Deadline.objects.filter(pk__in=union_of(branch.values("pk") for branch in branches))


def _annotated(deadlines: QuerySet[Deadline], user: User) -> QuerySet[Deadline]:
    return _annotated_for(deadlines, user.pk)


def _annotated_for(deadlines: QuerySet[Deadline], user_id: int) -> QuerySet[Deadline]:
    watched = _watched_by_id(user_id)
    return deadlines.annotate(
        is_watched=Exists(watched.filter(deadline_id=OuterRef("pk")))
    ).select_related("case", "owner", "owner_team")


def deadlines_for_user(user: User, condition: Q | None = None) -> QuerySet[Deadline]:
    """The deadlines a person answers for or waits on: their own, the ones they watch (the joint
    visit an Early Help worker goes on), and, for managers, their teams'. Each row says whether
    the person watches it (`is_watched`). `condition` is applied inside each branch, where
    the indexes can serve it."""
    return _annotated(_one_of(*_branches(user, condition)), user)


def _branches(user: User, condition: Q | None) -> list[QuerySet[Deadline]]:
    return _branches_of(user.pk, condition, team_scope=_team_scope(user))


def _team_scope(user: User) -> str | None:
    """The scope of the teams whose deadlines the user answers for too: a manager's (or a
    superuser's); None for anyone else."""
    return user_scope(user) if user.is_manager or user.is_superuser else None


def _branches_of(
    user_id: int,
    condition: Q | None,
    *,
    team_scope: str | None,
    team_parts: tuple[Q, ...] = (),
) -> list[QuerySet[Deadline]]:
    """_branches for a person known by their id and the scope of the teams they answer for
    (nothing else read: the SQL of their keys is compiled once per shape, _read_ranked_keys).
    `team_parts`: the teams' branch as one branch for each of these conditions (together,
    `condition`), each a range of the team index."""
    condition = condition if condition is not None else Q()
    watched = _watched_by_id(user_id).values("deadline_id")
    branches = [
        Deadline.objects.filter(condition, owner=user_id),
        Deadline.objects.filter(condition, pk__in=watched),
    ]
    if team_scope is not None:
        # A subquery: the planner loops over the few teams, a range scan of the team index each.
        teams = _teams_in_scope(team_scope, user_id).values("pk")
        for part in team_parts or (condition,):
            branches.append(Deadline.objects.filter(part, owner_team__in=teams))
    return branches


def _soon(now: datetime | None) -> Q:
    now = now or timezone.now()
    return Q(status=DeadlineStatus.OPEN, due_at__gt=now, due_at__lte=now + DUE_SOON)


def _late(now: datetime | None) -> Q:
    """Breached, or past due and not yet swept (the page must not wait for the sweep)."""
    now = now or timezone.now()
    return Q(status=DeadlineStatus.BREACHED) | Q(status=DeadlineStatus.OPEN, due_at__lte=now)


def due_soon(user: User, now: datetime | None = None) -> QuerySet[Deadline]:
    return deadlines_for_user(user, _soon(now)).order_by("due_at")


def overdue(user: User, now: datetime | None = None) -> QuerySet[Deadline]:
    return deadlines_for_user(user, _late(now)).order_by("due_at")


def _ranked(user: User, which: str, now: datetime | None) -> OrderedRows | CountedApart:
    """The user's deadlines overdue (`which` "late") or due soon ("soon") at `now`, soonest
    first, as ranked rows.

    The ids and due times come from the union of the index-served branches, its SQL compiled
    once per shape; the rows shown are then read by primary key. (Given the union as a
    subquery, the planner guesses thousands of rows and hash-joins a scan of every deadline:
    520 ms at 1M rows; issue 14.) A manager's overdue deadlines are counted apart first, and
    from ORDERED_FROM of them read in order down the live deadlines' index instead."""
    now = now or timezone.now()
    team_scope = _team_scope(user)
    if which == "late" and team_scope is not None:
        total = _count_overdue(user.pk, now, team_scope)
        if total >= ORDERED_FROM:
            keys = _read_overdue_in_order.sql_with_params(user.pk, now, shape=team_scope)
            return CountedApart(keys, total, fetch=_fetch_for(user), cap=OVERDUE_COUNTED_TO)
    shape = (which, team_scope)
    times = (now,) if which == "late" else (now, now + DUE_SOON)
    keys = _read_ranked_keys.sql_with_params(user.pk, *times, shape=shape)
    return OrderedRows(keys, order="2 ASC, 1 ASC", fetch=_fetch_for(user))


def _ranked_keys_of(user_id: int, now: datetime, *until: datetime, shape: tuple) -> QuerySet:
    """(id, due time) of a person's deadlines overdue at `now`, or due soon (after `now`, by
    `until`): _late's and _soon's conditions, their times given as arguments so that the SQL
    is the same for every call of a shape, (which, the scope of the teams they answer for)."""
    which, team_scope = shape
    if which == "late":
        # The teams' branch, one for each state (_late's two sides): "breached, or open and
        # past due" was read off the index of a team's every deadline, met and cancelled ones
        # too (151,331 for a team at 100,000 cases: 8 ms of an Early Help supervisor's home
        # page), where a team and one state is a range of deadline_team_status_due (issue 14).
        # A person's own and watched stay whole: the few they watch, split by state, were
        # matched by walking every deadline in id order for the rare open ones (230 ms).
        parts = (
            Q(status=DeadlineStatus.BREACHED),
            Q(status=DeadlineStatus.OPEN, due_at__lte=now),
        )
        branches = _branches_of(user_id, _late(now), team_scope=team_scope, team_parts=parts)
    else:
        condition = Q(status=DeadlineStatus.OPEN, due_at__gt=now, due_at__lte=until[0])
        branches = _branches_of(user_id, condition, team_scope=team_scope)
    return union_of(branch.values_list("pk", "due_at") for branch in branches)


# The panels' keys, compiled once per shape: built and compiled on every home page, the
# three branches with their teams' subquery cost more than the query (issue 14). Those due
# soon are planned once for every call: the plan is the same for every time, and PostgreSQL,
# whose estimates grow with the deadlines, otherwise planned it on every home page (1 ms for a
# service manager at 100,000 cases; 0.04 at 10,000).
_read_ranked_keys = CompiledOnce(_ranked_keys_of, generic_plan=lambda shape: shape[0] == "soon")


# A manager's overdue panel is counted and read apart (_count_overdue, CountedApart): their
# teams can hold thousands of overdue deadlines, and the union of the panel's branches,
# deduplicated, counted and sorted whole, took 26 to 37 ms of a service manager's home page at
# 100,000 cases and 15 ms of a team manager's, growing with the county (issue 14). (Their
# deadlines due soon, counted and read so too, took as long as the union: 7.7 against 7.3 ms
# for a service manager.)
# From this many overdue, their first rows are read down the index of live deadlines by due
# time, keeping those in the person's branches (0.6 ms for a service manager's 14,000);
# below it the matches are too sparse down that index, and the union above reads them instead.
ORDERED_FROM = 100
# A manager's overdue deadlines are counted so far: past this many the panel says "more than"
# (as the deadlines page does, cases.paging.CountedSoFar), so its count costs the same however
# many the county has (an assistant director's every overdue deadline, a service manager's:
# thousands at 100,000 cases, counted one by one; issue 14).
OVERDUE_COUNTED_TO = 1000


def _overdue_count_of(user_id: int, now: datetime, *, shape: tuple[str, int]) -> QuerySet:
    """The counts of the disjoint parts of the overdue deadlines of a person answering for the
    teams of scope `shape[0]`, each counted down its own index, and only so far (`shape[1]`
    rows at most): their teams' breached deadlines, and those open past due (the team index
    alone: no table row read); those they own in no such team; those they watch, own not, in
    no such team. One row (read off the person's own, which gives the query its FROM)."""
    scope, up_to = shape
    teams = _teams_in_scope(scope, user_id).values("pk")
    in_teams = Q(owner_team__in=teams)
    late = _late(now)
    parts = (
        Q(in_teams, status=DeadlineStatus.BREACHED),
        Q(in_teams, status=DeadlineStatus.OPEN, due_at__lte=now),
        late & Q(owner=user_id) & ~in_teams,
        late
        & Q(pk__in=_watched_by_id(user_id).values("deadline_id"))
        & ~Q(owner=user_id)
        & ~in_teams,
    )
    counted = (Deadline.objects.filter(part).order_by().values("owner_team") for part in parts)
    counts = {f"part{i}": _CountedTo(rows[:up_to]) for i, rows in enumerate(counted)}
    return User.objects.filter(pk=user_id).annotate(**counts).values_list(*counts)


class _CountedTo(Subquery):
    """How many rows a subquery has (its LIMIT the most counted): COUNT(*) of it, which an
    index alone answers when the subquery reads only indexed columns."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS counted)"
    output_field = IntegerField()


# Planned once for every call of a scope of teams: PostgreSQL, whose estimates grow with the
# deadlines, otherwise planned it afresh on every home page (2.4 ms before a 3 ms count for a
# service manager at 100,000 cases, 0.07 at 10,000). Not the whole county's: kept as one plan
# for every time, an assistant director's count read every breached deadline (460 ms).
_read_overdue_count = CompiledOnce(
    _overdue_count_of, generic_plan=lambda shape: shape[0] != Scope.ALL
)


def _count_overdue(user_id: int, now: datetime, team_scope: str) -> int:
    """How many deadlines a person answering for `team_scope`'s teams has overdue, up to one
    more than OVERDUE_COUNTED_TO: the sum of the disjoint parts' counts (counted as one union
    of the parts, the rows passed through it took three times as long: 12 against 4.5 ms at
    100,000 cases)."""
    (counts,) = _read_overdue_count(user_id, now, shape=(team_scope, OVERDUE_COUNTED_TO + 1))
    return min(sum(counts), OVERDUE_COUNTED_TO + 1)


def _overdue_in_order_of(user_id: int, now: datetime, *, shape: str) -> QuerySet:
    """(id, due time) of a person's overdue deadlines, soonest first, for a person answering
    for the teams of scope `shape`: one condition the database checks down the index of live
    deadlines by due time (`live_deadline_due`), as many rows as are asked."""
    teams = _teams_in_scope(shape, user_id).values("pk")
    watched = _watched_by_id(user_id).values("deadline_id")
    mine = Q(owner_team__in=teams) | Q(owner=user_id) | Q(pk__in=watched)
    return (
        Deadline.objects.filter(_late(now), mine, status__in=LIVE)
        .order_by("due_at", "pk")
        .values_list("pk", "due_at")
    )


# Planned for each call's time: kept as one plan for every time, PostgreSQL read every overdue
# deadline and sorted them (5.7 ms for an assistant director at 100,000 cases) where, knowing
# the time, it reads the first down the index and stops (0.4 ms with its planning).
_read_overdue_in_order = CompiledOnce(_overdue_in_order_of, custom_plan=True)


def _deadlines_by_pk(user_id: int, *pks: int) -> QuerySet[Deadline]:
    return _annotated_for(Deadline.objects.filter(pk__in=pks), user_id)


# The rows a panel or page shows, read whole by primary key: compiled once per number of rows.
_read_deadlines_by_pk = ModelsCompiledOnce(_deadlines_by_pk)


def _fetch_for(user: User):
    return lambda pks: _read_deadlines_by_pk(user.pk, *pks)


def _soonest_first(keys, user: User) -> RankedRows:
    """Ranked deadlines from (id, due time, ...) keys: by due time, then id."""
    return RankedRows(keys, sort_key=lambda row: (row[1], row[0]), fetch=_fetch_for(user))


def ranked_due_soon(user: User, now: datetime | None = None) -> OrderedRows:
    """due_soon as ranked rows, for a home page panel."""
    return _ranked(user, "soon", now)


def ranked_overdue(user: User, now: datetime | None = None) -> OrderedRows:
    """overdue as ranked rows, for a home page panel."""
    return _ranked(user, "late", now)


def _live_team_branches(user: User, team_id: int | None) -> tuple[QuerySet, QuerySet]:
    """The live deadlines of the teams the user sees, and those they watch in other teams
    (each its index). No row is in both, so their union need not look for rows twice (UNION
    ALL: 5 of a service manager's 34 ms at 100,000 cases went on it, issue 14)."""
    condition = Q(status__in=LIVE) & (Q(owner_team_id=team_id) if team_id else Q())
    team_ids = _team_ids(user)
    teams = Deadline.objects.filter(condition, owner_team__in=team_ids)
    watched = Deadline.objects.filter(
        condition, pk__in=_watched_by(user).values("deadline_id")
    ).exclude(owner_team__in=team_ids)
    return teams.order_by(), watched.order_by()


def live_team_deadline_keys(*, user: User, team_id: int | None = None) -> QuerySet:
    """(id, due time, case id, case team id, case worker id) of the live deadlines of the
    teams the user sees and of those they watch: the deadlines page's one query."""
    fields = ("pk", "due_at", "case_id", "case__current_team_id", "case__allocated_worker_id")
    teams, watched = _live_team_branches(user, team_id)
    return teams.values_list(*fields).union(watched.values_list(*fields), all=True)


def ranked_live_team_deadlines(
    *, user: User, team_id: int | None = None
) -> RankedRows | QuerySet[Deadline]:
    """team_deadlines' live rows (the deadlines page as it opens), soonest first.

    For most people, as ranked rows: the keys, each row's case team and worker, are read in one
    union and the rows whose case the user no longer sees are left out in Python
    (cases.selectors.visible_case_test), where the query form checks each row against every
    case the user sees. A service manager's teams hold most of the county's live deadlines
    (18,597 of 24,504 at 100,000 cases), so for them the database checks the rows, soonest
    first (`_soonest_first_in_database`), and the page counts only its first thousand
    (cases.paging.CountedSoFar)."""
    if user_scope(user) == Scope.SERVICE:
        return _soonest_first_in_database(user, team_id)
    return _ranked_in_python(user, team_id)


def _ranked_in_python(user: User, team_id: int | None) -> RankedRows:
    from cases.selectors import visible_case_test

    sees = visible_case_test(user)
    keys = (
        row
        for row in live_team_deadline_keys(user=user, team_id=team_id)
        if row[2] is None or sees(row[2], row[3], row[4])
    )
    return _soonest_first(keys, user)


def _soonest_first_in_database(user: User, team_id: int | None) -> QuerySet[Deadline]:
    """The live deadlines of the teams the user sees and of those they watch, about no case or
    a case the user sees, soonest first: one query the database answers down the index of live
    deadlines by due time (`live_deadline_due`), reading as many as the page asks rather than
    every one (26 to 2 ms for a service manager at 100,000 cases; issue 14)."""
    from cases.selectors import rows_of_visible_cases

    condition = Q(status__in=LIVE) & (Q(owner_team_id=team_id) if team_id else Q())
    watched = _watched_by(user).values("deadline_id")
    deadlines = Deadline.objects.filter(
        condition, Q(owner_team__in=_team_ids(user)) | Q(pk__in=watched)
    )
    return rows_of_visible_cases(deadlines, user, caseless=True).order_by("due_at", "pk")


def deadlines_in_order(user: User) -> Callable[[list[int]], list[Deadline]]:
    """A list page's deadlines read whole by id, in the order of the ids, as the user sees them
    (`is_watched`): the rows of the page cases.paging.CountedSoFar counted."""
    from cases.paging import in_order_of

    return lambda ids: in_order_of(ids, partial(_read_deadlines_by_pk, user.pk))


def team_deadlines(
    *, user: User, team_id: int | None = None, status: str = ""
) -> QuerySet[Deadline]:
    """The deadlines of the teams a person sees, and the ones they watch in other teams."""
    from cases.selectors import cases_visible_to

    if status == "live" or not status:
        condition = Q(status__in=LIVE)
    elif status != "all":
        condition = Q(status=status)
    else:
        condition = Q()
    if team_id:
        condition &= Q(owner_team_id=team_id)
    team_ids = _team_ids(user)
    deadlines = _one_of(
        Deadline.objects.filter(condition, owner_team__in=team_ids),
        Deadline.objects.filter(condition, pk__in=_watched_by(user).values("deadline_id")),
    )
    # A team's deadline about a case that has since left the user's sight stays hidden; so does
    # a watched one. Checked per row shown (a primary-key probe), not against every case.
    visible_case = cases_visible_to(user).filter(pk=OuterRef("case_id"))
    deadlines = deadlines.filter(Q(case__isnull=True) | Exists(visible_case))
    return _annotated(deadlines, user).order_by("due_at", "pk")


def deadlines_for_case(case) -> QuerySet[Deadline]:
    """Every deadline the case has had, the latest due first (its deadlines page)."""
    return (
        Deadline.objects.filter(case=case)
        .select_related("owner", "owner_team")
        .order_by("-due_at", "-pk")
    )


FINISHED_ON_CASE_PAGE = 5


class CaseDeadlines(NamedTuple):
    live: list[Deadline]
    finished: list[Deadline]
    finished_total: int

    @property
    def total(self) -> int:
        return len(self.live) + self.finished_total

    @property
    def more(self) -> bool:
        """Some met or cancelled deadline is not on the case page."""
        return self.finished_total > len(self.finished)


def case_page_deadlines(case, finished=FINISHED_ON_CASE_PAGE) -> CaseDeadlines:
    """For the case page: every live deadline, soonest first, and the latest `finished` met or
    cancelled ones, with how many the case has had (years of history run to hundreds: the
    rest are on the case's deadlines page)."""
    done = _read_finished_of_case(case.pk, shape=finished)
    return CaseDeadlines(
        live=_read_live_of_case(case.pk),
        finished=done,
        finished_total=done[0].total if done else 0,
    )


def _finished_of_case(case_id: int, *, shape: int) -> QuerySet[Deadline]:
    """The latest `shape` met or cancelled deadlines of a case, counted alongside."""
    rows = deadlines_for_case(case_id).exclude(status__in=LIVE)
    return rows.annotate(total=Window(Count("*")))[:shape]


def _live_of_case(case_id: int) -> QuerySet[Deadline]:
    return deadlines_for_case(case_id).filter(status__in=LIVE).order_by("due_at", "pk")


# Built and compiled on every case page (issue 14).
_read_finished_of_case = ModelsCompiledOnce(_finished_of_case)
_read_live_of_case = ModelsCompiledOnce(_live_of_case)
