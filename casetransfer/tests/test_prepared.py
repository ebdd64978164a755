"""SQL compiled once is sent as a statement prepared once per connection, on PostgreSQL."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from casetransfer import prepared
from casetransfer.compiled import CompiledOnce
from people.models import Team
from people.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

SQL = 'SELECT "name" FROM "people_team" WHERE "id" = %s AND "name" LIKE %s ORDER BY 1'
ONCE = SQL + " /* no other test sends it */"  # a statement of its own on the connection


def on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's prepared statements (elsewhere the SQL is sent as it is)")


def run(sql, params):
    with connection.cursor() as cursor:
        prepared.execute(cursor, sql, params)
        return cursor.fetchall()


def test_placeholders_are_numbered_and_a_literal_percent_kept():
    assert prepared._numbered("a = %s AND b LIKE 'x%%' AND c = %s") == (
        "a = $1 AND b LIKE 'x%' AND c = $2"
    )


def test_each_call_answers_with_its_own_values_as_the_sql_would():
    one, two = TeamFactory(name="North 100%"), TeamFactory(name="South")
    for team in (one, two, one):
        assert run(SQL, [team.pk, "%"]) == [(team.name,)]
    assert run(SQL, [one.pk, "South%"]) == []


def test_a_statement_is_prepared_once_and_executed_after():
    """The PREPARE sets the connection up, once: it is not among the queries a page counts."""
    on_postgresql()
    team = TeamFactory()
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert run(ONCE, [team.pk, "%"]) == [(team.name,)]
    sent = [query["sql"] for query in queries.captured_queries]
    assert len(sent) == 3 and all(sql.startswith("EXECUTE ct_") for sql in sent)
    (name,) = {sql.split("(")[0].removeprefix("EXECUTE ") for sql in sent}  # one statement
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE name = %s",
            [name],
        )
        assert cursor.fetchone() == (3,)  # prepared once, run three times


def test_a_statement_postgresql_will_not_prepare_is_sent_as_it_is_and_the_transaction_goes_on():
    """A parameter whose type PostgreSQL cannot tell: preparing it fails, in a savepoint; the
    SQL is then sent as it is, and the transaction it was asked in is unharmed."""
    on_postgresql()
    with transaction.atomic():
        team = TeamFactory()
        assert run("SELECT %s", ["loose"]) == [("loose",)]
        assert run("SELECT %s", ["again"]) == [("again",)]
        assert Team.objects.filter(pk=team.pk).exists()


@pytest.mark.django_db(transaction=True)  # the connection is closed: no test transaction
def test_a_new_connection_prepares_again():
    on_postgresql()
    team = TeamFactory(name="Kept")
    assert run(SQL, [team.pk, "%"]) == [("Kept",)]
    connection.close()  # as a server gone away, or CONN_MAX_AGE, would
    assert run(SQL, [team.pk, "%"]) == [("Kept",)]


def test_past_the_bound_the_connection_lets_its_statements_go(monkeypatch):
    on_postgresql()
    monkeypatch.setattr(prepared, "MAX_PREPARED", 2)
    team = TeamFactory()
    for column in ('"id"', '"name"', '"is_active"'):
        sql = f'SELECT {column} FROM "people_team" WHERE "id" = %s'
        assert len(run(sql, [team.pk])) == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone()[0] == 1  # let go at the third, which is prepared afresh


def test_a_querys_constants_are_written_into_the_statement_and_its_arguments_passed():
    """compiled.Params says which values are the query's own (a kind, a status): the plan is
    made knowing them; each call passes only its arguments."""
    on_postgresql()
    from casetransfer.compiled import Params

    team = TeamFactory(name="Constant")
    params = Params([team.pk, "Const%"], fixed=(False, True))
    with CaptureQueriesContext(connection) as queries:
        assert run(SQL, params) == [("Constant",)]
    sent = queries.captured_queries[0]["sql"]
    assert sent.startswith("EXECUTE ct_") and sent.endswith(f"({team.pk})")  # the id alone
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", ["%Const%"]
        )
        (statement,) = cursor.fetchone()
    assert "LIKE 'Const%'" in statement and '"id" = $1' in statement


def test_a_generic_plan_is_kept_for_every_call_and_the_session_left_as_it_was():
    on_postgresql()
    from casetransfer.compiled import Params

    team = TeamFactory()
    for _ in range(2):
        params = Params([team.pk, "%"], fixed=(False, False), generic=True)
        with connection.cursor() as cursor:
            prepared.execute(cursor, SQL, params)
            assert cursor.fetchall() == [(team.name,)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            ['%FROM "people_team" WHERE "id" = $1 AND "name" LIKE $2%'],
        )
        assert cursor.fetchone() == (2, 0)
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone() == ("auto",)


def test_a_connection_closed_after_each_request_prepares_nothing(monkeypatch):
    """With CONN_MAX_AGE 0 every request has a new connection: preparing would cost each one
    a round trip more."""
    on_postgresql()
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    team = TeamFactory()
    with CaptureQueriesContext(connection) as queries:
        assert run(SQL, [team.pk, "%"]) == [(team.name,)]
    assert queries.captured_queries[0]["sql"].startswith("SELECT")


def test_a_statement_to_be_planned_for_each_calls_values_is_sent_as_it_is():
    """CompiledOnce(custom_plan=True): its SQL is never prepared, so PostgreSQL plans each call
    knowing its values (no plan kept for every call)."""
    on_postgresql()
    team = TeamFactory()
    custom = CompiledOnce(
        lambda pk: Team.objects.filter(pk=pk).values_list("name"), custom_plan=True
    )
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert custom(team.pk) == [(team.name,)]
    sent = [query["sql"] for query in queries.captured_queries]
    assert len(sent) == 3 and not [sql for sql in sent if sql.startswith("EXECUTE")]
    sql, params = custom.sql_with_params(team.pk)
    assert params.custom and prepared.statement(connection.cursor(), sql, params)[0] == sql


def test_a_generic_plan_asked_of_some_shapes_is_kept_for_those_alone():
    """CompiledOnce(generic_plan=function of the shape): a manager's overdue count is planned
    once for every call for a scope of teams, and for each call for the whole county."""
    team = TeamFactory(name="Generic North")
    some = CompiledOnce(
        lambda pk, shape: Team.objects.filter(pk=pk, name__startswith=shape).values_list("name"),
        generic_plan=lambda shape: shape == "Generic",
    )
    _, generic = some.sql_with_params(team.pk, shape="Generic")
    _, auto = some.sql_with_params(team.pk, shape="Gen")
    assert generic.generic and not auto.generic
    assert some(team.pk, shape="Generic") == some(team.pk, shape="Gen") == [(team.name,)]
    if connection.vendor != "postgresql":
        return
    for _ in range(2):
        some(team.pk, shape="Generic")
        some(team.pk, shape="Gen")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s ORDER BY statement",
            ['%"people_team"."name"::text LIKE %Gen%'],
        )
        plans = {statement: (g, c) for statement, g, c in cursor.fetchall()}
    assert len(plans) == 2
    kept = [counts for statement, counts in plans.items() if "'Generic%'" in statement]
    assert kept == [(3, 0)]  # every call of the generic shape on its one plan
    (others,) = [counts for statement, counts in plans.items() if "'Generic%'" not in statement]
    assert others[1] >= 3  # PostgreSQL's choice: its first five calls are planned for each
