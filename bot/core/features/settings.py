"""/settings (see or change one), /pause and /resume."""

from __future__ import annotations

from bot.core import onboarding, render
from bot.core.dispatch import CommandArg, Ctx, command, refuse, say
from bot.core.events import Reply
from bot.core.features.base import Feature, Services
from bot.core.features.choice import Choice
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


LEVEL_CHOICES = tuple((label, level) for level, label in onboarding.LEVEL_LABELS.items())
EQUIPMENT_CHOICES = tuple((label, key) for key, (label, _) in onboarding.EQUIPMENT_PRESETS.items())
UNIT_CHOICES = (("Kilograms (kg)", "kg"), ("Pounds (lb)", "lb"))


# /settings avoid rdl: the choice feature's /avoid (and /unavoid).
AVOID_KEYS = {"avoid": True, "unavoid": False}


class SettingsFeature(Feature):
    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.choice = Choice(services)

    @command(
        "settings",
        "See or change your settings",
        CommandArg("level", "Your training level", choices=LEVEL_CHOICES),
        CommandArg("equipment", "What you can train with", choices=EQUIPMENT_CHOICES),
        CommandArg("split", "How your week is split", autocomplete="split"),
        CommandArg("days", "Training days, e.g. mon wed fri"),
        CommandArg("time", "When your session arrives, e.g. 06:45"),
        CommandArg("timezone", "Your city or timezone, e.g. Berlin", autocomplete="timezone"),
        CommandArg("units", "Kilograms or pounds", choices=UNIT_CHOICES),
        bare=True,
        keyed=True,
    )
    async def settings(self, ctx: Ctx, rest: str) -> Reply:
        if rest:
            return await self._change(ctx, rest)
        choices = await self.choice.plans.choices(ctx.user, ctx.today)
        text = render.settings_text(
            ctx.user.settings,
            self.library,
            render.choices_line(
                self.choice.avoided_names(choices), self.choice.swap_names(choices)
            ),
        )
        return say(text, title=render.SETTINGS_TITLE, private=True)

    async def _change(self, ctx: Ctx, rest: str) -> Reply:
        """One "key value" per line (a typed command is one line; Discord's options one each);
        all are read before any is saved, so a bad one changes nothing."""
        key, _, value = rest.strip().partition(" ")
        if key.lower() in AVOID_KEYS:
            return await self.choice.set_avoid(ctx, value.strip(), AVOID_KEYS[key.lower()])
        new = ctx.user.settings
        changed: list[str] = []
        zone_guess: str | None = None
        for line in rest.splitlines():
            key, _, value = line.strip().partition(" ")
            key, value = key.lower(), value.strip()
            step_id = SETTING_STEPS.get(key)
            if step_id is None or not value:
                return refuse(render.SETTING_USAGE)
            try:
                new = onboarding.step(step_id).apply(value, new, self.library)
                changed.append(step_id)
            except onboarding.ZoneGuess as guess:
                # "timezone berlin": asked first; whatever else was clear is saved meanwhile.
                new, zone_guess = guess.settings or new, guess.zone
            except onboarding.AnswerError as exc:
                return refuse(str(exc))
        await self.store.save_settings(ctx.user.id, new)
        if zone_guess is not None:
            return await ask_zone(self.services, ctx, zone_guess, "settings")
        return say(render.setting_updated(changed, new, self.library), private=True)

    @command("pause", "Pause daily pushes")
    async def pause(self, ctx: Ctx, _: str) -> Reply:
        await self.store.save_settings(ctx.user.id, ctx.user.settings.with_(paused=True))
        return say(render.PAUSED)

    @command("resume", "Resume daily pushes")
    async def resume(self, ctx: Ctx, _: str) -> Reply:
        await self.store.save_settings(ctx.user.id, ctx.user.settings.with_(paused=False))
        return say(render.resumed(ctx.user.settings))
