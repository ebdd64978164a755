"""Child in Need to Children in Care (seed 004; DOMAIN.md section E).

Each row of seed 004's table is a step: the Operational Manager records that the panel (ACRP)
confirmed access to care and the team manager is told at once; the transferring manager tells
the Senior Performance Administrator; the Operational Manager allocates a Children in Care team
within a week (`cla_team_allocation`); the receiving TM starts the transfer discussion by the
first Looked After review (`cla_transfer_discussion`, moved when the review moves) and allocates a
social worker within a week (`cla_sw_allocation`); the referring team tells the child, family and
professionals; the social workers and DTMs hold the pre-transfer discussion against its agenda;
the social worker records the transfer on ICS; then it completes (and leaves the weekly transfer
list for the historic one), or the referring manager withdraws it."""

from datetime import date, datetime, time

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record
from cases import services as case_services
from cases.choices import LegalStatus, PlanType
from cases.models import Case
from deadlines.calendar import LONDON
from deadlines.rules import Kind
from deadlines.services import (
    deadline_cancel,
    deadline_meet,
    deadline_reschedule,
    deadline_start,
    open_deadlines,
)
from people.models import Service, Team, User
from people.roles import Role

from .. import permissions as can
from ..models import (
    LIVE_STAGES,
    CinToCic,
    LookedAfterReason,
    Transfer,
    TransferKind,
    TransferStage,
    TransferStatus,
)
from .common import locked, require_text, take_step
from .notify import transfer_notify, when
from .team_move import Standard

S = TransferStatus
LIVE_STEPS = (S.CARE_CONFIRMED, S.TEAM_ALLOCATED, S.ALLOCATED)
LEGAL_STATUS_FOR = {
    LookedAfterReason.SECTION_20: LegalStatus.SECTION_20,
    LookedAfterReason.CARE_ORDER: LegalStatus.CARE_ORDER,
}


def _senior_administrators() -> list[User]:
    group = Group.objects.filter(name=Role.SENIOR_ADMINISTRATOR).first()
    return list(group.user_set.filter(is_active=True)) if group else []


def _in_progress(transfer: Transfer) -> None:
    if transfer.status not in LIVE_STEPS:
        raise ValidationError("This transfer is no longer in progress.")


@transaction.atomic
def cin_to_cic_start(
    *, case: Case, by: User, panel_confirmed_on: date, notes: str = ""
) -> Transfer:
    """Seed 004: the Operational Manager is told the panel confirmed access to care and records
    it; the team manager is told at once, and the team allocation clock (a week) starts."""
    if not can.may_confirm_access_to_care(case, by):
        raise PermissionDenied(
            "Only the Operational Manager over the Child in Need team holding the case can."
        )
    if panel_confirmed_on > timezone.localdate():
        raise ValidationError({"panel_confirmed_on": "The panel's date cannot be in the future"})
    case = (
        Case.objects.select_for_update(of=("self",)).select_related("current_team").get(pk=case.pk)
    )
    if Transfer.objects.filter(case=case, stage__in=LIVE_STAGES).exists():
        raise ValidationError("This case already has a transfer in progress.")
    now = timezone.now()
    try:
        with transaction.atomic():
            transfer = Transfer.objects.create(
                kind=TransferKind.CIN_TO_CIC,
                case=case,
                from_team=case.current_team,
                requested_by=by,
                status=S.CARE_CONFIRMED,
                stage=TransferStage.REQUESTED,
                sent_by=by,
                sent_at=now,
            )
    except IntegrityError as error:  # the one_live_transfer_per_case constraint
        raise ValidationError("This case already has a transfer in progress.") from error
    CinToCic.objects.create(
        transfer=transfer, panel_confirmed_on=panel_confirmed_on, panel_notes=notes
    )
    audit_record(
        actor=by,
        action="transfer.access_to_care_confirmed",
        subject=transfer,
        case=case,
        to_state=transfer.status,
        note=f"Panel confirmed access to care on {panel_confirmed_on:%d %B %Y}. {notes}".strip(),
    )
    deadline = deadline_start(
        kind=Kind.CLA_TEAM_ALLOCATION,
        subject=transfer,
        anchor_at=now,
        case=case,
        owner=by,
        owner_team=case.current_team,
        by=by,
    )
    transfer_notify(
        transfer,
        event="care_confirmed",
        recipients=[case.current_team.manager],
        heading="Access to care confirmed: the case transfers to Children in Care",
        lines=[
            f"{by} recorded that the panel confirmed access to care on "
            f"{panel_confirmed_on:%d %B %Y}.",
            "Tell the Senior Performance Administrator of the transfer (on the request). The "
            f"case is allocated to a Children in Care team by {when(deadline.due_at)}.",
        ],
    )
    return transfer


