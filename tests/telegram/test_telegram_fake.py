"""The fake Bot API server itself: long polling, recording, faults and flood limits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import Bot, InputFile

from tests.fakes.telegram_server import (
    TEST_TOKEN,
    Blocked,
    FakeTelegram,
    ServerError,
    Slow,
    TooManyRequests,
)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(
    http: aiohttp.ClientSession, fake: FakeTelegram, method: str, **params: Any
) -> tuple[int, dict[str, Any]]:
    form = {k: str(v) for k, v in params.items()}
    async with http.post(f"{fake.url}/bot{fake.token}/{method}", data=form) as response:
        return response.status, await response.json()


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    tg: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    ada = tg.user(11, "Ada")
    poll = asyncio.create_task(call(http, tg, "getUpdates", timeout=30))
    await asyncio.sleep(0.05)  # let the poll start waiting; the result is the same if not
    sent = tg.send(ada, "/today")
    status, body = await asyncio.wait_for(poll, 10)
    assert status == 200
    [update] = body["result"]
    assert update["update_id"] == sent.update_id
    assert update["message"]["text"] == "/today"
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]


async def test_an_offset_confirms_updates_and_short_polls_come_back_empty(
    tg: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    ada = tg.user(11, "Ada")
    first = tg.send(ada, "one")
    second = tg.send(ada, "two")
    _, body = await call(http, tg, "getUpdates", timeout=0)
    assert [u["update_id"] for u in body["result"]] == [first.update_id, second.update_id]
    _, body = await call(http, tg, "getUpdates", offset=first.update_id + 1, timeout=0)
    assert [u["update_id"] for u in body["result"]] == [second.update_id]
    assert tg.confirmed(first) and not tg.confirmed(second)
    _, body = await call(http, tg, "getUpdates", offset=second.update_id + 1, timeout=0)
    assert body["result"] == []


async def test_a_redelivered_update_comes_again_with_the_same_id(
    tg: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    ada = tg.user(11, "Ada")
    sent = tg.send(ada, "12 10 10")
    _, body = await call(http, tg, "getUpdates", timeout=0)
    tg.redeliver(sent)
    later = tg.send(ada, "later")
    _, body = await call(http, tg, "getUpdates", offset=sent.update_id + 1, timeout=0)
    assert [u["update_id"] for u in body["result"]] == [sent.update_id, later.update_id]


async def test_sent_messages_are_recorded_with_increasing_ids(tg: FakeTelegram) -> None:
    ada = tg.user(11, "Ada")
    async with Bot(TEST_TOKEN, base_url=f"{tg.url}/bot") as bot:
        first = await bot.send_message(ada.id, "<b>Hi</b> &amp; welcome", parse_mode="HTML")
        photo = await bot.send_photo(
            ada.id, InputFile(b"\x89PNG", filename="p.png"), caption="Your week"
        )
        doc = await bot.send_document(ada.id, InputFile(b"a,b\n", filename="log.csv"))
    assert first.message_id < photo.message_id < doc.message_id
    texts = [(m.method, m.text) for m in tg.sent_to(ada)]
    assert texts == [
        ("sendMessage", "Hi & welcome"),
        ("sendPhoto", "Your week"),
        ("sendDocument", ""),
    ]
    assert tg.sent[1].file is not None and tg.sent[1].file.data == b"\x89PNG"
    assert tg.sent[2].file is not None and tg.sent[2].file.filename == "log.csv"
    assert doc.document is not None and doc.document.file_name == "log.csv"


async def test_faults_hit_the_next_calls_of_a_method_only(
    tg: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    ada = tg.user(11, "Ada")
    tg.fail("sendMessage", TooManyRequests(retry_after=3))
    tg.fail("sendMessage", ServerError(500, "Internal Server Error"), times=2)
    tg.fail("sendMessage", Blocked())
    answers = [await call(http, tg, "sendMessage", chat_id=ada.id, text="hi") for _ in range(5)]
    assert [status for status, _ in answers] == [429, 500, 500, 403, 200]
    assert answers[0][1]["parameters"] == {"retry_after": 3}
    assert answers[3][1]["description"] == "Forbidden: bot was blocked by the user"
    assert [m.text for m in tg.sent_to(ada)] == ["hi"]


async def test_a_fault_can_target_one_chat(tg: FakeTelegram, http: aiohttp.ClientSession) -> None:
    ada, bo = tg.user(11, "Ada"), tg.user(12, "Bo")
    tg.fail("sendMessage", Blocked(), chat=tg.private_chat(bo))
    status_ada, _ = await call(http, tg, "sendMessage", chat_id=ada.id, text="hi")
    status_bo, _ = await call(http, tg, "sendMessage", chat_id=bo.id, text="hi")
    assert (status_ada, status_bo) == (200, 403)


async def test_slow_answers_still_arrive(tg: FakeTelegram, http: aiohttp.ClientSession) -> None:
    ada = tg.user(11, "Ada")
    tg.fail("sendMessage", Slow(0.05))
    status, body = await call(http, tg, "sendMessage", chat_id=ada.id, text="hi")
    assert status == 200 and body["result"]["text"] == "hi"


async def test_unknown_methods_and_bad_requests_are_violations(
    http: aiohttp.ClientSession,
) -> None:
    async with FakeTelegram() as fake:
        status, _ = await call(http, fake, "sendTelepathy", chat_id=1)
        assert status == 400
        status, _ = await call(http, fake, "sendMessage", chat_id=1, text="x" * 4097)
        assert status == 400
        status, _ = await call(http, fake, "getMyDescription")  # in the spec, not in the fake
        assert status == 400
    assert [(v.method, v.problem) for v in fake.violations] == [
        ("sendTelepathy", "no such method in the Bot API spec"),
        ("sendMessage", "4097 characters, must be 1-4096"),
        ("getMyDescription", "the fake server does not implement this method"),
    ]


async def test_a_wrong_token_is_unauthorized(tg: FakeTelegram, http: aiohttp.ClientSession) -> None:
    async with http.post(f"{tg.url}/bot1:wrong/getMe") as response:
        assert response.status == 401
    assert tg.unauthorized == 1


async def test_a_button_press_carries_the_message_and_can_be_answered_once(
    tg: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    ada = tg.user(11, "Ada")
    markup = '{"inline_keyboard": [[{"text": "Done", "callback_data": "ex:done"}]]}'
    await call(http, tg, "sendMessage", chat_id=ada.id, text="Rows", reply_markup=markup)
    [message] = tg.sent_to(ada)
    pressed = tg.press(ada, message, "Done")
    query = pressed.update["callback_query"]
    assert (query["data"], query["message"]["message_id"]) == ("ex:done", message.message_id)
    assert (await call(http, tg, "answerCallbackQuery", callback_query_id=query["id"]))[0] == 200
    assert (await call(http, tg, "answerCallbackQuery", callback_query_id=query["id"]))[0] == 400
    assert [v.problem for v in tg.violations] == ["answered twice"]
    tg.violations.clear()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_flood_limits_per_chat_group_and_overall(http: aiohttp.ClientSession) -> None:
    clock = FakeClock()
    async with FakeTelegram(enforce_limits=True, clock=clock) as fake:
        people = [fake.user(100 + i, f"P{i}") for i in range(31)]
        club = fake.group(-100500, "Club")

        # One message per second in a chat, after a short burst of three.
        for text in "abc":
            assert (await call(http, fake, "sendMessage", chat_id=people[0].id, text=text))[
                0
            ] == 200
            clock.now += 0.25
        status, body = await call(http, fake, "sendMessage", chat_id=people[0].id, text="d")
        assert status == 429 and body["parameters"]["retry_after"] == 3
        clock.now += 2.25
        assert (await call(http, fake, "sendMessage", chat_id=people[0].id, text="d"))[0] == 200
        status, body = await call(http, fake, "sendMessage", chat_id=people[0].id, text="e")
        assert status == 429 and body["parameters"]["retry_after"] == 1
        clock.now += 3.0

        # Thirty messages per second overall.
        clock.now += 1.0
        statuses = [
            (await call(http, fake, "sendMessage", chat_id=p.id, text="hi"))[0] for p in people
        ]
        assert statuses == [200] * 30 + [429]

        # Twenty messages per minute in a group.
        for _ in range(20):
            clock.now += 1.0
            assert (await call(http, fake, "sendMessage", chat_id=club.id, text="x"))[0] == 200
        clock.now += 1.0
        status, body = await call(http, fake, "sendMessage", chat_id=club.id, text="x")
        assert status == 429 and body["parameters"]["retry_after"] == 40
    assert fake.rate_limited == 4
    assert dict(fake.rate_limited_by) == {"chat": 2, "global": 1, "group": 1}
    assert fake.violations == []


async def test_messages_can_be_edited_like_in_telegram(tg: FakeTelegram) -> None:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup
    from telegram.error import BadRequest

    ada = tg.user(11, "Ada")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Done", callback_data="ex:done")]])
    async with Bot(TEST_TOKEN, base_url=f"{tg.url}/bot") as bot:
        sent = await bot.send_message(ada.id, "Rows: 2 x 10", reply_markup=keyboard)
        await bot.edit_message_text(
            "<b>Rows</b>: done", ada.id, sent.message_id, parse_mode="HTML", reply_markup=keyboard
        )
        assert tg.sent_to(ada)[0].buttons == [[("Done", "ex:done")]]
        await bot.edit_message_reply_markup(ada.id, sent.message_id, reply_markup=None)
        with pytest.raises(BadRequest, match="not modified"):
            await bot.edit_message_reply_markup(ada.id, sent.message_id, reply_markup=None)
        with pytest.raises(BadRequest, match="not found"):
            await bot.edit_message_text("x", ada.id, 999)
    [message] = tg.sent_to(ada)
    assert (message.text, message.edits, message.buttons) == ("Rows: done", ["Rows: 2 x 10"], [])
