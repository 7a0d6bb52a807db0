"""Logging conversations as people have them: /log without sets, "All done", extra work after
the session, and what each confirmation says and stores."""

from __future__ import annotations

from bot.core.events import Reply
from tests import test_conversation as conversation
from tests.test_conversation import Person, text_of, user_sets

clock = conversation.clock
env = conversation.env


def _buttons(reply: Reply) -> dict[str, str]:
    return {b.label: b.data for m in reply.messages for row in m.buttons for b in row}


async def test_log_without_sets_says_it_logged_the_plan_and_undo_takes_exactly_that(env) -> None:
    coach, store = env
    sam = Person(coach, "sam")
    await sam.say("/log glute bridge 15 15")
    reply = await sam.say("/log rdl")
    text = text_of(reply)
    assert "Logged Romanian deadlift (dumbbells) as prescribed: 10, 10 reps." in text
    assert "Tap Undo, or send /log rdl 12 10 10." in text
    undo = _buttons(reply)["Undo"]
    assert len(await user_sets(store, coach, "sam")) == 4
    reply = await sam.press(sam.last_id(), undo)
    assert reply.button_ack == "Undone" and "Romanian deadlift" in text_of(reply)
    assert [s.exercise_id for s in await user_sets(store, coach, "sam")] == ["glute-bridge"] * 2
    reply = await sam.press(sam.last_id(), undo)  # twice: nothing else goes
    assert "already taken back" in text_of(reply)
    assert len(await user_sets(store, coach, "sam")) == 2


async def test_log_with_sets_has_no_undo_hint(env) -> None:
    coach, _ = env
    sam = Person(coach, "sam")
    reply = await sam.say("/log rdl 3x10 @ 20kg")
    assert "as prescribed" not in text_of(reply) and "Undo" not in _buttons(reply)


async def test_all_done_is_scannable(env) -> None:
    coach, _ = env
    sam = Person(coach, "sam")
    await sam.say("/today")
    reply = await sam.say("all done, felt easy", reply_to=sam.last_id("session"))
    lines = text_of(reply).strip().splitlines()
    assert lines[0].startswith("Logged as prescribed: ")
    assert lines[1] == "That's the session done. Great work!"
    assert "Next time:" in lines
    bullets = lines[lines.index("Next time:") + 1 :]
    assert bullets and all(b.startswith("• ") and ": " in b for b in bullets)


async def test_a_log_after_the_session_is_extra_work_not_the_session_done_again(env) -> None:
    coach, _ = env
    sam = Person(coach, "sam")
    await sam.say("/today")
    await sam.say("done", reply_to=sam.last_id("session"))
    text = text_of(await sam.say("/log glute bridge 15 15"))
    assert "already done, so that counts as extra work" in text
    assert "session done" not in text
