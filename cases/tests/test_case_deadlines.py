"""A case's deadlines: the case page shows the live ones and the latest met or cancelled, and
links to every one of them, a page at a time (a case with years of history has hundreds)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from deadlines.models import DeadlineStatus, Kind
from deadlines.selectors import FINISHED_ON_CASE_PAGE, case_page_deadlines
from deadlines.tests.factories import DeadlineFactory
from transfers.tests.conftest import world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def deadlines_url(case) -> str:
    return reverse("cases:deadlines", args=[case.reference])


def add_history(case, count: int) -> list:
    """`count` met deadlines a week apart, the oldest first, then one cancelled."""
    rows = [
        DeadlineFactory(
            case=case,
            kind=Kind.JOINT_VISIT,
            anchor_at=START + timedelta(weeks=n),
            due_at=START + timedelta(weeks=n, days=3),
            status=DeadlineStatus.MET,
            met_at=START + timedelta(weeks=n, days=1),
        )
        for n in range(count)
    ]
    rows.append(
        DeadlineFactory(
            case=case,
            anchor_at=START + timedelta(weeks=count),
            due_at=START + timedelta(weeks=count, days=3),
            status=DeadlineStatus.CANCELLED,
            cancelled_at=START + timedelta(weeks=count),
        )
    )
    return rows


def test_the_case_page_selector_keeps_every_live_deadline_and_the_latest_finished(world):  # noqa: F811
    history = add_history(world.case, 30)
    soon = DeadlineFactory(case=world.case, due_at=datetime(2030, 1, 1, tzinfo=UTC))
    sooner = DeadlineFactory(
        case=world.case, due_at=datetime(2029, 1, 1, tzinfo=UTC), status=DeadlineStatus.BREACHED
    )
    shown = case_page_deadlines(world.case)
    assert shown.live == [sooner, soon]
    # The newest due first: the cancelled one, then the latest met.
    assert shown.finished == history[::-1][:FINISHED_ON_CASE_PAGE]
    assert shown.finished_total == 31 and shown.total == 33 and shown.more


def test_the_case_page_links_to_the_rest_only_when_some_are_not_shown(client, world):  # noqa: F811
    client.force_login(world.ffp)
    add_history(world.case, 2)  # three finished: all on the case page
    content = client.get(world.case.get_absolute_url()).content.decode()
    assert "Latest met or cancelled" in content
    assert deadlines_url(world.case) not in content

    add_history(world.case, 10)
    content = client.get(world.case.get_absolute_url()).content.decode()
    assert "No deadline is running on this case." in content
    link = f'href="{deadlines_url(world.case)}">See every deadline on this case (14)</a>'
    assert link in content


def test_the_deadlines_page_lists_every_one_latest_first_25_a_page(client, world):  # noqa: F811
    history = add_history(world.case, 29)  # 30 in all
    client.force_login(world.ffp)
    first = client.get(deadlines_url(world.case)).content.decode()
    assert "30 deadlines" in first and "Times are London time" in first
    assert first.count('<tr class="govuk-table__row">') == 1 + 25  # the header row and 25
    assert "Cancelled" in first  # the latest due, first
    newest_met = history[-2].due_at.astimezone(UTC)
    assert f"{newest_met:%a} {newest_met.day} {newest_met:%b %Y}" in first
    second = client.get(deadlines_url(world.case) + "?page=2").content.decode()
    assert second.count('<tr class="govuk-table__row">') == 1 + 5
    assert re.search(r'aria-label="Page 2 of 2"', second)
    assert client.get(deadlines_url(world.case) + "?page=3").status_code == 404


def test_reading_the_deadlines_is_audited_and_an_empty_case_says_so(client, world):  # noqa: F811
    client.force_login(world.ffp)
    content = client.get(deadlines_url(world.case)).content.decode()
    assert "This case has had no deadline yet." in content
    read = AuditEvent.objects.get(action="case.view", actor=world.ffp)
    assert read.subject == world.case and read.note == f"Deadlines of case {world.case.reference}"


def test_another_teams_worker_gets_not_found(client, world):  # noqa: F811
    add_history(world.case, 1)
    client.force_login(world.outsider)
    assert client.get(deadlines_url(world.case)).status_code == 404
    assert not AuditEvent.objects.filter(action="case.view", actor=world.outsider).exists()
