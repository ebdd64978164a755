"""Property tests of the deadline rules of DEADLINES.md, for every kind, over anchors in 2024-2030.

For every kind, default or overridden amount, and any closure days: the due instant is working
time; it is never before its anchor for "within" rules and never after it for "before" rules; and
it is monotone (non-decreasing) in the anchor. Instants are compared in UTC because Python compares
two datetimes sharing a tzinfo by wall clock, which is wrong across the autumn clock change.
cla_transfer_discussion is the one "before" rule due after its anchor's hour: by 17:00 on the
review date, whatever the hour entered.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from deadlines.calendar import CLOSE_TIME, LONDON, WorkingCalendar
from deadlines.rules import DEFAULT_RULES, Direction, Kind, compute_due

MIN = datetime(2024, 1, 1)
MAX = datetime(2030, 12, 31, 23, 59, 59)

kinds = st.sampled_from(Kind.values)
utc_anchors = st.datetimes(min_value=MIN, max_value=MAX, timezones=st.just(UTC))
# London and a far zone, including the non-existent and repeated local times of clock changes.
zoned_anchors = st.datetimes(
    min_value=MIN,
    max_value=MAX,
    timezones=st.sampled_from([UTC, LONDON, ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")]),
)
amounts = st.one_of(st.none(), st.integers(min_value=0, max_value=60))
closure_sets = st.frozensets(
    st.dates(min_value=date(2023, 11, 1), max_value=date(2031, 2, 28)), max_size=40
)
small_gaps = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=4))

SETTINGS = settings(max_examples=300, deadline=None)


def utc(t: datetime) -> datetime:
    return t.astimezone(UTC)


def check_due(kind: str, anchor: datetime, amount: int | None, cal: WorkingCalendar) -> datetime:
    """The due instant, after checking the properties that hold for any single anchor."""
    due = compute_due(kind, anchor, amount=amount, calendar=cal)
    assert due.tzinfo is LONDON
    assert cal.is_working_time(due), f"{kind} due {due.isoformat()} is not working time"
    if DEFAULT_RULES[kind].direction == Direction.WITHIN:
        assert utc(due) >= utc(anchor), f"{kind} due {due.isoformat()} before {anchor.isoformat()}"
    elif kind in (Kind.CLA_TRANSFER_DISCUSSION, Kind.PROTOCOL_SUSPENSION_END):
        day_end = datetime.combine(anchor.astimezone(LONDON).date(), CLOSE_TIME, tzinfo=LONDON)
        assert utc(due) <= utc(day_end), f"{kind} due {due.isoformat()} after {day_end}"
    else:
        assert utc(due) <= utc(anchor), f"{kind} due {due.isoformat()} after {anchor.isoformat()}"
    return due


@SETTINGS
@given(kind=kinds, anchor=utc_anchors)
def test_default_due_is_working_time_and_on_the_right_side_of_its_anchor(
    kind: str, anchor: datetime
) -> None:
    check_due(kind, anchor, None, WorkingCalendar())


@SETTINGS
@given(kind=kinds, anchor=zoned_anchors, amount=amounts, closures=closure_sets)
def test_properties_hold_for_any_zone_amount_and_closures(
    kind: str, anchor: datetime, amount: int | None, closures: frozenset[date]
) -> None:
    check_due(kind, anchor, amount, WorkingCalendar(closures))


@SETTINGS
@given(kind=kinds, a=utc_anchors, b=utc_anchors)
def test_due_is_monotone_in_the_anchor(kind: str, a: datetime, b: datetime) -> None:
    cal = WorkingCalendar()
    early, late = sorted((a, b))
    assert utc(check_due(kind, early, None, cal)) <= utc(check_due(kind, late, None, cal))


@SETTINGS
@given(kind=kinds, a=utc_anchors, gap=small_gaps, amount=amounts, closures=closure_sets)
def test_due_is_monotone_for_nearby_anchors(
    kind: str, a: datetime, gap: timedelta, amount: int | None, closures: frozenset[date]
) -> None:
    # Nearby anchors probe the edges (17:00, midnight, weekends, clock changes) that random
    # pairs years apart would almost never separate.
    cal = WorkingCalendar(closures)
    first = check_due(kind, a, amount, cal)
    second = check_due(kind, a + gap, amount, cal)
    assert utc(first) <= utc(second), (
        f"{kind}: {a.isoformat()} -> {first.isoformat()} but "
        f"{(a + gap).isoformat()} -> {second.isoformat()}"
    )


@SETTINGS
@given(kind=kinds, day=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)))
def test_properties_at_the_edges_of_the_working_day(kind: str, day: date) -> None:
    cal = WorkingCalendar()
    previous = None
    for hour, minute, micro in [(8, 59, 999999), (9, 0, 0), (17, 0, 0), (17, 0, 1)]:
        anchor = datetime(day.year, day.month, day.day, hour, minute, 0, micro, tzinfo=LONDON)
        due = check_due(kind, anchor, None, cal)
        if previous is not None:
            assert utc(previous) <= utc(due)
        previous = due
