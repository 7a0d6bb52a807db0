"""/progress, /history, /export, /forget, the weekly summary and "Next time" after a log.

Everything here reads and changes only the data of the person who asked (`ctx.user`), also in
groups, and every personal answer is marked private.

Decisions:
- /export in a group sends the CSV to the person's private chat (never into the group); when we
  don't know a private chat yet, it asks them to message Backline directly.
- /forget asks first. Confirm with the button (its data names the person, so someone else in a
  group pressing it deletes nothing) or, in a private chat, by typing "forget me".
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal, cast

from bot.core import dose, render
from bot.core.dispatch import ButtonData, CommandArg, Ctx, State, command, on_button, on_state
from bot.core.events import Attachment, Button, Outbound, Reply
from bot.core.features.base import Feature, Services
from bot.core.features.plans import Plans
from bot.core.history import (
    HISTORY_SESSIONS,
    MAX_HISTORY_SESSIONS,
    Entry,
    HistoryStore,
    entries,
    export_csv,
    export_filename,
    history_text,
)
from bot.core.parser import LogParseError, parse_log
from bot.core.planner import DayPlan, PlannedExercise, is_training_day
from bot.core.ports import SetLog, User
from bot.core.progress import (
    Records,
    all_records,
    chart_data,
    neglected,
    new_records,
    planned_per_week,
    sessions_in,
    sets_by_group,
    streak,
    week_start,
)
from bot.core.progression import SESSIONS_NEEDED, Next
from bot.core.render import exercise_name
from bot.core.settings import WEEKDAY_NAMES

log = logging.getLogger(__name__)

FORGET_WORDS = ("forget me",)
RECORDS_SHOWN = 5
PROGRESS_KINDS = ("raise", "add", "harder", "back")  # next steps worth a line in the summary


@dataclass(frozen=True, slots=True)
class ForgetState(State):
    """/forget asked in a private chat: waiting for "forget me"."""

    kind = "forget"


@dataclass(frozen=True, slots=True)
class ForgetAnswer(ButtonData):
    """The /forget buttons. `owner` names the person, so someone else pressing it in a group
    deletes nothing."""

    kind = "fg"
    answer: Literal["yes", "no"]
    owner: int


class NextTimes:
    """ "Next time: ..." after a log, from one history query for all the exercises."""

    def __init__(self, services: Services) -> None:
        self.store = services.store
        self.library = services.library

    async def step(self, user: User, exercise_id: str) -> Next | None:
        return (await self.steps(user, [exercise_id])).get(exercise_id)

    async def steps(self, user: User, exercise_ids: list[str]) -> dict[str, Next]:
        known = [i for i in exercise_ids if i in self.library.exercises]
        history = await self.store.recent_sets_by_exercise(user.id, known, SESSIONS_NEEDED)
        found: dict[str, Next] = {}
        for exercise_id in known:
            ex = self.library.exercises[exercise_id]
            nxt = dose.next_step(ex, self.library, user.settings, history.get(exercise_id, []))
            if nxt is not None:
                found[exercise_id] = nxt
        return found

    async def after_log(self, user: User, exercise_id: str) -> str:
        """` Next time: 3 x 10 @ 18 kg, one step up.` (empty when there is nothing to say)."""
        nxt = await self.step(user, exercise_id)
        if nxt is None:
            return ""
        return f" Next time: {render.next_phrase(nxt, user.settings.units, self.library)}."

    async def after_session(self, user: User, exercise_ids: list[str]) -> str:
        """` Next time: Glute bridge 3 x 15; RDL 3 x 12 @ 20 kg.` for a whole session."""
        steps = await self.steps(user, exercise_ids)
        units = user.settings.units
        parts = [
            f"{exercise_name(self.library, i)} {render.next_phrase(nxt, units, self.library)}"
            for i, nxt in steps.items()
        ]
        return f" Next time: {'; '.join(parts)}." if parts else ""


class Progress(Feature):
    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.charts = services.charts
        self.plans = Plans(services)
        self.next_times = NextTimes(services)
        # SqliteStore implements these on top of the Store protocol (see HistoryStore).
        self.logs = cast(HistoryStore, services.store)

    # ------------------------------------------------------------------ /progress

    @command("progress", "Your streak, weekly sets, records and an 8-week chart")
    async def progress(self, ctx: Ctx, _: str) -> Reply:
        user, today = ctx.user, ctx.today
        sets = await self.logs.export_sets(user.id)
        if not any(not s.skipped for s in sets):
            return _private(
                "Nothing logged yet, so no progress to show. Send /today, do the session and "
                "reply with what you did: your streak and records start there.",
                "Your progress",
            )
        planned = planned_per_week(user.settings)
        monday = week_start(today)
        sunday = monday + timedelta(days=6)
        done_now = sessions_in(sets, monday, sunday)
        weeks = streak(sets, planned, today)
        lines = [f"This week: {done_now} of {planned} sessions" + _week_cheer(done_now, planned)]
        if weeks:
            lines.append(f"Streak: {weeks} week{'s' * (weeks != 1)} in a row meeting your plan.")
        else:
            lines.append(f"Streak: hit {planned} sessions this week to start one.")
        lines += self._group_lines([s for s in sets if monday <= s.plan_date <= sunday], user)
        fresh = {s.exercise_id for s in new_records(sets, monday, sunday)}
        records = all_records(sets)[:RECORDS_SHOWN]
        if records:
            lines += ["", "Personal records:"]
            lines += [
                self._record_line(r, user.settings.units, r.exercise_id in fresh) for r in records
            ]
        text = "\n".join(lines)
        image = await self._chart(sets, planned, today)
        return Reply([Outbound(text, title="Your progress", image=image, private=True)])

    def _group_lines(self, week: list[SetLog], user: User) -> list[str]:
        counts = sets_by_group(week, self.library)
        groups = self.library.taxonomy.groups
        worked = [f"{groups[g]} {n}" for g, n in counts.items() if n]
        lines = ["Sets this week: " + (", ".join(worked) if worked else "none yet") + "."]
        nudge = neglected(counts, self.library, user.settings)
        if nudge is not None:
            ex = nudge.exercise
            rx = render.fmt_prescription(dose.prescribed(ex, self.library, user.settings.level))
            rx = rx.split(",")[0]
            lines.append(
                f"Least work: {nudge.group_name} ({nudge.sets} set{'s' * (nudge.sets != 1)}). "
                f"Add {ex.name}, {rx}: /howto {ex.name.split(' (')[0].lower()}"
            )
        return lines

    def _record_line(self, r: Records, units: str, fresh: bool) -> str:
        parts = []
        if r.at_loads:
            parts.append(
                ", ".join(f"{b.reps} @ {render.fmt_load(b.load_kg, units)}" for b in r.at_loads[:3])
            )
        if r.best_e1rm:
            parts.append(f"est. 1RM {render.fmt_load(r.best_e1rm[0], units)}")
        if r.best_reps and not r.at_loads:
            parts.append(f"{r.best_reps[0]} reps")
        if r.best_seconds:
            parts.append(f"{r.best_seconds[0]} s")
        star = " (new this week!)" if fresh else ""
        return f"• {exercise_name(self.library, r.exercise_id)}: {' · '.join(parts)}{star}"

    async def _chart(self, sets: list[SetLog], planned: int, today: date) -> Attachment | None:
        charts = self.charts
        if charts is None:
            return None
        data = chart_data(sets, self.library, planned, today)
        if not any(data.sessions):
            return None
        try:
            png = await asyncio.to_thread(charts.progress_png, data)
        except Exception:  # the numbers still go out as text
            log.exception("progress chart failed")
            return None
        return Attachment("progress.png", png, "image/png")

    # ------------------------------------------------------------------ /history

    @command(
        "history",
        "Your last sessions; fix one with /history edit 2 12 10 10 or /history delete 2",
        CommandArg("action", "Empty, a number of days, edit N sets, or delete N", False),
    )
    async def history(self, ctx: Ctx, rest: str) -> Reply:
        words = rest.split()
        action = words[0].lower() if words else ""
        if action in ("edit", "change", "fix"):
            return await self._edit(ctx, words[1:])
        if action in ("delete", "del", "remove"):
            return await self._delete(ctx, words[1:])
        if words and not action.isdigit():
            return _private(
                "Send /history for your last sessions, /history edit 2 12 10 10 to fix entry 2, "
                "or /history delete 2 to remove it."
            )
        days = min(int(action), MAX_HISTORY_SESSIONS) if action.isdigit() else HISTORY_SESSIONS
        found = entries(await self.logs.recent_sets(ctx.user.id, max(days, 1)))
        if not found:
            return _private("Nothing logged yet. Send /today and reply with what you did.")
        shown = len({e.day for e in found})
        text = history_text(found, self.library, ctx.units)
        return _private(text, f"Your last {shown} session{'s' * (shown != 1)}")

    async def _entry(self, ctx: Ctx, words: list[str]) -> Entry | str:
        """The entry a number names (this person's only), or what to say instead."""
        if not words or not words[0].isdigit():
            return "Which entry? Send /history to see the numbers, e.g. /history delete 2."
        number = int(words[0])
        found = entries(await self.logs.recent_sets(ctx.user.id, MAX_HISTORY_SESSIONS))
        match = next((e for e in found if e.number == number), None)
        if match is None:
            return f"There's no entry {number} in your recent history. Send /history to check."
        return match

    async def _edit(self, ctx: Ctx, words: list[str]) -> Reply:
        entry = await self._entry(ctx, words)
        if isinstance(entry, str):
            return _private(entry)
        if len(words) < 2:
            return _private(
                f"What should entry {entry.number} say? e.g. /history edit "
                f"{entry.number} 12 10 10 or 3x10 @ 40kg."
            )
        try:
            parsed = parse_log(" ".join(words[1:]))
        except LogParseError as exc:
            return _private(exc.message + " The entry is unchanged.")
        planned = await self._planned_on(ctx.user, entry)
        if planned is None:
            return _private("That exercise is no longer in the library, so I can't edit it.")
        if entry.load_kg is not None and all(s.load is None for s in parsed.sets):
            planned = replace(planned, load_kg=entry.load_kg)  # "12 10 10" keeps the weight
        new = dose.to_sets(planned, parsed, ctx.units)
        old, _ = await self.logs.replace_sets(ctx.user.id, entry.ids, new)
        name = exercise_name(self.library, entry.exercise_id)
        return _private(
            f"Updated {name} on {render.fmt_day(entry.day)}: {render.fmt_sets(new, ctx.units)} "
            f"(was {render.fmt_sets(old, ctx.units)})."
        )

    async def _delete(self, ctx: Ctx, words: list[str]) -> Reply:
        entry = await self._entry(ctx, words)
        if isinstance(entry, str):
            return _private(entry)
        removed = await self.logs.delete_sets(ctx.user.id, entry.ids)
        name = exercise_name(self.library, entry.exercise_id)
        return _private(
            f"Deleted {name} on {render.fmt_day(entry.day)} "
            f"({render.fmt_sets(removed, ctx.units)})."
        )

    async def _planned_on(self, user: User, entry: Entry) -> PlannedExercise | None:
        """How the exercise was prescribed that day (stored plan), else the content's dose."""
        stored = await self.store.get_plan(user.id, entry.day)
        if stored is not None:
            found = DayPlan.from_dict(stored[1]).find(entry.exercise_id)
            if found is not None:
                return found
        return self.plans.extra(entry.exercise_id, user.settings.level)

    # ------------------------------------------------------------------ /export

    @command("export", "Your training log as a CSV file")
    async def export(self, ctx: Ctx, _: str) -> Reply:
        user = ctx.user
        sets = await self.logs.export_sets(user.id)
        if not sets:
            return _private("Nothing logged yet, so there's nothing to export.")
        first, last = sets[0].plan_date, sets[-1].plan_date
        data = export_csv(sets, self.library, ctx.units).encode()
        doc = Attachment(export_filename(ctx.today), data, "text/csv")
        text = (
            f"Your training log: {len(sets)} sets from {render.fmt_day(first)} to "
            f"{render.fmt_day(last)}, loads in {ctx.units}. Opens in any spreadsheet."
        )
        # Private: asked in a group, the coach sends it to the person's own chat.
        return Reply([Outbound(text, title="Your export", document=doc, private=True)])

    # ------------------------------------------------------------------ /forget

    @command("forget", "Delete everything Backline holds about you (asks first)")
    async def forget(self, ctx: Ctx, _: str) -> Reply:
        uid = ctx.user.id
        if not ctx.event.is_group:
            await self.services.save_state(uid, ForgetState())
        how = "Tap the button" if ctx.event.is_group else 'Tap the button or type "forget me"'
        text = (
            "This deletes everything I hold about you: every logged set, your plans, settings "
            "and reminders. It can't be undone (send /export first for a copy). "
            f"{how} to confirm."
        )
        buttons = (
            (
                Button("Yes, delete everything", ForgetAnswer("yes", uid).encode()),
                Button("Keep my data", ForgetAnswer("no", uid).encode()),
            ),
        )
        return Reply([Outbound(text, title="Forget me?", buttons=buttons, private=True)])

    @on_button(ForgetAnswer)
    async def forget_button(self, ctx: Ctx, data: ForgetAnswer) -> Reply:
        if data.owner != ctx.user.id:
            return Reply(
                [
                    Outbound(
                        "That button is for someone else. Send /forget for your own data.",
                        private=True,
                    )
                ],
                button_ack="Not yours",
            )
        if data.answer == "yes":
            return await self._forget(ctx)
        await self.services.clear_state(ctx.user.id, ForgetState)
        return Reply([Outbound("Kept everything. Nothing was deleted.", private=True)], "Kept")

    @on_state(ForgetState)
    async def forget_answer(self, ctx: Ctx, state: ForgetState, text: str) -> Reply:
        """A typed answer while /forget waits for confirmation."""
        if text.strip().lower().strip("!.\"' ") in FORGET_WORDS:
            return await self._forget(ctx)
        await self.services.clear_state(ctx.user.id, ForgetState)
        return _private('Okay, nothing deleted. (To delete, send /forget and type "forget me".)')

    async def _forget(self, ctx: Ctx) -> Reply:
        await self.logs.forget_user(ctx.user.id)
        return Reply(
            [
                Outbound(
                    "Done: everything I held about you is deleted. If you message me again "
                    "I'll start fresh. Look after that back!",
                    title="Forgotten",
                    private=True,
                )
            ],
            button_ack="Deleted",
        )

    # ------------------------------------------------------------------ weekly summary

    async def weekly_summary(self, user_id: int, week_end: date) -> list[Outbound]:
        """The week ending on `week_end` (inclusive): sessions, sets per group, new records and
        what's next. Nothing for someone who has never logged a set."""
        user = await self.store.get_user(user_id)
        if user is None:
            return []
        sets = await self.logs.export_sets(user.id)
        if not any(not s.skipped for s in sets if s.plan_date <= week_end):
            return []
        start = week_end - timedelta(days=6)
        units = user.settings.units
        planned = planned_per_week(user.settings)
        done = sessions_in(sets, start, week_end)
        lines = [f"Sessions: {done} of {planned}" + _week_cheer(done, planned)]
        # The week is over: the streak goes on only if this week met the plan too.
        weeks = streak([s for s in sets if s.plan_date <= week_end], planned, week_end)
        if done >= planned and weeks > 1:
            lines.append(f"That's {weeks} weeks in a row meeting your plan.")
        lines += self._group_lines([s for s in sets if start <= s.plan_date <= week_end], user)
        bests = new_records(sets, start, week_end)
        if bests:
            lines.append(
                "New bests: "
                + "; ".join(
                    f"{exercise_name(self.library, s.exercise_id)} {render.fmt_sets([s], units)}"
                    for s in bests
                )
                + "."
            )
        lines += await self._next_week(user, sets, start, week_end)
        title = f"Your week · {render.fmt_day(start)} to {render.fmt_day(week_end)}"
        return [Outbound("\n".join(lines), title=title, chat_id=user.chat_id, private=True)]

    async def _next_week(
        self, user: User, sets: list[SetLog], start: date, week_end: date
    ) -> list[str]:
        days = [
            week_end + timedelta(days=i)
            for i in range(1, 8)
            if is_training_day(user.settings, week_end + timedelta(days=i))
        ]
        if not days:
            return []
        names = ", ".join(WEEKDAY_NAMES[d.weekday()].capitalize() for d in days)
        lines = [f"Next week: {names}."]
        trained = dict.fromkeys(
            s.exercise_id for s in sets if start <= s.plan_date <= week_end and not s.skipped
        )
        for exercise_id in trained:
            nxt = await self.next_times.step(user, exercise_id)
            if nxt is not None and nxt.kind in PROGRESS_KINDS:
                name = exercise_name(self.library, exercise_id)
                phrase = render.next_phrase(nxt, user.settings.units, self.library)
                lines.append(f"• {name}: {phrase}")
        return lines


def _week_cheer(done: int, planned: int) -> str:
    if planned and done >= planned:
        return ". Plan met, well done!"
    if done:
        return ". Every session counts."
    return ". A fresh start is one session away."


def _private(text: str, title: str | None = None) -> Reply:
    return Reply([Outbound(text, title=title, private=True)])
