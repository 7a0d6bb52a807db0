"""The behaviour suite's driver for Telegram: python-telegram-bot's own HTTP stack, started
through `serve()` (tests/telegram/harness.py), against the fake Bot API on 127.0.0.1."""

from __future__ import annotations

import html
import itertools
import re
import time
from pathlib import Path

from bot.adapters.telegram_inbound import PLATFORM
from bot.core.events import Outbound
from tests.behaviour.driver import NOW, Driver, Group, Msg, Person, Said
from tests.fakes.telegram_server import FakeTelegram, SentMessage, TgChat, TgUser
from tests.telegram.harness import RunningBot, press, settled

_ids = itertools.count(1001)


class TelegramDriver(Driver):
    platform = PLATFORM

    def __init__(self) -> None:
        self.fake = FakeTelegram()
        self._group_ids = itertools.count(-1001234567890, -1)

    async def start(self, db_path: Path) -> None:
        await self.fake.start()
        self.bot = RunningBot(self.fake, db_path, lambda: NOW)
        await self.bot.start()
        assert self.bot.coach is not None and self.bot.store is not None
        self.coach, self.store = self.bot.coach, self.bot.store

    async def stop(self) -> None:
        try:
            await self.bot.stop()
        finally:
            await self.fake.stop()
        self.fake.assert_spec_clean()

    def person(self, name: str) -> Person:
        user = self.fake.user(next(_ids), name)
        return Person(name, str(user.id), user)

    async def _said(
        self, who: Person, text: str, chat: TgChat | None, reply_to: SentMessage | None
    ) -> Said:
        before = len(self.fake.sent_to(chat or who.key))
        injected = self.fake.send(who.key, text, chat=chat, reply_to=reply_to)
        answers = await settled(self.fake, who.key, chat, before)
        return Said(str(injected.message_id), [_msg(m) for m in answers], injected)

    async def send(self, who: Person, text: str, *, group: Group | None = None) -> Said:
        return await self._said(who, text, _chat(group), None)

    async def reply(self, who: Person, to: Msg, text: str, *, group: Group | None = None) -> Said:
        return await self._said(who, text, _chat(group), to.raw)

    async def press(self, who: Person, message: Msg, label: str) -> list[Msg]:
        assert label in message.buttons, f"no button {label!r} on {message.buttons}"
        return [_msg(m) for m in await press(self.fake, who.key, message.raw, label)]

    async def edit(self, who: Person, said: Said, text: str) -> list[Msg]:
        chat = said.raw.chat if said.raw.chat.is_group else None
        before = len(self.fake.sent_to(chat or who.key))
        self.fake.edit(said.raw, text)
        return [_msg(m) for m in await settled(self.fake, who.key, chat, before)]

    async def send_nothing_readable(self, who: Person) -> list[Msg]:
        user: TgUser = who.key
        before = len(self.fake.sent_to(user))
        sticker = {
            "file_id": "sticker1",
            "file_unique_id": "s1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        message = {
            "message_id": 90_000 + user.id,
            "from": user.to_api(),
            "chat": self.fake.private_chat(user).to_api(),
            "date": int(time.time()),
            "sticker": sticker,
        }
        self.fake.inject({"message": message}, chat=self.fake.private_chat(user), message_id=None)
        return [_msg(m) for m in await settled(self.fake, user, None, before)]

    async def reply_to_unknown(self, who: Person, text: str) -> list[Msg]:
        # A message the bot sent before its database was replaced: Telegram still has it.
        chat = self.fake.private_chat(who.key)
        api = {
            "message_id": 80_000,
            "from": self.fake.bot.to_api(),
            "chat": chat.to_api(),
            "date": int(time.time()) - 86_400,
            "text": "An old session",
        }
        old = SentMessage(80_000, chat.id, "sendMessage", "An old session", "", api=api)
        return (await self._said(who, text, None, old)).answers

    def sent(self, who: Person) -> list[Msg]:
        return [_msg(m) for m in self.fake.sent_to(who.key)]

    async def group(self, admin: Person) -> Group:
        club = self.fake.group(next(self._group_ids), "Glute Club")
        self.fake.make_admin(club, admin.key)
        group = Group(str(club.id), club)
        said = await self.send(admin, "/community on 07:30 Europe/Berlin", group=group)
        assert any("Group session on" in m.text for m in said.answers), said.answers
        return group

    async def deliver(self, chat_id: str, out: Outbound) -> Msg:
        assert self.bot.adapter is not None
        message_id = await self.bot.adapter.send(chat_id, out)
        return _msg(self.fake.by_id(int(message_id)))


def _chat(group: Group | None) -> TgChat | None:
    return group.key if group is not None else None


def _msg(sent: SentMessage) -> Msg:
    # The bold first line, after a plain preface if there is one (a log leading the next prompt).
    bold = re.match(r"(?:[^<]*\n\n)?<b>([^<]*)</b>", sent.html)
    title = html.unescape(bold[1]).splitlines()[0] if bold else ""
    labels = tuple(label for row in sent.buttons for label, _ in row)
    reply_to = str(sent.reply_to) if sent.reply_to is not None else None
    return Msg(str(sent.message_id), title, sent.text, labels, reply_to, sent)
