"""/help: built from the declared commands, so it lists exactly what the bot understands."""

from __future__ import annotations

from bot.core import render
from bot.core.dispatch import Ctx, command, say
from bot.core.events import Reply
from bot.core.features.base import Feature, Services


class Help(Feature):
    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.commands = services.commands

    @command("help", "What Backline can do", bare=True, groups=True)
    async def help(self, ctx: Ctx, _: str) -> Reply:
        return say(render.help_text(self.commands), title=render.HELP_TITLE)
