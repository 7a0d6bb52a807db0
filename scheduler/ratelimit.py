"""The send queue: one per platform token, in front of every message Backline sends.

Every send waits here for its turn, answers to people and pushes alike:
- replies first: a waiting reply always gets the next free slot; pushes take what is left, so
  a fan-out yields to replies by itself instead of keeping a fixed share back;
- the platform's windows hold ("at most N in any T seconds", the strictest reading): overall
  per token, per chat (a short burst, then the average), per group;
- pushes are paced evenly, so a fan-out never bursts and a reply never waits behind a burst;
- a 429 pauses what it concerns (the chat, or the whole token) with jitter, so retries from
  many chats spread out. Whoever got it waits in the queue again, holding nothing;
- nothing waiting is ever dropped: a send leaves the queue only when it got its slot or its
  caller gave up (cancelled).

Grants happen in loop callbacks (a timer to the earliest moment something can go), not in
sleeping tasks, so a thousand waiters cost nothing while they wait.

Paid broadcasts (`paid_pushes`, a host's opt-in where the platform sells them: Telegram's
allow_paid_broadcast): pushes leave the free overall ceiling for the paid one (`policy.paid`,
1000/s) and are paced at that; the free ceiling then counts the sends that aren't paid
(replies), the paid one every send, and the per-chat and per-group windows hold as ever.

Several processes (`shared`, the PostgreSQL store's send ledger): this queue still decides the
order and holds the windows for its own sends; a send it granted then takes a turn in the
shared ledger before it goes, so the limits hold for all processes together. When the ledger
says wait, the send goes back to the front of its lane holding nothing (its slot here is
given back) and asks again then; a 429 seen here is written there too. With SQLite (one
process) there is no ledger and no round trip.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Protocol

from bot.platforms import RatePolicy, Window, platform

log = logging.getLogger(__name__)

__all__ = [
    "PlatformLimiter",
    "RatePolicy",
    "SharedLimits",
    "SharedTurn",
    "Slot",
    "Window",
    "limiter_for",
]


# The documented limits live with each platform in the registry.
TELEGRAM = platform("telegram").limits
DISCORD = platform("discord").limits


# Windows are held a touch longer than the platform's, for clock granularity.
_ALLOWANCE = 1.01
# A 429 pauses for retry_after plus up to this share of it (at least 50 ms, at most 1 s).
_JITTER = 0.2
# Two 429s of unknown scope from different chats this close together: the token is limited.
_TOKEN_WIDE = 1.0

# A slot the scheduler already waited for, for the send it is about to make (`admitted`).
_ADMITTED: ContextVar[Slot | None] = ContextVar("backline_admitted_slot", default=None)


class SharedTurn(Protocol):
    """A shared ledger's answer: `slot` when the send may go in `wait` seconds (booked for
    it), else ask again in `wait` seconds (`token_wide`: the whole token is busy, so other
    pushes wait too)."""

    @property
    def slot(self) -> int | None: ...
    @property
    def wait(self) -> float: ...
    @property
    def token_wide(self) -> bool: ...


class SharedLimits(Protocol):
    """One platform token's limits across processes (bot.store.postgres.send_ledger)."""

    async def take(self, chat_id: str, *, push: bool) -> SharedTurn: ...

    def done(self, slot: int) -> None:
        """The send's answer came back (recorded in the background)."""
        ...

    def pause(self, seconds: float, chat_id: str | None) -> None:
        """A 429: hold the chat (None: the token) everywhere (recorded in the background)."""
        ...


class Slot:
    """One counted send. The platform counts it when the request arrives, which we can't
    see; we know it arrived by the time the answer came back, so `done()` moves the send's
    time to then. Windows measured from answers can't be squeezed by a request that left late
    (a busy event loop), which is what would break the platform's window otherwise."""

    __slots__ = ("_clock", "_on_done", "at", "chat_id", "finished", "shared")

    def __init__(
        self,
        clock: Callable[[], float],
        chat_id: str = "",
        on_done: Callable[[Slot], None] | None = None,
    ) -> None:
        self._clock = clock
        self._on_done = on_done
        self.chat_id = chat_id
        self.at = clock()
        self.finished = False
        self.shared: int | None = None  # its turn in the shared ledger, if there is one

    def done(self) -> None:
        if not self.finished:
            self.at = max(self.at, self._clock())
            self.finished = True
            if self._on_done is not None:
                self._on_done(self)


