"""Double progression: what the logs say the next prescription should be. Pure functions.

The logged sessions of one exercise are replayed oldest first; each session is judged against
the prescription that was in force for it (the decision the session before it produced, or the
content's dose for the first one read), and produces the next. Skipped dates don't count, nor do
dates the caller marks as lighter (a planned easy week is neither progress nor a miss).

Judging a session (the measure is reps, or seconds for a hold; only the sets at the day's
heaviest load count):
- a *miss*: fewer sets than planned (what that day's plan showed, when the caller knows it), or
  a set under its aim (the bottom of the range when no
  aim was set, or when the person chose another load than the one prescribed);
- *short*: most sets under the bottom of the range;
- *at the top*: every planned set reached the top of the range.

The next prescription (aims are per set; `inc` is one rep or HOLD_STEP_SECONDS). Every aim is
inside the content's range, with one exception: a move whose load can't come down (bodyweight,
a band, the kit's lightest load) climbs into the range from below, a rep more a set.
- A loaded move logged without a load: the load can't be judged and stays unknown; each set
  aims one `inc` over what it just did, inside the range, and the note asks for the weight
  (at the top: the next weight up).
- Short (most sets under the bottom), with a lighter load in the kit: the heaviest load at which
  the reps done predict the bottom of the range (Epley's estimate, on the kit's steps), aiming
  the bottom. A bad day after a raise goes back to about the load before it.
- Short twice in a row with no lighter load (bodyweight, bands, the lightest load): the easier
  variation when the person has the kit and level for it, else repeat what was just done.
  Sessions under the range in a row count as misses in a row whatever the load (lighter weeks
  read them as a stall).
- One miss (or two in a row, in range): each set aims one `inc` over what it just did, but never
  the top of the range (a set already at the top repeats it) nor under its bottom; the planned
  sets stay.
- A near-max session (RPE >= 9.5 or RIR 0 on a judged set): hold load and reps.
- At the top, where the kit's next load is a small step (at most BIG_STEP of the load): one
  step up, aim the bottom of the range, back to the planned sets.
- At the top, where the step is big (light dumbbells, kettlebells, machine stacks), or the
  load can't rise (bodyweight, bands): a set more at the top, up to the level's cap; then the
  load step (loaded) or the harder variation the person has the kit and level for (unloaded),
  else a stronger band (a band move: the range starts again), else the top of the range held
  at a slower tempo (the content's `no_harder` says how). Never an aim past the top.
- Otherwise (in range, or climbing into it): each set aims one `inc` over what it just did, up
  to the top, never below what it just did.
- An easy session (RPE <= 7 or RIR >= 3 on every rated set) moves faster: two `inc`s instead of
  one, and within one `inc` of the top counts as the top.

The decision is data (`Next`, with `Why` it was made); bot.core.render words it.

Loads are kilograms in and out; steps and rounding happen in the person's unit, so a unit switch
midway gives clean numbers in the new unit (20 kg -> 50 lb, not 49.1 lb).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from bot.core.library import Exercise, Library, Prescription
from bot.core.ports import SetLog
from bot.core.settings import LEVELS
from bot.core.units import from_kg, to_kg

Kind = Literal["hold", "raise", "add", "harder", "easier", "back", "lighter"]
# Why, in the order the rules above are tried.
Reason = Literal[
    "no_load",  # a loaded move logged without a load
    "load_down",  # under the range: the load that fits it
    "ease_off",  # two short sessions, no lighter load: easier variation or consolidate
    "consolidate",  # two misses in range: a little more again, never the top
    "missed",  # one miss: a little more, never the top
    "near_max",  # RPE >= 9.5 / RIR 0: hold
    "load_up",  # at the top: the next load
    "more_sets",  # at the top, a big load step ahead or none: a set more first
    "owned",  # ... then the harder variation (or a slower tempo)
    "band_up",  # ... or, for a band move with no harder variation, a stronger band
    "in_range",  # a rep more a set, up to the top
    "weighted",  # a weight typed on a move done without one: its loaded version, kit allowing
    "lighter_week",  # a planned lighter week (bot.core.dose.lighter_week)
    "stalled",  # a lighter week because several lifts stalled
]
Measure = Literal["reps", "seconds"]

SESSIONS_NEEDED = 6  # how many logged dates to read (skipped ones included by the store)
HOLD_STEP_SECONDS = 5  # "one more rep" for a hold
LOAD_TOLERANCE_KG = 0.05  # two loads closer than this are the same load
# A load a person types in that unit is a multiple of this; one converted from the other unit
# almost never comes within GRID_TOLERANCE of one (stored kg keep 3 decimals: 1 g ~ 0.002 lb).
GRID = {"kg": 0.25, "lb": 1.0}
GRID_TOLERANCE = 0.003
ROUND_TO = {"kg": 2.5, "lb": 5.0}  # where a load converted from the other unit is rounded to
# "About 10%": ACSM's 2-10% a step, with one 2 kg dumbbell at 16 kg or 2.5 kg on an empty bar
# still counted as a normal step. A bigger next load waits until reps and sets have risen.
BIG_STEP = 0.125
# Where a kit's steps are finer than the taxonomy's step_kg / step_lb: (up to this load, step)
# in the person's unit. Light dumbbells come in 1 kg (2 lb) steps up to 10 kg (10 lb).
FINE_STEPS: dict[str, dict[str, tuple[tuple[float, float], ...]]] = {
    "dumbbells": {"kg": ((10.0, 1.0),), "lb": ((10.0, 2.0),)},
}
NEAR_MAX_RPE = 9.5  # a rated set this hard holds the load, even at the top of the range
NEAR_MAX_RIR = 0
EASY_RPE = 7.0  # every rated set this easy moves faster
EASY_RIR = 3
MISSES_TO_STEP_BACK = 2
# A rep-count estimate from one session is good to about half a rep: a load predicting 9.6 reps
# fits a range starting at 10.
ESTIMATE_SLACK = 0.5


@dataclass(frozen=True, slots=True)
class Session:
    """One date's done sets of one exercise, judged at its working load."""

    sets: tuple[SetLog, ...]  # every done set of the day
    load_kg: float | None  # the heaviest load used (None: no load logged)
    values: tuple[int, ...]  # reps (or seconds) of the sets at that load
    rpe: float | None = None  # the hardest rating of a set at that load
    rir: int | None = None  # the fewest reps in reserve reported
    easy: bool = False  # every rated set was easy (and at least one was rated)

    @property
    def day(self) -> date:
        return self.sets[0].plan_date

    @property
    def near_max(self) -> bool:
        return (self.rpe is not None and self.rpe >= NEAR_MAX_RPE) or (
            self.rir is not None and self.rir <= NEAR_MAX_RIR
        )


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
    misses: int = 0  # sessions in a row that missed their aim, the last one included
    big_step: bool = False  # the next load is more than BIG_STEP away
    # A weight typed on a move done without one: kept in the log, not carried into the plan.
    typed_load_kg: float | None = None


