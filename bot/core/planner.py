"""The program: which moves a person does on which day. Pure and deterministic.

How a week is built (the data lives in content/programs.yaml):

- Schedule. The person's training weekdays take the split's day types in order, so every week
  looks the same. Someone who trains on fewer weekdays than the split has days gets the day
  types in rotation across weeks instead, so none is dropped.
- Blocks. Weeks count from `Settings.program_start` (set when onboarding finishes), or from
  EPOCH when it is unset (settings stored before the field existed). Week w belongs to block
  w // library.block_weeks; blocks roll over on the Monday after `block_weeks` weeks.
- Main lifts. Each `main` slot of a day type takes the first `main_lifts` tier the person has
  the kit and level for (a newcomer on a level that prefers bodyweight: bodyweight moves
  first until the ramp ends, which is one block: form first, weights later). Moves in one
  tier are equals that take turns between blocks and between two days of the same type in
  one week. So a main lift
  is the same every week of a block, which is what lets it progress.
- Chosen variations. `variations` maps a move the planner would pick to the one to do instead
  (progression's harder or easier variation, a swap). It is used when kit and level allow.
  `swapped` says which of them are swaps: a swapped-away move (or one stepped down from) stays
  out of the session, while a move owned and stepped up from may fill another slot and keeps
  its turn in an accessory rotation. `avoid` names moves never to schedule.
- Accessories. The other slots rotate week by week. Accessories that train a posterior-chain
  group still short of its weekly target go first: two days a week for glutes, hamstrings,
  upper back, lower back and calves wherever the week has two days that can train it, one
  otherwise. At most one back-extension move a day.
- Time. Accessories and then sets are added until the estimate reaches the chosen session
  length's band (`time_band`); sets and then accessories are trimmed when it runs over. The
  estimate counts ramp-up sets before heavy barbell lifts.
- Newcomers. A beginner's first weeks hold fewer moves (levels[].ramp): one or two bodyweight
  moves to start, a move more every couple of weeks until the session is full (`session_cap`).
  Coverage targets apply after the ramp.

The same inputs always give the same plan; the coach stores the first plan of a day.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from bot.core.dose import level_dose
from bot.core.library import (
    DayType,
    Exercise,
    LevelDose,
    Library,
    Prescription,
    SessionLength,
    Slot,
)
from bot.core.progression import fits
from bot.core.settings import Settings

# A Monday. Weeks and blocks count from it when a person has no program start date.
EPOCH = date(2024, 1, 1)
TRANSITION_SECONDS = 30  # moving between exercises, setting up weights
WARMUP_SET_REPS = 5  # a ramp-up set before a heavy barbell lift
WARMUP_SET_REST = 60
MIN_SETS = 2  # trimming for time never goes below this
MIN_MAIN = 2  # nor below this many main lifts
QUICK_SLACK = 35  # seconds: a short session's accessories rotate among moves this close
# The session length band the planner aims for, as fractions of the chosen length:
# 15 min -> 13-16, 30 -> 26-32, 45 -> 39-48.
BAND = (0.87, 1.07)
# The back line's groups, as taxonomy muscle groups; a move trains a group through its primary
# muscles.
POSTERIOR_GROUPS: dict[str, frozenset[str]] = {
    "glutes": frozenset({"glutes"}),
    "hamstrings": frozenset({"hamstrings"}),
    "upper_back": frozenset({"lats", "mid_back", "rear_delts", "neck_traps"}),
    "lower_back": frozenset({"lower_back"}),
    "calves": frozenset({"calves"}),
}
DAYS_PER_GROUP = 2  # each group on two days a week where the split allows (the sources' minimum)
ONE_A_DAY = frozenset({"extension"})  # patterns that may appear once a day at most


@dataclass(frozen=True, slots=True)
class Target:
    """What progression suggests for one exercise on top of the content's default."""

    sets: int | None = None
    reps: tuple[int, int] | None = None
    seconds: tuple[int, int] | None = None
    load_kg: float | None = None
    note: str = ""
    aims: tuple[int, ...] = ()  # per set: reps (or seconds) to aim for; () = the range only
    lighter: bool = False  # a lighter week's dose


# (exercise, its capped default prescription) -> a Target; the seam progression plugs into.
TargetFn = Callable[[Exercise, Prescription], Target | None]


