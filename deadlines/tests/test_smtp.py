"""The outbox against a real SMTP server (aiosmtpd on 127.0.0.1), up and down."""

import socket
from contextlib import contextmanager
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import time_machine
from aiosmtpd.controller import Controller

from deadlines.models import EmailKind, EmailStatus, OutboxEmail
from deadlines.rules import Kind
from deadlines.sweep import sweep

from .factories import CHILD_FIRST, CHILD_LAST, london, start_deadline

pytestmark = pytest.mark.django_db

ANCHOR = london(2026, 11, 25, 10, 0)  # Wednesday
REMIND = london(2026, 12, 1, 17, 0)  # Tuesday
DUE = london(2026, 12, 2, 17, 0)


class Collector:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def smtp_server(port):
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def port(settings):
    """The SMTP backend, pointed at a port nothing listens on until a test starts a server."""
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    return port


def run_sweep(at):
    with time_machine.travel(at, tick=False):
        return sweep()


def start(org):
    with time_machine.travel(ANCHOR, tick=False):
        return start_deadline(Kind.JOINT_VISIT, ANCHOR, case=org.case, owner=org.owner)


def test_messages_reach_the_smtp_server_as_text_and_html(org, port, settings):
    settings.SITE_URL = "https://casetransfer.example.gov.uk"
    start(org)
    with smtp_server(port) as server:
        run_sweep(REMIND)
        run_sweep(REMIND + timedelta(minutes=1))
        run_sweep(DUE)

    assert len(server.envelopes) == 3  # the reminder; breach alerts to owner and manager
    reminder = server.envelopes[0]
    assert reminder.mail_from == "casetransfer@localhost"
    assert reminder.rcpt_tos == [org.owner.email]
    assert sorted(e.rcpt_tos[0] for e in server.envelopes[1:]) == sorted(
        [org.owner.email, org.manager.email]
    )

    link = f"https://casetransfer.example.gov.uk/cases/{org.case.reference}/"
    for envelope in server.envelopes:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert message.get_content_type() == "multipart/alternative"
        assert message["From"] == "casetransfer@localhost"
        assert message["To"] == envelope.rcpt_tos[0]
        assert message["Message-ID"]
        assert message["Date"]
        assert org.case.reference in message["Subject"]
        parts = {part.get_content_type(): part.get_content() for part in message.iter_parts()}
        assert set(parts) == {"text/plain", "text/html"}
        assert link in parts["text/plain"]
        assert f'href="{link}"' in parts["text/html"]
        for text in (message["Subject"], parts["text/plain"], parts["text/html"]):
            assert org.case.reference in text
            assert CHILD_FIRST not in text
            assert CHILD_LAST not in text
    assert OutboxEmail.objects.filter(status=EmailStatus.SENT).count() == 3


def test_a_refusing_server_means_retries_with_backoff_then_one_send_when_it_is_up(org, port):
    start(org)

    run_sweep(REMIND)  # nothing listens on the port
    email = OutboxEmail.objects.get(kind=EmailKind.REMINDER)
    assert email.status == EmailStatus.PENDING
    assert email.attempts == 1
    assert email.next_attempt_at == REMIND + timedelta(minutes=1)
    assert "ConnectionRefusedError" in email.last_error

    run_sweep(REMIND + timedelta(seconds=30))
    assert OutboxEmail.objects.get(pk=email.pk).attempts == 1
    run_sweep(REMIND + timedelta(minutes=1))
    email = OutboxEmail.objects.get(pk=email.pk)
    assert (email.status, email.attempts) == (EmailStatus.PENDING, 2)
    assert email.next_attempt_at == REMIND + timedelta(minutes=3)

    with smtp_server(port) as server:
        run_sweep(email.next_attempt_at - timedelta(seconds=1))
        assert server.envelopes == []
        run_sweep(email.next_attempt_at)
        run_sweep(email.next_attempt_at + timedelta(minutes=1))
        run_sweep(email.next_attempt_at + timedelta(minutes=10))

    assert [e.rcpt_tos for e in server.envelopes] == [[org.owner.email]]
    email = OutboxEmail.objects.get(pk=email.pk)
    assert (email.status, email.attempts, email.last_error) == (EmailStatus.SENT, 3, "")


class Peers(Collector):
    """Keeps each message's client address too: one address, one connection."""

    def __init__(self):
        super().__init__()
        self.peers = []

    async def handle_DATA(self, server, session, envelope):
        self.peers.append(session.peer)
        return await super().handle_DATA(server, session, envelope)


def test_a_worker_sends_email_after_email_on_one_connection_and_reconnects_after_a_restart(
    org, port
):
    """Issue 14: the SMTP connection is kept open between sends (each message still has its
    own hand-off); one the server dropped is found before use, so no email fails for it."""
    start(org)
    handler = Peers()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        run_sweep(REMIND)
        run_sweep(DUE)  # two breach alerts
    finally:
        controller.stop()
    assert len(handler.envelopes) == 3
    assert len(set(handler.peers)) == 1

    with time_machine.travel(ANCHOR, tick=False):
        start_deadline(Kind.JOINT_VISIT, ANCHOR, case=org.other_case, owner=org.other_owner)
    with smtp_server(port) as restarted:  # the kept connection died with the old server
        run_sweep(REMIND + timedelta(minutes=5))
    assert len(restarted.envelopes) == 1
    assert not OutboxEmail.objects.exclude(status=EmailStatus.SENT).exists()


class ClosesIdle(Peers):
    """Answers the first connection's second MAIL with 421, as a server that has timed the
    connection out while it was idle; counts every NOOP."""

    def __init__(self):
        super().__init__()
        self.mails_by_peer = {}
        self.noops = 0

    async def handle_NOOP(self, server, session, envelope, arg):
        self.noops += 1
        return "250 OK"

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        seen = self.mails_by_peer[session.peer] = self.mails_by_peer.get(session.peer, 0) + 1
        if seen == 2 and len(self.mails_by_peer) == 1:
            return "421 4.4.2 Idle too long, closing connection"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"


def test_a_kept_connection_the_server_closed_is_replaced_and_the_email_sent_at_once(org, port):
    """Issue 14: no NOOP before each message; a kept connection the server has closed is found
    by the message's first command, and the message goes on a new connection in the same
    attempt (nothing of it was taken: it cannot arrive twice)."""
    start(org)
    handler = ClosesIdle()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        run_sweep(REMIND)  # the reminder, on a new connection
        run_sweep(DUE)  # two breach alerts: the first finds the connection closed
    finally:
        controller.stop()
    assert len(handler.envelopes) == 3
    assert len(set(handler.peers)) == 2
    assert handler.noops == 0
    sent = OutboxEmail.objects.all()
    assert [(e.status, e.attempts, e.last_error) for e in sent] == [(EmailStatus.SENT, 1, "")] * 3
