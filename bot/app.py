"""Wiring: open the store, load the content, build the coach, run the adapters and the pushes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.charts import MatplotlibCharts  # matplotlib itself loads on the first chart
from bot.content import default_library
from bot.core.coach import Coach
from bot.store import SqliteStore, open_store

if TYPE_CHECKING:  # pydantic loads only for the commands that read configuration
    from bot.config import Config

log = logging.getLogger(__name__)


async def open_coach(
    db_path: str | Path, clock: Callable[[], datetime] | None = None
) -> tuple[Coach, SqliteStore]:
    """A coach over the SQLite file at `db_path`. The caller closes the store."""
    store = await open_store(db_path)
    return Coach(store, default_library(), clock=clock, charts=MatplotlibCharts()), store


def _push_service(store: SqliteStore, coach: Coach, senders: dict[str, Any], config: Config) -> Any:
    from scheduler.service import PushService

    return PushService(store, coach, senders, config=config.push_config())


async def run_platforms(config: Config, stop: asyncio.Event) -> None:
    """Run every platform with a token, and the daily pushes through them, until `stop`."""
    coach, store = await open_coach(config.db_path)
    # Adapters stop only after the pushes have: in-flight sends finish through them.
    adapters_stop = asyncio.Event()
    senders: dict[str, Any] = {}
    runs = []
    hooks: list[Any] = []
    ready: list[asyncio.Event] = []
    if config.telegram_token is not None:
        from bot.adapters.telegram import TelegramAdapter

        telegram = TelegramAdapter(
            coach, config.telegram_token.get_secret_value(), config.telegram_api_url
        )
        senders["telegram"] = telegram
        hooks.append(telegram)
        polling = asyncio.Event()
        ready.append(polling)
        runs.append(telegram.run(adapters_stop, on_ready=lambda _: polling.set()))
    if config.discord_token is not None:
        from bot.adapters.discord import DiscordAdapter

        discord = DiscordAdapter(
            coach,
            config.discord_token.get_secret_value(),
            sync_state_path=config.db_path.with_name(config.db_path.name + ".discord-sync.json"),
        )
        senders["discord"] = discord.sender
        hooks.append(discord)
        ready.append(discord.ready)
        runs.append(discord.run(adapters_stop))
    pushes = _push_service(store, coach, senders, config)
    for adapter in hooks:
        # Replies count against the same platform budget the fan-out shares.
        adapter.on_interactive_send = pushes.note_interactive

    async def push_when_ready() -> None:
        # Pushes start once every platform can deliver, so none fails at start-up.
        await asyncio.gather(*(event.wait() for event in ready))
        await pushes.start()

    async def shut_down_in_order() -> None:
        await stop.wait()
        starting.cancel()
        await asyncio.gather(starting, return_exceptions=True)
        await pushes.stop()
        adapters_stop.set()

    starting = asyncio.create_task(push_when_ready())
    stopping = asyncio.create_task(shut_down_in_order())
    try:
        await asyncio.gather(*runs)
    finally:
        stop.set()  # also when an adapter failed: take the rest down the same way
        await stopping
        await store.close()
