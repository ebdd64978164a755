"""The outbox: retries with backoff, failure alerts, requeue, leases, and never twice."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.mail import get_connection

from audit.fsm import apply_transition
from audit.models import AuditEvent
from deadlines.emails import notice_email, outbox_enqueue
from deadlines.models import EmailKind, EmailStatus, OutboxEmail
from deadlines.sweep import backoff, outbox_requeue, outbox_send, sweep
from deadlines.tasks import send_outbox_email
from people.roles import Role
from people.tests.factories import UserFactory

from .backends import REFUSING
from .factories import london

pytestmark = pytest.mark.django_db

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
T0 = london(2026, 11, 25, 10, 0)  # a Wednesday: no digest
SECOND = timedelta(seconds=1)


def run_sweep(at):
    with time_machine.travel(at, tick=False):
        return sweep()


def enqueue(recipient, key="notice:1", at=T0) -> OutboxEmail:
    with time_machine.travel(at, tick=False):
        email, created = outbox_enqueue(
            notice_email(
                key=key,
                recipient=recipient,
                subject="A transfer needs your decision",
                heading="A transfer needs your decision",
                lines=["Case CT0000001 is waiting."],
                link="/cases/",
            )
        )
    assert created
    return email


def fresh(email) -> OutboxEmail:
    return OutboxEmail.objects.get(pk=email.pk)


def failure_alerts():
    return OutboxEmail.objects.filter(kind=EmailKind.FAILURE_ALERT)


def audited(email, action):
    return AuditEvent.objects.filter(
        action=action,
        subject_type=ContentType.objects.get_for_model(OutboxEmail),
        subject_id=str(email.pk),
    )


def test_failed_sends_retry_with_backoff_then_fail_and_alert_the_administrators(org, settings):
    settings.EMAIL_BACKEND = REFUSING
    settings.OUTBOX_RETRY_HOURS = 0  # a notice that no longer matters once written
    assert settings.OUTBOX_MAX_ATTEMPTS == 6
    assert settings.OUTBOX_ALERT_AFTER_ATTEMPTS == 3
    root = UserFactory(username="root", is_superuser=True)
    UserFactory(username="gone", roles=[Role.SYSTEM_ADMINISTRATOR], is_active=False)
    email = enqueue(org.owner)

    at = T0
    for attempt, minutes in enumerate([1, 2, 4, 8, 15], start=1):
        run_sweep(at)
        row = fresh(email)
        assert row.status == EmailStatus.PENDING
        assert row.attempts == attempt
        assert row.next_attempt_at == at + timedelta(minutes=minutes)
        assert "ConnectionRefusedError" in row.last_error
        run_sweep(row.next_attempt_at - SECOND)  # not yet: no attempt
        assert fresh(email).attempts == attempt
        # Administrators hear while it is still being retried, from the third failure.
        assert failure_alerts().exists() == (attempt >= 3)
        at = row.next_attempt_at
    failing = failure_alerts().filter(subject__startswith="An email is failing")
    assert sorted(a.recipient.username for a in failing) == ["root", "sysadmin"]

    run_sweep(at)

    row = fresh(email)
    assert row.status == EmailStatus.FAILED
    assert row.attempts == 6
    assert mail.outbox == []
    assert audited(row, "outboxemail.give_up").count() == 1
    assert audited(row, "outboxemail.retry_later").count() == 5
    # System administrators and superusers hear of it; nobody else, nobody inactive.
    final = failure_alerts().filter(subject__startswith="An email could not be sent")
    assert sorted(a.recipient.username for a in final) == ["root", "sysadmin"]
    alert = final.get(recipient=org.admin)
    assert f"outbox {email.pk}" in alert.subject
    assert f"/admin/deadlines/outboxemail/{email.pk}/change/" in alert.body_text
    assert root.email in final.values_list("to_email", flat=True)


def test_the_backoff_doubles_from_one_minute_up_to_fifteen(settings):
    settings.OUTBOX_BACKOFF_SECONDS = 60
    assert settings.OUTBOX_BACKOFF_MAX_SECONDS == 900
    assert [backoff(n).total_seconds() / 60 for n in range(1, 8)] == [1, 2, 4, 8, 15, 15, 15]
    assert backoff(3000) == timedelta(minutes=15)


def test_a_failure_alert_that_fails_raises_no_further_alert(org, settings):
    settings.EMAIL_BACKEND = REFUSING
    settings.OUTBOX_MAX_ATTEMPTS = 2
    settings.OUTBOX_RETRY_HOURS = 0
    email = enqueue(org.owner)
    at = T0
    for _ in range(8):
        run_sweep(at)
        at += timedelta(hours=1)
    assert fresh(email).status == EmailStatus.FAILED
    alert = failure_alerts().get()
    assert alert.status == EmailStatus.FAILED
    assert failure_alerts().count() == 1


def test_a_notice_keeps_retrying_for_as_long_as_it_matters(org, settings):
    settings.EMAIL_BACKEND = REFUSING
    settings.OUTBOX_RETRY_HOURS = 24
    email = enqueue(org.owner)
    at = T0
    while at < T0 + timedelta(hours=23):
        run_sweep(at)
        at += timedelta(minutes=15)
    row = fresh(email)
    assert row.status == EmailStatus.PENDING  # past OUTBOX_MAX_ATTEMPTS, still tried
    assert row.attempts > 60
    settings.EMAIL_BACKEND = LOCMEM
    run_sweep(row.next_attempt_at)
    assert fresh(email).status == EmailStatus.SENT
    assert [m.to for m in mail.outbox if m.to == [org.owner.email]] == [[org.owner.email]]


def fail_outright(org, settings) -> OutboxEmail:
    settings.EMAIL_BACKEND = REFUSING
    settings.OUTBOX_MAX_ATTEMPTS = 1
    settings.OUTBOX_RETRY_HOURS = 0
    email = enqueue(org.owner)
    with time_machine.travel(T0, tick=False):
        assert outbox_send(email_id=email.pk) == EmailStatus.FAILED
    return fresh(email)


def test_requeue_sends_a_failed_email_again(org, settings, django_capture_on_commit_callbacks):
    failed = fail_outright(org, settings)
    settings.EMAIL_BACKEND = LOCMEM

    with (
        time_machine.travel(T0 + timedelta(hours=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        outbox_requeue(email=failed, by=org.admin)

    row = fresh(failed)
    assert row.status == EmailStatus.SENT
    assert row.attempts == 1
    assert row.last_error == ""
    assert [m.to for m in mail.outbox] == [[org.owner.email]]
    event = audited(row, "outboxemail.requeue").get()
    assert event.actor == org.admin
    assert (event.from_state, event.to_state) == ("failed", "pending")
    run_sweep(T0 + timedelta(hours=2))  # sends the pending alert, never the email again
    assert [m.to for m in mail.outbox].count([org.owner.email]) == 1


def test_an_email_requeued_that_fails_again_alerts_again(
    org, settings, django_capture_on_commit_callbacks
):
    failed = fail_outright(org, settings)
    assert failure_alerts().count() == 1
    with (
        time_machine.travel(T0 + timedelta(hours=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        outbox_requeue(email=failed, by=org.admin)
    assert fresh(failed).status == EmailStatus.FAILED
    assert failure_alerts().filter(recipient=org.admin).count() == 2


def test_the_admin_action_sends_failed_emails_again(
    org, settings, admin_client, django_capture_on_commit_callbacks
):
    failed = fail_outright(org, settings)
    pending = enqueue(org.manager, key="notice:2")
    settings.EMAIL_BACKEND = LOCMEM
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/deadlines/outboxemail/",
            {"action": "send_again", "_selected_action": [failed.pk, pending.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert b"1 email(s) queued to send again." in response.content
    assert fresh(failed).status == EmailStatus.SENT
    assert fresh(pending).status == EmailStatus.PENDING  # only failed ones are sent again
    assert [m.to for m in mail.outbox] == [[org.owner.email]]


def test_a_row_left_sending_by_a_dead_worker_is_reclaimed_and_sent_once(org):
    email = enqueue(org.owner)
    # A worker claimed it at T0 and died before recording the outcome.
    OutboxEmail.objects.filter(pk=email.pk).update(
        status=EmailStatus.SENDING, attempts=1, lease_until=T0 + timedelta(minutes=5)
    )

    counts = run_sweep(T0 + timedelta(minutes=5))  # the lease has not run out
    assert counts["reclaimed"] == 0
    assert fresh(email).status == EmailStatus.SENDING
    assert mail.outbox == []

    counts = run_sweep(T0 + timedelta(minutes=5) + SECOND)

    assert counts["reclaimed"] == 1
    row = fresh(email)
    assert row.status == EmailStatus.SENT
    assert row.attempts == 2
    assert row.lease_until is None
    assert len(mail.outbox) == 1
    assert audited(row, "outboxemail.reclaim").count() == 1
    for minutes in (6, 7, 30):
        run_sweep(T0 + timedelta(minutes=minutes))
    assert len(mail.outbox) == 1


def test_a_sent_row_is_never_sent_again_even_if_its_task_is_queued_twice(org):
    email = enqueue(org.owner)
    with time_machine.travel(T0, tick=False):
        first = send_outbox_email.delay(email.pk)
        second = send_outbox_email.delay(email.pk)
        third = send_outbox_email.apply(args=[email.pk])
    assert [first.result, second.result, third.result] == ["sent", "skipped", "skipped"]
    assert len(mail.outbox) == 1
    assert fresh(email).attempts == 1
    assert run_sweep(T0 + timedelta(minutes=1))["dispatched"] == 0
    assert len(mail.outbox) == 1


def test_a_row_is_not_sent_before_its_time_nor_once_cancelled(org):
    email = enqueue(org.owner)
    assert outbox_send(email_id=email.pk, now=T0 - SECOND) == "skipped"
    assert (fresh(email).status, fresh(email).attempts) == (EmailStatus.PENDING, 0)

    apply_transition(fresh(email), "cancel", note="No longer wanted")
    assert outbox_send(email_id=email.pk, now=T0 + SECOND) == "skipped"
    run_sweep(T0 + timedelta(minutes=1))
    assert mail.outbox == []
    assert fresh(email).status == EmailStatus.CANCELLED


def test_the_same_key_is_queued_once(org):
    first = enqueue(org.owner)
    with time_machine.travel(T0, tick=False):
        again, created = outbox_enqueue(
            notice_email(
                key="notice:1", recipient=org.owner, subject="x", heading="x", lines=[], link="/"
            )
        )
    assert not created
    assert again.pk == first.pk
    assert OutboxEmail.objects.count() == 1


def test_the_email_timeout_is_set_and_reaches_the_smtp_connection(settings):
    assert isinstance(settings.EMAIL_TIMEOUT, int)
    assert 0 < settings.EMAIL_TIMEOUT <= 60
    connection = get_connection("django.core.mail.backends.smtp.EmailBackend")
    assert connection.timeout == settings.EMAIL_TIMEOUT
