"""Shared pieces of the scheduler tests: a real Coach over a real SQLite store, a movable
clock, and a recording stand-in for a chat platform (the platform is what we fake, never the
coach)."""

from __future__ import annotations

import time as _time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from bot.core.coach import Coach
from bot.core.events import Outbound, UserRef
from bot.core.ports import User
from bot.core.settings import Settings
from bot.store import SqliteStore
from scheduler import PushConfig, PushService
from scheduler.ratelimit import PlatformLimiter, RatePolicy, Window

EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)


class Clock:
    """UTC 'now' that runs in real time from wherever a test sets it (so retry_after and
    backoff delays pass as they would), and can jump."""

    def __init__(self, start: datetime) -> None:
        self.set(start)

    def set(self, moment: datetime) -> datetime:
        self._base = moment.astimezone(UTC)
        self._mono = _time.monotonic()
        return self._base

    def advance(self, delta: timedelta) -> datetime:
        return self.set(self() + delta)

    def __call__(self) -> datetime:
        return self._base + timedelta(seconds=_time.monotonic() - self._mono)


@dataclass
class Delivered:
    chat_id: str
    out: Outbound
    at: datetime  # the test clock when it was sent
    message_id: str


@dataclass
class RecordingPlatform:
    """A `Sender` standing in for a chat platform: records what arrives, fails on request."""

    clock: Clock
    platform: str = "telegram"
    delivered: list[Delivered] = field(default_factory=list)
    # (chat id or "*", message text or "*") -> exceptions to raise on the next such sends
    faults: dict[tuple[str, str], deque[Exception]] = field(
        default_factory=lambda: defaultdict(deque)
    )
    calls: int = 0

    def fail(self, exc: Exception, times: int = 1, chat: str = "*", text: str = "*") -> None:
        self.faults[(chat, text)].extend([exc] * times)

    async def send(self, chat_id: str, out: Outbound) -> str:
        self.calls += 1
        for key in ((chat_id, "*"), ("*", out.text), ("*", "*")):
            if self.faults.get(key):
                raise self.faults[key].popleft()
        message_id = str(1000 + len(self.delivered))
        self.delivered.append(Delivered(chat_id, out, self.clock(), message_id))
        return message_id

    def to(self, chat_id: str) -> list[Delivered]:
        return [d for d in self.delivered if d.chat_id == chat_id]


@dataclass
class Env:
    coach: Coach
    store: SqliteStore
    clock: Clock
    db_path: Path
    platform: RecordingPlatform
    services: list[PushService] = field(default_factory=list)

    def service(self, **kw: object) -> PushService:
        kw.setdefault("config", FAST)
        # Only the overall rate, high: per-chat spacing would make retries to one chat slow
        # (the limiter's own tests cover it).
        kw.setdefault("limiters", {"telegram": PlatformLimiter(RatePolicy(Window(2000, 1.0)))})
        svc = PushService(self.store, self.coach, {"telegram": self.platform}, clock=self.clock,
                          **kw)  # type: ignore[arg-type]  # fmt: skip
        self.services.append(svc)
        return svc

    async def person(
        self,
        name: str,
        timezone: str = "Europe/Berlin",
        at: time = time(7, 30),
        weekdays: tuple[int, ...] = EVERY_DAY,
        **settings: object,
    ) -> User:
        user = await self.store.get_or_create_user(UserRef("telegram", name), f"chat-{name}", name)
        await self.store.save_settings(
            user.id,
            Settings(timezone=timezone, reminder_time=at, weekdays=weekdays, onboarded=True)
            .with_(**settings),
        )  # fmt: skip
        found = await self.store.get_user(user.id)
        assert found is not None
        return found


# Delivery as fast as the test machine goes; timing rules are tested with the limiter alone.
FAST = PushConfig(
    rates=(("telegram", 2000.0),),
    nudge_after=None,
    backoff=timedelta(milliseconds=20),
    backoff_cap=timedelta(milliseconds=100),
    workers_per_platform=8,
)
