"""Local wall time -> UTC fire time, across DST changes in both directions and far-apart zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.timing import fire_at, fire_dates, wall_band, zone


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")


@pytest.mark.parametrize(
    ("tz", "day", "at", "expected"),
    [
        # Berlin: CET +1 before 2025-03-30, CEST +2 after; back on 2025-10-26.
        (BERLIN, date(2025, 3, 29), time(7, 30), utc(2025, 3, 29, 6, 30)),
        (BERLIN, date(2025, 3, 30), time(7, 30), utc(2025, 3, 30, 5, 30)),
        (BERLIN, date(2025, 10, 25), time(7, 30), utc(2025, 10, 25, 5, 30)),
        (BERLIN, date(2025, 10, 26), time(7, 30), utc(2025, 10, 26, 6, 30)),
        # New York: EST -5, EDT -4 from 2025-03-09, back on 2025-11-02.
        (NEW_YORK, date(2025, 3, 8), time(7, 30), utc(2025, 3, 8, 12, 30)),
        (NEW_YORK, date(2025, 3, 9), time(7, 30), utc(2025, 3, 9, 11, 30)),
        (NEW_YORK, date(2025, 11, 1), time(7, 30), utc(2025, 11, 1, 11, 30)),
        (NEW_YORK, date(2025, 11, 2), time(7, 30), utc(2025, 11, 2, 12, 30)),
        # Sydney (southern hemisphere): AEDT +11 until 2025-04-06, AEST +10, AEDT from 10-05.
        (SYDNEY, date(2025, 4, 5), time(7, 30), utc(2025, 4, 4, 20, 30)),
        (SYDNEY, date(2025, 4, 6), time(7, 30), utc(2025, 4, 5, 21, 30)),
        (SYDNEY, date(2025, 10, 4), time(7, 30), utc(2025, 10, 3, 21, 30)),
        (SYDNEY, date(2025, 10, 5), time(7, 30), utc(2025, 10, 4, 20, 30)),
    ],
)
def test_the_wall_time_holds_on_both_sides_of_a_dst_change(
    tz: ZoneInfo, day: date, at: time, expected: datetime
) -> None:
    fired = fire_at(day, at, tz)
    assert fired == expected
    assert fired.astimezone(tz).replace(tzinfo=None) == datetime.combine(day, at)


@pytest.mark.parametrize(
    ("tz", "day", "at", "first_valid"),
    [
        # Clocks jump 02:00 -> 03:00 (Berlin, New York) and 02:00 -> 03:00 (Sydney in October).
        (BERLIN, date(2025, 3, 30), time(2, 30), time(3, 0)),
        (BERLIN, date(2025, 3, 30), time(2, 0), time(3, 0)),
        (BERLIN, date(2025, 3, 30), time(2, 59), time(3, 0)),
        (NEW_YORK, date(2025, 3, 9), time(2, 15), time(3, 0)),
        (SYDNEY, date(2025, 10, 5), time(2, 45), time(3, 0)),
    ],
)
def test_a_skipped_wall_time_fires_at_the_first_valid_minute_after_it(
    tz: ZoneInfo, day: date, at: time, first_valid: time
) -> None:
    fired = fire_at(day, at, tz)
    local = fired.astimezone(tz)
    assert (local.date(), local.time()) == (day, first_valid)
    # ... which is exactly the moment of the change: one minute earlier is still before it.
    before = (fired - timedelta(minutes=1)).astimezone(tz)
    assert before.time() < time(2, 0)


@pytest.mark.parametrize(
    ("tz", "day", "at", "first_utc"),
    [
        # Clocks go back 03:00 -> 02:00 (Berlin), 02:00 -> 01:00 (NY), 03:00 -> 02:00 (Sydney).
        (BERLIN, date(2025, 10, 26), time(2, 30), utc(2025, 10, 26, 0, 30)),
        (NEW_YORK, date(2025, 11, 2), time(1, 30), utc(2025, 11, 2, 5, 30)),
        (SYDNEY, date(2025, 4, 6), time(2, 30), utc(2025, 4, 5, 15, 30)),
    ],
)
def test_a_repeated_wall_time_fires_once_at_its_first_occurrence(
    tz: ZoneInfo, day: date, at: time, first_utc: datetime
) -> None:
    assert fire_at(day, at, tz) == first_utc
    second = first_utc + timedelta(hours=1)
    assert second.astimezone(tz).time() == at  # the same wall time comes round again ...
    # ... but a day of minute-by-minute windows finds that date exactly once.
    found = _minute_by_minute(day, at, tz)
    assert found == [first_utc]


def _minute_by_minute(day: date, at: time, tz: ZoneInfo) -> list[datetime]:
    """Fire moments found by walking one-minute windows across the whole local day."""
    start = datetime.combine(day, time(0), tz).astimezone(UTC) - timedelta(hours=2)
    hits = []
    for minute in range(28 * 60):
        lo = start + timedelta(minutes=minute)
        hi = lo + timedelta(minutes=1)
        if day in fire_dates(lo, hi, at, tz):
            hits.append(hi)
    return hits


@pytest.mark.parametrize(
    ("tz", "day", "at"),
    [
        (BERLIN, date(2025, 3, 30), time(2, 30)),
        (BERLIN, date(2025, 10, 26), time(2, 30)),
        (NEW_YORK, date(2025, 3, 9), time(2, 30)),
        (NEW_YORK, date(2025, 11, 2), time(1, 30)),
        (SYDNEY, date(2025, 4, 6), time(2, 30)),
        (SYDNEY, date(2025, 10, 5), time(2, 30)),
        (BERLIN, date(2025, 3, 30), time(7, 30)),
    ],
)
def test_every_transition_day_fires_exactly_once(tz: ZoneInfo, day: date, at: time) -> None:
    assert _minute_by_minute(day, at, tz) == [fire_at(day, at, tz)]


def test_utc_plus_13_and_utc_minus_10_on_the_same_local_day() -> None:
    tonga, honolulu = ZoneInfo("Pacific/Tongatapu"), ZoneInfo("Pacific/Honolulu")
    day = date(2025, 6, 16)  # a Monday for both
    early = fire_at(day, time(7, 0), tonga)
    late = fire_at(day, time(7, 0), honolulu)
    assert early == utc(2025, 6, 15, 18, 0)  # still Sunday in UTC
    assert late == utc(2025, 6, 16, 17, 0)
    # 23 hours apart, and at Tonga's push Honolulu is still on Sunday morning.
    assert late - early == timedelta(hours=23)
    assert early.astimezone(honolulu).date() == date(2025, 6, 15)
    # One UTC day holds both pushes, and each is for the same local Monday.
    window = (utc(2025, 6, 15, 17, 30), utc(2025, 6, 16, 17, 30))
    assert fire_dates(*window, time(7, 0), tonga) == [day]
    assert fire_dates(*window, time(7, 0), honolulu) == [day]


def test_weekdays_are_local_weekdays() -> None:
    tonga = ZoneInfo("Pacific/Tongatapu")
    # Monday 07:00 in Tonga is Sunday 18:00 UTC: a Monday-only reminder fires on UTC Sunday.
    window = (utc(2025, 6, 15, 17, 59), utc(2025, 6, 15, 18, 0))
    assert fire_dates(*window, time(7, 0), tonga, weekdays=[0]) == [date(2025, 6, 16)]
    assert fire_dates(*window, time(7, 0), tonga, weekdays=[6]) == []


def test_a_shift_moves_the_fire_time_in_elapsed_time() -> None:
    # A nudge 4 hours after 00:30 on the night clocks go forward: 4 real hours, not wall hours.
    day = date(2025, 3, 30)
    reminder = fire_at(day, time(0, 30), BERLIN)
    window = (reminder + timedelta(hours=4) - timedelta(minutes=1), reminder + timedelta(hours=4))
    assert fire_dates(*window, time(0, 30), BERLIN, shift=timedelta(hours=4)) == [day]
    assert (reminder + timedelta(hours=4)).astimezone(BERLIN).time() == time(5, 30)


def test_unknown_zones_are_none() -> None:
    assert zone("Mars/Olympus_Mons") is None
    assert zone("") is None
    assert zone("Europe/Berlin") == BERLIN


# -- the SQL pre-selection band never misses anyone -----------------------------------------

ZONES = sorted(
    z
    for z in available_timezones()
    if z.startswith(("Europe/", "America/", "Australia/", "Pacific/", "Asia/"))
)


@settings(max_examples=300, deadline=None)
@given(
    tz_name=st.sampled_from(ZONES),
    start=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31)),
    length=st.sampled_from([1, 1, 1, 2, 59, 60 * 3, 60 * 30, 60 * 50]),
    at=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
)
def test_the_wall_band_contains_every_time_that_fires_in_the_window(
    tz_name: str, start: datetime, length: int, at: time
) -> None:
    tz = ZoneInfo(tz_name)
    lo = start.replace(second=0, microsecond=0, tzinfo=UTC)
    hi = lo + timedelta(minutes=length)
    fired = fire_dates(lo, hi, at, tz)
    in_band = any(
        first <= at.strftime("%H:%M") <= last for first, last in wall_band(lo, hi, tz).time_ranges()
    )
    if fired:
        assert in_band, (tz_name, lo, hi, at, fired)


@pytest.mark.parametrize("tz", [BERLIN, NEW_YORK, SYDNEY])
def test_the_band_is_tight_on_an_ordinary_minute(tz: ZoneInfo) -> None:
    lo = utc(2025, 6, 16, 5, 29)
    local = (lo + timedelta(minutes=1)).astimezone(tz).strftime("%H:%M")
    assert wall_band(lo, lo + timedelta(minutes=1), tz).time_ranges() == [(local, local)]
