"""The /start conversation: a few one-tap questions, each also answerable by typing.

Each step knows its question, its buttons and how to read an answer into Settings. Answers that
can't be read get a friendly retry of the same step.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time

from bot.core import timezones
from bot.core.events import Button
from bot.core.library import Library
from bot.core.settings import LEVELS, SESSION_LENGTHS, WEEKDAY_NAMES, Settings, nearest_length

EQUIPMENT_PRESETS: dict[str, tuple[str, frozenset[str]]] = {
    "bodyweight": ("Bodyweight only", frozenset({"bodyweight"})),
    "bands": ("Bands", frozenset({"bodyweight", "band"})),
    "dumbbells": (
        "Dumbbells, bench, band",
        frozenset({"bodyweight", "band", "dumbbells", "bench"}),
    ),
    "kettlebell": ("Kettlebell + band", frozenset({"bodyweight", "band", "kettlebell"})),
    "gym": (
        "Full gym",
        frozenset(
            {
                "bodyweight",
                "band",
                "dumbbells",
                "kettlebell",
                "barbell",
                "bench",
                "pullup_bar",
                "cable",
                "machine",
            }
        ),
    ),
}

LEVEL_LABELS = {
    "beginner": "New to this",
    "intermediate": "Some experience",
    "advanced": "Experienced",
}

TIMES = ("06:30", "07:30", "12:00", "18:00")
TIMEZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Australia/Sydney",
)


class AnswerError(ValueError):
    """The answer can't be read; `str(self)` says what would work."""


def parse_time(text: str) -> time:
    m = re.fullmatch(r"\s*(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm)?\s*", text.lower())
    if not m:
        raise AnswerError('Give a time like "07:30" or "6pm".')
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if m.group(3) == "pm" and hour < 12:
        hour += 12
    if m.group(3) == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        raise AnswerError('That time doesn\'t exist. Try "07:30" or "18:00".')
    return time(hour, minute)


def parse_timezone(text: str) -> str:
    """An exact IANA name (any case) as its zone; a city, abbreviation or near miss raises
    `ZoneGuess` (confirm it with the person first), anything else `AnswerError`."""
    found = timezones.match(text)
    if found is None:
        raise AnswerError(
            f'I don\'t know the timezone "{text.strip()[:40]}". '
            "Name your city or the zone, e.g. Berlin, New York or Asia/Tokyo."
        )
    if not found.exact:
        raise ZoneGuess(found.zone)
    return found.zone


class ZoneGuess(AnswerError):
    """The answer names a zone only by a city, an abbreviation or a near miss: ask before
    using it. `settings` holds the rest of the answer already applied (the time, if given)."""

    def __init__(self, zone: str, settings: Settings | None = None) -> None:
        super().__init__(f"Did you mean {zone}?")
        self.zone = zone
        self.settings = settings


def parse_weekdays(text: str) -> tuple[int, ...]:
    words = re.findall(r"[a-z]+", text.lower())
    days = sorted({WEEKDAY_NAMES.index(w[:3]) for w in words if w[:3] in WEEKDAY_NAMES})
    if not days:
        raise AnswerError('Name your training days, e.g. "mon wed fri".')
    return tuple(days)


def parse_time_and_zone(text: str, settings: Settings) -> Settings:
    parts = text.split()
    if not parts:
        raise AnswerError('Give a time like "07:30", optionally with a timezone.')
    new = settings.with_(reminder_time=parse_time(parts[0]))
    if len(parts) > 1:
        try:
            new = new.with_(timezone=parse_timezone(" ".join(parts[1:])))
        except ZoneGuess as guess:
            raise ZoneGuess(guess.zone, settings=new) from None
    return new


def _choice(text: str, options: dict[str, str]) -> str:
    """Match typed text against option keys and labels."""
    t = text.strip().lower()
    for key, label in options.items():
        if t in (key.lower(), label.lower()) or (len(t) >= 3 and label.lower().startswith(t)):
            return key
    raise AnswerError("Pick one of: " + ", ".join(options.values()) + ".")


@dataclass(frozen=True)
class Step:
    id: str
    question: str
    buttons: Callable[[Library, Settings], list[Button]]
    apply: Callable[[str, Settings, Library], Settings]


def _level_apply(text: str, s: Settings, _: Library) -> Settings:
    return s.with_(level=_choice(text, LEVEL_LABELS))


