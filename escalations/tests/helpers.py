"""Shared steps for the escalation tests."""

from django.utils import timezone

from transfers import services as transfer_services
from transfers.models import TransferStatus


def refused(world, walk):
    """A step-up Social Care did not agree, through the real services."""
    transfer = walk(TransferStatus.PICKED_UP)
    return transfer_services.step_up_decide(
        transfer=transfer,
        by=transfer.assigned_to,
        outcome="nfa_advice",
        discussion_held_at=timezone.now(),
        note="Threshold not met",
    )
