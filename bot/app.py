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
from bot.core.events import InboundEvent, Reply
from bot.ops.metrics import Family, Metrics
from bot.store import SqliteStore, open_store

if TYPE_CHECKING:  # pydantic loads only for the commands that read configuration
    from bot.adapters.telegram import TelegramAdapter
    from bot.config import Config
    from bot.ops.http import Health
    from scheduler.dispatch import DeliveryStats

log = logging.getLogger(__name__)


async def open_coach(
    db_path: str | Path, clock: Callable[[], datetime] | None = None
) -> tuple[Coach, SqliteStore]:
    """A coach over the SQLite file at `db_path`. The caller closes the store."""
    store = await open_store(db_path)
    return Coach(store, default_library(), clock=clock, charts=MatplotlibCharts()), store


class CountedCoach:
    """The coach as the adapters see it: every update handled is counted for /metrics."""

    def __init__(self, coach: Coach, metrics: Metrics) -> None:
        self._coach = coach
        self._metrics = metrics

    async def handle(self, event: InboundEvent) -> Reply:
        self._metrics.inc("updates_handled", platform=event.user.platform)
        return await self._coach.handle(event)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._coach, name)


async def check_health(store: SqliteStore, running: dict[str, Callable[[], bool]]) -> Health:
    from bot.ops.http import Health

    try:
        await store.read("SELECT 1")
        database = True
    except Exception:
        log.exception("health check: the database did not answer")
        database = False
    return Health(database, {name: check() for name, check in running.items()})


async def metric_families(
    metrics: Metrics, stats: DeliveryStats, store: SqliteStore
) -> list[Family]:
    """What /metrics shows: the adapters' counters, the pushes' stats, the outbox depth."""
    (depth,) = await store.read("SELECT count(*) FROM outbox WHERE state = 'pending'")
    return [
        Family(
            "backline_updates_handled_total",
            "counter",
            "Updates (messages, edits, button presses) handled by the coach.",
            metrics.series("updates_handled"),
        ),
        Family(
            "backline_replies_sent_total",
            "counter",
            "Answers delivered to people.",
            metrics.series("replies_sent"),
        ),
        Family(
            "backline_replies_failed_total",
            "counter",
            "Answers the platform refused or that failed after retries.",
            metrics.series("replies_failed"),
        ),
        Family(
            "backline_pushes_sent_total", "counter", "Daily pushes delivered.", {(): stats.sent}
        ),
        Family(
            "backline_pushes_failed_total",
            "counter",
            "Daily pushes that failed for good (unreachable people included).",
            {(): stats.failed + stats.unreachable},
        ),
        Family(
            "backline_rate_limited_total",
            "counter",
            "429 Too Many Requests answers received while pushing.",
            {(): stats.rate_limited},
        ),
        Family(
            "backline_outbox_pending",
            "gauge",
            "Pushes waiting in the outbox.",
            {(): depth[0]},
        ),
    ]


def _push_service(store: SqliteStore, coach: Coach, senders: dict[str, Any], config: Config) -> Any:
    from scheduler.service import PushService

    return PushService(store, coach, senders, config=config.push_config())


async def run_platforms(config: Config, stop: asyncio.Event) -> None:
    """Run every platform with a token, and the daily pushes through them, until `stop`."""
    coach, store = await open_coach(config.db_path)
    metrics = Metrics()
    counted = CountedCoach(coach, metrics)
    # Adapters stop only after the pushes have: in-flight sends finish through them.
    adapters_stop = asyncio.Event()
    senders: dict[str, Any] = {}
    runs = []
    hooks: list[Any] = []
    ready: list[asyncio.Event] = []
    running: dict[str, Callable[[], bool]] = {}
    webhook_to: TelegramAdapter | None = None
    if config.telegram_token is not None:
        from bot.adapters.telegram import TelegramAdapter

        telegram = TelegramAdapter(
            counted,
            config.telegram_token.get_secret_value(),
            config.telegram_api_url,
            webhook_url=config.telegram_webhook_url,
            webhook_secret=config.secret("telegram_webhook_secret"),
        )
        senders["telegram"] = telegram
        hooks.append(telegram)
        running["telegram"] = lambda: telegram.application.running
        if config.telegram_webhook_url is not None:
            webhook_to = telegram
        polling = asyncio.Event()
        ready.append(polling)
        runs.append(telegram.run(adapters_stop, on_ready=lambda _: polling.set()))
    if config.discord_token is not None:
        from bot.adapters.discord import DiscordAdapter

        discord = DiscordAdapter(
            counted,
            config.discord_token.get_secret_value(),
            sync_state_path=config.db_path.with_name(config.db_path.name + ".discord-sync.json"),
        )
        senders["discord"] = discord.sender
        hooks.append(discord)
        ready.append(discord.ready)
        running["discord"] = discord.ready.is_set
        runs.append(discord.run(adapters_stop))
    pushes = _push_service(store, coach, senders, config)
    for adapter in hooks:
        # Replies count against the same platform budget the fan-out shares.
        adapter.on_interactive_send = pushes.note_interactive
        adapter.metrics = metrics
    endpoint = None
    if config.http_port is not None:
        # aiohttp loads only when the endpoint is on.
        from bot.ops.http import HttpEndpoint, Webhook

        webhook = None
        if webhook_to is not None:
            secret = config.secret("telegram_webhook_secret") or ""
            webhook = Webhook(config.webhook_path, secret, webhook_to.feed_webhook)
        endpoint = HttpEndpoint(
            config.http_host,
            config.http_port,
            health=lambda: check_health(store, running),
            metrics=lambda: metric_families(metrics, pushes.stats, store),
            webhook=webhook,
        )
        # Up before the adapters start: Telegram posts as soon as the webhook is set.
        try:
            await endpoint.start()
        except BaseException:
            await store.close()
            raise

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
        if endpoint is not None:
            await endpoint.stop()
        await store.close()
