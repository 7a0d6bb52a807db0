"""The behaviour suite's driver for the console: ConsoleChat exactly as `backline console` runs
it, read back from what it prints."""

from __future__ import annotations

import io
import re
from pathlib import Path

from bot.adapters.console import PLATFORM, ConsoleChat
from bot.core.events import Outbound
from tests.behaviour.driver import (
    Driver,
    Group,
    Msg,
    NotOnThisPlatform,
    Person,
    Said,
    open_bot,
)

_HEADER = re.compile(r"^\[(\d+)\](?: (.*))?$")
_BUTTONS = re.compile(r"^    (\(.+\))$")


class ConsoleDriver(Driver):
    platform = PLATFORM

    def __init__(self) -> None:
        self._chats: dict[str, ConsoleChat] = {}
        self._outs: dict[str, io.StringIO] = {}

    async def start(self, db_path: Path) -> None:
        self.coach, self.store = await open_bot(db_path)

    async def stop(self) -> None:
        await self.store.close()

    def _chat(self, who: Person) -> ConsoleChat:
        if who.id not in self._chats:
            self._outs[who.id] = io.StringIO()
            # The one place the console adapter is built.
            self._chats[who.id] = ConsoleChat(self.coach, user=who.id, out=self._outs[who.id])
        return self._chats[who.id]

    def person(self, name: str) -> Person:
        who = Person(name, name.lower())
        self._chat(who)
        return who

    async def _type(self, who: Person, line: str) -> list[Msg]:
        before = len(self.sent(who))
        await self._chat(who).say(line)
        return self.sent(who)[before:]

    async def send(self, who: Person, text: str, *, group: Group | None = None) -> Said:
        if group is not None:
            raise NotOnThisPlatform("the console is one person's terminal: no groups")
        return Said("", await self._type(who, text))  # console lines have no ids

    async def reply(self, who: Person, to: Msg, text: str, *, group: Group | None = None) -> Said:
        return await self.send(who, f"reply {to.id}: {text}", group=group)

    async def press(self, who: Person, message: Msg, label: str) -> list[Msg]:
        assert label in message.buttons, f"no button {label!r} on {message.buttons}"
        return await self._type(who, f"press {message.id}: {label}")

    async def edit(self, who: Person, said: Said, text: str) -> list[Msg]:
        raise NotOnThisPlatform("a line typed into a terminal cannot be edited")

    async def send_nothing_readable(self, who: Person) -> list[Msg]:
        raise NotOnThisPlatform("a terminal line is text; an empty one is not a message")

    async def reply_to_unknown(self, who: Person, text: str) -> list[Msg]:
        return await self._type(who, f"reply 99999: {text}")

    def sent(self, who: Person) -> list[Msg]:
        return _parse(self._outs[who.id].getvalue())

    async def group(self, admin: Person) -> Group:
        raise NotOnThisPlatform("the console is one person's terminal: no groups")

    async def deliver(self, chat_id: str, out: Outbound) -> Msg:
        chat = self._chats[chat_id]
        await chat.send(chat_id, out)
        return _parse(self._outs[chat_id].getvalue())[-1]


def _parse(printed: str) -> list[Msg]:
    """Messages back from the terminal: a `[N] Title` header, the text, a line of (buttons)."""
    blocks: list[tuple[str, str, list[str]]] = []
    for line in printed.splitlines():
        if m := _HEADER.match(line):
            blocks.append((m[1], m[2] or "", []))
        elif blocks:
            blocks[-1][2].append(line)
    messages = []
    for message_id, title, lines in blocks:
        while lines and not lines[-1]:
            lines.pop()
        buttons: tuple[str, ...] = ()
        if lines and (m := _BUTTONS.match(lines[-1])):
            buttons = tuple(re.findall(r"\(([^)]*)\)", m[1]))
            lines.pop()
        text = "\n".join(([title] if title else []) + lines)
        messages.append(Msg(message_id, title, text, buttons))
    return messages
