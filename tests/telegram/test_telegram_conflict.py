"""Two consumers of one bot token's updates: Telegram answers 409 Conflict (issue 15 item 3).

Telegram lets one getUpdates call wait per token: a second one ends the first with 409
"Conflict: terminated by other getUpdates request". The fake Bot API does the same. Backline's
own processes take turns (the polling role: an advisory lock on PostgreSQL; on SQLite the
writer lock keeps a second process from starting at all, see
tests/ops/test_ops_database_guard.py), so they never meet a conflict. A poller outside
Backline gets one clear warning and a back-off, never a traceback, and no update is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from telegram import Bot
from telegram.error import Conflict

from bot.adapters.base import Hooks
from bot.adapters.telegram import TelegramAdapter, serve
from bot.adapters.telegram_conflict import PollConflicts
from bot.adapters.telegram_delivery import RetryPolicy
from bot.app import one_process_roles, open_coach
from bot.core.ports import Persistence
from tests.fakes.telegram_server import CONFLICT, TEST_TOKEN, FakeTelegram, TgUser

CONFLICT_LOG = "another program is taking this bot's updates"
# Slower than the other Telegram tests' retries, so a conflict visibly backs off.
BACK_OFF = RetryPolicy(attempts=4, base_delay=0.2, max_delay=1.0, max_retry_after=5)


def stray_bot(tg: FakeTelegram) -> Bot:
    """Another program with the same token (a copy of the bot left running elsewhere)."""
    return Bot(TEST_TOKEN, base_url=f"{tg.url}/bot")


async def test_the_fake_ends_a_waiting_get_updates_when_another_arrives(
    tg: FakeTelegram,
) -> None:
    async with stray_bot(tg) as first, stray_bot(tg) as second:
        waiting = asyncio.create_task(first.get_updates(timeout=5))
        await tg.wait_for(lambda: tg.arrived["getUpdates"] == 1 or None, what="the first poll")
        later = asyncio.create_task(second.get_updates(timeout=5))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await waiting
        ada = tg.user(1001, "Ada")
        tg.send(ada, "/help")
        [update] = await later  # the newer call is the one that gets the updates
        assert update.message is not None and update.message.text == "/help"
    assert tg.conflicts == 1
    assert CONFLICT.startswith("Conflict: terminated by other getUpdates request")


# -- a poller outside Backline ---------------------------------------------------------------


async def stray_polls(tg: FakeTelegram, stop: asyncio.Event) -> int:
    """Poll as fast as Telegram answers until `stop`, never confirming anything (no offset):
    a stray that reads but doesn't confirm takes nothing away from Backline. Its calls are
    told apart by their limit. Returns how many 409s it got."""
    conflicts = 0
    async with stray_bot(tg) as stray:
        while not stop.is_set():
            try:
                await stray.get_updates(timeout=1, limit=7)
            except Conflict:
                conflicts += 1
    return conflicts


def backline_conflicts(tg: FakeTelegram) -> int:
    return sum(
        1 for call in tg.calls("getUpdates") if call.status == 409 and call.params.get("limit") != 7
    )


@dataclass
class Backline:
    """Backline as `backline` runs it on Telegram: its own database connection (its own
    worker on PostgreSQL) and, where the database is shared, the polling turn."""

    adapter: TelegramAdapter
    store: Persistence
    task: asyncio.Task[None]
    stop_event: asyncio.Event

    async def stop(self) -> None:
        """As the process ends: the adapter stops, the database connections close (and with
        them, on PostgreSQL, the polling role). Twice is fine."""
        if self.stop_event.is_set():
            return
        self.stop_event.set()
        await asyncio.wait_for(self.task, 15)
        await self.store.close()


@contextlib.asynccontextmanager
async def backline(
    tg: FakeTelegram, db: str | Path, instance: str | None = None
) -> AsyncIterator[Backline]:
    coach, store = await open_coach(db, instance=instance)
    stop = asyncio.Event()
    ready: asyncio.Future[TelegramAdapter] = asyncio.get_running_loop().create_future()
    hooks = Hooks(turn=one_process_roles(store))
    task = asyncio.create_task(
        serve(coach, TEST_TOKEN, tg.url, stop, hooks=hooks, poll_timeout=1, retry=BACK_OFF,
              on_ready=ready.set_result)
    )  # fmt: skip
    done, _ = await asyncio.wait({ready, task}, timeout=15, return_when="FIRST_COMPLETED")
    if task in done:
        await store.close()
        await task  # raises what went wrong
    running = Backline(ready.result(), store, task, stop)
    try:
        yield running
    finally:
        await running.stop()


async def each_answered_once(tg: FakeTelegram, people: list[TgUser]) -> None:
    """Every person's /help got exactly one answer (none lost, none twice)."""
    await tg.wait_for(
        lambda: all(len(tg.sent_to(p)) >= 1 for p in people) or None,
        timeout=20,
        what="an answer for everyone",
    )
    await asyncio.sleep(0.3)  # a second answer would be on its way by now
    assert [len(tg.sent_to(p)) for p in people] == [1] * len(people)


