"""Fixtures of the scheduler tests (the pieces themselves live in support.py): `env` is a real
Coach over a real SQLite file; `any_env` runs a test on that, on the memory store and on
PostgreSQL too (the scheduler depends on the store's ports only)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import open_coach
from bot.content import default_library
from bot.core.coach import Coach
from bot.store.memory import MemoryStore
from bot.store.postgres import PostgresStore
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


@pytest.fixture(params=["sqlite", "memory", "postgres"])
async def any_env(request: pytest.FixtureRequest, env: Env, clock: Clock) -> AsyncIterator[Env]:
    if request.param == "sqlite":
        yield env
        return
    # (`env` is opened anyway: pytest-asyncio can't request an async fixture from inside one)
    store: MemoryStore | PostgresStore = MemoryStore()
    if request.param == "postgres":
        store = await PostgresStore.open(request.getfixturevalue("pg_url"))
    coach = Coach(store, default_library(), clock=clock)
    environment = Env(coach, store, clock, env.db_path, RecordingPlatform(clock))  # type: ignore[arg-type]
    yield environment
    for svc in environment.services:
        await svc.stop()
    await store.close()
