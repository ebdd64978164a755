"""The safety plan is said the same way on the case page and the transfer page."""

import pytest

from cases.models import Case
from transfers.models import TransferStatus
from transfers.tests.conftest import walk_step_up

pytestmark = pytest.mark.django_db


def _pages(client, transfer) -> tuple[str, str]:
    case_page = client.get(transfer.case.get_absolute_url()).content.decode()
    transfer_page = client.get(transfer.get_absolute_url()).content.decode()
    return case_page, transfer_page


def test_one_safety_plan_everywhere(client, world):
    transfer = walk_step_up(world, TransferStatus.ALLOCATED)
    client.force_login(world.duty_tm)

    Case.objects.filter(pk=world.case.pk).update(safety_plan_in_force=True)
    case_page, transfer_page = _pages(client, transfer)
    stays = "The existing safety plan stays in force until a new plan is recorded."
    assert stays in case_page and stays in transfer_page
    assert "None in force" not in case_page

    Case.objects.filter(pk=world.case.pk).update(safety_plan_in_force=False)
    case_page, transfer_page = _pages(client, transfer)
    assert "No safety plan in force" in case_page
    assert "There is no safety plan in force." in transfer_page
    assert "stays in force" not in case_page + transfer_page
