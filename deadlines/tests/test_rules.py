"""The deadline rules of DEADLINES.md: worked examples, clock changes, bank holidays, overrides.

Anchors and expected instants are written with explicit UTC offsets, and results are compared as
ISO strings, so both the instant and the London offset shown are pinned.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from deadlines.calendar import LONDON, WorkingCalendar
from deadlines.rules import (
    DEFAULT_RULES,
    Direction,
    Kind,
    Rule,
    Unit,
    UnknownKind,
    compute_due,
    parse_when,
)


def due(kind: str, anchor: str, **kwargs: object) -> str:
    result = compute_due(kind, datetime.fromisoformat(anchor), **kwargs)  # type: ignore[arg-type]
    assert result.tzinfo is LONDON
    return result.isoformat()


# --- the worked examples, exactly as DEADLINES.md gives them ----------------------------------

WORKED_EXAMPLES = [
    ("step_up_urgent", "2026-11-24T11:15+00:00", "2026-11-24T15:15:00+00:00"),
    ("step_up_urgent", "2026-11-24T16:10+00:00", "2026-11-24T17:00:00+00:00"),
    ("step_up_urgent", "2026-11-29T20:00+00:00", "2026-11-30T13:00:00+00:00"),
    ("step_up_standard", "2026-11-23T09:30+00:00", "2026-11-25T09:30:00+00:00"),
    ("step_up_standard", "2026-12-03T14:00+00:00", "2026-12-04T17:00:00+00:00"),
    ("joint_visit", "2026-11-23T10:00+00:00", "2026-11-30T17:00:00+00:00"),
    ("pre_conference_report", "2026-12-09T10:00+00:00", "2026-12-07T10:00:00+00:00"),
]


@pytest.mark.parametrize(("kind", "anchor", "expected"), WORKED_EXAMPLES)
def test_worked_examples(kind: str, anchor: str, expected: str) -> None:
    assert due(kind, anchor) == expected


@pytest.mark.parametrize(("kind", "anchor", "expected"), WORKED_EXAMPLES)
def test_worked_examples_from_london_local_text(kind: str, anchor: str, expected: str) -> None:
    # The same examples as the command line sees them: London local time without an offset.
    local = anchor.removesuffix("+00:00")
    assert compute_due(kind, parse_when(local)).isoformat() == expected


# --- every kind, including the bank holidays of Christmas 2026 ---------------------------------
# Fri 25 Dec 2026 is Christmas Day and Mon 28 Dec the substitute day for Boxing Day (Sat 26th).


@pytest.mark.parametrize(
    ("kind", "anchor", "expected"),
    [
        # step_up_urgent
        ("step_up_urgent", "2026-11-24T09:00+00:00", "2026-11-24T13:00:00+00:00"),
        ("step_up_urgent", "2026-11-24T13:00+00:00", "2026-11-24T17:00:00+00:00"),  # exactly
        ("step_up_urgent", "2026-11-24T17:00+00:00", "2026-11-24T17:00:00+00:00"),  # at 17:00
        ("step_up_urgent", "2026-11-24T17:01+00:00", "2026-11-25T13:00:00+00:00"),
        ("step_up_urgent", "2026-11-24T07:00+00:00", "2026-11-24T13:00:00+00:00"),
        ("step_up_urgent", "2026-12-24T16:00+00:00", "2026-12-24T17:00:00+00:00"),
        ("step_up_urgent", "2026-12-24T18:00+00:00", "2026-12-29T13:00:00+00:00"),
        ("step_up_urgent", "2026-12-28T10:00+00:00", "2026-12-29T13:00:00+00:00"),
        # step_up_standard
        ("step_up_standard", "2026-11-23T17:00+00:00", "2026-11-25T17:00:00+00:00"),
        ("step_up_standard", "2026-11-25T10:00+00:00", "2026-11-27T10:00:00+00:00"),
        ("step_up_standard", "2026-11-26T10:00+00:00", "2026-11-27T17:00:00+00:00"),  # weekend
        ("step_up_standard", "2026-11-27T10:00+00:00", "2026-11-30T17:00:00+00:00"),  # floor
        ("step_up_standard", "2026-11-28T10:00+00:00", "2026-12-02T09:00:00+00:00"),  # Saturday
        ("step_up_standard", "2026-12-23T10:00+00:00", "2026-12-24T17:00:00+00:00"),
        ("step_up_standard", "2026-12-24T10:00+00:00", "2026-12-29T17:00:00+00:00"),
        ("step_up_standard", "2026-08-28T10:00+01:00", "2026-09-01T17:00:00+01:00"),
        # the working-day kinds: the day it starts is day 0
        ("joint_visit", "2026-12-21T10:00+00:00", "2026-12-30T17:00:00+00:00"),
        ("joint_visit", "2026-11-23T08:00+00:00", "2026-11-30T17:00:00+00:00"),
        ("joint_visit", "2026-11-23T18:00+00:00", "2026-12-01T17:00:00+00:00"),
        ("ten_day_discussion", "2026-11-23T10:00+00:00", "2026-12-07T17:00:00+00:00"),
        ("ten_day_discussion", "2026-12-17T10:00+00:00", "2027-01-05T17:00:00+00:00"),
        ("cla_team_allocation", "2026-12-18T15:00+00:00", "2026-12-29T17:00:00+00:00"),
        ("cla_sw_allocation", "2026-11-28T10:00+00:00", "2026-12-07T17:00:00+00:00"),
        ("transfer_in_conference", "2026-11-23T10:00+00:00", "2026-12-14T17:00:00+00:00"),
        ("transfer_in_conference", "2026-12-14T10:00+00:00", "2027-01-07T17:00:00+00:00"),
        # pre_conference_report
        ("pre_conference_report", "2026-12-10T08:00+00:00", "2026-12-07T17:00:00+00:00"),
        ("pre_conference_report", "2026-12-09T09:00+00:00", "2026-12-07T09:00:00+00:00"),
        ("pre_conference_report", "2026-11-30T10:00+00:00", "2026-11-27T17:00:00+00:00"),
        ("pre_conference_report", "2026-12-29T10:00+00:00", "2026-12-24T17:00:00+00:00"),
        # holding_sw_contact
        ("holding_sw_contact", "2026-12-08T10:00+00:00", "2026-11-24T10:00:00+00:00"),
        ("holding_sw_contact", "2027-01-11T10:00+00:00", "2026-12-24T17:00:00+00:00"),
        ("holding_sw_contact", "2026-12-08T08:30+00:00", "2026-11-23T17:00:00+00:00"),
    ],
)
def test_each_kind(kind: str, anchor: str, expected: str) -> None:
    assert due(kind, anchor) == expected


# --- the local defaults (DEADLINES.md, "Stages the protocols leave without a timescale") -------
# Worked by hand over Christmas 2026: Thu 24 Dec works; Fri 25 (Christmas), the weekend and Mon 28
# (substitute Boxing Day) do not; Tue 29 to Thu 31 work; Fri 1 Jan 2027 does not.


@pytest.mark.parametrize(
    ("kind", "anchor", "expected"),
    [
        # eh_review: within_wd(t, 2); the day it opens is day 0
        ("eh_review", "2026-12-24T10:00+00:00", "2026-12-30T17:00:00+00:00"),  # 29th, 30th
        ("eh_review", "2026-11-27T10:00+00:00", "2026-12-01T17:00:00+00:00"),  # over a weekend
        ("eh_review", "2026-11-28T10:00+00:00", "2026-12-02T17:00:00+00:00"),  # Saturday: Mon 0
        # eh_review_urgent: as step_up_urgent
        ("eh_review_urgent", "2026-11-24T11:15+00:00", "2026-11-24T15:15:00+00:00"),
        ("eh_review_urgent", "2026-12-24T14:00+00:00", "2026-12-24T17:00:00+00:00"),
        ("eh_review_urgent", "2026-12-24T18:00+00:00", "2026-12-29T13:00:00+00:00"),
        ("eh_review_urgent", "2026-12-27T20:00+00:00", "2026-12-29T13:00:00+00:00"),
        # eh_decision: within_wd(t, 2)
        ("eh_decision", "2026-12-23T15:00+00:00", "2026-12-29T17:00:00+00:00"),  # 24th, 29th
        ("eh_decision", "2026-11-23T10:00+00:00", "2026-11-25T17:00:00+00:00"),
        # eh_decision_urgent: as step_up_urgent
        ("eh_decision_urgent", "2026-12-28T10:00+00:00", "2026-12-29T13:00:00+00:00"),
        ("eh_decision_urgent", "2026-11-24T16:10+00:00", "2026-11-24T17:00:00+00:00"),
        # step_up_allocation: within_wd(t, 5)
        ("step_up_allocation", "2026-12-21T10:00+00:00", "2026-12-30T17:00:00+00:00"),
        ("step_up_allocation", "2026-11-27T10:00+00:00", "2026-12-04T17:00:00+00:00"),
        # step_up_allocation_urgent: within_wd(t, 1)
        ("step_up_allocation_urgent", "2026-12-24T10:00+00:00", "2026-12-29T17:00:00+00:00"),
        ("step_up_allocation_urgent", "2026-11-27T16:00+00:00", "2026-11-30T17:00:00+00:00"),
        ("step_up_allocation_urgent", "2026-11-24T18:00+00:00", "2026-11-26T17:00:00+00:00"),
        # transfer_decision: within_wd(t, 5), over Christmas and New Year
        ("transfer_decision", "2026-12-23T10:00+00:00", "2027-01-04T17:00:00+00:00"),
        ("transfer_decision", "2026-11-23T10:00+00:00", "2026-11-30T17:00:00+00:00"),
        # cla_transfer_discussion: 17:00 on the anchor's London date, or the working day before
        ("cla_transfer_discussion", "2026-12-02T00:00+00:00", "2026-12-02T17:00:00+00:00"),
        ("cla_transfer_discussion", "2026-12-02T18:30+00:00", "2026-12-02T17:00:00+00:00"),
        ("cla_transfer_discussion", "2026-11-29T11:00+00:00", "2026-11-27T17:00:00+00:00"),
        ("cla_transfer_discussion", "2026-12-28T10:00+00:00", "2026-12-24T17:00:00+00:00"),
        ("cla_transfer_discussion", "2026-07-15T10:00+01:00", "2026-07-15T17:00:00+01:00"),
        # 23:30 UTC is already the next day in London (BST): that date counts.
        ("cla_transfer_discussion", "2026-07-15T23:30+00:00", "2026-07-16T17:00:00+01:00"),
        # adult_services_transition: pullback(t - 183 days), elapsed days
        # 183 days before 30 Jun 2027 is Mon 28 Dec 2026 23:00 GMT (a bank holiday): Thu 24th.
        ("adult_services_transition", "2027-06-30T00:00+01:00", "2026-12-24T17:00:00+00:00"),
        # ... before 24 May 2027 10:00 BST is Sun 22 Nov 2026 09:00 GMT: Friday 17:00.
        ("adult_services_transition", "2027-05-24T10:00+01:00", "2026-11-20T17:00:00+00:00"),
        # ... before 26 May 2027 10:00 BST is Tue 24 Nov 2026 09:00 GMT: working time.
        ("adult_services_transition", "2027-05-26T10:00+01:00", "2026-11-24T09:00:00+00:00"),
    ],
)
def test_each_local_default(kind: str, anchor: str, expected: str) -> None:
    assert due(kind, anchor) == expected


@pytest.mark.parametrize(
    ("kind", "anchor", "amount", "expected"),
    [
        ("eh_review", "2026-11-23T10:00+00:00", 1, "2026-11-24T17:00:00+00:00"),
        ("eh_review_urgent", "2026-11-24T11:15+00:00", 2, "2026-11-24T13:15:00+00:00"),
        ("step_up_allocation_urgent", "2026-11-23T10:00+00:00", 0, "2026-11-23T17:00:00+00:00"),
        ("transfer_decision", "2026-11-23T10:00+00:00", 10, "2026-12-07T17:00:00+00:00"),
        # cla_transfer_discussion's amount: calendar days before the review date.
        ("cla_transfer_discussion", "2026-12-02T10:00+00:00", 1, "2026-12-01T17:00:00+00:00"),
        ("cla_transfer_discussion", "2026-12-02T10:00+00:00", 3, "2026-11-27T17:00:00+00:00"),
        ("adult_services_transition", "2026-12-08T10:00+00:00", 14, "2026-11-24T10:00:00+00:00"),
    ],
)
def test_local_default_amount_override(kind: str, anchor: str, amount: int, expected: str) -> None:
    assert due(kind, anchor, amount=amount) == expected


def test_urgent_variants_share_their_formula_and_differ_from_the_standard_one() -> None:
    # The urgent kinds follow step_up_urgent exactly; their un-suffixed kinds do not.
    anchor = "2026-11-24T11:15+00:00"
    for kind in ("eh_review_urgent", "eh_decision_urgent"):
        assert due(kind, anchor) == due("step_up_urgent", anchor)
    for kind in ("eh_review", "eh_decision"):
        assert due(kind, anchor) == "2026-11-26T17:00:00+00:00"
    assert due("step_up_allocation", anchor) == "2026-12-01T17:00:00+00:00"
    assert due("step_up_allocation_urgent", anchor) == "2026-11-25T17:00:00+00:00"


# --- clock changes: Sun 29 Mar 2026 (forward) and Sun 25 Oct 2026 (back) ----------------------
# Elapsed amounts are real elapsed time; working hours are London wall-clock time.


@pytest.mark.parametrize(
    ("kind", "anchor", "amount", "expected"),
    [
        # Urgent: anchors given in UTC show in BST, and an anchor in either 01:30 of 25 Oct.
        ("step_up_urgent", "2026-07-07T10:15+00:00", None, "2026-07-07T15:15:00+01:00"),
        ("step_up_urgent", "2026-10-23T14:00+01:00", None, "2026-10-23T17:00:00+01:00"),
        ("step_up_urgent", "2026-10-25T01:30+01:00", None, "2026-10-26T13:00:00+00:00"),
        ("step_up_urgent", "2026-10-25T01:30+00:00", None, "2026-10-26T13:00:00+00:00"),
        ("step_up_urgent", "2026-03-29T01:30+00:00", None, "2026-03-30T13:00:00+01:00"),
        ("step_up_urgent", "2026-03-27T16:00+00:00", None, "2026-03-27T17:00:00+00:00"),
        # Standard, 48 hours from Friday: the weekend holds the clock change; the floor applies.
        ("step_up_standard", "2026-10-23T10:00+01:00", None, "2026-10-26T17:00:00+00:00"),
        ("step_up_standard", "2026-03-27T10:00+00:00", None, "2026-03-30T17:00:00+01:00"),
        # 96 elapsed hours from Thursday 10:00 is Monday 09:00 GMT in autumn (not 10:00) ...
        ("step_up_standard", "2026-10-22T10:00+01:00", 96, "2026-10-26T09:00:00+00:00"),
        # ... and Monday 11:00 BST in spring.
        ("step_up_standard", "2026-03-26T10:00+00:00", 96, "2026-03-30T11:00:00+01:00"),
        # From Thursday 16:30: Monday 15:30 GMT in autumn; Monday 17:30 BST in spring, pulled back.
        ("step_up_standard", "2026-10-22T16:30+01:00", 96, "2026-10-26T15:30:00+00:00"),
        ("step_up_standard", "2026-03-26T16:30+00:00", 96, "2026-03-30T17:00:00+01:00"),
        # From Friday the floor (the end of the next working day, Monday) wins.
        ("step_up_standard", "2026-10-23T10:00+01:00", 72, "2026-10-26T17:00:00+00:00"),
        # Working days: closing time is 17:00 wall clock on both sides of the change.
        ("joint_visit", "2026-10-22T10:00+01:00", None, "2026-10-29T17:00:00+00:00"),
        ("joint_visit", "2026-03-26T10:00+00:00", None, "2026-04-02T17:00:00+01:00"),
        # Before-rules: 48 hours before Tue 10:00 GMT lands on Sunday, pulled back to Fri BST.
        ("pre_conference_report", "2026-10-27T10:00+00:00", None, "2026-10-23T17:00:00+01:00"),
        ("pre_conference_report", "2026-03-31T10:00+01:00", None, "2026-03-27T17:00:00+00:00"),
        # 72 elapsed hours before Monday 10:00 is Friday 11:00 BST / 09:00 GMT.
        ("pre_conference_report", "2026-10-26T10:00+00:00", 72, "2026-10-23T11:00:00+01:00"),
        ("pre_conference_report", "2026-03-30T10:00+01:00", 72, "2026-03-27T09:00:00+00:00"),
        # 72 elapsed hours before Monday 16:30 GMT is Friday 17:30 BST: pulled back to 17:00.
        ("pre_conference_report", "2026-10-26T16:30+00:00", 72, "2026-10-23T17:00:00+01:00"),
        # 14 elapsed days (336 hours) across a change move the wall-clock time by an hour.
        ("holding_sw_contact", "2026-11-04T10:00+00:00", None, "2026-10-21T11:00:00+01:00"),
        ("holding_sw_contact", "2026-04-08T10:00+01:00", None, "2026-03-25T09:00:00+00:00"),
        ("holding_sw_contact", "2026-04-08T09:30+01:00", None, "2026-03-24T17:00:00+00:00"),
        ("holding_sw_contact", "2026-11-04T16:30+00:00", None, "2026-10-21T17:00:00+01:00"),
    ],
)
def test_clock_changes(kind: str, anchor: str, amount: int | None, expected: str) -> None:
    assert due(kind, anchor, amount=amount) == expected


def test_anchor_in_any_zone_gives_the_same_instant_in_london() -> None:
    london = compute_due("step_up_urgent", datetime(2026, 7, 7, 11, 15, tzinfo=LONDON))
    utc = compute_due("step_up_urgent", datetime(2026, 7, 7, 10, 15, tzinfo=UTC))
    assert london == utc
    assert utc.isoformat() == "2026-07-07T15:15:00+01:00"


# --- amount overrides and closure days ---------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "anchor", "amount", "expected"),
    [
        ("step_up_urgent", "2026-11-24T11:15+00:00", 2, "2026-11-24T13:15:00+00:00"),
        ("step_up_urgent", "2026-11-24T11:15+00:00", 8, "2026-11-24T17:00:00+00:00"),
        ("step_up_urgent", "2026-11-29T20:00+00:00", 0, "2026-11-30T09:00:00+00:00"),
        ("step_up_standard", "2026-11-23T09:30+00:00", 24, "2026-11-24T17:00:00+00:00"),
        ("step_up_standard", "2026-11-23T09:30+00:00", 72, "2026-11-26T09:30:00+00:00"),
        ("joint_visit", "2026-11-23T10:00+00:00", 3, "2026-11-26T17:00:00+00:00"),
        ("joint_visit", "2026-11-23T10:00+00:00", 0, "2026-11-23T17:00:00+00:00"),
        ("ten_day_discussion", "2026-11-23T10:00+00:00", 5, "2026-11-30T17:00:00+00:00"),
        ("cla_team_allocation", "2026-11-23T10:00+00:00", 10, "2026-12-07T17:00:00+00:00"),
        ("cla_sw_allocation", "2026-11-23T10:00+00:00", 1, "2026-11-24T17:00:00+00:00"),
        ("transfer_in_conference", "2026-11-23T10:00+00:00", 20, "2026-12-21T17:00:00+00:00"),
        ("pre_conference_report", "2026-12-09T10:00+00:00", 24, "2026-12-08T10:00:00+00:00"),
        ("pre_conference_report", "2026-12-09T10:00+00:00", 0, "2026-12-09T10:00:00+00:00"),
        ("holding_sw_contact", "2026-12-08T10:00+00:00", 7, "2026-12-01T10:00:00+00:00"),
        ("holding_sw_contact", "2026-12-08T10:00+00:00", 21, "2026-11-17T10:00:00+00:00"),
    ],
)
def test_amount_override(kind: str, anchor: str, amount: int, expected: str) -> None:
    assert due(kind, anchor, amount=amount) == expected


def test_amount_override_does_not_change_the_defaults() -> None:
    compute_due("joint_visit", datetime(2026, 11, 23, 10, tzinfo=LONDON), amount=1)
    assert DEFAULT_RULES["joint_visit"].amount == 5
    assert due("joint_visit", "2026-11-23T10:00+00:00") == "2026-11-30T17:00:00+00:00"


@pytest.mark.parametrize("amount", [-1, -48])
def test_negative_amount_is_refused(amount: int) -> None:
    with pytest.raises(ValueError, match="negative"):
        compute_due("step_up_urgent", datetime(2026, 11, 24, 11, tzinfo=LONDON), amount=amount)


def test_closure_days_from_the_calendar() -> None:
    cal = WorkingCalendar([date(2026, 11, 25), date(2026, 11, 26)])
    assert due("joint_visit", "2026-11-23T10:00+00:00", calendar=cal) == (
        "2026-12-02T17:00:00+00:00"
    )
    # 48 hours from Mon 09:30 lands on a closure day: pulled back to Tue 17:00, floor Tue 17:00.
    assert due("step_up_standard", "2026-11-23T09:30+00:00", calendar=cal) == (
        "2026-11-24T17:00:00+00:00"
    )
    assert due("step_up_urgent", "2026-11-24T18:00+00:00", calendar=cal) == (
        "2026-11-27T13:00:00+00:00"
    )
    assert due("pre_conference_report", "2026-11-27T10:00+00:00", calendar=cal) == (
        "2026-11-24T17:00:00+00:00"
    )


# --- errors -----------------------------------------------------------------------------------


def test_unknown_kind() -> None:
    with pytest.raises(UnknownKind) as excinfo:
        compute_due("step_up_whenever", datetime(2026, 11, 24, 11, tzinfo=LONDON))
    assert isinstance(excinfo.value, ValueError)
    message = str(excinfo.value)
    assert "step_up_whenever" in message
    for kind in Kind.values:
        assert kind in message


def test_naive_anchor_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        compute_due("joint_visit", datetime(2026, 11, 23, 10, 0))


# --- the rule table ---------------------------------------------------------------------------


RULE_SOURCES = {
    "safeguarding_concern": 'seed 000 ("respond straight away"); local default for the number'
}


def test_default_rules_cover_every_kind_with_the_documented_amounts() -> None:
    expected = {
        "step_up_urgent": (4, "hours", "within", "seed 002"),
        "step_up_standard": (48, "hours", "within", "seed 002"),
        "joint_visit": (5, "working_days", "within", "seed 002"),
        "ten_day_discussion": (10, "working_days", "within", "seed 002"),
        "cla_team_allocation": (5, "working_days", "within", "seed 004"),
        "cla_sw_allocation": (5, "working_days", "within", "seed 004"),
        "transfer_in_conference": (15, "working_days", "within", "seed 003 + common practice"),
        "pre_conference_report": (48, "hours", "before", "seed 003"),
        "holding_sw_contact": (14, "days", "before", "seed 003"),
        "eh_review": (2, "working_days", "within", "local default"),
        "eh_review_urgent": (4, "hours", "within", "local default"),
        "eh_decision": (2, "working_days", "within", "local default"),
        "eh_decision_urgent": (4, "hours", "within", "local default"),
        "step_up_allocation": (5, "working_days", "within", "local default"),
        "step_up_allocation_urgent": (1, "working_days", "within", "local default"),
        "transfer_decision": (5, "working_days", "within", "local default"),
        "cla_transfer_discussion": (0, "days", "before", "local default"),
        "adult_services_transition": (183, "days", "before", "local default"),
        "safeguarding_concern": (4, "hours", "within", RULE_SOURCES["safeguarding_concern"]),
        "transfer_allocation": (5, "working_days", "within", "local default (this project)"),
        "transfer_completion": (10, "working_days", "within", "local default (this project)"),
        "escalation_response": (2, "working_days", "within", "local default"),
        "protocol_suspension_end": (0, "days", "before", "local default"),
    }
    assert set(DEFAULT_RULES) == set(Kind.values) == set(expected)
    for kind, (amount, unit, direction, source) in expected.items():
        rule = DEFAULT_RULES[kind]
        assert isinstance(rule, Rule)
        assert (rule.kind, rule.amount, rule.unit, rule.direction, rule.source) == (
            kind,
            amount,
            unit,
            direction,
            source,
        )
        assert rule.description
    assert DEFAULT_RULES["step_up_urgent"].description == "Within 4 hours, and the same working day"
    assert set(Unit.values) == {"hours", "working_days", "days"}
    assert set(Direction.values) == {"within", "before"}


def test_rules_are_frozen() -> None:
    with pytest.raises(AttributeError):
        DEFAULT_RULES["joint_visit"].amount = 6  # type: ignore[misc]


def test_kinds_have_human_labels() -> None:
    for value, label in Kind.choices:
        assert label and label != value


# --- parse_when -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-24T11:15", "2026-11-24T11:15:00+00:00"),  # no offset: London, GMT
        ("2026-07-01T11:15", "2026-07-01T11:15:00+01:00"),  # no offset: London, BST
        ("2026-11-24 11:15:30", "2026-11-24T11:15:30+00:00"),
        ("  2026-11-24T11:15  ", "2026-11-24T11:15:00+00:00"),
        ("2026-11-24", "2026-11-24T00:00:00+00:00"),  # a date alone: London midnight
        ("2026-11-24T11:15Z", "2026-11-24T11:15:00+00:00"),
        ("2026-07-01T10:15+00:00", "2026-07-01T11:15:00+01:00"),  # offset given: that instant
        ("2026-11-24T11:15-05:00", "2026-11-24T16:15:00+00:00"),
        ("2026-10-25T01:30+01:00", "2026-10-25T01:30:00+01:00"),  # the first 01:30
        ("2026-10-25T01:30+00:00", "2026-10-25T01:30:00+00:00"),  # the second 01:30
    ],
)
def test_parse_when(text: str, expected: str) -> None:
    parsed = parse_when(text)
    assert parsed.tzinfo is LONDON
    assert parsed.isoformat() == expected


def test_parse_when_keeps_the_instant_across_the_autumn_fold() -> None:
    first = parse_when("2026-10-25T01:30+01:00")
    second = parse_when("2026-10-25T01:30+00:00")
    assert (second.astimezone(UTC) - first.astimezone(UTC)).total_seconds() == 3600


@pytest.mark.parametrize(
    "text",
    ["", "   ", "tomorrow", "2026-13-01T10:00", "2026-11-31T10:00", "24/11/2026 11:15", "11:15"],
)
def test_parse_when_rejects_malformed_text(text: str) -> None:
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_when(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-03-29T01:30", "does not exist"),  # clocks go forward at 01:00 GMT
        ("2026-10-25T01:30", "happens twice"),  # clocks go back at 02:00 BST
    ],
)
def test_parse_when_refuses_to_guess_at_clock_changes(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_when(text)
