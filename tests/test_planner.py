"""Planner properties over many generated profiles, dates and weekday choices.

tests/test_planner_program.py checks the program rules over the grid of onboarding choices;
this file throws arbitrary settings (any kit subset, any weekdays) at the same planner."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content import default_library
from bot.core.library import Exercise
from bot.core.planner import (
    EPOCH,
    DayPlan,
    Target,
    is_training_day,
    next_training_day,
    plan_day,
    time_band,
)
from bot.core.settings import LEVELS, SESSION_LENGTHS, Settings

LIB = default_library()
EQUIPMENT = sorted(LIB.taxonomy.equipment)
RANK: dict[str, int] = {lv: i for i, lv in enumerate(LEVELS)}

# What each day type's main lifts must cover (one of each group when possible). Calves, flies
# and shrugs are no longer asked of every day: the week is balanced as a whole instead
# (tests/test_planner_program.py checks each group's weekly days).
COVERAGE = {
    "full": [{"hinge", "bridge"}, {"row", "vertical_pull"}, {"bridge", "extension"}],
    "upper": [{"row", "vertical_pull"}],
    "lower": [{"hinge", "bridge"}, {"bridge"}],
}

profiles = st.builds(
    Settings,
    level=st.sampled_from(LEVELS),
    equipment=st.frozensets(st.sampled_from(EQUIPMENT)).map(lambda s: s | {"bodyweight"}),
    split=st.sampled_from(sorted(LIB.splits)),
    weekdays=st.lists(st.integers(0, 6), min_size=1, max_size=6, unique=True).map(
        lambda d: tuple(sorted(d))
    ),
    session_minutes=st.sampled_from(SESSION_LENGTHS),
    program_start=st.none() | st.dates(min_value=date(2023, 6, 1), max_value=date(2031, 1, 1)),
)
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2031, 12, 31))


def can_do(ex: Exercise, s: Settings) -> bool:
    """Independent of the planner's own filter: equipment owned and level reached."""
    return set(ex.equipment) <= (s.equipment | {"bodyweight"}) and RANK[ex.level] <= RANK[s.level]


def training_day(s: Settings, day: date) -> date:
    while day.weekday() not in s.weekdays:
        day += timedelta(days=1)
    return day


@settings(max_examples=300, deadline=None)
@given(profiles, days)
def test_same_inputs_same_plan_and_round_trip(s: Settings, day: date) -> None:
    a = plan_day(LIB, s, day, ("glute-bridge",))
    b = plan_day(LIB, s, day)
    assert a == b, "the plan no longer depends on the previous session"
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
    length = LIB.session.length(s.session_minutes)
    assert 2 <= len(plan.main) <= LIB.levels[s.level].max_exercises + length.extra_exercises
    assert plan.warmup and plan.cooldown
    ids = [p.exercise_id for p in plan.main]
    assert len(set(ids)) == len(ids), "an exercise twice in one session"
    for p in (*plan.warmup, *plan.main, *plan.cooldown):
        ex = LIB.exercises[p.exercise_id]
        assert can_do(ex, s), f"{ex.id} needs {ex.equipment} at {ex.level}; has {s.equipment}"
    for p in plan.main:
        assert LIB.exercises[p.exercise_id].role == "main"
        assert 1 <= p.sets <= LIB.levels[s.level].max_sets + length.extra_sets
    extensions = [i for i in plan.exercise_ids if LIB.exercises[i].pattern == "extension"]
    assert len(extensions) <= 1


@settings(max_examples=400, deadline=None)
@given(profiles, days)
def test_fits_the_time_budget(s: Settings, day: date) -> None:
    plan = plan_day(LIB, s, training_day(s, day))
    if plan.minutes <= time_band(s.session_minutes)[1]:
        return
    # Only the weekly minimum for calves and lower back may push a short session over, when
    # too few days a week leave no other day for it.
    main = {sl.name for sl in LIB.day_types[plan.day_type or ""].slots if sl.main}
    extras = [LIB.exercises[p.exercise_id] for p in plan.main if p.slot not in main]
    weekly = {"plantar_flexion", "extension"}
    assert extras and all(e.pattern in weekly for e in extras), plan.exercise_ids
    assert len(s.weekdays) < len(LIB.splits[s.split].days) or s.session_minutes < 30
    assert all(p.sets == 2 for p in plan.main)


@settings(max_examples=400, deadline=None)
@given(profiles, days)
def test_coverage_of_the_day_type(s: Settings, day: date) -> None:
    # Past any newcomer ramp; a 15-minute session may keep only two main lifts.
    s = s.with_(program_start=None, session_minutes=max(30, s.session_minutes))
    plan = plan_day(LIB, s, training_day(s, day))
    patterns = {LIB.exercises[i].pattern for i in plan.exercise_ids}
    for group in COVERAGE[plan.day_type or ""]:
        possible = any(e.pattern in group and can_do(e, s) for e in LIB.main_exercises())
        if possible:
            assert patterns & group, f"{plan.day_type} day misses {group}: {plan.exercise_ids}"


# The old "no repeat of the previous session" and "a season rotates exercises" tests encoded
# the day-by-day lottery issue 12 calls a bug: main lifts now stay for a block on purpose.
# What replaces them: main lifts recur every week of a block, accessories rotate
# (tests/test_planner_program.py), here for arbitrary settings too.


@settings(max_examples=150, deadline=None)
@given(profiles, days)
def test_main_lifts_recur_next_week_within_a_block(s: Settings, day: date) -> None:
    s = s.with_(program_start=None)
    day = training_day(s, day)
    week = (day - EPOCH).days // 7
    if week % LIB.block_weeks == LIB.block_weeks - 1:
        day -= timedelta(weeks=1)  # stay inside the block
    if len(s.weekdays) < len(LIB.splits[s.split].days):
        return  # day types rotate across weeks when there are fewer weekdays than days

    def lifts(plan: DayPlan) -> tuple[str, ...]:
        main = {sl.name for sl in LIB.day_types[plan.day_type or ""].slots if sl.main}
        return tuple(p.exercise_id for p in plan.main if p.slot in main)

    assert lifts(plan_day(LIB, s, day)) == lifts(plan_day(LIB, s, day + timedelta(weeks=1)))


def test_a_season_of_sessions_rotates_accessories() -> None:
    s = Settings(level="advanced", equipment=frozenset(EQUIPMENT), split="full3")
    day, seen = date(2026, 1, 5), set[str]()
    for _ in range(36):  # two blocks
        day = next_training_day(s, day) or day
        seen.update(plan_day(LIB, s, day).exercise_ids)
    assert len(seen) >= 9  # 4 main lifts (two hinges take turns) and rotating accessories


def test_targets_shape_the_prescription() -> None:
    s = Settings(level="intermediate", equipment=frozenset(EQUIPMENT))
    day = training_day(s, date(2026, 11, 23))
    plan = plan_day(
        LIB, s, day, targets=lambda ex, rx: Target(load_kg=20.0, note="Same as last time")
    )
    assert all(p.load_kg == 20.0 and p.note == "Same as last time" for p in plan.main)
