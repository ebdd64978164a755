"""Reading cases for pages and lists, always scoped to what the user may see."""

import re
from collections.abc import Sequence
from typing import NamedTuple

from django.db import connection
from django.db.models import Case as Case_
from django.db.models import Count, F, IntegerField, Lookup, Q, QuerySet, Value, When, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest, Upper
from django.db.models.lookups import Contains, StartsWith

from audit.models import AuditEvent
from casetransfer.compiled import CompiledOnce, ModelsCompiledOnce
from casetransfer.ranking import union_of
from casetransfer.request_cache import once_per_request, request_cache
from people.models import Team, User
from people.roles import Scope
from people.selectors import own_teams, team_ids_visible_to, teams_of_id, user_scope

from .case_team import ROWS_KEEPING_CASE_TEAM
from .choices import Involvement
from .models import UNALLOCATED_ORDER, Allocation, Case

NUMBER_FIELDS = ("reference", "ics_number", "lcs_number", "ehm_number", "liberi_number")


def _visible_ids(user: User) -> tuple[list[int], list[int]]:
    """The ids of the teams the user sees, and of the cases outside them a transfer, a concern
    or an invitation involves them in: one round trip, each branch served by an index. Worked
    out once within a GET (a transfer page asks three times: the transfer, its case, the
    steps offered)."""
    return once_per_request(("ids", user.pk), lambda: _read_visible_ids(user))


def _involvement_branches_of(user_id: int, teams: list[int]) -> list[QuerySet]:
    """The ways a user (by id) is involved in a case outside the teams they see (`teams`), each
    a query of `case_id`s served by its own index."""
    from casework.models import Meeting, MeetingKind
    from escalations.models import SafeguardingConcern
    from transfers.selectors import involved_case_branches

    own = teams_of_id(user_id)
    # Seed 000: the duty team sees a YFS or Children's Centre case while a concern about it
    # waits for them; a YFS or Children's Centre worker invited to a CIN meeting sees that case.
    concerns = SafeguardingConcern.objects.filter(duty_team__in=own.values("pk")).exclude(
        status="closed"
    )
    invited = Meeting.objects.filter(kind=MeetingKind.CIN, invited__id=user_id)
    # The teams as literal ids (a handful): the planner then reads the receiving team's live
    # transfers from the (status, to_team) index, where given a subquery it guessed a quarter
    # of every transfer and scanned them all (11 to 2 ms at 100,000 cases; issue 14).
    return [
        *involved_case_branches(user_id, teams),
        concerns.values("case_id"),
        invited.values("case_id"),
    ]


# The ids of the cases any way of being involved names, one query whose shape is the same for
# every reader (their id, the teams they see): asked on nearly every page, its eleven branches
# took longer to build and compile than to run, so they are compiled once per process and
# number of teams (casetransfer.compiled; issue 14).
_involvement = CompiledOnce(
    lambda user_id, *teams: union_of(_involvement_branches_of(user_id, list(teams)))
)


def _read_visible_ids(user: User) -> tuple[list[int], list[int]]:
    teams = sorted(_visible_team_ids(user))
    cases = [case_id for (case_id,) in _involvement(user.pk, *teams) if case_id is not None]
    return teams, cases


def _involved_among(user: User, case_ids: list[int]) -> set[int]:
    """Which of these cases any way of being involved names: the same branches, each asked
    only about them (by its case index). Compiled once per number of teams and of cases: a
    case or transfer page outside the reader's teams asks it (2.8 ms to build and compile)."""
    teams = sorted(_visible_team_ids(user))
    rows = _involvement_among(user.pk, *teams, *case_ids, shape=len(teams))
    return {case_id for (case_id,) in rows}


def _involvement_among_of(user_id: int, *ids: int, shape: int) -> QuerySet:
    """_involved_among's query: `ids` the teams the user sees (`shape` of them), then the
    cases asked about."""
    teams, case_ids = list(ids[:shape]), list(ids[shape:])
    return union_of(
        (
            branch.filter(case_id__in=case_ids).values_list("case_id")
            for branch in _involvement_branches_of(user_id, teams)
        ),
        repeats=True,  # gathered into a set
    )


_involvement_among = CompiledOnce(_involvement_among_of)


