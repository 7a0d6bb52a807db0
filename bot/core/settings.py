"""A person's coaching settings: what the planner and the scheduler need to know about them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import time
from typing import Any, Literal

Level = Literal["beginner", "intermediate", "advanced"]
Units = Literal["kg", "lb"]

LEVELS: tuple[Level, ...] = ("beginner", "intermediate", "advanced")
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


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
        )
