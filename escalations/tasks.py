"""The escalations' part of the beat: levels not answered in time go up (issue 11)."""

from celery import shared_task

from .services import escalate_overdue as _escalate_overdue


@shared_task(name="escalations.tasks.escalate_overdue", ignore_result=True)
def escalate_overdue() -> dict[str, int]:
    return _escalate_overdue()
