"""The senior administrator's weekly transfer list in a real browser: it is their home page;
they filter it and download it as CSV. axe-core checks each page against WCAG 2.2 AA."""

import csv
import io

import pytest

from cases.tests.factories import CaseFactory
from people.roles import Role
from people.tests.factories import UserFactory
from transfers.models import Transfer, TransferKind

from .test_step_up_journey import Journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _transfer(case, to_team, requested_by) -> Transfer:
    return Transfer.objects.create(
        kind=TransferKind.CIN_TO_CIC,
        case=case,
        status="proposed",
        stage="requested",
        from_team=case.current_team,
        to_team=to_team,
        requested_by=requested_by,
    )


def test_the_senior_administrator_filters_and_downloads_the_weekly_list(page, live_server, world):
    admin = UserFactory(username="senioradmin", roles=[Role.SENIOR_ADMINISTRATOR])
    _transfer(
        CaseFactory(current_team=world.cin, first_name="Amy", last_name="Ashby"),
        world.duty,
        world.cin_tm,
    )
    _transfer(
        CaseFactory(current_team=world.eh, first_name="Ben", last_name="Brook"),
        world.cin,
        world.eh_tm,
    )
    journey = Journey(page, live_server.url)

    journey.sign_in(admin.username)
    assert page.url.endswith("/transfers/weekly/")
    assert "Amy Ashby" in page.content() and "Ben Brook" in page.content()

    page.get_by_label("Team", exact=True).select_option(label="SC Duty")
    journey.click("Apply filters")
    assert "Amy Ashby" in page.content() and "Ben Brook" not in page.content()
    assert "team=" in page.url

    page.get_by_role("link", name="Child", exact=True).click()  # sort by name
    page.wait_for_load_state()
    journey.check()
    assert "sort=name" in page.url

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download as CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("weekly-transfer-list-")
    with open(download.path(), encoding="utf-8-sig") as downloaded:
        rows = list(csv.reader(io.StringIO(downloaded.read())))
    assert [row[3] for row in rows[1:]] == ["Ashby"]
    assert journey.violations == {}, journey.violations
