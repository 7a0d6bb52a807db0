"""Reads what people type after a set: "12 10 10", "3x12 @ 16kg", "3x30s", "skip", "done".

A reply is read as sets only when it is shaped like sets; numbers inside ordinary sentences
are not sets. How a reply is read (the rules the coach relies on):

* Numbers are read as sets of reps. A rep list ("12 10 10", "10/10/8", "12, 10, 8",
  "12-10-8") is one set per number; a lone "12" is one set of 12.
* "AxB" (also "A x B", "A×B", "A*B", "A sets of B", "A sets x B reps") is A sets of B, the
  usual sets-first convention. "10 reps x 3" and "45s x 3" name the rep/hold side, so the
  other number is the set count.
* A number with a time unit is a hold: "45 sec", "30 seconds", "1 min", "1:30", "3x30s".
* A number with a load unit is a load: "16kg", "22,5 kg", "35 lbs", "35#". So is the number
  after "@", "with" or "at", and after a second "x" ("3x10x16"); without a unit the load's
  `unit` is None and the caller uses the person's unit. "bw"/"bodyweight" (or a load of 0)
  means no load. "10 x 16kg" is one set of 10 at 16 kg.
* One load applies to every set. With several loads, a load belongs to the sets just before
  it ("12@16 10@18", "12 10 @16 8 @18"), sets after the last load keep it, and a load typed
  before any sets ("with 20kg 3x10") applies forward. A load with no sets to go with is an
  error, and so is a unit with no number ("kg").
* Effort ("rpe 8", "rpe 7.5", "rir 2", "@ rpe 8", "8 rpe") belongs to the group of sets
  just before it (or, typed first, the one just after): "3x8 @ 60kg rpe 8" is three sets at
  RPE 8, "12 10 10 rpe 8" only the last set (the one people rate), "12 rpe 7, 10 rpe 9"
  one each. RPE runs 1-10 in half steps, RIR 0-10.
* Numbers that belong to the sentence are not sets: a number before a word that counts
  something else ("2 days", "5 hours", "3 times", "80%"), after a word that places it
  ("in 3", "since 2019", "top 10", "on 12/05", "may 5"), clock times ("7am", "at 9:15"),
  dates ("12/05/2026") and "1 of 3".
* Questions ("done?", "did I skip", "should I skip today"), negated or hedged done/skip
  ("not done", "almost done", "don't skip", "I will not skip"), plans ("skip tomorrow",
  "will be done later") and "can't do it today" never log: they raise `NotALog`, whose
  `reason` tells the coach which answer fits.
* A reply that could be a log but might not be ("did 2": a lone number among words, sets
  inside a long sentence, "done" inside one) reads with `needs_confirmation=True` and the
  reading it would log, so the coach can ask back instead of guessing. `read_log` returns
  that `Reading`; `parse_log`, for callers that can't ask, raises `NeedsConfirmation`.
* A reply that reads as several named exercises ("rdl 3x10, bridge 15 15") is refused by
  `parse_log`: that is `parse_exercise_list`'s job, and guessing one exercise would log the
  wrong thing.
* With no numbers: "skip"/"skipped"/"pass"/"not today"/"didn't" mean skip, and
  "done"/"did it"/"all done"/"✅" mean done as prescribed. Both at once, or "skip" next to
  numbers, is ambiguous: an error that asks.
* Numerals are read by `bot.core.numerals`: any script's decimal digits count, while "²",
  "①" and "½" are refused with a friendly message rather than guessed.
* Implausible values are errors: reps outside 1-200, holds outside 1-600 s, more than 20
  sets, loads over 500 kg / 1100 lb (also for a load without a unit, whose unit the caller
  knows: check `MAX_LOAD` there), negative numbers, fractional reps.

Every function here raises only `LogParseError` (or its subclasses); `.message` is short,
plain text (no markdown) and shows what works.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from bot.core.numerals import NumeralError, ascii_digits
from bot.core.text import fold

Unit = Literal["kg", "lb"]
Kind = Literal["sets", "skip", "done"]
# Why a reply is conversation rather than a log (see NotALog).
Chat = Literal["question", "negated", "not_yet", "plan", "cant", "prose", "unreadable"]

MAX_REPS = 200
MAX_SECONDS = 600
MAX_SETS = 20
MAX_LOAD: dict[str, float] = {"kg": 500.0, "lb": 1100.0}
MAX_RPE = 10.0
MAX_RIR = 10

EXAMPLES = 'Try "12 10 10", "3x12 @ 16kg", "3x30s" or "skip".'
LIST_EXAMPLE = '"rdl 3x10 @ 40kg, bridge 15 15 15"'


@dataclass(frozen=True, slots=True)
class ParsedSet:
    reps: int | None
    seconds: int | None
    load: float | None  # as typed, in `unit`
    unit: Unit | None  # None: not given (use the person's unit); bodyweight has load None too
    rpe: float | None = None  # rate of perceived exertion, 1-10 in half steps
    rir: int | None = None  # reps in reserve

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "reps": self.reps,
            "seconds": self.seconds,
            "load": self.load,
            "unit": self.unit,
        }
        # Only when given, so readings stored before effort existed look the same.
        if self.rpe is not None:
            out["rpe"] = self.rpe
        if self.rir is not None:
            out["rir"] = self.rir
        return out

    @classmethod
    def from_json(cls, s: dict[str, Any]) -> ParsedSet:
        return cls(s["reps"], s["seconds"], s["load"], s["unit"], s.get("rpe"), s.get("rir"))


@dataclass(frozen=True, slots=True)
class ParsedLog:
    kind: Kind
    sets: tuple[ParsedSet, ...]  # empty for skip/done

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "sets": [s.to_json() for s in self.sets]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ParsedLog:
        return cls(kind=data["kind"], sets=tuple(map(ParsedSet.from_json, data["sets"])))


@dataclass(frozen=True, slots=True)
class Reading:
    """What a reply says. With `needs_confirmation`, `log` is a guess the person must confirm."""

    log: ParsedLog
    needs_confirmation: bool = False
    why: str = ""  # what made it unsure: "lone number", "long sentence", "hedged", ...

    def to_json(self) -> dict[str, Any]:
        return {"log": self.log.to_json(), "ask": self.needs_confirmation, "why": self.why}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reading:
        return cls(ParsedLog.from_json(data["log"]), bool(data["ask"]), str(data["why"]))


class LogParseError(ValueError):
    """A reply we can't (or shouldn't) log. `message` is ready to show the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _SentenceLike(LogParseError):
    """An error that, with words around it, means a sentence ("walked for 30 minutes")."""


class NotALog(LogParseError):
    """The reply is conversation (a question, a plan, a pain report...), not a log."""

    def __init__(self, reason: Chat, message: str | None = None) -> None:
        super().__init__(message or _CHAT_MESSAGES[reason])
        self.reason: Chat = reason


class NeedsConfirmation(LogParseError):
    """From `parse_log`: the reply might be a log; `reading` is what it would log."""

    def __init__(self, reading: Reading) -> None:
        super().__init__(f"Did you mean {describe(reading.log)}? {_CONFIRM_HINT}")
        self.reading = reading


_CONFIRM_HINT = 'To log it, send just the sets, like "12 10 10" or "3x12 @ 16kg".'
_CHAT_MESSAGES: dict[Chat, str] = {
    "question": 'Nothing logged. When you\'ve trained, reply with your sets like "12 10 10", '
    'or "skip".',
    "negated": 'Nothing logged. Reply with what you did, like "12 10 10", or "skip".',
    "not_yet": 'No rush, nothing logged yet. When you\'re done, reply with sets like "12 10 10".',
    "plan": 'Nothing logged for today. Once you\'ve trained, reply with sets like "12 10 10".',
    "cant": 'That\'s okay, nothing logged. Send "skip" to skip it, or your sets when you train.',
    "prose": 'I didn\'t log anything from that. To log, reply with sets like "12 10 10" or "skip".',
    "unreadable": f"I couldn't read that as sets. {EXAMPLES}",
}


