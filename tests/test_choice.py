"""Choice: /swap, the Swap button, /avoid, /unavoid, /settings avoid and /undo, through the real
Coach on the memory store (BACKLINE_TEST_STORE=sqlite: a real file), and the planner's side over
the whole grid (an avoided move is never scheduled, main slots stay filled, a swap holds for the
block and stays the main lift)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from bot.content import default_library
from bot.core.coach import Coach
from bot.core.commands import COMMANDS
from bot.core.events import UserRef
from bot.core.onboarding import EQUIPMENT_PRESETS
from bot.core.planner import alternatives, block_start, plan_day, plan_week
from bot.core.ports import Persistence
from bot.core.settings import LEVELS, Settings
from tests import test_conversation as conversation
from tests import test_planner_program as program
from tests.test_conversation import MONDAY, Person, text_of

clock = conversation.clock
env = conversation.env

LIB = default_library()
GYM = EQUIPMENT_PRESETS["gym"][1]
START = date(2026, 11, 2)  # a Monday, three weeks before MONDAY: MONDAY is in block 0
ADVANCED = Settings(
    level="advanced",
    equipment=GYM,
    split="ul4",
    weekdays=(0, 1, 3, 4),
    onboarded=True,
    program_start=START,
)
BEGINNER = Settings(onboarded=True, program_start=START - timedelta(weeks=8))


async def person(coach: Coach, store: Persistence, settings: Settings, name: str = "sam"):
    user = await store.get_or_create_user(UserRef("test", name), name, name.capitalize())
    await store.save_settings(user.id, settings)
    return Person(coach, name), user


def main_ids(reply) -> list[str]:
    """The numbered exercise names of a session message in the reply (its last one)."""
    session = [m for m in reply.messages if m.link and m.link.kind == "session"]
    assert session, text_of(reply)
    return [
        line.split(". ", 1)[1].split(":")[0]
        for line in session[-1].text.splitlines()
        if line[:1].isdigit()
    ]


async def test_swap_gives_the_same_pattern_for_the_block_and_stays_the_main_lift(env) -> None:
    coach, store = env
    sam, user = await person(coach, store, ADVANCED)
    reply = await sam.say("/today")
    assert main_ids(reply)[0] == "Barbell row"
    reply = await sam.say("/swap barbell row")
    text = text_of(reply)
    assert "Swapped Barbell row for Dumbbell bent-over row" in text
    assert "Sun 13 Dec" in text  # the block's last day
    assert main_ids(reply)[0] == "Dumbbell bent-over row"  # same slot, still first
    swapped = LIB.exercises["dumbbell-bent-over-row"]
    assert swapped.pattern == LIB.exercises["barbell-row"].pattern
    # Every upper day of the rest of the block has it as its main row; the next block doesn't.
    block = block_start(LIB, ADVANCED, MONDAY)
    choices = await store.get_choices(user.id, block)
    assert choices.swaps == {"barbell-row": "dumbbell-bent-over-row"}
    seen = []
    for offset in range(0, 21):
        day = MONDAY + timedelta(days=offset)
        plan = plan_day(LIB, ADVANCED, day, variations=choices.swaps)
        if plan.day_type == "upper" and day < block + timedelta(weeks=LIB.block_weeks):
            seen.append(plan.main[0].exercise_id)
            assert "barbell-row" not in plan.exercise_ids
    assert seen and set(seen) <= {"dumbbell-bent-over-row", "pull-up", "lat-pulldown"}
    next_block = block + timedelta(weeks=LIB.block_weeks)
    assert (await store.get_choices(user.id, next_block)).swaps == {}


async def test_swapping_again_moves_on_and_comes_round_and_back_returns(env) -> None:
    coach, store = env
    sam, _ = await person(coach, store, ADVANCED)
    await sam.say("/today")
    first = main_ids(await sam.say("/swap barbell row"))[0]
    second = main_ids(await sam.say("/swap barbell row"))[0]
    assert first != second != "Barbell row"
    reply = await sam.say(f"/swap {second.lower()} back")
    assert "Back to Barbell row" in text_of(reply)
    assert main_ids(reply)[0] == "Barbell row"
    reply = await sam.say("/swap barbell row back")
    assert "isn't swapped" in text_of(reply)
    # Swapping all the way round returns to the planned move.
    names = []
    for _ in range(12):
        reply = await sam.say("/swap barbell row")
        names.append(main_ids(reply)[0] if len(reply.messages) > 1 else None)
        if "Back to Barbell row" in text_of(reply):
            break
    assert "Back to Barbell row" in text_of(reply), names


async def test_undo_right_after_a_swap_puts_it_back_and_a_later_log_goes_first(env) -> None:
    coach, store = env
    sam, user = await person(coach, store, ADVANCED)
    await sam.say("/today")
    await sam.say("/swap pull-up")
    reply = await sam.say("/undo")
    assert "Undone: back to Pull-up" in text_of(reply)
    assert main_ids(await sam.say("/today"))[1] == "Pull-up"
    await sam.say("/swap pull-up")
    await sam.say("/log barbell row 3x10 @ 60kg")
    reply = await sam.say("/undo")  # the log is newest
    assert "Removed your last log" in text_of(reply)
    reply = await sam.say("/undo")  # then the swap
    assert "Undone" in text_of(reply)
    assert (await store.get_choices(user.id, block_start(LIB, ADVANCED, MONDAY))).swaps == {}
    assert "Nothing to undo" in text_of(await sam.say("/undo"))


async def test_nothing_of_the_same_kind_gets_a_kind_answer(env) -> None:
    coach, store = env
    # A beginner with no kit has one bridge: the glute bridge.
    sam, user = await person(coach, store, BEGINNER)
    plan = await sam.say("/today")
    assert "Glute bridge" in main_ids(plan)
    reply = await sam.say("/swap glute bridge")
    assert "nothing else of the same kind" in text_of(reply)
    assert (await store.get_choices(user.id, block_start(LIB, BEGINNER, MONDAY))).swaps == {}
    assert "warm-up or cool-down" in text_of(await sam.say("/swap cat-cow"))
    assert "isn't in your plan this week" in text_of(await sam.say("/swap deadlift"))
    assert "don't have" in text_of(await sam.say("/swap banana"))
    assert "Which exercise" in text_of(await sam.say("/swap"))


async def test_the_swap_button_swaps_the_prompts_move_and_prompts_for_the_new_one(env) -> None:
    coach, store = env
    sam, _ = await person(coach, store, ADVANCED)
    await sam.say("/today")
    prompt = await sam.press(sam.last_id("session"), "plan:step")
    assert prompt.messages[0].title == "1/5 · Barbell row"
    data = [b.data for row in prompt.messages[0].buttons for b in row]
    assert "swap:barbell-row" in data
    reply = await sam.press(sam.last_id("exercise"), "swap:barbell-row")
    assert reply.button_ack == "Swapped"
    assert "Swapped Barbell row for Dumbbell bent-over row" in text_of(reply)
    assert reply.messages[-1].title.startswith("1/")
    assert reply.messages[-1].title.endswith(" · Dumbbell bent-over row")
    reply = await sam.say("12 12 12 @ 20kg")  # step by step carries on with the new move
    assert "Logged Dumbbell bent-over row" in text_of(reply)
    # Forged or stale data is answered kindly.
    assert (
        await sam.press(sam.last_id("exercise"), "swap:no-such-move")
    ).button_ack == "Out of date"


async def test_avoid_lists_keeps_out_of_the_plan_and_comes_back(env) -> None:
    coach, store = env
    sam, user = await person(coach, store, ADVANCED)
    assert "You're not avoiding anything" in text_of(await sam.say("/avoid"))
    await sam.say("/today")
    reply = await sam.say("/avoid pull-up")
    text = text_of(reply)
    assert "won't schedule Pull-up" in text and "instead" in text
    assert "Pull-up" not in main_ids(reply)
    assert len(main_ids(reply)) >= 5  # its slot is filled by something else
    assert "already off your plan" in text_of(await sam.say("/avoid pull up"))
    assert "Pull-up" in text_of(await sam.say("/avoid"))
    assert "Avoiding: Pull-up" in text_of(await sam.say("/settings"))
    assert "pull-up" in (await store.get_choices(user.id, MONDAY)).avoid
    reply = await sam.say("/unavoid pull-up")
    assert "can come back" in text_of(reply)
    assert "Pull-up" in main_ids(reply)
    assert "not avoiding" in text_of(await sam.say("/unavoid pull-up"))
    # /settings avoid does the same, and /undo takes it back.
    assert "won't schedule Deadlift" in text_of(await sam.say("/settings avoid deadlift"))
    assert "Undone: Deadlift can be in your plan again" in text_of(await sam.say("/undo"))
    assert (await store.get_choices(user.id, MONDAY)).avoid == frozenset()


async def test_swap_and_avoid_read_names_against_the_plan_first(env) -> None:
    coach, store = env
    sam, user = await person(coach, store, ADVANCED)
    tuesday = plan_day(LIB, ADVANCED, MONDAY + timedelta(days=1))  # a lower day
    assert "romanian-deadlift-barbell" in tuesday.exercise_ids
    # "rdl" names the dumbbell RDL in the library, but the person's week holds the barbell one
    # (today, Monday, is an upper day: the week's sessions count).
    await sam.say("/swap rdl")
    swaps = (await store.get_choices(user.id, block_start(LIB, ADVANCED, MONDAY))).swaps
    assert list(swaps) == ["romanian-deadlift-barbell"]


def test_the_choice_commands_autocomplete_exercises() -> None:
    by_name = {c.name: c for c in COMMANDS}
    for name, required in (("swap", True), ("avoid", False), ("unavoid", True)):
        (arg,) = by_name[name].args
        assert arg.autocomplete == "exercise" and arg.required is required


# ---------------------------------------------------------------- the planner, over the grid

GRID = list(itertools.product(LEVELS, sorted(EQUIPMENT_PRESETS), sorted(LIB.splits)))


def is_main_slot(day_type: str | None, slot: str) -> bool:
    return any(s.name == slot and s.main for s in LIB.day_types[day_type or ""].slots)


@pytest.mark.parametrize(("level", "kit", "split"), GRID)
def test_an_avoided_move_is_never_scheduled_and_main_slots_stay_filled(
    level: str, kit: str, split: str
) -> None:
    s = program.person(level, kit, split)
    day = program.START + timedelta(weeks=3)
    base = plan_week(LIB, s, day)
    moves = sorted({p.exercise_id for d in base.values() for p in (*d.main, *d.warmup)})
    for avoided in moves:
        for week in (0, 5, 6, 11):  # both ends of two blocks of the twelve weeks
            when = program.START + timedelta(weeks=week)
            for plan in plan_week(LIB, s, when, avoid=[avoided]).values():
                every = [p.exercise_id for p in (*plan.warmup, *plan.main, *plan.cooldown)]
                assert avoided not in every, (avoided, when)
        after = plan_week(LIB, s, day, avoid=[avoided])
        for when, before in base.items():
            gone = before.find(avoided)
            if gone is None or not is_main_slot(before.day_type, gone.slot):
                continue
            others = set(before.exercise_ids) - {avoided}
            if alternatives(LIB, s, LIB.exercises[avoided], others, [avoided]):
                assert gone.slot in {p.slot for p in after[when].main}, (avoided, when)


@pytest.mark.parametrize(("level", "kit", "split"), GRID)
def test_a_swapped_main_lift_stays_main_all_block(level: str, kit: str, split: str) -> None:
    s = program.person(level, kit, split)
    first = plan_week(LIB, s, program.START)
    for when, plan in first.items():
        for p in plan.main:
            if not is_main_slot(plan.day_type, p.slot):
                continue
            others = set(plan.exercise_ids) - {p.exercise_id}
            options = alternatives(LIB, s, LIB.exercises[p.exercise_id], others)
            if not options:
                continue
            swap = {p.exercise_id: options[0].id}
            for week in range(LIB.block_weeks):
                day = when + timedelta(weeks=week)
                again = plan_week(LIB, s, day, variations=swap)[day]
                original = plan_week(LIB, s, day)[day].find(p.exercise_id)
                if original is None:  # the planner moved on (a tier takes turns)
                    continue
                chosen = again.find(options[0].id)
                assert chosen is not None and chosen.slot == original.slot, (p, week)
                assert p.exercise_id not in again.exercise_ids
            ex = options[0]
            assert ex.pattern == LIB.exercises[p.exercise_id].pattern
            assert set(ex.equipment) <= s.equipment | {"bodyweight"}
