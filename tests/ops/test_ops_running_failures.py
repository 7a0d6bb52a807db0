"""Failures while the real `backline` runs: the disk fills up (a real small tmpfs, and
RLIMIT_FSIZE set on the child process), the token is revoked, the platform stops answering.

The bot must say so (/healthz 503 with the reason, an honest "send it again" to people, one
line and a distinct exit code) and recover by itself when the disk has room again."""

from __future__ import annotations

import asyncio
import resource
import signal
import sqlite3
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import exit_codes
from bot.core.events import UserRef
from bot.core.render import CANT_SAVE, SORRY
from bot.core.settings import Settings
from bot.store import open_store
from tests.fakes.telegram_server import FakeTelegram, Slow, TgUser
from tests.ops.bot_process import (
    fill,
    finished,
    free_port,
    health,
    one_line,
    polling,
    small_filesystem,
    start,
    stop,
)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake
    assert not fake.violations, "\n".join(str(v) for v in fake.violations)


async def answer(tg: FakeTelegram, person: TgUser, text: str) -> str:
    before = len(tg.sent_to(person))
    tg.send(person, text)
    (reply, *_) = await tg.wait_sent(person, after=before, timeout=20)
    return reply.text


async def until_health(port: int, status: int, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        code, body = await health(port)
        if code == status:
            return body
        assert time.monotonic() < deadline, f"/healthz stayed {code}: {body}"
        await asyncio.sleep(0.2)


async def test_a_full_disk_is_reported_and_recovered_from(tg: FakeTelegram, tmp_path: Path) -> None:
    with small_filesystem(tmp_path / "disk", size="8m") as disk:
        port = free_port()
        process = await start(disk / "backline.db", tg, port=port)
        try:
            await polling(tg, process)
            ada = tg.user(501, "Ada")
            assert "Backline" in await answer(tg, ada, "/start")
            await until_health(port, 200)

            filler = fill(disk)
            bea = tg.user(502, "Bea")
            said = await answer(tg, bea, "/start")  # a new person: rows to store
            assert said == CANT_SAVE and "lost" not in said
            body = await until_health(port, 503)
            assert body["database"] is False
            assert any("disk is full" in p for p in body["problems"]), body

            filler.unlink()  # room again: the bot recovers without a restart
            await until_health(port, 200)
            assert "Backline" in await answer(tg, bea, "/start")
        finally:
            code, err = await stop(process)
        assert code == 0, err


async def test_a_file_size_limit_hit_while_running_is_reported_and_recovered_from(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    db = tmp_path / "backline.db"
    port = free_port()
    process = await start(db, tg, port=port)
    try:
        await polling(tg, process)
        ada = tg.user(511, "Ada")
        await answer(tg, ada, "/start")
        # RLIMIT_FSIZE on the running child: no file of it may grow past its current size.
        sizes = [p.stat().st_size for p in tmp_path.glob("backline.db*")]
        limit = max(sizes)
        resource.prlimit(process.pid, resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
        said = ""
        for n in range(40):  # each new person adds rows until a file must grow
            said = await answer(tg, tg.user(600 + n, f"P{n}"), "/start")
            if said == CANT_SAVE:
                break
        assert said == CANT_SAVE, "the limit was never hit"
        assert SORRY not in said
        body = await until_health(port, 503)
        assert body["problems"], body

        inf = resource.RLIM_INFINITY
        resource.prlimit(process.pid, resource.RLIMIT_FSIZE, (inf, inf))
        await until_health(port, 200)
        assert "Backline" in await answer(tg, tg.user(700, "Cy"), "/start")
    finally:
        code, err = await stop(process)
    assert code == 0, err


async def test_a_token_revoked_while_running_is_fatal_in_one_line(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    process = await start(tmp_path / "backline.db", tg, port=free_port())
    await polling(tg, process)
    tg.token = "123456789:a-new-token-from-botfather-xxxxxxxx"  # the bot's one is revoked
    code, err = await finished(process, timeout=60)  # at the next poll, within 25 s
    assert code == exit_codes.TOKEN_REJECTED, err
    line = one_line(err)
    assert "BACKLINE_TELEGRAM_TOKEN" in line and "401" in line
    assert "still running" not in err


async def test_a_graceful_stop_with_the_platform_unreachable_takes_under_10_s(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    db = tmp_path / "backline.db"
    await people_due(db, tg, 3)
    # The platform stops answering: the daily pushes and the answer to /start hang, then
    # every call does.
    tg.fail("sendMessage", Slow(60), times=100)
    process = await start(db, tg)
    await polling(tg, process)
    tg.send(tg.user(521, "Ada"), "/start")
    await tg.wait_for(lambda: tg.calls("getUpdates"), what="the bot to fetch /start")
    for method in ("getUpdates", "setMyCommands", "answerCallbackQuery", "deleteWebhook"):
        tg.fail(method, Slow(60), times=100)
    await asyncio.sleep(0.5)  # the answer and the pushes are in flight
    began = time.monotonic()
    process.send_signal(signal.SIGTERM)
    code, err = await finished(process, timeout=60)
    took = time.monotonic() - began
    assert code == 0, err
    assert took < 10, f"stopping took {took:.1f}s\n{err}"
    assert "Traceback" not in err and "Telegram: stopped" in err
    # The pushes cut short are not lost: still open, they go out after the next start.
    conn = sqlite3.connect(db)
    open_rows = conn.execute(
        "SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')"
    ).fetchone()[0]
    conn.close()
    assert open_rows == 3


async def people_due(db: Path, tg: FakeTelegram, count: int) -> None:
    """`count` onboarded people whose reminder was a few minutes ago (pushes due now)."""
    reminder = (datetime.now(UTC) - timedelta(minutes=5)).time().replace(second=0, microsecond=0)
    settings = Settings(
        weekdays=tuple(range(7)), reminder_time=reminder, timezone="UTC", onboarded=True
    )
    store = await open_store(db)
    try:
        for n in range(count):
            person = tg.user(8000 + n, f"P{n}")
            ref = UserRef("telegram", str(person.id))
            user = await store.get_or_create_user(ref, str(person.id), person.first_name)
            await store.save_settings(user.id, settings)
    finally:
        await store.close()
