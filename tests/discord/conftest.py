"""Fixtures for the Discord tests: the fake Discord (HTTP API + gateway on 127.0.0.1), the real
Coach over a real SQLite file, and the real adapter running against both."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

# `.venv/bin/pytest tests/discord` does not put the repository on sys.path by itself.
REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from discord_harness import NOW, TOKEN, Running, StartBot, load_spec, start_adapter  # noqa: E402

from bot.app import open_coach  # noqa: E402
from bot.core.coach import Coach  # noqa: E402
from bot.store import SqliteStore  # noqa: E402
from tests.fakes.discord_server import FakeDiscord  # noqa: E402
from tests.fakes.discord_spec import DiscordSpec  # noqa: E402


@pytest.fixture(scope="session")
def discord_spec() -> DiscordSpec:
    return load_spec()


@pytest.fixture
async def fake(
    discord_spec: DiscordSpec, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[FakeDiscord]:
    """The fake Discord. Any request (or answer of the fake) that breaks the published API
    spec fails the test at teardown."""
    server = await FakeDiscord(discord_spec, TOKEN).start()
    server.patch_discord(monkeypatch)
    yield server
    await server.stop()
    server.assert_spec_clean()


@pytest.fixture
def guild(fake: FakeDiscord) -> Any:
    return fake.add_guild("Posterior Chain Club", ("training", "general"))


@pytest.fixture
async def coach_store(tmp_path: Path) -> AsyncIterator[tuple[Coach, SqliteStore]]:
    coach, store = await open_coach(tmp_path / "backline.db", clock=lambda: NOW)
    yield coach, store
    await store.close()


@pytest.fixture
def coach(coach_store: tuple[Coach, SqliteStore]) -> Coach:
    return coach_store[0]


@pytest.fixture
def store(coach_store: tuple[Coach, SqliteStore]) -> SqliteStore:
    return coach_store[1]


@pytest.fixture
async def start_bot(fake: FakeDiscord, coach: Coach, tmp_path: Path) -> AsyncIterator[StartBot]:
    """Starts the real adapter against the fake; every started bot is stopped afterwards."""
    running: list[Running] = []

    async def start(use_coach: Coach | None = None, **options: Any) -> Running:
        bot = await start_adapter(fake, use_coach or coach, **options)
        running.append(bot)
        return bot

    yield start
    for bot in running:
        if not bot.task.done():
            await bot.shutdown()


@pytest.fixture
async def bot(start_bot: StartBot) -> Running:
    return await start_bot()
