"""Fault tests with real processes (issue 13): Celery workers and beats started as processes
against the test database and the test Redis database, sending to an SMTP sink on loopback.

- a worker killed with SIGKILL while it sends reminders: after a restart every due reminder has
  been delivered exactly once;
- two beats sweeping at once for several sweeps: each reminder once;
- the SMTP server down, then up: every reminder delivered once after it comes back.

Beat sweeps every second here (deadlines.tests.fault_settings); each test is bounded."""

from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from cases.tests.factories import CaseFactory
from deadlines.models import Deadline, EmailKind, EmailStatus, OutboxEmail

from .factories import DeadlineFactory
from .processes import Processes, Sink, database_url, free_port, wait_until

pytestmark = [
    pytest.mark.fault,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]


def reminders_due(org, n) -> list[str]:
    """`n` deadlines whose reminder is due now, each on its own case; their references."""
    now = timezone.now()
    references = []
    for _ in range(n):
        case = CaseFactory(current_team=org.team)
        DeadlineFactory(
            case=case,
            owner=org.owner,
            owner_team=org.team,
            anchor_at=now - timedelta(days=1),
            due_at=now + timedelta(days=1),
            remind_at=now - timedelta(minutes=1),
        )
        references.append(case.reference)
    return references


def reminders_sent() -> int:
    return OutboxEmail.objects.filter(kind=EmailKind.REMINDER, status=EmailStatus.SENT).count()


def reminder_subjects(sink: Sink) -> list[str]:
    # Only the reminders: on a Monday morning the weekly digest goes to the sink too.
    return [subject for subject in sink.subjects if "] Reminder: " in subject]


def delivered_once(sink: Sink, references: list[str]) -> dict[str, int]:
    """How many times each case's reminder reached the SMTP server."""
    counts = dict.fromkeys(references, 0)
    for subject in sink.subjects:
        for reference in references:
            if f"[{reference}]" in subject:
                counts[reference] += 1
    return counts


@pytest.fixture
def stack(settings, tmp_path):
    """Processes wired to the test database, the test Redis database and an SMTP port."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    port = free_port()
    processes = Processes(
        tmp_path,
        DJANGO_SETTINGS_MODULE="deadlines.tests.fault_settings",
        DATABASE_URL=database_url(),
        REDIS_URL=settings.REDIS_URL,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_TIMEOUT=5,
        OUTBOX_LEASE_SECONDS=4,
        OUTBOX_BACKOFF_SECONDS=1,
        OUTBOX_BACKOFF_MAX_SECONDS=2,
        OUTBOX_REDISPATCH_SECONDS=3,
        LOG_LEVEL="INFO",
    )
    processes.port = port
    try:
        yield processes
    finally:
        processes.stop_all()
        assert processes.left_behind() == []
        client.flushdb()
        client.close()


def test_a_worker_killed_mid_send_sends_every_reminder_exactly_once_after_restart(org, stack):
    references = reminders_due(org, 20)
    sink = Sink(stack.port, delay=0.3).start()  # slow: the worker is caught mid-send
    try:
        worker = stack.worker("worker-a")
        stack.beat()
        wait_until(lambda: len(reminder_subjects(sink)) >= 3, timeout=60, what="the first sends")
        stack.signal(worker, 9)  # SIGKILL, to the worker and its pool
        worker.wait(10)
        in_flight = OutboxEmail.objects.filter(status=EmailStatus.SENDING).count()
        stack.worker("worker-b")
        wait_until(lambda: reminders_sent() == 20, timeout=90, what="every reminder sent")
        wait_until(lambda: len(reminder_subjects(sink)) >= 20, timeout=15, what="every delivery")
    finally:
        sink.stop()
    assert in_flight >= 1  # the kill did land while sends were in flight
    assert delivered_once(sink, references) == dict.fromkeys(references, 1)
    assert len(reminder_subjects(sink)) == 20
    assert not Deadline.objects.filter(reminded_at__isnull=True).exists()


def test_two_beats_at_once_send_each_reminder_once(org, stack):
    references = reminders_due(org, 10)
    sink = Sink(stack.port).start()
    try:
        stack.worker()
        first, second = stack.beat("beat-1"), stack.beat("beat-2")
        wait_until(lambda: reminders_sent() == 10, timeout=60, what="every reminder sent")
        # A few more sweeps from both, after everything is sent.
        wait_until(
            lambda: all(
                stack.log(beat).count("Sending due task sweep-deadlines") >= 5
                for beat in (first, second)
            ),
            timeout=30,
            what="five sweeps from each beat",
        )
    finally:
        sink.stop()
    assert delivered_once(sink, references) == dict.fromkeys(references, 1)
    assert len(reminder_subjects(sink)) == 10


def test_the_smtp_server_down_then_up_delivers_every_reminder_once(org, stack):
    references = reminders_due(org, 10)
    stack.worker()
    stack.beat()
    # Nothing listens on the port: every reminder fails and waits to be tried again.
    wait_until(
        lambda: OutboxEmail.objects.filter(kind=EmailKind.REMINDER, attempts__gte=2).count() == 10,
        timeout=60,
        what="every reminder to have failed twice",
    )
    assert reminders_sent() == 0
    sink = Sink(stack.port).start()
    try:
        wait_until(lambda: reminders_sent() == 10, timeout=60, what="every reminder sent")
        wait_until(lambda: len(reminder_subjects(sink)) >= 10, timeout=15, what="every delivery")
    finally:
        sink.stop()
    assert delivered_once(sink, references) == dict.fromkeys(references, 1)
    assert len(reminder_subjects(sink)) == 10
