"""Reading meetings and notifications for pages. The pages have already checked that the user
sees the case or transfer."""

from django.db.models import F, QuerySet

from casetransfer.compiled import ModelsCompiledOnce
from people.models import User

from .models import Meeting, MeetingKind, NotificationRecord


def meetings_for(*, case=None, transfer=None) -> list[Meeting]:
    """A case's meetings (every one, with or without a transfer), or one transfer's; the
    planned ones first, soonest first, then those held, latest first. Compiled once for a
    case's or a transfer's (the case and transfer pages ask, issue 14)."""
    if case is None and transfer is None:
        return []
    if case is None or transfer is None:
        subject, shape = (case, "case") if transfer is None else (transfer, "transfer")
        return _read_meetings_of(subject.pk, shape=shape)
    return list(_meetings_for(case=case, transfer=transfer))


def _meetings_of(pk: int, *, shape: str) -> QuerySet[Meeting]:
    return _meetings_for(**{shape: pk})


def _meetings_for(*, case=None, transfer=None) -> QuerySet[Meeting]:
    meetings = Meeting.objects.all()
    if transfer is not None:
        meetings = meetings.filter(transfer=transfer)
    if case is not None:
        meetings = meetings.filter(case=case)
    return (
        meetings.select_related("case", "recorded_by", "advising_social_worker", "transfer")
        .prefetch_related("attendees", "invited")
        .order_by(F("held_at").desc(nulls_first=True), F("planned_for").asc(nulls_last=True), "-id")
    )


_read_meetings_of = ModelsCompiledOnce(_meetings_of)


def joint_planning_for(meetings: list[Meeting]) -> list[dict]:
    """Seed 000 s5: who from YFS or a Children's Centre is invited to a case's CIN meetings,
    each with the meetings they are invited to. `meetings`: the case's, as meetings_for reads
    them (with their invitees; the case page shows them too)."""
    people: dict[int, dict] = {}
    for meeting in meetings:
        if meeting.kind != MeetingKind.CIN:
            continue
        for person in meeting.invited.all():
            entry = people.setdefault(person.pk, {"person": person, "meetings": []})
            entry["meetings"].append(meeting)
    return sorted(
        people.values(), key=lambda entry: (entry["person"].last_name, entry["person"].pk)
    )


def yfs_and_cc_staff() -> QuerySet[User]:
    """Who may be invited to a CIN meeting (seed 000 s5)."""
    from .permissions import YFS_AND_CC_SERVICES

    return (
        User.objects.filter(is_active=True, memberships__team__service__in=YFS_AND_CC_SERVICES)
        .distinct()
        .order_by("last_name", "first_name")
    )


def taf_advisers() -> QuerySet[User]:
    """Social workers and managers in Social Care teams, who may advise at a TAF."""
    from people.models import SOCIAL_CARE_SERVICES
    from people.roles import Role

    return (
        User.objects.filter(
            is_active=True,
            memberships__team__service__in=SOCIAL_CARE_SERVICES,
            groups__name__in=[Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER],
        )
        .distinct()
        .order_by("last_name", "first_name")
    )


def meeting_colleagues(case, transfer=None) -> QuerySet[User]:
    """Who can be ticked as an attendee: the staff of the case's team and of the transfer's
    teams, and its allocated worker."""
    team_ids = {case.current_team_id}
    if transfer is not None:
        team_ids |= {transfer.from_team_id, transfer.to_team_id}
    team_ids.discard(None)
    users = User.objects.filter(is_active=True, memberships__team__in=team_ids)
    if case.allocated_worker_id:
        users = users | User.objects.filter(pk=case.allocated_worker_id)
    return users.distinct().order_by("last_name", "first_name")


def notifications_for(transfer) -> QuerySet[NotificationRecord]:
    return NotificationRecord.objects.filter(transfer=transfer).select_related("recorded_by")
