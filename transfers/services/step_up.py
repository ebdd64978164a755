"""Step up from Early Help to Social Care (seed 002; DOMAIN.md section A).

One service per step. Each runs in one transaction: it re-reads the transfer FOR UPDATE (so a
second duty manager acting at the same moment finds the status already moved and is refused),
takes the django-fsm transition with its permission check, writes the audit record, the deadline
rows and the outbox rows, and leaves every email to be sent after commit.

Every live stage has an owner and a clock (DEADLINES.md, local defaults): the supervisor's review
(`eh_review`), the team manager's decision and the sending of the form (`eh_decision`), Social
Care's discussion (`step_up_urgent`/`step_up_standard`), allocation (`step_up_allocation`), then
the joint visit and the 10-day discussion. The Early Help worker who holds the case hears every
step, whoever pressed the button."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record, save_audited
from cases import services as case_services
from cases.models import Case
from deadlines.calendar import LONDON
from deadlines.rules import Kind
from deadlines.services import deadline_meet, deadline_reassign, deadline_start
from people.models import SOCIAL_CARE_SERVICES, Service, Team, User
from people.roles import Role
from people.selectors import in_team

from .. import permissions as can
from ..models import (
    AGREED_OUTCOMES,
    LIVE,
    SocialCareOutcome,
    StepUp,
    Transfer,
    TransferKind,
    TransferStatus,
)
from .common import duty_managers, locked, require_text, sending_side, take_step
from .notify import transfer_notify, when

TWELVE_WEEKS = timedelta(weeks=12)
EARLY_HELP_SERVICES = can.EARLY_HELP_SERVICES
DISCUSSION_KINDS = (Kind.STEP_UP_URGENT, Kind.STEP_UP_STANDARD)
EH_REVIEW_KINDS = (Kind.EH_REVIEW, Kind.EH_REVIEW_URGENT)
EH_DECISION_KINDS = (Kind.EH_DECISION, Kind.EH_DECISION_URGENT)
ALLOCATION_KINDS = (Kind.STEP_UP_ALLOCATION, Kind.STEP_UP_ALLOCATION_URGENT)
S = TransferStatus


def _clock(kinds: tuple[str, str], transfer: Transfer) -> str:
    """The (standard, urgent) pair's kind for this request."""
    return kinds[1] if transfer.is_priority else kinds[0]


def _meet(transfer: Transfer, kinds, by: User, at: datetime | None = None, note: str = "") -> None:
    for kind in kinds:
        deadline_meet(subject=transfer, kind=kind, by=by, at=at, note=note)


def _notify(transfer: Transfer, event: str, recipients, heading: str, lines: list[str]) -> None:
    transfer_notify(transfer, event=event, recipients=recipients, heading=heading, lines=lines)


def _tell_early_help(
    transfer: Transfer, event: str, heading: str, lines: list[str], *, by: User
) -> None:
    """The Early Help side waits on every step: tell them, except whoever took it."""
    people = [p for p in sending_side(transfer) if p.pk != by.pk]
    _notify(transfer, event, people, heading, lines)


def _eh_worker_for(case: Case, by: User) -> User | None:
    """The FFP/FSW who holds the case in Early Help: its allocated worker, else whoever started
    the step-up if they are one."""
    for person in (case.allocated_worker, by):
        if person is not None and person.has_role(Role.FFP, Role.FSW):
            return person
    return None


