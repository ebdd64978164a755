"""Child in Need to Children in Care (seed 004) in a real browser, with axe-core on every page:
the operational manager records the panel's decision and allocates a Children in Care team, the
CIN team manager tells the Senior Performance Administrator, then withdraws the request when
the child goes home; the operational manager sees it withdrawn."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.choices import PlanType
from cases.services import case_allocate
from cases.tests.factories import CaseFactory
from people.models import Service
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory
from transfers.models import Transfer, TransferStatus

from .test_accessibility import shot
from .test_step_up_journey import Journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _date(journey, page, legend: str, day) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_cin_to_children_in_care_started_then_withdrawn(page, live_server):
    cin_tm = UserFactory(username="cintm", roles=[Role.TEAM_MANAGER])
    cic_tm = UserFactory(username="cictm", roles=[Role.TEAM_MANAGER])
    cin = TeamFactory(name="CIN North", service=Service.CHILDREN_IN_NEED, manager=cin_tm)
    cic = TeamFactory(
        name="Children in Care",
        service=Service.CHILDREN_IN_CARE,
        manager=cic_tm,
        remit_plan_types=[PlanType.CIC],
    )
    cin_tm.memberships.create(team=cin)
    cic_tm.memberships.create(team=cic)
    om = UserFactory(username="om", roles=[Role.OPERATIONAL_MANAGER], teams=[cin, cic])
    cin_sw = UserFactory(username="cinsw", roles=[Role.SOCIAL_WORKER], teams=[cin])
    UserFactory(username="spa", roles=[Role.SENIOR_ADMINISTRATOR])
    case = CaseFactory(current_team=cin, plan_type=PlanType.CIN, ics_number="")
    case_allocate(case=case, team=cin, worker=cin_sw, by=cin_tm)
    today = timezone.localdate()
    journey = Journey(page, live_server.url)

    # The operational manager records the panel's decision from the case page.
    journey.sign_in(om.username)
    journey.goto(case.get_absolute_url())
    journey.click("Record that the panel confirmed access to care")
    _date(journey, page, "Date the panel confirmed access to care", today)
    journey.submit("Record and tell the team manager")
    transfer = Transfer.objects.get(case=case)
    assert transfer.status == TransferStatus.CARE_CONFIRMED
    journey.click("Allocate a Children in Care team")
    page.get_by_label("Children in Care team").select_option(label="Children in Care")
    journey.submit("Allocate")
    shot(page, "cin-to-cic-team-allocated")

    # The CIN team manager tells the Senior Performance Administrator, from their home page.
    journey.sign_in(cin_tm.username)
    assert "Transfers waiting for you" in page.content()
    journey.goto(transfer.get_absolute_url())
    journey.click("Tell the Senior Performance Administrator")
    _date(journey, page, "Date the case is due to transfer by", today + timedelta(days=14))
    journey.fill("Brief summary", "Care order granted.")
    journey.fill("ICS number", "ICS-77")
    journey.submit("Tell the Senior Performance Administrator")

    # The child goes home: the CIN team manager withdraws the request.
    journey.click("Withdraw this request")
    journey.click("Withdraw the request")  # sent empty first: the reason is asked for
    assert "Enter why the request is withdrawn" in page.content()
    journey.fill("Why is the request being withdrawn?", "The child has returned home.")
    journey.submit("Withdraw the request")
    assert "This cannot be undone" in page.content()
    journey.submit("Confirm and withdraw this request")
    assert "Request withdrawn" in page.content()
    shot(page, "cin-to-cic-withdrawn")
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.WITHDRAWN

    # The operational manager sees it withdrawn, with nothing left to do. (The receiving team
    # manager, told by email, no longer sees a case that never reached their team.)
    journey.sign_in(om.username)
    journey.goto(transfer.get_absolute_url())
    assert TransferStatus.WITHDRAWN.label in page.inner_text("main")
    assert page.get_by_role("link", name="Allocate a Children in Care team").count() == 0
    assert journey.violations == {}, journey.violations
