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
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextvars import ContextVar

from bot.platforms import RatePolicy, Window, platform

__all__ = ["PlatformLimiter", "RatePolicy", "Slot", "Window", "limiter_for"]


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


class Slot:
    """One counted send. The platform counts it when the request arrives, which we can't
    see; we know it arrived by the time the answer came back, so `done()` moves the send's
    time to then. Windows measured from answers can't be squeezed by a request that left late
    (a busy event loop), which is what would break the platform's window otherwise."""

    __slots__ = ("_clock", "_on_done", "at", "chat_id", "finished")

    def __init__(
        self,
        clock: Callable[[], float],
        chat_id: str = "",
        on_done: Callable[[], None] | None = None,
    ) -> None:
        self._clock = clock
        self._on_done = on_done
        self.chat_id = chat_id
        self.at = clock()
        self.finished = False

    def done(self) -> None:
        if not self.finished:
            self.at = max(self.at, self._clock())
            self.finished = True
            if self._on_done is not None:
                self._on_done()


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

    def idle_since(self, now: float) -> bool:
        return self.paused_until <= now and all(log.idle_since(now) for log in self.logs)


class _Waiter:
    __slots__ = ("chat_id", "future", "interactive")

    def __init__(self, chat_id: str, interactive: bool, future: asyncio.Future[Slot]) -> None:
        self.chat_id = chat_id
        self.interactive = interactive
        self.future = future


class PlatformLimiter:
    """The send queue of one platform token (see the module doc)."""

    def __init__(
        self,
        policy: RatePolicy,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.policy = policy
        self._clock = clock
        self._jitter = jitter
        self._overall = _Log(policy.overall)
        self._push_spacing = policy.overall.seconds / policy.overall.limit
        self._push_next = 0.0
        self._chats: dict[str, _Chat] = {}
        self._paused_until = 0.0
        self._unknown_429: tuple[float, str] | None = None  # the last 429 of unknown scope
        self._replies: deque[_Waiter] = deque()
        self._pushes: deque[_Waiter] = deque()
        self._timer: asyncio.TimerHandle | None = None
        self._since_prune = 0

    # -- waiting for a turn -------------------------------------------------------------

    async def acquire(self, chat_id: str, *, interactive: bool = False) -> Slot:
        """Wait until a send to `chat_id` fits every window, then count it. Replies
        (`interactive`) go before pushes. Call `done()` on the slot once the platform
        answered (whatever it said)."""
        admitted = _ADMITTED.get()
        if admitted is not None and admitted.chat_id == chat_id:
            _ADMITTED.set(None)  # the scheduler already waited for this one
            return admitted
        future: asyncio.Future[Slot] = asyncio.get_running_loop().create_future()
        (self._replies if interactive else self._pushes).append(
            _Waiter(chat_id, interactive, future)
        )
        self._grant()
        try:
            return await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                future.result().done()  # granted as the caller gave up: counted, unused
            self._grant()  # a later waiter of the same chat may go now
            raise

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
                at = max(self._overall.free_at(now), self._paused_until, chat.free_at(now))
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
        slot = Slot(self._clock, waiter.chat_id, self._grant)
        self._overall.record(slot)
        chat.record(slot)
        if not waiter.interactive:
            # From the planned slot, not from when the timer happened to fire (overshoot
            # would otherwise cost a few percent of the rate), but never less than half a
            # slot after this send: catching up must not become a burst.
            spacing = self._push_spacing
            self._push_next = max(self._push_next + spacing, now + spacing / 2)
        self._prune(now)
        return slot

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


def limiter_for(name: str, rate: float | None = None) -> PlatformLimiter:
    """The send queue for a platform with its documented limits; `rate` overrides the
    overall messages/second. An unknown platform raises `bot.platforms.UnknownPlatform`:
    guessing limits could flood."""
    policy = platform(name).limits
    if rate is not None:
        policy = RatePolicy(
            Window(max(1, round(rate)), 1.0) if rate >= 1 else Window(1, 1.0 / rate),
            policy.per_chat,
            policy.per_group,
            policy.group_prefix,
        )
    return PlatformLimiter(policy)
