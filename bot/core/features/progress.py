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
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from bot.core import dose, render
from bot.core.dispatch import ButtonData, CommandArg, Ctx, State, command, on_button, on_state
from bot.core.events import Attachment, Button, Outbound, Reply
from bot.core.features.base import Feature, Services
from bot.core.features.plans import Plans
from bot.core.features.setup import SetLevel
from bot.core.history import (
    HISTORY_SESSIONS,
    MAX_HISTORY_SESSIONS,
    Entry,
    entries,
    export_csv_chunks,
    export_filename,
)
from bot.core.library import LevelDose
from bot.core.lookup import exercise_name
from bot.core.numerals import read_int
from bot.core.parser import LogParseError, parse_log
from bot.core.planner import DayPlan, PlannedExercise, growing, is_training_day
from bot.core.ports import SetLog, User
from bot.core.progress import (
    ProgressChart,
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
from bot.core.progression import SESSIONS_NEEDED, Next, level_rank
from bot.core.settings import LEVELS

log = logging.getLogger(__name__)

FORGET_WORDS = ("forget me",)
EDIT_WORDS = ("edit", "change", "fix")
DELETE_WORDS = ("delete", "del", "remove")
RECORDS_SHOWN = 5
# Next steps worth a line in the summary.
PROGRESS_KINDS = ("raise", "add", "harder", "easier", "back", "lighter")


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
        self.plans = Plans(services)

    async def step(self, user: User, exercise_id: str) -> Next | None:
        return (await self.steps(user, [exercise_id])).get(exercise_id)

    async def steps(
        self,
        user: User,
        exercise_ids: list[str],
        day: date | None = None,
        before: date | None = None,
    ) -> dict[str, Next]:
        """`day`: the plan the log was on. A main lift's sets hold for the block (the planner
        fits them from the day's main lifts alone), so the next day that has it says how many
        sets it starts from, without planning whole weeks. `before`: from the sessions before
        that date only (what was prescribed for it)."""
        known = [i for i in exercise_ids if i in self.library.exercises]
        history = await self.store.recent_sets_by_exercise(user.id, known, SESSIONS_NEEDED)
        if before is not None:
            history = {i: [s for s in sets if s.plan_date < before] for i, sets in history.items()}
        # Sessions of lighter weeks aren't judged (the plan itself shows a lighter week).
        last = max((s.plan_date for sets in history.values() for s in sets), default=None)
        lighter = await self.plans.lighter_weeks(user, last) if last else {}
        planned = await self.plans.block_sets(user, known, day) if day else {}
        shown = await self.plans.shown_sets(user.id, history.values())
        found: dict[str, Next] = {}
        for exercise_id in known:
            ex = self.library.exercises[exercise_id]
            past = history.get(exercise_id, [])
            sets = planned.get(exercise_id)
            nxt = dose.next_step(
                ex, self.library, user.settings, past, sets, lighter, shown=shown.get(exercise_id)
            )
            if nxt is not None:
                found[exercise_id] = nxt
        return found

    async def as_prescribed(
        self, user: User, planned: Sequence[PlannedExercise], day: date
    ) -> list[PlannedExercise]:
        """`planned` filled in from the person's own next step where the plan is silent: a move
        outside `day`'s plan (an extra) gets its whole dose, sets, aims and load, as "Next
        time" last said it; a loaded move planned without a load (a group's session, shown to
        everyone) their load. What "done", and sets typed without a weight, store."""

        def silent(p: PlannedExercise) -> bool:
            ex = self.library.exercises.get(p.exercise_id)
            return ex is not None and (p.slot == "extra" or (ex.loaded and p.load_kg is None))

        needed = list(dict.fromkeys(p.exercise_id for p in planned if silent(p)))
        steps = await self.steps(user, needed, before=day) if needed else {}
        out = []
        for p in planned:
            nxt = steps.get(p.exercise_id) if silent(p) else None
            if nxt is not None and p.slot == "extra":
                p = replace(
                    p,
                    sets=nxt.sets,
                    reps=nxt.reps or p.reps,
                    seconds=nxt.seconds or p.seconds,
                    load_kg=nxt.load_kg,
                    aims=nxt.aims,
                )
            elif nxt is not None:
                p = replace(p, load_kg=nxt.load_kg)
            out.append(p)
        return out

    async def after_log(self, user: User, exercise_id: str, day: date | None = None) -> str:
        """` Next time: 3 x 10-12 @ 18 kg (aim 10), one step up.` (empty when there is nothing
        to say). `day`: the plan's day."""
        nxt = (await self.steps(user, [exercise_id], day)).get(exercise_id)
        if nxt is None:
            return ""
        return f" Next time: {render.next_phrase(nxt, user.settings.units, self.library)}."

    async def after_session(
        self, user: User, exercise_ids: list[str], day: date | None = None
    ) -> list[tuple[str, str]]:
        """(exercise name, `3 x 10-12 (aim 12)`) for each exercise of a whole session."""
        steps = await self.steps(user, exercise_ids, day)
        units = user.settings.units
        return [
            (exercise_name(self.library, i), render.next_phrase(nxt, units, self.library))
            for i, nxt in steps.items()
        ]


class Progress(Feature):
    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.charts = services.charts
        self.plans = Plans(services)
        self.next_times = NextTimes(services)
        self.logs = services.store  # ports.SetHistory and People.forget_user, part of Store

    # ------------------------------------------------------------------ /progress

    @command("progress", "Your streak, weekly sets, records and an 8-week chart")
    async def progress(self, ctx: Ctx, _: str) -> Reply:
        user, today = ctx.user, ctx.today
        sets = await self.logs.export_sets(user.id)
        if not any(not s.skipped for s in sets):
            return _private(render.NO_PROGRESS_YET, render.PROGRESS_TITLE)
        planned = planned_per_week(user.settings)
        # Streaks, records and the chart's numbers go over the whole history: worked out on a
        # thread, so other people's answers don't wait for a long history behind this one.
        text, data = await asyncio.to_thread(self._report, sets, user, today, planned)
        image = await self._chart(data)
        return Reply([Outbound(text, title=render.PROGRESS_TITLE, image=image, private=True)])

    def _report(
        self, sets: list[SetLog], user: User, today: date, planned: int
    ) -> tuple[str, ProgressChart]:
        """The /progress text and the chart's data (pure, over the whole history)."""
        monday = week_start(today)
        sunday = monday + timedelta(days=6)
        lines = render.progress_head(
            sessions_in(sets, monday, sunday), planned, streak(sets, planned, today)
        )
        lines += self._group_lines([s for s in sets if monday <= s.plan_date <= sunday], user)
        fresh = {s.exercise_id for s in new_records(sets, monday, sunday)}
        records = all_records(sets)[:RECORDS_SHOWN]
        lines += render.records_lines(records, fresh, self.library, user.settings.units)
        return "\n".join(lines), chart_data(sets, self.library, planned, today)

    def _group_lines(self, week: list[SetLog], user: User) -> list[str]:
        counts = sets_by_group(week, self.library)
        nudge = neglected(counts, self.library, user.settings)
        rx = dose.prescribed(nudge.exercise, self.library, user.settings.level) if nudge else None
        return render.group_lines(counts, self.library, nudge, rx)

    async def _chart(self, data: ProgressChart) -> Attachment | None:
        charts = self.charts
        if charts is None:
            return None
        if not any(data.sessions):
            return None
        try:
            png = await charts.progress_png(data)
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
        if action in EDIT_WORDS:
            return await self._edit(ctx, words[1:])
        if action in DELETE_WORDS:
            return await self._delete(ctx, words[1:])
        count = read_int(action)
        if words and count is None:
            return _private(render.HISTORY_USAGE)
        days = min(count, MAX_HISTORY_SESSIONS) if count is not None else HISTORY_SESSIONS
        found = entries(await self.logs.recent_sets(ctx.user.id, max(days, 1)))
        if not found:
            return _private(render.NOTHING_LOGGED)
        text = render.history_text(found, self.library, ctx.units)
        return _private(text, render.history_title(len({e.day for e in found})))

    async def _entry(self, ctx: Ctx, words: list[str]) -> Entry | str:
        """The entry a number names (this person's only), or what to say instead."""
        number = read_int(words[0]) if words else None
        if number is None:
            return render.WHICH_ENTRY
        found = entries(await self.logs.recent_sets(ctx.user.id, MAX_HISTORY_SESSIONS))
        match = next((e for e in found if e.number == number), None)
        return render.no_entry(number) if match is None else match

    async def _edit(self, ctx: Ctx, words: list[str]) -> Reply:
        entry = await self._entry(ctx, words)
        if isinstance(entry, str):
            return _private(entry)
        if len(words) < 2:
            return _private(render.entry_needs_sets(entry.number, ctx.units))
        try:
            parsed = parse_log(" ".join(words[1:]))
        except LogParseError as exc:
            return _private(exc.message + render.ENTRY_UNCHANGED)
        planned = await self._planned_on(ctx.user, entry)
        if planned is None:
            return _private(render.ENTRY_EXERCISE_GONE)
        if entry.load_kg is not None and all(s.load is None for s in parsed.sets):
            planned = replace(planned, load_kg=entry.load_kg)  # "12 10 10" keeps the weight
        new = dose.to_sets(planned, parsed, ctx.units)
        old, _ = await self.logs.replace_sets(ctx.user.id, entry.ids, new)
        name = exercise_name(self.library, entry.exercise_id)
        return _private(render.entry_updated(name, entry.day, new, old, ctx.units))

    async def _delete(self, ctx: Ctx, words: list[str]) -> Reply:
        entry = await self._entry(ctx, words)
        if isinstance(entry, str):
            return _private(entry)
        removed = await self.logs.delete_sets(ctx.user.id, entry.ids)
        name = exercise_name(self.library, entry.exercise_id)
        return _private(render.entry_deleted(name, entry.day, removed, ctx.units))

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
        sets = await self.logs.export_sets(ctx.user.id)
        if not sets:
            return _private(render.NOTHING_TO_EXPORT)
        # Written in pieces, giving the event loop back between them: other people's answers
        # don't wait for a long history to be formatted.
        pieces = []
        for piece in export_csv_chunks(sets, self.library, ctx.units):
            pieces.append(piece.encode())
            await asyncio.sleep(0)
        data = b"".join(pieces)
        doc = Attachment(export_filename(ctx.today), data, "text/csv")
        text = render.export_text(len(sets), sets[0].plan_date, sets[-1].plan_date, ctx.units)
        # Private: asked in a group, the coach sends it to the person's own chat.
        return Reply([Outbound(text, title=render.EXPORT_TITLE, document=doc, private=True)])

    # ------------------------------------------------------------------ /forget

    @command("forget", "Delete everything Backline holds about you (asks first)")
    async def forget(self, ctx: Ctx, _: str) -> Reply:
        uid = ctx.user.id
        if not ctx.in_group:
            await self.services.save_state(uid, ForgetState())
        buttons = (
            (
                Button(render.FORGET_YES, ForgetAnswer("yes", uid).encode()),
                Button(render.FORGET_NO, ForgetAnswer("no", uid).encode()),
            ),
        )
        text = render.forget_question(ctx.in_group)
        return Reply([Outbound(text, title=render.FORGET_TITLE, buttons=buttons, private=True)])

    @on_button(ForgetAnswer)
    async def forget_button(self, ctx: Ctx, data: ForgetAnswer) -> Reply:
        if data.owner != ctx.user.id:
            return Reply([Outbound(render.FORGET_NOT_YOURS, private=True)], render.ACK_NOT_YOURS)
        if data.answer == "yes":
            return await self._forget(ctx)
        await self.services.clear_state(ctx.user.id, ForgetState)
        return Reply([Outbound(render.FORGET_KEPT, private=True)], render.ACK_KEPT)

    @on_state(ForgetState)
    async def forget_answer(self, ctx: Ctx, state: ForgetState, text: str) -> Reply:
        """A typed answer while /forget waits for confirmation."""
        if text.strip().lower().strip("!.\"' ") in FORGET_WORDS:
            return await self._forget(ctx)
        await self.services.clear_state(ctx.user.id, ForgetState)
        return _private(render.FORGET_KEPT_TYPED)

    async def _forget(self, ctx: Ctx) -> Reply:
        await self.logs.forget_user(ctx.user.id)
        out = Outbound(render.FORGOTTEN, title=render.FORGOTTEN_TITLE, private=True)
        return Reply([out], button_ack=render.ACK_DELETED)

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
        planned = planned_per_week(user.settings)
        done = sessions_in(sets, start, week_end)
        # The week is over: the streak goes on only if this week met the plan too.
        weeks = streak([s for s in sets if s.plan_date <= week_end], planned, week_end)
        lines = render.summary_head(done, planned, weeks)
        lines += self._group_lines([s for s in sets if start <= s.plan_date <= week_end], user)
        bests = new_records(sets, start, week_end)
        lines += render.new_bests(bests, self.library, user.settings.units)
        ahead, locked = await self._next_week(user, sets, start, week_end)
        lines += ahead
        buttons: tuple[tuple[Button, ...], ...] = ()
        # Not until a newcomer has had a full session for a week: form and habit first.
        ramping = growing(self.library, user.settings, week_end)
        level = None if ramping else self._level_up(user, locked)
        if level is not None:  # owned moves whose next step is a level up: offer it
            names = [exercise_name(self.library, i) for i in locked]
            lines.append(render.level_up_offer(names, level.name))
            buttons = (
                (
                    Button(render.take_level(level.name), SetLevel(level.id).encode()),
                    Button(render.KEEP_MY_LEVEL, SetLevel("keep").encode()),
                ),
            )
        title = render.summary_title(start, week_end)
        text = "\n".join(lines)
        return [Outbound(text, title=title, chat_id=user.chat_id, private=True, buttons=buttons)]

    def _level_up(self, user: User, locked: list[str]) -> LevelDose | None:
        """The next level up that the locked moves need, if any."""
        mine = level_rank(user.settings.level)
        ranks = [level_rank(self.library.exercises[i].level) for i in locked]
        above = sorted(r for r in ranks if r > mine)
        if not above:
            return None
        return self.library.levels.get(LEVELS[min(above[0], mine + 1)])

    async def _next_week(
        self, user: User, sets: list[SetLog], start: date, week_end: date
    ) -> tuple[list[str], list[str]]:
        """(the "Next week" lines, owned moves' harder variations that need a higher level)."""
        days = [
            week_end + timedelta(days=i)
            for i in range(1, 8)
            if is_training_day(user.settings, week_end + timedelta(days=i))
        ]
        if not days:
            return [], []
        trained = dict.fromkeys(
            s.exercise_id for s in sets if start <= s.plan_date <= week_end and not s.skipped
        )
        steps: list[tuple[str, str]] = []
        locked: list[str] = []
        for exercise_id, nxt in (await self.next_times.steps(user, list(trained))).items():
            if nxt.kind in PROGRESS_KINDS:
                phrase = render.next_phrase(nxt, user.settings.units, self.library)
                steps.append((exercise_name(self.library, exercise_id), phrase))
            if nxt.locked is not None and nxt.locked not in locked:
                locked.append(nxt.locked)
        return render.next_week(days, steps), locked


def _private(text: str, title: str | None = None) -> Reply:
    return Reply([Outbound(text, title=title, private=True)])
