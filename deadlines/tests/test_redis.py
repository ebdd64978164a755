"""The database is the schedule: a Redis broker that loses its queue loses no email.

Sends are queued on the real Redis broker (Celery not eager for that part); Redis is then
flushed, as a restart without persistence would; the next sweep, eager again, finds the pending
rows in the database and sends each email exactly once."""

from datetime import timedelta

import pytest
import redis
import time_machine
from django.core import mail

from casetransfer.celery import app
from deadlines.models import EmailKind, EmailStatus, OutboxEmail
from deadlines.rules import Kind
from deadlines.sweep import sweep

from .factories import london, sent_to, start_deadline

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ANCHOR = london(2026, 11, 25, 10, 0)  # Wednesday
REMIND = london(2026, 12, 1, 17, 0)  # Tuesday
DUE = london(2026, 12, 2, 17, 0)
QUEUE = "celery"  # Celery's default queue: a Redis list


@pytest.fixture
def broker(settings):
    """The Celery app publishing to the real Redis broker instead of running tasks eagerly.

    Only the database in REDIS_URL is emptied (FLUSHDB), never the server's other databases."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    settings.CELERY_BROKER_URL = settings.REDIS_URL
    saved = {
        "broker_url": app.conf.broker_url,
        "broker_transport_options": app.conf.broker_transport_options,
        "task_always_eager": app.conf.task_always_eager,
    }
    app.conf.broker_url = settings.REDIS_URL
    app.conf.broker_transport_options = {}
    app.conf.task_always_eager = False
    try:
        yield client
    finally:
        app.conf.update(saved)
        client.flushdb()
        client.close()


def sweep_with_broker_at(at):
    """A sweep whose sends go to Redis, as in production."""
    app.conf.task_always_eager = False
    with time_machine.travel(at, tick=False):
        return sweep(at)


def eager_sweep_at(at):
    app.conf.task_always_eager = True
    with time_machine.travel(at, tick=False):
        return sweep(at)


def test_a_flushed_broker_loses_no_reminder_and_no_breach_alert(org, broker):
    assert app.conf.broker_url.startswith("redis://")
    with time_machine.travel(ANCHOR, tick=False):
        start_deadline(Kind.JOINT_VISIT, ANCHOR, case=org.case, owner=org.owner)

    counts = sweep_with_broker_at(REMIND)

    assert counts["reminders"] == 1
    reminder = OutboxEmail.objects.get(kind=EmailKind.REMINDER)
    assert reminder.status == EmailStatus.PENDING
    assert broker.llen(QUEUE) >= 1  # the send is on the broker, not done
    assert mail.outbox == []

    broker.flushdb()
    assert broker.llen(QUEUE) == 0

    eager_sweep_at(REMIND + timedelta(minutes=1))
    eager_sweep_at(REMIND + timedelta(minutes=2))

    assert sent_to(mail.outbox) == [org.owner.email]
    assert OutboxEmail.objects.get(pk=reminder.pk).status == EmailStatus.SENT

    # The same at the due time: the breach is recorded, its alerts queued, the queue lost.
    counts = sweep_with_broker_at(DUE)
    assert counts["breaches"] == 1
    assert counts["dispatched"] == 2
    assert broker.llen(QUEUE) >= 1  # both alerts' sends, one batch, on the broker
    broker.flushdb()

    eager_sweep_at(DUE + timedelta(minutes=1))
    eager_sweep_at(DUE + timedelta(minutes=2))

    breach = OutboxEmail.objects.filter(kind=EmailKind.BREACH)
    assert set(breach.values_list("status", flat=True)) == {EmailStatus.SENT}
    assert sent_to(mail.outbox[1:]) == sorted([org.owner.email, org.manager.email])
    assert len(mail.outbox) == 3


def test_no_test_empties_the_whole_redis_server():
    """FLUSHALL empties every database of the server, a developer's own included: tests empty
    only the database in REDIS_URL (FLUSHDB)."""
    from pathlib import Path

    from django.conf import settings

    needle = "flush" + "all("  # split, so this file does not match itself
    offenders = [
        str(path.relative_to(settings.BASE_DIR))
        for path in Path(settings.BASE_DIR).glob("*/tests/**/*.py")
        if needle in path.read_text().lower()
    ]
    assert offenders == []
