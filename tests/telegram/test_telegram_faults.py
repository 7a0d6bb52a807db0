"""Failures: flood waits, server errors, blocked users, slow answers, odd updates, bad tokens,
and the neutral errors the scheduler gets from the Sender."""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.base import Hooks
from bot.adapters.telegram import TelegramAdapter, TelegramStartupError, serve
from bot.app import open_coach
from bot.core.events import Attachment, Button, MessageLink, Outbound, UserRef
from bot.delivery import RetryLater, TransientFailure, Unreachable
from tests.fakes.telegram_server import (
    TEST_TOKEN,
    Blocked,
    FakeTelegram,
    ServerError,
    Slow,
    TooManyRequests,
)
from tests.gates import RecordingGate
from tests.telegram.harness import FAST_RETRY, TODAY, RunningBot, press, say, settled

SECRET = TEST_TOKEN.split(":", 1)[1]


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """For state the fake server can't see (the store): look again until it holds."""
    for _ in range(500):
        if await check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


def statuses(tg: FakeTelegram, method: str) -> list[int]:
    return [c.status for c in tg.calls(method)]


async def test_a_429_is_honoured(bot: RunningBot, tg: FakeTelegram) -> None:
    ada = tg.user(1001, "Ada")
    tg.fail("sendMessage", TooManyRequests(retry_after=1))
    [session] = await say(tg, ada, "/today")
    assert session.html.startswith("<b>Mon 23 Nov")
    refused, accepted = tg.calls("sendMessage")[:2]
    assert (refused.status, accepted.status) == (429, 200)
    # Waited at least what Telegram asked for (a lower bound, not a speed check).
    assert accepted.at - refused.at >= 0.95


async def test_server_errors_are_retried_with_backoff(bot: RunningBot, tg: FakeTelegram) -> None:
    ada = tg.user(1001, "Ada")
    tg.fail("sendMessage", ServerError(502, "Bad Gateway"), times=2)
    tg.fail("answerCallbackQuery", ServerError(500, "Internal Server Error"))
    [session] = await say(tg, ada, "/today")
    assert statuses(tg, "sendMessage")[:3] == [502, 502, 200]
    [first] = await press(tg, ada, session, "Log step by step")
    assert first.buttons
    assert statuses(tg, "answerCallbackQuery") == [500, 200]


async def test_a_blocked_user_is_marked_inactive_and_not_retried(
    bot: RunningBot, tg: FakeTelegram
) -> None:
    ada = tg.user(1001, "Ada")
    await say(tg, ada, "/help")
    assert (await bot.user(ada)).active
    tg.fail("sendMessage", Blocked())
    tg.send(ada, "/today")

    async def inactive() -> bool:
        return not (await bot.user(ada)).active

    await eventually(inactive, "the blocked user to be marked inactive")
    assert statuses(tg, "sendMessage").count(403) == 1
    # Writing again means they unblocked us: answers flow again.
    [answer] = await say(tg, ada, "/today")
    assert answer.html.startswith("<b>Mon 23 Nov")
    assert (await bot.user(ada)).active


async def test_slow_answers_are_waited_for(bot: RunningBot, tg: FakeTelegram) -> None:
    ada = tg.user(1001, "Ada")
    tg.fail("sendMessage", Slow(0.3))
    [session] = await say(tg, ada, "/today")
    assert session.buttons
    assert statuses(tg, "sendMessage")[0] == 200


async def test_a_timed_out_send_is_retried(
    tg: FakeTelegram, tmp_path: Path, clock: Callable[[], datetime]
) -> None:
    coach, store = await open_coach(tmp_path / "backline.db", clock=clock)
    adapter = TelegramAdapter(
        coach, TEST_TOKEN, tg.url, poll_timeout=1, retry=FAST_RETRY, request_timeout=0.3
    )
    stop = asyncio.Event()
    running = asyncio.create_task(adapter.run(stop))
    try:
        await tg.wait_polling()
        ada = tg.user(1001, "Ada")
        tg.fail("sendMessage", Slow(1.0))
        messages = await say(tg, ada, "/today")
        # The slow first attempt may still land late; the retry delivered the session.
        assert any(m.html.startswith("<b>Mon 23 Nov") for m in messages)
        assert len(tg.calls("sendMessage")) >= 2
    finally:
        stop.set()
        await running
        await store.close()


