"""Transfers between teams: stepping across between Children's Social Care and Youth & Family
Services or Children's Centres (seed 000), step down from Social Care to Early Help, and
transfers between Social Care teams at the remits' transfer points (seed 001; DOMAIN.md B, C).

One machine for the three kinds (`Transfer.status`, the steps tagged `TEAM_MOVE`): proposed ->
accepted -> allocated -> completed, or declined, or withdrawn. What differs by kind is a rule,
not a state: a step across starts with a recorded manager-to-manager discussion and needs a
joint transition visit or meeting once agreed. Every step is one service: locked, permission
checked through the transition, one audit record naming the step and the shared stage, its
deadlines, and emails after commit."""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import audit_record
from cases import services as case_services
from cases.choices import PlanType
from cases.models import Case
from deadlines.rules import Kind
from deadlines.services import deadline_cancel, deadline_meet, deadline_start
from people.models import SOCIAL_CARE_SERVICES, Service, Team, User
from people.roles import Role

from .. import permissions as can
from ..models import (
    LIVE_STAGES,
    MissingWork,
    TeamMove,
    Transfer,
    TransferKind,
    TransferStage,
    TransferStatus,
)
from .common import duty_managers, locked, require_text, take_step
from .notify import transfer_notify, when

S = TransferStatus
EARLY_HELP = (Service.EARLY_HELP, Service.GRAFT)
ACROSS = (Service.YOUTH_AND_FAMILY, Service.CHILDRENS_CENTRE)
NEVER_UNALLOCATED = (PlanType.CP, PlanType.CIC)
WORKER_ROLES = (Role.SOCIAL_WORKER, Role.FFP, Role.FSW)
PREPARING = (S.PROPOSED, S.ACCEPTED, S.ALLOCATED)


def kind_for(from_team: Team, to_team: Team) -> str | None:
    """Which kind of transfer a move between these teams is; None when it is not one of these
    (Early Help to Social Care is a step-up, with its own journey)."""
    social_care = SOCIAL_CARE_SERVICES
    if from_team.service in social_care and to_team.service in social_care:
        return TransferKind.TEAM_TRANSFER
    if from_team.service in social_care and to_team.service in EARLY_HELP:
        return TransferKind.STEP_DOWN
    if (from_team.service in social_care and to_team.service in ACROSS) or (
        from_team.service in ACROSS and to_team.service in social_care
    ):
        return TransferKind.STEP_ACROSS
    return None


def one_month_before(day: date) -> date:
    """The same day of the previous calendar month (the last day, if that month is shorter)."""
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def summary_required(case: Case, on: date) -> bool:
    """Seed 001 s5: a transfer summary is needed when the latest assessment is more than one
    month old at the time of transfer (or none is recorded)."""
    assessed = case.latest_assessment_on
    return assessed is None or assessed < one_month_before(on)


def plan_after(case: Case, from_team: Team, to_team: Team) -> str:
    """The plan the child will have in the receiving team, which its remit is checked against:
    Early Help once stepped down or across out of Social Care; at least Child in Need once
    stepped across into it; otherwise the plan they have."""
    if to_team.service in EARLY_HELP + ACROSS and from_team.service in SOCIAL_CARE_SERVICES:
        return PlanType.EARLY_HELP
    if to_team.service in SOCIAL_CARE_SERVICES and case.plan_type in (
        PlanType.NONE,
        PlanType.EARLY_HELP,
    ):
        return PlanType.CIN
    return case.plan_type


DCS_SERVICES = (Service.DISABLED_CHILDREN, Service.YOUNG_PEOPLE)


def remit_refusal(team: Team, case: Case, on: date) -> str | None:
    """Seed 001's remits: None when `team` can take the child, else why not. A disabled child
    stays with the Disabled Children's Service through CIN, CP and CiC (seed 001, 3.10)."""
    from people import remits

    if (
        case.has_disability
        and team.service in SOCIAL_CARE_SERVICES
        and team.service not in DCS_SERVICES
        and case.current_team.service in DCS_SERVICES
    ):
        dcs = remits.dcs_team_for(case, on, case.current_team.locality)
        if dcs is not None:
            return (
                "The Disabled Children's Service keeps disabled children through Child in Need, "
                f"Child Protection and Child in Care planning: {dcs} holds this child."
            )
    return remits.remit_reason(
        team,
        age=case.age_on(on),
        plan_type=plan_after(case, case.current_team, team),
        has_disability=case.has_disability,
    )


