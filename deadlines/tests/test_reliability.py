"""Issue 13: out-of-range policies, rows that fail every sweep, reminders recorded only when
sent, escalation from the due time, mail down on /healthz, and a crash never sending twice."""

import json
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from deadlines import sweep as sweep_module
from deadlines.models import (
    Deadline,
    DeadlinePolicy,
    DeadlineStatus,
    EmailKind,
    EmailStatus,
    OutboxEmail,
)
from deadlines.rules import Kind
from deadlines.services import policy_for, policy_update
from deadlines.sweep import sweep
from people.roles import Role
from people.tests.factories import UserFactory

from .backends import REFUSING
from .factories import london, start_deadline
from .test_smtp import free_port, smtp_server

pytestmark = pytest.mark.django_db

ANCHOR = london(2026, 11, 25, 10, 0)  # Wednesday
REMIND = london(2026, 12, 1, 17, 0)  # Tuesday
DUE = london(2026, 12, 2, 17, 0)
HUGE = 2147483647


def run_sweep(at):
    with time_machine.travel(at, tick=False):
        return sweep()


def start(org, **kwargs):
    kwargs.setdefault("owner", org.owner)
    kwargs.setdefault("case", org.case)
    with time_machine.travel(ANCHOR, tick=False):
        return start_deadline(Kind.JOINT_VISIT, ANCHOR, **kwargs)


# --- policies within sane ranges ------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", HUGE, "Ensure this value is less than or equal to 730."),
        ("amount", 261, "Enter an amount of 260 working days or fewer"),
        ("escalate_after_hours", HUGE, "Ensure this value is less than or equal to 720."),
        ("escalate_after_hours", 721, "Ensure this value is less than or equal to 720."),
        ("reminder_lead", 61, "Enter a reminder time of 60 working days or fewer"),
    ],
)
def test_a_policy_out_of_range_is_refused_and_nothing_changes(org, field, value, message):
    policy = policy_for(Kind.JOINT_VISIT)  # working days
    before = getattr(policy, field)
    with pytest.raises(ValidationError) as refused:
        policy_update(policy=policy, by=org.admin, **{field: value})
    assert message in refused.value.message_dict[field]
    assert getattr(DeadlinePolicy.objects.get(pk=policy.pk), field) == before


def test_the_database_refuses_an_out_of_range_policy_too(db):
    policy = policy_for(Kind.STEP_UP_URGENT)
    for field in ("amount", "escalate_after_hours", "reminder_lead"):
        with pytest.raises(IntegrityError), transaction.atomic():
            DeadlinePolicy.objects.filter(pk=policy.pk).update(**{field: HUGE})


def test_the_admin_shows_an_out_of_range_amount_as_an_error_not_a_500(org, client, verified_login):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    verified_login(client, admin)
    policy = policy_for(Kind.STEP_UP_URGENT)  # hours
    response = client.post(
        f"/admin/deadlines/deadlinepolicy/{policy.pk}/change/",
        {
            "amount": HUGE,
            "reminder_lead": 1,
            "reminder_lead_unit": "hours",
            "remind": "owner",
            "alert_on_breach": "owner_and_manager",
            "escalate_after_hours": HUGE,
        },
    )
    assert response.status_code == 200
    assert b"less than or equal to 730" in response.content
    assert b"less than or equal to 720" in response.content
    assert DeadlinePolicy.objects.get(pk=policy.pk).amount == policy.amount


def test_the_migration_clamps_saved_out_of_range_policies(db):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("deadlines.migrations.0009_sweep_indexes_policy_ranges")
    policy = policy_for(Kind.JOINT_VISIT)
    # As the probe left it, before the constraint existed (written as the model saw it then).
    with mock.patch.object(DeadlinePolicy.objects, "all", return_value=[policy]):
        policy.amount, policy.escalate_after_hours = HUGE, HUGE
        with mock.patch.object(policy, "save") as save:
            migration.clamp_policies(apps, None)
    assert (policy.amount, policy.escalate_after_hours) == (5, 24)
    save.assert_called_once()


# --- a row that fails every sweep -----------------------------------------------------------


