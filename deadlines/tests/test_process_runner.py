"""`make run`'s process runner (honcho and the Procfile): web, worker and beat start together, a
healthy first start prints no WARNING or ERROR, and one Ctrl-C or SIGTERM stops them all."""

import json
import re
import signal
import urllib.request

import pytest
from django.utils import timezone

from casetransfer.celery import app
from deadlines.emails import notice_email

from .processes import VENV_BIN, Processes, database_url, free_port, wait_until

pytestmark = [
    pytest.mark.fault,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

NOISE = re.compile(r"\b(WARNING|ERROR|CRITICAL)\b|Traceback")


def healthz(port) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return json.loads(response.read())
    except OSError:
        return None


@pytest.mark.parametrize("stop_with", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_make_run_starts_web_worker_and_beat_quietly_and_one_signal_stops_them_all(
    org, settings, tmp_path, stop_with
):
    import redis

    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    for n in range(3):  # notifications waiting, as after seed_demo: printed by the console
        email = notice_email(
            key=f"runner:{n}",
            recipient=org.owner,
            subject=f"Notice {n}",
            heading="A notice",
            lines=["Case CT0000001."],
            link="/",
        )
        email.next_attempt_at = timezone.now()
        email.save()  # saved only: the worker sends it, not this (eager) test process
    port = free_port()
    processes = Processes(
        tmp_path,
        DJANGO_SETTINGS_MODULE="casetransfer.settings.local",
        DATABASE_URL=database_url(),
        REDIS_URL=settings.REDIS_URL,
        WEB_PORT=port,
        BEAT_SCHEDULE=tmp_path / "beat-schedule",
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
        DEBUG="true",
    )
    runner = processes.start("honcho", str(VENV_BIN / "honcho"), "start", "-f", "Procfile")
    try:
        body = wait_until(lambda: healthz(port), timeout=60, what="the site to answer")
        assert body["status"] == "starting"  # no sweep yet: not an error
        log = lambda: processes.log(runner)  # noqa: E731
        wait_until(lambda: " ready." in log(), timeout=60, what="the worker")
        wait_until(lambda: "beat: Starting" in log(), timeout=30, what="beat")
        app.send_task("deadlines.tasks.sweep_deadlines")  # as beat would, a minute in
        wait_until(
            lambda: (healthz(port) or {}).get("sweep", {}).get("status") == "ok",
            timeout=60,
            what="the first sweep",
        )
        wait_until(lambda: log().count("Subject: Notice") == 3, timeout=30, what="the emails")

        processes.signal(runner, stop_with)  # what Ctrl-C or a service manager sends
        runner.wait(30)
    finally:
        processes.stop_all()
    output = processes.log(runner)
    assert processes.left_behind() == []
    assert "web.1 stopped" in output
    assert "worker.1 stopped" in output
    assert "beat.1 stopped" in output
    noisy = [line for line in output.splitlines() if NOISE.search(line)]
    assert noisy == []
