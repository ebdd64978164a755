"""Celery tasks: thin wrappers that take ids and call services."""

from celery import shared_task

from .sweep import outbox_send, outbox_send_batch, sweep


@shared_task(name="deadlines.tasks.sweep_deadlines", ignore_result=True)
def sweep_deadlines() -> dict:
    return sweep()


@shared_task(name="deadlines.tasks.send_outbox_email", ignore_result=True)
def send_outbox_email(email_id: int, attempts: int | None = None) -> str:
    # Retries are rows, not Celery countdowns: a failure sets next_attempt_at and the sweep
    # queues the row again when that time comes, so a lost broker message loses nothing.
    # `attempts` (the row's, when queued) lets a stale message be told apart and skipped.
    return outbox_send(email_id=email_id, attempts=attempts)


@shared_task(name="deadlines.tasks.send_outbox_batch", ignore_result=True)
def send_outbox_batch(emails: list[list[int]]) -> dict:
    # [[id, attempts when queued], ...] from the sweep's dispatch; as send_outbox_email, a
    # failure is recorded on its row and the sweep queues it again.
    return outbox_send_batch(emails=[(email_id, attempts) for email_id, attempts in emails])