@transaction.atomic
def cin_to_cic_notify_administrator(
    *, transfer: Transfer, by: User, due_by: date, summary: str, ics_number: str
) -> Transfer:
    """Seed 004: the transferring manager tells the Senior Performance Administrator of the case
    due to transfer, by when, with a brief summary and the ICS number."""
    require_text(
        summary=(summary, "Enter a brief summary"),
        ics_number=(ics_number, "Enter the ICS number"),
    )
    transfer = locked(transfer)
    _in_progress(transfer)
    if not can.notify_senior_administrator(transfer, by):
        raise PermissionDenied("Only a manager of the Child in Need team can.")
    if due_by < timezone.localdate():
        raise ValidationError({"due_by": "The date it is due to transfer cannot be in the past"})
    details = transfer.cin_to_cic
    details.transfer_due_by, details.brief_summary = due_by, summary
    details.admin_notified_at, details.admin_notified_by = timezone.now(), by
    details.save()
    if transfer.case.ics_number != ics_number.strip():
        case_services.case_update(
            case=transfer.case, by=by, ics_number=ics_number.strip(), note="ICS number recorded"
        )
    Transfer.objects.filter(pk=transfer.pk).update(anticipated_on=due_by)
    audit_record(
        actor=by,
        action="transfer.administrator_notified",
        subject=transfer,
        case=transfer.case,
        note=f"Due to transfer by {due_by:%d %B %Y}",
    )
    transfer_notify(
        transfer,
        event="administrator",
        recipients=_senior_administrators(),
        heading="A case is due to transfer to Children in Care: add it to the weekly list",
        lines=[f"Due to transfer by {due_by:%d %B %Y}. The summary is on the request."],
    )
    return transfer


def children_in_care_teams():
    return (
        Team.objects.filter(service=Service.CHILDREN_IN_CARE, is_active=True)
        .exclude(manager=None)
        .order_by("name")
    )


@transaction.atomic
def cin_to_cic_allocate_team(*, transfer: Transfer, by: User, team: Team) -> Transfer:
    """Seed 004: within a week the Operational Manager allocates the case to a Children in Care
    team; the CIN and CLA team managers are told."""
    from people.remits import remit_reason

    if not children_in_care_teams().filter(pk=team.pk).exists():
        raise ValidationError({"team": "Choose an active Children in Care team with a manager"})
    transfer = locked(transfer)
    case = transfer.case
    # The child will be looked after: the remit is checked against that plan, not today's.
    refusal = remit_reason(
        team,
        age=case.age_on(timezone.localdate()),
        plan_type=PlanType.CIC,
        has_disability=case.has_disability,
    )
    if refusal:
        raise ValidationError({"team": refusal})
    now = timezone.now()
    take_step(
        transfer,
        "allocate_cic_team",
        by=by,
        check_permission=True,
        note=f"Allocated to {team}",
        team=team,
        decider=by,
        at=now,
    )
    deadline_meet(subject=transfer, kind=Kind.CLA_TEAM_ALLOCATION, by=by, at=now)
    deadline = deadline_start(
        kind=Kind.CLA_SW_ALLOCATION,
        subject=transfer,
        anchor_at=now,
        case=transfer.case,
        owner=team.manager,
        owner_team=team,
        by=by,
    )
    transfer_notify(
        transfer,
        event="team_allocated",
        recipients=[team.manager, transfer.from_team.manager],
        heading=f"Case allocated to {team}",
        lines=[
            f"{by} allocated the case to {team} after the panel confirmed access to care.",
            f"{team.manager} contacts the Child in Need team manager to start the transfer "
            f"discussion, and allocates a social worker by {when(deadline.due_at)}.",
        ],
    )
    return transfer