def _today() -> date:
    return timezone.localdate()


@transaction.atomic
def transfer_propose(
    *,
    case: Case,
    by: User,
    to_team: Team,
    reason: str,
    discussion_held_at: datetime | None = None,
    discussion_with: User | None = None,
    discussion_notes: str = "",
) -> Transfer:
    """Seed 001 s5 / seed 000 s2: a manager of the team holding the case proposes to move it.
    Outside the receiving team's remit, the proposal is refused with the reason, and that is
    recorded. A step across needs the manager-to-manager discussion first."""
    if not can.may_propose_transfer(case, by):
        raise PermissionDenied("Only a manager of the team holding the case can propose it.")
    case = (
        Case.objects.select_for_update(of=("self",)).select_related("current_team").get(pk=case.pk)
    )
    if Transfer.objects.filter(case=case, stage__in=LIVE_STAGES).exists():
        raise ValidationError("This case already has a transfer in progress.")
    kind = kind_for(case.current_team, to_team)
    if kind is None or to_team == case.current_team:
        raise ValidationError(
            {"to_team": f"Choose a team this case can transfer to from {case.current_team}"}
        )
    require_text(reason=(reason, "Enter why the case should transfer"))
    if kind == TransferKind.STEP_ACROSS:
        _check_discussion(to_team, discussion_held_at, discussion_with, discussion_notes)
    now = timezone.now()
    refusal = remit_refusal(to_team, case, _today())
    try:
        with transaction.atomic():
            transfer = Transfer.objects.create(
                kind=kind,
                case=case,
                from_team=case.current_team,
                to_team=to_team,
                requested_by=by,
                assigned_to=to_team.manager,
                status=S.DECLINED if refusal else S.PROPOSED,
                stage=TransferStage.REFUSED if refusal else TransferStage.REQUESTED,
                sent_by=by,
                sent_at=now,
                decided_at=now if refusal else None,
                decision_note=f"Outside the team's remit: {refusal}" if refusal else "",
                closed_at=now if refusal else None,
            )
    except IntegrityError as error:  # the one_live_transfer_per_case constraint
        raise ValidationError("This case already has a transfer in progress.") from error
    move = TeamMove(
        transfer=transfer,
        reason=reason,
        discussion_held_at=discussion_held_at,
        discussion_with=discussion_with,
        discussion_notes=discussion_notes,
        summary_required=summary_required(case, _today()),
    )
    move.full_clean(exclude=["transfer"])
    move.save()
    audit_record(
        actor=by,
        action="transfer.propose",
        subject=transfer,
        case=case,
        to_state=transfer.status,
        note=transfer.decision_note or f"Proposed to {to_team}: {reason}",
    )
    if refusal:
        return transfer
    deadline = deadline_start(
        kind=Kind.TRANSFER_DECISION,
        subject=transfer,
        anchor_at=now,
        case=case,
        owner=to_team.manager,
        owner_team=to_team,
        by=by,
        watchers=[by],
    )
    transfer_notify(
        transfer,
        event="proposed",
        recipients=[to_team.manager],
        heading=f"{transfer.get_kind_display()} proposed to your team",
        lines=[
            f"{by} ({case.current_team}) proposes to transfer this case to {to_team}.",
            f"Accept or decline it, with your reasons, by {when(deadline.due_at)}.",
        ],
    )
    return transfer


def _check_discussion(
    to_team: Team, held_at: datetime | None, with_whom: User | None, notes: str
) -> None:
    """Seed 000 s2: the starting point is a discussion between the managers, not an email."""
    errors = {}
    if held_at is None:
        errors["discussion_held_at"] = "Enter when you discussed it with the receiving manager"
    elif held_at > timezone.now():
        errors["discussion_held_at"] = "The discussion cannot be in the future"
    if with_whom is None or not can.decide_transfer(
        Transfer(to_team=to_team, kind=TransferKind.STEP_ACROSS), with_whom
    ):
        errors["discussion_with"] = f"Choose the manager of {to_team} you discussed it with"
    if not notes.strip():
        errors["discussion_notes"] = "Enter what the managers agreed"
    if errors:
        raise ValidationError(errors)


