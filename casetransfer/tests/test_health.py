import json
from unittest import mock

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    body = json.loads(response.content)
    assert body["database"] == "ok"
    assert body["broker"] == "ok"
    assert response.status_code == 200


def test_healthz_is_503_when_the_broker_is_down(client):
    with mock.patch("casetransfer.health.broker_ok", return_value=False):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["broker"] == "down"


def test_healthz_is_503_when_the_database_is_down(client):
    with mock.patch("casetransfer.health.database_ok", return_value=False):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["database"] == "down"
