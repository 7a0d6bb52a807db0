"""The reply parser's data: what a reading holds, its limits and its error.

See `bot.core.parser` for the rules; this module holds what the parser's parts share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Unit = Literal["kg", "lb"]
Kind = Literal["sets", "skip", "done"]
# Why a reply is conversation rather than a log (see parser.NotALog).
Chat = Literal[
    "question", "negated", "not_yet", "plan", "cant", "partial", "pain", "prose", "unreadable"
]

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
    # "done @ 16kg": as prescribed, at this weight (as typed, in `unit`; None: the plan's)
    load: float | None = None
    unit: Unit | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "sets": [s.to_json() for s in self.sets]}
        if self.load is not None:  # only when given: older readings look the same
            out |= {"load": self.load, "unit": self.unit}
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ParsedLog:
        sets = tuple(map(ParsedSet.from_json, data["sets"]))
        return cls(data["kind"], sets, data.get("load"), data.get("unit"))


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


class SentenceLike(LogParseError):
    """An error that, with words around it, means a sentence ("walked for 30 minutes")."""