def test_a_row_that_fails_every_sweep_shows_on_healthz_and_the_admin_page(org, client):
    bad = start(org)
    good = start(org, case=org.other_case, team=org.other, owner=org.other_owner)
    real = sweep_module._deadline_emails

    def broken(deadline, kind, which):
        if deadline.pk == bad.pk:
            raise OverflowError("date value out of range")
        return real(deadline, kind, which)

    with mock.patch.object(sweep_module, "_deadline_emails", side_effect=broken):
        for minutes in range(3):
            counts = run_sweep(DUE + timedelta(minutes=minutes))
            # The other row is not held up by the bad one.
            assert Deadline.objects.get(pk=good.pk).status == DeadlineStatus.BREACHED
        assert counts["breaches"] == 0

    row = Deadline.objects.get(pk=bad.pk)
    assert row.status == DeadlineStatus.OPEN
    assert (row.sweep_failures, row.sweep_error) == (3, "breach: OverflowError")
    with time_machine.travel(DUE + timedelta(minutes=3), tick=False):
        response = client.get("/healthz")
        assert response.status_code == 503
        body = json.loads(response.content)
        assert body["deadlines"] == {"status": "failing", "count": 1, "ids": [bad.pk]}
        client.force_login(UserFactory(roles=[Role.SYSTEM_ADMINISTRATOR], is_staff=True))
        page = client.get("/").content.decode()
    assert "The deadline engine keeps failing on 1 deadline." in page
    assert "?sweep=failing" in page

    run_sweep(DUE + timedelta(minutes=4))  # mended: the row goes through and the count clears
    row = Deadline.objects.get(pk=bad.pk)
    assert (row.status, row.sweep_failures, row.sweep_error) == ("breached", 0, "")


# --- reminders and escalations --------------------------------------------------------------


def test_a_reminder_nobody_can_receive_is_recorded_as_skipped_not_sent(org):
    org.owner.email = ""
    org.owner.save()
    org.team.manager = None
    org.team.save()
    deadline = start(org)
    counts = run_sweep(REMIND)
    assert counts["reminders"] == 0
    row = Deadline.objects.get(pk=deadline.pk)
    assert row.reminded_at is None
    assert row.reminder_skipped == "Nobody with an email address to remind"
    assert not OutboxEmail.objects.filter(kind=EmailKind.REMINDER).exists()


def test_a_sent_reminder_is_recorded_when_it_was_queued(org):
    deadline = start(org)
    run_sweep(REMIND)
    row = Deadline.objects.get(pk=deadline.pk)
    assert (row.reminded_at, row.reminder_skipped) == (REMIND, "")


def test_an_escalation_already_due_at_restart_goes_at_once_counted_from_the_due_time(org):
    deadline = start(org)
    # The engine was down from before the due time until 25 hours after it.
    counts = run_sweep(DUE + timedelta(hours=25))
    row = Deadline.objects.get(pk=deadline.pk)
    assert row.escalate_at == DUE + timedelta(hours=24)
    assert row.escalated_at == DUE + timedelta(hours=25)
    assert counts["escalations"] == 1
    assert OutboxEmail.objects.filter(kind=EmailKind.ESCALATION).exists()


def test_an_escalation_not_yet_due_waits_for_due_time_plus_the_policy(org):
    deadline = start(org)
    run_sweep(DUE + timedelta(hours=1))
    row = Deadline.objects.get(pk=deadline.pk)
    assert row.escalate_at == DUE + timedelta(hours=24)
    assert row.escalated_at is None


# --- mail down --------------------------------------------------------------------------------


def test_healthz_reports_mail_down_while_emails_are_retried_and_ok_after(org, client, settings):
    settings.EMAIL_BACKEND = REFUSING
    start(org)
    run_sweep(REMIND)
    with time_machine.travel(REMIND + timedelta(seconds=5), tick=False):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["mail"] == {"status": "down", "retrying": 1, "failed": 0}

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run_sweep(REMIND + timedelta(minutes=1))
    with time_machine.travel(REMIND + timedelta(minutes=1, seconds=5), tick=False):
        response = client.get("/healthz")
    assert json.loads(response.content)["mail"]["status"] == "ok"
    assert response.status_code == 200
    assert len(mail.outbox) == 1


