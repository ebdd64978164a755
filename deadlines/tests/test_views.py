"""Deadlines on the pages: the home page panels, the team deadlines page, the stale banner."""

import json
import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.tests.factories import CaseFactory
from deadlines.models import DeadlineStatus
from deadlines.sweep import sweep
from deadlines.templatetags.deadline_tags import relative_due
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory

from .factories import DeadlineFactory, london

pytestmark = pytest.mark.django_db

NOW = london(2026, 11, 25, 12, 0)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def deadline(reference, team, *, due, owner=None, status=DeadlineStatus.OPEN, **kwargs):
    case = CaseFactory(reference=reference, current_team=team)
    return DeadlineFactory(
        case=case,
        owner=owner,
        owner_team=team,
        anchor_at=due - timedelta(days=5),
        due_at=due,
        status=status,
        **kwargs,
    )


@pytest.fixture
def board(org):
    """Deadlines around NOW in the owner's team and in another team."""
    hour = timedelta(hours=1)
    deadline("CT-OVERDUE", org.team, owner=org.owner, due=NOW - 3 * hour)  # not swept yet
    deadline("CT-BREACHED", org.team, owner=org.owner, due=NOW - 48 * hour, status="breached")
    deadline("CT-SOON", org.team, owner=org.owner, due=NOW + 2 * hour)
    deadline("CT-LATER", org.team, owner=org.owner, due=NOW + 72 * hour)
    deadline(
        "CT-MET",
        org.team,
        owner=org.owner,
        due=NOW - hour,
        status=DeadlineStatus.MET,
        met_at=NOW - 30 * timedelta(minutes=1),
    )
    deadline(
        "CT-LATE",
        org.team,
        owner=org.owner,
        due=NOW - 5 * hour,
        status=DeadlineStatus.MET,
        met_at=NOW - hour,
    )
    deadline("CT-CANCELLED", org.team, owner=org.owner, due=NOW + hour, status="cancelled")
    deadline("CT-COLLEAGUE", org.team, owner=org.colleague, due=NOW + 24 * hour)
    deadline("CT-OTHER-LATE", org.other, owner=org.other_owner, due=NOW - hour)
    deadline("CT-OTHER-SOON", org.other, owner=org.other_owner, due=NOW + hour)
    return org


def panel(response, key) -> str:
    html = response.content.decode().replace("\xa0", " ")
    match = re.search(rf'data-panel="{key}">(.*?)</section>', html, re.S)
    assert match, f"no {key} panel"
    return match.group(1)


def references(html) -> set[str]:
    return set(re.findall(r">(CT-[A-Z-]+)</a>", html))


# --- the home page ------------------------------------------------------------------------------


def test_the_owner_sees_their_overdue_and_due_soon_deadlines(client, board):
    client.force_login(board.owner)
    response = client.get("/")

    overdue = panel(response, "overdue")
    soon = panel(response, "due_soon")
    assert references(overdue) == {"CT-OVERDUE", "CT-BREACHED"}
    assert references(soon) == {"CT-SOON"}
    assert "Overdue <span" in overdue
    assert "(2)" in overdue
    assert "(1)" in soon


def test_relative_times_say_how_long_until_or_how_long_overdue(client, board):
    client.force_login(board.owner)
    response = client.get("/")
    assert "3 hours overdue" in panel(response, "overdue")
    assert "2 days overdue" in panel(response, "overdue")
    assert "in 2 hours" in panel(response, "due_soon")


def test_the_team_manager_sees_the_teams_deadlines_and_no_other_teams(client, board):
    client.force_login(board.manager)
    response = client.get("/")
    assert references(panel(response, "overdue")) == {"CT-OVERDUE", "CT-BREACHED"}
    assert references(panel(response, "due_soon")) == {"CT-SOON", "CT-COLLEAGUE"}


def test_a_colleague_sees_only_their_own_deadlines(client, board):
    client.force_login(board.colleague)
    response = client.get("/")
    assert references(panel(response, "overdue")) == set()
    assert "Nothing is overdue." in panel(response, "overdue")
    assert references(panel(response, "due_soon")) == {"CT-COLLEAGUE"}


def test_the_other_teams_manager_sees_only_their_own_team(client, board):
    client.force_login(board.other_manager)
    response = client.get("/")
    assert references(panel(response, "overdue")) == {"CT-OTHER-LATE"}
    assert references(panel(response, "due_soon")) == {"CT-OTHER-SOON"}


def test_an_early_help_worker_sees_the_joint_visit_they_go_on(client, board):
    # The visit is the social worker's, in North CIN; the Early Help worker goes with them.
    visit = deadline("CT-JOINT", board.team, owner=board.owner, due=NOW + 5 * timedelta(hours=1))
    visit.watchers.add(board.other_owner)
    client.force_login(board.other_owner)
    response = client.get("/")

    soon = panel(response, "due_soon")
    assert references(soon) == {"CT-JOINT", "CT-OTHER-SOON"}
    assert "You are waiting on this" in soon
    assert references(panel(response, "overdue")) == {"CT-OTHER-LATE"}
    assert "You are waiting on this" not in panel(response, "overdue")


