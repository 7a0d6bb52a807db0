"""/today and /howto, the same on every platform."""

from __future__ import annotations

from tests.behaviour.driver import TODAY, Driver
from tests.behaviour.test_logging import PLAN


async def test_today_sends_the_session_with_its_buttons_and_remembers_it(bot: Driver) -> None:
    ada = bot.person("Ada")
    [session] = (await bot.send(ada, "/today")).answers
    assert session.title.startswith("Mon 23 Nov")
    assert "Full body" in session.title
    assert "Reply to this message with what you did" in session.text
    assert session.buttons == bot.with_log_form("Log step by step", "All done", "Skip today")
    user = await bot.user(ada)
    link = await bot.store.resolve_message(bot.platform, user.chat_id, session.id)
    assert link is not None and link.link.kind == "session" and link.link.plan_date == TODAY


async def test_howto_finds_an_exercise_by_its_short_name(bot: Driver) -> None:
    ada = bot.person("Ada")
    # With its drawing: one message (on Telegram the cues and tips are a tap away, see
    # tests/telegram/test_telegram_e2e.py).
    howto, *rest = (await bot.send(ada, "/howto db rdl")).answers
    assert howto.title.startswith("Romanian deadlift") and len(rest) <= 1
    text = "\n".join(m.text for m in (howto, *rest))
    assert "hinge" in text.lower() or "hips" in text.lower()
    assert "Drawing: Everkinetic (everkinetic.com), CC BY-SA 4.0" in text


async def test_howto_reads_a_short_name_as_the_move_their_kit_allows(bot: Driver) -> None:
    ada = bot.person("Ada")  # no equipment set: bodyweight
    [howto] = (await bot.send(ada, "/howto rdl")).answers
    assert howto.title.startswith("Single-leg Romanian deadlift (bodyweight)")
    assert "Meant Romanian deadlift (dumbbells)? Send /howto db rdl." in howto.text


async def test_howto_forgives_a_typo_and_asks_when_unsure(bot: Driver) -> None:
    ada = bot.person("Ada")
    [close] = (await bot.send(ada, "/howto glute brdge")).answers
    assert close.title.startswith("Glute bridge")
    [unsure] = (await bot.send(ada, "/howto rld")).answers
    assert "Did you mean" in unsure.text and "Romanian deadlift" in unsure.text


async def test_howto_an_exercise_not_in_the_library(bot: Driver) -> None:
    ada = bot.person("Ada")
    [unknown] = (await bot.send(ada, "/howto bench press")).answers
    assert unknown.title == "Not in the library"
    assert "bench press" in unknown.text and "don't have" in unknown.text


async def test_the_daily_push_arrives_and_a_reply_to_it_logs(bot: Driver) -> None:
    ada = bot.person("Ada")
    await bot.send(ada, "/help")  # she has talked to the bot: it may write to her
    pushed = await bot.push_daily_session(ada)
    assert pushed.title.startswith("Mon 23 Nov") and pushed in bot.sent(ada)
    [confirmation] = (await bot.reply(ada, pushed, "done")).answers
    assert confirmation.text.startswith("Logged as prescribed")
    assert len(await bot.sets(ada)) == 2 * len(PLAN)  # two sets each for a beginner
