"""The working calendar of DEADLINES.md: working dates, working time, start, pullback, close."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from deadlines.calendar import (
    LONDON,
    MAX_SEARCH_DAYS,
    CalendarError,
    WorkingCalendar,
    add_elapsed,
    bank_holidays,
)

CAL = WorkingCalendar()


def ldn(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, us: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, us, tzinfo=LONDON)


# --- working dates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2026, 11, 23), True),  # Monday
        (date(2026, 11, 27), True),  # Friday
        (date(2026, 11, 28), False),  # Saturday
        (date(2026, 11, 29), False),  # Sunday
        (date(2026, 12, 24), True),  # Christmas Eve is not a bank holiday
        (date(2026, 12, 25), False),  # Christmas Day, Friday
        (date(2026, 12, 28), False),  # substitute day for Boxing Day (Saturday 26th)
        (date(2026, 12, 29), True),
        (date(2026, 8, 31), False),  # late summer bank holiday
        (date(2026, 4, 3), False),  # Good Friday
        (date(2026, 4, 6), False),  # Easter Monday
        (date(2027, 1, 1), False),  # New Year's Day
    ],
)
def test_is_working_date(d: date, expected: bool) -> None:
    assert CAL.is_working_date(d) is expected


def test_bank_holidays_include_substitute_days_and_are_cached() -> None:
    assert date(2026, 12, 28) in bank_holidays(2026)
    assert bank_holidays(2026) is bank_holidays(2026)


def test_closure_day_is_not_a_working_date() -> None:
    cal = WorkingCalendar([date(2026, 11, 25)])
    assert not cal.is_working_date(date(2026, 11, 25))
    assert CAL.is_working_date(date(2026, 11, 25))


def test_closures_must_be_dates() -> None:
    with pytest.raises(TypeError):
        WorkingCalendar([datetime(2026, 11, 25, tzinfo=UTC)])  # type: ignore[list-item]


# --- working time: 09:00 to 17:00 inclusive ---------------------------------------------------


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (ldn(2026, 11, 24, 9, 0), True),  # opening is inclusive
        (ldn(2026, 11, 24, 17, 0), True),  # closing is inclusive
        (ldn(2026, 11, 24, 8, 59, 59, 999999), False),
        (ldn(2026, 11, 24, 17, 0, 0, 1), False),
        (ldn(2026, 11, 24, 12, 0), True),
        (ldn(2026, 11, 28, 12, 0), False),  # Saturday
        (ldn(2026, 12, 28, 12, 0), False),  # substitute bank holiday
        (datetime(2026, 7, 1, 8, 0, tzinfo=UTC), True),  # 09:00 BST
        (datetime(2026, 7, 1, 16, 30, tzinfo=UTC), False),  # 17:30 BST
        (datetime(2026, 11, 24, 16, 30, tzinfo=UTC), True),  # 16:30 GMT
    ],
)
def test_is_working_time(t: datetime, expected: bool) -> None:
    assert CAL.is_working_time(t) is expected


@pytest.mark.parametrize(
    "call",
    [
        lambda t: CAL.is_working_time(t),
        lambda t: CAL.start(t),
        lambda t: CAL.pullback(t),
        lambda t: CAL.within_wd(t, 5),
        lambda t: add_elapsed(t, timedelta(hours=1)),
    ],
)
def test_naive_datetimes_are_rejected(call: object) -> None:
    with pytest.raises(ValueError, match="naive"):
        call(datetime(2026, 11, 24, 12, 0))  # type: ignore[operator]


# --- start ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (ldn(2026, 11, 24, 11, 15), ldn(2026, 11, 24, 11, 15)),  # working time: itself
        (ldn(2026, 11, 24, 9, 0), ldn(2026, 11, 24, 9, 0)),
        (ldn(2026, 11, 24, 17, 0), ldn(2026, 11, 24, 17, 0)),  # 17:00 is still working time
        (ldn(2026, 11, 24, 6, 0), ldn(2026, 11, 24, 9, 0)),  # before opening
        (ldn(2026, 11, 24, 0, 0), ldn(2026, 11, 24, 9, 0)),
        (ldn(2026, 11, 24, 17, 0, 1), ldn(2026, 11, 25, 9, 0)),  # after closing
        (ldn(2026, 11, 27, 18, 0), ldn(2026, 11, 30, 9, 0)),  # Friday evening -> Monday
        (ldn(2026, 11, 28, 8, 0), ldn(2026, 11, 30, 9, 0)),  # Saturday morning -> Monday
        (ldn(2026, 11, 29, 20, 0), ldn(2026, 11, 30, 9, 0)),  # Sunday evening -> Monday
        (ldn(2026, 12, 24, 17, 30), ldn(2026, 12, 29, 9, 0)),  # over Christmas
        (ldn(2026, 12, 25, 8, 0), ldn(2026, 12, 29, 9, 0)),  # bank holiday before "opening"
    ],
)
def test_start(t: datetime, expected: datetime) -> None:
    got = CAL.start(t)
    assert got == expected
    assert got.tzinfo is LONDON


def test_start_converts_other_zones_to_london() -> None:
    got = CAL.start(datetime(2026, 7, 1, 7, 0, tzinfo=UTC))  # 08:00 BST
    assert got.isoformat() == "2026-07-01T09:00:00+01:00"
    got = CAL.start(datetime(2026, 11, 24, 11, 0, tzinfo=timezone(timedelta(hours=-5))))
    assert got.isoformat() == "2026-11-24T16:00:00+00:00"


def test_start_skips_closure_day() -> None:
    cal = WorkingCalendar([date(2026, 11, 25)])
    assert cal.start(ldn(2026, 11, 24, 18, 0)) == ldn(2026, 11, 26, 9, 0)
    assert cal.start(ldn(2026, 11, 25, 10, 0)) == ldn(2026, 11, 26, 9, 0)


# --- pullback ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (ldn(2026, 11, 24, 11, 15), ldn(2026, 11, 24, 11, 15)),
        (ldn(2026, 11, 24, 9, 0), ldn(2026, 11, 24, 9, 0)),  # 09:00 is working time
        (ldn(2026, 11, 24, 17, 0), ldn(2026, 11, 24, 17, 0)),
        (ldn(2026, 11, 24, 17, 0, 1), ldn(2026, 11, 24, 17, 0)),  # after closing: that day
        (ldn(2026, 11, 24, 23, 59), ldn(2026, 11, 24, 17, 0)),
        (ldn(2026, 11, 24, 8, 59), ldn(2026, 11, 23, 17, 0)),  # before opening: day before
        (ldn(2026, 11, 23, 8, 0), ldn(2026, 11, 20, 17, 0)),  # Monday early -> Friday
        (ldn(2026, 11, 28, 14, 0), ldn(2026, 11, 27, 17, 0)),  # Saturday -> Friday
        (ldn(2026, 12, 29, 8, 0), ldn(2026, 12, 24, 17, 0)),  # back over Christmas
        (ldn(2026, 12, 28, 12, 0), ldn(2026, 12, 24, 17, 0)),  # substitute day
    ],
)
def test_pullback(t: datetime, expected: datetime) -> None:
    got = CAL.pullback(t)
    assert got == expected
    assert got.tzinfo is LONDON


def test_pullback_skips_closure_day() -> None:
    cal = WorkingCalendar([date(2026, 11, 24)])
    assert cal.pullback(ldn(2026, 11, 24, 12, 0)) == ldn(2026, 11, 23, 17, 0)
    assert cal.pullback(ldn(2026, 11, 25, 8, 0)) == ldn(2026, 11, 23, 17, 0)


# --- close, next_wd, previous_wd, add_wd ------------------------------------------------------


def test_close_is_1700_london_wall_clock() -> None:
    assert CAL.close(date(2026, 11, 24)).isoformat() == "2026-11-24T17:00:00+00:00"
    assert CAL.close(date(2026, 7, 1)).isoformat() == "2026-07-01T17:00:00+01:00"


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2026, 11, 24), date(2026, 11, 25)),
        (date(2026, 11, 27), date(2026, 11, 30)),  # Friday -> Monday
        (date(2026, 11, 28), date(2026, 11, 30)),  # Saturday -> Monday
        (date(2026, 12, 24), date(2026, 12, 29)),  # Thu -> Tue over Christmas and substitute day
        (date(2026, 12, 31), date(2027, 1, 4)),  # New Year's Day, then the weekend
    ],
)
def test_next_wd(d: date, expected: date) -> None:
    assert CAL.next_wd(d) == expected


def test_previous_wd() -> None:
    assert CAL.previous_wd(date(2026, 12, 29)) == date(2026, 12, 24)
    assert CAL.previous_wd(date(2026, 11, 30)) == date(2026, 11, 27)


@pytest.mark.parametrize(
    ("d", "n", "expected"),
    [
        (date(2026, 11, 23), 0, date(2026, 11, 23)),
        (date(2026, 11, 23), 1, date(2026, 11, 24)),
        (date(2026, 11, 23), 5, date(2026, 11, 30)),
        (date(2026, 11, 28), 1, date(2026, 11, 30)),  # from a Saturday
        # After Mon 21 Dec 2026 the working dates are 22, 23, 24, 29, 30: the 25th and the 28th
        # (substitute for Boxing Day) are bank holidays.
        (date(2026, 12, 21), 5, date(2026, 12, 30)),
    ],
)
def test_add_wd(d: date, n: int, expected: date) -> None:
    assert CAL.add_wd(d, n) == expected


def test_add_wd_skips_closure_day() -> None:
    cal = WorkingCalendar([date(2026, 11, 25)])
    assert cal.add_wd(date(2026, 11, 23), 5) == date(2026, 12, 1)


def test_add_wd_rejects_negative() -> None:
    with pytest.raises(ValueError):
        CAL.add_wd(date(2026, 11, 23), -1)


# --- within_wd --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("t", "n", "expected"),
    [
        (ldn(2026, 11, 23, 10, 0), 5, ldn(2026, 11, 30, 17, 0)),  # the day it starts is day 0
        (ldn(2026, 11, 23, 10, 0), 0, ldn(2026, 11, 23, 17, 0)),
        (ldn(2026, 11, 23, 17, 0), 1, ldn(2026, 11, 24, 17, 0)),  # 17:00 still counts as Mon
        (ldn(2026, 11, 23, 17, 1), 1, ldn(2026, 11, 25, 17, 0)),  # after 17:00 starts Tue
        (ldn(2026, 11, 28, 10, 0), 5, ldn(2026, 12, 7, 17, 0)),  # Saturday starts Monday
        (ldn(2026, 12, 23, 12, 0), 2, ldn(2026, 12, 29, 17, 0)),  # over Christmas
    ],
)
def test_within_wd(t: datetime, n: int, expected: datetime) -> None:
    assert CAL.within_wd(t, n) == expected


def test_within_wd_with_closure() -> None:
    cal = WorkingCalendar([date(2026, 11, 26)])
    assert cal.within_wd(ldn(2026, 11, 23, 10, 0), 5) == ldn(2026, 12, 1, 17, 0)


# --- elapsed time and bad data ----------------------------------------------------------------


def test_add_elapsed_crosses_clock_changes_in_real_time() -> None:
    # 24 elapsed hours from noon on the Saturday before the clocks go back is 11:00 on Sunday.
    got = add_elapsed(ldn(2026, 10, 24, 12, 0), timedelta(hours=24))
    assert got.isoformat() == "2026-10-25T11:00:00+00:00"
    got = add_elapsed(ldn(2026, 3, 28, 12, 0), timedelta(hours=24))
    assert got.isoformat() == "2026-03-29T13:00:00+01:00"


def test_unbroken_closures_raise_instead_of_hanging() -> None:
    first = date(2026, 1, 1)
    cal = WorkingCalendar(first + timedelta(days=i) for i in range(MAX_SEARCH_DAYS + 10))
    with pytest.raises(CalendarError, match="closure"):
        cal.next_wd(date(2025, 12, 31))
    with pytest.raises(CalendarError):
        cal.start(ldn(2026, 1, 2, 10, 0))
