"""The bot's push side in a process of its own, for the crash tests and the benchmark.

    python -m tests.scheduler.push_child DB_PATH API_URL [--kill-before N | --kill-after N]
        [--workers W] [--rate MSGS_PER_S]

Runs the real Coach, the real TelegramAdapter (against API_URL, the fake Bot API server) and
the PushService until nothing is left to send, then exits 0. `--kill-before N` SIGKILLs this
process just before the N-th push reaches the adapter (after the outbox marked it 'sending');
`--kill-after N` just after the platform accepted the N-th push, before the outbox heard of
it: the worst moment there is.

Prints one JSON line when ready: {"uncertain": [...]} lists the outbox targets found
'sending' at start (the only pushes a crash may have left unclear), then {"done": ...}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
from datetime import timedelta

from bot.adapters.telegram import TelegramAdapter
from bot.adapters.telegram_delivery import RetryPolicy
from bot.app import open_coach
from bot.core.events import Outbound
from scheduler import PushConfig, PushService
from tests.fakes.telegram_server import TEST_TOKEN


class KillSwitch:
    """Wraps the real Sender; dies by SIGKILL at the chosen push."""

    def __init__(self, sender: TelegramAdapter, before: int | None, after: int | None) -> None:
        self.sender = sender
        self.platform = sender.platform
        self.before = before
        self.after = after
        self.count = 0

    async def send(self, chat_id: str, out: Outbound) -> str:
        self.count += 1
        if self.count == self.before:
            os.kill(os.getpid(), signal.SIGKILL)
        message_id = await self.sender.send(chat_id, out)
        if self.count == self.after:
            os.kill(os.getpid(), signal.SIGKILL)
        return message_id


async def main(args: argparse.Namespace) -> None:
    coach, store = await open_coach(args.db)
    uncertain = await store.read("SELECT target FROM outbox WHERE state = 'sending' ORDER BY id")
    print(json.dumps({"uncertain": [row[0] for row in uncertain]}), flush=True)
    stop = asyncio.Event()
    ready = asyncio.Event()
    adapter = TelegramAdapter(
        coach, TEST_TOKEN, args.url, poll_timeout=1, retry=RetryPolicy(attempts=1)
    )
    running = asyncio.create_task(adapter.run(stop, on_ready=lambda _: ready.set()))
    await asyncio.wait_for(ready.wait(), 20)
    config = PushConfig(
        workers_per_platform=args.workers,
        rates=(("telegram", args.rate),),
        nudge_after=None,
        backoff=timedelta(milliseconds=50),
    )
    sender = KillSwitch(adapter, args.kill_before, args.kill_after)
    service = PushService(store, coach, {"telegram": sender}, config=config)
    await service.start()
    await service.wait_idle(timeout=600)
    await service.stop()
    print(json.dumps({"done": (await service.outbox.counts())}), flush=True)
    stop.set()
    await running
    await store.close()


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("url")
    parser.add_argument("--kill-before", type=int)
    parser.add_argument("--kill-after", type=int)
    parser.add_argument("--workers", type=int, default=64)
    parser.add_argument("--rate", type=float, default=30.0)
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
