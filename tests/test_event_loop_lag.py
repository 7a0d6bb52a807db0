"""/progress (its chart) and /export with a year of history never block the event loop for
more than 10 ms: a ticker task measures how late the loop gets back to it (loop lag), not
how long the commands take. (A timing bound, but of blocking, which is a correctness
property for an event loop shared by every chat; it holds with a wide margin.)"""

from __future__ import annotations

import gc
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import freeze_startup_objects, open_coach, share_the_gil_quickly
from bot.core.coach import Coach
from bot.core.events import InboundEvent, Reply, UserRef
from bot.core.ports import NewSet, Persistence
from tests.loop_lag import worst_lag
from tests.test_conversation import MONDAY

MAX_LAG = 0.010
YEAR_OF_SESSIONS = [MONDAY - timedelta(days=d) for d in range(0, 364) if d % 7 in (0, 2, 4)]
EXERCISES = ("romanian-deadlift-dumbbell", "dumbbell-bent-over-row", "glute-bridge", "doorway-row")


@pytest.fixture
async def coach(tmp_path: Path) -> AsyncIterator[tuple[Coach, Persistence]]:
    noon = datetime(MONDAY.year, MONDAY.month, MONDAY.day, 12, tzinfo=UTC)
    coach, store = await open_coach(tmp_path / "lag.db", clock=lambda: noon)
    yield coach, store
    await store.close()


async def test_progress_and_export_never_block_the_loop(
    coach: tuple[Coach, Persistence],
) -> None:
    the_coach, store = coach
    ref = UserRef("test", "sam")
    user = await store.get_or_create_user(ref, "dm-sam", "Sam")
    for day in YEAR_OF_SESSIONS:
        sets = [
            NewSet(exercise, n, reps=12 - n, load_kg=10.0 + n)
            for exercise in EXERCISES
            for n in range(1, 4)
        ]
        await store.add_sets(user.id, day, sets, None)
    events = iter(range(1, 100))

    def ask(text: str) -> Awaitable[Reply]:
        n = next(events)
        event = InboundEvent(ref, "dm-sam", text, message_id=str(n), event_id=f"lag-{n}")
        return the_coach.handle(event)

    # As the app does once started (bot.app.freeze_startup_objects): a full collection then
    # only looks at what came later, not at everything loaded before (here: the test run's).
    # And as it does then: worker threads hand the GIL back to the loop within 1 ms.
    freeze_startup_objects()
    switch = sys.getswitchinterval()
    share_the_gil_quickly()
    try:
        await measure(ask)
    finally:
        gc.unfreeze()
        sys.setswitchinterval(switch)


async def measure(ask: Callable[[str], Awaitable[Reply]]) -> None:
    # Cold: the chart's worker process starts and loads matplotlib meanwhile.
    lag, reply = await worst_lag(ask("/progress"))
    [out] = reply.messages
    assert out.image is not None and out.image.data.startswith(b"\x89PNG")
    assert lag < MAX_LAG, f"/progress held the loop {lag * 1000:.1f} ms"
    lag, reply = await worst_lag(ask("/export"))
    [out] = reply.messages
    assert out.document is not None
    assert out.document.data.count(b"\n") == 1 + len(YEAR_OF_SESSIONS) * len(EXERCISES) * 3
    assert lag < MAX_LAG, f"/export held the loop {lag * 1000:.1f} ms"
