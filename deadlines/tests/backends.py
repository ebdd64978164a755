"""Email backends for the outbox tests."""

import threading
import time

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

REFUSING = "deadlines.tests.backends.RefusingBackend"
SLOW = "deadlines.tests.backends.SlowBackend"


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


class SlowBackend(LocmemBackend):
    """The in-memory backend, slow enough for a second worker to arrive mid-send."""

    lock = threading.Lock()
    delay = 0.05

    def send_messages(self, messages):
        time.sleep(self.delay)
        with self.lock:
            return super().send_messages(messages)
