"""Wiring: open the store, load the content, build the coach, run the adapters and the pushes."""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from bot import charts
from bot.adapters.base import AdapterFactory, CoachPort, FileIds, Hooks, PlatformAdapter
from bot.charts import MatplotlibCharts  # matplotlib loads in the drawing process only
from bot.content import default_library
from bot.core.coach import Coach
from bot.core.events import Applied, InboundEvent, Outbound, Reply, UserRef
from bot.core.ports import Arrival, InboxEntry, Persistence, StoreUnavailable
from bot.delivery import Sender
from bot.ops.metrics import Family, Metrics
from bot.platforms import Platform, RatePolicy, platform
from bot.store import open_database

if TYPE_CHECKING:  # pydantic loads only for the commands that read configuration
    from bot.config import Config
    from bot.ops.http import Health
    from scheduler.dispatch import DeliveryStats
    from scheduler.ratelimit import PlatformLimiter, SharedLimits

log = logging.getLogger(__name__)

# Of the 10 s a graceful stop may take: pushes in flight first, then the adapters' own stop.
PUSH_STOP_SECONDS = 4.0


async def open_coach(
    db_path: str | Path,
    clock: Callable[[], datetime] | None = None,
    *,
    writer: bool = False,
    instance: str | None = None,
) -> tuple[Coach, Persistence]:
    """A coach over the database BACKLINE_DB names: the SQLite file at `db_path`, or a
    postgresql:// URL (`instance` names this process there). The caller closes the store.
    `writer` takes a SQLite database's writer lock (the long-running bot); PostgreSQL takes
    many writers."""
    library = default_library()  # first: broken content must not leave a database open
    store = await open_database(db_path, worker=instance, writer=writer)
    return Coach(store, library, clock=clock, charts=MatplotlibCharts()), store


class CountedCoach:
    """The coach as the adapters see it (`bot.adapters.base.CoachPort`): every update
    handled is counted for /metrics."""

    def __init__(self, coach: CoachPort, metrics: Metrics) -> None:
        self._coach = coach
        self._metrics = metrics

    async def handle(self, event: InboundEvent) -> Reply:
        self._metrics.inc("updates_handled", platform=event.user.platform)
        return await self._coach.handle(event)

    async def receive(self, arrivals: Sequence[Arrival]) -> list[InboxEntry]:
        return await self._coach.receive(arrivals)

    async def unfinished(self, platform: str) -> list[InboxEntry]:
        return await self._coach.unfinished(platform)

    async def handle_once(self, entry: InboxEntry, event: InboundEvent) -> Applied:
        self._metrics.inc("updates_handled", platform=event.user.platform)
        return await self._coach.handle_once(entry, event)

    async def answered(self, entry: InboxEntry, sent: int, done: bool) -> bool:
        return await self._coach.answered(entry, sent, done)

    async def record_sent(
        self, platform: str, chat_id: str, message_id: str, out: Outbound
    ) -> None:
        await self._coach.record_sent(platform, chat_id, message_id, out)

    async def mark_unreachable(self, ref: UserRef) -> None:
        await self._coach.mark_unreachable(ref)

    async def mark_reachable(self, ref: UserRef) -> None:
        await self._coach.mark_reachable(ref)

    async def next_message_id(self, platform: str) -> str:
        return await self._coach.next_message_id(platform)

    def exercise_choices(self, prefix: str, limit: int = 25) -> list[tuple[str, str]]:
        return self._coach.exercise_choices(prefix, limit)

    def complete(self, kind: str, prefix: str, limit: int = 25) -> list[tuple[str, str]]:
        return self._coach.complete(kind, prefix, limit)


def adapter_factory(entry: Platform) -> AdapterFactory:
    """The `create` of a platform's adapter module; the platform library loads only now."""
    return cast(AdapterFactory, importlib.import_module(entry.adapter).create)


