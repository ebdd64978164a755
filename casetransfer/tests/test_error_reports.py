"""Issue 13: a 500 on a page showing a child leaks nothing personal.

The page breaks after it has loaded the child (and, on a conference request, the letters that
name the children and the family's new address): the error email to ADMINS, every log record and
the answer to the browser carry the case or request reference, never the child's name, date of
birth or address. Run with DEBUG off, ADMINS set and the logging the project configures
(Django's mail_admins handler on the "django" logger, the project's console handler)."""

import logging
import re
from datetime import date

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from cases.choices import PlanType
from cases.tests.factories import CaseFactory
from conferences.models import ConferenceStatus
from conferences.tests.conftest import _private_media, conf, walk  # noqa: F401
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def production_like(settings):
    settings.DEBUG = False
    settings.ADMINS = [("Service desk", "servicedesk@example.org")]
    settings.SERVER_EMAIL = "casetransfer@example.org"
    return settings


def _broken(*args, **kwargs):
    raise RuntimeError("the page broke while showing a child")


def _everything_said(caplog, response) -> str:
    """The error emails (text and HTML), every log record (message, arguments and traceback)
    and the body of the answer."""
    parts = [response.content.decode("utf-8", "replace")]
    for message in mail.outbox:
        parts += [message.subject, message.body]
        parts += [str(content) for content, _kind in getattr(message, "alternatives", [])]
    for record in caplog.records:
        parts.append(record.getMessage())
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


def _assert_nothing_personal(text: str, *personal: str) -> None:
    for value in personal:
        assert not re.search(rf"\b{re.escape(value)}\b", text, re.IGNORECASE), (
            f"{value!r} was reported"
        )


def test_a_500_on_a_case_page_reports_the_reference_not_the_child(
    production_like, caplog, monkeypatch
):
    team = TeamFactory(name="CIN Report")
    user = UserFactory(username="report.sw", roles=[Role.SOCIAL_WORKER], teams=[team])
    case = CaseFactory(
        current_team=team,
        plan_type=PlanType.CIN,
        first_name="Persephone",
        last_name="Quartermaine",
        date_of_birth=date(2016, 7, 23),
    )
    monkeypatch.setattr("cases.views.case_page_actions", _broken)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    mail.outbox.clear()
    with caplog.at_level(logging.INFO):
        response = client.get(reverse("cases:detail", args=[case.reference]))
    assert response.status_code == 500
    # The failure was reported, and reported usefully: to ADMINS, with the reference.
    assert len(mail.outbox) == 1
    report = mail.outbox[0]
    assert report.to == ["servicedesk@example.org"]
    assert "the page broke" in report.body
    assert case.reference in report.body
    assert any(r.levelno == logging.ERROR for r in caplog.records)
    _assert_nothing_personal(
        _everything_said(caplog, response),
        "Persephone",
        "Quartermaine",
        "2016-07-23",
        "23 July 2016",
        "datetime.date(2016, 7, 23)",
    )


def test_a_500_on_a_conference_request_reports_no_child_and_no_address(
    production_like,
    caplog,
    monkeypatch,
    conf,  # noqa: F811
):
    # A request whose letters (held as sent, naming the children and the new address) are loaded
    # by the page before it breaks.
    tir = walk(conf, ConferenceStatus.SCHEDULED, children=2)
    assert tir.protocol_email_text and tir.children.exists()
    children = list(tir.children.all())
    monkeypatch.setattr("conferences.views.request_actions", _broken)
    client = Client(raise_request_exception=False)
    client.force_login(conf.cca)
    mail.outbox.clear()
    with caplog.at_level(logging.INFO):
        response = client.get(reverse("conferences:detail", args=[tir.pk]))
    assert response.status_code == 500
    assert len(mail.outbox) == 1
    assert f"/conferences/{tir.pk}/" in mail.outbox[0].body
    personal = [tir.new_address, "New Street", "Townsville"]
    for child in children:
        personal += [child.first_name, child.last_name, child.date_of_birth.isoformat()]
    _assert_nothing_personal(_everything_said(caplog, response), *personal)
