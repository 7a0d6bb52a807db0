"""/start through to "You're in", the same on every platform."""

from __future__ import annotations

from tests.behaviour.driver import Driver, Msg, Person


async def tap_first_choices(bot: Driver, who: Person, question: Msg) -> tuple[Msg, int]:
    """Answers every setup question with its first button; the last message and the taps."""
    steps = 0
    while question.buttons:
        steps += 1
        assert question.title.startswith("Setup "), question.text
        question = (await bot.press(who, question, question.buttons[0]))[-1]
        assert steps < 12, "onboarding never ended"
    return question, steps


async def test_onboarding_by_buttons_ends_in_a_stored_setup(bot: Driver) -> None:
    ada = bot.person("Ada")
    welcome, question = (await bot.send(ada, "/start")).answers
    assert welcome.title == "Welcome to Backline"
    done, steps = await tap_first_choices(bot, ada, question)
    assert steps >= 5
    assert done.title == "You're in"
    user = await bot.user(ada)
    assert user.settings.onboarded
    assert user.settings.level == "beginner"  # the first choice of the level step
    assert await bot.store.get_state(user.id) is None  # no question left open


async def test_onboarding_by_typing_and_a_wrong_answer_asked_again(bot: Driver) -> None:
    ada = bot.person("Ada")
    _, level = (await bot.send(ada, "/start")).answers
    assert level.title == "Setup 1/8" and level.buttons[0] == "New to this"
    hint, again = (await bot.send(ada, "purple")).answers
    assert "Pick one of" in hint.text and "Some experience" in hint.text
    assert again.text == level.text and again.buttons == level.buttons
    [equipment] = (await bot.send(ada, "intermediate")).answers
    assert equipment.title.startswith("Setup 2/")
    done, _ = await tap_first_choices(bot, ada, equipment)
    assert done.title == "You're in"
    assert (await bot.user(ada)).settings.level == "intermediate"
