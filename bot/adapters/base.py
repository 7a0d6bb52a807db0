"""The adapter contract in code: what an adapter may ask of the coach, what the app hands it,
and what the app expects back. docs/architecture.md says how a platform maps onto it.

Nothing here imports a platform library, so `bot.app` and `bot.runner` can read it cheaply.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from bot.core.events import Applied, InboundEvent, Outbound, Reply, UserRef
from bot.core.ports import Arrival, InboxEntry
from bot.delivery import Sender, SendGate

if TYPE_CHECKING:
    from bot.config import Config
    from bot.ops.http import Webhook
    from bot.ops.metrics import Metrics


class CoachPort(Protocol):
    """Exactly what adapters use of the coach (`bot.core.coach.Coach` and the app's counting
    wrapper both satisfy it)."""

    async def handle(self, event: InboundEvent) -> Reply: ...

    # The inbox (docs/architecture.md, "Inbound updates"): store first, apply once.
    async def receive(self, arrivals: Sequence[Arrival]) -> list[InboxEntry]: ...

    async def unfinished(self, platform: str) -> list[InboxEntry]: ...

    async def handle_once(self, entry: InboxEntry, event: InboundEvent) -> Applied: ...

    async def answered(self, entry: InboxEntry, sent: int, done: bool) -> bool: ...

    async def record_sent(
        self, platform: str, chat_id: str, message_id: str, out: Outbound
    ) -> None: ...

    async def mark_unreachable(self, ref: UserRef) -> None: ...

    async def mark_reachable(self, ref: UserRef) -> None: ...

    async def next_message_id(self, platform: str) -> str: ...

    def exercise_choices(self, prefix: str, limit: int = 25) -> list[tuple[str, str]]: ...

    def complete(self, kind: str, prefix: str, limit: int = 25) -> list[tuple[str, str]]: ...


class FileIds(Protocol):
    """Platform ids of pictures already uploaded, per bot account and file digest
    (bot.store.uploads.UploadedFiles), so a picture sent again and again is uploaded once."""

    async def get(self, platform: str, account: str, digest: str) -> str | None: ...

    async def put(self, platform: str, account: str, digest: str, file_id: str) -> None: ...

    async def drop(self, platform: str, account: str, digest: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Hooks:
    """What the app plugs into every adapter, given to its constructor."""

    # The send queue of each platform token (scheduler.ratelimit), shared with the pushes:
    # every message waits there for its turn, answers first. A platform without one sends
    # at once (adapters run on their own in tests).
    gates: Mapping[str, SendGate] = field(default_factory=dict)
    # Counts replies sent and failed for /metrics; None: not counted.
    metrics: Metrics | None = None
    # Keeps the ids of uploaded exercise drawings; None: pictures are uploaded every time.
    file_ids: FileIds | None = None
    # Several processes on one database: `await turn(role)` is True while this process holds
    # a job only one may do (e.g. "telegram-polling"); None: this process is alone.
    turn: Callable[[str], Awaitable[bool]] | None = None


NO_HOOKS = Hooks()  # for adapters run on their own (tests, benchmarks)


class PlatformStartupError(RuntimeError):
    """A platform can't be used with this configuration (e.g. its token was rejected): the
    runner prints the message as one line, without a traceback."""


class PlatformAdapter(Protocol):
    """One running platform, as `bot.app` drives it."""

    platform: str

    @property
    def sender(self) -> Sender:
        """Where the scheduler's pushes go."""
        ...

    @property
    def ready(self) -> asyncio.Event:
        """Set once the platform can deliver (pushes start when every platform is ready)."""
        ...

    @property
    def webhook(self) -> Webhook | None:
        """Where the HTTP endpoint takes this platform's updates, if it takes them by POST."""
        ...

    def is_running(self) -> bool:
        """For the health check."""
        ...

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until `stop` is set, then shut down cleanly."""
        ...


class AdapterFactory(Protocol):
    """`create` in each platform's adapter module (`bot.platforms.Platform.adapter`)."""

    def __call__(self, coach: CoachPort, config: Config, hooks: Hooks) -> PlatformAdapter: ...
