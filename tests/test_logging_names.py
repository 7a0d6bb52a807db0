"""Logging, the conversation side of issue 12 item 7: names in a reply resolve against that
session's own exercises first; the example in every session message logs what it names (over
the whole grid); a log on a rest day is extra work; and no text Backline sends carries markdown
marks. Real Coach on the memory store (BACKLINE_TEST_STORE=sqlite: a real file)."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest

from bot.content import default_library
from bot.core.coach import Coach
from bot.core.events import Outbound, Reply
from bot.core.onboarding import EQUIPMENT_PRESETS
from bot.core.planner import is_training_day, plan_day
from bot.core.settings import LEVELS, SESSION_LENGTHS, Settings
from bot.store.memory import MemoryStore
from tests import test_conversation as conversation
from tests import test_planner_program as program
from tests.test_choice import ADVANCED, person
from tests.test_conversation import MONDAY, Clock, text_of

clock = conversation.clock
env = conversation.env

LIB = default_library()
TUESDAY = MONDAY + timedelta(days=1)  # ADVANCED's lower day: Romanian deadlift (barbell)


def example_of(session: Outbound) -> str:
    found = re.search(r'e\.g\. "([^"]+)"', session.text)
    assert found, session.text
    return found.group(1)


async def test_a_name_means_the_sessions_own_exercise_first(env, clock: Clock) -> None:
    coach, store = env
    clock.set_day(TUESDAY)
    sam, user = await person(coach, store, ADVANCED)
    plan = plan_day(LIB, ADVANCED, TUESDAY)
    assert "romanian-deadlift-barbell" in plan.exercise_ids
    assert "romanian-deadlift-dumbbell" not in plan.exercise_ids
    await sam.say("/today")
    session = sam.last_id("session")
    reply = await sam.say("romanian deadlift 3x8 @ 80kg", reply_to=session)
    assert "Logged Romanian deadlift (barbell)" in text_of(reply)
    reply = await sam.say("/log rdl 8 8 @ 80kg")
    assert "Logged Romanian deadlift (barbell)" in text_of(reply)
    # Words that name another move in full still mean that move (logged as extra work).
    reply = await sam.say("dumbbell rdl 10 10 @ 20kg", reply_to=session)
    assert "Logged Romanian deadlift (dumbbells)" in text_of(reply)
    logged = [s.exercise_id for s in await store.sets_on(user.id, TUESDAY)]
    assert logged.count("romanian-deadlift-barbell") == 5
    assert logged.count("romanian-deadlift-dumbbell") == 2


GRID = list(
    itertools.product(LEVELS, sorted(EQUIPMENT_PRESETS), sorted(LIB.splits), SESSION_LENGTHS)
)


@pytest.mark.parametrize("week", [0, 3])
async def test_every_session_messages_example_logs_the_exercises_it_names(week: int) -> None:
    """For every profile of the grid: send the session message's own example back to it, and
    it logs exactly the exercises it names (the session's first ones), as many sets as it says."""
    start = program.START
    now = {"day": start}
    coach_clock = Clock()
    store = MemoryStore()
    coach = Coach(store, LIB, clock=coach_clock)
    failures = []
    for n, (level, kit, split, minutes) in enumerate(GRID):
        if week == 0 and level != "beginner":
            continue  # the first weeks differ from the rest for newcomers only (the ramp)
        settings = program.person(level, kit, split, minutes).with_(onboarded=True)
        day = start + timedelta(weeks=week)
        while not is_training_day(settings, day):
            day += timedelta(days=1)
        now["day"] = day
        coach_clock.set_day(day)
        who, user = await person(coach, store, settings, f"p{n}")
        reply = await who.say("/today")
        [session] = [m for m in reply.messages if m.link and m.link.kind == "session"]
        example = example_of(session)
        plan = plan_day(LIB, settings, day)
        answer = await who.say(example, reply_to=who.last_id("session"))
        logged = await store.sets_on(user.id, day)
        named = list(dict.fromkeys(s.exercise_id for s in logged))
        wanted = list(plan.exercise_ids[: len(named)])
        counts = [int(part.split()[-1].split("x")[0]) for part in example.split(", ")]
        per_exercise = [sum(1 for s in logged if s.exercise_id == i) for i in named]
        if not named or named != wanted or per_exercise != counts or len(named) != len(counts):
            failures.append((level, kit, split, minutes, example, named, text_of(answer)))
    assert failures == []


async def test_a_log_on_a_rest_day_is_extra_work(env, clock: Clock) -> None:
    coach, store = env
    sunday = MONDAY + timedelta(days=6)
    clock.set_day(sunday)
    sam, user = await person(coach, store, Settings(onboarded=True))
    reply = await sam.say("/log db rdl 3x10 @ 20kg")
    text = text_of(reply)
    assert "Logged Romanian deadlift (dumbbells)" in text
    assert "extra work" in text and "whole session done" not in text
    reply = await sam.say("glute bridge 15 15")  # typed in the private chat
    assert "extra work" in text_of(reply)
    assert len(await store.sets_on(user.id, sunday)) == 5
    reply = await sam.say("/today")
    assert "Rest day" in text_of(reply)


# ---------------------------------------------------------------- no markdown marks

# Backticks anywhere; ** or __; *word* or _word_ used as emphasis.
MARKS = re.compile(
    r"`|\*\*|__|(?<![\w*])\*(?=[^\s*])[^*\n]*(?<=[^\s*])\*(?![\w*])"
    r"|(?<![\w_])_(?=[^\s_])[^_\n]*(?<=[^\s_])_(?![\w_])"
)

SCRIPT = [
    "/start",
    "/help",
    "/today",
    "/exercises",
    "/settings",
    "/settings level nonsense",
    "/settings length 45",
    "/progress",
    "/history",
    "/swap",
    "/swap glute bridge",
    "/swap banana",
    "/avoid",
    "/avoid superhero",
    "/avoid superhero",
    "/unavoid superhero",
    "/unavoid",
    "/undo",
    "/log",
    "/log rdl",
    "/log banana 3x10",
    "/log rdl 3x",
    "/log rdl kg",
    "/log rdl 900 reps",
    "/log rdl 3 sets of",
    "/log rdl 12 10 skip",
    "/log rdl 3x10 @ 900kg",
    "/log rdl 3x10 rpe 8",
    "banana",
    "12 10 10, , ,",
    "/undo",
    "/undo",
    "/nosuchcommand",
    "/selftest",
    "/export",
    "/forget",
]


def texts(reply: Reply) -> list[str]:
    out = []
    for m in reply.messages:
        out += [m.text, m.title or "", *(b.label for row in m.buttons for b in row)]
    if reply.button_ack:
        out.append(reply.button_ack)
    return out


async def test_no_text_backline_sends_carries_markdown_marks(env) -> None:
    coach, store = env
    said: list[tuple[str, str]] = []
    for settings in (Settings(onboarded=True), ADVANCED):
        who, _ = await person(coach, store, settings, f"m{len(said)}")
        for line in SCRIPT:
            said += [(line, t) for t in texts(await who.say(line))]
        # Buttons and replies to what was sent: step by step, done, skip, swap.
        await who.say("/today")
        said += [
            (b, t)
            for b in ("plan:step",)
            for t in texts(await who.press(who.last_id("session"), b))
        ]
        for data in ("ex:done", "ex:skip"):
            said += [(data, t) for t in texts(await who.press(who.last_id("exercise"), data))]
        prompt = who.last_id("exercise")
        link = await store.resolve_message("test", who.chat_id, prompt)
        assert link is not None and link.link.exercise_id
        swap = f"swap:{link.link.exercise_id}"
        said += [(swap, t) for t in texts(await who.press(prompt, swap))]
        for line in ("3x", "banana", "done", "skip", "12 10 10 @ 16kg"):
            said += [(line, t) for t in texts(await who.say(line, reply_to=who.last_id("session")))]
    for ex in LIB.exercises.values():
        said += [(ex.id, t) for t in texts(await who.say(f"/howto {ex.id}"))]
    marked = [(line, t) for line, t in said if MARKS.search(t)]
    assert marked == []
    assert len(said) > 200


def test_the_markdown_scan_catches_marks() -> None:
    for bad in ("Try `12 10 10`", "**bold**", "*easy*", "_quietly_", "__init__"):
        assert MARKS.search(bad), bad
    for fine in ("3 x 12 @ 16 kg", "12 * 3", "snake_case_id", "3x12", "a * b * c", "RPE 8"):
        assert not MARKS.search(fine), fine
