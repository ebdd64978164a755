"""The escalation ladder (DOMAIN.md A, B and C; issue 11).

An escalation is raised against a team (whose decision, capacity or protocol it is about) and
climbs levels that are data (`EscalationLevel`): at each level the people who answer are found
from the level's role and the team concerned, and a response clock (`escalation_response`,
2 working days by default, a deadline policy) runs. When the clock is breached the escalation
passes up a level on its own (`escalate_overdue`, on the beat).

What answers a level depends on the kind:
- a refused step-up or a declined or blocked transfer is answered by its decision (upheld,
  overturned, actions agreed): the clock is met when it is decided;
- a child on a CP plan or in care who cannot be allocated, or a child in need held by the team
  leader, stays open until the child is allocated, whatever anyone says: the level answers by
  acknowledging it (taking accountability, with the actions), which meets the clock, and the
  escalation resolves itself when the case is allocated;
- a request to suspend part of the protocol goes to the Integrated Family Services Manager, who
  refuses it or brings it to the Assistant Director, who approves or refuses it. While approved
  the team's capacity state is "protocol suspended" and its end date is a deadline.

Each service runs in one transaction; emails go through the outbox after commit."""

import logging
from datetime import date, datetime, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.fsm import apply_transition
from audit.services import audit_record
from cases.choices import AllocationState
from cases.models import Case
from cases.permissions import NEVER_UNALLOCATED
from deadlines.calendar import LONDON
from deadlines.emails import london
from deadlines.models import DeadlineStatus
from deadlines.rules import Kind
from deadlines.services import deadline_cancel, deadline_meet, deadline_reassign, deadline_start
from people.models import Capacity, Team, User

from .. import permissions as can
from ..models import (
    LIVE_ESCALATION,
    Escalation,
    EscalationKind,
    EscalationLevel,
    Outcome,
    OversightRecord,
)
from .notify import notify

logger = logging.getLogger(__name__)

K = EscalationKind
RESPONSE = Kind.ESCALATION_RESPONSE
SUSPENSION_END = Kind.PROTOCOL_SUSPENSION_END
# Kinds that stay open until the child is allocated: acknowledging answers the level.
UNTIL_ALLOCATED = (K.CAPACITY, K.HELD_CIN)


# --- Who answers ------------------------------------------------------------------------------

# The default ladders, as the data migration writes them; restored for a kind that has none
# (as `deadlines.services.policy_for` restores a missing policy), so an emptied table never
# leaves an escalation with nobody to answer it.
DEFAULT_LEVELS = {
    K.REFUSED_STEP_UP: [
        ("service_manager", "Social Care service manager"),
        ("assistant_director", "Assistant director"),
    ],
    K.BLOCKED_TRANSFER: [
        ("service_manager", "Service manager"),
        ("assistant_director", "Assistant director"),
    ],
    K.CAPACITY: [
        ("service_manager", "Service manager"),
        ("assistant_director", "Assistant director"),
    ],
    K.HELD_CIN: [
        ("service_manager", "Service manager"),
        ("assistant_director", "Assistant director"),
    ],
    K.PROTOCOL_SUSPENSION: [
        ("integrated_family_services_manager", "Integrated family services manager"),
        ("assistant_director", "Assistant director"),
    ],
}


def levels_ensure(kind: str) -> None:
    if EscalationLevel.objects.filter(kind=kind).exists():
        return
    for number, (role, title) in enumerate(DEFAULT_LEVELS[kind], start=1):
        EscalationLevel.objects.get_or_create(
            kind=kind, number=number, defaults={"role": role, "title": title}
        )


def level_of(escalation: Escalation, number: int | None = None) -> EscalationLevel | None:
    return EscalationLevel.objects.filter(
        kind=escalation.kind, number=number or escalation.level
    ).first()


def level_holders(escalation: Escalation, number: int | None = None) -> list[User]:
    """Everyone who answers at a level (the current one by default)."""
    level = level_of(escalation, number)
    if level is None:
        return []
    people = User.objects.filter(groups__name=level.role, is_active=True).distinct()
    return [p for p in people.order_by("pk") if can.holds_level(escalation, p, level.number)]


