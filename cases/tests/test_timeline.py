"""The case's timeline: the latest events on the case page, every event on its own paginated
page, newest first, in people's words, for those who may see the case, at a constant cost."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from audit.models import AuditEvent
from audit.services import audit_record
from transfers.models import TransferStatus
from transfers.tests.conftest import walk_step_up, world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def timeline_url(case) -> str:
    return reverse("cases:timeline", args=[case.reference])


def add_events(case, by, count: int, start=START) -> None:
    """`count` changes to the case, an hour apart, noted "Change 1" (oldest) to "Change n"."""
    for n in range(1, count + 1):
        with time_machine.travel(start + timedelta(hours=n), tick=False):
            audit_record(
                actor=by, action="case.update", subject=case, case=case, note=f"Change {n}"
            )


def timeline_of(content: str) -> str:
    start = content.index('<ol class="app-timeline">')
    return content[start : content.index("</ol>", start)]


def notes_shown(content: str) -> list[int]:
    return [int(n) for n in re.findall(r"Change (\d+)<", timeline_of(content))]


def test_the_case_page_shows_the_ten_latest_newest_first_and_links_to_the_rest(client, world):  # noqa: F811
    add_events(world.case, world.ffp, 12)
    client.force_login(world.ffp)
    content = client.get(world.case.get_absolute_url()).content.decode()
    assert notes_shown(content) == list(range(12, 2, -1))
    link = f'href="{timeline_url(world.case)}">See the full timeline (12 events)</a>'
    assert link in content


def test_the_timeline_page_lists_every_event_newest_first_25_a_page(client, world):  # noqa: F811
    add_events(world.case, world.ffp, 30)
    client.force_login(world.ffp)
    first = client.get(timeline_url(world.case))
    content = first.content.decode()
    assert first.status_code == 200
    assert f"<title>Timeline: case {world.case.reference}" in content
    assert notes_shown(content) == list(range(30, 5, -1))
    assert 'class="govuk-pagination"' in content
    assert 'href="?page=2" rel="next"' in content
    assert "30 events" in content

    second = client.get(timeline_url(world.case) + "?page=2").content.decode()
    assert notes_shown(second) == [5, 4, 3, 2, 1]
    assert 'href="?page=1" rel="prev"' in second
    assert f"<title>Timeline: case {world.case.reference} (page 2 of 2)" in second
    assert client.get(timeline_url(world.case) + "?page=3").status_code == 404


def test_each_event_says_when_in_london_time_who_and_what_happened_in_words(client, world):  # noqa: F811
    summer = datetime(2026, 7, 1, 11, 30, tzinfo=UTC)  # 12:30 in London (BST)
    with time_machine.travel(summer, tick=False):
        transfer = walk_step_up(world, TransferStatus.PICKED_UP)
    client.force_login(world.ffp)
    timeline = timeline_of(client.get(timeline_url(world.case)).content.decode())
    assert "1 July 2026, 12:30" in timeline
    assert "Transfer: Picked up by Social Care" in timeline
    assert "Sent to Social Care → Picked up by Social Care" in timeline
    assert "Transfer: Escalation discussion opened" in timeline
    assert escape(transfer.picked_up_by) in timeline
    # Words, never the codes or field names behind them.
    for code in ("transfer.", "with_duty", "picked_up", "step_up", "_at", "deadline."):
        assert code not in timeline, code


def test_the_newest_event_comes_first_across_the_case_and_its_transfer(client, world):  # noqa: F811
    with time_machine.travel(START, tick=False):
        walk_step_up(world, TransferStatus.AWAITING_EH_DECISION)
    add_events(world.case, world.ffp, 1, start=START + timedelta(days=1))
    client.force_login(world.ffp)
    timeline = timeline_of(client.get(timeline_url(world.case)).content.decode())
    times = re.findall(r'datetime="([^"]+)"', timeline)
    assert times == sorted(times, reverse=True)
    assert timeline.index("Change 1") < timeline.index("Sent to the Early Help team manager")


def test_events_of_the_cases_transfer_recorded_without_the_case_are_included(client, world):  # noqa: F811
    transfer = walk_step_up(world, TransferStatus.AWAITING_EH_DECISION)
    audit_record(actor=world.eh_tm, action="transfer.note", subject=transfer, note="Unlinked")
    client.force_login(world.ffp)
    content = client.get(timeline_url(world.case)).content.decode()
    assert "Unlinked" in timeline_of(content)


def test_reading_the_timeline_is_audited_and_not_on_the_timeline(client, world):  # noqa: F811
    client.force_login(world.ffp)
    content = client.get(timeline_url(world.case)).content.decode()
    read = AuditEvent.objects.get(action="case.view", actor=world.ffp)
    assert read.subject == world.case and "Timeline" in read.note
    assert "Nothing recorded yet" in content


def test_another_teams_worker_gets_not_found(client, world):  # noqa: F811
    add_events(world.case, world.ffp, 2)
    client.force_login(world.outsider)
    response = client.get(timeline_url(world.case))
    assert response.status_code == 404
    assert b"Change 1" not in response.content
    assert not AuditEvent.objects.filter(action="case.view", actor=world.outsider).exists()


def test_signing_in_is_needed(client, world):  # noqa: F811
    response = client.get(timeline_url(world.case))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def _queries(client, url: str) -> int:
    client.get(url)  # once to fill the session and caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["case page", "timeline"])
def test_the_cost_is_constant_at_two_sizes(client, world, django_assert_max_num_queries, page):  # noqa: F811
    client.force_login(world.ffp)
    url = world.case.get_absolute_url() if page == "case page" else timeline_url(world.case)
    transfer = walk_step_up(world, TransferStatus.PICKED_UP)
    small = _queries(client, url)

    # Many more events, of the case and of its transfer, several pages of them.
    add_events(world.case, world.ffp, 60, start=START + timedelta(days=10))
    for n in range(20):
        audit_record(actor=world.ffp, action="transfer.note", subject=transfer, note=f"Note {n}")
    client.get(url)
    with django_assert_max_num_queries(small):
        response = client.get(url + ("?page=2" if page == "timeline" else ""))
    assert response.status_code == 200
    assert len(re.findall("app-timeline__item", response.content.decode())) >= 10
