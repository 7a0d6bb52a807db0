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


# "07:30", "7:30pm", "7ish", "7 am", "19h00", "0630": a clock time anywhere in the answer
# (not the "+2" of "UTC+2" or the digits of a date).
_CLOCK = re.compile(
    r"(?<![\w+\-:/.])(\d{1,2})(?:[:.h]?(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)?(?:\s*-?ish)?(?![\w:/])",
    re.IGNORECASE,
)
# Parts of the day people answer with, and the hour each means alone ("mornings").
_DAY_PARTS = {
    "morning": 7,
    "mornings": 7,
    "noon": 12,
    "midday": 12,
    "lunch": 12,
    "lunchtime": 12,
    "afternoon": 15,
    "afternoons": 15,
    "evening": 18,
    "evenings": 18,
    "night": 20,
    "tonight": 20,
}
_AFTERNOON_WORDS = frozenset({"afternoon", "afternoons", "evening", "evenings", "night", "tonight"})
# Words around a time that say nothing about the timezone.
_TIME_FILLER = frozenset(
    {"at", "around", "about", "ish", "approx", "roughly", "by", "before", "after", "work",
     "usually", "in", "the", "please", "my", "time", "local", "o", "clock", "oclock", "early",
     "late", "i", "train", "like", "prefer", "would", "best", "is", "works", "every", "day"}
    | set(_DAY_PARTS)
)  # fmt: skip


def parse_time(text: str) -> time:
    """The time in an answer: "07:30", "6pm", "mornings, 7ish", "evenings around 6", "noon"."""
    return _read_time(text)[0]


def _read_time(text: str) -> tuple[time, str]:
    """(the time, what is left of the answer once the time is taken out)."""
    lowered = text.lower()
    words = set(re.findall(r"[a-z]+", lowered))
    m = _CLOCK.search(lowered)
    if m is None:
        part = next((w for w in re.findall(r"[a-z]+", lowered) if w in _DAY_PARTS), None)
        if part is None:
            raise AnswerError('Give a time like "07:30" or "6pm".')
        return time(_DAY_PARTS[part]), lowered.replace(part, " ")
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    half = (m.group(3) or "").replace(".", "")
    if half == "pm" and hour < 12:
        hour += 12
    if half == "am" and hour == 12:
        hour = 0
    if not half and hour < 12 and words & _AFTERNOON_WORDS:
        hour += 12  # "evenings around 6"
    if hour > 23 or minute > 59:
        raise AnswerError('That time doesn\'t exist. Try "07:30" or "18:00".')
    return time(hour, minute), lowered[: m.start()] + " " + lowered[m.end() :]


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


# Groups of days people name at once.
DAY_GROUPS: dict[str, tuple[int, ...]] = {
    "weekdays": (0, 1, 2, 3, 4),
    "weekday": (0, 1, 2, 3, 4),
    "weekends": (5, 6),
    "weekend": (5, 6),
    "daily": (0, 1, 2, 3, 4, 5, 6),
    "everyday": (0, 1, 2, 3, 4, 5, 6),
}


# Day letters people write ("MWF", "m/w/f", "TTh"); "t" and "s" alone name two days each.
_DAY_LETTERS = {"m": 0, "w": 2, "f": 4}
_TWO_DAYS = {"tth": (1, 3), "tuth": (1, 3), "tuthu": (1, 3), "ss": (5, 6)}


def parse_weekdays(text: str) -> tuple[int, ...]:
    words = re.findall(r"[a-z]+", text.lower().replace("every day", "everyday"))

    def day_letters(w: str) -> bool:
        return len(w) <= 3 and len(set(w)) == len(w) and set(w) <= set(_DAY_LETTERS)

    # "mwf", or nothing but letters ("m w f"): not the "m" of "I'm".
    alone = all(day_letters(w) for w in words)
    letters = {
        _DAY_LETTERS[c] for w in words if day_letters(w) and (alone or len(w) > 1) for c in w
    }
    days = sorted(
        {WEEKDAY_NAMES.index(w[:3]) for w in words if w[:3] in WEEKDAY_NAMES}
        | {d for w in words for d in DAY_GROUPS.get(w, ())}
        | {d for w in words for d in _TWO_DAYS.get(w, ())}
        | letters
    )
    if not days:
        raise AnswerError('Name your training days, e.g. "mon wed fri".')
    return tuple(days)


