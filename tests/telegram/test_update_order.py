"""ChatOrderedProcessor: one chat's updates in order, other chats never kept waiting by it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update

from bot.adapters.telegram import ChatOrderedProcessor


def update_in(chat_id: int, update_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    message = Message(update_id, datetime(2026, 11, 23, tzinfo=UTC), chat, text="12 10 10")
    return Update(update_id, message=message)


async def test_one_chats_updates_run_in_order_and_one_at_a_time() -> None:
    processor = ChatOrderedProcessor(8)
    log: list[str] = []
    running = 0

    async def handle(n: int, delay: float) -> None:
        nonlocal running
        running += 1
        assert running == 1, "two updates of one chat overlapped"
        log.append(f"start {n}")
        await asyncio.sleep(delay)
        log.append(f"end {n}")
        running -= 1

    # The first is the slowest: later ones must still wait for it.
    delays = [0.05, 0.0, 0.01, 0.0]
    await asyncio.gather(
        *(processor.process_update(update_in(7, n), handle(n, d)) for n, d in enumerate(delays))
    )
    assert log == [f"{what} {n}" for n in range(4) for what in ("start", "end")]


async def test_a_busy_chat_does_not_take_the_slots_other_chats_need() -> None:
    processor = ChatOrderedProcessor(2)
    release = asyncio.Event()
    other_chat_done = asyncio.Event()

    async def held() -> None:
        await release.wait()

    async def other() -> None:
        other_chat_done.set()

    busy = [
        asyncio.create_task(processor.process_update(update_in(1, n), held())) for n in range(6)
    ]
    await asyncio.sleep(0.01)
    # Two slots: chat 1 runs in one of them; its five waiting updates hold none.
    assert processor.current_concurrent_updates == 1
    done = asyncio.create_task(processor.process_update(update_in(2, 99), other()))
    await asyncio.wait_for(other_chat_done.wait(), 1)
    await done
    release.set()
    await asyncio.wait_for(asyncio.gather(*busy), 1)
    assert processor.current_concurrent_updates == 0


async def test_a_failing_update_does_not_stop_the_ones_behind_it() -> None:
    processor = ChatOrderedProcessor(4)
    handled: list[int] = []

    async def handle(n: int) -> None:
        if n == 1:
            raise RuntimeError("boom")
        handled.append(n)

    await asyncio.gather(*(processor.process_update(update_in(3, n), handle(n)) for n in range(4)))
    assert handled == [0, 2, 3]