def describe(log: ParsedLog) -> str:
    """Plain words for a reading, for questions like "Log 2 reps of Glute bridge?"."""
    if log.kind == "skip":
        return "a skip"
    if log.kind == "done":
        return "done as prescribed"
    return format_sets(log.sets, plain=True)


def format_sets(sets: tuple[ParsedSet, ...], *, plain: bool = False) -> str:
    """Sets as a reply that `parse_log` reads back to the same sets ("12@16kg rpe 8, 10 bw").

    With `plain`, a friendlier spelling for questions ("2 reps", "3 x 10 reps @ 16 kg").
    """
    if plain and sets and all(s == sets[0] for s in sets):
        s = sets[0]
        dose = f"{s.reps} rep{'s' * (s.reps != 1)}" if s.reps is not None else f"{s.seconds} s"
        count = f"{len(sets)} x " if len(sets) > 1 else ""
        return count + dose + _extras(s, plain=True, loaded=False)
    loaded = any(s.load is not None for s in sets)
    return ", ".join(_dose(s) + _extras(s, plain=plain, loaded=loaded) for s in sets)


def _dose(s: ParsedSet) -> str:
    return f"{s.reps}" if s.reps is not None else f"{s.seconds}s"


def _extras(s: ParsedSet, *, plain: bool, loaded: bool) -> str:
    if s.load is None:
        text = " bw" if loaded else ""
    elif plain:
        text = f" @ {s.load:g} {s.unit}" if s.unit else f" @ {s.load:g}"
    else:
        text = f"@{s.load:g}{s.unit or ''}"
    if s.rpe is not None:
        text += f" rpe {s.rpe:g}"
    if s.rir is not None:
        text += f" rir {s.rir}"
    return text


# --- tokens -----------------------------------------------------------------------------

_UNIT_WORDS: dict[str, str] = {
    **dict.fromkeys(("kg", "kgs", "kilo", "kilos", "kilogram", "kilograms"), "kg"),
    **dict.fromkeys(("lb", "lbs", "pound", "pounds", "#"), "lb"),  # 35# is pounds
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), "s"),
    **dict.fromkeys(("min", "mins", "minute", "minutes"), "min"),
}
_ROLE_WORDS: dict[str, str] = {
    # a few other languages' set words ("3 Sätze à 10", "3 series de 12")
    **dict.fromkeys(
        ("rep", "reps", "repetitions", "wiederholungen", "wdh", "repeticiones", "herhalingen"),
        "reps",
    ),
    **dict.fromkeys(
        ("set", "sets", "round", "rounds", "satz", "satze", "saetze", "serie", "series", "serien"),
        "sets",
    ),
    **dict.fromkeys(("with", "at"), "at"),
    **dict.fromkeys(("bw", "bodyweight"), "bw"),
    "of": "of",
    **dict.fromkeys(("x", "mal"), "x"),  # "3 mal 10"
}

_TOKEN_RE = re.compile(
    r"""
      (?P<time>(?<![0-9])[0-9]{1,2}:[0-5][0-9])(?![0-9])
    | (?P<num>[0-9]+(?:\.[0-9]+)?)(?P<suffix>[^\W\d_]+|\#)?
    | (?P<word>[^\W\d_]+(?:'[^\W\d_]+)?(?:-[^\W\d_]+)*)
    | (?P<at>@)
    | (?P<x>[×*])
    | (?P<dash>-)
    | (?P<sep>[,;/:\n+&])
    | (?P<other>\S)
    """,
    re.VERBOSE,
)
_TOKEN_KINDS = ("time", "num", "word", "at", "x", "dash", "sep", "other")
# "22,5 kg" and "@ 22,5" are decimals; "12,10,8" and "12, 10" are lists.
_DECIMAL_BEFORE_UNIT = re.compile(
    r"(?<![0-9.,])([0-9]+),([0-9]{1,2})(?=\s*(?:kgs?|kilos?|kilograms?|lbs?|pounds?|\#)(?![^\W\d_]))"
)
_DECIMAL_AFTER_AT = re.compile(r"((?:@|\bat|\bwith)\s*)([0-9]+),([0-9]{1,2})(?![0-9,@x])")
_MAX_DIGITS = 7  # longer than this is never a plausible count or load


@dataclass(frozen=True, slots=True)
class _Tok:
    # num | at | x | word | dash | sep | other | bw | reps | sets | of | unit | effort | aside
    # | label ("set 1:", "(36 total)": ignored)
    kind: str
    text: str
    start: int
    end: int
    value: float = 0.0
    unit: str | None = None  # num: None | kg | lb | s (minutes become s); effort: rpe | rir


def _number(digits: str) -> float:
    if len(digits.split(".")[0]) > _MAX_DIGITS:
        raise LogParseError(f"That number is far too big to be a set. {EXAMPLES}")
    return float(digits)


def _tokens_of(text: str) -> list[_Tok]:
    """A reply as tokens: odd numerals refused, digits made ASCII, text folded."""
    try:
        plain = ascii_digits(text)
    except NumeralError as err:
        raise LogParseError(err.message) from None
    return _tokenize(_prepared(plain))


def _prepared(plain: str) -> str:
    """The text the tokens' offsets point into."""
    return _FIFTY_FIFTY.sub("fifty-fifty", _DATES.sub(" date ", fold(plain)))


# A date with a four-digit year is never a rep list ("12/05/2026", "2026-05-12").
_DATES = re.compile(
    r"(?<![0-9])(?:[0-9]{1,2}[./-][0-9]{1,2}[./-][0-9]{4}|[0-9]{4}[./-][0-9]{1,2}[./-][0-9]{1,2})"
    r"(?![0-9])"
)


_FIFTY_FIFTY = re.compile(r"(?<![0-9/])50/50(?![0-9/])")  # the idiom, not two sets of 50


def _tokenize(text: str) -> list[_Tok]:
    """Folded text -> tokens. Words keep their role (`x`, `reps`, units...) in `kind`."""
    text = _DECIMAL_AFTER_AT.sub(r"\1\2.\3", _DECIMAL_BEFORE_UNIT.sub(r"\1.\2", text))
    toks: list[_Tok] = []
    for m in _TOKEN_RE.finditer(text):
        kind = next(k for k in _TOKEN_KINDS if m.group(k) is not None)
        s, e = m.start(), m.end()
        if kind == "time":
            minutes, seconds = m.group("time").split(":")
            toks.append(_Tok("num", m.group(), s, e, int(minutes) * 60.0 + int(seconds), "s"))
        elif kind == "num":
            toks.extend(_number_tokens(m, s, e))
        elif kind == "word":
            toks.append(_word_token(m.group(), s, e))
        elif kind == "x":
            toks.append(_Tok("x", m.group(), s, e))
        else:
            toks.append(_Tok(kind, m.group(), s, e))
    return _drop_asides(_merge(toks))


def _number_tokens(m: re.Match[str], s: int, e: int) -> list[_Tok]:
    digits, suffix = m.group("num"), m.group("suffix") or ""
    value = _number(digits)
    split = m.start("suffix") if suffix else e
    if not suffix:
        return [_Tok("num", digits, s, e, value)]
    # "3x12" and "16kgx10": a trailing x is the times sign.
    times = suffix.endswith("x") and suffix != "x"
    word = suffix[:-1] if times else suffix
    if word in _UNIT_WORDS or word in ("x", "reps", "rep", "sets", "set", "rpe", "rir"):
        out = [_Tok("num", digits, s, split, value), _word_token(word, split, e)]
        if times:
            out.append(_Tok("x", "x", e - 1, e))
        return out
    # "2nd", "10am": not a count, just a word
    return [_Tok("word", m.group(), s, e)]


def _word_token(word: str, s: int, e: int) -> _Tok:
    if word in _UNIT_WORDS:
        return _Tok("unit", word, s, e, unit=_UNIT_WORDS[word])
    return _Tok(_ROLE_WORDS.get(word, "word"), word, s, e)


