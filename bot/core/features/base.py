"""What every feature gets: the store, the library, the clock, and typed conversation state."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot.core.dispatch import Command, State
from bot.core.library import Library
from bot.core.lookup import ExerciseLookup
from bot.core.ports import Store
from bot.core.progress import ChartRenderer
from bot.core.settings import Settings

S = TypeVar("S", bound=State)


class Signal:
    """Tells whoever listens that something happened, without knowing who (the scheduler's
    delivery loop listens for queued rest timers, so it looks before its next tick)."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []

    def connect(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    @property
    def heard(self) -> bool:
        """Someone listens (without a scheduler, nothing would deliver a timer)."""
        return bool(self._listeners)

    def notify(self) -> None:
        for listener in self._listeners:
            listener()


@dataclass(frozen=True, slots=True)
class Services:
    store: Store
    library: Library
    lookup: ExerciseLookup
    clock: Callable[[], datetime]
    charts: ChartRenderer | None  # None: /progress answers without its chart
    commands: Sequence[Command] = ()  # every declared command, for /help
    timer_queued: Signal = field(default_factory=Signal)  # a rest timer's ping was queued

    def local_date(self, settings: Settings) -> date:
        try:
            zone = ZoneInfo(settings.timezone)
        except Exception:
            zone = ZoneInfo("UTC")
        return self.clock().astimezone(zone).date()

    async def load_state(self, user_id: int, kind: type[S]) -> S | None:
        """The pending conversation if it is of `kind` (and still readable)."""
        raw = await self.store.get_state(user_id)
        if not raw or raw.get("kind") != kind.kind:
            return None
        return kind.from_dict(raw)

    async def save_state(self, user_id: int, state: State | None) -> None:
        await self.store.set_state(user_id, state.to_dict() if state else None)

    async def clear_state(self, user_id: int, kind: type[State]) -> None:
        """End the pending conversation, but only if it is of `kind`."""
        raw = await self.store.get_state(user_id)
        if raw and raw.get("kind") == kind.kind:
            await self.store.set_state(user_id, None)


class Feature:
    """A feature module's class: its handlers carry @command, @on_button, @on_state and
    @on_link (bot.core.dispatch); every feature is built from the same Services."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = services.store
        self.library = services.library
        self.lookup = services.lookup