def parse_time_and_zone(text: str, settings: Settings) -> Settings:
    """A time, and the timezone when one is named with it ("07:15 Europe/Berlin",
    "7ish berlin"); other words around the time ("mornings, 7ish") are not a zone."""
    if not text.strip():
        raise AnswerError('Give a time like "07:30", optionally with a timezone.')
    at, rest = _read_time(text)
    new = settings.with_(reminder_time=at)
    words = [w for w in re.split(r"[\s,;]+", rest) if w and w.strip("!.?") not in _TIME_FILLER]
    if words:
        named = " ".join(words)
        if timezones.match(named) is None:
            return new  # not a zone: the timezone question comes next and asks
        try:
            new = new.with_(timezone=parse_timezone(named))
        except ZoneGuess as guess:
            raise ZoneGuess(guess.zone, settings=new) from None
    return new


def _choice(text: str, options: dict[str, str]) -> str:
    """Match typed text against option keys and labels."""
    t = text.strip().lower()
    for key, label in options.items():
        if t in (key.lower(), label.lower()) or (len(t) >= 3 and label.lower().startswith(t)):
            return key
    # " / " between them: some labels hold commas ("Upper, lower, full").
    raise AnswerError("Pick one of: " + " / ".join(options.values()) + ".")


@dataclass(frozen=True)
class Step:
    id: str
    question: str
    buttons: Callable[[Library, Settings], list[Button]]
    apply: Callable[[str, Settings, Library], Settings]


# Words in a typed answer that say a level ("beginner-ish", "a few years", "pretty advanced").
LEVEL_WORDS: dict[str, tuple[str, ...]] = {
    "beginner": ("beginner", "new", "newbie", "novice", "never", "none", "little", "starting",
                 "start", "first", "rusty", "returning", "basic", "zero"),
    "intermediate": ("intermediate", "some", "bit", "moderate", "few", "decent", "average",
                     "medium", "regularly", "months"),
    "advanced": ("advanced", "experienced", "expert", "lots", "lot", "many", "veteran",
                 "serious", "competitive", "pro", "athlete"),
}  # fmt: skip


NEGATIONS = frozenset({"no", "not", "without", "dont", "don't", "nor", "never"})


def _by_words(text: str, table: dict[str, tuple[str, ...]]) -> list[str]:
    """The keys of `table` whose words appear in `text`, in the table's order; a word just
    after a negation ("no kettlebell", "not a barbell") doesn't count."""
    words = re.findall(r"[a-z0-9']+", text.lower())
    said = {
        w
        for i, w in enumerate(words)
        if not NEGATIONS & set(words[max(0, i - 2) : i]) or w in NEGATIONS
    }
    return [key for key, names in table.items() if said & set(names)]


def _level_apply(text: str, s: Settings, _: Library) -> Settings:
    try:
        return s.with_(level=_choice(text, LEVEL_LABELS))
    except AnswerError:
        found = _by_words(text, LEVEL_WORDS)
        if len(found) != 1:
            raise
        return s.with_(level=found[0])


# What people call their kit ("a couple of dumbbells and a band", "pull-up bar, kb").
KIT_WORDS: dict[str, tuple[str, ...]] = {
    "band": ("band", "bands", "resistance", "tube", "tubes", "loop", "loops", "elastic"),
    "dumbbells": ("dumbbell", "dumbbells", "dumbell", "dumbells", "db", "dbs"),
    "kettlebell": ("kettlebell", "kettlebells", "kettle", "kb", "kbs"),
    "barbell": ("barbell", "barbells", "plates", "bb"),
    "bench": ("bench", "benches"),
    "pullup_bar": ("pullup", "pull", "chinup", "chin"),
    "cable": ("cable", "cables"),
    "machine": ("machine", "machines"),
}
GYM_WORDS = ("gym", "everything")
NO_KIT_WORDS = ("nothing", "none", "bodyweight", "body", "no", "floor", "just", "only")


