"""Fixtures for the Telegram tests: the fake Bot API server and the real bot running against it."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

# `.venv/bin/pytest tests/telegram` does not put the repository on sys.path by itself.
REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.fakes.telegram_server import FakeTelegram  # noqa: E402
from tests.telegram.harness import TODAY, RunningBot  # noqa: E402


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    """The fake Bot API server. Any request that breaks the spec fails the test at teardown."""
    async with FakeTelegram() as fake:
        yield fake
    fake.assert_spec_clean()


@pytest.fixture
def clock() -> Callable[[], datetime]:
    moment = datetime(TODAY.year, TODAY.month, TODAY.day, 12, 0, tzinfo=UTC)
    return lambda: moment


@pytest.fixture
async def bot(
    tg: FakeTelegram, tmp_path: Path, clock: Callable[[], datetime]
) -> AsyncIterator[RunningBot]:
    running = RunningBot(tg, tmp_path / "backline.db", clock)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()
