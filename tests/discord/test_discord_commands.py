"""Slash commands end to end: the real discord.py client against the fake Discord, the real
Coach over a real SQLite file."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from discord_harness import MONDAY, Running, StartBot, person, stored_user

from bot.adapters.base import Hooks
from bot.core.coach import Coach
from bot.core.commands import COMMANDS
from bot.store import SqliteStore
from tests.fakes import discord_payloads as P
from tests.fakes.discord_server import FakeDiscord, Guild


async def test_slash_commands_are_built_from_the_core_command_list(
    fake: FakeDiscord, bot: Running
) -> None:
    (put,) = [r for r in fake.requests if r.method == "PUT"]
    assert put.template == "/applications/{application_id}/commands"
    by_name = {c["name"]: c for c in put.body}
    assert list(by_name) == [c.name for c in COMMANDS]
    for cmd in COMMANDS:
        sent = by_name[cmd.name]
        assert sent["description"] == cmd.description
        assert [o["name"] for o in sent.get("options", [])] == [a.name for a in cmd.args]
    howto_option = by_name["howto"]["options"][0]
    assert howto_option == {
        "type": 3,
        "name": "exercise",
        "description": "Which exercise, e.g. rdl",
        "required": True,
        "autocomplete": True,
    }
    log_options = {o["name"]: o for o in by_name["log"]["options"]}
    assert log_options["exercise"]["autocomplete"] is True
    assert "autocomplete" not in log_options["sets"]
    # /community: hidden from members without Manage Server (32), not offered in DMs
    assert by_name["community"]["default_member_permissions"] == 32
    assert by_name["community"]["contexts"] == [0]
    assert by_name["today"]["default_member_permissions"] is None


def command_puts(fake: FakeDiscord) -> int:
    return len([r for r in fake.requests if r.method == "PUT"])


async def test_commands_sync_only_when_discords_set_differs(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    first = await start_bot()
    await first.shutdown()
    assert command_puts(fake) == 1
    second = await start_bot()
    await second.shutdown()
    assert command_puts(fake) == 1, "a restart with the same commands must not sync again"
    gets = [
        r for r in fake.requests if r.method == "GET" and r.template and "commands" in r.template
    ]
    assert len(gets) == 2, "each start compares with what Discord has"

    # Someone changed a description in the portal (or an older version uploaded its set).
    fake.commands[0]["description"] = "an older description"
    third = await start_bot()
    await third.shutdown()
    assert command_puts(fake) == 2
    assert fake.commands[0]["description"] == COMMANDS[0].description


async def test_of_two_processes_starting_together_one_uploads_the_commands(
    fake: FakeDiscord, start_bot: StartBot, coach: Coach
) -> None:
    held: set[str] = set()
    first_holder: list[object] = []

    def process_turn() -> Callable[[str], Awaitable[bool]]:
        """Hooks.turn as the PostgreSQL store gives it: a role goes to the first asking."""
        me = object()

        async def turn(role: str) -> bool:
            if role not in held:
                held.add(role)
                first_holder.append(me)
            return first_holder[0] is me

        return turn

    one, two = await asyncio.gather(
        start_bot(hooks=Hooks(turn=process_turn())), start_bot(hooks=Hooks(turn=process_turn()))
    )
    await asyncio.gather(one.shutdown(), two.shutdown())
    assert command_puts(fake) == 1
    assert held == {"discord-commands"}


async def test_today_in_a_dm_is_a_session_embed_with_persistent_buttons(
    fake: FakeDiscord, bot: Running, store: SqliteStore
) -> None:
    ann = person("Ann")
    inter = await fake.slash(ann, "today")
    (callback,) = await fake.answers_to(inter)
    assert callback.body["type"] == 4
    data = callback.body["data"]
    assert "flags" not in data or not data["flags"] & P.EPHEMERAL  # a DM: nothing to hide
    (embed,) = data["embeds"]
    assert embed["title"].startswith("Mon 11 May")
    assert "Reply to this message with what you did" in embed["description"]
    assert data["allowed_mentions"] == {"parse": []}
    await bot.settle()

    (shown,) = fake.shown_for(inter)
    assert P.custom_ids(shown) == [
        "backline:plan:step",
        "backline:plan:done",
        "backline:plan:skip",
        "backline-form:plan:log",  # opens the Log form
    ]
    user = await stored_user(store, ann)
    assert user.chat_id == ann["id"], "a person's chat id is their user id"
    link = await store.resolve_message("discord", ann["id"], shown["id"])
    assert link is not None and link.link.kind == "session"
    assert link.link.plan_date == MONDAY


async def test_personal_answers_are_ephemeral_in_a_server(
    fake: FakeDiscord, guild: Guild, bot: Running
) -> None:
    ann = person("Ann")
    today = await fake.slash(ann, "today", guild=guild)
    settings = await fake.slash(ann, "settings", guild=guild)
    helping = await fake.slash(ann, "help", guild=guild)
    for inter, private in ((today, True), (settings, True), (helping, False)):
        (callback,) = await fake.answers_to(inter)
        flags = callback.body["data"].get("flags") or 0
        assert bool(flags & P.EPHEMERAL) is private, callback.body
    await bot.settle()
    # ephemeral answers never reach the channel for others
    public = [m for m in fake.sent_messages(guild.channel["id"]) if not m["flags"] & P.EPHEMERAL]
    assert [P.visible_text(m).splitlines()[0] for m in public] == ["How Backline works"]


async def test_howto_autocompletes_from_the_library_and_forgives_typos(
    fake: FakeDiscord, bot: Running
) -> None:
    ann = person("Ann")
    typing = await fake.slash(ann, "howto", {"exercise": "rdl"}, focused="exercise")
    (callback,) = await fake.answers_to(typing)
    assert callback.body["type"] == 8
    choices = callback.body["data"]["choices"]
    assert 1 <= len(choices) <= 25
    assert {"name": "Romanian deadlift (dumbbells)", "value": "romanian-deadlift-dumbbell"} in (
        choices
    )

    picked = await fake.slash(ann, "howto", {"exercise": "romanian-deadlift-dumbbell"})
    typo = await fake.slash(ann, "howto", {"exercise": "romanain deadlift"})
    unknown = await fake.slash(ann, "howto", {"exercise": "bench press"})
    await bot.settle()
    (picked_msg,) = fake.shown_for(picked)
    (typo_msg,) = fake.shown_for(typo)
    assert picked_msg["embeds"][0]["title"] == "Romanian deadlift (dumbbells)"
    assert typo_msg["embeds"][0]["title"] == "Romanian deadlift (dumbbells)"
    assert "How to:" in typo_msg["embeds"][0]["description"]
    (unknown_msg,) = fake.shown_for(unknown)
    assert unknown_msg["embeds"][0]["title"] == "Not in the library"
    assert "bench press" in unknown_msg["embeds"][0]["description"]


async def test_log_command_is_the_fallback_for_replies(
    fake: FakeDiscord, guild: Guild, bot: Running, store: SqliteStore
) -> None:
    ann = person("Ann")
    inter = await fake.slash(
        ann, "log", {"exercise": "glute-bridge", "sets": "12 10 10"}, guild=guild
    )
    (callback,) = await fake.answers_to(inter)
    data = callback.body["data"]
    assert data["flags"] & P.EPHEMERAL
    assert "Logged Glute bridge" in data["content"]
    user = await stored_user(store, ann)
    sets = await store.sets_on(user.id, MONDAY)
    assert [(s.exercise_id, s.reps) for s in sets] == [("glute-bridge", r) for r in (12, 10, 10)]


async def test_slow_answers_are_deferred_then_delivered(
    fake: FakeDiscord, start_bot: StartBot, store: SqliteStore
) -> None:
    bot = await start_bot(defer_after=0.0)  # every answer takes "too long"
    ann = person("Ann")
    inter = await fake.slash(ann, "today")
    await fake.answers_to(inter, count=2)
    await bot.settle()
    deferred, followup = fake.callbacks(inter)
    assert deferred.body == {"type": 5}
    assert followup.template == "/webhooks/{webhook_id}/{webhook_token}"
    assert followup.body["embeds"][0]["title"].startswith("Mon 11 May")
    (shown,) = fake.shown_for(inter)  # the follow-up took the place of "thinking…"
    assert not shown["flags"] & P.LOADING
    link = await store.resolve_message("discord", ann["id"], shown["id"])
    assert link is not None and link.link.kind == "session"

    # a reply to the deferred-then-edited session still logs
    await fake.user_message(ann, "done", reply_to=shown)
    await fake.wait_requests(lambda r: r.method == "POST" and r.template.startswith("/channels/"))
    await bot.settle()
    user = await stored_user(store, ann)
    assert await store.sets_on(user.id, MONDAY)


async def test_an_answer_that_misses_the_deadline_is_deferred_while_the_core_works(
    fake: FakeDiscord, start_bot: StartBot, store: SqliteStore
) -> None:
    bot = await start_bot(defer_after=0.05)
    ann = person("Ann")
    async with store.transaction():  # the database is busy: the core has to wait for it
        inter = await fake.slash(ann, "today")
        (deferred,) = await fake.answers_to(inter)  # acknowledged before the core is done
        assert deferred.body == {"type": 5}
    _, followup = await fake.answers_to(inter, count=2)
    await bot.settle()
    assert followup.body["embeds"][0]["title"].startswith("Mon 11 May")
    (shown,) = fake.shown_for(inter)
    assert not shown["flags"] & P.LOADING


async def test_a_quick_answer_is_not_deferred(fake: FakeDiscord, bot: Running) -> None:
    inter = await fake.slash(person("Ann"), "today")
    (answer,) = await fake.answers_to(inter)
    await bot.settle()
    assert answer.body["type"] == 4  # answered directly: no "thinking…" first
    assert len(fake.callbacks(inter)) == 1