def _review_anchor(review_on: date) -> datetime:
    return datetime.combine(review_on, time(9), tzinfo=LONDON)


@transaction.atomic
def cin_to_cic_set_review(
    *, transfer: Transfer, by: User, first_lac_review_on: date, looked_after_reason: str
) -> Transfer:
    """Seed 004: the transfer discussion is due by the first Looked After review (s20, care
    order granted, or a newborn after hospital discharge). Its date sets the deadline; a new
    date moves it and cancels the old reminders."""
    if looked_after_reason not in LookedAfterReason.values:
        raise ValidationError({"looked_after_reason": "Select why the child is looked after"})
    transfer = locked(transfer)
    _in_progress(transfer)
    if transfer.status == S.CARE_CONFIRMED:
        raise ValidationError("The receiving team sets the review date once it has the case.")
    if not can.receiving_team_manager(transfer, by):
        raise PermissionDenied("Only the receiving team's managers can.")
    details = transfer.cin_to_cic
    before = details.first_lac_review_on
    details.first_lac_review_on, details.looked_after_reason = (
        first_lac_review_on,
        looked_after_reason,
    )
    details.save(update_fields=["first_lac_review_on", "looked_after_reason"])
    Transfer.objects.filter(pk=transfer.pk).update(anticipated_on=first_lac_review_on)
    audit_record(
        actor=by,
        action="transfer.lac_review_set",
        subject=transfer,
        case=transfer.case,
        changes={
            "first_lac_review_on": [
                before.isoformat() if before else None,
                first_lac_review_on.isoformat(),
            ]
        },
    )
    if details.transfer_discussion_at:
        return transfer
    open_ones = list(open_deadlines(transfer, Kind.CLA_TRANSFER_DISCUSSION))
    if open_ones:
        for deadline in open_ones:
            deadline_reschedule(
                deadline=deadline,
                anchor_at=_review_anchor(first_lac_review_on),
                by=by,
                reason="The first Looked After review moved",
            )
    else:
        deadline_start(
            kind=Kind.CLA_TRANSFER_DISCUSSION,
            subject=transfer,
            anchor_at=_review_anchor(first_lac_review_on),
            case=transfer.case,
            owner=transfer.to_team.manager,
            owner_team=transfer.to_team,
            by=by,
            watchers=[transfer.from_team.manager] if transfer.from_team.manager else [],
        )
    return transfer


@transaction.atomic
def cin_to_cic_record_transfer_discussion(
    *, transfer: Transfer, by: User, held_at: datetime, notes: str
) -> Transfer:
    """Seed 004: the receiving TM contacts the existing TM and starts the transfer discussion:
    the timetable and key activities."""
    require_text(notes=(notes, "Enter the timetable and key activities agreed"))
    transfer = locked(transfer)
    _in_progress(transfer)
    if not can.receiving_team_manager(transfer, by):
        raise PermissionDenied("Only the receiving team's managers can.")
    if held_at > timezone.now():
        raise ValidationError({"held_at": "The discussion cannot be in the future"})
    details = transfer.cin_to_cic
    if not details.first_lac_review_on:
        raise ValidationError("Enter the first Looked After review date first.")
    details.transfer_discussion_at, details.transfer_discussion_by = held_at, by
    details.transfer_discussion_notes = notes
    details.save()
    audit_record(
        actor=by,
        action="transfer.transfer_discussion",
        subject=transfer,
        case=transfer.case,
        note=notes,
    )
    deadline_meet(subject=transfer, kind=Kind.CLA_TRANSFER_DISCUSSION, by=by, at=held_at)
    return transfer


