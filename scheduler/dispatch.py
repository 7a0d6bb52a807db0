"""Delivery: take ready outbox rows, render them with the coach, send them at the platform's
rate, and write down every step.

Per push:  re-check against current settings -> render -> mark 'sending' -> wait for the
           limiter -> Sender.send -> mark the part sent (-> 'sent') -> coach.record_sent

The guarantee. A push is marked 'sent' only after the platform accepted it, so none is lost.
A row is 'sending' from just before its HTTP call until the platform's answer is written down.
If the process dies in between, the row is still 'sending' at the next start and is sent
again. That repeats a message only if the platform had accepted it and the answer hadn't been
recorded yet: a window of one HTTP round trip plus one SQLite write, so a crash repeats at
most the messages in flight at that instant (bounded by `workers_per_platform`, in practice
the one or two of the last round trip) and never loses one. At-least-once, exactly-once for
everything that wasn't in flight. Telegram has no idempotency key for sendMessage, so no
client can close that window there (tests/scheduler/test_push_crash.py kills the process at
both sides of it). Multi-message pushes record each delivered part (`parts_sent`) and resume
after the last one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.events import Outbound
from bot.core.ports import (
    FAILED,
    MISSED,
    SKIPPED,
    Channel,
    Outbox,
    PushRow,
    PushStore,
    User,
    rest_timer_id,
)
from bot.delivery import RetryLater, Sender, Unreachable
from scheduler.config import PushConfig
from scheduler.kinds import DAILY, GROUP, NUDGE, REST, REST_GRACE, WEEKLY, due_now, wants_pushes
from scheduler.ports import PushCoach
from scheduler.ratelimit import PlatformLimiter, Slot

log = logging.getLogger(__name__)

# A re-check that finds the push due this much later (settings changed) waits for it.
_LATER = timedelta(seconds=30)


@dataclass(slots=True)
class DeliveryStats:
    sent: int = 0  # pushes completed
    messages: int = 0  # messages delivered
    retried: int = 0  # 5xx / timeouts that will be tried again
    rate_limited: int = 0  # 429s received
    failed: int = 0
    unreachable: int = 0
    skipped: int = 0
    missed: int = 0


class Dispatcher:
    """Moves ready outbox rows to the platforms, one worker pool per platform."""

    def __init__(
        self,
        outbox: Outbox,
        store: PushStore,
        coach: PushCoach,
        senders: Mapping[str, Sender],
        limiters: Mapping[str, PlatformLimiter],
        cfg: PushConfig,
        clock: Callable[[], datetime],
    ) -> None:
        self.outbox = outbox
        self.store = store
        self.coach = coach
        self.senders = dict(senders)
        self.limiters = dict(limiters)
        self.cfg = cfg
        self.clock = clock
        self.stats = DeliveryStats()
        self._wake = asyncio.Event()
        self._stopping = False
        self._inflight: set[int] = set()
        self._queues: dict[str, asyncio.Queue[PushRow]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        # Tasks parked where cancelling them loses nothing (waiting for a row or for the
        # limiter); stop() cancels those and lets every other task finish its step.
        self._parked: set[asyncio.Task[object]] = set()

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        workers = self.cfg.workers_per_platform
        for platform in self.senders:
            queue: asyncio.Queue[PushRow] = asyncio.Queue(maxsize=workers * 2)
            self._queues[platform] = queue
            for n in range(workers):
                self._tasks.append(
                    asyncio.create_task(self._worker(platform, queue), name=f"push-{platform}-{n}")
                )
        self._tasks.append(asyncio.create_task(self._feed(), name="push-feed"))

    async def stop(self, timeout: float = 10.0) -> None:
        """Let every push already past the limiter finish and be recorded (up to `timeout`),
        then stop. Pushes waiting for their turn go back to 'pending' and, like rows queued
        in memory, go out after the next start; a clean stop leaves nothing uncertain.

        Only parked tasks are cancelled: cancelling a task in the middle of a database write
        or an HTTP call could leave a row 'sending' that was in fact delivered."""
        self._stopping = True
        self._wake.set()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for task in self._parked:
                task.cancel()
            busy = [t for t in self._tasks if not t.done() and t not in self._parked]
            remaining = deadline - loop.time()
            if not busy or remaining <= 0:
                break
            await asyncio.wait(busy, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    @contextlib.contextmanager
    def _parked_here(self) -> Iterator[None]:
        task = asyncio.current_task()
        if task is not None:
            self._parked.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._parked.discard(task)

    def wake(self) -> None:
        """New rows were queued: look now instead of at the next planned time."""
        self._wake.set()

    @property
    def idle(self) -> bool:
        return not self._inflight

    # -- feeding the workers -------------------------------------------------------------

    async def _feed(self) -> None:
        while not self._stopping:
            self._wake.clear()  # before looking, so a wake-up during the look isn't lost
            try:
                delay = await self._feed_once()
            except Exception:  # the database may be briefly busy; never let the loop die
                log.exception("push feed failed; retrying")
                delay = 1.0
            if delay > 0 and not self._stopping:
                with contextlib.suppress(TimeoutError), self._parked_here():
                    await asyncio.wait_for(self._wake.wait(), timeout=delay)

    async def _feed_once(self) -> float:
        """Hand ready rows to the workers; returns seconds until it is worth looking again."""
        now = self.clock()
        room = sum(q.maxsize - q.qsize() for q in self._queues.values())
        if room <= 0:
            return 0.05
        # Claimed, not just read: on a shared database another process may be feeding too.
        rows = await self.outbox.claim(now, room, self._inflight, tuple(self._queues))
        for row in rows:
            queue = self._queues[row.platform]
            if queue.full():  # this platform is saturated; the others may not be
                continue
            self._inflight.add(row.id)
            queue.put_nowait(row)
        if rows:
            return 0.0 if len(rows) == room else 0.05
        upcoming = await self.outbox.next_attempt(self._inflight, tuple(self._queues))
        if upcoming is None:
            return 60.0
        return min(60.0, max(0.01, (upcoming - self.clock()).total_seconds()))

    async def _worker(self, platform: str, queue: asyncio.Queue[PushRow]) -> None:
        while not self._stopping:
            with self._parked_here():
                row = await queue.get()
            if self._stopping:
                break
            try:
                await self.deliver(row)
            except Exception:
                log.exception("push %s failed unexpectedly", row.id)
            finally:
                self._inflight.discard(row.id)
                self._wake.set()

    # -- one push ------------------------------------------------------------------------

    async def deliver(self, row: PushRow) -> None:
        now = self.clock()
        if now - row.due_at > (REST_GRACE if row.kind == REST else self.cfg.grace):
            self.stats.missed += 1
            await self.outbox.finish(row.id, MISSED, now, "past the grace window")
            return
        target = await self._target(row, now)
        if target is None:
            return
        try:
            messages = await self._render(row, target)
        except Exception as exc:
            log.exception("rendering push %s failed", row.id)
            await self._failed_attempt(row, exc)
            return
        if not messages:
            self.stats.skipped += 1
            await self.outbox.finish(row.id, SKIPPED, now, "nothing to send")
            return
        await self.send_parts(row, target, messages)

    async def _target(self, row: PushRow, now: datetime) -> User | Channel | None:
        """The person or channel as they are now, or None after settling the row."""
        if row.kind == GROUP:
            channel = await self.store.get_channel(row.platform, row.chat_id)
            if channel is None or not channel.enabled:
                await self._skip(row, now, "group session turned off")
                return None
            due = due_now(GROUP, channel.settings, row.day, self.cfg)
            return await self._still_due(row, now, due, channel)
        user = await self.store.get_user(row.user_id) if row.user_id is not None else None
        if row.kind == REST:  # asked for a moment ago: only a quiet state stops it
            if user is None or not user.active or user.settings.paused:
                await self._skip(row, now, "paused, inactive or gone")
                return None
            return user
        if user is None or not wants_pushes(user):
            await self._skip(row, now, "paused, inactive or gone")
            return None
        due = due_now(row.kind, user.settings, row.day, self.cfg)
        return await self._still_due(row, now, due, user)

    async def _still_due(
        self, row: PushRow, now: datetime, due: datetime | None, target: User | Channel
    ) -> User | Channel | None:
        if due is None:  # no longer a training day, or paused
            await self._skip(row, now, "no longer scheduled")
            return None
        if due > now + _LATER:  # their settings moved it later: wait for the new time
            await self.outbox.reschedule(row.id, due, now)
            return None
        return target

    async def _skip(self, row: PushRow, now: datetime, why: str) -> None:
        self.stats.skipped += 1
        await self.outbox.finish(row.id, SKIPPED, now, why)

    async def _render(self, row: PushRow, target: User | Channel) -> list[Outbound]:
        if isinstance(target, Channel):
            return await self.coach.group_session(target, row.day)
        if row.kind == NUDGE:
            return await self.coach.nudge(target.id, row.day)
        if row.kind == REST:
            timer_id = rest_timer_id(row.target)
            return await self.coach.rest_over(target.id, timer_id) if timer_id else []
        if row.kind == WEEKLY:  # only queued when the coach has it (see queueing.kinds_for)
            return await self.coach.weekly_summary(target.id, row.day)  # type: ignore[attr-defined]
        if row.kind != DAILY:
            raise ValueError(f"unknown push kind {row.kind!r}")
        return await self.coach.daily_session(target.id, row.day)

    async def send_parts(
        self, row: PushRow, target: User | Channel, messages: list[Outbound]
    ) -> None:
        sender = self.senders[row.platform]
        limiter = self.limiters[row.platform]
        # 'sending' before the limiter wait, so nothing stands between the wait and the HTTP
        # call (the platform sees our pacing undisturbed). A crash while waiting resends a
        # message that was never sent: harmless.
        if row.parts_sent >= len(messages):
            # Every part went out before a crash (the row was left 'sending'): only the record
            # is missing. Without this the row stayed 'sending' and was "resent" every start.
            await self.outbox.part_sent(row.id, row.parts_sent, True, self.clock())
            return
        if not await self.outbox.begin(row.id, self.clock()):
            return  # no longer pending (or no longer ours): settled elsewhere meanwhile
        for index in range(row.parts_sent, len(messages)):
            out = messages[index]
            chat = out.chat_id or target.chat_id
            slot = await self._turn(limiter, chat, row)
            if slot is None:  # stopped while waiting: back to 'pending', sent after a start
                return
            # From the HTTP call until its outcome is stored: stop() never cancels this part.
            try:
                message_id = await _counted(sender.send(chat, out), slot)
            except RetryLater as exc:
                self.stats.rate_limited += 1
                limiter.pause(exc.retry_after)
                later = self.clock() + timedelta(seconds=exc.retry_after)
                await self.outbox.rate_limited(row.id, later, f"429: {exc}", self.clock())
                return
            except Unreachable as exc:
                await self._unreachable(row, target, exc)
                return
            except Exception as exc:  # TransientFailure, timeouts, anything unexpected
                await self._failed_attempt(row, exc)
                return
            done = index + 1 == len(messages)
            await self.outbox.part_sent(row.id, index + 1, done, self.clock())
            self.stats.messages += 1
            await self._record_sent(row.platform, chat, message_id, out)
        self.stats.sent += 1

    async def _turn(self, limiter: PlatformLimiter, chat: str, row: PushRow) -> Slot | None:
        """Wait for the limiter; None when the service is stopping (the row is released back
        to 'pending', as this push was never sent)."""
        try:
            with self._parked_here():
                slot = await limiter.acquire(chat)
        except asyncio.CancelledError:
            await self.outbox.release(row.id, self.clock())
            raise
        if self._stopping:
            await self.outbox.release(row.id, self.clock())
            return None
        return slot

    async def _record_sent(self, platform: str, chat: str, message_id: str, out: Outbound) -> None:
        try:
            await self.coach.record_sent(platform, chat, message_id, out)
        except Exception:  # the push is out; a missing reply link is not worth a resend
            log.exception("record_sent failed for %s message %s", platform, message_id)

    async def _failed_attempt(self, row: PushRow, exc: Exception) -> None:
        attempts = row.attempts + 1
        now = self.clock()
        error = f"{type(exc).__name__}: {exc}"
        if attempts >= self.cfg.max_attempts:
            self.stats.failed += 1
            log.warning("push %s failed after %s attempts: %s", row.id, attempts, error)
            await self.outbox.attempt_failed(row.id, error, now, retry_at=None)
            return
        self.stats.retried += 1
        retry_at = now + self.cfg.backoff_for(attempts)
        await self.outbox.attempt_failed(row.id, error, now, retry_at)

    async def _unreachable(self, row: PushRow, target: User | Channel, exc: Exception) -> None:
        self.stats.unreachable += 1
        now = self.clock()
        if isinstance(target, User):
            await self.coach.mark_unreachable(target.ref)
            await self.store.set_active(target.id, False)
        else:  # the bot was removed from the group: stop the group session there
            await self.store.save_channel(
                target.platform, target.chat_id, target.settings, enabled=False
            )
        await self.outbox.finish(row.id, FAILED, now, f"unreachable: {exc}")


async def _counted(send: Awaitable[str], slot: Slot) -> str:
    """The send, with the limiter told when the platform answered (or didn't)."""
    try:
        return await send
    finally:
        slot.done()