@dataclass(frozen=True, slots=True)
class Next:
    """The next prescription for one exercise, and why."""

    kind: Kind
    sets: int
    reps: tuple[int, int] | None  # the range to show (the content's)
    seconds: tuple[int, int] | None
    per_side: bool
    aims: tuple[int, ...]  # per set: reps (or seconds, see `measure`) to aim for
    measure: Measure
    load_kg: float | None
    why: Why
    suggestion: str | None = None  # an exercise id: the harder or easier variation to do
    locked: str | None = None  # the harder variation the person has the kit but not the level for
    exercise_id: str = ""  # whose next prescription this is

    @property
    def aim(self) -> int:
        """The lowest per-set aim."""
        return min(self.aims)


# ---------------------------------------------------------------- reading the logs


def _effort(sets: Sequence[SetLog]) -> tuple[float | None, int | None, bool]:
    """(hardest RPE, fewest RIR, all rated sets easy), from the effort the parser read per set
    ("3x8 @ 60kg rpe 8", "rir 2") and the store kept."""
    rpes = [s.rpe for s in sets if s.rpe is not None]
    rirs = [s.rir for s in sets if s.rir is not None]
    rated = bool(rpes or rirs)
    easy = rated and all(r <= EASY_RPE for r in rpes) and all(r >= EASY_RIR for r in rirs)
    return (max(rpes) if rpes else None), (min(rirs) if rirs else None), easy


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
            rpe, rir, easy = _effort(at_load)
            out.append(Session(done, load, values, rpe, rir, easy))
    return out


def _value(s: SetLog, measure: str) -> int | None:
    return s.seconds if measure == "seconds" else s.reps


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) < LOAD_TOLERANCE_KG


def measure_of(rx: Prescription) -> Measure:
    return "seconds" if rx.reps is None and rx.seconds is not None else "reps"