def visible_among(user: User, rows: list[tuple[int, int | None, int | None]]) -> list[int]:
    """The ids of the cases the user sees among `rows` (id, current team, allocated worker),
    just read from the database, in their order: cases_visible_to's rule, asked about these
    cases alone. Those in the user's teams or allocated to them need no query; the database
    is asked whether any way of being involved names the others."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user_scope(user) == Scope.ALL:
        return [pk for pk, _, _ in rows]
    teams = _visible_team_ids(user)
    seen = {pk for pk, team, worker in rows if team in teams or worker == user.pk}
    others = [pk for pk, _, _ in rows if pk not in seen]
    if others:
        seen |= _involved_among(user, others)
    return [pk for pk, _, _ in rows if pk in seen]


def case_visibility(user: User) -> Q | None:
    """Which cases the user sees, as a filter on literal ids (the team, worker and primary key
    indexes serve it), or None for a user who sees every case: cases_visible_to's filter
    where the database is not PostgreSQL.

    The cases in the user's visible teams, any case allocated to the user, and any case a
    transfer, a concern or a CIN meeting involves them in."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user_scope(user) == Scope.ALL:
        return None
    team_ids, case_ids = _visible_ids(user)
    return Q(current_team_id__in=team_ids) | Q(allocated_worker_id=user.pk) | Q(pk__in=case_ids)


class _AnyOf(Lookup):
    """`column = ANY(array)`, the array an expression (ArraySubquery): the database works the
    array out once, as the query runs, instead of being sent its every element."""

    lookup_name = "any_of"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = compiler.compile(self.rhs)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def _visible_team_ids(user: User) -> set[int]:
    return once_per_request(("teams", user.pk), lambda: team_ids_visible_to(user))


def cases_visible_to(user: User) -> QuerySet[Case]:
    """Cases in the user's visible teams, any case allocated to the user, and any case a transfer
    involves them in (a step-up sent to duty is the duty team's to see; see
    transfers.selectors.involved_case_branches).

    On PostgreSQL the involved cases are an array the query works out itself
    (`id = ANY(ARRAY(... UNION ...))`, its SQL compiled once: `_involvement`), where
    case_visibility sends their ids: a team manager or a family practitioner is involved in
    thousands of cases, and a list of thousands of ids
    costs more to build and to plan than the search it filters (issue 14: search by number
    136 to 55 ms p50 at 100,000 cases). The three conditions are three index scans (a
    BitmapOr). Rows of another table take their cases from it as a subquery
    (`case_id IN (SELECT id ...)`, a hash semi-join: registers.selectors._visible), not as a
    filter on each row's joined case, where the array would be walked once a row."""
    if not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    if user_scope(user) == Scope.ALL:
        return Case.objects.all()
    if connection.vendor != "postgresql":
        return Case.objects.filter(case_visibility(user))
    return _visible_cases_of(user.pk, sorted(_visible_team_ids(user)))


def _visible_cases_of(user_id: int, teams: list[int]) -> QuerySet[Case]:
    """cases_visible_to on PostgreSQL, for a reader who does not see every case, by their id
    and the teams they see (nothing else read: a query built on it can be compiled once)."""
    from django.contrib.postgres.fields import ArrayField

    # The ORM's own SQL for the involvement query, compiled once, its parameters apart.
    sql, params = _involvement.sql_with_params(user_id, *teams)
    involved = RawSQL(f"ARRAY({sql})", params, output_field=ArrayField(IntegerField()))  # noqa: S611
    return Case.objects.filter(
        Q(current_team_id__in=teams) | Q(allocated_worker_id=user_id) | Q(_AnyOf(F("pk"), involved))
    )


class Reader(NamedTuple):
    """Whom a list is read for, as ids: their scope (None for nobody signed in or active), their
    id and the teams they see (none asked for a reader who sees every case). A query built from
    a Reader alone can be compiled once (casetransfer.compiled): the weekly list's is."""

    scope: Scope | None
    user_id: int | None
    teams: tuple[int, ...] = ()


def reader_of(user: User) -> Reader:
    if not user.is_authenticated or not user.is_active:
        return Reader(None, None)
    scope = user_scope(user)
    if scope == Scope.ALL:
        return Reader(scope, user.pk)
    return Reader(scope, user.pk, tuple(sorted(_visible_team_ids(user))))