async def test_odd_updates_never_stop_the_bot(bot: RunningBot, tg: FakeTelegram) -> None:
    ada = tg.user(1001, "Ada")
    chat = tg.private_chat(ada)
    [session] = await say(tg, ada, "/today")
    sender = ada.to_api()
    base = {"chat": chat.to_api(), "from": sender, "date": 1}
    odd = [
        {"message": {**base, "message_id": 9001, "location": {"latitude": 1.0, "longitude": 2.0}}},
        {"message": {**base, "message_id": 9002, "text": "/"}},
        {"message": {**base, "message_id": 9003, "text": "/@"}},
        {"message": {**base, "message_id": 9004, "caption": "12 10 10"}},
        {"message": {**base, "message_id": 9005, "text": "hi", "from": {**sender, "is_bot": True}}},
        {"edited_message": {**base, "message_id": 9006, "text": "not a log", "edit_date": 2}},
        {"callback_query": {"id": "odd1", "from": sender, "chat_instance": "c", "data": "zz:zz"}},
        {
            "callback_query": {
                "id": "odd2",
                "from": sender,
                "chat_instance": "c",
                "data": "plan:done",
                "message": {"chat": chat.to_api(), "message_id": session.message_id, "date": 0},
            }
        },
        {
            "callback_query": {
                "id": "odd3",
                "from": sender,
                "chat_instance": "c",
                "data": "ex:done",
                "message": {"chat": chat.to_api(), "message_id": 424242, "date": 0},
            }
        },
    ]
    before = len(tg.sent_to(ada))
    for update in odd:
        tg.inject(update, chat=chat, message_id=None)
    answers = await settled(tg, ada, None, before)
    # Every press was acknowledged, so no client shows a spinner forever.
    assert {"odd1", "odd2", "odd3"} <= set(tg.callback_answers)
    # The press on the (now inaccessible) session message still logged the whole session.
    assert any("Logged as prescribed" in m.text for m in answers)
    assert all(not s.skipped for s in await bot.sets(ada))


