"""Transfers between teams in a real browser, as each role in turn, with axe-core on every page:
a step across from proposal to completion, and a Social Care transfer whose completion waits
for the team manager to sign off the transfer summary."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.choices import PlanType
from cases.services import case_allocate
from cases.tests.factories import CaseFactory
from people.models import Service
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory
from transfers.models import Transfer, TransferKind, TransferStatus

from .test_step_up_journey import Journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_date(journey: Journey, field: str, when) -> None:
    """A GOV.UK date input, by its field name (the page may have several Day boxes)."""
    for index, value in enumerate((when.day, when.month, when.year)):
        journey.page.locator(f"input[name='{field}_{index}']").fill(str(value))


def fill_time(journey: Journey, field: str, when) -> None:
    journey.page.locator(f"input[name='{field}']").fill(when.strftime("%H:%M"))


def record_notification(journey: Journey, now) -> None:
    journey.click("Record who was told in writing")
    journey.fill("Who was told?", "Head of Year, Oak School")
    journey.choose("Who are they?", "School")
    journey.choose("How were they told?", "Letter")
    fill_date(journey, "told_on", now)
    fill_time(journey, "told_time", now)
    journey.submit("Record who was told")


def quality_assure(journey: Journey) -> None:
    journey.click("Record the quality assurance check")
    journey.fill("What did you check?", "Records up to date; chronology current.")
    journey.submit("Record the check")


def test_a_step_across_from_proposal_to_completion(page, live_server, world):
    journey = Journey(page, live_server.url)
    yfs_tm = UserFactory(username="yfstm", roles=[Role.TEAM_MANAGER])
    yfs = TeamFactory(
        name="Youth & Family North",
        service=Service.YOUTH_AND_FAMILY,
        locality="North",
        manager=yfs_tm,
    )
    yfs_tm.memberships.create(team=yfs)
    yfs_worker = UserFactory(username="yfsworker", roles=[Role.FSW], teams=[yfs])
    case = CaseFactory(
        current_team=world.cin,
        plan_type=PlanType.CIN,
        latest_assessment_on=timezone.localdate() - timedelta(days=7),
    )
    case_allocate(case=case, team=world.cin, worker=world.cin_sw, by=world.cin_tm)
    now = timezone.localtime()

    # The CIN team manager proposes it, after talking to the YFS manager.
    journey.sign_in(world.cin_tm.username)
    journey.goto(case.get_absolute_url())
    journey.click("Propose a transfer to another team")
    page.get_by_label("Which team should the case transfer to?").select_option(str(yfs.pk))
    journey.fill("Why should the case transfer?", "Needs met at CIN level; YFS to support.")
    earlier = now - timedelta(hours=1)
    fill_date(journey, "discussion_date", earlier)
    fill_time(journey, "discussion_time", earlier)
    page.get_by_label("Which receiving manager did you discuss it with?").select_option(
        str(yfs_tm.pk)
    )
    journey.fill("What did the managers agree?", "YFS leads from next month.")
    journey.submit("Propose the transfer")
    transfer = Transfer.objects.get(case=case)
    assert (transfer.kind, transfer.status) == (TransferKind.STEP_ACROSS, TransferStatus.PROPOSED)

    # The YFS manager finds it in their inbox, accepts it and allocates a worker.
    journey.sign_in(yfs_tm.username)
    journey.click("Incoming transfers")
    journey.click("Step across")
    journey.click("Accept or decline the transfer")
    journey.choose("Do you accept the transfer into your team?", "Yes")
    journey.fill("Reasons for the decision", "Within our remit; capacity this month.")
    journey.submit("Record the decision")
    assert "Check your answers before you accept the transfer" in page.title()
    journey.submit("Confirm and accept the transfer")
    journey.click("Allocate a worker")
    journey.choose("Who will hold the case?", "A worker in the team")
    page.get_by_label("Worker", exact=True).select_option(str(yfs_worker.pk))
    journey.submit("Allocate")

    # The CIN team meets the standards: QA, written notice, the joint transition visit.
    journey.sign_in(world.cin_tm.username)
    journey.goto(transfer.get_absolute_url())
    assert "Complete the transfer" not in [
        a.inner_text() for a in page.locator(".govuk-button-group a").all()
    ]
    quality_assure(journey)
    record_notification(journey, now)
    journey.goto(transfer.get_absolute_url())
    journey.click("Record the joint transition visit")
    journey.choose("Has the meeting happened?", "Yes, record it as held")
    fill_date(journey, "held_on", now)
    fill_time(journey, "held_time", now)
    journey.fill("Other people attending", "Mother")
    journey.submit("Save the meeting")
    journey.goto(transfer.get_absolute_url())
    journey.click("Complete the transfer")
    journey.submit("Complete the transfer")
    transfer.refresh_from_db()
    case.refresh_from_db()
    assert transfer.status == TransferStatus.COMPLETED
    assert (case.current_team, case.allocated_worker) == (yfs, yfs_worker)
    assert journey.violations == {}, journey.violations


def test_a_social_care_transfer_waits_for_the_summary_sign_off(page, live_server, world):
    journey = Journey(page, live_server.url)
    cic_tm = UserFactory(username="cictm", roles=[Role.TEAM_MANAGER])
    cic = TeamFactory(
        name="Children in Care",
        service=Service.CHILDREN_IN_CARE,
        locality="",
        manager=cic_tm,
        remit_plan_types=[PlanType.CIC],
    )
    cic_tm.memberships.create(team=cic)
    cic_sw = UserFactory(username="cicsw", roles=[Role.SOCIAL_WORKER], teams=[cic])
    case = CaseFactory(
        current_team=world.cin,
        plan_type=PlanType.CIC,
        latest_assessment_on=timezone.localdate() - timedelta(days=75),
    )
    case_allocate(case=case, team=world.cin, worker=world.cin_sw, by=world.cin_tm)
    now = timezone.localtime()

    journey.sign_in(world.cin_tm.username)
    journey.goto(case.get_absolute_url())
    journey.click("Propose a transfer to another team")
    page.get_by_label("Which team should the case transfer to?").select_option(str(cic.pk))
    journey.fill("Why should the case transfer?", "Care order granted.")
    journey.submit("Propose the transfer")
    transfer = Transfer.objects.get(case=case)

    journey.sign_in(cic_tm.username)
    journey.goto(transfer.get_absolute_url())
    journey.click("Accept or decline the transfer")
    journey.choose("Do you accept the transfer into your team?", "Yes")
    journey.fill("Reasons for the decision", "Child in care: ours.")
    journey.submit("Record the decision")
    journey.submit("Confirm and accept the transfer")
    journey.click("Allocate a worker")
    journey.choose("Who will hold the case?", "A worker in the team")
    page.get_by_label("Worker", exact=True).select_option(str(cic_sw.pk))
    journey.submit("Allocate")

    journey.sign_in(world.cin_tm.username)
    journey.goto(transfer.get_absolute_url())
    quality_assure(journey)
    record_notification(journey, now)
    journey.goto(transfer.get_absolute_url())
    # Blocked: the assessment is over a month old and there is no signed-off summary.
    content = page.content()
    assert "Transfer summary written and signed off by the team manager" in content
    buttons = [a.inner_text() for a in page.locator(".govuk-button-group a").all()]
    assert "Complete the transfer" not in buttons

    # The social worker writes it; it still waits for the team manager.
    journey.sign_in(world.cin_sw.username)
    journey.goto(transfer.get_absolute_url())
    journey.click("Write the transfer summary")
    journey.fill("Updated case information", "Care order granted on Monday.")
    journey.fill("Important dates", "First LAC review in 20 working days.")
    journey.fill("Urgent actions to follow up", "Contact arrangements with father.")
    journey.submit("Save the summary for sign-off")
    transfer.refresh_from_db()
    assert transfer.team_move.summary_written_at and not transfer.team_move.summary_signed_off

    journey.sign_in(world.cin_tm.username)
    journey.goto(transfer.get_absolute_url())
    journey.click("Sign off the transfer summary")
    journey.submit("Sign off the summary")
    journey.click("Complete the transfer")
    journey.submit("Complete the transfer")
    transfer.refresh_from_db()
    case.refresh_from_db()
    assert transfer.status == TransferStatus.COMPLETED
    assert (case.current_team, case.allocated_worker) == (cic, cic_sw)
    assert journey.violations == {}, journey.violations
