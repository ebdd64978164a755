"""What the deadline emails say: where to act, what to do, who owns it, and how urgent it is."""

from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection
from django.template import engines
from django.template.loader import get_template

from deadlines import emails
from deadlines.emails import WHAT_TO_DO, deadline_email, deadline_messages, outbox_insert
from deadlines.models import EmailKind, OutboxEmail
from deadlines.rules import Kind
from deadlines.sweep import sweep

from .factories import CHILD_FIRST, CHILD_LAST, html_of, london, make_transfer, start_deadline

pytestmark = pytest.mark.django_db

ANCHOR = london(2026, 11, 25, 10, 0)  # Wednesday
REMIND = london(2026, 12, 1, 17, 0)
DUE = london(2026, 12, 2, 17, 0)  # joint visit: 5 working days

VISIT_TODO = "Visit the family with the Early Help worker and record the joint visit."


def start(org, kind=Kind.JOINT_VISIT, **kwargs):
    kwargs.setdefault("owner", org.owner)
    with time_machine.travel(ANCHOR, tick=False):
        return start_deadline(kind, ANCHOR, case=kwargs.pop("case", org.case), **kwargs)


def assert_no_child_name(email):
    for text in (email.subject, email.body_text, email.body_html):
        assert CHILD_FIRST not in text
        assert CHILD_LAST not in text


# --- where the action is ------------------------------------------------------------------------


def test_the_link_goes_to_the_transfer_when_the_deadline_is_about_one(org):
    transfer = make_transfer(org)
    deadline = start(org, subject=transfer)

    email = deadline_email(deadline, EmailKind.REMINDER, org.owner)

    link = f"{settings.SITE_URL}/transfers/{transfer.pk}/"
    assert f"Open the transfer for case {org.case.reference}: {link}" in email.body_text
    assert f'href="{link}"' in email.body_html
    assert "/cases/" not in email.body_text
    assert_no_child_name(email)


def test_the_link_goes_to_the_case_when_the_case_is_the_subject(org):
    deadline = start(org)
    email = deadline_email(deadline, EmailKind.BREACH, org.owner)
    link = f"{settings.SITE_URL}{org.case.get_absolute_url()}"
    assert f"Open case {org.case.reference}: {link}" in email.body_text
    assert f'href="{link}"' in email.body_html


def test_a_subject_without_a_page_falls_back_to_the_case(org):
    deadline = start(org, subject=org.team)  # a team has no page of its own
    email = deadline_email(deadline, EmailKind.REMINDER, org.owner)
    link = f"{settings.SITE_URL}{org.case.get_absolute_url()}"
    assert f"Open case {org.case.reference}: {link}" in email.body_text


def test_with_no_page_and_no_case_the_link_goes_to_the_deadlines_page(org):
    with time_machine.travel(ANCHOR, tick=False):
        from deadlines.services import deadline_start

        deadline = deadline_start(
            kind=Kind.JOINT_VISIT,
            subject=org.team,
            anchor_at=ANCHOR,
            owner=org.owner,
            owner_team=org.team,
        )
    email = deadline_email(deadline, EmailKind.REMINDER, org.owner)
    assert f"Open your deadlines: {settings.SITE_URL}/deadlines/" in email.body_text


# --- what to do ---------------------------------------------------------------------------------


def test_every_kind_says_what_to_do_in_one_line():
    assert set(WHAT_TO_DO) == set(Kind.values)
    for kind, line in WHAT_TO_DO.items():
        assert line and "\n" not in line and line.endswith("."), kind
        assert len(line) <= 120, kind


@pytest.mark.parametrize(
    ("kind", "line"),
    [
        (Kind.JOINT_VISIT, VISIT_TODO),
        (
            Kind.STEP_UP_URGENT,
            "Hold the step-up discussion with Early Help and record Social Care's decision.",
        ),
        (
            Kind.STEP_UP_STANDARD,
            "Hold the step-up discussion with Early Help and record Social Care's decision.",
        ),
        (Kind.EH_REVIEW, "Review the escalation discussion and send it to the team manager."),
        (
            Kind.EH_REVIEW_URGENT,
            "Review the escalation discussion and send it to the team manager.",
        ),
    ],
)
@pytest.mark.parametrize("email_kind", [EmailKind.REMINDER, EmailKind.BREACH, EmailKind.ESCALATION])
def test_the_owner_is_told_what_to_do(org, kind, line, email_kind):
    deadline = start(org, kind=kind)
    email = deadline_email(deadline, email_kind, org.owner)
    assert f"What to do: {line}" in email.body_text
    assert f"What to do: {line}".replace("'", "&#x27;") in email.body_html
    assert "waiting on it" not in email.body_text


def test_a_watcher_is_told_why_and_who_owns_it_instead(org):
    org.owner.first_name, org.owner.last_name = "Sam", "Okafor"
    org.owner.save()
    deadline = start(org, watchers=[org.other_owner])

    email = deadline_email(deadline, EmailKind.REMINDER, org.other_owner, as_watcher=True)

    line = "You are getting this because you are waiting on it. Sam Okafor (North CIN) owns it."
    assert line in email.body_text
    assert line in email.body_html
    assert "What to do" not in email.body_text
    assert email.to_email == org.other_owner.email
    assert email.dedupe_key == f"deadline:{deadline.pk}:r1:reminder:{org.other_owner.pk}"
    assert_no_child_name(email)