# ---------------------------------------------------------------- loads


def load_step(
    exercise: Exercise, library: Library, units: str, at: float | None = None
) -> float | None:
    """The smallest sensible jump for the exercise's equipment at load `at` (in `units`; None:
    the taxonomy's step), or None when the load can't rise."""
    steps = []
    for item_id in exercise.equipment:
        item = library.taxonomy.equipment.get(item_id)
        step = (item.step_lb if units == "lb" else item.step_kg) if item else None
        if not step:
            continue
        for up_to, fine in FINE_STEPS.get(item_id, {}).get(units, ()):
            if at is not None and at < up_to - 1e-9:
                step = min(step, fine)
                break
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


def next_load(
    exercise: Exercise, library: Library, units: str, kg: float, up: bool
) -> float | None:
    """The kit's next load up (or down) from `kg`; None when there is none."""
    value = from_kg(kg, units)
    # Going down, the step is the one below the load (10 kg dumbbells go down to 9, not 8).
    step = load_step(exercise, library, units, value if up else value - 1e-6)
    return stepped(kg, step, units, up) if step is not None else None


def lighter_load(
    exercise: Exercise, library: Library, units: str, kg: float, factor: float
) -> float:
    """The kit's load nearest to `factor` of `kg`, at least one step under it (`kg` itself when
    the kit has nothing lighter)."""
    target, best, current = kg * factor, kg, kg
    while (down := next_load(exercise, library, units, current, up=False)) is not None:
        current = down
        if best == kg or abs(current - target) < abs(best - target):
            best = current
        if current < target:
            break
    return best


# ---------------------------------------------------------------- variations


