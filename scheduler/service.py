"""PushService: APScheduler drives a one-minute tick; the database decides everything else.

APScheduler 3.11 (AsyncIOScheduler, in-memory job store) holds exactly two jobs, rebuilt on
every start from code, never pickled: the tick at second 0 of every minute and an hourly
clean-up. The tick asks the database who is due (queueing.py) and wakes the dispatcher
(dispatch.py). There is no job per person, so 100,000 people cost no memory here, a restart
can't duplicate jobs, and a settings change counts at the next tick.

Start-up order: rows left 'sending' by a crash go back to 'pending' (sent again); rows past the
grace window become 'missed'; the window since the last tick before the stop is queued
(pushes within the grace window pending, older ones recorded as missed); then delivery and
the tick start.

Several processes on one PostgreSQL database: every one delivers (the outbox hands each row
to one of them, `Outbox.claim`), but only the *leader* (`Outbox.lead`, an advisory lock)
scans for due pushes, expires and prunes. A watch task, every `watch_every`, lets the others
take over within seconds when the leader stops (the new leader scans at once, from the
watermark the old one left), and lets the leader put back the sends of a process that died
(`Outbox.reclaim`). With SQLite or the memory store the process is always the leader.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.core.ports import PushStore
from bot.delivery import Sender
from scheduler.config import PushConfig
from scheduler.dispatch import DeliveryStats, Dispatcher
from scheduler.ports import PushCoach
from scheduler.queueing import QueueReport, kinds_for, queue_due
from scheduler.ratelimit import PlatformLimiter, limiter_for

log = logging.getLogger(__name__)

# Timers can fire a hair early; a tick this close to the minute counts as that minute.
_EARLY = timedelta(seconds=1)
_FROM_CONFIG: Any = object()


def utcnow() -> datetime:
    return datetime.now(UTC)


class PushService:
    def __init__(
        self,
        store: PushStore,
        coach: PushCoach,
        senders: Mapping[str, Sender],
        clock: Callable[[], datetime] = utcnow,
        grace: timedelta = _FROM_CONFIG,
        nudge_after: timedelta | None = _FROM_CONFIG,
        config: PushConfig | None = None,
        limiters: Mapping[str, PlatformLimiter] | None = None,
    ) -> None:
        """`grace` and `nudge_after` (None: no nudges) override the same fields of `config`;
        `limiters` replace the default ones per platform (e.g. to share with an adapter)."""
        cfg = config or PushConfig()
        if grace is not _FROM_CONFIG:
            cfg = replace(cfg, grace=grace)
        if nudge_after is not _FROM_CONFIG:
            cfg = replace(cfg, nudge_after=nudge_after)
        self.cfg = cfg
        self.store = store
        self.coach = coach
        self.clock = clock
        self.outbox = store.outbox
        rates = dict(cfg.rates)
        self.limiters: dict[str, PlatformLimiter] = {
            platform: limiter_for(platform, cfg.push_share, rates.get(platform))
            for platform in senders
        }
        self.limiters.update(limiters or {})
        self.kinds = kinds_for(coach, cfg)
        self.dispatcher = Dispatcher(self.outbox, store, coach, senders, self.limiters, cfg, clock)
        self._scheduler: AsyncIOScheduler | None = None
        self._tick_lock = asyncio.Lock()
        self._backlog: asyncio.Task[None] | None = None
        self._watcher: asyncio.Task[None] | None = None
        self.recovered = 0  # rows found 'sending' at start (sent again)
        self.leading = False  # this process runs the due scan (see the module docstring)

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        now = self.clock()
        self.recovered = await self.outbox.recover(now)
        self.leading = await self.outbox.lead()
        expired, backlog, report = 0, None, QueueReport(now, now)
        if self.leading:
            expired = await self.outbox.expire(now, self.cfg.grace)
            backlog = await self._split_off_backlog(now)
            report = await self.run_due(now)
        if "weekly" not in self.kinds:
            log.info("coach has no weekly_summary: weekly summaries are off")
        log.info(
            "push service ready: %s resent after a crash, %s expired, %s queued, %s missed%s",
            self.recovered, expired, report.pending, report.missed,
            "" if self.leading else " (another process scans for due pushes)",
        )  # fmt: skip
        if self.recovered:  # a crash a moment ago: let the platform's short windows pass
            for limiter in self.limiters.values():
                limiter.pause_for_restart()
        await self.outbox.watch(self.dispatcher.wake)
        self.dispatcher.start()
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        jobs = (  # (what, when, id, how late it may still run)
            (self._tick, CronTrigger(second=0, timezone=UTC), "push-tick", 30),
            (self._clean_up, CronTrigger(minute=17, timezone=UTC), "push-clean-up", None),
        )
        for func, trigger, job_id, late in jobs:
            self._scheduler.add_job(
                func, trigger, id=job_id, coalesce=True, max_instances=1, misfire_grace_time=late
            )
        self._scheduler.start()
        # A plain task, not a job: every few seconds, and not worth a log line each time.
        self._watcher = asyncio.create_task(self._watch_loop(), name="push-watch")
        if backlog is not None:  # only now, so it doesn't compete with getting ready
            self._backlog = asyncio.create_task(self._record_missed(*backlog, now))

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop ticking; pushes in flight get `timeout` seconds to finish (Dispatcher.stop)."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self._watcher is not None:
            self._watcher.cancel()
            await asyncio.gather(self._watcher, return_exceptions=True)
            self._watcher = None
        if self._backlog is not None:
            self._backlog.cancel()
            await asyncio.gather(self._backlog, return_exceptions=True)
        await self.dispatcher.stop(timeout)

    async def _split_off_backlog(self, now: datetime) -> tuple[datetime, datetime] | None:
        """After a long outage only the last `grace` can still be sent; that part is queued
        before start() returns. Older pushes are only recorded as missed, which after days
        down means a row per person per day, so start() hands that window back to be done in
        the background once ready. If the process dies before it finishes, some of those
        records are absent; no push depends on them."""
        last = await self.outbox.last_tick()
        cutoff = now - self.cfg.grace
        if last is None or last >= cutoff:
            return None
        start = max(last, now - self.cfg.catchup_limit)
        await self.outbox.queue([], now, up_to=cutoff)  # run_due covers (cutoff, now]
        return (start, cutoff) if start < cutoff else None

    async def _record_missed(self, start: datetime, end: datetime, now: datetime) -> None:
        try:
            report = await queue_due(
                self.outbox, self.store, self.cfg, self.kinds, start, end, now, watermark=False
            )
            log.info("recorded %s pushes missed while the bot was down", report.missed)
        except Exception:
            log.exception("recording the pushes missed while down failed")

    # -- the tick ------------------------------------------------------------------------

    async def run_due(self, now: datetime) -> QueueReport:
        """Queue everything due since the last tick up to `now` and wake delivery."""
        async with self._tick_lock:
            last = await self.outbox.last_tick()
            start = last if last is not None else now - self.cfg.grace
            start = max(start, now - self.cfg.catchup_limit)
            if now <= start:  # the clock went back: wait until it passes the watermark
                report = QueueReport(start, now)
            else:
                report = await queue_due(
                    self.outbox, self.store, self.cfg, self.kinds, start, now, now
                )
        # Every tick, not only when something new was queued: retries and rescheduled rows
        # come due by the clock, and the clock may have jumped.
        self.dispatcher.wake()
        return report

    async def _tick(self) -> None:
        now = self.clock()
        minute = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
        if minute - now <= _EARLY:
            now = minute
        try:
            if await self._lead():
                await self.run_due(now)
        except Exception:
            log.exception("push tick failed; the next tick covers the same window")

    async def _lead(self) -> bool:
        """Whether this process runs the due scan now; announces a change."""
        leading = await self.outbox.lead()
        if leading != self.leading:
            log.info("this process %s the due scan", "now runs" if leading else "no longer runs")
            self.leading = leading
        return leading

    async def _watch_loop(self) -> None:
        while True:
            await asyncio.sleep(self.cfg.watch_every.total_seconds())
            await self._watch()

    async def _watch(self) -> None:
        """Take over the due scan when its holder stopped (and scan at once), and put back
        what a stopped process was sending."""
        try:
            was_leading = self.leading
            if not await self._lead():
                return
            if await self.outbox.reclaim(self.clock()):
                self.dispatcher.wake()
            if not was_leading:
                await self.run_due(self.clock())
        except Exception:
            log.exception("push watch failed; trying again shortly")

    async def _clean_up(self) -> None:
        today = self.clock().date()
        if not self.leading:
            return
        try:
            await self.outbox.expire(self.clock(), self.cfg.grace)
            await self.outbox.prune(today - timedelta(days=self.cfg.retention_days))
        except Exception:
            log.exception("outbox clean-up failed")

    # -- for adapters and reports ---------------------------------------------------------

    def note_interactive(self, platform: str, chat_id: str) -> None:
        """Adapters call this for every interactive send: it counts against the platform's
        budget without waiting, and the fan-out makes room for it."""
        limiter = self.limiters.get(platform)
        if limiter is not None:
            limiter.note_interactive(chat_id)

    @property
    def job_ids(self) -> list[str]:
        """The APScheduler jobs now scheduled (always the same two while running)."""
        return sorted(job.id for job in self._scheduler.get_jobs()) if self._scheduler else []

    @property
    def stats(self) -> DeliveryStats:
        return self.dispatcher.stats

    async def wait_idle(self, timeout: float = 30.0) -> None:
        """Until nothing is ready or in flight (tests, benchmarks)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        if self._backlog is not None:
            await asyncio.wait_for(asyncio.shield(self._backlog), timeout)
        while loop.time() < deadline:
            ready = await self.outbox.ready(self.clock(), 1, (), tuple(self.dispatcher.senders))
            if not ready and self.dispatcher.idle:
                return
            await asyncio.sleep(0.02)
        raise TimeoutError("push service still busy")
