"""Reads what people type after a set: `12 10 10`, `3x12 @ 16kg`, `3x30s`, `skip`, `done`.

How a reply is read (the rules the coach relies on):

* Numbers are read as sets of reps. A rep list (`12 10 10`, `10/10/8`, `12, 10, 8`,
  `12-10-8`) is one set per number; a lone `12` is one set of 12.
* `AxB` (also `A x B`, `A×B`, `A*B`, `A sets of B`, `A sets x B reps`) is A sets of B, the
  usual sets-first convention. `10 reps x 3` and `45s x 3` name the rep/hold side, so the
  other number is the set count.
* A number with a time unit is a hold: `45 sec`, `30 seconds`, `1 min`, `1:30`, `3x30s`.
* A number with a load unit is a load: `16kg`, `22,5 kg`, `35 lbs`, `35#`. So is the number
  after `@`, `with` or `at`, and after a second `x` (`3x10x16`); without a unit the load's
  `unit` is None and the caller uses the person's unit. `bw`/`bodyweight` (or a load of 0)
  means no load. `10 x 16kg` is one set of 10 at 16 kg.
* One load applies to every set. With several loads, a load belongs to the sets just before
  it (`12@16 10@18`, `12 10 @16 8 @18`), sets after the last load keep it, and a load typed
  before any sets (`with 20kg 3x10`) applies forward. A load with no sets to go with is an
  error, and so is a unit with no number (`kg`).
* Words that aren't understood are filler (`did 12 10 10 felt good` is three sets), but a
  reply that reads as several named exercises (`rdl 3x10, bridge 15 15`) is refused: that
  is `parse_exercise_list`'s job, and guessing one exercise would log the wrong thing.
* With no numbers: `skip`/`skipped`/`pass`/`not today`/`didn't` mean skip, and
  `done`/`did it`/`all done`/`✅` mean done as prescribed. A negated done (`not done`) is a
  skip. Both at once, or `skip` next to numbers, is ambiguous: an error that asks.
* Implausible values are errors: reps outside 1-200, holds outside 1-600 s, more than 20
  sets, loads over 500 kg / 1100 lb (also for a load without a unit, whose unit the caller
  knows: check `MAX_LOAD` there), negative numbers, fractional reps.

`parse_log` raises only `LogParseError`; its `.message` is short and shows what works.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from bot.core.text import fold

Unit = Literal["kg", "lb"]
Kind = Literal["sets", "skip", "done"]

MAX_REPS = 200
MAX_SECONDS = 600
MAX_SETS = 20
MAX_LOAD: dict[str, float] = {"kg": 500.0, "lb": 1100.0}

EXAMPLES = "Try `12 10 10`, `3x12 @ 16kg`, `3x30s` or `skip`."
LIST_EXAMPLE = "`rdl 3x10 @ 40kg, bridge 15 15 15`"


@dataclass(frozen=True, slots=True)
class ParsedSet:
    reps: int | None
    seconds: int | None
    load: float | None  # as typed, in `unit`
    unit: Unit | None  # None: not given (use the person's unit); bodyweight has load None too

    def to_json(self) -> dict[str, Any]:
        return {"reps": self.reps, "seconds": self.seconds, "load": self.load, "unit": self.unit}


@dataclass(frozen=True, slots=True)
class ParsedLog:
    kind: Kind
    sets: tuple[ParsedSet, ...]  # empty for skip/done

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "sets": [s.to_json() for s in self.sets]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ParsedLog:
        sets = tuple(
            ParsedSet(reps=s["reps"], seconds=s["seconds"], load=s["load"], unit=s["unit"])
            for s in data["sets"]
        )
        return cls(kind=data["kind"], sets=sets)


class LogParseError(ValueError):
    """A reply we can't (or shouldn't) log. `message` is ready to show the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- tokens -----------------------------------------------------------------------------

