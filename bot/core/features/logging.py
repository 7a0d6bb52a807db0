"""Logging what was done: replies to session and exercise messages, /log, "done" and "skip",
the step-by-step prompts, edited replies, /undo and bare sets typed in a private chat.

One reply is one batch in the store, so /undo takes back the whole reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from bot.core import dose, render
from bot.core.dispatch import (
    ButtonData,
    CommandArg,
    Ctx,
    State,
    command,
    on_button,
    on_link,
    on_state,
    refuse,
    say,
)
from bot.core.events import Button, MessageLink, Outbound, Reply
from bot.core.features.base import Feature, Services
from bot.core.features.exercises import Exercises, howto_question
from bot.core.features.plans import ExerciseAction, GroupAction, PlanAction, Plans, exercise_prompt
from bot.core.features.progress import NextTimes
from bot.core.features.rest import rest_button
from bot.core.lookup import exercise_name
from bot.core.parser import (
    LogParseError,
    NotALog,
    ParsedLog,
    Reading,
    format_log,
    parse_exercise_list,
    parse_log,
    read_log,
)
from bot.core.parser_words import PAIN
from bot.core.planner import DayPlan, PlannedExercise
from bot.core.ports import NewSet, SetLog

START_WORDS = ("start", "log", "go", "step", "step by step")
STOP_WORDS = ("stop", "cancel", "later")
YES_WORDS = ("yes", "y", "yep", "yeah", "yup", "sure", "ok", "okay", "correct", "right", "👍")
# With "skip" or "done" while logging step by step, these mean the rest of the day's plan.
DAY_WORDS = frozenset({"today", "rest", "all", "everything", "session", "workout", "day"})
NO_WORDS = ("no", "n", "nope", "nah", "wrong", "cancel", "👎")


@dataclass(frozen=True, slots=True)
class LoggingState(State):
    """Step-by-step logging of one day's plan: typed sets belong to its next exercise."""

    kind = "logging"
    date: date


@dataclass(frozen=True, slots=True)
class ConfirmState(State):
    """A reply that might be a log ("did 2"): it waits for a Yes before anything is stored.

    `reply` is the reading as a reply that reads back the same ("2", "12@16kg rpe 8", "done");
    no `exercise_id` means the whole day's plan ("done" or "skip" for what is left)."""

    kind = "confirm"
    date: date
    reply: str
    advance: Literal["yes", "no"]  # step-by-step logging goes on after it
    exercise_id: str | None = None
    source: str | None = None  # the person's message, so /undo and edits find the log


@dataclass(frozen=True, slots=True)
class ConfirmAnswer(ButtonData):
    """Yes / No under an ask-back question."""

    kind = "cf"
    answer: Literal["yes", "no"]


@dataclass(frozen=True, slots=True)
class UndoLog(ButtonData):
    """Undo under a log the bot filled in itself ("/log rdl": as prescribed): it takes back
    that log (`source`), not whatever was logged last."""

    kind = "ul"
    source: str


@dataclass(frozen=True, slots=True)
class ReplaceEarlier(ButtonData):
    """Under a log made from an older prompt: its sets (`source`) replace the exercise's
    earlier sets that day instead of adding to them."""

    kind = "re"
    source: str


