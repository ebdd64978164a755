"""The deadline rules of DEADLINES.md ("The rules"): one instant per rule, the same way every time.

The formula for each kind is fixed here; the amounts are data. ``DEFAULT_RULES`` holds the
protocol defaults, and an authority's administrator may override the amount (the database model
that stores overrides passes it to :func:`compute_due`). Pure Python apart from Django's
``TextChoices``; no database access.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import models

from .calendar import CLOSE_TIME, LONDON, WorkingCalendar, add_elapsed, to_london

__all__ = [
    "DEFAULT_RULES",
    "Direction",
    "Kind",
    "Rule",
    "Unit",
    "UnknownKind",
    "compute_due",
    "parse_when",
]


class Kind(models.TextChoices):
    """The kinds of deadline in DEADLINES.md ("The rules", and the local defaults for "Stages the
    protocols leave without a timescale"). A stage with an urgent variant is two kinds, so each
    has one formula and one editable amount; the un-suffixed name is the non-urgent default."""

    STEP_UP_URGENT = "step_up_urgent", "Urgent step-up response"
    STEP_UP_STANDARD = "step_up_standard", "Standard step-up response"
    JOINT_VISIT = "joint_visit", "Joint visit"
    TEN_DAY_DISCUSSION = "ten_day_discussion", "Ten-day discussion"
    CLA_TEAM_ALLOCATION = "cla_team_allocation", "Allocation to the children looked after team"
    CLA_SW_ALLOCATION = "cla_sw_allocation", "Allocation of a children looked after social worker"
    TRANSFER_IN_CONFERENCE = "transfer_in_conference", "Transfer-in conference"
    PRE_CONFERENCE_REPORT = "pre_conference_report", "Pre-conference report"
    HOLDING_SW_CONTACT = "holding_sw_contact", "Holding social worker contact"
    # Local defaults (DEADLINES.md, "Stages the protocols leave without a timescale").
    EH_REVIEW = "eh_review", "Early Help review of the escalation discussion"
    EH_REVIEW_URGENT = "eh_review_urgent", "Urgent Early Help review of the escalation discussion"
    EH_DECISION = "eh_decision", "Early Help team manager's decision"
    EH_DECISION_URGENT = "eh_decision_urgent", "Urgent Early Help team manager's decision"
    STEP_UP_ALLOCATION = "step_up_allocation", "Allocation after the step-up was agreed"
    STEP_UP_ALLOCATION_URGENT = (
        "step_up_allocation_urgent",
        "Urgent allocation after the step-up was agreed",
    )
    TRANSFER_DECISION = "transfer_decision", "Decision on a transfer between teams"
    SAFEGUARDING_CONCERN = (
        "safeguarding_concern",
        "Duty response to an immediate safeguarding concern",
    )
    TRANSFER_ALLOCATION = "transfer_allocation", "Allocation in the receiving team"
    TRANSFER_COMPLETION = "transfer_completion", "Transfer standards met and transfer completed"
    CLA_TRANSFER_DISCUSSION = (
        "cla_transfer_discussion",
        "Transfer discussion by the first Looked After review",
    )
    ADULT_SERVICES_TRANSITION = "adult_services_transition", "Transition to adult services"
    ESCALATION_RESPONSE = "escalation_response", "Response to an escalation"
    PROTOCOL_SUSPENSION_END = "protocol_suspension_end", "End of a protocol suspension"


class Unit(models.TextChoices):
    """The unit a rule's amount is counted in."""

    HOURS = "hours", "Hours"
    WORKING_DAYS = "working_days", "Working days"
    DAYS = "days", "Days"


class Direction(models.TextChoices):
    """Whether the deadline falls after its anchor ("within") or before it ("before")."""

    WITHIN = "within", "Within"
    BEFORE = "before", "Before"


class UnknownKind(ValueError):
    """A deadline kind that is not one of :class:`Kind`."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        valid = ", ".join(Kind.values)
        super().__init__(f"unknown deadline kind {kind!r}; valid kinds: {valid}")


@dataclass(frozen=True)
class Rule:
    """One deadline rule: its default amount and unit, and the protocol wording it comes from."""

    kind: str
    amount: int
    unit: str
    direction: str
    description: str
    source: str
    anchor: str = ""


DEFAULT_RULES: dict[str, Rule] = {
    rule.kind: rule
    for rule in (
        Rule(
            Kind.STEP_UP_URGENT,
            4,
            Unit.HOURS,
            Direction.WITHIN,
            "Within 4 hours, and the same working day",
            "seed 002",
            "Step-up form received by Social Care duty",
        ),
        Rule(
            Kind.STEP_UP_STANDARD,
            48,
            Unit.HOURS,
            Direction.WITHIN,
            "Within 48 hours, pulled back to the end of the working week when they run into a "
            "weekend or bank holiday, but never sooner than the end of the next working day",
            "seed 002",
            "Step-up form received",
        ),
        Rule(
            Kind.JOINT_VISIT,
            5,
            Unit.WORKING_DAYS,
            Direction.WITHIN,
            "Within 5 working days of allocation (the day of allocation is day 0)",
            "seed 002",
            "Case allocated to a social worker",
        ),
        Rule(
            Kind.TEN_DAY_DISCUSSION,
            10,
            Unit.WORKING_DAYS,
            Direction.WITHIN,
            "Within 10 working days of allocation (the day of allocation is day 0)",
            "seed 002",
            "Case allocated to a social worker",
        ),
        Rule(
            Kind.CLA_TEAM_ALLOCATION,
            5,
            Unit.WORKING_DAYS,
            Direction.WITHIN,
            "Within a week (5 working days) of the panel confirming access to care",
            "seed 004",
            "Access to care confirmed by the panel",
        ),
        Rule(
            Kind.CLA_SW_ALLOCATION,
            5,
            Unit.WORKING_DAYS,
            Direction.WITHIN,
            "Within 5 working days of allocation to the receiving team",
            "seed 004",
            "Case allocated to the receiving team",
        ),
        Rule(
            Kind.TRANSFER_IN_CONFERENCE,
            15,
            Unit.WORKING_DAYS,
            Direction.WITHIN,
            "Within 15 working days of the written transfer-in request",
            "seed 003 + common practice",
            "Written transfer-in request received",
        ),
        Rule(
            Kind.PRE_CONFERENCE_REPORT,
            48,
            Unit.HOURS,
            Direction.BEFORE,
            "At least 48 hours before the conference",
            "seed 003",
            "Conference start",
        ),
        Rule(
            Kind.HOLDING_SW_CONTACT,
            14,
            Unit.DAYS,
            Direction.BEFORE,
            "2 weeks (14 days) before the conference",
            "seed 003",
            "Conference start",
        ),
        # --- local defaults: stages the protocols leave without a timescale ---
        Rule(
            Kind.EH_REVIEW,
            2,
            Unit.WORKING_DAYS,
            Direction.WITHIN,
            "Within 2 working days of opening the escalation discussion (the day it opens is "
            "day 0)",
            "local default",
            "Escalation discussion opened",
        ),
        Rule(
            Kind.EH_REVIEW_URGENT,
            4,
            Unit.HOURS,
            Direction.WITHIN,
            "Urgent: within 4 hours, and the same working day",
            "local default",
            "Escalation discussion opened",
        ),
        Rule(
            Kind.EH_DECISION,
            2,
            Unit.WORKING_DAYS,
            Direction.WITHIN,
            "Within 2 working days of submission to the Early Help or Graft team manager (the "
            "day it is submitted is day 0)",
            "local default",
            "Submitted to the Early Help or Graft team manager",
        ),
        Rule(
            Kind.EH_DECISION_URGENT,
            4,
            Unit.HOURS,
            Direction.WITHIN,
            "Urgent: within 4 hours, and the same working day",
            "local default",
            "Submitted to the Early Help or Graft team manager",
        ),
        Rule(
            Kind.STEP_UP_ALLOCATION,
            5,
            Unit.WORKING_DAYS,
            Direction.WITHIN,
            "Within 5 working days of Social Care agreeing the step-up (the day it is agreed is "
            "day 0)",
            "local default",
            "Social Care agreed the step-up",
        ),
        Rule(
            Kind.STEP_UP_ALLOCATION_URGENT,
            1,
            Unit.WORKING_DAYS,
            Direction.WITHIN,
            "Urgent or section 47: within 1 working day of Social Care agreeing the step-up (the "
            "day it is agreed is day 0)",
            "local default",
            "Social Care agreed the step-up",
        ),
        Rule(
            Kind.TRANSFER_DECISION,
            5,
            Unit.WORKING_DAYS,
            Direction.WITHIN,
            "Within 5 working days of the transfer being proposed to the receiving manager (the "
            "day it is proposed is day 0)",
            "local default",
            "A transfer between teams proposed to the receiving manager",
        ),
        Rule(
            Kind.SAFEGUARDING_CONCERN,
            4,
            Unit.HOURS,
            Direction.WITHIN,
            "Straight away: within 4 hours, and the same working day, as an urgent step-up",
            'seed 000 ("respond straight away"); local default for the number',
            "An immediate safeguarding concern logged as a contact for the duty officer",
        ),
        Rule(
            Kind.TRANSFER_ALLOCATION,
            5,
            Unit.WORKING_DAYS,
            Direction.WITHIN,
            "Within 5 working days of the receiving team accepting the transfer",
            "local default (this project)",
            "A transfer between teams accepted by the receiving team",
        ),
        Rule(
            Kind.TRANSFER_COMPLETION,
            10,
            Unit.WORKING_DAYS,
            Direction.WITHIN,
            "Within 10 working days of allocation in the receiving team: transfer summary, quality "
            "assurance and written notifications done, and the transfer completed",
            "local default (this project)",
            "A worker allocated in the receiving team",
        ),
        Rule(
            Kind.CLA_TRANSFER_DISCUSSION,
            0,
            Unit.DAYS,
            Direction.BEFORE,
            "By 17:00 on the first Looked After review date, pulled back to the working day "
            "before if it is not one; moves when the date moves",
            "local default",
            "First Looked After review date, as entered",
        ),
        Rule(
            Kind.ADULT_SERVICES_TRANSITION,
            183,
            Unit.DAYS,
            Direction.BEFORE,
            "183 days (about 6 months) before the child's 18th birthday, pulled back to working "
            "time",
            "local default",
            "The child's 18th birthday (disabled children)",
        ),
        Rule(
            Kind.ESCALATION_RESPONSE,
            2,
            Unit.WORKING_DAYS,
            Direction.WITHIN,
            "Within 2 working days of the escalation reaching a level (the day it arrives is day "
            "0); when it passes, the escalation goes to the next level",
            "local default",
            "An escalation raised, or passed to the next level",
        ),
        Rule(
            Kind.PROTOCOL_SUSPENSION_END,
            0,
            Unit.DAYS,
            Direction.BEFORE,
            "By 17:00 on the suspension's last day, pulled back to the working day before if it "
            "is not one; moves when the end date moves",
            "local default",
            "The last day of an approved protocol suspension",
        ),
    )
}


def _step_up_urgent(cal: WorkingCalendar, t: datetime, amount: int) -> datetime:
    """step_up_urgent, and the urgent local defaults eh_review_urgent and eh_decision_urgent:
    ``min(start(t) + amount h, close(date(start(t))))``."""
    s = cal.start(t)
    return min(add_elapsed(s, timedelta(hours=amount)), cal.close(s.date()), key=_utc)


def _step_up_standard(cal: WorkingCalendar, t: datetime, amount: int) -> datetime:
    """step_up_standard: ``max(pullback(start(t) + amount h), close(next_wd(date(start(t)))))``."""
    s = cal.start(t)
    pulled = cal.pullback(add_elapsed(s, timedelta(hours=amount)))
    return max(pulled, cal.close(cal.next_wd(s.date())), key=_utc)


def _within_working_days(cal: WorkingCalendar, t: datetime, amount: int) -> datetime:
    """Working-day kinds: ``within_wd(t, amount)``."""
    return cal.within_wd(t, amount)


def _hours_before(cal: WorkingCalendar, t: datetime, amount: int) -> datetime:
    """pre_conference_report: ``pullback(t - amount h)``."""
    return cal.pullback(add_elapsed(t, -timedelta(hours=amount)))


def _days_before(cal: WorkingCalendar, t: datetime, amount: int) -> datetime:
    """holding_sw_contact and adult_services_transition: ``pullback(t - amount days)``, days being
    elapsed 24-hour days."""
    return cal.pullback(add_elapsed(t, -timedelta(days=amount)))


def _close_days_before(cal: WorkingCalendar, t: datetime, amount: int) -> datetime:
    """cla_transfer_discussion: ``pullback(combine(date(t) - amount days, 17:00))``: 17:00 on the
    anchor's London date (default amount 0), pulled back to the working day before if that date
    is not a working date."""
    day = to_london(t).date() - timedelta(days=amount)
    return cal.pullback(datetime.combine(day, CLOSE_TIME, tzinfo=LONDON))


def _utc(t: datetime) -> datetime:
    # Python compares two datetimes sharing a tzinfo by wall clock, ignoring fold; compare the
    # instants instead.
    return t.astimezone(UTC)


_FORMULAS: dict[str, Callable[[WorkingCalendar, datetime, int], datetime]] = {
    Kind.STEP_UP_URGENT: _step_up_urgent,
    Kind.STEP_UP_STANDARD: _step_up_standard,
    Kind.JOINT_VISIT: _within_working_days,
    Kind.TEN_DAY_DISCUSSION: _within_working_days,
    Kind.CLA_TEAM_ALLOCATION: _within_working_days,
    Kind.CLA_SW_ALLOCATION: _within_working_days,
    Kind.TRANSFER_IN_CONFERENCE: _within_working_days,
    Kind.PRE_CONFERENCE_REPORT: _hours_before,
    Kind.HOLDING_SW_CONTACT: _days_before,
    Kind.EH_REVIEW: _within_working_days,
    Kind.EH_REVIEW_URGENT: _step_up_urgent,
    Kind.EH_DECISION: _within_working_days,
    Kind.EH_DECISION_URGENT: _step_up_urgent,
    Kind.STEP_UP_ALLOCATION: _within_working_days,
    Kind.STEP_UP_ALLOCATION_URGENT: _within_working_days,
    Kind.TRANSFER_DECISION: _within_working_days,
    Kind.SAFEGUARDING_CONCERN: _step_up_urgent,
    Kind.TRANSFER_ALLOCATION: _within_working_days,
    Kind.TRANSFER_COMPLETION: _within_working_days,
    Kind.CLA_TRANSFER_DISCUSSION: _close_days_before,
    Kind.ADULT_SERVICES_TRANSITION: _days_before,
    Kind.ESCALATION_RESPONSE: _within_working_days,
    Kind.PROTOCOL_SUSPENSION_END: _close_days_before,
}


def compute_due(
    kind: str,
    anchor: datetime,
    *,
    amount: int | None = None,
    calendar: WorkingCalendar | None = None,
) -> datetime:
    """The due instant of a ``kind`` deadline anchored at ``anchor`` (DEADLINES.md, "The rules").

    The formula for each kind is fixed; ``amount`` overrides the default amount of
    ``DEFAULT_RULES[kind]`` in that rule's unit (an authority's own setting), and ``calendar``
    supplies the authority's closure days (default: bank holidays only). ``anchor`` must be
    timezone-aware; the result is an aware Europe/London datetime.

    Raises :class:`UnknownKind` for a kind not in :class:`Kind`, and ``ValueError`` for a naive
    anchor or a negative amount.
    """
    formula = _FORMULAS.get(kind) if isinstance(kind, str) else None
    if formula is None:
        raise UnknownKind(str(kind))
    if amount is None:
        amount = DEFAULT_RULES[kind].amount
    elif isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"amount must be an int, not {amount!r}")
    if amount < 0:
        raise ValueError(f"amount must not be negative, not {amount}")
    to_london(anchor)
    return formula(calendar if calendar is not None else WorkingCalendar(), anchor, amount)


def parse_when(text: str) -> datetime:
    """An ISO 8601 date-time as an aware Europe/London datetime (DEADLINES.md, command line).

    With a UTC offset (or ``Z``) the text names that instant. Without one it is London local
    time; a local time that does not exist (clocks go forward) or happens twice (clocks go back)
    is refused rather than guessed, as is anything that is not ISO 8601. A date alone means 00:00
    London time on that date.
    """
    cleaned = text.strip() if isinstance(text, str) else ""
    example = "e.g. 2026-11-24T11:15 (London time) or 2026-11-24T11:15+00:00"
    if not cleaned:
        raise ValueError(f"no date-time given; expected ISO 8601, {example}")
    try:
        parsed = datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(f"malformed date-time {text!r}; expected ISO 8601, {example}") from None
    if parsed.tzinfo is not None:
        return parsed.astimezone(LONDON)
    first = parsed.replace(tzinfo=LONDON, fold=0)
    second = parsed.replace(tzinfo=LONDON, fold=1)
    if first.utcoffset() != second.utcoffset():
        round_trip = first.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None)
        if round_trip != parsed:
            reason = "does not exist in London (the clocks go forward)"
        else:
            reason = "happens twice in London (the clocks go back)"
        raise ValueError(
            f"local time {text!r} {reason}; give a UTC offset, e.g. "
            f"{parsed.isoformat()}+00:00 or {parsed.isoformat()}+01:00"
        )
    return first