@transaction.atomic
def cin_to_cic_allocate_worker(*, transfer: Transfer, by: User, worker: User) -> Transfer:
    """Seed 004: the receiving TM allocates a social worker within a week of team allocation.
    A child in care is never left unallocated, so there is no team-leader hold here."""
    transfer = locked(transfer)
    from people.selectors import in_team

    if not (worker.has_role(Role.SOCIAL_WORKER) and in_team(worker, transfer.to_team)):
        raise ValidationError({"worker": f"Choose a social worker in {transfer.to_team}"})
    now = timezone.now()
    take_step(
        transfer,
        "allocate_cic_worker",
        by=by,
        check_permission=True,
        note=f"Allocated to {worker}",
        worker=worker,
        allocator=by,
        at=now,
    )
    deadline_meet(subject=transfer, kind=Kind.CLA_SW_ALLOCATION, by=by, at=now)
    deadline = deadline_start(
        kind=Kind.TRANSFER_COMPLETION,
        subject=transfer,
        anchor_at=now,
        case=transfer.case,
        owner=transfer.from_team.manager,
        owner_team=transfer.from_team,
        by=by,
    )
    transfer_notify(
        transfer,
        event="worker_allocated",
        recipients=[worker, transfer.from_team.manager, transfer.case.allocated_worker],
        heading="Children in Care social worker allocated",
        lines=[
            f"{worker} ({transfer.to_team}) is the allocated social worker.",
            "Tell the child, family and professionals; hold the pre-transfer discussion; record "
            f"the transfer on ICS; complete it by {when(deadline.due_at)}.",
        ],
    )
    return transfer


@transaction.atomic
def cin_to_cic_record_family_told(*, transfer: Transfer, by: User, notes: str) -> Transfer:
    """Seed 004: the referring team tells the child, family and professionals of the transfer."""
    require_text(notes=(notes, "Enter who was told and how"))
    transfer = locked(transfer)
    _in_progress(transfer)
    if not can.prepare_transfer(transfer, by):
        raise PermissionDenied("Only the referring team can.")
    details = transfer.cin_to_cic
    details.family_told_at, details.family_told_by, details.family_told_notes = (
        timezone.now(),
        by,
        notes,
    )
    details.save()
    audit_record(
        actor=by, action="transfer.family_told", subject=transfer, case=transfer.case, note=notes
    )
    return transfer


AGENDA = (
    "needs_and_continuity",
    "progress_and_actions",
    "risk_and_care_plans",
    "care_proceedings_issues",
    "introductions_and_endings",
)


@transaction.atomic
def cin_to_cic_record_pre_transfer(
    *, transfer: Transfer, by: User, held_at: datetime, attendees: str, **agenda: str
) -> Transfer:
    """Seed 004: the CIN and CLA social workers and DTMs discuss, after team allocation: needs
    and continuity; progress against the plan and outstanding actions; risk management,
    safeguarding and care plans; care proceedings issues; introductions and endings."""
    require_text(
        attendees=(attendees, "Enter who took part"),
        **{name: (agenda.get(name, ""), "Enter what was agreed on this item") for name in AGENDA},
    )
    transfer = locked(transfer)
    if transfer.status not in (S.TEAM_ALLOCATED, S.ALLOCATED):
        raise ValidationError("The pre-transfer discussion follows team allocation.")
    if not can.pre_transfer_discussion(transfer, by):
        raise PermissionDenied("Only the CIN and CLA social workers, DTMs and managers can.")
    if held_at > timezone.now():
        raise ValidationError({"held_at": "The discussion cannot be in the future"})
    details = transfer.cin_to_cic
    details.pre_transfer_at, details.pre_transfer_by = held_at, by
    details.pre_transfer_attendees = attendees
    for name in AGENDA:
        setattr(details, name, agenda[name])
    details.save()
    audit_record(
        actor=by, action="transfer.pre_transfer_discussion", subject=transfer, case=transfer.case
    )
    return transfer


@transaction.atomic
def cin_to_cic_record_on_ics(*, transfer: Transfer, by: User) -> Transfer:
    """Seed 004: the social worker records the transfer on ICS before it completes."""
    transfer = locked(transfer)
    if transfer.status != S.ALLOCATED:
        raise ValidationError("Record it on ICS once a social worker is allocated.")
    if not can.record_on_ics(transfer, by):
        raise PermissionDenied("Only the social workers or their managers can.")
    details = transfer.cin_to_cic
    if details.ics_recorded_at:
        raise ValidationError("The transfer is already recorded on ICS.")
    details.ics_recorded_at, details.ics_recorded_by = timezone.now(), by
    details.save(update_fields=["ics_recorded_at", "ics_recorded_by"])
    audit_record(actor=by, action="transfer.recorded_on_ics", subject=transfer, case=transfer.case)
    return transfer


