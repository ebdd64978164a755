"""The working calendar of DEADLINES.md ("The working calendar").

Pure Python: no Django models and no database. Instants go in as timezone-aware datetimes in any
zone and come out as aware datetimes in Europe/London. Elapsed amounts are added by the callers in
real elapsed time (see :func:`add_elapsed`); opening and closing are London wall-clock times.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "CLOSE_TIME",
    "LONDON",
    "MAX_SEARCH_DAYS",
    "OPEN_TIME",
    "CalendarError",
    "WorkingCalendar",
    "add_elapsed",
    "bank_holidays",
    "to_london",
]

LONDON = ZoneInfo("Europe/London")
OPEN_TIME = time(9, 0)
CLOSE_TIME = time(17, 0)
# Two years of consecutive non-working days can only come from bad closure data; stop rather
# than loop for ever.
MAX_SEARCH_DAYS = 366 * 2


class CalendarError(ValueError):
    """No working date could be found within ``MAX_SEARCH_DAYS`` (bad closure data)."""


@functools.lru_cache(maxsize=256)
def bank_holidays(year: int) -> frozenset[date]:
    """Bank holidays in England for ``year``, substitute days included (DEADLINES.md)."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def to_london(t: datetime) -> datetime:
    """``t`` as an aware Europe/London datetime; naive datetimes are refused."""
    if not isinstance(t, datetime):
        raise TypeError(f"expected an aware datetime, not {t!r}")
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(
            f"naive datetime {t.isoformat()!r}: a time zone (or UTC offset) is required"
        )
    return t.astimezone(LONDON)


def add_elapsed(t: datetime, delta: timedelta) -> datetime:
    """``t + delta`` in real elapsed time, returned in London time.

    Implements "elapsed amounts are added in real elapsed time": Python adds a timedelta to an
    aware datetime in wall-clock time, which is an hour out across a clock change, so go via UTC.
    """
    to_london(t)
    return (t.astimezone(UTC) + delta).astimezone(LONDON)


def _at(d: date, wall: time) -> datetime:
    # 09:00 and 17:00 are never in a clock-change gap or fold in London (changes happen at 01:00
    # UTC), so attaching the zone directly is unambiguous.
    return datetime.combine(d, wall, tzinfo=LONDON)


class WorkingCalendar:
    """Working dates and working time in Europe/London (DEADLINES.md, "The working calendar").

    A working date is Monday to Friday, not a bank holiday in England and not one of the
    ``closures`` an authority has added. Working time is 09:00 to 17:00 inclusive on a working
    date.
    """

    def __init__(self, closures: Iterable[date] = ()) -> None:
        self.closures: frozenset[date] = frozenset(closures)
        for d in self.closures:
            if isinstance(d, datetime) or not isinstance(d, date):
                raise TypeError(f"closure days must be dates, not {d!r}")

    def __repr__(self) -> str:
        return f"WorkingCalendar(closures={sorted(self.closures)!r})"

    def is_working_date(self, d: date) -> bool:
        """Working date: Monday to Friday, not an England bank holiday, not a closure day."""
        if isinstance(d, datetime):
            raise TypeError("is_working_date takes a date; use is_working_time for a datetime")
        return d.weekday() < 5 and d not in bank_holidays(d.year) and d not in self.closures

    def is_working_time(self, t: datetime) -> bool:
        """Working time: 09:00 to 17:00 London, both ends included, on a working date."""
        local = to_london(t)
        return self.is_working_date(local.date()) and OPEN_TIME <= local.time() <= CLOSE_TIME

    def next_wd(self, d: date) -> date:
        """``next_wd(d)``: the first working date after ``d``."""
        return self._step(d, 1)

    def previous_wd(self, d: date) -> date:
        """The last working date before ``d`` (used by ``pullback``)."""
        return self._step(d, -1)

    def add_wd(self, d: date, n: int) -> date:
        """``add_wd(d, n)``: ``next_wd`` applied ``n`` times (``n >= 0``)."""
        if n < 0:
            raise ValueError(f"add_wd needs n >= 0, not {n}")
        for _ in range(n):
            d = self.next_wd(d)
        return d

    def close(self, d: date) -> datetime:
        """``close(d)``: 17:00 London on ``d``."""
        return _at(d, CLOSE_TIME)

    def open(self, d: date) -> datetime:
        """09:00 London on ``d`` (the opening used by ``start``)."""
        return _at(d, OPEN_TIME)

    def start(self, t: datetime) -> datetime:
        """``start(t)``: ``t`` if working time; before 09:00 on a working date, 09:00 that date;
        otherwise 09:00 on the next working date."""
        local = to_london(t)
        day = local.date()
        if self.is_working_date(day):
            if local.time() < OPEN_TIME:
                return self.open(day)
            if local.time() <= CLOSE_TIME:
                return local
        return self.open(self.next_wd(day))

    def pullback(self, t: datetime) -> datetime:
        """``pullback(t)``: ``t`` if working time; after 17:00 on a working date, 17:00 that
        date; otherwise 17:00 on the last working date before ``t``."""
        local = to_london(t)
        day = local.date()
        if self.is_working_date(day):
            if local.time() > CLOSE_TIME:
                return self.close(day)
            if local.time() >= OPEN_TIME:
                return local
        return self.close(self.previous_wd(day))

    def within_wd(self, t: datetime, n: int) -> datetime:
        """``within_wd(t, n)``: ``close(add_wd(date(start(t)), n))``; the start day is day 0."""
        return self.close(self.add_wd(self.start(t).date(), n))

    def _step(self, d: date, direction: int) -> date:
        step = timedelta(days=direction)
        candidate = d
        for _ in range(MAX_SEARCH_DAYS):
            candidate += step
            if self.is_working_date(candidate):
                return candidate
        word = "after" if direction > 0 else "before"
        raise CalendarError(
            f"no working date within {MAX_SEARCH_DAYS} days {word} {d.isoformat()}; "
            "check the authority's closure days"
        )