def file_ids(store: Persistence) -> FileIds | None:
    """Where adapters keep the ids of uploaded pictures: a table in the database."""
    from bot.store.sqlite import SqliteStore
    from bot.store.uploads import UploadedFiles

    if isinstance(store, SqliteStore):
        return UploadedFiles(store)
    if type(store).__module__.startswith("bot.store.postgres"):
        from bot.store.postgres.uploads import PgUploadedFiles

        return PgUploadedFiles(store)  # type: ignore[arg-type]
    return None


def one_process_roles(store: Persistence) -> Callable[[str], Awaitable[bool]] | None:
    """Hooks.turn: on a database several processes share (PostgreSQL) the store hands out
    jobs only one process may do; None where this process is the database's only one."""
    take = getattr(store.outbox, "take", None)
    return cast("Callable[[str], Awaitable[bool]]", take) if take is not None else None


def rate_limiters(
    names: list[str], config: Config, store: Persistence | None = None
) -> dict[str, PlatformLimiter]:
    """One limiter per platform, shared by its adapter (replies) and the pushes. On a
    database several processes share (PostgreSQL), each also takes its turns in the store's
    send ledger, so the platform's limits hold for all processes together."""
    from scheduler.ratelimit import limiter_for

    rates = dict(config.push_config().rates)
    return {
        name: limiter_for(
            name,
            rates.get(name),
            paid_pushes=config.paid_broadcast(name),
            shared=shared_limits(store, name, config.paid_broadcast(name)),
        )
        for name in names
    }


def shared_limits(
    store: Persistence | None, name: str, paid: bool
) -> Callable[[RatePolicy], SharedLimits] | None:
    """The store's send ledger for platform `name`, if it has one (PostgreSQL)."""
    make = getattr(store, "send_ledger", None)
    if make is None:
        return None
    return lambda policy: cast("SharedLimits", make(name, policy, paid))


async def check_health(store: Persistence, running: dict[str, Callable[[], bool]]) -> Health:
    from bot.ops.http import Health

    problems = []
    try:
        await store.ping()
    except StoreUnavailable as exc:
        problems.append(f"the database can't save: {exc.reason}")
    except Exception as exc:
        log.warning("health check: the database did not answer: %s", exc)
        problems.append(f"the database did not answer: {exc}")
    adapters = {name: check() for name, check in running.items()}
    return Health(not problems, adapters, tuple(problems))


async def metric_families(
    metrics: Metrics, stats: DeliveryStats, store: Persistence
) -> list[Family]:
    """What /metrics shows: the adapters' counters, the pushes' stats, the outbox depth."""
    depth = await store.outbox.pending_count()
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
            {(): depth},
        ),
    ]


def _push_service(
    store: Persistence,
    coach: Coach,
    senders: dict[str, Sender],
    config: Config,
    limiters: dict[str, PlatformLimiter],
) -> Any:
    from scheduler.service import PushService

    return PushService(store, coach, senders, config=config.push_config(), limiters=limiters)


# The drawing process starts this long after the bot: start-up has the CPU to itself, and a
# short run (a check, a test) never pays for a process it won't use.
WARM_CHARTS_AFTER = 30.0


async def _warm_charts() -> None:
    await asyncio.sleep(WARM_CHARTS_AFTER)
    try:
        await charts.warm()
    except Exception:  # charts are drawn on demand then; the numbers never depend on them
        log.warning("could not start the chart process in advance", exc_info=True)


# How long a thread may hold the GIL before another waiting thread gets it (Python's default
# is 5 ms). Work handed to threads (the /progress figures, aiosqlite's connection threads)
# would otherwise keep the event loop, and every chat on it, waiting up to 5 ms a turn.
GIL_SWITCH_SECONDS = 0.001


def share_the_gil_quickly() -> None:
    """Let the event loop's thread back in within GIL_SWITCH_SECONDS of a busy worker thread."""
    sys.setswitchinterval(GIL_SWITCH_SECONDS)


