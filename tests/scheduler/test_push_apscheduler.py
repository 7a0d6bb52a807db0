"""The real APScheduler tick under time-machine: the push goes out at the local minute."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, time

import time_machine

from scheduler import PushService
from tests.scheduler.support import FAST, Env


async def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_apscheduler_ticks_at_the_minute_and_restarts_without_duplicate_jobs(
    env: Env,
) -> None:
    ada = await env.person("ada", "Europe/Berlin", time(7, 30))
    with time_machine.travel(datetime(2025, 6, 16, 5, 29, 58, tzinfo=UTC), tick=True):
        # The real clock (time-machine moves it): no injected clock anywhere.
        svc = PushService(env.store, env.coach, {"telegram": env.platform}, config=FAST)
        env.services.append(svc)
        await svc.start()
        assert svc.job_ids == ["push-clean-up", "push-tick"]
        assert env.platform.delivered == []  # 07:29:58 in Berlin: not yet
        await wait_until(lambda: len(env.platform.delivered) == 1)
        assert datetime.now(UTC) >= datetime(2025, 6, 16, 5, 30, tzinfo=UTC)
        [push] = env.platform.delivered
        assert push.chat_id == ada.chat_id

        # A restart rebuilds the same two in-memory jobs and sends nothing again.
        await svc.stop()
        assert svc.job_ids == []
        again = PushService(env.store, env.coach, {"telegram": env.platform}, config=FAST)
        env.services.append(again)
        await again.start()
        assert again.job_ids == ["push-clean-up", "push-tick"]
        await again.wait_idle()
        assert len(env.platform.delivered) == 1