def _sending_side(transfer: Transfer) -> list[User]:
    people = [transfer.requested_by, transfer.from_team.manager, transfer.case.allocated_worker]
    return [p for p in people if p is not None]


@transaction.atomic
def transfer_decide(*, transfer: Transfer, by: User, accepted: bool, reasons: str) -> Transfer:
    """Seed 001 s5: the receiving team manager decides, and the decision is recorded with its
    reasons."""
    require_text(reasons=(reasons, "Enter the reasons for the decision"))
    transfer = locked(transfer)
    now = timezone.now()
    take_step(
        transfer,
        "accept_transfer" if accepted else "decline_transfer",
        by=by,
        check_permission=True,
        note=reasons,
        decider=by,
        at=now,
        reasons=reasons,
    )
    deadline_meet(subject=transfer, kind=Kind.TRANSFER_DECISION, by=by, at=now)
    if accepted:
        deadline = deadline_start(
            kind=Kind.TRANSFER_ALLOCATION,
            subject=transfer,
            anchor_at=now,
            case=transfer.case,
            owner=transfer.to_team.manager,
            owner_team=transfer.to_team,
            by=by,
        )
        lines = [
            f"{by} accepted the transfer into {transfer.to_team}: {reasons}",
            f"A worker is to be allocated by {when(deadline.due_at)}. Meanwhile prepare the "
            "transfer: summary, quality assurance and written notifications.",
        ]
    else:
        lines = [f"{by} declined the transfer: {reasons}", "The case stays with your team."]
    transfer_notify(
        transfer,
        event="decided",
        recipients=_sending_side(transfer),
        heading="Transfer accepted" if accepted else "Transfer declined",
        lines=lines,
    )
    return transfer


def _preparing(transfer: Transfer) -> None:
    if transfer.status not in PREPARING:
        raise ValidationError("This transfer is no longer being prepared.")


@transaction.atomic
def transfer_write_summary(
    *,
    transfer: Transfer,
    by: User,
    updated_information: str,
    important_dates: str,
    urgent_actions: str,
) -> Transfer:
    """Seed 001 s5: the transfer summary: updated case information, important dates and urgent
    actions. Writing it again needs a new sign-off."""
    require_text(
        updated_information=(updated_information, "Enter the updated case information"),
        important_dates=(important_dates, "Enter the important dates"),
        urgent_actions=(urgent_actions, "Enter the urgent actions, or 'None'"),
    )
    transfer = locked(transfer)
    _preparing(transfer)
    if not can.prepare_transfer(transfer, by):
        raise PermissionDenied("Only the originating team's worker or managers can.")
    move = transfer.team_move
    move.summary_updated_information = updated_information
    move.summary_important_dates = important_dates
    move.summary_urgent_actions = urgent_actions
    move.summary_written_by, move.summary_written_at = by, timezone.now()
    move.summary_signed_off_by = move.summary_signed_off_at = None
    move.save()
    audit_record(actor=by, action="transfer.summary_written", subject=transfer, case=transfer.case)
    if transfer.from_team.manager and transfer.from_team.manager != by:
        transfer_notify(
            transfer,
            event=f"summary:{move.summary_written_at:%Y%m%d%H%M%S}",
            recipients=[transfer.from_team.manager],
            heading="Transfer summary to sign off",
            lines=[f"{by} wrote the transfer summary. It must be signed off by you."],
        )
    return transfer


@transaction.atomic
def transfer_sign_off_summary(*, transfer: Transfer, by: User) -> Transfer:
    """Seed 001 s5: "summaries must be signed off by the Team Manager"."""
    transfer = locked(transfer)
    _preparing(transfer)
    if not can.sign_off_summary(transfer, by):
        raise PermissionDenied("Only the originating team manager signs off the summary.")
    move = transfer.team_move
    if not move.summary_written_at:
        raise ValidationError("There is no transfer summary to sign off yet.")
    if move.summary_signed_off_at:
        raise ValidationError("The summary is already signed off.")
    move.summary_signed_off_by, move.summary_signed_off_at = by, timezone.now()
    move.save(update_fields=["summary_signed_off_by", "summary_signed_off_at"])
    audit_record(
        actor=by, action="transfer.summary_signed_off", subject=transfer, case=transfer.case
    )
    return transfer