class Logging(Feature):
    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.plans = Plans(services)
        self.next_times = NextTimes(services)
        self.exercises = Exercises(services)

    # ------------------------------------------------------------------ commands

    @command(
        "log",
        "Log sets without replying, e.g. /log rdl 3x10 @ 40kg",
        CommandArg("exercise", "Which exercise", True, "exercise"),
        CommandArg("sets", "What you did, e.g. 12 10 10 or 3x12 @ 16kg", True),
        groups=True,
    )
    async def log(self, ctx: Ctx, rest: str) -> Reply:
        if not rest:
            return say(render.LOG_WHAT)
        # In a group with a group session today, /log is about that session.
        plan = await self.plans.group_today(ctx) or await self.plans.for_user(ctx.user, ctx.today)
        # Its own source: an edited "/log ..." is not re-read as a reply, but Undo finds it.
        # A slash command has no message of its own (Discord's): the event names it then.
        e = ctx.event
        said = ctx.source or (f"{e.user.platform}:{e.chat_id}:{e.event_id}" if e.event_id else None)
        source = f"{said}/log" if said else None
        return await self._log_list(ctx, plan, rest, source)

    @on_button(UndoLog)
    async def undo_button(self, ctx: Ctx, data: UndoLog) -> Reply:
        removed, _ = await self.store.replace_sets_from_source(ctx.user.id, data.source, [])
        reply = say(
            render.undone(removed, self.services.library, ctx.units)
            if removed
            else render.ALREADY_UNDONE,
            private=ctx.private_here,
        )
        reply.button_ack = render.ACK_UNDONE if removed else render.ACK_STALE
        return reply

    @command("undo", "Take back your last log, swap or avoid", bare=True)
    async def undo(self, ctx: Ctx, _: str) -> Reply:
        # A swap or avoid made after the last log is the newest thing to take back.
        choice = await self.store.undo_choice(ctx.user.id)
        if choice is not None:
            return say(render.choice_undone(choice, self.services.library), private=True)
        removed = await self.store.delete_last_batch(ctx.user.id)
        if not removed:
            return say(render.NOTHING_TO_UNDO)
        return say(render.undone(removed, self.services.library, ctx.units))

    # ------------------------------------------------------------------ replies and buttons

    @on_link("session", "group_session", "exercise", "howto")
    async def reply(self, ctx: Ctx, link: MessageLink, text: str) -> Reply | None:
        level = ctx.user.settings.level
        if link.kind in ("session", "group_session"):
            plan = await self.plans.of_link(ctx, link)
            howto = await self._asked_howto(ctx, plan, text)
            if howto is not None:
                return howto
            return await self._reply_to_plan(ctx, plan, text, group=link.kind == "group_session")
        if link.kind == "exercise" and link.exercise_id:
            plan = await self.plans.of_link(ctx, link)
            planned = self.plans.planned(plan, link.exercise_id, level)
            if planned is None:
                return say(render.EXERCISE_GONE)
            return await self._log_one(ctx, plan, planned, text, advance=True, aimed=True)
        if link.kind == "howto" and link.exercise_id:
            plan = await self.plans.for_user(ctx.user, ctx.today)
            planned = self.plans.planned(plan, link.exercise_id, level)
            if planned is not None:
                return await self._log_one(ctx, plan, planned, text, advance=False)
        return None

    @on_button(PlanAction)
    async def plan_button(self, ctx: Ctx, data: PlanAction) -> Reply:
        text = "start" if data.action == "step" else data.action
        return await self._press(ctx, text, data.action)

    @on_button(ExerciseAction)
    async def exercise_button(self, ctx: Ctx, data: ExerciseAction) -> Reply:
        return await self._press(ctx, data.action, data.action)

    @on_button(GroupAction)
    async def group_button(self, ctx: Ctx, data: GroupAction) -> Reply:
        return await self._press(ctx, data.action, data.action)

    async def _press(self, ctx: Ctx, text: str, action: str) -> Reply:
        """A button on a session or exercise message works like replying `text` to it; the
        Log button's form (`Button.asks`) brings what was typed into it."""
        ack = render.BUTTON_ACKS[action]
        if action == "log":
            text = ctx.event.text.strip()
            if not text:
                return refuse(render.LOG_WHAT)
        if not ctx.event.reply_to:
            return say(render.HELP_SHORT)
        stored = await self.store.resolve_message(
            ctx.event.user.platform, ctx.event.chat_id, ctx.event.reply_to
        )
        if stored is None:
            return refuse(render.BUTTON_MESSAGE_GONE)
        if not ctx.may_answer(stored.link):
            reply = refuse(render.NOT_YOURS)
        else:
            reply = await self.reply(ctx, stored.link, text) or say(render.HELP_SHORT)
        reply.button_ack = ack
        return reply

    @on_state(LoggingState)
    async def next_exercise(self, ctx: Ctx, state: LoggingState, text: str) -> Reply:
        """Typed text during step-by-step logging: the next exercise's sets (or "stop")."""
        plan = await self.plans.for_user(ctx.user, state.date)
        pending = await self._unlogged(ctx, plan)
        if not pending:
            await self.services.save_state(ctx.user.id, None)
            return await self.free_text(ctx, text)
        if text.lower().strip("!. ") in STOP_WORDS:
            await self.services.save_state(ctx.user.id, None)
            return say(render.LOGGING_PAUSED)
        return await self._log_one(ctx, plan, pending[0], text, advance=True)

    async def free_text(self, ctx: Ctx, text: str) -> Reply:
        """Text that is not a command, reply or answer: try it as a log for today, else help."""
        plan = await self.plans.for_user(ctx.user, ctx.today)
        if await self._names_exercises(plan, ctx, text):  # on a rest day: extra work
            return await self._log_list(ctx, plan, text, ctx.source)
        if plan.training and _reads_as_sets(text):
            # Bare numbers in a private chat answer "Next up": today's first unlogged exercise.
            pending = await self._unlogged(ctx, plan)
            if pending:
                return await self._log_one(ctx, plan, pending[0], text, advance=True)
            if not _lists_several(text):  # all logged: which move was that?
                return say(render.SESSION_LOGGED_NAME_IT)
        if plan.training and _lists_several(text):
            return await self._log_list(ctx, plan, text, ctx.source)
        if not plan.training and (_reads_as_sets(text) or _done_or_skip(text)):
            return say(render.REST_DAY_LOG_TODAY)  # "12 10 10" on a rest day: which move?
        howto = await self._asked_howto(ctx, plan, text)
        if howto is not None:
            return howto
        pain = _pain_answer(text)
        return say(pain or render.NOT_UNDERSTOOD)

    async def _asked_howto(self, ctx: Ctx, plan: DayPlan, text: str) -> Reply | None:
        """ "how do I do an rdl?": the how-to of that move, when the words name one."""
        asked = howto_question(text)
        if asked is None or (await self.plans.resolve(ctx.user, asked, plan)).exercise is None:
            return None
        howto: Reply = await self.exercises.howto(ctx, asked)
        return howto

    async def edited(self, ctx: Ctx) -> Reply:
        """An edited reply re-logs what that message logged; other edits are ignored."""
        source = ctx.source
        old = await self.store.sets_from_source(ctx.user.id, source) if source else []
        if source is None or not old:
            return Reply()
        day = old[0].plan_date
        plan = await self.plans.for_user(ctx.user, day)
        exercise_ids = list(dict.fromkeys(s.exercise_id for s in old))
        level = ctx.user.settings.level
        entries: list[tuple[PlannedExercise | None, ParsedLog]]
        try:
            if len(exercise_ids) == 1:
                planned = self.plans.planned(plan, exercise_ids[0], level)
                entries = [(planned, parse_log(ctx.event.text))] if planned else []
            else:
                entries = [
                    (await self._match_planned(plan, ctx, name), parsed)
                    for name, parsed in parse_exercise_list(ctx.event.text)
                ]
        except LogParseError as exc:
            return refuse(exc.message + render.EDIT_KEPT)
        known = [(p, parsed) for p, parsed in entries if p is not None]
        if not entries or len(known) != len(entries):
            return say(render.EDIT_UNREADABLE)
        dosed = await self.next_times.as_prescribed(ctx.user, [p for p, _ in known], day)
        sets = [
            s
            for p, (_, parsed) in zip(dosed, known, strict=True)
            for s in dose.to_sets(p, parsed, ctx.units)
        ]
        old_sets, _ = await self.store.replace_sets_from_source(ctx.user.id, source, sets)
        return say(render.edited(", ".join(p.name for p, _ in known), sets, old_sets, ctx.units))

    # ------------------------------------------------------------------ asking back

    async def _ask(
        self,
        ctx: Ctx,
        plan: DayPlan,
        reading: Reading,
        advance: bool,
        planned: PlannedExercise | None = None,
    ) -> Reply:
        """An unsure reading: ask "Log 2 reps of Glute bridge?" with Yes / No, store nothing."""
        state = ConfirmState(
            plan.day,
            _as_reply(reading.log),
            "yes" if advance else "no",
            planned.exercise_id if planned else None,
            ctx.source,
        )
        await self.services.save_state(ctx.user.id, state)
        buttons = (
            (
                Button(render.YES_LOG_IT, ConfirmAnswer("yes").encode()),
                Button(render.NO, ConfirmAnswer("no").encode()),
            ),
        )
        question = render.confirm_log(planned.name if planned else None, reading.log)
        return Reply([Outbound(question, buttons=buttons, private=ctx.private_here)])

    @on_button(ConfirmAnswer)
    async def confirm_button(self, ctx: Ctx, data: ConfirmAnswer) -> Reply:
        state = await self.services.load_state(ctx.user.id, ConfirmState)
        if state is None:
            reply = say(render.CONFIRM_EXPIRED)
            reply.button_ack = render.ACK_STALE
            return reply
        reply = await self._answer(ctx, state, data.answer == "yes")
        reply.button_ack = render.ACK_LOGGED if data.answer == "yes" else render.ACK_NOT_LOGGED
        return reply

    @on_state(ConfirmState)
    async def confirm_typed(self, ctx: Ctx, state: ConfirmState, text: str) -> Reply:
        """Typed "yes" / "no" answers the question; anything else is read as a new reply."""
        word = text.lower().strip("!. ")
        if word in YES_WORDS or word in NO_WORDS:
            return await self._answer(ctx, state, word in YES_WORDS)
        await self.services.save_state(ctx.user.id, None)
        plan = await self.plans.for_user(ctx.user, state.date)
        planned = self._confirmed_exercise(ctx, plan, state)
        if planned is not None:
            return await self._log_one(ctx, plan, planned, text, advance=state.advance == "yes")
        return await self._reply_to_plan(ctx, plan, text, group=False)

    async def _answer(self, ctx: Ctx, state: ConfirmState, yes: bool) -> Reply:
        plan = await self.plans.for_user(ctx.user, state.date)
        steps = state.advance == "yes"
        await self.services.save_state(ctx.user.id, LoggingState(plan.day) if steps else None)
        if not yes:
            return say(render.NOT_LOGGED, private=ctx.private_here)
        try:
            log = read_log(state.reply).log  # written by _as_reply, so it reads back
        except LogParseError:
            return say(render.CONFIRM_EXPIRED)
        if state.exercise_id is None:
            return await self._log_whole_plan(ctx, plan, log, state.source)
        planned = self._confirmed_exercise(ctx, plan, state)
        if planned is None:
            return say(render.EXERCISE_GONE)
        return await self._store_one(ctx, plan, planned, log, state.source, steps)

    def _confirmed_exercise(
        self, ctx: Ctx, plan: DayPlan, state: ConfirmState
    ) -> PlannedExercise | None:
        if state.exercise_id is None:
            return None
        return self.plans.planned(plan, state.exercise_id, ctx.user.settings.level)

    # ------------------------------------------------------------------ the rules

    async def _reply_to_plan(self, ctx: Ctx, plan: DayPlan, text: str, group: bool) -> Reply:
        if not plan.training:
            if await self._names_exercises(plan, ctx, text):
                return await self._log_list(ctx, plan, text, ctx.source)
            return say(render.REST_DAY_LOG)
        if not group and text.lower().strip("!. ") in START_WORDS:
            return await self._start_steps(ctx, plan)
        try:
            whole, error = read_log(text), None
        except LogParseError as exc:
            whole, error = None, exc
        if whole is not None and whole.log.kind in ("done", "skip"):
            if whole.needs_confirmation:
                return await self._ask(ctx, plan, whole, advance=False)
            return await self._log_whole_plan(ctx, plan, whole.log, ctx.source)
        if await self._names_exercises(plan, ctx, text):
            return await self._log_list(ctx, plan, text, ctx.source)
        if whole is not None:
            # Bare sets on the overview: they belong to the first exercise not yet logged.
            pending = await self._unlogged(ctx, plan)
            if not pending:
                return say(render.DAY_LOGGED_FIX)
            return await self._log_one(ctx, plan, pending[0], text, advance=not group)
        if _lists_several(text):  # a list with a name I don't know: say which, log nothing
            return await self._log_list(ctx, plan, text, ctx.source)
        if isinstance(error, NotALog):  # conversation, not a log: no list hint
            return say(error.message)
        return say((error.message if error else "") + render.NAME_THEM)

    async def _names_exercises(self, plan: DayPlan, ctx: Ctx, text: str) -> bool:
        """True when `text` reads as a list of named exercises that we recognise."""
        try:
            entries = parse_exercise_list(text)
        except LogParseError:
            return False
        for name, _ in entries:
            if await self._match_planned(plan, ctx, name) is None:
                return False
        return bool(entries)

    async def _match_planned(self, plan: DayPlan, ctx: Ctx, name: str) -> PlannedExercise | None:
        """The planned exercise `name` means to this person (`Plans.resolve`), or an extra
        one; only confident matches count."""
        found = (await self.plans.resolve(ctx.user, name, plan)).exercise
        if found is None:
            return None
        return self.plans.planned(plan, found.id, ctx.user.settings.level)

    def _loaded(self, planned: PlannedExercise) -> bool:
        ex = self.library.exercises.get(planned.exercise_id)
        return ex is not None and ex.loaded

    def _weightless(self, logged: list[tuple[PlannedExercise, list[NewSet]]]) -> list[str]:
        """The loaded moves among `logged` stored without a weight (none was typed and none
        is known yet), so Next time can't say when to go up."""
        names = []
        for p, sets in logged:
            done = [s for s in sets if not s.skipped]
            if self._loaded(p) and done and all(s.load_kg is None for s in done):
                names.append(p.name)
        return names

    async def _unlogged(self, ctx: Ctx, plan: DayPlan) -> list[PlannedExercise]:
        logged = await self.store.exercises_logged_on(ctx.user.id, plan.day)
        return [p for p in plan.main if p.exercise_id not in logged]

    async def _log_one(
        self,
        ctx: Ctx,
        plan: DayPlan,
        planned: PlannedExercise,
        text: str,
        advance: bool,
        aimed: bool = False,
    ) -> Reply:
        """`aimed`: a reply to this exercise's own message (not the next one in line)."""
        if text.lstrip().startswith("*"):  # "*12 12 10": chat shorthand for a correction
            text = "actually " + text.lstrip()[1:]
        try:
            reading = read_log(text)
        except LogParseError as exc:
            return refuse(exc.message)
        if reading.log.kind == "sets" and not reading.needs_confirmation:
            again = await self._logged_again(ctx, plan, planned, reading, text)
            if again is not None:
                return again
        if advance and _for_the_day(reading, text):
            # "skip today, sick" while logging step by step: what is left of the day, not
            # only this exercise.
            if reading.needs_confirmation:
                return await self._ask(ctx, plan, reading, advance=False)
            return await self._log_whole_plan(ctx, plan, reading.log, ctx.source)
        if reading.needs_confirmation:
            return await self._ask(ctx, plan, reading, advance, planned)
        earlier = await self._logged_earlier(ctx, plan, planned) if aimed else []
        reply = await self._store_one(ctx, plan, planned, reading.log, ctx.source, advance)
        if earlier and ctx.source and reading.log.kind == "sets" and reply.messages:
            # Logged again from an older prompt: more sets, or a fix? Stored as more sets (so
            # nothing is lost), and one tap makes it a fix.
            first = reply.messages[0]
            note = render.added_to_earlier(planned.name, earlier, ctx.units)
            button = Button(render.REPLACE_EARLIER, ReplaceEarlier(ctx.source).encode())
            if first.preface:
                first = replace(first, preface=first.preface + note)
            else:
                first = replace(first, text=first.text + note)
            reply.messages[0] = replace(first, buttons=((button,), *first.buttons))
        return reply

    async def _logged_earlier(
        self, ctx: Ctx, plan: DayPlan, planned: PlannedExercise
    ) -> list[SetLog]:
        today = await self.store.sets_on(ctx.user.id, plan.day)
        return [s for s in today if s.exercise_id == planned.exercise_id and not s.skipped]

    @on_button(ReplaceEarlier)
    async def replace_earlier(self, ctx: Ctx, data: ReplaceEarlier) -> Reply:
        """The sets `data.source` logged take the place of that exercise's earlier ones."""
        new = await self.store.sets_from_source(ctx.user.id, data.source)
        ids = {s.exercise_id for s in new}
        if len(ids) != 1:
            return refuse(render.ALREADY_UNDONE)
        exercise_id, day = ids.pop(), new[0].plan_date
        earlier = [
            s
            for s in await self.store.sets_on(ctx.user.id, day)
            if s.exercise_id == exercise_id and s.source != data.source
        ]
        sources = {s.source for s in earlier}
        old: list[SetLog] = []
        for source in sorted(str(s) for s in sources if s is not None):
            logged = await self.store.sets_from_source(ctx.user.id, source)
            if all(s.exercise_id == exercise_id for s in logged):  # never another exercise's
                old += (await self.store.replace_sets_from_source(ctx.user.id, source, []))[0]
        if not old:
            return refuse(render.ALREADY_REPLACED)
        name = exercise_name(self.library, exercise_id)
        reply = say(render.edited(name, new, old, ctx.units), private=ctx.private_here)
        reply.button_ack = render.ACK_REPLACED
        return reply

    async def _logged_again(
        self,
        ctx: Ctx,
        plan: DayPlan,
        planned: PlannedExercise,
        reading: Reading,
        text: str,
    ) -> Reply | None:
        """Sets for an exercise logged earlier today: "actually 12 12 10" (or "oops", "*12 12
        10") corrects it, the newest log when the next exercise has none; sets after a skip
        replace the skip. None: log as usual."""
        today = await self.store.sets_on(ctx.user.id, plan.day)
        earlier = [s for s in today if s.exercise_id == planned.exercise_id]
        correcting = _is_correction(text)
        target = planned
        if correcting and not earlier and today:
            newest = max(s.batch_id for s in today)
            earlier = [s for s in today if s.batch_id == newest]
            ids = {s.exercise_id for s in earlier}
            found = self.plans.planned(plan, ids.pop(), ctx.user.settings.level)
            if ids or found is None:
                return None
            target = found
        sources = {s.source for s in earlier}
        if not earlier or None in sources or ctx.source in sources:
            return None
        source = " ".join(sorted(str(s) for s in sources))  # sources hold no spaces
        if correcting or all(s.skipped for s in earlier):
            return await self._replace(ctx, plan, target, reading.log, source)
        return None

    async def _replace(
        self, ctx: Ctx, plan: DayPlan, planned: PlannedExercise, log: ParsedLog, sources: str
    ) -> Reply | None:
        """The sets those messages (`sources`, space-separated) logged, all of `planned`,
        become `log`'s; None if one of them logged another exercise too."""
        each = sources.split()
        for source in each:
            logged = await self.store.sets_from_source(ctx.user.id, source)
            if not logged or any(s.exercise_id != planned.exercise_id for s in logged):
                return None
        await self.services.clear_state(ctx.user.id, ConfirmState)
        (planned,) = await self.next_times.as_prescribed(ctx.user, [planned], plan.day)
        sets = dose.to_sets(planned, log, ctx.units)
        old: list[SetLog] = []
        for i, source in enumerate(each):  # the first message holds the new sets
            gone, _ = await self.store.replace_sets_from_source(
                ctx.user.id, source, sets if i == 0 else []
            )
            old += gone
        text = render.edited(planned.name, sets, old, ctx.units)
        pending = await self._unlogged(ctx, plan)
        if plan.training and pending:
            text += render.next_up(pending[0].name)
        return say(text, private=ctx.private_here)

    async def _store_one(
        self,
        ctx: Ctx,
        plan: DayPlan,
        planned: PlannedExercise,
        parsed: ParsedLog,
        source: str | None,
        advance: bool,
    ) -> Reply:
        await self.services.clear_state(ctx.user.id, ConfirmState)  # a newer log answers it
        (planned,) = await self.next_times.as_prescribed(ctx.user, [planned], plan.day)
        sets = dose.to_sets(planned, parsed, ctx.units)
        await self.store.add_sets(ctx.user.id, plan.day, sets, source)
        done = parsed.kind == "done"
        confirm = render.logged(
            ctx.speaker, planned.name, sets, plan.day, ctx.today, ctx.units, done
        )
        if parsed.kind == "skip" and _mentions_pain(ctx.event.text) and not ctx.in_group:
            confirm += render.SKIPPED_FOR_PAIN  # "skipped, back hurts"
        if not all(s.skipped for s in sets):
            confirm += await self.next_times.after_log(ctx.user, planned.exercise_id, plan.day)
        confirm += render.no_weight(self._weightless([(planned, sets)]), ctx.units)
        sentence, prompt = await self._what_next(ctx, plan, advance)
        rest = await self._rest_button(ctx, plan, planned, sets)
        timer = ((rest,),) if rest else ()
        if prompt is not None:
            # One message, not two: the confirmation (and its rest timer) leads the next
            # exercise's prompt, whose buttons and reply link are the ones that matter now.
            return Reply(
                [replace(prompt, preface=confirm + sentence, buttons=timer + prompt.buttons)]
            )
        # In a group the confirmation stays in the group: members log in the open there.
        return Reply([Outbound(confirm + sentence, buttons=timer, private=ctx.private_here)])

    async def _rest_button(
        self, ctx: Ctx, plan: DayPlan, planned: PlannedExercise, sets: list[NewSet]
    ) -> Button | None:
        """ "Rest 75 s" after a logged set or exercise, leading to the next set of it (fewer
        sets logged than planned) or else to the next exercise; none when the day is done."""
        if ctx.in_group or all(s.skipped for s in sets) or not plan.training:
            return None
        logged = await self.store.sets_on(ctx.user.id, plan.day)
        done = sum(1 for s in logged if s.exercise_id == planned.exercise_id and not s.skipped)
        if done < planned.sets:
            then = (planned.exercise_id, done + 1)
        else:
            pending = await self._unlogged(ctx, plan)
            if not pending:
                return None
            then = (pending[0].exercise_id, 1)
        return rest_button(self.services, ctx.user, planned, then, plan.day)

    async def _what_next(
        self, ctx: Ctx, plan: DayPlan, advance: bool
    ) -> tuple[str, Outbound | None]:
        """(a sentence to add to the confirmation, the next exercise's prompt if any)."""
        if not plan.training:
            return render.EXTRA_WORK, None
        pending = await self._unlogged(ctx, plan)
        if not pending:
            await self.services.clear_state(ctx.user.id, LoggingState)
            return render.session_done(ctx.in_group), None
        if not advance or ctx.in_group:
            return render.next_up(pending[0].name), None
        await self.services.save_state(ctx.user.id, LoggingState(plan.day))
        return "", exercise_prompt(ctx, plan, pending[0], self.library)

    async def _start_steps(self, ctx: Ctx, plan: DayPlan) -> Reply:
        pending = await self._unlogged(ctx, plan)
        if not pending:
            return say(render.DAY_LOGGED)
        await self.services.save_state(ctx.user.id, LoggingState(plan.day))
        return Reply([exercise_prompt(ctx, plan, pending[0], self.library)])

    async def _log_whole_plan(
        self, ctx: Ctx, plan: DayPlan, parsed: ParsedLog, source: str | None
    ) -> Reply:
        pending = await self._unlogged(ctx, plan)
        if not pending:
            return say(render.DAY_LOGGED)
        await self.services.clear_state(ctx.user.id, ConfirmState)
        pending = await self.next_times.as_prescribed(ctx.user, pending, plan.day)
        unloaded = replace(parsed, load=None, unit=None)  # "all done @ 16kg": the loaded moves'
        each = [
            (p, dose.to_sets(p, parsed if self._loaded(p) else unloaded, ctx.units))
            for p in pending
        ]
        sets = [s for _, done in each for s in done]
        await self.store.add_sets(ctx.user.id, plan.day, sets, source)
        await self.services.clear_state(ctx.user.id, LoggingState)
        names = [p.name for p in pending]
        if parsed.kind == "skip":
            said = render.rest_skipped(ctx.speaker, ", ".join(names))
            if _mentions_pain(ctx.event.text) and not ctx.in_group:  # not in front of everyone
                said += render.SKIPPED_FOR_PAIN
            return say(said)
        ids = [p.exercise_id for p in pending]
        nxt = await self.next_times.after_session(ctx.user, ids, plan.day)
        said = render.all_logged(ctx.speaker, names, nxt)
        said += render.no_weight(self._weightless(each), ctx.units)
        return say(said, private=ctx.private_here)

    async def _log_list(self, ctx: Ctx, plan: DayPlan, text: str, source: str | None) -> Reply:
        try:
            entries = parse_exercise_list(text)
        except LogParseError as exc:
            if source is not None and source.endswith("/log") and _reads_as_sets(text):
                return refuse(render.LOG_NAME_FIRST)  # "/log 12 10 10"
            return refuse(exc.message + render.NAME_THE_EXERCISE)
        named: list[PlannedExercise] = []
        for name, _ in entries:
            planned = await self._match_planned(plan, ctx, name)
            if planned is None:
                unknown = render.not_found(name, self.lookup.find(name).suggestions)
                return say(unknown + (render.LIST_NOT_LOGGED if len(entries) > 1 else ""))
            named.append(planned)
        named = await self.next_times.as_prescribed(ctx.user, named, plan.day)
        batches = [
            (p, dose.to_sets(p, parsed, ctx.units))
            for p, (_, parsed) in zip(named, entries, strict=True)
        ]
        pending = {p.exercise_id for p in await self._unlogged(ctx, plan)}
        # One reply is one batch, so /undo takes back the whole reply.
        await self.services.clear_state(ctx.user.id, ConfirmState)
        await self.store.add_sets(ctx.user.id, plan.day, [s for _, b in batches for s in b], source)
        said = [parsed.kind == "done" for _, parsed in entries]
        lines = [
            render.logged(ctx.speaker, p.name, sets, plan.day, ctx.today, ctx.units, done)
            for (p, sets), done in zip(batches, said, strict=True)
        ]
        for i, (p, sets) in enumerate(batches):
            if not all(s.skipped for s in sets):
                lines[i] += await self.next_times.after_log(ctx.user, p.exercise_id, plan.day)
        lines[-1] += render.no_weight(self._weightless(batches), ctx.units)
        if plan.training and not pending:
            nxt = render.EXTRA_AFTER_SESSION  # the session was done before this log
        else:
            nxt, _ = await self._what_next(ctx, plan, advance=False)
        reply = say(render.logged_list(lines, nxt), private=ctx.private_here)
        typed = _filled_in(text)
        if source is not None and typed is not None:
            # "/log rdl", or "rdl" typed alone: no sets, so logged as prescribed; say so, and
            # one tap takes it back.
            undo = Button(render.UNDO, UndoLog(source).encode())
            first = reply.messages[0]
            reply.messages[0] = replace(
                first, text=first.text + render.as_prescribed_hint(typed), buttons=((undo,),)
            )
        return reply