def _merge(toks: list[_Tok]) -> list[_Tok]:
    """Attach units to the number before them; spot negatives and "body weight"."""
    out: list[_Tok] = []
    for i, t in enumerate(toks):
        prev = out[-1] if out else None
        if t.kind == "unit" and prev is not None and prev.kind == "num" and prev.unit is None:
            value = prev.value * 60 if t.unit == "min" else prev.value
            unit = "s" if t.unit == "min" else t.unit
            out[-1] = _Tok("num", prev.text, prev.start, t.end, value, unit)
            before = out[-2] if len(out) > 1 else None
            if (
                t.unit == "s" and before is not None and before.text.endswith("min") and value < 60
            ):  # "1 min 30 s" is one hold of 90 s
                out[-2:] = [
                    _Tok("num", before.text, before.start, t.end, before.value + value, "s")
                ]
            elif t.unit == "min":
                out[-1] = _Tok("num", prev.text + "min", prev.start, t.end, value, unit)
            continue
        if t.kind == "word" and t.text == "weight" and prev is not None and prev.text == "body":
            out[-1] = _Tok("bw", "bodyweight", prev.start, t.end)
            continue
        if t.text in ("degree", "degrees") and prev is not None and prev.kind == "num":
            # an angle, part of a name: "45 degree back extension"
            out[-1] = _Tok("word", f"{prev.text} {t.text}", prev.start, t.end)
            continue
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if (
            t.kind == "dash"
            and nxt is not None
            and nxt.kind == "num"
            and nxt.start == t.end
            and (prev is None or prev.kind != "num")
        ):
            raise LogParseError(f"Negative numbers don't work for sets. {EXAMPLES}")
        out.append(t)
    return out


# "rest 60s", "90 sec rest": numbers about the rest, not sets.
_ASIDE_BEFORE = frozenset({"rest", "rested", "resting"})
_ASIDE_AFTER = frozenset({"rest", "resting", "break", "between", "recovery"})


def _drop_asides(toks: list[_Tok]) -> list[_Tok]:
    """Rest times become asides; "rpe 8", "rir 2" (and "rpe 8-9") become effort tokens."""
    out: list[_Tok] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        prev = toks[i - 1] if i else None
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if t.kind == "word" and t.text in ("rpe", "rir"):
            j = i + 1
            while j < len(toks) and toks[j].kind == "sep" and toks[j].text == ":":
                j += 1  # "rpe: 8"
            if j < len(toks) and toks[j].kind == "num" and toks[j].unit is None:
                value, end = toks[j].value, toks[j].end
                if j + 2 < len(toks) and toks[j + 1].kind == "dash" and toks[j + 2].kind == "num":
                    value, end = (value + toks[j + 2].value) / 2, toks[j + 2].end  # "rpe 8-9"
                    j += 2
                out.append(_Tok("effort", t.text, t.start, end, value, t.text))
                i = j + 1
                continue
        after = toks[i + 2] if i + 2 < len(toks) else None
        if (
            t.kind == "num"
            and t.unit is None
            and nxt is not None
            and nxt.text in ("rpe", "rir")
            and (after is None or (after.kind != "num" and after.text != ":"))
        ):
            out.append(_Tok("effort", nxt.text, t.start, nxt.end, t.value, nxt.text))  # "8 rpe"
            i += 2
            continue
        if t.kind == "num" and (
            (prev is not None and prev.kind == "word" and prev.text in _ASIDE_BEFORE)
            or (t.unit == "s" and nxt is not None and nxt.text in _ASIDE_AFTER)
        ):
            t = _Tok("aside", t.text, t.start, t.end)
        out.append(t)
        i += 1
    return out


# --- the words around the numbers ---------------------------------------------------------

# A number before one of these counts something else: "2 days", "5 hours", "3 kids".
_COUNTS_OTHER = frozenset(
    {"hour", "hours", "hr", "hrs", "h", "day", "days", "week", "weeks", "wk", "wks", "month",
     "months", "year", "years", "yr", "yrs", "yo", "am", "pm", "o'clock", "oclock", "time",
     "times", "night", "nights", "morning", "mornings", "evening", "evenings", "people",
     "person", "kid", "kids", "children", "km", "k", "miles", "mile", "mi", "m", "meters",
     "metres", "steps", "cups", "cup", "glasses", "beers", "coffees", "calories", "kcal", "cal",
     "points", "pts", "percent", "euros", "euro", "dollars", "bucks", "pages", "episodes",
     "sessions", "session", "workouts", "workout", "classes", "games", "laps", "floors",
     "stairs", "flights", "dogs", "cats", "pills", "tablets", "mg", "ml", "cm", "inches",
     "ft", "feet", "stone", "st", "nd", "rd", "th", "degrees", "degree", "deg", "celsius", "tage",
     "tagen", "stunden", "dias", "horas", "jours", "heures", "semanas", "wochen", "ans",
     "jahre", "anos", "jan", "january",
     "feb", "february", "apr", "april", "may", "jun", "june", "jul", "july",
     "aug", "august", "sep", "sept", "september", "oct", "october", "nov", "november", "dec",
     "december"}
)  # fmt: skip
# A number after one of these is placed or ranked, not counted as reps: "in 3", "top 10".
_PLACES = frozenset(
    {"in", "since", "until", "till", "til", "by", "around", "top", "number", "no", "num",
     "page", "level", "lvl", "chapter", "episode", "season", "room", "every", "past", "than",
     "from", "to", "after", "before", "on", "call", "phone", "tel", "age", "aged", "version",
     "v", "week", "day", "month", "year", "jan", "january", "feb", "february",
     "apr", "april", "may", "jun", "june", "jul", "july", "aug", "august", "sep", "sept",
     "september", "oct", "october", "nov", "november", "dec", "december", "date", "grade",
     "figure",
     "size", "bus", "route", "ticket", "order", "code", "pin", "gate", "seat", "floor", "vs",
     "i'm", "im", "it's", "its", "turned", "turning", "weigh", "weighed", "weighs"}
)  # fmt: skip
_MONEY_AND_SO_ON = frozenset("%°$€£¥")
# A duration that is not a hold: "in 5 minutes", "a 20 min walk", "10 minutes ago".
_HOLD_PLACES = frozenset({"in", "after", "since", "every", "within", "under", "than", "took"})
_HOLD_AFTER = frozenset({"ago", "walk", "walking", "run", "running", "drive", "late", "later",
                         "commute", "nap", "away", "more", "to"})  # fmt: skip
# Clock times: "at 9:15", "9:15 pm".
_CLOCK_BEFORE = frozenset({"at", "by", "around", "till", "until", "from", "since", "before",
                           "after", "about", "@", "to", "is", "for"})  # fmt: skip
_CLOCK_AFTER = frozenset({"am", "pm", "o'clock", "oclock", "uhr", "h"})

# Words that say nothing against a log: set talk, filler, how it felt, sides.
_LOG_TALK = frozenset(
    {"i", "im", "i'm", "ive", "i've", "did", "do", "got", "get", "just", "all", "total",
     "so", "then", "and", "plus", "also", "today", "now", "again", "only", "the", "a", "an",
     "on", "of", "my", "it", "that", "this", "was", "with", "at", "in", "for", "to", "more",
     "each", "per", "side", "sides", "leg", "legs", "arm", "arms", "left", "right", "l", "r",
     "lt", "rt", "first", "second", "third", "fourth", "last", "final", "one", "ones", "set",
     "sets", "rep", "reps", "felt", "feel", "feels", "feeling", "easy", "easier", "hard",
     "harder", "tough", "heavy", "heavier", "light", "lighter", "good", "great", "ok", "okay",
     "fine", "solid", "strong", "nice", "clean", "smooth", "brutal", "killer", "burn",
     "burned", "burning", "burnt", "tight", "sore", "shaky", "form", "grip", "tempo", "slow",
     "controlled", "struggled", "failed", "fail", "failure", "pump", "wow", "lol", "haha",
     "awesome", "amazing", "tired", "bad", "but", "though", "very", "really", "too",
     "pretty", "kinda", "bit", "super", "quite", "max", "rest", "rested", "break", "between",
     "bodyweight", "bw", "kg", "lb", "lbs", "kgs", "kilos", "weight", "body", "done", "is",
     "went", "managed", "finished", "completed", "up", "down", "hold", "held", "holds",
     "seconds", "sec", "secs", "s", "min", "rpe", "rir", "round", "rounds", "x", "as",
     "prescribed", "planned", "yes", "yep", "yeah", "thanks", "thx", "ty", "ish", "approx",
     "about", "around", "like", "maybe", "roughly", "or", "far", "still", "until",
     "dumbbell", "dumbbells", "db", "kb", "bell", "bells", "bar", "band", "cable"}
)  # fmt: skip
# Words that make a bare number a set reference: "12 on the 2nd set", "10 each side".
_SET_CONTEXT = frozenset({"set", "sets", "round", "rounds", "side", "sides", "leg", "legs",
                          "arm", "arms", "each", "per", "reps", "rep", "rpe", "rir"})  # fmt: skip