def home_queries(client, user) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


def test_the_home_page_query_count_does_not_grow_with_the_deadlines(
    client, board, django_assert_max_num_queries
):
    client.force_login(board.manager)
    few = home_queries(client, board.manager)
    for n in range(10):
        owner = board.owner if n % 2 else board.colleague
        letter = "ABCDEFGHIJ"[n]
        deadline(f"CT-MORE-{letter}", board.team, owner=owner, due=NOW + timedelta(hours=n + 1))
        deadline(f"CT-LATE-{letter}", board.team, owner=owner, due=NOW - timedelta(hours=n + 1))
    many = home_queries(client, board.manager)
    assert many == few
    # 17 today (session and its save, user, roles, permissions, the menu, the panels, the case
    # panels); a little room, no N+1.
    with django_assert_max_num_queries(20):
        response = client.get("/")
    assert len(references(panel(response, "due_soon"))) == 10  # a panel shows 10
    assert "Showing 10 of 12." in panel(response, "due_soon")
    assert "Showing 10 of 12." in panel(response, "overdue")


# --- the stale-sweep banner ---------------------------------------------------------------------

BANNER = "The deadline engine is not running."


def test_administrators_see_a_banner_when_the_sweep_never_ran(client, org):
    client.force_login(org.admin)
    content = client.get("/").content.decode()
    assert BANNER in content
    assert "It has never checked deadlines." in content


def test_administrators_see_no_banner_while_the_sweep_runs(client, org):
    sweep(NOW - timedelta(minutes=1))
    client.force_login(org.admin)
    assert BANNER not in client.get("/").content.decode()


def test_administrators_see_the_banner_when_the_sweep_is_over_five_minutes_old(client, org):
    with time_machine.travel(NOW - timedelta(minutes=6), tick=False):
        sweep()
    client.force_login(org.admin)
    content = client.get("/").content.decode().replace("\xa0", " ")
    assert BANNER in content
    assert "It last checked deadlines 6 minutes ago." in content


def test_staff_see_the_banner_and_other_people_do_not(client, org):
    staff = UserFactory(username="staff", is_staff=True)
    client.force_login(staff)
    assert BANNER in client.get("/").content.decode()
    for person in (org.manager, org.owner, org.service_manager):
        client.force_login(person)
        assert BANNER not in client.get("/").content.decode()


def test_healthz_reports_when_the_sweep_last_ran(client, db):
    with time_machine.travel(NOW - timedelta(minutes=2), tick=False):
        sweep()
    body = json.loads(client.get("/healthz").content)
    assert body["sweep"]["status"] == "ok"
    assert datetime.fromisoformat(body["sweep"]["last_run"]) == NOW - timedelta(minutes=2)


# --- the team deadlines page --------------------------------------------------------------------


def rows(response) -> list[str]:
    return re.findall(r">(CT-[A-Z0-9-]+)</a>", response.content.decode())


def test_the_team_page_lists_the_live_deadlines_of_visible_teams(client, board):
    client.force_login(board.manager)
    response = client.get("/deadlines/")
    assert response.status_code == 200
    # Soonest first; met and cancelled ones and the other team's are not listed.
    assert rows(response) == ["CT-BREACHED", "CT-OVERDUE", "CT-SOON", "CT-COLLEAGUE", "CT-LATER"]
    assert "5 deadlines" in response.content.decode()


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("live", {"CT-BREACHED", "CT-OVERDUE", "CT-SOON", "CT-COLLEAGUE", "CT-LATER"}),
        ("breached", {"CT-BREACHED"}),
        ("met", {"CT-MET", "CT-LATE"}),
        ("cancelled", {"CT-CANCELLED"}),
        (
            "all",
            {
                "CT-BREACHED",
                "CT-OVERDUE",
                "CT-SOON",
                "CT-COLLEAGUE",
                "CT-LATER",
                "CT-MET",
                "CT-LATE",
                "CT-CANCELLED",
            },
        ),
    ],
)
def test_the_team_page_filters_by_status(client, board, status, expected):
    client.force_login(board.manager)
    assert set(rows(client.get("/deadlines/", {"status": status}))) == expected


def test_the_team_page_shows_status_tags_and_relative_times(client, board):
    client.force_login(board.manager)
    content = client.get("/deadlines/", {"status": "all"}).content.decode().replace("\xa0", " ")
    assert "Met late" in content
    assert "3 hours overdue" in content
    assert "in 3 days" in content