def _equipment_apply(text: str, s: Settings, _: Library) -> Settings:
    presets = {k: label for k, (label, _) in EQUIPMENT_PRESETS.items()}
    try:
        return s.with_(equipment=EQUIPMENT_PRESETS[_choice(text, presets)][1])
    except AnswerError:
        kit = set(_by_words(text.replace("-", ""), KIT_WORDS))
        words = set(re.findall(r"[a-z]+", text.lower()))
        if set(_by_words(text, {"gym": GYM_WORDS})):
            return s.with_(equipment=EQUIPMENT_PRESETS["gym"][1])
        if not kit and not words & set(NO_KIT_WORDS):
            raise
        return s.with_(equipment=frozenset({"bodyweight", *kit}))


# "3 days", "three full body", "upper lower", "4".
SPLIT_WORDS: dict[str, tuple[str, ...]] = {
    "full2": ("2", "two", "twice"),
    "full3": ("3", "three", "thrice"),
    "ul4": ("4", "four"),
}


def _split_apply(text: str, s: Settings, lib: Library) -> Settings:
    try:
        key = _choice(text, {k: sp.name for k, sp in lib.splits.items()})
    except AnswerError:
        words = set(re.findall(r"[a-z0-9]+", text.lower()))
        if {"upper", "lower", "full"} <= words or "ulf" in words:
            found = ["ulf"]
        elif {"upper", "lower"} <= words:
            found = ["ul4"]
        else:
            found = [k for k, said in SPLIT_WORDS.items() if words & set(said)]
        if len(found) != 1 or found[0] not in lib.splits:
            raise
        key = found[0]
    return s.with_(split=key, weekdays=lib.splits[key].default_weekdays)


KEEP_WORDS = frozenset(
    {"keep", "ok", "okay", "yes", "yep", "sure", "fine", "good", "great", "perfect",
     "suggested", "sounds good", "that's fine", "thats fine", "those", "keep it", "👍"}
)  # fmt: skip


def _days_apply(text: str, s: Settings, _: Library) -> Settings:
    if text.strip().lower().strip("!. ") in KEEP_WORDS:
        return s
    return s.with_(weekdays=parse_weekdays(text))


def _length_label(minutes: int) -> str:
    return f"About {minutes} min"


# A clock time given for a length ("7am", "07:30", "6 pm"): the next question's answer.
_LENGTH_LOOKS_LIKE_A_TIME = re.compile(r"\d\s*(a\.?m\b|p\.?m\b)|\d:\d\d", re.IGNORECASE)


def _length_apply(text: str, s: Settings, _: Library) -> Settings:
    t = text.strip().lower()
    if _LENGTH_LOOKS_LIKE_A_TIME.search(t):
        raise AnswerError(
            "That looks like a time of day; I'll ask for that next. For now, how many "
            "minutes can a session be? e.g. " + ", ".join(str(m) for m in SESSION_LENGTHS) + "."
        )
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


# What people call the units ("pounds please", "kilos", "metric").
UNIT_WORDS: dict[str, tuple[str, ...]] = {
    "kg": ("kg", "kgs", "kilo", "kilos", "kilogram", "kilograms", "kilogrammes", "metric"),
    "lb": ("lb", "lbs", "pound", "pounds", "imperial", "us"),
}


def _units_apply(text: str, s: Settings, _: Library) -> Settings:
    try:
        return s.with_(units=_choice(text, {"kg": "kg", "lb": "lb"}))
    except AnswerError:
        found = _by_words(text, UNIT_WORDS)
        if len(found) != 1:
            raise
        return s.with_(units="kg" if found[0] == "kg" else "lb")


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
