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
        await lim.acquire(str(n))  # a different person each time: only the overall limit binds
        times.append(vt.now)
    assert max_in_window(times, 1.0) <= 30
    # 97 % of 30/s: any 31 consecutive sends span over a second with ~30 ms to spare, room
    # for network jitter before the platform would see 31 in one second.
    assert min(b - a for a, b in zip(times, times[30:], strict=False)) >= 1 / 0.97 - 1e-9
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) == pytest.approx(1 / 30 / 0.97)
    assert (times[-1] - times[0]) / 119 == pytest.approx(1 / 30 / 0.97)


async def test_one_chat_gets_one_message_per_second() -> None:
    lim, vt = limiter(TELEGRAM)
    times = []
    for _ in range(4):
        await lim.acquire("555")
        times.append(vt.now)
    # One second plus a 3 % allowance for network jitter.
    assert [round(b - a, 6) for a, b in itertools.pairwise(times)] == [1.03] * 3


async def test_a_group_gets_twenty_messages_a_minute() -> None:
    lim, vt = limiter(TELEGRAM)
    times = []
    for _ in range(41):
        await lim.acquire("-100777")
        times.append(vt.now)
    assert max_in_window(times, 60.0) == 20
    assert times[20] - times[0] == pytest.approx(61.8)
    # Groups are not held to the one-per-second rule of private chats beyond the pacing.
    assert times[1] - times[0] < 1.0


async def test_discord_allows_fifty_per_second_and_five_per_channel_per_five_seconds() -> None:
    lim, vt = limiter(DISCORD, share=1.0)
    times: list[float] = []
    for n in range(100):
        await lim.acquire(f"chan{n}")
        times.append(vt.now)
    assert max_in_window(times, 1.0) == 50
    assert max_in_window(times, 1.03) == 50
    one = []
    for _ in range(6):
        await lim.acquire("same")
        one.append(vt.now)
    assert one[5] - one[0] >= 5.0


async def test_a_429_pauses_the_push_lane_for_retry_after() -> None:
    lim, vt = limiter(TELEGRAM)
    await lim.acquire("1")
    lim.pause(7)
    assert lim.paused_for == pytest.approx(7)
    before = vt.now
    await lim.acquire("2")
    assert vt.now - before == pytest.approx(7)


async def test_interactive_sends_never_wait_and_push_the_fan_out_back() -> None:
    lim, vt = limiter(RatePolicy(Window(10, 1.0)), share=1.0)
    start = vt.now
    for n in range(10):
        lim.note_interactive(f"person{n}")  # a burst of replies: recorded at once, no waiting
    assert vt.now == start
    await lim.acquire("fanout")  # the push lane waits until the window has room again
    assert vt.now - start == pytest.approx(1.03)


async def test_a_paused_push_lane_does_not_hold_interactive_sends() -> None:
    lim, vt = limiter(TELEGRAM)
    lim.pause(30)
    lim.note_interactive("1")  # returns immediately whatever the pause
    assert vt.now == 1000.0


async def test_concurrent_pushes_share_the_budget_in_real_time() -> None:
    lim = limiter_for("telegram", push_share=1.0, rate=200)
    stamps: list[float] = []

    async def push(n: int) -> None:
        await lim.acquire(str(n))
        stamps.append(time.monotonic())

    await asyncio.gather(*(push(n) for n in range(60)))
    stamps.sort()
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    # Every push waited its slot: consecutive sends are at least 1/200 s apart.
    assert min(gaps) >= 1 / 200 - 1e-4
    assert len(stamps) == 60


def test_limiter_for_knows_the_documented_limits() -> None:
    assert limiter_for("telegram").policy == TELEGRAM
    assert limiter_for("discord").policy == DISCORD
    assert limiter_for("telegram", rate=100).policy.overall == Window(100, 1.0)
    with pytest.raises(ValueError):
        PlatformLimiter(TELEGRAM, push_share=0)
