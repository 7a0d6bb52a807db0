"""Logging by replying, by buttons and in server channels, end to end against the fake Discord.

What every platform does alike is tested once in tests/behaviour; these are Discord's own parts
(message references, ephemeral flags, the Message Content intent, restarts)."""

from __future__ import annotations

import logging
from typing import Any

from discord_harness import MONDAY, NOW, Running, StartBot, community, person, stored_user

from bot.adapters.base import Hooks
from bot.app import open_coach
from bot.store import SqliteStore
from tests.fakes import discord_payloads as P
from tests.fakes.discord_server import FakeDiscord, Guild
from tests.gates import RecordingGate


def channel_posts(r: Any) -> bool:
    return r.method == "POST" and r.template == "/channels/{channel_id}/messages"


async def session_in_dm(fake: FakeDiscord, bot: Running, who: dict[str, Any]) -> dict[str, Any]:
    inter = await fake.slash(who, "today")
    await fake.answers_to(inter)
    await bot.settle()
    (session,) = fake.shown_for(inter)
    return session


async def community_session(
    fake: FakeDiscord, bot: Running, guild: Guild, admin: dict[str, Any]
) -> dict[str, Any]:
    """An admin turns community mode on; the scheduler's push posts the group session."""
    callback = await community(fake, admin, guild, "on 07:30 Europe/Berlin")
    assert "Group session on!" in callback.body["data"]["content"]
    coach = bot.adapter.coach
    channel = await coach.store.get_channel("discord", guild.channel["id"])
    assert channel is not None and channel.enabled
    (out,) = await coach.group_session(channel, MONDAY)
    message_id = await bot.adapter.sender.send(out.chat_id or "", out)
    return fake.messages[message_id]


async def test_a_reply_in_a_dm_logs_the_sets(
    fake: FakeDiscord, start_bot: StartBot, store: SqliteStore
) -> None:
    ann = person("Ann")
    gate = RecordingGate("discord")
    bot = await start_bot(hooks=Hooks(gates={"discord": gate}))
    session = await session_in_dm(fake, bot, ann)
    mark = fake.mark()
    said = await fake.user_message(ann, "3x12 @ 16kg", reply_to=session)
    await fake.wait_requests(channel_posts)
    await bot.settle()
    answers = fake.sent_since(mark)
    assert "Logged Single-leg Romanian deadlift (bodyweight): 12, 12, 12 reps @ 16 kg." in (
        P.visible_text(answers[0])
    )
    user = await stored_user(store, ann)
    sets = await store.sets_on(user.id, MONDAY)
    assert [(s.reps, s.load_kg) for s in sets] == [(12, 16.0)] * 3
    assert sets[0].source == f"discord:{ann['id']}:{said['id']}"  # what an edit looks up
    # channel messages wait their turn in the send queue as replies; the slash answer doesn't
    assert gate.turns == [(ann["id"], True)] * len(answers)


async def test_two_members_log_against_one_channel_session(
    fake: FakeDiscord, guild: Guild, bot: Running, store: SqliteStore
) -> None:
    admin, ann, bob = person("Coachy"), person("Ann"), person("Bob")
    session = await community_session(fake, bot, guild, admin)
    assert session["channel_id"] == guild.channel["id"]
    assert P.custom_ids(session) == [
        "backline:grp:done",
        "backline:grp:skip",
        "backline-form:grp:log",
    ]
    assert session["embeds"][0]["title"].startswith("Group session")

    mark = fake.mark()
    ann_msg = await fake.user_message(ann, "3x12 @ 16kg", guild=guild, reply_to=session)
    # Bob's client did not resolve the reply: the adapter fetches the replied-to message.
    bob_msg = await fake.user_message(
        bob, "12 10 10", guild=guild, reply_to=session, resolved=False
    )
    await fake.wait_requests(channel_posts, count=3)  # the push, then two confirmations
    await bot.settle()
    fetched = [r for r in fake.requests if r.method == "GET" and r.path.endswith(session["id"])]
    assert len(fetched) == 1

    answers = {m["message_reference"]["message_id"]: m for m in fake.sent_since(mark)}
    assert answers[ann_msg["id"]]["content"].startswith("Ann: Logged")
    assert answers[bob_msg["id"]]["content"].startswith("Bob: Logged")
    ann_sets = await store.sets_on((await stored_user(store, ann)).id, MONDAY)
    bob_sets = await store.sets_on((await stored_user(store, bob)).id, MONDAY)
    assert [(s.reps, s.load_kg) for s in ann_sets] == [(12, 16.0)] * 3
    assert [s.reps for s in bob_sets] == [12, 10, 10]
    assert ann_sets[0].exercise_id == bob_sets[0].exercise_id  # one shared session
    # first seen in a server: no DM chat to push to until they write to the bot
    assert (await stored_user(store, bob)).chat_id == ""


