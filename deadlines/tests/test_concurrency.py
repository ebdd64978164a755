"""Two sweeps, or two workers, at the same moment on PostgreSQL: every email goes once.

These need real row locks (SELECT ... FOR UPDATE SKIP LOCKED) and real transactions, so they run
on PostgreSQL only, with committed data (transaction=True) and one connection per thread."""

import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection, transaction

from audit.fsm import apply_transition
from audit.models import AuditEvent
from cases.tests.factories import CaseFactory
from deadlines.emails import notice_email
from deadlines.models import Deadline, DeadlineStatus, EmailKind, EmailStatus, OutboxEmail
from deadlines.rules import Kind
from deadlines.services import deadline_meet
from deadlines.sweep import outbox_send, sweep

from .backends import SLOW
from .factories import london, sent_to, start_deadline

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ANCHOR = london(2026, 11, 25, 10, 0)  # Wednesday
REMIND = london(2026, 12, 1, 17, 0)  # Tuesday
DUE = london(2026, 12, 2, 17, 0)
DEADLINES = 5


def in_parallel(*calls):
    """Run the calls in threads released together by a barrier; return their results."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)
    errors = []

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    return results


def sweeps_at(at, count=2):
    with time_machine.travel(at, tick=False):
        return in_parallel(*[lambda: sweep(at)] * count)


@pytest.fixture
def slow_mail(settings):
    settings.EMAIL_BACKEND = SLOW


@pytest.fixture
def deadlines(org):
    cases = [org.case] + [CaseFactory(current_team=org.team) for _ in range(DEADLINES - 1)]
    with time_machine.travel(ANCHOR, tick=False):
        return [
            start_deadline(Kind.JOINT_VISIT, ANCHOR, case=case, owner=org.owner) for case in cases
        ]


def test_two_sweeps_at_once_send_each_reminder_and_alert_once(org, deadlines, slow_mail):
    assert connection.vendor == "postgresql"

    results = sweeps_at(REMIND)

    assert sum(r["reminders"] for r in results) == DEADLINES
    assert len(mail.outbox) == DEADLINES
    assert len({m.subject for m in mail.outbox}) == DEADLINES
    assert sent_to(mail.outbox) == [org.owner.email] * DEADLINES
    reminders = OutboxEmail.objects.filter(kind=EmailKind.REMINDER)
    assert reminders.count() == DEADLINES
    assert set(reminders.values_list("status", flat=True)) == {EmailStatus.SENT}
    assert set(reminders.values_list("attempts", flat=True)) == {1}

    mail.outbox.clear()
    results = sweeps_at(DUE)

    assert sum(r["breaches"] for r in results) == DEADLINES
    assert len(mail.outbox) == 2 * DEADLINES  # owner and manager, once each
    assert OutboxEmail.objects.filter(kind=EmailKind.BREACH, status=EmailStatus.SENT).count() == (
        2 * DEADLINES
    )
    assert set(Deadline.objects.values_list("status", flat=True)) == {DeadlineStatus.BREACHED}
    breaches = AuditEvent.objects.filter(
        action="deadline.breach", subject_type=ContentType.objects.get_for_model(Deadline)
    )
    assert breaches.count() == DEADLINES


def test_two_sweeps_at_once_on_monday_send_one_digest_per_manager(org, slow_mail):
    results = sweeps_at(london(2026, 11, 30, 8, 0))
    assert sorted(r["digests"] for r in results) == [0, 2]
    assert sent_to(mail.outbox) == sorted([org.manager.email, org.other_manager.email])
    assert OutboxEmail.objects.filter(kind=EmailKind.DIGEST).count() == 2


def pending_notice(org, key, at) -> OutboxEmail:
    """A committed pending row, written directly: outbox_enqueue would send it at once here."""
    email = notice_email(
        key=key, recipient=org.owner, subject=f"Notice {key}", heading="Notice", lines=[], link="/"
    )
    email.next_attempt_at = at
    email.save()
    return email


def test_two_workers_sending_the_same_row_at_once_send_it_once(org, slow_mail):
    t0 = london(2026, 11, 25, 10, 0)
    for round_ in range(5):
        email = pending_notice(org, f"n{round_}", t0)
        with time_machine.travel(t0, tick=False):
            results = in_parallel(
                lambda pk=email.pk: outbox_send(email_id=pk, now=t0),
                lambda pk=email.pk: outbox_send(email_id=pk, now=t0),
            )
        assert sorted(results) == ["sent", "skipped"]
        row = OutboxEmail.objects.get(pk=email.pk)
        assert (row.status, row.attempts) == (EmailStatus.SENT, 1)
    assert [m.subject for m in mail.outbox] == [f"Notice n{n}" for n in range(5)]


def test_a_row_left_sending_is_reclaimed_and_sent_once_by_two_sweeps_at_once(org, slow_mail):
    t0 = london(2026, 11, 25, 10, 0)
    email = pending_notice(org, "stuck", t0)
    OutboxEmail.objects.filter(pk=email.pk).update(
        status=EmailStatus.SENDING, attempts=1, lease_until=t0 + timedelta(minutes=5)
    )
    results = sweeps_at(t0 + timedelta(minutes=6))
    assert sum(r["reclaimed"] for r in results) == 1
    assert [m.subject for m in mail.outbox] == ["Notice stuck"]
    row = OutboxEmail.objects.get(pk=email.pk)
    assert (row.status, row.attempts) == (EmailStatus.SENT, 2)


def test_meeting_a_deadline_while_a_worker_claims_its_reminder_does_not_fail(org):
    """The worker holds the reminder row (claiming it) when the owner marks the deadline met:
    the meet waits for the claim, then leaves the email being sent alone, and succeeds."""
    with time_machine.travel(ANCHOR, tick=False):
        deadline = start_deadline(Kind.JOINT_VISIT, ANCHOR, case=org.case, owner=org.owner)
    email = notice_email(
        key="reminder:racing", recipient=org.owner, subject="x", heading="x", lines=[], link="/"
    )
    email.deadline = deadline
    email.next_attempt_at = REMIND
    email.save()
    claimed = threading.Event()

    def worker():
        with transaction.atomic():
            row = OutboxEmail.objects.select_for_update().get(pk=email.pk)
            apply_transition(row, "claim", lease_until=REMIND + timedelta(minutes=5))
            claimed.set()
            time.sleep(0.5)  # the owner's request arrives now
        return row.status

    def owner():
        assert claimed.wait(timeout=10)
        return [d.status for d in deadline_meet(subject=org.case, kind=Kind.JOINT_VISIT)]

    results = in_parallel(worker, owner)

    assert results == [EmailStatus.SENDING, [DeadlineStatus.MET]]
    assert Deadline.objects.get(pk=deadline.pk).status == DeadlineStatus.MET
    assert OutboxEmail.objects.get(pk=email.pk).status == EmailStatus.SENDING
