"""Plans and the messages that carry them: the plan cache, the session message, the group
session message and the one-exercise prompt, with the buttons they show.

A person's plan is planned once a day and stored, so it stays put all day; a settings change
(`Settings.plan_key`) or a change of their swaps and avoids (`Choices.key`) plans afresh, dosed
from the history before that day so a re-plan keeps the morning's targets. Progression's
targets come from the dose module. The
session feature sends these messages; the logging feature answers replies and presses on them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from bot.core import dose, render
from bot.core.dispatch import ButtonData, Ctx
from bot.core.events import Button, MessageLink, Outbound
from bot.core.features.base import Services
from bot.core.library import Exercise, Library, Prescription
from bot.core.lookup import LookupResult, Preference
from bot.core.parser import LogParseError, parse_exercise_list
from bot.core.pictures import with_picture
from bot.core.planner import (
    DayPlan,
    PlannedExercise,
    Target,
    block_sets,
    block_start,
    plan_day,
    plan_week,
    previous_training_day,
    program_week,
    variations_in,
)
from bot.core.ports import Channel, Choices, SetLog, User
from bot.core.progression import SESSIONS_NEEDED, Reason, fits
from bot.core.settings import Settings

_READINGS_KEPT = 512  # weeks of name readings kept per Plans (a few KB each)


class Plans:
    """Plans of people and channels, planned once and kept (the plan cache)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = services.store
        self.library = services.library
        # (plan key, choices key, Monday) -> (the week's moves, what the kit and level allow):
        # pure functions of the key, kept so reading a name doesn't plan a week each time.
        self._readings: dict[tuple[str, str, date], tuple[tuple[str, ...], frozenset[str]]] = {}

    async def choices(self, user: User, day: date) -> Choices:
        """The person's swaps for the block holding `day`, and what they avoid."""
        start = block_start(self.library, user.settings, day)
        return await self.store.get_choices(user.id, start)

    async def for_user(self, user: User, day: date) -> DayPlan:
        """The stored plan of the day, or a fresh one when there is none or settings or
        choices changed."""
        settings = user.settings
        choices = await self.choices(user, day)
        key = f"{settings.plan_key()}|{choices.key()}"
        stored = await self.store.get_plan(user.id, day)
        if stored is not None and stored[0] == key:
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
        # Learn the week's moves (with the person's swaps and avoids), fetch the history of them
        # and their variations in one query, then plan with it: the variation progression
        # calls for, and its dose.
        lighter = await self.lighter_weeks(user, day)
        history, shown, variations = await self.variations(user, day, lighter, choices)

        def target(ex: Exercise, rx: Prescription) -> Target | None:
            # The history before the day: a re-plan later that day keeps the morning's doses.
            past = [s for s in history.get(ex.id, []) if s.plan_date < day]
            nxt = dose.next_step(
                ex, self.library, settings, past, rx.sets, lighter, day, shown.get(ex.id)
            )
            return render.next_target(nxt, settings.units, self.library) if nxt else None

        plan = plan_day(
            self.library,
            settings,
            day,
            previous,
            targets=target,
            variations=variations,
            avoid=choices.avoid,
            swapped=choices.swaps,
        )
        if plan.training:
            await self.store.save_plan(user.id, day, key, plan.to_dict())
        return plan

    async def variations(
        self,
        user: User,
        day: date,
        lighter: Mapping[date, Reason],
        choices: Choices | None = None,
    ) -> tuple[dict[str, list[SetLog]], dict[str, dict[date, int]], dict[str, str]]:
        """For the moves of `day`'s week (the planner plans a week as a whole): (their history
        and their variations', the sets their plans showed, what to do instead of each planner
        pick, for `plan_day(variations=...)`: the person's swap, then the variation progression
        calls for)."""
        choices = choices or await self.choices(user, day)
        week = plan_week(
            self.library, user.settings, day, variations=choices.swaps, avoid=choices.avoid
        )
        ids = dict.fromkeys(i for p in week.values() for i in p.exercise_ids)
        exercises = [self.library.exercises[i] for i in ids]
        family = sorted({i for ex in exercises for i in dose.family(ex, self.library)})
        history = await self.store.recent_sets_by_exercise(user.id, family, SESSIONS_NEEDED)
        shown = await self.shown_sets(user.id, history.values())
        settings, library = user.settings, self.library
        progressed = {
            ex.id: chosen.id
            for ex in exercises
            if (chosen := dose.variation_for(ex, history, settings, library, lighter, shown))
            is not ex
        }
        # Keyed by the planner's pick: a swapped move's variation replaces the pick itself.
        picked = {chosen: pick for pick, chosen in choices.swaps.items()}
        variations = dict(choices.swaps)
        for exercise_id, chosen_id in progressed.items():
            variations[picked.get(exercise_id, exercise_id)] = chosen_id
        return history, shown, variations

    async def block_sets(self, user: User, exercise_ids: list[str], after: date) -> dict[str, int]:
        """How many sets each main lift among `exercise_ids` starts from the next time it is
        planned after `after`, before progression (`planner.block_sets`). The variations in
        force are read off `after`'s stored plan (no history, no week planning), so this stays
        cheap enough to run on every log. Accessories are left out: their sets follow the time
        their session has."""
        choices = await self.choices(user, after)
        variations = dict(choices.swaps)
        stored = await self.store.get_plan(user.id, after)
        if stored is not None:
            plan = DayPlan.from_dict(stored[1])
            variations.update(
                variations_in(self.library, user.settings, plan, choices.swaps, choices.avoid)
            )
        return block_sets(
            self.library,
            user.settings,
            after,
            exercise_ids,
            variations=variations,
            avoid=choices.avoid,
            swapped=choices.swaps,
        )

    async def lighter_weeks(self, user: User, day: date) -> dict[date, Reason]:
        """The person's lighter weeks up to `day`'s (bot.core.dose.lighter_weeks)."""
        recent = await self.store.sets_between(user.id, *dose.lighter_window(day))
        since = dose.monday(day) - timedelta(weeks=dose.STALL_LOOKBACK_WEEKS)
        plans = await self._stored(user.id, [[s for s in recent if s.plan_date >= since]])
        shown = _shown(plans)
        # Weeks whose plans were lighter stay lighter, whatever changed in the settings since.
        known = {dose.monday(d) for d, plan in plans.items() if any(p.lighter for p in plan.main)}

        def week_index(monday: date) -> int:
            return program_week(user.settings, monday)

        return dose.lighter_weeks(
            self.library, user.settings, day, recent, week_index, shown=shown, known=known
        )

    async def shown_sets(
        self, user_id: int, logs: Iterable[Sequence[SetLog]]
    ) -> dict[str, dict[date, int]]:
        """How many sets each day's stored plan showed for each exercise, for the dates of
        `logs` (progression judges a session against what that day's plan asked for)."""
        return _shown(await self._stored(user_id, logs))

    async def _stored(self, user_id: int, logs: Iterable[Sequence[SetLog]]) -> dict[date, DayPlan]:
        """The stored plans of the dates of `logs`."""
        found: dict[date, DayPlan] = {}
        for day in sorted({s.plan_date for sets in logs for s in sets}):
            stored = await self.store.get_plan(user_id, day)
            if stored is not None:
                found[day] = DayPlan.from_dict(stored[1])
        return found

    def for_channel(self, channel: Channel, day: date) -> DayPlan:
        prev_day = previous_training_day(channel.settings, day)
        previous = (
            plan_day(self.library, channel.settings, prev_day).exercise_ids if prev_day else ()
        )
        return plan_day(self.library, channel.settings, day, previous)

    async def group_today(self, ctx: Ctx) -> DayPlan | None:
        """The group session of the group this was said in, for the group's own date, when
        the group has one on and today is one of its training days."""
        if not ctx.in_group:
            return None
        channel = await self.store.get_channel(ctx.event.user.platform, ctx.event.chat_id)
        if channel is None or not channel.enabled:
            return None
        plan = self.for_channel(channel, self.services.local_date(channel.settings))
        return plan if plan.training else None

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

    def named(self, name: str, *plans: DayPlan) -> Exercise | None:
        """The exercise `name` means, those plans' own exercises first (a confident match)."""
        prefer = [i for plan in plans for i in _move_ids(plan)]
        return self.services.lookup.find(name, prefer=prefer).exercise

    async def resolve(self, user: User, name: str, *plans: DayPlan) -> LookupResult:
        """What `name` means to this person: the moves of `plans` first (the session a reply
        is about, in order), then their week's, then what their kit and level allow, then the
        library's own aliases (bot.core.lookup), so "rdl" is the RDL they do."""
        prefer = [i for plan in plans for i in _move_ids(plan)]
        found = self.services.lookup.find(name, prefer=prefer)
        if found.exercise is not None and found.exercise.id in prefer:
            return found  # a move of the session: no week to plan
        preference = await self.preference(user, *plans)
        return self.services.lookup.find_for(name, preference)

    async def stored(self, user: User, day: date) -> list[DayPlan]:
        """`day`'s plan as stored (none planned yet: empty), without planning it."""
        stored = await self.store.get_plan(user.id, day)
        return [DayPlan.from_dict(stored[1])] if stored is not None else []

    async def preference(self, user: User, *plans: DayPlan) -> Preference:
        """How this person's words are read (`resolve`): `plans`' moves, the week's, their kit."""
        settings = user.settings
        day = plans[0].day if plans else self.services.local_date(settings)
        choices = await self.choices(user, day)
        key = (settings.plan_key(), choices.key(), dose.monday(day))
        known = self._readings.get(key)
        if known is None:
            week = plan_week(
                self.library, settings, day, variations=choices.swaps, avoid=choices.avoid
            )
            ids = tuple(i for when in sorted(week) for i in _move_ids(week[when]))
            lib = self.library.exercises
            fitting = (i for i, ex in lib.items() if fits(ex, settings.equipment, settings.level))
            known = (ids, frozenset(fitting))
            if len(self._readings) >= _READINGS_KEPT:  # a small cache: the oldest goes
                del self._readings[next(iter(self._readings))]
            self._readings[key] = known
        week_ids, allowed = known
        return Preference(tuple(i for plan in plans for i in _move_ids(plan)), (week_ids,), allowed)

    async def week_for_user(
        self, user: User, day: date
    ) -> tuple[dict[date, DayPlan], dict[str, str]]:
        """The training days of the week holding `day` as the person gets them (swaps, avoids,
        progression's variations; no doses: for finding where a move is), and what each planner
        pick became (`Plans.variations`)."""
        choices = await self.choices(user, day)
        lighter = await self.lighter_weeks(user, day)
        _, _, variations = await self.variations(user, day, lighter, choices)
        week = plan_week(
            self.library,
            user.settings,
            day,
            variations=variations,
            avoid=choices.avoid,
            swapped=choices.swaps,
        )
        return week, variations

    def example(self, plan: DayPlan) -> str:
        """A reply logging the session's first two exercises, in names that read back as
        those exercises (checked with the parser and `named`), e.g. "rdl 3x8, row 3x12"."""
        parts: list[str] = []
        ids: list[str] = []
        for p in plan.main[:2]:
            amount = _example_amount(p)
            ex = self.library.exercises.get(p.exercise_id)
            if amount is None or ex is None:
                continue
            for spelling in (p.name.split(" (")[0], p.name, *sorted(ex.aliases, key=len)):
                candidate = [*parts, f"{spelling.lower()} {amount}"]
                if self._reads_back(plan, ", ".join(candidate), [*ids, ex.id]):
                    parts, ids = candidate, [*ids, ex.id]
                    break
        return ", ".join(parts) or "done"

    def _reads_back(self, plan: DayPlan, text: str, ids: list[str]) -> bool:
        try:
            entries = parse_exercise_list(text)
        except LogParseError:
            return False
        found = [self.named(name, plan) for name, _ in entries]
        return [e.id if e else None for e in found] == ids