def supervisors_for(team: Team):
    """Who can hold the escalation discussion for a case in `team`: its EH supervisors, and for
    a Graft team its manager in the supervisor's place."""
    people = User.objects.filter(
        memberships__team=team, groups__name=Role.EH_SUPERVISOR, is_active=True
    )
    if team.service == Service.GRAFT and team.manager_id:
        people = people | User.objects.filter(pk=team.manager_id, is_active=True)
    return people.distinct()


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
    """Step 1: a worker and their EH supervisor (for Graft, the Graft TM) open an escalation
    discussion. The supervisor's review clock starts."""
    if not can.may_start_step_up(case, by):
        raise PermissionDenied(
            "Only Early Help or Graft workers, supervisors and the Graft team manager in the "
            "case's team can start a step-up."
        )
    # Lock the case: two people starting a step-up at once must not both succeed.
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("current_team", "allocated_worker")
        .get(pk=case.pk)
    )
    if case.current_team.service not in EARLY_HELP_SERVICES:
        raise ValidationError("Only a case open to Early Help or Graft can be stepped up.")
    if Transfer.objects.filter(case=case, status__in=LIVE).exists():
        raise ValidationError("This case already has a transfer in progress.")
    if not can.review_as_supervisor_of(supervisor, case.current_team):
        raise ValidationError({"supervisor": "Choose an Early Help supervisor in the case's team"})
    # Separation of duties: the discussion is between two people; whoever asks never reviews it.
    if supervisor.pk == by.pk:
        raise ValidationError(
            {"supervisor": "Choose a supervisor other than yourself to review the discussion"}
        )
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
        eh_worker=_eh_worker_for(case, by),
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
    deadline = deadline_start(
        kind=_clock(EH_REVIEW_KINDS, transfer),
        subject=transfer,
        anchor_at=transfer.created_at,
        case=case,
        owner=supervisor,
        owner_team=case.current_team,
        by=by,
        watchers=[p for p in (step_up.eh_worker,) if p is not None],
    )
    _notify(
        transfer,
        "started",
        [supervisor],
        "Escalation discussion to review",
        [
            f"{by} has opened an escalation discussion with you about stepping this case up to "
            f"Social Care. Review it and send it to the team manager by {when(deadline.due_at)}."
        ],
    )
    if step_up.eh_worker is not None and step_up.eh_worker != by:
        _notify(
            transfer,
            "started",
            [step_up.eh_worker],
            "Step-up started for a case you hold",
            [f"{by} has opened an escalation discussion about stepping this case up."],
        )
    return transfer


@transaction.atomic
def step_up_submit(*, transfer: Transfer, by: User, supervisor_notes: str = "") -> Transfer:
    """Step 1 done: the supervisor takes the discussion to the EH/Graft team manager."""
    transfer = locked(transfer)
    take_step(
        transfer,
        "submit_to_manager",
        by=by,
        check_permission=True,
        case=transfer.case,
        note=supervisor_notes,
    )
    transfer.step_up.supervisor_notes = supervisor_notes
    transfer.step_up.save(update_fields=["supervisor_notes"])
    _meet(transfer, EH_REVIEW_KINDS, by, note="Sent to the team manager")
    manager = transfer.from_team.manager
    deadline = deadline_start(
        kind=_clock(EH_DECISION_KINDS, transfer),
        subject=transfer,
        anchor_at=timezone.now(),
        case=transfer.case,
        owner=manager,
        owner_team=transfer.from_team,
        by=by,
        watchers=[transfer.step_up.supervisor],
    )
    _notify(
        transfer,
        "submitted",
        [manager],
        "Step-up decision needed",
        [
            f"{by} asks you to decide whether this case should step up to Social Care, by "
            f"{when(deadline.due_at)}."
        ],
    )
    _tell_early_help(
        transfer,
        "submitted",
        "Step-up sent to the team manager",
        [f"{by} sent the escalation discussion to {manager} for a decision."],
        by=by,
    )
    return transfer


