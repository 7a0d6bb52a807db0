"""Pushes through DiscordSender and Discord's failure answers: 429, closed DMs, outages; community
mode permissions; long messages split within Discord's limits."""

from __future__ import annotations

from typing import Any

import pytest
from discord_harness import MONDAY, Running, StartBot, community, person, stored_user

from bot.adapters.base import Hooks
from bot.adapters.discord import DiscordAdapter
from bot.adapters.discord_render import CONTENT_LIMIT, EMBEDS_TOTAL_LIMIT
from bot.core.coach import Coach
from bot.core.events import Button, Outbound
from bot.delivery import DeliveryError, RetryLater, TransientFailure, Unreachable
from bot.store import SqliteStore
from scheduler.ratelimit import PlatformLimiter, RatePolicy, Window
from tests.fakes import discord_payloads as P
from tests.fakes.discord_server import DiscordLimits, FakeDiscord, Guild
from tests.fakes.discord_spec import embed_length

MESSAGES = "/channels/{channel_id}/messages"


def posts(fake: FakeDiscord) -> list[Any]:
    return [r for r in fake.requests if r.method == "POST" and r.template == MESSAGES]


async def known_person(fake: FakeDiscord, bot: Running, name: str) -> dict[str, Any]:
    """Someone who has talked to the bot in a DM, so pushes have somewhere to go."""
    who = person(name)
    inter = await fake.slash(who, "help")
    await fake.answers_to(inter)
    await bot.settle()
    return who


async def test_a_daily_push_opens_the_dm_and_links_the_message(
    fake: FakeDiscord, bot: Running, store: SqliteStore
) -> None:
    ann = await known_person(fake, bot, "Ann")
    user = await stored_user(store, ann)
    (out,) = await bot.adapter.coach.daily_session(user.id, MONDAY)
    message_id = await bot.adapter.sender.send(user.chat_id, out)

    opened = [r for r in fake.requests if r.template == "/users/@me/channels"]
    assert [r.body for r in opened] == [{"recipient_id": int(ann["id"])}]
    sent = fake.messages[message_id]
    assert sent["channel_id"] == fake.dm_channels[ann["id"]]["id"]
    assert sent["embeds"][0]["title"].startswith("Mon 11 May")
    link = await store.resolve_message("discord", ann["id"], message_id)
    assert link is not None and link.link.kind == "session"


async def test_a_short_429_is_waited_out_and_retried(
    fake: FakeDiscord, bot: Running, store: SqliteStore
) -> None:
    ann = await known_person(fake, bot, "Ann")
    fake.rate_limit_next("POST", MESSAGES, retry_after=0.3)
    message_id = await bot.adapter.sender.send(ann["id"], Outbound("Time to train!"))

    first, second = posts(fake)
    assert first.status == 429 and second.status == 200
    assert second.at - first.at >= 0.3, "the retry came before Discord's retry_after"
    assert fake.messages[message_id]["content"] == "Time to train!"


async def test_a_long_429_comes_back_as_retry_later(fake: FakeDiscord, bot: Running) -> None:
    ann = await known_person(fake, bot, "Ann")
    fake.rate_limit_next("POST", MESSAGES, retry_after=90.0)
    with pytest.raises(RetryLater) as caught:
        await bot.adapter.sender.send(ann["id"], Outbound("Time to train!"))
    assert caught.value.retry_after == 90.0
    assert len(posts(fake)) == 1, "no retry inside the sender: the scheduler reschedules"


async def test_a_closed_dm_marks_the_person_unreachable(
    fake: FakeDiscord, bot: Running, store: SqliteStore
) -> None:
    ann = await known_person(fake, bot, "Ann")
    assert (await stored_user(store, ann)).active
    fake.fail_next(
        "POST", MESSAGES, 403, {"message": "Cannot send messages to this user", "code": 50007}
    )
    with pytest.raises(Unreachable):
        await bot.adapter.sender.send(ann["id"], Outbound("Time to train!"))
    assert not (await stored_user(store, ann)).active


async def test_an_outage_is_a_transient_failure(fake: FakeDiscord, bot: Running) -> None:
    ann = await known_person(fake, bot, "Ann")
    fake.fail_next("POST", MESSAGES, 503, {"message": "Service Unavailable", "code": 0})
    with pytest.raises(TransientFailure):
        await bot.adapter.sender.send(ann["id"], Outbound("Time to train!"))


async def test_a_429_on_an_interaction_answer_is_honoured(fake: FakeDiscord, bot: Running) -> None:
    fake.rate_limit_next(
        "POST", "/interactions/{interaction_id}/{interaction_token}/callback", retry_after=0.2
    )
    inter = await fake.slash(person("Ann"), "help")
    limited, answered = await fake.answers_to(inter, count=2)
    assert (limited.status, answered.status) == (429, 200)
    assert answered.at - limited.at >= 0.2
    assert "How Backline works" in answered.body["data"]["embeds"][0]["title"]


