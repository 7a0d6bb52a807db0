"""The exercise library and programs as typed data. Loaded and validated by `bot.content`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Literal

Role = Literal["main", "warmup", "cooldown"]
Region = Literal["upper", "lower", "full"]


@dataclass(frozen=True, slots=True)
class Prescription:
    """A default dose. `reps` and/or `seconds` are (low, high) ranges.

    reps only: a rep range. seconds only: a timed hold per set. Both: each rep is held.
    """

    sets: int
    reps: tuple[int, int] | None = None
    seconds: tuple[int, int] | None = None
    per_side: bool = False
    rest_seconds: int = 60


@dataclass(frozen=True, slots=True)
class ExerciseImage:
    """A drawing of the movement (its start and end positions), checked by `bot.content_images`.

    `read` is supplied by the loader, so the core can attach the picture without doing file
    I/O or knowing where content lives; it returns None once the file can't be read.
    """

    path: str  # absolute; the console shows it instead of the picture
    width: int
    height: int
    credit: str  # shown wherever the picture is, e.g. "Everkinetic (everkinetic.com), CC BY-SA 4.0"
    licence: str
    read: Callable[[], bytes | None] = field(compare=False, repr=False)

    @property
    def filename(self) -> str:
        return PurePath(self.path).name


@dataclass(frozen=True, slots=True)
class Exercise:
    id: str
    name: str
    aliases: tuple[str, ...]
    role: Role
    region: Region
    pattern: str  # one of Taxonomy.patterns
    primary: tuple[str, ...]  # muscles from Taxonomy.muscles
    secondary: tuple[str, ...]
    equipment: tuple[str, ...]  # all required; ("bodyweight",) for none
    level: str  # the lowest level it suits
    loaded: bool  # True when a load (kg/lb) is part of logging it
    prescription: Prescription
    steps: tuple[str, ...]
    cues: tuple[str, ...]
    mistakes: tuple[str, ...]
    easier: tuple[str, ...] = ()
    harder: tuple[str, ...] = ()
    safety: tuple[str, ...] = ()
    summary: str = ""
    # Why a bodyweight move has no easier / harder link (the content must give one or the other).
    no_easier: str = ""
    no_harder: str = ""
    image: ExerciseImage | None = None  # from content/images/index.yaml, if it has one

    @property
    def bodyweight(self) -> bool:
        return self.equipment == ("bodyweight",)

    @property
    def uses_kit(self) -> bool:
        """Needs something beyond the floor: a band, a bench, a bar, a weight."""
        return not self.bodyweight


@dataclass(frozen=True, slots=True)
class Muscle:
    id: str
    name: str
    group: str  # a posterior-chain group for progress reports: upper_back, lower_back, glutes, ...


@dataclass(frozen=True, slots=True)
class EquipmentItem:
    id: str
    name: str
    # Smallest sensible load jump for progression, per unit (None: load cannot rise by plates).
    step_kg: float | None = None
    step_lb: float | None = None


@dataclass(frozen=True, slots=True)
class Taxonomy:
    muscles: dict[str, Muscle]
    patterns: dict[str, str]  # id -> human name
    equipment: dict[str, EquipmentItem]
    groups: dict[str, str]  # muscle group id -> human name


@dataclass(frozen=True, slots=True)
class Slot:
    """One place in a day: filled by an exercise whose pattern is in `patterns`,
    else in `fallback` when the person's equipment allows nothing better."""

    name: str
    patterns: tuple[str, ...]
    fallback: tuple[str, ...] = ()
    # Main slots hold the block's main lifts (the same move all block, so it can progress);
    # the others are accessories that rotate week to week.
    main: bool = False


@dataclass(frozen=True, slots=True)
class DayType:
    id: str  # "full" | "upper" | "lower"
    name: str
    region: Region
    slots: tuple[Slot, ...]  # in priority order; a level takes the first N it can fill


@dataclass(frozen=True, slots=True)
class Split:
    id: str
    name: str
    days: tuple[str, ...]  # day type ids, in weekly order
    default_weekdays: tuple[int, ...]  # Monday = 0
    description: str = ""


@dataclass(frozen=True, slots=True)
class RampStep:
    """A newcomer's first weeks: up to `until_week` (1 = the program's first week) a session
    holds at most `exercises` moves."""

    until_week: int
    exercises: int


@dataclass(frozen=True, slots=True)
class LevelDose:
    id: str
    name: str
    max_exercises: int  # most exercises (main lifts + accessories) in one session
    max_sets: int  # cap on the sets of any exercise
    prefer_bodyweight: bool
    description: str = ""
    ramp: tuple[RampStep, ...] = ()  # in week order; past the last step, the full session

    def ramp_cap(self, week: int) -> int | None:
        """Most exercises a session holds in the program's `week` (1 = first week) while the
        newcomer ramp lasts; None after it."""
        for step in self.ramp:
            if week <= step.until_week:
                return step.exercises
        return None


@dataclass(frozen=True, slots=True)
class SessionLength:
    """One offered session length, with how many warm-up and cool-down moves it has."""

    minutes: int
    warmup_count: int
    cooldown_count: int
    # A longer session also allows more moves and a set more of each than the level's cap.
    extra_exercises: int = 0
    extra_sets: int = 0


@dataclass(frozen=True, slots=True)
class SessionShape:
    minutes: int  # the default session length
    warmup: tuple[str, ...]  # exercise ids (role warmup), in order of preference
    cooldown: tuple[str, ...]  # exercise ids (role cooldown)
    warmup_count: int  # for the default length
    cooldown_count: int
    seconds_per_rep: int  # for time estimates
    lengths: tuple[SessionLength, ...] = ()
    barbell_warmup_sets: int = 0  # lighter ramp-up sets before a heavy barbell lift

    def length(self, minutes: int) -> SessionLength:
        """The offered length closest to `minutes` (the default shape if none is listed)."""
        if not self.lengths:
            return SessionLength(self.minutes, self.warmup_count, self.cooldown_count)
        return min(self.lengths, key=lambda s: (abs(s.minutes - minutes), s.minutes))


@dataclass(frozen=True, slots=True)
class SelfTestStep:
    text: str


@dataclass(frozen=True, slots=True)
class SelfTestOutcome:
    id: str  # the answer's key, e.g. "wobbly"
    label: str  # button label
    level: str  # the level it suggests
    advice: str


@dataclass(frozen=True, slots=True)
class SelfTest:
    name: str
    intro: str
    steps: tuple[SelfTestStep, ...]
    question: str
    outcomes: tuple[SelfTestOutcome, ...]


@dataclass(frozen=True, slots=True)
class Library:
    exercises: dict[str, Exercise]
    taxonomy: Taxonomy
    splits: dict[str, Split]
    day_types: dict[str, DayType]
    levels: dict[str, LevelDose]
    session: SessionShape
    selftest: SelfTest
    source: str = field(default="", compare=False)  # where it was loaded from, for messages
    # pattern -> main-lift tiers, best first; moves in one tier are equals that take turns
    # (between blocks, and between two days of the same type in a week).
    main_lifts: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    block_weeks: int = 6  # how long main lifts stay put

    def main_exercises(self) -> list[Exercise]:
        return [e for e in self.exercises.values() if e.role == "main"]
