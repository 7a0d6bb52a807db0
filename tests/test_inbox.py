"""The coach's side of the inbox (Coach.handle_once) on the memory store, and the codec that
stores answers and events. The stores' part is in tests/test_store_contract.py; Telegram,
Discord and the crash suite (tests/crash) drive it through the real adapters."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime

import pytest

from bot.content import default_library
from bot.core.coach import SORRY, Coach
from bot.core.codec import event_from_json, event_to_json, reply_from_json, reply_to_json
from bot.core.events import (
    Attachment,
    Button,
    InboundEvent,
    MessageLink,
    Outbound,
    Reply,
    UserRef,
)
from bot.core.ports import APPLIED, Arrival, InboxEntry
from bot.store.memory import MemoryStore

MONDAY = date(2026, 11, 23)
ANN = UserRef("test", "ann")


@pytest.fixture
def coach() -> Coach:
    moment = datetime(2026, 11, 23, 9, tzinfo=UTC)
    return Coach(MemoryStore(), default_library(), clock=lambda: moment)


def event(text: str, n: int, reply_to: str | None = None) -> InboundEvent:
    return InboundEvent(ANN, "dm-ann", text, "Ann", reply_to=reply_to, message_id=str(n),
                        event_id=f"e{n}")  # fmt: skip


async def take(coach: Coach, e: InboundEvent) -> InboxEntry:
    (entry,) = await coach.receive([Arrival("test", e.event_id or "", e.chat_id, "{}")])
    return entry


async def session_link(coach: Coach) -> str:
    reply = await coach.handle(event("/today", 1))
    (session,) = reply.messages
    await coach.record_sent("test", "dm-ann", "m1", session)
    return "m1"


def test_replies_and_events_survive_the_round_trip() -> None:
    reply = Reply(
        [
            Outbound(
                "Your progress", title="Progress",
                buttons=((Button("Done", "plan:done"), Button("Log", "ex:log", asks="Sets?")),
                         (Button("Open", "", private_start="progress"),)),
                only_asker=True, menu="Pick one",
                image=Attachment("p.png", bytes(range(256)), "image/png", "images/rdl.png"),
                link=MessageLink("session", MONDAY, "rdl", owner=ANN),
                private=True, chat_id="dm",
            ),
            Outbound("export", document=Attachment("log.csv", b"a,b\n", "text/csv")),
        ],
        button_ack="Got it",
    )  # fmt: skip
    assert reply_from_json(reply_to_json(reply)) == reply
    e = InboundEvent(ANN, "g1", "12 10", "Ann", is_group=True, is_admin=True, reply_to="5",
                     button="ex:done", message_id="9", edited=True, event_id="x",
                     content_missing=True, private_reply=True)  # fmt: skip
    assert event_from_json(event_to_json(e)) == e


def test_an_answer_stored_by_another_version_still_reads() -> None:
    stored = {"messages": [{"text": "hi", "buttons": [[{"label": "A", "data": "a", "new": 1}]],
                            "from_the_future": True}]}  # fmt: skip
    assert reply_from_json(stored) == Reply([Outbound("hi", buttons=((Button("A", "a"),),))])


def test_the_codec_writes_every_field_of_the_events() -> None:
    """A field added to an event dataclass without a place in the codec would be lost."""
    out = reply_to_json(Reply([Outbound("x", image=Attachment("a", b"", "m"),
                                        link=MessageLink("other"))]))["messages"][0]  # fmt: skip
    assert set(out) == {f.name for f in fields(Outbound)}
    assert set(out["image"]) == {f.name for f in fields(Attachment)}
    assert set(out["link"]) == {f.name for f in fields(MessageLink)}
    assert set(event_to_json(InboundEvent(ANN, "c"))) == {f.name for f in fields(InboundEvent)}
    assert set(reply_to_json(Reply())) == {f.name for f in fields(Reply)}


async def test_an_entry_is_applied_once_and_its_answer_given_back(coach: Coach) -> None:
    link = await session_link(coach)
    reply = event("12 10", 2, reply_to=link)
    entry = await take(coach, reply)
    first = await coach.handle_once(entry, reply)
    assert first.fresh and first.sent == 0
    shown = first.reply.messages[0]
    assert "Logged" in (shown.preface or "") + shown.text  # the log rides on the next prompt
    user = await coach.store.find_user(ANN)
    assert user is not None
    logged = await coach.store.sets_on(user.id, MONDAY)
    # After a restart: the entry is read back as applied; nothing runs again.
    (again,) = await coach.unfinished("test")
    assert again.state == APPLIED
    second = await coach.handle_once(again, reply)
    assert second.reply == first.reply and not second.fresh
    assert await coach.store.sets_on(user.id, MONDAY) == logged
    await coach.answered(again, len(first.reply.messages), True)
    assert await coach.unfinished("test") == []
    # A redelivery is not taken at all.
    assert await coach.receive([Arrival("test", "e2", "dm-ann", "{}")]) == []


async def test_a_failure_half_way_leaves_nothing_and_stores_the_apology(
    coach: Coach, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = await session_link(coach)
    reply = event("12 10", 2, reply_to=link)
    entry = await take(coach, reply)

    async def broken(*_args: object) -> str:
        raise RuntimeError("a bug after the sets were added")

    monkeypatch.setattr(coach.logging.next_times, "after_log", broken)
    applied = await coach.handle_once(entry, reply)
    assert [m.text for m in applied.reply.messages] == [SORRY]
    user = await coach.store.find_user(ANN)
    assert user is not None and await coach.store.sets_on(user.id, MONDAY) == []
    assert await coach.store.get_state(user.id) is None
