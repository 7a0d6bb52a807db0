"""Wording rules people meet: records name a one-rep max only for loaded lifts, examples use
the person's unit, a host's retry line never says "in 0s"."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.content import default_library
from bot.core import render
from bot.core.planner import plan_day
from bot.core.ports import SetLog
from bot.core.progress import records_for
from bot.core.render.formats import example_load
from bot.core.settings import Settings

LIB = default_library()
DAY = date(2026, 11, 23)


def _logged(exercise_id: str, reps: int, load_kg: float | None) -> SetLog:
    return SetLog(
        id=1,
        user_id=1,
        plan_date=DAY,
        exercise_id=exercise_id,
        set_no=1,
        reps=reps,
        seconds=None,
        load_kg=load_kg,
        skipped=False,
        batch_id=1,
        source=None,
        logged_at=datetime(2026, 11, 23, 9, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("exercise_id", "shows_1rm"),
    [("romanian-deadlift-dumbbell", True), ("prone-cobra", False), ("doorway-row", False)],
)
def test_one_rep_max_only_for_loaded_lifts(exercise_id: str, shows_1rm: bool) -> None:
    records = records_for(exercise_id, [_logged(exercise_id, 10, 16.0)])
    assert records is not None
    lines = render.records_lines([records], set(), LIB, "kg")
    assert ("1RM" in "\n".join(lines)) is shows_1rm


@pytest.mark.parametrize(("units", "load"), [("kg", "@ 16kg"), ("lb", "@ 35lb")])
def test_exercise_prompt_examples_use_the_persons_unit(units: str, load: str) -> None:
    plan = plan_day(LIB, Settings(units=units), DAY)
    _, text = render.exercise_prompt(plan.main[0], units, 1, len(plan.main))
    assert f'"3x12 {load}"' in text
    assert render.entry_needs_sets(2, units).endswith(f"@ {example_load(40, units)}.") and (
        "lb" in render.entry_needs_sets(2, units)
    ) is (units == "lb")


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(0.0, "in 0.1 s"), (0.37, "in 0.4 s"), (12.4, "in 12 s"), (300, "in 5 min")],
)
def test_retry_waits_read_as_time(seconds: float, said: str) -> None:
    assert render.fmt_wait(seconds) == said


def test_sets_whose_reps_are_held_read_as_reps_with_the_hold() -> None:
    from bot.core.ports import NewSet
    from bot.core.render.formats import fmt_sets

    held = [NewSet("superhero", i, 5, 2) for i in (1, 2, 3)]
    assert fmt_sets(held, "kg") == "5, 5, 5 reps (2 s holds)"
    assert (
        fmt_sets([NewSet("x", 1, 6, 3, 10.0, rpe=8)], "kg") == "6 reps (3 s holds) @ 10 kg, RPE 8"
    )
    assert fmt_sets([NewSet("plank", 1, None, 30), NewSet("plank", 2, None, 25)], "kg") == (
        "30 s, 25 s"
    )
