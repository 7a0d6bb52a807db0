"""The send queue: windows per token / chat / group, replies before pushes, 429 pauses.

Real time on the event loop, with limits scaled down so each test takes a fraction of a second.
"""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from scheduler.ratelimit import DISCORD, TELEGRAM, PlatformLimiter, RatePolicy, Window, limiter_for
from tests.windows import max_in_window


async def send(queue: PlatformLimiter, chat: str, stamps: list[float], **kw: bool) -> None:
    (await queue.acquire(chat, **kw)).done()
    stamps.append(time.monotonic())


async def test_pushes_are_paced_evenly_at_the_overall_limit() -> None:
    queue = PlatformLimiter(RatePolicy(Window(20, 0.2)))  # 100/s
    stamps: list[float] = []
    await asyncio.gather(*(send(queue, str(n), stamps) for n in range(40)))
    assert len(stamps) == 40
    assert max_in_window(stamps, 0.2) <= 20
    gaps = [b - a for a, b in itertools.pairwise(sorted(stamps))]
    assert min(gaps) >= 0.005 - 1e-3  # never closer than half a slot: no bursts
    assert stamps[-1] - stamps[0] >= 39 * 0.01 * 0.9  # at the rate, not above it


async def test_a_reply_takes_the_next_free_slot_ahead_of_waiting_pushes() -> None:
    queue = PlatformLimiter(RatePolicy(Window(5, 0.1)))  # 50/s
    order: list[str] = []

    async def one(name: str, interactive: bool) -> None:
        (await queue.acquire(name, interactive=interactive)).done()
        order.append(name)

    pushes = [asyncio.create_task(one(f"push{n}", False)) for n in range(20)]
    while len(order) < 3:
        await asyncio.sleep(0.001)
    await one("reply", True)
    # At most the push already granted in the same instant went before it.
    assert order.index("reply") <= 4, order
    await asyncio.gather(*pushes)
    assert len(order) == 21


async def test_replies_do_not_wait_for_push_pacing() -> None:
    queue = PlatformLimiter(RatePolicy(Window(10, 1.0)))
    start = time.monotonic()
    for n in range(10):  # a burst of replies: the window allows it at once
        (await queue.acquire(f"person{n}", interactive=True)).done()
    assert time.monotonic() - start < 0.1
    # ... and the eleventh send waits for the window, whichever lane.
    waiting = asyncio.ensure_future(queue.acquire("fanout"))
    await asyncio.sleep(0.2)
    assert not waiting.done()
    waiting.cancel()


async def test_one_chat_gets_a_short_burst_then_its_average() -> None:
    queue = PlatformLimiter(RatePolicy(Window(1000, 1.0), Window(3, 0.3)))
    stamps: list[float] = []
    start = time.monotonic()
    await asyncio.gather(*(send(queue, "555", stamps, interactive=True) for _ in range(6)))
    assert [s - start < 0.05 for s in stamps] == [True] * 3 + [False] * 3
    assert stamps[3] - start >= 0.3
    assert max_in_window(stamps, 0.3) <= 3


async def test_a_group_is_held_to_its_own_window_too() -> None:
    queue = PlatformLimiter(
        RatePolicy(Window(1000, 1.0), Window(3, 0.1), Window(4, 0.5), group_prefix="-")
    )
    group: list[float] = []
    person: list[float] = []
    await asyncio.gather(
        *(send(queue, "-100", group) for _ in range(5)),
        *(send(queue, "7", person) for _ in range(5)),
    )
    assert max_in_window(group, 0.5) <= 4 and max_in_window(group, 0.1) <= 3
    assert group[4] - group[0] >= 0.5
    assert person[4] - person[0] < 0.5  # a private chat only has the per-chat window


async def test_a_chat_429_pauses_that_chat_only() -> None:
    queue = PlatformLimiter(TELEGRAM, jitter=lambda: 0.0)
    (await queue.acquire("1", interactive=True)).done()
    start = time.monotonic()
    queue.pause(0.2, "1", "chat")
    (await queue.acquire("2", interactive=True)).done()
    assert time.monotonic() - start < 0.05  # others go on
    (await queue.acquire("1", interactive=True)).done()
    assert time.monotonic() - start >= 0.2 - 0.002  # the loop's timers may fire 1 ms early


async def test_a_token_429_pauses_everything_with_jitter() -> None:
    queue = PlatformLimiter(TELEGRAM, jitter=lambda: 1.0)
    start = time.monotonic()
    queue.pause(0.2, "1", "token")
    # retry_after plus the most jitter adds: 20 % of it, at least 50 ms
    assert queue.paused_for == pytest.approx(0.25, abs=0.015)
    (await queue.acquire("2", interactive=True)).done()
    assert time.monotonic() - start >= 0.25 - 0.002  # the loop's timers may fire 1 ms early


async def test_unknown_429s_from_two_chats_at_once_pause_the_token() -> None:
    queue = PlatformLimiter(TELEGRAM, jitter=lambda: 0.0)
    queue.pause(0.2, "1")  # Telegram doesn't say why: this chat
    assert queue.paused_for == 0
    queue.pause(0.2, "2")  # another chat refused right after: the token's limit
    assert queue.paused_for == pytest.approx(0.2, abs=0.01)


async def test_nothing_waiting_is_dropped_and_a_cancelled_wait_frees_its_place() -> None:
    queue = PlatformLimiter(RatePolicy(Window(50, 0.1), Window(1, 0.05)))
    stamps: list[float] = []
    tasks = [
        asyncio.create_task(send(queue, str(n % 7), stamps, interactive=n % 3 == 0))
        for n in range(60)
    ]
    gone = asyncio.create_task(queue.acquire("0"))
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.gather(*tasks)
    assert len(stamps) == 60
    assert queue.waiting == 0


async def test_windows_count_from_when_the_platform_answered() -> None:
    queue = PlatformLimiter(RatePolicy(Window(1, 0.1)))
    hanging = await queue.acquire("x")
    waiter = asyncio.ensure_future(queue.acquire("y"))
    await asyncio.sleep(0.2)  # well past the window, but the first send hasn't been answered
    assert not waiter.done()
    hanging.done()
    answered = time.monotonic()
    (await waiter).done()
    assert time.monotonic() - answered >= 0.1


async def test_an_admitted_slot_is_handed_back_to_the_same_chat_once() -> None:
    queue = PlatformLimiter(RatePolicy(Window(1, 10.0)))
    slot = await queue.acquire("a")
    with queue.admitted(slot):
        assert await queue.acquire("a") is slot  # the adapter asks again: no second wait
        again = asyncio.ensure_future(queue.acquire("a"))
        await asyncio.sleep(0.05)
        assert not again.done()  # only once
        again.cancel()


def test_limiter_for_knows_the_documented_limits() -> None:
    assert limiter_for("telegram").policy == TELEGRAM
    assert limiter_for("discord").policy == DISCORD
    assert limiter_for("telegram", rate=100).policy.overall == Window(100, 1.0)
    assert TELEGRAM.chat_windows("-100") == (Window(3, 3.0), Window(20, 60.0))
    assert TELEGRAM.chat_windows("42") == (Window(3, 3.0),)
