"""`backline` with a Telegram token: the adapter and the daily pushes wired together."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import run_platforms
from bot.config import Config
from bot.core.events import UserRef
from bot.core.settings import Settings
from bot.store import open_store
from tests.fakes.telegram_server import TEST_TOKEN, FakeTelegram


async def test_run_platforms_pushes_due_sessions_and_answers(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    db = tmp_path / "backline.db"
    ada = tg.user(501, "Ada")
    # Ada's reminder was a few minutes ago: within the grace window, so the push goes out
    # when the bot starts, through the real scheduler and the real adapter.
    reminder = (datetime.now(UTC) - timedelta(minutes=5)).time().replace(second=0, microsecond=0)
    store = await open_store(db)
    user = await store.get_or_create_user(UserRef("telegram", "501"), "501", "Ada")
    await store.save_settings(
        user.id,
        Settings(weekdays=tuple(range(7)), reminder_time=reminder, timezone="UTC", onboarded=True),
    )
    await store.close()

    stop = asyncio.Event()
    config = Config(db_path=db, telegram_token=TEST_TOKEN, telegram_api_url=tg.url)
    running = asyncio.create_task(run_platforms(config, stop))
    try:
        [push] = await tg.wait_sent(ada, count=1, timeout=20)
        assert "min" in push.text and push.buttons
        tg.send(ada, "/howto rdl")
        answers = await tg.wait_sent(ada, after=1, count=1, timeout=20)
        assert "Romanian deadlift" in answers[0].text
    finally:
        stop.set()
        await asyncio.wait_for(running, 20)
    # The push is recorded once in the outbox: a restart would not send it again.
    store = await open_store(db)
    rows = await store.read("SELECT kind, state FROM outbox")
    await store.close()
    assert [(r["kind"], r["state"]) for r in rows] == [("daily", "sent")]
