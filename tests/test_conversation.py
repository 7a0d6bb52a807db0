"""The coach end to end: commands, replies, logging, onboarding, groups.

The `env` fixture puts the Coach on the memory store (bot/store/memory.py, held to SQLite's
behaviour by tests/test_store_contract.py); BACKLINE_TEST_STORE=sqlite runs the same tests on
a real SQLite file. Tests about the file itself (a restart) use SQLite always.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import open_coach
from bot.charts import MatplotlibCharts
from bot.content import default_library
from bot.core.coach import SORRY, Coach
from bot.core.events import InboundEvent, Outbound, Reply, UserRef
from bot.core.ports import Persistence, Store
from bot.store.memory import MemoryStore

MONDAY = date(2026, 11, 23)


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime.combine(MONDAY, time(9), tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def set_day(self, day: date) -> None:
        self.now = datetime.combine(day, time(9), tzinfo=UTC)


@dataclass
class Person:
    """Talks to the coach like an adapter would, remembering message ids it was sent."""

    coach: Coach
    name: str
    chat: str | None = None
    platform: str = "test"
    group: bool = False
    admin: bool = False
    sent: list[tuple[str, Outbound]] = field(default_factory=list)
    _n: int = 0

    @property
    def ref(self) -> UserRef:
        return UserRef(self.platform, self.name)

    async def deliver(self, reply: Reply) -> Reply:
        for out in reply.messages:
            message_id = await self.coach.next_message_id(self.platform)
            await self.coach.record_sent(self.platform, self.chat_id, message_id, out)
            self.sent.append((message_id, out))
        return reply

    @property
    def chat_id(self) -> str:
        return self.chat or self.name

    async def say(self, text: str, reply_to: str | None = None, **extra) -> Reply:
        self._n += 1
        event = InboundEvent(
            user=self.ref,
            chat_id=self.chat_id,
            text=text,
            display_name=self.name.capitalize(),
            is_group=self.group,
            is_admin=self.admin,
            reply_to=reply_to,
            message_id=extra.pop("message_id", f"{self.name}-{self._n}"),
            **extra,
        )
        return await self.deliver(await self.coach.handle(event))

    async def press(self, message_id: str, data: str) -> Reply:
        self._n += 1
        event = InboundEvent(
            user=self.ref,
            chat_id=self.chat_id,
            button=data,
            reply_to=message_id,
            is_group=self.group,
            display_name=self.name,
        )
        return await self.deliver(await self.coach.handle(event))

    def last_id(self, kind: str | None = None) -> str:
        for message_id, out in reversed(self.sent):
            if kind is None or (out.link and out.link.kind == kind):
                return message_id
        raise AssertionError(f"no {kind} message sent")


def text_of(reply: Reply) -> str:
    return "\n".join(f"{m.preface}\n{m.title or ''}\n{m.text}" for m in reply.messages)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def env(tmp_path: Path, clock: Clock) -> AsyncIterator[tuple[Coach, Persistence]]:
    """A Coach over the memory store (BACKLINE_TEST_STORE=sqlite: over a fresh SQLite file)."""
    store: Persistence
    if os.environ.get("BACKLINE_TEST_STORE", "memory") == "sqlite":
        coach, store = await open_coach(tmp_path / "backline.db", clock=clock)
    else:
        store = MemoryStore()
        coach = Coach(store, default_library(), clock=clock, charts=MatplotlibCharts())
    yield coach, store
    await store.close()


@pytest.fixture
async def sqlite_env(tmp_path: Path, clock: Clock) -> AsyncIterator[tuple[Coach, Persistence]]:
    """A Coach over a real SQLite file at tmp_path / "backline.db", for tests about the file."""
    coach, store = await open_coach(tmp_path / "backline.db", clock=clock)
    yield coach, store
    await store.close()


def test_the_coach_runs_on_the_memory_store_without_sqlite() -> None:
    """Coach-level tests need no SQLite: a conversation on the memory store loads neither
    sqlite3 nor aiosqlite."""
    script = (
        "import asyncio, sys\n"
        "from bot.content import default_library\n"
        "from bot.core.coach import Coach\n"
        "from bot.core.events import InboundEvent, UserRef\n"
        "from bot.store.memory import MemoryStore\n"
        "async def main():\n"
        "    coach = Coach(MemoryStore(), default_library())\n"
        "    ref = UserRef('test', 'sam')\n"
        "    for n, text in enumerate(['/today', '/log rdl 10 10 @ 12kg', '/undo']):\n"
        "        reply = await coach.handle(InboundEvent(user=ref, chat_id='sam', text=text,"
        " message_id=str(n), event_id=str(n)))\n"
        "        assert reply.messages, text\n"
        "asyncio.run(main())\n"
        "print(sorted(m for m in ('sqlite3', '_sqlite3', 'aiosqlite') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


async def user_sets(store: Store, coach: Coach, name: str, day: date = MONDAY):
    user = await store.find_user(UserRef("test", name))
    assert user is not None
    return await store.sets_on(user.id, day)


async def test_today_then_reply_with_an_exercise_list(env) -> None:
    coach, store = env
    sam = Person(coach, "sam")
    reply = await sam.say("/today")
    assert "Full body" in reply.messages[0].title
    session = sam.last_id("session")
    plan_names = [line for line in reply.messages[0].text.splitlines() if line[:2] == "1."]
    assert plan_names
    reply = await sam.say("single leg rdl 10 10, glute bridge 15 15 @ 10kg", reply_to=session)
    assert "Logged" in text_of(reply)
    sets = await user_sets(store, coach, "sam")
    by_ex = {(s.exercise_id, s.set_no): s for s in sets}
    assert by_ex[("single-leg-rdl-bodyweight", 1)].reps == 10
    assert by_ex[("glute-bridge", 2)].reps == 15
    assert by_ex[("glute-bridge", 2)].load_kg == 10.0
    assert "Next up" in text_of(reply)


async def test_step_by_step_survives_a_restart(tmp_path: Path, clock: Clock) -> None:
    db = tmp_path / "b.db"
    coach, store = await open_coach(db, clock=clock)
    sam = Person(coach, "sam")
    await sam.say("/today")
    reply = await sam.press(sam.last_id("session"), "plan:step")
    assert reply.messages[0].title.startswith("1/")
    await sam.say("12 10")
    first_prompt_count = sum(1 for _, o in sam.sent if o.link and o.link.kind == "exercise")
    assert first_prompt_count == 2
    await store.close()

    # A new process: same database, nothing in memory.
    coach2, store2 = await open_coach(db, clock=clock)
    sam2 = Person(coach2, "sam")
    reply = await sam2.say("3x12 @ 16kg")
    assert "Logged Doorway row: 12, 12, 12 reps @ 16 kg" in text_of(reply)
    sets = await user_sets(store2, coach2, "sam")
    assert [(s.exercise_id, s.reps) for s in sets if s.exercise_id == "doorway-row"] == [
        ("doorway-row", 12)
    ] * 3
    assert all(s.load_kg == 16.0 for s in sets if s.exercise_id == "doorway-row")
    await store2.close()


async def test_reply_to_yesterdays_exercise_message_logs_for_yesterday(env, clock: Clock) -> None:
    coach, store = env
    sam = Person(coach, "sam")
    await sam.say("/today")
    await sam.press(sam.last_id("session"), "plan:step")
    prompt = sam.last_id("exercise")
    clock.set_day(date(2026, 11, 24))
    reply = await sam.say("8 8", reply_to=prompt)
    assert "for Mon 23 Nov" in text_of(reply)
    assert [s.reps for s in await user_sets(store, coach, "sam", MONDAY)] == [8, 8]
    assert await user_sets(store, coach, "sam", date(2026, 11, 24)) == []


async def test_unreadable_reply_gets_an_example_and_stores_nothing(env) -> None:
    coach, store = env
    sam = Person(coach, "sam")
    await sam.say("/today")
    await sam.press(sam.last_id("session"), "plan:step")
    reply = await sam.say("banana", reply_to=sam.last_id("exercise"))
    assert "12 10 10" in text_of(reply)
    reply = await sam.say("900 reps", reply_to=sam.last_id("exercise"))
    assert await user_sets(store, coach, "sam") == []
    assert SORRY not in text_of(reply)


async def test_done_skip_buttons_and_undo(env) -> None:
    coach, store = env
    sam = Person(coach, "sam")
    await sam.say("/today")
    await sam.press(sam.last_id("session"), "plan:step")
    reply = await sam.press(sam.last_id("exercise"), "ex:done")
    assert reply.button_ack == "Done"
    reply = await sam.press(sam.last_id("exercise"), "ex:skip")
    assert "Skipped" in text_of(reply)
    sets = await user_sets(store, coach, "sam")
    assert sum(1 for s in sets if s.skipped) == 1
    assert len(sets) == 3  # two sets as prescribed, one skip marker
    reply = await sam.say("undo")
    assert "Removed your last log" in text_of(reply)
    assert len(await user_sets(store, coach, "sam")) == 2
    await sam.say("/undo")
    reply = await sam.say("/undo")
    assert "Nothing to undo" in text_of(reply)


async def test_edited_reply_updates_the_log_it_made(env) -> None:
    coach, store = env
    sam = Person(coach, "sam")
    await sam.say("/today")
    await sam.press(sam.last_id("session"), "plan:step")
    prompt = sam.last_id("exercise")
    await sam.say("12 10 10", reply_to=prompt, message_id="m-1")
    reply = await sam.say("12 12 12", reply_to=prompt, message_id="m-1", edited=True)
    assert "Updated" in text_of(reply) and "was 12, 10, 10 reps" in text_of(reply)
    assert [s.reps for s in await user_sets(store, coach, "sam")] == [12, 12, 12]
    # An edit that can't be read leaves the log alone.
    await sam.say("banana", reply_to=prompt, message_id="m-1", edited=True)
    assert [s.reps for s in await user_sets(store, coach, "sam")] == [12, 12, 12]


async def test_duplicate_delivery_logs_once(env) -> None:
    coach, store = env
    sam = Person(coach, "sam")
    await sam.say("/today")
    session = sam.last_id("session")
    await sam.say("done", reply_to=session, event_id="update-7")
    again = await sam.say("done", reply_to=session, event_id="update-7")
    assert again.messages == []
    sets = await user_sets(store, coach, "sam")
    assert len({s.batch_id for s in sets}) == 1


async def test_onboarding_by_buttons_and_typing(env) -> None:
    coach, store = env
    ana = Person(coach, "ana")
    reply = await ana.say("/start")
    assert reply.messages[-1].buttons
    await ana.press(ana.last_id(), "ob:level:advanced")
    await ana.press(ana.last_id(), "ob:equipment:gym")
    await ana.say("Two upper, two lower")
    reply = await ana.say("tue wed fri sat")
    assert "How long" in text_of(reply)
    reply = await ana.say("45")
    reply = await ana.say("6:45pm Europe/Berlin")  # time and zone together skip the zone step
    assert "kilograms or pounds" in text_of(reply)
    reply = await ana.say("lb")
    assert "All set" in text_of(reply)
    user = await store.find_user(ana.ref)
    s = user.settings
    assert (s.level, s.split, s.weekdays, s.timezone, s.units) == (
        "advanced",
        "ul4",
        (1, 2, 4, 5),
        "Europe/Berlin",
        "lb",
    )
    assert s.reminder_time == time(18, 45) and s.onboarded and "barbell" in s.equipment
    assert s.session_minutes == 45
    assert s.program_start == coach.local_date(s)


async def test_session_length_is_a_setting(env) -> None:
    coach, store = env
    ana = Person(coach, "ana")
    reply = await ana.say("/settings length 45")
    assert text_of(reply).strip() == "Done. Session length: about 45 min."
    user = await store.find_user(ana.ref)
    assert user.settings.session_minutes == 45
    assert "Session length: about 45 min" in text_of(await ana.say("/settings"))
    assert "minutes" in text_of(await ana.say("/settings length soon"))
    # The answer says what the setting is now: 90 minutes is the longest length, 45.
    assert "Session length: about 45 min" in text_of(await ana.say("/settings length 90"))
    reply = await ana.say("/settings level advanced\nunits lb")
    assert text_of(reply).strip() == "Done. Level: Advanced. Units: lb."
    reply = await ana.say("/settings time 06:45")
    assert text_of(reply).strip() == "Done. Sessions on Mon Wed Fri at 06:45 UTC."


async def test_onboarding_rejects_nonsense_kindly(env) -> None:
    coach, _ = env
    ana = Person(coach, "ana")
    await ana.say("/start")
    reply = await ana.say("purple")
    assert "Pick one of" in text_of(reply)
    assert reply.messages[-1].buttons  # the same question again


async def test_selftest_can_set_the_level(env) -> None:
    coach, store = env
    ana = Person(coach, "ana")
    reply = await ana.say("/selftest")
    outcomes = [b.data for row in reply.messages[0].buttons for b in row]
    assert "st:steady" in outcomes
    reply = await ana.press(ana.last_id(), "st:steady")  # hips stayed level: intermediate
    yes = reply.messages[0].buttons[0][0]
    assert yes.data == "lvl:intermediate"
    assert (await store.find_user(ana.ref)).settings.level == "beginner"  # not before she agrees
    await ana.press(ana.last_id(), yes.data)
    assert (await store.find_user(ana.ref)).settings.level == "intermediate"


async def test_settings_change_takes_effect(env) -> None:
    coach, store = env
    ana = Person(coach, "ana")
    reply = await ana.say("/settings time 25:99")
    assert "doesn't exist" in text_of(reply)
    await ana.say("/settings timezone america/new_york")
    await ana.say("/settings days mon thu")
    user = await store.find_user(ana.ref)
    assert user.settings.timezone == "America/New_York" and user.settings.weekdays == (0, 3)


async def test_howto_exercises_help_and_unknowns(env) -> None:
    coach, _ = env
    sam = Person(coach, "sam")
    assert (await sam.say("/howto db rdl")).messages[0].title.startswith("Romanian deadlift")
    reply = await sam.say("/howto bench press")
    assert "don't have" in text_of(reply)
    assert "Kettlebell swing" in (await sam.say("/howto kettlebel swing")).messages[0].title
    assert "/today" in text_of(await sam.say("/help"))
    assert "Glute bridge" in text_of(await sam.say("/exercises"))
    assert "don't know" in text_of(await sam.say("/frobnicate"))
    assert "not sure what you mean" in text_of(await sam.say("what's up"))


async def test_group_session_each_member_logs_for_themselves(env) -> None:
    coach, store = env
    admin = Person(coach, "ada", chat="group-1", group=True, admin=True)
    bob = Person(coach, "bob", chat="group-1", group=True)
    cy = Person(coach, "cy", chat="group-1", group=True)
    refused = await bob.say("/community on 07:00")
    assert "Only group admins" in text_of(refused)
    assert "Group session on" in text_of(await admin.say("/community on 07:00 Europe/Berlin"))
    channel = await store.get_channel("test", "group-1")
    assert channel and channel.enabled and channel.settings.timezone == "Europe/Berlin"
    [session] = await coach.group_session(channel, MONDAY)
    await admin.deliver(Reply([session]))
    group_msg = admin.last_id("group_session")
    r1 = await bob.say("done", reply_to=group_msg)
    r2 = await cy.press(group_msg, "grp:skip")
    assert "Bob" in text_of(r1)
    bob_sets = await user_sets(store, coach, "bob")
    cy_sets = await user_sets(store, coach, "cy")
    assert bob_sets and not any(s.skipped for s in bob_sets)
    assert cy_sets and all(s.skipped for s in cy_sets)
    assert r2.button_ack == "Skip"
    # Chatter in the group that isn't for the bot gets no answer.
    assert (await bob.say("anyone up for lunch?")).messages == []


async def test_someone_elses_message_is_not_theirs_to_log(env) -> None:
    coach, store = env
    sam = Person(coach, "sam", chat="shared")
    eve = Person(coach, "eve", chat="shared")
    await sam.say("/today")
    reply = await eve.say("done", reply_to=sam.last_id("session"))
    assert "someone else's" in text_of(reply)
    assert await user_sets(store, coach, "sam") == []


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=st.text(max_size=300), as_reply=st.booleans())
async def test_no_text_ever_gets_a_traceback_or_silence(env, text: str, as_reply: bool) -> None:
    coach, _ = env
    sam = Person(coach, "sam")
    await sam.say("/today")
    reply = await sam.say(text, reply_to=sam.last_id("session") if as_reply else None)
    assert SORRY not in text_of(reply)
    if text.strip():
        assert reply.messages, f"no answer to {text!r}"


async def test_personal_answers_asked_in_a_group_go_to_a_private_chat(env) -> None:
    coach, _ = env
    # Bob has never written to the bot privately: nothing personal is posted in the group.
    bob = Person(coach, "bob", chat="group-9", group=True)
    reply = await bob.say("/settings")
    assert [m.chat_id for m in reply.messages] == [None]
    assert "won't post it here" in text_of(reply) and "Level:" not in text_of(reply)
    # Once he has a private chat, the answer goes there and the group only hears where.
    await Person(coach, "bob").say("/help")
    reply = await bob.say("/settings")
    assert reply.messages[0].chat_id == "bob" and "Level:" in reply.messages[0].text
    note = reply.messages[-1]
    assert note.chat_id is None and "private chat" in note.text and "Level" not in note.text
    # Where the platform can answer privately in place (Discord interactions), it stays put.
    reply = await bob.say("/settings", private_reply=True)
    assert [m.chat_id for m in reply.messages] == [None] and reply.messages[0].private


async def test_bare_numbers_in_a_dm_answer_next_up_and_undo_names_each_exercise(env) -> None:
    coach, store = env
    sam = Person(coach, "sam")
    await sam.say("/today")
    reply = await sam.say("single leg rdl 10 10, doorway row 12 12", reply_to=sam.last_id())
    assert "Next up: Glute bridge" in text_of(reply)
    reply = await sam.say("15 15")
    assert "Logged Glute bridge: 15, 15 reps" in text_of(reply)
    await sam.say("/undo")
    reply = await sam.say("/undo")
    assert "Single-leg Romanian deadlift (bodyweight), 10, 10 reps; Doorway row, 12, 12 reps" in (
        text_of(reply)
    )
    assert await user_sets(store, coach, "sam") == []


@pytest.mark.parametrize("typed", ["romanian deadlift", "rdl", "RDL"])
async def test_a_name_without_the_planned_moves_qualifier_logs_the_planned_move(
    env, clock: Clock, typed: str
) -> None:
    """The session's example writes "romanian deadlift 3x10" for "Romanian deadlift (barbell)";
    that (or "rdl", the dumbbell one's alias) logs the planned barbell lift, not an extra."""
    coach, store = env
    ana = Person(coach, "ana")
    await ana.say("/settings level advanced")
    await ana.say("/settings equipment gym")
    clock.set_day(date(2026, 11, 25))
    reply = await ana.say("/today")
    assert "1. Romanian deadlift (barbell)" in text_of(reply)
    assert 'e.g. "romanian deadlift 3x10' in text_of(reply)
    reply = await ana.say(f"{typed} 10 10 10 @ 60kg", reply_to=ana.last_id("session"))
    assert "Logged Romanian deadlift (barbell)" in text_of(reply)
    sets = await user_sets(store, coach, "ana", date(2026, 11, 25))
    assert {s.exercise_id for s in sets} == {"romanian-deadlift-barbell"}


@pytest.mark.parametrize(
    ("typed", "skipped"),
    [("skip today, sick", True), ("skip the rest", True), ("all done", False)],
)
async def test_skip_today_while_logging_step_by_step_is_for_the_whole_day(
    env, typed: str, skipped: bool
) -> None:
    """Step by step, "skip" is this exercise; "skip today" or "all done" is what is left."""
    coach, store = env
    sam = Person(coach, "sam")
    await sam.say("/today")
    await sam.press(sam.last_id("session"), "plan:step")
    await sam.say("10 10")
    reply = await sam.say(typed)
    assert "2/" not in text_of(reply) and "3/" not in text_of(reply)  # no next prompt
    sets = await user_sets(store, coach, "sam")
    later = [s for s in sets if s.exercise_id != "single-leg-rdl-bodyweight"]
    assert len({s.exercise_id for s in later}) == 4
    assert all(s.skipped == skipped for s in later)
    reply = await sam.say("skip")  # the day is logged: nothing more to skip
    assert len(await user_sets(store, coach, "sam")) == len(sets)


async def test_plain_skip_while_logging_step_by_step_skips_one_exercise(env) -> None:
    coach, store = env
    sam = Person(coach, "sam")
    await sam.say("/today")
    await sam.press(sam.last_id("session"), "plan:step")
    reply = await sam.say("skip")
    assert "2/5 · Doorway row" in text_of(reply)
    sets = await user_sets(store, coach, "sam")
    assert [(s.exercise_id, s.skipped) for s in sets] == [("single-leg-rdl-bodyweight", True)]


@pytest.mark.parametrize("where", ["session", "dm"])
async def test_a_list_with_a_name_i_dont_know_names_it_and_logs_nothing(env, where: str) -> None:
    """Not "That looks like more than one exercise... send them as a list" to a list."""
    coach, store = env
    sam = Person(coach, "sam")
    await sam.say("/today")
    reply = await sam.say(
        "single leg rdl 10 10, banana 12 12",
        reply_to=sam.last_id("session") if where == "session" else None,
    )
    text = text_of(reply)
    assert 'I don\'t have "banana"' in text and "Nothing logged yet" in text
    assert "more than one exercise" not in text
    assert await user_sets(store, coach, "sam") == []


async def test_a_list_reply_is_confirmed_one_line_per_exercise(env) -> None:
    coach, _ = env
    sam = Person(coach, "sam")
    await sam.say("/today")
    reply = await sam.say("single leg rdl 10 10, doorway row 12 12", reply_to=sam.last_id())
    lines = text_of(reply).strip().splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "Logged Single-leg Romanian deadlift (bodyweight)",
        "Logged Doorway row",
        "Next up",
    ]
