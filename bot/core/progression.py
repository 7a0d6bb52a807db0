"""Double progression: what the logs say the next prescription should be. Pure functions.

The rules, per exercise, read from the sessions in which it was done (skipped ones don't count):

- The measure is reps, or seconds for a hold-only exercise. A session's working load is the
  heaviest load it used; only the sets at that load are judged.
- A session is at the *top* when every judged set reached the top of the range and there were
  at least min(planned sets, 2) of them. It is *short* when more than half fell below the bottom.
- Top, at a known load that can rise (the equipment has a step in the person's unit): the load
  goes up one step and the aim drops back to the bottom of the range.
- Top, where the load can't rise (bodyweight and band moves): one more rep (or 5 more seconds)
  a set than the weakest set managed, up to the top plus a margin; past that margin the note
  suggests the harder variation (the exercise's `harder` link the person has the kit for).
  A heavier bell someone doesn't own is not modelled: loaded moves always offer the next step.
- Two short sessions in a row at the same load: one step down (loaded), or back to the bottom of
  the range with the easier variation offered (unloaded).
- Anything else holds: the same load, aiming for the top of the range.

"done" logs store the bottom of the range at the planned load (the rule lives in bot.core.dose),
so they read as "in range": they hold the load, never raise or drop it. Where the aim is a single
number above the range (added reps), the bottom *is* that number, so "done" there moves on by a rep.

The decision is data (`Next`, with `Why` it was made); render.next_note words it.

Loads are kilograms in and out; steps and rounding happen in the person's unit, so a unit switch
midway gives clean numbers in the new unit (20 kg -> 50 lb, not 49.1 lb).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from bot.core.library import Exercise, Library, Prescription
from bot.core.ports import SetLog
from bot.core.units import from_kg, to_kg

Kind = Literal["hold", "raise", "add", "harder", "back"]
# Why: no load logged for a loaded move; in range; at the top (load up, or more reps);
# past the margin (harder variation); two short sessions (load down, or easier variation).
Reason = Literal["no_load", "in_range", "load_up", "more_work", "owned", "load_down", "ease_off"]

SESSIONS_NEEDED = 6  # how many logged dates to read (skipped ones included by the store)
HOLD_STEP_SECONDS = 5  # "add reps" for a hold
LOAD_TOLERANCE_KG = 0.05  # two loads closer than this are the same load
# A load a person types in that unit is a multiple of this; one converted from the other unit
# almost never comes within GRID_TOLERANCE of one (stored kg keep 3 decimals: 1 g ~ 0.002 lb).
GRID = {"kg": 0.25, "lb": 1.0}
GRID_TOLERANCE = 0.003
ROUND_TO = {"kg": 2.5, "lb": 5.0}  # where a load converted from the other unit is rounded to


@dataclass(frozen=True, slots=True)
class Session:
    """One date's done sets of one exercise, judged at its working load."""

    sets: tuple[SetLog, ...]  # every done set of the day
    load_kg: float | None  # the heaviest load used (None: no load logged)
    values: tuple[int, ...]  # reps (or seconds) of the sets at that load


@dataclass(frozen=True, slots=True)
class Why:
    """What the decision read from the last session, for the sentence that explains it."""

    reason: Reason
    last: tuple[SetLog, ...]  # the last session's done sets
    last_load_kg: float | None
    bottom: int  # the content's range
    top: int
    weakest: int  # the fewest reps (or seconds) of a set at the working load
    load_can_rise: bool  # a load is known and the equipment has a step


@dataclass(frozen=True, slots=True)
class Next:
    """The next prescription for one exercise, and why."""

    kind: Kind
    sets: int
    reps: tuple[int, int] | None  # the range to show
    seconds: tuple[int, int] | None
    per_side: bool
    aim: int  # reps (or seconds, see `measure`) to aim for on every set
    measure: Literal["reps", "seconds"]
    load_kg: float | None
    why: Why
    suggestion: str | None = None  # an exercise id: the harder or easier variation


# ---------------------------------------------------------------- reading the logs


def sessions(history: Sequence[SetLog], measure: str) -> list[Session]:
    """Done sessions, oldest first. Dates with only skipped sets (or no usable numbers) drop out."""
    by_day: dict[date, list[SetLog]] = {}
    for s in history:
        if not s.skipped:
            by_day.setdefault(s.plan_date, []).append(s)
    out = []
    for day in sorted(by_day):
        done = tuple(sorted(by_day[day], key=lambda s: (s.batch_id, s.set_no, s.id)))
        loads = [s.load_kg for s in done if s.load_kg is not None]
        load = max(loads) if loads else None
        at_load = [s for s in done if load is None or _same(s.load_kg, load)]
        values = tuple(v for s in at_load if (v := _value(s, measure)) is not None)
        if values:
            out.append(Session(done, load, values))
    return out


def _value(s: SetLog, measure: str) -> int | None:
    return s.seconds if measure == "seconds" else s.reps


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) < LOAD_TOLERANCE_KG


def measure_of(rx: Prescription) -> Literal["reps", "seconds"]:
    return "seconds" if rx.reps is None and rx.seconds is not None else "reps"


def at_top(session: Session, top: int, planned_sets: int) -> bool:
    return len(session.values) >= min(planned_sets, 2) and min(session.values) >= top


