"""Three real `backline` processes on one PostgreSQL database during a fan-out against the fake
Bot API (127.0.0.1), the due-scan leader SIGKILLed mid-way.

What must hold (bot/store/postgres/outbox.py, scheduler/service.py):
- every push is delivered, and the survivors finish what the killed process had claimed;
- a push repeats only in the documented window: it reached Telegram before the kill (the
  killed process was waiting for the answer, or about to record it), and at most as many as
  one process has in flight;
- no push is sent twice by two live processes (claims are exclusive);
- Telegram's limits hold for the three together (the fake enforces them and answers 429 when
  they break; none may come): each takes its turns in the shared send ledger;
- the due scan is taken over by a survivor within seconds (the advisory lock's holder), and
  so is Telegram's long polling (one process polls at a time).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.adapters.telegram import POLLING_ROLE
from bot.core.events import UserRef
from bot.core.settings import Settings
from bot.store.postgres import PostgresStore
from bot.store.postgres.outbox import ROLE_LOCKS, SCAN, role_key
from tests.fakes.telegram_server import TEST_TOKEN, FakeTelegram

PEOPLE = 360
PROCESSES = ("p1", "p2", "p3")
IN_FLIGHT = 64  # PushConfig.workers_per_platform: what one process may have in flight

_ROLE_HOLDER = (
    "SELECT a.application_name FROM pg_locks AS l JOIN pg_stat_activity AS a USING (pid)"
    " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2"
    f" AND l.classid::text::bigint = {ROLE_LOCKS} AND l.objid::text::bigint = $1"
)


async def people_due(store: PostgresStore, tg: FakeTelegram) -> list[str]:
    """PEOPLE onboarded people whose reminder passed two minutes ago (UTC): every process's
    start sees them due, within the grace window."""
    at = (datetime.now(UTC) - timedelta(minutes=2)).time().replace(second=0, microsecond=0)
    settings = Settings(timezone="UTC", reminder_time=at, weekdays=tuple(range(7)), onboarded=True)
    chats = []
    for n in range(PEOPLE):
        chat = str(tg.user(800_000 + n, f"P{n}").id)
        user = await store.get_or_create_user(UserRef("telegram", chat), chat, f"P{n}")
        await store.save_settings(user.id, settings)
        chats.append(chat)
    return chats


async def start(name: str, url: str, tg: FakeTelegram, folder: Path) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "BACKLINE_DB": url,
        "BACKLINE_INSTANCE": name,
        "BACKLINE_TELEGRAM_TOKEN": TEST_TOKEN,
        "BACKLINE_TELEGRAM_API_URL": tg.url,
        "BACKLINE_ENV_FILE": str(folder / "none.env"),
        "BACKLINE_LOG_LEVEL": "INFO",
    }
    log = (folder / f"{name}.log").open("wb")
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", env=env, cwd=folder,
        stdout=log, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip


async def holder(store: PostgresStore, role: str = SCAN, *, not_: str = "") -> str | None:
    """The process holding a role (the due scan, Telegram's polling), by its name; None
    while it is `not_` (a killed process's session can outlive it by a moment)."""
    name = await store.fetchval(_ROLE_HOLDER, role_key(role))
    name = name.removeprefix("backline ") if name else None
    return None if name == not_ else name


async def until(check, timeout: float, what: str):  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (result := await check()):
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
    return result


async def test_three_processes_share_a_fan_out_and_survive_losing_the_leader(
    pg_url: str, tmp_path: Path
) -> None:
    store = await PostgresStore.open(pg_url)
    procs: dict[str, asyncio.subprocess.Process] = {}
    try:
        # The fake answers 429 whenever Telegram's limits (30/s overall, per chat, per
        # group) are broken by the three processes together.
        async with FakeTelegram(enforce_limits=True) as tg:
            chats = await people_due(store, tg)
            for name in PROCESSES:
                procs[name] = await start(name, pg_url, tg, tmp_path)
            leader = await until(lambda: holder(store), 30, "a process to lead")

            async def two_sending() -> bool:
                rows = await store.fetch(
                    "SELECT DISTINCT claimed_by FROM outbox WHERE state = 'sent'"
                )
                return len(rows) >= 2 and len(tg.sent) >= PEOPLE // 3

            await until(two_sending, 60, "two processes sending, a third of the pushes out")
            poller = await until(lambda: holder(store, POLLING_ROLE), 10, "one process polling")
            procs[leader].send_signal(signal.SIGKILL)
            assert await procs[leader].wait() == -signal.SIGKILL
            cut = len(tg.sent)  # everything Telegram had accepted when the leader died
            assert cut < PEOPLE, "the fan-out ended before the kill: make it bigger"

            # A survivor takes the due scan over within seconds.
            successor = await until(lambda: holder(store, not_=leader), 10, "a new leader")
            assert successor != leader and successor in PROCESSES
            # and Telegram's updates are still taken, by one process
            polling = await until(
                lambda: holder(store, POLLING_ROLE, not_=leader), 10, "someone else polling"
            )
            assert polling in PROCESSES and polling != leader

            async def all_sent() -> bool:
                return await store.fetchval(
                    "SELECT count(*) FROM outbox WHERE state = 'sent'"
                ) == PEOPLE  # fmt: skip

            await until(all_sent, 60, "every push sent")
            for name, proc in procs.items():
                if name != leader:
                    proc.send_signal(signal.SIGTERM)
            for name, proc in procs.items():
                if name != leader:
                    assert await asyncio.wait_for(proc.wait(), 30) == 0, name

            got = Counter(str(m.chat_id) for m in tg.sent)
            assert set(got) == set(chats)  # nobody lost
            repeated = [chat for chat, n in got.items() if n > 1]
            assert max(got.values()) <= 2
            # Only pushes already at Telegram when the leader died repeat, at most a
            # process's in-flight sends; the rest went out once.
            first_seen = {}
            for index, message in enumerate(tg.sent):
                first_seen.setdefault(str(message.chat_id), index)
            assert all(first_seen[chat] < cut for chat in repeated), repeated
            assert len(repeated) <= IN_FLIGHT
            assert sum(got.values()) == PEOPLE + len(repeated)

            by_worker = await store.fetch(
                "SELECT w.name, count(*) AS n FROM outbox AS o JOIN workers AS w"
                " ON w.id = o.claimed_by WHERE o.state = 'sent' GROUP BY w.name"
            )
            sent_by = {row["name"]: row["n"] for row in by_worker}
            # Survivors finished the fan-out. How the claims split between processes depends
            # on scheduling (on a loaded machine one survivor can take them all), so only
            # "not the dead leader alone" is asserted; nobody lost/doubled is checked above.
            assert set(sent_by) <= set(PROCESSES), sent_by
            assert set(sent_by) - {leader}, sent_by
            assert sum(sent_by.values()) == PEOPLE
            logs = {n: (tmp_path / f"{n}.log").read_text(errors="replace") for n in PROCESSES}
            assert "now runs the due scan" in logs[successor]
            took_updates = {n for n, text in logs.items() if "now takes the updates" in text}
            assert took_updates == {poller, polling}  # one at a time, and only those
            assert not any("Traceback" in text or "Conflict" in text for text in logs.values())
            # The send ledger held the limits for the three processes together.
            assert tg.rate_limited == 0, dict(tg.rate_limited_by)
    finally:
        for proc in procs.values():
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        await store.close()
