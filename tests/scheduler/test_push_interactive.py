"""Someone types /today in the middle of a large fan-out: the reply doesn't queue behind it.

Real TelegramAdapter (polling and sending) against the fake Bot API server enforcing flood
limits, the real Coach and SQLite, the PushService fanning out through the same adapter.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta

import pytest

from bot.adapters.base import Hooks
from bot.adapters.telegram import TelegramAdapter
from bot.core.events import UserRef
from bot.core.settings import Settings
from scheduler import PushConfig, PushService
from scheduler.ratelimit import limiter_for
from tests.fakes.telegram_server import TEST_TOKEN, FakeTelegram, FloodLimits
from tests.scheduler.support import Env

FANOUT = 300
RATE = 100  # the fake's overall limit for this test, so it takes seconds, not minutes


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(enforce_limits=True, limits=FloodLimits(per_second=RATE)) as fake:
        yield fake
    assert not fake.violations


async def test_an_interactive_reply_overtakes_a_large_fan_out(env: Env, tg: FakeTelegram) -> None:
    settings = Settings(timezone="UTC", reminder_time=time(7, 0), onboarded=True,
                        weekdays=(0, 1, 2, 3, 4, 5, 6))  # fmt: skip
    push_chats = set()
    for n in range(FANOUT):
        person = tg.user(500_000 + n, f"P{n}")
        user = await env.store.get_or_create_user(
            UserRef("telegram", str(person.id)), str(person.id), f"P{n}"
        )
        await env.store.save_settings(user.id, settings)
        push_chats.add(person.id)
    asker = tg.user(42, "Ada")

    stop, ready = asyncio.Event(), asyncio.Event()
    config = PushConfig(rates=(("telegram", RATE),), nudge_after=None)
    # One send queue for the adapter's answers and the pushes: answers go first.
    limiter = limiter_for("telegram", RATE)
    hooks = Hooks(gates={"telegram": limiter})
    adapter = TelegramAdapter(env.coach, TEST_TOKEN, tg.url, hooks=hooks, poll_timeout=1)
    running = asyncio.create_task(adapter.run(stop, on_ready=lambda _: ready.set()))
    await asyncio.wait_for(ready.wait(), 10)
    try:
        env.clock.set(datetime(2025, 6, 16, 7, 0, tzinfo=UTC))
        svc = PushService(env.store, env.coach, {"telegram": adapter}, clock=env.clock,
                          config=config, limiters={"telegram": limiter})  # fmt: skip
        env.services.append(svc)
        await svc.start()

        def pushes_out() -> int:
            return sum(1 for m in tg.sent if m.chat_id in push_chats)

        await tg.wait_for(lambda: pushes_out() >= 30, what="the fan-out to be under way")
        tg.send(asker, "/today")
        [reply] = await tg.wait_sent(asker, timeout=10)
        during = pushes_out()
        # The reply came while most of the fan-out was still to go ...
        assert during < FANOUT - 100, during
        assert reply.text.startswith("Mon 16 Jun")  # today's session, from the real coach
        assert reply.button("All done") == "plan:done"

        await tg.wait_for(lambda: pushes_out() == FANOUT, timeout=60, what="the whole fan-out")
        await svc.wait_idle()
        # ... everyone got exactly one push, and neither lane broke Telegram's limits.
        assert sorted(m.chat_id for m in tg.sent if m.chat_id in push_chats) == sorted(push_chats)
        assert tg.rate_limited == 0, dict(tg.rate_limited_by)
        assert svc.stats.sent == FANOUT
    finally:
        stop.set()
        await asyncio.wait_for(running, 15)
    assert timedelta(0) <= env.clock() - datetime(2025, 6, 16, 7, 0, tzinfo=UTC)