async def test_the_group_session_buttons_log_for_whoever_presses(
    fake: FakeDiscord, guild: Guild, bot: Running, store: SqliteStore
) -> None:
    session = await community_session(fake, bot, guild, person("Coachy"))
    ann = person("Ann")
    press = await fake.press(ann, session, "backline:grp:skip", guild=guild)
    (callback,) = await fake.answers_to(press)
    # the core names who it was ("Ann: ...") and leaves it public for the group to see
    assert not callback.body["data"].get("flags")
    assert "Ann: Skipped the rest of the session" in callback.body["data"]["content"]
    sets = await store.sets_on((await stored_user(store, ann)).id, MONDAY)
    assert sets and all(s.skipped for s in sets)


async def test_the_done_button_works_after_a_restart(
    fake: FakeDiscord, start_bot: StartBot, tmp_path: Any
) -> None:
    first = await start_bot()
    ann = person("Ann")
    session = await session_in_dm(fake, first, ann)
    await first.shutdown()

    # A new process: new client, new Coach and store over the same database file.
    coach, store = await open_coach(tmp_path / "backline.db", clock=lambda: NOW)
    try:
        second = await start_bot(use_coach=coach)
        press = await fake.press(ann, session, "backline:plan:done")
        (callback,) = await fake.answers_to(press)
        assert "Logged as prescribed" in callback.body["data"]["content"]
        user = await stored_user(store, ann)
        logged = {s.exercise_id for s in await store.sets_on(user.id, MONDAY)}
        assert len(logged) >= 3
        await second.shutdown()
    finally:
        await store.close()


async def test_without_message_content_people_are_pointed_to_log(
    fake: FakeDiscord, guild: Guild, start_bot: StartBot, caplog: Any
) -> None:
    fake.allow_message_content = False  # the host did not enable the privileged intent
    caplog.set_level(logging.WARNING, logger="bot.adapters.discord")
    bot = await start_bot()
    assert len(fake.identifies) == 1
    assert not fake.identifies[0]["intents"] & P.MESSAGE_CONTENT_INTENT
    assert "Message Content intent is not enabled" in caplog.text

    session = await community_session(fake, bot, guild, person("Coachy"))
    ann = person("Ann")
    mark = fake.mark()
    said = await fake.user_message(ann, "", guild=guild, reply_to=session)  # Discord hid it
    await fake.wait_requests(channel_posts, count=2)
    await bot.settle()
    (answer,) = fake.sent_since(mark)
    assert answer["message_reference"]["message_id"] == said["id"]
    assert "/log" in answer["content"]


async def test_only_people_replying_to_the_bot_are_answered_in_servers(
    fake: FakeDiscord, guild: Guild, bot: Running
) -> None:
    admin, ann = person("Coachy"), person("Ann")
    session = await community_session(fake, bot, guild, admin)
    chatter = await fake.user_message(ann, "anyone up for a run?", guild=guild)
    mark, requests = fake.mark(), len(fake.requests)
    await fake.user_message(admin, "3x12", guild=guild, reply_to=chatter)  # not to the bot
    other_bot = P.user("OtherBot", bot=True)
    await fake.user_message(other_bot, "12 10 10", guild=guild, reply_to=session)
    await fake.user_message(ann, "", forward_of=session)  # a forward in a DM
    await bot.settle()
    assert fake.sent_since(mark) == []
    assert fake.requests[requests:] == []
