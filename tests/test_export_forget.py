"""/history, /export, /forget and `backline export`: round trips, privacy between people in one
group, and a scan of every table after forget-me. Real Coach on the memory store; the host's
export and the table scans on a real SQLite file (`sqlite_env`)."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.core.coach import Coach
from bot.core.events import UserRef
from bot.core.history import CSV_COLUMNS
from bot.core.ports import NewPush, NewSet, Persistence, SetLog, Store, user_target
from bot.core.units import KG_PER_LB
from bot.store import SqliteStore
from tests import test_conversation as conversation
from tests.test_conversation import MONDAY, Clock, text_of
from tests.test_progress_reports import Member

# The conversation tests' fixtures: a movable clock, a Coach over the memory store, and one
# over a fresh SQLite file.
clock = conversation.clock
env = conversation.env
sqlite_env = conversation.sqlite_env

RDL = "romanian-deadlift-dumbbell"
BRIDGE = "glute-bridge"


async def user_id(store: Store, member: Member) -> int:
    user = await store.find_user(member.ref)
    assert user is not None
    return user.id


def parse_csv(data: bytes) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert rows and tuple(rows[0]) == CSV_COLUMNS
    return rows


def as_stored(row: dict[str, str]) -> tuple[Any, ...]:
    """A CSV row in the store's terms: loads back to kilograms."""
    load = None
    if row["load"]:
        load = float(row["load"]) * (KG_PER_LB if row["unit"] == "lb" else 1)
    return (
        date.fromisoformat(row["date"]),
        row["exercise_id"],
        int(row["set"]),
        int(row["reps"]) if row["reps"] else None,
        int(row["seconds"]) if row["seconds"] else None,
        round(load, 2) if load is not None else None,
        row["skipped"] == "yes",
    )


def stored(s: SetLog) -> tuple[Any, ...]:
    load = round(s.load_kg, 2) if s.load_kg is not None else None
    return (s.plan_date, s.exercise_id, s.set_no, s.reps, s.seconds, load, s.skipped)


async def log_a_week(member: Member, clock: Clock) -> None:
    """Real conversation: kg and lb loads, a hold, a skip, over three days."""
    await member.say("/log db rdl 12 10 10 @ 16kg")
    await member.say("/log glute bridge 15 15")
    clock.set_day(MONDAY + timedelta(days=2))
    await member.say("/log db rdl 3x10 @ 40lb")
    await member.say("/log superhero 8 8")
    clock.set_day(MONDAY + timedelta(days=4))
    await member.say("/log db rdl skip")


# ---------------------------------------------------------------- export


@pytest.mark.parametrize("units", ["kg", "lb"])
async def test_export_round_trips_every_stored_set(env, clock, units: str) -> None:
    coach, store = env
    ann = Member(coach, "ann")
    await ann.say(f"/settings units {units}")
    await log_a_week(ann, clock)
    reply = await ann.say("/export")
    (out,) = reply.messages
    assert out.private and out.document is not None
    assert out.document.mime == "text/csv" and out.document.filename.endswith(".csv")
    rows = parse_csv(out.document.data)
    sets = await store.export_sets(await user_id(store, ann))
    assert [as_stored(r) for r in rows] == [stored(s) for s in sets]
    assert len(rows) == 11 and {r["unit"] for r in rows if r["load"]} == {units}
    assert f"{len(rows)} sets" in out.text


async def test_export_with_nothing_logged_sends_no_file(env) -> None:
    coach, _ = env
    (out,) = (await Member(coach, "ann").say("/export")).messages
    assert out.document is None and "Nothing logged yet" in out.text


