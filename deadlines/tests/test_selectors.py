"""Reading deadlines: the ones a person owns, manages or waits on."""

from datetime import timedelta

import pytest
import time_machine

from cases.tests.factories import CaseFactory
from deadlines.selectors import deadlines_for_user, due_soon, overdue, team_deadlines
from deadlines.services import deadline_watch

from .factories import DeadlineFactory, london

pytestmark = pytest.mark.django_db

NOW = london(2026, 11, 25, 12, 0)
HOUR = timedelta(hours=1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def visit(org):
    """A joint visit the social worker owns in North CIN; the Early Help worker goes on it."""
    deadline = DeadlineFactory(
        case=org.case, owner=org.owner, owner_team=org.team, due_at=NOW + 3 * HOUR
    )
    deadline.watchers.add(org.other_owner)
    return deadline


def test_a_watched_deadline_is_among_the_watchers_deadlines_and_says_so(org, visit):
    own = DeadlineFactory(case=org.other_case, owner=org.other_owner, owner_team=org.other)
    elsewhere = DeadlineFactory(case=org.case, owner=org.colleague, owner_team=org.team)

    rows = {d.pk: d for d in deadlines_for_user(org.other_owner)}

    assert set(rows) == {visit.pk, own.pk}
    assert elsewhere.pk not in rows
    assert rows[visit.pk].is_watched
    assert not rows[own.pk].is_watched


def test_a_deadline_with_several_watchers_appears_once(org, visit):
    visit.watchers.add(org.owner, org.colleague, org.manager)
    for person in (org.owner, org.manager, org.other_owner):
        pks = list(deadlines_for_user(person).values_list("pk", flat=True))
        assert pks == [visit.pk], person


def test_the_owner_does_not_see_their_own_deadline_as_watched(org, visit):
    assert not deadlines_for_user(org.owner).get(pk=visit.pk).is_watched


def test_watched_deadlines_are_in_the_due_soon_and_overdue_panels(org, visit):
    late = DeadlineFactory(case=org.case, owner=org.owner, owner_team=org.team, due_at=NOW - HOUR)
    deadline_watch(subject=org.case, kind=late.kind, people=[org.other_owner])
    assert [d.pk for d in due_soon(org.other_owner)] == [visit.pk]
    assert [d.pk for d in overdue(org.other_owner)] == [late.pk]
    # Someone neither owning, managing nor watching them sees neither.
    assert not due_soon(org.colleague).exists()
    assert not overdue(org.colleague).exists()


def test_the_deadlines_page_lists_a_watched_deadline_in_another_team_on_a_visible_case(org):
    # The case is in the Early Help team (visible to its worker); the clock is North CIN's.
    deadline = DeadlineFactory(
        case=org.other_case, owner=org.owner, owner_team=org.team, due_at=NOW + HOUR
    )
    assert deadline.pk not in team_deadlines(user=org.other_owner).values_list("pk", flat=True)

    deadline.watchers.add(org.other_owner)

    rows = list(team_deadlines(user=org.other_owner))
    assert [d.pk for d in rows] == [deadline.pk]
    assert rows[0].is_watched
    # Filtering by a team keeps to that team's deadlines.
    assert not team_deadlines(user=org.other_owner, team_id=org.other.pk).exists()


def test_the_deadlines_page_hides_a_watched_deadline_whose_case_is_out_of_sight(org):
    hidden_case = CaseFactory(current_team=org.team)
    deadline = DeadlineFactory(case=hidden_case, owner=org.owner, owner_team=org.team)
    deadline.watchers.add(org.other_owner)
    assert not team_deadlines(user=org.other_owner).exists()


@pytest.mark.django_db
def test_the_deadlines_page_ranks_alike_in_the_database_and_in_python():
    """The deadlines page as it opens: a service manager's rows are checked, ordered and counted
    by the database, everyone else's in Python (issue 14). Both ways give every demo user the
    same rows in the same order, with and without a team filter, caseless deadlines included."""
    from django.core.management import call_command

    from deadlines.models import Deadline
    from deadlines.selectors import _ranked_in_python, _soonest_first_in_database
    from people.models import Team, User

    call_command("seed_demo", cases=120, verbosity=0)
    team = Team.objects.order_by("pk").first()
    # One of the team's deadlines about no case (a team's own), which both ways keep.
    caseless = Deadline.objects.filter(owner_team=team, status="open").order_by("pk").first()
    Deadline.objects.filter(pk=caseless.pk).update(case=None)
    for user in User.objects.all():
        for team_id in (None, team.pk):
            python = _ranked_in_python(user, team_id)
            database = _soonest_first_in_database(user, team_id)
            assert len(python) == len(database), (user.username, team_id)
            assert [d.pk for d in python[: len(python)]] == [
                d.pk for d in database[: len(database)]
            ], (user.username, team_id)


def test_a_deadline_of_the_readers_team_they_also_watch_is_listed_once(org, visit):
    """The team's rows and the watched rows are joined without looking for a row twice (UNION
    ALL): the watched ones leave out those of the reader's teams."""
    from deadlines.selectors import _ranked_in_python, _soonest_first_in_database

    visit.watchers.add(org.owner)
    for ranked in (_ranked_in_python(org.owner, None), _soonest_first_in_database(org.owner, None)):
        assert len(ranked) == 1
        assert [d.pk for d in ranked[:1]] == [visit.pk]


@pytest.mark.parametrize("ordered_from", [0, 10**9], ids=["read in order", "union"])
def test_the_home_panels_compiled_once_list_what_the_querysets_list(monkeypatch, ordered_from):
    """The overdue and due-soon panels read their keys by SQL compiled once per shape (issue
    14): every demo user, watcher and superuser included, gets the rows of the querysets
    built afresh, soonest first, one SQL kept per shape rather than per person. A manager's
    overdue panel is counted apart and, from ORDERED_FROM rows, read in order down the live
    deadlines' index (both ways checked): the same rows and count."""
    from django.core.management import call_command

    from deadlines import selectors
    from deadlines.models import Deadline
    from people.models import User
    from people.selectors import teams_visible_to

    monkeypatch.setattr(selectors, "ORDERED_FROM", ordered_from)

    call_command("seed_demo", cases=120, verbosity=0)
    users = list(User.objects.all())
    watcher = users[0]
    for deadline in overdue(users[1])[:3]:
        deadline.watchers.add(watcher)
    # A manager watching deadlines of their teams, one of which they own too: each listed once.
    manager = User.objects.get(username="sm.socialcare")
    theirs = list(deadlines_for_user(manager).filter(status="open").order_by("pk")[:4])
    assert len(theirs) == 4
    for deadline, due in zip(theirs, [-HOUR, -HOUR, HOUR, HOUR], strict=True):
        Deadline.objects.filter(pk=deadline.pk).update(due_at=NOW + due)
        deadline.watchers.add(manager)
    Deadline.objects.filter(pk__in=[theirs[0].pk, theirs[2].pk]).update(owner=manager)
    # And overdue deadlines of teams they do not answer for: one they own, one they watch,
    # one they do both.
    elsewhere = list(
        Deadline.objects.filter(status="open")
        .exclude(owner_team__in=teams_visible_to(manager))
        .order_by("pk")[:3]
    )
    assert len(elsewhere) == 3
    Deadline.objects.filter(pk__in=[d.pk for d in elsewhere]).update(due_at=NOW - HOUR)
    Deadline.objects.filter(pk__in=[elsewhere[0].pk, elsewhere[2].pk]).update(owner=manager)
    for deadline in elsewhere[1:]:
        deadline.watchers.add(manager)
    compiled = (
        selectors._read_ranked_keys,
        selectors._read_overdue_count,
        selectors._read_overdue_in_order,
    )
    for kept in compiled:
        kept._compiled.clear()
    listed = 0
    for user in users:
        for ranked, built in (
            (selectors.ranked_overdue(user), overdue(user)),
            (selectors.ranked_due_soon(user), due_soon(user)),
        ):
            assert len(ranked) == built.count(), user.username
            rows = ranked[: len(ranked)]
            assert [d.pk for d in rows] == list(
                built.order_by("due_at", "pk").values_list("pk", flat=True)
            ), user.username
            listed += len(rows)
    assert listed > 20
    scopes = {selectors._team_scope(u) for u in users}
    managers = scopes - {None}
    apart = managers if ordered_from == 0 else set()
    shapes = {(which, scope) for scope in scopes for which in ("late", "soon")}
    shapes -= {("late", scope) for scope in apart}
    assert len(selectors._read_ranked_keys._compiled) == len(shapes) < len(users)
    assert len(selectors._read_overdue_count._compiled) == len(managers)
    assert len(selectors._read_overdue_in_order._compiled) == len(apart)
