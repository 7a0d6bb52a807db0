"""Finds an exercise in the library from what people type: `/howto rdl`, `kb swings`, `glute brige`.

How a query is matched, most trusted first:

1. Exact name, id or alias, ignoring case, accents and punctuation. The content guarantees
   these are unique, so the library's own aliases decide generic words: `rdl` is the
   dumbbell Romanian deadlift (the home-friendly default; `bb rdl` is the barbell one),
   `row` the dumbbell row, `bridge` the glute bridge, `swing` the kettlebell swing.
2. The same after canonicalising words: `db`/`bb`/`kb`/`sl`/`bw`/`ext` spelled out, plurals made
   singular (`rdls`, `shrugs`, `calf raises`), filler like `the`/`with` dropped, and spaces
   ignored (`step-up` = `step up` = `stepup`).
3. The canonical words in any order (`swing kb`), only when that points at one exercise.
4. Typos, by rapidfuzz scores that punish missing words (ratio and token_sort_ratio), so
   `romanian deadlfit` finds the RDL but `curl` or `bicep curl` don't pick one of the curls.
   A fuzzy match is confident only when it is close (>= 85) and clearly ahead (by 6) of the
   best other exercise.

Anything else is not confident: the result carries up to 3 suggestions (possibly none) for
"did you mean". A key shared by several exercises is never confident either.

`find(query, prefer=ids, later=(...), allowed=ids)` reads the words as the person means them:
`prefer` (today's session), then each of `later` (this week's plan), in that order, then what
`allowed` (their kit and level) permits, then the library's own aliases:

- an exercise's full name typed ("glute bridge") is that exercise, when it is allowed;
- an exact key of one of the group's exercises, else the one whose name or alias holds every
  word typed, give or take kit words ("romanian deadlift" in a plan holding "Romanian
  deadlift (barbell)" is the barbell one; "dumbbell rdl" still names the dumbbell one);
- else a variant of what the words name in the library (same movement pattern, every typed
  word in its name or an alias): "rdl" in a bodyweight session holding the single-leg RDL is
  that one, and for someone without dumbbells it is the RDL their kit allows. Of several
  variants the closest wins (fewest extra words; a plan's order breaks ties); of the
  variants their kit allows, a tie is not confident.

A pick that passes over other readings names them in `LookupResult.others`, so a reply can
say which one it took.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.core.library import Exercise, Library
from bot.core.text import fold

CONFIDENT = 85.0  # fuzzy score a confident match needs
MARGIN = 6.0  # ...and its lead over the best other exercise
SUGGEST = 60.0  # lenient score a suggestion needs
COMPLETE_FUZZY = 75.0  # lenient score a typo needs to show up in autocomplete
MAX_SUGGESTIONS = 3

# A rapidfuzz scorer such as fuzz.WRatio.
Scorer = Callable[..., float]

_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "db": ("dumbbell",),
    "dbs": ("dumbbell",),
    "dumbell": ("dumbbell",),
    "dumbells": ("dumbbell",),
    "bb": ("barbell",),
    "kb": ("kettlebell",),
    "kbs": ("kettlebell",),
    "sl": ("single", "leg"),
    "bw": ("bodyweight",),
    "one": ("single",),
    "legged": ("leg",),
    "ext": ("extension",),
    "exts": ("extension",),
}
# Words that only say which kit a move uses: "romanian deadlift" in a session holding
# "Romanian deadlift (barbell)" means that one (but "rdl" never means "single-leg rdl").
KIT_WORDS = frozenset(
    {"barbell", "dumbbell", "kettlebell", "bodyweight", "band", "banded", "machine", "cable"}
    | {"weighted", "loaded"}
)
_STOPWORDS = frozenset({"the", "a", "an", "of", "with", "and", "my", "exercise", "exercises"})
_IRREGULAR = {"calves": "calf", "halves": "half"}


def _singular(word: str) -> str:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 2 or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"  # flies
    if word.endswith(("yes", "sses", "shes", "ches", "xes")) or (
        word.endswith("oes") and len(word) > 5
    ):
        return word[:-2]  # flyes, presses, crunches, superheroes
    return word[:-1]


def canonical_words(text: str) -> tuple[str, ...]:
    """The words of a name or query, spelled one way (see the module docstring)."""
    plain = fold(text).replace("'", "")
    out: list[str] = []
    for word in re.findall(r"[a-z0-9]+", plain):
        for part in _ABBREVIATIONS.get(word, (word,)):
            if part not in _STOPWORDS:
                out.append(_singular(part))
    return tuple(out)


def _simple_key(text: str) -> str:
    """The content's own uniqueness key: case, accents and punctuation don't count."""
    return " ".join(re.findall(r"[a-z0-9]+", fold(text)))


def _tier_keys(text: str, words: tuple[str, ...]) -> tuple[list[str], ...]:
    """The keys of `text` in each exact tier: as typed, canonical (spaced and not), any order."""
    return ([_simple_key(text)], [" ".join(words), "".join(words)], [" ".join(sorted(words))])


@dataclass(frozen=True, slots=True)
class LookupResult:
    exercise: Exercise | None  # a confident match
    suggestions: tuple[Exercise, ...]  # closest others (up to 3) when not confident
    # A confident pick among several readings: the others (the library's own meaning of the
    # words first), so a reply can say which one it took.
    others: tuple[Exercise, ...] = ()


_NOTHING = LookupResult(None, ())


@dataclass(frozen=True, slots=True)
class Preference:
    """Whose words a query is (`ExerciseLookup.find`): today's moves, then this week's, then
    the ids their kit and level allow (None: anything)."""

    prefer: tuple[str, ...] = ()
    later: tuple[tuple[str, ...], ...] = ()
    allowed: frozenset[str] | None = None


def exercise_name(library: Library, exercise_id: str) -> str:
    """The exercise's name, or its id when the library no longer has it."""
    ex = library.exercises.get(exercise_id)
    return ex.name if ex else exercise_id


