"""Long lists counted only so far (cases.paging.CountedSoFar, issue 14)."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.paging import CountedSoFar, in_order_of
from cases.tests.factories import CaseFactory
from casetransfer.templatetags.govuk_pagination import counted_whole, how_many


def paginator_of(rows, per_page, asked=None):
    """A CountedSoFar over a list of ids; `asked` records how many ids each read asked for."""

    def first_ids(n):
        if asked is not None:
            asked.append(n)
        return rows[:n]

    return CountedSoFar(first_ids, lambda ids: [f"row {pk}" for pk in ids], per_page)


def test_a_list_shorter_than_the_cap_is_counted_whole():
    paginator = paginator_of(list(range(1, 8)), 3)
    page = paginator.get_page(1)
    assert paginator.exact
    assert (paginator.count, paginator.num_pages) == (7, 3)
    assert list(page) == ["row 1", "row 2", "row 3"]
    assert list(paginator.get_page(3)) == ["row 7"]


def test_a_list_longer_than_the_cap_is_counted_only_so_far(monkeypatch):
    monkeypatch.setattr(CountedSoFar, "CAP", 10)
    asked = []
    paginator = paginator_of(list(range(1, 101)), 3, asked)
    page = paginator.get_page(2)
    assert asked == [13]  # the cap in whole pages, and one more row to know there are more
    assert not paginator.exact
    assert (paginator.count, paginator.num_pages, paginator.pages_at_least) == (12, 4, 5)
    assert list(page) == ["row 4", "row 5", "row 6"]
    assert page.has_next()


def test_the_last_page_read_is_full_and_leads_on(monkeypatch):
    monkeypatch.setattr(CountedSoFar, "CAP", 10)
    paginator = paginator_of(list(range(1, 101)), 3)
    last = paginator.page(paginator.num_pages)  # as ListView's ?page=last asks
    assert list(last) == ["row 10", "row 11", "row 12"]
    assert last.has_next() and last.next_page_number() == 5
    # Django shows the last page for a number below 1: the last page read, full, with Next.
    below = paginator_of(list(range(1, 101)), 3).get_page(0)
    assert (below.number, len(below), below.has_next()) == (4, 3, True)


def test_a_page_past_the_cap_reads_one_page_further(monkeypatch):
    monkeypatch.setattr(CountedSoFar, "CAP", 10)
    asked = []
    paginator = paginator_of(list(range(1, 101)), 3, asked)
    page = paginator.get_page(20)
    assert asked == [64]  # pages 1 to 21, and one more row
    assert list(page) == ["row 58", "row 59", "row 60"]
    assert page.has_next()
    assert not paginator.exact


@pytest.mark.parametrize("far", ["20000", "99999999999999999999999"])
def test_a_page_number_too_far_reads_no_further_than_the_cap(monkeypatch, far):
    """Past FURTHEST rows an address reads no more ids (nor sends the database a LIMIT too
    large for it): the page is past the end, as Django's paginator answers one."""
    monkeypatch.setattr(CountedSoFar, "CAP", 10)
    monkeypatch.setattr(CountedSoFar, "FURTHEST", 60)
    asked = []
    paginator = paginator_of(list(range(1, 1001)), 3, asked)
    page = paginator.get_page(far)
    assert asked == [13]
    assert page.number == 4 and page.has_next()


def test_the_last_page_of_a_list_past_the_cap_has_no_next(monkeypatch):
    monkeypatch.setattr(CountedSoFar, "CAP", 10)
    paginator = paginator_of(list(range(1, 31)), 3)
    page = paginator.get_page(10)
    assert list(page) == ["row 28", "row 29", "row 30"]
    assert paginator.exact
    assert not page.has_next()


@pytest.mark.parametrize("asked", ["9", "0", "-2", "two", None])
def test_a_page_number_out_of_range_or_not_a_number_shows_the_page_djangos_shows(asked):
    paginator = paginator_of(list(range(1, 8)), 3)
    assert paginator.get_page(asked).number == Paginator(range(7), 3).get_page(asked).number


def test_an_empty_list_has_one_empty_page():
    paginator = paginator_of([], 3)
    page = paginator.get_page(1)
    assert (paginator.count, list(page), paginator.exact) == (0, [], True)


def test_how_many_says_the_count_or_more_than_the_count_so_far():
    assert how_many(Paginator(range(18597), 25), "case") == "18,597 cases"
    assert how_many(Paginator(range(1), 25), "case") == "1 case"
    counted = paginator_of(list(range(1, 5000)), 25)
    counted.get_page(1)
    assert how_many(counted, "deadline") == "more than 1,000 deadlines"
    assert not counted_whole(counted)
    assert counted_whole(Paginator(range(5), 2))


def _read_by_pk():
    """A queryset, and a function reading rows by their ids (by SQL compiled once)."""
    from cases.models import Case
    from cases.selectors import read_cases_by_pk

    return [Case.objects.all(), read_cases_by_pk]


@pytest.mark.django_db
@pytest.mark.parametrize("way", [0, 1], ids=["queryset", "compiled"])
def test_rows_are_read_whole_in_the_order_of_their_ids(way):
    first, second, third = CaseFactory(), CaseFactory(), CaseFactory()
    rows = in_order_of([third.pk, first.pk, 0, second.pk], _read_by_pk()[way])
    assert rows == [third, first, second]  # an id no longer there is left out


@pytest.mark.django_db
@pytest.mark.parametrize("way", [0, 1], ids=["queryset", "compiled"])
def test_no_ids_still_ask_the_database_once(way):
    """A page costs the same queries whether its list is empty or full."""
    rows = _read_by_pk()[way]
    with CaptureQueriesContext(connection) as queries:
        assert in_order_of([], rows) == []
    assert len(queries) == 1
