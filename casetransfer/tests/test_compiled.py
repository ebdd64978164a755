"""A query compiled once per process answers as the ORM does, and refuses a query it cannot keep."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone

from casetransfer.compiled import CompiledOnce, ModelsCompiledOnce, UpdateCompiledOnce
from people.models import Team, TeamMembership, User
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def teams_of(user_id):
    member = Exists(TeamMembership.objects.filter(team=OuterRef("pk"), user_id=user_id))
    return (
        Team.objects.alias(member=member)
        .filter(Q(member=True) | Q(manager_id=user_id))
        .values_list("pk", "name", "is_active", member)
        .order_by("pk")
    )


def test_each_call_answers_with_its_own_arguments_as_the_orm_does():
    worker, manager, nobody = UserFactory(), UserFactory(), UserFactory()
    one, two = TeamFactory(manager=manager), TeamFactory(is_active=False)
    TeamMembership.objects.create(team=one, user=worker)
    TeamMembership.objects.create(team=two, user=worker)
    TeamMembership.objects.create(team=two, user=manager)
    read = CompiledOnce(teams_of)
    for user in (worker, manager, nobody, worker):
        assert read(user.pk) == list(teams_of(user.pk))
    assert read(manager.pk) == [(one.pk, one.name, True, False), (two.pk, two.name, False, True)]


def test_the_query_is_built_once_and_its_sql_sent_after():
    users = [UserFactory() for _ in range(3)]
    build = mock.Mock(side_effect=teams_of)
    read = CompiledOnce(build)
    for user in users:
        read(user.pk)
    assert build.call_count == 1


def test_values_are_converted_as_the_orm_converts_them():
    """A datetime comes back aware, in UTC, as the ORM returns it."""
    joined = timezone.now() - timedelta(days=3)
    user = UserFactory(date_joined=joined)

    def joined_of(user_id):
        return User.objects.filter(pk=user_id).values_list("date_joined", "is_active")

    assert CompiledOnce(joined_of)(user.pk) == list(joined_of(user.pk)) == [(joined, True)]


def test_a_query_whose_sql_depends_on_its_arguments_is_refused():
    user = UserFactory(roles=[Role.TEAM_MANAGER])

    def unused(user_id):  # the argument does not reach the SQL
        return User.objects.filter(is_active=True).values_list("pk")

    def written_in(user_id):  # the argument is written into the SQL's text
        return User.objects.annotate(x=RawSQL(f"{user_id}", ())).values_list("x")

    for build in (unused, written_in):
        with pytest.raises(ValueError, match="cannot be compiled once"):
            CompiledOnce(build)(user.pk)


def test_a_list_of_ids_is_kept_for_each_length_of_it():
    teams = [TeamFactory() for _ in range(3)]

    def named(*team_ids):
        return Team.objects.filter(pk__in=team_ids).values_list("pk").order_by("pk")

    read = CompiledOnce(named)
    for chosen in ([], teams[:1], teams, teams[1:], teams[:1]):
        ids = [team.pk for team in chosen]
        assert read(*ids) == list(named(*ids)) == [(pk,) for pk in sorted(ids)]


def test_its_sql_can_be_written_into_another_query():
    worker, other = UserFactory(), UserFactory()
    team = TeamFactory(manager=worker)
    sql, params = CompiledOnce(teams_of).sql_with_params(worker.pk)
    assert worker.pk in params  # a parameter, not written into the SQL
    found = Team.objects.filter(pk__in=RawSQL(f"SELECT pk FROM ({sql}) AS mine", params))
    assert list(found) == [team]
    assert CompiledOnce(teams_of)(other.pk) == []


def test_a_shape_keeps_its_own_sql_and_is_given_to_the_build():
    """A query whose branches depend on more than its ids (a role, say) is given that as its
    shape: each shape its own SQL, the same shape built once."""
    active, inactive = TeamFactory(), TeamFactory(is_active=False)

    def teams(*team_ids, shape):
        rows = Team.objects.filter(pk__in=team_ids)
        if shape == "active only":
            rows = rows.filter(is_active=True)
        return rows.values_list("pk").order_by("pk")

    build = mock.Mock(side_effect=teams)
    read = CompiledOnce(build)
    ids = (active.pk, inactive.pk)
    assert read(*ids, shape="active only") == [(active.pk,)]
    assert read(*ids, shape="all") == [(active.pk,), (inactive.pk,)]
    assert read(*reversed(ids), shape="active only") == [(active.pk,)]
    assert build.call_count == 2


def test_a_time_argument_is_passed_as_the_orm_passes_it():
    """A time compared with a column is an argument too (a deadline panel's "now"), adapted
    for the database as the ORM adapts it (a string on SQLite)."""
    now = timezone.now()
    old, new = UserFactory(date_joined=now - timedelta(days=9)), UserFactory(date_joined=now)

    def joined_between(user_id, since, until):
        rows = User.objects.filter(date_joined__gt=since, date_joined__lte=until)
        return rows.exclude(pk=user_id).values_list("pk").order_by("pk")

    build = mock.Mock(side_effect=joined_between)
    read = CompiledOnce(build)
    for since in (now - timedelta(days=10), now - timedelta(days=1), now):
        args = (0, since, now)
        assert read(*args) == list(joined_between(*args))
    assert read(0, now - timedelta(days=1), now) == [(new.pk,)]
    assert read(new.pk, now - timedelta(days=10), now) == [(old.pk,)]
    assert build.call_count == 1


def test_a_text_argument_compared_as_it_is_is_passed_as_the_orm_passes_it():
    """Text compared with a column as it is (a case's reference in its page's address) is an
    argument; text changed before the ORM has it (upper-cased by the build) is refused."""
    amy, bob = UserFactory(username="amy"), UserFactory(username="o'brien; --")

    def named(username):
        return User.objects.filter(username=username).values_list("pk")

    build = mock.Mock(side_effect=named)
    read = CompiledOnce(build)
    for username in ("amy", "o'brien; --", "nobody", "AMY"):
        assert read(username) == list(named(username))
    assert read("o'brien; --") == [(bob.pk,)] and read("amy") == [(amy.pk,)]
    assert build.call_count == 1

    with pytest.raises(ValueError, match="cannot be compiled once"):
        CompiledOnce(lambda text: User.objects.filter(username=text.upper()).values_list("pk"))(
            "am"
        )


@pytest.mark.parametrize("lookup", ["contains", "icontains", "startswith", "endswith"])
def test_text_matched_as_part_of_a_value_is_written_into_the_orms_pattern_each_call(lookup):
    """A search's words are matched as part of a name (a LIKE pattern the ORM makes of each,
    escaped): the pattern is found around the stand-in, and each call's text is escaped and
    written into it as the ORM would (a % or _ in it matches itself, not anything)."""
    for username in ("amy_x", "amyzx", "bob%", "bobby", "AMY"):
        UserFactory(username=username)

    def matching(text):
        return User.objects.filter(**{f"username__{lookup}": text}).values_list("pk").order_by("pk")

    build = mock.Mock(side_effect=matching)
    read = CompiledOnce(build)
    for text in ("amy", "y_", "b%", "%", "_", "bob", "x", "AMY", "nobody"):
        assert read(text) == list(matching(text)), text
    assert build.call_count == 1
    sql, params = read.sql_with_params("b%")
    assert "b%" not in sql and [p for p in params if "b" in str(p)]  # a parameter, escaped


def test_the_sql_kept_is_bounded_and_what_was_let_go_is_compiled_again():
    """A list of ids is kept for each of its lengths: past MAX_KEPT of them, all is let go
    and compiled again as it is asked, so a long-running worker keeps no more and no less
    answers right."""
    teams = [TeamFactory() for _ in range(4)]

    def named(*team_ids):
        return Team.objects.filter(pk__in=team_ids).values_list("pk").order_by("pk")

    read = CompiledOnce(named)
    read.MAX_KEPT = 2
    for chosen in (teams[:1], teams[:2], teams[:3], teams, teams[:1]):
        ids = [team.pk for team in chosen]
        assert read(*ids) == [(pk,) for pk in sorted(ids)]
        assert len(read._compiled) <= 2


def members_by_pk(user_id, *pks):
    """Memberships by id, each with its team and manager joined and whether `user_id` manages
    the team: what a panel reads whole by primary key."""
    return (
        TeamMembership.objects.filter(pk__in=pks)
        .select_related("team__manager", "user")
        .annotate(managed=Exists(Team.objects.filter(pk=OuterRef("team"), manager_id=user_id)))
    )


def test_model_instances_come_as_the_orm_builds_them(django_assert_num_queries):
    """ModelsCompiledOnce: the instances of each call's rows, their joined rows filled in (no
    query to reach them), annotations set, times aware; the build run once."""
    manager, worker = UserFactory(), UserFactory(date_joined=timezone.now() - timedelta(days=2))
    one, two = TeamFactory(manager=manager), TeamFactory()
    first = TeamMembership.objects.create(team=one, user=worker)
    second = TeamMembership.objects.create(team=two, user=worker)
    build = mock.Mock(side_effect=members_by_pk)
    read = ModelsCompiledOnce(build)
    for user, pks in ((manager, [first.pk, second.pk]), (worker, [second.pk, first.pk])):
        expected = sorted(members_by_pk(user.pk, *pks), key=lambda m: m.pk)
        with django_assert_num_queries(1):
            got = sorted(read(user.pk, *pks), key=lambda m: m.pk)
            seen = [
                (m.pk, m.team.name, m.team.manager and m.team.manager.pk, m.user.date_joined)
                for m in got
            ]
        assert all(type(m) is TeamMembership for m in got)
        assert seen == [
            (m.pk, m.team.name, m.team.manager and m.team.manager.pk, m.user.date_joined)
            for m in expected
        ]
        assert [m.managed for m in got] == [m.managed for m in expected]
    managed = {m.pk: m.managed for m in read(manager.pk, first.pk, second.pk)}
    assert managed == {first.pk: True, second.pk: False}
    assert read(worker.pk, first.pk)[0].user.date_joined == worker.date_joined
    assert build.call_count == 2  # one SQL for two ids, one for one id


def test_a_compiled_query_of_models_has_its_prefetches_read(django_assert_num_queries):
    """The build's prefetches are read as the ORM reads them: one query each, after the rows."""
    manager = UserFactory()
    team = TeamFactory(manager=manager)
    members = [UserFactory() for _ in range(2)]
    for member in members:
        TeamMembership.objects.create(team=team, user=member)
    read = ModelsCompiledOnce(
        lambda *pks: Team.objects.filter(pk__in=pks).prefetch_related("memberships__user")
    )
    read(team.pk)
    with django_assert_num_queries(3):  # the team, its memberships, their people
        (got,) = read(team.pk)
        people = {m.user.pk for m in got.memberships.all()}
    assert people == {m.pk for m in members}


