"""Telegram feeling like Telegram: the bot's descriptions (set only when changed), command
menus per scope, the deep link from a group into the private chat, blocked and unblocked
people, and /today in a group on the group's own date (the real bot against the fake)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.adapters.telegram import serve
from bot.app import open_coach
from bot.core import render
from scheduler import PushService
from tests.fakes.telegram_server import TEST_TOKEN, FakeTelegram
from tests.telegram.harness import FAST_RETRY, RunningBot, press, say


@pytest.fixture
def clock() -> Callable[[], datetime]:
    # Monday 11:00 in UTC: already Tuesday 01:00 on Kiritimati (UTC+14).
    moment = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    return lambda: moment


async def run_once(tg: FakeTelegram, db: Path, state: Path) -> None:
    """Start the real bot with a profile memory, let it get ready, stop it."""
    coach, store = await open_coach(db)
    stop = asyncio.Event()
    task = asyncio.create_task(
        serve(coach, TEST_TOKEN, tg.url, stop, poll_timeout=1, retry=FAST_RETRY,
              on_ready=lambda _adapter: stop.set(), profile_state_path=state)
    )  # fmt: skip
    await asyncio.wait_for(task, 15)
    await store.close()


async def test_descriptions_and_menus_are_set_once_and_again_only_when_changed(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    state = tmp_path / "backline.db.telegram-profile.json"
    await run_once(tg, tmp_path / "backline.db", state)
    assert tg.description == render.BOT_DESCRIPTION and len(tg.description) <= 512
    assert tg.short_description == render.BOT_SHORT_DESCRIPTION
    assert len(tg.short_description) <= 120
    first = {m: len(tg.calls(m)) for m in ("setMyDescription", "setMyShortDescription")}
    assert first == {"setMyDescription": 1, "setMyShortDescription": 1}
    assert len(tg.calls("setMyCommands")) == 4  # default, private chats, groups, admins
    # Same wording at the next start: nothing is set again.
    await run_once(tg, tmp_path / "backline.db", state)
    assert len(tg.calls("setMyDescription")) == 1 and len(tg.calls("setMyCommands")) == 4
    # One thing changed since (here: an older description remembered): only that is set.
    remembered = json.loads(state.read_text())
    remembered["description"] = "an older description"
    state.write_text(json.dumps(remembered))
    await run_once(tg, tmp_path / "backline.db", state)
    assert len(tg.calls("setMyDescription")) == 2
    assert len(tg.calls("setMyShortDescription")) == 1 and len(tg.calls("setMyCommands")) == 4


async def test_the_group_note_deep_links_into_the_private_chat_and_continues_there(
    bot: RunningBot, tg: FakeTelegram
) -> None:
    bo = tg.user(1002, "Bo")
    club = tg.group(-1001234567890, "Glute Club")
    [note] = await say(tg, bo, "/progress", chat=club)  # Bo never wrote to the bot privately
    assert "won't post it here" in note.text
    [[link]] = note.reply_markup["inline_keyboard"]  # type: ignore[index]
    assert link["url"] == "https://t.me/backline_test_bot?start=progress"
    assert "callback_data" not in link
    # Telegram opens the private chat; pressing Start sends "/start progress".
    answers = await say(tg, bo, "/start progress")
    assert answers[0].html.startswith("<b>Your progress")
    assert "Send /start to set up" in answers[-1].text
    user = await bot.user(bo)
    assert user.chat_id == str(bo.id)  # the private chat is known from now on
    # A plain /start (no payload, or one that is not a command) still sets up.
    intro, _question = await say(tg, bo, "/start nonsense")
    assert intro.html.startswith("<b>Welcome to Backline")


async def test_blocking_and_unblocking_are_noted_at_once(bot: RunningBot, tg: FakeTelegram) -> None:
    ada = tg.user(1001, "Ada")
    await say(tg, ada, "/today")
    assert (await bot.user(ada)).active
    tg.membership(ada, "kicked")
    for _ in range(100):
        if not (await bot.user(ada)).active:
            break
        await asyncio.sleep(0.05)
    assert not (await bot.user(ada)).active  # no pushes to someone who blocked the bot
    tg.membership(ada, "member")
    for _ in range(100):
        if (await bot.user(ada)).active:
            break
        await asyncio.sleep(0.05)
    assert (await bot.user(ada)).active  # unblocked: pushes again, without a message first


async def test_group_today_on_the_groups_rest_day_names_the_next_group_day(
    bot: RunningBot, tg: FakeTelegram
) -> None:
    ada, bo = tg.user(1001, "Ada"), tg.user(1002, "Bo")
    club = tg.group(-1001234567890, "Glute Club")
    tg.make_admin(club, ada)
    [on] = await say(tg, ada, "/community on 06:00 Pacific/Kiritimati", chat=club)
    assert "Group session on" in on.text
    [rest] = await say(tg, bo, "/today", chat=club)
    assert rest.html.startswith("<b>Tue 24 Nov · Group rest day</b>")
    assert "Next group session: Wed 25 Nov at 06:00." in rest.text
    # Bo's own Monday (UTC) session in the private chat.
    [mine] = await say(tg, bo, "/today")
    assert mine.html.startswith("<b>Mon 23 Nov")


async def test_a_rest_timer_pings_once_through_telegram(bot: RunningBot, tg: FakeTelegram) -> None:
    assert bot.coach is not None and bot.store is not None and bot.adapter is not None
    moment = [datetime(2026, 11, 23, 11, 0, tzinfo=UTC)]  # the pushes' own clock
    pushes = PushService(bot.store, bot.coach, {"telegram": bot.adapter}, clock=lambda: moment[0])
    bot.coach.timer_queued.connect(pushes.dispatcher.wake)  # as bot.app wires it
    await pushes.start()
    try:
        ada = tg.user(1001, "Ada")
        [session] = await say(tg, ada, "/today")
        [prompt] = await press(tg, ada, session, "Log step by step")
        answers = await say(tg, ada, "12", reply_to=prompt)  # one set of the first exercise
        logged = next(m for m in answers if m.text.startswith("Logged"))
        rest_label = next(label for row in logged.buttons for label, _ in row)
        seconds = int(rest_label.split()[1])
        [started] = await press(tg, ada, logged, rest_label)
        assert started.text.startswith(f"Resting {seconds} s")
        assert tg.callback_answers[max(tg.callback_answers)] == f"Rest {seconds} s"
        before = len(tg.sent_to(ada))
        moment[0] += timedelta(seconds=seconds + 1)
        pushes.dispatcher.wake()
        await pushes.wait_idle()
        [ping] = tg.sent_to(ada)[before:]
        assert ping.text.startswith("Rest over: set 2 of Single-leg Romanian deadlift")
        moment[0] += timedelta(minutes=5)
        pushes.dispatcher.wake()
        await pushes.wait_idle()
        assert len(tg.sent_to(ada)) == before + 1  # once
    finally:
        await pushes.stop()
