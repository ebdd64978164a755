"""Issue 13: downloads of a conference document and exports of a transfer list are recorded
with who, when, which record and the address they came from."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from conferences.tests.conftest import S, _private_media, conf, walk  # noqa: F401 (fixtures)
from registers.tests.conftest import world  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def test_a_transfer_list_export_is_recorded_with_the_address(client, world):  # noqa: F811
    client.force_login(world.senior_admin)
    response = client.get(reverse("registers:weekly"), {"format": "csv"}, REMOTE_ADDR="10.4.4.4")
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="register.export")
    assert (event.actor, event.ip_address) == (world.senior_admin, "10.4.4.4")
    assert event.at is not None and "CSV" in event.note


def test_a_document_download_is_recorded_with_the_address(client, conf):  # noqa: F811
    request = walk(conf, S.WITH_QA)
    document = request.documents.first()
    client.force_login(conf.locality_tm)
    url = reverse("conferences:document", args=[request.pk, document.pk])
    assert client.get(url, REMOTE_ADDR="10.5.5.5").status_code == 200
    event = AuditEvent.objects.get(action="bundledocument.download")
    assert (event.actor, event.ip_address) == (conf.locality_tm, "10.5.5.5")
    assert event.subject_id == str(request.pk)
    assert event.changes == {"document": [None, document.pk]}
