"""The conversation rules: one inbound event in, the replies out.

The coach is the only place that decides what Backline says. It reads and writes through the
`Store` protocol and never touches a platform; adapters and the scheduler call it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.core import onboarding, render
from bot.core.commands import ADMIN_COMMANDS, COMMANDS
from bot.core.events import Button, InboundEvent, MessageLink, Outbound, Reply, UserRef
from bot.core.library import Library
from bot.core.lookup import ExerciseLookup
from bot.core.parser import LogParseError, ParsedLog, parse_exercise_list, parse_log
from bot.core.planner import DayPlan, PlannedExercise, plan_day, previous_training_day
from bot.core.ports import Channel, NewSet, Store, User
from bot.core.progress import ChartRenderer
from bot.core.progress_commands import ProgressCommands
from bot.core.progression import SESSIONS_NEEDED, target_for
from bot.core.settings import Settings

log = logging.getLogger(__name__)

SORRY = (
    "Sorry, something went wrong on my side. Nothing you logged is lost; "
    "please try again in a moment."
)
LOG_EXAMPLES = '"12 10 10", "3x12 @ 16kg", "done" or "skip"'
PLAIN_COMMANDS = {"today", "help", "undo", "exercises", "settings", "start", "selftest"}


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class _Ctx:
    """Everything one event's handling needs, resolved once."""

    event: InboundEvent
    user: User
    today: date

    @property
    def units(self) -> str:
        return self.user.settings.units


