from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from casework.models import MeetingKind, NotificationMeans, RecipientRole, TafOutcome
from casework.services import meeting_plan, meeting_record, notification_record
from transfers.models import Transfer, TransferKind, TransferStatus

pytestmark = pytest.mark.django_db


def _ago(**kwargs):
    return timezone.now() - timedelta(**kwargs)


def test_a_yfs_manager_records_a_taf_that_keeps_the_case(town):
    meeting = meeting_record(
        case=town.yfs_case,
        kind=MeetingKind.TAF,
        by=town.yfs_tm,
        held_at=_ago(hours=2),
        attendees=[town.yfs_worker],
        other_attendees="Mother",
        advising_social_worker=town.cin_sw,
        taf_outcome=TafOutcome.STAYS,
        outcome="Stays with YFS",
    )
    assert meeting.held_at and meeting.taf_outcome == TafOutcome.STAYS
    assert list(meeting.attendees.all()) == [town.yfs_worker]
    event = AuditEvent.objects.get(action="meeting.record", subject_id=str(meeting.pk))
    assert event.actor == town.yfs_tm and event.case == town.yfs_case
    assert event.changes["taf_outcome"] == [None, "stays"]


def test_a_taf_needs_a_social_care_adviser_and_an_outcome(town):
    with pytest.raises(ValidationError) as error:
        meeting_record(
            case=town.yfs_case,
            kind=MeetingKind.TAF,
            by=town.yfs_tm,
            held_at=_ago(hours=1),
            advising_social_worker=town.yfs_worker,
        )
    assert set(error.value.message_dict) == {"advising_social_worker", "taf_outcome"}
    assert not AuditEvent.objects.filter(action__startswith="meeting.").exists()


def test_a_taf_is_refused_on_a_social_care_case_and_to_outsiders(town):
    with pytest.raises(PermissionDenied):
        meeting_record(
            case=town.cin_case,
            kind=MeetingKind.TAF,
            by=town.cin_tm,
            held_at=_ago(hours=1),
            advising_social_worker=town.cin_sw,
            taf_outcome=TafOutcome.STAYS,
        )
    with pytest.raises(PermissionDenied):
        meeting_record(
            case=town.yfs_case,
            kind=MeetingKind.TAF,
            by=town.eh_ffp,
            held_at=_ago(hours=1),
            advising_social_worker=town.cin_sw,
            taf_outcome=TafOutcome.STAYS,
        )


def test_a_cin_meeting_invites_yfs_staff_only(town):
    meeting = meeting_plan(
        case=town.cin_case,
        kind=MeetingKind.CIN,
        by=town.cin_sw,
        planned_for=timezone.now() + timedelta(days=3),
        invited=[town.yfs_worker, town.cc_worker],
    )
    assert set(meeting.invited.all()) == {town.yfs_worker, town.cc_worker}
    assert meeting.held_at is None
    assert AuditEvent.objects.filter(action="meeting.plan", subject_id=str(meeting.pk)).exists()
    with pytest.raises(ValidationError) as error:
        meeting_plan(
            case=town.cin_case,
            kind=MeetingKind.CIN,
            by=town.cin_sw,
            planned_for=timezone.now() + timedelta(days=3),
            invited=[town.duty_sw],
        )
    assert "invited" in error.value.message_dict


def test_a_cin_meeting_is_only_for_a_case_open_to_social_care(town):
    with pytest.raises(PermissionDenied):
        meeting_plan(
            case=town.yfs_case,
            kind=MeetingKind.CIN,
            by=town.yfs_tm,
            planned_for=timezone.now() + timedelta(days=3),
            invited=[town.yfs_worker],
        )


def test_a_planned_meeting_is_recorded_as_held_once(town):
    planned = meeting_plan(
        case=town.cin_case,
        kind=MeetingKind.CIN,
        by=town.cin_tm,
        planned_for=timezone.now() + timedelta(hours=1),
        invited=[town.yfs_worker],
    )
    held = meeting_record(meeting=planned, by=town.cin_sw, held_at=_ago(minutes=1), outcome="ok")
    assert held.pk == planned.pk and held.held_at is not None
    assert list(held.invited.all()) == [town.yfs_worker]
    event = AuditEvent.objects.get(action="meeting.record", subject_id=str(held.pk))
    assert "held_at" in event.changes and "invited" not in event.changes
    with pytest.raises(ValidationError, match="already been recorded"):
        meeting_record(meeting=planned, by=town.cin_sw, held_at=_ago(minutes=1))


def test_dates_must_be_on_the_right_side_of_now(town):
    with pytest.raises(ValidationError) as error:
        meeting_record(
            case=town.yfs_case,
            kind=MeetingKind.HANDOVER,
            by=town.yfs_worker,
            held_at=timezone.now() + timedelta(days=1),
        )
    assert "held_at" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        meeting_plan(
            case=town.yfs_case,
            kind=MeetingKind.HANDOVER,
            by=town.yfs_worker,
            planned_for=_ago(days=1),
        )
    assert "planned_for" in error.value.message_dict


def test_a_general_meeting_is_for_the_case_team_or_a_manager_who_sees_it(town):
    meeting_record(
        case=town.yfs_case, kind=MeetingKind.HANDOVER, by=town.director, held_at=_ago(hours=1)
    )
    with pytest.raises(PermissionDenied):
        meeting_record(
            case=town.yfs_case, kind=MeetingKind.HANDOVER, by=town.cin_sw, held_at=_ago(hours=1)
        )


def _allocated_transfer(town, worker=None) -> Transfer:
    return Transfer.objects.create(
        kind=TransferKind.STEP_UP,
        case=town.yfs_case,
        from_team=town.yfs,
        to_team=town.cin,
        requested_by=town.yfs_worker,
        status=TransferStatus.ALLOCATED if worker else TransferStatus.AWAITING_ALLOCATION,
        allocated_worker=worker,
    )


def test_a_transfer_meeting_may_be_recorded_by_the_receiving_team(town):
    transfer = _allocated_transfer(town, town.cin_sw)
    meeting = meeting_record(
        case=town.yfs_case,
        transfer=transfer,
        kind=MeetingKind.MANAGER_DISCUSSION,
        by=town.cin_tm,
        held_at=_ago(hours=1),
    )
    assert list(transfer.meetings.all()) == [meeting]


def test_the_originating_team_records_who_was_told(town):
    transfer = _allocated_transfer(town, town.cin_sw)
    record = notification_record(
        transfer=transfer,
        by=town.yfs_worker,
        recipient_name="Mrs Quill",
        recipient_role=RecipientRole.PARENT_CARER,
        means=NotificationMeans.LETTER,
        told_at=_ago(hours=1),
    )
    assert list(transfer.notifications.all()) == [record]
    event = AuditEvent.objects.get(action="notification.record")
    assert "Quill" not in event.note and event.case == town.yfs_case


def test_nobody_is_told_before_a_worker_is_allocated_nor_by_outsiders(town):
    waiting = _allocated_transfer(town)
    kwargs = dict(
        recipient_name="School",
        recipient_role=RecipientRole.SCHOOL,
        means=NotificationMeans.EMAIL,
        told_at=_ago(hours=1),
    )
    with pytest.raises(PermissionDenied):
        notification_record(transfer=waiting, by=town.yfs_worker, **kwargs)
    waiting.delete()
    allocated = _allocated_transfer(town, town.cin_sw)
    with pytest.raises(PermissionDenied):
        notification_record(transfer=allocated, by=town.eh_ffp, **kwargs)
