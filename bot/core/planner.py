"""The day's session for a person and a date: pure and deterministic.

Inputs are the library, the person's settings, the date, the exercises of their previous session
(for variety) and optional per-exercise targets from progression. The same inputs always give the
same plan; the coach stores the first plan of a day so it stays put all day.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from bot.core.dose import prescribed
from bot.core.library import DayType, Exercise, Library, Prescription, Slot
from bot.core.settings import LEVELS, Settings

# Sessions are counted from a fixed Monday so rotation does not depend on when someone joined.
EPOCH = date(2024, 1, 1)
TRANSITION_SECONDS = 30  # moving between exercises, setting up weights


@dataclass(frozen=True, slots=True)
class Target:
    """What progression suggests for one exercise on top of the content's default."""

    sets: int | None = None
    reps: tuple[int, int] | None = None
    seconds: tuple[int, int] | None = None
    load_kg: float | None = None
    note: str = ""


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

    def to_dict(self) -> dict[str, Any]:
        # Every field is a plain value or a tuple of them; `asdict` would deep-copy each one.
        return {name: getattr(self, name) for name in self.__slots__}

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


def day_type_for(library: Library, settings: Settings, day: date) -> DayType:
    split = library.splits.get(settings.split) or next(iter(library.splits.values()))
    return library.day_types[split.days[session_index(settings, day) % len(split.days)]]


# ---------------------------------------------------------------- choosing exercises


def level_rank(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else 0  # type: ignore[arg-type]


def allowed(exercise: Exercise, settings: Settings) -> bool:
    """Never prescribe what someone lacks, nor what is above their level."""
    have = settings.equipment | {"bodyweight"}
    return set(exercise.equipment) <= have and level_rank(exercise.level) <= level_rank(
        settings.level
    )


def slot_candidates(
    library: Library, settings: Settings, slot: Slot, used: Iterable[str] = ()
) -> list[Exercise]:
    """Exercises that may fill `slot`: its own patterns first, else its fallback patterns."""
    taken = set(used)
    for patterns in (slot.patterns, slot.fallback):
        found = [
            e
            for e in library.main_exercises()
            if e.pattern in patterns and e.id not in taken and allowed(e, settings)
        ]
        if found:
            return sorted(found, key=lambda e: e.id)
    return []


def _pick(candidates: list[Exercise], previous: frozenset[str], bodyweight_first: bool, n: int):
    """Avoid last session's moves when possible, then the level's preference, rotating with n."""
    fresh = [e for e in candidates if e.id not in previous] or candidates
    preferred = [e for e in fresh if e.bodyweight == bodyweight_first] or fresh
    return preferred[n % len(preferred)]


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
    return p.sets * work + max(p.sets - 1, 0) * p.rest_seconds + TRANSITION_SECONDS


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
    )


def _bookends(library: Library, settings: Settings, ids: tuple[str, ...], count: int, n: int):
    """Warm-up or cool-down: `count` moves the person can do, rotating through the list."""
    usable = [library.exercises[i] for i in ids if i in library.exercises]
    usable = [e for e in usable if allowed(e, settings)]
    if not usable:
        return ()
    start = n % len(usable)
    ordered = usable[start:] + usable[:start]
    return tuple(
        _planned(e, e.role, 1 if e.role == "warmup" else None, None) for e in ordered[:count]
    )


def plan_day(
    library: Library,
    settings: Settings,
    day: date,
    previous: Iterable[str] = (),
    targets: TargetFn | None = None,
) -> DayPlan:
    """The session for `day`. `previous`: exercise ids of the person's previous session."""
    if not is_training_day(settings, day):
        nxt = next_training_day(settings, day)
        return DayPlan(
            day=day, training=False, day_type=None, title="Rest day", next_training_day=nxt
        )

    n = session_index(settings, day)
    day_type = day_type_for(library, settings, day)
    dose = library.levels.get(settings.level) or next(iter(library.levels.values()))
    prev = frozenset(previous)
    shape = library.session

    main: list[PlannedExercise] = []
    for slot in day_type.slots:
        if len(main) >= dose.main_exercises:
            break
        candidates = slot_candidates(library, settings, slot, (p.exercise_id for p in main))
        if not candidates:
            continue
        chosen = _pick(candidates, prev, dose.prefer_bodyweight, n)
        capped = prescribed(chosen, library, settings.level)
        target = targets(chosen, capped) if targets else None
        main.append(_planned(chosen, slot.name, dose.max_sets, target))

    warmup = _bookends(library, settings, shape.warmup, shape.warmup_count, n)
    cooldown = _bookends(library, settings, shape.cooldown, shape.cooldown_count, n)
    main = _fit_budget(main, warmup + cooldown, shape.minutes, shape.seconds_per_rep)
    minutes = estimate_minutes([*warmup, *main, *cooldown], shape.seconds_per_rep)
    return DayPlan(
        day=day,
        training=True,
        day_type=day_type.id,
        title=day_type.name,
        warmup=warmup,
        main=tuple(main),
        cooldown=cooldown,
        minutes=minutes,
    )


MIN_MAIN = 3
MIN_SETS = 2


def _fit_budget(
    main: list[PlannedExercise],
    bookends: tuple[PlannedExercise, ...],
    minutes: int,
    seconds_per_rep: int,
) -> list[PlannedExercise]:
    """Trim to the session's time budget: first sets from the last exercises, then accessories."""
    budget = minutes * 60
    fixed = sum(_estimate_seconds(p, seconds_per_rep) for p in bookends)

    def total(items: list[PlannedExercise]) -> int:
        return fixed + sum(_estimate_seconds(p, seconds_per_rep) for p in items)

    items = list(main)
    while total(items) > budget:
        trimmable = [i for i in reversed(range(len(items))) if items[i].sets > MIN_SETS]
        if trimmable:
            i = trimmable[0]
            items[i] = replace(items[i], sets=items[i].sets - 1)
        elif len(items) > MIN_MAIN:
            items.pop()
        else:
            break
    return items