def test_the_team_page_filters_by_team_within_the_visible_ones(client, board):
    deadline("CT-SOUTH", board.sibling, due=NOW + timedelta(hours=5))
    client.force_login(board.service_manager)  # sees both Children in Need teams
    everything = set(rows(client.get("/deadlines/")))
    assert "CT-SOUTH" in everything
    assert "CT-SOON" in everything
    assert not {"CT-OTHER-LATE", "CT-OTHER-SOON"} & everything

    assert rows(client.get("/deadlines/", {"team": board.sibling.pk})) == ["CT-SOUTH"]
    north = set(rows(client.get("/deadlines/", {"team": board.team.pk})))
    assert north == {"CT-BREACHED", "CT-OVERDUE", "CT-SOON", "CT-COLLEAGUE", "CT-LATER"}


def test_asking_for_a_team_out_of_sight_shows_none_of_its_deadlines(client, board):
    client.force_login(board.manager)
    response = client.get("/deadlines/", {"team": board.other.pk})
    assert response.status_code == 200
    assert not {"CT-OTHER-LATE", "CT-OTHER-SOON"} & set(rows(response))
    assert "Select a valid choice" in response.content.decode()


def test_the_team_page_paginates_and_keeps_the_filters(client, org):
    for n in range(30):
        deadline(f"CT-P{n:02d}", org.team, due=NOW + timedelta(hours=n + 1))
    client.force_login(org.manager)

    first = client.get("/deadlines/", {"team": org.team.pk, "status": "live"})
    assert rows(first) == [f"CT-P{n:02d}" for n in range(25)]
    content = first.content.decode()
    assert "Page 1 of 2" in content
    assert f"?team={org.team.pk}&amp;status=live&amp;page=2" in content

    second = client.get("/deadlines/", {"team": org.team.pk, "status": "live", "page": 2})
    assert rows(second) == [f"CT-P{n:02d}" for n in range(25, 30)]
    assert "Page 2 of 2" in second.content.decode()


def test_the_team_page_says_when_there_is_nothing_to_show(client, org):
    lonely = TeamFactory(name="Quiet team")
    worker = UserFactory(username="quiet", roles=[Role.SOCIAL_WORKER], teams=[lonely])
    deadline("CT-ELSEWHERE", org.team, due=NOW + timedelta(hours=1))
    client.force_login(worker)
    response = client.get("/deadlines/")
    assert rows(response) == []
    assert "No deadlines to show" in response.content.decode()


def test_a_worker_sees_their_teams_deadlines_on_the_team_page(client, board):
    client.force_login(board.colleague)
    assert set(rows(client.get("/deadlines/"))) == {
        "CT-BREACHED",
        "CT-OVERDUE",
        "CT-SOON",
        "CT-COLLEAGUE",
        "CT-LATER",
    }


# --- the relative-time filter -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "text"),
    [
        (NOW + timedelta(hours=2), "in 2 hours"),
        (NOW + timedelta(hours=2, minutes=40), "in 2 hours"),
        (NOW + timedelta(days=3), "in 3 days"),
        (NOW - timedelta(hours=3), "3 hours overdue"),
        (NOW - timedelta(minutes=1), "1 minute overdue"),
        (NOW - timedelta(days=2, hours=5), "2 days overdue"),
    ],
)
def test_relative_due(due, text):
    assert relative_due(due, NOW).replace("\xa0", " ") == text


@pytest.mark.parametrize("status", ["", "all"])
def test_a_long_list_says_more_than_it_counted_and_pages_on(client, org, monkeypatch, status):
    """The service manager's live deadlines (read down the index soonest first) and any list of
    every status are counted only so far: "More than", "at least", and Next (issue 14)."""
    from cases.paging import CountedSoFar
    from deadlines.views import TeamDeadlinesView

    monkeypatch.setattr(CountedSoFar, "CAP", 3)
    monkeypatch.setattr(TeamDeadlinesView, "paginate_by", 2)
    for n in range(6):
        deadline(f"CT-P{n:02d}", org.team, due=NOW + timedelta(hours=n + 1))
    client.force_login(org.service_manager)
    query = {"status": status} if status else {}
    first = client.get("/deadlines/", query)
    assert rows(first) == ["CT-P00", "CT-P01"]
    content = first.content.decode()
    assert "More than 3 deadlines" in content
    assert "Page 1 of at least 3" in content
    last = client.get("/deadlines/", {**query, "page": 3})
    assert rows(last) == ["CT-P04", "CT-P05"]
    assert "6 deadlines" in last.content.decode()
    assert "Page 3 of 3" in last.content.decode()


def test_a_page_number_far_past_the_end_is_not_found_not_an_error(client, org):
    deadline("CT-ONE", org.team, due=NOW + timedelta(hours=1))
    client.force_login(org.service_manager)
    for page in ("99999999999999999999999", "60000"):
        assert client.get("/deadlines/", {"page": page}).status_code == 404
        assert client.get("/deadlines/", {"status": "all", "page": page}).status_code == 404
