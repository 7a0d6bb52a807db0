"""Planner properties over many generated profiles and dates."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content import default_library
from bot.core.library import Exercise, Slot
from bot.core.planner import (
    DayPlan,
    Target,
    is_training_day,
    next_training_day,
    plan_day,
    previous_training_day,
)
from bot.core.settings import LEVELS, Settings

LIB = default_library()
EQUIPMENT = sorted(LIB.taxonomy.equipment)
RANK = {lv: i for i, lv in enumerate(LEVELS)}

# What each day type must cover, as groups of patterns (one of each group when possible).
COVERAGE = {
    "full": [{"hinge"}, {"row", "vertical_pull"}, {"bridge"}, {"plantar_flexion", "shrug", "fly"}],
    "upper": [{"row", "vertical_pull"}, {"shrug", "fly"}],
    "lower": [{"hinge"}, {"bridge"}, {"plantar_flexion", "knee_flexion"}],
}

profiles = st.builds(
    Settings,
    level=st.sampled_from(LEVELS),
    equipment=st.frozensets(st.sampled_from(EQUIPMENT)).map(lambda s: s | {"bodyweight"}),
    split=st.sampled_from(sorted(LIB.splits)),
    weekdays=st.lists(st.integers(0, 6), min_size=1, max_size=6, unique=True).map(
        lambda d: tuple(sorted(d))
    ),
)
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2031, 12, 31))


def can_do(ex: Exercise, s: Settings) -> bool:
    """Independent of the planner's own filter: equipment owned and level reached."""
    return set(ex.equipment) <= (s.equipment | {"bodyweight"}) and RANK[ex.level] <= RANK[s.level]


def training_day(s: Settings, day: date) -> date:
    while day.weekday() not in s.weekdays:
        day += timedelta(days=1)
    return day


def chain(s: Settings, day: date) -> tuple[DayPlan, DayPlan]:
    """The previous session as the coach would plan it, then this one with it as history."""
    prev_day = previous_training_day(s, day)
    assert prev_day is not None
    prev = plan_day(LIB, s, prev_day)
    return prev, plan_day(LIB, s, day, prev.exercise_ids)


@settings(max_examples=300, deadline=None)
@given(profiles, days)
def test_same_inputs_same_plan_and_round_trip(s: Settings, day: date) -> None:
    a = plan_day(LIB, s, day, ("glute-bridge",))
    b = plan_day(LIB, s, day, ("glute-bridge",))
    assert a == b
    assert DayPlan.from_dict(a.to_dict()) == a


@settings(max_examples=300, deadline=None)
@given(profiles, days)
def test_rest_days_name_the_next_training_day(s: Settings, day: date) -> None:
    plan = plan_day(LIB, s, day)
    assert plan.training == (day.weekday() in s.weekdays)
    if not plan.training:
        assert not plan.main
        nxt = plan.next_training_day
        assert nxt is not None and day < nxt <= day + timedelta(days=7)
        assert is_training_day(s, nxt)
        assert all(
            not is_training_day(s, day + timedelta(days=i)) for i in range(1, (nxt - day).days)
        )


@settings(max_examples=400, deadline=None)
@given(profiles, days)
def test_training_day_shape_equipment_and_level(s: Settings, day: date) -> None:
    plan = plan_day(LIB, s, training_day(s, day))
    assert plan.training
    assert 3 <= len(plan.main) <= 5
    assert plan.warmup and plan.cooldown
    ids = [p.exercise_id for p in plan.main]
    assert len(set(ids)) == len(ids), "an exercise twice in one session"
    for p in (*plan.warmup, *plan.main, *plan.cooldown):
        ex = LIB.exercises[p.exercise_id]
        assert can_do(ex, s), f"{ex.id} needs {ex.equipment} at {ex.level}; has {s.equipment}"
    for p in plan.main:
        assert LIB.exercises[p.exercise_id].role == "main"
        assert 1 <= p.sets <= LIB.levels[s.level].max_sets


@settings(max_examples=400, deadline=None)
@given(profiles, days)
def test_fits_the_time_budget(s: Settings, day: date) -> None:
    plan = plan_day(LIB, s, training_day(s, day))
    assert 10 <= plan.minutes <= LIB.session.minutes


@settings(max_examples=400, deadline=None)
@given(profiles, days)
def test_coverage_of_the_day_type(s: Settings, day: date) -> None:
    plan = plan_day(LIB, s, training_day(s, day))
    patterns = {LIB.exercises[i].pattern for i in plan.exercise_ids}
    for group in COVERAGE[plan.day_type or ""]:
        possible = any(e.pattern in group and can_do(e, s) for e in LIB.main_exercises())
        if possible:
            assert patterns & group, f"{plan.day_type} day misses {group}: {plan.exercise_ids}"


def candidates(slot: Slot, s: Settings, taken: set[str]) -> list[str]:
    for patterns in (slot.patterns, slot.fallback):
        found = [
            e.id
            for e in LIB.main_exercises()
            if e.pattern in patterns and can_do(e, s) and e.id not in taken
        ]
        if found:
            return found
    return []


@settings(max_examples=400, deadline=None)
@given(profiles, days)
def test_no_repeat_of_the_previous_session_when_an_alternative_exists(
    s: Settings, day: date
) -> None:
    prev, plan = chain(s, training_day(s, day))
    slots = {sl.name: sl for sl in LIB.day_types[plan.day_type or ""].slots}
    for p in plan.main:
        if p.exercise_id not in prev.exercise_ids:
            continue
        others = {q.exercise_id for q in plan.main if q is not p}
        options = candidates(slots[p.slot], s, others)
        fresh = [c for c in options if c not in prev.exercise_ids]
        assert not fresh, f"{p.exercise_id} repeated although {fresh} was possible"


def test_a_season_of_sessions_rotates_exercises() -> None:
    s = Settings(level="advanced", equipment=frozenset(EQUIPMENT), split="full3")
    day, seen = date(2026, 1, 5), set()
    for _ in range(12):
        day = next_training_day(s, day) or day
        seen.update(plan_day(LIB, s, day).exercise_ids)
    assert len(seen) >= 10


def test_targets_shape_the_prescription() -> None:
    s = Settings(level="intermediate", equipment=frozenset(EQUIPMENT))
    day = training_day(s, date(2026, 11, 23))
    plan = plan_day(
        LIB, s, day, targets=lambda ex, rx: Target(load_kg=20.0, note="Same as last time")
    )
    assert all(p.load_kg == 20.0 and p.note == "Same as last time" for p in plan.main)
