"""A transfer keeps its earliest live deadline's due time in `next_due_at` (issue 14): every
service that starts, meets, cancels or moves a deadline writes it, and saving a copy of the
transfer read before never writes an old value back. (conftest's `_next_due_kept` checks the
same of every transfer after every database test.)"""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from deadlines.rules import Kind
from deadlines.services import (
    deadline_cancel,
    deadline_meet,
    deadline_reschedule,
    deadline_start,
    refresh_next_due,
    transfers_with_stale_next_due,
)
from transfers.models import Transfer
from transfers.models import TransferStatus as S
from transfers.tests.conftest import walk_step_up

pytestmark = pytest.mark.django_db


def _start(transfer, kind, anchor_at):
    return deadline_start(kind=kind, subject=transfer, anchor_at=anchor_at, case=transfer.case)


def _kept(transfer):
    return Transfer.objects.values_list("next_due_at", flat=True).get(pk=transfer.pk)


def test_start_meet_cancel_and_reschedule_keep_the_earliest_live_due_time(world):
    transfer = walk_step_up(world, S.AWAITING_EH_DECISION)
    now = timezone.now()
    later = _start(transfer, Kind.JOINT_VISIT, now + timedelta(days=20))
    sooner = _start(transfer, Kind.TEN_DAY_DISCUSSION, now - timedelta(days=20))
    live = [d.due_at for d in transfer_deadlines_live(transfer)]
    assert _kept(transfer) == min(live)
    assert transfer.next_due_at == min(live)  # the caller's copy too

    deadline_meet(subject=transfer, kind=Kind.TEN_DAY_DISCUSSION)
    assert _kept(transfer) == min(d.due_at for d in transfer_deadlines_live(transfer))
    assert sooner.due_at < _kept(transfer)

    moved = deadline_reschedule(
        deadline=later, anchor_at=now + timedelta(days=60), reason="The visit moved"
    )
    assert _kept(transfer) == min(d.due_at for d in transfer_deadlines_live(transfer))
    assert moved.due_at >= _kept(transfer)

    deadline_cancel(subject=transfer, reason="Withdrawn")
    assert _kept(transfer) is None
    assert transfers_with_stale_next_due() == []


def test_saving_a_copy_read_before_a_deadline_started_keeps_the_new_due_time(world):
    transfer = walk_step_up(world, S.AWAITING_EH_DECISION)
    stale_copy = Transfer.objects.get(pk=transfer.pk)
    _start(transfer, Kind.JOINT_VISIT, timezone.now() - timedelta(days=40))
    kept = _kept(transfer)

    stale_copy.withdrawn_reason = "A field changed on an old copy"
    stale_copy.save()

    assert _kept(transfer) == kept
    assert transfers_with_stale_next_due() == []


def test_the_check_finds_a_deadline_written_around_the_services(world):
    transfer = walk_step_up(world, S.AWAITING_EH_DECISION)
    Transfer.objects.filter(pk=transfer.pk).update(next_due_at=None)
    assert [row[0] for row in transfers_with_stale_next_due()] == [transfer.pk]
    refresh_next_due(ContentType.objects.get_for_model(Transfer), [transfer.pk])
    assert transfers_with_stale_next_due() == []


def transfer_deadlines_live(transfer):
    from transfers.selectors import transfer_deadlines

    return [d for d in transfer_deadlines(transfer) if d.status in ("open", "breached")]