@transaction.atomic
def transfer_quality_assure(*, transfer: Transfer, by: User, notes: str) -> Transfer:
    """Seed 001 s5: before transfer the supervising manager quality-assures the file: records
    up to date, practice standards met."""
    require_text(notes=(notes, "Enter what you checked"))
    transfer = locked(transfer)
    if transfer.status not in (S.ACCEPTED, S.ALLOCATED):
        raise ValidationError("The file is quality-assured once the transfer is accepted.")
    if not can.quality_assure(transfer, by):
        raise PermissionDenied("Only the originating team's managers can.")
    move = transfer.team_move
    move.qa_checked_by, move.qa_checked_at, move.qa_notes = by, timezone.now(), notes
    move.save(update_fields=["qa_checked_by", "qa_checked_at", "qa_notes"])
    audit_record(
        actor=by,
        action="transfer.quality_assured",
        subject=transfer,
        case=transfer.case,
        note=notes,
    )
    return transfer


def receiving_workers(transfer: Transfer):
    """Who can be allocated in the receiving team: its social workers and Early Help workers."""
    return (
        User.objects.filter(
            memberships__team=transfer.to_team, groups__name__in=WORKER_ROLES, is_active=True
        )
        .distinct()
        .order_by("last_name", "first_name")
    )


@transaction.atomic
def transfer_allocate(
    *,
    transfer: Transfer,
    by: User,
    worker: User | None,
    team_leader_holds: bool = False,
    reason: str = "",
) -> Transfer:
    """The receiving team allocates a worker. A child in need no worker can take is held by the
    team leader, with the reason (seed 001 s2.6); a child on a CP plan or in care never is
    (s2.5): escalate capacity to the Service Manager instead."""
    transfer = locked(transfer)
    case = transfer.case
    if worker is None:
        if not team_leader_holds:
            raise ValidationError({"worker": "Choose the worker"})
        if case.plan_type in NEVER_UNALLOCATED:
            raise ValidationError(
                {
                    "worker": "A child on a Child Protection plan or in care is never left "
                    "unallocated: choose a worker, or escalate capacity to the Service Manager"
                }
            )
        require_text(reason=(reason, "Enter why no worker can be allocated yet"))
    elif not receiving_workers(transfer).filter(pk=worker.pk).exists():
        raise ValidationError({"worker": f"Choose a worker in {transfer.to_team}"})
    now = timezone.now()
    take_step(
        transfer,
        "allocate_in_receiving_team",
        by=by,
        check_permission=True,
        note=f"Allocated to {worker}" if worker else f"Held by the team leader: {reason}",
        worker=worker,
        allocator=by,
        at=now,
    )
    move = transfer.team_move
    move.held_by_team_leader = worker is None
    move.save(update_fields=["held_by_team_leader"])
    deadline_meet(subject=transfer, kind=Kind.TRANSFER_ALLOCATION, by=by, at=now)
    deadline = deadline_start(
        kind=Kind.TRANSFER_COMPLETION,
        subject=transfer,
        anchor_at=now,
        case=case,
        owner=transfer.from_team.manager,
        owner_team=transfer.from_team,
        by=by,
    )
    transfer_notify(
        transfer,
        event="allocated",
        recipients=[*_sending_side(transfer), worker],
        heading="Transfer allocated in the receiving team",
        lines=[
            (
                f"{worker} in {transfer.to_team} will hold the case."
                if worker
                else f"The team leader of {transfer.to_team} holds the case until a worker is free."
            ),
            "The originating team now notifies everyone involved in writing, with the new "
            f"worker's and team's details, and completes the transfer by {when(deadline.due_at)}.",
        ],
    )
    if worker is not None:
        # A capacity escalation about this child ends: they have a worker.
        from escalations.services import resolve_for_allocated_case

        resolve_for_allocated_case(case=transfer.case, by=by)
    return transfer


