"""/settings (see or change one), /pause and /resume."""

from __future__ import annotations

from bot.core import onboarding, render
from bot.core.dispatch import Ctx, command, refuse, say
from bot.core.events import Reply
from bot.core.features.base import Feature
from bot.core.features.setup import ask_zone

# The word typed after /settings -> the onboarding step that reads its value.
SETTING_STEPS = {
    "days": "days",
    "time": "time",
    "timezone": "timezone",
    "tz": "timezone",
    "units": "units",
    "unit": "units",
    "level": "level",
    "equipment": "equipment",
    "split": "split",
    "length": "length",
    "minutes": "length",
}


class SettingsFeature(Feature):
    @command("settings", "See or change your settings", bare=True)
    async def settings(self, ctx: Ctx, rest: str) -> Reply:
        if rest:
            return await self._change(ctx, rest)
        text = render.settings_text(ctx.user.settings, self.library)
        return say(text, title=render.SETTINGS_TITLE, private=True)

    async def _change(self, ctx: Ctx, rest: str) -> Reply:
        key, _, value = rest.partition(" ")
        key, value = key.lower(), value.strip()
        step_id = SETTING_STEPS.get(key)
        if step_id is None or not value:
            return say(render.SETTING_USAGE)
        try:
            new = onboarding.step(step_id).apply(value, ctx.user.settings, self.library)
        except onboarding.ZoneGuess as guess:
            if guess.settings is not None:  # "time 07:15 berlin": the time is clear
                await self.store.save_settings(ctx.user.id, guess.settings)
            return await ask_zone(self.services, ctx, guess.zone, "settings")
        except onboarding.AnswerError as exc:
            return refuse(str(exc))
        await self.store.save_settings(ctx.user.id, new)
        return say(render.setting_updated(key, new))

    @command("pause", "Pause daily pushes")
    async def pause(self, ctx: Ctx, _: str) -> Reply:
        await self.store.save_settings(ctx.user.id, ctx.user.settings.with_(paused=True))
        return say(render.PAUSED)

    @command("resume", "Resume daily pushes")
    async def resume(self, ctx: Ctx, _: str) -> Reply:
        await self.store.save_settings(ctx.user.id, ctx.user.settings.with_(paused=False))
        return say(render.resumed(ctx.user.settings))
