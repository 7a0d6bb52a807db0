"""Running the platforms as a long-lived process: signals, logging, clean shutdown.

The first SIGTERM/SIGINT stops gracefully: no new updates are taken, the pushes stop first
(in-flight sends finish and are recorded, waiting ones go back to pending), then the adapters,
then the database closes. A second signal exits at once: SQLite's journal keeps the file whole
and the next start sends again what was still marked as sending.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.ops.redaction import redact

if TYPE_CHECKING:
    from bot.config import Config

log = logging.getLogger("bot.runner")


def run_forever(config: Config) -> int:
    """Run until a signal; 0 after a clean stop, 1 when something failed on the way."""
    logging.basicConfig(
        level=getattr(logging, config.log_level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        asyncio.run(_main(config))
    except Exception as exc:
        if not isinstance(exc, _expected_failures()):
            log.error("Backline stopped because of an error", exc_info=exc)  # redacted
        # Printed by us, not by Python's excepthook: the text goes through redaction first.
        print(f"backline: {redact(str(exc))}", file=sys.stderr)
        return 1
    return 0


def _expected_failures() -> tuple[type[Exception], ...]:
    """Failures a host fixes from the message alone (no traceback needed)."""
    from bot.adapters.base import PlatformStartupError
    from bot.content import ContentError
    from bot.platforms import UnknownPlatform
    from bot.store import MigrationError

    return (ContentError, MigrationError, PlatformStartupError, UnknownPlatform)


async def _main(config: Config) -> None:
    from bot.app import run_platforms

    stop = asyncio.Event()
    install_signal_handlers(asyncio.get_running_loop(), stop)
    await run_platforms(config, stop)


def install_signal_handlers(
    loop: asyncio.AbstractEventLoop,
    stop: asyncio.Event,
    exit_now: Callable[[int], None] = os._exit,
) -> None:
    """First SIGINT/SIGTERM sets `stop`; a second one calls `exit_now(128 + signal)`."""

    def on_signal(sig: signal.Signals) -> None:
        if stop.is_set():
            log.warning("%s again: exiting now", sig.name)
            logging.shutdown()
            exit_now(128 + sig.value)
            return
        log.info("%s: finishing what is in flight, then stopping (again to exit now)", sig.name)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal, sig)