@transaction.atomic
def transfer_overturn_decline(*, transfer: Transfer, by: User, reasons: str) -> Transfer:
    """Escalated: the service manager overturns the receiving team's refusal. The transfer is
    accepted for them and goes on to allocation, with its clock, as if they had accepted it."""
    transfer = locked(transfer)
    now = timezone.now()
    try:
        with transaction.atomic():
            take_step(
                transfer,
                "overturn_decline",
                by=by,
                note=f"Overturned on escalation: {reasons}",
                decider=by,
                at=now,
                reasons=reasons,
            )
    except IntegrityError as error:
        raise ValidationError(
            "Another transfer of this case is going on: finish or withdraw it first."
        ) from error
    deadline = deadline_start(
        kind=Kind.TRANSFER_ALLOCATION,
        subject=transfer,
        anchor_at=now,
        case=transfer.case,
        owner=transfer.to_team.manager,
        owner_team=transfer.to_team,
        by=by,
    )
    transfer_notify(
        transfer,
        event="overturned",
        recipients=[*_sending_side(transfer), *duty_managers(transfer.to_team)],
        heading="Transfer decline overturned: the transfer goes ahead",
        lines=[
            f"{by} overturned the decision to decline the transfer into {transfer.to_team}: "
            f"{reasons}",
            f"A worker is to be allocated by {when(deadline.due_at)}.",
        ],
    )
    return transfer


@transaction.atomic
def transfer_escalate_capacity(*, transfer: Transfer, by: User, note: str) -> Transfer:
    """Seed 001 s2.5: a child on a CP plan or in care cannot be allocated for lack of capacity:
    escalated to the Service Manager, who is accountable; the receiving team's capacity state
    moves to "capacity escalated"."""
    require_text(note=(note, "Enter why no worker can be allocated"))
    transfer = locked(transfer)
    if transfer.status != S.ACCEPTED:
        raise ValidationError("Capacity is escalated while the transfer waits for allocation.")
    if transfer.case.plan_type not in NEVER_UNALLOCATED:
        raise ValidationError("Only a child on a CP plan or in care is escalated for capacity.")
    if not can.escalate_capacity(transfer, by):
        raise PermissionDenied("Only the receiving team's managers can.")
    move = transfer.team_move
    if move.capacity_escalated_at:
        raise ValidationError("Capacity is already escalated for this transfer.")
    from escalations.models import EscalationKind
    from escalations.services import escalation_raise

    move.capacity_escalated_at, move.capacity_escalated_by = timezone.now(), by
    move.capacity_note = note
    move.save(update_fields=["capacity_escalated_at", "capacity_escalated_by", "capacity_note"])
    # The escalation moves the team's capacity state and tells the service managers.
    escalation_raise(kind=EscalationKind.CAPACITY, transfer=transfer, by=by, reason=note)
    return transfer


@transaction.atomic
def transfer_record_missing_work(*, transfer: Transfer, by: User, description: str) -> MissingWork:
    """Seed 001 s5: work the receiving team finds missing is assigned back to the originating
    team, and tracked until done."""
    require_text(description=(description, "Enter what is missing"))
    transfer = locked(transfer)
    if transfer.status not in (S.ACCEPTED, S.ALLOCATED, S.COMPLETED):
        raise ValidationError("Missing work is recorded once the transfer is accepted.")
    if not can.record_missing_work(transfer, by):
        raise PermissionDenied("Only the receiving team can.")
    item = MissingWork.objects.create(
        transfer=transfer, description=description, raised_by=by, raised_at=timezone.now()
    )
    audit_record(
        actor=by,
        action="transfer.missing_work",
        subject=transfer,
        case=transfer.case,
        note=description,
    )
    transfer_notify(
        transfer,
        event=f"missing:{item.pk}",
        recipients=_sending_side(transfer),
        heading="Missing work found by the receiving team",
        lines=[
            f"{by} ({transfer.to_team}) found work missing: {description}",
            "The originating team does it (seed 001): record it as done on the transfer.",
        ],
    )
    return item