def _move_ids(plan: DayPlan) -> list[str]:
    """Every move of a plan, in the order it is done."""
    return [p.exercise_id for p in (*plan.warmup, *plan.main, *plan.cooldown)]


def _shown(plans: Mapping[date, DayPlan]) -> dict[str, dict[date, int]]:
    """How many sets each plan showed for each exercise, by exercise and date."""
    found: dict[str, dict[date, int]] = {}
    for day, plan in plans.items():
        for p in plan.main:
            found.setdefault(p.exercise_id, {})[day] = p.sets
    return found


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
class SwapAction(ButtonData):
    """The Swap button on a one-exercise prompt: another move of the same kind for the block
    (handled by the choice feature)."""

    kind = "swap"
    exercise_id: str


@dataclass(frozen=True, slots=True)
class GroupAction(ButtonData):
    """A button on a group session message: each member logs for themselves."""

    kind = "grp"
    action: Literal["done", "skip", "log"]


def _example_amount(p: PlannedExercise) -> str | None:
    if p.reps:
        return f"{p.sets}x{p.reps[0]}"
    if p.seconds:
        return f"{p.sets}x{p.seconds[0]}s"
    return None


def overview(
    plan: DayPlan, user: User, chat_id: str | None = None, example: str = "done"
) -> Outbound:
    """A person's session message (or their rest day); `example` is Plans.example(plan)."""
    title, text = render.plan_overview(plan, user.settings.units, example=example)
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


def group_overview(plan: DayPlan, channel: Channel, example: str = "done") -> Outbound:
    title, text = render.plan_overview(plan, channel.settings.units, group=True, example=example)
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
                Button(render.SWAP, SwapAction(p.exercise_id).encode()),
                Button(render.LOG_SETS, ExerciseAction("log").encode(), asks=render.ASK_SETS),
            ),
        ),
        link=MessageLink("exercise", plan.day, p.exercise_id, owner=ctx.user.ref),
        private=True,
    )
    return with_picture(prompt, library.exercises.get(p.exercise_id))
