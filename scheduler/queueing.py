"""The tick: put every push due in a UTC window into the outbox.

The window is (last tick, now]. For each timezone in use, `timing.wall_band` says which
reminder times can fall in it, the expression index finds those people, and `kinds` confirms
each one exactly. So a minute's tick reads only the people due that minute, and settings
changes count at once: nothing about people is cached between ticks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.ports import Channels, NewPush, Outbox
from scheduler.config import PushConfig
from scheduler.kinds import DAILY, NUDGE, WEEKLY, channel_pushes, user_pushes
from scheduler.timing import fire_dates, wall_band, zone

_FLUSH_AT = 2000  # pushes per outbox transaction


@dataclass(frozen=True, slots=True)
class QueueReport:
    start: datetime
    end: datetime
    pending: int = 0  # new pushes queued
    missed: int = 0  # new pushes recorded as missed (past the grace window)


class _Batch:
    def __init__(self, outbox: Outbox, now: datetime) -> None:
        self.outbox = outbox
        self.now = now
        self.items: list[NewPush] = []
        self.pending = 0
        self.missed = 0

    async def add(self, pushes: Sequence[NewPush]) -> None:
        self.items.extend(pushes)
        if len(self.items) >= _FLUSH_AT:
            await self.flush()

    async def flush(self, up_to: datetime | None = None) -> None:
        pending, missed = await self.outbox.queue(self.items, self.now, up_to)
        self.pending += pending
        self.missed += missed
        self.items = []


async def queue_due(
    outbox: Outbox,
    store: Channels,
    cfg: PushConfig,
    user_kinds: tuple[str, ...],
    start: datetime,
    end: datetime,
    now: datetime,
    watermark: bool = True,
) -> QueueReport:
    """Queue what falls due in (start, end] and (with `watermark`) move the watermark to
    `end`.

    Pages are flushed as they go; the watermark moves only in the last transaction, so a
    crash part way makes the next start look at the same window again (the keys dedupe).
    """
    batch = _Batch(outbox, now)
    for name in await outbox.timezones():
        tz = zone(name)
        if tz is None:
            continue
        for kind in user_kinds:
            shift = cfg.nudge_after if kind == NUDGE and cfg.nudge_after else timedelta(0)
            if kind == WEEKLY:
                if not fire_dates(start, end, cfg.weekly_at, tz, (cfg.weekly_weekday,)):
                    continue
                ranges = [("00:00", "23:59")]  # the weekly time is the same for everyone
            else:
                ranges = wall_band(start - shift, end - shift, tz).time_ranges()
            for first, last in ranges:
                async for users in outbox.users_at(name, first, last):
                    for user in users:
                        await batch.add(user_pushes(user, (kind,), start, end, now, cfg))
    for channel in await store.list_channels(enabled_only=True):
        await batch.add(channel_pushes(channel, start, end, now, cfg))
    await batch.flush(up_to=end if watermark else None)
    return QueueReport(start, end, batch.pending, batch.missed)


def kinds_for(coach: object, cfg: PushConfig) -> tuple[str, ...]:
    """The personal push kinds this coach and configuration support."""
    kinds = [DAILY]
    if cfg.nudge_after is not None:
        kinds.append(NUDGE)
    if hasattr(coach, "weekly_summary"):
        kinds.append(WEEKLY)
    return tuple(kinds)