@transaction.atomic
def transfer_resolve_missing_work(*, item: MissingWork, by: User, note: str) -> MissingWork:
    require_text(note=(note, "Enter what was done"))
    item = MissingWork.objects.select_for_update().select_related("transfer").get(pk=item.pk)
    transfer = item.transfer
    if item.done_at:
        raise ValidationError("This missing work is already done.")
    if not can.resolve_missing_work(transfer, by):
        raise PermissionDenied("Only the originating team can.")
    item.done_by, item.done_at, item.done_note = by, timezone.now(), note
    item.save(update_fields=["done_by", "done_at", "done_note"])
    audit_record(
        actor=by,
        action="transfer.missing_work_done",
        subject=transfer,
        case=transfer.case,
        note=note,
    )
    transfer_notify(
        transfer,
        event=f"missing_done:{item.pk}",
        recipients=[item.raised_by],
        heading="Missing work done",
        lines=[f"{by} recorded the missing work as done: {note}"],
    )
    return item


@dataclass(frozen=True)
class Standard:
    """One transfer standard on the checklist: whether it is met and whether it blocks."""

    label: str
    done: bool
    detail: str = ""
    blocking: bool = True


def transfer_standards(
    transfer: Transfer, *, meetings=None, notifications=None, missing_work=None
) -> list[Standard]:
    """Seed 001 s5 (and seed 000 for a step across), as a checklist: what is done and what
    still blocks completion. The transfer's meetings, notifications and missing work are read
    here unless given (the transfer page shows them too, already read)."""
    from casework.models import MeetingKind
    from casework.selectors import meetings_for, notifications_for

    move = transfer.team_move
    decided = transfer.status not in (S.PROPOSED, S.DECLINED, S.WITHDRAWN)
    standards = [
        Standard(
            "The receiving team manager's decision is recorded",
            decided and transfer.decided_at is not None,
            f"By {transfer.decided_by}: {transfer.decision_note}" if transfer.decided_by else "",
        )
    ]
    if transfer.kind == TransferKind.STEP_ACROSS:
        standards.append(
            Standard(
                "Manager-to-manager discussion held",
                move.discussion_held_at is not None,
                f"With {move.discussion_with}" if move.discussion_with else "",
            )
        )
    if move.summary_required:
        detail = ""
        if move.summary_signed_off_at:
            detail = f"Signed off by {move.summary_signed_off_by}"
        elif move.summary_written_at:
            detail = f"Written by {move.summary_written_by}: waiting for the team manager"
        else:
            assessed = transfer.case.latest_assessment_on
            detail = (
                f"The latest assessment ({assessed:%d %B %Y}) is over a month old"
                if assessed
                else "No assessment is recorded"
            )
        standards.append(
            Standard(
                "Transfer summary written and signed off by the team manager",
                move.summary_signed_off,
                detail,
            )
        )
    else:
        standards.append(
            Standard(
                "Transfer summary",
                True,
                "Not needed: the latest assessment is recent",
                blocking=False,
            )
        )
    standards.append(
        Standard(
            "File quality-assured by the supervising manager",
            move.qa_checked_at is not None,
            f"By {move.qa_checked_by}" if move.qa_checked_by else "",
        )
    )
    allocated = transfer.status in (S.ALLOCATED, S.COMPLETED)
    standards.append(
        Standard(
            "A worker is allocated in the receiving team",
            allocated,
            str(transfer.allocated_worker or "")
            or ("Held by the team leader (child in need)" if move.held_by_team_leader else ""),
        )
    )
    notified = list(notifications_for(transfer) if notifications is None else notifications)
    standards.append(
        Standard(
            "Agencies, professionals and family told in writing of the new worker and team",
            bool(notified),
            ", ".join(sorted({n.recipient_name for n in notified}))[:200],
        )
    )
    meetings = list(meetings_for(transfer=transfer) if meetings is None else meetings)
    if transfer.kind == TransferKind.STEP_ACROSS:
        # Seed 000 s2: once agreed, a joint transition visit or meeting with the family.
        standards.append(_meeting_standard(meetings, MeetingKind.JOINT_TRANSITION, True))
    # Seed 001 s2.3: wherever possible, a handover meeting with the child and parent or carer.
    standards.append(_meeting_standard(meetings, MeetingKind.HANDOVER, False))
    items = transfer.missing_work.all() if missing_work is None else missing_work
    open_items = [m for m in items if not m.done_at]
    standards.append(
        Standard(
            "Missing work found by the receiving team is done",
            not open_items,
            f"{len(open_items)} still with the originating team" if open_items else "",
            blocking=False,
        )
    )
    return standards


