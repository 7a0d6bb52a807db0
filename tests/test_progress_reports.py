"""Progress reports: streaks, sets per muscle group, records, the 8-week chart, /progress, the
weekly summary and "Next time" after a log, on the real library, the memory store (see `env` in
tests/test_conversation.py) and matplotlib."""

from __future__ import annotations

import io
import itertools
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.charts import MatplotlibCharts, progress_figure
from bot.content import default_library
from bot.core.coach import Coach
from bot.core.events import InboundEvent, Outbound, Reply, UserRef
from bot.core.library import Library
from bot.core.ports import NewSet, SetLog, Store
from bot.core.progress import (
    ProgressChart,
    chart_data,
    e1rm,
    neglected,
    new_records,
    rep_front,
    sets_by_group,
    streak,
    week_start,
)
from bot.core.settings import Settings
from bot.core.units import to_kg
from bot.store.memory import MemoryStore
from tests import test_conversation as conversation
from tests.test_conversation import MONDAY, Clock, text_of

# The conversation tests' fixtures: a movable clock, and a Coach over the memory store.
clock = conversation.clock
env = conversation.env

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EVENT_IDS = itertools.count(1_000_000)
RDL = "romanian-deadlift-dumbbell"  # primary: hamstrings, glute max
ROW = "dumbbell-bent-over-row"  # primary: mid back and lats
DUMBBELLS = frozenset({"bodyweight", "band", "dumbbells", "bench"})


# ---------------------------------------------------------------- a small adapter stand-in


@dataclass
class Member:
    """Talks to the real Coach like an adapter: records what it was sent, so replies link."""

    coach: Coach
    name: str
    group: str | None = None  # a group chat id: speak there instead of in a private chat
    sent: list[tuple[str, Outbound]] = field(default_factory=list)
    _n: int = 0

    @property
    def ref(self) -> UserRef:
        return UserRef("test", self.name)

    @property
    def chat_id(self) -> str:
        return self.group or f"dm-{self.name}"

    async def _send(self, **fields) -> Reply:
        self._n += 1
        event = InboundEvent(
            user=self.ref,
            chat_id=self.chat_id,
            display_name=self.name.capitalize(),
            is_group=self.group is not None,
            message_id=f"{self.name}-{self._n}",
            event_id=str(next(EVENT_IDS)),  # opaque, like Telegram's update_id
            **fields,
        )
        reply = await self.coach.handle(event)
        for out in reply.messages:
            message_id = await self.coach.next_message_id("test")
            await self.coach.record_sent("test", out.chat_id or self.chat_id, message_id, out)
            self.sent.append((message_id, out))
        return reply

    async def say(self, text: str, reply_to: str | None = None) -> Reply:
        return await self._send(text=text, reply_to=reply_to)

    async def press(self, message_id: str, data: str) -> Reply:
        return await self._send(button=data, reply_to=message_id)

    def last_id(self, kind: str) -> str:
        for message_id, out in reversed(self.sent):
            if out.link and out.link.kind == kind:
                return message_id
        raise AssertionError(f"no {kind} message sent")


@pytest.fixture(scope="module")
def library() -> Library:
    return default_library()


def sets_of(exercise_id: str, reps: list[int], load: float | None = None) -> list[NewSet]:
    return [NewSet(exercise_id, n, reps=r, load_kg=load) for n, r in enumerate(reps, 1)]


def log_row(day: date, exercise_id: str, reps: int | None, load: float | None = None,
            skipped: bool = False, n: int = 1) -> SetLog:  # fmt: skip
    return SetLog(n, 1, day, exercise_id, 1, reps, None, load, skipped, n, None,
                  datetime(2026, 1, 1, tzinfo=UTC))  # fmt: skip


def sessions_on(days: list[date], exercise_id: str = RDL) -> list[SetLog]:
    return [log_row(d, exercise_id, 10, 20.0, n=i) for i, d in enumerate(days)]


# ---------------------------------------------------------------- streaks and sessions


def test_streak_counts_weeks_meeting_the_plan() -> None:
    weeks = [MONDAY - timedelta(days=7 * w) for w in (1, 2, 3)]
    full = [w + timedelta(days=d) for w in weeks for d in (0, 2, 4)]
    assert streak(sessions_on(full), 3, MONDAY) == 3  # this week isn't over: no break
    assert streak(sessions_on(full), 4, MONDAY) == 0
    this_week = [MONDAY, MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)]
    assert streak(sessions_on(full + this_week), 3, MONDAY + timedelta(days=2)) == 4