_INTERROGATIVES = frozenset(
    {"what", "what's", "whats", "how", "how's", "hows", "why", "when", "where", "who", "which",
     "wie", "warum", "wann", "que", "qué", "como", "pourquoi", "quand", "comment"}
)  # fmt: skip
_AUXILIARIES = frozenset(
    {"can", "could", "should", "shall", "would", "will", "do", "does", "did", "is", "are",
     "am", "was", "were", "have", "has", "may", "must", "r", "isn't", "aren't", "don't",
     "didn't", "shouldn't", "can't"}
)  # fmt: skip
_PRONOUNS = frozenset({"i", "you", "u", "we", "he", "she", "they", "there", "my", "your",
                       "this", "that", "these", "those", "it's", "its", "the", "ya"})  # fmt: skip
_NEGATORS = frozenset(
    {"not", "no", "never", "don't", "dont", "doesn't", "doesnt", "won't", "wont", "can't",
     "cant", "cannot", "shouldn't", "wouldn't", "isn't", "isnt", "aren't", "wasn't", "wasnt",
     "haven't", "havent", "hasn't", "hadn't", "didn't", "didnt", "couldn't", "couldnt",
     "without", "nor", "nicht", "kein", "keine", "nie", "pas", "jamais", "nunca"}
)  # fmt: skip
_CANT = frozenset({"can't", "cant", "cannot", "unable"})
# Before "done": it isn't done yet, or only might be.
_HEDGES = frozenset(
    {"almost", "nearly", "half", "halfway", "partly", "partially", "mostly", "soon", "when",
     "once", "if", "after", "until", "till", "before", "yet", "later", "tomorrow", "tonight",
     "will", "i'll", "ill", "we'll", "gonna", "going", "want", "wanna", "hope", "hopefully",
     "probably", "maybe", "might", "should", "need", "needs", "try", "trying", "be",
     "getting", "about"}
)  # fmt: skip
# After "done": "done yet", "done soon", "done in 10".
_AFTER_DONE_HEDGES = frozenset({"yet", "soon", "later", "tomorrow", "tonight", "in", "by",
                                "after", "before", "when", "if", "once", "shortly"})  # fmt: skip
# Days to come: a skip or a done about them is a plan, not a log.
_FUTURE = frozenset({"tomorrow", "tmrw", "tmr", "tomorow", "tonight", "later", "morgen",
                     "manana", "demain"})  # fmt: skip
_NEXT = frozenset({"week", "time", "session", "day", "workout", "month"})  # "next week"
_PLAN_WORDS = frozenset({"goal", "goals", "aim", "aiming", "target", "want", "wanna", "plan",
                         "planning", "hope", "hoping", "will", "i'll", "ill", "gonna", "going",
                         "should", "might", "try", "trying", "next"})  # fmt: skip
# Done with something else: "done with work", "finished my coffee", "done with this program".
_LIFE = frozenset({"work", "job", "shift", "dinner", "lunch", "breakfast", "coffee", "school",
                   "class", "meeting", "meetings", "homework", "chores", "cleaning", "shopping",
                   "program", "programme", "app", "bot", "you", "this", "life", "food",
                   "eating", "laundry", "day"})  # fmt: skip
_PAST = frozenset({"did", "done", "finished", "completed", "managed", "got", "went", "hit",
                   "felt", "was", "were"})  # fmt: skip
_NOW = frozenset({"today", "now", "this", "today's", "todays", "heute", "hoy"})

_STRONG_SKIP = frozenset({"skip", "skipped", "skipping", "skips"})
_SKIP_WORDS = _STRONG_SKIP | {"pass", "passed", "didn't", "didnt", "missed", "couldn't"}
_SKIP_PAIRS = frozenset({("not", "today"), ("no", "time"), ("did", "not"), ("could", "not")})
_SKIP_ALONE = frozenset({"no", "nope", "nah", "n"})
_SKIP_SYMBOLS = frozenset("❌✖✗⏭🚫")
_DONE_WORDS = frozenset({"done", "finished", "completed", "complete", "fertig", "erledigt",
                         "hecho", "listo", "fait", "fini", "termine", "klaar"})  # fmt: skip
_DONE_PAIRS = frozenset(
    {("did", "it"), ("did", "them"), ("did", "that"), ("did", "all"), ("did", "everything"),
     ("as", "prescribed"), ("as", "planned")}
)  # fmt: skip
_DONE_ALONE = frozenset({"yes", "yep", "yeah", "y", "ok", "okay", "did", "ya", "yup"})
_DONE_SYMBOLS = frozenset("✅✔☑✓")
_DONE_ALONE_SYMBOLS = frozenset("👍💪")  # alone, not inside a sentence

_ORDINAL = re.compile(r"[0-9]+(?:st|nd|rd|th)")
_PROSE_LIMIT = 5  # more words than this that aren't log talk: a sentence, so ask


@dataclass(frozen=True, slots=True)
class _Words:
    """What the words of one reply say, apart from the sets."""

    words: tuple[str, ...]  # in order, with "," ";" and newlines as "|"
    symbols: frozenset[str]
    prose: int  # words that are not log talk (nor a leading exercise name)
    numbers_in_prose: bool  # a number belonged to the sentence ("2 days", "7am")

    def clauses(self) -> list[list[str]]:
        out: list[list[str]] = [[]]
        for w in self.words:
            if w == "|":
                out.append([])
            else:
                out[-1].append(w)
        return [c for c in out if c]

    def plain(self) -> list[str]:
        return [w for w in self.words if w != "|"]


def _words(toks: list[_Tok], numbers_in_prose: bool, *, named: bool) -> _Words:
    words: list[str] = []
    symbols = set()
    for t in toks:
        if t.kind == "sep" and t.text in ",;\n.!":
            words.append("|")
        elif t.kind == "other":
            if t.text in ".!":
                words.append("|")
            elif t.text not in "()[]'\"":
                symbols.add(t.text)
        elif t.kind not in ("sep", "dash", "num", "at", "effort", "aside", "x", "label"):
            words.append(t.text)
    plain = [w for w in words if w != "|"]
    lead = 0
    if not named:  # leading words before the first number may be the exercise's name
        first_num = next((i for i, t in enumerate(toks) if t.kind == "num"), None)
        if first_num is not None and toks and toks[0].kind == "word":
            names = [t for t in toks[:first_num] if t.kind == "word"]
            if (
                names
                and names[0].text not in _NOT_NAME_START
                and len(names) <= 4
                and not any(_not_in_names(t.text) for t in names)
            ):
                lead = len(names)
    prose = sum(
        1
        for w in plain[lead:]
        if w not in _LOG_TALK and not _is_keyword_word(w) and not _digit_first(w)
    )
    # "7am", "5k" (but not "2nd": "12 on the 2nd set")
    in_prose = numbers_in_prose or any(
        _digit_first(w) and not _ORDINAL.fullmatch(w) and " " not in w for w in plain
    )
    return _Words(tuple(words), frozenset(symbols), prose, in_prose)


def _digit_first(w: str) -> bool:
    return "0" <= w[:1] <= "9"  # words here are already ASCII-digit (see _tokens_of)


def _is_keyword_word(w: str) -> bool:
    return w in _SKIP_WORDS or w in _DONE_WORDS or w in _NEGATORS or w in _SKIP_ALONE


