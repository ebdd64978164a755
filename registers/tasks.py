"""Celery tasks: thin wrappers that call services."""

from celery import shared_task

from .services import weekly_snapshot_take


@shared_task(name="registers.tasks.take_weekly_snapshot", ignore_result=True)
def take_weekly_snapshot() -> int | None:
    """Run every 15 minutes by beat; does nothing unless it is Monday from 08:00 London and the
    week has no snapshot yet."""
    snapshot = weekly_snapshot_take()
    return snapshot.pk if snapshot else None
