"""The outbox sent in batches (issue 14): the sweep queues due emails OUTBOX_SEND_BATCH to a
task; a batch is claimed together, each email handed off on its own, the sent ones recorded
together; nothing lost or sent twice when a worker dies or its lease runs out part-way."""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from audit.fsm import ALIKE_GROUPS, write_alike
from audit.models import AuditEvent
from casetransfer import prepared
from deadlines import sweep as sweep_module
from deadlines.emails import notice_email, outbox_enqueue
from deadlines.models import EmailStatus, OutboxEmail, SweepRun
from deadlines.sweep import outbox_batches, outbox_send_batch, sweep
from deadlines.tasks import send_outbox_batch

from .backends import REFUSING
from .factories import london

pytestmark = pytest.mark.django_db

T0 = london(2026, 11, 25, 10, 0)  # a Wednesday: no digest


def enqueue(recipients, at=T0) -> list[OutboxEmail]:
    emails = []
    with time_machine.travel(at, tick=False):
        for i, recipient in enumerate(recipients):
            email, created = outbox_enqueue(
                notice_email(
                    key=f"notice:batch:{i}",
                    recipient=recipient,
                    subject=f"A transfer needs your decision ({i})",
                    heading="A transfer needs your decision",
                    lines=["Case CT0000001 is waiting."],
                    link="/cases/",
                )
            )
            assert created
            emails.append(email)
    return emails


def send(emails, at=T0 + timedelta(seconds=5)) -> dict:
    with time_machine.travel(at, tick=False):
        return outbox_send_batch(emails=[(email.pk, email.attempts) for email in emails])


def statuses(emails) -> list[str]:
    return [OutboxEmail.objects.get(pk=email.pk).status for email in emails]


def audited(email) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            subject_type=ContentType.objects.get_for_model(OutboxEmail), subject_id=str(email.pk)
        )
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_a_batch_sends_each_email_once_and_records_each(org):
    emails = enqueue([org.owner, org.manager, org.owner])
    assert send(emails) == {EmailStatus.SENT: 3}
    assert sorted(m.subject for m in mail.outbox) == sorted(e.subject for e in emails)
    for email in emails:
        row = OutboxEmail.objects.get(pk=email.pk)
        assert row.status == EmailStatus.SENT
        assert row.attempts == 1
        assert row.handed_off_at is not None and row.sent_at is not None
        assert audited(email) == ["outboxemail.claim", "outboxemail.mark_sent"]
    # Queued again (a redispatch, a duplicated broker message): nothing is sent twice.
    assert send(emails) == {"skipped": 3}
    assert len(mail.outbox) == 3


def test_a_batch_skips_rows_tried_since_or_held_by_another_worker(org):
    tried_since, held, free = enqueue([org.owner, org.manager, org.owner])
    OutboxEmail.objects.filter(pk=tried_since.pk).update(attempts=1)
    OutboxEmail.objects.filter(pk=held.pk).update(status=EmailStatus.SENDING, attempts=1)
    assert send([tried_since, held, free]) == {"skipped": 2, EmailStatus.SENT: 1}
    assert [m.subject for m in mail.outbox] == [free.subject]
    assert statuses([tried_since, held]) == [EmailStatus.PENDING, EmailStatus.SENDING]


def test_one_email_refused_is_retried_later_and_the_rest_of_the_batch_is_sent(org, settings):
    emails = enqueue([org.owner, org.manager, org.owner])
    real_send = sweep_module.send_with_handoff

    def refuse_the_second(message, on_handoff):
        if message.subject == emails[1].subject:
            from django.core.mail import get_connection

            message.connection = get_connection(REFUSING)
        return real_send(message, on_handoff)

    with mock.patch.object(sweep_module, "send_with_handoff", refuse_the_second):
        outcomes = send(emails)
    assert outcomes == {EmailStatus.PENDING: 1, EmailStatus.SENT: 2}
    assert statuses(emails) == [EmailStatus.SENT, EmailStatus.PENDING, EmailStatus.SENT]
    refused = OutboxEmail.objects.get(pk=emails[1].pk)
    assert refused.next_attempt_at > T0 and refused.last_error


def test_a_worker_that_dies_after_handing_off_part_of_a_batch_sends_nothing_twice(org, settings):
    settings.OUTBOX_LEASE_SECONDS = 60
    emails = enqueue([org.owner, org.manager, org.owner])
    real_send = sweep_module.send_with_handoff
    handed = []

    def die_after_two(message, on_handoff):
        if len(handed) == 2:
            raise SystemExit("killed")  # not an Exception: nothing records it, as a SIGKILL
        handed.append(message.subject)
        return real_send(message, on_handoff)

    with (
        mock.patch.object(sweep_module, "send_with_handoff", die_after_two),
        pytest.raises(SystemExit),
    ):
        send(emails)
    assert len(mail.outbox) == 2
    assert statuses(emails) == [EmailStatus.SENDING] * 3
    # Once the lease is over the sweep takes them back: the two handed off are recorded as
    # sent, never sent again; the third is sent now.
    for minutes in (2, 3):
        with time_machine.travel(T0 + timedelta(minutes=minutes), tick=False):
            sweep()
    assert statuses(emails) == [EmailStatus.SENT] * 3
    assert sorted(m.subject for m in mail.outbox) == sorted(e.subject for e in emails)
    assert "outboxemail.presume_sent" in audited(emails[0])


