"""The real bot, run the way `backline` runs it, for the Telegram end-to-end tests."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from bot.adapters.base import Hooks
from bot.adapters.telegram import TelegramAdapter, serve
from bot.adapters.telegram_delivery import RetryPolicy
from bot.app import file_ids, open_coach
from bot.core.coach import Coach
from bot.core.events import UserRef
from bot.core.ports import SetLog, User
from bot.store import SqliteStore
from tests.fakes.telegram_server import TEST_TOKEN, FakeTelegram, SentMessage, TgChat, TgUser

# Monday: a training day for the default settings (Mon/Wed/Fri), so sessions have exercises.
TODAY = date(2026, 11, 23)
FAST_RETRY = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05, max_retry_after=5)


@dataclass
class RunningBot:
    """The real application, started through `serve()` exactly as `backline` starts it."""

    fake: FakeTelegram
    db_path: Path
    clock: Callable[[], datetime]
    coach: Coach | None = None
    store: SqliteStore | None = None
    adapter: TelegramAdapter | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.coach, self.store = await open_coach(self.db_path, clock=self.clock)
        self._stop = asyncio.Event()
        ready = asyncio.Event()

        def on_ready(adapter: TelegramAdapter) -> None:
            self.adapter = adapter
            ready.set()

        self._task = asyncio.create_task(
            serve(
                self.coach,
                TEST_TOKEN,
                self.fake.url,
                self._stop,
                poll_timeout=1,
                retry=FAST_RETRY,
                on_ready=on_ready,
                hooks=Hooks(file_ids=file_ids(self.store)),
            )
        )
        waiter = asyncio.create_task(ready.wait())
        done, _ = await asyncio.wait(
            {waiter, self._task}, timeout=10, return_when="FIRST_COMPLETED"
        )
        waiter.cancel()
        if self._task in done:
            await self._task  # raises what went wrong
        assert ready.is_set(), "the bot did not start polling"

    async def stop(self) -> None:
        if self._task is None:
            return
        self._stop.set()
        await asyncio.wait_for(self._task, 15)
        self._task = None
        if self.store is not None:
            await self.store.close()
            self.store = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    # -- looking into the store --------------------------------------------------------------

    async def user(self, person: TgUser) -> User:
        assert self.store is not None
        found = await self.store.find_user(UserRef("telegram", str(person.id)))
        assert found is not None, f"no stored user for Telegram user {person.id}"
        return found

    async def sets(self, person: TgUser, day: date = TODAY) -> list[SetLog]:
        assert self.store is not None
        return await self.store.sets_on((await self.user(person)).id, day)


# -- talking to the bot --------------------------------------------------------------------

_barriers = itertools.count(1)


async def settled(
    tg: FakeTelegram, person: TgUser, chat: TgChat | None, before: int
) -> list[SentMessage]:
    """Everything the bot sent in the chat since `before`, once it has handled all updates
    so far. Updates of one chat are handled in order, so when a command sent now is answered,
    whatever came before it has been answered too. The command is one the bot does not know
    (it changes nothing) with a unique name, which the answer quotes."""
    where = chat or tg.private_chat(person)
    marker = f"/sync{next(_barriers)}x"
    tg.send(person, marker, chat=chat)

    def answered() -> tuple[list[SentMessage]] | None:
        new = tg.sent_to(where)[before:]
        for i, message in enumerate(new):
            if f'"{marker}"' in message.text:
                return (new[:i],)
        return None

    (messages,) = await tg.wait_for(answered, what=f"the bot to answer {marker}")
    return messages


async def say(
    tg: FakeTelegram,
    person: TgUser,
    text: str,
    *,
    chat: TgChat | None = None,
    reply_to: SentMessage | None = None,
) -> list[SentMessage]:
    """`person` writes `text`; returns every message the bot answered with."""
    before = len(tg.sent_to(chat or tg.private_chat(person)))
    tg.send(person, text, chat=chat, reply_to=reply_to)
    return await settled(tg, person, chat, before)


async def press(
    tg: FakeTelegram, person: TgUser, message: SentMessage, button: str
) -> list[SentMessage]:
    """`person` taps `button` on `message`; returns every message the bot answered with."""
    chat = None if message.chat_id == person.id else tg.chat(message.chat_id)
    before = len(tg.sent_to(chat or tg.private_chat(person)))
    tg.press(person, message, button)
    return await settled(tg, person, chat, before)