def test_a_short_week_breaks_the_streak_and_skips_are_not_sessions() -> None:
    last, before = MONDAY - timedelta(days=7), MONDAY - timedelta(days=14)
    logs = sessions_on([last, last + timedelta(days=2), last + timedelta(days=4)])
    logs += sessions_on([before, before + timedelta(days=2)])  # only 2 of 3
    logs.append(log_row(before + timedelta(days=4), RDL, None, skipped=True, n=99))
    assert streak(logs, 3, MONDAY) == 1
    assert streak(logs, 0, MONDAY) == 0  # no training days planned: no streak to speak of


def test_weeks_start_on_monday() -> None:
    assert week_start(MONDAY + timedelta(days=6)) == MONDAY
    assert week_start(MONDAY) == MONDAY


# ---------------------------------------------------------------- muscle groups


def test_sets_count_once_per_primary_group(library: Library) -> None:
    logs = [log_row(MONDAY, RDL, 10, 20.0, n=i) for i in range(3)]
    logs.append(log_row(MONDAY, ROW, 12, 14.0, n=10))
    logs.append(log_row(MONDAY, ROW, None, skipped=True, n=11))
    counts = sets_by_group(logs, library)
    assert counts["hamstrings"] == 3 and counts["glutes"] == 3
    assert counts["mid_back"] == 1 and counts["lats"] == 1
    assert counts["calves"] == 0 and counts["lower_back"] == 0  # secondary muscles don't count
    assert "core" not in counts  # helpers aren't the back line


def test_the_nudge_goes_to_the_least_trained_group_the_person_can_train(library: Library) -> None:
    counts = {g: 6 for g in ("glutes", "hamstrings", "mid_back", "lats", "lower_back",
                             "rear_delts", "calves", "neck_traps")}  # fmt: skip
    counts["calves"] = 1
    nudge = neglected(counts, library, Settings())
    assert nudge is not None and nudge.group == "calves" and nudge.sets == 1
    assert "calves" in {library.taxonomy.muscles[m].group for m in nudge.exercise.primary}
    assert nudge.exercise.bodyweight  # a bodyweight-only person gets a move they can do
    counts["calves"], counts["neck_traps"] = 6, 0  # only dumbbell shrugs train the neck
    nudge = neglected(counts, library, Settings())
    assert nudge is not None and nudge.group != "neck_traps"
    with_dumbbells = neglected(counts, library, Settings(equipment=DUMBBELLS))
    assert with_dumbbells is not None and with_dumbbells.group == "neck_traps"


# ---------------------------------------------------------------- records


def test_brzycki_estimate_and_its_limits() -> None:
    assert e1rm(100, 10) == pytest.approx(100 * 36 / 27)
    assert e1rm(100, 1) == pytest.approx(100)
    assert e1rm(100, 12) == pytest.approx(144)
    assert e1rm(100, 13) is None  # too many reps for a fair guess
    assert e1rm(100, 0) is None


def test_best_reps_at_a_load_keeps_only_undominated_loads() -> None:
    logs = [
        log_row(MONDAY, RDL, 12, 20.0, n=1),
        log_row(MONDAY, RDL, 10, 22.0, n=2),
        log_row(MONDAY, RDL, 8, 24.0, n=3),
        log_row(MONDAY, RDL, 8, 22.0, n=4),
        log_row(MONDAY, RDL, 12, 18.0, n=5),  # 12 @ 20 kg beats it
        log_row(MONDAY, RDL, 7, 24.0, n=6),
    ]
    front = [(b.load_kg, b.reps) for b in rep_front(logs)]
    assert front == [(24.0, 8), (22.0, 10), (20.0, 12)]


def test_new_records_beat_everything_before_the_week() -> None:
    before = MONDAY - timedelta(days=7)
    logs = [
        log_row(before, RDL, 12, 20.0, n=1),
        log_row(MONDAY, RDL, 12, 20.0, n=2),  # ties the old best: not a record
        log_row(MONDAY, RDL, 10, 22.0, n=3),  # heavier: a record
        log_row(MONDAY, ROW, 12, 14.0, n=4),  # first time ever: nothing to beat
    ]
    found = new_records(logs, MONDAY, MONDAY + timedelta(days=6))
    assert [(s.exercise_id, s.load_kg, s.reps) for s in found] == [(RDL, 22.0, 10)]


