"""The planned dose of one exercise: sets, rep or seconds range, aims, load and the level's cap.

One module so the planner, /log, "done", "Next time" and /progress can't disagree:
- the content gives the default prescription; the person's level caps its sets;
- progression (bot.core.progression, from the history) sets per-set aims and may move the load,
  add a set (up to the level's cap) or change the variation (`variation_for`);
- a lighter week (`lighter_weeks`, rule `LIGHTER`) trims sets and load for a week;
- "done" means as planned: every planned set at its aim (the bottom of the range when the plan
  has no aim yet) at the planned load.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Protocol

from bot.core.library import Exercise, LevelDose, Library, Prescription
from bot.core.parser import ParsedLog
from bot.core.ports import NewSet, SetLog
from bot.core.progression import (
    Next,
    Reason,
    fits,
    lightened,
    lighter_load,
    next_for,
    sessions,
)
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
    @property
    def aims(self) -> tuple[int, ...]: ...


def level_dose(library: Library, level: str) -> LevelDose:
    """The level's dose rules; an unknown level gets the first one the content defines."""
    return library.levels.get(level) or next(iter(library.levels.values()))


def capped(rx: Prescription, max_sets: int | None) -> Prescription:
    """`rx` with at most `max_sets` sets (None: no cap)."""
    return replace(rx, sets=min(rx.sets, max_sets)) if max_sets else rx


def prescribed(exercise: Exercise, library: Library, level: str) -> Prescription:
    """The content's prescription with the level's cap on sets, as the planner prescribes it."""
    return capped(exercise.prescription, level_dose(library, level).max_sets)


# ---------------------------------------------------------------- lighter weeks


@dataclass(frozen=True, slots=True)
class LighterWeekRule:
    """When a week is lighter, and how much lighter. Weeks run Monday to Sunday."""

    # The last week of every block of the program is lighter (None: the content's block_weeks,
    # 6) when the person trained in all but `missed_weeks` of the block's other weeks, and the
    # week before it wasn't lighter already.
    every_weeks: int | None = None
    missed_weeks: int = 1
    stalled_lifts: int = 2  # or when this many lifts missed their aim two sessions running
    stall_weeks: int = 2  # within the two weeks before (and since the last lighter week)
    set_share: float = 0.6  # a lighter week keeps about 60% of the sets, at least one
    load_share: float = 0.9  # and about 90% of the last load, on the kit's steps


LIGHTER = LighterWeekRule()
# How far back lighter weeks are looked for: as far as a rotating accessory's judged sessions
# reach, so a lighter session is never read as a miss (3 weeks let one drop a target).
_LOOKBACK_WEEKS = 9
# The stall check reads sessions this far before `day`'s Monday (lookback + stall_weeks).
STALL_LOOKBACK_WEEKS = _LOOKBACK_WEEKS + LIGHTER.stall_weeks
_MAX_BLOCK_WEEKS = 6  # the longest block the content may have (bot.content checks 4-6)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def lighter_window(day: date) -> tuple[date, date]:
    """The dates (both included) whose sets `lighter_weeks` reads for `day`."""
    return monday(day) - timedelta(weeks=_MAX_BLOCK_WEEKS + _LOOKBACK_WEEKS), day


def lighter_weeks(
    library: Library,
    settings: Settings,
    day: date,
    recent: Sequence[SetLog],
    week_index: Callable[[date], int],
    rule: LighterWeekRule = LIGHTER,
    shown: Mapping[str, Mapping[date, int]] | None = None,
    known: Collection[date] = (),
) -> dict[date, Reason]:
    """The lighter weeks (by their Monday) among `day`'s week and the few before it, with why.
    `known`: Mondays of weeks whose plans were lighter (stored with the plans), lighter
    whatever the rule says now (the level or kit may have changed since).

    `recent` is every set the person logged in `lighter_window(day)` (any exercise);
    `week_index` gives the program week of a Monday (0 = the first); `shown` the sets the plans
    showed, by exercise and date (`next_step`)."""
    this = monday(day)
    every = rule.every_weeks or library.block_weeks
    by_exercise: dict[str, list[SetLog]] = {}
    for s in recent:
        if s.exercise_id in library.exercises and library.exercises[s.exercise_id].role == "main":
            by_exercise.setdefault(s.exercise_id, []).append(s)
    trained = {monday(s.plan_date) for s in recent if not s.skipped}
    memo: dict[date, Reason | None] = {}

    def stalled(since: date, until: date) -> int:
        count = 0
        for exercise_id, history in by_exercise.items():
            window = [s for s in history if since <= s.plan_date < until]
            if len({s.plan_date for s in window}) < 2:  # two misses need two sessions
                continue
            ex = library.exercises[exercise_id]
            planned = (shown or {}).get(exercise_id)
            nxt = next_step(ex, library, settings, window, shown=planned) if window else None
            count += nxt is not None and nxt.why.misses >= 2
        return count

    def check(week: date, depth: int) -> Reason | None:
        if week in memo:
            return memo[week]
        found: Reason | None = None
        before = [week - timedelta(weeks=n) for n in range(1, every)]
        # Not right after a lighter week (a stall's, the week before): that was the rest.
        rested = depth > 0 and check(week - timedelta(weeks=1), depth - 1) is not None
        if (
            week_index(week) % every == every - 1
            and sum(w in trained for w in before) >= len(before) - rule.missed_weeks
            and not rested
        ):
            found = "lighter_week"
        elif depth > 0:
            since = week - timedelta(weeks=rule.stall_weeks)
            for back in range(1, rule.stall_weeks + 1):
                if check(week - timedelta(weeks=back), depth - 1) is not None:
                    since = max(since, week - timedelta(weeks=back - 1))
            if stalled(since, week) >= rule.stalled_lifts:
                found = "stalled"
        if found is None and week in known:
            found = "lighter_week"
        memo[week] = found
        return found

    weeks = [this - timedelta(weeks=n) for n in range(_LOOKBACK_WEEKS)]
    return {w: reason for w in weeks if (reason := check(w, _LOOKBACK_WEEKS)) is not None}


