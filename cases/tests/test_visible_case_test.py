"""Who sees a case, worked out in Python (issue 14), answers as the database filter does, for
every demo user and every case: visible_case_test (the deadlines list) from every id the user
sees, and sees_fresh_case (the case and transfer pages) from the database asked about that one
case; a GET asks about its reader once, however many checks its page makes."""

import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from cases.models import Case
from cases.selectors import (
    _by_number,
    _few_numbered,
    _visible_ids,
    case_search,
    cases_visible_to,
    sees_fresh_case,
    visible_among,
    visible_case_test,
)
from casetransfer.prepared import source
from casetransfer.request_cache import request_cache
from people.models import User
from people.roles import Scope
from people.selectors import user_scope
from transfers.models import LIVE_STAGES, Transfer


@pytest.fixture
def demo(db):
    call_command("seed_demo", cases=120, verbosity=0)


def test_it_agrees_with_the_database_filter_for_every_user_and_case(demo):
    cases = list(Case.objects.all())
    for user in User.objects.all():
        in_sql = set(cases_visible_to(user).values_list("pk", flat=True))
        sees = visible_case_test(user)
        in_python = {c.pk for c in cases if sees(c.pk, c.current_team_id, c.allocated_worker_id)}
        assert in_python == in_sql, user.username


def test_visible_among_agrees_for_every_user_and_case(demo):
    rows = list(Case.objects.values_list("pk", "current_team_id", "allocated_worker_id"))
    for user in User.objects.all():
        in_sql = set(cases_visible_to(user).values_list("pk", flat=True))
        among = visible_among(user, rows)
        assert set(among) == in_sql, user.username
        assert among == [pk for pk, _, _ in rows if pk in in_sql]  # in the rows' order


def test_a_search_by_number_finds_what_the_database_filter_finds(demo):
    """A search by number checks its few matches one by one (visible_among); a prefix matching
    many puts the visibility filter in the query. Either way: the cases the user sees whose
    number it is, by name, for every demo user."""
    numbers = list(Case.objects.exclude(ics_number="").values_list("ics_number", flat=True)[:6])
    first = Case.objects.order_by("pk").first().reference  # DM0000001
    many = first[:-2]  # DM00000: the first 99 cases' prefix
    queries = [*numbers, numbers[0][:4], many, first.lower()]
    for user in User.objects.all():
        visible = cases_visible_to(user)
        for query in queries:
            expected = list(
                visible.filter(_by_number(query))
                .order_by("last_name", "first_name", "id")
                .values_list("pk", flat=True)
            )
            found = [case.pk for case in case_search(user=user, query=query)]
            assert found == expected, (user.username, query)
    # Both ways were taken: a prefix of many matches, and a number of one.
    worker = User.objects.get(username="ffp.north")
    unfiltered = {"team_id": None, "plan_type": ""}
    assert _few_numbered(worker, many.upper(), **unfiltered) is None
    assert _few_numbered(worker, numbers[0].upper(), **unfiltered) is not None


@pytest.mark.parametrize("cached", ["nothing", "every id"])
def test_it_agrees_within_a_get_too(demo, cached):
    """sees_fresh_case, the check of one case (the case and transfer pages): asked of the
    database about that case alone, or answered from every id when the request has worked them
    out already (a list on the same page); within a GET each answer is remembered."""
    cases = list(Case.objects.all())
    for user in User.objects.all():
        token = request_cache.set({})
        try:
            if cached == "every id":
                visible_case_test(user)
            in_python = {case.pk for case in cases if sees_fresh_case(user, case)}
            again = {case.pk for case in cases if sees_fresh_case(user, case)}
        finally:
            request_cache.reset(token)
        in_sql = set(cases_visible_to(user).values_list("pk", flat=True))
        assert in_python == again == in_sql, user.username


