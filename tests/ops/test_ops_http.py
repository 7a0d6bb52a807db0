"""The HTTP endpoint and Telegram webhook mode, on the real app against the fake Bot API server.

The app runs in-process (`run_platforms`, what `backline` runs) with the real Coach and SQLite
store; the endpoint listens on 127.0.0.1 on a free port.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import run_platforms
from bot.config import Config
from bot.core.events import UserRef
from bot.core.settings import Settings
from bot.store import open_store
from tests.fakes.telegram_server import TEST_TOKEN, FakeTelegram, TgUser

SECRET = "the-right-webhook-secret-0123456789"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
# One sample line of the text format: name, optional labels, a number.
SAMPLE = re.compile(
    r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"'
    r'(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? -?[0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?$'
)

Metrics = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake
    assert not fake.violations, "\n".join(str(v) for v in fake.violations)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def parse_metrics(text: str) -> Metrics:
    """Strict: every line is HELP, TYPE or a well-formed sample, every family is typed and
    documented, and prometheus_client's parser reads it all."""
    typed: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            assert len(line.split(" ", 3)) == 4, line
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in ("counter", "gauge"), line
            typed[name] = kind
        else:
            assert SAMPLE.match(line), f"not a Prometheus sample line: {line!r}"
    samples: Metrics = {}
    families = list(text_string_to_metric_families(text))
    assert len(families) == len(typed)  # no sample fell outside its declared family
    for family in families:
        assert family.documentation, family.name
        # The parser names a counter family without its _total suffix.
        declared = f"{family.name}_total" if family.type == "counter" else family.name
        assert typed.get(declared) == family.type, family.name
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


async def scrape(session: aiohttp.ClientSession, base: str) -> Metrics:
    async with session.get(f"{base}/metrics") as response:
        assert response.status == 200
        assert response.content_type == "text/plain"
        return parse_metrics(await response.text())


async def scrape_until(
    session: aiohttp.ClientSession, base: str, ready: Callable[[Metrics], bool]
) -> Metrics:
    """Counters move just after the fake sees the send; wait for them (bounded)."""
    for _ in range(200):
        metrics = await scrape(session, base)
        if ready(metrics):
            return metrics
        await asyncio.sleep(0.02)
    raise AssertionError(f"metrics never got there: {metrics}")


async def healthy(session: aiohttp.ClientSession, base: str) -> dict[str, Any]:
    """/healthz once the adapters are up: 503 with the reason until then, then 200."""
    for _ in range(500):
        with contextlib.suppress(aiohttp.ClientConnectionError):
            async with session.get(f"{base}/healthz") as response:
                body = await response.json()
                if response.status == 200:
                    return body
                assert response.status == 503 and body["database"] is True, body
                assert body["adapters"] == {"telegram": False}, body
        await asyncio.sleep(0.02)
    raise AssertionError("the app never became healthy")


def telegram(name: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    return (name, (("platform", "telegram"),))


async def due_now(db: Path, person: TgUser) -> None:
    """`person` is onboarded and their reminder was a few minutes ago: a push is due."""
    reminder = (datetime.now(UTC) - timedelta(minutes=5)).time().replace(second=0, microsecond=0)
    settings = Settings(
        weekdays=tuple(range(7)), reminder_time=reminder, timezone="UTC", onboarded=True
    )
    store = await open_store(db)
    try:
        user = await store.get_or_create_user(
            UserRef("telegram", str(person.id)), str(person.id), person.first_name
        )
        await store.save_settings(user.id, settings)
    finally:
        await store.close()


async def running(config: Config) -> tuple[asyncio.Event, asyncio.Task[None]]:
    stop = asyncio.Event()
    return stop, asyncio.create_task(run_platforms(config, stop))


async def test_metrics_and_health_follow_real_events(
    tg: FakeTelegram, tmp_path: Path, clean_env: Path
) -> None:
    db = tmp_path / "backline.db"
    pushed = tg.user(601, "Bea")
    await due_now(db, pushed)
    port = free_port()
    config = Config(db_path=db, telegram_token=TEST_TOKEN, telegram_api_url=tg.url, http_port=port)
    stop, task = await running(config)
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            health = await healthy(session, base)
            assert health == {
                "ok": True,
                "database": True,
                "adapters": {"telegram": True},
                "problems": [],
            }
            before = await scrape(session, base)
            assert before.get(telegram("backline_updates_handled_total"), 0) == 0

            ada = tg.user(602, "Ada")
            tg.send(ada, "/start")
            await tg.wait_sent(ada)
            after = await scrape_until(
                session,
                base,
                lambda m: (
                    m.get(telegram("backline_replies_sent_total"), 0) >= 1
                    and m.get(("backline_pushes_sent_total", ()), 0) >= 1
                ),
            )
    finally:
        stop.set()
        await task
    assert after[telegram("backline_updates_handled_total")] == 1
    assert after.get(telegram("backline_replies_failed_total"), 0) == 0
    assert len(tg.sent_to(pushed)) >= 1  # the push the counter saw really went out
    assert after[("backline_pushes_failed_total", ())] == 0
    assert after[("backline_rate_limited_total", ())] == 0
    assert after[("backline_outbox_pending", ())] == 0


async def post(
    session: aiohttp.ClientSession, url: str, update: dict[str, Any], secret: str | None
) -> int:
    headers = {HEADER: secret} if secret is not None else {}
    async with session.post(url, json=update, headers=headers) as response:
        return response.status


async def test_webhook_mode_end_to_end_with_right_and_wrong_secret(
    tg: FakeTelegram, tmp_path: Path, clean_env: Path
) -> None:
    port = free_port()
    config = Config(
        db_path=tmp_path / "backline.db",
        telegram_token=TEST_TOKEN,
        telegram_api_url=tg.url,
        telegram_webhook_url="https://bot.example.org/tg/hook",
        telegram_webhook_secret=SECRET,
        http_port=port,
    )
    stop, task = await running(config)
    hook = f"http://127.0.0.1:{port}/tg/hook"
    try:
        webhook = await tg.wait_for(lambda: tg.webhook, what="setWebhook")
        assert webhook["url"] == "https://bot.example.org/tg/hook"
        assert webhook["secret_token"] == SECRET
        wanted = {"message", "edited_message", "callback_query", "my_chat_member"}
        assert set(webhook["allowed_updates"]) == wanted

        stranger, ada = tg.user(701, "Eve"), tg.user(702, "Ada")
        forged = tg.send(stranger, "/start").update
        async with aiohttp.ClientSession() as session:
            assert await post(session, hook, forged, "not-the-secret-0123456789") == 403
            assert await post(session, hook, forged, None) == 403
            assert await post(session, hook, tg.send(ada, "/start").update, SECRET) == 200
            await tg.wait_sent(ada)
            metrics = await scrape(session, f"http://127.0.0.1:{port}")
    finally:
        stop.set()
        await task
    assert tg.sent_to(stranger) == []  # the forged posts reached nothing
    assert metrics[telegram("backline_updates_handled_total")] == 1
    assert tg.calls("getUpdates") == []  # webhook mode never polls
    assert [c.method for c in tg.requests].count("deleteWebhook") == 1
    assert tg.webhook is None  # removed at stop
