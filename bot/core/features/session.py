"""/today and the pushes: the daily session, the nudge and the group session."""

from __future__ import annotations

from datetime import date

from bot.core import render
from bot.core.dispatch import Ctx, command, say
from bot.core.events import Outbound, Reply
from bot.core.features.base import Feature, Services
from bot.core.features.plans import Plans, group_overview, overview
from bot.core.features.setup import OnboardingState
from bot.core.ports import Channel


class Session(Feature):
    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.plans = Plans(services)

    @command("today", "Today's posterior-chain session", bare=True, groups=True)
    async def today(self, ctx: Ctx, _: str) -> Reply:
        if ctx.in_group:
            channel = await self.store.get_channel(ctx.event.user.platform, ctx.event.chat_id)
            if channel is not None and channel.enabled:
                return self._group_today(channel)
        # "/today any time to skip setup": a reply to the session is a log, not a setup answer.
        await self.services.clear_state(ctx.user.id, OnboardingState)
        plan = await self.plans.for_user(ctx.user, ctx.today)
        return Reply([overview(plan, ctx.user, example=self.plans.example(plan))])

    def _group_today(self, channel: Channel) -> Reply:
        """/today in a group with the group session on: the group's session for the group's
        own date (its timezone, not the asker's), or its rest day and the next group day."""
        day = self.services.local_date(channel.settings)
        plan = self.plans.for_channel(channel, day)
        if plan.training:
            return Reply([group_overview(plan, channel)])
        at = channel.settings.reminder_time.strftime("%H:%M")
        title, text = render.group_rest_day(plan, at)
        return say(text, title=title)

    async def daily_session(self, user_id: int, day: date) -> list[Outbound]:
        user = await self.store.get_user(user_id)
        if user is None:
            return []
        plan = await self.plans.for_user(user, day)
        if not plan.training:
            return []
        return [overview(plan, user, chat_id=user.chat_id, example=self.plans.example(plan))]

    async def nudge(self, user_id: int, day: date) -> list[Outbound]:
        user = await self.store.get_user(user_id)
        if user is None or await self.store.sets_on(user.id, day):
            return []
        plan = await self.plans.for_user(user, day)
        if not plan.training:
            return []
        return [Outbound(render.nudge(plan), chat_id=user.chat_id)]

    async def group_session(self, channel: Channel, day: date) -> list[Outbound]:
        plan = self.plans.for_channel(channel, day)
        if not plan.training:
            return []
        return [group_overview(plan, channel, self.plans.example(plan))]
