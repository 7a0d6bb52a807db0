"""Nothing a person sends crashes the client, and the token never reaches the logs."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
import pytest
from discord_harness import TOKEN, Running, StartBot, person

from bot.adapters.discord import DiscordAdapter, DiscordTokenRevoked
from bot.adapters.discord_send import delivery_error
from bot.app import check_health
from bot.core.coach import Coach
from bot.delivery import TransientFailure
from bot.store import SqliteStore
from tests.fakes import discord_payloads as P
from tests.fakes.discord_server import FakeDiscord, Guild


async def still_answers(fake: FakeDiscord, bot: Running) -> None:
    inter = await fake.slash(person("Zoe"), "help")
    (callback,) = await fake.answers_to(inter)
    assert callback.status == 200
    await bot.settle()


async def test_odd_input_never_takes_the_bot_down(
    fake: FakeDiscord, guild: Guild, bot: Running
) -> None:
    ann = person("Ann")
    # a command Discord still shows but this version no longer has
    stale = await fake.slash(ann, "retired-command")
    # a button whose data the core does not know, on a message the store never saw
    ghost = P.message(
        channel_id=fake.dm_channel_for(ann)["id"],
        author=fake.bot_user,
        content="old",
        components=P.to_message_components(
            [
                {
                    "type": 1,
                    "components": [
                        {"type": 2, "style": 2, "label": "?", "custom_id": "backline:zz:?"}
                    ],
                }
            ]
        ),
    )
    fake.messages[ghost["id"]] = ghost
    press = await fake.press(ann, ghost, "backline:zz:?")
    # an enormous DM, markdown and mention soup, an attachment-free empty DM
    await fake.user_message(ann, "@everyone **" + "x" * 3900 + "** <@123> `")
    await fake.user_message(ann, "")
    # a message in a channel the bot has never heard of
    await fake.dispatch(
        "MESSAGE_CREATE",
        P.message(channel_id=P.snowflake(), author=ann, content="hi", guild_id=guild.id),
    )
    (stale_answer,) = await fake.answers_to(stale)
    assert "That command just changed" in stale_answer.body["data"]["content"]
    assert stale_answer.body["data"]["flags"] & P.EPHEMERAL
    (press_answer,) = await fake.answers_to(press)
    assert press_answer.status == 200
    await bot.settle()
    # the huge DM and the empty one were answered (within limits: the spec guard checks),
    # and no answer may ping anyone
    dm_posts = [
        r for r in fake.requests if r.path.endswith(f"{fake.dm_channel_for(ann)['id']}/messages")
    ]
    assert len(dm_posts) == 2
    assert all(r.body["allowed_mentions"] == {"parse": []} for r in dm_posts)
    await still_answers(fake, bot)
    assert not bot.task.done()


async def test_mentions_in_answers_never_ping(fake: FakeDiscord, bot: Running) -> None:
    inter = await fake.slash(person("Ann"), "howto", {"exercise": "@everyone"})
    (callback,) = await fake.answers_to(inter)
    assert callback.body["data"]["allowed_mentions"] == {"parse": []}


async def test_the_token_never_appears_in_logs(
    fake: FakeDiscord, start_bot: StartBot, caplog: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    bot = await start_bot()
    ann = person("Ann")
    await fake.answers_to(await fake.slash(ann, "today"))
    fake.fail_next("POST", "/channels/{channel_id}/messages", 503, {"message": "boom", "code": 0})
    await fake.user_message(ann, "3x12")
    fake.rate_limit_next("POST", "/channels/{channel_id}/messages", retry_after=0.05)
    await fake.user_message(ann, "help")
    await fake.wait_requests(lambda r: r.template == "/channels/{channel_id}/messages", count=3)
    await bot.settle()
    await bot.shutdown()
    assert caplog.records, "expected the run to log something"
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
        assert TOKEN not in (record.exc_text or "")
    assert TOKEN not in repr(bot.adapter)
    assert all(r.authorized for r in fake.requests if r.template == "/users/@me")


async def test_a_wrong_token_stops_with_a_clear_message(
    fake: FakeDiscord, coach: Coach, caplog: Any
) -> None:
    adapter = DiscordAdapter(coach, "not-the-token")
    with pytest.raises(discord.LoginFailure):
        await adapter.run(asyncio.Event())
    assert "Discord rejected the bot token" in caplog.text
    assert "not-the-token" not in caplog.text


# -- a token revoked while running -------------------------------------------------------------


async def revoked_ends_the_run(bot: Running, store: SqliteStore, caplog: Any) -> str:
    """The adapter's run ends with one line for the host, /healthz says Discord is down and
    nothing logged a traceback."""
    with pytest.raises(DiscordTokenRevoked) as ended:
        await asyncio.wait_for(bot.task, 10)
    assert not bot.adapter.is_running()
    health = await check_health(store, {"discord": bot.adapter.is_running})
    assert not health.ok and health.adapters == {"discord": False}
    assert "discord is not connected" in health.to_json()["problems"]
    message = str(ended.value)
    assert "\n" not in message and "BACKLINE_DISCORD_TOKEN" in message
    assert ended.value.__cause__ is None
    assert not [r for r in caplog.records if r.exc_info], caplog.text
    return message


async def test_a_401_while_running_is_fatal_in_one_line(
    fake: FakeDiscord, start_bot: StartBot, store: SqliteStore, caplog: Any
) -> None:
    bot = await start_bot()
    ann = person("Ann")
    fake.revoke_token("MTEyMjMzNDQ1NTY2Nzc4ODk5.NeWtOk.a-new-token-from-the-developer-portal")
    await fake.user_message(ann, "/today")  # the answer is sent with the old token: 401
    message = await revoked_ends_the_run(bot, store, caplog)
    assert "401 Unauthorized" in message
    answers = [r for r in fake.requests if r.template == "/channels/{channel_id}/messages"]
    assert answers and all(r.status == 401 for r in answers)


async def test_the_gateway_closing_with_4004_is_fatal_in_one_line(
    fake: FakeDiscord, start_bot: StartBot, store: SqliteStore, caplog: Any
) -> None:
    bot = await start_bot()
    await fake.close_gateway(4004, b"Authentication failed.")
    message = await revoked_ends_the_run(bot, store, caplog)
    assert "4004" in message


async def test_a_push_refused_with_401_stays_for_the_next_start() -> None:
    refused = discord.HTTPException(FakeResponse(401), {"message": "401: Unauthorized"})
    assert isinstance(delivery_error(refused, "123"), TransientFailure)


class FakeResponse:
    """What discord.HTTPException reads from an aiohttp response."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.reason = "Unauthorized"
        self.headers: dict[str, str] = {}
