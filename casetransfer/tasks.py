"""Housekeeping tasks for the whole project."""

from celery import shared_task
from django.core.management import call_command


@shared_task
def clear_expired_sessions() -> None:
    """Django's clearsessions, daily from beat: expired sessions leave the table."""
    call_command("clearsessions")