class _Log:
    """The most recent sends, enough to check one window."""

    __slots__ = ("seconds", "slots", "window")

    def __init__(self, window: Window) -> None:
        self.window = window
        self.seconds = window.seconds * _ALLOWANCE
        self.slots: deque[Slot] = deque(maxlen=window.limit)

    def free_at(self, now: float) -> float:
        """When the next send fits; `inf` while the oldest counted one is still in flight
        (it may reach the platform any moment, so the window can't be said to have passed:
        its answer kicks the queue)."""
        if len(self.slots) < self.window.limit:
            return now
        oldest = self.slots[0]
        if not oldest.finished:
            return float("inf")
        return max(now, oldest.at + self.seconds)

    def record(self, slot: Slot) -> None:
        self.slots.append(slot)

    def forget(self, slot: Slot) -> None:
        """Give back a slot that was never used (the shared ledger said wait)."""
        with contextlib.suppress(ValueError):  # pushed out by later sends already
            self.slots.remove(slot)

    def idle_since(self, now: float) -> bool:
        last = self.slots[-1] if self.slots else None
        return last is None or (last.finished and last.at + self.seconds <= now)


class _Chat:
    __slots__ = ("logs", "paused_until")

    def __init__(self, windows: tuple[Window, ...]) -> None:
        self.logs = tuple(_Log(w) for w in windows)
        self.paused_until = 0.0

    def free_at(self, now: float) -> float:
        return max([self.paused_until, *(log.free_at(now) for log in self.logs)])

    def record(self, slot: Slot) -> None:
        for log in self.logs:
            log.record(slot)

    def forget(self, slot: Slot) -> None:
        for log in self.logs:
            log.forget(slot)

    def idle_since(self, now: float) -> bool:
        return self.paused_until <= now and all(log.idle_since(now) for log in self.logs)


class _Waiter:
    __slots__ = ("chat_id", "future", "interactive", "not_before")

    def __init__(
        self,
        chat_id: str,
        interactive: bool,
        future: asyncio.Future[Slot],
        not_before: float = 0.0,
    ) -> None:
        self.chat_id = chat_id
        self.interactive = interactive
        self.future = future
        self.not_before = not_before  # the shared ledger said wait until then


