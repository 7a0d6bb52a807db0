"""Conversations as people have them, the same on every platform: the way they write their
sets, correct them, log without sets and answer in a group. Every answer is checked for what
it stores and that nothing internal leaks."""

from __future__ import annotations

from tests.behaviour.driver import Driver, Msg, where_possible
from tests.behaviour.test_logging import FIRST, session_for

LEAKS = ("Traceback", "Exception", "Error:", "None", "Sorry, something went wrong", "`")


def clean(messages: list[Msg]) -> list[Msg]:
    for m in messages:
        assert not any(leak in m.text for leak in LEAKS), m.text
    return messages


async def test_a_person_logs_corrects_and_undoes_the_way_people_do(bot: Driver) -> None:
    ada = bot.person("Ada")
    session = await session_for(bot, ada)
    [second] = clean((await bot.reply(ada, session, "did 12, 10 and 8")).answers)
    assert [s.reps for s in await bot.sets(ada)] == [12, 10, 8]
    # A correction replaces what was just logged instead of logging the next exercise.
    [fixed] = clean((await bot.reply(ada, second, "actually 12 12 10")).answers)
    assert "Updated Single-leg Romanian deadlift (bodyweight): 12, 12, 10 reps" in fixed.text
    assert [(s.exercise_id, s.reps) for s in await bot.sets(ada)] == [
        (FIRST, r) for r in (12, 12, 10)
    ]
    # A reply to the older prompt asks before touching the log.
    [ask] = clean((await bot.reply(ada, session, "db rdl 3x10 @ 20kg")).answers)
    assert "Logged Romanian deadlift (dumbbells)" in ask.text  # another exercise: extra work


async def test_log_without_sets_is_one_tap_to_undo(bot: Driver) -> None:
    ada = bot.person("Ada")
    [logged] = clean((await bot.send(ada, "/log glute bridge")).answers)
    assert "Logged Glute bridge as prescribed" in logged.text and "Undo" in logged.buttons
    assert len(await bot.sets(ada)) == 2
    [undone] = clean(await bot.press(ada, logged, "Undo"))
    assert "Removed" in undone.text and await bot.sets(ada) == []


async def test_skipping_the_day_for_pain_gets_a_caring_line(bot: Driver) -> None:
    ada = bot.person("Ada")
    session = await session_for(bot, ada)
    [said] = clean((await bot.reply(ada, session, "skipped, back hurts")).answers)
    assert "Skipped the rest of the session" in said.text and "doctor or physio" in said.text
    assert all(s.skipped for s in await bot.sets(ada))


async def test_all_done_reads_as_lines(bot: Driver) -> None:
    ada = bot.person("Ada")
    session = await session_for(bot, ada)
    [done] = clean((await bot.reply(ada, session, "all done, felt easy")).answers)
    lines = done.text.splitlines()
    assert any(line.startswith("Logged as prescribed") for line in lines)
    assert "Next time:" in lines and any(line.startswith("• ") for line in lines)


async def test_group_members_log_in_their_own_words(bot: Driver) -> None:
    coach, ann, bob, cy = (
        bot.person("Coachy"),
        bot.person("Ann"),
        bot.person("Bob"),
        bot.person("Cy"),
    )
    group = await where_possible(bot.group(coach))
    session = await bot.push_group_session(group)
    clean((await bot.reply(ann, session, "12/10/10 @35lbs", group=group)).answers)
    [bob_ok] = clean((await bot.reply(bob, session, "skipped, back hurts", group=group)).answers)
    clean((await bot.reply(cy, session, "ten ten eight", group=group)).answers)
    # Said in front of the group: no health advice there.
    assert bob_ok.text.startswith("Bob: Skipped") and "doctor or physio" not in bob_ok.text
    ann_sets, cy_sets = await bot.sets(ann), await bot.sets(cy)
    assert [s.reps for s in ann_sets] == [12, 10, 10]
    assert all(abs((s.load_kg or 0) - 15.88) < 0.01 for s in ann_sets)
    assert [s.reps for s in cy_sets] == [10, 10, 8]
    assert all(s.skipped for s in await bot.sets(bob))


async def test_a_reply_to_an_older_prompt_adds_and_replace_is_one_tap(bot: Driver) -> None:
    ada = bot.person("Ada")
    session = await session_for(bot, ada)
    [second] = clean((await bot.reply(ada, session, "12 10 10")).answers)
    clean((await bot.reply(ada, second, "12 12")).answers)  # Doorway row, from its prompt
    [added] = clean((await bot.reply(ada, second, "15 15")).answers)
    assert "Added to what you logged earlier (12, 12 reps)" in added.text
    assert "Replace earlier" in added.buttons
    [fixed] = clean(await bot.press(ada, added, "Replace earlier"))
    assert "Updated Doorway row: 15, 15 reps (was 12, 12 reps)" in fixed.text
    rows = [s.reps for s in await bot.sets(ada) if s.exercise_id == "doorway-row"]
    assert rows == [15, 15]
