"""/settings (see or change one), /pause and /resume."""

from __future__ import annotations

from bot.core import onboarding, render
from bot.core.dispatch import Ctx, command, say
from bot.core.events import Reply
from bot.core.features.base import Feature

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
}


class SettingsFeature(Feature):
    @command("settings", "See or change your settings", bare=True)
    async def settings(self, ctx: Ctx, rest: str) -> Reply:
        if rest:
            return await self._change(ctx, rest)
        text = render.settings_text(ctx.user.settings, self.library)
        return say(text, title="Your settings", private=True)

    async def _change(self, ctx: Ctx, rest: str) -> Reply:
        key, _, value = rest.partition(" ")
        key, value = key.lower(), value.strip()
        step_id = SETTING_STEPS.get(key)
        if step_id is None or not value:
            return say(
                "Say which setting and the new value, e.g. /settings time 06:45 or "
                "/settings units lb. Send /settings to see them all."
            )
        try:
            new = onboarding.step(step_id).apply(value, ctx.user.settings, self.library)
        except onboarding.AnswerError as exc:
            return say(str(exc))
        await self.store.save_settings(ctx.user.id, new)
        return say(f"Done: {key} updated. " + render.settings_line(new))

    @command("pause", "Pause daily pushes")
    async def pause(self, ctx: Ctx, _: str) -> Reply:
        await self.store.save_settings(ctx.user.id, ctx.user.settings.with_(paused=True))
        return say("Paused: no pushes until you send /resume. /today still works.")

    @command("resume", "Resume daily pushes")
    async def resume(self, ctx: Ctx, _: str) -> Reply:
        await self.store.save_settings(ctx.user.id, ctx.user.settings.with_(paused=False))
        return say("Welcome back! " + render.settings_line(ctx.user.settings))
