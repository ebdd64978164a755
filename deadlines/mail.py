"""Sending one outbox email so that a crash never sends it twice.

Over SMTP the mail server takes responsibility for a message when it answers the end of the
DATA command (the lone "." line). Everything before that is harmless to repeat: a connection
dropped mid-DATA makes the server throw the message away. So the message is sent up to, but not
including, that last line; then `on_handoff()` records the hand-off in the database (only while
the worker's lease still holds); then the last line goes. A worker killed before the record is
sent again by the sweep; one killed after it is never sent again.

Backends other than Django's SMTP one (the console, files, memory in tests) have no such point:
the hand-off is recorded just before they are called."""

import contextlib
import functools
import re
import smtplib
import socket
from collections.abc import Callable

from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address

CRLF = b"\r\n"


class LeaseLost(Exception):
    """The lease ran out before the hand-off: nothing was sent; another worker may send it."""


class HandoffUnconfirmed(Exception):
    """The message was handed over, but the server's answer never came."""


def send_with_handoff(message: EmailMessage, on_handoff: Callable[[], bool]) -> None:
    connection = message.get_connection()
    if not isinstance(connection, SMTPBackend):
        if not on_handoff():
            raise LeaseLost
        message.send(fail_silently=False)
        return
    try:
        _send_smtp(_kept_open(connection), message, on_handoff)
    except _Stale:
        # The kept connection had been dropped by the server: nothing of the message was
        # taken, so it goes once more on a new one (closed by _send_smtp already).
        _send_smtp(_kept_open(connection), message, on_handoff)


# A worker sends email after email: its SMTP connection is kept open between them (connecting,
# the greeting, EHLO and QUIT were four of every message's seven round trips; issue 14). Each
# message is still its own MAIL, RCPT and DATA with its own hand-off. A connection that fails or
# is refused anything is closed and the next message opens a new one. One the server dropped
# while idle is found by the message's first command (MAIL), which is then sent again on a new
# connection: before the end of the data nothing is taken, so nothing can be sent twice. (It
# was found by a NOOP before every message: one more round trip for each.)
# One per process: Celery's workers are processes.
_kept: SMTPBackend | None = None


class _Stale(Exception):
    """A kept connection failed its first command: the server had closed it."""


def _server(backend: SMTPBackend) -> tuple:
    return (backend.host, backend.port, backend.username, backend.use_tls, backend.use_ssl)


def _kept_open(backend: SMTPBackend) -> SMTPBackend:
    global _kept
    if _kept is not None and _server(_kept) == _server(backend) and _kept.connection is not None:
        return _kept
    _forget_kept()
    _kept = backend
    return backend


def _forget_kept() -> None:
    global _kept
    if _kept is not None:
        with contextlib.suppress(Exception):
            _kept.close()
    _kept = None


def _no_delay(smtp: smtplib.SMTP) -> None:
    """Turn Nagle's algorithm off: the message's last line is written apart from its body, after
    the hand-off is recorded, and with Nagle on that small write waits for the server to
    acknowledge the body, which a server answering nothing yet delays by its delayed-ACK timer
    (40 ms on Linux): 60 ms of every message (issue 14)."""
    sock = getattr(smtp, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


@functools.lru_cache(maxsize=8)
def _sender(address: str, encoding: str) -> str:
    """The From address as the envelope carries it: the same for every message, worked out
    once (Django's sanitize_address parses it with the email package each time)."""
    return sanitize_address(address, encoding)


def _send_smtp(backend: SMTPBackend, message: EmailMessage, on_handoff: Callable[[], bool]):
    kept = backend.connection is not None
    if not kept:
        backend.open()
        _no_delay(backend.connection)
    smtp: smtplib.SMTP = backend.connection
    sent = False
    try:
        encoding = message.encoding or "utf-8"
        sender = _sender(message.from_email, encoding)
        recipients = [sanitize_address(address, encoding) for address in message.recipients()]
        data = message.message().as_bytes(linesep="\r\n")
        smtp.ehlo_or_helo_if_needed()
        options = []
        if smtp.does_esmtp and smtp.has_extn("size"):
            options.append(f"size={len(data)}")
        try:
            code, reply = smtp.mail(sender, options)
        except (smtplib.SMTPServerDisconnected, ConnectionError) as error:
            if kept:
                raise _Stale from error
            raise
        if kept and code == 421:  # the server's "closing": it had timed the connection out
            raise _Stale(reply)
        if code != 250:
            smtp.rset()
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        refused = {}
        for recipient in recipients:
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                refused[recipient] = (code, reply)
        if len(refused) == len(recipients):
            smtp.rset()
            raise smtplib.SMTPRecipientsRefused(refused)
        code, reply = smtp.docmd("data")
        if code != 354:
            smtp.rset()
            raise smtplib.SMTPDataError(code, reply)
        body = re.sub(rb"(?m)^\.", b"..", data)
        if not body.endswith(CRLF):
            body += CRLF
        smtp.send(body)
        if not on_handoff():
            # Close without the final line: the server discards the message.
            smtp.close()
            raise LeaseLost
        try:
            smtp.send(b"." + CRLF)
            code, reply = smtp.getreply()
        except (OSError, smtplib.SMTPServerDisconnected) as error:  # timeouts are OSErrors
            raise HandoffUnconfirmed(type(error).__name__) from error
        if code != 250:
            # The server said no: it does not have the message; trying again is safe.
            raise smtplib.SMTPDataError(code, reply)
        sent = True
    finally:
        if not sent:  # closing a broken connection must not hide the result
            _forget_kept()
            with contextlib.suppress(Exception):
                backend.close()