def visible_case_ids(user: User) -> QuerySet | None:
    """The ids of the cases the user sees (cases_visible_to's rule), for narrowing another
    table's rows by their case (`case_id IN (...)`): one UNION ALL of branches each served by
    an index (the teams', the worker's, each way of being involved), which the database takes
    as a set. None for a user who sees every case.

    cases_visible_to's `id = ANY(ARRAY(...))` as that subquery had the database compare every
    case with every involved id when it chose to read the cases whole: a service manager,
    involved in 14,000 cases at 100,000, waited 1.3 s for the weekly list's count (issue 14)."""
    return _visible_case_ids_of(reader_of(user))


def _visible_case_ids_of(reader: Reader) -> QuerySet | None:
    if reader.scope is None:
        return Case.objects.none().values("pk")
    if reader.scope == Scope.ALL:
        return None
    teams = list(reader.teams)
    first, *rest = (
        branch.order_by()
        for branch in (
            Case.objects.filter(current_team_id__in=teams).values("pk"),
            Case.objects.filter(allocated_worker_id=reader.user_id).values("pk"),
            *_involvement_branches_of(reader.user_id, teams),
        )
    )
    return first.union(*rest, all=True)


def rows_of_visible_cases(rows: QuerySet, user: User, *, caseless: bool = False) -> QuerySet:
    """`rows` of another table (its `case` a foreign key) narrowed to those whose case the user
    sees (rows_visible_to, for the reader the user is)."""
    return rows_visible_to(rows, reader_of(user), caseless=caseless)


def rows_visible_to(rows: QuerySet, reader: Reader, *, caseless: bool = False) -> QuerySet:
    """`rows` of another table narrowed to those whose case the reader sees, by
    visible_case_ids; for a service manager, who sees every team of their service across the
    county (more than half the cases at 100,000), by each row's case team, worker or
    involvement, as the ids were then most of the cases and were read into the query one by
    one (the weekly list's count 112 to 56 ms, issue 14). A table that keeps its case's team on
    each row (`case_team`: transfers, deadlines) is not joined to the cases at all (the weekly
    list's count 60 to 27 ms); the cases allocated to the manager join the involved ones.
    `caseless`: rows about no case (a deadline of a team's own) are kept too."""
    none = Q(case__isnull=True) if caseless else Q(pk__in=[])
    if reader.scope == Scope.SERVICE:
        teams = list(reader.teams)
        involved = _involvement_branches_of(reader.user_id, teams)
        if _keeps_case_team(rows.model):
            allocated = Case.objects.filter(allocated_worker_id=reader.user_id).values("pk")
            return rows.filter(
                none
                | Q(case_team_id__in=teams)
                | Q(case_id__in=union_of([allocated, *involved], repeats=True))
            )
        return rows.filter(
            none
            | Q(case__current_team_id__in=teams)
            | Q(case__allocated_worker_id=reader.user_id)
            | Q(case_id__in=union_of(involved, repeats=True))
        )
    visible = _visible_case_ids_of(reader)
    return rows if visible is None else rows.filter(none | Q(case_id__in=visible))


def _keeps_case_team(model) -> bool:
    return model._meta.label_lower in ROWS_KEEPING_CASE_TEAM


def visible_case_test(user: User):
    """`sees(case_id, current_team_id, allocated_worker_id) -> bool`: whether the user sees a
    case with those values, just read from the database. The same rule as cases_visible_to,
    worked out in Python from the same ids, so a page about one case (or a list checking the
    rows it read) never sends the database a list of every case its reader sees (issue 14)."""
    if not user.is_authenticated or not user.is_active:
        return lambda case_id, team_id, worker_id: False
    if user_scope(user) == Scope.ALL:
        return lambda case_id, team_id, worker_id: True
    team_ids, case_ids = (set(ids) for ids in _visible_ids(user))
    return lambda case_id, team_id, worker_id: (
        team_id in team_ids
        or (worker_id is not None and worker_id == user.pk)
        or case_id in case_ids
    )


def sees_fresh_case(user: User, case: Case) -> bool:
    """Whether the user sees `case`, a row just read from the database: visible_among asked
    about this one case. The teams the user sees are a few ids; the cases a transfer involves
    them in can be thousands (a family practitioner's step-ups, a team manager's transfers),
    so for a case outside those teams the database is asked whether any of those ways names
    this case, not for all of them (issue 14: 40 ms of a case page). Within a GET the answer
    is kept, or read from every id when the request has them already."""
    row = (case.pk, case.current_team_id, case.allocated_worker_id)
    cache = request_cache.get()
    if cache is not None and ("ids", user.pk) in cache:  # this request has every id already
        return visible_case_test(user)(*row)
    return once_per_request(("sees", user.pk, case.pk), lambda: bool(visible_among(user, [row])))


