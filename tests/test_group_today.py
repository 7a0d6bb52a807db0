"""/today in a group: the group's session for the group's own date, across the date line."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import open_coach
from bot.core.coach import Coach
from bot.core.events import InboundEvent, Reply, UserRef

MONDAY_NIGHT_IN_PAGO_PAGO = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # Tue 08:00 in UTC
TUESDAY_IN_KIRITIMATI = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # Mon 11:00 in UTC


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_NIGHT_IN_PAGO_PAGO)


@pytest.fixture
async def coach(tmp_path: Path, clock: Clock) -> AsyncIterator[Coach]:
    built, store = await open_coach(tmp_path / "backline.db", clock=clock)
    yield built
    await store.close()


async def say(coach: Coach, who: str, text: str, *, chat: str, admin: bool = False) -> Reply:
    event = InboundEvent(
        UserRef("test", who), chat, text, who.capitalize(), is_group=chat.startswith("g"),
        is_admin=admin,
    )  # fmt: skip
    return await coach.handle(event)


def texts(reply: Reply) -> str:
    return "\n".join(f"{m.title or ''}\n{m.text}" for m in reply.messages)


async def test_group_on_pago_pago_shows_its_monday_to_a_member_already_in_tuesday(
    coach: Coach,
) -> None:
    on = await say(coach, "ada", "/community on 07:30 Pacific/Pago_Pago", chat="g1", admin=True)
    assert "Group session on" in texts(on)
    # Bob lives in UTC, where it is Tuesday (his rest day); the group's Monday is training.
    mine = await say(coach, "bob", "/today", chat="bob")
    assert "Tue 24 Nov · Rest day" in texts(mine)
    [session] = (await say(coach, "bob", "/today", chat="g1")).messages
    assert session.title is not None and session.title.startswith("Group session · Mon 23 Nov")
    assert session.link is not None and session.link.kind == "group_session"
    assert session.link.plan_date is not None and session.link.plan_date.isoformat() == "2026-11-23"
    assert session.chat_id == "g1" and not session.private


async def test_group_rest_day_on_kiritimati_names_the_next_group_day(
    coach: Coach, clock: Clock
) -> None:
    clock.now = TUESDAY_IN_KIRITIMATI
    await say(coach, "ada", "/community on 06:00 Pacific/Kiritimati", chat="g2", admin=True)
    # Monday in UTC (a training day for Bob), already Tuesday on Kiritimati (group rest day).
    reply = await say(coach, "bob", "/today", chat="g2")
    [rest] = reply.messages
    assert rest.title == "Tue 24 Nov · Group rest day"
    assert "Next group session: Wed 25 Nov at 06:00." in rest.text
    assert "/today in a private chat" in rest.text
    # His own Monday session is still his in the private chat.
    mine = await say(coach, "bob", "/today", chat="bob")
    assert mine.messages[0].title is not None and "Mon 23 Nov" in mine.messages[0].title
    assert mine.messages[0].link is not None and mine.messages[0].link.kind == "session"


async def test_group_without_the_group_session_keeps_personal_today_private(
    coach: Coach,
) -> None:
    reply = await say(coach, "bob", "/today", chat="g3")
    # Bob never wrote privately: nothing personal is posted in the group.
    assert all(not m.link or m.link.kind != "group_session" for m in reply.messages)
    assert "private" in texts(reply).lower()