def test_a_reminder_stops_being_retried_once_its_deadline_is_due(org, settings):
    settings.EMAIL_BACKEND = REFUSING
    settings.OUTBOX_MAX_ATTEMPTS = 2
    start(org)
    at = REMIND
    while at < DUE + timedelta(hours=1):
        run_sweep(at)
        at += timedelta(minutes=15)
    reminder = OutboxEmail.objects.get(kind=EmailKind.REMINDER)
    assert reminder.status == EmailStatus.FAILED
    assert reminder.attempts > 2  # tried all day, until the due time
    # The breach alerts matter while the deadline is breached: still being tried.
    assert set(
        OutboxEmail.objects.filter(kind=EmailKind.BREACH).values_list("status", flat=True)
    ) == {EmailStatus.PENDING}


# --- a crash never sends twice ----------------------------------------------------------------


def sending(email, *, handed_off_at=None):
    OutboxEmail.objects.filter(pk=email.pk).update(
        status=EmailStatus.SENDING,
        attempts=1,
        lease_until=REMIND + timedelta(minutes=5),
        handed_off_at=handed_off_at,
    )


def test_a_row_handed_to_the_mail_server_before_the_worker_died_is_not_sent_again(org, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    start(org)
    with mock.patch.object(sweep_module, "dispatch_due_emails", return_value=0):
        run_sweep(REMIND)
    email = OutboxEmail.objects.get(kind=EmailKind.REMINDER)
    sending(email, handed_off_at=REMIND + timedelta(seconds=1))

    counts = run_sweep(REMIND + timedelta(minutes=6))

    assert counts["reclaimed"] == 1
    row = OutboxEmail.objects.get(pk=email.pk)
    assert (row.status, row.sent_at) == (EmailStatus.SENT, REMIND + timedelta(seconds=1))
    assert mail.outbox == []


def test_over_smtp_a_lost_lease_sends_nothing_and_the_sweep_sends_it_once(org, settings):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    settings.EMAIL_USE_TLS = False
    start(org)
    with smtp_server(port) as server:
        settings.OUTBOX_LEASE_SECONDS = 0  # the lease is over by the time of the hand-off
        run_sweep(REMIND)
        email = OutboxEmail.objects.get(kind=EmailKind.REMINDER)
        assert email.status == EmailStatus.SENDING
        assert email.handed_off_at is None
        assert server.envelopes == []  # the message was never committed

        settings.OUTBOX_LEASE_SECONDS = 300
        run_sweep(REMIND + timedelta(minutes=1))  # reclaimed and sent
        run_sweep(REMIND + timedelta(minutes=2))
    assert [e.rcpt_tos for e in server.envelopes] == [[org.owner.email]]
    row = OutboxEmail.objects.get(pk=email.pk)
    assert (row.status, row.attempts) == (EmailStatus.SENT, 2)
    assert row.handed_off_at is not None


def test_over_smtp_an_unanswered_final_line_is_never_sent_again(org, settings):
    """The hand-off was recorded and the final line sent, but the answer never came."""
    import smtplib

    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    settings.EMAIL_USE_TLS = False
    start(org)
    real_getreply = smtplib.SMTP.getreply

    def lost_after_the_final_line(self):
        if getattr(self, "_final_sent", False):
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real_getreply(self)

    real_send = smtplib.SMTP.send

    def send(self, data):
        if data == b".\r\n":
            self._final_sent = True
        return real_send(self, data)

    with (
        smtp_server(port) as server,
        mock.patch.object(smtplib.SMTP, "getreply", lost_after_the_final_line),
        mock.patch.object(smtplib.SMTP, "send", send),
    ):
        run_sweep(REMIND)
        run_sweep(REMIND + timedelta(minutes=10))
    row = OutboxEmail.objects.get(kind=EmailKind.REMINDER)
    assert row.status == EmailStatus.SENT
    assert row.attempts == 1
    assert row.last_error == "Handed to the mail server; its answer never came"
    assert len(server.envelopes) == 1
