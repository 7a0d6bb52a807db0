"""Exercise pictures reach people: /howto and the step-by-step prompts carry the drawing and
its credit line; exercises without a drawing stay text only."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleChat
from bot.app import open_coach
from bot.content import default_library
from bot.core.coach import Coach
from bot.core.events import InboundEvent, Outbound, UserRef

CONTENT = Path(__file__).resolve().parents[1] / "content"
CREDIT_LINE = "Drawing: Everkinetic (everkinetic.com), CC BY-SA 4.0"
MONDAY = date(2026, 11, 23)


class Clock:
    def __init__(self) -> None:
        self.day = MONDAY

    def __call__(self) -> datetime:
        return datetime.combine(self.day, time(9), tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def coach(tmp_path: Path, clock: Clock) -> AsyncIterator[Coach]:
    coach, store = await open_coach(tmp_path / "backline.db", clock=clock)
    yield coach
    await store.close()


class Chat:
    def __init__(self, coach: Coach) -> None:
        self.coach = coach
        self.sent: list[tuple[str, Outbound]] = []
        self.n = 0

    async def send(self, text: str = "", button: str | None = None) -> list[Outbound]:
        self.n += 1
        reply_to = self.sent[-1][0] if button and self.sent else None
        event = InboundEvent(
            UserRef("test", "sam"), "sam", text=text, button=button, reply_to=reply_to,
            message_id=f"m{self.n}",
        )  # fmt: skip
        reply = await self.coach.handle(event)
        for out in reply.messages:
            message_id = await self.coach.next_message_id("test")
            await self.coach.record_sent("test", "sam", message_id, out)
            self.sent.append((message_id, out))
        return reply.messages


async def test_howto_shows_the_drawing_with_its_credit(coach: Coach) -> None:
    [out] = await Chat(coach).send("/howto barbell rdl")
    assert out.title == "Romanian deadlift (barbell)"
    assert out.image is not None
    png = CONTENT / "images" / "romanian-deadlift-barbell.png"
    assert out.image.data == png.read_bytes()
    assert (out.image.filename, out.image.mime) == (png.name, "image/png")
    assert out.image.path == str(png.resolve())
    assert out.text.endswith("\n" + CREDIT_LINE)
    assert out.text.count("Drawing:") == 1


async def test_howto_without_a_drawing_stays_text(coach: Coach) -> None:
    [out] = await Chat(coach).send("/howto kb swing")
    assert out.title and out.title.startswith("Kettlebell swing")
    assert out.image is None
    assert "Drawing:" not in out.text


def prompts_in(messages: list[Outbound]) -> list[Outbound]:
    return [o for o in messages if o.link and o.link.kind == "exercise"]


async def test_each_exercise_prompt_carries_its_drawing(coach: Coach, clock: Clock) -> None:
    chat = Chat(coach)
    prompts: list[Outbound] = []
    for offset in range(7):  # a week of sessions: some moves have a drawing, some don't
        clock.day = MONDAY + timedelta(days=offset)
        await chat.send("/today")
        more = prompts_in(await chat.send(button="plan:step"))
        while more:
            prompts += more
            more = prompts_in(await chat.send(button="ex:done"))
    library = default_library()
    seen = {prompt.image is not None for prompt in prompts}
    assert seen == {True, False}
    for prompt in prompts:
        assert prompt.link and prompt.link.exercise_id
        image = library.exercises[prompt.link.exercise_id].image
        if image is None:
            assert prompt.image is None and "Drawing:" not in prompt.text
        else:
            assert prompt.image is not None and prompt.image.path == image.path
            assert prompt.text.endswith("\n" + CREDIT_LINE)
            swap = f"swap:{prompt.link.exercise_id}"
            assert [b.data for row in prompt.buttons for b in row] == [
                "ex:done",
                "ex:skip",
                swap,
                "ex:log",
            ]


async def test_the_console_prints_where_the_picture_is(coach: Coach) -> None:
    out = io.StringIO()
    chat = ConsoleChat(coach, user="sam", out=out)
    await chat.say("/howto deadlift")
    await chat.say("/howto kb swing")
    deadlift, swing = out.getvalue().split("\n[2] ")
    picture = f"Picture: {(CONTENT / 'images' / 'deadlift.png').resolve()}"
    assert CREDIT_LINE in deadlift and picture in deadlift
    assert "Picture:" not in swing and "Drawing:" not in swing


def test_the_howto_command_names_the_picture() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "howto", "pull-up"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(CONTENT.parent)},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Pull-up"
    assert lines[-2:] == [CREDIT_LINE, f"Picture: {(CONTENT / 'images' / 'pull-up.png').resolve()}"]