def level_rank(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else 0


def fits(exercise: Exercise, equipment: frozenset[str], level: str | None) -> bool:
    """The person owns the kit and, with a level, is at the exercise's level or above. The one
    rule: the planner's `allowed` is this too."""
    kit = set(exercise.equipment) <= equipment | {"bodyweight"}
    return kit and (level is None or level_rank(exercise.level) <= level_rank(level))


def variation(
    exercise: Exercise,
    library: Library,
    equipment: frozenset[str],
    harder: bool,
    level: str | None = None,
) -> Exercise | None:
    """The first harder (or easier) variation the person has the kit (and level) for."""
    for other_id in exercise.harder if harder else exercise.easier:
        other = library.exercises.get(other_id)
        if other is not None and fits(other, equipment, level):
            return other
    return None


# ---------------------------------------------------------------- the decision


@dataclass(frozen=True, slots=True)
class _Rules:
    """One exercise's rules for one person; `decide` turns a session into the next step."""

    exercise: Exercise
    rx: Prescription
    library: Library
    units: str
    equipment: frozenset[str]
    level: str | None
    max_sets: int  # the level's cap on sets: added sets stop here

    @property
    def measure(self) -> Measure:
        return measure_of(self.rx)

    @property
    def range(self) -> tuple[int, int]:
        rng = self.rx.seconds if self.measure == "seconds" else self.rx.reps
        assert rng is not None
        return rng

    @property
    def inc(self) -> int:
        return HOLD_STEP_SECONDS if self.measure == "seconds" else 1

    def decide(
        self, last: Session, before: Next | None, misses_before: int, shown: int | None = None
    ) -> Next:
        """`shown`: the sets the day's plan showed, when known (the planner fits sets to the
        session length, so they can differ from day to day)."""
        bottom, top = self.range
        planned = before.sets if before is not None else self.rx.sets
        # The aims in force; a load other than the prescribed one is judged against the range.
        aims = before.aims if before is not None and _same(before.load_kg, last.load_kg) else ()
        values = last.values
        missed = len(values) < (shown or planned) or any(
            v < (aims[min(i, len(aims) - 1)] if aims else bottom) for i, v in enumerate(values)
        )
        same_load = before is None or _same(before.load_kg, last.load_kg)
        short = sum(v < bottom for v in values) * 2 > len(values)
        # Sessions under the range in a row are a stall whatever the load (the plan lowers it
        # after each one); other misses count at one load.
        misses = (misses_before + 1 if same_load or short else 1) if missed else 0
        load = last.load_kg
        up = (
            next_load(self.exercise, self.library, self.units, load, up=True)
            if load is not None
            else None
        )
        # Big: the kit's step is more than BIG_STEP of the load (judged on the step itself, so
        # a load converted from the other unit isn't penalised for landing on a round number).
        value = from_kg(load, self.units) if load is not None else 0.0
        step = load_step(self.exercise, self.library, self.units, value)
        big = up is not None and step is not None and step > BIG_STEP * value + 0.01
        # The sets in force (an added set stays); the first session read shows them itself.
        current_sets = (
            planned if before is not None else max(self.rx.sets, min(len(values), self.max_sets))
        )

        def nxt(
            kind: Kind,
            reason: Reason,
            new_aims: Sequence[int],
            load_kg: float | None = load,
            suggestion: str | None = None,
            locked: str | None = None,
        ) -> Next:
            why = Why(
                reason, last.sets, load, bottom, top, min(values), up is not None, misses, big
            )
            return Next(
                kind,
                sets=len(new_aims),
                reps=self.rx.reps,
                seconds=self.rx.seconds,
                per_side=self.rx.per_side,
                aims=tuple(max(1, a) for a in new_aims),
                measure=self.measure,
                load_kg=load_kg,
                why=why,
                suggestion=suggestion,
                locked=locked,
                exercise_id=self.exercise.id,
            )

        def padded(per_set: Sequence[int], count: int) -> list[int]:
            out = list(per_set[:count])
            return out + [min(out)] * (count - len(out))

        lighter = (
            next_load(self.exercise, self.library, self.units, load, up=False)
            if load is not None and up is not None
            else None
        )

        def within(per_set: Sequence[int]) -> list[int]:
            # The range holds every aim; under its bottom only where the load can't come down.
            low = bottom if lighter is not None else 0
            return [min(top, max(low, a)) for a in per_set]

        if self.exercise.loaded and load is None:
            # No weight to judge by: the reps still climb at the same (unknown) weight, a rep
            # more a set inside the range, as after a miss in range, so a person who only
            # ever taps Done isn't stuck; at the top the note asks for the next weight up.
            climb = [min(top, max(bottom, v + self.inc)) for v in values]
            return nxt("hold", "no_load", padded(climb, planned))

        if short and load is not None and lighter is not None:
            fitted = fitted_load(
                self.exercise, self.library, self.units, load, _middle(values), bottom, self.measure
            )
            return nxt("back", "load_down", [bottom] * self.rx.sets, load_kg=fitted)

        if misses >= MISSES_TO_STEP_BACK and short:
            easier = variation(self.exercise, self.library, self.equipment, False, self.level)
            kind: Kind = "easier" if easier is not None else "back"
            done = padded(within(values), planned)
            return nxt(kind, "ease_off", done, suggestion=easier.id if easier else None)

        if missed:
            # A little more than last time, never the top (a set already there repeats it).
            more = [max(v, min(v + self.inc, top - self.inc)) if v < top else top for v in values]
            reason: Reason = "consolidate" if misses >= MISSES_TO_STEP_BACK else "missed"
            return nxt("hold", reason, padded(within(more), planned))

        if last.near_max:
            return nxt("hold", "near_max", padded(within(values), current_sets))

        bump = self.inc * (2 if last.easy else 1)
        at_top = min(values) >= (top - self.inc if last.easy else top)
        if not at_top:
            more = within([v + bump for v in values])
            return nxt("hold", "in_range", padded(more, current_sets))

        # At the top: the ladder's next rung, never an aim past the top.
        if up is not None and not big:
            return nxt("raise", "load_up", [bottom] * self.rx.sets, load_kg=up)
        held = [top] * current_sets
        if current_sets < self.max_sets:
            return nxt("add", "more_sets", [*held, top])
        if up is not None:
            return nxt("raise", "load_up", [bottom] * self.rx.sets, load_kg=up)
        harder = variation(self.exercise, self.library, self.equipment, True, self.level)
        if harder is not None:
            return nxt("harder", "owned", held, suggestion=harder.id)
        if "band" in self.exercise.equipment:  # bands come in strengths: the next one up
            return nxt("raise", "band_up", [bottom] * self.rx.sets)
        # Owned, but the next variation is above the person's level: say how to unlock it.
        above = variation(self.exercise, self.library, self.equipment, True)
        return nxt("hold", "owned", held, locked=above.id if above else None)


def _middle(values: Sequence[int]) -> int:
    """The session's typical set: the median (a lone good or bad set doesn't decide)."""
    return sorted(values)[len(values) // 2]


def predicted(done: int, at_kg: float, kg: float) -> float:
    """Reps the Epley estimate predicts at `kg` from `done` reps at `at_kg`."""
    return 30 * (at_kg * (1 + done / 30) / kg - 1)


def fitted_load(
    exercise: Exercise,
    library: Library,
    units: str,
    kg: float,
    done: int,
    bottom: int,
    measure: str = "reps",
) -> float:
    """The heaviest of the kit's loads under `kg` at which `done` reps at `kg` predict about
    `bottom` or more (one step down for a hold, which the estimate doesn't cover); the lightest
    load when none does. `kg` itself when the kit has nothing lighter."""
    current = kg
    while (down := next_load(exercise, library, units, current, up=False)) is not None:
        if down <= 0:
            break
        current = down
        if measure == "seconds" or predicted(done, kg, current) >= bottom - ESTIMATE_SLACK:
            break
    return current


def next_for(
    exercise: Exercise,
    rx: Prescription,
    history: Sequence[SetLog],
    library: Library,
    units: str = "kg",
    equipment: frozenset[str] = frozenset({"bodyweight"}),
    level: str | None = None,
    max_sets: int | None = None,
    lighter: Callable[[date], bool] | None = None,
    shown: Mapping[date, int] | None = None,
) -> Next | None:
    """What comes next for `exercise` after `history` (its recent sets); None with no history.

    `rx` is the prescription as planned (sets capped by level); `max_sets` the level's cap that
    added sets stop at (default: `rx.sets`); `level` checks the variations offered; `lighter`
    marks dates of lighter weeks, which are not judged; `shown` has the sets each day's plan
    showed, where known (a session is complete when it did those)."""
    measure = measure_of(rx)
    if (rx.seconds if measure == "seconds" else rx.reps) is None:
        return None
    rules = _Rules(exercise, rx, library, units, equipment, level, max(max_sets or 0, rx.sets))
    found: Next | None = None
    misses = 0
    typed: float | None = None
    # A move done without a weight is judged on its reps alone, whatever weight was typed.
    judged = history if exercise.loaded else [replace(s, load_kg=None) for s in history]
    for session in sessions(judged, measure):
        if lighter is not None and lighter(session.day):
            continue
        found = rules.decide(session, found, misses, (shown or {}).get(session.day))
        # A step back or up starts the count again; a load fitted to the range doesn't (two
        # sessions under it in a row are still a stall).
        restart = found.kind in ("back", "easier", "raise") and found.why.reason != "load_down"
        misses = 0 if restart else found.why.misses
        day_loads = [s.load_kg for s in history if s.plan_date == session.day and s.load_kg]
        typed = max(day_loads) if day_loads and not exercise.loaded else None
    if found is None or typed is None:
        return found
    why = replace(found.why, typed_load_kg=typed)
    loaded = loaded_version(exercise, library, equipment, level)
    if loaded is not None and found.kind not in ("harder", "easier", "lighter"):
        return replace(
            found, kind="harder", why=replace(why, reason="weighted"), suggestion=loaded.id
        )
    return replace(found, why=why)


def loaded_version(
    exercise: Exercise, library: Library, equipment: frozenset[str], level: str | None
) -> Exercise | None:
    """The loaded move nearest to `exercise` (same pattern) the person has the kit and level
    for: its own loaded harder links, then loaded moves that name it as their easier link,
    then the pattern's main-lift order from the lightest end. Never one of its easier links:
    a weighted pull-up is not a reason to move down to the lat pulldown."""
    linked = [library.exercises[i] for i in exercise.harder if i in library.exercises]
    from_below = sorted(
        (e for e in library.exercises.values() if exercise.id in e.easier), key=lambda e: e.id
    )
    tiers = library.main_lifts.get(exercise.pattern, ())
    lightest = [library.exercises[i] for t in reversed(tiers) for i in t if i in library.exercises]
    for other in (*linked, *from_below, *lightest):
        if (
            other.loaded
            and other.pattern == exercise.pattern
            and other.role == "main"
            and other.id not in exercise.easier
            and fits(other, equipment, level)
        ):
            return other
    return None


def lightened(nxt: Next, sets: int, load_kg: float | None, reason: Reason) -> Next:
    """`nxt` as a lighter week's session: `sets` sets at `load_kg`, aiming the bottom."""
    bottom = nxt.why.bottom
    why = replace(nxt.why, reason=reason)
    return replace(nxt, kind="lighter", sets=sets, aims=(bottom,) * sets, load_kg=load_kg, why=why)
