"""The reply parser's set reader: tokens to sets, loads and efforts.

A small recursive-descent reader over the meaningful tokens ("3x12", "3 sets of 10",
"16kg x 10", "@ 16kg", "rpe 8"), then loads and efforts paired with their sets and every
value checked against the limits in `bot.core.parser_model`.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.parser_model import (
    EXAMPLES,
    MAX_LOAD,
    MAX_REPS,
    MAX_RIR,
    MAX_RPE,
    MAX_SECONDS,
    MAX_SETS,
    LogParseError,
    ParsedSet,
    SentenceLike,
    Unit,
)
from bot.core.parser_tokens import Tok


@dataclass(frozen=True, slots=True)
class Group:
    count: int
    reps: int | None
    seconds: int | None
    bare: bool = False  # a plain number with nothing around it: "did 2" might not be a set


@dataclass(frozen=True, slots=True)
class Load:
    load: float | None  # None: bodyweight
    unit: Unit | None


@dataclass(frozen=True, slots=True)
class Effort:
    rpe: float | None
    rir: int | None


_BEFORE_BELLS = frozenset({"the", "my", "a", "pair", "of", "two"})


def _bell_size(t: Tok) -> bool:
    """ "16s" written on the number (not "16 sec", not minutes): the bells people call so."""
    return not t.spaced and t.text.isdigit() and t.end - t.start == len(t.text) + 1


def _effort(t: Tok) -> Effort:
    if t.unit == "rir":
        if t.value != int(t.value) or not 0 <= t.value <= MAX_RIR:
            raise LogParseError(f'RIR is reps left in the tank, 0 to {MAX_RIR}. Try "3x8 rir 2".')
        return Effort(None, int(t.value))
    if t.value * 2 != int(t.value * 2) or not 1 <= t.value <= MAX_RPE:
        raise LogParseError(f'RPE runs from 1 to {MAX_RPE:g} in half steps. Try "3x8 rpe 8".')
    return Effort(t.value, None)


Item = Group | Load | Effort
_OF = frozenset({"a", "de", "je", "zu"})  # "3 Sätze à 10", "3 series de 12"


def _whole(value: float, what: str) -> int:
    if value != int(value):
        raise LogParseError(f"{what} are whole numbers. {EXAMPLES}")
    return int(value)


def _group(count: float, reps: float | None = None, seconds: float | None = None) -> Group:
    n = _whole(count, "Sets")
    if n < 1:
        raise LogParseError(f"That needs at least one set. {EXAMPLES}")
    if n > MAX_SETS:
        raise LogParseError(f"{n} sets is more than I can log at once (max {MAX_SETS}). {EXAMPLES}")
    if reps is not None:
        r = _whole(reps, "Reps")
        if not 1 <= r <= MAX_REPS:
            raise LogParseError(f"{r} reps in a set looks off: I log 1 to {MAX_REPS}. {EXAMPLES}")
        return Group(n, r, None)
    assert seconds is not None
    sec = round(seconds)
    if not 1 <= sec <= MAX_SECONDS:
        raise SentenceLike(
            f'A {sec}s hold looks off: I log 1 to {MAX_SECONDS} seconds. Try "3x30s" or "45 sec".'
        )
    return Group(n, None, sec)


def _load(value: float, unit: str | None) -> Load:
    if value == 0:
        return Load(None, None)  # "0kg" is no added weight
    limit = MAX_LOAD[unit or "lb"]
    if value > limit:
        shown = f"{value:g} {unit}" if unit else f"{value:g}"
        raise LogParseError(
            f'{shown} is more than I can log (max 500 kg / 1100 lb). Try "3x12 @ 16kg".'
        )
    return Load(value, "kg" if unit == "kg" else "lb" if unit == "lb" else None)


class Reader:
    """A small recursive-descent reader over the meaningful tokens of one reply."""

    def __init__(self, toks: list[Tok]) -> None:
        # Words stay in as gaps: "12 on the 2nd set" is not "12 sets".
        keep = ("num", "at", "x", "bw", "reps", "sets", "of", "unit", "word", "effort")
        self.toks = [t for t in toks if t.kind in keep]
        self.i = 0
        self.items: list[Item] = []
        self.swapped = False  # read "12x3" as reps first: ask before logging it

    def peek(self, ahead: int = 0) -> Tok | None:
        j = self.i + ahead
        return self.toks[j] if j < len(self.toks) else None

    def is_(self, ahead: int, kind: str, *units: str | None) -> bool:
        t = self.peek(ahead)
        return t is not None and t.kind == kind and (not units or t.unit in units)

    def read(self) -> list[Item]:
        while (t := self.peek()) is not None:
            self.i += 1
            if t.kind == "num":
                self.number(t)
            elif t.kind == "at":
                self.at(t)
            elif t.kind == "bw":
                self.items.append(Load(None, None))
            elif t.kind == "effort":
                self.items.append(_effort(t))
            elif t.kind == "x":
                self.times()
            elif t.kind == "unit" and t.text != "second":  # "on the second" is a place
                raise SentenceLike(f'I see "{t.text}" but no number with it. {EXAMPLES}')
            # words, and "reps", "sets", "of" on their own, are filler ("did all sets")
        return self.items

    def number(self, t: Tok) -> None:
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
            self.items.append(Group(g.count, g.reps, g.seconds, bare=True))

    def hold(self, t: Tok) -> None:
        if self.is_(0, "word") and self.toks[self.i].text in ("hold", "holds") and self.is_(1, "x"):
            self.i += 1  # "30s hold x3"
        if self.is_(0, "x") and self.is_(1, "num", None):  # 45s x 3
            self.items.append(_group(self.toks[self.i + 1].value, seconds=t.value))
            self.i += 2
        else:
            self.items.append(_group(1, seconds=t.value))

    def sets_times(self, t: Tok) -> None:
        self.i += 1  # the x
        second = self.peek()
        if second is None or second.kind != "num":
            raise SentenceLike(f'"{t.text}x" what? {EXAMPLES}')
        self.i += 1
        pair = t.value <= 2 and any(isinstance(item, Group) for item in self.items)
        if second.unit in ("kg", "lb") and pair:  # "3x10 2x16kg": a pair of 16 kg bells
            self.items.append(_load(second.value, second.unit))
        elif second.unit in ("kg", "lb"):  # 10 x 16kg: reps x load
            self.items += [_group(1, reps=t.value), _load(second.value, second.unit)]
        else:
            self.each(t, second)

    def sets_of(self, t: Tok) -> None:
        self.i += 1  # "sets"
        if (
            self.is_(0, "of")
            or self.is_(0, "x")
            or (self.is_(0, "word") and self.toks[self.i].text in _OF)
        ):
            self.i += 1
        reps = self.peek()
        last = self.items[-1] if self.items else None
        if (
            (reps is None or reps.kind != "num")
            and isinstance(last, Group)
            and last.count == 1
            and last.reps is not None
            and not last.bare
        ):  # "10 reps 3 sets": the reps came first
            self.items[-1] = _group(t.value, reps=last.reps)
            return
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

    def bare_run(self) -> list[Tok]:
        run: list[Tok] = []
        while self.is_(len(run), "num", None) and ":" not in self.toks[self.i + len(run)].text:
            run.append(self.toks[self.i + len(run)])
        return run

    def each(self, count: Tok, dose: Tok) -> None:
        """`count` sets of `dose`: a hold when it has seconds, else reps (maybe then "reps").
        "12x3" (more than 6 "sets" of at most 5 reps) is more likely reps first: 3 sets of
        12, to be confirmed."""
        if dose.unit is None and count.kind == "num" and count.value > 6 and dose.value <= 5:
            count, dose = dose, count
            self.swapped = True
        if dose.unit == "s":
            self.items.append(_group(count.value, seconds=dose.value))
        else:
            self.items.append(_group(count.value, reps=dose.value))
            if self.is_(0, "reps"):
                self.i += 1

    def at(self, t: Tok) -> None:
        while (w := self.peek()) is not None and w.kind == "word" and w.text in _BEFORE_BELLS:
            self.i += 1  # "with the 16s", "with my 20s"
        nxt = self.peek()
        if nxt is not None and nxt.kind == "num" and nxt.unit is None and nxt.value in (1, 2):
            ahead = 2 if self.is_(1, "x") else 1
            if self.is_(ahead, "num", "kg", "lb"):  # "@ 2x16kg", "with two 16kg": a pair
                self.i += ahead
                nxt = self.peek()
        if nxt is not None and nxt.kind == "num" and nxt.unit == "s" and _bell_size(nxt):
            self.i += 1  # "with the 16s": the 16 kg (or lb) dumbbells, not a 16 s hold
            self.items.append(_load(nxt.value, None))
        elif nxt is not None and nxt.kind == "num" and nxt.unit != "s":
            self.i += 1
            self.items.append(_load(nxt.value, nxt.unit))
        elif nxt is not None and nxt.kind == "bw":
            self.i += 1
            self.items.append(Load(None, None))
        elif nxt is not None and nxt.kind == "effort":
            return  # "@ rpe 8": the effort reads itself
        elif t.text == "@":
            raise LogParseError('I see "@" but no weight after it. Try "3x12 @ 16kg" or "@ bw".')
        # "with"/"at" before anything else is just a word

    def times(self) -> None:
        """An `x` not between sets and reps: `16kg x 10` or `3x10 x 16`."""
        prev = self.items[-1] if self.items else None
        nxt = self.peek()
        if isinstance(prev, Load) and nxt is not None and nxt.kind == "num":
            return  # 16kg x 10: the load, then the reps
        if isinstance(prev, Group) and prev.bare and self.is_(0, "num", None):
            self.i += 1  # "15 each leg x 2": reps, then the set count
            self.items[-1] = _group(self.toks[self.i - 1].value, reps=prev.reps)
            return
        if isinstance(prev, Group) and nxt is not None and nxt.kind == "num" and nxt.unit != "s":
            self.i += 1
            self.items.append(_load(nxt.value, nxt.unit))  # 3x10x16: sets x reps x load
            return
        raise LogParseError(f'I couldn\'t tell what the "x" joins. {EXAMPLES}')


def _attach(items: list[Item], orphan: str) -> list[tuple[Group, Load | None]]:
    """Pair each group of sets with its load: see the module docstring."""
    pairs: list[tuple[Group, Load | None]] = []
    pending: list[Group] = []
    forward: Load | None = None  # typed before its sets
    last: Load | None = None
    used: list[Load] = []
    for item in items:
        if isinstance(item, Group):
            if forward is not None:
                pairs.append((item, forward))
                used.append(forward)
            else:
                pending.append(item)
        elif not isinstance(item, Load):
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
    if any(all(x is not u for u in used) for x in items if isinstance(x, Load)):
        raise LogParseError(f"{orphan} has no sets to go with. {EXAMPLES}")
    return pairs


def _efforts(items: list[Item]) -> dict[int, Effort]:
    """Each effort's group (by id): the group just before it, else the one just after."""
    groups = [(i, item) for i, item in enumerate(items) if isinstance(item, Group)]
    out: dict[int, Effort] = {}
    for i, item in enumerate(items):
        if not isinstance(item, Effort):
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


def sets_of(items: list[Item]) -> tuple[ParsedSet, ...]:
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