def _meeting_standard(meetings, kind: str, blocking: bool) -> Standard:
    from casework.models import MeetingKind

    held = [m for m in meetings if m.kind == kind and m.held_at]
    planned = [m for m in meetings if m.kind == kind and not m.held_at and m.planned_for]
    if held:
        detail = f"Held {timezone.localtime(held[0].held_at):%d %B %Y}"
    elif planned:
        detail = f"Planned for {timezone.localtime(planned[0].planned_for):%d %B %Y, %H:%M}"
    else:
        detail = "" if blocking else "Recorded where it happens"
    return Standard(
        MeetingKind(kind).label + (" with the family" if blocking else ""),
        bool(held),
        detail,
        blocking=blocking,
    )


def transfer_blockers(transfer: Transfer) -> list[str]:
    return [s.label for s in transfer_standards(transfer) if s.blocking and not s.done]


@transaction.atomic
def transfer_complete(*, transfer: Transfer, by: User) -> Transfer:
    """Every standard met: the case moves to the receiving team and its worker; a step down or
    a step across also moves where the case is open. A child on a CP plan or in care cannot
    complete unallocated."""
    transfer = locked(transfer)
    blockers = transfer_blockers(transfer)
    if blockers:
        raise ValidationError(["This transfer cannot complete yet:", *[f"{b}." for b in blockers]])
    case = transfer.case
    if transfer.allocated_worker is None and case.plan_type in NEVER_UNALLOCATED:
        raise ValidationError(
            "A child on a CP plan or in care is never left unallocated: allocate a worker first."
        )
    now = timezone.now()
    take_step(
        transfer,
        "complete_transfer",
        by=by,
        check_permission=True,
        note="Transfer completed",
        at=now,
    )
    reason = f"{transfer.get_kind_display()} to {transfer.to_team}"
    if transfer.kind == TransferKind.STEP_DOWN or (
        transfer.kind == TransferKind.STEP_ACROSS and transfer.to_team.service in ACROSS
    ):
        case_services.case_step_down_to_early_help(
            case=case, by=by, to_team=transfer.to_team, reason=reason, for_transfer=transfer
        )
    elif transfer.kind == TransferKind.STEP_ACROSS:
        case_services.case_step_up_to_social_care(case=case, by=by, note=reason)
    case_services.case_allocate(
        case=case,
        team=transfer.to_team,
        worker=transfer.allocated_worker,
        by=by,
        reason=reason,
        for_transfer=transfer,
    )
    if transfer.team_move.held_by_team_leader and transfer.allocated_worker is None:
        # The receiving manager decided the hold at allocation; the hold is theirs.
        case_services.case_hold_by_team_leader(
            case=case,
            by=transfer.allocated_by or by,
            reason="Held by the team leader until a worker is free",
        )
    deadline_meet(subject=transfer, kind=Kind.TRANSFER_COMPLETION, by=by, at=now)
    deadline_cancel(subject=transfer, by=by, reason="Transfer completed")
    transfer_notify(
        transfer,
        event="completed",
        recipients=[*_sending_side(transfer), transfer.to_team.manager, transfer.allocated_worker],
        heading="Transfer completed",
        lines=[
            f"The case is now with {transfer.to_team}"
            + (
                f", allocated to {transfer.allocated_worker}."
                if transfer.allocated_worker
                else ", held by the team leader."
            )
        ],
    )
    return transfer


def transfer_options(case: Case, on: date) -> tuple[list[Team], list[tuple[Team, str]]]:
    """The teams this case can be proposed to (a transfer kind exists and the remit covers the
    child), and the others with the reason they cannot, for the proposal page."""
    eligible, refused = [], []
    teams = Team.objects.filter(is_active=True).exclude(pk=case.current_team_id).order_by("name")
    for team in teams:
        if kind_for(case.current_team, team) is None:
            continue
        reason = remit_refusal(team, case, on)
        if reason:
            refused.append((team, reason))
        else:
            eligible.append(team)
    return eligible, refused


def receiving_managers(teams: list[Team]):
    """The managers a step across can be discussed with: each team's manager and its TMs."""
    return (
        User.objects.filter(
            Q(managed_teams__in=teams)
            | Q(memberships__team__in=teams, groups__name=Role.TEAM_MANAGER),
            is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name")
    )
