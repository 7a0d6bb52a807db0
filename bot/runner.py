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

from bot import exit_codes
from bot.ops.redaction import redact

if TYPE_CHECKING:
    from bot.config import Config

log = logging.getLogger("bot.runner")


def run_forever(config: Config) -> int:
    """Run until a signal; 0 after a clean stop, else a code from bot.exit_codes."""
    logging.basicConfig(
        level=getattr(logging, config.log_level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        asyncio.run(_main(config))
    except Exception as exc:
        code = exit_code_for(exc)
        if code is None:
            log.error("Backline stopped because of an error", exc_info=exc)  # redacted
        # Printed by us, not by Python's excepthook: the text goes through redaction first.
        print(f"backline: {redact(str(exc))}", file=sys.stderr)
        return exit_codes.FAILED if code is None else code
    return exit_codes.OK


def exit_code_for(exc: BaseException) -> int | None:
    """The exit code of a failure a host fixes from its message alone (no traceback needed);
    None for the unexpected ones."""
    from bot.adapters.base import PlatformStartupError
    from bot.app import PortInUse
    from bot.content import ContentError
    from bot.platforms import UnknownPlatform
    from bot.store import MigrationError, SchemaTooNewError, StoreOpenError
    from bot.store.postgres import DatabaseUnreachable, WorkerNameTaken

    config_errors = (StoreOpenError, SchemaTooNewError, PortInUse, UnknownPlatform)
    if isinstance(exc, (*config_errors, DatabaseUnreachable, WorkerNameTaken)):
        return exit_codes.CONFIG
    if isinstance(exc, ContentError):
        return exit_codes.CONTENT
    if isinstance(exc, MigrationError):
        return exit_codes.FAILED
    if isinstance(exc, PlatformStartupError):  # a token rejected, at start or while running
        return exit_codes.TOKEN_REJECTED
    return None


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