# ---------------------------------------------------------------- the chart


def test_chart_data_has_eight_weeks_of_sessions_and_group_sets(library: Library) -> None:
    today = MONDAY + timedelta(days=2)
    logs = [log_row(MONDAY, RDL, 10, 20.0, n=1), log_row(MONDAY + timedelta(days=2), ROW, 12,
            14.0, n=2), log_row(MONDAY - timedelta(days=49), RDL, 10, 20.0, n=3),
            log_row(MONDAY - timedelta(days=56), RDL, 10, 20.0, n=4)]  # fmt: skip
    chart = chart_data(logs, library, 3, today)
    assert chart.week_starts[0] == MONDAY - timedelta(days=49)
    assert chart.week_starts[-1] == MONDAY and len(chart.week_starts) == 8
    assert all(d.weekday() == 0 for d in chart.week_starts)
    assert chart.sessions == (1, 0, 0, 0, 0, 0, 0, 2)  # the 9th week back is out of the window
    series = dict(chart.group_sets)
    assert series["Hamstrings"] == (1, 0, 0, 0, 0, 0, 0, 1)
    assert series["Mid back"] == (0, 0, 0, 0, 0, 0, 0, 1)
    assert "Calves" not in series  # groups with no sets in 8 weeks stay off the chart
    assert chart.planned == 3


def sample_chart() -> ProgressChart:
    weeks = tuple(MONDAY - timedelta(days=7 * i) for i in reversed(range(8)))
    return ProgressChart(
        "Your last 8 weeks",
        weeks,
        (1, 2, 3, 3, 0, 2, 3, 1),
        3,
        (("Glutes", (3, 6, 9, 9, 0, 6, 9, 3)), ("Mid back", (2, 2, 4, 6, 0, 2, 4, 0))),
    )


def test_the_figure_plots_exactly_the_chart_data() -> None:
    chart = sample_chart()
    fig = progress_figure(chart)
    top, bottom = fig.axes
    assert [p.get_height() for p in top.patches] == list(chart.sessions)
    (plan_line,) = top.lines
    assert set(plan_line.get_ydata()) == {3}
    labels = [c.get_label() for c in bottom.containers]
    assert labels == ["Glutes", "Mid back"]
    glutes, mid_back = bottom.containers
    assert [p.get_height() for p in glutes.patches] == [3, 6, 9, 9, 0, 6, 9, 3]
    assert [p.get_height() for p in mid_back.patches] == [2, 2, 4, 6, 0, 2, 4, 0]
    assert [p.get_y() for p in mid_back.patches] == [3, 6, 9, 9, 0, 6, 9, 3]  # stacked
    ticks = [t.get_text() for t in bottom.get_xticklabels()]
    assert ticks[-1] == MONDAY.strftime("%d %b") and len(ticks) == 8


async def test_the_png_is_valid_and_decodes() -> None:
    from matplotlib.image import imread
    from PIL import Image

    charts = MatplotlibCharts()
    png = await charts.progress_png(sample_chart())
    assert await charts.progress_png(sample_chart()) is png  # the same data is drawn once
    assert png.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(png)) as image:
        image.verify()
    pixels = imread(io.BytesIO(png), format="png")
    assert pixels.shape[0] == 600 and pixels.shape[1] == 800
    assert pixels.std() > 0.05  # something was drawn, not a blank canvas