def outcomes_for(escalation: Escalation) -> list[str]:
    """The decisions open at the current level, in people's words (the form's choices)."""
    from transfers.models import TransferStatus

    if not escalation.is_live:
        return []
    if escalation.kind == K.REFUSED_STEP_UP:
        return [Outcome.OVERTURNED, Outcome.UPHELD]
    if escalation.kind == K.BLOCKED_TRANSFER:
        if escalation.transfer.status == TransferStatus.DECLINED:
            return [Outcome.OVERTURNED, Outcome.UPHELD]
        return [Outcome.ACTIONS_AGREED]
    if escalation.kind == K.PROTOCOL_SUSPENSION:
        level = level_of(escalation)
        if level is not None and level.role == "assistant_director":
            return [Outcome.APPROVED, Outcome.REFUSED]
        return [Outcome.REFUSED]
    return []


def may_pass_up(escalation: Escalation, user: User) -> bool:
    """Pass it to the next level: whoever answers at this one, when there is a next one."""
    from django_fsm import can_proceed, has_transition_perm

    return can_proceed(escalation.escalate) and has_transition_perm(escalation.escalate, user)


# --- Telling people -----------------------------------------------------------------------------


def _reference(escalation: Escalation) -> str:
    return escalation.case.reference if escalation.case_id else escalation.team.name


def _tell(escalation: Escalation, event: str, people, heading: str, lines: list[str]) -> int:
    """One notice per person, once per event and level."""
    return notify(
        key=f"escalation:{escalation.pk}:{event}:{escalation.level}",
        people=people,
        reference=_reference(escalation),
        urgent=escalation.is_priority,
        heading=heading,
        lines=[f"{escalation.get_kind_display()}.", *lines],
        link=escalation.get_absolute_url(),
    )


def _concerned(escalation: Escalation) -> list[User]:
    """Who waits on the outcome besides whoever raised it: for a transfer, its sending side and
    the receiving team's manager; otherwise the team's manager."""
    people = [escalation.raised_by, escalation.team.manager]
    if escalation.transfer_id:
        from transfers.services.common import sending_side

        people += [*sending_side(escalation.transfer), escalation.transfer.to_team.manager]
    return [p for p in people if p is not None]


# --- The clock of a level ---------------------------------------------------------------------


def _start_level(escalation: Escalation, *, by: User | None, at: datetime) -> list[User]:
    """Start the current level's response clock, owned by its first holder, watched by whoever
    raised it; a level with nobody to answer passes straight up. Returns the level's holders."""
    holders = level_holders(escalation)
    while not holders and _next_level_exists(escalation):
        escalation.level += 1
        escalation.save(update_fields=["level"])
        audit_record(
            actor=None,
            action="escalation.level_skipped",
            subject=escalation,
            case=escalation.case,
            note=f"Nobody answers at level {escalation.level - 1}: passed to level "
            f"{escalation.level}",
        )
        holders = level_holders(escalation)
    if not holders:
        # Still recorded and clocked: the page says nobody answers at this level, and the
        # deadline's breach alert goes to the team's manager.
        logger.warning("escalations: nobody answers escalation %s at its level", escalation.pk)
    deadline = deadline_start(
        kind=RESPONSE,
        subject=escalation,
        anchor_at=at,
        case=escalation.case,
        owner=holders[0] if holders else None,
        owner_team=escalation.team,
        by=by,
        watchers=[escalation.raised_by],
    )
    escalation.response_deadline = deadline
    escalation.save(update_fields=["response_deadline"])
    return holders


def _next_level_exists(escalation: Escalation) -> bool:
    return EscalationLevel.objects.filter(
        kind=escalation.kind, number__gt=escalation.level
    ).exists()


def _locked(escalation: Escalation) -> Escalation:
    return (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("case", "transfer", "team", "raised_by")
        .get(pk=escalation.pk)
    )


# --- Raising ------------------------------------------------------------------------------------


def _require(**fields: tuple[str, str]) -> None:
    errors = {name: message for name, (value, message) in fields.items() if not value.strip()}
    if errors:
        raise ValidationError(errors)


def _already_live(**filters) -> bool:
    return Escalation.objects.filter(status__in=LIVE_ESCALATION, **filters).exists()


