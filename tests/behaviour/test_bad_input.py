"""Whatever people send gets a clear, friendly answer, and nothing is stored by mistake."""

from __future__ import annotations

import pytest

from bot.core.coach import SORRY
from tests.behaviour.driver import Driver, Msg, where_possible
from tests.behaviour.test_logging import STEPS, session_for

HINT = 'reply to my session message with what you did, e.g. "12 10 10"'


def friendly(answers: list[Msg]) -> str:
    """The one answer, checked to be a helpful one rather than an apology or a traceback."""
    [answer] = answers
    assert SORRY not in answer.text and "Traceback" not in answer.text
    return answer.text


@pytest.mark.parametrize(
    "text",
    ["asdf qwerty", "<b>asdf</b> & qwerty 🤷 </i>", "'; DROP TABLE sets; --", "👍"],
)
async def test_gibberish_gets_a_pointer_to_logging(bot: Driver, text: str) -> None:
    ada = bot.person("Ada")
    answer = friendly((await bot.send(ada, text)).answers)
    assert "not sure what you mean" in answer and HINT in answer
    assert await bot.sets(ada) == []


async def test_a_very_long_message_is_answered_within_the_platform_limits(bot: Driver) -> None:
    ada = bot.person("Ada")
    answer = friendly((await bot.send(ada, "rdl " + "x" * 4996)).answers)
    assert "not sure what you mean" in answer
    assert len(answer) < 2000  # what Discord allows a bot; the fakes check every limit too


async def test_a_very_long_reply_to_the_session_logs_nothing(bot: Driver) -> None:
    ada = bot.person("Ada")
    session = await session_for(bot, ada)
    answer = friendly((await bot.reply(ada, session, "12 " * 1500)).answers)
    assert "12 10 10" in answer  # how to write it instead
    assert await bot.sets(ada) == []


async def test_an_unknown_command_lists_the_real_ones(bot: Driver) -> None:
    ada = bot.person("Ada")
    said = await bot.send(ada, "/dance")
    answer = friendly(said.answers)
    assert said.answers[0].title == "Not a command"
    assert '"/dance"' in answer and "/today" in answer and "/help" in answer


async def test_a_reply_to_a_message_the_bot_has_no_record_of(bot: Driver) -> None:
    ada = bot.person("Ada")
    answer = friendly(await bot.reply_to_unknown(ada, "12 10 10"))
    assert "I can't tell which session that message belongs to" in answer
    assert "/today" in answer
    assert await bot.sets(ada) == []


async def test_an_unreadable_reply_to_the_session_gets_an_example(bot: Driver) -> None:
    ada = bot.person("Ada")
    session = await session_for(bot, ada)
    answer = friendly((await bot.reply(ada, session, "banana")).answers)
    assert "12 10 10" in answer
    assert await bot.sets(ada) == []


async def test_a_message_without_text_gets_a_pointer(bot: Driver) -> None:
    ada = bot.person("Ada")
    answer = friendly(await where_possible(bot.send_nothing_readable(ada)))
    assert "/log" in answer or "/today" in answer


async def test_nonsense_in_the_middle_of_step_by_step_loses_nothing(bot: Driver) -> None:
    ada = bot.person("Ada")
    session = await session_for(bot, ada)
    [first] = await bot.press(ada, session, "Log step by step")
    hint = friendly((await bot.send(ada, "banana")).answers)
    assert "12 10 10" in hint
    assert await bot.sets(ada) == []
    # One message: the confirmation leads the next exercise's prompt.
    [second] = (await bot.send(ada, "10 10")).answers
    assert "Logged Single-leg Romanian deadlift (bodyweight): 10, 10" in second.text
    assert second.title == f"2/{STEPS} · Doorway row" and first.title.startswith(f"1/{STEPS}")
    assert [s.reps for s in await bot.sets(ada)] == [10, 10]
