"""Ranked rows (casetransfer.ranking): sorted on their keys, counted, and read whole only for
the slice shown; Django's paginator pages them. OrderedRows leave the order and the count to
the database."""

import pytest
from django.core.paginator import Paginator

from casetransfer.ranking import OrderedRows, RankedRows, union_of
from people.models import Team
from people.tests.factories import TeamFactory, UserFactory


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


def _ordered_teams():
    """Five teams: two with no manager, which sort last; the rest by manager, then name."""
    first, second = UserFactory(), UserFactory()
    teams = {
        "Echo": TeamFactory(name="Echo", manager=None),
        "Delta": TeamFactory(name="Delta", manager=second),
        "Alpha": TeamFactory(name="Alpha", manager=None),
        "Charlie": TeamFactory(name="Charlie", manager=first),
        "Bravo": TeamFactory(name="Bravo", manager=first),
    }
    # Two branches that overlap (Charlie in both): the union has each team once.
    keys = union_of(
        [
            Team.objects.filter(name__in=["Alpha", "Bravo", "Charlie"]).values_list(
                "pk", "manager_id", "name"
            ),
            Team.objects.filter(name__in=["Charlie", "Delta", "Echo"]).values_list(
                "pk", "manager_id", "name"
            ),
        ]
    )
    asked = []

    def fetch(pks):
        asked.append(list(pks))
        return Team.objects.filter(pk__in=pks)

    rows = OrderedRows(keys, order="2 ASC NULLS LAST, 3 ASC", fetch=fetch)
    return rows, asked, teams


@pytest.mark.django_db
def test_ordered_rows_are_ordered_and_counted_by_the_database_in_one_query(
    django_assert_num_queries,
):
    rows, asked, teams = _ordered_teams()
    with django_assert_num_queries(2):  # the slice's ids with the count, then those rows
        first = rows[:3]
    assert [team.name for team in first] == ["Bravo", "Charlie", "Delta"]
    assert asked == [[teams["Bravo"].pk, teams["Charlie"].pk, teams["Delta"].pk]]
    with django_assert_num_queries(0):
        assert len(rows) == rows.count() == 5
    with django_assert_num_queries(2):  # past the ids read so far: asked again
        assert [team.name for team in rows[3:5]] == ["Alpha", "Echo"]
    assert rows[4].name == "Echo"


@pytest.mark.django_db
def test_a_count_asked_first_brings_the_first_ids_for_the_paginator(django_assert_num_queries):
    rows, _, _ = _ordered_teams()
    with django_assert_num_queries(1):
        assert rows.count() == 5
    with django_assert_num_queries(1):  # the rows of page 2 only: their ids came with the count
        page = Paginator(rows, 2).page(2)
        assert [team.name for team in page.object_list] == ["Delta", "Alpha"]
    with django_assert_num_queries(1):  # past the end: no id, the same one query
        assert rows[7:9] == []


@pytest.mark.django_db
def test_no_ordered_row_still_costs_its_queries(django_assert_num_queries):
    rows = OrderedRows(
        Team.objects.filter(name="Nobody").values_list("pk", "name"),
        order="2 ASC",
        fetch=lambda pks: Team.objects.filter(pk__in=pks),
    )
    with django_assert_num_queries(2):
        assert rows[:10] == []
    assert len(rows) == 0 and not rows
