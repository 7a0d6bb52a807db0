"""The small interface the behaviour suite talks to: one person's view of one chat platform.

A driver runs the real bot (adapter, coach, SQLite store) behind one platform and lets a test
do what people do there: send text, reply to a bot message, press a button, edit what they
wrote, and look at what the bot sent and what it stored. The same tests run on every driver.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bot.app import open_coach
from bot.core.coach import Coach
from bot.core.events import Outbound, UserRef
from bot.core.ports import SetLog, User
from bot.store import SqliteStore

# Monday: a training day for the default settings (Mon/Wed/Fri), so sessions have exercises.
TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
T = TypeVar("T")


class NotOnThisPlatform(Exception):
    """The platform has no such thing (a console has no groups and no message edits)."""


async def where_possible(step: Awaitable[T]) -> T:
    """A step the platform may not have: the test is skipped there, saying why."""
    try:
        return await step
    except NotOnThisPlatform as exc:
        pytest.skip(str(exc))


@dataclass(frozen=True)
class Msg:
    """A bot message as the person sees it."""

    id: str
    title: str  # the bold first line, the embed title, the console header; "" when none
    text: str  # everything readable, the title included
    buttons: tuple[str, ...] = ()  # button labels, in order
    reply_to: str | None = None  # the person's message it answers, where the platform shows it
    raw: Any = field(default=None, repr=False, compare=False)  # the platform's own object


@dataclass(frozen=True)
class Said:
    """What a person wrote (to edit later) and what the bot answered."""

    id: str
    answers: list[Msg]
    raw: Any = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Person:
    name: str
    id: str  # their user id on the platform, what the store knows them by
    key: Any = field(default=None, repr=False, compare=False)  # the platform's handle


@dataclass(frozen=True)
class Group:
    """A group chat (Telegram group, Discord server channel) with Backline in it."""

    chat_id: str
    key: Any


async def open_bot(db_path: Path) -> tuple[Coach, SqliteStore]:
    """The coach over a real SQLite file, its clock fixed at NOW: the one place drivers get it."""
    return await open_coach(db_path, clock=lambda: NOW)


class Driver(ABC):
    """One platform with the real bot running behind it. Subclasses translate; the store
    lookups and the scheduler's push are the same everywhere."""

    platform: str
    coach: Coach
    store: SqliteStore
    # The platform shows forms (Button.asks: Discord's modals), so a Log button is offered
    # next to the others; elsewhere people reply instead and the button is left out.
    forms: bool = False

    def with_log_form(self, *labels: str) -> tuple[str, ...]:
        """The button labels of a loggable message on this platform."""
        return (*labels, "Log sets") if self.forms else labels

    @abstractmethod
    async def start(self, db_path: Path) -> None:
        """Open the store and the coach (clock fixed at NOW) and start the adapter."""

    @abstractmethod
    async def stop(self) -> None: ...

    @abstractmethod
    def person(self, name: str) -> Person: ...

    @abstractmethod
    async def send(self, who: Person, text: str, *, group: Group | None = None) -> Said: ...

    @abstractmethod
    async def reply(
        self, who: Person, to: Msg, text: str, *, group: Group | None = None
    ) -> Said: ...

    @abstractmethod
    async def press(self, who: Person, message: Msg, label: str) -> list[Msg]:
        """`who` presses the button labelled `label`; the messages the bot answered with."""

    @abstractmethod
    async def edit(self, who: Person, said: Said, text: str) -> list[Msg]: ...

    @abstractmethod
    async def send_nothing_readable(self, who: Person) -> list[Msg]:
        """A message without text (a sticker, a photo without caption, an attachment)."""

    @abstractmethod
    async def reply_to_unknown(self, who: Person, text: str) -> list[Msg]:
        """A reply to a message the bot has no record of."""

    @abstractmethod
    def sent(self, who: Person) -> list[Msg]:
        """Everything the bot sent to the person's own chat, oldest first."""

    @abstractmethod
    async def group(self, admin: Person) -> Group:
        """A group where `admin` (an admin there) has turned the daily group session on."""

    @abstractmethod
    async def deliver(self, chat_id: str, out: Outbound) -> Msg:
        """Send `out` the way the scheduler does (through the adapter's sender)."""

    async def push_daily_session(self, who: Person, day: date = TODAY) -> Msg:
        """The scheduler's push of the day's session to one person, through the adapter."""
        user = await self.user(who)
        (out,) = await self.coach.daily_session(user.id, day)
        return await self.deliver(out.chat_id or user.chat_id, out)

    async def push_group_session(self, group: Group, day: date = TODAY) -> Msg:
        channel = await self.store.get_channel(self.platform, group.chat_id)
        assert channel is not None and channel.enabled, "the group session is not on"
        (out,) = await self.coach.group_session(channel, day)
        return await self.deliver(out.chat_id or group.chat_id, out)

    async def user(self, who: Person) -> User:
        found = await self.store.find_user(UserRef(self.platform, who.id))
        assert found is not None, f"{who.name} is not in the store"
        return found

    async def sets(self, who: Person, day: date = TODAY) -> list[SetLog]:
        return await self.store.sets_on((await self.user(who)).id, day)