def freeze_startup_objects() -> None:
    """Exempt everything alive now (modules, the content library, caches) from garbage
    collection: a full collection then looks only at what came later, instead of stopping
    the event loop for tens of milliseconds to walk the whole start-up heap again."""
    gc.collect()
    gc.freeze()


async def run_platforms(config: Config, stop: asyncio.Event) -> None:
    """Run every platform with a token, and the daily pushes through them, until `stop`."""
    coach, store = await open_coach(config.db_path, writer=True, instance=config.instance)
    try:  # every failure from here on closes the database (and frees its writer lock)
        await _run_with(config, stop, coach, store)
    finally:
        await store.close()


class PortInUse(OSError):
    """BACKLINE_HTTP_PORT can't be listened on (taken, or not ours to take)."""


async def _run_with(config: Config, stop: asyncio.Event, coach: Coach, store: Persistence) -> None:
    metrics = Metrics()
    counted = CountedCoach(coach, metrics)
    # Adapters stop only after the pushes have: in-flight sends finish through them.
    adapters_stop = asyncio.Event()
    # One send queue per platform token: the adapters' answers and the pushes wait in it.
    limiters = rate_limiters(config.platforms, config, store)
    hooks = Hooks(
        gates=limiters,
        metrics=metrics,
        file_ids=file_ids(store),
        turn=one_process_roles(store),
    )
    adapters: dict[str, PlatformAdapter] = {
        name: adapter_factory(platform(name))(counted, config, hooks) for name in config.platforms
    }
    senders = {name: adapter.sender for name, adapter in adapters.items()}
    running = {name: adapter.is_running for name, adapter in adapters.items()}
    pushes = _push_service(store, coach, senders, config, limiters)
    # A rest timer started now is looked at now, not at the next minute's tick.
    coach.timer_queued.connect(pushes.dispatcher.wake)
    endpoint = None
    if config.http_port is not None:
        # aiohttp loads only when the endpoint is on.
        from bot.ops.http import HttpEndpoint

        webhooks = [a.webhook for a in adapters.values() if a.webhook is not None]
        # Adapters that check and answer requests themselves (Discord's signed interactions).
        routes = [r for a in adapters.values() for r in getattr(a, "routes", ())]
        endpoint = HttpEndpoint(
            config.http_host,
            config.http_port,
            health=lambda: check_health(store, running),
            metrics=lambda: metric_families(metrics, pushes.stats, store),
            webhook=webhooks[0] if webhooks else None,
            routes=routes,
        )
        # Up before the adapters start: Telegram posts as soon as the webhook is set.
        try:
            await endpoint.start()
        except OSError as exc:
            await endpoint.stop()
            where = f"{config.http_host}:{config.http_port}"
            raise PortInUse(
                f"BACKLINE_HTTP_PORT={config.http_port}: can't listen on {where} "
                f"({exc.strerror or exc}); another program uses it: pick a free port"
            ) from None

    async def push_when_ready() -> None:
        # Pushes start once every platform can deliver, so none fails at start-up.
        await asyncio.gather(*(adapter.ready.wait() for adapter in adapters.values()))
        await pushes.start()

    async def shut_down_in_order() -> None:
        await stop.wait()
        starting.cancel()
        await asyncio.gather(starting, return_exceptions=True)
        await pushes.stop(PUSH_STOP_SECONDS)
        adapters_stop.set()

    freeze_startup_objects()
    share_the_gil_quickly()
    warming = asyncio.create_task(_warm_charts())  # the drawing process, in the background
    starting = asyncio.create_task(push_when_ready())
    stopping = asyncio.create_task(shut_down_in_order())
    try:
        await asyncio.gather(*(adapter.run(adapters_stop) for adapter in adapters.values()))
    finally:
        stop.set()  # also when an adapter failed: take the rest down the same way
        await stopping
        warming.cancel()
        if endpoint is not None:
            await endpoint.stop()