async def test_backline_export_for_the_host(sqlite_env, clock, tmp_path: Path, capsys) -> None:
    coach, store = sqlite_env
    ann = Member(coach, "ann")
    await log_a_week(ann, clock)
    await Member(coach, "bob").say("/log glute bridge 20 20")
    expected = [stored(s) for s in await store.export_sets(await user_id(store, ann))]
    db = str(tmp_path / "backline.db")

    assert await asyncio.to_thread(main, ["export", "--user", "test:ann", "--db", db]) == 0
    rows = parse_csv(capsys.readouterr().out.encode())
    assert [as_stored(r) for r in rows] == expected

    out_file = tmp_path / "ann.csv"
    args = ["export", "--user", "test:ann", "--db", db, "--units", "lb", "--out", str(out_file)]
    assert await asyncio.to_thread(main, args) == 0
    rows = parse_csv(out_file.read_bytes())
    assert [as_stored(r) for r in rows] == expected and rows[0]["unit"] == "lb"
    assert "Wrote 11 sets" in capsys.readouterr().err

    assert await asyncio.to_thread(main, ["export", "--user", "test:nobody", "--db", db]) == 1
    assert "no user test:nobody" in capsys.readouterr().err
    assert main(["export", "--user", "ann", "--db", db]) == 2
    assert main(["export", "--user", "test:ann", "--db", str(tmp_path / "missing.db")]) == 1
    assert not (tmp_path / "missing.db").exists()


# ---------------------------------------------------------------- history


async def test_history_lists_numbered_entries_newest_first(env, clock) -> None:
    coach, _ = env
    ann = Member(coach, "ann")
    await log_a_week(ann, clock)
    reply = await ann.say("/history")
    (out,) = reply.messages
    assert out.private and out.title == "Your last 3 sessions"
    lines = out.text.splitlines()
    assert lines[:2] == ["Fri 27 Nov", "1. Romanian deadlift (dumbbells): skipped"]
    assert "3. Romanian deadlift (dumbbells): 10, 10, 10 reps @ 18.25 kg" in lines
    assert "5. Romanian deadlift (dumbbells): 12, 10, 10 reps @ 16 kg" in lines
    assert "1. Romanian deadlift" in text_of(await ann.say("/history 1"))
    assert "Glute bridge" not in text_of(await ann.say("/history 1"))
    assert (await ann.say("/history 1")).messages[0].title == "Your last session"  # not "1 session"


async def test_history_edit_replaces_an_entry_and_keeps_its_load(env, clock) -> None:
    coach, store = env
    ann = Member(coach, "ann")
    await log_a_week(ann, clock)
    reply = await ann.say("/history edit 5 12 12 11")
    assert "Updated Romanian deadlift (dumbbells) on Mon 23 Nov: 12, 12, 11 reps @ 16 kg" in (
        text_of(reply)
    )
    assert "(was 12, 10, 10 reps @ 16 kg)" in text_of(reply)
    rdl = [
        s for s in await store.sets_on(await user_id(store, ann), MONDAY) if s.exercise_id == RDL
    ]
    assert [(s.reps, s.load_kg) for s in rdl] == [(12, 16.0), (12, 16.0), (11, 16.0)]
    await ann.say("/history edit 4 3x15 @ 5kg")  # a new load replaces the old one
    bridge = [s for s in await store.sets_on(await user_id(store, ann), MONDAY)
              if s.exercise_id == BRIDGE]  # fmt: skip
    assert [(s.reps, s.load_kg) for s in bridge] == [(15, 5.0)] * 3


async def test_history_delete_removes_only_that_entry_and_undo_still_works(
    sqlite_env, clock
) -> None:
    coach, store = sqlite_env
    ann = Member(coach, "ann")
    await log_a_week(ann, clock)
    uid = await user_id(store, ann)
    before = len(await store.export_sets(uid))
    reply = await ann.say("/history delete 2")
    assert "Deleted Superhero on Wed 25 Nov (8, 8 reps)." in text_of(reply)
    after = await store.export_sets(uid)
    assert len(after) == before - 2 and all(s.exercise_id != "superhero" for s in after)
    assert "Removed your last log" in text_of(await ann.say("/undo"))  # the skip on Friday
    batches = await store.read("SELECT COUNT(*) FROM set_batches WHERE user_id = ?", (uid,))
    assert batches[0][0] == 3  # emptied batches go with their sets


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("/history edit", "Which entry?"),
        ("/history edit 99 10 10", "no entry 99"),
        ("/history edit 1", "What should entry 1 say?"),
        ("/history edit 1 lots", "The entry is unchanged."),
        ("/history delete x", "Which entry?"),
        ("/history banana", "/history edit 2"),
    ],
)
async def test_history_mistakes_get_a_helpful_answer(env, clock, command, answer) -> None:
    coach, store = env
    ann = Member(coach, "ann")
    await log_a_week(ann, clock)
    before = await store.export_sets(await user_id(store, ann))
    assert answer in text_of(await ann.say(command))
    assert await store.export_sets(await user_id(store, ann)) == before


