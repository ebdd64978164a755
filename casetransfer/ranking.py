"""Long lists read in two short queries (issue 14).

A home page panel shows the ten most pressing of what waits on a person and says how many wait;
a list page shows 25 of them. Asked of the database as one query, those rows cost a sort of
every row with its joins, and the total a second pass over the same rows. Here the first query
reads only each row's id and sort key (no joins to show anything) and a second query reads whole
only the rows shown, by primary key. OrderedRows has the database order and count the keys
(the home panels, the "waiting for you" and "started" lists); RankedRows sorts and counts them
in Python, for a list whose keys are filtered in Python first (the deadlines page);
CountedApart has them counted by one query and read in order by another, for a panel over
thousands of rows whose first few an index reads in order (a manager's overdue deadlines)."""

from collections.abc import Callable, Iterable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

from casetransfer import prepared
from casetransfer.compiled import Params


class RankedRows:
    """`keys` yields (pk, ...) rows; `sort_key` orders them; `fetch` reads the rows of some pks
    whole, in any order. Counts and slices like a queryset, so Django's Paginator pages it."""

    def __init__(
        self,
        keys: Iterable[tuple],
        sort_key: Callable[[tuple], Any],
        fetch: Callable[[list[int]], QuerySet],
    ) -> None:
        self._ids = [row[0] for row in sorted(keys, key=sort_key)]
        self._fetch = fetch

    def __len__(self) -> int:
        return len(self._ids)

    def count(self) -> int:
        return len(self._ids)

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        ids = self._ids[index]
        # Asked even for no rows (no row has id 0): a page costs the same queries whether a
        # list is empty or full, as the query-count tests check at two data sizes.
        by_pk = {row.pk: row for row in self._fetch(ids or [0])}
        return [by_pk[pk] for pk in ids if pk in by_pk]


class OrderedRows:
    """Like RankedRows, with the order worked out by the database: `keys` is a queryset (a
    union of index-served branches) of (pk, sort columns...) and `order` its ORDER BY over
    those columns by position (1 is the pk). A slice is one query, the ids of the slice and how
    many there are (`COUNT(*) OVER ()`), then one more reads the rows shown by primary key. At
    thousands of keys (a team manager waits on 2,935 transfers at 100,000 cases) this halves
    the time of sending every key to Python to be sorted there (issue 14).

    `keys` may instead be the SQL of such a query and its parameters, as compiled once
    (casetransfer.compiled: `sql_with_params`), for the default database."""

    # A count asked before any slice (Django's paginator) reads this many ids with it, so the
    # first pages of a list cost no second query.
    AHEAD = 100

    def __init__(
        self,
        keys: QuerySet | tuple[str, Params],
        order: str,
        fetch: Callable[[list[int]], QuerySet],
    ) -> None:
        self._keys = keys
        self._order = order
        self._fetch = fetch
        self._total: int | None = None
        self._window: tuple[int, list[int]] = (0, [])

    def _ids(self, offset: int, limit: int) -> list[int]:
        start, ids = self._window
        if (
            self._total is not None
            and start <= offset
            and (offset + limit <= start + len(ids) or start + len(ids) >= self._total)
        ):
            return ids[offset - start : offset - start + limit]
        if isinstance(self._keys, QuerySet):
            connection = connections[self._keys.db]
            keys, params = self._keys.query.sql_with_params()
        else:
            connection = connections[DEFAULT_DB_ALIAS]
            keys, params = self._keys
        # The keys are read as planned alone (a CTE kept apart: given the ORDER BY, the planner
        # walked the whole next-deadline index for the order, 12 ms, rather than the branches'
        # own indexes, 0.3 ms), then counted and ordered. Their SQL is Django's and the order
        # our own; the values are parameters.
        apart = "MATERIALIZED " if connection.vendor == "postgresql" else ""
        sql = (
            f"WITH k AS {apart}({keys}) SELECT k.*, COUNT(*) OVER () FROM k "  # noqa: S608
            f"ORDER BY {self._order} LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            if isinstance(self._keys, QuerySet):
                cursor.execute(sql, (*params, limit, offset))
            else:  # SQL compiled once (compiled.Params): prepared once per connection too
                prepared.execute(cursor, sql, params.plus(limit, offset))
            rows = cursor.fetchall()
        ids = [row[0] for row in rows]
        self._window = (offset, ids)
        if rows:
            self._total = rows[0][-1]
        elif offset == 0:
            self._total = 0
        return ids

    def __len__(self) -> int:
        return self.count()

    def count(self) -> int:
        if self._total is None:
            self._ids(0, self.AHEAD)  # from the start, the count comes back with the ids
        return self._total

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        offset, limit = _bounds(index, self.count)
        ids = self._ids(offset, limit) if limit > 0 else []
        # Asked even for no rows, like RankedRows: a page costs the same queries either way.
        by_pk = {row.pk: row for row in self._fetch(ids or [0])}
        return [by_pk[pk] for pk in ids if pk in by_pk]


def _bounds(index: slice, count: Callable[[], int]) -> tuple[int, int]:
    """(offset, limit) of a plain, non-negative slice of ranked rows (to their `count()` when
    it has no stop)."""
    if index.step is not None or (index.start or 0) < 0 or (index.stop or 0) < 0:
        raise ValueError("Ranked rows take a plain, non-negative slice")
    offset = index.start or 0
    return offset, max((index.stop if index.stop is not None else count()) - offset, 0)


class CountedApart:
    """Ranked rows counted by one query and read in order by another: for a list of thousands
    (a service manager's overdue deadlines), where ordering and counting them in one query
    sorts and counts every row, while an index in the order reads the first few and a count
    down another index touches no table row (issue 14). `ordered` is the SQL and parameters of
    the keys' query, (pk, ...) rows in their order (its ORDER BY ends it); `total` how many
    rows it has, counted apart; `fetch` as RankedRows'. A total over `cap` is counted only so
    far: the rows are said to be `cap` and `more` (more than that)."""

    def __init__(
        self,
        ordered: tuple[str, Params],
        total: int,
        fetch: Callable[[list[int]], QuerySet],
        cap: int | None = None,
    ) -> None:
        self._ordered = ordered
        self.more = cap is not None and total > cap
        self._total = cap if self.more else total
        self._fetch = fetch

    def __len__(self) -> int:
        return self._total

    def count(self) -> int:
        return self._total

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        offset, limit = _bounds(index, self.count)
        sql, params = self._ordered
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            prepared.execute(cursor, f"{sql} LIMIT %s OFFSET %s", params.plus(limit, offset))
            ids = [row[0] for row in cursor.fetchall()]
        # Asked even for no rows, like RankedRows: a page costs the same queries either way.
        by_pk = {row.pk: row for row in self._fetch(ids or [0])}
        return [by_pk[pk] for pk in ids if pk in by_pk]


def union_of(branches: Iterable[QuerySet], *, repeats: bool = False) -> QuerySet:
    """One query over `branches` (each a .values() or .values_list() of the same columns, each
    served by its own index): their UNION, or the one branch alone. An OR of their conditions
    across joins would scan every candidate row (issue 14). `repeats`: a row in two branches
    may come twice (UNION ALL), for a subquery of `IN (...)`, which does not mind, and is
    spared grouping every row first (a service manager's 14,000 involved cases: 2 ms)."""
    first, *rest = (branch.order_by() for branch in branches)
    return first.union(*rest, all=repeats) if rest else first