def short(session: Session, bottom: int) -> bool:
    return sum(v < bottom for v in session.values) * 2 > len(session.values)


# ---------------------------------------------------------------- loads


def load_step(exercise: Exercise, library: Library, units: str) -> float | None:
    """The smallest sensible jump for the exercise's equipment, in `units` (None: can't rise)."""
    steps = []
    for item_id in exercise.equipment:
        item = library.taxonomy.equipment.get(item_id)
        step = (item.step_lb if units == "lb" else item.step_kg) if item else None
        if step:
            steps.append(step)
    return min(steps) if steps else None


def stepped(kg: float, step: float, units: str, up: bool) -> float | None:
    """One step up or down from `kg`, in the person's unit; None when it would reach zero.

    A load typed in this unit moves by exactly one step. One that isn't (it was logged in the
    other unit before a switch) moves by about a step and lands on a round number: a multiple
    of the step, or of 2.5 kg / 5 lb when the step is bigger (20 kg -> 50 lb, not 49.1 lb).
    """
    value = from_kg(kg, units)
    grid = GRID.get(units, GRID["kg"])
    new = value + step if up else value - step
    if abs(value - round(value / grid) * grid) > GRID_TOLERANCE:  # not typed in this unit
        res = min(step, ROUND_TO.get(units, ROUND_TO["kg"]))
        new = round(new / res) * res
        if up and new <= value:
            new += res
        if not up and new >= value:
            new -= res
    if new <= 0:
        return None
    return to_kg(round(new, 2), units)


# ---------------------------------------------------------------- the decision


def margin(top: int, measure: str) -> int:
    """How far past the top an unloaded move goes before the harder variation is suggested."""
    if measure == "seconds":
        return max(10, round(top * 0.25))
    return max(2, round(top * 0.2))


def variation(
    exercise: Exercise, library: Library, equipment: frozenset[str], harder: bool
) -> Exercise | None:
    """The first harder (or easier) variation the person has the equipment for."""
    have = equipment | {"bodyweight"}
    for other_id in exercise.harder if harder else exercise.easier:
        other = library.exercises.get(other_id)
        if other is not None and set(other.equipment) <= have:
            return other
    return None


def next_for(
    exercise: Exercise,
    rx: Prescription,
    history: Sequence[SetLog],
    library: Library,
    units: str = "kg",
    equipment: frozenset[str] = frozenset({"bodyweight"}),
) -> Next | None:
    """What comes next for `exercise` after `history` (its recent sets); None with no history."""
    measure = measure_of(rx)
    rng = rx.seconds if measure == "seconds" else rx.reps
    done = sessions(history, measure)
    if rng is None or not done:
        return None
    bottom, top = rng
    last = done[-1]
    step = load_step(exercise, library, units)

    def why(reason: Reason) -> Why:
        can_rise = last.load_kg is not None and step is not None
        return Why(reason, last.sets, last.load_kg, bottom, top, min(last.values), can_rise)

    base: dict[str, Any] = {
        "sets": rx.sets,
        "reps": rx.reps,
        "seconds": rx.seconds,
        "per_side": rx.per_side,
        "measure": measure,
        "load_kg": last.load_kg,
    }

    if exercise.loaded and last.load_kg is None:
        return Next("hold", aim=top, why=why("no_load"), **base)

    previous = done[-2] if len(done) > 1 else None
    if (
        previous is not None
        and short(last, bottom)
        and short(previous, bottom)
        and _same(previous.load_kg, last.load_kg)
    ):
        if last.load_kg is not None and step is not None:
            new = stepped(last.load_kg, step, units, up=False)
            if new is not None:
                return Next("back", aim=bottom, why=why("load_down"), **{**base, "load_kg": new})
        easier = variation(exercise, library, equipment, harder=False)
        return Next(
            "back",
            aim=bottom,
            why=why("ease_off"),
            suggestion=easier.id if easier else None,
            **base,
        )

    if at_top(last, top, rx.sets):
        if last.load_kg is not None and step is not None:
            new = stepped(last.load_kg, step, units, up=True)
            if new is not None:
                return Next("raise", aim=bottom, why=why("load_up"), **{**base, "load_kg": new})
        return _add_reps(exercise, library, equipment, last, top, measure, base, why)

    return Next("hold", aim=top, why=why("in_range"), **base)


def _add_reps(
    exercise: Exercise,
    library: Library,
    equipment: frozenset[str],
    last: Session,
    top: int,
    measure: Literal["reps", "seconds"],
    base: dict[str, Any],
    why: Callable[[Reason], Why],
) -> Next:
    """The load can't rise: a little more work each set, then the harder variation."""
    increment = HOLD_STEP_SECONDS if measure == "seconds" else 1
    cap = top + margin(top, measure)
    weakest = min(last.values)
    aim = min(weakest + increment, cap)
    fixed = (aim, aim)
    shape = {**base, "seconds": fixed} if measure == "seconds" else {**base, "reps": fixed}
    if weakest < cap:
        return Next("add", aim=aim, why=why("more_work"), **shape)
    harder = variation(exercise, library, equipment, harder=True)
    return Next(
        "harder", aim=cap, why=why("owned"), suggestion=harder.id if harder else None, **shape
    )