# ---------------------------------------------------------------- privacy in a shared group


async def test_two_people_in_one_group_only_ever_touch_their_own_rows(env) -> None:
    coach, store = env
    ann, bob = Member(coach, "ann", group="g-1"), Member(coach, "bob", group="g-1")
    await Member(coach, "ann").say("/help")  # Ann has a private chat with Backline
    await ann.say("/log db rdl 12 12 @ 16kg")
    await bob.say("/log db rdl 8 8 @ 30kg")
    await bob.say("/log glute bridge 20 20")
    ann_id, bob_id = await user_id(store, ann), await user_id(store, bob)
    bob_before = await store.export_sets(bob_id)

    history = await ann.say("/history")
    personal, note = history.messages  # the history goes to her DM; the group hears only where
    assert personal.private and personal.chat_id == "dm-ann"
    assert note.chat_id is None and "12" not in note.text
    assert "12, 12 reps @ 16 kg" in text_of(history)
    assert "30 kg" not in text_of(history) and "Glute bridge" not in text_of(history)

    await ann.say("/history edit 1 10 10")
    await ann.say("/history delete 2")  # Ann has no entry 2; Bob's entries aren't hers
    assert await store.export_sets(bob_id) == bob_before
    assert [(s.reps, s.load_kg) for s in await store.export_sets(ann_id)] == [(10, 16.0)] * 2

    export = await ann.say("/export")
    document, note = export.messages
    assert document.chat_id == "dm-ann" and document.private  # the file goes to her DM
    assert note.chat_id is None and note.document is None and "private chat" in note.text
    rows = parse_csv(document.document.data)
    assert {r["load"] for r in rows} == {"16"} and len(rows) == 2

    (out,) = (await bob.say("/export")).messages  # Bob never wrote privately: no file here
    assert out.document is None and "private chat" in out.text
    (progress,) = (await bob.say("/progress")).messages  # nothing personal in the group
    assert progress.image is None and "private chat" in progress.text


async def test_the_store_ignores_set_ids_of_someone_else(env) -> None:
    _, store = env
    ann = await store.get_or_create_user(UserRef("test", "ann"), "dm-ann", "Ann")
    bob = await store.get_or_create_user(UserRef("test", "bob"), "dm-bob", "Bob")
    bobs = await store.add_sets(bob.id, MONDAY, [NewSet(RDL, 1, reps=8, load_kg=30.0)], None)
    ids = [s.id for s in bobs]
    assert await store.delete_sets(ann.id, ids) == []
    assert await store.replace_sets(ann.id, ids, [NewSet(RDL, 1, reps=1)]) == ([], [])
    assert await store.export_sets(bob.id) == bobs
    assert await store.export_sets(ann.id) == []


# ---------------------------------------------------------------- forget me


async def everything_mentioning(store: Persistence, uid: int, needles: set[str]) -> list[str]:
    """Every (table, column) in the database holding this person's id or one of `needles`."""
    assert isinstance(store, SqliteStore)  # a scan of the file's tables
    found = []
    tables = await store.read("SELECT name FROM sqlite_master WHERE type = 'table'")
    for (table,) in tables:
        columns = [c[1] for c in await store.read(f'PRAGMA table_info("{table}")')]
        for row in await store.read(f'SELECT * FROM "{table}"'):
            for column, value in zip(columns, row, strict=True):
                if column.endswith("user_id") and value in (uid, str(uid)):
                    found.append(f"{table}.{column}")
                if isinstance(value, str) and any(n in value for n in needles):
                    found.append(f"{table}.{column}={value[:40]}")
    return found


