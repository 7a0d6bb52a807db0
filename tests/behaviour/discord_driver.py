"""The behaviour suite's driver for Discord: the real discord.py client (started by
tests/discord/discord_harness.py) over the fake HTTP API and gateway on 127.0.0.1. Commands
go in as slash commands, the way people use them; everything else as messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord_events import PLATFORM
from bot.core.commands import COMMANDS
from bot.core.events import Outbound
from tests.behaviour.driver import Driver, Group, Msg, Person, Said, open_bot
from tests.discord.discord_harness import ADMIN, TOKEN, Running, load_spec, start_adapter
from tests.fakes import discord_payloads as P
from tests.fakes.discord_server import FakeDiscord

_SLASH = {c.name: c for c in COMMANDS}


class DiscordDriver(Driver):
    platform = PLATFORM
    forms = True

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.fake = FakeDiscord(load_spec(), TOKEN)
        self._monkeypatch = monkeypatch
        self._admins: set[str] = set()
        self.guild = self.fake.add_guild("Posterior Chain Club", ("training",))

    async def start(self, db_path: Path) -> None:
        await self.fake.start()
        self.fake.patch_discord(self._monkeypatch)
        self.coach, self.store = await open_bot(db_path)
        self.bot: Running = await start_adapter(self.fake, self.coach)

    async def stop(self) -> None:
        try:
            await self.bot.shutdown()
            await self.store.close()
        finally:
            await self.fake.stop()
        self.fake.assert_spec_clean()

    def person(self, name: str) -> Person:
        who = P.user(name)
        return Person(name, who["id"], who)

    def _channel(self, who: Person, group: Group | None) -> str:
        return group.chat_id if group is not None else self.fake.dm_channel_for(who.key)["id"]

    async def _answers(self, mark: int, channel_id: str, interaction: Any = None) -> list[Msg]:
        if interaction is not None:
            await self.fake.answers_to(interaction)  # acknowledged; the rest follows
        await self.bot.settle()
        return [_msg(m) for m in self.fake.sent_since(mark, channel_id)]

    async def send(self, who: Person, text: str, *, group: Group | None = None) -> Said:
        mark, guild = self.fake.mark(), self.guild if group is not None else None
        name, _, rest = text.removeprefix("/").partition(" ")
        command = _SLASH.get(name.lower()) if text.startswith("/") else None
        if command is None:  # plain text, or a command Discord has no slash command for
            said = await self.fake.user_message(who.key, text, guild=guild)
            answers = await self._answers(mark, self._channel(who, group))
            return Said(said["id"], answers, said)
        rights = ADMIN if who.id in self._admins else P.MEMBER_PERMISSIONS
        options = _options(command.args, rest)
        inter = await self.fake.slash(
            who.key, command.name, options, guild=guild, permissions=rights
        )
        return Said(inter["id"], await self._answers(mark, self._channel(who, group), inter), inter)

    async def reply(self, who: Person, to: Msg, text: str, *, group: Group | None = None) -> Said:
        mark, guild = self.fake.mark(), self.guild if group is not None else None
        said = await self.fake.user_message(who.key, text, guild=guild, reply_to=to.raw)
        return Said(said["id"], await self._answers(mark, self._channel(who, group)), said)

    async def press(self, who: Person, message: Msg, label: str) -> list[Msg]:
        assert label in message.buttons, f"no button {label!r} on {message.buttons}"
        guild = self.guild if message.raw.get("guild_id") else None
        mark = self.fake.mark()
        components = [c for row in message.raw["components"] for c in row["components"]]
        menu = next((c for c in components if c["type"] == 3), None)
        if menu is not None:  # a select menu: choose the option with that label
            value = next(o["value"] for o in menu["options"] if o["label"] == label)
            chosen = {"custom_id": menu["custom_id"], "component_type": 3, "values": [value]}
            inter = await self.fake.interact(3, chosen, who.key, guild=guild, message=message.raw)
            return await self._answers(mark, message.raw["channel_id"], inter)
        custom_id = next(c["custom_id"] for c in components if c.get("label") == label)
        inter = await self.fake.press(who.key, message.raw, custom_id, guild=guild)
        return await self._answers(mark, message.raw["channel_id"], inter)

    async def edit(self, who: Person, said: Said, text: str) -> list[Msg]:
        mark = self.fake.mark()
        await self.fake.edit_user_message(said.raw, text)
        return await self._answers(mark, said.raw["channel_id"])

    async def send_nothing_readable(self, who: Person) -> list[Msg]:
        mark = self.fake.mark()
        photo = P.attachment("workout.jpg")
        await self.fake.user_message(who.key, "", attachments=[photo])
        return await self._answers(mark, self._channel(who, None))

    async def reply_to_unknown(self, who: Person, text: str) -> list[Msg]:
        # A message the bot sent before its database was replaced: Discord still has it.
        dm = self.fake.dm_channel_for(who.key)["id"]
        old = P.message(channel_id=dm, author=self.fake.bot_user, content="An old session")
        self.fake.messages[old["id"]] = old
        mark = self.fake.mark()
        await self.fake.user_message(who.key, text, reply_to=old)
        return await self._answers(mark, dm)

    def sent(self, who: Person) -> list[Msg]:
        return [_msg(m) for m in self.fake.sent_messages(self._channel(who, None))]

    async def group(self, admin: Person) -> Group:
        self._admins.add(admin.id)
        group = Group(self.guild.channel["id"], self.guild)
        said = await self.send(admin, "/community on 07:30 Europe/Berlin", group=group)
        assert any("Group session on" in m.text for m in said.answers), said.answers
        return group

    async def deliver(self, chat_id: str, out: Outbound) -> Msg:
        message_id = await self.bot.adapter.sender.send(chat_id, out)
        await self.bot.settle()
        return _msg(self.fake.messages[message_id])


def _options(args: tuple[Any, ...], rest: str) -> dict[str, str]:
    """Typed words as slash options: one word each, the last option takes the rest."""
    words = rest.split()
    options: dict[str, str] = {}
    for i, arg in enumerate(args):
        value = " ".join(words[i:]) if i == len(args) - 1 else (words[i] if i < len(words) else "")
        if value:
            options[arg.name] = value
    return options


def _msg(raw: dict[str, Any]) -> Msg:
    embeds = raw.get("embeds") or []
    title = (embeds[0].get("title") or "") if embeds else ""
    # A select menu's options read like buttons (the same choice, shown as a menu).
    labels = tuple(
        label
        for row in raw.get("components") or []
        for c in row["components"]
        for label in (
            [o["label"] for o in c["options"]] if c["type"] == 3 else [c.get("label") or ""]
        )
    )
    reply_to = (raw.get("message_reference") or {}).get("message_id")
    return Msg(raw["id"], title, P.visible_text(raw), labels, reply_to, raw)