@pytest.mark.django_db(transaction=True)
def test_a_compiled_query_of_models_runs_on_the_callers_connection():
    """Django's connections are each thread's own: SQL compiled on one thread is sent on
    another's connection (a threaded server's), which sees that thread's transaction."""
    import threading

    from django.db import connection, transaction

    membership = TeamMembership.objects.create(team=TeamFactory(), user=UserFactory())
    read = ModelsCompiledOnce(lambda *pks: TeamMembership.objects.filter(pk__in=pks))
    assert [m.pk for m in read(membership.pk)] == [membership.pk]
    seen = {}

    def in_another_thread():
        try:
            with transaction.atomic():
                TeamMembership.objects.filter(pk=membership.pk).delete()
                seen["inside"] = read(membership.pk)  # its own transaction sees the delete
                transaction.set_rollback(True)
        finally:
            connection.close()

    thread = threading.Thread(target=in_another_thread)
    thread.start()
    thread.join()
    assert seen["inside"] == []
    assert [m.pk for m in read(membership.pk)] == [membership.pk]


def test_parameters_with_values_after_them_keep_what_they_say():
    """Params.plus: a LIMIT and OFFSET after a compiled query's parameters are passed on each
    call (not fixed); the query's constants stay fixed, and its plan's kind with them."""
    from casetransfer.compiled import Params

    params = Params([7, "open"], fixed=(False, True), generic=True)
    longer = params.plus(10, 0)
    assert longer == [7, "open", 10, 0]
    assert longer.fixed == (False, True, False, False) and longer.generic
    assert params == [7, "open"] and params.fixed == (False, True)