async def fill_every_table(coach: Coach, store: Persistence, clock: Clock) -> Member:
    """Zed uses everything: plans, logs, links, a pending prompt, a group log, a queued push."""
    zed = Member(coach, "zed-4815162342")
    await zed.say("/today")
    await zed.say("done", reply_to=zed.last_id("session"))
    await zed.say("/howto rdl")
    await zed.say("/start")  # leaves a pending onboarding step (conversation_state)
    await zed.say("/settings units lb")
    in_group = Member(coach, "zed-4815162342", group="g-shared")
    await in_group.say("/log glute bridge 12 12")
    uid = await user_id(store, zed)
    push = NewPush("daily", "test", user_target(uid), MONDAY, zed.chat_id,
                   clock.now + timedelta(days=1), user_id=uid)  # fmt: skip
    await store.outbox.queue([push], datetime.now(UTC))
    return zed


async def test_forget_needs_a_confirmation_and_then_leaves_no_row_behind(sqlite_env, clock) -> None:
    coach, store = sqlite_env
    zed = await fill_every_table(coach, store, clock)
    other = Member(coach, "kim")
    await other.say("/log db rdl 10 10 @ 20kg")
    uid = await user_id(store, zed)
    needles = {"zed-4815162342", "Zed-4815162342"}
    tables = {hit.split(".")[0] for hit in await everything_mentioning(store, uid, needles)}
    assert tables >= {"users", "plans", "set_batches", "set_logs", "message_links",
                      "conversation_state", "outbox"}  # fmt: skip

    ask = await zed.say("/forget")
    (warning,) = ask.messages
    assert warning.private and "can't be undone" in warning.text
    yes = next(b.data for row in warning.buttons for b in row if b.label.startswith("Yes"))
    assert len(yes.encode()) <= 64
    assert await store.find_user(zed.ref) is not None  # asking deletes nothing

    before = await everything_mentioning(store, uid, needles)
    kim_press = await other.press("0", yes)  # Kim taps Zed's button in a shared chat
    assert "someone else" in text_of(kim_press)
    assert await everything_mentioning(store, uid, needles) == before

    done = await zed.press("0", yes)
    assert "deleted" in text_of(done) and done.button_ack == "Deleted"
    assert await everything_mentioning(store, uid, needles) == []
    assert [s.reps for s in await store.export_sets(await user_id(store, other))] == [10, 10]


async def test_forget_by_typing_the_word_and_keeping_by_anything_else(sqlite_env, clock) -> None:
    coach, store = sqlite_env
    zed = await fill_every_table(coach, store, clock)
    uid = await user_id(store, zed)
    await zed.say("/forget")
    assert "nothing deleted" in text_of(await zed.say("no thanks"))
    assert await store.export_sets(uid)
    await zed.say("/forget")
    keep = next(b.data for row in (await zed.say("/forget")).messages[0].buttons for b in row
                if b.label.startswith("Keep"))  # fmt: skip
    assert "Nothing was deleted" in text_of(await zed.press("0", keep))
    await zed.say("/forget")
    reply = await zed.say("Forget me!")
    assert "deleted" in text_of(reply)
    assert await everything_mentioning(store, uid, {"zed-4815162342"}) == []


async def test_after_forgetting_a_new_message_starts_fresh(env, clock) -> None:
    coach, store = env
    zed = await fill_every_table(coach, store, clock)
    old_id = await user_id(store, zed)
    await zed.say("/forget")
    await zed.say("forget me")
    await zed.say("/help")
    fresh = await store.find_user(zed.ref)
    assert fresh is not None and fresh.id != old_id and fresh.settings.units == "kg"
    assert await store.export_sets(fresh.id) == []
