"""Recording meetings and notifications. Each service checks who may (casework.permissions),
validates in people's words, writes the row and its audit record in one transaction."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record, diff, snapshot
from cases.models import Case
from people.models import User

from . import permissions as can
from .models import Meeting, MeetingKind, NotificationRecord

# A clock a few minutes fast on someone's laptop must not refuse "now".
FUTURE_TOLERANCE = timedelta(minutes=5)


def _may_record(*, kind: str, case: Case, transfer, by: User) -> bool:
    if kind == MeetingKind.TAF:
        return can.record_taf_meeting(case, by)
    if kind == MeetingKind.CIN:
        return can.invite_to_cin_meeting(case, by)
    if transfer is not None:
        return can.record_transfer_meeting(transfer, by)
    return can.record_meeting(case, by)


def _check_people(
    *,
    kind: str,
    invited: list[User],
    advising_social_worker: User | None,
    taf_outcome: str,
    held: bool,
) -> None:
    errors = {}
    if kind == MeetingKind.TAF:
        if advising_social_worker is not None and not can.may_advise_taf(advising_social_worker):
            errors["advising_social_worker"] = "Choose a social worker in a Social Care team"
        if held and advising_social_worker is None:
            errors["advising_social_worker"] = (
                "Choose the social worker the safeguarding team manager sent to advise"
            )
        if held and not taf_outcome:
            errors["taf_outcome"] = "Select whether the case stays with the team"
    else:
        if advising_social_worker is not None:
            errors["advising_social_worker"] = "Only a TAF meeting has an advising social worker"
        if taf_outcome:
            errors["taf_outcome"] = "Only a TAF meeting has a TAF outcome"
    if kind == MeetingKind.CIN:
        if any(not can.is_yfs_or_cc_staff(person) for person in invited):
            errors["invited"] = "Invite staff from Youth & Family Services or a Children's Centre"
    elif invited:
        errors["invited"] = "Only a CIN meeting records who was invited"
    if errors:
        raise ValidationError(errors)


def _state(meeting: Meeting) -> dict:
    values = snapshot(meeting, Meeting.AUDITED_FIELDS)
    values["attendees"] = sorted(meeting.attendees.values_list("pk", flat=True))
    values["invited"] = sorted(meeting.invited.values_list("pk", flat=True))
    return values


def _audit(meeting: Meeting, *, by: User, action: str, before: dict, note: str = "") -> None:
    after = _state(meeting)
    audit_record(
        actor=by,
        action=action,
        subject=meeting,
        case=meeting.case,
        changes=diff(before, after),
        note=note,
    )


def _check_transfer(case: Case, transfer) -> None:
    if transfer is not None and transfer.case_id != case.pk:
        raise ValidationError("That transfer is for another case.")


@transaction.atomic
def meeting_plan(
    *,
    case: Case,
    by: User,
    kind: str,
    planned_for: datetime,
    transfer=None,
    attendees: Iterable[User] = (),
    other_attendees: str = "",
    invited: Iterable[User] = (),
    advising_social_worker: User | None = None,
    notes: str = "",
) -> Meeting:
    """Plan a meeting (a TAF the social worker is to advise at, a CIN meeting YFS is invited
    to, a handover with the family: seed 000 s2, s4, s5; seed 001 s2.3)."""
    if not _may_record(kind=kind, case=case, transfer=transfer, by=by):
        raise PermissionDenied("Your role or team does not allow you to plan this meeting.")
    _check_transfer(case, transfer)
    if planned_for <= timezone.now():
        raise ValidationError({"planned_for": "A planned meeting must be in the future"})
    invited = list(invited)
    _check_people(
        kind=kind,
        invited=invited,
        advising_social_worker=advising_social_worker,
        taf_outcome="",
        held=False,
    )
    meeting = Meeting(
        case=case,
        transfer=transfer,
        kind=kind,
        planned_for=planned_for,
        other_attendees=other_attendees.strip(),
        notes=notes.strip(),
        advising_social_worker=advising_social_worker,
        recorded_by=by,
        recorded_at=timezone.now(),
    )
    meeting.full_clean()
    meeting.save()
    meeting.attendees.set(list(attendees))
    meeting.invited.set(invited)
    _audit(meeting, by=by, action="meeting.plan", before={})
    return meeting


@transaction.atomic
def meeting_record(
    *,
    by: User,
    held_at: datetime,
    meeting: Meeting | None = None,
    case: Case | None = None,
    kind: str = "",
    transfer=None,
    attendees: Iterable[User] = (),
    other_attendees: str = "",
    notes: str = "",
    outcome: str = "",
    invited: Iterable[User] | None = None,
    advising_social_worker: User | None = None,
    taf_outcome: str = "",
) -> Meeting:
    """Record a meeting as held: a planned one (`meeting`), or a new one (`case` and `kind`).
    A TAF records the advising social worker and whether the case stays (seed 000 s4)."""
    if meeting is not None:
        meeting = Meeting.objects.select_for_update().select_related("case").get(pk=meeting.pk)
        case, kind, transfer = meeting.case, meeting.kind, meeting.transfer
        if invited is None:
            invited = list(meeting.invited.all())
        advising_social_worker = advising_social_worker or meeting.advising_social_worker
    if case is None or not kind:
        raise ValueError("Give a planned meeting, or a case and a kind")
    if not _may_record(kind=kind, case=case, transfer=transfer, by=by):
        raise PermissionDenied("Your role or team does not allow you to record this meeting.")
    if meeting is not None and meeting.held_at is not None:
        raise ValidationError("This meeting has already been recorded as held.")
    _check_transfer(case, transfer)
    if held_at > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationError({"held_at": "A meeting that was held cannot be in the future"})
    invited = list(invited or [])
    _check_people(
        kind=kind,
        invited=invited,
        advising_social_worker=advising_social_worker,
        taf_outcome=taf_outcome,
        held=True,
    )
    if meeting is None:
        meeting, before = Meeting(case=case, kind=kind, transfer=transfer), {}
        meeting.recorded_by, meeting.recorded_at = by, timezone.now()
    else:
        before = _state(meeting)
    meeting.held_at = held_at
    meeting.other_attendees = other_attendees.strip() or meeting.other_attendees
    meeting.notes = notes.strip() or meeting.notes
    meeting.outcome = outcome.strip()
    meeting.advising_social_worker = advising_social_worker
    meeting.taf_outcome = taf_outcome
    meeting.full_clean()
    meeting.save()
    meeting.attendees.set(list(attendees))
    meeting.invited.set(invited)
    _audit(meeting, by=by, action="meeting.record", before=before)
    return meeting


@transaction.atomic
def notification_record(
    *,
    transfer,
    by: User,
    recipient_name: str,
    recipient_role: str,
    means: str,
    told_at: datetime,
) -> NotificationRecord:
    """Seed 001 s5: one person or agency told, in writing or otherwise, who the newly allocated
    worker and team are."""
    if not can.record_notification(transfer, by):
        raise PermissionDenied(
            "Only the originating team records who was told, once a worker is allocated."
        )
    if not recipient_name.strip():
        raise ValidationError({"recipient_name": "Enter who was told"})
    if told_at > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationError({"told_at": "The date they were told cannot be in the future"})
    record = NotificationRecord(
        case=transfer.case,
        transfer=transfer,
        recipient_name=recipient_name.strip(),
        recipient_role=recipient_role,
        means=means,
        told_at=told_at,
        recorded_by=by,
        recorded_at=timezone.now(),
    )
    record.full_clean()
    record.save()
    audit_record(
        actor=by,
        action="notification.record",
        subject=record,
        case=transfer.case,
        # The role and means only: the name of a family member stays out of the audit note.
        note=f"{record.get_recipient_role_display()} told by {record.get_means_display().lower()}",
    )
    return record
