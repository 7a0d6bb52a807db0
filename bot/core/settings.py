"""A person's coaching settings: what the planner and the scheduler need to know about them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, time
from typing import Any, Literal

Level = Literal["beginner", "intermediate", "advanced"]
Units = Literal["kg", "lb"]

LEVELS: tuple[Level, ...] = ("beginner", "intermediate", "advanced")
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# About how long a session may take, in minutes; the planner fills the chosen length.
SESSION_LENGTHS: tuple[int, ...] = (15, 30, 45)
DEFAULT_SESSION_MINUTES = 30


def nearest_length(minutes: int) -> int:
    """The offered session length closest to `minutes` (ties go to the shorter one)."""
    return min(SESSION_LENGTHS, key=lambda m: (abs(m - minutes), m))


@dataclass(frozen=True, slots=True)
class Settings:
    """Sensible defaults so /today works before onboarding."""

    level: Level = "beginner"
    equipment: frozenset[str] = field(default_factory=lambda: frozenset({"bodyweight"}))
    split: str = "full3"
    weekdays: tuple[int, ...] = (0, 2, 4)  # Monday = 0
    reminder_time: time = time(7, 30)
    timezone: str = "UTC"
    units: Units = "kg"
    paused: bool = False
    onboarded: bool = False
    session_minutes: int = DEFAULT_SESSION_MINUTES
    # The program's first day: training blocks and the newcomer ramp count from it.
    # None (stored before this field existed, or not set yet): blocks count from a fixed epoch.
    program_start: date | None = None

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    def plan_key(self) -> str:
        """What the day's plan depends on; a change here means a fresh plan."""
        return "|".join(
            [
                self.level,
                ",".join(sorted(self.equipment)),
                self.split,
                ",".join(map(str, self.weekdays)),
                str(self.session_minutes),
                self.program_start.isoformat() if self.program_start else "",
            ]
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "equipment": sorted(self.equipment),
            "split": self.split,
            "weekdays": list(self.weekdays),
            "reminder_time": self.reminder_time.strftime("%H:%M"),
            "timezone": self.timezone,
            "units": self.units,
            "paused": self.paused,
            "onboarded": self.onboarded,
            "session_minutes": self.session_minutes,
            "program_start": self.program_start.isoformat() if self.program_start else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        base = cls()
        hh, mm = str(data.get("reminder_time", "07:30")).split(":")
        return cls(
            level=data.get("level", base.level),
            equipment=frozenset(data.get("equipment", base.equipment)),
            split=data.get("split", base.split),
            weekdays=tuple(data.get("weekdays", base.weekdays)),
            reminder_time=time(int(hh), int(mm)),
            timezone=data.get("timezone", base.timezone),
            units=data.get("units", base.units),
            paused=bool(data.get("paused", base.paused)),
            onboarded=bool(data.get("onboarded", base.onboarded)),
            session_minutes=_length_or_default(data.get("session_minutes")),
            program_start=_date_or_none(data.get("program_start")),
        )


def _length_or_default(value: Any) -> int:
    """A stored session length, snapped to an offered one; anything unreadable is the default."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return DEFAULT_SESSION_MINUTES
    return nearest_length(int(value))


def _date_or_none(value: Any) -> date | None:
    """A stored ISO date; anything unreadable counts as unset rather than failing the load."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
