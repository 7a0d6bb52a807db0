"""Paid broadcasts (BACKLINE_TELEGRAM_PAID_BROADCAST): the app as `backline` runs it, with the
real Coach, SQLite and python-telegram-bot, against the fake Bot API enforcing Telegram's
limits: 30/s for ordinary sends, up to 1000/s for sends with allow_paid_broadcast, 1/s per
chat (bursts of 3) either way. Off: nothing carries the flag and 30/s holds. On: every push
carries it and the fan-out goes faster than 30/s; an answer to a person never carries it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import run_platforms
from bot.config import Config, ConfigError, load_config
from bot.core.events import UserRef
from bot.core.settings import Settings
from bot.store import open_store
from tests.fakes.telegram_server import SEND_METHODS, TEST_TOKEN, ApiCall, FakeTelegram
from tests.ops.conftest import clean_env  # noqa: F401  (the fixture)
from tests.windows import max_in_window

FREE = 30  # Telegram's ceiling without the flag (the fake's default)
# No BACKLINE_* variables from outside, and the working folder a temporary one (no .env).
pytestmark = pytest.mark.usefixtures("clean_env")


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(enforce_limits=True, deep_validation=False) as fake:
        yield fake
    assert not fake.violations  # the flag only where the Bot API takes it


async def people_due(db: Path, tg: FakeTelegram, count: int) -> set[int]:
    """`count` onboarded people whose reminder was a few minutes ago (UTC): all due now."""
    at = (datetime.now(UTC) - timedelta(minutes=3)).time().replace(second=0, microsecond=0)
    settings = Settings(timezone="UTC", reminder_time=at, weekdays=tuple(range(7)), onboarded=True)
    store = await open_store(db)
    chats = set()
    try:
        for n in range(count):
            person = tg.user(700_000 + n, f"P{n}")
            user = await store.get_or_create_user(
                UserRef("telegram", str(person.id)), str(person.id), person.first_name
            )
            await store.save_settings(user.id, settings)
            chats.add(person.id)
    finally:
        await store.close()
    return chats


def sends(tg: FakeTelegram, chats: set[int]) -> list[ApiCall]:
    return [
        call
        for call in tg.requests
        if call.method in SEND_METHODS
        and call.status == 200
        and int(call.params["chat_id"]) in chats
    ]


def paid(call: ApiCall) -> bool:
    return call.params.get("allow_paid_broadcast") in (True, "true", "True")


def most_in_a_second(calls: list[ApiCall]) -> int:
    return max_in_window([call.at for call in calls], 1.0)


async def fan_out(tg: FakeTelegram, db: Path, people: int, **settings: str) -> tuple[set[int], int]:
    """Run the app until every push went out, with someone asking /today meanwhile; the
    pushed chats and the asker's chat id."""
    chats = await people_due(db, tg, people)
    asker = tg.user(42, "Ada")
    config = Config(db_path=db, telegram_token=TEST_TOKEN, telegram_api_url=tg.url, **settings)
    stop = asyncio.Event()
    task = asyncio.create_task(run_platforms(config, stop))
    try:
        await tg.wait_for(lambda: len(sends(tg, chats)) >= 10, timeout=30, what="pushes")
        tg.send(asker, "/today")
        await tg.wait_sent(asker, timeout=10)
        await tg.wait_for(
            lambda: {int(c.params["chat_id"]) for c in sends(tg, chats)} == chats,
            timeout=60,
            what="every push",
        )
    finally:
        stop.set()
        await task
    return chats, asker.id


async def test_without_paid_broadcasts_nothing_carries_the_flag_and_30_a_second_holds(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    chats, asker = await fan_out(tg, tmp_path / "backline.db", 75)
    pushes = sends(tg, chats)
    assert len(pushes) == 75
    assert not any(paid(call) for call in tg.requests)
    assert most_in_a_second(pushes) <= FREE
    assert tg.rate_limited == 0 and tg.paid_broadcasts == 0
    assert sends(tg, {asker})  # answered


async def test_paid_broadcast_pushes_carry_the_flag_and_go_past_30_a_second(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    chats, asker = await fan_out(tg, tmp_path / "backline.db", 240, telegram_paid_broadcast="true")
    pushes = sends(tg, chats)
    assert len(pushes) == 240 and all(paid(call) for call in pushes)
    assert most_in_a_second(pushes) > FREE  # above the free ceiling, accepted by the fake
    assert tg.rate_limited == 0, dict(tg.rate_limited_by)
    assert tg.paid_broadcasts == 240
    answers = sends(tg, {asker})
    assert answers and not any(paid(call) for call in answers)  # an answer is never paid


async def test_the_fake_refuses_the_flag_where_the_bot_api_has_no_such_field(
    tg: FakeTelegram,
) -> None:
    import aiohttp

    person = tg.user(43, "Bo")
    base = f"{tg.url}/bot{TEST_TOKEN}"
    async with aiohttp.ClientSession() as session:
        ok = {"chat_id": person.id, "text": "hi", "allow_paid_broadcast": True}
        async with session.post(f"{base}/sendMessage", json=ok) as response:
            assert response.status == 200
        edit = {"chat_id": person.id, "message_id": 1, "text": "hey", "allow_paid_broadcast": True}
        async with session.post(f"{base}/editMessageText", json=edit) as response:
            assert response.status == 400
    assert [v.where for v in tg.violations] == ["allow_paid_broadcast"]
    tg.violations.clear()


def test_the_setting_is_a_yes_or_no(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKLINE_TELEGRAM_PAID_BROADCAST", "true")
    assert load_config().paid_broadcast("telegram")
    monkeypatch.setenv("BACKLINE_TELEGRAM_PAID_BROADCAST", "off")
    assert not load_config().paid_broadcast("telegram")
    monkeypatch.delenv("BACKLINE_TELEGRAM_PAID_BROADCAST")
    assert not load_config().paid_broadcast("telegram") and not load_config().paid_broadcast(
        "discord"
    )
    monkeypatch.setenv("BACKLINE_TELEGRAM_PAID_BROADCAST", "maybe")
    with pytest.raises(ConfigError, match="BACKLINE_TELEGRAM_PAID_BROADCAST"):
        load_config()


async def test_the_queue_paces_paid_pushes_at_the_paid_ceiling_and_replies_at_the_free_one() -> (
    None
):
    import time

    from scheduler.ratelimit import PlatformLimiter, RatePolicy, Window

    policy = RatePolicy(Window(5, 0.1), paid=Window(20, 0.1))  # free 50/s, paid 200/s
    queue = PlatformLimiter(policy, paid_pushes=True)
    pushes: list[float] = []
    replies: list[float] = []

    async def one(chat: str, stamps: list[float], interactive: bool) -> None:
        (await queue.acquire(chat, interactive=interactive)).done()
        stamps.append(time.monotonic())

    await asyncio.gather(
        *(one(f"p{n}", pushes, False) for n in range(60)),
        *(one(f"r{n}", replies, True) for n in range(15)),
    )
    assert max_in_window(pushes, 0.1) > 5 and max_in_window(pushes + replies, 0.1) <= 20
    assert max_in_window(replies, 0.1) <= 5
    # Without a paid ceiling the setting changes nothing.
    assert not PlatformLimiter(RatePolicy(Window(5, 0.1)), paid_pushes=True).paid_pushes
