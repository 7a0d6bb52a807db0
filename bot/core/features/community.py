"""/community: a daily group session in a group chat or server channel (admins only).
The session message itself is built in plans.py and pushed by the session feature."""

from __future__ import annotations

from bot.core import onboarding, render
from bot.core.dispatch import CommandArg, Ctx, command, refuse, say
from bot.core.events import Reply
from bot.core.features.base import Feature
from bot.core.settings import Settings


class Community(Feature):
    @command(
        "community",
        "Group admins: daily group session here (on HH:MM [timezone] / off)",
        CommandArg("setting", "on 07:30 Europe/Berlin, or off", False),
        admin_only=True,
        groups=True,
    )
    async def community(self, ctx: Ctx, rest: str) -> Reply:
        platform, chat = ctx.event.user.platform, ctx.event.chat_id
        if not ctx.event.is_admin:
            return refuse(render.COMMUNITY_ADMINS_ONLY)
        words = rest.split()
        current = await self.store.get_channel(platform, chat)
        settings = current.settings if current else Settings(onboarded=True)
        if not words or words[0].lower() not in ("on", "off"):
            return say(render.community_status(bool(current and current.enabled)))
        if words[0].lower() == "off":
            await self.store.save_channel(platform, chat, settings, enabled=False)
            return say(render.COMMUNITY_OFF)
        try:
            if len(words) > 1:
                settings = onboarding.parse_time_and_zone(" ".join(words[1:]), settings)
        except onboarding.ZoneGuess as guess:
            # No yes/no round in a group: the answer names the zone, so an admin sees it.
            assert guess.settings is not None
            settings = guess.settings.with_(timezone=guess.zone)
        except onboarding.AnswerError as exc:
            return refuse(str(exc))
        await self.store.save_channel(platform, chat, settings, enabled=True)
        return say(render.community_on(settings))
