"""Ranked rows (casetransfer.ranking): sorted on their keys, counted, and read whole only for
the slice shown; Django's paginator pages them."""

import pytest
from django.core.paginator import Paginator

from casetransfer.ranking import RankedRows, soonest_first, union_of
from people.models import Team
from people.tests.factories import TeamFactory


@pytest.mark.django_db
def test_ranked_rows_sort_count_and_read_only_the_slice(django_assert_num_queries):
    teams = [TeamFactory(name=name) for name in ("Charlie", "Alpha", "Bravo", "Delta")]
    keys = [(team.pk, team.name) for team in teams]
    asked = []

    def fetch(pks):
        asked.append(list(pks))
        return Team.objects.filter(pk__in=pks)

    rows = RankedRows(keys, sort_key=lambda row: row[1], fetch=fetch)
    assert len(rows) == rows.count() == 4
    with django_assert_num_queries(1):
        first = rows[:2]
    assert [team.name for team in first] == ["Alpha", "Bravo"]
    assert asked == [[teams[1].pk, teams[2].pk]]

    page = Paginator(rows, 3).page(2)
    assert [team.name for team in page.object_list] == ["Delta"]
    assert rows[0].name == "Alpha"


@pytest.mark.django_db
def test_an_empty_slice_still_costs_its_one_query(django_assert_num_queries):
    rows = RankedRows(
        [], sort_key=lambda row: row, fetch=lambda pks: Team.objects.filter(pk__in=pks)
    )
    with django_assert_num_queries(1):
        assert rows[:10] == []
    assert len(rows) == 0


def test_no_due_time_sorts_last():
    from datetime import UTC, datetime

    times = [None, datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)]
    assert sorted(times, key=soonest_first) == [times[2], times[1], None]


@pytest.mark.django_db
def test_the_union_of_branches_is_one_query_with_each_row_once(django_assert_num_queries):
    alpha, bravo, charlie = (TeamFactory(name=name) for name in ("Alpha", "Bravo", "Charlie"))
    branches = [
        Team.objects.filter(name__in=["Alpha", "Bravo"]).order_by("name").values("pk"),
        Team.objects.filter(name__in=["Bravo", "Charlie"]).values("pk"),
    ]
    with django_assert_num_queries(1):
        ids = sorted(row["pk"] for row in union_of(branches))
    assert ids == sorted([alpha.pk, bravo.pk, charlie.pk])
    # One branch is asked alone, as it is.
    only = union_of([Team.objects.filter(name="Alpha").values_list("pk", "name")])
    assert list(only) == [(alpha.pk, "Alpha")]