def _equipment_apply(text: str, s: Settings, _: Library) -> Settings:
    key = _choice(text, {k: label for k, (label, _) in EQUIPMENT_PRESETS.items()})
    return s.with_(equipment=EQUIPMENT_PRESETS[key][1])


def _split_apply(text: str, s: Settings, lib: Library) -> Settings:
    key = _choice(text, {k: sp.name for k, sp in lib.splits.items()})
    return s.with_(split=key, weekdays=lib.splits[key].default_weekdays)


def _days_apply(text: str, s: Settings, _: Library) -> Settings:
    if text.strip().lower() in ("keep", "ok", "yes", "suggested"):
        return s
    return s.with_(weekdays=parse_weekdays(text))


def _length_label(minutes: int) -> str:
    return f"About {minutes} min"


def _length_apply(text: str, s: Settings, _: Library) -> Settings:
    t = text.strip().lower()
    if "hour" in t:
        return s.with_(session_minutes=nearest_length(30 if "half" in t else 60))
    m = re.search(r"\d{1,3}", t)
    if m is None or not 5 <= int(m.group()) <= 180:
        raise AnswerError(
            "Pick one of the lengths, or type the minutes you have, e.g. "
            + ", ".join(str(m) for m in SESSION_LENGTHS)
            + "."
        )
    return s.with_(session_minutes=nearest_length(int(m.group())))


def _time_apply(text: str, s: Settings, _: Library) -> Settings:
    return parse_time_and_zone(text, s)


def _tz_apply(text: str, s: Settings, _: Library) -> Settings:
    return s.with_(timezone=parse_timezone(text))


def _units_apply(text: str, s: Settings, _: Library) -> Settings:
    return s.with_(units=_choice(text, {"kg": "kg", "lb": "lb"}))


def days_label(weekdays: tuple[int, ...]) -> str:
    return " ".join(WEEKDAY_NAMES[d].capitalize() for d in weekdays)


STEPS: tuple[Step, ...] = (
    Step(
        "level",
        "How much strength training have you done?",
        lambda lib, s: (
            [Button(LEVEL_LABELS[lv], f"ob:level:{lv}") for lv in LEVELS]
            + [Button("Not sure: self-test", "ob:level:selftest")]
        ),
        _level_apply,
    ),
    Step(
        "equipment",
        "What can you train with? I'll never give you a move you can't do.",
        lambda lib, s: [
            Button(label, f"ob:equipment:{k}") for k, (label, _) in EQUIPMENT_PRESETS.items()
        ],
        _equipment_apply,
    ),
    Step(
        "split",
        "How would you like to split your week?",
        lambda lib, s: [Button(sp.name, f"ob:split:{k}") for k, sp in lib.splits.items()],
        _split_apply,
    ),
    Step(
        "days",
        'Which days? Tap to keep the suggestion, or type your own (e.g. "tue thu sat").',
        lambda lib, s: [Button(days_label(s.weekdays), "ob:days:keep")],
        _days_apply,
    ),
    Step(
        "length",
        "How long can a session be? I'll fill the time, warm-up and cool-down included.",
        lambda lib, s: [Button(_length_label(m), f"ob:length:{m}") for m in SESSION_LENGTHS],
        _length_apply,
    ),
    Step(
        "time",
        'When should your session arrive? Tap a time or type one, e.g. "07:15 Europe/Berlin".',
        lambda lib, s: [Button(t, f"ob:time:{t}") for t in TIMES],
        _time_apply,
    ),
    Step(
        "timezone",
        "Which timezone are you in? Pick one or type your city, e.g. Tokyo.",
        lambda lib, s: [Button(tz, f"ob:timezone:{tz}") for tz in TIMEZONES],
        _tz_apply,
    ),
    Step(
        "units",
        "Last one: kilograms or pounds?",
        lambda lib, s: [Button("kg", "ob:units:kg"), Button("lb", "ob:units:lb")],
        _units_apply,
    ),
)

STEP_IDS = tuple(s.id for s in STEPS)


def step(step_id: str) -> Step:
    return STEPS[STEP_IDS.index(step_id)]


def next_step(step_id: str, settings: Settings, typed_zone: bool) -> str | None:
    """The step after `step_id`; the timezone step is skipped when it was typed with the time."""
    i = STEP_IDS.index(step_id) + 1
    if i < len(STEP_IDS) and STEP_IDS[i] == "timezone" and typed_zone:
        i += 1
    return STEP_IDS[i] if i < len(STEP_IDS) else None