def conflict_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if CONFLICT_LOG in r.getMessage()]


async def test_a_stray_poller_is_one_warning_and_a_back_off_and_loses_nothing(
    tg: FakeTelegram, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with backline(tg, tmp_path / "backline.db") as running:
        adapter = running.adapter
        await tg.wait_for(lambda: adapter.polling or None, what="polling")
        stop_stray = asyncio.Event()
        stray = asyncio.create_task(stray_polls(tg, stop_stray))
        await tg.wait_for(lambda: backline_conflicts(tg) >= 3 or None, what="conflicts")
        # Updates sent while the two fight: none may be lost.
        people = [tg.user(2000 + n, f"P{n}") for n in range(8)]
        for person in people:
            tg.send(person, "/help")
        await tg.wait_for(lambda: backline_conflicts(tg) >= 6 or None, what="more conflicts")
        stop_stray.set()
        assert await stray > 0  # Backline's calls ended the stray's too: they really overlapped
        await each_answered_once(tg, people)
        assert adapter.polling  # it never gave up
    [line] = conflict_lines(caplog)  # one line for the whole episode, however many 409s
    assert line.levelno == logging.WARNING and "Conflict: terminated by other" in line.message
    assert "stop the other one" in line.message
    for record in caplog.records:
        assert record.exc_info is None, record.getMessage()  # no traceback anywhere
        assert record.levelno < logging.ERROR, record.getMessage()


def test_conflicts_back_off_and_are_said_once_per_episode(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    conflicts = PollConflicts(RetryPolicy(base_delay=1.0, max_delay=8.0), clock=lambda: now[0])
    error = Conflict(CONFLICT)
    with caplog.at_level(logging.DEBUG):
        delays = []
        for _ in range(6):
            delays.append(conflicts.seen(error))
            now[0] += 5
        # Doubling up to the ceiling, with jitter (each within [half, all] of its step).
        for delay, step in zip(delays, (1, 2, 4, 8, 8, 8), strict=True):
            assert step / 2 <= delay <= step
        assert len(conflict_lines(caplog)) == 1
        conflicts.cleared()  # a poll went through: the back-off starts over
        assert conflicts.seen(error) <= 1.0
        assert len(conflict_lines(caplog)) == 1  # ...but it's the same episode
        now[0] += 61  # a minute without a conflict ends the episode
        conflicts.seen(error)
        assert len(conflict_lines(caplog)) == 2


# -- two Backline processes on one PostgreSQL database -----------------------------------------


async def test_two_backlines_on_postgres_take_turns_polling_and_never_conflict(
    tg: FakeTelegram, pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with backline(tg, pg_url, "one") as one, backline(tg, pg_url, "two") as two:
        polls = tg.arrived["getUpdates"]
        await tg.wait_for(lambda: tg.arrived["getUpdates"] >= polls + 3 or None, what="polls")
        # The first to start polls; the other asks for the turn every few seconds.
        assert [one.adapter.polling, two.adapter.polling] == [True, False]
        people = [tg.user(3000 + n, f"P{n}") for n in range(6)]
        for person in people:
            tg.send(person, "/help")
        await each_answered_once(tg, people)
        assert tg.conflicts == 0  # never two getUpdates calls at once

        # The poller's process ends (a deploy): the other takes over within seconds.
        await one.stop()
        await tg.wait_for(lambda: two.adapter.polling or None, timeout=20, what="a takeover")
        later = [tg.user(4000 + n, f"Q{n}") for n in range(6)]
        for person in later:
            tg.send(person, "/help")
        await each_answered_once(tg, later)
    assert conflict_lines(caplog) == []  # neither ever met the other's poll
    assert any("now takes the updates" in r.getMessage() for r in caplog.records)