async def test_polling_survives_server_errors_and_the_token_stays_out_of_the_logs(
    tg: FakeTelegram,
    tmp_path: Path,
    clock: Callable[[], datetime],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    running = RunningBot(tg, tmp_path / "backline.db", clock)
    await running.start()
    try:
        tg.fail("getUpdates", ServerError(502, "Bad Gateway"))
        tg.fail("sendMessage", ServerError(500, "Internal Server Error"))
        ada = tg.user(1001, "Ada")
        [answer] = await say(tg, ada, "/today")
        assert answer.buttons
        assert 502 in statuses(tg, "getUpdates")
    finally:
        await running.stop()
    logged = caplog.text + "".join(
        logging.Formatter().format(r) for r in caplog.records if r.exc_info
    )
    assert "Bad Gateway" in logged  # the failures were logged...
    assert SECRET not in logged  # ...without the token
    assert "<telegram-token>" in logged  # PTB's debug lines name the API URL, redacted


async def test_a_rejected_token_fails_fast_without_revealing_it(
    tg: FakeTelegram, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    coach, store = await open_coach(tmp_path / "backline.db")
    wrong = "987654321:AAH-this-token-was-revoked-long-ago"
    try:
        with pytest.raises(TelegramStartupError) as raised:
            await serve(coach, wrong, tg.url, asyncio.Event(), poll_timeout=1)
    finally:
        await store.close()
    shown = "".join(traceback.format_exception(raised.value))
    assert "BACKLINE_TELEGRAM_TOKEN" in shown
    assert wrong not in shown and wrong not in caplog.text
    assert "this-token-was-revoked" not in caplog.text
    assert tg.unauthorized == 1


async def test_a_missing_token_is_refused_before_any_request(tmp_path: Path) -> None:
    coach, store = await open_coach(tmp_path / "backline.db")
    try:
        with pytest.raises(TelegramStartupError, match="BACKLINE_TELEGRAM_TOKEN"):
            await serve(coach, "", "http://127.0.0.1:9", asyncio.Event())
    finally:
        await store.close()


# -- the Sender the scheduler pushes through ---------------------------------------------------


@pytest.fixture
async def sender(bot: RunningBot, tg: FakeTelegram) -> TelegramAdapter:
    assert bot.adapter is not None
    return bot.adapter


async def test_send_delivers_and_remembers_the_message(
    bot: RunningBot, tg: FakeTelegram, sender: TelegramAdapter
) -> None:
    ada = tg.user(1001, "Ada")
    out = Outbound(
        "Time for your session",
        title="Good morning",
        buttons=((Button("Done", "plan:done"),),),
        link=MessageLink("session", plan_date=TODAY, owner=UserRef("telegram", str(ada.id))),
    )
    await say(tg, ada, "/help")  # so Ada is a known user
    message_id = await sender.send(str(ada.id), out)
    [pushed] = [m for m in tg.sent_to(ada) if m.message_id == int(message_id)]
    assert pushed.html == "<b>Good morning</b>\nTime for your session"
    assert bot.store is not None
    stored = await bot.store.resolve_message("telegram", str(ada.id), message_id)
    assert stored is not None and stored.link.kind == "session"
    assert stored.user_id == (await bot.user(ada)).id


async def test_send_splits_long_texts_and_links_every_part(
    bot: RunningBot, tg: FakeTelegram, sender: TelegramAdapter
) -> None:
    ada = tg.user(1001, "Ada")
    text = "\n".join(f"Line {i}: " + " ".join(["hamstrings"] * 8) for i in range(60))  # ~5500
    out = Outbound(text, link=MessageLink("howto", exercise_id="glute-bridge"))
    first_id = await sender.send(str(ada.id), out)
    parts = tg.sent_to(ada)
    assert len(parts) == 2 and str(parts[0].message_id) == first_id
    assert "\n".join(p.text for p in parts) == text
    assert bot.store is not None
    for part in parts:
        link = await bot.store.resolve_message("telegram", str(ada.id), str(part.message_id))
        assert link is not None and link.link.exercise_id == "glute-bridge"


async def test_send_uploads_photos_and_documents(
    bot: RunningBot, tg: FakeTelegram, sender: TelegramAdapter
) -> None:
    ada = tg.user(1001, "Ada")
    chart = Attachment("week.png", b"\x89PNG\r\n\x1a\nchart", "image/png")
    csv = Attachment("backline.csv", b"date,exercise,reps\n", "text/csv")
    await sender.send(str(ada.id), Outbound("Your week <3", title="Progress", image=chart))
    await sender.send(str(ada.id), Outbound("", document=csv))
    photo, document = tg.sent_to(ada)
    assert (photo.method, photo.html) == ("sendPhoto", "<b>Progress</b>\nYour week &lt;3")
    assert photo.file is not None and photo.file.data == chart.data
    assert document.method == "sendDocument"
    assert document.file is not None and document.file.filename == "backline.csv"
    assert document.file.data == csv.data


async def test_send_reports_neutral_errors(
    bot: RunningBot, tg: FakeTelegram, sender: TelegramAdapter
) -> None:
    ada = tg.user(1001, "Ada")
    await say(tg, ada, "/help")
    out = Outbound("Session time")

    tg.fail("sendMessage", TooManyRequests(retry_after=7))
    with pytest.raises(RetryLater) as flood:
        await sender.send(str(ada.id), out)
    assert flood.value.retry_after == 7

    tg.fail("sendMessage", ServerError(503, "Service Unavailable"))
    with pytest.raises(TransientFailure):
        await sender.send(str(ada.id), out)

    tg.fail("sendMessage", Blocked())
    with pytest.raises(Unreachable):
        await sender.send(str(ada.id), out)
    assert not (await bot.user(ada)).active
    # One attempt each: retrying is the scheduler's call.
    assert statuses(tg, "sendMessage")[-3:] == [429, 503, 403]


def test_the_clock_fixture_is_a_training_day(clock: Callable[[], datetime]) -> None:
    assert clock().date() == TODAY and clock().tzinfo == UTC and TODAY.weekday() == 0


async def test_answers_and_pushes_wait_in_the_send_queue_in_their_lanes(
    tg: FakeTelegram, tmp_path: Path, clock: Callable[[], datetime]
) -> None:
    """Every send takes its turn in the token's send queue: answers as replies, pushes not."""
    gate = RecordingGate("telegram")
    hooks = Hooks(gates={"telegram": gate})
    coach, store = await open_coach(tmp_path / "backline.db", clock=clock)
    sender = TelegramAdapter(coach, TEST_TOKEN, tg.url, hooks=hooks, poll_timeout=1)
    stop = asyncio.Event()
    running = asyncio.create_task(sender.run(stop))
    try:
        await tg.wait_polling()
        ada = tg.user(1001, "Ada")
        [session] = await say(tg, ada, "/today")
        assert session.buttons
        await sender.send(str(ada.id), Outbound("A push"))
    finally:
        stop.set()
        await running
        await store.close()
    # /today's answer and the barrier's answer as replies, then the push behind them.
    assert gate.turns == [("1001", True)] * 2 + [("1001", False)]


async def test_a_429_on_an_answer_holds_no_update_slot(
    tg: FakeTelegram, tmp_path: Path, clock: Callable[[], datetime]
) -> None:
    """With one update at a time, Ada's answer waiting out a 429 in the send queue doesn't
    stop Bob's update from being handled and answered meanwhile."""
    coach, store = await open_coach(tmp_path / "backline.db", clock=clock)
    gate = RecordingGate("telegram")
    adapter = TelegramAdapter(
        coach, TEST_TOKEN, tg.url, hooks=Hooks(gates={"telegram": gate}), poll_timeout=1,
        concurrency=1,
    )  # fmt: skip
    stop = asyncio.Event()
    running = asyncio.create_task(adapter.run(stop))
    try:
        await tg.wait_polling()
        ada, bob = tg.user(1001, "Ada"), tg.user(1002, "Bob")
        tg.fail("sendMessage", TooManyRequests(retry_after=2), chat=tg.private_chat(ada))
        tg.send(ada, "/today")
        await tg.wait_for(lambda: statuses(tg, "sendMessage") == [429], what="Ada's 429")
        [bobs] = await say(tg, bob, "/help")
        [adas] = await tg.wait_sent(ada, timeout=10)
        assert adas.html.startswith("<b>Mon 23 Nov")
        assert bobs.message_id < adas.message_id  # Bob was answered while Ada's waited
        assert gate.pauses == [(2.0, str(ada.id), None)]
    finally:
        stop.set()
        await running
        await store.close()
