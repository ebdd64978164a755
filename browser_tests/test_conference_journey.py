"""A transfer-in conference from receipt via MASH to a scheduled conference, in a real browser,
as each role in turn; axe-core checks every page visited against WCAG 2.2 AA."""

from datetime import timedelta

import pytest
from django.utils import timezone

from browser_tests.test_step_up_journey import Journey
from conferences.models import BUNDLE_KINDS, DocumentKind, TransferInRequest
from conferences.models import ConferenceStatus as S
from conferences.tests.conftest import PDF, _private_media, conf  # noqa: F401
from deadlines.models import Deadline, DeadlineStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _date(page, name: str, day) -> None:
    for part, value in enumerate((day.day, day.month, day.year)):
        page.locator(f"[name={name}_{part}]").fill(str(value))


def test_transfer_in_from_receipt_to_a_scheduled_conference(page, live_server, conf):  # noqa: F811
    journey = Journey(page, live_server.url)
    today = timezone.localdate()

    # MASH records the request for two siblings and acknowledges it.
    journey.sign_in(conf.mash_worker.username)
    journey.click("See all transfer-in conferences")
    journey.click("Record a transfer-in request")
    journey.fill("Requesting authority", "Northshire County Council")
    journey.fill("Social worker's name", "Sam Holder")
    journey.fill("Social worker's email", "sam@northshire.example")
    journey.fill("Social worker's phone", "01234 567890")
    _date(page, "moved_in_on", today - timedelta(days=3))
    journey.fill("The family's new address", "1 New Street")
    _date(page, "received_on", today - timedelta(days=1))
    journey.fill("Time the written request arrived", "09:30")
    for n, name in ((1, "Ava"), (2, "Ben")):
        journey.fill(f"First name (child {n})", name)
        journey.fill(f"Last name (child {n})", "Okafor")
        _date(page, f"child_{n}_date_of_birth", today.replace(year=today.year - 5 - n))
    journey.submit("Record the request")
    request = TransferInRequest.objects.get()
    assert request.children.count() == 2
    journey.click("Acknowledge receipt and send to the CCA team")
    assert "Dear Sam Holder" in page.content()
    journey.submit("Acknowledge and send to the CCA team")

    # The CCA records the family, sends the protocol email and tracks the bundle.
    journey.sign_in(conf.cca.username)
    journey.click(f"Transfer-in {request.reference}")
    journey.click("Record the family as CPE")
    journey.submit("Record the family as CPE")
    assert "CPE" in page.content()
    journey.click("Send the protocol email")
    assert "Documentation required" in page.content()
    journey.submit("Record the protocol email as sent")
    journey.click("Protocol email: information and action required")
    assert "Ben Okafor and Ava Okafor" in page.content()  # eldest first
    journey.click("Back to the request")
    for kind in BUNDLE_KINDS:
        journey.click("Add a document to the bundle")
        journey.choose("Which document is it?", DocumentKind(kind).label)
        page.get_by_label("Upload the document").set_input_files(
            files=[{"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        journey.submit("Add the document")
    journey.click("Mark the bundle received")
    journey.submit("Mark the bundle received")
    journey.click("Share the bundle with the QA Service Manager and team manager")
    page.get_by_label("Receiving locality team").select_option(str(conf.locality.pk))
    journey.submit("Share the bundle")

    # The QA Service Manager records the discussion and the decision, and offers a date.
    journey.sign_in(conf.qasm.username)
    journey.click(f"Transfer-in {request.reference}")
    journey.click("Record the discussion with the team manager")
    _date(page, "discussed_on", today)
    journey.fill("Time of the discussion", "00:01")
    journey.fill("What was discussed and agreed", "Risks continue; plan workable here.")
    journey.submit("Record the discussion")
    journey.click("Record the decision")
    journey.choose("Your decision", "Accept: hold a transfer-in conference")
    journey.fill("Reasons", "The risks the plan addresses continue after the move.")
    journey.submit("Record the decision")
    journey.click("Offer a tentative date")
    journey.submit("Offer this date")  # the suggested date: 15 working days from the request
    assert "Responsibility stays with Northshire County Council" in page.content()

    # The CCA agrees the date with the locality service: the conference is scheduled.
    journey.sign_in(conf.cca.username)
    journey.goto(request.get_absolute_url())
    journey.click("Agree the conference date")
    journey.fill("Conference start time", "10:00")
    journey.fill("Where", "County Hall, Room 3")
    journey.fill("Agreed with", "CIN North team manager")
    journey.submit("Agree the date")
    request.refresh_from_db()
    assert request.status == S.SCHEDULED
    assert Deadline.objects.filter(
        subject_id=str(request.pk), kind="pre_conference_report", status=DeadlineStatus.OPEN
    ).exists()
    assert "Add the conference to your calendar" in page.content()

    # The Independent Chair sees it coming, with the report not yet in.
    journey.sign_in(conf.chair.username)
    journey.click("See all transfer-in conferences")
    assert request.reference in page.content()
    assert "Not yet received" in page.content()

    assert not journey.violations, journey.violations