def _check_refused_step_up(transfer, by: User) -> Team:
    from transfers import permissions as transfer_can
    from transfers.models import TransferKind, TransferStatus

    if transfer is None or transfer.kind != TransferKind.STEP_UP:
        raise ValidationError("Choose the step-up Social Care did not agree.")
    if transfer.status != TransferStatus.NOT_AGREED:
        raise ValidationError("Only a step-up Social Care did not agree can be escalated.")
    step_up = transfer.step_up
    if step_up.refusal_accepted_at:
        raise ValidationError("Early Help has already accepted Social Care's decision.")
    if step_up.escalation_requested_at or _already_live(transfer=transfer):
        raise ValidationError("This decision has already been escalated.")
    if not transfer_can.request_escalation(transfer, by):
        raise PermissionDenied("Only the Locality Lead or the Graft team manager can escalate.")
    return transfer.to_team


def _check_blocked_transfer(transfer, by: User) -> Team:
    from transfers.models import LIVE, TransferStatus

    if transfer is None:
        raise ValidationError("Choose the transfer.")
    if transfer.status != TransferStatus.DECLINED and transfer.status not in LIVE:
        raise ValidationError("Only a declined transfer, or one still going on, can be escalated.")
    if _already_live(transfer=transfer, kind=K.BLOCKED_TRANSFER):
        raise ValidationError("This transfer is already escalated.")
    if not can.raise_for_transfer(transfer, by):
        raise PermissionDenied("Only a manager of either team can escalate this transfer.")
    return transfer.to_team


def _check_capacity(case: Case, transfer, by: User) -> Team:
    from transfers import permissions as transfer_can

    if case.plan_type not in NEVER_UNALLOCATED:
        raise ValidationError("Only a child on a CP plan or in care is escalated for capacity.")
    if _already_live(case=case, kind=K.CAPACITY):
        raise ValidationError("Capacity is already escalated for this child.")
    allowed = (
        transfer_can.escalate_capacity(transfer, by)
        if transfer is not None
        else can.raise_for_case(case, by)
    )
    if not allowed:
        raise PermissionDenied("Only a manager of the team can escalate capacity.")
    return transfer.to_team if transfer is not None else case.current_team


def _check_held_cin(case: Case, by: User | None) -> Team:
    if case.allocation != AllocationState.HELD_BY_TEAM_LEADER:
        raise ValidationError("Only a child in need held by the team leader is escalated so.")
    if _already_live(case=case, kind=K.HELD_CIN):
        raise ValidationError("This child is already on the service manager's list.")
    if by is not None and not can.raise_for_case(case, by):
        raise PermissionDenied("Only a manager of the team holding the case can.")
    return case.current_team


def _check_suspension(team: Team | None, by: User, fields: dict) -> Team:
    if team is None:
        raise ValidationError({"team": "Select the team"})
    if not can.request_suspension(team, by):
        raise PermissionDenied("Only the team's managers or a service manager over it can ask.")
    texts = {
        "protocol_part": "Enter which part of the protocol",
        "impact": "Enter how it affects the transfer protocol",
        "mitigations": "Enter the actions that mitigate the risk",
    }
    errors = {name: message for name, message in texts.items() if not fields.get(name)}
    starts_on, ends_on = fields.get("starts_on"), fields.get("ends_on")
    if starts_on is None:
        errors["starts_on"] = "Enter the date the suspension would start"
    if ends_on is None:
        errors["ends_on"] = "Enter the date the suspension would end"
    elif starts_on is not None and ends_on < starts_on:
        errors["ends_on"] = "The end date must be the same as or after the start date"
    elif ends_on < timezone.localdate(timezone=LONDON):
        errors["ends_on"] = "The end date must be today or in the future"
    if errors:
        raise ValidationError(errors)
    if _already_live(team=team, kind=K.PROTOCOL_SUSPENSION) or team.is_suspended:
        raise ValidationError("A suspension for this team is already asked for or in force.")
    return team


