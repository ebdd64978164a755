"""Step up from Early Help to Social Care (seed 002; DOMAIN.md section A).

One service per step. Each runs in one transaction: it re-reads the transfer FOR UPDATE (so a
second duty manager acting at the same moment finds the status already moved and is refused),
takes the django-fsm transition with its permission check, writes the audit record, the deadline
rows and the outbox rows, and leaves every email to be sent after commit."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from audit.fsm import apply_transition
from audit.services import audit_record
from cases.choices import PlanType
from cases.models import Case
from cases.services import case_allocate, case_update
from deadlines.calendar import LONDON
from deadlines.emails import service_managers_over
from deadlines.rules import Kind
from deadlines.services import (
    deadline_cancel,
    deadline_meet,
    deadline_reassign,
    deadline_start,
)
from people.models import SOCIAL_CARE_SERVICES, Service, Team, User
from people.roles import Role
from people.selectors import in_team

from .. import permissions as can
from ..models import LIVE, StepUp, Transfer, TransferKind, TransferStatus
from .notify import transfer_notify, when

TWELVE_WEEKS = timedelta(weeks=12)
EARLY_HELP_SERVICES = (Service.EARLY_HELP, Service.GRAFT)
DISCUSSION_KINDS = (Kind.STEP_UP_URGENT, Kind.STEP_UP_STANDARD)


def _require(**fields: tuple[str, str]) -> None:
    """Each field must have text; the services say so themselves, not only the forms."""
    errors = {name: message for name, (value, message) in fields.items() if not value.strip()}
    if errors:
        raise ValidationError(errors)


def _locked(transfer: Transfer) -> Transfer:
    return (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("case", "from_team", "to_team", "step_up")
        .get(pk=transfer.pk)
    )


def _duty_managers(team: Team | None) -> list[User]:
    if team is None:
        return []
    people = list(
        User.objects.filter(
            memberships__team=team,
            groups__name__in=[Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER],
            is_active=True,
        ).distinct()
    )
    if team.manager and team.manager not in people:
        people.insert(0, team.manager)
    return people


@transaction.atomic
def step_up_start(
    *,
    case: Case,
    by: User,
    supervisor: User,
    concerns: str,
    work_tried: str,
    why_now: str,
    urgent: bool,
    section_47: bool,
) -> Transfer:
    """Step 1: a worker and their EH supervisor open an escalation discussion."""
    if not can.start_step_up(case, by):
        raise PermissionDenied("Only Early Help workers and supervisors in the case's team can.")
    # Lock the case: two people starting a step-up at once must not both succeed.
    case = Case.objects.select_for_update().select_related("current_team").get(pk=case.pk)
    if case.current_team.service not in EARLY_HELP_SERVICES:
        raise ValidationError("Only a case open to Early Help or Graft can be stepped up.")
    if Transfer.objects.filter(case=case, status__in=LIVE).exists():
        raise ValidationError("This case already has a transfer in progress.")
    if not can.review_as_supervisor_of(supervisor, case.current_team):
        raise ValidationError({"supervisor": "Choose an Early Help supervisor in the case's team."})
    try:
        with transaction.atomic():
            transfer = Transfer.objects.create(
                kind=TransferKind.STEP_UP,
                case=case,
                from_team=case.current_team,
                requested_by=by,
                urgent=urgent or section_47,
                section_47=section_47,
            )
    except IntegrityError as error:  # the one_live_transfer_per_case constraint
        raise ValidationError("This case already has a transfer in progress.") from error
    step_up = StepUp(
        transfer=transfer,
        supervisor=supervisor,
        concerns=concerns,
        work_tried=work_tried,
        why_now=why_now,
    )
    step_up.full_clean()
    step_up.save()
    audit_record(
        actor=by,
        action="transfer.start",
        subject=transfer,
        case=case,
        to_state=transfer.status,
        note="Escalation discussion opened" + (" (urgent)" if transfer.urgent else ""),
    )
    transfer_notify(
        transfer,
        event="started",
        recipients=[supervisor],
        heading="Escalation discussion to complete",
        lines=[
            "A worker has opened an escalation discussion with you about stepping this case "
            "up to Social Care."
        ],
    )
    return transfer


@transaction.atomic
def step_up_submit(*, transfer: Transfer, by: User, supervisor_notes: str = "") -> Transfer:
    """Step 1 done: the supervisor takes the discussion to the EH/Graft team manager."""
    transfer = _locked(transfer)
    apply_transition(
        transfer,
        "submit_to_manager",
        by=by,
        check_permission=True,
        case=transfer.case,
        note=supervisor_notes,
    )
    transfer.step_up.supervisor_notes = supervisor_notes
    transfer.step_up.save(update_fields=["supervisor_notes"])
    transfer_notify(
        transfer,
        event="submitted",
        recipients=[transfer.from_team.manager],
        heading="Step-up decision needed",
        lines=[
            "An Early Help supervisor asks you to decide whether this case should step up to "
            "Social Care."
        ],
    )
    return transfer


@transaction.atomic
def step_up_eh_decide(
    *, transfer: Transfer, by: User, agreed: bool, outcome: str, actions: str, advice: str = ""
) -> Transfer:
    """Step 2: the EH/Graft TM decides. Not agreed: actions and advice recorded, the case stays
    with Early Help. Agreed: the discussion, outcome and actions are recorded."""
    _require(
        outcome=(outcome, "Enter the discussion and its outcome"),
        actions=(actions, "Enter the actions agreed"),
    )
    if not agreed and not advice.strip():
        raise ValidationError({"advice": "Enter the advice for the supervisor and worker"})
    transfer = _locked(transfer)
    now = timezone.now()
    if agreed:
        apply_transition(
            transfer,
            "agree_escalation",
            by=by,
            check_permission=True,
            case=transfer.case,
            note=outcome,
        )
    else:
        apply_transition(
            transfer,
            "refuse_escalation",
            by=by,
            check_permission=True,
            case=transfer.case,
            note=outcome,
            at=now,
        )
    step_up = transfer.step_up
    step_up.eh_decided_by, step_up.eh_decided_at = by, now
    step_up.eh_outcome, step_up.eh_actions, step_up.eh_advice = outcome, actions, advice
    step_up.save()
    transfer_notify(
        transfer,
        event="eh_decided",
        recipients=[step_up.supervisor, transfer.requested_by],
        heading="Step-up agreed by Early Help: send the form to duty"
        if agreed
        else "Step-up not agreed by Early Help",
        lines=["Read the decision, actions and advice on the request."],
    )
    return transfer


@dataclass(frozen=True)
class Route:
    team: Team
    manager: User | None
    to_closing_manager: bool
    reason: str


def step_up_route(*, case: Case, at: datetime) -> Route:
    """Where a step-up goes: the duty team, unless the case was closed to Social Care within the
    previous 12 weeks, when it goes to the team manager who closed it (seed 002)."""
    closed_on, closer = case.last_closed_to_social_care_on, case.last_closed_to_social_care_by
    today = at.astimezone(LONDON).date()
    reason = ""
    if closed_on and closer and today - closed_on <= TWELVE_WEEKS:
        team = None
        if closer.is_active and closer.has_role(Role.TEAM_MANAGER):
            team = Team.objects.filter(
                manager=closer, is_active=True, service__in=SOCIAL_CARE_SERVICES
            ).first()
        if team is not None:
            return Route(
                team=team,
                manager=closer,
                to_closing_manager=True,
                reason=(
                    f"Closed to Social Care on {closed_on:%d %B %Y}, within the previous 12 "
                    f"weeks: it goes to {closer}, the team manager who closed it, to allocate to "
                    "their team or the previous social worker."
                ),
            )
        reason = (
            f"Closed to Social Care on {closed_on:%d %B %Y}, within the previous 12 weeks, but "
            "the team manager who closed it no longer manages a Social Care team: it goes to duty."
        )
    duty = Team.objects.filter(service=Service.SOCIAL_CARE_DUTY, is_active=True)
    team = duty.filter(locality=case.current_team.locality).first() or duty.first()
    if team is None:
        raise ValidationError("No Social Care duty team is set up. Ask a system administrator.")
    return Route(team=team, manager=None, to_closing_manager=False, reason=reason)


@transaction.atomic
def step_up_send(
    *,
    transfer: Transfer,
    by: User,
    request_summary: str,
    current_risks: str,
    family_informed: bool,
    urgent: bool,
    section_47: bool,
) -> Transfer:
    """Step 2: the EH supervisor sends the step-up form; the clock starts (4 hours urgent, 48
    hours otherwise); urgent ones reach the duty managers at once."""
    _require(
        request_summary=(request_summary, "Enter the reason for the request"),
        current_risks=(current_risks, "Enter the current risks"),
    )
    transfer = _locked(transfer)
    now = timezone.now()
    route = step_up_route(case=transfer.case, at=now)
    transfer.to_team = route.team
    transfer.assigned_to = route.manager
    transfer.urgent = urgent or section_47
    transfer.section_47 = section_47
    apply_transition(
        transfer,
        "send_to_duty",
        by=by,
        check_permission=True,
        case=transfer.case,
        note=route.reason or f"Sent to {route.team}",
        at=now,
    )
    step_up = transfer.step_up
    step_up.request_summary, step_up.current_risks = request_summary, current_risks
    step_up.family_informed = family_informed
    step_up.routed_to_closing_manager, step_up.routing_reason = (
        route.to_closing_manager,
        route.reason,
    )
    step_up.save()
    kind = Kind.STEP_UP_URGENT if transfer.urgent else Kind.STEP_UP_STANDARD
    deadline = deadline_start(
        kind=kind,
        subject=transfer,
        anchor_at=now,
        case=transfer.case,
        owner=route.manager or route.team.manager,
        owner_team=route.team,
        by=by,
    )
    recipients = [route.manager] if route.manager else _duty_managers(route.team)
    transfer_notify(
        transfer,
        event="sent",
        recipients=recipients,
        heading="Step-up request to discuss"
        if not transfer.urgent
        else "Step-up request: urgent safeguarding",
        lines=[
            f"Discuss it with Early Help by {when(deadline.due_at)}.",
            *([route.reason] if route.reason else []),
            *(["A section 47 enquiry is flagged."] if transfer.section_47 else []),
        ],
    )
    return transfer


@transaction.atomic
def step_up_pick_up(*, transfer: Transfer, by: User) -> Transfer:
    """Step 3: a duty ATM/TM picks the request up; it is theirs to discuss and decide."""
    transfer = _locked(transfer)
    apply_transition(
        transfer, "pick_up", by=by, check_permission=True, case=transfer.case, manager=by
    )
    # The discussion deadline follows the request: its reminders now go to whoever holds it.
    for kind in DISCUSSION_KINDS:
        deadline_reassign(subject=transfer, kind=kind, owner=by, by=by)
    return transfer


def _discussion_time(held_at: datetime, transfer: Transfer) -> datetime:
    if held_at > timezone.now():
        raise ValidationError({"discussion_held_at": "The discussion time cannot be in the future"})
    # Minutes: the form takes hours and minutes, so the minute it was sent counts.
    if transfer.sent_at and held_at < transfer.sent_at.replace(second=0, microsecond=0):
        # Seed 002: the form goes to duty before the discussion.
        sent = transfer.sent_at.astimezone(LONDON)
        raise ValidationError(
            {
                "discussion_held_at": f"The discussion cannot be before the form was sent "
                f"({sent:%d %B %Y} at {sent:%H:%M})"
            }
        )
    return held_at


@transaction.atomic
def step_up_decide(
    *,
    transfer: Transfer,
    by: User,
    agreed: bool,
    discussion_held_at: datetime,
    note: str,
    contact_reference: str = "",
    referral_reference: str = "",
    plan_type: str = PlanType.CIN,
) -> Transfer:
    """Step 3/4: the duty manager records the discussion (meeting its deadline) and decides.
    Agreed: contact and referral references recorded, the case moves to the receiving team and
    awaits allocation. Not agreed: the case stays open to Early Help or Graft."""
    transfer = _locked(transfer)
    held_at = _discussion_time(discussion_held_at, transfer)
    if agreed:
        errors = {}
        if not contact_reference.strip():
            errors["contact_reference"] = "Enter the contact reference"
        if not referral_reference.strip():
            errors["referral_reference"] = "Enter the referral reference"
        if plan_type not in (PlanType.CIN, PlanType.CP):
            errors["plan_type"] = "Choose Child in Need or Child Protection"
        if errors:
            raise ValidationError(errors)
    elif not note.strip():
        raise ValidationError({"note": "Enter the reasons for the decision"})
    now = timezone.now()
    name = "agree_step_up" if agreed else "refuse_step_up"
    apply_transition(
        transfer,
        name,
        by=by,
        check_permission=True,
        case=transfer.case,
        note=note,
        decider=by,
        at=now,
        reasons=note,
    )
    step_up = transfer.step_up
    step_up.discussion_held_at = held_at
    step_up.contact_reference, step_up.referral_reference = contact_reference, referral_reference
    step_up.save()
    for kind in DISCUSSION_KINDS:
        deadline_meet(subject=transfer, kind=kind, by=by, at=held_at, note="Discussion held")
    if agreed:
        case_update(
            case=transfer.case,
            by=by,
            plan_type=plan_type,
            note=f"Step-up agreed: referral {referral_reference}",
        )
        case_allocate(
            case=transfer.case,
            team=transfer.to_team,
            worker=None,
            by=by,
            reason=f"Step-up agreed: awaiting allocation (referral {referral_reference})",
            for_transfer=transfer,
        )
    transfer_notify(
        transfer,
        event="decided",
        recipients=[transfer.step_up.supervisor, transfer.requested_by, transfer.from_team.manager],
        heading="Step-up agreed by Social Care" if agreed else "Step-up not agreed by Social Care",
        lines=[
            "The case now awaits allocation to a social worker."
            if agreed
            else "The case stays open to Early Help. The Locality Lead or Graft TM can escalate."
        ],
    )
    return transfer


@transaction.atomic
def step_up_allocate(*, transfer: Transfer, by: User, worker: User) -> Transfer:
    """After the decision: a social worker is allocated. The joint visit (5 working days) and
    the 10-day discussion clocks start; the FFP/FSW stays involved."""
    transfer = _locked(transfer)
    if not (worker.has_role(Role.SOCIAL_WORKER) and in_team(worker, transfer.to_team)):
        raise ValidationError({"worker": f"Choose a social worker in {transfer.to_team}"})
    now = timezone.now()
    apply_transition(
        transfer,
        "allocate",
        by=by,
        check_permission=True,
        case=transfer.case,
        note=f"Allocated to {worker}",
        worker=worker,
        at=now,
    )
    case_allocate(
        case=transfer.case,
        team=transfer.to_team,
        worker=worker,
        by=by,
        reason="Step-up allocated",
        for_transfer=transfer,
    )
    for kind in (Kind.JOINT_VISIT, Kind.TEN_DAY_DISCUSSION):
        deadline_start(
            kind=kind,
            subject=transfer,
            anchor_at=now,
            case=transfer.case,
            owner=worker,
            owner_team=transfer.to_team,
            by=by,
        )
    transfer_notify(
        transfer,
        event="allocated",
        recipients=[worker, transfer.requested_by, transfer.step_up.supervisor],
        heading="Step-up allocated: joint visit within 5 working days",
        lines=[
            "The allocated social worker and the Early Help worker visit the family together "
            "within 5 working days.",
            "The Early Help worker and supervisor are invited to the 10-day discussion. Until a "
            "new plan is in place, the existing safety plan stays in force.",
        ],
    )
    return transfer


def _check_past_date(field: str, value: date, not_before: datetime | None, label: str) -> None:
    if value > timezone.localdate():
        raise ValidationError({field: f"The date of the {label} cannot be in the future"})
    if not_before and value < not_before.astimezone(LONDON).date():
        raise ValidationError(
            {field: f"The date of the {label} cannot be before the case was allocated"}
        )


def _start_of(day: date) -> datetime:
    """A visit on the due date counts as on time: meet it as of the start of that day."""
    return datetime.combine(day, time.min, tzinfo=LONDON)


@transaction.atomic
def step_up_record_joint_visit(
    *,
    transfer: Transfer,
    by: User,
    visited_on: date,
    eh_worker_attended: bool,
    notes: str = "",
) -> Transfer:
    """After allocation: the allocated social worker and the FFP/FSW visit the family together
    within 5 working days (seed 002)."""
    transfer = _locked(transfer)
    _require_after_allocation(transfer, by)
    if transfer.step_up.joint_visit_on:
        raise ValidationError("The joint visit is already recorded.")
    if not eh_worker_attended:
        raise ValidationError(
            {
                "eh_worker_attended": "A joint visit is with the Early Help "
                "worker: confirm they attended"
            }
        )
    _check_past_date("visited_on", visited_on, transfer.allocated_at, "joint visit")
    step_up = transfer.step_up
    step_up.joint_visit_on, step_up.joint_visit_notes = visited_on, notes
    step_up.joint_visit_with_eh_worker = True
    step_up.save(
        update_fields=["joint_visit_on", "joint_visit_notes", "joint_visit_with_eh_worker"]
    )
    audit_record(
        actor=by,
        action="transfer.joint_visit",
        subject=transfer,
        case=transfer.case,
        changes={"joint_visit_on": [None, visited_on.isoformat()]},
        note=notes,
    )
    deadline_meet(subject=transfer, kind=Kind.JOINT_VISIT, by=by, at=_start_of(visited_on))
    _complete_when_done(transfer, by)
    return transfer


@transaction.atomic
def step_up_record_ten_day_discussion(
    *,
    transfer: Transfer,
    by: User,
    held_on: date,
    worker_invited: bool,
    supervisor_invited: bool,
    new_plan_agreed: bool,
    notes: str = "",
) -> Transfer:
    transfer = _locked(transfer)
    _require_after_allocation(transfer, by)
    if transfer.step_up.ten_day_discussion_on:
        raise ValidationError("The 10-day discussion is already recorded.")
    _check_past_date("held_on", held_on, transfer.allocated_at, "10-day discussion")
    errors = {}
    if not worker_invited:
        errors["worker_invited"] = "The Early Help worker must be invited to the 10-day discussion"
    if not supervisor_invited:
        errors["supervisor_invited"] = "The Early Help supervisor must be invited too"
    if errors:
        raise ValidationError(errors)
    step_up = transfer.step_up
    step_up.ten_day_discussion_on, step_up.ten_day_notes = held_on, notes
    step_up.worker_invited, step_up.supervisor_invited = worker_invited, supervisor_invited
    if new_plan_agreed:
        step_up.new_plan_on = held_on
    step_up.save()
    audit_record(
        actor=by,
        action="transfer.ten_day_discussion",
        subject=transfer,
        case=transfer.case,
        changes={
            "ten_day_discussion_on": [None, held_on.isoformat()],
            "new_plan_on": [None, held_on.isoformat() if new_plan_agreed else None],
        },
        note=notes,
    )
    deadline_meet(subject=transfer, kind=Kind.TEN_DAY_DISCUSSION, by=by, at=_start_of(held_on))
    if new_plan_agreed and transfer.case.safety_plan_in_force:
        # Seed 002: the existing safety plan stays until a new plan is in place; now it is.
        case_update(
            case=transfer.case,
            by=by,
            safety_plan_in_force=False,
            note="Safety plan replaced by the plan agreed at the 10-day discussion",
        )
    _complete_when_done(transfer, by)
    return transfer


def _require_after_allocation(transfer: Transfer, by: User) -> None:
    if transfer.status not in (TransferStatus.ALLOCATED, TransferStatus.COMPLETED):
        raise ValidationError("Record this after the case is allocated to a social worker.")
    if not can.record_after_allocation(transfer, by):
        raise PermissionDenied("Only the allocated social worker or their managers can.")


def _complete_when_done(transfer: Transfer, by: User) -> None:
    step_up = transfer.step_up
    if (
        transfer.status == TransferStatus.ALLOCATED
        and step_up.joint_visit_on
        and step_up.ten_day_discussion_on
    ):
        apply_transition(
            transfer,
            "complete",
            by=by,
            case=transfer.case,
            note="Joint visit and 10-day discussion recorded",
            at=timezone.now(),
        )


@transaction.atomic
def transfer_withdraw(*, transfer: Transfer, by: User, reason: str) -> Transfer:
    """Any time before a decision, with a reason. Its deadlines are cancelled."""
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the request is withdrawn"})
    transfer = _locked(transfer)
    apply_transition(
        transfer,
        "withdraw",
        by=by,
        check_permission=True,
        case=transfer.case,
        note=reason,
        reason=reason,
        at=timezone.now(),
    )
    deadline_cancel(subject=transfer, by=by, reason=f"Request withdrawn: {reason}")
    sending_side = [transfer.requested_by, transfer.from_team.manager]
    if hasattr(transfer, "step_up"):
        sending_side.append(transfer.step_up.supervisor)
    transfer_notify(
        transfer,
        event="withdrawn",
        recipients=sending_side,
        heading="Step-up request withdrawn",
        lines=["No further action is needed."],
    )
    if transfer.sent_at:
        # The receiving side no longer sees the case: their link is their queue.
        receiving = (
            [transfer.assigned_to] if transfer.assigned_to else _duty_managers(transfer.to_team)
        )
        transfer_notify(
            transfer,
            event="withdrawn",
            recipients=receiving,
            heading="Step-up request withdrawn",
            lines=["Early Help withdrew the request. No further action is needed."],
            link=reverse("transfers:duty_queue"),
        )
    return transfer


@transaction.atomic
def step_up_request_escalation(*, transfer: Transfer, by: User, note: str) -> Transfer:
    """Seed 002, step 4: after Social Care says no, the Locality Lead or Graft TM takes it to the
    Social Care Service Manager. This records the request and tells the service managers."""
    transfer = _locked(transfer)
    if transfer.status != TransferStatus.NOT_AGREED:
        raise ValidationError("Only a step-up Social Care did not agree can be escalated.")
    if not can.request_escalation(transfer, by):
        raise PermissionDenied("Only the Locality Lead or the Graft team manager can escalate.")
    if not note.strip():
        raise ValidationError({"note": "Enter why the decision should be looked at again"})
    step_up = transfer.step_up
    if step_up.escalation_requested_at:
        raise ValidationError("Escalation was already requested.")
    step_up.escalation_requested_at = timezone.now()
    step_up.save(update_fields=["escalation_requested_at"])
    audit_record(
        actor=by,
        action="transfer.escalation_requested",
        subject=transfer,
        case=transfer.case,
        note=note,
    )
    transfer_notify(
        transfer,
        event="escalation",
        recipients=service_managers_over(transfer.to_team),
        heading="Step-up decision escalated to you",
        lines=[
            "Early Help disagrees with Social Care's decision not to step this "
            "case up. Discuss it with the Locality Lead or Graft TM."
        ],
    )
    return transfer
