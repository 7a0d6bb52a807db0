"""Shared pieces of the Discord tests (a module, not conftest, so imports are unambiguous)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from bot.adapters.discord import DiscordAdapter
from bot.adapters.discord_http import PATH
from bot.core.coach import Coach
from bot.core.events import UserRef
from bot.core.ports import User
from bot.ops.http import Health, HttpEndpoint
from bot.ops.metrics import Family
from bot.store import SqliteStore
from tests.fakes import discord_payloads as P
from tests.fakes.discord_server import FakeDiscord, Guild, Recorded
from tests.fakes.discord_spec import DiscordSpec, spec_path

REPO_ROOT = Path(__file__).resolve().parents[2]

TOKEN = "MTEyMjMzNDQ1NTY2Nzc4ODk5.GfAkeT.backline-test-token-must-never-be-logged"
# Monday 11 May 2026: a training day for the default settings (Mon/Wed/Fri).
NOW = datetime(2026, 5, 11, 9, 30, tzinfo=UTC)
MONDAY: date = NOW.date()

StartBot = Callable[..., Any]


@dataclass
class Running:
    adapter: DiscordAdapter
    fake: FakeDiscord
    stop: asyncio.Event
    task: asyncio.Task[None]

    async def settle(self) -> None:
        """Everything dispatched so far has been handled and answered."""
        await self.fake.sync()
        await self.adapter.drain()

    async def shutdown(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 10)


async def open_interactions(fake: FakeDiscord, adapter: DiscordAdapter) -> HttpEndpoint:
    """Backline's HTTP endpoint on 127.0.0.1 with the adapter's interactions route; the fake
    posts its interactions there from now on. The caller stops it."""
    with socket.socket() as probe:  # a free port (the endpoint takes a number, not 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = HttpEndpoint(
        "127.0.0.1",
        port,
        health=_healthy,
        metrics=_no_metrics,
        routes=adapter.routes,
    )
    await endpoint.start()
    fake.interactions_url = f"http://127.0.0.1:{port}{PATH}"
    return endpoint


async def _healthy() -> Health:
    return Health(database=True)


async def _no_metrics() -> list[Family]:
    return []


@cache
def load_spec() -> DiscordSpec:
    """Discord's OpenAPI spec, read once per test run."""
    return DiscordSpec(spec_path(REPO_ROOT))


async def start_adapter(fake: FakeDiscord, coach: Coach, **options: Any) -> Running:
    """The real adapter, connected to the fake: the one place tests build a DiscordAdapter."""
    adapter = DiscordAdapter(coach, TOKEN, **options)
    stop = asyncio.Event()
    before = len(fake.identifies)
    task = asyncio.create_task(adapter.run(stop))
    if adapter.gateway:
        waiter = asyncio.create_task(fake.wait_identified(before + 1))
    else:  # REST only: ready once logged in
        waiter = asyncio.create_task(adapter.ready.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        task.result()  # the adapter ended early: show why
    bot = Running(adapter, fake, stop, task)
    await fake.sync()
    return bot


def person(name: str) -> dict[str, Any]:
    return P.user(name)


async def stored_user(store: SqliteStore, who: dict[str, Any]) -> User:
    user = await store.find_user(UserRef("discord", who["id"]))
    assert user is not None, f"{who['global_name']} is not in the store"
    return user


ADMIN = P.MEMBER_PERMISSIONS | P.MANAGE_GUILD  # a member with Manage Server


async def community(
    fake: FakeDiscord, who: dict[str, Any], guild: Guild, setting: str, rights: int = ADMIN
) -> Recorded:
    """/community <setting> in the guild's channel; the bot's answer."""
    inter = await fake.slash(
        who, "community", {"setting": setting}, guild=guild, permissions=rights
    )
    (callback,) = await fake.answers_to(inter)
    return callback


async def todays_session(
    fake: FakeDiscord, bot: Running, who: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """/today in `who`'s DM: the interaction and the session message shown for it."""
    inter = await fake.slash(who, "today")
    await fake.answers_to(inter)
    await bot.settle()
    (session,) = fake.shown_for(inter)
    return inter, session


async def log_by_form(
    fake: FakeDiscord, who: dict[str, Any], session: dict[str, Any], typed: str
) -> tuple[Recorded, Recorded]:
    """Press the session's Log button and submit its form with `typed`: the answers to the
    press (the form) and to the submit."""
    press = await fake.press(who, session, "backline-form:plan:log")
    (opened,) = await fake.answers_to(press)
    submitted = {
        "custom_id": "backline-form:plan:log",
        "components": [
            {"type": 1, "components": [{"type": 4, "custom_id": "answer", "value": typed}]}
        ],
    }
    submit = await fake.interact(5, submitted, who, message=session)
    (answer,) = await fake.answers_to(submit)
    return opened, answer