def sees_case_now(user: User, case: Case) -> bool:
    """Whether the user sees `case`: within a GET (nothing has changed the case since it was
    read) from the ids worked out once for the request; otherwise asked of the database."""
    if request_cache.get() is not None:
        return sees_fresh_case(user, case)
    return cases_visible_to(user).filter(pk=case.pk).exists()


def case_get_for_user(*, user: User, reference: str) -> Case | None:
    """The case if the user may see it, else None (callers answer 404 either way)."""
    if "\x00" in reference:  # from a URL such as /cases/%00/: PostgreSQL refuses NUL
        return None
    case = _case_by_reference.first(reference)
    return case if case is not None and sees_fresh_case(user, case) else None


# A case page's case, by the reference in its address: compiled once (casetransfer.compiled).
_case_by_reference = ModelsCompiledOnce(
    lambda reference: (
        Case.objects.select_related(
            "current_team",
            "allocated_worker",
            "last_closed_to_social_care_by",
            "last_closed_to_social_care_team",
            "transfer_in",  # the page says when a child came with a plan from elsewhere
        )
        .filter(reference=reference)
        .order_by("pk")[:1]
    )
)


# A query with a digit and no space is a case number: ICS, LCS, EHM, Liberi or our reference.
NUMBER_QUERY = re.compile(r"^[A-Za-z]*\d[\w/-]*$")


def _by_number(query: str) -> Q:
    """Equal to, or starting with, any case number, compared upper-cased. On PostgreSQL each
    UPPER(number) has a text_pattern_ops index (cases migration 0005), which serves both."""
    return _numbered(query.upper())


def _numbered(wanted: str) -> Q:
    """_by_number for the number already upper-cased."""
    by_number = Q()
    for field in NUMBER_FIELDS:
        by_number |= Q(StartsWith(Upper(field), wanted))
    return by_number


def _name_search(
    cases: QuerySet[Case], words: Sequence[str], similar: Sequence[bool] | None
) -> QuerySet[Case]:
    """Every word must match the first or last name: "Amy Smith" finds Amy Smith only.
    `words` are upper-cased (_search_words).

    On PostgreSQL (`similar`: for each word, whether it is long enough to) a word also matches
    a name it is close to (trigram similarity, so "Amra" finds Amara), through the trigram GIN
    indexes on UPPER(first_name) and UPPER(last_name) (cases migration 0005), and the closest
    names come first. SQLite (`similar` None), a fallback for a laptop, matches parts of names
    only."""
    if similar is not None:
        from django.contrib.postgres.lookups import TrigramSimilar
        from django.contrib.postgres.search import TrigramSimilarity
    closeness = []
    for i, word in enumerate(words):
        matches = Q()
        for field in ("first_name", "last_name"):
            matches |= Q(Contains(Upper(field), word))
            if similar is not None and similar[i]:
                matches |= Q(TrigramSimilar(Upper(field), word))
        cases = cases.filter(matches)
        if similar is not None:
            closeness.append(
                Greatest(
                    TrigramSimilarity(Upper("first_name"), Value(word)),
                    TrigramSimilarity(Upper("last_name"), Value(word)),
                )
            )
    if not closeness:
        return cases.order_by("last_name", "first_name", "id")
    # Ranking by closeness also keeps PostgreSQL from walking the whole name index for a
    # common name: it reads the few matches from the trigram indexes and sorts them.
    return cases.alias(closeness=sum(closeness[1:], closeness[0])).order_by(
        F("closeness").desc(), "last_name", "first_name", "id"
    )


def _search_words(query: str) -> tuple[list[str], tuple[bool, ...] | None]:
    """A search by name's words, upper-cased, and for each whether a name close to it matches
    too (on PostgreSQL, a word of three letters or more; None elsewhere)."""
    words = query.upper().split()
    if connection.vendor != "postgresql":
        return words, None
    return words, tuple(len(word) >= 3 for word in words)


BY_NAME = ("last_name", "first_name", "id")
# What a list of cases shows of each beside the case itself.
CASE_LIST_RELATED = ("current_team", "allocated_worker")