@transaction.atomic
def escalation_raise(
    *,
    kind: str,
    by: User,
    reason: str,
    case: Case | None = None,
    transfer=None,
    team: Team | None = None,
    protocol_part: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
    impact: str = "",
    mitigations: str = "",
    at: datetime | None = None,
) -> Escalation:
    """Raise an escalation of `kind` and start its first level's clock. The people who answer
    at that level are emailed a link to it."""
    if kind not in K.values:
        raise ValidationError("Choose what is escalated.")
    levels_ensure(kind)
    _require(reason=(reason, "Enter why it is escalated"))
    if transfer is not None:
        from transfers.services.common import locked as locked_transfer

        transfer = locked_transfer(transfer)
        case = transfer.case
    if case is not None:
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("current_team")
            .get(pk=case.pk)
        )
    suspension = {}
    if kind == K.REFUSED_STEP_UP:
        team = _check_refused_step_up(transfer, by)
    elif kind == K.BLOCKED_TRANSFER:
        team = _check_blocked_transfer(transfer, by)
    elif kind == K.CAPACITY:
        team = _check_capacity(case, transfer, by)
    elif kind == K.HELD_CIN:
        team = _check_held_cin(case, by)
    else:
        suspension = {
            "protocol_part": protocol_part.strip(),
            "starts_on": starts_on,
            "ends_on": ends_on,
            "impact": impact.strip(),
            "mitigations": mitigations.strip(),
        }
        team = _check_suspension(team, by, suspension)
    at = at or timezone.now()
    escalation = Escalation(
        kind=kind,
        case=case,
        transfer=transfer,
        team=team,
        raised_by=by,
        raised_at=at,
        reason=reason.strip(),
        **suspension,
    )
    escalation.full_clean(exclude=["status", "response_deadline"])
    escalation.save()
    audit_record(
        actor=by,
        action="escalation.raise",
        subject=escalation,
        case=case,
        to_state=escalation.status,
        note=reason.strip(),
    )
    if kind == K.REFUSED_STEP_UP:
        step_up = transfer.step_up
        step_up.escalation_requested_at, step_up.escalation_requested_by = at, by
        step_up.escalation_note = reason.strip()
        step_up.save(
            update_fields=["escalation_requested_at", "escalation_requested_by", "escalation_note"]
        )
    if kind == K.CAPACITY:
        _capacity_escalated(team, by, f"Case {case.reference}: {reason.strip()}")
    holders = _start_level(escalation, by=by, at=at)
    level = level_of(escalation)
    _tell(
        escalation,
        "raised",
        holders,
        f"Escalated to you as {level.title.lower()}",
        [
            f"{by} escalated this to you: {reason.strip()}",
            f"Record your decision by {london(escalation.response_deadline.due_at)}; if it is "
            "not decided in time it goes to the next level.",
        ],
    )
    others = [p for p in _concerned(escalation) if p.pk != by.pk]
    _tell(
        escalation,
        "raised_told",
        others,
        "Escalated",
        [f"{by} escalated this to the {level.title.lower()}."],
    )
    return escalation


def _capacity_escalated(team: Team, by: User, reason: str) -> None:
    """The team's capacity state moves to "capacity escalated" (seed 001 s2.5), if it is open."""
    team = Team.objects.select_for_update().get(pk=team.pk)
    if team.capacity != Capacity.OPEN:
        return
    team.capacity_note = reason
    apply_transition(team, "escalate_capacity", by=by, note=reason, state_field="capacity")


def _capacity_restored(team: Team, by: User | None, reason: str) -> None:
    """Back to open when no capacity escalation for the team is still live."""
    team = Team.objects.select_for_update().get(pk=team.pk)
    if team.capacity != Capacity.CAPACITY_ESCALATED:
        return
    if _already_live(team=team, kind=K.CAPACITY):
        return
    team.capacity_note = ""
    apply_transition(team, "restore", by=by, note=reason, state_field="capacity")


# --- Answering ----------------------------------------------------------------------------------


@transaction.atomic
def escalation_acknowledge(*, escalation: Escalation, by: User, note: str = "") -> Escalation:
    """Someone at the current level takes it: its clock is theirs. For a child who cannot be
    allocated, this is the level's answer (with the actions), and meets the clock."""
    escalation = _locked(escalation)
    if escalation.kind in UNTIL_ALLOCATED:
        _require(note=(note, "Enter what you will do until the child is allocated"))
    now = timezone.now()
    apply_transition(
        escalation,
        "acknowledge",
        by=by,
        check_permission=True,
        case=escalation.case,
        note=note.strip(),
        holder=by,
        at=now,
    )
    if escalation.kind in UNTIL_ALLOCATED:
        deadline_meet(subject=escalation, kind=RESPONSE, by=by, at=now, note="Acknowledged")
    else:
        deadline_reassign(subject=escalation, kind=RESPONSE, owner=by, by=by)
    _tell(
        escalation,
        "acknowledged",
        [escalation.raised_by],
        "Your escalation is being looked at",
        [f"{by} is looking at it." + (f" {note.strip()}" if note.strip() else "")],
    )
    return escalation


