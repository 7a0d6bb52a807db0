"""The reply parser's tokens: a reply's numbers, units, roles and words, in order.

Digits of any script become ASCII first (`bot.core.numerals`), the text is folded, dates
become one word, "22,5 kg" a decimal, units join their number ("16kg", "1 min 30 s" one
hold), "rest 60s" an aside and "rpe 8" an effort token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.numerals import NumeralError, ascii_digits, number_words_as_digits
from bot.core.parser_model import EXAMPLES, LogParseError
from bot.core.text import fold

UNIT_WORDS: dict[str, str] = {
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
    **dict.fromkeys(("with", "at", "w", "using"), "at"),  # "3x10 w 20"
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
class Tok:
    # num | at | x | word | dash | sep | other | bw | reps | sets | of | unit | effort | aside
    # | label ("set 1:", "(36 total)": ignored)
    kind: str
    text: str
    start: int
    end: int
    value: float = 0.0
    unit: str | None = None  # num: None | kg | lb | s (minutes become s); effort: rpe | rir
    spaced: bool = False  # num: its unit is a word of its own ("30 sec", not "30s")


def _number(digits: str) -> float:
    if len(digits.split(".")[0]) > _MAX_DIGITS:
        raise LogParseError(f"That number is far too big to be a set. {EXAMPLES}")
    return float(digits)


def tokens_of(text: str) -> list[Tok]:
    """A reply as tokens: odd numerals refused, digits made ASCII, text folded."""
    try:
        plain = ascii_digits(text)
    except NumeralError as err:
        raise LogParseError(err.message) from None
    return _tokenize(prepared(plain))


def prepared(plain: str) -> str:
    """The text the tokens' offsets point into."""
    text = _LETTER_O.sub("0", number_words_as_digits(fold(plain)))
    return _FIFTY_FIFTY.sub("fifty-fifty", _DATES.sub(" date ", text))


# "1o", "2o": the letter o typed for a zero after a digit (not "10 o'clock", not "2okg").
_LETTER_O = re.compile(r"(?<=[0-9])o(?![^\W\d_'])")


# A date with a four-digit year is never a rep list ("12/05/2026", "2026-05-12").
_DATES = re.compile(
    r"(?<![0-9])(?:[0-9]{1,2}[./-][0-9]{1,2}[./-][0-9]{4}|[0-9]{4}[./-][0-9]{1,2}[./-][0-9]{1,2})"
    r"(?![0-9])"
)


_FIFTY_FIFTY = re.compile(r"(?<![0-9/])50/50(?![0-9/])")  # the idiom, not two sets of 50


def _tokenize(text: str) -> list[Tok]:
    """Folded text -> tokens. Words keep their role (`x`, `reps`, units...) in `kind`."""
    text = _DECIMAL_AFTER_AT.sub(r"\1\2.\3", _DECIMAL_BEFORE_UNIT.sub(r"\1.\2", text))
    toks: list[Tok] = []
    for m in _TOKEN_RE.finditer(text):
        kind = next(k for k in _TOKEN_KINDS if m.group(k) is not None)
        s, e = m.start(), m.end()
        if kind == "time":
            minutes, seconds = m.group("time").split(":")
            toks.append(Tok("num", m.group(), s, e, int(minutes) * 60.0 + int(seconds), "s"))
        elif kind == "num":
            toks.extend(_number_tokens(m, s, e))
        elif kind == "word":
            toks.append(_word_token(m.group(), s, e))
        elif kind == "x":
            toks.append(Tok("x", m.group(), s, e))
        else:
            toks.append(Tok(kind, m.group(), s, e))
    return _spread_hold_unit(_drop_asides(_merge(toks)))


