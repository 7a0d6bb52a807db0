"""A fan-out killed with SIGKILL part way, then restarted: exact counts at the fake Bot API.

The bot runs in a child process (tests/scheduler/push_child.py) with the real Coach, the real
TelegramAdapter as its Sender and the real SQLite file; the fake Telegram server runs here and
counts what arrives.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bot.app import open_coach
from bot.core.events import UserRef
from bot.core.settings import Settings
from tests.fakes.telegram_server import FakeTelegram

REPO = Path(__file__).resolve().parents[2]
PEOPLE = 30


async def people_due_now(tg: FakeTelegram, db: Path, count: int) -> list[str]:
    """`count` onboarded people whose reminder is this very minute (UTC), chats known to tg."""
    now = datetime.now(UTC)
    _, store = await open_coach(db)
    chats = []
    settings = Settings(
        timezone="UTC",
        reminder_time=now.time().replace(second=0, microsecond=0),
        weekdays=(0, 1, 2, 3, 4, 5, 6),
        onboarded=True,
    )
    for n in range(count):
        person = tg.user(700_000 + n, f"P{n}")
        chat = str(person.id)
        user = await store.get_or_create_user(UserRef("telegram", chat), chat, f"P{n}")
        await store.save_settings(user.id, settings)
        chats.append(chat)
    await store.close()
    return chats


async def run_child(db: Path, url: str, *extra: str) -> tuple[int, list[dict]]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.scheduler.push_child", str(db), url, "--rate", "200",
        *extra, cwd=REPO, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    lines = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
    return proc.returncode if proc.returncode is not None else 0, lines


def received(tg: FakeTelegram) -> Counter[str]:
    return Counter(str(m.chat_id) for m in tg.sent)


async def test_killed_before_and_after_a_send_then_restarted(tmp_path: Path) -> None:
    db = tmp_path / "backline.db"
    async with FakeTelegram() as tg:
        chats = await people_due_now(tg, db, PEOPLE)

        # 1) Killed right before the 10th push reached Telegram (marked 'sending' already).
        code, lines = await run_child(db, tg.url, "--workers", "1", "--kill-before", "10")
        assert code == -signal.SIGKILL
        assert sum(received(tg).values()) == 9

        # 2) Restarted, and killed right after Telegram accepted the 20th push but before the
        #    outbox knew: the one moment no client can tell "sent" from "not sent".
        code, lines = await run_child(db, tg.url, "--workers", "1", "--kill-after", "11")
        assert code == -signal.SIGKILL
        assert lines[0] == {"uncertain": [_target(db, chats[9])]}  # the 10th, never sent
        assert sum(received(tg).values()) == 20

        # 3) Restarted again: it finishes.
        code, lines = await run_child(db, tg.url, "--workers", "1")
        assert code == 0
        assert lines[0] == {"uncertain": [_target(db, chats[19])]}  # accepted, not recorded
        assert lines[-1]["done"]["sent"] == PEOPLE

        got = received(tg)
        assert set(got) == set(chats)  # nobody lost
        # Exactly one repeat: the push in flight at the worst-moment kill. The kill before
        # the send repeated nothing.
        assert [chat for chat, n in got.items() if n > 1] == [chats[19]]
        assert sum(got.values()) == PEOPLE + 1
        assert tg.rate_limited == 0
        assert not tg.violations


async def test_killed_from_outside_mid_fan_out_loses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "backline.db"
    async with FakeTelegram(enforce_limits=True) as tg:
        chats = await people_due_now(tg, db, PEOPLE)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.scheduler.push_child", str(db), tg.url,
            "--rate", "30", cwd=REPO, stdout=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        await tg.wait_for(lambda: len(tg.sent) >= 12, timeout=60, what="a dozen pushes")
        proc.send_signal(signal.SIGKILL)  # mid fan-out, whatever it was doing
        assert await proc.wait() == -signal.SIGKILL
        before = sum(received(tg).values())
        assert 12 <= before < PEOPLE

        code, lines = await run_child(db, tg.url, "--rate", "30")
        assert code == 0
        uncertain = set(lines[0]["uncertain"])
        got = received(tg)
        assert set(got) == set(chats)  # nobody lost
        # A repeat is only possible for a push that was in flight when the process died,
        # and those are exactly the rows the restart found 'sending'.
        repeated = {chat for chat, n in got.items() if n > 1}
        assert {_target(db, chat) for chat in repeated} <= uncertain
        assert max(got.values()) <= 2
        assert lines[-1]["done"]["sent"] == PEOPLE
        assert tg.rate_limited == 0, dict(tg.rate_limited_by)


def _target(db: Path, chat: str) -> str:
    """The outbox target of the person with this Telegram chat (ids follow creation order)."""
    import sqlite3

    with sqlite3.connect(db) as conn:
        (user_id,) = conn.execute("SELECT id FROM users WHERE chat_id = ?", (chat,)).fetchone()
    return f"user:{user_id}"
