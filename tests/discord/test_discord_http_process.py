"""The real `backline` process with the Discord gateway off and Discord's interactions posted
to its HTTP endpoint: configuration, wiring and answers together (the in-process checks are in
test_discord_http.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from discord_harness import TOKEN, person

from bot.adapters.discord_http import PATH
from tests.fakes.discord_server import FakeDiscord
from tests.ops.bot_process import free_port, health, start_discord, stop


async def test_an_interactions_only_process_answers_signed_posts(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    port = free_port()
    process = await start_discord(
        tmp_path / "backline.db",
        fake.base_url,
        TOKEN,
        port=port,
        BACKLINE_DISCORD_PUBLIC_KEY=fake.public_key,
        BACKLINE_DISCORD_GATEWAY="off",
    )
    try:
        for _ in range(400):  # up once logged in over REST
            try:
                status, body = await health(port)
                if body["adapters"].get("discord"):
                    break
            except OSError:
                pass
            await asyncio.sleep(0.05)
        assert status == 200, body
        fake.interactions_url = f"http://127.0.0.1:{port}{PATH}"
        inter = await fake.slash(person("Ann"), "today")
        (answered,) = await fake.answers_to(inter)
        assert answered.body["type"] == 4
        (embed,) = answered.body["data"]["embeds"]  # today's session or a rest day, by date
        assert embed["title"] and embed["description"]
        assert not fake.identifies  # no gateway session at all
        assert [r.method for r in fake.requests if r.template and "commands" in r.template] == [
            "GET",
            "PUT",
        ]
    finally:
        code, err = await stop(process)
    assert code == 0, err
