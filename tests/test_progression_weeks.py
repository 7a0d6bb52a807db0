"""Twelve weeks through the real core and store: three people follow their plans (each set at
its aim, first weights typed in), and their main lifts' trajectories are checked: loads climb,
never by more than about 10% or one step of their kit, lighter weeks come at the end of each
block, and what "Next time" says is what the next plan shows."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise

import pytest

from bot.content import default_library
from bot.core.coach import Coach
from bot.core.onboarding import EQUIPMENT_PRESETS
from bot.core.planner import DayPlan, PlannedExercise
from bot.core.ports import Store
from bot.core.progression import BIG_STEP, load_step
from bot.core.render import fmt_planned
from bot.core.settings import Settings
from bot.store.memory import MemoryStore
from tests.test_conversation import MONDAY, Clock, text_of
from tests.test_progress_reports import Member

LIBRARY = default_library()
WEEKS = 12
FIRST_LOAD_KG = {"dumbbells": 8.0, "kettlebell": 12.0, "barbell": 30.0, "machine": 20.0,
                 "cable": 20.0}  # fmt: skip


@dataclass
class Day:
    plan: DayPlan
    said: dict[str, str]  # exercise id -> the confirmation of its log, "Next time: ..." included


async def follow(profile: Settings, weeks: int = WEEKS) -> list[Day]:
    """A person who does every planned set at its aim (the bottom of the range before there is
    one), typing the planned weight, or a first weight for a loaded move."""
    clock = Clock()
    store: Store = MemoryStore()
    coach = Coach(store, LIBRARY, clock=clock)
    sam = Member(coach, "sam")
    await sam.say("/help")
    user = await store.find_user(sam.ref)
    assert user is not None
    await store.save_settings(user.id, profile.with_(program_start=MONDAY))
    out = []
    for n in range(weeks * 7):
        day = MONDAY + timedelta(days=n)
        clock.set_day(day)
        await sam.say("/today")
        stored = await store.get_plan(user.id, day)
        if stored is None:
            continue
        plan = DayPlan.from_dict(stored[1])
        said = {}
        for p in plan.main:
            reply = await sam.say(log_text(p), reply_to=sam.last_id("session"))
            said[p.exercise_id] = text_of(reply)
        out.append(Day(plan, said))
    return out


def log_text(p: PlannedExercise) -> str:
    bottom = (p.reps or p.seconds or (1, 1))[0]
    values = list(p.aims[: p.sets]) or [bottom] * p.sets
    values += [values[-1]] * (p.sets - len(values))
    text = " ".join(map(str, values))
    ex = LIBRARY.exercises[p.exercise_id]
    load = p.load_kg
    if load is None and ex.loaded:
        load = max(FIRST_LOAD_KG.get(e, 0.0) for e in ex.equipment) or None
    return f"{text} @ {load:g}kg" if load is not None else text


def loads_by_lift(days: list[Day]) -> dict[str, list[tuple[int, float, int]]]:
    """exercise id -> (day number, load, sets) for each session it was planned with a load
    (lighter weeks left out: they are lighter on purpose)."""
    out: dict[str, list[tuple[int, float, int]]] = {}
    for i, d in enumerate(days):
        for p in d.plan.main:
            if p.load_kg is not None and not lighter(p):
                out.setdefault(p.exercise_id, []).append((i, p.load_kg, p.sets))
    return out


def lighter(p: PlannedExercise) -> bool:
    return p.note.startswith("Lighter week")


PROFILES = {
    "beginner bodyweight": Settings(level="beginner"),
    "intermediate dumbbells": Settings(
        level="intermediate", equipment=EQUIPMENT_PRESETS["dumbbells"][1]
    ),
    "advanced gym": Settings(level="advanced", equipment=EQUIPMENT_PRESETS["gym"][1]),
}


@pytest.fixture(scope="module")
def runs() -> dict[str, list[Day]]:
    return {name: asyncio.run(follow(profile)) for name, profile in PROFILES.items()}


@pytest.mark.parametrize("name", ["intermediate dumbbells", "advanced gym"])
def test_loads_climb_by_small_steps_and_end_heavier(runs: dict[str, list[Day]], name: str) -> None:
    lifts = loads_by_lift(runs[name])
    assert lifts, "loaded main lifts are planned"
    climbed = 0
    for exercise_id, seen in lifts.items():
        ex = LIBRARY.exercises[exercise_id]
        for (_, before, _), (_, after, _) in pairwise(seen):
            if after > before:
                step = load_step(ex, LIBRARY, "kg", before) or 0
                assert after - before <= max(BIG_STEP * before, step) + 0.01, (exercise_id, seen)
        climbed += seen[-1][1] > seen[0][1]
    assert climbed >= 2, lifts


def week(d: Day) -> int:
    return (d.plan.day - MONDAY).days // 7


def test_the_last_week_of_each_block_is_lighter(runs: dict[str, list[Day]]) -> None:
    for name, days in runs.items():
        light = {week(d) for d in days for p in d.plan.main if lighter(p)}
        assert light == {5, 11}, name  # blocks of 6 weeks from the program start
        for d in days:
            for p in d.plan.main:
                if lighter(p):
                    usual = LIBRARY.levels[PROFILES[name].level].max_sets
                    assert p.sets < usual and p.aims == (p.aims[0],) * p.sets, (name, p)


def test_next_time_is_what_the_next_plan_shows(runs: dict[str, list[Day]]) -> None:
    """What "Next time" named after each main lift's log is the dose the next plan with that
    lift prints (a lighter week, or a new block's first week after one, aside): a main lift's
    sets hold for the block, so every log of the day knows them. Accessories rotate into
    sessions with more or less room, so their sets may differ by one there."""
    for name, days in runs.items():
        checked = 0
        for i, d in enumerate(days):
            day_type = LIBRARY.day_types[d.plan.day_type or ""]
            mains = {s.name for s in day_type.slots if s.main}
            for p in d.plan.main:
                said = d.said[p.exercise_id]
                if p.slot not in mains or "Next time: on to" in said:
                    continue
                later = next((n for n in days[i + 1 :] if n.plan.find(p.exercise_id)), None)
                if later is None or week(later) % 6 in (5, 0):
                    continue
                planned = later.plan.find(p.exercise_id)
                assert planned is not None
                assert f"Next time: {fmt_planned(planned, 'kg')}" in said, (name, d.plan.day)
                checked += 1
        assert checked >= 12, (name, checked)


def test_bodyweight_moves_climb_to_the_top_then_say_what_is_next(
    runs: dict[str, list[Day]],
) -> None:
    """Changed: the aims used to climb past the range (the top plus 20%); the top of the
    range is the ceiling now, and the ladder moves from there."""
    days = runs["beginner bodyweight"]
    bridge = [p for d in days for p in d.plan.main if p.exercise_id == "glute-bridge"]
    top = LIBRARY.exercises["glute-bridge"].prescription.reps
    assert top is not None and max(max(p.aims or (0,)) for p in bridge) == top[1]
    owned = [p.note for p in bridge if p.note.startswith("You own this one")]
    assert owned and "/settings level intermediate" in owned[0]


def figures(runs: dict[str, list[Day]]) -> str:
    """Each profile's sessions and main lifts at the start and at their last full dose."""
    lines = []
    for name, days in runs.items():
        starts: dict[str, str] = {}
        ends: dict[str, str] = {}
        for d in days:
            for p in d.plan.main:
                starts.setdefault(p.exercise_id, fmt_planned(p, "kg"))
                if not lighter(p):  # week 12 is a lighter week: show the last full dose
                    ends[p.exercise_id] = fmt_planned(p, "kg")
        lines.append(f"{name}: {len(days)} sessions in {WEEKS} weeks")
        lines += [f"  {i}: {starts[i]} -> {ends[i]}" for i in list(starts)[:6]]
    return "\n".join(lines)


if __name__ == "__main__":  # python -m tests.test_progression_weeks: the figures
    print(figures({name: asyncio.run(follow(profile)) for name, profile in PROFILES.items()}))
