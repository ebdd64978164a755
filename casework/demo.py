"""Demo meetings, made through the services: a TAF meeting on a YFS case (seed 000 s4), a CIN
meeting with a YFS worker invited (s5), a planned one still to happen, and, when the demo has an
allocated step-up, a manager-to-manager discussion and a family told of the new worker (seed
001 s5). Idempotent: each is made only when missing."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cases.choices import Involvement
from cases.demo import DEMO_PREFIX
from cases.models import Case
from people.models import User

from .models import Meeting, MeetingKind, NotificationMeans, RecipientRole, TafOutcome
from .services import meeting_plan, meeting_record, notification_record


def _user(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


def _demo_case(team_name: str, **filters) -> Case | None:
    return (
        Case.objects.filter(
            reference__startswith=DEMO_PREFIX, current_team__name=team_name, **filters
        )
        .select_related("current_team")
        .order_by("reference")
        .first()
    )


def _demo_meetings(kind: str):
    return Meeting.objects.filter(kind=kind, case__reference__startswith=DEMO_PREFIX)


@transaction.atomic
def seed_casework() -> int:
    """Returns how many records were made."""
    made = 0
    now = timezone.now()
    yfs_tm, yfs_worker = _user("yfstm"), _user("yfs.worker")
    adviser, cin_tm = _user("sw.assess"), _user("cintm.north")
    yfs_case = _demo_case("Youth & Family Services")
    if yfs_case and yfs_tm and adviser and not _demo_meetings(MeetingKind.TAF).exists():
        meeting_record(
            case=yfs_case,
            kind=MeetingKind.TAF,
            by=yfs_tm,
            held_at=now - timedelta(days=3),
            attendees=[p for p in (yfs_tm, yfs_worker) if p],
            other_attendees="Mother; school Designated Safeguarding Lead",
            advising_social_worker=adviser,
            taf_outcome=TafOutcome.STAYS,
            notes="Escalating concerns about school attendance and a new adult in the home.",
            outcome="Safety plan agreed with mother; YFS worker visits weekly; review at the "
            "next TAF in four weeks.",
        )
        made += 1
    cin_case = _demo_case("Children in Need North", involvement=Involvement.SOCIAL_CARE)
    if cin_case and cin_tm and yfs_worker and not _demo_meetings(MeetingKind.CIN).exists():
        meeting_record(
            case=cin_case,
            kind=MeetingKind.CIN,
            by=cin_tm,
            held_at=now - timedelta(days=7),
            attendees=[p for p in (cin_tm, cin_case.allocated_worker) if p],
            other_attendees="Father; health visitor",
            invited=[yfs_worker],
            outcome="YFS to run six sessions of parenting work, planned with the social worker.",
        )
        meeting_plan(
            case=cin_case,
            kind=MeetingKind.CIN,
            by=cin_tm,
            planned_for=now + timedelta(days=21),
            invited=[yfs_worker],
            notes="Review of the CIN plan and the parenting work.",
        )
        made += 2
    made += _seed_transfer_records(now)
    return made


def _seed_transfer_records(now) -> int:
    from transfers.models import Transfer

    transfer = (
        Transfer.objects.filter(
            case__reference__startswith=DEMO_PREFIX, allocated_worker__isnull=False
        )
        .select_related("case", "from_team", "to_team", "allocated_worker")
        .order_by("pk")
        .first()
    )
    if transfer is None or transfer.notifications.exists():
        return 0
    from_manager = transfer.from_team.manager
    to_manager = transfer.to_team.manager if transfer.to_team else None
    if from_manager is None:
        return 0
    meeting_record(
        case=transfer.case,
        transfer=transfer,
        kind=MeetingKind.MANAGER_DISCUSSION,
        by=from_manager,
        held_at=max(transfer.allocated_at or now, now - timedelta(days=1)),
        attendees=[p for p in (from_manager, to_manager) if p],
        outcome="Handover agreed; joint visit with the family this week.",
    )
    notification_record(
        transfer=transfer,
        by=from_manager,
        recipient_name="Mother",
        recipient_role=RecipientRole.PARENT_CARER,
        means=NotificationMeans.LETTER,
        told_at=now,
    )
    return 2