@transaction.atomic
def escalation_escalate(
    *, escalation: Escalation, by: User | None, note: str = "", at: datetime | None = None
) -> Escalation:
    """Up one level: by whoever answers at this one (with the reason), or by the engine when the
    level's response deadline has passed (`by` is None)."""
    escalation = _locked(escalation)
    if by is not None:
        _require(note=(note, "Enter why it goes to the next level"))
    now = at or timezone.now()
    was = level_of(escalation)
    apply_transition(
        escalation,
        "escalate",
        by=by,
        check_permission=by is not None,
        case=escalation.case,
        note=note.strip()
        or f"No response from the {was.title.lower()} in time: passed to the next level",
        at=now,
    )
    if by is not None:
        deadline_meet(subject=escalation, kind=RESPONSE, by=by, at=now, note="Passed up")
    else:
        deadline_cancel(subject=escalation, kind=RESPONSE, reason="Not answered in time: passed up")
    holders = _start_level(escalation, by=by, at=now)
    level = level_of(escalation)
    why = (
        f"{by} ({was.title.lower()}) passed it to you: {note.strip()}"
        if by is not None
        else f"The {was.title.lower()} did not answer by the response deadline."
    )
    _tell(
        escalation,
        "escalated",
        holders,
        f"Escalated to you as {level.title.lower()}",
        [
            why,
            f"Record your decision by {london(escalation.response_deadline.due_at)}.",
        ],
    )
    _tell(
        escalation,
        "escalated_told",
        [escalation.raised_by],
        f"Your escalation went to the {level.title.lower()}",
        [why],
    )
    return escalation


@transaction.atomic
def escalation_resolve(
    *, escalation: Escalation, by: User, outcome: str, note: str, sc_outcome: str = ""
) -> Escalation:
    """The level decides. A refused step-up overturned moves the same step-up on to "agreed,
    awaiting allocation" with its clock; upheld, Early Help is told the reasons. A declined
    transfer overturned is accepted for the receiving team. An approved suspension suspends the
    team's protocol until its end date."""
    escalation = _locked(escalation)
    if outcome not in outcomes_for(escalation):
        raise ValidationError({"outcome": "Select the decision"})
    _require(note=(note, "Enter the reasons for the decision"))
    now = timezone.now()
    apply_transition(
        escalation,
        "resolve",
        by=by,
        check_permission=True,
        case=escalation.case,
        note=f"{Outcome(outcome).label}. {note.strip()}",
        resolver=by,
        at=now,
        outcome=outcome,
        reasons=note.strip(),
    )
    deadline_meet(subject=escalation, kind=RESPONSE, by=by, at=now, note="Decided")
    transfer = escalation.transfer
    if escalation.kind == K.REFUSED_STEP_UP and outcome == Outcome.OVERTURNED:
        from transfers.services.step_up import step_up_overturn

        step_up_overturn(transfer=transfer, by=by, reasons=note.strip(), outcome=sc_outcome)
    elif escalation.kind == K.BLOCKED_TRANSFER and outcome == Outcome.OVERTURNED:
        from transfers.services.team_move import transfer_overturn_decline

        transfer_overturn_decline(transfer=transfer, by=by, reasons=note.strip())
    elif escalation.kind == K.PROTOCOL_SUSPENSION and outcome == Outcome.APPROVED:
        _suspend(escalation, by, now)
    decision = {
        Outcome.UPHELD: "The decision stands.",
        Outcome.OVERTURNED: "The decision is overturned: the transfer goes ahead.",
        Outcome.REFUSED: "The request is refused: the protocol applies as written.",
        Outcome.ACTIONS_AGREED: "Actions are agreed.",
    }.get(outcome) or f"The suspension is approved until {escalation.ends_on:%-d %B %Y}."
    _tell(
        escalation,
        "resolved",
        [p for p in _concerned(escalation) if p.pk != by.pk],
        "Escalation decided",
        [f"{by} decided: {decision}", f"Reasons and actions: {note.strip()}"],
    )
    return escalation