class ExerciseLookup:
    """Built once per library; `find` and `complete` only read precomputed tables."""

    def __init__(self, library: Library) -> None:
        self._exercises = library.exercises
        self._order = sorted(library.exercises.values(), key=lambda e: (fold(e.name), e.id))
        # Exact tiers, most trusted first: key -> ids that own it.
        self._tiers: list[dict[str, set[str]]] = [{}, {}, {}]
        self._choices: list[str] = []  # canonical spellings, for rapidfuzz
        self._owners: list[str] = []  # the exercise id of each choice
        self._names: dict[str, str] = {}  # id -> canonical name, for completion order
        self._words: dict[str, list[frozenset[str]]] = {}  # id -> words of each name/alias
        seen: set[tuple[str, str]] = set()
        for ex in library.exercises.values():
            self._names[ex.id] = " ".join(canonical_words(ex.name))
            for text in (ex.name, ex.id, *ex.aliases):
                words = canonical_words(text)
                if not words:
                    continue
                self._words.setdefault(ex.id, []).append(frozenset(words))
                for tier, tier_keys in zip(self._tiers, _tier_keys(text, words), strict=True):
                    for key in tier_keys:
                        tier.setdefault(key, set()).add(ex.id)
                spelled = " ".join(words)
                if (spelled, ex.id) not in seen:
                    seen.add((spelled, ex.id))
                    self._choices.append(spelled)
                    self._owners.append(ex.id)

    # --- find ---------------------------------------------------------------------------

    def find(
        self,
        query: str,
        prefer: Collection[str] = (),
        *,
        later: Sequence[Collection[str]] = (),
        allowed: Collection[str] | None = None,
    ) -> LookupResult:
        """The exercise `query` names; `prefer`, `later` and `allowed` as in the module
        docstring (each group's order breaks ties between its variants)."""
        if "-" in query and query.strip() in self._exercises:
            return LookupResult(self._exercises[query.strip()], ())  # a picked autocomplete id
        words = canonical_words(query)
        if not words:
            return _NOTHING
        today, *weeks = (
            [i for i in dict.fromkeys(g) if i in self._exercises] for g in (prefer, *later)
        )
        groups = [g for g in (today, *weeks) if g]

        def permitted(exercise_id: str) -> bool:
            return allowed is None or exercise_id in allowed

        spelled = " ".join(words)
        named = [self._exercises[i] for i, name in self._names.items() if name == spelled]
        if len(named) == 1:  # an exercise's full name: that one was meant...
            full = named[0]
            if permitted(full.id):
                return LookupResult(full, ())
            # ...unless the kit they have makes it another kit's twin ("goblet squat" with
            # only a kettlebell): the same words but for kit words.
            fitting = sorted(allowed or ())
            for group, ordered in [*((g, True) for g in groups), (fitting, False)]:
                twin = self._variant(words, group, {full.pattern}, ordered=ordered)
                if twin is not None and self._closeness(words, twin[0])[0] == 0:
                    return LookupResult(twin[0], (), (full,))
            return LookupResult(full, ())
        for group in groups:
            own = self._among(query, words, group)
            if own is not None:
                return LookupResult(own, ())
        shared = self._exact(query, words)
        if shared is None:
            return self._fuzzy(spelled)
        patterns = {self._exercises[i].pattern for i in shared}
        meant = self._by_id(sorted(shared))
        # The session itself first: its variant of the move, however many words more.
        found = self._variant(words, today, patterns, ordered=True)
        if found is not None:
            return self._picked(found, meant)
        week = None
        for group in weeks:
            week = week or self._variant(words, group, patterns, ordered=True)
        kit: list[Exercise] | None = None
        if len(shared) == 1 and permitted(meant[0].id):
            kit = [meant[0]]
        elif allowed is not None:
            ids = sorted(i for i in allowed if i in self._exercises)
            kit = self._variant(words, ids, patterns, ordered=False)
        # The week's variant, unless the kit allows a closer one ("deadlift" is the
        # kettlebell deadlift for someone whose week has kettlebell RDLs).
        if week is not None and (
            kit is None or self._closeness(words, week[0]) <= self._closeness(words, kit[0])
        ):
            return self._picked(week, meant)
        if kit is not None:
            return self._picked(kit, meant) if kit[0] is not meant[0] else LookupResult(kit[0], ())
        if len(shared) == 1:
            return LookupResult(meant[0], ())
        return LookupResult(None, meant[:MAX_SUGGESTIONS])  # shared by several: let them pick

    def find_for(self, query: str, preference: Preference) -> LookupResult:
        p = preference
        return self.find(query, p.prefer, later=p.later, allowed=p.allowed)

    def spelling(self, exercise: Exercise, preference: Preference) -> str:
        """How to ask for `exercise` in `preference`'s reading: the shortest of its name and
        aliases that reads back as it, two words or more first ("db rdl", not "dl")."""
        spellings = sorted(
            (exercise.name, *exercise.aliases),
            key=lambda t: (len(canonical_words(t)) < 2, len(t), t),
        )
        for text in spellings:
            if self.find_for(text, preference).exercise is exercise:
                return text.lower()
        return exercise.id

    def _exact(self, query: str, words: tuple[str, ...]) -> set[str] | None:
        """The ids owning the first exact key `query` has, most trusted tier first."""
        for tier, tier_keys in zip(self._tiers, _tier_keys(query, words), strict=True):
            for key in tier_keys:
                ids = tier.get(key)
                if ids:
                    return ids
        return None

    def _among(self, query: str, words: tuple[str, ...], ids: Sequence[str]) -> Exercise | None:
        """The one exercise of `ids` that `query` names, if exactly one does."""
        for tier, tier_keys in zip(self._tiers, _tier_keys(query, words), strict=True):
            for key in tier_keys:
                hit = tier.get(key, set()) & set(ids)
                if len(hit) == 1:
                    return self._exercises[next(iter(hit))]
        spelled = " ".join(words)
        if any(name == spelled for i, name in self._names.items() if i not in ids):
            return None  # the exact name of another exercise: that one was meant
        typed = set(words)
        holding = [
            i
            for i in sorted(ids)
            if any(typed <= w and not (w - typed - KIT_WORDS) for w in self._words.get(i, ()))
        ]
        return self._exercises[holding[0]] if len(holding) == 1 else None

    def _variant(
        self, words: tuple[str, ...], ids: Sequence[str], patterns: set[str], ordered: bool
    ) -> list[Exercise] | None:
        """The closest variants among `ids` of a move of `patterns` whose name or an alias
        holds every typed word, best first: fewest extra words, then `ids`' order when
        `ordered`; None when there is none, or (not `ordered`) when the closest tie."""
        extra: dict[str, tuple[int, int]] = {}
        for i in ids:
            if self._exercises[i].pattern in patterns and (size := self._extra(words, i)):
                extra[i] = size
        if not extra:
            return None
        best = sorted(extra, key=lambda i: (extra[i], ids.index(i)))
        if not ordered and len(best) > 1 and extra[best[0]] == extra[best[1]]:
            return None
        return list(self._by_id(best))

    def _extra(self, words: tuple[str, ...], exercise_id: str) -> tuple[int, int] | None:
        """How many words more than typed its closest name or alias holding them all has
        (other than kit words, then all); None when none holds every typed word."""
        typed = set(words)
        sizes = [
            (len(w - typed - KIT_WORDS), len(w - typed))
            for w in self._words.get(exercise_id, ())
            if typed <= w
        ]
        return min(sizes) if sizes else None

    def _closeness(self, words: tuple[str, ...], exercise: Exercise) -> tuple[int, int]:
        return self._extra(words, exercise.id) or (len(words) + 99, len(words) + 99)

    def _picked(self, found: list[Exercise], meant: Sequence[Exercise]) -> LookupResult:
        """The first of `found`, with every other reading (the library's own first)."""
        pick = found[0]
        others = [e for e in (*meant, *found[1:]) if e is not pick]
        return LookupResult(pick, (), tuple(dict.fromkeys(others)))

    def _fuzzy(self, spelled: str) -> LookupResult:
        strict = self._best_per_exercise(spelled, (fuzz.ratio, fuzz.token_sort_ratio))
        ranked = sorted(strict.items(), key=lambda item: -item[1])
        if ranked:
            best_id, best = ranked[0]
            runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
            if best >= CONFIDENT and best - runner_up >= MARGIN:
                return LookupResult(self._exercises[best_id], ())
        lenient = self._best_per_exercise(spelled, (fuzz.WRatio,))
        # Strict closeness first; the lenient score catches partial names ("romanian").
        score = {i: max(strict.get(i, 0.0), lenient.get(i, 0.0) * 0.9) for i in lenient}
        score |= {i: s for i, s in strict.items() if i not in score}
        picks = sorted((i for i, s in score.items() if s >= SUGGEST), key=lambda i: -score[i])
        return LookupResult(None, self._by_id(picks)[:MAX_SUGGESTIONS])

    def _best_per_exercise(self, spelled: str, scorers: Iterable[Scorer]) -> dict[str, float]:
        best: dict[str, float] = {}
        for scorer in scorers:
            for _, score, index in process.extract(
                spelled, self._choices, scorer=scorer, processor=None, limit=30
            ):
                owner = self._owners[index]
                best[owner] = max(best.get(owner, 0.0), float(score))
        return best

    def _by_id(self, ids: Iterable[str]) -> tuple[Exercise, ...]:
        return tuple(self._exercises[i] for i in ids)

    # --- complete -----------------------------------------------------------------------

    def complete(self, prefix: str, limit: int = 25) -> list[Exercise]:
        """Exercises for an autocomplete box, best first.

        Empty input lists everything alphabetically. Otherwise: an exact match, then names
        starting with the input, aliases starting with it, any word starting with it,
        names or aliases containing it, then fuzzy matches (for typos).
        """
        if limit <= 0:
            return []
        words = canonical_words(prefix)
        if not words:
            return self._order[:limit]
        spelled, compact = " ".join(words), "".join(words)
        rank: dict[str, tuple[int, float]] = {}

        def offer(ex_id: str, bucket: int, score: float = 0.0) -> None:
            if ex_id not in rank or (bucket, -score) < (rank[ex_id][0], -rank[ex_id][1]):
                rank[ex_id] = (bucket, score)

        exact = self.find(prefix).exercise
        if exact is not None:
            offer(exact.id, 0)
        for ex_id, name in self._names.items():
            if name.startswith(spelled):
                offer(ex_id, 1)
        for choice, ex_id in zip(self._choices, self._owners, strict=True):
            if choice.startswith(spelled):
                offer(ex_id, 2)
            elif any(w.startswith(spelled) for w in _suffixes(choice)):
                offer(ex_id, 3)
            elif spelled in choice or (len(words) > 1 and compact in choice.replace(" ", "")):
                offer(ex_id, 4)
        if len(rank) < limit:
            for ex_id, score in self._best_per_exercise(spelled, (fuzz.WRatio,)).items():
                if score >= COMPLETE_FUZZY:
                    offer(ex_id, 5, score)
        order = sorted(rank, key=lambda i: (rank[i][0], -rank[i][1], self._names[i], i))
        return list(self._by_id(order[:limit]))


def _suffixes(choice: str) -> list[str]:
    """`a b c` -> [`b c`, `c`]: where a later word starts."""
    words = choice.split(" ")
    return [" ".join(words[i:]) for i in range(1, len(words))]