@transaction.atomic
def step_up_eh_decide(
    *,
    transfer: Transfer,
    by: User,
    all_work_done: bool,
    threshold_met: bool,
    outcome: str,
    actions: str,
    advice: str = "",
) -> Transfer:
    """Step 2: the EH/Graft TM decides whether all work has taken place to avoid stepping up, and
    whether the case meets the threshold for CIN/CP. Both yes: agreed, the form is to be sent
    (the same clock runs until it is). Otherwise: actions and advice recorded, the case stays
    with Early Help."""
    require_text(
        outcome=(outcome, "Enter the discussion and its outcome"),
        actions=(actions, "Enter the actions agreed"),
    )
    agreed = all_work_done and threshold_met
    if not agreed and not advice.strip():
        raise ValidationError({"advice": "Enter the advice for the supervisor and worker"})
    transfer = locked(transfer)
    now = timezone.now()
    if agreed:
        take_step(
            transfer,
            "agree_escalation",
            by=by,
            check_permission=True,
            case=transfer.case,
            note=outcome,
        )
    else:
        take_step(
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
    step_up.eh_all_work_done, step_up.eh_threshold_met = all_work_done, threshold_met
    step_up.eh_outcome, step_up.eh_actions, step_up.eh_advice = outcome, actions, advice
    save_audited(step_up, actor=by, subject=transfer, case=transfer.case, action="stepup.details")
    if agreed:
        # The decision clock runs on until the form goes: the supervisor now holds it.
        for kind in EH_DECISION_KINDS:
            deadline_reassign(subject=transfer, kind=kind, owner=step_up.supervisor, by=by)
    else:
        _meet(transfer, EH_DECISION_KINDS, by, at=now, note="Not agreed by Early Help")
    _tell_early_help(
        transfer,
        "eh_decided",
        "Step-up agreed by Early Help: send the form to duty"
        if agreed
        else "Step-up not agreed by Early Help",
        [
            f"{by} recorded the decision."
            + (
                " The supervisor sends the step-up form to Social Care duty."
                if agreed
                else " Read the actions and advice on the request."
            )
        ],
        by=by,
    )
    return transfer


@dataclass(frozen=True)
class Route:
    team: Team
    manager: User | None
    to_closing_manager: bool
    reason: str


def _closing_team(case: Case, closer: User) -> Team | None:
    """The Social Care team that closed the case, if the closer still manages it; else another
    active Social Care team they manage."""
    teams = Team.objects.filter(manager=closer, is_active=True, service__in=SOCIAL_CARE_SERVICES)
    closed_in = getattr(case, "last_closed_to_social_care_team_id", None)
    if closed_in:
        team = teams.filter(pk=closed_in).first()
        if team is not None:
            return team
    return teams.order_by("name").first()


def step_up_route(*, case: Case, at: datetime) -> Route:
    """Where a step-up goes: the duty team, unless the case was closed to Social Care within the
    previous 12 weeks, when it goes to the team manager who closed it, in the team that closed
    it (seed 002)."""
    closed_on, closer = case.last_closed_to_social_care_on, case.last_closed_to_social_care_by
    today = at.astimezone(LONDON).date()
    reason = ""
    if closed_on and closer and today - closed_on <= TWELVE_WEEKS:
        team = None
        if closer.is_active and closer.has_role(Role.TEAM_MANAGER):
            team = _closing_team(case, closer)
        if team is not None:
            return Route(
                team=team,
                manager=closer,
                to_closing_manager=True,
                reason=(
                    f"Closed to Social Care on {closed_on:%d %B %Y}, within the previous 12 "
                    f"weeks: it goes to {closer}, the team manager who closed it, to allocate to "
                    f"{team} or the previous social worker."
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


def _check_consent(family_informed: bool, family_agrees: bool | None, consent_note: str) -> None:
    if family_informed and family_agrees is None:
        raise ValidationError({"family_agrees": "Select yes if the family agrees to the request"})
    if (not family_informed or not family_agrees) and not consent_note.strip():
        raise ValidationError(
            {
                "consent_note": "Enter why the family has not been told"
                if not family_informed
                else "Enter why the request goes ahead without the family's agreement"
            }
        )


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
    family_agrees: bool | None = None,
    consent_note: str = "",
) -> Transfer:
    """Step 2: the EH supervisor sends the step-up form; the clock starts (4 hours urgent, 48
    hours otherwise); urgent ones reach the duty managers at once, headlined as urgent."""
    require_text(
        request_summary=(request_summary, "Enter the reason for the request"),
        current_risks=(current_risks, "Enter the current risks"),
    )
    _check_consent(family_informed, family_agrees, consent_note)
    transfer = locked(transfer)
    now = timezone.now()
    route = step_up_route(case=transfer.case, at=now)
    transfer.to_team = route.team
    transfer.assigned_to = route.manager
    transfer.urgent = urgent or section_47
    transfer.section_47 = section_47
    take_step(
        transfer,
        "send_to_duty",
        by=by,
        check_permission=True,
        case=transfer.case,
        note=route.reason or f"Sent to {route.team}",
        sender=by,
        at=now,
    )
    step_up = transfer.step_up
    step_up.request_summary, step_up.current_risks = request_summary, current_risks
    step_up.family_informed = family_informed
    step_up.family_agrees = family_agrees if family_informed else None
    step_up.consent_note = consent_note
    step_up.routed_to_closing_manager, step_up.routing_reason = (
        route.to_closing_manager,
        route.reason,
    )
    save_audited(step_up, actor=by, subject=transfer, case=transfer.case, action="stepup.details")
    _meet(transfer, EH_DECISION_KINDS, by, at=now, note="Step-up form sent")
    kind = Kind.STEP_UP_URGENT if transfer.urgent else Kind.STEP_UP_STANDARD
    deadline = deadline_start(
        kind=kind,
        subject=transfer,
        anchor_at=now,
        case=transfer.case,
        owner=route.manager or route.team.manager,
        owner_team=route.team,
        by=by,
        # Seed 002: EH supervisor or EH/Graft TM hold the discussion with duty; they are told
        # if it is missed.
        watchers=[p for p in (step_up.supervisor, transfer.from_team.manager) if p],
    )
    recipients = [route.manager] if route.manager else duty_managers(route.team)
    _notify(
        transfer,
        "sent",
        recipients,
        "Step-up request to discuss"
        if not transfer.urgent
        else "Step-up request: urgent safeguarding",
        [
            f"Pick it up and discuss it with Early Help by {when(deadline.due_at)}.",
            *([route.reason] if route.reason else []),
            *(["A section 47 enquiry may be needed."] if transfer.section_47 else []),
        ],
    )
    _tell_early_help(
        transfer,
        "sent",
        "Step-up form sent to Social Care",
        [
            f"{by} sent the step-up form to {route.team}. Social Care discusses it with the "
            f"supervisor or team manager by {when(deadline.due_at)}."
        ],
        by=by,
    )
    return transfer


def reassign_teams(transfer: Transfer):
    """The Social Care teams duty may pass a request to at pick-up: active, with a manager."""
    return (
        Team.objects.filter(service__in=SOCIAL_CARE_SERVICES, is_active=True)
        .exclude(manager=None)
        .exclude(pk=transfer.to_team_id)
        .select_related("manager")
        .order_by("name")
    )


@transaction.atomic
def step_up_pick_up(
    *, transfer: Transfer, by: User, reassign_to: Team | None = None, reason: str = ""
) -> Transfer:
    """Step 3: a duty ATM/TM picks the request up and checks it. It is theirs to discuss and
    decide, or they reassign it, with the reason, to another Social Care team (e.g.
    Assessment), whose manager then holds it; the discussion deadline follows the request."""
    transfer = locked(transfer)
    holder = by
    if reassign_to is not None:
        if not reassign_teams(transfer).filter(pk=reassign_to.pk).exists():
            raise ValidationError(
                {"reassign_to": "Choose an active Social Care team with a team manager"}
            )
        require_text(reason=(reason, "Enter why the request goes to that team"))
        holder = reassign_to.manager
    previous_team = transfer.to_team
    now = timezone.now()
    take_step(
        transfer,
        "pick_up",
        by=by,
        check_permission=True,
        case=transfer.case,
        note=f"Reassigned to {reassign_to}: {reason}" if reassign_to else "",
        manager=by,
        holder=holder,
        team=reassign_to or previous_team,
        at=now,
    )
    if reassign_to is not None:
        step_up = transfer.step_up
        step_up.reassigned_from, step_up.reassign_reason = previous_team, reason
        step_up.save(update_fields=["reassigned_from", "reassign_reason"])
    # The discussion deadline follows the request: its reminders now go to whoever holds it.
    for kind in DISCUSSION_KINDS:
        deadline_reassign(
            subject=transfer, kind=kind, owner=holder, by=by, owner_team=transfer.to_team
        )
    if reassign_to is not None:
        _notify(
            transfer,
            "reassigned",
            [holder],
            "Step-up request reassigned to your team",
            [
                f"{by} picked up this step-up request for {previous_team} and passed it to "
                f"{reassign_to}: {reason}",
                "Discuss it with Early Help and record Social Care's decision.",
            ],
        )
    _tell_early_help(
        transfer,
        "picked_up",
        "Step-up picked up by Social Care",
        [
            f"{by} picked up the request"
            + (f" and passed it to {reassign_to} ({holder})." if reassign_to else ".")
            + " They will contact the supervisor or team manager to discuss it."
        ],
        by=by,
    )
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
    outcome: str,
    discussion_held_at: datetime,
    note: str,
    contact_reference: str = "",
    referral_reference: str = "",
) -> Transfer:
    """Step 3/4: the duty manager records the discussion (meeting its deadline) and Social
    Care's decision as practice names it. Agreed (a section 17 assessment or a section 47
    strategy discussion): the contact and referral references are recorded and the case moves
    to the receiving team to await allocation; the plan type does not change until a plan
    exists. Not agreed (no further action with advice, or back to Early Help): the case stays
    open to Early Help or Graft."""
    if outcome not in SocialCareOutcome.values:
        raise ValidationError({"outcome": "Select Social Care's decision"})
    agreed = outcome in AGREED_OUTCOMES
    if agreed:
        require_text(
            contact_reference=(contact_reference, "Enter the contact reference"),
            referral_reference=(referral_reference, "Enter the referral reference"),
        )
    else:
        require_text(note=(note, "Enter the reasons for the decision"))
    transfer = locked(transfer)
    held_at = _discussion_time(discussion_held_at, transfer)
    now = timezone.now()
    name = "agree_step_up" if agreed else "refuse_step_up"
    label = SocialCareOutcome(outcome).label
    take_step(
        transfer,
        name,
        by=by,
        check_permission=True,
        case=transfer.case,
        note=f"{label}. {note}".strip(),
        decider=by,
        at=now,
        reasons=note,
    )
    step_up = transfer.step_up
    step_up.discussion_held_at, step_up.sc_outcome = held_at, outcome
    step_up.contact_reference, step_up.referral_reference = contact_reference, referral_reference
    save_audited(step_up, actor=by, subject=transfer, case=transfer.case, action="stepup.details")
    _meet(transfer, DISCUSSION_KINDS, by, at=held_at, note="Discussion held")
    if agreed:
        _await_allocation(transfer, by=by, outcome=outcome, referral_reference=referral_reference)
    _tell_early_help(
        transfer,
        "decided",
        "Step-up agreed by Social Care" if agreed else "Step-up not agreed by Social Care",
        [
            f"Social Care's decision: {label}.",
            "The case now awaits allocation to a social worker. The Early Help worker stays "
            "involved: a joint visit follows within 5 working days of allocation."
            if agreed
            else "The case stays open to Early Help. Read the reasons on the request, then "
            "accept the decision or escalate it.",
        ],
        by=by,
    )
    if not agreed:
        _notify(
            transfer,
            "refused_escalate",
            [p for p in escalators_for(transfer) if p.pk != by.pk],
            "Step-up not agreed: accept the decision or escalate it",
            [
                f"Social Care's decision: {label}. Reasons: {note}",
                "You can escalate it to the Social Care service manager from the request.",
            ],
        )
    return transfer


def escalators_for(transfer: Transfer) -> list[User]:
    """Who may escalate a refused step-up: the Locality Leads of the sending team's locality, or
    the Graft team manager (seed 002, step 4)."""
    people = User.objects.filter(
        groups__name__in=[Role.LOCALITY_LEAD, Role.TEAM_MANAGER], is_active=True
    ).distinct()
    return [p for p in people.order_by("pk") if can.request_escalation(transfer, p)]


def _await_allocation(transfer: Transfer, *, by: User, outcome: str, referral_reference: str):
    """Agreed (by duty, or on escalation): the case is open to Social Care in the receiving team,
    awaiting allocation, with the allocation clock running and its manager told."""
    label = SocialCareOutcome(outcome).label
    now = timezone.now()
    if transfer.section_47 is False and outcome == SocialCareOutcome.SECTION_47:
        # A strategy discussion is section 47 work: the request is priority from now on.
        transfer.section_47 = transfer.urgent = True
        transfer.save(update_fields=["section_47", "urgent"])
    referral = f"referral {referral_reference}" if referral_reference else "referral to follow"
    case_services.case_step_up_to_social_care(
        case=transfer.case, by=by, note=f"{label}: {referral}"
    )
    case_services.case_allocate(
        case=transfer.case,
        team=transfer.to_team,
        worker=None,
        by=by,
        reason=f"Step-up agreed: awaiting allocation ({referral})",
        for_transfer=transfer,
    )
    manager = transfer.to_team.manager
    deadline = deadline_start(
        kind=_clock(ALLOCATION_KINDS, transfer),
        subject=transfer,
        anchor_at=now,
        case=transfer.case,
        owner=manager,
        owner_team=transfer.to_team,
        by=by,
    )
    if manager is not None and manager != by:
        _notify(
            transfer,
            "to_allocate",
            [manager],
            "Step-up agreed: allocate a social worker",
            [f"{by} agreed the step-up ({label}). Allocate by {when(deadline.due_at)}."],
        )


def previous_social_worker(transfer: Transfer) -> User | None:
    """Under the 12-week rule, the social worker who held the case when it was closed, if they
    are still a social worker in the receiving team."""
    if not transfer.step_up.routed_to_closing_manager:
        return None
    worker = getattr(transfer.case, "last_closed_social_worker", None)
    if worker is None or not worker.is_active or not worker.has_role(Role.SOCIAL_WORKER):
        return None
    return worker if in_team(worker, transfer.to_team) else None


@transaction.atomic
def step_up_allocate(*, transfer: Transfer, by: User, worker: User) -> Transfer:
    """After the decision: a social worker is allocated. The joint visit (5 working days) and
    the 10-day discussion clocks start; the FFP/FSW stays involved."""
    transfer = locked(transfer)
    if not (worker.has_role(Role.SOCIAL_WORKER) and in_team(worker, transfer.to_team)):
        raise ValidationError({"worker": f"Choose a social worker in {transfer.to_team}"})
    now = timezone.now()
    take_step(
        transfer,
        "allocate",
        by=by,
        check_permission=True,
        case=transfer.case,
        note=f"Allocated to {worker}",
        worker=worker,
        allocator=by,
        at=now,
    )
    case_services.case_allocate(
        case=transfer.case,
        team=transfer.to_team,
        worker=worker,
        by=by,
        reason="Step-up allocated",
        for_transfer=transfer,
    )
    _meet(transfer, ALLOCATION_KINDS, by, at=now, note=f"Allocated to {worker}")
    step_up = transfer.step_up
    watchers = {
        Kind.JOINT_VISIT: [step_up.eh_worker],
        Kind.TEN_DAY_DISCUSSION: [step_up.eh_worker, step_up.supervisor],
    }
    for kind, waiting in watchers.items():
        deadline_start(
            kind=kind,
            subject=transfer,
            anchor_at=now,
            case=transfer.case,
            owner=worker,
            owner_team=transfer.to_team,
            by=by,
            watchers=[p for p in waiting if p is not None],
        )
    eh_worker = step_up.eh_worker or transfer.requested_by
    _notify(
        transfer,
        "allocated",
        [worker],
        "Case allocated to you: joint visit within 5 working days",
        [
            f"Visit the family with the Early Help worker, {eh_worker}, within 5 working days.",
            "Invite the Early Help worker and supervisor to the 10-day discussion. Until a new "
            "plan is in place, the existing safety plan stays in force.",
        ],
    )
    _tell_early_help(
        transfer,
        "allocated",
        "Step-up allocated: joint visit within 5 working days",
        [
            f"{worker} ({transfer.to_team}) is the allocated social worker. The Early Help "
            "worker stays involved: a joint visit with them within 5 working days, and the "
            "worker and supervisor are invited to the 10-day discussion.",
        ],
        by=by,
    )
    return transfer


def _check_past_time(field: str, value: datetime, not_before: datetime | None, label: str):
    if value > timezone.now():
        raise ValidationError({field: f"The time of the {label} cannot be in the future"})
    if not_before and value < not_before.replace(second=0, microsecond=0):
        allocated = not_before.astimezone(LONDON)
        raise ValidationError(
            {
                field: f"The {label} cannot be before the case was allocated "
                f"({allocated:%d %B %Y} at {allocated:%H:%M})"
            }
        )


def _require_after_allocation(transfer: Transfer, by: User, permission=None) -> None:
    if transfer.status not in (S.ALLOCATED, S.COMPLETED):
        raise ValidationError("Record this after the case is allocated to a social worker.")
    if not (permission or can.record_after_allocation)(transfer, by):
        raise PermissionDenied("Only the allocated social worker or their managers can.")


@transaction.atomic
def step_up_record_joint_visit(
    *,
    transfer: Transfer,
    by: User,
    visited_at: datetime,
    eh_worker_attended: bool,
    eh_worker_absent_reason: str = "",
    notes: str = "",
) -> Transfer:
    """After allocation: the allocated social worker and the FFP/FSW visit the family together
    within 5 working days (seed 002). A visit the Early Help worker could not attend is still
    recorded, with the reason."""
    transfer = locked(transfer)
    _require_after_allocation(transfer, by, can.record_joint_visit)
    step_up = transfer.step_up
    if step_up.joint_visit_at:
        raise ValidationError("The joint visit is already recorded.")
    if not eh_worker_attended:
        require_text(
            eh_worker_absent_reason=(
                eh_worker_absent_reason,
                "Enter why the Early Help worker did not attend",
            )
        )
    _check_past_time("visited_at", visited_at, transfer.allocated_at, "joint visit")
    step_up.joint_visit_at, step_up.joint_visit_notes = visited_at, notes
    step_up.joint_visit_with_eh_worker = eh_worker_attended
    step_up.joint_visit_eh_absent_reason = "" if eh_worker_attended else eh_worker_absent_reason
    step_up.save(
        update_fields=[
            "joint_visit_at",
            "joint_visit_notes",
            "joint_visit_with_eh_worker",
            "joint_visit_eh_absent_reason",
        ]
    )
    audit_record(
        actor=by,
        action="transfer.joint_visit",
        subject=transfer,
        case=transfer.case,
        changes={"joint_visit_at": [None, visited_at.isoformat()]},
        note=notes
        if eh_worker_attended
        else f"Early Help worker did not attend: {eh_worker_absent_reason}",
    )
    deadline_meet(subject=transfer, kind=Kind.JOINT_VISIT, by=by, at=visited_at)
    _tell_early_help(
        transfer,
        "joint_visit",
        "Joint visit recorded",
        [
            f"{by} recorded the joint visit of {when(visited_at)}."
            + ("" if eh_worker_attended else " The Early Help worker did not attend.")
        ],
        by=by,
    )
    _complete_when_done(transfer, by)
    return transfer


@transaction.atomic
def step_up_record_ten_day_discussion(
    *,
    transfer: Transfer,
    by: User,
    held_at: datetime,
    worker_invited: bool,
    supervisor_invited: bool,
    new_plan_agreed: bool,
    notes: str = "",
) -> Transfer:
    """After allocation: the 10-day discussion, to which the FFP/FSW and EH supervisor are
    invited to plan continued work (seed 002)."""
    transfer = locked(transfer)
    _require_after_allocation(transfer, by)
    if transfer.step_up.ten_day_discussion_at:
        raise ValidationError("The 10-day discussion is already recorded.")
    _check_past_time("held_at", held_at, transfer.allocated_at, "10-day discussion")
    errors = {}
    if not worker_invited:
        errors["worker_invited"] = "The Early Help worker must be invited to the 10-day discussion"
    if not supervisor_invited:
        errors["supervisor_invited"] = "The Early Help supervisor must be invited too"
    if errors:
        raise ValidationError(errors)
    step_up = transfer.step_up
    step_up.ten_day_discussion_at, step_up.ten_day_notes = held_at, notes
    step_up.worker_invited, step_up.supervisor_invited = worker_invited, supervisor_invited
    step_up.save()
    audit_record(
        actor=by,
        action="transfer.ten_day_discussion",
        subject=transfer,
        case=transfer.case,
        changes={"ten_day_discussion_at": [None, held_at.isoformat()]},
        note=notes,
    )
    deadline_meet(subject=transfer, kind=Kind.TEN_DAY_DISCUSSION, by=by, at=held_at)
    if new_plan_agreed and not step_up.new_plan_on:
        _record_new_plan(
            transfer,
            by,
            agreed_on=held_at.astimezone(LONDON).date(),
            notes="Agreed at the 10-day discussion",
        )
    _tell_early_help(
        transfer,
        "ten_day",
        "10-day discussion recorded",
        [f"{by} recorded the 10-day discussion of {when(held_at)}. Read the plan on the request."],
        by=by,
    )
    _complete_when_done(transfer, by)
    return transfer


def _record_new_plan(transfer: Transfer, by: User, *, agreed_on, notes: str) -> None:
    step_up = transfer.step_up
    step_up.new_plan_on, step_up.new_plan_notes, step_up.new_plan_recorded_by = (
        agreed_on,
        notes,
        by,
    )
    step_up.save(update_fields=["new_plan_on", "new_plan_notes", "new_plan_recorded_by"])
    audit_record(
        actor=by,
        action="transfer.new_plan",
        subject=transfer,
        case=transfer.case,
        changes={"new_plan_on": [None, agreed_on.isoformat()]},
        note=notes,
    )
    if transfer.case.safety_plan_in_force:
        # Seed 002: the existing safety plan stays until a new plan is in place; now it is.
        case_services.case_update(
            case=transfer.case,
            by=by,
            safety_plan_in_force=False,
            note="Safety plan replaced by a new plan",
        )


@transaction.atomic
def step_up_record_new_plan(*, transfer: Transfer, by: User, agreed_on, notes: str) -> Transfer:
    """Seed 002: "until a new plan is in place, existing safety plan remains". A new plan is
    recorded whenever it is agreed after allocation, not only at the 10-day discussion."""
    require_text(notes=(notes, "Enter what the new plan is"))
    transfer = locked(transfer)
    _require_after_allocation(transfer, by)
    if transfer.step_up.new_plan_on:
        raise ValidationError("A new plan is already recorded.")
    if agreed_on > timezone.localdate():
        raise ValidationError({"agreed_on": "The date the plan was agreed cannot be in the future"})
    if transfer.allocated_at and agreed_on < transfer.allocated_at.astimezone(LONDON).date():
        raise ValidationError(
            {"agreed_on": "The date the plan was agreed cannot be before the allocation"}
        )
    _record_new_plan(transfer, by, agreed_on=agreed_on, notes=notes)
    _tell_early_help(
        transfer,
        "new_plan",
        "New plan recorded: the safety plan is replaced",
        [f"{by} recorded a new plan agreed on {agreed_on:%d %B %Y}."],
        by=by,
    )
    return transfer


def _complete_when_done(transfer: Transfer, by: User) -> None:
    step_up = transfer.step_up
    if transfer.status == S.ALLOCATED and step_up.joint_visit_at and step_up.ten_day_discussion_at:
        take_step(
            transfer,
            "complete",
            by=by,
            case=transfer.case,
            note="Joint visit and 10-day discussion recorded",
            at=timezone.now(),
        )
        _tell_early_help(
            transfer,
            "completed",
            "Step-up complete",
            [
                "The joint visit and the 10-day discussion are both recorded. The case is with "
                f"{transfer.allocated_worker} in {transfer.to_team}; the Early Help worker "
                "stays involved as planned."
            ],
            by=by,
        )


def _refusal_open(transfer: Transfer) -> None:
    if transfer.status != S.NOT_AGREED:
        raise ValidationError("Only a step-up Social Care did not agree can be answered.")
    step_up = transfer.step_up
    if step_up.refusal_accepted_at:
        raise ValidationError("Early Help has already accepted this decision.")
    if step_up.escalation_requested_at:
        raise ValidationError("Escalation was already requested.")


@transaction.atomic
def step_up_accept_refusal(*, transfer: Transfer, by: User, note: str = "") -> Transfer:
    """Seed 002, step 4: Social Care did not agree; Early Help accepts the decision and the case
    carries on with Early Help or Graft."""
    transfer = locked(transfer)
    _refusal_open(transfer)
    if not can.accept_refusal(transfer, by):
        raise PermissionDenied("Only the supervisor, the team manager or the Locality Lead can.")
    step_up = transfer.step_up
    step_up.refusal_accepted_at, step_up.refusal_accepted_by = timezone.now(), by
    step_up.refusal_accepted_note = note
    step_up.save(
        update_fields=["refusal_accepted_at", "refusal_accepted_by", "refusal_accepted_note"]
    )
    audit_record(
        actor=by,
        action="transfer.refusal_accepted",
        subject=transfer,
        case=transfer.case,
        note=note,
    )
    _tell_early_help(
        transfer,
        "refusal_accepted",
        "Social Care's decision accepted",
        [f"{by} accepted Social Care's decision. The case carries on with Early Help."],
        by=by,
    )
    return transfer


def step_up_request_escalation(*, transfer: Transfer, by: User, note: str) -> Transfer:
    """Seed 002, step 4: after Social Care says no, the Locality Lead or Graft TM takes it to the
    Social Care Service Manager: an escalation (the escalations app) with its levels, response
    deadlines and outcome."""
    from escalations.models import EscalationKind
    from escalations.services import escalation_raise

    escalation_raise(kind=EscalationKind.REFUSED_STEP_UP, transfer=transfer, by=by, reason=note)
    transfer.refresh_from_db()
    return transfer


@transaction.atomic
def step_up_overturn(*, transfer: Transfer, by: User, reasons: str, outcome: str = "") -> Transfer:
    """Step 4, escalated and overturned: the same step-up moves on to agreed and awaiting
    allocation, with its clock, without starting again at step 1. The outcome is a section 17
    assessment unless the request was section 47 work."""
    transfer = locked(transfer)
    if not outcome:
        outcome = (
            SocialCareOutcome.SECTION_47 if transfer.section_47 else SocialCareOutcome.SECTION_17
        )
    if outcome not in AGREED_OUTCOMES:
        raise ValidationError({"sc_outcome": "Select what Social Care will do"})
    try:
        with transaction.atomic():
            take_step(
                transfer,
                "overturn_refusal",
                by=by,
                case=transfer.case,
                note=f"Overturned on escalation: {SocialCareOutcome(outcome).label}. {reasons}",
                decider=by,
                at=timezone.now(),
                reasons=reasons,
            )
    except IntegrityError as error:
        raise ValidationError(
            "Another transfer of this case is going on: finish or withdraw it first."
        ) from error
    step_up = transfer.step_up
    step_up.sc_outcome = outcome
    step_up.save(update_fields=["sc_outcome"])
    _await_allocation(transfer, by=by, outcome=outcome, referral_reference="")
    return transfer
