"""Logging conversations as people have them: /log without sets, "All done", extra work after
the session, and what each confirmation says and stores."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.events import Reply
from tests import test_conversation as conversation
from tests.test_conversation import MONDAY, Person, text_of, user_sets

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
    # "rdl" is the RDL of Sam's own session: bodyweight only, the single-leg one.
    assert "Logged Single-leg Romanian deadlift (bodyweight) as prescribed: 8, 8 reps." in text
    assert "Tap Undo, or send /log rdl 12 10 10." in text
    undo = _buttons(reply)["Undo"]
    assert len(await user_sets(store, coach, "sam")) == 4
    reply = await sam.press(sam.last_id(), undo)
    assert reply.button_ack == "Undone" and "Romanian deadlift" in text_of(reply)
    assert [s.exercise_id for s in await user_sets(store, coach, "sam")] == ["glute-bridge"] * 2
    reply = await sam.press(sam.last_id(), undo)  # twice: nothing else goes
    assert "taken back already" in text_of(reply)
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


async def _steps(sam: Person) -> str:
    """Start step-by-step logging; the first exercise's prompt id."""
    await sam.say("/today")
    await sam.press(sam.last_id("session"), "plan:step")
    return sam.last_id("exercise")


@pytest.mark.parametrize("fix", ["actually 12 12 10", "oops, 12 12 10", "*12 12 10"])
async def test_a_correction_replaces_the_log_before_it(env, fix: str) -> None:
    coach, store = env
    sam = Person(coach, "sam")
    await _steps(sam)
    await sam.say("12 10 10")  # the first exercise; the next one's prompt follows
    text = text_of(await sam.say(fix))
    assert "Updated Single-leg Romanian deadlift (bodyweight): 12, 12, 10 reps" in text
    assert "(was 12, 10, 10 reps)" in text and "Next up: Doorway row" in text
    sets = await user_sets(store, coach, "sam")
    assert [(s.exercise_id, s.reps) for s in sets] == [
        ("single-leg-rdl-bodyweight", r) for r in (12, 12, 10)
    ]


async def test_a_reply_to_an_older_prompt_adds_and_offers_replace(env) -> None:
    coach, store = env
    sam = Person(coach, "sam")
    first = await _steps(sam)
    await sam.say("12 10 10")
    added = await sam.say("15 15", reply_to=first)
    assert "Added to what you logged earlier (12, 10, 10 reps)" in text_of(added)
    # Stored at once (a reply is never lost waiting for an answer), one tap makes it a fix.
    assert [s.reps for s in await user_sets(store, coach, "sam")] == [12, 10, 10, 15, 15]
    replace_it = _buttons(added)["Replace earlier"]
    reply = await sam.press(sam.last_id(), replace_it)
    assert reply.button_ack == "Replaced"
    assert "Updated Single-leg Romanian deadlift (bodyweight): 15, 15 reps" in text_of(reply)
    assert [s.reps for s in await user_sets(store, coach, "sam")] == [15, 15]
    reply = await sam.press(sam.last_id(), replace_it)
    assert "replaced already" in text_of(reply)
    assert [s.reps for s in await user_sets(store, coach, "sam")] == [15, 15]


async def test_sets_after_a_skip_replace_the_skip(env) -> None:
    coach, store = env
    sam = Person(coach, "sam")
    first = await _steps(sam)
    await sam.say("skip")
    reply = await sam.say("8 8", reply_to=first)
    assert "(was skipped)" in text_of(reply)
    sets = await user_sets(store, coach, "sam")
    assert [(s.reps, s.skipped) for s in sets] == [(8, False), (8, False)]


async def test_skipped_for_pain_gets_a_caring_line(env) -> None:
    coach, _ = env
    sam = Person(coach, "sam")
    await _steps(sam)
    text = text_of(await sam.say("skipped, back hurts"))
    assert "Skipped Single-leg Romanian deadlift" in text and "doctor or physio" in text


@pytest.mark.parametrize("typed", ["12 10 10", "done", "skip"])
async def test_a_bare_log_on_a_rest_day_asks_which_move(env, clock, typed: str) -> None:
    coach, store = env
    clock.set_day(MONDAY + timedelta(days=1))  # a Tuesday: rest for Mon/Wed/Fri
    sam = Person(coach, "sam")
    text = text_of(await sam.say(typed))
    assert "rest day" in text and 'e.g. "rdl 3x10' in text
    assert await user_sets(store, coach, "sam", MONDAY + timedelta(days=1)) == []


async def test_log_with_sets_but_no_name_asks_for_the_name_once(env) -> None:
    coach, _ = env
    sam = Person(coach, "sam")
    text = text_of(await sam.say("/log 12 10 10")).strip()
    assert text == "Which exercise was that? Put its name first, e.g. /log rdl 12 10 10."


async def test_a_name_typed_alone_is_logged_as_prescribed_with_one_tap_to_undo(env) -> None:
    coach, store = env
    sam = Person(coach, "sam")
    reply = await sam.say("glute bridge")  # typed in the private chat, no sets
    assert "Logged Glute bridge as prescribed" in text_of(reply)
    assert "Tap Undo, or send /log glute bridge 12 10 10." in text_of(reply)
    await sam.press(sam.last_id(), _buttons(reply)["Undo"])
    assert await user_sets(store, coach, "sam") == []


async def test_bare_sets_after_the_whole_session_ask_which_move(env) -> None:
    """ "12 12" with nothing left to log today names no move: ask, store nothing (it used to
    get "I'm not sure what you mean")."""
    coach, store = env
    sam = Person(coach, "sam")
    await sam.say("/today")
    await sam.press(sam.last_id("session"), "plan:done")
    before = await user_sets(store, coach, "sam", MONDAY)
    assert before
    text = text_of(await sam.say("12 12"))
    assert "all logged" in text and 'e.g. "glute bridge 12 12"' in text
    assert await user_sets(store, coach, "sam", MONDAY) == before
