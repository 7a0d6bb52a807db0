"""The session's buttons and step-by-step logging, the same on every platform."""

from __future__ import annotations

from tests.behaviour.driver import Driver
from tests.behaviour.test_logging import PLAN, STEPS, ends_with, session_for


async def test_step_by_step_with_done_and_skip(bot: Driver) -> None:
    ada = bot.person("Ada")
    session = await session_for(bot, ada)
    [first] = await bot.press(ada, session, "Log step by step")
    assert first.title == f"1/{STEPS} · Single-leg Romanian deadlift (bodyweight)"
    assert first.buttons == bot.with_log_form("Done", "Skip", "Swap")
    # Each press answers with one message: what was logged, leading the next exercise.
    [second] = await bot.press(ada, first, "Done")
    logged = "Logged Single-leg Romanian deadlift (bodyweight) as prescribed: 8, 8 reps"
    assert logged in second.text
    assert second.title == f"2/{STEPS} · Doorway row" and ends_with(
        second.buttons, bot.with_log_form("Done", "Skip", "Swap")
    )
    [third] = await bot.press(ada, second, "Skip")
    assert "Skipped Doorway row. No problem." in third.text
    assert third.title == f"3/{STEPS} · Glute bridge"
    logged = await bot.sets(ada)
    assert [(s.exercise_id, s.reps, s.skipped) for s in logged] == [
        (PLAN[0], 8, False),
        (PLAN[0], 8, False),
        (PLAN[1], None, True),
    ]


async def test_step_by_step_carries_on_with_plain_typing(bot: Driver) -> None:
    ada = bot.person("Ada")
    session = await session_for(bot, ada)
    await bot.press(ada, session, "Log step by step")
    [second] = (await bot.send(ada, "10 9")).answers
    assert "Logged Single-leg Romanian deadlift (bodyweight): 10, 9" in second.text
    assert second.title == f"2/{STEPS} · Doorway row"
    assert [(s.exercise_id, s.reps) for s in await bot.sets(ada)] == [(PLAN[0], 10), (PLAN[0], 9)]


async def test_all_done_logs_the_session_as_prescribed(bot: Driver) -> None:
    ada = bot.person("Ada")
    session = await session_for(bot, ada)
    [confirmation] = await bot.press(ada, session, "All done")
    assert confirmation.text.startswith("Logged as prescribed")
    logged = await bot.sets(ada)
    assert list(dict.fromkeys(s.exercise_id for s in logged)) == PLAN
    assert not any(s.skipped for s in logged)


async def test_skip_today_marks_every_exercise_skipped(bot: Driver) -> None:
    ada = bot.person("Ada")
    session = await session_for(bot, ada)
    [answer] = await bot.press(ada, session, "Skip today")
    assert answer.text.startswith("Skipped the rest of the session") and "Rest well" in answer.text
    logged = await bot.sets(ada)
    assert [s.exercise_id for s in logged] == PLAN and all(s.skipped for s in logged)


async def test_a_second_tap_does_not_log_twice(bot: Driver) -> None:
    ada = bot.person("Ada")
    session = await session_for(bot, ada)
    await bot.press(ada, session, "All done")
    [again] = await bot.press(ada, session, "All done")
    assert "logged already" in again.text
    assert len(await bot.sets(ada)) == 2 * STEPS  # two sets each for a beginner


async def test_swap_on_a_prompt_gives_another_move_or_says_there_is_none(bot: Driver) -> None:
    ada = bot.person("Ada")
    session = await session_for(bot, ada)
    [prompt] = await bot.press(ada, session, "Log step by step")
    # No kit, beginner: the single-leg RDL is the only hinge there is.
    [none] = await bot.press(ada, prompt, "Swap")
    assert "nothing else of the same kind" in none.text
    for _ in PLAN[:-1]:
        [prompt] = await bot.press(ada, prompt, "Skip")  # the skip leads the next prompt
    assert prompt.title == f"{STEPS}/{STEPS} · Superhero"
    confirmation, swapped = await bot.press(ada, prompt, "Swap")
    assert confirmation.text.startswith("Swapped Superhero for Prone cobra")
    assert swapped.title == f"{STEPS}/{STEPS} · Prone cobra"
    assert swapped.buttons == bot.with_log_form("Done", "Skip", "Swap")
    done = await bot.press(ada, swapped, "Done")
    assert "Logged Prone cobra" in done[0].text
    logged = {s.exercise_id for s in await bot.sets(ada)}
    assert "prone-cobra" in logged and "superhero" not in logged