# A list page's cases read whole by primary key (cases.paging.in_order_of): compiled once per
# number of rows (issue 14).
read_cases_by_pk = ModelsCompiledOnce(
    lambda *pks: Case.objects.filter(pk__in=pks).select_related(*CASE_LIST_RELATED)
)
# A case number names one child; a number's first characters may name a few. Up to this many
# matches are checked one by one against who the reader sees (`visible_among`).
FEW_NUMBERED = 50


def case_search(
    *,
    user: User,
    query: str = "",
    team_id: int | None = None,
    plan_type: str = "",
    pages: bool = False,
) -> "QuerySet[Case] | list[Case] | NameSearch":
    """Search by name or any case number; filter by team and plan type. A search by number
    whose matches are few comes back as the cases themselves, in name order (a list: read
    whole, then checked against who the user sees; `_few_numbered`). With `pages`, a search by
    name on PostgreSQL comes back as a NameSearch, whose pages are read by its SQL compiled
    once (the list page's)."""
    query = query.strip()
    if pages and query and not NUMBER_QUERY.match(query) and connection.vendor == "postgresql":
        return NameSearch(user, query, team_id=team_id, plan_type=plan_type)
    filters = Q()
    if team_id:
        filters &= Q(current_team_id=team_id)
    if plan_type:
        filters &= Q(plan_type=plan_type)
    if query and NUMBER_QUERY.match(query):
        found = _few_numbered(user, query.upper(), team_id=team_id, plan_type=plan_type)
        if found is not None:
            return found
        filters &= _by_number(query)
    cases = cases_visible_to(user).filter(filters)
    cases = cases.select_related(*CASE_LIST_RELATED)
    if query and not NUMBER_QUERY.match(query):
        return _name_search(cases, *_search_words(query))
    return cases.order_by(*BY_NAME)


class _SearchShape(NamedTuple):
    """What a search by name's SQL depends on besides its arguments' values."""

    every_case: bool  # the reader sees every case (no visibility filter, no id passed)
    teams: int  # how many teams they see
    similar: tuple[bool, ...]  # for each word, whether a name close to it matches too
    by_team: bool  # filtered by a team
    by_plan: bool  # filtered by a plan type
    bottom: int  # the page's first row, and how many rows it has
    size: int


def _name_search_page_of(*args: int | str, shape: _SearchShape) -> QuerySet[Case]:
    """One page of a search by name, each case with how many match (`search_total`), from the
    arguments NameSearch lists (the reader's id and teams unless they see every case, the
    words, then the team and plan type filtered by) and their shape alone."""
    args = list(args)
    if shape.every_case:
        cases = Case.objects.all()
    else:
        user_id, teams = args[0], args[1 : 1 + shape.teams]
        cases = _visible_cases_of(user_id, teams)
        args = args[1 + shape.teams :]
    words, args = args[: len(shape.similar)], args[len(shape.similar) :]
    if shape.by_team:
        cases = cases.filter(current_team_id=args.pop(0))
    if shape.by_plan:
        cases = cases.filter(plan_type=args.pop(0))
    found = _name_search(cases.select_related(*CASE_LIST_RELATED), words, shape.similar)
    return found.annotate(search_total=Window(Count("*")))[shape.bottom : shape.bottom + shape.size]


# A search by name's pages, compiled once per shape: built and compiled by the ORM for every
# search, its visibility, words and ranking took 4 ms of a 22 ms page at 100,000 cases, half
# as long as the trigram query itself (issue 14). Planned for each search's words: the trigram
# indexes are chosen knowing them.
_read_name_search_page = ModelsCompiledOnce(_name_search_page_of, custom_plan=True)


class NameSearch:
    """A search by name on PostgreSQL, as case_search(pages=True) gives it for the list page:
    its pages read by `page_rows` (cases.paging.SinglePassPaginator), each counting the matches
    alongside, by SQL compiled once per shape; ordered by closeness, as case_search orders."""

    ordered = True

    def __init__(self, user: User, query: str, *, team_id: int | None, plan_type: str):
        self._args, self._shape = (), None
        if not (user.is_authenticated and user.is_active):
            return  # sees nothing
        words, similar = _search_words(query)
        every_case = user_scope(user) == Scope.ALL
        teams = [] if every_case else sorted(_visible_team_ids(user))
        reader = [] if every_case else [user.pk, *teams]
        filters = [value for value in (team_id, plan_type) if value]
        self._args = (*reader, *words, *filters)
        self._shape = _SearchShape(
            every_case, len(teams), similar, bool(team_id), bool(plan_type), bottom=0, size=0
        )

    def page_rows(self, bottom: int, size: int) -> list[Case]:
        if self._shape is None:
            return []
        shape = self._shape._replace(bottom=bottom, size=size)
        return _read_name_search_page(*self._args, shape=shape)

    def count(self) -> int:
        rows = self.page_rows(0, 1)
        return rows[0].search_total if rows else 0


