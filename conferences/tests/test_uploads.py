"""Bundle uploads: the type judged by content, a size limit, private storage, and downloads
only to people who may see the request, each audited."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from conferences import services
from conferences.models import BundleDocument

from .conftest import PDF, PNG, S, docx_bytes, pdf_upload, walk

pytestmark = pytest.mark.django_db


def _upload(conf, request, uploaded, kind="cp_plan", by=None):
    return services.conference_upload_document(
        request=request, by=by or conf.cca, kind=kind, uploaded=uploaded
    )


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("plan.pdf", PDF, "application/pdf"),
        ("photo.png", PNG, "image/png"),
        (
            "minutes.docx",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_pdf_word_and_images_are_accepted_by_content(conf, name, content, mime):
    request = walk(conf, S.AWAITING_BUNDLE)
    document = _upload(conf, request, SimpleUploadedFile(name, content, "text/plain"))
    assert document.content_type == mime  # the browser's word ignored


@pytest.mark.parametrize(
    ("name", "content", "claimed"),
    [
        ("plan.pdf", b"#!/bin/sh\nrm -rf /\n", "application/pdf"),  # a name and a claim
        ("notes.txt", b"plain text", "text/plain"),
        ("page.pdf", b"<html><script>alert(1)</script></html>", "application/pdf"),
        ("archive.pdf", b"PK\x03\x04" + b"\x00" * 40, "application/pdf"),  # a bare zip
    ],
)
def test_anything_else_is_refused_whatever_its_name(conf, name, content, claimed):
    request = walk(conf, S.AWAITING_BUNDLE)
    with pytest.raises(ValidationError) as error:
        _upload(conf, request, SimpleUploadedFile(name, content, claimed))
    assert "PDF, Word document or image" in str(error.value)
    assert not BundleDocument.objects.exists()


def test_too_big_is_refused(conf, settings):
    settings.CONFERENCE_UPLOAD_MAX_BYTES = 1024
    request = walk(conf, S.AWAITING_BUNDLE)
    with pytest.raises(ValidationError) as error:
        _upload(conf, request, SimpleUploadedFile("big.pdf", PDF + b"0" * 2048))
    assert "smaller than" in str(error.value)


def test_only_the_cca_uploads(conf):
    request = walk(conf, S.AWAITING_BUNDLE)
    with pytest.raises(PermissionDenied):
        _upload(conf, request, pdf_upload(), by=conf.qasm)


def test_stored_privately_under_a_random_name(conf):
    request = walk(conf, S.AWAITING_BUNDLE)
    document = _upload(conf, request, pdf_upload("Ava Okafor CP plan.pdf"))
    path = Path(document.file.path)
    assert path.is_relative_to(Path(settings.MEDIA_ROOT))
    assert not path.is_relative_to(Path(settings.STATIC_ROOT))
    assert "Okafor" not in document.file.name
    assert path.read_bytes() == PDF


def test_download_only_to_those_who_see_the_request_and_audited(conf, client):
    request = walk(conf, S.WITH_QA)
    document = request.documents.first()
    url = reverse("conferences:document", args=[request.pk, document.pk])
    for outsider in (conf.outsider, conf.other_cca):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.force_login(conf.locality_tm)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert request.reference in response["Content-Disposition"]
    assert AuditEvent.objects.filter(
        action="bundledocument.download", actor=conf.locality_tm, subject_id=str(request.pk)
    ).exists()


def test_a_document_of_another_request_is_not_found(conf, client):
    first = walk(conf, S.BUNDLE_RECEIVED)
    second = walk(conf, S.ACKNOWLEDGED)
    document = first.documents.first()
    client.force_login(conf.cca)
    url = reverse("conferences:document", args=[second.pk, document.pk])
    assert client.get(url).status_code == 404


def test_upload_through_the_page(conf, client):
    request = walk(conf, S.AWAITING_BUNDLE)
    client.force_login(conf.cca)
    url = reverse("conferences:step", args=[request.pk, "upload"])
    page = client.get(url)
    assert b'enctype="multipart/form-data"' in page.content
    response = client.post(url, {"kind": "chronology", "file": pdf_upload("c.pdf")})
    assert response.status_code == 302
    bad = client.post(
        url, {"kind": "chronology", "file": SimpleUploadedFile("c.pdf", b"not a pdf")}
    )
    assert bad.status_code == 200
    assert b"must be a PDF, Word document or image" in bad.content
    assert request.documents.count() == 1
