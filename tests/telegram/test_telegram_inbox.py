"""The inbox on Telegram: the getUpdates offset moves only past stored updates, a restart
handles what the last run stored but never applied or answered, and nothing is applied twice.
(The crash suite, tests/crash, does the same with SIGKILLs at random moments.)"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.adapters import telegram
from bot.adapters.base import Hooks
from bot.adapters.telegram import POLLING_ROLE, TelegramAdapter, serve
from bot.app import file_ids, one_process_roles, open_coach
from bot.core.codec import reply_to_json
from bot.core.events import Outbound, Reply
from bot.core.ports import ANSWERED, Arrival
from bot.store import open_store
from bot.store.postgres import PostgresStore
from tests.fakes.telegram_server import TEST_TOKEN, FakeTelegram, Slow
from tests.telegram.harness import FAST_RETRY, RunningBot, say, settled


def offsets(tg: FakeTelegram) -> list[int | None]:
    return [c.params.get("offset") for c in tg.calls("getUpdates")]


async def drained(bot: RunningBot) -> bool:
    """True once the inbox holds nothing unfinished (the last answer's record follows its
    delivery by a moment)."""
    for _ in range(100):
        assert bot.store is not None
        if await bot.store.inbox.unfinished("telegram") == []:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_updates_are_confirmed_only_once_stored(
    bot: RunningBot, tg: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert bot.coach is not None and bot.store is not None
    ada = tg.user(1001, "Ada")
    [session] = await say(tg, ada, "/today")
    coach = bot.coach
    receive = coach.receive
    failures = 0

    async def disk_trouble(arrivals: list[Arrival]) -> object:
        nonlocal failures
        if failures < 2:
            failures += 1
            raise OSError("disk I/O error")
        return await receive(arrivals)

    monkeypatch.setattr(coach, "receive", disk_trouble)
    before = len(tg.sent_to(ada))
    reply = tg.send(ada, "12 10 10", reply_to=session)
    [confirmation] = await settled(tg, ada, None, before)  # the log rides on the next prompt
    assert failures == 2 and "Logged" in confirmation.text
    # While it could not be stored, the next polls did not confirm it: the same offset, so
    # Telegram handed it out again (without the failures, one poll would have asked for it).
    assert offsets(tg).count(reply.update_id) >= 1 + failures
    assert [s.reps for s in await bot.sets(ada)] == [12, 10, 10]  # once


async def test_a_restart_applies_what_was_stored_but_not_handled(
    bot: RunningBot, tg: FakeTelegram
) -> None:
    ada = tg.user(1001, "Ada")
    [session] = await say(tg, ada, "/today")
    await bot.stop()
    # As if the last run stored the update and died before handling it.
    reply = tg.send(ada, "12 10 10", reply_to=session)
    store = await open_store(bot.db_path)
    await store.inbox.take(
        [Arrival("telegram", str(reply.update_id), str(ada.id), json.dumps(reply.update))]
    )
    await store.close()
    before = len(tg.sent_to(ada))
    await bot.start()
    [confirmation] = await settled(tg, ada, None, before)  # the log rides on the next prompt
    assert "Logged" in confirmation.text
    # Telegram delivered it again too (never confirmed): the inbox took it once.
    assert [s.reps for s in await bot.sets(ada)] == [12, 10, 10]
    assert await drained(bot)


async def test_a_restart_sends_an_answer_stored_but_not_sent_and_applies_nothing_again(
    bot: RunningBot, tg: FakeTelegram
) -> None:
    ada = tg.user(1001, "Ada")
    await say(tg, ada, "/help")
    await bot.stop()
    hello = tg.send(ada, "/today")
    store = await open_store(bot.db_path)
    (entry,) = await store.inbox.take(
        [Arrival("telegram", str(hello.update_id), str(ada.id), json.dumps(hello.update))]
    )
    answer = Reply([Outbound("first part"), Outbound("second part"), Outbound("third part")])

    async def applied_before_the_crash() -> dict[str, object]:
        return reply_to_json(answer)

    await store.inbox.apply(entry.id, applied_before_the_crash)
    await store.inbox.answered(entry.id, 1, False)  # the first part went out, then the crash
    await store.close()
    before = len(tg.sent_to(ada))
    await bot.start()
    messages = await settled(tg, ada, None, before)
    # The stored answer's remaining parts, not a fresh /today session.
    assert [m.text for m in messages] == ["second part", "third part"]
    assert await drained(bot)


async def test_an_update_that_fails_is_rolled_back_and_answered_with_the_apology(
    bot: RunningBot, tg: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert bot.coach is not None
    ada = tg.user(1001, "Ada")
    [session] = await say(tg, ada, "/today")
    logging = bot.coach.logging
    next_times = logging.next_times

    async def broken(*_args: object) -> str:
        raise RuntimeError("a bug after the sets were added")

    monkeypatch.setattr(next_times, "after_log", broken)
    [sorry] = await say(tg, ada, "12 10 10", reply_to=session)
    assert "went wrong" in sorry.text.lower() or "sorry" in sorry.text.lower()
    assert await bot.sets(ada) == []  # the sets it added went back with the rest
    monkeypatch.undo()
    [confirmation] = await say(tg, ada, "12 10 10", reply_to=session)  # one message
    assert "Logged" in confirmation.text
    assert [s.reps for s in await bot.sets(ada)] == [12, 10, 10]


async def test_a_webhook_post_is_accepted_only_once_stored(
    tg: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    coach, store = await open_coach(tmp_path / "backline.db")
    adapter = TelegramAdapter(
        coach, TEST_TOKEN, tg.url, webhook_url="https://bot.example.org/hook", retry=FAST_RETRY
    )
    stop = asyncio.Event()
    running = asyncio.create_task(adapter.run(stop))
    try:
        await tg.wait_for(lambda: tg.webhook, what="setWebhook")
        ada = tg.user(1001, "Ada")
        update = tg.send(ada, "/today")
        receive = coach.receive

        async def disk_full(arrivals: list[Arrival]) -> object:
            raise OSError("database or disk is full")

        monkeypatch.setattr(coach, "receive", disk_full)
        assert await adapter.feed_webhook(update.update) is False  # 503: Telegram retries
        assert await store.inbox.entry("telegram", str(update.update_id)) is None
        monkeypatch.setattr(coach, "receive", receive)
        assert await adapter.feed_webhook(update.update) is True
        assert await store.inbox.entry("telegram", str(update.update_id)) is not None
        assert await adapter.feed_webhook(update.update) is True  # Telegram's retry: taken once
        [today] = await tg.wait_for(lambda: tg.sent_to(ada), what="the answer")
        assert today.text.startswith(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))
        await asyncio.sleep(0.2)
        assert len(tg.sent_to(ada)) == 1
    finally:
        stop.set()
        await running
        await store.close()


async def test_on_postgresql_the_process_whose_turn_it_is_finishes_what_the_last_left(
    tg: FakeTelegram, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(telegram, "TURN_EVERY", 0.05)
    ada = tg.user(1001, "Ada")
    # The polling process stored an update and died before handling it; until PostgreSQL
    # notices (its session ends), it still holds the polling turn.
    old = await PostgresStore.open(pg_url, worker="old")
    assert await old.outbox.take(POLLING_ROLE)
    hello = tg.send(ada, "/today")
    await old.inbox.take(
        [Arrival("telegram", str(hello.update_id), str(ada.id), json.dumps(hello.update))]
    )
    coach, store = await open_coach(pg_url, instance="new")
    turn = one_process_roles(store)
    assert turn is not None
    refused = 0

    async def counted(role: str) -> bool:
        nonlocal refused
        mine = await turn(role)
        refused += not mine
        return mine

    stop = asyncio.Event()
    hooks = Hooks(file_ids=file_ids(store), turn=counted)
    running = asyncio.create_task(
        serve(coach, TEST_TOKEN, tg.url, stop, hooks=hooks, poll_timeout=1, retry=FAST_RETRY)
    )
    try:
        while refused < 3:  # asked for the turn and was refused, three times
            assert not running.done()
            await asyncio.sleep(0.02)
        # Not its turn: it neither polls nor finishes the other process's entry.
        assert tg.calls("getUpdates") == [] and tg.sent_to(ada) == []
        await old.close()  # the old process is gone: its turn is free
        messages = await settled(tg, ada, None, 0)
        assert len(messages) == 1 and tg.calls("getUpdates")  # /today answered, once
        entry = await store.inbox.entry("telegram", str(hello.update_id))
        assert entry is not None and entry.state == ANSWERED
    finally:
        stop.set()
        await asyncio.wait_for(running, 15)
        await old.close()
        await store.close()


async def test_webhook_processes_on_postgresql_never_answer_one_update_twice(
    tg: FakeTelegram, pg_url: str
) -> None:
    """Webhook mode behind a load balancer: the process that took an update answers it. A
    process starting meanwhile (a deploy) recovers only entries nobody is answering."""
    ada = tg.user(1001, "Ada")
    stop = asyncio.Event()
    opened = []

    async def webhook_process(name: str) -> TelegramAdapter:
        coach, store = await open_coach(pg_url, instance=name)
        opened.append(store)
        adapter = TelegramAdapter(
            coach, TEST_TOKEN, tg.url, webhook_url="https://bot.example.org/hook",
            retry=FAST_RETRY, shared_webhook=True, hooks=Hooks(turn=one_process_roles(store)),
        )  # fmt: skip
        running.append(asyncio.create_task(adapter.run(stop)))
        await asyncio.wait_for(adapter.ready.wait(), 15)
        return adapter

    running: list[asyncio.Task[None]] = []
    try:
        first = await webhook_process("a")
        # Its answer is slow to go out (Telegram is slow to accept it)...
        tg.fail("sendMessage", Slow(2.0), chat=tg.private_chat(ada))
        hello = tg.send(ada, "/today")
        assert await first.feed_webhook(hello.update)
        await tg.wait_for(lambda: tg.arrived["sendMessage"] >= 1 or None, what="a's answer")
        # ...and meanwhile another process starts and recovers what is unfinished.
        second = await webhook_process("b")
        assert second.ready.is_set()
        [answer] = await tg.wait_for(lambda: tg.sent_to(ada) or None, timeout=15, what="it")
        assert answer.text.startswith(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))
        entry = None
        for _ in range(100):  # the record of the delivery follows it by a moment
            entry = await opened[0].inbox.entry("telegram", str(hello.update_id))
            if entry is not None and entry.state == ANSWERED:
                break
            await asyncio.sleep(0.05)
        assert entry is not None and (entry.state, entry.claimed_by) == (ANSWERED, "a")
        assert len(tg.sent_to(ada)) == 1  # b never sent it again
    finally:
        stop.set()
        for task in running:
            await asyncio.wait_for(task, 15)
        for store in opened:
            await store.close()