def _numbers_in_prose(toks: list[_Tok]) -> tuple[list[_Tok], bool]:
    """Numbers that belong to the sentence become words; True when there were any."""
    out = list(toks)
    found = False

    def word_at(j: int) -> str:
        return out[j].text if 0 <= j < len(out) and out[j].kind != "num" else ""

    for i, t in enumerate(out):
        if t.kind != "num":
            continue
        bare = t.unit is None
        clock = ":" in t.text
        before, after = word_at(i - 1), word_at(i + 1)
        after2 = word_at(i + 2)
        word_after = i + 1 < len(out) and out[i + 1].kind == "word"
        prose = (
            (bare and (after in _COUNTS_OTHER or before in _PLACES))
            or (bare and word_after and after2 in _COUNTS_OTHER)  # "2 rest days"
            or (bare and (after in _MONEY_AND_SO_ON or before in _MONEY_AND_SO_ON))

            or (clock and (before in _CLOCK_BEFORE or after in _CLOCK_AFTER))
            or (t.unit == "s" and (before in _HOLD_PLACES or after in _HOLD_AFTER))
        )  # fmt: skip
        nxt = out[i + 1] if i + 1 < len(out) else None
        if (
            bare
            and nxt is not None
            and nxt.kind == "x"
            and _per_period(word_at(i + 2), word_at(i + 3))
        ):
            out[i + 1] = _Tok("word", nxt.text, nxt.start, nxt.end)  # "2x a week", "3x this week"
            prose = True
        # Not sets, but part of writing sets down: "set 1: 12", "(36 total)", "= 36".
        label = (
            bare
            and before in _SET_LABELS
            and (i < 2 or out[i - 2].kind != "num")
            and after in _LABEL_ENDS
        )
        total = bare and (before == "=" or (before == "(" and after in ("total", ")")))
        if label or total:
            out[i] = _Tok("label", t.text, t.start, t.end)
            if label:  # the "set" of "set 1:" is a label too, not "12 sets of"
                out[i - 1] = _Tok("label", out[i - 1].text, out[i - 1].start, out[i - 1].end)
            continue
        n_of_m = bare and after == "of" and i + 2 < len(out) and out[i + 2].kind == "num"
        if n_of_m:  # "1 of 3", "set 2 of 4": a place in a series
            out[i + 2] = _Tok("word", out[i + 2].text, out[i + 2].start, out[i + 2].end)
        if prose or n_of_m:
            found = True
            out[i] = _Tok("word", t.text, t.start, t.end)
            # "on 12/05", "since 3-4": the numbers joined to a placed one go with it
            j = i + 1
            while (
                j + 1 < len(out)
                and out[j].kind in ("sep", "dash", "other")
                and out[j].text in "/.-"
                and out[j + 1].kind == "num"
                and out[j + 1].unit is None
            ):
                out[j + 1] = _Tok("word", out[j + 1].text, out[j + 1].start, out[j + 1].end)
                j += 2
    return out, found


_SET_LABELS = frozenset({"set", "sets", "round", "rounds", "#"})  # "set 1: 12"
_LABEL_ENDS = frozenset({":", "=", "-", ")", "."})


def _per_period(first: str, second: str) -> bool:
    """ "a week", "per day", "this week", "/week", "weekly" after a count."""
    if first in ("weekly", "daily", "monthly") or first in _COUNTS_OTHER:
        return True
    return first in ("a", "per", "this", "every", "each", "/", "last", "next") and (
        second in _COUNTS_OTHER
    )


@dataclass(frozen=True, slots=True)
class _Intent:
    skip: bool
    strong_skip: bool
    done: bool
    chat: Chat | None  # conversation that must not log, whatever else it says
    hedged: bool  # a reading here should be confirmed
    future: bool  # about days to come ("tomorrow", "next week")
    plan: bool  # an aim or intention ("goal is 3x15", "I'll do 3x10")


def _question(w: _Words) -> bool:
    if w.symbols & {"?", "¿", "？"}:
        return True
    for clause in w.clauses():
        first = clause[0]
        if first in _INTERROGATIVES:
            return True
        if first in _AUXILIARIES and len(clause) > 1 and clause[1] in _PRONOUNS:
            if first == "did" and clause[1] in ("it", "that", "this", "the"):
                continue  # "did it", "did the set": done, not "did you...?"
            return True
    return False


def _negated(words: list[str], i: int) -> bool:
    """A negator in the three words before words[i] (same clause)."""
    return any(w in _NEGATORS for w in words[max(0, i - 3) : i])


def _intent(w: _Words) -> _Intent:
    if _question(w):
        return _Intent(False, False, False, "question", True, False, False)
    symbols = w.symbols
    skip = bool(symbols & _SKIP_SYMBOLS)
    done = bool(symbols & _DONE_SYMBOLS)
    strong = False
    chat: Chat | None = None
    hedged = False
    cant = False
    plain = w.plain()
    future = any(
        x in _FUTURE or (x == "next" and y in _NEXT)
        for x, y in zip(plain, [*plain[1:], ""][: len(plain)], strict=True)
    ) and not any(x in _NOW for x in plain)
    for clause in w.clauses():
        for i, word in enumerate(clause):
            pair = (word, clause[i + 1]) if i + 1 < len(clause) else None
            before = clause[max(0, i - 3) : i]
            if word in _STRONG_SKIP or (
                word in _SKIP_WORDS and not _skip_word_is_negator(clause, i)
            ):
                if _negated(clause, i) or (i > 0 and clause[i - 1] in ("if", "should", "may")):
                    chat = chat or "negated"  # "don't skip", "I will not skip", "if I skip"
                    continue
                if future:
                    chat = chat or "plan"  # "skip tomorrow"
                    continue
                skip = True
                strong = strong or word in _STRONG_SKIP
            elif pair in _SKIP_PAIRS:
                if future and pair != ("not", "today"):
                    chat = chat or "plan"
                    continue
                skip = True
            if word in _DONE_WORDS or pair in _DONE_PAIRS:
                after = clause[i + 1] if i + 1 < len(clause) else ""
                if _negated(clause, i) or (word == "done" and clause[i - 1 : i] == ["get"]):
                    chat = chat or "not_yet"  # "not done", "haven't finished"
                elif any(b in _HEDGES for b in before) or after in _AFTER_DONE_HEDGES or future:
                    chat = chat or "not_yet"  # "almost done", "done soon", "when done"
                elif any(x in _LIFE for x in clause[i + 1 : i + 4]):
                    chat = chat or "prose"  # "done with work", "finished my coffee"
                else:
                    done = True
        cant = cant or any(x in _CANT for x in clause)
    if cant and not strong:
        chat = chat or "cant"  # "can't do it today": answer, don't log a skip
    if len(plain) == 1 and not symbols - {"!", ".", "\ufe0f"}:
        skip = skip or plain[0] in _SKIP_ALONE
        done = done or plain[0] in _DONE_ALONE
    if not plain and symbols & _DONE_ALONE_SYMBOLS and not symbols & _SKIP_SYMBOLS:
        done = True
    if skip or done:
        partial = skip and any(x in _SET_CONTEXT or x == "last" for x in plain)  # "missed a rep"
        hedged = w.prose > 3 or w.numbers_in_prose or partial
    plan = any(x in _PLAN_WORDS for x in plain)
    return _Intent(skip, strong, done, chat, hedged, future, plan)


def _skip_word_is_negator(clause: list[str], i: int) -> bool:
    """ "didn't"/"couldn't" negate a following skip or done ("didn't skip", "didn't finish")."""
    nxt = clause[i + 1 : i + 4]
    return clause[i] in _NEGATORS and any(
        x in _STRONG_SKIP or x in _DONE_WORDS or x in ("miss", "stop") for x in nxt
    )


# --- sets and loads ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Group:
    count: int
    reps: int | None
    seconds: int | None
    bare: bool = False  # a plain number with nothing around it: "did 2" might not be a set


@dataclass(frozen=True, slots=True)
class _Load:
    load: float | None  # None: bodyweight
    unit: Unit | None


@dataclass(frozen=True, slots=True)
class _Effort:
    rpe: float | None
    rir: int | None


