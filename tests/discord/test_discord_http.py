"""Discord's HTTP interactions endpoint end to end: the fake Discord signs each interaction with
a key made for the test and posts it with a real aiohttp client to Backline's HTTP endpoint on
127.0.0.1, where the real discord.py client and the real Coach (SQLite) answer it. Every answer
body is checked against the spec's interaction callback, every follow-up against its route."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from discord_harness import (
    MONDAY,
    Running,
    StartBot,
    log_by_form,
    open_interactions,
    person,
    stored_user,
    todays_session,
)
from nacl.signing import SigningKey

from bot.core.coach import Coach
from bot.core.events import Applied, InboundEvent
from bot.core.ports import InboxEntry
from bot.store import SqliteStore
from tests.fakes import discord_payloads as P
from tests.fakes.discord_server import FakeDiscord, Guild

STALE = 301  # seconds: older than the endpoint accepts


@pytest.fixture
async def http_bot(fake: FakeDiscord, start_bot: StartBot) -> AsyncIterator[Running]:
    """A bot with the gateway on and Discord posting interactions to its endpoint."""
    bot = await start_bot(public_key=fake.public_key)
    endpoint = await open_interactions(fake, bot.adapter)
    yield bot
    await endpoint.stop()


def answer_data(fake: FakeDiscord, inter: dict[str, Any]) -> dict[str, Any]:
    (callback,) = [r for r in fake.callbacks(inter) if r.template and "callback" in r.template]
    return dict(callback.body.get("data") or {})


def visible(messages: list[dict[str, Any]]) -> list[str]:
    return [P.visible_text(m) for m in messages]


async def test_a_forged_signature_is_refused_and_nothing_is_handled(
    fake: FakeDiscord, http_bot: Running
) -> None:
    payload = json.dumps({"type": 2, "id": "1", "token": "t", "data": {"name": "today"}}).encode()
    forger = SigningKey.generate()  # not the application's key
    stamp = str(int(time.time()))
    forged = fake.signed_headers(payload, stamp)
    forged["X-Signature-Ed25519"] = forger.sign(stamp.encode() + payload).signature.hex()
    assert (await fake.post_signed(payload, forged))[0] == 401
    # A genuine signature over a different body (a tampered request) fails too.
    tampered = fake.signed_headers(payload.replace(b"today", b"stats"), stamp)
    assert (await fake.post_signed(payload, tampered))[0] == 401
    not_hex = {**fake.signed_headers(payload), "X-Signature-Ed25519": "zz"}
    assert (await fake.post_signed(payload, not_hex))[0] == 401
    assert not [r for r in fake.requests if r.template and "interactions" in r.template]


async def test_missing_and_stale_signature_headers_get_401(
    fake: FakeDiscord, http_bot: Running
) -> None:
    payload = json.dumps({"type": 1}).encode()
    assert (await fake.post_signed(payload, {"Content-Type": "application/json"}))[0] == 401
    no_stamp = fake.signed_headers(payload)
    del no_stamp["X-Signature-Timestamp"]
    assert (await fake.post_signed(payload, no_stamp))[0] == 401
    # Correctly signed, but recorded more than five minutes ago: a replay.
    old = fake.signed_headers(payload, str(int(time.time()) - STALE))
    assert (await fake.post_signed(payload, old))[0] == 401


async def test_ping_gets_pong(fake: FakeDiscord, http_bot: Running) -> None:
    status, answer = await fake.post_signed(json.dumps({"type": 1, "id": "1"}).encode())
    assert (status, answer) == (200, {"type": 1})
    assert not fake.spec.check_request("POST", "/interactions/1/t/callback", {}, answer)
    # Signed, but not an interaction: refused without reaching discord.py.
    assert (await fake.post_signed(b'{"type": 2}'))[0] == 400
    assert (await fake.post_signed(b"not json"))[0] == 400


async def test_a_slash_command_over_http_answers_as_over_the_gateway(
    fake: FakeDiscord, http_bot: Running
) -> None:
    url, fake.interactions_url = fake.interactions_url, None
    by_gateway = await fake.slash(person("Ann"), "today")
    await fake.answers_to(by_gateway)
    fake.interactions_url = url
    by_http = await fake.slash(person("Bea"), "today")
    (answered,) = await fake.answers_to(by_http)
    assert answered.body["type"] == 4  # a message, in the response body itself
    assert fake.http_answers[-1][0] == 200
    await http_bot.settle()
    assert answer_data(fake, by_http) == answer_data(fake, by_gateway)
    (shown,) = fake.shown_for(by_http)
    assert "Reply to this message with what you did" in P.visible_text(shown)


async def test_a_reply_to_an_answer_given_over_http_is_logged(
    fake: FakeDiscord, http_bot: Running, store: SqliteStore
) -> None:
    ann = person("Ann")
    _, session = await todays_session(fake, http_bot, ann)
    # Discord made a message of the answer body; its id was read back and linked.
    assert await store.resolve_message("discord", ann["id"], session["id"]) is not None
    await fake.user_message(ann, "done", reply_to=session)
    await http_bot.settle()
    user = await stored_user(store, ann)
    assert await store.sets_on(user.id, session_day(session))


def session_day(session: dict[str, Any]) -> date:
    assert session["embeds"][0]["title"].startswith("Mon 11 May")
    return MONDAY


async def test_a_button_press_over_http(fake: FakeDiscord, http_bot: Running) -> None:
    ann = person("Ann")
    _, session = await todays_session(fake, http_bot, ann)
    press = await fake.press(ann, session, "backline:plan:step")
    (answered,) = await fake.answers_to(press)
    assert answered.body["type"] == 4
    await http_bot.settle()
    (step,) = fake.shown_for(press)
    assert P.visible_text(step).startswith("1/5 · ")  # step by step, first exercise
    assert P.custom_ids(step)  # with its own buttons


async def test_a_form_opens_and_its_submit_is_logged_over_http(
    fake: FakeDiscord, http_bot: Running, store: SqliteStore
) -> None:
    ann = person("Ann")
    _, session = await todays_session(fake, http_bot, ann)
    opened, answer = await log_by_form(fake, ann, session, "done")
    assert opened.body["type"] == 9 and opened.body["data"]["title"] == "Log sets"
    assert answer.body["type"] == 4
    user = await stored_user(store, ann)
    assert await store.sets_on(user.id, session_day(session))


async def test_a_slow_answer_is_deferred_then_sent_as_a_follow_up(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    # defer_after=0: every answer counts as slower than Discord's three seconds allow.
    bot = await start_bot(public_key=fake.public_key, defer_after=0)
    endpoint = await open_interactions(fake, bot.adapter)
    try:
        inter = await fake.slash(person("Ann"), "today")
        deferred, followup = await fake.answers_to(inter, count=2)
        assert deferred.body == {"type": 5}
        assert followup.template == "/webhooks/{webhook_id}/{webhook_token}"
        await bot.settle()
        (shown,) = fake.shown_for(inter)  # the follow-up replaced "thinking…"
        assert "Reply to this message with what you did" in P.visible_text(shown)
        assert not shown["flags"] & P.LOADING
    finally:
        await endpoint.stop()


async def test_a_picture_goes_as_the_follow_up_of_a_deferral(
    fake: FakeDiscord, http_bot: Running
) -> None:
    inter = await fake.slash(person("Ann"), "howto", {"exercise": "pull-up"})
    deferred, followup = await fake.answers_to(inter, count=2)
    assert deferred.body["type"] == 5  # files can't ride in the response body
    assert followup.files == ("files[0]",)
    assert followup.body["embeds"][0]["image"]["url"] == "attachment://pull-up.png"


async def test_an_interaction_delivered_twice_is_applied_once(
    fake: FakeDiscord, http_bot: Running, store: SqliteStore
) -> None:
    ann = person("Ann")
    _, session = await todays_session(fake, http_bot, ann)
    press = await fake.press(ann, session, "backline:plan:done")
    await fake.answers_to(press)
    await http_bot.settle()
    user = await stored_user(store, ann)
    logged = await store.sets_on(user.id, session_day(session))
    assert logged
    await fake.post_interaction(press)  # Discord delivers the same interaction again
    await http_bot.settle()
    assert fake.callbacks(press)[-1].body == {"type": 6}  # acknowledged, not applied again
    assert len(await store.sets_on(user.id, session_day(session))) == len(logged)
    (shown,) = fake.shown_for(press)
    assert "That's the session done" in P.visible_text(shown)


async def test_with_the_gateway_off_interactions_and_pushes_still_work(
    fake: FakeDiscord, guild: Guild, start_bot: StartBot
) -> None:
    bot = await start_bot(public_key=fake.public_key, gateway=False)
    endpoint = await open_interactions(fake, bot.adapter)
    try:
        assert not fake.identifies and bot.adapter.is_running()
        ann = person("Ann")
        inter = await fake.slash(ann, "today")
        (answered,) = await fake.answers_to(inter)
        assert answered.body["type"] == 4
        # In a server it knows nothing of (no gateway, so no guild cache): for the asker alone.
        in_server = await fake.slash(person("Bea"), "today", guild=guild)
        (there,) = await fake.answers_to(in_server)
        assert there.body["type"] == 4 and there.body["data"]["flags"] & P.EPHEMERAL
        # A push over REST alone: open the DM, post the message.
        from bot.core.events import Outbound

        await bot.adapter.sender.send(ann["id"], Outbound("Time for today's session."))
        pushed = fake.sent_messages(fake.dm_channels[ann["id"]]["id"])[-1]
        assert pushed["content"] == "Time for today's session."
        assert not pushed.get("webhook_id")  # a channel message, not an interaction answer
    finally:
        await endpoint.stop()


class HeldCoach:
    """The real coach, except that handling waits until the test lets it go on (a database
    busy for longer than Discord waits)."""

    def __init__(self, coach: Coach) -> None:
        self._coach = coach
        self.go_on = asyncio.Event()

    async def handle_once(self, entry: InboxEntry, event: InboundEvent) -> Applied:
        await self.go_on.wait()
        return await self._coach.handle_once(entry, event)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._coach, name)


async def test_an_answer_later_than_discord_waits_follows_our_own_deferral(
    fake: FakeDiscord, start_bot: StartBot, coach: Coach
) -> None:
    held = HeldCoach(coach)
    bot = await start_bot(held, public_key=fake.public_key)
    assert bot.adapter.interactions is not None
    bot.adapter.interactions.answer_within = 0.01  # "Discord's three seconds are up"
    endpoint = await open_interactions(fake, bot.adapter)
    try:
        inter = await fake.slash(person("Ann"), "today")
        (deferred,) = await fake.answers_to(inter)
        assert deferred.body == {"type": 5}  # the endpoint's own deferral, in time
        held.go_on.set()
        _, followup = await fake.answers_to(inter, count=2)
        assert followup.template == "/webhooks/{webhook_id}/{webhook_token}"
        await bot.settle()
        (shown,) = fake.shown_for(inter)
        assert "Reply to this message with what you did" in P.visible_text(shown)
    finally:
        await endpoint.stop()
