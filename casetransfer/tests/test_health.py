import json
from unittest import mock

import pytest
import time_machine

from deadlines.sweep import sweep

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_broker_and_sweep(client):
    sweep()
    response = client.get("/healthz")
    body = json.loads(response.content)
    assert body["database"] == "ok"
    assert body["broker"] == "ok"
    assert body["sweep"]["status"] == "ok"
    assert response.status_code == 200


def test_healthz_says_starting_until_the_first_sweep_then_stale(client, caplog):
    from datetime import timedelta

    from casetransfer import health

    with time_machine.travel(health.STARTED_AT + timedelta(seconds=10), tick=False):
        response = client.get("/healthz")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["status"] == "starting"
    assert body["sweep"] == {"status": "starting", "last_run": None}
    # A healthy start logs nothing above INFO (a 503 would log an ERROR).
    assert not [r for r in caplog.records if r.levelname in {"WARNING", "ERROR"}]

    with time_machine.travel(health.STARTED_AT + timedelta(seconds=301), tick=False):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["sweep"] == {"status": "stale", "last_run": None}


def test_healthz_reports_the_sweep_stale_after_five_minutes(client):
    with time_machine.travel("2026-11-24 10:00Z", tick=False):
        sweep()
    with time_machine.travel("2026-11-24 10:04:59Z", tick=False):
        assert json.loads(client.get("/healthz").content)["sweep"]["status"] == "ok"
    with time_machine.travel("2026-11-24 10:05:01Z", tick=False):
        response = client.get("/healthz")
    assert json.loads(response.content)["sweep"]["status"] == "stale"
    assert response.status_code == 503


def test_healthz_is_503_when_the_broker_is_down(client):
    sweep()
    with mock.patch("casetransfer.health.broker_ok", return_value=False):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["broker"] == "down"


def test_healthz_is_503_when_the_database_is_down(client):
    with mock.patch("casetransfer.health.database_ok", return_value=False):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["database"] == "down"


def test_administrators_see_how_many_emails_failed(client):
    from django.utils import timezone

    from deadlines.models import OutboxEmail
    from people.roles import Role
    from people.tests.factories import UserFactory

    email = OutboxEmail.objects.create(
        dedupe_key="k",
        kind="notice",
        to_email="a@example.org",
        subject="s",
        body_text="b",
        next_attempt_at=timezone.now(),
    )
    OutboxEmail.objects.filter(pk=email.pk).update(status="failed")
    client.force_login(UserFactory(roles=[Role.SYSTEM_ADMINISTRATOR], is_staff=True))
    assert b"1 email could not be sent" in client.get("/").content
    client.force_login(UserFactory(roles=[Role.SOCIAL_WORKER]))
    assert b"could not be sent" not in client.get("/").content
