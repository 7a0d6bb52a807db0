"""Local wall-clock rules -> UTC fire times. Pure functions, no I/O.

A reminder is a local time of day (e.g. 07:30) on some local dates in an IANA zone:
- a wall time that exists once fires then;
- a wall time repeated when clocks go back fires once, at its first occurrence;
- a wall time skipped when clocks go forward fires at the first valid minute after it.

Fire times are non-decreasing in the wall time for a given date, which lets the tick query
a band of reminder times instead of checking every person.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MINUTE = timedelta(minutes=1)
# A skipped stretch of wall time is at most a day long (Pacific/Apia skipped 2011-12-30).
_LONGEST_GAP_MINUTES = 48 * 60
# When the UTC offset changes inside a window, widen the band of candidate wall times by this
# much on both sides: no zone has ever shifted by more than a day at once.
_TRANSITION_SLACK = timedelta(hours=26)


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo | None:
    """The IANA zone, or None when the name is unknown (such a person gets no pushes)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return None


def _exists(naive: datetime, tz: ZoneInfo) -> datetime | None:
    """The UTC instant of the first occurrence of `naive` in `tz`, or None if it was skipped."""
    # fold=0 is the earlier offset: the first occurrence of a repeated wall time.
    instant = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) == naive:
        return instant
    return None


@lru_cache(maxsize=8192)
def fire_at(day: date, at: time, tz: ZoneInfo) -> datetime:
    """When a reminder for local `day` at wall time `at` fires, as an aware UTC datetime."""
    naive = datetime.combine(day, at.replace(second=0, microsecond=0, tzinfo=None))
    instant = _exists(naive, tz)
    if instant is not None:
        return instant
    # Spring-forward gap: walk forward minute by minute to the first wall minute that exists.
    for step in range(1, _LONGEST_GAP_MINUTES + 1):
        instant = _exists(naive + step * MINUTE, tz)
        if instant is not None:
            return instant
    raise ValueError(f"{naive} in {tz.key}: no valid wall time within two days")


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def fire_dates(
    start: datetime,
    end: datetime,
    at: time,
    tz: ZoneInfo,
    weekdays: Iterable[int] | None = None,
    shift: timedelta = timedelta(0),
) -> list[date]:
    """Local dates whose fire time (plus `shift`) falls in the window (start, end].

    `weekdays` (Monday = 0) limits the dates; None means every day. `shift` moves the fire
    time later in elapsed time (a nudge some hours after the reminder).
    """
    allowed = None if weekdays is None else frozenset(weekdays)
    lo, hi = start - shift, end - shift
    first = local_date(lo, tz) - timedelta(days=2)
    last = local_date(hi, tz) + timedelta(days=1)
    found = []
    for day in _days(first, last):
        if allowed is not None and day.weekday() not in allowed:
            continue
        if lo < fire_at(day, at, tz) <= hi:
            found.append(day)
    return found


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


@dataclass(frozen=True, slots=True)
class WallBand:
    """Wall times [low, high] (naive local datetimes) that may fire in a UTC window.

    A superset: callers confirm each candidate with `fire_at`. Used to pre-select people by
    reminder time in SQL.
    """

    low: datetime
    high: datetime

    def time_ranges(self) -> list[tuple[str, str]]:
        """The band as disjoint, inclusive ranges of 'HH:MM' reminder times (any date)."""
        if self.high - self.low >= timedelta(days=1) - MINUTE:
            return [("00:00", "23:59")]
        first = _ceil_minute(self.low)
        last = self.high.replace(second=0, microsecond=0)
        if first > last:
            return []
        if first.date() == last.date():
            return [(_hhmm(first), _hhmm(last))]
        return [(_hhmm(first), "23:59"), ("00:00", _hhmm(last))]


def _ceil_minute(moment: datetime) -> datetime:
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + MINUTE


def _hhmm(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def wall_band(start: datetime, end: datetime, tz: ZoneInfo) -> WallBand:
    """Wall times whose fire time can fall in (start, end] in `tz`."""
    a = start.astimezone(tz)
    b = end.astimezone(tz)
    na, nb = a.replace(tzinfo=None), b.replace(tzinfo=None)
    if a.utcoffset() == b.utcoffset() and _same_offset_throughout(start, end, tz):
        # The usual case: wall time moves in step with UTC, so the band is exactly the window
        # (a repeated hour is confirmed or rejected by fire_at).
        return WallBand(na + timedelta(microseconds=1), nb)
    return WallBand(min(na, nb) - _TRANSITION_SLACK, max(na, nb) + _TRANSITION_SLACK)


def _same_offset_throughout(start: datetime, end: datetime, tz: ZoneInfo) -> bool:
    """No offset change inside the window (checked hourly; transitions are >= hours apart)."""
    if end - start <= timedelta(hours=1):
        return True
    offset = start.astimezone(tz).utcoffset()
    probe = start
    while probe < end:
        probe = min(probe + timedelta(hours=1), end)
        if probe.astimezone(tz).utcoffset() != offset:
            return False
    return True
