"""Our own send-rate limiter: sliding windows per platform, per chat and per group.

Two lanes share one budget per platform:
- the interactive lane (someone typed /today) never waits: `note_interactive` just records the
  send, so it counts against the budget;
- the push lane (fan-out) waits in `acquire` until every window has room, and only ever uses
  `push_share` of the overall rate, so a reply sent on top of a full-speed fan-out still stays
  under the platform's limit and pushes back the fan-out instead of queueing behind it.

A 429 pauses the push lane of that platform for `retry_after` seconds (`pause`).
Windows are sliding ("at most N in any T seconds"), the strictest reading of a platform's
limit, and the push lane is additionally paced evenly so it never bursts.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

from bot.platforms import RatePolicy, Window, platform

__all__ = ["PlatformLimiter", "RatePolicy", "Slot", "Window", "limiter_for"]


# The documented limits live with each platform in the registry.
TELEGRAM = platform("telegram").limits
DISCORD = platform("discord").limits


# Windows are held a touch longer than the platform's, for clock granularity.
_ALLOWANCE = 1.01


class Slot:
    """One counted send. The platform counts it when the request arrives, which we can't
    see; we know it arrived by the time the answer came back, so `done()` moves the send's
    time to then. Windows measured from answers can't be squeezed by a request that left late
    (a busy event loop), which is what would break the platform's window otherwise."""

    __slots__ = ("_clock", "at", "finished")

    def __init__(self, clock: Callable[[], float], finished: bool = False) -> None:
        self._clock = clock
        self.at = clock()
        self.finished = finished

    def done(self) -> None:
        if not self.finished:
            self.at = max(self.at, self._clock())
            self.finished = True


class _Log:
    """The most recent sends, enough to check one window."""

    __slots__ = ("seconds", "slots", "window")

    def __init__(self, window: Window) -> None:
        self.window = window
        self.seconds = window.seconds * _ALLOWANCE
        self.slots: deque[Slot] = deque(maxlen=window.limit)

    def free_at(self, now: float) -> float:
        if len(self.slots) < self.window.limit:
            return now
        oldest = self.slots[0]
        # Still in flight: it may reach the platform any moment now.
        arrived = oldest.at if oldest.finished else now
        return max(now, arrived + self.seconds)

    def record(self, slot: Slot) -> None:
        self.slots.append(slot)

    def idle_since(self, now: float) -> bool:
        last = self.slots[-1] if self.slots else None
        return last is None or (last.finished and last.at + self.seconds <= now)


class PlatformLimiter:
    """The send budget of one platform, shared by the interactive and the push lane."""

    def __init__(
        self,
        policy: RatePolicy,
        push_share: float = 0.97,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if not 0 < push_share <= 1:
            raise ValueError("push_share must be in (0, 1]")
        self.policy = policy
        self._clock = clock
        self._sleep = sleep
        self._overall = _Log(policy.overall)
        # The push lane's own, slightly stricter window keeps headroom for interactive replies
        # and absorbs network jitter between our clock and the platform's.
        self._push_spacing = policy.overall.seconds / policy.overall.limit / push_share
        self._push_next = 0.0
        self._chats: dict[str, _Log] = {}
        self._paused_until = 0.0
        self._turn = asyncio.Lock()  # pushes take their turn in order
        self._since_prune = 0

    # -- interactive lane ---------------------------------------------------------------

    def note_interactive(self, chat_id: str) -> None:
        """Record an interactive send made right now; it never waits."""
        slot = Slot(self._clock, finished=True)
        self._overall.record(slot)
        self._chat(chat_id).record(slot)

    # -- push lane ----------------------------------------------------------------------

    def pause(self, seconds: float) -> None:
        """The platform said 429: hold the push lane for `seconds`."""
        self._paused_until = max(self._paused_until, self._clock() + max(0.0, seconds))

    def pause_for_restart(self) -> None:
        """The previous process may have sent in the last second (to the very chats whose
        uncertain pushes we resend first): hold pushes until its short windows have passed."""
        windows = [self.policy.overall.seconds]
        if self.policy.per_chat is not None:
            windows.append(self.policy.per_chat.seconds)
        self.pause(max(windows) * _ALLOWANCE)

    @property
    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self._clock())

    async def acquire(self, chat_id: str) -> Slot:
        """Wait until a push to `chat_id` fits every window, then count it. Call `done()` on
        the slot when the platform answered (whatever it said)."""
        chat = self._chat(chat_id)
        while True:
            now = self._clock()
            ready = chat.free_at(now)
            if ready > now:  # wait for this chat outside the queue: others may go meanwhile
                await self._sleep(ready - now)
                continue
            async with self._turn:
                while True:
                    now = self._clock()
                    ready = max(self._overall.free_at(now), self._push_next, self._paused_until)
                    if ready <= now:
                        break
                    await self._sleep(ready - now)
                if chat.free_at(now) > now:  # another push to this chat got in first
                    continue
                slot = Slot(self._clock)
                self._overall.record(slot)
                chat.record(slot)
                # From the planned slot, not from when the sleep happened to end (timer
                # overshoot would otherwise cost a few percent of the rate), but never less
                # than half a slot after this send: catching up must not become a burst.
                spacing = self._push_spacing
                self._push_next = max(self._push_next + spacing, now + spacing / 2)
                self._prune(now)
                return slot

    # -- bookkeeping --------------------------------------------------------------------

    def _chat(self, chat_id: str) -> _Log:
        log = self._chats.get(chat_id)
        if log is None:
            window = self.policy.chat_window(chat_id) or Window(1_000_000, 1.0)
            log = self._chats[chat_id] = _Log(window)
        return log

    def _prune(self, now: float) -> None:
        # Forget chats whose window has passed, so a fan-out to 100k people leaves no trace.
        self._since_prune += 1
        if self._since_prune < 1000:
            return
        self._since_prune = 0
        for key in [k for k, log in self._chats.items() if log.idle_since(now)]:
            del self._chats[key]


def limiter_for(name: str, push_share: float = 0.97, rate: float | None = None) -> PlatformLimiter:
    """The limiter for a platform with its documented limits; `rate` overrides msgs/second.
    An unknown platform raises `bot.platforms.UnknownPlatform`: guessing limits could flood."""
    policy = platform(name).limits
    if rate is not None:
        policy = RatePolicy(
            Window(max(1, round(rate)), 1.0) if rate >= 1 else Window(1, 1.0 / rate),
            policy.per_chat,
            policy.per_group,
            policy.group_prefix,
        )
    return PlatformLimiter(policy, push_share)
