"""Fixtures of the scheduler tests (the pieces themselves live in support.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import open_coach
from tests.scheduler.support import Clock, Env, RecordingPlatform


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2025, 6, 16, 4, 0, tzinfo=UTC))  # a Monday


@pytest.fixture
async def env(tmp_path: Path, clock: Clock) -> AsyncIterator[Env]:
    path = tmp_path / "backline.db"
    coach, store = await open_coach(path, clock=clock)
    environment = Env(coach, store, clock, path, RecordingPlatform(clock))
    yield environment
    for svc in environment.services:
        await svc.stop()
    await store.close()
