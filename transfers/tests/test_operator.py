"""Operators mend a stuck transfer (issue 13): read-only in the admin with its history and
deadlines; withdraw and reassign for the system administrator only, audited."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from deadlines.models import DeadlineStatus
from deadlines.services import open_deadlines
from people.roles import Role
from people.tests.factories import UserFactory
from transfers.models import TransferStatus
from transfers.services.operator import transfer_operator_reassign, transfer_operator_withdraw

pytestmark = pytest.mark.django_db


@pytest.fixture
def sysadmin(db):
    return UserFactory(username="sys", roles=[Role.SYSTEM_ADMINISTRATOR], is_staff=True)


def test_the_admin_shows_a_transfer_read_only_with_its_history_and_deadlines(
    client, world, walk, sysadmin, verified_login
):
    transfer = walk(TransferStatus.WITH_DUTY)
    verified_login(client, sysadmin)
    listing = client.get(reverse("admin:transfers_transfer_changelist"))
    assert listing.status_code == 200
    page = client.get(reverse("admin:transfers_transfer_change", args=[transfer.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Standard step-up response" in body and "transfer.send" in body
    assert 'name="_save"' not in body
    assert reverse("admin:transfers_transfer_withdraw", args=[transfer.pk]) in body


def test_only_the_system_administrator_mends(client, world, walk, sysadmin, verified_login):
    transfer = walk(TransferStatus.WITH_DUTY)
    staff = UserFactory(username="staffonly", roles=[Role.SERVICE_MANAGER], is_staff=True)
    verified_login(client, staff)
    url = reverse("admin:transfers_transfer_withdraw", args=[transfer.pk])
    assert client.post(url, {"reason": "x"}).status_code == 403
    with pytest.raises(Exception, match="system administrator"):
        transfer_operator_withdraw(transfer=transfer, by=world.duty_tm, reason="x")


def test_withdrawn_by_the_administrator_cancels_its_clocks_and_is_audited(
    client, world, walk, sysadmin, verified_login
):
    transfer = walk(TransferStatus.WITH_DUTY)
    verified_login(client, sysadmin)
    url = reverse("admin:transfers_transfer_withdraw", args=[transfer.pk])
    assert client.get(url).status_code == 200
    assert "Enter why" in client.post(url, {"reason": ""}).content.decode()
    response = client.post(url, {"reason": "Duplicate request made in error"})
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.WITHDRAWN
    assert not open_deadlines(transfer).exists()
    event = AuditEvent.objects.get(action="transfer.withdraw_step_up")
    assert event.actor == sysadmin and "Duplicate" in event.note


def test_reassigned_by_the_administrator_moves_the_step_and_its_deadlines(world, walk, sysadmin):
    transfer = walk(TransferStatus.PICKED_UP)
    transfer_operator_reassign(
        transfer=transfer, by=sysadmin, holder=world.duty_tm, reason="ATM has left"
    )
    transfer.refresh_from_db()
    assert transfer.assigned_to == world.duty_tm
    deadline = open_deadlines(transfer).get()
    assert deadline.owner == world.duty_tm and deadline.status == DeadlineStatus.OPEN
    event = AuditEvent.objects.get(action="transfer.operator_reassign")
    assert event.changes["assigned_to"][1] == world.duty_tm.pk