def lighter_sets(sets: int, rule: LighterWeekRule = LIGHTER) -> int:
    return max(1, round(sets * rule.set_share))


# ---------------------------------------------------------------- the next step


def next_step(
    exercise: Exercise,
    library: Library,
    settings: Settings,
    history: Sequence[SetLog],
    sets: int | None = None,
    lighter: Mapping[date, Reason] | None = None,
    day: date | None = None,
    shown: Mapping[date, int] | None = None,
) -> Next | None:
    """What comes next for `exercise` after `history` (its recent sets); None with no history.

    `sets`: the planned sets when the plan differs from the level-capped content (time).
    `lighter`: lighter weeks (`lighter_weeks`): their sessions aren't judged, and when `day`
    falls in one, the step is that week's lighter one. `shown`: the sets each past day's plan
    showed for `exercise`, where known."""
    rx = prescribed(exercise, library, settings.level)
    if sets is not None:
        rx = replace(rx, sets=sets)
    most = level_dose(library, settings.level).max_sets
    if settings.session_minutes < library.session.minutes:
        # A short session has no time for added sets: reps, load and variations move instead.
        most = min(most, rx.sets)
    weeks = lighter or {}
    nxt = next_for(
        exercise,
        rx,
        history,
        library,
        settings.units,
        settings.equipment,
        level=settings.level,
        max_sets=most,
        lighter=(lambda d: monday(d) in weeks) if weeks else None,
        shown=shown,
    )
    reason = weeks.get(monday(day)) if day is not None else None
    if nxt is None or reason is None:
        return nxt
    # Lighter than the last load worked with (not than a step back already decided).
    load = nxt.why.last_load_kg if nxt.why.last_load_kg is not None else nxt.load_kg
    if load is not None:
        load = lighter_load(exercise, library, settings.units, load, LIGHTER.load_share)
    return lightened(nxt, lighter_sets(nxt.sets), load, reason)


# ---------------------------------------------------------------- variations


def family(exercise: Exercise, library: Library) -> tuple[str, ...]:
    """`exercise` and the variations its easier/harder links reach: whose history
    `variation_for` reads."""
    seen = [exercise.id]
    for exercise_id in seen:
        ex = library.exercises.get(exercise_id)
        for other in (*ex.easier, *ex.harder) if ex else ():
            if other in library.exercises and other not in seen:
                seen.append(other)
    return tuple(seen)


def variation_for(
    exercise: Exercise,
    histories: Mapping[str, Sequence[SetLog]],
    settings: Settings,
    library: Library,
    lighter: Mapping[date, Reason] | None = None,
    shown: Mapping[str, Mapping[date, int]] | None = None,
) -> Exercise:
    """The variation of `exercise` (the planner's pick for a slot) to schedule, from the history.

    Progression's "harder" (owned it: reps, then sets, at their ceiling) moves up one link,
    "easier" (two short sessions) down one; a move the person has already switched to (logged
    more recently) is followed on. Kit and level are checked; `histories` by exercise id should
    hold `family(exercise)`; `lighter` and `shown` as for `next_step` (`shown` by exercise)."""

    def last_day(exercise_id: str) -> date | None:
        done = sessions(histories.get(exercise_id, ()), "reps") or sessions(
            histories.get(exercise_id, ()), "seconds"
        )
        return done[-1].day if done else None

    current, seen = exercise, {exercise.id}
    while True:
        past = histories.get(current.id, ())
        planned = (shown or {}).get(current.id)
        nxt = next_step(current, library, settings, past, lighter=lighter, shown=planned)
        if nxt is None or nxt.kind not in ("harder", "easier") or nxt.suggestion is None:
            return current
        other = library.exercises.get(nxt.suggestion)
        if other is None or not fits(other, settings.equipment, settings.level):
            return current
        done_other, done_current = last_day(other.id), last_day(current.id)
        moved_on = done_other is not None and done_current is not None and done_other > done_current
        if other.id in seen or not moved_on:
            return other
        seen.add(other.id)
        current = other


# ---------------------------------------------------------------- logging


def to_sets(planned: Dosed, parsed: ParsedLog, units: str) -> list[NewSet]:
    """What a parsed reply stores for a planned exercise. Loads become kilograms.
    The planner caps `planned.sets` by level, and so does the logging feature for an exercise
    outside the plan (`prescribed`), so "done" never stores more sets than the level allows."""
    if parsed.kind == "skip":
        return [NewSet(planned.exercise_id, 1, skipped=True)]
    if parsed.kind == "done":
        hold_only = planned.reps is None and planned.seconds is not None
        # "done @ 16kg": as planned at the weight typed; plain "done": the planned weight.
        typed = to_kg(parsed.load, parsed.unit or units) if parsed.load is not None else None
        out = []
        for i in range(1, planned.sets + 1):
            reps = planned.reps[0] if planned.reps else None
            secs = planned.seconds[0] if planned.seconds else None
            if planned.aims:  # as planned: that set's aim
                aim = planned.aims[min(i, len(planned.aims)) - 1]
                reps, secs = (reps, aim) if hold_only else (aim, secs)
            out.append(NewSet(planned.exercise_id, i, reps, secs, typed or planned.load_kg))
        return out
    hold_only = planned.reps is None and planned.seconds is not None
    out = []
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