class PlatformLimiter:
    """The send queue of one platform token (see the module doc)."""

    def __init__(
        self,
        policy: RatePolicy,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
        *,
        paid_pushes: bool = False,
        shared: SharedLimits | None = None,
    ) -> None:
        """`paid_pushes`: pushes go as paid broadcasts under `policy.paid` (ignored when the
        platform has none); `shared`: the ledger that holds the limits across processes."""
        self.policy = policy
        self._clock = clock
        self._jitter = jitter
        self.shared = shared
        self._overall = _Log(policy.overall)  # the free ceiling: sends that aren't paid
        self.paid_pushes = paid_pushes and policy.paid is not None
        # The paid ceiling counts every send; only kept when pushes go paid.
        self._paid = _Log(policy.paid) if self.paid_pushes and policy.paid else None
        ceiling = policy.paid if self.paid_pushes and policy.paid else policy.overall
        self._push_spacing = ceiling.seconds / ceiling.limit
        self._push_next = 0.0
        self._chats: dict[str, _Chat] = {}
        self._paused_until = 0.0
        self._unknown_429: tuple[float, str] | None = None  # the last 429 of unknown scope
        self._replies: deque[_Waiter] = deque()
        self._pushes: deque[_Waiter] = deque()
        self._timer: asyncio.TimerHandle | None = None
        self._since_prune = 0
        self._ledger_down = False  # the shared ledger failed last time (warned once)

    # -- waiting for a turn -------------------------------------------------------------

    async def acquire(self, chat_id: str, *, interactive: bool = False) -> Slot:
        """Wait until a send to `chat_id` fits every window, then count it. Replies
        (`interactive`) go before pushes. Call `done()` on the slot once the platform
        answered (whatever it said)."""
        admitted = _ADMITTED.get()
        if admitted is not None and admitted.chat_id == chat_id:
            _ADMITTED.set(None)  # the scheduler already waited for this one
            return admitted
        waiter = self._waiter(chat_id, interactive, 0.0)
        while True:
            slot = await self._granted(waiter)
            if self.shared is None:
                return slot
            try:
                turn = await self.shared.take(chat_id, push=not interactive)
            except asyncio.CancelledError:
                slot.done()  # whether the ledger counted it is unknown: it ages out there
                raise
            except Exception as exc:
                # The database is unreachable; the send waits (nothing is dropped). One line
                # per outage, not a traceback a second.
                if not self._ledger_down:
                    log.warning(
                        "the shared send ledger (PostgreSQL) is unreachable (%s); sends wait "
                        "until it answers",
                        type(exc).__name__,
                    )
                self._ledger_down = True
                turn = _Wait(1.0)
            else:
                if self._ledger_down:
                    log.info("the shared send ledger answers again; sending")
                self._ledger_down = False
            if turn.slot is not None:
                slot.shared = turn.slot
                if turn.wait > 0:  # booked a moment ahead: it is ours, we wait for it
                    try:
                        await asyncio.sleep(turn.wait)
                    except asyncio.CancelledError:
                        slot.done()
                        raise
                return slot
            waiter = self._wait_again(waiter, slot, turn)

    async def _granted(self, waiter: _Waiter) -> Slot:
        self._grant()
        try:
            return await waiter.future
        except asyncio.CancelledError:
            future = waiter.future
            if future.done() and not future.cancelled():
                future.result().done()  # granted as the caller gave up: counted, unused
            self._grant()  # a later waiter of the same chat may go now
            raise

    def _waiter(self, chat_id: str, interactive: bool, not_before: float) -> _Waiter:
        future: asyncio.Future[Slot] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(chat_id, interactive, future, not_before)
        lane = self._replies if interactive else self._pushes
        if not_before:
            lane.appendleft(waiter)  # it keeps its place in the lane
        else:
            lane.append(waiter)
        return waiter

    def _wait_again(self, waiter: _Waiter, slot: Slot, turn: SharedTurn) -> _Waiter:
        """The ledger said wait: give the slot back and queue the send again, first in its
        lane, not before the ledger's time (nor any push, when the whole token is busy)."""
        now = self._clock()
        until = now + max(0.0, turn.wait)
        self._overall.forget(slot)
        if self._paid is not None:
            self._paid.forget(slot)
        self._chat(waiter.chat_id).forget(slot)
        slot.finished = True  # never sent: its done() must not count it again
        if turn.token_wide and not waiter.interactive:
            self._push_next = max(self._push_next, until)
        return self._waiter(waiter.chat_id, waiter.interactive, until)

    @contextlib.contextmanager
    def admitted(self, slot: Slot) -> Iterator[None]:
        """Inside this block the next `acquire` for `slot.chat_id` (in this task) returns
        `slot` at once: the scheduler waits for its turn where stopping can cancel the wait,
        then sends through the adapter's delivery loop, which asks this queue again."""
        token = _ADMITTED.set(slot)
        try:
            yield
        finally:
            _ADMITTED.reset(token)

    @property
    def waiting(self) -> int:
        return len(self._replies) + len(self._pushes)

    # -- 429s -------------------------------------------------------------------------

    def pause(self, seconds: float, chat_id: str | None = None, scope: str | None = None) -> None:
        """The platform said 429 to a send to `chat_id`: hold what it concerns.
        `scope` "token" (Discord's global limit) holds every send of this token, "chat" or
        "route" that chat only. None, when the answer doesn't say (Telegram): the chat, and
        the whole token too when another chat was refused just before."""
        now = self._clock()
        seconds = max(0.0, seconds)
        until = now + seconds + min(1.0, max(0.05, seconds * _JITTER)) * self._jitter()
        token_wide = scope == "token" or chat_id is None
        if scope is None and chat_id is not None:
            last = self._unknown_429
            token_wide = last is not None and last[1] != chat_id and now - last[0] < _TOKEN_WIDE
            self._unknown_429 = (now, chat_id)
        if token_wide:
            self._paused_until = max(self._paused_until, until)
        if chat_id is not None:
            chat = self._chat(chat_id)
            chat.paused_until = max(chat.paused_until, until)
        if self.shared is not None:  # the other processes hold the same
            if token_wide:
                self.shared.pause(until - now, None)
            if chat_id is not None:
                self.shared.pause(until - now, chat_id)
        self._grant()

    def pause_for_restart(self) -> None:
        """The previous process may have sent in the last seconds (to the very chats whose
        uncertain pushes we resend first): hold pushes until its short windows have passed."""
        windows = [self.policy.overall.seconds]
        if self.policy.per_chat is not None:
            windows.append(self.policy.per_chat.seconds)
        self._paused_until = max(self._paused_until, self._clock() + max(windows) * _ALLOWANCE)

    @property
    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self._clock())

    # -- granting -----------------------------------------------------------------------

    def _grant(self) -> None:
        """Give every waiter that can go now its slot, replies first, and set a timer for
        the earliest moment the next one can."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        now = self._clock()
        soonest = float("inf")
        seen: set[str] = set()  # one waiter per chat at a time: a chat's sends stay in order
        for lane in (self._replies, self._pushes):
            kept: deque[_Waiter] = deque()
            while lane:
                waiter = lane.popleft()
                if waiter.future.done():  # its caller gave up
                    continue
                kept.append(waiter)
                if waiter.chat_id in seen:
                    continue
                seen.add(waiter.chat_id)
                chat = self._chat(waiter.chat_id)
                paid = self.paid_pushes and not waiter.interactive
                at = max(self._paused_until, chat.free_at(now), waiter.not_before)
                if not paid:
                    at = max(at, self._overall.free_at(now))
                if self._paid is not None:
                    at = max(at, self._paid.free_at(now))
                if not waiter.interactive:
                    at = max(at, self._push_next)
                if at > now:
                    soonest = min(soonest, at)
                    continue
                kept.pop()
                waiter.future.set_result(self._count(waiter, chat, now))
            lane.extend(kept)
        if soonest < float("inf"):
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(max(0.0, soonest - now), self._grant)

    def _count(self, waiter: _Waiter, chat: _Chat, now: float) -> Slot:
        paid = self.paid_pushes and not waiter.interactive
        slot = Slot(self._clock, waiter.chat_id, self._answered)
        if not paid:
            self._overall.record(slot)
        if self._paid is not None:
            self._paid.record(slot)
        chat.record(slot)
        if not waiter.interactive:
            # From the planned slot, not from when the timer happened to fire (overshoot
            # would otherwise cost a few percent of the rate), but never less than half a
            # slot after this send: catching up must not become a burst.
            spacing = self._push_spacing
            self._push_next = max(self._push_next + spacing, now + spacing / 2)
        self._prune(now)
        return slot

    def _answered(self, slot: Slot) -> None:
        if slot.shared is not None and self.shared is not None:
            self.shared.done(slot.shared)
        self._grant()

    # -- bookkeeping --------------------------------------------------------------------

    def _chat(self, chat_id: str) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat(self.policy.chat_windows(chat_id))
        return chat

    def _prune(self, now: float) -> None:
        # Forget chats whose window has passed, so a fan-out to 100k people leaves no trace.
        self._since_prune += 1
        if self._since_prune < 1000:
            return
        self._since_prune = 0
        waiting = {w.chat_id for lane in (self._replies, self._pushes) for w in lane}
        for key in [
            k for k, chat in self._chats.items() if chat.idle_since(now) and k not in waiting
        ]:
            del self._chats[key]


class _Wait:
    """A turn that says wait (the ledger could not be asked)."""

    __slots__ = ("slot", "token_wide", "wait")

    def __init__(self, wait: float) -> None:
        self.slot: int | None = None
        self.wait = wait
        self.token_wide = False


def limiter_for(
    name: str,
    rate: float | None = None,
    *,
    paid_pushes: bool = False,
    shared: Callable[[RatePolicy], SharedLimits] | None = None,
) -> PlatformLimiter:
    """The send queue for a platform with its documented limits; `rate` overrides the
    overall messages/second (benchmarks, tests). `paid_pushes`: pushes as paid broadcasts;
    `shared` makes the ledger for the policy, when several processes share the limits.
    An unknown platform raises `bot.platforms.UnknownPlatform`: guessing limits could flood."""
    policy = platform(name).limits
    if rate is not None:
        policy = dataclasses.replace(
            policy, overall=Window(max(1, round(rate)), 1.0) if rate >= 1 else Window(1, 1.0 / rate)
        )
    paid_pushes = paid_pushes and policy.paid is not None
    return PlatformLimiter(
        policy,
        paid_pushes=paid_pushes,
        shared=shared(policy) if shared is not None else None,
    )
