from datetime import UTC, datetime

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from audit.models import AuditEvent
from deadlines.models import OutboxEmail
from people.roles import Role
from people.tests.factories import UserFactory
from registers.models import SnapshotRow, WeeklySnapshot
from registers.services import weekly_snapshot_take
from registers.tasks import take_weekly_snapshot
from transfers.models import Transfer, TransferStage

from .conftest import make_transfer

pytestmark = pytest.mark.django_db
# Monday 23 November 2026 (week 2026-W48), London is on GMT: 08:00 London is 08:00 UTC.
MONDAY_0800 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "at",
    [
        datetime(2026, 11, 23, 7, 59, tzinfo=UTC),  # Monday, before 08:00
        datetime(2026, 11, 22, 12, 0, tzinfo=UTC),  # Sunday
        datetime(2026, 11, 24, 9, 0, tzinfo=UTC),  # Tuesday
    ],
)
def test_no_snapshot_outside_monday_from_eight(world, at):
    make_transfer(case=world.north_case)
    with time_machine.travel(at, tick=False):
        assert take_weekly_snapshot() is None
    assert not WeeklySnapshot.objects.exists()


def test_eight_oclock_is_london_time_in_summer():
    # Monday 6 July 2026 (BST): 07:30 UTC is 08:30 in London.
    assert weekly_snapshot_take(datetime(2026, 7, 6, 7, 30, tzinfo=UTC)).week == "2026-W28"


def test_taken_once_a_week_on_monday_from_eight(world):
    transfer = make_transfer(case=world.north_case, to_team=world.cic)
    with time_machine.travel(MONDAY_0800, tick=False):
        pk = take_weekly_snapshot()
    snapshot = WeeklySnapshot.objects.get()
    assert snapshot.pk == pk and snapshot.week == "2026-W48" and snapshot.row_count == 1
    row = SnapshotRow.objects.get()
    assert (row.transfer, row.child_name, row.state_label, row.deputy_team_managers) == (
        transfer,
        "Amy Ashby",
        "Proposed to the receiving team",
        "Dee Deputy",
    )
    with time_machine.travel(datetime(2026, 11, 23, 15, 0, tzinfo=UTC), tick=False):
        assert take_weekly_snapshot() is None
    assert WeeklySnapshot.objects.count() == 1 and SnapshotRow.objects.count() == 1
    assert AuditEvent.objects.filter(action="register.snapshot").count() == 1


def test_the_senior_administrators_are_told_with_a_link_and_no_names(world):
    left = UserFactory(roles=[Role.SENIOR_ADMINISTRATOR])
    left.is_active = False
    left.save()
    make_transfer(case=world.north_case)
    weekly_snapshot_take(MONDAY_0800)
    weekly_snapshot_take(MONDAY_0800)
    email = OutboxEmail.objects.get()  # one, to the active senior administrator only
    assert email.recipient == world.senior_admin
    assert email.dedupe_key == f"register:2026-W48:{world.senior_admin.pk}"
    link = f"{settings.SITE_URL}{reverse('registers:weekly')}?week=2026-W48"
    assert link in email.body_text and link in email.body_html
    for text in (email.subject, email.body_text, email.body_html):
        assert "Amy" not in text and "Ashby" not in text and "ICS100" not in text


def test_the_task_is_on_the_beat_schedule_every_fifteen_minutes():
    entries = {e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert entries["registers.tasks.take_weekly_snapshot"] == 15 * 60


def test_a_past_week_reopens_as_it_was_frozen_scoped_to_today(client, world):
    frozen = make_transfer(case=world.north_case, to_team=world.cic)
    make_transfer(case=world.south_case)
    weekly_snapshot_take(MONDAY_0800)
    # Since Monday the transfer moved on and the child's record changed.
    Transfer.objects.filter(pk=frozen.pk).update(
        stage=TransferStage.WITHDRAWN, status="withdrawn", closed_at=MONDAY_0800
    )
    world.north_case.__class__.objects.filter(pk=world.north_case.pk).update(last_name="Changed")
    with time_machine.travel(datetime(2026, 12, 2, 12, 0, tzinfo=UTC), tick=False):
        client.force_login(world.senior_admin)
        response = client.get(reverse("registers:weekly"), {"week": "2026-W48"})
        content = response.content.decode()
        assert "This is the frozen list as of Monday 23 November 2026 at 08:00" in content
        assert "Amy Ashby" in content and "Changed" not in content
        assert "Proposed to the receiving team" in content and "Ben Brook" in content
        # Scope is today's: the north team manager sees only their team's row.
        client.force_login(world.north_tm)
        content = client.get(reverse("registers:weekly"), {"week": "2026-W48"}).content.decode()
        assert "Amy Ashby" in content and "Ben Brook" not in content
        # A past week with no snapshot is worked out from today's records, and says so.
        content = client.get(reverse("registers:weekly"), {"week": "2026-W47"}).content.decode()
        assert "No list was frozen for this week" in content and "Changed" in content
