"""Long lists read in two short queries (issue 14).

A home page panel shows the ten most pressing of what waits on a person and says how many wait;
a list page shows 25 of them. Asked of the database as one query, those rows cost a sort of
every row with its joins, and the total a second pass over the same rows. Here the first query
reads only each row's id and sort key (no joins to show anything), Python sorts and counts them,
and a second query reads whole only the rows shown, by primary key."""

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.db.models import QuerySet


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


def first_and_total(
    keys: Iterable[tuple],
    size: int,
    sort_key: Callable[[tuple], Any],
    fetch: Callable[[list[int]], QuerySet],
) -> tuple[list, int]:
    """The first `size` rows, in order, and how many there are."""
    rows = RankedRows(keys, sort_key, fetch)
    return rows[:size], len(rows)


def soonest_first(due: datetime | None) -> tuple[bool, float]:
    """A sort key for a due time where a row with none goes last (NULLS LAST)."""
    return (due is None, due.timestamp() if due is not None else 0.0)


def union_of(branches: Iterable[QuerySet]) -> QuerySet:
    """One query over `branches` (each a .values() or .values_list() of the same columns, each
    served by its own index): their UNION, or the one branch alone. An OR of their conditions
    across joins would scan every candidate row (issue 14)."""
    first, *rest = (branch.order_by() for branch in branches)
    return first.union(*rest) if rest else first
