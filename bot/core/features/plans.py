"""Plans and the messages that carry them: the plan cache, the session message, the group
session message and the one-exercise prompt, with the buttons they show.

A person's plan is planned once a day and stored, so it stays put all day; a settings change
(`Settings.plan_key`) plans afresh. Progression's targets come from the dose module. The
session feature sends these messages; the logging feature answers replies and presses on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from bot.core import dose, render
from bot.core.dispatch import ButtonData, Ctx
from bot.core.events import Button, MessageLink, Outbound
from bot.core.features.base import Services
from bot.core.library import Exercise, Library, Prescription
from bot.core.pictures import with_picture
from bot.core.planner import DayPlan, PlannedExercise, Target, plan_day, previous_training_day
from bot.core.ports import Channel, User
from bot.core.progression import SESSIONS_NEEDED
from bot.core.settings import Settings


class Plans:
    """Plans of people and channels, planned once and kept (the plan cache)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = services.store
        self.library = services.library

    async def for_user(self, user: User, day: date) -> DayPlan:
        """The stored plan of the day, or a fresh one when there is none or settings changed."""
        settings = user.settings
        stored = await self.store.get_plan(user.id, day)
        if stored is not None and stored[0] == settings.plan_key():
            return DayPlan.from_dict(stored[1])
        previous: tuple[str, ...] = ()
        prev_day = previous_training_day(settings, day)
        if prev_day is not None:
            prev_stored = await self.store.get_plan(user.id, prev_day)
            previous = (
                DayPlan.from_dict(prev_stored[1]).exercise_ids
                if prev_stored
                else plan_day(self.library, settings, prev_day).exercise_ids
            )
        # Plan once to learn the exercises, fetch their history in one query, plan with it.
        plan0 = plan_day(self.library, settings, day, previous)
        history = await self.store.recent_sets_by_exercise(
            user.id, plan0.exercise_ids, SESSIONS_NEEDED
        )

        def target(ex: Exercise, rx: Prescription) -> Target | None:
            nxt = dose.next_step(ex, self.library, settings, history.get(ex.id, []))
            return render.next_target(nxt, settings.units, self.library) if nxt else None

        plan = plan_day(self.library, settings, day, previous, targets=target)
        if plan.training:
            await self.store.save_plan(user.id, day, settings.plan_key(), plan.to_dict())
        return plan

    def for_channel(self, channel: Channel, day: date) -> DayPlan:
        prev_day = previous_training_day(channel.settings, day)
        previous = (
            plan_day(self.library, channel.settings, prev_day).exercise_ids if prev_day else ()
        )
        return plan_day(self.library, channel.settings, day, previous)

    async def of_link(self, ctx: Ctx, link: MessageLink) -> DayPlan:
        """The plan a session or exercise message was about."""
        day = link.plan_date or ctx.today
        if link.kind == "group_session":
            platform, chat = ctx.event.user.platform, ctx.event.chat_id
            channel = await self.store.get_channel(platform, chat)
            settings = channel.settings if channel else Settings()
            return self.for_channel(Channel(0, platform, chat, settings, True), day)
        return await self.for_user(ctx.user, day)

    def extra(self, exercise_id: str, level: str) -> PlannedExercise | None:
        """An exercise logged outside the day's plan, dosed as the planner would dose it."""
        ex = self.library.exercises.get(exercise_id)
        if ex is None:
            return None
        rx = dose.prescribed(ex, self.library, level)
        return PlannedExercise(
            ex.id, ex.name, "extra", rx.sets, rx.reps, rx.seconds, rx.per_side, rx.rest_seconds
        )

    def planned(self, plan: DayPlan, exercise_id: str, level: str) -> PlannedExercise | None:
        """How `exercise_id` is dosed on `plan`'s day: as planned, else as an extra."""
        return plan.find(exercise_id) or self.extra(exercise_id, level)


@dataclass(frozen=True, slots=True)
class PlanAction(ButtonData):
    """A button on a person's session message."""

    kind = "plan"
    action: Literal["step", "done", "skip", "log"]


@dataclass(frozen=True, slots=True)
class ExerciseAction(ButtonData):
    """A button on a one-exercise prompt."""

    kind = "ex"
    action: Literal["done", "skip", "log"]


@dataclass(frozen=True, slots=True)
class GroupAction(ButtonData):
    """A button on a group session message: each member logs for themselves."""

    kind = "grp"
    action: Literal["done", "skip", "log"]


def overview(plan: DayPlan, user: User, chat_id: str | None = None) -> Outbound:
    """A person's session message (or their rest day)."""
    title, text = render.plan_overview(plan, user.settings.units)
    if not plan.training:
        return Outbound(text, title=title, chat_id=chat_id, private=True)
    buttons = (
        (
            Button(render.LOG_STEP_BY_STEP, PlanAction("step").encode()),
            Button(render.ALL_DONE, PlanAction("done").encode()),
            Button(render.SKIP_TODAY, PlanAction("skip").encode()),
            Button(render.LOG_SETS, PlanAction("log").encode(), asks=render.ASK_SESSION),
        ),
    )
    return Outbound(
        text,
        title=title,
        buttons=buttons,
        link=MessageLink("session", plan_date=plan.day, owner=user.ref),
        private=True,
        chat_id=chat_id,
    )


def group_overview(plan: DayPlan, channel: Channel) -> Outbound:
    title, text = render.plan_overview(plan, channel.settings.units, group=True)
    return Outbound(
        text,
        title=render.group_title(title),
        buttons=(
            (
                Button(render.DONE, GroupAction("done").encode()),
                Button(render.SKIP, GroupAction("skip").encode()),
                Button(render.LOG_SETS, GroupAction("log").encode(), asks=render.ASK_SESSION),
            ),
        ),
        link=MessageLink("group_session", plan_date=plan.day),
        chat_id=channel.chat_id,
    )


def exercise_prompt(ctx: Ctx, plan: DayPlan, p: PlannedExercise, library: Library) -> Outbound:
    """One exercise of the step-by-step logging, with its drawing if it has one."""
    position = plan.exercise_ids.index(p.exercise_id) + 1 if p in plan.main else 1
    title, text = render.exercise_prompt(p, ctx.units, position, len(plan.main))
    prompt = Outbound(
        text,
        title=title,
        buttons=(
            (
                Button(render.DONE, ExerciseAction("done").encode()),
                Button(render.SKIP, ExerciseAction("skip").encode()),
                Button(render.LOG_SETS, ExerciseAction("log").encode(), asks=render.ASK_SETS),
            ),
        ),
        link=MessageLink("exercise", plan.day, p.exercise_id, owner=ctx.user.ref),
        private=True,
    )
    return with_picture(prompt, library.exercises.get(p.exercise_id))