def _suspend(escalation: Escalation, by: User, now: datetime) -> None:
    from people.services import team_suspend_protocol

    team_suspend_protocol(
        team=escalation.team,
        by=by,
        reason=f"{escalation.protocol_part} (until {escalation.ends_on:%-d %B %Y}). "
        f"Mitigation: {escalation.mitigations}",
    )
    deadline_start(
        kind=SUSPENSION_END,
        subject=escalation,
        anchor_at=datetime.combine(escalation.ends_on, time(12, 0), tzinfo=LONDON),
        owner=by,
        owner_team=escalation.team,
        by=by,
        watchers=[escalation.raised_by],
    )


@transaction.atomic
def escalation_withdraw(*, escalation: Escalation, by: User, note: str) -> Escalation:
    _require(note=(note, "Enter why it is withdrawn"))
    escalation = _locked(escalation)
    apply_transition(
        escalation,
        "withdraw",
        by=by,
        check_permission=True,
        case=escalation.case,
        note=note.strip(),
        reason=note.strip(),
    )
    deadline_cancel(subject=escalation, kind=RESPONSE, by=by, reason="Withdrawn")
    _tell(
        escalation,
        "withdrawn",
        level_holders(escalation),
        "Escalation withdrawn",
        [f"{by} withdrew it: {note.strip()}"],
    )
    return escalation


# --- A child in need held by the team leader ----------------------------------------------------


@transaction.atomic
def escalation_record_oversight(
    *, escalation: Escalation, by: User, kind: str, happened_on: date | None, note: str
) -> OversightRecord:
    """Seed 001 s2.6: the team leader's visits and reviews while no social worker can be
    allocated, for the service manager to read."""
    from ..models import OversightKind

    escalation = _locked(escalation)
    if not can.record_oversight(escalation, by):
        raise PermissionDenied("Only a manager of the team holding the case can record this.")
    errors = {}
    if kind not in OversightKind.values:
        errors["kind"] = "Select visit or review"
    if happened_on is None:
        errors["happened_on"] = "Enter the date"
    elif happened_on > timezone.localdate(timezone=LONDON):
        errors["happened_on"] = "The date must be today or in the past"
    if not note.strip():
        errors["note"] = "Enter what was seen and decided"
    if errors:
        raise ValidationError(errors)
    record = OversightRecord.objects.create(
        escalation=escalation,
        kind=kind,
        happened_on=happened_on,
        note=note.strip(),
        recorded_by=by,
        recorded_at=timezone.now(),
    )
    audit_record(
        actor=by,
        action=f"escalation.{kind}_recorded",
        subject=escalation,
        case=escalation.case,
        note=f"{record.get_kind_display()} on {happened_on:%-d %B %Y}",
    )
    return record


def held_cin_raise(*, case: Case, by: User, reason: str) -> Escalation | None:
    """Called when a team leader holds a child in need: the service manager is told, and the
    case is on their page until it is allocated."""
    if _already_live(case=case, kind=K.HELD_CIN):
        return None
    return escalation_raise(kind=K.HELD_CIN, case=case, by=by, reason=reason)


@transaction.atomic
def resolve_for_allocated_case(*, case: Case, by: User | None = None) -> list[Escalation]:
    """The child has a social worker: capacity and held-by-team-leader escalations about them are
    resolved, and the team's capacity goes back to open when none is left."""
    resolved = []
    live = Escalation.objects.filter(
        case=case, kind__in=UNTIL_ALLOCATED, status__in=LIVE_ESCALATION
    )
    for escalation in live.order_by("pk"):
        escalation = _locked(escalation)
        now = timezone.now()
        apply_transition(
            escalation,
            "resolve",
            by=by,
            case=case,
            note="The child is allocated a social worker",
            resolver=by,
            at=now,
            outcome=Outcome.ALLOCATED,
            reasons=f"Allocated to {case.allocated_worker}" if case.allocated_worker else "",
        )
        deadline_meet(subject=escalation, kind=RESPONSE, by=by, at=now, note="Allocated")
        if escalation.kind == K.CAPACITY:
            _capacity_restored(escalation.team, by, f"Case {case.reference} allocated")
        _tell(
            escalation,
            "allocated",
            [*_concerned(escalation), *level_holders(escalation)],
            "Escalation resolved: the child is allocated",
            [f"The case is allocated to a social worker in {case.current_team}."],
        )
        resolved.append(escalation)
    return resolved