class Coach:
    def __init__(
        self,
        store: Store,
        library: Library,
        clock: Callable[[], datetime] | None = None,
        charts: ChartRenderer | None = None,
    ) -> None:
        self.store = store
        self.library = library
        self.lookup = ExerciseLookup(library)
        self.clock = clock or utcnow
        self.charts = charts  # None: /progress answers without its chart
        self.progress = ProgressCommands(self)
        self._commands: dict[str, Callable[[_Ctx, str], Any]] = {
            "start": self._cmd_start,
            "setup": self._cmd_start,
            "today": self._cmd_today,
            "howto": self._cmd_howto,
            "log": self._cmd_log,
            "undo": self._cmd_undo,
            "exercises": self._cmd_exercises,
            "settings": self._cmd_settings,
            "selftest": self._cmd_selftest,
            "pause": self._cmd_pause,
            "resume": self._cmd_resume,
            "community": self._cmd_community,
            "help": self._cmd_help,
            "progress": self.progress.cmd_progress,
            "history": self.progress.cmd_history,
            "export": self.progress.cmd_export,
            "forget": self.progress.cmd_forget,
        }

    # ------------------------------------------------------------------ public API

    async def handle(self, event: InboundEvent) -> Reply:
        """Answer one event. Never raises: a failure becomes a friendly apology."""
        try:
            reply = await self._handle(event)
            if event.is_group:
                reply.messages = await self._keep_private(event, reply.messages)
            return reply
        except Exception:
            log.exception("failed to handle an event from %s", event.user.platform)
            return Reply([Outbound(SORRY)], button_ack="Something went wrong")

    @staticmethod
    def _private_here(ctx: _Ctx) -> bool:
        """Log confirmations are public in a group (members log in the open there) unless the
        platform can show them to the author alone."""
        return not ctx.event.is_group or ctx.event.private_reply

    async def _keep_private(self, event: InboundEvent, messages: list[Outbound]) -> list[Outbound]:
        """Personal answers asked for in a group go to the person's private chat instead,
        unless the platform can show them to the author alone. Files always go to the DM:
        an export should last longer than a dismissable message."""

        def to_dm(m: Outbound) -> bool:
            return (
                m.private
                and m.chat_id is None
                and (not event.private_reply or m.document is not None)
            )

        if not any(to_dm(m) for m in messages):
            return messages
        user = await self.store.find_user(event.user)
        dm = user.chat_id if user else ""
        kept: list[Outbound] = []
        for m in messages:
            if not to_dm(m):
                kept.append(m)
            elif dm:
                kept.append(replace(m, chat_id=dm))
            else:
                kept.append(
                    Outbound(
                        "That's personal, so I won't post it here. Open a private chat with "
                        "me, send /start, then ask again there."
                    )
                )
                break
        if dm:
            # Private too: where the platform can, only the asker sees where it went.
            kept.append(Outbound("I've sent that to our private chat.", private=True))
        return kept

    async def record_sent(
        self, platform: str, chat_id: str, message_id: str, out: Outbound
    ) -> None:
        if out.link is not None:
            await self.store.link_message(platform, chat_id, message_id, None, out.link)

    async def mark_unreachable(self, ref: UserRef) -> None:
        user = await self.store.find_user(ref)
        if user is not None:
            await self.store.set_active(user.id, False)

    async def next_message_id(self, platform: str) -> str:
        """For adapters without their own message ids (the console)."""
        return str(await self.store.next_seq(f"message:{platform}"))

    async def daily_session(self, user_id: int, day: date) -> list[Outbound]:
        user = await self.store.get_user(user_id)
        if user is None:
            return []
        plan = await self._plan_for(user, day)
        if not plan.training:
            return []
        return [self._overview(plan, user, chat_id=user.chat_id)]

    async def nudge(self, user_id: int, day: date) -> list[Outbound]:
        user = await self.store.get_user(user_id)
        if user is None or await self.store.sets_on(user.id, day):
            return []
        plan = await self._plan_for(user, day)
        if not plan.training:
            return []
        first = plan.main[0].name if plan.main else "your first exercise"
        return [
            Outbound(
                f"Still time for today's session: about {plan.minutes} minutes, starting with "
                f'{first}. Send /today when you\'re ready, or reply "skip" to it to rest.',
                chat_id=user.chat_id,
            )
        ]

    async def group_session(self, channel: Channel, day: date) -> list[Outbound]:
        plan = self._channel_plan(channel, day)
        if not plan.training:
            return []
        title, text = render.plan_overview(plan, channel.settings.units)
        text = text.replace(
            "Reply to this message with what you did",
            "Everyone: reply to this message with what you did",
        ).replace(", or tap Log step by step.", ". Each of you logs for yourself.")
        return [
            Outbound(
                text,
                title=f"Group session · {title}",
                buttons=((Button("Done", "grp:done"), Button("Skip", "grp:skip")),),
                link=MessageLink("group_session", plan_date=day),
                chat_id=channel.chat_id,
            )
        ]

    async def weekly_summary(self, user_id: int, week_end: date) -> list[Outbound]:
        """The week ending on `week_end`: sessions, sets per group, records, next week."""
        return await self.progress.weekly_summary(user_id, week_end)

    def exercise_choices(self, prefix: str, limit: int = 25) -> list[tuple[str, str]]:
        return [(e.name, e.id) for e in self.lookup.complete(prefix, limit)]

    async def today_for(self, ref: UserRef, chat_id: str, name: str = "") -> list[Outbound]:
        """/today without a conversation (the CLI's `backline today`)."""
        user = await self.store.get_or_create_user(ref, chat_id, name)
        plan = await self._plan_for(user, self.local_date(user.settings))
        return [self._overview(plan, user)]

    def local_date(self, settings: Settings) -> date:
        try:
            zone = ZoneInfo(settings.timezone)
        except Exception:
            zone = ZoneInfo("UTC")
        return self.clock().astimezone(zone).date()

    # ------------------------------------------------------------------ dispatch

    async def _handle(self, event: InboundEvent) -> Reply:
        platform = event.user.platform
        chat = "" if event.is_group else event.chat_id
        user = await self.store.start_event(
            event.user, chat, event.display_name, event.event_id or ""
        )
        if user is None:
            return Reply()  # a duplicate delivery: it was answered the first time
        ctx = _Ctx(event, user, self.local_date(user.settings))

        if event.content_missing:
            return self._reply(
                "I can't read the text of your message here. Log with the /log command "
                "instead, e.g. /log rdl 12 10 10."
            )
        if event.edited:
            return await self._edited(ctx)
        if event.button:
            return await self._button(ctx, event.button)

        text = event.text.strip()
        if text.startswith("/"):
            return await self._command(ctx, text)
        if event.reply_to:
            stored = await self.store.resolve_message(platform, event.chat_id, event.reply_to)
            if stored is not None:
                return await self._reply_to_link(ctx, stored.link, text)
            if event.is_group:
                return Reply()  # a reply to someone else's message in a group
            return self._reply(
                "I can't tell which session that message belongs to. Send /today and reply "
                "to the new one."
            )
        if event.is_group:
            return Reply()  # in groups Backline only answers commands and replies to it

        word = text.lower().strip("!. ")
        if word in PLAIN_COMMANDS:
            return await self._command(ctx, "/" + word)
        state = await self.store.get_state(user.id)
        if state:
            return await self._answer_state(ctx, state, text)
        return await self._free_text(ctx, text)

    async def _command(self, ctx: _Ctx, text: str) -> Reply:
        head, _, rest = text[1:].partition(" ")
        name = head.split("@", 1)[0].lower()  # "/today@BacklineBot" in Telegram groups
        handler = self._commands.get(name)
        if handler is None:
            return self._reply(
                f'I don\'t know "/{name[:30]}". ' + self._help_short(), title="Not a command"
            )
        if name in ADMIN_COMMANDS and not ctx.event.is_group:
            return self._reply("/community works in a group or server channel, not here.")
        return await handler(ctx, rest.strip())

    # ------------------------------------------------------------------ commands

    async def _cmd_help(self, ctx: _Ctx, _: str) -> Reply:
        lines = [
            "Backline trains the back of your body: upper back, lower back, glutes, "
            "hamstrings and calves. A few minutes on training days adds up.",
            "",
        ]
        lines += [f"/{c.name}: {c.description}" for c in COMMANDS if not c.admin_only]
        lines += [
            "",
            "To log, reply to my message with what you did: " + LOG_EXAMPLES + ".",
            "Group admins: /community on 07:30 Europe/Berlin starts a daily group session.",
        ]
        return self._reply("\n".join(lines), title="How Backline works")

    def _help_short(self) -> str:
        return "Try /today for your session, /howto rdl for a how-to, or /help for everything."

    async def _cmd_start(self, ctx: _Ctx, _: str) -> Reply:
        await self.store.set_state(ctx.user.id, {"kind": "onboarding", "step": "level"})
        intro = Outbound(
            "Hi! I'm Backline, your coach for the muscles you can't see in the mirror: "
            "upper back, glutes, hamstrings and calves. A few quick taps and I'll build your week. "
            "(Type /today any time to skip setup and train with sensible defaults.)",
            title="Welcome to Backline",
        )
        return Reply([intro, self._step_message(ctx.user.settings, "level")])

    async def _cmd_today(self, ctx: _Ctx, _: str) -> Reply:
        if ctx.event.is_group:
            channel = await self.store.get_channel(ctx.event.user.platform, ctx.event.chat_id)
            if channel is not None and channel.enabled:
                return Reply(await self.group_session(channel, ctx.today))
        plan = await self._plan_for(ctx.user, ctx.today)
        return Reply([self._overview(plan, ctx.user)])

    async def _cmd_howto(self, ctx: _Ctx, query: str) -> Reply:
        if not query:
            return self._reply("Which exercise? For example: /howto rdl or /howto glute bridge.")
        result = self.lookup.find(query)
        if result.exercise is None:
            return self._reply(
                self._not_found(query, result.suggestions), title="Not in the library"
            )
        title, text = render.howto(result.exercise, self.library)
        return Reply(
            [Outbound(text, title=title, link=MessageLink("howto", exercise_id=result.exercise.id))]
        )

    def _not_found(self, query: str, suggestions: tuple) -> str:
        text = (
            f'I don\'t have "{query[:60]}" in the library. Backline sticks to the back of the body.'
        )
        if suggestions:
            text += " Did you mean: " + ", ".join(e.name for e in suggestions) + "?"
        else:
            text += " Send /exercises to see everything I coach."
        return text

    async def _cmd_exercises(self, ctx: _Ctx, _: str) -> Reply:
        by_region: dict[str, list[str]] = {}
        for ex in sorted(self.library.main_exercises(), key=lambda e: e.name):
            by_region.setdefault(ex.region, []).append(ex.name)
        lines = []
        for region in ("upper", "lower", "full"):
            if region in by_region:
                lines.append(f"{region.capitalize()} body: " + ", ".join(by_region[region]))
        lines.append("")
        lines.append("Send /howto and a name for steps and cues, e.g. /howto kb swing.")
        return self._reply("\n".join(lines), title="The exercise library")

    async def _cmd_undo(self, ctx: _Ctx, _: str) -> Reply:
        removed = await self.store.delete_last_batch(ctx.user.id)
        if not removed:
            return self._reply("Nothing to undo: you haven't logged anything yet.")
        parts = []
        for exercise_id in dict.fromkeys(s.exercise_id for s in removed):
            ex = self.library.exercises.get(exercise_id)
            sets = [s for s in removed if s.exercise_id == exercise_id]
            parts.append(f"{ex.name if ex else exercise_id}, {render.fmt_sets(sets, ctx.units)}")
        return self._reply(
            f"Removed your last log: {'; '.join(parts)} ({render.fmt_day(removed[0].plan_date)})."
        )

    async def _cmd_log(self, ctx: _Ctx, rest: str) -> Reply:
        if not rest:
            return self._reply("Tell me what you did, e.g. /log rdl 3x10 @ 40kg.")
        plan = await self._plan_for(ctx.user, ctx.today)
        return await self._log_list(ctx, plan, rest, None)

    async def _cmd_settings(self, ctx: _Ctx, rest: str) -> Reply:
        if rest:
            return await self._change_setting(ctx, rest)
        s = ctx.user.settings
        split = self.library.splits.get(s.split)
        level = self.library.levels.get(s.level)
        equipment = ", ".join(
            self.library.taxonomy.equipment[e].name
            for e in sorted(s.equipment - {"bodyweight"} or {"bodyweight"})
            if e in self.library.taxonomy.equipment
        )
        lines = [
            f"Level: {level.name if level else s.level}",
            f"Equipment: {equipment}",
            f"Week: {split.name if split else s.split} on {onboarding.days_label(s.weekdays)}",
            f"Session push: {s.reminder_time.strftime('%H:%M')} {s.timezone}"
            + (" (paused)" if s.paused else ""),
            f"Units: {s.units}",
            "",
            "Change one by typing, e.g. /settings level advanced, /settings days mon wed fri, "
            "/settings time 06:45, /settings timezone Europe/Berlin, /settings units lb, "
            "/settings equipment dumbbells, /settings split ul4. Or /start to set up again.",
        ]
        return self._reply("\n".join(lines), title="Your settings", private=True)

    async def _change_setting(self, ctx: _Ctx, rest: str) -> Reply:
        key, _, value = rest.partition(" ")
        key, value = key.lower(), value.strip()
        aliases = {
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
        step_id = aliases.get(key)
        if step_id is None or not value:
            return self._reply(
                "Say which setting and the new value, e.g. /settings time 06:45 or "
                "/settings units lb. Send /settings to see them all."
            )
        try:
            new = onboarding.step(step_id).apply(value, ctx.user.settings, self.library)
        except onboarding.AnswerError as exc:
            return self._reply(str(exc))
        await self.store.save_settings(ctx.user.id, new)
        return self._reply(f"Done: {key} updated. " + self._settings_line(new))

    def _settings_line(self, s: Settings) -> str:
        return (
            f"Sessions on {onboarding.days_label(s.weekdays)} at "
            f"{s.reminder_time.strftime('%H:%M')} {s.timezone}."
        )

    async def _cmd_pause(self, ctx: _Ctx, _: str) -> Reply:
        await self.store.save_settings(ctx.user.id, ctx.user.settings.with_(paused=True))
        return self._reply("Paused: no pushes until you send /resume. /today still works.")

    async def _cmd_resume(self, ctx: _Ctx, _: str) -> Reply:
        await self.store.save_settings(ctx.user.id, ctx.user.settings.with_(paused=False))
        return self._reply("Welcome back! " + self._settings_line(ctx.user.settings))

    async def _cmd_selftest(self, ctx: _Ctx, _: str) -> Reply:
        await self.store.set_state(ctx.user.id, {"kind": "selftest"})
        return Reply([self._selftest_message()])

    def _selftest_message(self) -> Outbound:
        st = self.library.selftest
        steps = "\n".join(f"{i}. {s.text}" for i, s in enumerate(st.steps, 1))
        return Outbound(
            f"{st.intro}\n\n{steps}\n\n{st.question}",
            title=st.name,
            buttons=(tuple(Button(o.label, f"st:{o.id}") for o in st.outcomes),),
            link=MessageLink("prompt"),
        )

    async def _cmd_community(self, ctx: _Ctx, rest: str) -> Reply:
        platform, chat = ctx.event.user.platform, ctx.event.chat_id
        if not ctx.event.is_admin:
            return self._reply(
                "Only group admins can set up the group session. Ask an admin to send "
                "/community on 07:30 Europe/Berlin."
            )
        words = rest.split()
        current = await self.store.get_channel(platform, chat)
        settings = current.settings if current else Settings(onboarded=True)
        if not words or words[0].lower() not in ("on", "off"):
            state = "on" if current and current.enabled else "off"
            return self._reply(
                f"The group session is {state}. Use /community on 07:30 Europe/Berlin or "
                "/community off."
            )
        if words[0].lower() == "off":
            await self.store.save_channel(platform, chat, settings, enabled=False)
            return self._reply("Group session off. Everyone's personal plans carry on as before.")
        try:
            if len(words) > 1:
                settings = onboarding.parse_time_and_zone(" ".join(words[1:]), settings)
        except onboarding.AnswerError as exc:
            return self._reply(str(exc))
        await self.store.save_channel(platform, chat, settings, enabled=True)
        return self._reply(
            "Group session on! " + self._settings_line(settings) + " Each member logs for "
            "themselves by replying to the session message."
        )

    # ------------------------------------------------------------------ plans

    async def _plan_for(self, user: User, day: date) -> DayPlan:
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
        plan = plan_day(
            self.library,
            settings,
            day,
            previous,
            targets=lambda ex, rx: target_for(
                ex, rx, history.get(ex.id, []), self.library, settings.units, settings.equipment
            ),
        )
        if plan.training:
            await self.store.save_plan(user.id, day, settings.plan_key(), plan.to_dict())
        return plan

    def _channel_plan(self, channel: Channel, day: date) -> DayPlan:
        prev_day = previous_training_day(channel.settings, day)
        previous = (
            plan_day(self.library, channel.settings, prev_day).exercise_ids if prev_day else ()
        )
        return plan_day(self.library, channel.settings, day, previous)

    def _overview(self, plan: DayPlan, user: User, chat_id: str | None = None) -> Outbound:
        title, text = render.plan_overview(plan, user.settings.units)
        if not plan.training:
            return Outbound(text, title=title, chat_id=chat_id, private=True)
        buttons = (
            (
                Button("Log step by step", "plan:step"),
                Button("All done", "plan:done"),
                Button("Skip today", "plan:skip"),
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

    async def _plan_of_link(self, ctx: _Ctx, link: MessageLink) -> DayPlan:
        day = link.plan_date or ctx.today
        if link.kind == "group_session":
            channel = await self.store.get_channel(ctx.event.user.platform, ctx.event.chat_id)
            settings = channel.settings if channel else Settings()
            return self._channel_plan(
                Channel(0, ctx.event.user.platform, ctx.event.chat_id, settings, True), day
            )
        return await self._plan_for(ctx.user, day)

    # ------------------------------------------------------------------ replies and logging

    def _source(self, ctx: _Ctx) -> str | None:
        e = ctx.event
        return f"{e.user.platform}:{e.chat_id}:{e.message_id}" if e.message_id else None

    async def _reply_to_link(self, ctx: _Ctx, link: MessageLink, text: str) -> Reply:
        if link.owner is not None and link.owner != ctx.event.user:
            return self._reply(
                "That message belongs to someone else's plan. Send /today for yours.",
            )
        if link.kind in ("session", "group_session"):
            plan = await self._plan_of_link(ctx, link)
            return await self._reply_to_plan(ctx, plan, text, group=link.kind == "group_session")
        if link.kind == "exercise" and link.exercise_id:
            plan = await self._plan_of_link(ctx, link)
            planned = plan.find(link.exercise_id) or self._extra(link.exercise_id)
            if planned is None:
                return self._reply("I couldn't find that exercise any more. Send /today.")
            return await self._log_one(ctx, plan, planned, text, advance=True)
        if link.kind == "howto" and link.exercise_id:
            plan = await self._plan_for(ctx.user, ctx.today)
            planned = plan.find(link.exercise_id) or self._extra(link.exercise_id)
            if planned is not None:
                return await self._log_one(ctx, plan, planned, text, advance=False)
        state = await self.store.get_state(ctx.user.id)
        if state:
            return await self._answer_state(ctx, state, text)
        return self._reply(self._help_short())

    def _extra(self, exercise_id: str) -> PlannedExercise | None:
        """An exercise logged outside the day's plan, dosed from the content."""
        ex = self.library.exercises.get(exercise_id)
        if ex is None:
            return None
        rx = ex.prescription
        return PlannedExercise(
            ex.id, ex.name, "extra", rx.sets, rx.reps, rx.seconds, rx.per_side, rx.rest_seconds
        )

    async def _reply_to_plan(self, ctx: _Ctx, plan: DayPlan, text: str, group: bool) -> Reply:
        if not plan.training:
            return self._reply("That was a rest day, so there's nothing to log. Send /today.")
        lowered = text.lower().strip("!. ")
        if not group and lowered in ("start", "log", "go", "step", "step by step"):
            return await self._start_steps(ctx, plan)
        try:
            whole, error = parse_log(text), None
        except LogParseError as exc:
            whole, error = None, exc
        if whole is not None and whole.kind in ("done", "skip"):
            return await self._log_whole_plan(ctx, plan, whole.kind)
        if self._names_exercises(plan, text):
            return await self._log_list(ctx, plan, text, self._source(ctx))
        if whole is not None:
            # Bare sets on the overview: they belong to the first exercise not yet logged.
            pending = await self._unlogged(ctx, plan)
            if not pending:
                return self._reply(
                    "You've logged every exercise for that day. Reply to an exercise message "
                    "to correct one, or send /undo."
                )
            return await self._log_one(ctx, plan, pending[0], text, advance=not group)
        assert error is not None
        return self._reply(
            error.message + ' To log several at once, name them: "rdl 3x10 @ 40kg, bridge 15 15".'
        )

    @staticmethod
    def _reads_as_sets(text: str) -> bool:
        try:
            return parse_log(text).kind == "sets"
        except LogParseError:
            return False

    def _names_exercises(self, plan: DayPlan, text: str) -> bool:
        """True when `text` reads as a list of named exercises that we recognise."""
        try:
            entries = parse_exercise_list(text)
        except LogParseError:
            return False
        return bool(entries) and all(self._match_planned(plan, name) for name, _ in entries)

    async def _unlogged(self, ctx: _Ctx, plan: DayPlan) -> list[PlannedExercise]:
        logged = await self.store.exercises_logged_on(ctx.user.id, plan.day)
        return [p for p in plan.main if p.exercise_id not in logged]

    def _to_sets(self, planned: PlannedExercise, parsed: ParsedLog, units: str) -> list[NewSet]:
        if parsed.kind == "skip":
            return [NewSet(planned.exercise_id, 1, skipped=True)]
        if parsed.kind == "done":
            reps = planned.reps[0] if planned.reps else None
            secs = planned.seconds[0] if planned.seconds else None
            return [
                NewSet(planned.exercise_id, i, reps=reps, seconds=secs, load_kg=planned.load_kg)
                for i in range(1, planned.sets + 1)
            ]
        hold_only = planned.reps is None and planned.seconds is not None
        out = []
        for i, s in enumerate(parsed.sets, 1):
            reps, secs = s.reps, s.seconds
            if hold_only and secs is None:
                reps, secs = None, reps  # "3x30" for a plank-style hold means seconds
            # No weight typed: the planned one (progression needs to know what it was).
            load = render.to_kg(s.load, s.unit or units) if s.load is not None else planned.load_kg
            out.append(NewSet(planned.exercise_id, i, reps=reps, seconds=secs, load_kg=load))
        return out

    async def _log_one(
        self, ctx: _Ctx, plan: DayPlan, planned: PlannedExercise, text: str, advance: bool
    ) -> Reply:
        try:
            parsed = parse_log(text)
        except LogParseError as exc:
            return self._reply(exc.message)
        sets = self._to_sets(planned, parsed, ctx.units)
        await self.store.add_sets(ctx.user.id, plan.day, sets, self._source(ctx))
        confirm = self._confirmation(ctx, planned.name, sets, plan.day)
        if not all(s.skipped for s in sets):
            confirm += await self.progress.next_time(ctx.user, planned.exercise_id)
        follow = await self._what_next(ctx, plan, advance)
        # In a group the confirmation stays in the group: members log in the open there.
        confirmation = Outbound(confirm + follow[0], private=self._private_here(ctx))
        return Reply([confirmation, *follow[1]])

    def _confirmation(self, ctx: _Ctx, name: str, sets: list[NewSet], day: date) -> str:
        who = f"{ctx.event.display_name}: " if ctx.event.is_group and ctx.event.display_name else ""
        when = "" if day == ctx.today else f" for {render.fmt_day(day)}"
        if all(s.skipped for s in sets):
            return f"{who}Skipped {name}{when}. No problem."
        return f"{who}Logged {name}{when}: {render.fmt_sets(sets, ctx.units)}."

    async def _what_next(
        self, ctx: _Ctx, plan: DayPlan, advance: bool
    ) -> tuple[str, list[Outbound]]:
        """(a sentence to add to the confirmation, follow-up messages such as the next prompt)."""
        pending = await self._unlogged(ctx, plan)
        if not pending:
            await self._clear_logging_state(ctx)
            if ctx.event.is_group:
                return " That's the session done. Nice work!", []
            return " That's the whole session done. Great work on the back of your body!", []
        if not advance or ctx.event.is_group:
            return f" Next up: {pending[0].name}.", []
        await self.store.set_state(ctx.user.id, {"kind": "logging", "date": plan.day.isoformat()})
        return "", [self._exercise_prompt(ctx, plan, pending[0])]

    def _exercise_prompt(self, ctx: _Ctx, plan: DayPlan, p: PlannedExercise) -> Outbound:
        position = plan.exercise_ids.index(p.exercise_id) + 1 if p in plan.main else 1
        title, text = render.exercise_prompt(p, ctx.units, position, len(plan.main))
        return Outbound(
            text,
            title=title,
            buttons=((Button("Done", "ex:done"), Button("Skip", "ex:skip")),),
            link=MessageLink("exercise", plan.day, p.exercise_id, owner=ctx.user.ref),
            private=True,
        )

    async def _clear_logging_state(self, ctx: _Ctx) -> None:
        state = await self.store.get_state(ctx.user.id)
        if state and state.get("kind") == "logging":
            await self.store.set_state(ctx.user.id, None)

    async def _start_steps(self, ctx: _Ctx, plan: DayPlan) -> Reply:
        pending = await self._unlogged(ctx, plan)
        if not pending:
            return self._reply("Everything for that day is logged already. Nice!")
        await self.store.set_state(ctx.user.id, {"kind": "logging", "date": plan.day.isoformat()})
        return Reply([self._exercise_prompt(ctx, plan, pending[0])])

    async def _log_whole_plan(self, ctx: _Ctx, plan: DayPlan, kind: str) -> Reply:
        pending = await self._unlogged(ctx, plan)
        if not pending:
            return self._reply("Everything for that day is logged already. Nice!")
        parsed = ParsedLog(kind=kind, sets=())  # type: ignore[arg-type]
        sets = [s for p in pending for s in self._to_sets(p, parsed, ctx.units)]
        await self.store.add_sets(ctx.user.id, plan.day, sets, self._source(ctx))
        await self._clear_logging_state(ctx)
        who = f"{ctx.event.display_name}: " if ctx.event.is_group and ctx.event.display_name else ""
        names = ", ".join(p.name for p in pending)
        if kind == "skip":
            return self._reply(f"{who}Skipped the rest of the session ({names}). Rest well.")
        nxt = await self.progress.next_times(ctx.user, [p.exercise_id for p in pending])
        return self._reply(
            f"{who}Logged as prescribed: {names}. That's the session done. Great work!{nxt}",
            private=self._private_here(ctx),
        )

    async def _log_list(self, ctx: _Ctx, plan: DayPlan, text: str, source: str | None) -> Reply:
        try:
            entries = parse_exercise_list(text)
        except LogParseError as exc:
            return self._reply(exc.message + ' You can also name the exercise: "rdl 3x10 @ 40kg".')
        batches: list[tuple[PlannedExercise, list[NewSet]]] = []
        for name, parsed in entries:
            planned = self._match_planned(plan, name)
            if planned is None:
                result = self.lookup.find(name)
                return self._reply(self._not_found(name, result.suggestions))
            batches.append((planned, self._to_sets(planned, parsed, ctx.units)))
        # One reply is one batch, so /undo takes back the whole reply.
        await self.store.add_sets(ctx.user.id, plan.day, [s for _, b in batches for s in b], source)
        lines = [self._confirmation(ctx, p.name, sets, plan.day) for p, sets in batches]
        for i, (p, sets) in enumerate(batches):
            if not all(s.skipped for s in sets):
                lines[i] += await self.progress.next_time(ctx.user, p.exercise_id)
        nxt, _ = await self._what_next(ctx, plan, advance=False)
        return self._reply(" ".join(lines) + nxt, private=self._private_here(ctx))

    def _match_planned(self, plan: DayPlan, name: str) -> PlannedExercise | None:
        """The planned exercise `name` means, or an extra one; only confident matches count."""
        found = self.lookup.find(name).exercise
        if found is None:
            return None
        return plan.find(found.id) or self._extra(found.id)

    async def _edited(self, ctx: _Ctx) -> Reply:
        """An edited reply re-logs what that message logged; other edits are ignored."""
        source = self._source(ctx)
        old = await self.store.sets_from_source(ctx.user.id, source) if source else []
        if not old:
            return Reply()
        day = old[0].plan_date
        plan = await self._plan_for(ctx.user, day)
        exercise_ids = list(dict.fromkeys(s.exercise_id for s in old))
        try:
            if len(exercise_ids) == 1:
                planned = plan.find(exercise_ids[0]) or self._extra(exercise_ids[0])
                entries = [(planned, parse_log(ctx.event.text))] if planned else []
            else:
                entries = [
                    (self._match_planned(plan, name), parsed)
                    for name, parsed in parse_exercise_list(ctx.event.text)
                ]
        except LogParseError as exc:
            return self._reply(exc.message + " Your earlier log is unchanged.")
        if not entries or any(p is None for p, _ in entries):
            return self._reply("I couldn't read that edit, so your earlier log is unchanged.")
        sets = [s for p, parsed in entries for s in self._to_sets(p, parsed, ctx.units)]
        old_sets, _ = await self.store.replace_sets_from_source(ctx.user.id, source, sets)
        names = ", ".join(p.name for p, _ in entries)
        return self._reply(
            f"Updated {names}: {render.fmt_sets(sets, ctx.units)} "
            f"(was {render.fmt_sets(old_sets, ctx.units)})."
        )

    async def _free_text(self, ctx: _Ctx, text: str) -> Reply:
        """Text that is not a command, reply or answer: try it as a log for today, else help."""
        plan = await self._plan_for(ctx.user, ctx.today)
        if plan.training and self._names_exercises(plan, text):
            return await self._log_list(ctx, plan, text, self._source(ctx))
        if plan.training and self._reads_as_sets(text):
            # Bare numbers in a private chat answer "Next up": today's first unlogged exercise.
            pending = await self._unlogged(ctx, plan)
            if pending:
                return await self._log_one(ctx, plan, pending[0], text, advance=True)
        return self._reply(
            "I'm not sure what you mean. To log, reply to my session message with what you "
            f"did, e.g. {LOG_EXAMPLES}. " + self._help_short()
        )

    # ------------------------------------------------------------------ buttons and states

    async def _button(self, ctx: _Ctx, data: str) -> Reply:
        kind, _, value = data.partition(":")
        if kind == "ob":
            step_id, _, answer = value.partition(":")
            return await self._onboarding_answer(ctx, step_id, answer, from_button=True)
        if kind == "st":
            return await self._selftest_answer(ctx, value)
        if kind == "lvl":
            return await self._set_level(ctx, value)
        if kind == "fg":
            return await self.progress.forget_button(ctx, value)
        if not ctx.event.reply_to:
            return self._reply(self._help_short())
        stored = await self.store.resolve_message(
            ctx.event.user.platform, ctx.event.chat_id, ctx.event.reply_to
        )
        if stored is None:
            return self._reply("That button belongs to a message I no longer know. Send /today.")
        if kind == "plan" and value == "step":
            return self._ack(await self._reply_to_link(ctx, stored.link, "start"), "Let's go")
        if kind in ("plan", "ex", "grp") and value in ("done", "skip"):
            return self._ack(await self._reply_to_link(ctx, stored.link, value), value.capitalize())
        return self._reply(self._help_short())

    def _ack(self, reply: Reply, text: str) -> Reply:
        reply.button_ack = text
        return reply

    async def _answer_state(self, ctx: _Ctx, state: dict[str, Any], text: str) -> Reply:
        kind = state.get("kind")
        if kind == "onboarding":
            return await self._onboarding_answer(ctx, state.get("step", "level"), text, False)
        if kind == "selftest":
            return await self._selftest_answer(ctx, text)
        if kind == "forget":
            return await self.progress.forget_answer(ctx, text)
        if kind == "logging":
            day = date.fromisoformat(state["date"])
            plan = await self._plan_for(ctx.user, day)
            pending = await self._unlogged(ctx, plan)
            if not pending:
                await self.store.set_state(ctx.user.id, None)
                return await self._free_text(ctx, text)
            if text.lower().strip("!. ") in ("stop", "cancel", "later"):
                await self.store.set_state(ctx.user.id, None)
                return self._reply("Okay, paused logging. Reply to the session message any time.")
            return await self._log_one(ctx, plan, pending[0], text, advance=True)
        await self.store.set_state(ctx.user.id, None)
        return await self._free_text(ctx, text)

    def _step_message(self, settings: Settings, step_id: str) -> Outbound:
        step = onboarding.step(step_id)
        buttons = step.buttons(self.library, settings)
        rows = tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
        number = onboarding.STEP_IDS.index(step_id) + 1
        return Outbound(
            step.question,
            title=f"Setup {number}/{len(onboarding.STEP_IDS)}",
            buttons=rows,
            link=MessageLink("prompt"),
        )

    async def _onboarding_answer(
        self, ctx: _Ctx, step_id: str, answer: str, from_button: bool
    ) -> Reply:
        if step_id not in onboarding.STEP_IDS:
            return self._reply("That setup question has expired. Send /start to begin again.")
        if step_id == "level" and answer.strip().lower() in ("selftest", "not sure", "self-test"):
            await self.store.set_state(ctx.user.id, {"kind": "selftest", "then": "equipment"})
            return Reply([self._selftest_message()])
        settings = ctx.user.settings
        try:
            new = onboarding.step(step_id).apply(answer, settings, self.library)
        except onboarding.AnswerError as exc:
            again = self._step_message(settings, step_id)
            return Reply([Outbound(str(exc)), again])
        await self.store.save_settings(ctx.user.id, new)
        typed_zone = step_id == "time" and new.timezone != settings.timezone
        nxt = onboarding.next_step(step_id, new, typed_zone)
        if nxt is None:
            return await self._finish_onboarding(ctx, new)
        await self.store.set_state(ctx.user.id, {"kind": "onboarding", "step": nxt})
        return Reply([self._step_message(new, nxt)], button_ack="Got it")

    async def _finish_onboarding(self, ctx: _Ctx, settings: Settings) -> Reply:
        done = settings.with_(onboarded=True)
        await self.store.save_settings(ctx.user.id, done)
        await self.store.set_state(ctx.user.id, None)
        split = self.library.splits.get(done.split)
        return self._reply(
            f"All set! {split.name if split else 'Your plan'}: "
            + self._settings_line(done)
            + " Send /today for your first session. You can change anything with /settings.",
            title="You're in",
        )

    async def _selftest_answer(self, ctx: _Ctx, answer: str) -> Reply:
        st = self.library.selftest
        text = answer.strip().lower()
        outcome = next((o for o in st.outcomes if text in (o.id.lower(), o.label.lower())), None)
        if outcome is None:
            return Reply([Outbound("Tap the answer that fits best."), self._selftest_message()])
        state = await self.store.get_state(ctx.user.id) or {}
        level = self.library.levels.get(outcome.level)
        level_name = level.name if level else outcome.level
        if state.get("then") == "equipment":
            new = ctx.user.settings.with_(level=outcome.level)
            await self.store.save_settings(ctx.user.id, new)
            await self.store.set_state(ctx.user.id, {"kind": "onboarding", "step": "equipment"})
            return Reply(
                [
                    Outbound(f"{outcome.advice} I've set your level to {level_name}."),
                    self._step_message(new, "equipment"),
                ]
            )
        await self.store.set_state(ctx.user.id, None)
        return Reply(
            [
                Outbound(
                    f"{outcome.advice}\nSet your level to {level_name}?",
                    buttons=(
                        (
                            Button(f"Yes, {level_name}", f"lvl:{outcome.level}"),
                            Button("Keep my level", "lvl:keep"),
                        ),
                    ),
                )
            ]
        )

    async def _set_level(self, ctx: _Ctx, level: str) -> Reply:
        if level == "keep" or level not in self.library.levels:
            return self._ack(self._reply("Okay, your level stays as it is."), "Kept")
        await self.store.save_settings(ctx.user.id, ctx.user.settings.with_(level=level))
        name = self.library.levels[level].name
        return self._ack(self._reply(f"Level set to {name}. Your next /today follows it."), name)

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _reply(text: str, title: str | None = None, private: bool = False) -> Reply:
        return Reply([Outbound(text, title=title, private=private)])
