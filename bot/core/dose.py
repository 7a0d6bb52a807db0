"""The planned dose of one exercise: sets, rep or seconds range, load and the level's cap.

One module so the planner, /log, "done", "Next time" and /progress can't disagree:
- the content gives the default prescription; the person's level caps its sets;
- progression (from the history) may move the range, the load or the variation;
- "done" means the bottom of the range, every planned set, at the planned load. Progression
  reads that as "in range": it holds the load, never raises or drops it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from bot.core.library import Exercise, LevelDose, Library, Prescription
from bot.core.parser import ParsedLog
from bot.core.ports import NewSet, SetLog
from bot.core.progression import Next, next_for
from bot.core.settings import Settings
from bot.core.units import to_kg


class Dosed(Protocol):
    """What logging reads of a planned exercise (the planner's PlannedExercise is one)."""

    @property
    def exercise_id(self) -> str: ...
    @property
    def sets(self) -> int: ...
    @property
    def reps(self) -> tuple[int, int] | None: ...
    @property
    def seconds(self) -> tuple[int, int] | None: ...
    @property
    def load_kg(self) -> float | None: ...


def level_dose(library: Library, level: str) -> LevelDose:
    """The level's dose rules; an unknown level gets the first one the content defines."""
    return library.levels.get(level) or next(iter(library.levels.values()))


def capped(rx: Prescription, max_sets: int | None) -> Prescription:
    """`rx` with at most `max_sets` sets (None: no cap)."""
    return replace(rx, sets=min(rx.sets, max_sets)) if max_sets else rx


def prescribed(exercise: Exercise, library: Library, level: str) -> Prescription:
    """The content's prescription with the level's cap on sets, as the planner prescribes it."""
    return capped(exercise.prescription, level_dose(library, level).max_sets)


def next_step(
    exercise: Exercise, library: Library, settings: Settings, history: Sequence[SetLog]
) -> Next | None:
    """What comes next for `exercise` after `history` (its recent sets); None with no history."""
    rx = prescribed(exercise, library, settings.level)
    return next_for(exercise, rx, history, library, settings.units, settings.equipment)


def to_sets(planned: Dosed, parsed: ParsedLog, units: str) -> list[NewSet]:
    """What a parsed reply stores for a planned exercise. Loads become kilograms.
    The planner caps `planned.sets` by level, and so does the logging feature for an exercise
    outside the plan (`prescribed`), so "done" never stores more sets than the level allows."""
    if parsed.kind == "skip":
        return [NewSet(planned.exercise_id, 1, skipped=True)]
    if parsed.kind == "done":
        reps = planned.reps[0] if planned.reps else None
        secs = planned.seconds[0] if planned.seconds else None
        return [
            NewSet(planned.exercise_id, i, reps=reps, seconds=secs, load_kg=planned.load_kg)
            for i in range(1, planned.sets + 1)
        ]
    hold_only = planned.reps is None and planned.seconds is not None
    out: list[NewSet] = []
    for i, s in enumerate(parsed.sets, 1):
        reps, secs = s.reps, s.seconds
        if hold_only and secs is None:
            reps, secs = None, reps  # "3x30" for a plank-style hold means seconds
        # No weight typed: the planned one (progression needs to know what it was).
        load = to_kg(s.load, s.unit or units) if s.load is not None else planned.load_kg
        out.append(
            NewSet(
                planned.exercise_id, i, reps=reps, seconds=secs, load_kg=load, rpe=s.rpe, rir=s.rir
            )
        )
    return out