def cin_to_cic_standards(transfer: Transfer) -> list[Standard]:
    """Seed 004's table as a checklist: what is done and what still blocks completion."""
    d = transfer.cin_to_cic

    def by(person, at) -> str:
        return f"{person}, {timezone.localtime(at):%d %B %Y}" if at else ""

    return [
        Standard(
            "Senior Performance Administrator told (due date, summary, ICS number)",
            d.admin_notified_at is not None,
            by(d.admin_notified_by, d.admin_notified_at),
        ),
        Standard(
            "Allocated to a Children in Care team",
            transfer.status not in (S.CARE_CONFIRMED,) and transfer.to_team_id is not None,
            str(transfer.to_team or ""),
        ),
        Standard(
            "Transfer discussion held by the first Looked After review",
            d.transfer_discussion_at is not None,
            by(d.transfer_discussion_by, d.transfer_discussion_at)
            or (f"Review on {d.first_lac_review_on:%d %B %Y}" if d.first_lac_review_on else ""),
        ),
        Standard(
            "A social worker allocated in the receiving team",
            transfer.allocated_worker_id is not None,
            str(transfer.allocated_worker or ""),
        ),
        Standard(
            "The child, family and professionals told of the transfer",
            d.family_told_at is not None,
            by(d.family_told_by, d.family_told_at),
        ),
        Standard(
            "Pre-transfer discussion held against its agenda",
            d.pre_transfer_at is not None,
            by(d.pre_transfer_by, d.pre_transfer_at),
        ),
        Standard(
            "Transfer recorded on ICS by the social worker",
            d.ics_recorded_at is not None,
            by(d.ics_recorded_by, d.ics_recorded_at),
        ),
    ]


def cin_to_cic_blockers(transfer: Transfer) -> list[str]:
    return [s.label for s in cin_to_cic_standards(transfer) if s.blocking and not s.done]


@transaction.atomic
def cin_to_cic_complete(*, transfer: Transfer, by: User) -> Transfer:
    """Every step done: the case moves to the Children in Care team and its social worker, the
    child is on a Child in Care plan, and the transfer leaves the weekly list for the historic
    one."""
    transfer = locked(transfer)
    blockers = cin_to_cic_blockers(transfer)
    if blockers:
        raise ValidationError(["This transfer cannot complete yet:", *[f"{b}." for b in blockers]])
    now = timezone.now()
    take_step(
        transfer,
        "complete_cin_to_cic",
        by=by,
        check_permission=True,
        at=now,
        note="Recorded on ICS; transfer completed",
    )
    case = transfer.case
    details = transfer.cin_to_cic
    legal = LEGAL_STATUS_FOR.get(details.looked_after_reason)
    changes = {"plan_type": PlanType.CIC, **({"legal_status": legal} if legal else {})}
    case_services.case_update(case=case, by=by, note="Child in care", **changes)
    case_services.case_allocate(
        case=case,
        team=transfer.to_team,
        worker=transfer.allocated_worker,
        by=by,
        reason="Child in Need to Children in Care",
        for_transfer=transfer,
    )
    deadline_meet(subject=transfer, kind=Kind.TRANSFER_COMPLETION, by=by, at=now)
    deadline_cancel(subject=transfer, by=by, reason="Transfer completed")
    transfer_notify(
        transfer,
        event="completed",
        recipients=[
            transfer.from_team.manager,
            transfer.to_team.manager,
            transfer.requested_by,
            *_senior_administrators(),
        ],
        heading="Transfer to Children in Care completed",
        lines=[
            f"The case is now with {transfer.allocated_worker} in {transfer.to_team}. It moves "
            "to the historic transfer list."
        ],
    )
    return transfer