def test_rows_whose_lease_ran_out_before_their_turn_are_left_to_the_sweep(org, settings):
    settings.OUTBOX_LEASE_SECONDS = 0  # over as soon as claimed
    emails = enqueue([org.owner, org.manager])
    assert send(emails) == {"skipped": 2}
    assert mail.outbox == []
    assert statuses(emails) == [EmailStatus.SENDING] * 2
    settings.OUTBOX_LEASE_SECONDS = 300
    for minutes in (1, 2):
        with time_machine.travel(T0 + timedelta(minutes=minutes), tick=False):
            sweep()
    assert statuses(emails) == [EmailStatus.SENT] * 2
    assert len(mail.outbox) == 2


def test_the_sweep_queues_due_emails_in_batches(org, settings):
    settings.OUTBOX_SEND_BATCH = 2
    emails = enqueue([org.owner] * 5)
    with (
        mock.patch.object(send_outbox_batch, "delay") as delay,
        time_machine.travel(T0 + timedelta(minutes=1), tick=False),
    ):
        assert sweep()["dispatched"] == 5
    batches = [call.args[0] for call in delay.call_args_list]
    assert [len(batch) for batch in batches] == [2, 2, 1]
    assert sorted(pk for batch in batches for pk, _ in batch) == sorted(e.pk for e in emails)
    assert outbox_batches([]) == []


def test_a_batch_costs_one_statement_an_email_and_a_few_for_the_batch(
    org, django_assert_max_num_queries
):
    emails = enqueue([org.owner] * 20)
    # The claim (lock, update, audit), one hand-off UPDATE each, the record of the sent (lock,
    # update, audit), and the transactions' savepoints.
    with django_assert_max_num_queries(20 + 12):
        assert send(emails)[EmailStatus.SENT] == 20


def test_a_batch_is_claimed_and_recorded_sent_with_one_plain_update_each(org):
    """Every email of a batch is claimed with one lease and recorded sent at one time: one
    `UPDATE ... WHERE id IN (...)` each (audit.fsm.write_alike), not a CASE per row."""
    emails = enqueue([org.owner] * 5)
    with CaptureQueriesContext(connection) as queries:
        assert send(emails)[EmailStatus.SENT] == 5
    sent = [prepared.source(q["sql"]).lstrip().upper() for q in queries]
    updates = [sql for sql in sent if sql.startswith("UPDATE")]
    assert not [sql for sql in updates if "CASE WHEN" in sql.upper()]
    # The claim, a hand-off each, the record of the sent.
    assert len(updates) == 1 + 5 + 1
    for email in emails:
        row = OutboxEmail.objects.get(pk=email.pk)
        assert (row.status, row.attempts, row.lease_until) == (EmailStatus.SENT, 1, None)
        assert row.sent_at is not None and row.handed_off_at is not None


def test_rows_given_many_different_values_are_written_with_one_bulk_update(org):
    """write_alike: past ALIKE_GROUPS sets of new values, or with values that cannot be
    compared (a JSON document), one bulk_update writes them all, each row its own values."""
    emails = enqueue([org.owner] * (ALIKE_GROUPS + 1))
    send_at = T0 + timedelta(minutes=1)
    with transaction.atomic():
        rows = list(OutboxEmail.objects.filter(pk__in=[e.pk for e in emails]).order_by("pk"))
        for i, row in enumerate(rows):
            row.next_attempt_at = send_at + timedelta(minutes=i)
        with CaptureQueriesContext(connection) as queries:
            write_alike(rows, ["next_attempt_at"])
    assert len(queries) == 1 and "CASE" in queries[0]["sql"].upper()
    assert [OutboxEmail.objects.get(pk=row.pk).next_attempt_at for row in rows] == [
        send_at + timedelta(minutes=i) for i in range(len(rows))
    ]

    runs = [SweepRun.objects.create(name=f"bench {i}") for i in range(2)]
    for i, run in enumerate(runs):
        run.last_counts = {"sent": i}
    with CaptureQueriesContext(connection) as queries:
        write_alike(runs, ["last_counts"])
    assert len(queries) == 1 and "CASE" in queries[0]["sql"].upper()
    assert [SweepRun.objects.get(pk=run.pk).last_counts for run in runs] == [
        {"sent": 0},
        {"sent": 1},
    ]