def _effort(t: _Tok) -> _Effort:
    if t.unit == "rir":
        if t.value != int(t.value) or not 0 <= t.value <= MAX_RIR:
            raise LogParseError(f'RIR is reps left in the tank, 0 to {MAX_RIR}. Try "3x8 rir 2".')
        return _Effort(None, int(t.value))
    if t.value * 2 != int(t.value * 2) or not 1 <= t.value <= MAX_RPE:
        raise LogParseError(f'RPE runs from 1 to {MAX_RPE:g} in half steps. Try "3x8 rpe 8".')
    return _Effort(t.value, None)


_Item = _Group | _Load | _Effort
_OF = frozenset({"a", "de", "je", "zu"})  # "3 Sätze à 10", "3 series de 12"


def _whole(value: float, what: str) -> int:
    if value != int(value):
        raise LogParseError(f"{what} are whole numbers. {EXAMPLES}")
    return int(value)


def _group(count: float, reps: float | None = None, seconds: float | None = None) -> _Group:
    n = _whole(count, "Sets")
    if n < 1:
        raise LogParseError(f"That needs at least one set. {EXAMPLES}")
    if n > MAX_SETS:
        raise LogParseError(f"{n} sets is more than I can log at once (max {MAX_SETS}). {EXAMPLES}")
    if reps is not None:
        r = _whole(reps, "Reps")
        if not 1 <= r <= MAX_REPS:
            raise LogParseError(f"{r} reps in a set looks off: I log 1 to {MAX_REPS}. {EXAMPLES}")
        return _Group(n, r, None)
    assert seconds is not None
    sec = round(seconds)
    if not 1 <= sec <= MAX_SECONDS:
        raise _SentenceLike(
            f'A {sec}s hold looks off: I log 1 to {MAX_SECONDS} seconds. Try "3x30s" or "45 sec".'
        )
    return _Group(n, None, sec)


def _load(value: float, unit: str | None) -> _Load:
    if value == 0:
        return _Load(None, None)  # "0kg" is no added weight
    limit = MAX_LOAD[unit or "lb"]
    if value > limit:
        shown = f"{value:g} {unit}" if unit else f"{value:g}"
        raise LogParseError(
            f'{shown} is more than I can log (max 500 kg / 1100 lb). Try "3x12 @ 16kg".'
        )
    return _Load(value, "kg" if unit == "kg" else "lb" if unit == "lb" else None)


class _Reader:
    """A small recursive-descent reader over the meaningful tokens of one reply."""

    def __init__(self, toks: list[_Tok]) -> None:
        # Words stay in as gaps: "12 on the 2nd set" is not "12 sets".
        keep = ("num", "at", "x", "bw", "reps", "sets", "of", "unit", "word", "effort")
        self.toks = [t for t in toks if t.kind in keep]
        self.i = 0
        self.items: list[_Item] = []

    def peek(self, ahead: int = 0) -> _Tok | None:
        j = self.i + ahead
        return self.toks[j] if j < len(self.toks) else None

    def is_(self, ahead: int, kind: str, *units: str | None) -> bool:
        t = self.peek(ahead)
        return t is not None and t.kind == kind and (not units or t.unit in units)

    def read(self) -> list[_Item]:
        while (t := self.peek()) is not None:
            self.i += 1
            if t.kind == "num":
                self.number(t)
            elif t.kind == "at":
                self.at(t)
            elif t.kind == "bw":
                self.items.append(_Load(None, None))
            elif t.kind == "effort":
                self.items.append(_effort(t))
            elif t.kind == "x":
                self.times()
            elif t.kind == "unit" and t.text != "second":  # "on the second" is a place
                raise _SentenceLike(f'I see "{t.text}" but no number with it. {EXAMPLES}')
            # words, and "reps", "sets", "of" on their own, are filler ("did all sets")
        return self.items

    def number(self, t: _Tok) -> None:
        if t.unit in ("kg", "lb"):
            self.items.append(_load(t.value, t.unit))
        elif t.unit == "s":
            self.hold(t)
        elif self.is_(0, "x"):
            self.sets_times(t)
        elif self.is_(0, "reps"):
            self.i += 1
            if self.is_(0, "x") and self.is_(1, "num", None):  # 10 reps x 3
                self.items.append(_group(self.toks[self.i + 1].value, reps=t.value))
                self.i += 2
            else:
                self.items.append(_group(1, reps=t.value))
        elif self.is_(0, "sets"):
            self.sets_of(t)
        else:
            g = _group(1, reps=t.value)
            self.items.append(_Group(g.count, g.reps, g.seconds, bare=True))

    def hold(self, t: _Tok) -> None:
        if self.is_(0, "x") and self.is_(1, "num", None):  # 45s x 3
            self.items.append(_group(self.toks[self.i + 1].value, seconds=t.value))
            self.i += 2
        else:
            self.items.append(_group(1, seconds=t.value))

    def sets_times(self, t: _Tok) -> None:
        self.i += 1  # the x
        second = self.peek()
        if second is None or second.kind != "num":
            raise _SentenceLike(f'"{t.text}x" what? {EXAMPLES}')
        self.i += 1
        pair = t.value <= 2 and any(isinstance(item, _Group) for item in self.items)
        if second.unit in ("kg", "lb") and pair:  # "3x10 2x16kg": a pair of 16 kg bells
            self.items.append(_load(second.value, second.unit))
        elif second.unit in ("kg", "lb"):  # 10 x 16kg: reps x load
            self.items += [_group(1, reps=t.value), _load(second.value, second.unit)]
        else:
            self.each(t, second)

    def sets_of(self, t: _Tok) -> None:
        self.i += 1  # "sets"
        if (
            self.is_(0, "of")
            or self.is_(0, "x")
            or (self.is_(0, "word") and self.toks[self.i].text in _OF)
        ):
            self.i += 1
        reps = self.peek()
        if reps is None or reps.kind != "num" or reps.unit in ("kg", "lb"):
            raise LogParseError(
                f'{t.text:.7} sets of how many? Try "3 sets of 10" or "3x12 @ 16kg".'
            )
        run = self.bare_run()
        if len(run) == t.value and len(run) > 1:  # "3 sets: 10 10 8" lists the three
            self.items += [_group(1, reps=r.value) for r in run]
            self.i += len(run)
            return
        self.i += 1
        self.each(t, reps)

    def bare_run(self) -> list[_Tok]:
        run: list[_Tok] = []
        while self.is_(len(run), "num", None) and ":" not in self.toks[self.i + len(run)].text:
            run.append(self.toks[self.i + len(run)])
        return run

    def each(self, count: _Tok, dose: _Tok) -> None:
        """`count` sets of `dose`: a hold when it has seconds, else reps (maybe then "reps")."""
        if dose.unit == "s":
            self.items.append(_group(count.value, seconds=dose.value))
        else:
            self.items.append(_group(count.value, reps=dose.value))
            if self.is_(0, "reps"):
                self.i += 1

    def at(self, t: _Tok) -> None:
        nxt = self.peek()
        if nxt is not None and nxt.kind == "num" and nxt.unit != "s":
            self.i += 1
            self.items.append(_load(nxt.value, nxt.unit))
        elif nxt is not None and nxt.kind == "bw":
            self.i += 1
            self.items.append(_Load(None, None))
        elif nxt is not None and nxt.kind == "effort":
            return  # "@ rpe 8": the effort reads itself
        elif t.text == "@":
            raise LogParseError('I see "@" but no weight after it. Try "3x12 @ 16kg" or "@ bw".')
        # "with"/"at" before anything else is just a word

    def times(self) -> None:
        """An `x` not between sets and reps: `16kg x 10` or `3x10 x 16`."""
        prev = self.items[-1] if self.items else None
        nxt = self.peek()
        if isinstance(prev, _Load) and nxt is not None and nxt.kind == "num":
            return  # 16kg x 10: the load, then the reps
        if isinstance(prev, _Group) and prev.bare and self.is_(0, "num", None):
            self.i += 1  # "15 each leg x 2": reps, then the set count
            self.items[-1] = _group(self.toks[self.i - 1].value, reps=prev.reps)
            return
        if isinstance(prev, _Group) and nxt is not None and nxt.kind == "num" and nxt.unit != "s":
            self.i += 1
            self.items.append(_load(nxt.value, nxt.unit))  # 3x10x16: sets x reps x load
            return
        raise LogParseError(f'I couldn\'t tell what the "x" joins. {EXAMPLES}')


