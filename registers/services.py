"""Writing the weekly snapshot, and auditing each export of a list."""

import logging
from dataclasses import asdict
from datetime import UTC, datetime, time

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_record
from deadlines.calendar import LONDON
from deadlines.emails import notice_email, outbox_enqueue
from people.models import User
from people.roles import Role

from .models import SnapshotRow, WeeklySnapshot
from .selectors import RegisterRow, Week, register_rows, weekly_transfers

logger = logging.getLogger(__name__)

# Monday from 08:00 London, as the weekly digest (deadlines.sweep.digest_week).
SNAPSHOT_FROM = time(8, 0)


def snapshot_week_due(now: datetime) -> Week | None:
    """The week whose snapshot may be taken at `now`: Monday from 08:00 London until midnight.
    A snapshot taken later in the week would freeze a list the week had already changed."""
    local = now.astimezone(LONDON)
    if local.weekday() != 0 or local.time() < SNAPSHOT_FROM:
        return None
    return Week.containing(now)


def senior_administrators():
    return (
        User.objects.filter(groups__name=Role.SENIOR_ADMINISTRATOR, is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def _frozen(row: RegisterRow) -> dict:
    """A live row's values as a snapshot row keeps them (a live week has no outcome yet)."""
    return {name: value for name, value in asdict(row).items() if name != "outcome"}


def weekly_snapshot_take(now: datetime | None = None) -> WeeklySnapshot | None:
    """Seed 004, 'case transfer list is updated weekly': on Monday from 08:00 London, freeze the
    new week's list (every transfer open in it, whatever the reader's teams) and tell every
    active senior administrator it is ready, with a link and no names.

    Idempotent: keyed by ISO week (a unique row), so a run every 15 minutes, two beats at once,
    or a beat that was down at 08:00 takes it exactly once; emails are keyed per week and
    recipient. Returns the snapshot taken, or None when there was nothing to do."""
    now = (now or timezone.now()).astimezone(UTC)
    week = snapshot_week_due(now)
    if week is None or WeeklySnapshot.objects.filter(week=week.key).exists():
        return None
    try:
        with transaction.atomic():
            snapshot = WeeklySnapshot.objects.create(
                week=week.key, starts_on=week.monday, taken_at=now
            )
            rows = [
                SnapshotRow(snapshot=snapshot, **_frozen(row))
                for row in register_rows(weekly_transfers(user=None, week=week))
            ]
            SnapshotRow.objects.bulk_create(rows, batch_size=500)
            snapshot.row_count = len(rows)
            snapshot.save(update_fields=["row_count"])
            audit_record(
                actor=None,
                action="register.snapshot",
                subject=snapshot,
                note=f"Weekly list {week.key} frozen: {len(rows)} transfers",
            )
            _tell_senior_administrators(snapshot, week)
    except IntegrityError:
        return None  # another run froze this week first
    logger.info("weekly transfer list %s frozen: %s rows", week.key, snapshot.row_count)
    return snapshot


def _tell_senior_administrators(snapshot: WeeklySnapshot, week: Week) -> None:
    link = f"{reverse('registers:weekly')}?week={week.key}"
    for admin in senior_administrators():
        outbox_enqueue(
            notice_email(
                key=f"register:{week.key}:{admin.pk}",
                recipient=admin,
                subject=f"Weekly case transfer list {week.key} is ready",
                heading=f"The weekly case transfer list is ready ({week.label})",
                lines=[
                    f"This week's list has {snapshot.row_count} open "
                    f"transfer{'s' if snapshot.row_count != 1 else ''}.",
                    "Open it to check it, print it or download it.",
                ],
                link=link,
            )
        )


def register_export_record(*, user: User, note: str) -> None:
    """An export of a list is an export of children's personal data: audited, with who, when,
    which list, the format, how many rows and the filters (never a searched name)."""
    with transaction.atomic():
        audit_record(actor=user, action="register.export", subject=user, note=note)
