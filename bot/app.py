"""Wiring: open the store, load the content, build the coach, run the configured adapters."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from bot.charts import MatplotlibCharts  # matplotlib itself loads on the first chart
from bot.config import Config
from bot.content import default_library
from bot.core.coach import Coach
from bot.store import SqliteStore, open_store

log = logging.getLogger(__name__)


async def open_coach(
    db_path: str | Path, clock: Callable[[], datetime] | None = None
) -> tuple[Coach, SqliteStore]:
    """A coach over the SQLite file at `db_path`. The caller closes the store."""
    store = await open_store(db_path)
    return Coach(store, default_library(), clock=clock, charts=MatplotlibCharts()), store


async def run_platforms(config: Config, stop: asyncio.Event) -> None:
    """Run every platform with a token until `stop` is set."""
    coach, store = await open_coach(config.db_path)
    try:
        tasks = []
        if config.telegram_token:
            from bot.adapters import telegram

            tasks.append(
                telegram.serve(coach, config.telegram_token, config.telegram_api_url, stop)
            )
        if config.discord_token:
            from bot.adapters import discord

            tasks.append(discord.serve(coach, config.discord_token, stop))
        await asyncio.gather(*tasks)
    finally:
        await store.close()
