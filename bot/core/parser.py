"""Reads what people type after a set: "12 10 10", "3x12 @ 16kg", "3x30s", "skip", "done".

A reply is read as sets only when it is shaped like sets; numbers inside ordinary sentences
are not sets. How a reply is read (the rules the coach relies on):

* Numbers are read as sets of reps. A rep list ("12 10 10", "10/10/8", "12, 10, 8",
  "12-10-8") is one set per number; a lone "12" is one set of 12.
* "AxB" (also "A x B", "A×B", "A*B", "A sets of B", "A sets x B reps") is A sets of B, the
  usual sets-first convention; but more than 6 "sets" of at most 5 ("12x3") is read reps
  first (3 sets of 12) and confirmed before it is logged. "10 reps x 3" and "45s x 3" name
  the rep/hold side, so the other number is the set count.
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
  dates ("12/05/2026"), scores ("pain 6/10") and "1 of 3". Labels are not sets either:
  "set 1: 12, set 2: 10" is 12 and 10, "(36 total)" and "= 36" add nothing.
* A lone hold with words around it ("give me 5 min") or under 5 s ("1 sec") asks; so does
  a lone bare number with any word that isn't set talk ("did 2"; "10 each side" is sure).
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

from dataclasses import replace

from bot.core.numerals import ascii_digits
from bot.core.parser_model import (
    EXAMPLES,
    LIST_EXAMPLE,
    MAX_LOAD,
    MAX_REPS,
    MAX_RIR,
    MAX_RPE,
    MAX_SECONDS,
    MAX_SETS,
    Chat,
    Kind,
    LogParseError,
    ParsedLog,
    ParsedSet,
    Reading,
    SentenceLike,
    Unit,
)
from bot.core.parser_sets import Group, Load, Reader, sets_of
from bot.core.parser_tokens import UNIT_WORDS, Tok, prepared, tokens_of
from bot.core.parser_words import (
    NOT_NAME_END,
    NOT_NAME_START,
    PAIN,
    PAST,
    PROSE_LIMIT,
    REMARKS,
    SET_CONTEXT,
    intent_of,
    is_keyword,
    is_question,
    nameable,
    not_in_names,
    numbers_in_prose,
    words_of,
)

__all__ = [
    "EXAMPLES",
    "LIST_EXAMPLE",
    "MAX_LOAD",
    "MAX_REPS",
    "MAX_RIR",
    "MAX_RPE",
    "MAX_SECONDS",
    "MAX_SETS",
    "Chat",
    "Kind",
    "LogParseError",
    "NeedsConfirmation",
    "NotALog",
    "ParsedLog",
    "ParsedSet",
    "Reading",
    "Unit",
    "describe",
    "format_log",
    "format_sets",
    "parse_exercise_list",
    "parse_log",
    "read_exercise_list",
    "read_log",
]


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
    "partial": 'No problem, that happens. Reply with the sets you did manage, like "12 10", '
    "and I'll log those.",
    "pain": 'Sorry it hurts. Nothing logged. Don\'t train through sharp pain: reply "skip" to '
    "rest it, and see a doctor or physio if it doesn't settle.",
    "prose": 'I didn\'t log anything from that. To log, reply with sets like "12 10 10" or "skip".',
    "unreadable": f"I couldn't read that as sets. {EXAMPLES}",
}


def describe(log: ParsedLog) -> str:
    """Plain words for a reading, for questions like "Log 2 reps of Glute bridge?"."""
    if log.kind == "skip":
        return "a skip"
    if log.kind == "done":
        at = _extras(_as_set(log), plain=True, loaded=True) if log.load is not None else ""
        return "done as prescribed" + at
    return format_sets(log.sets, plain=True)


def _as_set(log: ParsedLog) -> ParsedSet:
    """A done reading's weight as a set's, for the spellings of `_extras`."""
    return ParsedSet(None, None, log.load, log.unit)


def format_log(log: ParsedLog) -> str:
    """A reading as a reply that `read_log` reads back to it ("12@16kg, 10", "done @16kg")."""
    if log.kind == "sets":
        return format_sets(log.sets)
    if log.kind == "done" and log.load is not None:
        return "done " + _extras(_as_set(log), plain=False, loaded=True).replace("@", "@ ", 1)
    return log.kind


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


def _read(toks: list[Tok], *, named: bool = False, empty_is_done: bool = False) -> Reading:
    """One exercise's reply (or one list entry's body when `named`) as a Reading."""
    toks, dropped = numbers_in_prose(toks)
    words = words_of(toks, dropped, named=named)
    intent = intent_of(words)
    if intent.chat == "question":
        raise NotALog("question")
    try:
        reader = Reader(toks)
        items = reader.read()
        groups = [item for item in items if isinstance(item, Group)]
        sets = sets_of(items) if groups else ()
    except LogParseError as err:
        sentence = isinstance(err, SentenceLike) and any(w not in UNIT_WORDS for w in words.plain())
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
        log = ParsedLog("sets", _per_side(sets, words.plain()))
        if intent.future and not any(w in PAST for w in words.plain()):
            raise NotALog("plan")  # "I'll do 3x10 tomorrow", "next time 3x12"
        if reader.swapped:
            return Reading(log, True, "reps before sets")  # "12x3": 3 sets of 12?
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
            if words.prose == 0 and intent.chat is None and any(w in SET_CONTEXT for w in plain):
                return Reading(log)  # "12 on the 2nd set", "10 each side"
            return Reading(log, True, "lone number")
        if intent.future:
            return Reading(log, True, "talk around the sets")  # "did 3x10, rest tomorrow"
        if intent.chat is not None or intent.plan:
            return Reading(log, True, "talk around the sets")
        if words.prose > PROSE_LIMIT or words.numbers_in_prose:
            return Reading(log, True, "long sentence")
        return Reading(log)
    loads = [item for item in items if isinstance(item, Load)]
    weighed = any(t.kind == "at" and t.text != "at" for t in toks)  # "@", "with": not "at 7"
    if (
        intent.done
        and not intent.skip
        and intent.chat is None
        and len(loads) == len(items) == 1
        and (loads[0].unit is not None or weighed)
    ):  # "done @ 16kg": as prescribed, at that weight
        log = ParsedLog("done", (), loads[0].load, loads[0].unit)
        return Reading(log, intent.hedged, "words around it" if intent.hedged else "")
    if items:  # loads or efforts only
        if any(w not in ("bw", "bodyweight") for w in words.plain()) or words.numbers_in_prose:
            raise NotALog("prose")  # "woke up at 6"
        raise LogParseError(f"Got the weight, but how many reps? {EXAMPLES}")
    if intent.chat is not None:
        raise NotALog(intent.chat)
    if intent.partial and not intent.strong_skip:
        raise NotALog("partial")  # "couldn't finish the last set": the sets done, not a skip
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


def _per_side(sets: tuple[ParsedSet, ...], words: list[str]) -> tuple[ParsedSet, ...]:
    """ "2x10 left 2x10 right", "left 10 right 8": one set is both sides, counted by the
    weaker side (the plan's "per side" dose); an odd count can't be paired and stays."""
    if not {"left", "right"} <= set(words) or len(sets) % 2:
        return sets
    half = len(sets) // 2
    return tuple(
        replace(
            a,
            reps=None if a.reps is None or b.reps is None else min(a.reps, b.reps),
            seconds=None if a.seconds is None or b.seconds is None else min(a.seconds, b.seconds),
        )
        for a, b in zip(sets[:half], sets[half:], strict=True)
    )


def read_log(text: str) -> Reading:
    """Read one reply about one exercise. Raises only `LogParseError` (and subclasses)."""
    toks = tokens_of(text)
    try:
        reading = _read(toks)
    except NotALog as err:
        raise _about_pain(err, toks) from None
    except LogParseError:
        _refuse_several(toks)
        raise
    _refuse_several(toks)
    return replace(reading, log=_with_unit(reading.log, _one_unit([reading.log])))


def _about_pain(err: NotALog, toks: list[Tok]) -> NotALog:
    """A sentence about pain ("my back hurts") gets a caring answer, not a logging hint."""
    if err.reason in ("prose", "unreadable") and any(t.text in PAIN for t in toks):
        return NotALog("pain")
    return err


def parse_log(text: str) -> ParsedLog:
    """`read_log` for callers that can't ask back: an unsure reading raises NeedsConfirmation."""
    reading = read_log(text)
    if reading.needs_confirmation:
        raise NeedsConfirmation(reading)
    return reading.log


def _refuse_several(toks: list[Tok]) -> None:
    names = [name for name, _ in map(_name_and_body, _split_entries(toks))]
    if len(names) > 1 and all(names):
        raise LogParseError(
            f"That looks like more than one exercise ({', '.join(names[:3])}). "
            f"Send them as a list like {LIST_EXAMPLE}, or one at a time."
        )


# --- several exercises in one message ---------------------------------------------------

_MARKS = str.maketrans("", "", "`*_~|[]<>\\")  # echoed text carries no markdown
_SOFT_SEPARATORS = frozenset({"and", "then", "+", "&"})


def _split_entries(toks: list[Tok]) -> list[list[Tok]]:
    """Cut at every `,` `;` newline (and `and`/`then`/`+` after numbers before a name).

    Each part is then its own entry when it starts with a name, and otherwise continues the
    entry before: "12, 10, 8" is one list, "rdl 3x10, felt easy" one entry with a remark,
    "rdl 3x10, back extension 12 12" two entries.
    """
    parts: list[tuple[Tok | None, list[Tok]]] = [(None, [])]
    for i, t in enumerate(toks):
        soft = t.text in _SOFT_SEPARATORS and any(x.kind == "num" for x in parts[-1][1])
        if (t.kind == "sep" and t.text in ",;\n") or (soft and _name_follows(toks, i + 1)):
            parts.append((t, []))
        else:
            parts[-1][1].append(t)
    entries: list[list[Tok]] = []
    for sep, body in parts:
        if not entries or _starts_entry(body):
            if body:
                entries.append(body)
        else:  # the separator stays, as a clause break
            entries[-1] += [sep, *body] if sep is not None else body
    return [e for e in entries if any(t.kind != "sep" for t in e)]


def _name_follows(toks: list[Tok], j: int) -> bool:
    while j < len(toks) and toks[j].kind in ("dash", "other", "x"):  # bullets
        j += 1
    if j + 1 < len(toks) and toks[j].kind == "bw":
        j += 1  # "bodyweight squat"
    return j < len(toks) and nameable(toks[j])


def _starts_entry(part: list[Tok]) -> bool:
    if not _name_follows(part, 0):
        return False
    has_numbers = any(t.kind in ("num", "effort") for t in part)
    return has_numbers or not any(t.text in REMARKS for t in part)


def _name_and_body(entry: list[Tok]) -> tuple[str, list[Tok]]:
    i = 0
    while i < len(entry) and entry[i].kind in ("dash", "other", "x", "sep"):
        i += 1  # a bullet
    j = i
    while j < len(entry) and (
        (entry[j].kind == "word" and not is_keyword(entry[j])) or entry[j].kind == "bw"
    ):
        j += 1
    stop = j
    while j > i and (entry[j - 1].kind == "bw" or entry[j - 1].text in NOT_NAME_END):
        j -= 1  # "rdl bw 10 10": bodyweight is the load, not the name
    name = " ".join(t.text for t in entry[i:j])
    if j == stop and j > i:
        qualifier, j = _qualifier(entry, j)
        name += qualifier
    return name, entry[j:]


def _qualifier(entry: list[Tok], j: int) -> tuple[str, int]:
    """ "(bodyweight)", "(barbell)" right after a name belong to it: (" (barbell)", next)."""
    if j >= len(entry) or entry[j].text != "(":
        return "", j
    k = j + 1
    while k < len(entry) and entry[k].kind in ("word", "bw") and not is_keyword(entry[k]):
        k += 1
    if k == j + 1 or k >= len(entry) or entry[k].text != ")":
        return "", j
    words = [t.text for t in entry[j + 1 : k]]
    if any(w in NOT_NAME_END for w in words):
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
    toks, _ = numbers_in_prose(tokens_of(text))  # with the names around them: "day 3"
    if is_question(words_of(toks, False, named=True)):
        raise NotALog("question")
    folded_text = prepared(ascii_digits(text))
    out: list[tuple[str, Reading]] = []
    for entry in _split_entries(toks):
        name, body = _name_and_body(entry)
        if not name:
            shown = folded_text[entry[0].start : entry[-1].end][:30].translate(_MARKS).strip(" ,;")
            raise LogParseError(
                f'Which exercise was "{shown}"? Start each with its name, like {LIST_EXAMPLE}.'
            )
        name_words = name.replace("(", " ").replace(")", " ").split()
        if name_words[0] in NOT_NAME_START or any(map(not_in_names, name_words)):
            raise _about_pain(NotALog("prose"), toks)  # "see you tomorrow", "my back hurts"
        try:
            out.append((name, _read(body, named=True, empty_is_done=True)))
        except NotALog as err:
            raise _about_pain(err, toks) from None
        except LogParseError as err:
            raise LogParseError(f"{name}: {err.message}") from None
    if not out:
        raise LogParseError(f"Tell me what you did, like {LIST_EXAMPLE}.")
    unit = _one_unit([reading.log for _, reading in out])
    return [(name, replace(r, log=_with_unit(r.log, unit))) for name, r in out]


def _one_unit(logs: list[ParsedLog]) -> Unit | None:
    """The one unit a reply types, if it types exactly one ("rdl 3x8 @ 135, row 3x10 @ 95lb"
    is pounds throughout); None when it types none or both."""
    units = {s.unit for log in logs for s in log.sets if s.load is not None and s.unit}
    units |= {log.unit for log in logs if log.load is not None and log.unit}
    return units.pop() if len(units) == 1 else None


def _with_unit(log: ParsedLog, unit: Unit | None) -> ParsedLog:
    """`log` with `unit` on the loads typed without one."""
    if unit is None:
        return log
    sets = tuple(
        replace(s, unit=unit) if s.load is not None and not s.unit else s for s in log.sets
    )
    return replace(log, sets=sets, unit=log.unit or (unit if log.load is not None else None))


def parse_exercise_list(text: str) -> list[tuple[str, ParsedLog]]:
    """`read_exercise_list` for callers that can't ask back (NeedsConfirmation if unsure)."""
    entries = read_exercise_list(text)
    unsure = next((reading for _, reading in entries if reading.needs_confirmation), None)
    if unsure is not None:
        raise NeedsConfirmation(unsure)
    return [(name, reading.log) for name, reading in entries]
