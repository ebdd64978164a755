"""Case search and visibility at scale (issue 14): numbers by an indexed prefix, names word by
word (with typo tolerance on PostgreSQL), scoped to what the user sees, counted in one pass."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.paging import SinglePassPaginator
from cases.selectors import case_search, cases_visible_to
from cases.tests.factories import CaseFactory
from casetransfer.prepared import source
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    mine, other = TeamFactory(name="Mine"), TeamFactory(name="Other")
    worker = UserFactory(username="sw", roles=[Role.SOCIAL_WORKER], teams=[mine])
    director = UserFactory(username="ad", roles=[Role.ASSISTANT_DIRECTOR])
    amara = CaseFactory(
        current_team=mine, first_name="Amara", last_name="Patel", ics_number="ICS100042"
    )
    amy = CaseFactory(current_team=mine, first_name="Amy", last_name="Smith", lcs_number="lcs77")
    hidden = CaseFactory(
        current_team=other, first_name="Amara", last_name="Patel", ics_number="ICS100043"
    )
    return {"worker": worker, "director": director, "amara": amara, "amy": amy, "hidden": hidden}


def test_a_number_is_found_whatever_its_case_and_by_its_start(world):
    worker = world["worker"]
    assert list(case_search(user=worker, query="ICS100042")) == [world["amara"]]
    assert list(case_search(user=worker, query="ics100042")) == [world["amara"]]
    assert list(case_search(user=worker, query="LCS77")) == [world["amy"]]
    # A prefix finds the numbers that start with it, only among the cases the user sees.
    assert list(case_search(user=worker, query="ICS1000")) == [world["amara"]]
    assert set(case_search(user=world["director"], query="ICS1000")) == {
        world["amara"],
        world["hidden"],
    }


def test_every_word_of_a_name_must_match(world):
    worker = world["worker"]
    assert list(case_search(user=worker, query="amara patel")) == [world["amara"]]
    assert list(case_search(user=worker, query="smith")) == [world["amy"]]
    assert list(case_search(user=worker, query="pat")) == [world["amara"]]
    assert list(case_search(user=worker, query="amy patel")) == []


@pytest.mark.postgres
def test_a_name_with_a_typo_is_still_found_on_postgresql(world):
    worker = world["worker"]
    assert list(case_search(user=worker, query="amra patell")) == [world["amara"]]
    assert list(case_search(user=worker, query="smyth")) == [world["amy"]]
    # Nothing like it: nothing found.
    assert list(case_search(user=worker, query="zbigniew")) == []


def test_visibility_is_the_teams_and_the_allocated_cases(world):
    worker = world["worker"]
    assert set(cases_visible_to(worker)) == {world["amara"], world["amy"]}
    elsewhere = CaseFactory(current_team=TeamFactory(name="Far"), allocated_worker=worker)
    assert set(cases_visible_to(worker)) == {world["amara"], world["amy"], elsewhere}
    assert set(cases_visible_to(world["director"])) >= {world["hidden"], elsewhere}


def test_a_search_page_runs_the_search_once(world):
    CaseFactory.create_batch(30, current_team=world["amara"].current_team, last_name="Patel")
    results = case_search(user=world["worker"], query="patel")
    with CaptureQueriesContext(connection) as queries:
        page = SinglePassPaginator(results, 25).page(2)
        assert page.paginator.count == 31
        assert page.paginator.num_pages == 2
        assert len(page.object_list) == 6
    searches = [q for q in queries.captured_queries if "PATEL" in source(q["sql"]).upper()]
    assert len(searches) == 1


def test_a_search_reads_the_readers_teams_once_for_the_form_and_the_results(client, world):
    """The team filter's choices and the check of who sees the matches both ask the reader's
    own teams: one read for the whole search, as a GET's page does."""
    client.force_login(world["worker"])
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/cases/", {"q": "ICS100042"})
    assert response.status_code == 200
    assert list(response.context["cases"]) == [world["amara"]]
    team_reads = [q for q in queries.captured_queries if 'FROM "people_team"' in source(q["sql"])]
    assert len(team_reads) == 1


@pytest.mark.postgres
def test_the_list_pages_search_by_name_answers_as_the_search_its_sql_compiled_once(world):
    """The list page's search by name (case_search(pages=True): a NameSearch) reads the cases
    and count the search would, page by page, for each reader and filter, a word's % or _
    matching itself; its SQL compiled once per shape, one query a page."""
    from cases.selectors import NameSearch, _read_name_search_page

    mine = world["amara"].current_team
    CaseFactory.create_batch(30, current_team=mine, last_name="Patel", plan_type="cp")
    CaseFactory(current_team=mine, first_name="Al%fie", last_name="O_Neil")
    _read_name_search_page._compiled.clear()
    searches = [
        ("amara patel", {}),
        ("amra patell", {}),
        ("patel", {}),
        ("patel", {"plan_type": "cp"}),
        ("patel", {"team_id": mine.pk, "plan_type": "cp"}),
        ("pat", {}),
        ("l%f", {}),
        ("o_n", {}),
        ("onan", {}),
    ]
    for reader in (world["worker"], world["director"]):
        for query, filters in searches:
            expected = list(case_search(user=reader, query=query, **filters))
            found = case_search(user=reader, query=query, pages=True, **filters)
            assert isinstance(found, NameSearch)
            assert found.count() == len(expected), (reader, query, filters)
            for number in range(1, (len(expected) + 24) // 25 + 1):
                with CaptureQueriesContext(connection) as queries:
                    page = SinglePassPaginator(found, 25).page(number)
                assert list(page.object_list) == expected[(number - 1) * 25 : number * 25]
                assert page.paginator.count == len(expected)
                assert len(queries.captured_queries) == 1
    assert [case.last_name for case in case_search(user=world["worker"], query="o_n")] == ["O_Neil"]
    shapes = {key[3] for key in _read_name_search_page._compiled}
    assert len(_read_name_search_page._compiled) == len(shapes)  # once per shape
    assert {shape.every_case for shape in shapes} == {True, False}


def test_a_search_by_name_on_the_list_page_finds_what_the_search_finds(client, world):
    client.force_login(world["worker"])
    response = client.post("/cases/", {"q": "amara patel"})
    assert response.status_code == 200
    assert list(response.context["cases"]) == [world["amara"]]
    assert response.context["paginator"].count == 1


def test_a_search_by_number_reads_its_few_matches_by_sql_compiled_once(world):
    """The number's matches are read by SQL compiled once per filter shape, each call with its
    own number (a % or _ in it matching itself), filtered by team and plan type as asked."""
    from cases.selectors import _read_numbered

    worker, amara, amy = world["worker"], world["amara"], world["amy"]
    _read_numbered._compiled.clear()
    mine = amara.current_team
    assert case_search(user=worker, query="ICS100042") == [amara]
    assert case_search(user=worker, query="lcs77") == [amy]
    assert case_search(user=worker, query="ICS1_0042") == []
    assert case_search(user=worker, query="ICS1000", team_id=mine.pk) == [amara]
    assert case_search(user=worker, query="ICS1000", team_id=mine.pk + 1000) == []
    plan = amara.plan_type
    assert case_search(user=worker, query="ICS1000", plan_type=plan) == [amara]
    other_plan = "cic" if plan != "cic" else "cp"
    assert case_search(user=worker, query="ICS1000", plan_type=other_plan) == []
    shapes = [key[3] for key in _read_numbered._compiled]
    assert sorted(shapes) == [(False, False), (False, True), (True, False)]
