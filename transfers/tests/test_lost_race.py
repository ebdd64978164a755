"""Issue 13: a manager who submits a step after someone else's step took the case out of their
team's view is told who acted first (not shown a 404); anyone else still gets a 404."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from people.tests.factories import UserFactory
from transfers import services
from transfers.models import TransferStatus

from .conftest import walk_step_up

pytestmark = pytest.mark.django_db

DECISION = {"outcome": "s17_assessment", "note": "Agreed", "confirm": "yes"}


def test_the_loser_of_a_race_is_told_who_acted_first(client, world):
    transfer = walk_step_up(world, TransferStatus.PICKED_UP)
    path = reverse("transfers:decision", args=[transfer.pk])
    client.force_login(transfer.assigned_to)
    assert client.get(path).status_code == 200
    # Early Help withdraws while duty has the decision form open: duty no longer sees the case.
    services.transfer_withdraw(transfer=transfer, by=world.ffp, reason="Family moved away")
    response = client.post(path, DECISION, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("home")
    assert f"{escape(world.ffp)} acted on this request first" in page
    assert "Nothing you entered was saved." in page
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.WITHDRAWN


def test_someone_outside_the_transfers_teams_still_gets_404(client, world):
    transfer = walk_step_up(world, TransferStatus.PICKED_UP)
    services.transfer_withdraw(transfer=transfer, by=world.ffp, reason="Family moved away")
    client.force_login(UserFactory())
    path = reverse("transfers:decision", args=[transfer.pk])
    assert client.post(path, DECISION).status_code == 404


def test_a_namesake_who_acted_first_is_not_taken_for_the_loser(client, world):
    """Told apart by who they are, not by their name: two people may share one."""
    transfer = walk_step_up(world, TransferStatus.PICKED_UP)
    loser = transfer.assigned_to
    world.ffp.first_name, world.ffp.last_name = loser.first_name, loser.last_name
    world.ffp.save()
    path = reverse("transfers:decision", args=[transfer.pk])
    client.force_login(loser)
    services.transfer_withdraw(transfer=transfer, by=world.ffp, reason="Family moved away")
    page = client.post(path, DECISION, follow=True).content.decode()
    assert f"{escape(world.ffp)} acted on this request first" in page
    assert "You have already done this" not in page
