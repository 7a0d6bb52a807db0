"""Graceful shutdown of a real `backline` process running against the fake Bot API server.

SIGTERM in the middle of the daily fan-out: every push that reached Telegram is recorded as
sent, none is left half-sent, and after a restart everyone has exactly one push. A second
signal exits at once.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.crash.harness import seed_people
from tests.fakes.telegram_server import TEST_TOKEN, FakeTelegram, Slow, TgUser
from tests.ops.bot_process import finished, polling
from tests.ops.support import backline_env

PEOPLE = 80


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake
    assert not fake.violations, "\n".join(str(v) for v in fake.violations)


async def people_due_now(db: Path, tg: FakeTelegram) -> list[TgUser]:
    """PEOPLE onboarded users whose reminder was a few minutes ago (inside the grace window)."""
    return await seed_people(db, tg, 0, PEOPLE, base=7000)


async def start_backline(db: Path, tg: FakeTelegram) -> asyncio.subprocess.Process:
    env = backline_env(
        BACKLINE_DB=str(db),
        BACKLINE_TELEGRAM_TOKEN=TEST_TOKEN,
        BACKLINE_TELEGRAM_API_URL=tg.url,
    )
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=db.parent,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def stopped(process: asyncio.subprocess.Process) -> tuple[int, str]:
    _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode, err.decode()


def outbox_states(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall()
    finally:
        conn.close()
    return dict(rows)


def pushes_by_chat(tg: FakeTelegram) -> dict[int, int]:
    counts: dict[int, int] = {}
    for message in tg.sent:
        counts[message.chat_id] = counts.get(message.chat_id, 0) + 1
    return counts


async def test_sigterm_during_the_fan_out_loses_and_repeats_nothing(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    db = tmp_path / "backline.db"
    people = await people_due_now(db, tg)
    tg.fail("sendMessage", Slow(0.2), times=PEOPLE)  # a fan-out that takes a while
    process = await start_backline(db, tg)
    await tg.wait_for(lambda: len(tg.sent) >= 10, timeout=30, what="the fan-out to start")
    process.send_signal(signal.SIGTERM)
    code, err = await stopped(process)
    assert code == 0, err
    assert "finishing what is in flight" in err and "Telegram: stopped" in err
    assert TEST_TOKEN.partition(":")[2] not in err

    first = pushes_by_chat(tg)
    states = outbox_states(db)
    assert "sending" not in states  # nothing half-sent
    assert states.get("sent", 0) == len(first)  # every delivered push is recorded...
    assert set(first.values()) == {1}
    assert len(first) < PEOPLE and states.get("pending", 0) == PEOPLE - len(first)

    # After a restart, the rest go out and nobody gets a second one.
    tg.heal("sendMessage")  # at full speed: only the first run needed a slow fan-out
    process = await start_backline(db, tg)
    await tg.wait_for(lambda: len(pushes_by_chat(tg)) >= PEOPLE, timeout=60, what="all pushes")
    process.send_signal(signal.SIGTERM)
    code, err = await stopped(process)
    assert code == 0, err
    assert pushes_by_chat(tg) == {p.id: 1 for p in people}
    assert outbox_states(db) == {"sent": PEOPLE}


async def test_a_second_signal_exits_at_once(tg: FakeTelegram, tmp_path: Path) -> None:
    db = tmp_path / "backline.db"
    await people_due_now(db, tg)
    tg.fail("sendMessage", Slow(30), times=PEOPLE)  # in-flight sends that won't finish soon
    process = await start_backline(db, tg)
    # From its log: the fake records a long poll only when it returns (after its timeout).
    await polling(tg, process)
    # The pushes are under way: a slow send has reached the platform and hangs there.
    await tg.wait_for(lambda: tg.arrived["sendMessage"] >= 1, what="a push in flight")
    process.send_signal(signal.SIGINT)
    await asyncio.sleep(0.2)
    assert process.returncode is None  # still finishing the slow sends
    process.send_signal(signal.SIGTERM)
    code, err = await finished(process)
    assert code == 128 + signal.SIGTERM, err
    assert "SIGTERM again: exiting now" in err
