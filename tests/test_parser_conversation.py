"""The parser's readings in the real conversation: sentences log nothing, unsure replies ask
back with Yes / No, and only a Yes stores the reading."""

from __future__ import annotations

import pytest

from bot.core.events import Reply
from tests import test_conversation as conversation
from tests.test_conversation import Person, text_of, user_sets

clock = conversation.clock
env = conversation.env


async def _exercise_prompt(sam: Person) -> str:
    await sam.say("/today")
    await sam.press(sam.last_id("session"), "plan:step")
    return sam.last_id("exercise")


async def _say_where(sam: Person, text: str, where: str) -> Reply:
    """`text` as a reply to today's session or its first exercise prompt, or typed in the DM."""
    await sam.say("/today")
    if where == "exercise":
        await sam.press(sam.last_id("session"), "plan:step")
    return await sam.say(text, reply_to=None if where == "dm" else sam.last_id(where))


def _buttons(reply: Reply) -> list[tuple[str, str]]:
    return [(b.label, b.data) for m in reply.messages for row in m.buttons for b in row]


@pytest.mark.parametrize(
    "text",
    [
        "my back hurts for 2 days",
        "slept 5 hours",
        "see you in 3 days",
        "don't skip",
        "I will not skip",
        "done?",
        "almost done",
        "not done",
        "are we done",
        "did I skip?",
        "should I skip today?",
        "can't do it today",
        "I did it at 7",
        "thanks coach!",
    ],
)
@pytest.mark.parametrize("where", ["session", "exercise", "dm"])
async def test_sentences_log_nothing_anywhere(env, text: str, where: str) -> None:
    coach, store = env
    sam = Person(coach, "sam")
    reply = await _say_where(sam, text, where)
    assert await user_sets(store, coach, "sam") == []
    assert "`" not in text_of(reply)
    assert all(not m.buttons or m.text.startswith("Log ") for m in reply.messages)


async def test_a_lone_number_asks_and_yes_logs_it(env) -> None:
    coach, store = env
    sam = Person(coach, "sam")
    prompt = await _exercise_prompt(sam)
    reply = await sam.say("did 2", reply_to=prompt)
    assert text_of(reply).strip() == "Log 2 reps of Single-leg Romanian deadlift (bodyweight)?"
    assert _buttons(reply) == [("Yes, log it", "cf:yes"), ("No", "cf:no")]
    assert await user_sets(store, coach, "sam") == []
    reply = await sam.press(sam.last_id(), "cf:yes")
    assert reply.button_ack == "Logged"
    assert "Logged Single-leg Romanian deadlift (bodyweight): 2 reps" in text_of(reply)
    sets = await user_sets(store, coach, "sam")
    assert [(s.exercise_id, s.reps) for s in sets] == [("single-leg-rdl-bodyweight", 2)]
    # step-by-step goes on with the next exercise, and /undo takes the confirmed log back
    assert any(m.link and m.link.kind == "exercise" for m in reply.messages)
    await sam.say("/undo")
    assert await user_sets(store, coach, "sam") == []


async def test_no_logs_nothing_and_a_second_press_is_stale(env) -> None:
    coach, store = env
    sam = Person(coach, "sam")
    prompt = await _exercise_prompt(sam)
    await sam.say("only 8", reply_to=prompt)
    question = sam.last_id()
    reply = await sam.press(question, "cf:no")
    assert reply.button_ack == "Not logged"
    assert "nothing logged" in text_of(reply)
    reply = await sam.press(question, "cf:yes")
    assert "expired" in text_of(reply)
    assert await user_sets(store, coach, "sam") == []
    # step-by-step logging is still on: plain sets go to the same exercise
    reply = await sam.say("10 10")
    assert "Logged Single-leg Romanian deadlift (bodyweight): 10, 10 reps" in text_of(reply)


async def test_typed_yes_confirms_and_other_text_is_a_new_reply(env) -> None:
    coach, store = env
    sam = Person(coach, "sam")
    prompt = await _exercise_prompt(sam)
    await sam.say("got 6", reply_to=prompt)
    reply = await sam.say("yes")
    assert "Logged Single-leg Romanian deadlift (bodyweight): 6 reps" in text_of(reply)
    await sam.say("managed 9")  # the next exercise, asked about
    reply = await sam.say("12 12")  # not an answer: a reply of its own, sure this time
    assert "Logged Doorway row: 12, 12 reps" in text_of(reply)
    sets = await user_sets(store, coach, "sam")
    assert [(s.exercise_id, s.reps) for s in sets] == [
        ("single-leg-rdl-bodyweight", 6),
        ("doorway-row", 12),
        ("doorway-row", 12),
    ]


async def test_an_unsure_done_on_the_session_asks_about_the_whole_session(env) -> None:
    coach, store = env
    sam = Person(coach, "sam")
    await sam.say("/today")
    reply = await sam.say("I did it at 7am", reply_to=sam.last_id("session"))
    assert text_of(reply).strip() == "Log the rest of the session as done as prescribed?"
    assert await user_sets(store, coach, "sam") == []
    reply = await sam.press(sam.last_id(), "cf:yes")
    assert "Logged as prescribed" in text_of(reply)
    assert await user_sets(store, coach, "sam")


