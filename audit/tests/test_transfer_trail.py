"""Issue 13: a transfer's steps record what they changed, before and after."""

import pytest

from audit.models import AuditEvent
from transfers.models import TransferStatus
from transfers.tests.conftest import walk_step_up, world  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def test_the_send_to_duty_records_the_team_the_holder_and_the_urgency(world):  # noqa: F811
    transfer = walk_step_up(world, TransferStatus.WITH_DUTY, urgent=True)
    event = AuditEvent.objects.get(action="transfer.send_to_duty", subject_id=str(transfer.pk))
    assert event.from_state == TransferStatus.READY_TO_SEND
    assert event.to_state == TransferStatus.WITH_DUTY
    changes = event.changes
    assert changes["to_team"] == [None, transfer.to_team_id]
    assert changes.get("assigned_to", [None, None])[1] == transfer.assigned_to_id
    assert changes["sent_by"] == [None, world.supervisor.pk]
    assert changes["sent_at"][0] is None and changes["sent_at"][1]
    assert "status" not in changes


def test_a_step_that_changes_nothing_else_records_only_what_moved(world):  # noqa: F811
    transfer = walk_step_up(world, TransferStatus.AWAITING_EH_DECISION)
    event = AuditEvent.objects.get(action="transfer.submit_to_manager", subject_id=str(transfer.pk))
    assert "status" not in event.changes
    assert all(before != after for before, after in event.changes.values())


def test_the_step_up_details_each_step_fills_in_are_in_the_trail(world):  # noqa: F811
    transfer = walk_step_up(world, TransferStatus.AWAITING_ALLOCATION)
    details = AuditEvent.objects.filter(action="stepup.details", subject_id=str(transfer.pk))
    changes = {}
    for event in details:
        changes.update(event.changes)
    assert changes["eh_actions"] == ["", "Actions"]
    assert changes["eh_outcome"] == ["", "Outcome"]
    assert changes["request_summary"] == ["", "Summary"]
    assert changes["contact_reference"] == ["", "C1"]
    assert changes["referral_reference"] == ["", "R1"]
    assert {event.actor for event in details} == {
        world.eh_tm,
        world.supervisor,
        transfer.decided_by,
    }
    assert all(event.case_id == transfer.case_id for event in details)
