"""The send limiter: sliding windows per platform / chat / group, lanes and 429 pauses."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from scheduler.ratelimit import DISCORD, TELEGRAM, PlatformLimiter, RatePolicy, Window, limiter_for


class VirtualTime:
    """A clock that only moves when someone sleeps (one waiting task at a time)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


def limiter(policy: RatePolicy, share: float = 0.97) -> tuple[PlatformLimiter, VirtualTime]:
    vt = VirtualTime()
    return PlatformLimiter(policy, share, clock=vt.clock, sleep=vt.sleep), vt


def max_in_window(times: list[float], seconds: float) -> int:
    """The most events inside any half-open window (t - seconds, t]."""
    best = 0
    for i, t in enumerate(times):
        best = max(best, sum(1 for u in times[: i + 1] if u > t - seconds))
    return best


async def test_the_push_lane_paces_evenly_below_the_overall_limit() -> None:
    lim, vt = limiter(TELEGRAM)
    times = []
    for n in range(120):
        # A different person each time: only the overall limit binds.
        (await lim.acquire(str(n))).done()
        times.append(vt.now)
    slot = 1 / 30 / 0.97
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps[0] == pytest.approx(slot / 2)  # from idle: half a slot, never a burst
    assert gaps[1:] == pytest.approx([slot] * 118)  # then evenly at 97 % of 30/s
    assert max_in_window(times, 1.0) <= 30
    # 31 consecutive sends always span more than a second (the window, plus 1 %).
    assert min(b - a for a, b in zip(times, times[30:], strict=False)) >= 1.01 - 1e-9


async def test_a_late_send_catches_up_without_bursting() -> None:
    lim, vt = limiter(TELEGRAM)
    slot = 1 / 30 / 0.97
    (await lim.acquire("a")).done()
    (await lim.acquire("b")).done()
    planned = vt.now + slot
    vt.now += slot * 1.4  # the event loop was busy: this one starts 0.4 slot late
    (await lim.acquire("c")).done()
    late = vt.now
    (await lim.acquire("d")).done()
    assert vt.now == pytest.approx(planned + slot)  # back on plan ...
    assert vt.now - late == pytest.approx(0.6 * slot)  # ... by a shorter gap
    vt.now += slot * 1.9  # very late: catching up all of it would bunch two sends
    very_late = vt.now
    (await lim.acquire("e")).done()
    (await lim.acquire("f")).done()
    assert vt.now - very_late == pytest.approx(slot / 2)  # at least half a slot apart


async def test_windows_count_from_when_the_platform_answered() -> None:
    """A request that left late (a busy event loop) pushes its window later too."""
    lim, vt = limiter(RatePolicy(Window(2, 1.0)), share=1.0)
    first = await lim.acquire("a")
    vt.now += 0.3  # the request took 0.3 s to get out and be answered
    first.done()
    (await lim.acquire("b")).done()
    (await lim.acquire("c")).done()
    assert vt.now == pytest.approx(1000.3 + 1.01)
    # While the oldest send hasn't been answered, the window can't be said to have passed.
    lim2, _ = limiter(RatePolicy(Window(1, 1.0)), share=1.0)
    hanging = await lim2.acquire("x")
    waiter = asyncio.ensure_future(lim2.acquire("y"))
    for _ in range(20):
        await asyncio.sleep(0)
    assert not waiter.done()
    hanging.done()
    (await waiter).done()
    assert waiter.done()


async def test_one_chat_gets_one_message_per_second() -> None:
    lim, vt = limiter(TELEGRAM)
    times = []
    for _ in range(4):
        (await lim.acquire("555")).done()
        times.append(vt.now)
    # One second plus a 1 % allowance.
    assert [round(b - a, 6) for a, b in itertools.pairwise(times)] == [1.01] * 3


async def test_a_group_gets_twenty_messages_a_minute() -> None:
    lim, vt = limiter(TELEGRAM)
    times = []
    for _ in range(41):
        (await lim.acquire("-100777")).done()
        times.append(vt.now)
    assert max_in_window(times, 60.0) == 20
    assert times[20] - times[0] == pytest.approx(60.6)
    # Groups are not held to the one-per-second rule of private chats beyond the pacing.
    assert times[1] - times[0] < 1.0


async def test_discord_allows_fifty_per_second_and_five_per_channel_per_five_seconds() -> None:
    lim, vt = limiter(DISCORD, share=1.0)
    times: list[float] = []
    for n in range(100):
        (await lim.acquire(f"chan{n}")).done()
        times.append(vt.now)
    assert max_in_window(times, 1.0) == 50
    one = []
    for _ in range(6):
        (await lim.acquire("same")).done()
        one.append(vt.now)
    assert one[5] - one[0] >= 5.0


async def test_a_429_pauses_the_push_lane_for_retry_after() -> None:
    lim, vt = limiter(TELEGRAM)
    (await lim.acquire("1")).done()
    lim.pause(7)
    assert lim.paused_for == pytest.approx(7)
    before = vt.now
    (await lim.acquire("2")).done()
    assert vt.now - before == pytest.approx(7)


async def test_interactive_sends_never_wait_and_push_the_fan_out_back() -> None:
    lim, vt = limiter(RatePolicy(Window(10, 1.0)), share=1.0)
    start = vt.now
    for n in range(10):
        lim.note_interactive(f"person{n}")  # a burst of replies: recorded at once, no waiting
    assert vt.now == start
    (await lim.acquire("fanout")).done()  # the push lane waits until the window has room again
    assert vt.now - start == pytest.approx(1.01)


async def test_a_paused_push_lane_does_not_hold_interactive_sends() -> None:
    lim, vt = limiter(TELEGRAM)
    lim.pause(30)
    lim.note_interactive("1")  # returns immediately whatever the pause
    assert vt.now == 1000.0


async def test_concurrent_pushes_share_the_budget_in_real_time() -> None:
    lim = limiter_for("telegram", push_share=1.0, rate=200)
    stamps: list[float] = []

    async def push(n: int) -> None:
        (await lim.acquire(str(n))).done()
        stamps.append(time.monotonic())

    await asyncio.gather(*(push(n) for n in range(60)))
    stamps.sort()
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    # Every push waited its turn: never closer than half a slot, 200/s on average at most.
    assert min(gaps) >= 1 / 400 - 1e-4
    assert stamps[-1] - stamps[0] >= 58 / 200
    assert len(stamps) == 60


def test_limiter_for_knows_the_documented_limits() -> None:
    assert limiter_for("telegram").policy == TELEGRAM
    assert limiter_for("discord").policy == DISCORD
    assert limiter_for("telegram", rate=100).policy.overall == Window(100, 1.0)
    with pytest.raises(ValueError):
        PlatformLimiter(TELEGRAM, push_share=0)