def test_a_transfer_page_asks_about_its_reader_once(demo, client):
    """The transfer, its case and the steps offered each check the reader may see the case:
    the database is asked once, about this case only, never for every case the reader sees."""
    transfer = Transfer.objects.filter(stage__in=LIVE_STAGES, to_team__manager__isnull=False)
    transfer = transfer.exclude(case__current_team=F("to_team"))
    transfer = transfer.select_related("to_team__manager").first()
    client.force_login(transfer.to_team.manager)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(transfer.get_absolute_url()).status_code == 200
    sent = [(q["sql"], source(q["sql"])) for q in queries.captured_queries]
    every_id = [sql for _, sql in sent if 'AS "tag"' in sql]
    about_the_case = [
        sql for executed, sql in sent if " UNION " in sql and asks_about(executed, sql, transfer)
    ]
    assert every_id == []
    assert len(about_the_case) == 1


def asks_about(executed: str, sql: str, transfer) -> bool:
    """Whether a query asks about the transfer's case alone: its id in the SQL, or passed to the
    prepared statement the SQL is (casetransfer.prepared)."""
    if executed != sql:
        return '"case_id" IN ($' in sql and bool(
            re.search(rf"[(, ]{transfer.case_id}\)$", executed)
        )
    return f'"case_id" IN ({transfer.case_id}))' in sql


@pytest.mark.postgres
def test_the_database_filter_sends_no_case_ids(demo):
    """On PostgreSQL the cases a user is involved in are worked out inside the query (an array
    from the involvement branches), not sent as one parameter a case (issue 14): for the user
    involved in the most cases, none of their ids is among the query's parameters."""
    scoped = [user for user in User.objects.all() if user_scope(user) != Scope.ALL]
    manager = max(scoped, key=lambda user: len(_visible_ids(user)[1]))
    involved = _visible_ids(manager)[1]
    sql, params = cases_visible_to(manager).query.sql_with_params()
    assert len(involved) >= 10
    assert "= ANY((ARRAY(" in sql  # the involvement query, compiled once (cases.selectors)
    assert not set(involved) <= set(params), "the involved cases' ids are not parameters"


def test_another_tables_rows_are_narrowed_to_the_visible_cases_for_every_user(demo):
    """visible_case_ids and rows_of_visible_cases (the weekly and historic lists) agree with
    cases_visible_to for every demo user, the service manager's joined form included."""
    from cases.selectors import rows_of_visible_cases, visible_case_ids

    every_case = set(Case.objects.values_list("pk", flat=True))
    transfers = dict(Transfer.objects.values_list("pk", "case_id"))
    assert User.objects.filter(groups__name="service_manager").exists()
    for user in User.objects.all():
        in_sql = set(cases_visible_to(user).values_list("pk", flat=True))
        ids = visible_case_ids(user)
        assert (
            every_case
            if ids is None
            else set(Case.objects.filter(pk__in=ids).values_list("pk", flat=True))
        ) == in_sql, user.username
        rows = set(rows_of_visible_cases(Transfer.objects.all(), user).values_list("pk", flat=True))
        assert rows == {pk for pk, case_id in transfers.items() if case_id in in_sql}, user.username


def test_a_team_filter_from_the_teams_already_read_lists_the_teams_they_see(demo):
    """A team filter is written from the teams already read for the page (a worker's or team
    manager's own, a locality or service scope's: team_choices_visible_to), the same teams, by
    name, as teams_visible_to reads; a county-wide scope reads every team from the database."""
    from people.selectors import team_choices_visible_to, teams_visible_to

    asked = set()
    for user in User.objects.all():
        choices = team_choices_visible_to(user)
        scope = user_scope(user)
        if scope in (Scope.TEAM, Scope.MANAGED, Scope.LOCALITY, Scope.SERVICE):
            asked.add(scope)
            expected = teams_visible_to(user).order_by("name", "pk").values_list("pk", "name")
            assert choices == list(expected), user.username
        else:
            assert choices is None, user.username
    assert asked == {Scope.TEAM, Scope.MANAGED, Scope.LOCALITY, Scope.SERVICE}
