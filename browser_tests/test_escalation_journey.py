"""An escalation in a real browser, with axe-core on every page: the Locality Lead escalates a
step-up Social Care did not agree; the service manager finds it on their home page (and by the
emailed link), overturns it, and the same step-up waits for allocation."""

from pathlib import Path

import pytest
from django.utils import timezone

from escalations.models import Escalation, EscalationStatus, Outcome
from transfers import services as transfer_services
from transfers.models import TransferStatus
from transfers.tests.conftest import walk_step_up

from .test_step_up_journey import Journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("test-results")


def test_a_refused_step_up_escalated_and_overturned(page, live_server, world):
    journey = Journey(page, live_server.url)
    transfer = walk_step_up(world, TransferStatus.PICKED_UP)
    transfer = transfer_services.step_up_decide(
        transfer=transfer,
        by=transfer.assigned_to,
        outcome="nfa_advice",
        discussion_held_at=timezone.now(),
        note="Threshold not met",
    )

    # The Locality Lead escalates it from the request.
    journey.sign_in(world.locality_lead.username)
    journey.goto(transfer.get_absolute_url())
    journey.click("Escalate to the Social Care service manager")
    page.locator("textarea").first.fill("Three incidents at school this month.")
    journey.submit("Escalate to the service manager")
    journey.submit("Confirm and escalate the decision to the service manager")
    escalation = Escalation.objects.get(transfer=transfer)
    assert escalation.status == EscalationStatus.RAISED

    # The service manager sees it on their home page and opens it.
    journey.sign_in(world.service_manager.username)
    journey.goto("/")
    assert "Escalations for you to decide" in page.content()
    page.get_by_role(
        "link", name=f"Step-up not agreed by Social Care (case {transfer.case.reference})"
    ).click()
    page.wait_for_load_state()
    journey.check()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "escalation.png"), full_page=True)
    journey.click("Record the decision")
    journey.choose("Your decision", Outcome.OVERTURNED.label)
    journey.choose("What will Social Care do?", "Section 17 (Child in Need) assessment")
    journey.fill("Reasons and actions", "The threshold for an assessment is met.")
    journey.submit("Record the decision")
    assert "Overturned" in page.content()

    escalation.refresh_from_db()
    transfer.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED
    assert transfer.status == TransferStatus.AWAITING_ALLOCATION
