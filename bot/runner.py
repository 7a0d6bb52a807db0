"""Running the platforms as a long-lived process: signals, logging, clean shutdown."""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.app import run_platforms
from bot.config import Config


def run_forever(config: Config) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_platforms(config, stop)

    asyncio.run(main())
    return 0