async def test_a_bare_unsure_number_in_a_dm_asks_about_the_next_exercise(env) -> None:
    coach, store = env
    sam = Person(coach, "sam")
    await sam.say("/today")
    reply = await sam.say("did 2")
    assert "Log 2 reps of" in text_of(reply)
    await sam.say("no")
    assert await user_sets(store, coach, "sam") == []


async def test_sure_replies_still_log_at_once(env) -> None:
    coach, _ = env
    sam = Person(coach, "sam")
    prompt = await _exercise_prompt(sam)
    reply = await sam.say("12 10 10", reply_to=prompt)
    assert "Logged Single-leg Romanian deadlift (bodyweight): 12, 10, 10 reps" in text_of(reply)
    assert not _buttons(reply) or "cf:yes" not in dict(_buttons(reply)).values()


async def test_the_session_example_reply_logs_two_exercises(env) -> None:
    coach, _ = env
    sam = Person(coach, "sam")
    await sam.say("/today")
    session = sam.last_id("session")
    reply = await sam.say(
        "Single-leg Romanian deadlift (bodyweight) 3x8, doorway row 3x12", reply_to=session
    )
    assert "Logged Single-leg Romanian deadlift (bodyweight): 8, 8, 8 reps" in text_of(reply)
    assert "Logged Doorway row: 12, 12, 12 reps" in text_of(reply)


# --- effort typed after a set is stored --------------------------------------------------


sqlite_env = conversation.sqlite_env


@pytest.fixture(params=["memory", "sqlite"])
async def both_stores(request: pytest.FixtureRequest, env, sqlite_env):
    # (both are opened: pytest-asyncio can't request an async fixture from inside one)
    return env if request.param == "memory" else sqlite_env


async def test_rpe_and_rir_are_stored_per_set(both_stores) -> None:
    coach, store = both_stores
    sam = Person(coach, "sam")
    prompt = await _exercise_prompt(sam)
    reply = await sam.say("3x8 @ 20kg rpe 8", reply_to=prompt, message_id="first")
    assert "8, 8, 8 reps @ 20 kg, RPE 8." in text_of(reply)
    reply = await sam.say("12 rir 3, 10 rir 1")
    assert "12, 10 reps (RIR 3, RIR 1)." in text_of(reply)
    sets = await user_sets(store, coach, "sam")
    assert [(s.reps, s.load_kg, s.rpe, s.rir) for s in sets] == [
        (8, 20.0, 8.0, None),
        (8, 20.0, 8.0, None),
        (8, 20.0, 8.0, None),
        (12, None, None, 3),
        (10, None, None, 1),
    ]
    # an edited reply re-reads the effort too
    await sam.say("3x8 @ 20kg rpe 9.5", reply_to=prompt, message_id="first", edited=True)
    sets = await user_sets(store, coach, "sam")
    assert [s.rpe for s in sets if s.reps == 8] == [9.5, 9.5, 9.5]
    assert "8, 8, 8 reps @ 20 kg, RPE 9.5" in text_of(await sam.say("/history"))
    reply = await sam.say("/export")
    (csv_file,) = [m.document for m in reply.messages if m.document is not None]
    rows = [line.split(",") for line in csv_file.data.decode().splitlines()]
    assert rows[0][-2:] == ["rpe", "rir"]
    assert [row[-2:] for row in rows[1:]] == [["9.5", ""]] * 3 + [["", "3"], ["", "1"]]


async def test_old_rows_read_without_effort(sqlite_env) -> None:
    coach, store = sqlite_env
    sam = Person(coach, "sam")
    prompt = await _exercise_prompt(sam)
    await sam.say("12 10 10", reply_to=prompt)
    assert {(s.rpe, s.rir) for s in await user_sets(store, coach, "sam")} == {(None, None)}


async def test_a_log_in_between_answers_the_question(env) -> None:
    """Asked about "did 2", the person presses Done instead: a later "yes" logs nothing more."""
    coach, store = env
    sam = Person(coach, "sam")
    await sam.say("/today")
    session = sam.last_id("session")
    await sam.say("did 2", reply_to=session)
    await sam.press(session, "plan:done")
    logged = await user_sets(store, coach, "sam")
    await sam.say("yes")
    assert await user_sets(store, coach, "sam") == logged


@pytest.mark.parametrize("text", ["my back hurts", "lower back pain today", "hurts"])
@pytest.mark.parametrize("where", ["session", "exercise", "dm"])
async def test_a_pain_report_gets_a_caring_answer_and_logs_nothing(
    env, text: str, where: str
) -> None:
    coach, store = env
    sam = Person(coach, "sam")
    reply = await _say_where(sam, text, where)
    assert "Sorry it hurts" in text_of(reply) and "sharp pain" in text_of(reply)
    assert await user_sets(store, coach, "sam") == []


async def test_a_pain_remark_after_a_logged_exercise_is_a_remark(env) -> None:
    coach, store = env
    sam = Person(coach, "sam")
    await sam.say("/today")
    reply = await sam.say(
        "single leg rdl 10 10, hamstring tweaked", reply_to=sam.last_id("session")
    )
    assert "Logged Single-leg Romanian deadlift (bodyweight): 10, 10 reps" in text_of(reply)
    sets = await user_sets(store, coach, "sam")
    assert [(s.exercise_id, s.reps) for s in sets] == [("single-leg-rdl-bodyweight", 10)] * 2