# --- Protocol suspensions ---------------------------------------------------------------------


@transaction.atomic
def suspension_end(*, escalation: Escalation, by: User | None, note: str = "") -> Escalation:
    """The suspension is lifted (by the Integrated Family Services Manager or Assistant
    Director, or on its end date by the engine): the team works to the protocol as written."""
    escalation = _locked(escalation)
    if not escalation.suspension_in_force:
        raise ValidationError("This suspension is not in force.")
    if by is not None and not can.end_suspension(escalation, by):
        raise PermissionDenied("Only the Integrated Family Services Manager or an AD can.")
    reason = note.strip() or "The suspension reached its end date"
    team = Team.objects.select_for_update().get(pk=escalation.team_id)
    if team.capacity == Capacity.PROTOCOL_SUSPENDED:
        team.capacity_note = ""
        apply_transition(team, "restore", by=by, note=reason, state_field="capacity")
        # A child still waiting for a worker there keeps the team's capacity escalated.
        if _already_live(team=team, kind=K.CAPACITY):
            team.capacity_note = "Capacity escalation still open"
            apply_transition(
                team, "escalate_capacity", by=by, note=team.capacity_note, state_field="capacity"
            )
    now = timezone.now()
    escalation.suspension_ended_at, escalation.suspension_ended_by = now, by
    escalation.suspension_end_note = reason
    escalation.save(
        update_fields=["suspension_ended_at", "suspension_ended_by", "suspension_end_note"]
    )
    audit_record(actor=by, action="escalation.suspension_ended", subject=escalation, note=reason)
    deadline_meet(subject=escalation, kind=SUSPENSION_END, by=by, at=now, note=reason)
    _tell(
        escalation,
        "suspension_ended",
        [*_concerned(escalation), escalation.resolved_by],
        "Protocol suspension ended",
        [f"The transfer protocol applies in full to {escalation.team} again. {reason}"],
    )
    return escalation


# --- The engine's part (beat, every minute) ---------------------------------------------------


def _each(rows, handle, what: str) -> int:
    """One transaction per row; a row that fails is logged by id and left for the next run."""
    done = 0
    for row in rows:
        try:
            with transaction.atomic():
                done += handle(row)
        except (ValidationError, PermissionDenied, IntegrityError):
            logger.warning("escalations: %s could not be done for escalation %s", what, row.pk)
        except Exception:
            logger.exception("escalations: %s failed for escalation %s", what, row.pk)
    return done


def escalate_overdue(now: datetime | None = None) -> dict[str, int]:
    """Pass up every escalation whose level's response deadline was breached (the deadline
    sweep records the breach), resolve those whose child is now allocated (however they were
    allocated), and end suspensions past their end date."""
    now = now or timezone.now()

    def pass_up(escalation: Escalation) -> int:
        if not _next_level_exists(escalation):
            return 0
        escalation_escalate(escalation=escalation, by=None, at=now)
        return 1

    overdue = Escalation.objects.filter(
        status__in=LIVE_ESCALATION, response_deadline__status=DeadlineStatus.BREACHED
    ).select_related("team", "case", "transfer")

    def allocated(escalation: Escalation) -> int:
        return len(resolve_for_allocated_case(case=escalation.case))

    from django.db.models import Q

    from transfers.models import TransferStatus

    waiting = (
        Escalation.objects.filter(status__in=LIVE_ESCALATION, kind__in=UNTIL_ALLOCATED)
        .filter(
            Q(transfer__isnull=True, case__allocation=AllocationState.ALLOCATED)
            | Q(transfer__status__in=[TransferStatus.ALLOCATED, TransferStatus.COMPLETED])
        )
        .select_related("case")
    )

    def ended(escalation: Escalation) -> int:
        suspension_end(escalation=escalation, by=None)
        return 1

    today = now.astimezone(LONDON).date()
    expired = Escalation.objects.filter(
        kind=K.PROTOCOL_SUSPENSION,
        outcome=Outcome.APPROVED,
        suspension_ended_at__isnull=True,
        ends_on__lt=today,
    )
    return {
        "escalated": _each(list(overdue), pass_up, "passing up"),
        "resolved": _each(list(waiting), allocated, "resolving on allocation"),
        "suspensions_ended": _each(list(expired), ended, "ending a suspension"),
    }