def test_the_core_and_the_howto_command_never_load_matplotlib() -> None:
    code = (
        "import sys, contextlib, io\n"
        "import bot.app, bot.core.coach, bot.charts\n"
        "assert 'matplotlib' not in sys.modules, 'imported at start-up'\n"
        "from bot.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['howto', 'rdl']) == 0\n"
        "assert 'matplotlib' not in sys.modules, 'howto loaded it'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    core = Path(__file__).parent.parent / "bot" / "core"
    for path in core.glob("*.py"):
        assert "matplotlib" not in path.read_text(), path.name


# ---------------------------------------------------------------- "Next time" and /today


async def dumbbell_member(coach: Coach, name: str = "sam") -> Member:
    member = Member(coach, name)
    await member.say("/settings equipment dumbbells")
    return member


async def test_the_confirmation_says_what_comes_next_and_today_shows_it(env, clock) -> None:
    coach, _ = env
    sam = await dumbbell_member(coach)
    await sam.say("/today")
    reply = await sam.say("rdl 12 12 @ 16kg", reply_to=sam.last_id("session"))
    assert "Next time: 2 x 10-12 @ 18 kg (aim 10), one step up." in text_of(reply)
    assert all(m.private for m in reply.messages)
    clock.set_day(MONDAY + timedelta(days=4))  # Friday: the RDL comes round again
    today = text_of(await sam.say("/today"))
    assert "Romanian deadlift (dumbbells): 2 x 10-12 @ 18 kg" in today
    assert "Up to 18 kg: you hit 12 on every set at 16 kg." in today


async def test_bare_sets_keep_the_planned_load_so_progression_sees_it(env, clock) -> None:
    coach, store = env
    sam = await dumbbell_member(coach)
    await sam.say("/today")
    await sam.say("rdl 12 12 @ 16kg", reply_to=sam.last_id("session"))
    clock.set_day(MONDAY + timedelta(days=4))
    await sam.say("/today")
    reply = await sam.say("rdl 12 12", reply_to=sam.last_id("session"))
    assert "12, 12 reps @ 18 kg" in text_of(reply)
    assert "Next time: 2 x 10-12 @ 20 kg (aim 10)" in text_of(reply)
    user = await store.find_user(sam.ref)
    assert {s.load_kg for s in await store.sets_on(user.id, clock.now.date())} == {18.0}


async def test_a_unit_switch_shows_the_next_step_in_pounds(env, clock) -> None:
    coach, _ = env
    sam = await dumbbell_member(coach)
    await sam.say("/today")
    await sam.say("rdl 12 12 @ 20kg", reply_to=sam.last_id("session"))
    await sam.say("/settings units lb")
    clock.set_day(MONDAY + timedelta(days=4))
    today = text_of(await sam.say("/today"))
    assert "@ 50 lb" in today and "Up to 50 lb" in today
    reply = await sam.say("rdl 12 12 @ 50lb", reply_to=sam.last_id("session"))
    assert "Next time: 2 x 10-12 @ 55 lb (aim 10), one step up." in text_of(reply)


async def test_all_done_lists_next_time_for_each_exercise(env) -> None:
    coach, _ = env
    sam = await dumbbell_member(coach)
    await sam.say("/today")
    reply = await sam.press(sam.last_id("session"), "plan:done")
    text = text_of(reply)
    assert "Logged as prescribed" in text and "Next time:\n• Romanian deadlift" in text


# ---------------------------------------------------------------- /progress


async def train(store: Store, user_id: int, weeks: int, today: date) -> None:
    """`weeks` full weeks of RDL and rows (Mon/Wed/Fri) before this week, then Monday's
    session this week, with the RDL climbing 2 kg a week."""
    monday = week_start(today)
    for w in range(weeks, 0, -1):
        for offset in (0, 2, 4):
            day = monday - timedelta(days=7 * w - offset)
            await store.add_sets(user_id, day, sets_of(RDL, [12, 11, 10], 20.0 - 2 * w), None)
            await store.add_sets(user_id, day, sets_of(ROW, [15, 15], 12.0), None)
    await store.add_sets(user_id, monday, sets_of(RDL, [12, 12, 10], 22.0), None)


async def test_progress_reports_streak_week_groups_records_and_a_chart(env, clock) -> None:
    coach, store = env
    clock.set_day(MONDAY + timedelta(days=2))
    sam = await dumbbell_member(coach)
    user = await store.find_user(sam.ref)
    await train(store, user.id, 3, clock.now.date())
    reply = await sam.say("/progress")
    (out,) = reply.messages
    assert out.private and out.title == "Your progress"
    assert "This week: 1 of 3 sessions" in out.text
    assert "Streak: 3 weeks in a row" in out.text
    assert "Sets this week: Glutes 3, Hamstrings 3." in out.text
    assert "Least work: Mid back (0 sets)" in out.text  # rows were skipped this week
    assert "Romanian deadlift (dumbbells): 12 @ 22 kg" in out.text
    assert "est. 1RM 31.75 kg" in out.text  # 22 * 36 / 25 = 31.68
    assert "(new this week!)" in out.text
    assert out.image is not None and out.image.mime == "image/png"
    assert out.image.data.startswith(PNG_SIGNATURE)


async def test_progress_before_any_log_explains_and_sends_no_chart(env) -> None:
    coach, _ = env
    reply = await Member(coach, "new").say("/progress")
    (out,) = reply.messages
    assert out.image is None and "Nothing logged yet" in out.text and out.private


async def test_a_broken_chart_still_sends_the_numbers(library: Library) -> None:
    class Broken:
        async def progress_png(self, chart: ProgressChart) -> bytes:
            raise RuntimeError("no fonts")

    store = MemoryStore()
    try:
        coach = Coach(store, library, clock=Clock(), charts=Broken())
        sam = Member(coach, "sam")
        user = await store.get_or_create_user(sam.ref, "dm-sam", "Sam")
        await store.add_sets(user.id, MONDAY, sets_of(RDL, [10, 10], 20.0), None)
        (out,) = (await sam.say("/progress")).messages
        assert out.image is None and "This week: 1 of 3 sessions" in out.text
    finally:
        await store.close()


# ---------------------------------------------------------------- the weekly summary


async def test_weekly_summary_has_sessions_groups_records_and_next_week(env, clock) -> None:
    coach, store = env
    sunday = MONDAY + timedelta(days=6)
    clock.set_day(sunday)
    sam = await dumbbell_member(coach)
    user = await store.find_user(sam.ref)
    await train(store, user.id, 2, sunday)
    await store.add_sets(user.id, MONDAY + timedelta(days=2), sets_of(RDL, [12, 12, 12], 22.0),
                         None)  # fmt: skip
    (out,) = await coach.weekly_summary(user.id, sunday)
    assert out.chat_id == "dm-sam" and out.private
    assert out.title == "Your week · Mon 23 Nov to Sun 29 Nov"
    assert "Sessions: 2 of 3" in out.text
    assert "Sets this week: Glutes 6, Hamstrings 6." in out.text
    assert "New bests: Romanian deadlift (dumbbells) 12 reps @ 22 kg." in out.text
    assert "Next week: Mon, Wed, Fri." in out.text
    assert (
        "• Romanian deadlift (dumbbells): 2 x 10-12 @ 24 kg (aim 10), one step up" in out.text
    )  # beginner
    assert "in a row" not in out.text  # 2 of 3 this week: the streak doesn't go on


async def test_weekly_summary_is_empty_for_someone_who_never_trained(env) -> None:
    coach, store = env
    sam = Member(coach, "sam")
    await sam.say("/help")
    user = await store.find_user(sam.ref)
    assert await coach.weekly_summary(user.id, MONDAY + timedelta(days=6)) == []
    assert await coach.weekly_summary(987654, MONDAY) == []


async def test_a_quiet_week_after_training_still_gets_a_summary(env) -> None:
    coach, store = env
    sam = Member(coach, "sam")
    await sam.say("/help")
    user = await store.find_user(sam.ref)
    await store.add_sets(user.id, MONDAY - timedelta(days=14), sets_of(RDL, [10], 20.0), None)
    (out,) = await coach.weekly_summary(user.id, MONDAY + timedelta(days=6))
    assert "Sessions: 0 of 3" in out.text and "fresh start" in out.text


def test_pounds_round_trip_through_storage() -> None:
    assert to_kg(50, "lb") == pytest.approx(22.68, abs=0.001)


async def test_weekly_summary_carries_the_streak_when_the_week_met_the_plan(env, clock) -> None:
    coach, store = env
    sunday = MONDAY + timedelta(days=6)
    sam = await dumbbell_member(coach)
    user = await store.find_user(sam.ref)
    await train(store, user.id, 2, sunday)
    for offset in (2, 4):
        await store.add_sets(user.id, MONDAY + timedelta(days=offset), sets_of(ROW, [15]), None)
    (out,) = await coach.weekly_summary(user.id, sunday)
    assert "Sessions: 3 of 3. Plan met, well done!" in out.text
    assert "That's 3 weeks in a row meeting your plan." in out.text
    assert "Least work: Lower back (0 sets)." in out.text  # the first untouched big mover
