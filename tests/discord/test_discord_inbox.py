"""The inbox on Discord: the gateway never delivers a message twice, so each event is stored
before it is handled; one a crash caught half way is handled once after the restart, its
answer sent as a plain message."""

from __future__ import annotations

import json
from dataclasses import replace

from discord_harness import MONDAY, Running, StartBot, person, stored_user

from bot.core.codec import event_to_json
from bot.core.events import InboundEvent, UserRef
from bot.core.ports import Arrival
from bot.store import SqliteStore
from tests.fakes.discord_server import FakeDiscord


def stored_event(event: InboundEvent, kind: str) -> str:
    return json.dumps({"kind": kind, "event": event_to_json(event)})


async def test_an_event_stored_before_a_crash_is_handled_once_after_the_restart(
    fake: FakeDiscord, start_bot: StartBot, store: SqliteStore
) -> None:
    ann = person("Ann")
    first = await start_bot()
    inter = await fake.slash(ann, "today")
    await fake.answers_to(inter)
    await first.settle()
    (session,) = fake.shown_for(inter)
    await first.shutdown()
    # The last run stored Ann's reply (a message in her DM), then died before handling it.
    user = await stored_user(store, ann)
    event = InboundEvent(
        user=UserRef("discord", ann["id"]),
        chat_id=user.chat_id,
        text="12 10 10",
        display_name="Ann",
        reply_to=session["id"],
        message_id="990001",
        event_id="990001",
    )
    lost_interaction = replace(event, text="/today", reply_to=None, event_id="990002",
                               message_id=None, private_reply=True)  # fmt: skip
    await store.inbox.take(
        [
            Arrival("discord", "990001", user.chat_id, stored_event(event, "message")),
            Arrival(
                "discord", "990002", user.chat_id, stored_event(lost_interaction, "interaction")
            ),
        ]
    )
    mark = fake.mark()
    second: Running = await start_bot()
    await fake.wait_requests(
        lambda r: r.method == "POST" and r.template == "/channels/{channel_id}/messages",
        count=2,
    )
    await second.settle()
    texts = [m.get("content") or m["embeds"][0]["title"] for m in fake.sent_since(mark)]
    assert any("Logged" in t and "12, 10, 10" in t for t in texts), texts
    assert any(t.startswith("Mon 11 May") for t in texts), texts  # the /today, in her DM
    sets = await store.sets_on(user.id, MONDAY)
    assert [s.reps for s in sets] == [12, 10, 10]
    assert sets[0].source == f"discord:{user.chat_id}:990001"
    assert await store.inbox.unfinished("discord") == []
