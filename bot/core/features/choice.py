"""Choice: /swap, /avoid, /unavoid and the Swap button on exercise prompts.

A swap replaces the move the planner picks for a slot with another of the same pattern the
person has the kit and level for (`planner.alternatives`), for the rest of the training block
(stored per block, handed to the planner as `variations=`), so a swapped main lift stays the
main lift and can progress. Swapping again moves on to the next option and comes round to the
planned move; `/swap <name> back` returns at once. An avoided move is never scheduled
(`avoid=`); the planner fills its slot with the next option. /undo right after either puts it
back (the logging feature's /undo asks the store for the latest choice first).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from bot.core import render
from bot.core.dispatch import CommandArg, Ctx, command, on_button, say
from bot.core.events import Outbound, Reply
from bot.core.features.base import Feature, Services
from bot.core.features.plans import Plans, SwapAction, exercise_prompt, overview
from bot.core.library import Exercise
from bot.core.planner import DayPlan, PlannedExercise, alternatives, block_end, block_start
from bot.core.ports import Choices

BACK_WORDS = ("back", "undo", "reset")


@dataclass(frozen=True, slots=True)
class SwapResult:
    """What a swap did: `after` is None when nothing else fits."""

    original: Exercise  # the planner's pick for the slot
    before: Exercise  # what the person had
    after: Exercise | None
    until: date


def _named_back(rest: str) -> tuple[str, bool]:
    """("rdl", True) for "rdl back"."""
    words = rest.split()
    if len(words) > 1 and words[-1].lower() in BACK_WORDS:
        return " ".join(words[:-1]), True
    return rest, False


def _original(variations: Mapping[str, str], exercise_id: str) -> str:
    """The planner's pick that became `exercise_id` (through a swap or progression's
    variation), or itself."""
    if exercise_id in variations:
        return exercise_id
    return next((k for k, v in variations.items() if v == exercise_id), exercise_id)


def _moves(plan: DayPlan) -> tuple[PlannedExercise, ...]:
    return (*plan.warmup, *plan.main, *plan.cooldown)


def _ids(plan: DayPlan) -> list[str]:
    return [p.exercise_id for p in _moves(plan)]


class Choice(Feature):
    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.plans = Plans(services)

    # ------------------------------------------------------------------ /swap

    @command(
        "swap",
        "Swap an exercise for another of the same kind, for this block",
        CommandArg("exercise", "Which exercise, e.g. rdl (add back to undo)", True, "exercise"),
    )
    async def swap(self, ctx: Ctx, rest: str) -> Reply:
        if not rest:
            return say(render.SWAP_WHICH, private=True)
        name, back = _named_back(rest)
        today = await self.plans.for_user(ctx.user, ctx.today)
        week, variations = await self.plans.week_for_user(ctx.user, ctx.today)
        exercise = (await self.plans.resolve(ctx.user, name, today, *week.values())).exercise
        if exercise is None:
            return say(render.not_found(name, self.lookup.find(name).suggestions), private=True)
        if exercise.role != "main":
            return say(render.swap_main_only(exercise), private=True)
        if back:
            return await self._swap_back(ctx, today, exercise, variations)
        # The day that holds it (named as shown or as planned): today, else the week's first.
        original = _original(variations, exercise.id)
        shown = variations.get(original, original)
        plan = next((p for p in (today, *week.values()) if shown in p.exercise_ids), None)
        if plan is None:
            return say(render.not_planned(exercise), private=True)
        result = await self.swap_exercise(ctx, plan, exercise, variations)
        if result.after is None:
            return say(render.no_alternative(result.before), private=True)
        text = render.swapped(result.before, result.after, result.original, result.until)
        return await self._with_today(ctx, today, text)

    async def _swap_back(
        self, ctx: Ctx, plan: DayPlan, exercise: Exercise, variations: Mapping[str, str]
    ) -> Reply:
        start = block_start(self.library, ctx.user.settings, plan.day)
        choices = await self.store.get_choices(ctx.user.id, start)
        original = _original(variations, exercise.id)
        if original not in choices.swaps:
            return say(render.not_swapped(exercise), private=True)
        was = self.library.exercises.get(choices.swaps[original], exercise)
        await self.store.set_swap(ctx.user.id, start, original, None)
        text = render.swapped_back(self.library.exercises[original], was)
        return await self._with_today(ctx, plan, text)

    async def swap_exercise(
        self, ctx: Ctx, plan: DayPlan, exercise: Exercise, variations: Mapping[str, str]
    ) -> SwapResult:
        """Swap `exercise` (as planned, swapped or progressed: `variations` maps the planner's
        picks to what is shown) for the next option, for the block holding `plan.day`; the
        options come round to the planned move again."""
        settings, lib = ctx.user.settings, self.library.exercises
        start = block_start(self.library, settings, plan.day)
        choices = await self.store.get_choices(ctx.user.id, start)
        original = lib[_original(variations, exercise.id)]
        shown = lib.get(variations.get(original.id, original.id), original)
        swapped_to = choices.swaps.get(original.id, original.id)
        taken = {*plan.exercise_ids} - {shown.id}
        options = alternatives(self.library, settings, original, taken, choices.avoid)
        # A progression variation on show is not an option to swap to (a swapped-to move is
        # where the ring is now).
        progressed = shown.id if shown.id != swapped_to else None
        ring = [e for e in (original, *options) if e is original or e.id != progressed]
        until = block_end(self.library, settings, plan.day)
        at = next((i for i, e in enumerate(ring) if e.id == swapped_to), -1)
        after = ring[(at + 1) % len(ring)]
        if after.id == swapped_to:
            return SwapResult(original, shown, None, until)
        chosen = None if after is original else after.id
        await self.store.set_swap(ctx.user.id, start, original.id, chosen)
        return SwapResult(original, shown, after, until)

    @on_button(SwapAction)
    async def swap_button(self, ctx: Ctx, data: SwapAction) -> Reply:
        """Swap on a step-by-step prompt: swap that move, then prompt for its replacement."""
        day = ctx.today
        if ctx.event.reply_to:
            stored = await self.store.resolve_message(
                ctx.event.user.platform, ctx.event.chat_id, ctx.event.reply_to
            )
            if stored is not None and not ctx.may_answer(stored.link):
                reply = say(render.NOT_YOURS)
                reply.button_ack = render.ACK_NOT_YOURS
                return reply
            if stored is not None and stored.link.plan_date:
                day = stored.link.plan_date
        exercise = self.library.exercises.get(data.exercise_id)
        if exercise is None or exercise.role != "main":
            reply = say(render.STALE_BUTTON)
            reply.button_ack = render.ACK_STALE
            return reply
        plan = await self.plans.for_user(ctx.user, day)
        _, variations = await self.plans.week_for_user(ctx.user, day)
        result = await self.swap_exercise(ctx, plan, exercise, variations)
        if result.after is None:
            reply = say(render.no_alternative(exercise), private=True)
        else:
            text = render.swapped(result.before, result.after, result.original, result.until)
            fresh = await self.plans.for_user(ctx.user, day)
            planned = fresh.find(result.after.id)
            messages = [Outbound(text, private=True)]
            if planned is not None:
                messages.append(exercise_prompt(ctx, fresh, planned, self.library))
            reply = Reply(messages)
        reply.button_ack = render.ACK_SWAPPED
        return reply

    async def _with_today(self, ctx: Ctx, before: DayPlan, text: str) -> Reply:
        """`text`, then today's session again when the change reached it."""
        after = await self.plans.for_user(ctx.user, ctx.today)
        messages = [Outbound(text, private=True)]
        if after.training and _ids(after) != _ids(before):
            messages[0] = Outbound(f"{text} {render.today_changed()}", private=True)
            messages.append(overview(after, ctx.user, example=self.plans.example(after)))
        return Reply(messages)

    # ------------------------------------------------------------------ /avoid

    @command(
        "avoid",
        "Never schedule an exercise (an injury, a dislike); alone: what you avoid",
        CommandArg("exercise", "Which exercise, e.g. kb swing", False, "exercise"),
    )
    async def avoid(self, ctx: Ctx, rest: str) -> Reply:
        return await self.set_avoid(ctx, rest, True)

    @command(
        "unavoid",
        "Let an avoided exercise back into your plan",
        CommandArg("exercise", "Which exercise, e.g. kb swing", True, "exercise"),
    )
    async def unavoid(self, ctx: Ctx, rest: str) -> Reply:
        return await self.set_avoid(ctx, rest, False)

    async def set_avoid(self, ctx: Ctx, rest: str, avoided: bool) -> Reply:
        """/avoid, /unavoid and /settings avoid: one move off (or back on) the plan."""
        choices = await self.plans.choices(ctx.user, ctx.today)
        if not rest.strip():  # what is avoided, and how to bring one back
            return say(render.avoid_list(self.avoided_names(choices)), private=True)
        plan = await self.plans.for_user(ctx.user, ctx.today)
        exercise = (await self.plans.resolve(ctx.user, rest.strip(), plan)).exercise
        if exercise is None:
            return say(render.not_found(rest, self.lookup.find(rest).suggestions), private=True)
        if (exercise.id in choices.avoid) == avoided:
            text = render.already_avoided if avoided else render.not_avoided
            return say(text(exercise), private=True)
        await self.store.set_avoid(ctx.user.id, exercise.id, avoided)
        if not avoided:
            return await self._with_today(ctx, plan, render.unavoided(exercise))
        after = await self.plans.for_user(ctx.user, ctx.today)
        had = {p.exercise_id for p in _moves(plan)}
        fresh = [p.name for p in _moves(after) if p.exercise_id not in had]
        replaced_by = fresh if exercise.id in had else []
        return await self._with_today(ctx, plan, render.avoided(exercise, replaced_by))

    def avoided_names(self, choices: Choices) -> list[str]:
        names = (self.library.exercises.get(i) for i in sorted(choices.avoid))
        return sorted(e.name for e in names if e is not None)

    def swap_names(self, choices: Choices) -> list[tuple[str, str]]:
        lib = self.library.exercises
        return [
            (lib[a].name, lib[b].name)
            for a, b in sorted(choices.swaps.items())
            if a in lib and b in lib
        ]
