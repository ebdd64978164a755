"""The Celery tasks are thin: they call the services. Beat sweeps every minute."""

from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.core import mail

from casetransfer.celery import app
from deadlines import tasks
from deadlines.emails import notice_email
from deadlines.models import EmailStatus, OutboxEmail, SweepRun
from deadlines.rules import Kind
from deadlines.sweep import SWEEP_NAME

from .factories import london, start_deadline

pytestmark = pytest.mark.django_db

ANCHOR = london(2026, 11, 25, 10, 0)
REMIND = london(2026, 12, 1, 17, 0)


def test_the_sweep_task_runs_the_sweep(org):
    with time_machine.travel(ANCHOR, tick=False):
        start_deadline(Kind.JOINT_VISIT, ANCHOR, case=org.case, owner=org.owner)
    with time_machine.travel(REMIND, tick=False):
        result = tasks.sweep_deadlines.delay()

    assert result.result["reminders"] == 1
    assert SweepRun.objects.get(name=SWEEP_NAME).last_finished_at == REMIND
    assert [m.to for m in mail.outbox] == [[org.owner.email]]


def test_the_sweep_task_is_the_sweep_service():
    with mock.patch.object(tasks, "sweep", return_value={"reminders": 0}) as service:
        assert tasks.sweep_deadlines.apply().result == {"reminders": 0}
    service.assert_called_once_with()


def test_the_send_task_sends_the_row_it_is_given(org):
    email = notice_email(
        key="notice:task", recipient=org.manager, subject="Hello", heading="Hi", lines=[], link="/"
    )
    with time_machine.travel(ANCHOR, tick=False):
        email.next_attempt_at = london(2026, 11, 25, 9, 0)
        email.save()
        result = tasks.send_outbox_email.delay(email.pk)
    assert result.result == EmailStatus.SENT
    assert OutboxEmail.objects.get(pk=email.pk).status == EmailStatus.SENT
    assert [m.subject for m in mail.outbox] == ["Hello"]


def test_the_send_task_is_the_outbox_service():
    with mock.patch.object(tasks, "outbox_send", return_value="skipped") as service:
        assert tasks.send_outbox_email.apply(args=[42]).result == "skipped"
    service.assert_called_once_with(email_id=42, attempts=None)


def test_the_tasks_are_registered_under_their_names():
    for task in (tasks.sweep_deadlines, tasks.send_outbox_email, tasks.send_outbox_batch):
        assert app.tasks[task.name] is task._get_current_object()
    assert tasks.sweep_deadlines.name == "deadlines.tasks.sweep_deadlines"
    assert tasks.send_outbox_email.name == "deadlines.tasks.send_outbox_email"
    assert tasks.send_outbox_batch.name == "deadlines.tasks.send_outbox_batch"


def test_beat_sweeps_every_sixty_seconds():
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-deadlines"]
    assert entry["task"] == tasks.sweep_deadlines.name
    assert entry["schedule"] == 60
    assert app.conf.beat_schedule["sweep-deadlines"]["schedule"] == 60
    assert settings.CELERY_TIMEZONE == "UTC"


def test_the_filesystem_broker_keeps_every_folder_under_var(monkeypatch):
    """kombu's filesystem broker defaults its control folder to ./control (celery.exchange in
    the project root); with no REDIS_URL every folder it uses is under var/, which git ignores."""
    import runpy
    from pathlib import Path

    from django.conf import settings

    monkeypatch.setenv("REDIS_URL", "")
    base = runpy.run_path(str(Path(settings.BASE_DIR) / "casetransfer" / "settings" / "base.py"))
    options = base["CELERY_BROKER_TRANSPORT_OPTIONS"]
    assert base["CELERY_BROKER_URL"] == "filesystem://"
    folders = ["data_folder_in", "data_folder_out", "processed_folder", "control_folder"]
    for key in folders:
        assert Path(options[key]).is_relative_to(base["VAR_DIR"]), key
    assert Path(base["CELERY_BEAT_SCHEDULE_FILENAME"]).is_relative_to(base["VAR_DIR"])