def test_a_watcher_of_an_unowned_deadline_hears_its_team_manager_owns_it(org):
    deadline = start(org, owner=None)
    email = deadline_email(deadline, EmailKind.BREACH, org.other_owner, as_watcher=True)
    assert "The North CIN team manager owns it." in email.body_text


# --- urgency ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("urgent", "section_47", "prefixed"),
    [(True, False, True), (False, True, True), (True, True, True), (False, False, False)],
)
def test_an_urgent_or_section_47_request_is_headlined_urgent(org, urgent, section_47, prefixed):
    transfer = make_transfer(org, urgent=urgent, section_47=section_47)
    deadline = start(org, kind=Kind.STEP_UP_URGENT, subject=transfer)

    email = deadline_email(deadline, EmailKind.BREACH, org.owner)

    reference = org.case.reference
    if prefixed:
        assert email.subject.startswith(f"URGENT [{reference}] Deadline passed: ")
        assert email.body_text.startswith("URGENT Deadline passed: ")
        assert ">URGENT Deadline passed: " in email.body_html
    else:
        assert email.subject.startswith(f"[{reference}] Deadline passed: ")
        assert "URGENT" not in email.subject + email.body_text + email.body_html


def test_a_case_subject_is_never_headlined_urgent(org):
    email = deadline_email(start(org), EmailKind.REMINDER, org.owner)
    assert email.subject.startswith(f"[{org.case.reference}] Reminder: joint visit due")


def test_the_sent_emails_carry_all_of_it(org):
    """Through the sweep: an urgent step-up's joint visit, owned by the social worker, watched
    by the Early Help worker."""
    transfer = make_transfer(org, urgent=True)
    start(org, subject=transfer, watchers=[org.other_owner])
    with time_machine.travel(REMIND, tick=False):
        sweep()

    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {org.owner.email, org.other_owner.email}
    link = f"{settings.SITE_URL}/transfers/{transfer.pk}/"
    for message in mail.outbox:
        assert message.subject.startswith(f"URGENT [{org.case.reference}] Reminder: joint visit")
        assert link in message.body
        assert f'href="{link}"' in html_of(message)
        for text in (message.subject, message.body, html_of(message)):
            assert CHILD_FIRST not in text and CHILD_LAST not in text
    assert f"What to do: {VISIT_TODO}" in by_address[org.owner.email].body
    assert "waiting on it" in by_address[org.other_owner.email].body
    assert "What to do" not in by_address[org.other_owner.email].body


# --- written for the sweep's batches (issue 14) --------------------------------------------------


@pytest.mark.parametrize("as_watcher", [False, True])
def test_the_html_is_what_extending_the_layout_gave(org, as_watcher):
    """deadline.html writes out emails/_layout.html instead of extending it (faster for the
    sweep's batches): the layout is the same, and so is what it renders."""
    deadline = start(org, subject=make_transfer(org, urgent=True))
    shaped = emails._BODY_HTML
    with mock.patch.object(shaped, "render", wraps=shaped.render) as spy:
        email = deadline_email(deadline, EmailKind.BREACH, org.owner, as_watcher=as_watcher)

    head, foot = get_template("emails/_layout.html").template.source.split(
        "{% block body %}{% endblock %}"
    )
    source = get_template("emails/deadline.html").template.source.split("#}", 1)[1]
    assert source.startswith(head) and source.endswith(foot)
    body = source.removeprefix(head).removesuffix(foot)
    extending = engines["django"].from_string(
        '{% extends "emails/_layout.html" %}{% block body %}' + body + "{% endblock %}"
    )
    assert extending.render(spy.call_args.args[0]) == email.body_html


@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])
def test_the_sweeps_insert_writes_what_bulk_create_would(org, vendor):
    if connection.vendor != "postgresql" and vendor == "postgresql":
        pytest.skip("PostgreSQL's insert")
    deadline = start(org)
    taken = deadline_email(deadline, EmailKind.BREACH, org.owner)
    taken.next_attempt_at = DUE
    taken.save()
    rows = deadline_messages(deadline, EmailKind.BREACH, [org.owner, org.manager])
    with mock.patch.object(connection, "vendor", vendor):
        outbox_insert(rows, next_attempt_at=DUE)

    # The owner's key was taken: that row is left as it was. The manager's is new.
    assert OutboxEmail.objects.get(recipient=org.owner).pk == taken.pk
    saved = OutboxEmail.objects.get(recipient=org.manager)
    expected = deadline_email(deadline, EmailKind.BREACH, org.manager)
    expected.next_attempt_at = DUE
    for field in OutboxEmail._meta.concrete_fields:
        if field.name not in {"id", "created_at"}:
            assert getattr(saved, field.attname) == getattr(expected, field.attname), field.name
    assert saved.created_at is not None
