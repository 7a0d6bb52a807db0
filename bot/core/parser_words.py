"""The reply parser's words: what the words around the numbers say.

Which numbers belong to the sentence ("2 days", "at 9:15"), whether the reply asks, negates,
hedges or plans, what counts as done or skip, and which words can be part of an exercise
name. Plain word lists and small functions over `Tok`s; no sets are read here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.parser_model import Chat
from bot.core.parser_tokens import Tok

# A number before one of these counts something else: "2 days", "5 hours", "3 kids".
_COUNTS_OTHER = frozenset(
    {"hour", "hours", "hr", "hrs", "h", "day", "days", "week", "weeks", "wk", "wks", "month",
     "months", "year", "years", "yr", "yrs", "yo", "am", "pm", "o'clock", "oclock", "time",
     "times", "night", "nights", "morning", "mornings", "evening", "evenings", "people",
     "person", "kid", "kids", "children", "km", "k", "miles", "mile", "mi", "m", "meters",
     "metres", "steps", "cups", "cup", "glasses", "beers", "coffees", "calories", "kcal", "cal",
     "points", "pts", "percent", "euros", "euro", "dollars", "bucks", "pages", "episodes",
     "sessions", "session", "workouts", "workout", "exercise", "exercises", "moves",
     "classes", "games", "laps", "floors",
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
     "figure", "scale", "pain", "rate", "rated", "rating", "score", "mood", "energy", "a",
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
SET_CONTEXT = frozenset({"set", "sets", "round", "rounds", "side", "sides", "leg", "legs",
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
# Before a skip: it might happen, so ask ("might skip", "thinking about skipping").
_SKIP_HEDGES = frozenset({"thinking", "considering", "might", "maybe", "probably", "tempted",
                          "wanted", "want", "wanna", "could", "think"})  # fmt: skip
_PLAN_WORDS = frozenset({"goal", "goals", "aim", "aiming", "target", "want", "wanna", "plan",
                         "planning", "hope", "hoping", "will", "i'll", "ill", "gonna", "going",
                         "should", "might", "try", "trying", "next"})  # fmt: skip
# Done with something else: "done with work", "finished my coffee", "done with this program".
_LIFE = frozenset({"work", "job", "shift", "dinner", "lunch", "breakfast", "coffee", "school",
                   "class", "meeting", "meetings", "homework", "chores", "cleaning", "shopping",
                   "program", "programme", "app", "bot", "you", "this", "life", "food",
                   "eating", "laundry", "day"})  # fmt: skip
PAST = frozenset({"did", "done", "finished", "completed", "managed", "got", "went", "hit",
                   "felt", "was", "were"})  # fmt: skip
_NOW = frozenset({"today", "now", "this", "today's", "todays", "heute", "hoy"})

# (with the usual typos: "skiped", "skpi", "doen", "dnoe")
_STRONG_SKIP = frozenset({"skip", "skipped", "skipping", "skips", "skiped", "skipp", "skpi"})
_SKIP_WORDS = _STRONG_SKIP | {"pass", "passed", "didn't", "didnt", "missed", "couldn't"}
_SKIP_PAIRS = frozenset({("not", "today"), ("no", "time"), ("did", "not"), ("could", "not")})
_SKIP_ALONE = frozenset({"no", "nope", "nah", "n"})
_SKIP_SYMBOLS = frozenset("❌✖✗⏭🚫")
_DONE_WORDS = frozenset({"done", "finished", "completed", "complete", "fertig", "erledigt",
                         "hecho", "listo", "fait", "fini", "termine", "klaar", "doen", "dnoe",
                         "donee", "finised", "finshed"})  # fmt: skip
_DONE_PAIRS = frozenset(
    {("did", "it"), ("did", "them"), ("did", "that"), ("did", "all"), ("did", "everything"),
     ("as", "prescribed"), ("as", "planned"), ("as", "written"), ("crushed", "it"),
     ("nailed", "it"), ("smashed", "it"), ("killed", "it")}
)  # fmt: skip
_DONE_ALONE = frozenset({"yes", "yep", "yeah", "y", "ok", "okay", "did", "ya", "yup"})
_DONE_SYMBOLS = frozenset("✅✔☑✓")
_DONE_ALONE_SYMBOLS = frozenset("👍💪")  # alone, not inside a sentence

ORDINAL = re.compile(r"[0-9]+(?:st|nd|rd|th)")
PROSE_LIMIT = 5  # more words than this that aren't log talk: a sentence, so ask


@dataclass(frozen=True, slots=True)
class Words:
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


def words_of(toks: list[Tok], numbers_in_prose: bool, *, named: bool) -> Words:
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
                and names[0].text not in NOT_NAME_START
                and len(names) <= 4
                and not any(not_in_names(t.text) for t in names)
            ):
                lead = len(names)
    prose = sum(
        1
        for w in plain[lead:]
        if w not in _LOG_TALK and not _is_keyword_word(w) and not digit_first(w)
    )
    # "7am", "5k" (but not "2nd": "12 on the 2nd set")
    in_prose = numbers_in_prose or any(
        digit_first(w) and not ORDINAL.fullmatch(w) and " " not in w for w in plain
    )
    return Words(tuple(words), frozenset(symbols), prose, in_prose)


def digit_first(w: str) -> bool:
    return "0" <= w[:1] <= "9"  # words here are already ASCII-digit (see tokens_of)


def _is_keyword_word(w: str) -> bool:
    return w in _SKIP_WORDS or w in _DONE_WORDS or w in _NEGATORS or w in _SKIP_ALONE


def numbers_in_prose(toks: list[Tok]) -> tuple[list[Tok], bool]:
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
            (bare and after in _COUNTS_OTHER)
            or (bare and before in _PLACES and not (before == "a" and word_at(i - 2) in _OF_SETS))
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
            out[i + 1] = Tok("word", nxt.text, nxt.start, nxt.end)  # "2x a week", "3x this week"
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
            out[i] = Tok("label", t.text, t.start, t.end)
            if label:  # the "set" of "set 1:" is a label too, not "12 sets of"
                out[i - 1] = Tok("label", out[i - 1].text, out[i - 1].start, out[i - 1].end)
            continue
        if bare and before == "of" and i >= 2 and word_at(i - 2) not in _OF_SETS:
            prose = True  # "a scale of 1-10", "out of 5" (not "3 sets of 10")
        if bare and after == "more" and word_at(i + 2) in ("to", "left", "go"):
            prose = True  # "2 more to go"
        if bare and _rating(out, i):  # "pain 6/10", "10/10 would recommend"
            prose = True
            out[i + 2] = _as_word(out[i + 2])
        n_of_m = (
            bare
            and after == "of"
            and i + 2 < len(out)
            and out[i + 2].kind == "num"
            and out[i + 2].unit is None
            and (i == 0 or out[i - 1].kind != "x")  # "3x10 of 20" is sets
        )
        if n_of_m:  # "1 of 3", "set 2 of 4": a place in a series
            out[i + 2] = Tok("word", out[i + 2].text, out[i + 2].start, out[i + 2].end)
        if prose or n_of_m:
            found = True
            out[i] = Tok("word", t.text, t.start, t.end)
            # "on 12/05", "since 3-4": the numbers joined to a placed one go with it
            j = i + 1
            while (
                j + 1 < len(out)
                and out[j].kind in ("sep", "dash", "other")
                and out[j].text in "/.-"
                and out[j + 1].kind == "num"
                and out[j + 1].unit is None
            ):
                out[j + 1] = Tok("word", out[j + 1].text, out[j + 1].start, out[j + 1].end)
                j += 2
    return out, found


def _as_word(t: Tok) -> Tok:
    return Tok("word", t.text, t.start, t.end)


def _rating(toks: list[Tok], i: int) -> bool:
    """ "N/10" on its own (not inside a rep list like "10/10/8"): a score out of ten.
    "10/10" is one only with words after it ("10/10 would recommend"): "rdl 10/10" is sets."""

    def slash(j: int) -> bool:
        return 0 <= j < len(toks) and toks[j].kind == "sep" and toks[j].text == "/"

    def bare_num(j: int) -> bool:
        return 0 <= j < len(toks) and toks[j].kind == "num" and toks[j].unit is None

    if not (slash(i + 1) and bare_num(i + 2) and toks[i + 2].value == 10):
        return False
    if slash(i + 3) or slash(i - 1) or toks[i].value > 10:
        return False
    after = toks[i + 3] if i + 3 < len(toks) else None
    return toks[i].value < 10 or (after is not None and after.kind == "word")


_OF_SETS = frozenset(
    {"set", "sets", "round", "rounds", "rep", "reps", "x", "satz", "satze", "saetze", "serie",
     "series", "serien"}
)  # fmt: skip
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
class Intent:
    skip: bool
    strong_skip: bool
    done: bool
    chat: Chat | None  # conversation that must not log, whatever else it says
    hedged: bool  # a reading here should be confirmed
    future: bool  # about days to come ("tomorrow", "next week")
    plan: bool  # an aim or intention ("goal is 3x15", "I'll do 3x10")
    partial: bool = False  # part of it was missed ("couldn't finish the last set")


def is_question(w: Words) -> bool:
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


def intent_of(w: Words) -> Intent:
    if is_question(w):
        return Intent(False, False, False, "question", True, False, False)
    symbols = w.symbols
    skip = bool(symbols & _SKIP_SYMBOLS)
    done = bool(symbols & _DONE_SYMBOLS)
    strong = False
    chat: Chat | None = None
    hedged = False
    hedged_skip = False
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
                following = clause[i + 1 : i + 4]
                if (
                    _negated(clause, i)
                    or (i > 0 and clause[i - 1] in ("if", "should", "may"))
                    or any(b in ("almost", "nearly") for b in before)
                    or "isn't" in following
                    or ("is" in following and "not" in following)
                    or any(x in ("allowed", "option") for x in following)
                ):  # "don't skip", "I will not skip", "if I skip", "skipping is not an option"
                    chat = chat or "negated"
                    continue
                if any(b in _SKIP_HEDGES for b in before):
                    hedged_skip = True  # "thinking about skipping", "might skip": ask
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
    partial = False
    if skip or done:
        partial = skip and any(x in SET_CONTEXT or x == "last" for x in plain)  # "missed a rep"
        hedged = w.prose > 3 or w.numbers_in_prose or partial or hedged_skip
    plan = any(x in _PLAN_WORDS for x in plain)
    return Intent(skip, strong, done, chat, hedged, future, plan, partial)


def _skip_word_is_negator(clause: list[str], i: int) -> bool:
    """ "didn't"/"couldn't" negate a following skip or done ("didn't skip", "didn't finish")."""
    nxt = clause[i + 1 : i + 4]
    return clause[i] in _NEGATORS and any(
        x in _STRONG_SKIP or x in _DONE_WORDS or x in ("miss", "stop") for x in nxt
    )


# --- exercise names in lists ----------------------------------------------------------

# Words that never start an exercise name: after a comma they continue the entry before.
NOT_NAME_START = frozenset(
    {"felt", "feel", "feeling", "feels", "easy", "easier", "hard", "harder", "tough", "heavy",
     "heavier", "lighter", "great", "ok", "okay", "fine", "nice", "solid", "i", "it", "was",
     "and", "then", "but", "very", "really", "too", "pretty", "kinda", "bit", "super", "so",
     "all", "today", "again", "also", "plus", "each", "per", "did", "the", "a", "last",
     "first", "my", "form", "grip", "slow", "tempo", "rpe", "rir", "struggled", "burned",
     "lower", "upper", "left", "right", "both", "no", "not", "bad", "rest", "next"}
)  # fmt: skip
# ...nor end one ("rdl each side" is the rdl).
NOT_NAME_END = NOT_NAME_START | {"good", "side", "sides", "leg", "legs", "arm", "arms"}
# A sentence with one of these and nothing to log is about pain: it gets a caring answer.
# ("sore" is left out: soreness after training is normal and is no reason to stop.)
PAIN = frozenset(
    {"hurt", "hurts", "hurting", "pain", "painful", "injured", "injury", "tweaked", "pulled",
     "strained", "ache", "aches", "aching", "sprained"}
)  # fmt: skip
# A part after a comma with one of these and no numbers is a remark: "lower back tight".
REMARKS = frozenset(
    {"tight", "sore", "hurt", "hurts", "hurting", "pain", "painful", "ache", "aches", "aching",
     "burn", "burning", "burned", "burnt", "pump", "pumped", "fire", "dead", "wrecked", "cooked",
     "shaky", "weak", "stiff", "cramp", "cramped", "cramping", "tired", "exhausted", "easy",
     "hard", "heavy", "light", "tough", "brutal", "good", "great", "awesome", "nice", "fine",
     "ok", "okay", "solid", "strong", "felt", "feel", "feels", "feeling", "lol", "haha"}
) | PAIN  # fmt: skip
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


def not_in_names(word: str) -> bool:
    """A word no exercise name holds: "see", "tomorrow", "I'll", "can't" (not "farmer's")."""
    return word in _NOT_IN_NAMES or word.endswith(("'ll", "'d", "'m", "'re", "'ve", "n't"))


def nameable(t: Tok) -> bool:
    return (
        t.kind == "word"
        and t.text not in NOT_NAME_START
        and not is_keyword(t)
        and not (ORDINAL.fullmatch(t.text) or t.text.isdigit())  # "2nd 10" is a set
    )


def is_keyword(t: Tok) -> bool:
    return t.text in _SKIP_WORDS or t.text in _DONE_WORDS or t.text in ("not", "no", "did", "skip")