def _few_numbered(
    user: User, wanted: str, *, team_id: int | None, plan_type: str
) -> list[Case] | None:
    """The cases matching a search by number (`wanted`, upper-cased) that the user sees, in
    name order, when the matches are few: read whole in one query (the number indexes), then
    who sees them is asked of those cases alone, not the cases the user sees of every case
    (their teams, and the thousands a transfer involves them in, built into the query: about
    half the time of a search by number; issue 14). None when the matches are many (a short
    prefix) or the user sees every case: the visibility filter then goes in the query."""
    if user_scope(user) == Scope.ALL:
        return None
    filters = [value for value in (team_id, plan_type) if value]
    rows = _read_numbered(wanted, *filters, shape=(bool(team_id), bool(plan_type)))
    if len(rows) > FEW_NUMBERED:
        return None
    seen = set(
        visible_among(user, [(c.pk, c.current_team_id, c.allocated_worker_id) for c in rows])
    )
    return [case for case in rows if case.pk in seen]


def _numbered_of(wanted: str, *filters: int | str, shape: tuple[bool, bool]) -> QuerySet[Case]:
    """_few_numbered's query, from the number and the team and plan type filtered by (`shape`:
    whether each is)."""
    by_team, by_plan = shape
    matches, filters = _numbered(wanted), list(filters)
    if by_team:
        matches &= Q(current_team_id=filters.pop(0))
    if by_plan:
        matches &= Q(plan_type=filters.pop(0))
    # The first matches found, in no order (a short prefix may match thousands: they are not
    # sorted to learn there are too many), read whole and sorted by name in the same query.
    found = Case.objects.filter(matches).order_by().values("pk")[: FEW_NUMBERED + 1]
    return Case.objects.filter(pk__in=found).select_related(*CASE_LIST_RELATED).order_by(*BY_NAME)


# Compiled once per shape (built and compiled for every search, 2 ms of a 10 ms page; issue
# 14), and planned for each number: a prefix finds its range of the number indexes only when
# PostgreSQL knows it (a plan kept for any number would read every case).
_read_numbered = ModelsCompiledOnce(_numbered_of, custom_plan=True)


def case_allocation_history(case: Case) -> list[Allocation]:
    """The case's allocations, as the case page lists them (its SQL compiled once)."""
    return _read_allocations_of_case(case.pk)


def _allocations_of_case(case_id: int) -> QuerySet[Allocation]:
    return Allocation.objects.filter(case_id=case_id).select_related(
        "team", "worker", "allocated_by"
    )


_read_allocations_of_case = ModelsCompiledOnce(_allocations_of_case)


def _related_subjects(case: Case) -> dict[str, list[str]]:
    """The ids of the case's transfers, meetings, escalations, safeguarding concerns and
    transfer-in request, by model: one round trip. Their events mostly carry the case already;
    not all do (a transfer-in request's are recorded against its eldest child's case only, and
    its first, before any child has a case, against none)."""
    ids: dict[str, list[str]] = {}
    for tag, pk in _read_related_subjects(case.pk):
        ids.setdefault(tag, []).append(str(pk))
    return ids


def _related_subjects_of(case_id: int) -> QuerySet:
    from casework.models import Meeting
    from conferences.models import TransferInChild
    from escalations.models import Escalation, SafeguardingConcern
    from transfers.models import Transfer

    def tagged(queryset, tag: str, field: str = "pk"):
        return queryset.annotate(tag=Value(tag)).values_list("tag", field).order_by()

    branches = [
        tagged(Transfer.objects.filter(case_id=case_id), "transfer"),
        tagged(Meeting.objects.filter(case_id=case_id), "meeting"),
        tagged(
            Escalation.objects.filter(Q(case_id=case_id) | Q(transfer__case_id=case_id)),
            "escalation",
        ),
        tagged(SafeguardingConcern.objects.filter(case_id=case_id), "concern"),
        tagged(TransferInChild.objects.filter(case_id=case_id), "request", "request_id"),
    ]
    return branches[0].union(*branches[1:], all=True)