def deactivate(user_id, joined_before):
    """An UPDATE: the user made inactive, if they joined before the time given."""
    return (
        User.objects.filter(pk=user_id, date_joined__lt=joined_before, is_active=True),
        {"is_active": False, "last_login": joined_before},
    )


def test_an_update_is_built_once_and_changes_what_the_orm_update_would():
    now = timezone.now()
    old, new, other = (
        UserFactory(date_joined=now - timedelta(days=9)),
        UserFactory(date_joined=now + timedelta(days=1)),
        UserFactory(date_joined=now - timedelta(days=9)),
    )
    build = mock.Mock(side_effect=deactivate)
    update = UpdateCompiledOnce(build)
    assert update(old.pk, now) == 1
    assert update(new.pk, now) == 0  # joined after: left alone
    assert update(old.pk, now) == 0  # inactive already
    assert build.call_count == 1
    rows = {
        u.pk: (u.is_active, u.last_login)
        for u in User.objects.filter(pk__in=[old.pk, new.pk, other.pk])
    }
    assert rows == {old.pk: (False, now), new.pk: (True, None), other.pk: (True, None)}


def test_an_update_compared_with_a_small_column_takes_the_number_as_a_value():
    """A number compared with a small integer column is checked against the column's range
    before it is sent: the stand-in the SQL is compiled with is out of it, and the ORM finds
    that nothing can match. Refused rather than kept as matching nothing; passed as a Value,
    the number is a parameter like any other."""
    from deadlines.models import EmailKind, OutboxEmail

    email = OutboxEmail.objects.create(
        dedupe_key="compiled-once",
        kind=EmailKind.NOTICE,
        to_email="x@example.org",
        subject="s",
        body_text="b",
        next_attempt_at=timezone.now(),
        attempts=2,
    )

    def as_number(pk, attempts):
        return OutboxEmail.objects.filter(pk=pk, attempts=attempts), {"subject": "changed"}

    def as_value(pk, attempts):
        return OutboxEmail.objects.filter(pk=pk, attempts=Value(attempts)), {"subject": "changed"}

    with pytest.raises(ValueError, match="pass that number as a Value"):
        UpdateCompiledOnce(as_number)(email.pk, 2)
    assert UpdateCompiledOnce(as_value)(email.pk, 1) == 0
    assert UpdateCompiledOnce(as_value)(email.pk, 2) == 1
    assert OutboxEmail.objects.get(pk=email.pk).subject == "changed"