_UNIT_WORDS: dict[str, str] = {
    **dict.fromkeys(("kg", "kgs", "kilo", "kilos", "kilogram", "kilograms"), "kg"),
    **dict.fromkeys(("lb", "lbs", "pound", "pounds", "#"), "lb"),  # 35# is pounds
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), "s"),
    **dict.fromkeys(("min", "mins", "minute", "minutes"), "min"),
}
_ROLE_WORDS: dict[str, str] = {
    **dict.fromkeys(("rep", "reps", "repetitions"), "reps"),
    **dict.fromkeys(("set", "sets", "round", "rounds"), "sets"),
    **dict.fromkeys(("with", "at"), "at"),
    **dict.fromkeys(("bw", "bodyweight"), "bw"),
    "of": "of",
    "x": "x",
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
    kind: str  # num | at | x | word | dash | sep | other | bw | reps | sets | of | unit
    text: str
    start: int
    end: int
    value: float = 0.0
    unit: str | None = None  # num: None | kg | lb | s  (minutes are converted to s)


def _number(digits: str) -> float:
    if len(digits.split(".")[0]) > _MAX_DIGITS:
        raise LogParseError(f"That number is far too big to be a set. {EXAMPLES}")
    return float(digits)


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
    if word in _UNIT_WORDS or word in ("x", "reps", "rep", "sets", "set"):
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
            continue
        if t.kind == "word" and t.text == "weight" and prev is not None and prev.text == "body":
            out[-1] = _Tok("bw", "bodyweight", prev.start, t.end)
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


# "rest 60s", "90 sec rest", "rpe 8": numbers about the set, not sets.
_ASIDE_BEFORE = frozenset({"rest", "rested", "resting", "rpe", "rir"})
_ASIDE_AFTER = frozenset({"rest", "resting", "break", "between", "recovery"})


def _drop_asides(toks: list[_Tok]) -> list[_Tok]:
    out: list[_Tok] = []
    for i, t in enumerate(toks):
        prev = toks[i - 1] if i else None
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if t.kind == "num" and (
            (prev is not None and prev.kind == "word" and prev.text in _ASIDE_BEFORE)
            or (t.unit == "s" and nxt is not None and nxt.text in _ASIDE_AFTER)
        ):
            t = _Tok("word", t.text, t.start, t.end)
        out.append(t)
    return out


# --- done / skip words ------------------------------------------------------------------

_STRONG_SKIP = frozenset({"skip", "skipped", "skipping", "skips"})
_SKIP_WORDS = _STRONG_SKIP | {"pass", "passed", "didn't", "didnt", "missed", "couldn't"}
_SKIP_PAIRS = frozenset({("not", "today"), ("no", "time"), ("did", "not"), ("could", "not")})
_SKIP_ALONE = frozenset({"no", "nope", "nah", "n"})
_SKIP_SYMBOLS = frozenset("❌✖✗⏭🚫")
_DONE_WORDS = frozenset({"done", "finished", "completed", "complete"})
_DONE_PAIRS = frozenset(
    {("did", "it"), ("did", "them"), ("did", "that"), ("did", "all"), ("did", "everything"),
     ("as", "prescribed"), ("as", "planned")}
)  # fmt: skip
_DONE_ALONE = frozenset({"yes", "yep", "yeah", "y", "ok", "okay", "did", "ya", "yup"})
_DONE_SYMBOLS = frozenset("✅✔☑✓👍💪")
_NEGATORS = frozenset({"not", "haven't", "havent", "didn't", "didnt", "never", "wasn't", "isn't"})


@dataclass(frozen=True, slots=True)
class _Intent:
    skip: bool
    strong_skip: bool
    done: bool


def _intent(toks: list[_Tok]) -> _Intent:
    words = [t.text for t in toks if t.kind not in ("sep", "dash", "other")]
    symbols = {t.text for t in toks if t.kind == "other"}
    skip = bool(symbols & _SKIP_SYMBOLS) or any(w in _SKIP_WORDS for w in words)
    done = bool(symbols & _DONE_SYMBOLS)
    for i, w in enumerate(words):
        pair = (w, words[i + 1]) if i + 1 < len(words) else None
        skip = skip or pair in _SKIP_PAIRS
        negated = i > 0 and words[i - 1] in _NEGATORS
        if w in _DONE_WORDS or pair in _DONE_PAIRS:
            if negated:
                skip = True
            else:
                done = True
    if len(words) == 1 and not symbols - {"!", ".", "\ufe0f"}:
        skip = skip or words[0] in _SKIP_ALONE
        done = done or words[0] in _DONE_ALONE
    return _Intent(skip=skip, strong_skip=any(w in _STRONG_SKIP for w in words), done=done)


# --- sets and loads ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Group:
    count: int
    reps: int | None
    seconds: int | None


@dataclass(frozen=True, slots=True)
class _Load:
    load: float | None  # None: bodyweight
    unit: Unit | None


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
        raise LogParseError(
            f"A {sec}s hold looks off: I log 1 to {MAX_SECONDS} seconds. Try `3x30s` or `45 sec`."
        )
    return _Group(n, None, sec)


def _load(value: float, unit: str | None) -> _Load:
    if value == 0:
        return _Load(None, None)  # "0kg" is no added weight
    limit = MAX_LOAD[unit or "lb"]
    if value > limit:
        shown = f"{value:g} {unit}" if unit else f"{value:g}"
        raise LogParseError(
            f"{shown} is more than I can log (max 500 kg / 1100 lb). Try `3x12 @ 16kg`."
        )
    return _Load(value, "kg" if unit == "kg" else "lb" if unit == "lb" else None)


class _Reader:
    """A small recursive-descent reader over the meaningful tokens of one reply."""

    def __init__(self, toks: list[_Tok]) -> None:
        # Words stay in as gaps: "12 on the 2nd set" is not "12 sets".
        keep = ("num", "at", "x", "bw", "reps", "sets", "of", "unit", "word")
        self.toks = [t for t in toks if t.kind in keep]
        self.i = 0
        self.items: list[_Group | _Load] = []

    def peek(self, ahead: int = 0) -> _Tok | None:
        j = self.i + ahead
        return self.toks[j] if j < len(self.toks) else None

    def is_(self, ahead: int, kind: str, *units: str | None) -> bool:
        t = self.peek(ahead)
        return t is not None and t.kind == kind and (not units or t.unit in units)

    def read(self) -> list[_Group | _Load]:
        while (t := self.peek()) is not None:
            self.i += 1
            if t.kind == "num":
                self.number(t)
            elif t.kind == "at":
                self.at(t)
            elif t.kind == "bw":
                self.items.append(_Load(None, None))
            elif t.kind == "x":
                self.times()
            elif t.kind == "unit":
                raise LogParseError(f"I see `{t.text}` but no number with it. {EXAMPLES}")
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
            self.items.append(_group(1, reps=t.value))

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
            raise LogParseError(f"`{t.text}x` what? {EXAMPLES}")
        self.i += 1
        if second.unit in ("kg", "lb"):  # 10 x 16kg: reps x load
            self.items += [_group(1, reps=t.value), _load(second.value, second.unit)]
        else:
            self.each(t, second)

    def sets_of(self, t: _Tok) -> None:
        self.i += 1  # "sets"
        if self.is_(0, "of") or self.is_(0, "x"):
            self.i += 1
        reps = self.peek()
        if reps is None or reps.kind != "num" or reps.unit in ("kg", "lb"):
            raise LogParseError(
                f"{t.text:.7} sets of how many? Try `3 sets of 10` or `3x12 @ 16kg`."
            )
        self.i += 1
        self.each(t, reps)

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
        elif t.text == "@":
            raise LogParseError("I see `@` but no weight after it. Try `3x12 @ 16kg` or `@ bw`.")
        # "with"/"at" before anything else is just a word

    def times(self) -> None:
        """An `x` not between sets and reps: `16kg x 10` or `3x10 x 16`."""
        prev = self.items[-1] if self.items else None
        nxt = self.peek()
        if isinstance(prev, _Load) and nxt is not None and nxt.kind == "num":
            return  # 16kg x 10: the load, then the reps
        if isinstance(prev, _Group) and nxt is not None and nxt.kind == "num" and nxt.unit != "s":
            self.i += 1
            self.items.append(_load(nxt.value, nxt.unit))  # 3x10x16: sets x reps x load
            return
        raise LogParseError(f"I couldn't tell what the `x` joins. {EXAMPLES}")


def _assign_loads(items: list[_Group | _Load]) -> list[tuple[_Group, _Load | None]]:
    """Pair each group of sets with its load (see the module docstring for the rules)."""
    pairs: list[tuple[_Group, _Load | None]] = []
    pending: list[_Group] = []
    forward: _Load | None = None  # a load typed before its sets
    last: _Load | None = None
    used: list[_Load] = []
    for item in items:
        if isinstance(item, _Group):
            if forward is not None:
                pairs.append((item, forward))
                used.append(forward)
            else:
                pending.append(item)
        elif pending:
            pairs += [(g, item) for g in pending]
            pending, last = [], item
            used.append(item)
        else:
            forward = item
    pairs += [(g, last) for g in pending]
    loads = [item for item in items if isinstance(item, _Load)]
    if any(all(load is not u for u in used) for load in loads):
        raise LogParseError(f"One weight has no sets to go with. {EXAMPLES}")
    return pairs


def _sets(items: list[_Group | _Load]) -> tuple[ParsedSet, ...]:
    out: list[ParsedSet] = []
    for group, load in _assign_loads(items):
        value, unit = (load.load, load.unit) if load is not None else (None, None)
        out += [ParsedSet(group.reps, group.seconds, value, unit)] * group.count
    if len(out) > MAX_SETS:
        raise LogParseError(
            f"{len(out)} sets is more than I can log at once (max {MAX_SETS}). {EXAMPLES}"
        )
    return tuple(out)


def _parse_tokens(toks: list[_Tok], *, empty_is_done: bool = False) -> ParsedLog:
    intent = _intent(toks)
    items = _Reader(toks).read()
    has_sets = any(isinstance(item, _Group) for item in items)
    if has_sets:
        if intent.strong_skip:
            raise LogParseError(
                "Did you skip it, or do some sets? "
                "Send `skip`, or just the numbers like `12 10 10`."
            )
        return ParsedLog("sets", _sets(items))
    if items:  # loads only
        raise LogParseError(f"Got the weight, but how many reps? {EXAMPLES}")
    if intent.skip and intent.done:
        raise LogParseError("Did you skip it or finish it? Send `skip` or `done`.")
    if intent.skip:
        return ParsedLog("skip", ())
    if intent.done or empty_is_done:
        return ParsedLog("done", ())
    raise LogParseError(f"I couldn't read that as sets. {EXAMPLES}")


def parse_log(text: str) -> ParsedLog:
    """Read one reply about one exercise. Raises only `LogParseError`."""
    toks = _tokenize(fold(text))
    names = [name for name, _ in map(_name_and_body, _split_entries(toks))]
    if len(names) > 1 and all(names):
        raise LogParseError(
            f"That looks like more than one exercise ({', '.join(names[:3])}). "
            f"Send them as a list like {LIST_EXAMPLE}, or one at a time."
        )
    return _parse_tokens(toks)


# --- several exercises in one message ---------------------------------------------------

# Words that never start an exercise name: after a comma they continue the entry before.
_NOT_NAME_START = frozenset(
    {"felt", "feel", "feeling", "feels", "easy", "easier", "hard", "harder", "tough", "heavy",
     "heavier", "lighter", "great", "ok", "okay", "fine", "nice", "solid", "i", "it", "was",
     "and", "then", "but", "very", "really", "too", "pretty", "kinda", "bit", "super", "so",
     "all", "today", "again", "also", "plus", "each", "per", "did", "the", "a", "last",
     "first", "my", "form", "grip", "back", "slow", "tempo", "rpe", "struggled", "burned"}
)  # fmt: skip
# ...nor end one ("rdl each side" is the rdl).
_NOT_NAME_END = _NOT_NAME_START | {"good", "side", "sides", "leg", "legs", "arm", "arms"}
_SOFT_SEPARATORS = frozenset({"and", "then", "+", "&"})


def _nameable(t: _Tok) -> bool:
    return t.kind == "word" and t.text not in _NOT_NAME_START and not _is_keyword(t)


def _is_keyword(t: _Tok) -> bool:
    return t.text in _SKIP_WORDS or t.text in _DONE_WORDS or t.text in ("not", "no", "did", "skip")


def _split_entries(toks: list[_Tok]) -> list[list[_Tok]]:
    """Cut at `,` `;` newlines (and `and`/`then`/`+`) when a name-like word follows."""
    entries: list[list[_Tok]] = [[]]
    for i, t in enumerate(toks):
        is_sep = (t.kind == "sep" and t.text in ",;\n") or (
            t.text in _SOFT_SEPARATORS and any(x.kind == "num" for x in entries[-1])
        )
        if is_sep:
            j = i + 1
            while j < len(toks) and toks[j].kind in ("dash", "other", "x"):  # bullets
                j += 1
            if j < len(toks) and _nameable(toks[j]):
                entries.append([])
                continue
        entries[-1].append(t)
    return [e for e in entries if e]


def _name_and_body(entry: list[_Tok]) -> tuple[str, list[_Tok]]:
    i = 0
    while i < len(entry) and entry[i].kind in ("dash", "other", "x", "sep"):
        i += 1  # a bullet
    j = i
    while j < len(entry) and (
        (entry[j].kind == "word" and not _is_keyword(entry[j])) or entry[j].kind == "bw"
    ):
        j += 1
    while j > i and (entry[j - 1].kind == "bw" or entry[j - 1].text in _NOT_NAME_END):
        j -= 1  # "rdl bw 10 10": bodyweight is the load, not the name
    return " ".join(t.text for t in entry[i:j]), entry[j:]


def parse_exercise_list(text: str) -> list[tuple[str, ParsedLog]]:
    """Read `rdl 3x10 @ 40kg, bridge 15 15 15` as [("rdl", ...), ("bridge", ...)].

    Entries are separated by `,` `;` newlines (or `and`/`then` after numbers) where the next
    word can start an exercise name, so `12, 10, 8` and `22,5 kg` stay in one entry and
    `rdl 3x10, felt easy` is one entry. Names are the leading words, lower-cased (several
    words and hyphens are fine; a name can't start with a number). A name with nothing
    after it is done as prescribed; `rdl skip` is a skip. Raises only `LogParseError`.
    """
    folded = fold(text)
    out: list[tuple[str, ParsedLog]] = []
    for entry in _split_entries(_tokenize(folded)):
        name, body = _name_and_body(entry)
        if not name:
            shown = folded[entry[0].start : entry[-1].end][:30]
            raise LogParseError(
                f"Which exercise was `{shown}`? Start each with its name, like {LIST_EXAMPLE}."
            )
        try:
            out.append((name, _parse_tokens(body, empty_is_done=True)))
        except LogParseError as err:
            raise LogParseError(f"{name}: {err.message}") from None
    if not out:
        raise LogParseError(f"Tell me what you did, like {LIST_EXAMPLE}.")
    return out
