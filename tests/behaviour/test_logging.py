"""Logging by replying to the session, and editing a reply, the same on every platform."""

from __future__ import annotations

from tests.behaviour.driver import Driver, Msg, Person, where_possible

FIRST = "single-leg-rdl-bodyweight"  # the first exercise of Monday's default session
# Monday's default session (issue 12: a weekly program; calves and a back hold complete it).
PLAN = [
    "single-leg-rdl-bodyweight",
    "doorway-row",
    "glute-bridge",
    "standing-calf-raise",
    "superhero",
]
STEPS = len(PLAN)


def ends_with(buttons: tuple[str, ...], last: tuple[str, ...]) -> bool:
    """The next exercise's buttons come last (a rest timer may lead them)."""
    return buttons[-len(last) :] == last


async def session_for(bot: Driver, who: Person) -> Msg:
    [session] = (await bot.send(who, "/today")).answers
    return session


async def test_a_reply_with_numbers_logs_the_first_exercise(bot: Driver) -> None:
    ada = bot.person("Ada")
    session = await session_for(bot, ada)
    # One message, not two: the confirmation leads the next exercise's prompt and buttons.
    [next_prompt] = (await bot.reply(ada, session, "12 10 10")).answers
    assert "Logged Single-leg Romanian deadlift (bodyweight)" in next_prompt.text
    assert "12, 10, 10 reps" in next_prompt.text
    assert next_prompt.title == f"2/{STEPS} · Doorway row" and ends_with(
        next_prompt.buttons, bot.with_log_form("Done", "Skip", "Swap")
    )
    # A reply to that one message logs the exercise it shows.
    [third] = (await bot.reply(ada, next_prompt, "15 15")).answers
    assert "Logged Doorway row" in third.text and third.title == f"3/{STEPS} · Glute bridge"
    logged = await bot.sets(ada)
    assert [(s.exercise_id, s.reps, s.load_kg) for s in logged] == [
        (FIRST, r, None) for r in (12, 10, 10)
    ] + [("doorway-row", 15, None)] * 2


async def test_a_reply_with_sets_times_reps_at_a_load(bot: Driver) -> None:
    ada = bot.person("Ada")
    session = await session_for(bot, ada)
    [confirmation] = (await bot.reply(ada, session, "3x12 @ 16kg")).answers
    assert "Logged Single-leg Romanian deadlift (bodyweight): 12, 12, 12 reps @ 16 kg." in (
        confirmation.text
    )
    logged = await bot.sets(ada)
    assert [(s.exercise_id, s.reps, s.load_kg) for s in logged] == [(FIRST, 12, 16.0)] * 3


async def test_done_logs_the_whole_session_as_prescribed(bot: Driver) -> None:
    ada = bot.person("Ada")
    session = await session_for(bot, ada)
    [confirmation] = (await bot.reply(ada, session, "done")).answers
    assert confirmation.text.startswith("Logged as prescribed: Single-leg Romanian deadlift")
    assert "That's the session done" in confirmation.text
    logged = await bot.sets(ada)
    assert list(dict.fromkeys(s.exercise_id for s in logged)) == PLAN
    # a beginner's two sets each, at the bottom of each range (8-10, 10-15, 10-15, 10-15, 5-10)
    assert [s.reps for s in logged] == [8, 8, 10, 10, 10, 10, 10, 10, 5, 5]
    assert not any(s.skipped for s in logged)


async def test_skip_marks_the_session_skipped_and_logs_no_reps(bot: Driver) -> None:
    ada = bot.person("Ada")
    session = await session_for(bot, ada)
    [answer] = (await bot.reply(ada, session, "skip")).answers
    assert answer.text.startswith("Skipped")
    logged = await bot.sets(ada)
    assert [s.exercise_id for s in logged] == PLAN
    assert all(s.skipped and s.reps is None for s in logged)


async def test_a_reply_with_a_list_of_exercises_logs_each(bot: Driver) -> None:
    ada = bot.person("Ada")
    session = await session_for(bot, ada)
    said = await bot.reply(ada, session, "single leg rdl 10 10, glute bridge 15 15 @ 10kg")
    text = "\n".join(m.text for m in said.answers)
    assert "Logged" in text and "Glute bridge" in text
    assert "Next up: Doorway row" in text
    logged = {(s.exercise_id, s.set_no): s for s in await bot.sets(ada)}
    assert sorted(logged) == [("glute-bridge", 1), ("glute-bridge", 2), (FIRST, 1), (FIRST, 2)]
    assert [logged[(FIRST, n)].reps for n in (1, 2)] == [10, 10]
    assert [
        (logged[("glute-bridge", n)].reps, logged[("glute-bridge", n)].load_kg) for n in (1, 2)
    ] == [(15, 10.0)] * 2


async def test_editing_a_logged_reply_updates_that_log(bot: Driver) -> None:
    ada = bot.person("Ada")
    session = await session_for(bot, ada)
    said = await bot.reply(ada, session, "12 10 10")
    [updated] = await where_possible(bot.edit(ada, said, "12 12 12"))
    assert updated.text.startswith("Updated Single-leg Romanian deadlift (bodyweight)")
    assert "was 12, 10, 10 reps" in updated.text
    assert [(s.exercise_id, s.reps) for s in await bot.sets(ada)] == [(FIRST, 12)] * 3
    # An edit that can't be read gets a hint and leaves the log alone.
    [hint] = await bot.edit(ada, said, "twelve-ish")
    assert "12 10 10" in hint.text
    assert [(s.exercise_id, s.reps) for s in await bot.sets(ada)] == [(FIRST, 12)] * 3


async def test_undo_takes_back_the_last_log_only(bot: Driver) -> None:
    ada = bot.person("Ada")
    session = await session_for(bot, ada)
    await bot.reply(ada, session, "12 10 10")
    await bot.send(ada, "9 9")  # the next exercise, typed in the step-by-step flow
    [undone] = (await bot.send(ada, "/undo")).answers
    assert "Removed your last log" in undone.text and "Doorway row" in undone.text
    assert [(s.exercise_id, s.reps) for s in await bot.sets(ada)] == [
        (FIRST, r) for r in (12, 10, 10)
    ]