async def test_community_needs_manage_server(
    fake: FakeDiscord, guild: Guild, bot: Running, store: SqliteStore
) -> None:
    refused = await community(fake, person("Ann"), guild, "on 07:30", P.MEMBER_PERMISSIONS)
    assert refused.body["data"]["content"].startswith("Only group admins can set up")
    assert refused.body["data"]["flags"] & P.EPHEMERAL, "a refusal is for the asker alone"
    assert await store.get_channel("discord", guild.channel["id"]) is None

    allowed = await community(fake, person("Coachy"), guild, "on 06:45 Europe/Berlin")
    assert allowed.body["data"]["content"].startswith("Group session on!")
    channel = await store.get_channel("discord", guild.channel["id"])
    assert channel is not None and channel.enabled
    assert channel.settings.reminder_time.strftime("%H:%M") == "06:45"
    assert channel.settings.timezone == "Europe/Berlin"


async def test_community_in_a_dm_is_explained(fake: FakeDiscord, bot: Running) -> None:
    inter = await fake.slash(person("Ann"), "community", {"setting": "on"})
    (callback,) = await fake.answers_to(inter)
    assert "works in a group or server channel" in callback.body["data"]["content"]


async def test_long_messages_split_cleanly_within_limits(
    fake: FakeDiscord, guild: Guild, bot: Running
) -> None:
    paragraph = "Hinge at the hips, keep the bar close and the back long. " * 12
    text = "\n".join(f"{i}. {paragraph}" for i in range(1, 25))  # ~17k characters
    buttons = ((Button("Done", "ex:done"), Button("Skip", "ex:skip")),)
    first_id = await bot.adapter.sender.send(
        guild.channel["id"], Outbound(text, title="A very long how-to", buttons=buttons)
    )
    plain_id = await bot.adapter.sender.send(guild.channel["id"], Outbound(text))

    titled = [m for m in fake.sent_messages(guild.channel["id"]) if m["embeds"]]
    plain = [m for m in fake.sent_messages(guild.channel["id"]) if not m["embeds"]]
    assert titled[0]["id"] == first_id and plain[0]["id"] == plain_id
    assert len(titled) >= 3 and len(plain) >= 9
    assert all(sum(embed_length(e) for e in m["embeds"]) <= EMBEDS_TOTAL_LIMIT for m in titled)
    assert all(len(m["content"]) <= CONTENT_LIMIT for m in plain)
    assert titled[0]["embeds"][0]["title"] == "A very long how-to"
    # buttons ride on the last part only; every line arrives whole and in order
    assert [bool(m["components"]) for m in titled] == [False] * (len(titled) - 1) + [True]
    lines = "\n".join(e["description"] for m in titled for e in m["embeds"]).split("\n")
    assert lines == text.split("\n")
    assert "\n".join(m["content"] for m in plain).split("\n") == text.split("\n")


async def test_pushes_need_a_connection_and_a_real_chat(
    fake: FakeDiscord, coach: Coach, start_bot: StartBot
) -> None:
    idle = DiscordAdapter(coach, "unused")
    with pytest.raises(TransientFailure):
        await idle.sender.send("1234567890", Outbound("Time to train!"))
    bot = await start_bot()
    with pytest.raises(DeliveryError):  # someone only ever seen in a server has no DM chat
        await bot.adapter.sender.send("", Outbound("Time to train!"))
    await bot.shutdown()
    with pytest.raises(TransientFailure):
        await bot.adapter.sender.send("1234567890", Outbound("Time to train!"))
    assert not posts(fake)


async def test_the_send_queue_keeps_a_channel_within_its_bucket(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    """Against a fake enforcing Discord's limits, six messages to one channel go out without
    a 429: the sixth waits in the send queue for the bucket (5 per channel per 5 s, scaled)."""
    fake.enforce_limits = True
    fake.limits = DiscordLimits(channel_messages=5, channel_seconds=0.5)
    policy = RatePolicy(Window(50, 1.0), Window(5, 0.5))
    bot = await start_bot(hooks=Hooks(gates={"discord": PlatformLimiter(policy)}))
    ann = await known_person(fake, bot, "Ann")
    for n in range(6):
        await bot.adapter.sender.send(ann["id"], Outbound(f"Set {n}"))
    sent = posts(fake)
    assert [r.status for r in sent] == [200] * 6 and fake.rate_limited == 0
    assert sent[5].at - sent[0].at >= 0.5


async def test_the_fake_answers_a_broken_bucket_with_a_429(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    fake.enforce_limits = True
    fake.limits = DiscordLimits(channel_messages=2, channel_seconds=60.0)
    bot = await start_bot()  # no send queue: nothing paces these
    ann = await known_person(fake, bot, "Ann")
    for n in range(2):
        await bot.adapter.sender.send(ann["id"], Outbound(f"Set {n}"))
    with pytest.raises(RetryLater) as caught:  # 60 s is beyond discord.py's own wait
        await bot.adapter.sender.send(ann["id"], Outbound("one too many"))
    assert caught.value.retry_after > 50
    assert fake.rate_limited_by == {"route": 1}
