"""How long work keeps the event loop from everything else: the loop lag a 1 ms ticker sees
while it runs (used by tests/test_event_loop_lag.py and bench/heavy_work.py).

Only lateness this process caused counts: a late tick is charged at most the CPU time the
process used meanwhile (any of its threads: a thread holding the GIL blocks the loop too).
On a shared machine the OS may not run us at all for a while; that isn't ours."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")
TICK = 0.001


async def worst_lag(work: Awaitable[T]) -> tuple[float, T]:
    """(the longest the loop kept the ticker waiting beyond its time, what `work` gave)."""
    worst = 0.0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal worst
        while not done.is_set():
            before, cpu = time.perf_counter(), time.process_time()
            await asyncio.sleep(TICK)
            late = time.perf_counter() - before - TICK
            worst = max(worst, min(late, time.process_time() - cpu))

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)  # the ticker is running
    worst = 0.0
    try:
        result = await work
    finally:
        done.set()
        await ticking
    return worst, result