def _for_the_day(reading: Reading, text: str) -> bool:
    """A done or skip that names the day ("skip today", "skip the rest", "all done")."""
    return reading.log.kind in ("done", "skip") and not DAY_WORDS.isdisjoint(
        re.findall(r"[a-z]+", text.lower())
    )


# A reply that corrects the log before it: "actually 12 12 10", "oops, 10 10", "*12 12 10".
CORRECTION_STARTS = (
    "actually", "sorry", "oops", "correction", "i mean", "i meant", "meant", "make that",
    "make it", "no wait", "wait", "typo", "fix", "edit", "*",
)  # fmt: skip


def _is_correction(text: str) -> bool:
    said = re.sub(r"\s+", " ", text.lower()).strip()
    return any(re.match(rf"{re.escape(w)}(?![a-z])", said) for w in CORRECTION_STARTS)


def _filled_in(text: str) -> str | None:
    """ "/log rdl" (or "rdl done"): no sets typed, so the bot fills in the prescription; the
    name as typed (the first one), else None."""
    try:
        entries = parse_exercise_list(text)
    except LogParseError:
        return None
    return entries[0][0] if entries and all(log.kind == "done" for _, log in entries) else None


def _lists_several(text: str) -> bool:
    """ "rdl 10 10, banana 12 12": a list of named exercises, known or not."""
    try:
        return len(parse_exercise_list(text)) > 1
    except LogParseError:
        return False


def _mentions_pain(text: str) -> bool:
    return not PAIN.isdisjoint(re.findall(r"[a-z]+", text.lower()))


def _pain_answer(text: str) -> str | None:
    """The parser's caring answer to "my back hurts", wherever it is said."""
    try:
        read_log(text)
    except NotALog as err:
        return err.message if err.reason == "pain" else None
    except LogParseError:
        return None
    return None


def _reads_as_sets(text: str) -> bool:
    """Sets, sure or to be confirmed (`_log_one` asks about the unsure ones)."""
    try:
        return read_log(text).log.kind == "sets"
    except LogParseError:
        return False


def _done_or_skip(text: str) -> bool:
    try:
        reading = read_log(text)
    except LogParseError:
        return False
    return reading.log.kind in ("done", "skip") and not reading.needs_confirmation


def _as_reply(log: ParsedLog) -> str:
    """A reading as a reply that reads back to the same log (kept in ConfirmState)."""
    return format_log(log)
