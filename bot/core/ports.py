"""The persistence interface the core depends on. `bot.store` implements it with aiosqlite.

Records here are plain dataclasses; the store never sees platform objects and the core never
sees SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from bot.core.events import MessageLink, UserRef
from bot.core.settings import Settings


@dataclass(frozen=True, slots=True)
class User:
    id: int
    ref: UserRef
    chat_id: str  # the private chat where pushes go
    display_name: str
    settings: Settings
    active: bool = True  # False once the platform says we can't reach them (blocked, DMs closed)


@dataclass(frozen=True, slots=True)
class NewSet:
    """One set to store. Loads are always stored in kilograms."""

    exercise_id: str
    set_no: int
    reps: int | None = None
    seconds: int | None = None
    load_kg: float | None = None
    skipped: bool = False


@dataclass(frozen=True, slots=True)
class SetLog:
    id: int
    user_id: int
    plan_date: date
    exercise_id: str
    set_no: int
    reps: int | None
    seconds: int | None
    load_kg: float | None
    skipped: bool
    batch_id: int  # one reply = one batch; undo removes a whole batch
    source: str | None  # "platform:chat:message" of the person's message, for edits
    logged_at: datetime


@dataclass(frozen=True, slots=True)
class StoredLink:
    user_id: int | None  # None for a group/channel message shared by many people
    link: MessageLink


@dataclass(frozen=True, slots=True)
class Channel:
    """A group chat or server channel with a daily group session (community mode)."""

    id: int
    platform: str
    chat_id: str
    settings: Settings  # reuses level/equipment/split/weekdays/reminder_time/timezone
    enabled: bool


class Store(Protocol):
    # users and settings
    async def get_or_create_user(self, ref: UserRef, chat_id: str, display_name: str) -> User: ...
    async def get_user(self, user_id: int) -> User | None: ...
    async def find_user(self, ref: UserRef) -> User | None: ...
    async def save_settings(self, user_id: int, settings: Settings) -> None: ...
    async def set_active(self, user_id: int, active: bool) -> None: ...

    # plans: the payload is the planner's JSON-able dict; `key` is Settings.plan_key()
    async def get_plan(self, user_id: int, day: date) -> tuple[str, dict[str, Any]] | None: ...
    async def save_plan(
        self, user_id: int, day: date, key: str, payload: dict[str, Any]
    ) -> None: ...

    # set logs, each call one transaction and one batch
    async def add_sets(
        self, user_id: int, day: date, sets: list[NewSet], source: str | None
    ) -> list[SetLog]: ...
    async def replace_sets_from_source(
        self, user_id: int, source: str, sets: list[NewSet]
    ) -> tuple[list[SetLog], list[SetLog]]:
        """Swap the sets a message logged for new ones (an edited reply). Returns (old, new)."""
        ...

    async def sets_from_source(self, user_id: int, source: str) -> list[SetLog]:
        """The sets a person's message logged (for edits)."""
        ...

    async def delete_last_batch(self, user_id: int) -> list[SetLog]: ...
    async def sets_on(self, user_id: int, day: date) -> list[SetLog]: ...
    async def exercises_logged_on(self, user_id: int, day: date) -> set[str]:
        """The exercise ids with any set (skips included) on `day`; cheaper than sets_on."""
        ...

    async def sets_between(self, user_id: int, start: date, end: date) -> list[SetLog]: ...
    async def recent_sets_for(self, user_id: int, exercise_id: str, sessions: int) -> list[SetLog]:
        """The sets of the last `sessions` dates on which this exercise was logged."""
        ...

    async def recent_sets_by_exercise(
        self, user_id: int, exercise_ids: Sequence[str], sessions: int
    ) -> dict[str, list[SetLog]]:
        """`recent_sets_for` for several exercises in one go (missing ids: not logged yet)."""
        ...

    # sent bot messages -> what they were about
    async def link_message(
        self, platform: str, chat_id: str, message_id: str, user_id: int | None, link: MessageLink
    ) -> None:
        """Remember what a sent message is about. user_id None: the link's owner, if any."""
        ...

    async def resolve_message(
        self, platform: str, chat_id: str, message_id: str
    ) -> StoredLink | None: ...

    # pending conversation state (onboarding step, step-by-step logging), survives restarts
    async def get_state(self, user_id: int) -> dict[str, Any] | None: ...
    async def set_state(self, user_id: int, state: dict[str, Any] | None) -> None: ...

    # idempotency and counters
    async def start_event(
        self, ref: UserRef, chat_id: str, display_name: str, event_id: str
    ) -> User | None:
        """Claims `event_id` (empty: nothing to claim) and returns the person as
        get_or_create_user does, in one round trip; None when the event was seen before."""
        ...

    async def next_seq(self, name: str) -> int: ...

    # community mode: group chats / channels with a daily group session
    async def get_channel(self, platform: str, chat_id: str) -> Channel | None: ...
    async def save_channel(
        self, platform: str, chat_id: str, settings: Settings, enabled: bool
    ) -> Channel: ...
    async def list_channels(self, enabled_only: bool = True) -> list[Channel]: ...