@dataclass(frozen=True, slots=True)
class PlannedExercise:
    exercise_id: str
    name: str
    slot: str
    sets: int
    reps: tuple[int, int] | None
    seconds: tuple[int, int] | None
    per_side: bool
    rest_seconds: int
    load_kg: float | None = None
    note: str = ""
    warmup_sets: int = 0  # lighter ramp-up sets before the work sets (heavy barbell lifts)
    aims: tuple[int, ...] = ()  # per set, from progression (bot.core.progression.Next.aims)
    # A lighter week's dose: stored with the plan, so later plans know that week was lighter
    # even when settings changed since (bot.core.dose.lighter_weeks `known`).
    lighter: bool = False

    def to_dict(self) -> dict[str, Any]:
        # Every field is a plain value or a tuple of them; `asdict` would deep-copy each one.
        # `lighter` is stored only when set (most plans aren't), to keep stored plans small.
        return {
            name: getattr(self, name)
            for name in self.__slots__
            if name != "lighter" or self.lighter
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlannedExercise:
        reps = data.get("reps")
        seconds = data.get("seconds")
        return cls(
            exercise_id=data["exercise_id"],
            name=data["name"],
            slot=data.get("slot", ""),
            sets=int(data["sets"]),
            reps=(int(reps[0]), int(reps[1])) if reps else None,
            seconds=(int(seconds[0]), int(seconds[1])) if seconds else None,
            per_side=bool(data.get("per_side", False)),
            rest_seconds=int(data.get("rest_seconds", 60)),
            load_kg=data.get("load_kg"),
            note=data.get("note", ""),
            warmup_sets=int(data.get("warmup_sets", 0)),
            aims=tuple(int(a) for a in data.get("aims", ())),
            lighter=bool(data.get("lighter", False)),
        )


@dataclass(frozen=True, slots=True)
class DayPlan:
    day: date
    training: bool
    day_type: str | None  # "full" | "upper" | "lower"; None on rest days
    title: str
    warmup: tuple[PlannedExercise, ...] = ()
    main: tuple[PlannedExercise, ...] = ()
    cooldown: tuple[PlannedExercise, ...] = ()
    minutes: int = 0
    next_training_day: date | None = None

    @property
    def exercise_ids(self) -> tuple[str, ...]:
        return tuple(p.exercise_id for p in self.main)

    def find(self, exercise_id: str) -> PlannedExercise | None:
        return next((p for p in self.main if p.exercise_id == exercise_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "training": self.training,
            "day_type": self.day_type,
            "title": self.title,
            "warmup": [p.to_dict() for p in self.warmup],
            "main": [p.to_dict() for p in self.main],
            "cooldown": [p.to_dict() for p in self.cooldown],
            "minutes": self.minutes,
            "next_training_day": (
                self.next_training_day.isoformat() if self.next_training_day else None
            ),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DayPlan:
        nxt = data.get("next_training_day")
        return cls(
            day=date.fromisoformat(data["day"]),
            training=bool(data["training"]),
            day_type=data.get("day_type"),
            title=data.get("title", ""),
            warmup=tuple(PlannedExercise.from_dict(p) for p in data.get("warmup", [])),
            main=tuple(PlannedExercise.from_dict(p) for p in data.get("main", [])),
            cooldown=tuple(PlannedExercise.from_dict(p) for p in data.get("cooldown", [])),
            minutes=int(data.get("minutes", 0)),
            next_training_day=date.fromisoformat(nxt) if nxt else None,
        )


# ---------------------------------------------------------------- schedule


def training_weekdays(settings: Settings) -> tuple[int, ...]:
    return tuple(sorted(set(settings.weekdays)))


def is_training_day(settings: Settings, day: date) -> bool:
    return day.weekday() in training_weekdays(settings)


def session_index(settings: Settings, day: date) -> int:
    """How many training sessions came before `day` since EPOCH (days before EPOCH count back)."""
    weekdays = training_weekdays(settings)
    if not weekdays:
        return 0
    weeks = (day - EPOCH).days // 7
    earlier_this_week = sum(1 for w in weekdays if w < day.weekday())
    return weeks * len(weekdays) + earlier_this_week


def next_training_day(settings: Settings, after: date) -> date | None:
    if not training_weekdays(settings):
        return None
    for offset in range(1, 8):
        candidate = after + timedelta(days=offset)
        if is_training_day(settings, candidate):
            return candidate
    return None  # unreachable: some weekday within 7 days is a training day


def previous_training_day(settings: Settings, before: date) -> date | None:
    if not training_weekdays(settings):
        return None
    for offset in range(1, 8):
        candidate = before - timedelta(days=offset)
        if is_training_day(settings, candidate):
            return candidate
    return None


@dataclass(frozen=True, slots=True)
class Session:
    """One training day of a week: its day type and which occurrence of that type it is."""

    day: date
    day_type: DayType
    occurrence: int  # 0 for the first day of this type in the split's week, 1 for the second...
    number: int  # sessions since EPOCH (rotates warm-ups and cool-downs)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def program_anchor(settings: Settings) -> date:
    """The Monday weeks and blocks count from."""
    return monday(settings.program_start) if settings.program_start else EPOCH


def program_week(settings: Settings, day: date) -> int:
    """Weeks since the program's start (0 = its first week; days before it count as week 0)."""
    return max(0, (monday(day) - program_anchor(settings)).days // 7)


def block_start(library: Library, settings: Settings, day: date) -> date:
    """The Monday the training block holding `day` starts on (swaps are kept per block)."""
    weeks = program_week(settings, day) // library.block_weeks * library.block_weeks
    return program_anchor(settings) + timedelta(weeks=weeks)


def block_end(library: Library, settings: Settings, day: date) -> date:
    """The Sunday the training block holding `day` ends on."""
    return block_start(library, settings, day) + timedelta(weeks=library.block_weeks, days=-1)


def _split_days(library: Library, settings: Settings) -> tuple[str, ...]:
    split = library.splits.get(settings.split) or next(iter(library.splits.values()))
    return split.days


def week_sessions(library: Library, settings: Settings, day: date) -> list[Session]:
    """The training days of the week that holds `day`, in order."""
    days = _split_days(library, settings)
    weekdays = training_weekdays(settings)
    start = monday(day)
    out: list[Session] = []
    for pos, weekday in enumerate(weekdays):
        when = start + timedelta(days=weekday)
        number = session_index(settings, when)
        # Enough weekdays: a fixed weekly template. Too few: rotate so every day type comes up.
        index = pos % len(days) if len(weekdays) >= len(days) else number % len(days)
        occurrence = days[:index].count(days[index])
        out.append(Session(when, library.day_types[days[index]], occurrence, number))
    return out


# ---------------------------------------------------------------- choosing exercises


def allowed(exercise: Exercise, settings: Settings) -> bool:
    """Never prescribe what someone lacks, nor what is above their level (progression.fits)."""
    return fits(exercise, settings.equipment, settings.level)


def time_band(minutes: int) -> tuple[int, int]:
    """The estimate a session of about `minutes` aims for (intermediate and advanced fill it)."""
    return round(minutes * BAND[0]), round(minutes * BAND[1])


def groups_trained(library: Library, exercise: Exercise) -> frozenset[str]:
    """The posterior-chain groups a move trains through its primary muscles."""
    muscles = library.taxonomy.muscles
    groups = {muscles[m].group for m in exercise.primary if m in muscles}
    return frozenset(g for g, parts in POSTERIOR_GROUPS.items() if groups & parts)


@dataclass(frozen=True, slots=True)
class _Chooser:
    """What one person may be given, and in which order of preference."""

    library: Library
    settings: Settings
    dose: LevelDose
    variations: Mapping[str, str]
    avoid: frozenset[str]
    floor_first: bool  # bodyweight moves first (a newcomer on a level that prefers them)
    # Keys of `variations` that are the person's swaps; the others are progression's steps
    # (the harder or easier variation of the same move).
    swapped: frozenset[str] = frozenset()

    def ok(self, exercise: Exercise, taken: set[str]) -> bool:
        return (
            exercise.role == "main"
            and exercise.id not in taken
            and exercise.id not in self.avoid
            # A swapped-away move is never next to the move chosen instead of it (nor is one
            # progression stepped down from). A move owned and stepped up from may be: it can
            # fill another slot, at its ceiling.
            and (self.moved_up(exercise.id) or self.variations.get(exercise.id) not in taken)
            and allowed(exercise, self.settings)
            and not (
                exercise.pattern in ONE_A_DAY
                and any(self.library.exercises[t].pattern == exercise.pattern for t in taken)
            )
        )

    def moved_up(self, exercise_id: str) -> bool:
        """Progression (not a swap) has moved `exercise_id` on to a harder variation of it."""
        chosen = self.variations.get(exercise_id)
        if chosen is None or exercise_id in self.swapped:
            return False
        seen, todo = {exercise_id}, [exercise_id]
        while todo:  # the harder links, as far as they go (progression may follow on)
            ex = self.library.exercises.get(todo.pop())
            for up in ex.harder if ex else ():
                if up == chosen:
                    return True
                if up not in seen:
                    seen.add(up)
                    todo.append(up)
        return False

    def vary(self, exercise: Exercise, taken: set[str]) -> Exercise:
        """The chosen variation instead of `exercise`, when there is one the person can do."""
        other = self.library.exercises.get(self.variations.get(exercise.id, ""))
        return other if other is not None and self.ok(other, taken) else exercise

    def tiers(self, patterns: Iterable[str], taken: set[str]) -> list[tuple[Exercise, ...]]:
        """Main-lift tiers for `patterns`, best first, holding only moves the person can do."""
        lib = self.library
        tiers: list[tuple[Exercise, ...]] = []
        for pattern in patterns:
            order = lib.main_lifts.get(pattern, ())
            listed = {i for tier in order for i in tier}
            unlisted = sorted(
                (e.id,) for e in lib.main_exercises() if e.pattern == pattern and e.id not in listed
            )
            for tier in (*order, *unlisted):
                found = tuple(lib.exercises[i] for i in tier if i in lib.exercises)
                found = tuple(e for e in found if self.ok(e, taken))
                if found:
                    tiers.append(found)
        if self.floor_first:
            bodyweight = [t for t in (tuple(e for e in t if e.bodyweight) for t in tiers) if t]
            loaded = [t for t in (tuple(e for e in t if not e.bodyweight) for t in tiers) if t]
            tiers = bodyweight + loaded
        return tiers

    def main_lift(self, slot: Slot, turn: int, taken: set[str]) -> Exercise | None:
        tiers = self.tiers(slot.patterns, taken) or self.tiers(slot.fallback, taken)
        if not tiers:
            return None
        best = tiers[0]
        return self.vary(best[turn % len(best)], taken)

    def options(self, slot: Slot, taken: set[str]) -> list[Exercise]:
        """What may fill an accessory slot: its patterns, else its fallback."""
        for patterns in (slot.patterns, slot.fallback):
            found = sorted(
                (
                    e
                    for e in self.library.main_exercises()
                    if e.pattern in patterns and self.ok(e, taken)
                ),
                key=lambda e: e.id,
            )
            # Newcomers rotate through the floor moves; others through what uses their kit.
            if self.floor_first:
                preferred = [e for e in found if e.bodyweight]
            else:
                preferred = [e for e in found if e.uses_kit]
            if found:
                # One preferred move alone would come up every session: rotate through all.
                return preferred if len(preferred) > 1 else found
        return []

    def accessory(self, slot: Slot, turn: int, taken: set[str]) -> Exercise | None:
        """The slot's move this week: a rotation over what the person can do."""
        found = self.options(slot, taken)
        return self.rotate(found, turn, taken) if found else None

    def rotate(self, found: list[Exercise], turn: int, taken: set[str]) -> Exercise:
        """`found`'s move for this turn, as its chosen variation. When progression moved the
        move up to one that has a turn of its own here, the owned move keeps its turn, so the
        rotation still spreads (prone cobra and superhero take turns instead of superhero
        every session)."""
        pick = found[turn % len(found)]
        other = self.vary(pick, taken)
        if other is not pick and self.moved_up(pick.id) and any(e.id == other.id for e in found):
            return pick
        return other

    def quickest(self, slot: Slot, taken: set[str], spr: int, turn: int) -> Exercise | None:
        """A quick move for the slot, for a short session that needs it: the quick ones (within
        QUICK_SLACK seconds of the quickest) take turns week by week, so it isn't the same
        move every session."""
        found = self.options(slot, taken)
        timed = [(_estimate_seconds(_planned(e, "", MIN_SETS, None), spr), e) for e in found]
        if not timed:
            return None
        fastest = min(t for t, _ in timed)
        quick = [e for t, e in timed if t <= fastest + QUICK_SLACK]
        # A quick move owned and moved up takes turns with its harder version (which would
        # otherwise stand in for it every session).
        quick += [
            other
            for e in list(quick)
            if self.moved_up(e.id)
            and (other := self.vary(e, taken)) in found
            and all(q.id != other.id for q in quick)
        ]
        return self.rotate(quick, turn, taken)


def _with_warmup_sets(library: Library, planned: list[PlannedExercise]) -> list[PlannedExercise]:
    """Ramp-up sets before heavy barbell lifts: the full count before the first, one before each
    later one (the body is warm by then)."""
    out: list[PlannedExercise] = []
    full = library.session.barbell_warmup_sets
    for p in planned:
        exercise = library.exercises[p.exercise_id]
        if full and exercise.loaded and "barbell" in exercise.equipment:
            out.append(replace(p, warmup_sets=full))
            full = min(full, 1)
        else:
            out.append(p)
    return out


def _estimate_seconds(p: PlannedExercise, seconds_per_rep: int) -> int:
    if p.reps:
        per_rep = p.seconds[1] if p.seconds else seconds_per_rep
        work = round((p.reps[0] + p.reps[1]) / 2) * per_rep
    elif p.seconds:
        work = p.seconds[1]
    else:
        work = 30
    if p.per_side:
        work *= 2
    ramp = p.warmup_sets * (WARMUP_SET_REPS * seconds_per_rep + WARMUP_SET_REST)
    return ramp + p.sets * work + max(p.sets - 1, 0) * p.rest_seconds + TRANSITION_SECONDS


def estimate_minutes(plan_parts: Iterable[PlannedExercise], seconds_per_rep: int) -> int:
    total = sum(_estimate_seconds(p, seconds_per_rep) for p in plan_parts)
    return max(1, round(total / 60))


def _planned(
    exercise: Exercise, slot: str, max_sets: int | None, target: Target | None
) -> PlannedExercise:
    rx = exercise.prescription
    sets = min(rx.sets, max_sets) if max_sets else rx.sets
    planned = PlannedExercise(
        exercise_id=exercise.id,
        name=exercise.name,
        slot=slot,
        sets=sets,
        reps=rx.reps,
        seconds=rx.seconds,
        per_side=rx.per_side,
        rest_seconds=rx.rest_seconds,
    )
    if target is None:
        return planned
    return replace(
        planned,
        sets=target.sets or planned.sets,
        reps=target.reps or planned.reps,
        seconds=target.seconds or planned.seconds,
        load_kg=target.load_kg,
        note=target.note,
        aims=target.aims,
        lighter=target.lighter,
    )


def _usable_bookends(
    library: Library,
    settings: Settings,
    ids: tuple[str, ...],
    session: Session,
    avoid: frozenset[str] = frozenset(),
) -> list[Exercise]:
    region = session.day_type.region
    fits = {"full", region} if region != "full" else {"full", "upper", "lower"}
    usable = [library.exercises[i] for i in ids if i in library.exercises and i not in avoid]
    return [e for e in usable if allowed(e, settings) and e.region in fits]


def _longest_bookends(
    library: Library,
    settings: Settings,
    session: Session,
    length: SessionLength,
    spr: int,
    avoid: frozenset[str] = frozenset(),
) -> int:
    """Seconds of the longest warm-up and cool-down this day type can get: what the main lifts
    are fitted against, so that they don't change with the warm-up rotation."""
    total = 0
    for ids, count in (
        (library.session.warmup, length.warmup_count),
        (library.session.cooldown, length.cooldown_count),
    ):
        times = sorted(
            (
                _estimate_seconds(_planned(e, e.role, 1 if e.role == "warmup" else None, None), spr)
                for e in _usable_bookends(library, settings, ids, session, avoid)
            ),
            reverse=True,
        )
        total += sum(times[:count])
    return total


def _bookends(
    library: Library,
    settings: Settings,
    ids: tuple[str, ...],
    count: int,
    session: Session,
    avoid: frozenset[str] = frozenset(),
) -> tuple[PlannedExercise, ...]:
    """Warm-up or cool-down: `count` moves that suit the day type, rotating through the list."""
    usable = _usable_bookends(library, settings, ids, session, avoid)
    if not usable:
        return ()
    start = session.number % len(usable)
    ordered = usable[start:] + usable[:start]
    return tuple(
        _planned(e, e.role, 1 if e.role == "warmup" else None, None) for e in ordered[:count]
    )


# ---------------------------------------------------------------- the week


@dataclass(frozen=True, slots=True)
class _Draft:
    session: Session
    main: tuple[PlannedExercise, ...]
    warmup: tuple[PlannedExercise, ...]
    cooldown: tuple[PlannedExercise, ...]


def main_lifts(
    library: Library,
    settings: Settings,
    session: Session,
    block: int,
    variations: Mapping[str, str] | None = None,
    avoid: Iterable[str] = (),
    swapped: Collection[str] | None = None,
) -> list[tuple[Slot, Exercise]]:
    """The block's main lifts for one day: the same for every week of the block."""
    chooser = _chooser(library, settings, session.day, variations, avoid, swapped)
    taken: set[str] = set()
    out: list[tuple[Slot, Exercise]] = []
    for slot in session.day_type.slots:
        if not slot.main:
            continue
        chosen = chooser.main_lift(slot, block + session.occurrence, taken)
        if chosen is not None:
            taken.add(chosen.id)
            out.append((slot, chosen))
    return out


def alternatives(
    library: Library,
    settings: Settings,
    exercise: Exercise,
    taken: Iterable[str] = (),
    avoid: Iterable[str] = (),
) -> tuple[Exercise, ...]:
    """What may stand in for `exercise` (a swap): moves of the same pattern the person has the
    kit and level for, not avoided and not already in the day (`taken`), and not a harder step
    of the same move with the same kit, best first: the pattern's main-lift order, then moves
    using their kit, then the rest by name."""
    chooser = _Chooser(
        library, settings, level_dose(library, settings.level), {}, frozenset(avoid), False
    )
    busy = set(taken) - {exercise.id}
    order = [i for tier in library.main_lifts.get(exercise.pattern, ()) for i in tier]

    def step_up(e: Exercise) -> bool:
        # The same move made harder with the same kit (the paused single-leg RDL) is
        # progression's next step, not a swap.
        linked = e.id in exercise.harder or exercise.id in e.easier
        return linked and set(e.equipment) <= set(exercise.equipment) | {"bodyweight"}

    found = [
        e
        for e in library.main_exercises()
        if e.pattern == exercise.pattern
        and e.id != exercise.id
        and chooser.ok(e, busy)
        and not step_up(e)
    ]
    rank = {i: n for n, i in enumerate(order)}
    found.sort(key=lambda e: (rank.get(e.id, len(order)), not e.uses_kit, e.name))
    return tuple(found)


def ramp_cap(library: Library, settings: Settings, day: date) -> int | None:
    """Most moves a newcomer's session holds in the week of `day`; None once past the ramp.
    Only a known program start makes someone a newcomer."""
    if settings.program_start is None:
        return None
    return level_dose(library, settings.level).ramp_cap(program_week(settings, day) + 1)


def session_cap(library: Library, settings: Settings, day: date) -> int:
    """Most moves a session holds in the week of `day`: the level's (and the length's), and
    for a newcomer the ramp's. Past the ramp's last step the session keeps growing a move at a
    time, at the ramp's pace, until it is full, so a long session never jumps from the ramp's
    four moves to seven in one week."""
    dose = level_dose(library, settings.level)
    full = dose.max_exercises + library.session.length(settings.session_minutes).extra_exercises
    ramp = ramp_cap(library, settings, day)
    if ramp is not None:
        return min(ramp, full)
    if settings.program_start is None or not dose.ramp:
        return full
    last = dose.ramp[-1]
    pace = last.until_week - (dose.ramp[-2].until_week if len(dose.ramp) > 1 else 0)
    weeks_past = program_week(settings, day) + 1 - last.until_week
    return min(full, last.exercises + 1 + (weeks_past - 1) // max(1, pace))


def growing(library: Library, settings: Settings, day: date) -> bool:
    """True while a newcomer's sessions are still growing in the week of `day` (the ramp and
    the move-a-time growth after it): no level up is offered before they are full."""
    dose = level_dose(library, settings.level)
    full = dose.max_exercises + library.session.length(settings.session_minutes).extra_exercises
    return session_cap(library, settings, day) < full


def _chooser(
    library: Library,
    settings: Settings,
    day: date,
    variations: Mapping[str, str] | None,
    avoid: Iterable[str],
    swapped: Collection[str] | None = None,
) -> _Chooser:
    """`swapped`: which keys of `variations` are the person's swaps (None: all of them, a
    plain swap mapping); the others are progression's steps."""
    dose = level_dose(library, settings.level)
    # Form first, weights later: a level that prefers bodyweight does so during the ramp.
    floor_first = dose.prefer_bodyweight and ramp_cap(library, settings, day) is not None
    chosen = variations or {}
    swaps = frozenset(chosen if swapped is None else swapped)
    return _Chooser(library, settings, dose, chosen, frozenset(avoid), floor_first, swaps)


def _draft_week(
    library: Library,
    settings: Settings,
    day: date,
    variations: Mapping[str, str] | None,
    avoid: Iterable[str],
    swapped: Collection[str] | None = None,
) -> dict[date, _Draft]:
    """Every training day of the week that holds `day`, planned together so the week is balanced."""
    chooser = _chooser(library, settings, day, variations, avoid, swapped)
    dose = chooser.dose
    sessions = week_sessions(library, settings, day)
    week = program_week(settings, day)
    block = week // library.block_weeks
    # Only a known start makes someone a newcomer; no start date means an existing program.
    length = library.session.length(settings.session_minutes)
    cap = session_cap(library, settings, day)
    band = time_band(length.minutes)
    spr = library.session.seconds_per_rep

    mains = {
        s.day: main_lifts(library, settings, s, block, variations, avoid, swapped)[:cap]
        for s in sessions
    }
    days_trained = dict.fromkeys(POSTERIOR_GROUPS, 0)
    for picks in mains.values():
        for group in set().union(*(groups_trained(library, e) for _, e in picks)):
            days_trained[group] += 1
    able = _able_sessions(library, chooser, sessions)
    target = {g: min(DAYS_PER_GROUP, len(days)) for g, days in able.items()}

    drafts: dict[date, _Draft] = {}
    for index, session in enumerate(sessions):
        taken = {e.id for _, e in mains[session.day]}
        today = set().union(*(groups_trained(library, e) for _, e in mains[session.day]))
        extras: list[tuple[Slot, Exercise]] = []
        for i, slot in enumerate(session.day_type.slots):
            if slot.main:
                continue
            pick = chooser.accessory(
                slot, week + session.occurrence + i, taken | {e.id for _, e in extras}
            )
            if pick is not None:
                extras.append((slot, pick))

        # Accessories for groups still short of their weekly days come first. One is forced
        # when this is the week's last day that can give a group its one weekly hit.
        forced: list[tuple[Slot, Exercise]] = []
        required: list[tuple[Slot, Exercise]] = []
        covered = set(today)
        for last_chance in (True, False):
            for x in extras:
                short = {
                    g
                    for g in groups_trained(library, x[1]) - covered
                    if days_trained[g] < target[g]
                    and (not last_chance or (days_trained[g] == 0 and able[g][-1] == index))
                }
                if short and x not in forced and x not in required:
                    (forced if last_chance else required).append(x)
                    covered |= groups_trained(library, x[1])
        optional = [x for x in extras if x not in forced and x not in required]
        if length.minutes < library.session.minutes:
            # A short session gives the week's balance the quickest move for each slot.
            forced, required = (
                _quickest(chooser, picks, taken, spr, week + session.occurrence)
                for picks in (forced, required)
            )
        # Which optional accessory gets the spare time takes turns week by week.
        if optional:
            turn = (week + session.occurrence) % len(optional)
            optional = optional[turn:] + optional[:turn]
        warmup = _bookends(
            library, settings, library.session.warmup, length.warmup_count, session, chooser.avoid
        )
        cooldown = _bookends(
            library,
            settings,
            library.session.cooldown,
            length.cooldown_count,
            session,
            chooser.avoid,
        )

        def planned(picks: list[tuple[Slot, Exercise]]) -> list[PlannedExercise]:
            return [_planned(e, s.name, dose.max_sets, None) for s, e in picks]

        main = _fill(
            library,
            dose,
            _Parts(
                _with_warmup_sets(library, planned(mains[session.day])) + planned(forced),
                len(mains[session.day]),
                planned(required),
                planned(optional),
                cap,
                _main_room(library, settings, chooser, session, mains[session.day], length),
            ),
            warmup + cooldown,
            band,
            length,
            spr,
        )
        done = {library.exercises[p.exercise_id] for p in main}
        for group in set().union(*(groups_trained(library, e) for e in done)) - today:
            days_trained[group] += 1
        drafts[session.day] = _Draft(session, tuple(main), warmup, cooldown)
    return drafts


def _quickest(
    chooser: _Chooser, picks: list[tuple[Slot, Exercise]], taken: set[str], spr: int, turn: int
) -> list[tuple[Slot, Exercise]]:
    out: list[tuple[Slot, Exercise]] = []
    for slot, pick in picks:
        others = taken | {e.id for _, e in picks if e is not pick} | {e.id for _, e in out}
        quick = chooser.quickest(slot, others, spr, turn)
        out.append((slot, quick if quick is not None else pick))
    return out


def _able_sessions(
    library: Library, chooser: _Chooser, sessions: list[Session]
) -> dict[str, list[int]]:
    """For each group, the week's sessions (by index) whose day type has a move that trains it."""
    able: dict[str, list[int]] = {g: [] for g in POSTERIOR_GROUPS}
    for index, session in enumerate(sessions):
        can: set[str] = set()
        for slot in session.day_type.slots:
            for e in library.main_exercises():
                if e.pattern in slot.patterns + slot.fallback and chooser.ok(e, set()):
                    can |= groups_trained(library, e)
        for group in can:
            able[group].append(index)
    return able


def _most_redundant(library: Library, mains: list[PlannedExercise]) -> int:
    """The main lift whose groups the other main lifts also train; the last one when none is."""

    def groups(p: PlannedExercise) -> frozenset[str]:
        return groups_trained(library, library.exercises[p.exercise_id])

    for i in reversed(range(len(mains))):
        others = set().union(*(groups(p) for j, p in enumerate(mains) if j != i))
        if groups(mains[i]) <= others:
            return i
    return len(mains) - 1


@dataclass(frozen=True, slots=True)
class _Parts:
    fixed: list[PlannedExercise]  # main lifts, then accessories that must be in
    n_main: int
    required: list[PlannedExercise]  # accessories the week's balance asks for, if they fit
    optional: list[PlannedExercise]  # spare-time accessories
    cap: int  # most moves in the session
    longest_bookends: int  # seconds, with the room kept for the week's balance accessories


def main_fit(
    library: Library,
    dose: LevelDose,
    mains: list[PlannedExercise],
    bookends_seconds: int,
    band: tuple[int, int],
    length: SessionLength,
    spr: int,
) -> list[PlannedExercise]:
    """A day's main lifts with the sets they get all block, from the main lifts alone: the
    content's sets within the level's cap (`mains` come so), a set more in a long session, and
    fewer when even the main lifts alone would run over the band with the day type's longest
    warm-up and cool-down (`bookends_seconds`). A main lift that doesn't fit even at the
    fewest sets makes way. Progression adds sets from there (bot.core.progression)."""
    high = band[1] * 60 + 29
    most = dose.max_sets + length.extra_sets
    items = [replace(p, sets=min(most, p.sets + length.extra_sets)) for p in mains]

    def total(found: list[PlannedExercise]) -> int:
        return bookends_seconds + sum(_estimate_seconds(p, spr) for p in found)

    while (
        len(items) > MIN_MAIN
        and total([replace(p, sets=min(p.sets, MIN_SETS)) for p in items]) > high
    ):
        del items[_most_redundant(library, items)]
    while total(items) > high:
        trimmable = [i for i in range(len(items) - 1, -1, -1) if items[i].sets > MIN_SETS]
        if not trimmable:
            break
        i = trimmable[0]
        items[i] = replace(items[i], sets=items[i].sets - 1)
    return items


def _coverage_reserve(
    library: Library,
    chooser: _Chooser,
    day_type: DayType,
    mains: list[tuple[Slot, Exercise]],
    spr: int,
    quick: bool,
) -> int:
    """Seconds kept free for the accessories the week's balance may need on this day type:
    for each group the main lifts leave out, the longest accessory at the fewest sets that
    trains it (whichever rotates in must fit). The same all block, so the main lifts' sets
    are too. A short session picks the quickest accessory, so it keeps the quickest's time."""
    taken = {e.id for _, e in mains}
    trained = set().union(*(groups_trained(library, e) for _, e in mains))
    need: dict[str, int] = {}
    for slot in day_type.slots:
        if slot.main:
            continue
        for e in chooser.options(slot, taken):
            seconds = _estimate_seconds(_planned(e, "", MIN_SETS, None), spr)
            for group in groups_trained(library, e) - trained:
                pick = min if quick else max
                need[group] = pick(need.get(group, seconds), seconds)
    if quick:  # the quick moves take turns (QUICK_SLACK)
        return sum(seconds + QUICK_SLACK for seconds in need.values())
    return sum(need.values())


def _main_room(
    library: Library,
    settings: Settings,
    chooser: _Chooser,
    session: Session,
    mains: list[tuple[Slot, Exercise]],
    length: SessionLength,
) -> int:
    """Seconds the main lifts are fitted against (`main_fit`): the day type's longest warm-up
    and cool-down, and the room kept for the week's balance accessories."""
    spr = library.session.seconds_per_rep
    quick = length.minutes < library.session.minutes
    bookends = _longest_bookends(library, settings, session, length, spr, chooser.avoid)
    return bookends + _coverage_reserve(library, chooser, session.day_type, mains, spr, quick)


def variations_in(
    library: Library,
    settings: Settings,
    plan: DayPlan,
    variations: Mapping[str, str] | None = None,
    avoid: Iterable[str] = (),
) -> dict[str, str]:
    """The variations `plan` shows in its main slots: the planner's pick (with `variations`,
    e.g. the person's swaps) -> the move the plan has instead. Read off a stored plan, this is
    what progression chose for that day type, without its history."""
    session = next(
        (s for s in week_sessions(library, settings, plan.day) if s.day == plan.day), None
    )
    if session is None:
        return {}
    block = program_week(settings, plan.day) // library.block_weeks
    picks = main_lifts(library, settings, session, block, variations, avoid)
    shown = {p.slot: p.exercise_id for p in plan.main}
    return {
        e.id: shown[slot.name]
        for slot, e in picks
        if slot.name in shown and shown[slot.name] != e.id
    }


def block_sets(
    library: Library,
    settings: Settings,
    after: date,
    exercise_ids: Iterable[str],
    *,
    variations: Mapping[str, str] | None = None,
    avoid: Iterable[str] = (),
    swapped: Collection[str] | None = None,
) -> dict[str, int]:
    """The sets each of `exercise_ids` gets as a main lift, before progression, the next time
    a day after `after` (within three weeks) has it: what that day type's plans give it all
    block (`main_fit`). Only the main lifts are worked out, not whole weeks, so "Next time"
    stays cheap. Moves that aren't main lifts then are left out."""
    wanted = set(exercise_ids)
    dose = level_dose(library, settings.level)
    length = library.session.length(settings.session_minutes)
    spr = library.session.seconds_per_rep
    band = time_band(length.minutes)
    found: dict[str, int] = {}
    for n in range(3):
        day = after + timedelta(weeks=n)
        block = program_week(settings, day) // library.block_weeks
        chooser = _chooser(library, settings, day, variations, avoid, swapped)
        cap = session_cap(library, settings, day)
        for session in week_sessions(library, settings, day):
            if session.day <= after:
                continue
            picks = main_lifts(library, settings, session, block, variations, avoid, swapped)
            picks = picks[:cap]
            if not wanted & {e.id for _, e in picks} - set(found):
                continue
            bookends = _main_room(library, settings, chooser, session, picks, length)
            planned = [_planned(e, s.name, dose.max_sets, None) for s, e in picks]
            mains = main_fit(
                library, dose, _with_warmup_sets(library, planned), bookends, band, length, spr
            )
            for p in mains:
                if p.exercise_id in wanted:
                    found.setdefault(p.exercise_id, p.sets)
        if set(found) >= wanted:
            break
    return found


def _fill(
    library: Library,
    dose: LevelDose,
    parts: _Parts,
    bookends: tuple[PlannedExercise, ...],
    band: tuple[int, int],
    length: SessionLength,
    spr: int,
) -> list[PlannedExercise]:
    """The main lifts (`main_fit`) and forced accessories, then the required ones that fit at
    two sets, then optional ones while they fit; then accessory sets are trimmed to the band's
    top or added towards its bottom."""
    # In seconds, as far as the estimate still rounds to whole minutes inside the band.
    low, high = band[0] * 60 - 29, band[1] * 60 + 29
    cap = parts.cap
    extra_sets = length.extra_sets
    max_sets = dose.max_sets + extra_sets
    fixed = sum(_estimate_seconds(p, spr) for p in bookends)

    def total(items: list[PlannedExercise]) -> int:
        return fixed + sum(_estimate_seconds(p, spr) for p in items)

    def at_least(items: list[PlannedExercise]) -> int:
        return total([replace(p, sets=min(p.sets, MIN_SETS)) for p in items])

    items = parts.fixed[:cap]
    n_main = min(parts.n_main, len(items))
    # The main lifts are fitted on their own, against the longest warm-up and cool-down the
    # day type can get, so their sets are the same every week of a block: only progression
    # moves them (`main_fit`). The accessories then fill the time that is left.
    mains = main_fit(library, dose, items[:n_main], parts.longest_bookends, band, length, spr)
    items = [*mains, *items[n_main:]]
    n_main = len(mains)
    for extra in parts.required:
        if len(items) < cap and at_least([*items, extra]) <= high:
            items.append(extra)
    for extra in parts.optional:
        if len(items) < cap and total([*items, extra]) <= high:
            items.append(extra)
    # Over the top: fewer accessory sets, then drop accessories from the end.
    while total(items) > high:
        trimmable = [i for i in range(len(items) - 1, n_main - 1, -1) if items[i].sets > MIN_SETS]
        if trimmable:
            i = trimmable[0]
            items[i] = replace(items[i], sets=items[i].sets - 1)
        elif len(items) > n_main:
            items.pop()
        else:
            break
    # Under the bottom: one more accessory set at a time, while it still fits.
    grown = True
    while total(items) < low and grown:
        grown = False
        for i in range(n_main, len(items)):
            p = items[i]
            rx = library.exercises[p.exercise_id].prescription
            room = p.sets < max_sets and p.sets < rx.sets + 1 + extra_sets
            bigger = replace(p, sets=p.sets + 1)
            if room and total([*items[:i], bigger, *items[i + 1 :]]) <= high:
                items[i] = bigger
                grown = True
                break
    return items


def plan_week(
    library: Library,
    settings: Settings,
    day: date,
    *,
    variations: Mapping[str, str] | None = None,
    avoid: Iterable[str] = (),
    swapped: Collection[str] | None = None,
) -> dict[date, DayPlan]:
    """The plans of every training day in the week that holds `day` (no progression targets).
    `swapped`: which keys of `variations` are the person's swaps (None: all of them)."""
    spr = library.session.seconds_per_rep
    return {
        when: DayPlan(
            day=when,
            training=True,
            day_type=d.session.day_type.id,
            title=d.session.day_type.name,
            warmup=d.warmup,
            main=d.main,
            cooldown=d.cooldown,
            minutes=estimate_minutes([*d.warmup, *d.main, *d.cooldown], spr),
        )
        for when, d in _draft_week(library, settings, day, variations, avoid, swapped).items()
    }


def plan_day(
    library: Library,
    settings: Settings,
    day: date,
    previous: Iterable[str] = (),
    targets: TargetFn | None = None,
    *,
    variations: Mapping[str, str] | None = None,
    avoid: Iterable[str] = (),
    swapped: Collection[str] | None = None,
) -> DayPlan:
    """The session for `day`.

    `previous` is accepted for callers written for the old day-by-day rotation and is not used:
    the week is planned as a whole, so a plan no longer depends on the previous session's.
    `targets` shapes each exercise's dose (progression). `variations` maps a move the planner
    would pick to the move to do instead; this is where progression's harder/easier variation
    and a kept swap plug in (kept per block by the caller). `swapped` says which keys of
    `variations` are swaps (None: all of them): a swapped-away move stays out of the session,
    while a move progression stepped on from may still fill another slot. `avoid` is never
    scheduled.
    """
    del previous
    if not is_training_day(settings, day):
        nxt = next_training_day(settings, day)
        return DayPlan(
            day=day, training=False, day_type=None, title="Rest day", next_training_day=nxt
        )
    week = plan_week(library, settings, day, variations=variations, avoid=avoid, swapped=swapped)
    plan = week[day]
    if targets is None:
        return plan
    main = list(plan.main)
    for i, p in enumerate(main):
        exercise = library.exercises[p.exercise_id]
        target = targets(exercise, replace(exercise.prescription, sets=p.sets))
        if target is not None:
            main[i] = replace(
                p,
                sets=target.sets or p.sets,
                reps=target.reps or p.reps,
                seconds=target.seconds or p.seconds,
                load_kg=target.load_kg,
                note=target.note,
                aims=target.aims,
                lighter=target.lighter,
            )
    spr = library.session.seconds_per_rep
    length = library.session.length(settings.session_minutes)
    main = _within_band(library, plan, main, time_band(length.minutes), spr)
    minutes = estimate_minutes([*plan.warmup, *main, *plan.cooldown], spr)
    return replace(plan, main=tuple(main), minutes=minutes)


def _within_band(
    library: Library,
    plan: DayPlan,
    main: list[PlannedExercise],
    band: tuple[int, int],
    spr: int,
) -> list[PlannedExercise]:
    """The dosed session back inside its band when progression added sets: accessories give
    way (a set less, then the last accessory), never the main lifts, whose sets only
    progression moves."""
    day_type = library.day_types.get(plan.day_type or "")
    mains = {s.name for s in day_type.slots if s.main} if day_type else set()
    high = band[1] * 60 + 29
    fixed = sum(_estimate_seconds(p, spr) for p in (*plan.warmup, *plan.cooldown))
    items = list(main)

    def total() -> int:
        return fixed + sum(_estimate_seconds(p, spr) for p in items)

    while total() > high:
        extras = [i for i in range(len(items) - 1, -1, -1) if items[i].slot not in mains]
        trimmable = [i for i in extras if items[i].sets > MIN_SETS]
        if trimmable:
            i = trimmable[0]
            p = items[i]
            items[i] = replace(p, sets=p.sets - 1, aims=p.aims[: p.sets - 1])
        elif extras:
            del items[extras[0]]
        else:
            break
    return items