_read_related_subjects = CompiledOnce(_related_subjects_of)  # every case page: compiled once


def case_timeline(case: Case) -> QuerySet[AuditEvent]:
    """Everything that happened to the case, newest first: its own events and those of its
    transfers, meetings, escalations, concerns and conferences. Reads of the record are not
    in it (they carry no case). Two queries whatever the history's length: the related ids,
    then the events (each matched by an index: the case's, or the subject's)."""
    from django.contrib.contenttypes.models import ContentType

    from casework.models import Meeting
    from conferences.models import TransferInRequest
    from escalations.models import Escalation, SafeguardingConcern
    from transfers.models import Transfer

    models = {
        "transfer": Transfer,
        "meeting": Meeting,
        "escalation": Escalation,
        "concern": SafeguardingConcern,
        "request": TransferInRequest,
    }
    types = ContentType.objects.get_for_models(*models.values())
    matches = Q(case=case)
    for tag, ids in _related_subjects(case).items():
        matches |= Q(subject_type=types[models[tag]], subject_id__in=ids)
    return (
        AuditEvent.objects.filter(matches)
        .select_related("actor", "subject_type")
        .order_by("-at", "-id")
    )


# What an event is about, when not the case itself, as people name it.
SUBJECT_LABELS = {
    "transfer": "Transfer",
    "stepup": "Step-up",
    "meeting": "Meeting",
    "notificationrecord": "Written notification",
    "escalation": "Escalation",
    "safeguardingconcern": "Safeguarding concern",
    "transferinrequest": "Transfer-in conference",
    "deadline": "Deadline",
    "allocation": "Allocation",
}


def timeline_entries(events) -> list[AuditEvent]:
    """The events with `about`: what each concerns in people's words ("" for the case)."""
    entries = list(events)
    for event in entries:
        event.about = SUBJECT_LABELS.get(event.subject_type.model, "")
    return entries


def unallocated_cases_for_manager(user: User) -> QuerySet[Case]:
    """Open cases in the teams the user manages that have no allocated worker, CP and CiC
    first; those a team leader holds still wait for a worker, so they are listed too.

    The teams as literal ids (own_teams, read once within a GET): given them as a subquery the
    planner walked every unallocated case of the county for a manager of no team, such as an
    assistant director (10 ms at 100,000 cases, for no row); with no team, no query."""
    return _unallocated_in(*sorted(team.pk for team in own_teams(user)))


def _unallocated_in(*team_ids: int) -> QuerySet[Case]:
    return (
        Case.objects.filter(current_team_id__in=team_ids, allocated_worker=None)
        .exclude(involvement=Involvement.CLOSED)
        .select_related("current_team")
        .annotate(risk_order=UNALLOCATED_ORDER)
        .order_by("risk_order", "last_name", "first_name", "id")
    )


# A home page's panel of them: its first rows by SQL compiled once per number of teams and size
# (casetransfer.compiled; issue 14), then the count. Not both in one query: a window count
# (COUNT(*) OVER ()) had PostgreSQL join and sort every unallocated case of a manager's teams
# for ten rows (a service manager's home page 70 to 94 ms at 100,000 cases).
_unallocated_first = ModelsCompiledOnce(lambda *team_ids, shape: _unallocated_in(*team_ids)[:shape])


def unallocated_panel(user: User, size: int) -> tuple[list[Case], int]:
    """The first `size` of unallocated_cases_for_manager, and how many there are."""
    teams = sorted(team.pk for team in own_teams(user))
    if not teams:
        return [], 0
    return _unallocated_first(*teams, shape=size), _unallocated_in(*teams).count()


def step_down_teams(case: Case) -> QuerySet[Team]:
    """The Early Help and Graft teams a case can step down to: those of its locality first."""
    from .services import EARLY_HELP_SERVICES

    locality = case.current_team.locality
    return (
        Team.objects.filter(service__in=EARLY_HELP_SERVICES, is_active=True)
        .annotate(
            here=Case_(When(locality=locality, then=0), default=1, output_field=IntegerField())
        )
        .order_by("here", "name")
    )