def _attach(items: list[_Item], orphan: str) -> list[tuple[_Group, _Load | None]]:
    """Pair each group of sets with its load: see the module docstring."""
    pairs: list[tuple[_Group, _Load | None]] = []
    pending: list[_Group] = []
    forward: _Load | None = None  # typed before its sets
    last: _Load | None = None
    used: list[_Load] = []
    for item in items:
        if isinstance(item, _Group):
            if forward is not None:
                pairs.append((item, forward))
                used.append(forward)
            else:
                pending.append(item)
        elif not isinstance(item, _Load):
            continue
        elif pending:
            pairs += [(g, item) for g in pending]
            pending, last = [], item
            used.append(item)
        else:
            forward = item
    pairs += [(g, last) for g in pending]
    order = {id(item): i for i, item in enumerate(items)}
    pairs.sort(key=lambda pair: order[id(pair[0])])
    if any(all(x is not u for u in used) for x in items if isinstance(x, _Load)):
        raise LogParseError(f"{orphan} has no sets to go with. {EXAMPLES}")
    return pairs


def _efforts(items: list[_Item]) -> dict[int, _Effort]:
    """Each effort's group (by id): the group just before it, else the one just after."""
    groups = [(i, item) for i, item in enumerate(items) if isinstance(item, _Group)]
    out: dict[int, _Effort] = {}
    for i, item in enumerate(items):
        if not isinstance(item, _Effort):
            continue
        before = [g for j, g in groups if j < i]
        after = [g for j, g in groups if j > i]
        target = before[-1] if before and id(before[-1]) not in out else None
        if target is None and after and id(after[0]) not in out:
            target = after[0]
        if target is None:
            raise LogParseError(f"One effort (rpe or rir) has no sets to go with. {EXAMPLES}")
        out[id(target)] = item
    return out


def _sets(items: list[_Item]) -> tuple[ParsedSet, ...]:
    loads = _attach(items, "One weight")
    efforts = _efforts(items)
    out: list[ParsedSet] = []
    for group, load in loads:
        effort = efforts.get(id(group))
        value, unit = (load.load, load.unit) if load is not None else (None, None)
        rpe, rir = (effort.rpe, effort.rir) if effort is not None else (None, None)
        out += [ParsedSet(group.reps, group.seconds, value, unit, rpe, rir)] * group.count
    if len(out) > MAX_SETS:
        raise LogParseError(
            f"{len(out)} sets is more than I can log at once (max {MAX_SETS}). {EXAMPLES}"
        )
    return tuple(out)


def _read(toks: list[_Tok], *, named: bool = False, empty_is_done: bool = False) -> Reading:
    """One exercise's reply (or one list entry's body when `named`) as a Reading."""
    toks, dropped = _numbers_in_prose(toks)
    words = _words(toks, dropped, named=named)
    intent = _intent(words)
    if intent.chat == "question":
        raise NotALog("question")
    try:
        items = _Reader(toks).read()
        groups = [item for item in items if isinstance(item, _Group)]
        sets = _sets(items) if groups else ()
    except LogParseError as err:
        sentence = isinstance(err, _SentenceLike) and any(
            w not in _UNIT_WORDS for w in words.plain()
        )
        if sentence or words.prose >= 1 or words.numbers_in_prose:
            raise NotALog("prose") from None  # a sentence with numbers, not a wrong log
        if intent.done and intent.chat is None:
            return Reading(ParsedLog("done", ()), True, "done with numbers")  # "did all 3 sets"
        raise
    if groups:
        if intent.strong_skip:
            raise LogParseError(
                'Did you skip it, or do some sets? Send "skip", or the numbers like "12 10 10".'
            )
        log = ParsedLog("sets", sets)
        if intent.future and not any(w in _PAST for w in words.plain()):
            raise NotALog("plan")  # "I'll do 3x10 tomorrow", "next time 3x12"
        lone = len(groups) == 1 and groups[0].bare and len(items) == 1
        one_hold = len(items) == 1 and groups[0].count == 1 and groups[0].seconds is not None
        short = one_hold and (groups[0].seconds or 0) < 5  # "1 sec": a moment, not a hold
        if one_hold and not named and (words.prose or short):  # "give me 5 min"
            if words.prose >= 2 or words.numbers_in_prose:
                raise NotALog("prose")
            return Reading(log, True, "lone hold")
        if lone and not named:
            plain = words.plain()
            if not plain and not words.symbols - {"!", ".", "\ufe0f", "👍", "💪", "✅"}:
                return Reading(log)  # just "12"
            if words.prose >= 2 or words.numbers_in_prose:
                raise NotALog("prose")  # "I have 2 kids", "2 kids kept me up till 3"
            if words.prose == 0 and intent.chat is None and any(w in _SET_CONTEXT for w in plain):
                return Reading(log)  # "12 on the 2nd set", "10 each side"
            return Reading(log, True, "lone number")
        if intent.future:
            return Reading(log, True, "talk around the sets")  # "did 3x10, rest tomorrow"
        if intent.chat is not None or intent.plan:
            return Reading(log, True, "talk around the sets")
        if words.prose > _PROSE_LIMIT or words.numbers_in_prose:
            return Reading(log, True, "long sentence")
        return Reading(log)
    if items:  # loads or efforts only
        if any(w not in ("bw", "bodyweight") for w in words.plain()) or words.numbers_in_prose:
            raise NotALog("prose")  # "woke up at 6"
        raise LogParseError(f"Got the weight, but how many reps? {EXAMPLES}")
    if intent.chat is not None:
        raise NotALog(intent.chat)
    if intent.skip and intent.done:
        raise LogParseError('Did you skip it or finish it? Send "skip" or "done".')
    if intent.skip or intent.done:
        if words.prose >= 8 or (words.numbers_in_prose and words.prose >= 2):
            raise NotALog("prose")  # "I have 3 kids and no time"
        log = ParsedLog("skip" if intent.skip else "done", ())
        return Reading(log, intent.hedged, "words around it" if intent.hedged else "")
    if words.numbers_in_prose:
        raise NotALog("prose")
    if empty_is_done:
        return Reading(ParsedLog("done", ()), words.prose > 3, "")
    raise NotALog("prose" if words.prose >= 3 else "unreadable")


def read_log(text: str) -> Reading:
    """Read one reply about one exercise. Raises only `LogParseError` (and subclasses)."""
    toks = _tokens_of(text)
    try:
        reading = _read(toks)
    except NotALog:
        raise
    except LogParseError:
        _refuse_several(toks)
        raise
    _refuse_several(toks)
    return reading


def parse_log(text: str) -> ParsedLog:
    """`read_log` for callers that can't ask back: an unsure reading raises NeedsConfirmation."""
    reading = read_log(text)
    if reading.needs_confirmation:
        raise NeedsConfirmation(reading)
    return reading.log


def _refuse_several(toks: list[_Tok]) -> None:
    names = [name for name, _ in map(_name_and_body, _split_entries(toks))]
    if len(names) > 1 and all(names):
        raise LogParseError(
            f"That looks like more than one exercise ({', '.join(names[:3])}). "
            f"Send them as a list like {LIST_EXAMPLE}, or one at a time."
        )


# --- several exercises in one message ---------------------------------------------------

