"""Paginators for long lists (issue 14). SinglePassPaginator runs a search once: the page's rows
carry the total (COUNT(*) OVER ()), instead of a COUNT query that repeats the search before the
page query runs it again. CountedSoFar pages a list that can be county-wide, counting it only
as far as a thousand rows."""

from collections.abc import Callable, Iterable
from functools import cached_property

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Count, QuerySet, Window


class SinglePassPaginator(Paginator):
    """For a search by name, whose matches are few, and a case's own records (its timeline,
    its deadlines): counting them alongside the page costs nothing extra. Pages model
    instances or, for a queryset of `values()`, dictionaries. Long lists are counted only so
    far instead (CountedSoFar)."""

    def get_page(self, number):
        """Django's get_page, without its COUNT first (it checks the number against the number
        of pages before reading the page): a page past the end, or a number below 1, shows
        the last page, and only then is the total counted apart; not a number, the first."""
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            return self.page(self.num_pages)

    def page(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger("That page number is not an integer") from error
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        bottom = (number - 1) * self.per_page
        rows = self._rows(bottom)
        if rows:
            first = rows[0]
            self.__dict__["count"] = (
                first["search_total"] if isinstance(first, dict) else first.search_total
            )
        elif number == 1 and self.allow_empty_first_page:
            self.__dict__["count"] = 0
        else:
            raise EmptyPage("That page contains no results")
        return self._get_page(rows, number, self)

    def _rows(self, bottom: int) -> list:
        """The page's rows from `bottom`, each with the total. A list that reads its own
        pages (cases.selectors.NameSearch: `page_rows`, its SQL compiled once) reads them."""
        page_rows = getattr(self.object_list, "page_rows", None)
        if page_rows is not None:
            return page_rows(bottom, self.per_page)
        counted = self.object_list.annotate(search_total=Window(Count("*")))
        return list(counted[bottom : bottom + self.per_page])


class CountedSoFar(Paginator):
    """Pages a list that may run to tens of thousands of rows (what a service manager, an
    assistant director or a senior administrator sees of a county), counting it only so far.

    One query reads the ids of the list's first rows, in its order: at least `CAP`, and one page
    past the page asked, so the pager knows whether there is a next page. Up to `CAP` rows the
    total is exact; beyond it the page says "more than 1,000", and the pager offers the pages
    read, every one of them full, and Next from the last of them; a filter narrows the list to
    an exact count. Then `fetch` reads the page's rows whole, by primary key. Counting every
    row grows with the county: at ten times the largest county a service manager's deadlines
    page counted 18,597 rows on each opening (26 ms of its 41), where its first thousand are
    read down an index in 1 or 2 ms (issue 14).

    `first_ids(n)`: the ids of the list's first n rows, in order. `fetch(ids)`: those rows, in
    the order of `ids` (`in_order_of`)."""

    CAP = 1000
    # A page asked further than this many rows in is past the end (Django's paginator then
    # shows the last page read, or a 404): no address reads more ids than this.
    FURTHEST = 50_000

    def __init__(
        self,
        first_ids: Callable[[int], list[int]],
        fetch: Callable[[list[int]], Iterable],
        per_page: int,
        **kwargs,
    ) -> None:
        super().__init__([], per_page, **kwargs)
        self._first_ids = first_ids
        self._fetch = fetch
        self.reach = self._whole_pages(self.CAP)

    @classmethod
    def of(cls, rows: QuerySet, fetch: Callable[[list[int]], Iterable], per_page: int, **kwargs):
        """Pages an ordered queryset: its first ids read by `rows` itself."""
        return cls(lambda n: rows.values_list("pk", flat=True)[:n], fetch, per_page, **kwargs)

    def _whole_pages(self, rows: int) -> int:
        return -(-rows // self.per_page) * self.per_page  # up to a whole number of pages

    def _reach_for(self, number) -> None:
        """Far enough to count the page asked and to know whether one follows it, and no
        further than FURTHEST; set before the ids are read."""
        if "_ids" in self.__dict__:
            return
        try:
            asked = max(int(number), 1)
        except (TypeError, ValueError, OverflowError):
            asked = 1
        if asked * self.per_page <= self.FURTHEST:
            self.reach = max(self.reach, self._whole_pages((asked + 1) * self.per_page))

    def get_page(self, number):
        self._reach_for(number)
        return super().get_page(number)

    @cached_property
    def _ids(self) -> list[int]:
        return list(self._first_ids(self.reach + 1))

    @property
    def exact(self) -> bool:
        """Whether `count` is the list's total (else there are more than `reach` rows)."""
        return len(self._ids) <= self.reach

    @cached_property
    def count(self) -> int:
        """Every row, or the `reach` rows read (whole pages) when there are more."""
        return min(len(self._ids), self.reach)

    @property
    def pages_at_least(self) -> int:
        """How many pages there are at least: those read, and one more when there are more."""
        return self.num_pages + (0 if self.exact else 1)

    def page(self, number):
        self._reach_for(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        ids = self._ids[bottom : bottom + self.per_page]
        return self._get_page(list(self._fetch(ids)), number, self)

    def _get_page(self, *args, **kwargs):
        return PageSoFar(*args, **kwargs)


class PageSoFar(Page):
    """A page of CountedSoFar: the last page read has a next page when there are more rows."""

    def has_next(self) -> bool:
        return super().has_next() or not self.paginator.exact

    def next_page_number(self) -> int:
        if self.number == self.paginator.num_pages and not self.paginator.exact:
            return self.number + 1
        return super().next_page_number()


def in_order_of(ids: list[int], rows: QuerySet | Callable[..., Iterable]) -> list:
    """The rows of `rows` whose primary keys are `ids`, in that order; asked even for no ids (no
    row has id 0), so a list costs the same queries whether it is empty or full. `rows` is a
    queryset, or a function reading the rows of the ids it is given (casetransfer.compiled's
    ModelsCompiledOnce: a list page's rows by SQL compiled once)."""
    asked = ids or [0]
    found = rows(*asked) if callable(rows) else rows.filter(pk__in=asked)
    by_pk = {row.pk: row for row in found}
    return [by_pk[pk] for pk in ids if pk in by_pk]