def _spread_hold_unit(toks: list[Tok]) -> list[Tok]:
    """ "45, 40, 30 sec": a time unit written after the last of a plain list is every
    number's (but "1, 5s", as the confirmations write one rep and a hold, stays so)."""
    out = list(toks)
    run: list[int] = []  # the bare numbers before, separated only by commas or "and"
    for i, t in enumerate(toks):
        if t.kind == "num" and t.unit is None:
            run.append(i)
        elif t.kind == "num" and t.unit == "s" and t.spaced and run:
            factor = 60 if t.text.endswith("min") else 1
            for j in run:
                n = toks[j]
                out[j] = Tok("num", n.text, n.start, n.end, n.value * factor, "s")
            run = []
        elif not (t.kind == "sep" and t.text in ",;/") and t.text != "and":
            run = []
    return out


def _number_tokens(m: re.Match[str], s: int, e: int) -> list[Tok]:
    digits, suffix = m.group("num"), m.group("suffix") or ""
    value = _number(digits)
    split = m.start("suffix") if suffix else e
    if not suffix:
        return [Tok("num", digits, s, e, value)]
    # "3x12" and "16kgx10": a trailing x is the times sign.
    times = suffix.endswith("x") and suffix != "x"
    word = suffix[:-1] if times else suffix
    if word in UNIT_WORDS or word in ("x", "reps", "rep", "sets", "set", "rpe", "rir"):
        out = [Tok("num", digits, s, split, value), _word_token(word, split, e)]
        if times:
            out.append(Tok("x", "x", e - 1, e))
        return out
    # "2nd", "10am": not a count, just a word
    return [Tok("word", m.group(), s, e)]


def _word_token(word: str, s: int, e: int) -> Tok:
    if word in UNIT_WORDS:
        return Tok("unit", word, s, e, unit=UNIT_WORDS[word])
    return Tok(_ROLE_WORDS.get(word, "word"), word, s, e)


def _merge(toks: list[Tok]) -> list[Tok]:
    """Attach units to the number before them; spot negatives and "body weight"."""
    out: list[Tok] = []
    for i, t in enumerate(toks):
        prev = out[-1] if out else None
        if t.kind == "unit" and prev is not None and prev.kind == "num" and prev.unit is None:
            value = prev.value * 60 if t.unit == "min" else prev.value
            unit = "s" if t.unit == "min" else t.unit
            out[-1] = Tok("num", prev.text, prev.start, t.end, value, unit, t.start > prev.end)
            before = out[-2] if len(out) > 1 else None
            if (
                t.unit == "s" and before is not None and before.text.endswith("min") and value < 60
            ):  # "1 min 30 s" is one hold of 90 s
                out[-2:] = [Tok("num", before.text, before.start, t.end, before.value + value, "s")]
            elif t.unit == "min":
                out[-1] = Tok(
                    "num", prev.text + "min", prev.start, t.end, value, unit, out[-1].spaced
                )
            continue
        if t.kind == "word" and t.text == "weight" and prev is not None and prev.text == "body":
            out[-1] = Tok("bw", "bodyweight", prev.start, t.end)
            continue
        if t.text in ("degree", "degrees") and prev is not None and prev.kind == "num":
            # an angle, part of a name: "45 degree back extension"
            out[-1] = Tok("word", f"{prev.text} {t.text}", prev.start, t.end)
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


def _drop_asides(toks: list[Tok]) -> list[Tok]:
    """Rest times become asides; "rpe 8", "rir 2" (and "rpe 8-9") become effort tokens."""
    out: list[Tok] = []
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
                out.append(Tok("effort", t.text, t.start, end, value, t.text))
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
            out.append(Tok("effort", nxt.text, t.start, nxt.end, t.value, nxt.text))  # "8 rpe"
            i += 2
            continue
        if t.kind == "num" and (
            (prev is not None and prev.kind == "word" and prev.text in _ASIDE_BEFORE)
            or (t.unit == "s" and nxt is not None and nxt.text in _ASIDE_AFTER)
        ):
            t = Tok("aside", t.text, t.start, t.end)
        out.append(t)
        i += 1
    return out