# Words that never start an exercise name: after a comma they continue the entry before.
_NOT_NAME_START = frozenset(
    {"felt", "feel", "feeling", "feels", "easy", "easier", "hard", "harder", "tough", "heavy",
     "heavier", "lighter", "great", "ok", "okay", "fine", "nice", "solid", "i", "it", "was",
     "and", "then", "but", "very", "really", "too", "pretty", "kinda", "bit", "super", "so",
     "all", "today", "again", "also", "plus", "each", "per", "did", "the", "a", "last",
     "first", "my", "form", "grip", "slow", "tempo", "rpe", "rir", "struggled", "burned",
     "lower", "upper", "left", "right", "both", "no", "not", "bad", "rest", "next"}
)  # fmt: skip
# ...nor end one ("rdl each side" is the rdl).
_NOT_NAME_END = _NOT_NAME_START | {"good", "side", "sides", "leg", "legs", "arm", "arms"}
# A part after a comma with one of these and no numbers is a remark: "lower back tight".
_REMARKS = frozenset(
    {"tight", "sore", "hurt", "hurts", "hurting", "pain", "painful", "ache", "aches", "aching",
     "burn", "burning", "burned", "burnt", "pump", "pumped", "fire", "dead", "wrecked", "cooked",
     "shaky", "weak", "stiff", "cramp", "cramped", "cramping", "tired", "exhausted", "easy",
     "hard", "heavy", "light", "tough", "brutal", "good", "great", "awesome", "nice", "fine",
     "ok", "okay", "solid", "strong", "felt", "feel", "feels", "feeling", "lol", "haha"}
)  # fmt: skip
# Words that no exercise name holds: a "name" with one is a sentence.
_NOT_IN_NAMES = (
    (_PRONOUNS - {"the"})
    | _NEGATORS
    | _FUTURE
    | _INTERROGATIVES
    | {"me", "us", "see", "thanks", "thank", "hi", "hello", "hey", "will", "would", "should",
       "could", "can", "is", "are", "am", "was", "were", "been", "have", "has", "had", "going",
       "gonna", "want", "need", "hurts", "hurt", "pain", "sick", "tired", "sorry", "please",
       "wait", "give", "gimme", "brb", "talk", "call", "text", "meet", "got", "next",
       "goal", "aim", "aiming", "plan", "planning", "target"}
)  # fmt: skip
_MARKS = str.maketrans("", "", "`*_~|[]<>\\")  # echoed text carries no markdown
_SOFT_SEPARATORS = frozenset({"and", "then", "+", "&"})


def _not_in_names(word: str) -> bool:
    """A word no exercise name holds: "see", "tomorrow", "I'll", "can't" (not "farmer's")."""
    return word in _NOT_IN_NAMES or word.endswith(("'ll", "'d", "'m", "'re", "'ve", "n't"))


def _nameable(t: _Tok) -> bool:
    return (
        t.kind == "word"
        and t.text not in _NOT_NAME_START
        and not _is_keyword(t)
        and not (_ORDINAL.fullmatch(t.text) or t.text.isdigit())  # "2nd 10" is a set
    )


def _is_keyword(t: _Tok) -> bool:
    return t.text in _SKIP_WORDS or t.text in _DONE_WORDS or t.text in ("not", "no", "did", "skip")


def _split_entries(toks: list[_Tok]) -> list[list[_Tok]]:
    """Cut at every `,` `;` newline (and `and`/`then`/`+` after numbers before a name).

    Each part is then its own entry when it starts with a name, and otherwise continues the
    entry before: "12, 10, 8" is one list, "rdl 3x10, felt easy" one entry with a remark,
    "rdl 3x10, back extension 12 12" two entries.
    """
    parts: list[tuple[_Tok | None, list[_Tok]]] = [(None, [])]
    for i, t in enumerate(toks):
        soft = t.text in _SOFT_SEPARATORS and any(x.kind == "num" for x in parts[-1][1])
        if (t.kind == "sep" and t.text in ",;\n") or (soft and _name_follows(toks, i + 1)):
            parts.append((t, []))
        else:
            parts[-1][1].append(t)
    entries: list[list[_Tok]] = []
    for sep, body in parts:
        if not entries or _starts_entry(body):
            if body:
                entries.append(body)
        else:  # the separator stays, as a clause break
            entries[-1] += [sep, *body] if sep is not None else body
    return [e for e in entries if any(t.kind != "sep" for t in e)]


def _name_follows(toks: list[_Tok], j: int) -> bool:
    while j < len(toks) and toks[j].kind in ("dash", "other", "x"):  # bullets
        j += 1
    if j + 1 < len(toks) and toks[j].kind == "bw":
        j += 1  # "bodyweight squat"
    return j < len(toks) and _nameable(toks[j])


def _starts_entry(part: list[_Tok]) -> bool:
    if not _name_follows(part, 0):
        return False
    has_numbers = any(t.kind in ("num", "effort") for t in part)
    return has_numbers or not any(t.text in _REMARKS for t in part)


def _name_and_body(entry: list[_Tok]) -> tuple[str, list[_Tok]]:
    i = 0
    while i < len(entry) and entry[i].kind in ("dash", "other", "x", "sep"):
        i += 1  # a bullet
    j = i
    while j < len(entry) and (
        (entry[j].kind == "word" and not _is_keyword(entry[j])) or entry[j].kind == "bw"
    ):
        j += 1
    stop = j
    while j > i and (entry[j - 1].kind == "bw" or entry[j - 1].text in _NOT_NAME_END):
        j -= 1  # "rdl bw 10 10": bodyweight is the load, not the name
    name = " ".join(t.text for t in entry[i:j])
    if j == stop and j > i:
        qualifier, j = _qualifier(entry, j)
        name += qualifier
    return name, entry[j:]


def _qualifier(entry: list[_Tok], j: int) -> tuple[str, int]:
    """ "(bodyweight)", "(barbell)" right after a name belong to it: (" (barbell)", next)."""
    if j >= len(entry) or entry[j].text != "(":
        return "", j
    k = j + 1
    while k < len(entry) and entry[k].kind in ("word", "bw") and not _is_keyword(entry[k]):
        k += 1
    if k == j + 1 or k >= len(entry) or entry[k].text != ")":
        return "", j
    words = [t.text for t in entry[j + 1 : k]]
    if any(w in _NOT_NAME_END for w in words):
        return "", j  # "(each side)" is about the sets
    return f" ({' '.join(words)})", k + 1


def read_exercise_list(text: str) -> list[tuple[str, Reading]]:
    """Read "rdl 3x10 @ 40kg, bridge 15 15 15" as [("rdl", ...), ("bridge", ...)].

    Entries are the comma-, semicolon- or line-separated parts that start with a name (see
    `_split_entries`). Names are the leading words, lower-cased, with a "(...)" qualifier
    right after them kept ("romanian deadlift (barbell)"); a name can't start with a number.
    A name with nothing after it is done as prescribed; "rdl skip" is a skip. A name that
    holds words no exercise name does ("see you tomorrow") makes the message conversation.
    Raises only `LogParseError` (and subclasses).
    """
    toks, _ = _numbers_in_prose(_tokens_of(text))  # with the names around them: "day 3"
    if _question(_words(toks, False, named=True)):
        raise NotALog("question")
    folded_text = _prepared(ascii_digits(text))
    out: list[tuple[str, Reading]] = []
    for entry in _split_entries(toks):
        name, body = _name_and_body(entry)
        if not name:
            shown = folded_text[entry[0].start : entry[-1].end][:30].translate(_MARKS).strip(" ,;")
            raise LogParseError(
                f'Which exercise was "{shown}"? Start each with its name, like {LIST_EXAMPLE}.'
            )
        name_words = name.replace("(", " ").replace(")", " ").split()
        if name_words[0] in _NOT_NAME_START or any(map(_not_in_names, name_words)):
            raise NotALog("prose")  # "see you tomorrow", "my back hurts"
        try:
            out.append((name, _read(body, named=True, empty_is_done=True)))
        except NotALog:
            raise
        except LogParseError as err:
            raise LogParseError(f"{name}: {err.message}") from None
    if not out:
        raise LogParseError(f"Tell me what you did, like {LIST_EXAMPLE}.")
    return out


def parse_exercise_list(text: str) -> list[tuple[str, ParsedLog]]:
    """`read_exercise_list` for callers that can't ask back (NeedsConfirmation if unsure)."""
    entries = read_exercise_list(text)
    unsure = next((reading for _, reading in entries if reading.needs_confirmation), None)
    if unsure is not None:
        raise NeedsConfirmation(unsure)
    return [(name, reading.log) for name, reading in entries]
