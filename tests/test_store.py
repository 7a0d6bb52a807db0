"""SqliteStore against real SQLite files: every Store method, migrations, atomicity, locking."""

from __future__ import annotations

import asyncio
import inspect
import shutil
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.core.events import MessageLink, UserRef
from bot.core.ports import NewSet, Store, User
from bot.core.settings import Settings
from bot.store import MigrationError, SchemaTooNewError, SqliteStore, open_store
from bot.store import migrations as schema
from bot.store.rows import now_iso, utc_iso

MON = date(2025, 3, 3)
TUE = date(2025, 3, 4)
WED = date(2025, 3, 5)
THU = date(2025, 3, 6)

CUSTOM = Settings(
    level="intermediate",
    equipment=frozenset({"dumbbell", "band", "bodyweight"}),
    split="upper_lower",
    weekdays=(1, 3, 5),
    reminder_time=time(18, 45),
    timezone="Europe/Berlin",
    units="lb",
    paused=True,
    onboarded=True,
)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "backline.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await open_store(db_path)
    yield opened
    await opened.close()


async def make_user(
    store: SqliteStore, uid: str = "42", chat: str = "c42", name: str = "Ann"
) -> User:
    return await store.get_or_create_user(UserRef("telegram", uid), chat, name)


def rdl(set_no: int, reps: int = 8, load: float | None = 40.0) -> NewSet:
    return NewSet("romanian-deadlift", set_no, reps=reps, load_kg=load)


async def count(store: SqliteStore, table: str) -> int:
    rows = await store.read(f"SELECT COUNT(*) FROM {table}")
    return int(rows[0][0])


# -- the contract ------------------------------------------------------------------------------


def test_every_store_method_is_implemented_with_the_same_signature() -> None:
    names = [n for n, v in vars(Store).items() if inspect.isfunction(v) and not n.startswith("_")]
    assert {"get_or_create_user", "add_sets", "start_event", "list_channels"} <= set(names)
    for name in names:
        implemented = getattr(SqliteStore, name)
        assert inspect.iscoroutinefunction(implemented), name
        assert inspect.signature(implemented) == inspect.signature(getattr(Store, name)), name


# -- users and settings ------------------------------------------------------------------------


async def test_new_user_gets_default_settings_and_is_found_by_ref_and_id(store: SqliteStore):
    user = await make_user(store)
    assert user.ref == UserRef("telegram", "42")
    assert (user.chat_id, user.display_name, user.active) == ("c42", "Ann", True)
    assert user.settings == Settings()
    assert await store.get_user(user.id) == user
    assert await store.find_user(UserRef("telegram", "42")) == user
    assert await store.get_user(user.id + 100) is None
    assert await store.find_user(UserRef("discord", "42")) is None


async def test_same_ref_is_the_same_user_and_platforms_are_separate(store: SqliteStore):
    first = await make_user(store)
    again = await make_user(store)
    other_platform = await store.get_or_create_user(UserRef("discord", "42"), "d1", "Ann")
    assert again.id == first.id
    assert other_platform.id != first.id
    assert await count(store, "users") == 2


async def test_empty_chat_id_keeps_the_stored_private_chat(store: SqliteStore):
    seen_in_group = await make_user(store, chat="")
    assert seen_in_group.chat_id == ""
    in_private = await make_user(store, chat="dm-42")
    assert in_private.chat_id == "dm-42"
    back_in_group = await make_user(store, chat="")
    assert back_in_group.chat_id == "dm-42"
    assert (await store.get_user(seen_in_group.id)).chat_id == "dm-42"  # type: ignore[union-attr]


async def test_display_name_follows_changes_but_not_blanks(store: SqliteStore):
    user = await make_user(store, name="Ann")
    assert (await make_user(store, name="Annie")).display_name == "Annie"
    assert (await make_user(store, name="")).display_name == "Annie"
    assert (await store.get_user(user.id)).display_name == "Annie"  # type: ignore[union-attr]


async def test_a_private_message_makes_an_unreachable_person_active_again(store: SqliteStore):
    user = await make_user(store)
    await store.set_active(user.id, False)
    assert (await make_user(store, chat="")).active is False  # a group message proves nothing
    assert (await make_user(store, chat="c42")).active is True
    assert (await store.get_user(user.id)).active is True  # type: ignore[union-attr]


async def test_settings_round_trip_every_field(store: SqliteStore):
    user = await make_user(store)
    await store.save_settings(user.id, CUSTOM)
    stored = await store.get_user(user.id)
    assert stored is not None and stored.settings == CUSTOM
    # a later get_or_create doesn't reset them
    assert (await make_user(store, name="Ann B")).settings == CUSTOM


async def test_set_active_flips_and_unknown_user_is_ignored(store: SqliteStore):
    user = await make_user(store)
    await store.set_active(user.id, False)
    assert (await store.get_user(user.id)).active is False  # type: ignore[union-attr]
    await store.set_active(user.id, True)
    assert (await store.get_user(user.id)).active is True  # type: ignore[union-attr]
    await store.set_active(999, False)
    await store.save_settings(999, CUSTOM)
    assert await store.get_user(999) is None


# -- plans -------------------------------------------------------------------------------------


async def test_cached_plans_match_the_database_and_hand_out_fresh_copies(db_path: Path):
    async with await open_store(db_path) as store:
        user = await make_user(store)
        await store.save_plan(user.id, MON, "k", {"main": [{"reps": (8, 12)}]})
        cached = await store.get_plan(user.id, MON)
        assert cached == ("k", {"main": [{"reps": [8, 12]}]})  # as JSON gives it back
        assert cached is not None
        cached[1]["main"].clear()  # a caller changing its copy changes nothing stored
        assert await store.get_plan(user.id, MON) == ("k", {"main": [{"reps": [8, 12]}]})
        # Another writer (a second process) only ever adds missing days, never rewrites one;
        # what this store wrote itself it serves from memory, the rest from the file.
        async with await open_store(db_path) as other:
            await other.save_plan(user.id, TUE, "k2", {"main": []})
        assert await store.get_plan(user.id, TUE) == ("k2", {"main": []})


async def test_forgetting_someone_drops_their_cached_plans(store: SqliteStore):
    user = await make_user(store)
    await store.save_plan(user.id, MON, "k", {"v": 1})
    await store.forget_user(user.id)
    assert await store.get_plan(user.id, MON) is None


async def test_plans_are_per_day_and_overwrite(store: SqliteStore):
    user = await make_user(store)
    assert await store.get_plan(user.id, MON) is None
    payload = {"day": "2025-03-03", "blocks": [{"exercise": "glute-bridge", "sets": 3}]}
    await store.save_plan(user.id, MON, "beginner|bodyweight|full3|0,2,4", payload)
    assert await store.get_plan(user.id, MON) == ("beginner|bodyweight|full3|0,2,4", payload)
    assert await store.get_plan(user.id, TUE) is None
    await store.save_plan(user.id, MON, "new-key", {"blocks": []})
    assert await store.get_plan(user.id, MON) == ("new-key", {"blocks": []})


# -- set logs ----------------------------------------------------------------------------------


async def test_exercises_logged_on_names_each_exercise_once_skips_included(store: SqliteStore):
    user = await make_user(store)
    other = await make_user(store, uid="43", chat="c43")
    assert await store.exercises_logged_on(user.id, MON) == set()
    await store.add_sets(user.id, MON, [rdl(1), rdl(2)], "a")
    await store.add_sets(user.id, MON, [NewSet("glute-bridge", 1, skipped=True)], "b")
    await store.add_sets(user.id, TUE, [NewSet("plank", 1, seconds=30)], "c")
    await store.add_sets(other.id, MON, [NewSet("plank", 1, seconds=30)], "d")
    assert await store.exercises_logged_on(user.id, MON) == {"romanian-deadlift", "glute-bridge"}


async def test_add_sets_returns_stored_rows_in_one_batch(store: SqliteStore):
    user = await make_user(store)
    before = datetime.now(UTC)
    logged = await store.add_sets(
        user.id,
        MON,
        [rdl(1), rdl(2, reps=6, load=42.5), NewSet("side-plank", 1, seconds=30, skipped=True)],
        "telegram:c42:100",
    )
    assert [(s.exercise_id, s.set_no, s.reps, s.seconds, s.load_kg, s.skipped) for s in logged] == [
        ("romanian-deadlift", 1, 8, None, 40.0, False),
        ("romanian-deadlift", 2, 6, None, 42.5, False),
        ("side-plank", 1, None, 30, None, True),
    ]
    assert len({s.batch_id for s in logged}) == 1
    assert len({s.id for s in logged}) == 3
    assert all(s.user_id == user.id and s.plan_date == MON for s in logged)
    assert all(s.source == "telegram:c42:100" for s in logged)
    assert all(s.logged_at.tzinfo is not None and s.logged_at >= before for s in logged)
    assert await store.sets_on(user.id, MON) == logged


async def test_add_sets_with_nothing_stores_no_batch(store: SqliteStore):
    user = await make_user(store)
    assert await store.add_sets(user.id, MON, [], None) == []
    assert await count(store, "set_batches") == 0
    assert await store.delete_last_batch(user.id) == []


async def test_each_call_is_a_new_batch_and_undo_removes_exactly_the_last(store: SqliteStore):
    user = await make_user(store)
    other = await make_user(store, uid="7", chat="c7", name="Bo")
    first = await store.add_sets(user.id, MON, [rdl(1), rdl(2)], "src:1")
    second = await store.add_sets(user.id, MON, [rdl(3)], "src:2")
    third = await store.add_sets(user.id, TUE, [rdl(1), rdl(2), rdl(3)], None)
    others = await store.add_sets(other.id, TUE, [rdl(1)], None)  # newer, but someone else's
    assert first[0].batch_id < second[0].batch_id < third[0].batch_id

    assert await store.delete_last_batch(user.id) == third
    assert await store.sets_on(user.id, TUE) == []
    assert await store.sets_on(user.id, MON) == first + second
    assert await store.delete_last_batch(user.id) == second
    assert await store.delete_last_batch(user.id) == first
    assert await store.delete_last_batch(user.id) == []
    assert await store.sets_on(other.id, TUE) == others


async def test_batch_ids_are_not_reused_after_undo(store: SqliteStore):
    user = await make_user(store)
    undone = await store.add_sets(user.id, MON, [rdl(1)], None)
    await store.delete_last_batch(user.id)
    fresh = await store.add_sets(user.id, MON, [rdl(1)], None)
    assert fresh[0].batch_id > undone[0].batch_id


async def test_edit_replaces_the_sets_of_that_message_in_place(store: SqliteStore):
    user = await make_user(store)
    original = await store.add_sets(user.id, MON, [rdl(1), rdl(2)], "telegram:c42:100")
    later = await store.add_sets(user.id, MON, [rdl(3)], "telegram:c42:101")
    assert await store.sets_from_source(user.id, "telegram:c42:100") == original

    old, new = await store.replace_sets_from_source(
        user.id, "telegram:c42:100", [rdl(1, reps=10), rdl(2, reps=10), rdl(3, reps=10)]
    )
    assert old == original
    assert [s.reps for s in new] == [10, 10, 10]
    assert {s.batch_id for s in new} == {original[0].batch_id}  # same batch, same day
    assert all(s.plan_date == MON and s.source == "telegram:c42:100" for s in new)
    assert await store.sets_on(user.id, MON) == new + later
    assert await store.sets_from_source(user.id, "telegram:c42:100") == new

    # undo still takes the newest reply, not the edited one
    assert await store.delete_last_batch(user.id) == later
    assert await store.delete_last_batch(user.id) == new


async def test_edit_of_a_message_that_logged_nothing_changes_nothing(store: SqliteStore):
    user = await make_user(store)
    kept = await store.add_sets(user.id, MON, [rdl(1)], "telegram:c42:100")
    assert await store.sets_from_source(user.id, "telegram:c42:999") == []
    assert await store.replace_sets_from_source(user.id, "telegram:c42:999", [rdl(1)]) == ([], [])
    assert await store.sets_on(user.id, MON) == kept
    # another person's message with the same source text is not theirs to edit
    other = await make_user(store, uid="7")
    assert await store.sets_from_source(other.id, "telegram:c42:100") == []
    assert await store.replace_sets_from_source(other.id, "telegram:c42:100", []) == ([], [])
    assert await store.sets_on(user.id, MON) == kept


async def test_edit_to_nothing_removes_the_sets_and_their_batch(store: SqliteStore):
    user = await make_user(store)
    earlier = await store.add_sets(user.id, MON, [rdl(1)], "src:1")
    edited = await store.add_sets(user.id, MON, [rdl(2)], "src:2")
    assert await store.replace_sets_from_source(user.id, "src:2", []) == (edited, [])
    assert await count(store, "set_batches") == 1
    assert await store.delete_last_batch(user.id) == earlier


async def test_sets_between_includes_both_ends(store: SqliteStore):
    user = await make_user(store)
    for day in (MON, TUE, WED, THU):
        await store.add_sets(user.id, day, [rdl(1)], None)
    got = await store.sets_between(user.id, TUE, WED)
    assert [s.plan_date for s in got] == [TUE, WED]
    assert await store.sets_between(user.id, THU, THU) != []
    assert await store.sets_between(user.id, date(2025, 4, 1), date(2025, 4, 30)) == []


async def test_recent_sets_are_the_last_n_sessions_of_that_exercise(store: SqliteStore):
    user = await make_user(store)
    await store.add_sets(user.id, MON, [rdl(1, load=30), rdl(2, load=30)], None)
    await store.add_sets(user.id, TUE, [NewSet("glute-bridge", 1, reps=12)], None)
    await store.add_sets(user.id, WED, [rdl(1, load=35)], None)
    await store.add_sets(user.id, THU, [rdl(1, load=40)], None)
    await store.add_sets(user.id, THU, [rdl(2, load=40)], None)  # second reply, same day

    recent = await store.recent_sets_for(user.id, "romanian-deadlift", 2)
    assert [(s.plan_date, s.set_no, s.load_kg) for s in recent] == [
        (WED, 1, 35.0),
        (THU, 1, 40.0),
        (THU, 2, 40.0),
    ]
    assert len(await store.recent_sets_for(user.id, "romanian-deadlift", 10)) == 5
    assert await store.recent_sets_for(user.id, "nordic-curl", 3) == []
    assert await store.recent_sets_for(user.id, "romanian-deadlift", 0) == []


async def test_export_sets_gives_everything_oldest_first(store: SqliteStore):
    user = await make_user(store)
    other = await make_user(store, uid="7")
    wed = await store.add_sets(user.id, WED, [rdl(1)], None)
    mon = await store.add_sets(user.id, MON, [rdl(1), rdl(2)], None)
    await store.add_sets(other.id, MON, [rdl(1)], None)
    assert await store.export_sets(user.id) == mon + wed


# -- atomicity ---------------------------------------------------------------------------------


async def test_a_failing_row_leaves_nothing_half_written(store: SqliteStore):
    user = await make_user(store)
    with pytest.raises(sqlite3.IntegrityError):
        await store.add_sets(user.id, MON, [rdl(1), rdl(2), rdl(0)], "src")  # set_no 0: invalid
    assert await store.sets_on(user.id, MON) == []
    assert await count(store, "set_batches") == 0
    # and the store still works afterwards
    assert len(await store.add_sets(user.id, MON, [rdl(1)], "src")) == 1


async def test_a_failing_edit_keeps_the_original_sets(store: SqliteStore):
    user = await make_user(store)
    original = await store.add_sets(user.id, MON, [rdl(1)], "src")
    with pytest.raises(sqlite3.IntegrityError):
        await store.replace_sets_from_source(user.id, "src", [rdl(1), NewSet("", 2)])
    assert await store.sets_on(user.id, MON) == original


async def test_sets_for_an_unknown_user_are_refused(store: SqliteStore):
    with pytest.raises(sqlite3.IntegrityError):
        await store.add_sets(12345, MON, [rdl(1)], None)
    assert await count(store, "set_logs") == 0


async def test_transaction_rolls_back_when_the_block_raises(store: SqliteStore):
    user = await make_user(store)
    with pytest.raises(RuntimeError, match="boom"):
        async with store.transaction() as conn:
            await conn.execute_fetchall(
                "UPDATE users SET display_name = 'Changed' WHERE id = ?", (user.id,)
            )
            # reads inside the block see the block's own writes
            rows = await store.read("SELECT display_name FROM users WHERE id = ?", (user.id,))
            assert rows[0][0] == "Changed"
            raise RuntimeError("boom")
    assert (await store.get_user(user.id)).display_name == "Ann"  # type: ignore[union-attr]


async def test_a_cancelled_transaction_rolls_back_and_frees_the_lock(store: SqliteStore):
    user = await make_user(store)
    inside = asyncio.Event()

    async def stuck_writer() -> None:
        async with store.transaction() as conn:
            await conn.execute_fetchall("DELETE FROM users WHERE id = ?", (user.id,))
            inside.set()
            await asyncio.Event().wait()  # never set: only cancellation ends this

    task = asyncio.create_task(stuck_writer())
    await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await store.get_user(user.id) == user
    assert len(await store.add_sets(user.id, MON, [rdl(1)], None)) == 1


async def test_nested_transaction_is_refused(store: SqliteStore):
    async with store.transaction():
        with pytest.raises(RuntimeError, match="already inside"):
            async with store.transaction():
                pass
    # the outer one committed and released the lock
    assert await store.next_seq("after") == 1


# -- concurrency -------------------------------------------------------------------------------


async def test_concurrent_writers_all_land_in_distinct_batches(store: SqliteStore):
    users = [await make_user(store, uid=str(n)) for n in range(3)]
    calls = [store.add_sets(users[n % 3].id, MON, [rdl(1), rdl(2)], f"src:{n}") for n in range(60)]
    results = await asyncio.gather(*calls)
    batch_ids = [logged[0].batch_id for logged in results]
    assert len(set(batch_ids)) == 60
    assert all(len({s.batch_id for s in logged}) == 1 for logged in results)
    assert await count(store, "set_logs") == 120
    for user in users:
        assert len(await store.sets_on(user.id, MON)) == 40


async def test_readers_never_see_half_a_transaction(store: SqliteStore):
    user = await make_user(store)
    seen: list[int] = []

    async def slow_two_row_write() -> None:
        async with store.transaction() as conn:
            batch = await conn.execute_fetchall(
                "INSERT INTO set_batches (user_id, created_at) VALUES (?, ?) RETURNING id",
                (user.id, now_iso()),
            )
            for set_no in (1, 2):
                await conn.execute_fetchall(
                    "INSERT INTO set_logs (user_id, batch_id, plan_date, exercise_id, set_no,"
                    " logged_at) VALUES (?, ?, ?, 'romanian-deadlift', ?, ?)",
                    (user.id, batch[0][0], MON.isoformat(), set_no, now_iso()),
                )
                for _ in range(5):
                    await asyncio.sleep(0)  # let the readers run mid-transaction

    async def reader() -> None:
        for _ in range(10):
            seen.append(len(await store.sets_on(user.id, MON)))
            await asyncio.sleep(0)

    await asyncio.gather(reader(), slow_two_row_write(), reader())
    assert set(seen) <= {0, 2}
    assert 2 in seen


async def test_concurrent_claims_of_one_event_succeed_once(store: SqliteStore):
    results = await asyncio.gather(*(store.claim_event("telegram", "777") for _ in range(20)))
    assert results.count(True) == 1


# -- message links -----------------------------------------------------------------------------


async def test_links_resolve_to_what_the_message_was_about(store: SqliteStore):
    user = await make_user(store)
    personal = MessageLink("exercise", plan_date=MON, exercise_id="romanian-deadlift")
    group = MessageLink("group_session", plan_date=TUE, owner=UserRef("telegram", "-100"))
    await store.link_message("telegram", "c42", "500", user.id, personal)
    await store.link_message("telegram", "-100", "500", None, group)
    await store.link_message("discord", "c42", "500", user.id, MessageLink("howto"))

    got = await store.resolve_message("telegram", "c42", "500")
    assert got is not None and (got.user_id, got.link) == (user.id, personal)
    got = await store.resolve_message("telegram", "-100", "500")
    assert got is not None and (got.user_id, got.link) == (None, group)
    got = await store.resolve_message("discord", "c42", "500")
    assert got is not None and got.link == MessageLink("howto")
    assert await store.resolve_message("telegram", "c42", "501") is None


async def test_linking_the_same_message_again_replaces_it(store: SqliteStore):
    user = await make_user(store)
    await store.link_message("telegram", "c42", "1", user.id, MessageLink("prompt"))
    await store.link_message("telegram", "c42", "1", user.id, MessageLink("session", MON))
    got = await store.resolve_message("telegram", "c42", "1")
    assert got is not None and got.link == MessageLink("session", MON)


# -- conversation state ------------------------------------------------------------------------


async def test_state_round_trips_and_clears(store: SqliteStore):
    user = await make_user(store)
    assert await store.get_state(user.id) is None
    state = {"flow": "onboarding", "step": 3, "answers": {"level": "beginner", "days": [0, 2]}}
    await store.set_state(user.id, state)
    assert await store.get_state(user.id) == state
    await store.set_state(user.id, {"flow": "log", "exercise": "Hüftstrecker"})
    assert await store.get_state(user.id) == {"flow": "log", "exercise": "Hüftstrecker"}
    await store.set_state(user.id, None)
    assert await store.get_state(user.id) is None
    await store.set_state(user.id, None)  # clearing twice is fine


# -- events and counters -----------------------------------------------------------------------


async def test_claim_event_is_true_once_per_platform_and_id(store: SqliteStore):
    assert await store.claim_event("telegram", "1001") is True
    assert await store.claim_event("telegram", "1001") is False
    assert await store.claim_event("discord", "1001") is True
    assert await store.claim_event("telegram", "1002") is True


async def test_start_event_claims_the_event_and_returns_the_person_in_one_trip(
    store: SqliteStore,
):
    ref = UserRef("telegram", "501")
    first = await store.start_event(ref, "501", "Ana", "ev-1")
    assert first is not None and (first.chat_id, first.display_name) == ("501", "Ana")
    assert await store.start_event(ref, "501", "Ana B", "ev-1") is None  # a duplicate
    assert await store.find_user(ref) == first  # and the duplicate changed nothing
    renamed = await store.start_event(ref, "501", "Ana B", "ev-2")
    assert renamed is not None and (renamed.id, renamed.display_name) == (first.id, "Ana B")
    assert await store.start_event(ref, "", "", "") == renamed  # no id: nothing to claim
    assert await store.claim_event("telegram", "ev-2") is False


async def test_concurrent_starts_of_one_event_answer_once(store: SqliteStore):
    ref = UserRef("discord", "77")
    results = await asyncio.gather(*(store.start_event(ref, "d77", "Bo", "x") for _ in range(20)))
    assert sum(r is not None for r in results) == 1
    assert await count(store, "users") == 1


async def test_old_event_ids_are_pruned(db_path: Path):
    async with await open_store(db_path) as store:
        assert await store.claim_event("telegram", "old")
        assert await store.claim_event("telegram", "recent")
        long_ago = utc_iso(datetime.now(UTC) - SqliteStore.EVENT_RETENTION - timedelta(hours=1))
        await store.write(
            "UPDATE processed_events SET seen_at = ? WHERE event_id = 'old'", (long_ago,)
        )
    async with await open_store(db_path) as store:  # a fresh store prunes on its first claim
        assert await store.claim_event("telegram", "new") is True
        remaining = await store.read("SELECT event_id FROM processed_events ORDER BY event_id")
        assert [row[0] for row in remaining] == ["new", "recent"]
        assert await store.claim_event("telegram", "recent") is False


async def test_next_seq_counts_per_name(store: SqliteStore):
    assert [await store.next_seq("ticket") for _ in range(3)] == [1, 2, 3]
    assert await store.next_seq("other") == 1
    assert await store.next_seq("ticket") == 4


# -- channels ----------------------------------------------------------------------------------


async def test_channels_save_update_and_list(store: SqliteStore):
    assert await store.get_channel("telegram", "-100") is None
    first = await store.save_channel("telegram", "-100", Settings(), True)
    second = await store.save_channel("discord", "900", CUSTOM, True)
    assert (first.platform, first.chat_id, first.settings, first.enabled) == (
        "telegram",
        "-100",
        Settings(),
        True,
    )
    assert await store.get_channel("telegram", "-100") == first

    updated = await store.save_channel("telegram", "-100", CUSTOM, False)
    assert updated.id == first.id
    assert (updated.settings, updated.enabled) == (CUSTOM, False)
    assert await store.list_channels() == [second]
    assert await store.list_channels(enabled_only=False) == [updated, second]


# -- forgetting a person -----------------------------------------------------------------------


async def test_forget_user_leaves_no_row_about_them_anywhere(store: SqliteStore):
    marks = ("tg-forget-me-7", "chat-forget-me", "Forget Me Fiona")
    gone = await store.get_or_create_user(UserRef("telegram", marks[0]), marks[1], marks[2])
    stays = await make_user(store, uid="7", chat="c7", name="Bo")
    for user, chat in ((gone, marks[1]), (stays, "c7")):
        await store.save_settings(user.id, CUSTOM)
        await store.save_plan(user.id, MON, "k", {"blocks": [1]})
        await store.add_sets(user.id, MON, [rdl(1)], f"telegram:{chat}:1")
        await store.add_sets(user.id, TUE, [rdl(1)], f"telegram:{chat}:2")
        await store.link_message("telegram", chat, "9", user.id, MessageLink("session", MON))
        await store.set_state(user.id, {"flow": "log"})
    # a group message that names them as its owner
    owned = MessageLink("group_session", MON, owner=UserRef("telegram", marks[0]))
    await store.link_message("telegram", "-100", "5", None, owned)
    await store.claim_event("telegram", "e1")
    await store.save_channel("telegram", "-100", Settings(), True)

    await store.forget_user(gone.id)

    tables = [r[0] for r in await store.read("SELECT name FROM sqlite_master WHERE type='table'")]
    assert {"users", "set_logs", "message_links", "plans", "conversation_state"} <= set(tables)
    for table in tables:
        columns = [r["name"] for r in await store.read(f"PRAGMA table_info({table})")]
        for row in await store.read(f"SELECT * FROM {table}"):
            record = dict(zip(columns, tuple(row), strict=True))
            if table == "users":
                assert record["id"] != gone.id, table
            if "user_id" in record:
                assert record["user_id"] != gone.id, (table, record)
            for value in record.values():
                if isinstance(value, str):
                    assert not any(mark in value for mark in marks), (table, record)

    assert await store.get_user(gone.id) is None
    assert await store.export_sets(gone.id) == []
    assert await store.get_state(gone.id) is None
    # everybody else is untouched
    assert len(await store.export_sets(stays.id)) == 2
    assert await store.get_state(stays.id) == {"flow": "log"}
    assert await store.get_plan(stays.id, MON) == ("k", {"blocks": [1]})
    assert await store.resolve_message("telegram", "c7", "9") is not None
    assert await store.get_channel("telegram", "-100") is not None
    # and their id is never handed to someone new
    newcomer = await make_user(store, uid="8")
    assert newcomer.id > gone.id


async def test_forget_an_unknown_user_is_harmless(store: SqliteStore):
    user = await make_user(store)
    await store.forget_user(user.id + 50)
    assert await store.get_user(user.id) == user


# -- persistence and lifecycle -----------------------------------------------------------------


async def test_everything_survives_close_and_reopen(db_path: Path):
    async with await open_store(db_path) as store:
        user = await make_user(store)
        await store.save_settings(user.id, CUSTOM)
        await store.set_active(user.id, False)
        await store.save_plan(user.id, MON, "k", {"blocks": ["a"]})
        logged = await store.add_sets(user.id, MON, [rdl(1), rdl(2)], "src")
        await store.link_message("telegram", "c42", "1", user.id, MessageLink("session", MON))
        await store.set_state(user.id, {"step": 2})
        await store.claim_event("telegram", "e1")
        await store.next_seq("n")
        channel = await store.save_channel("discord", "900", CUSTOM, True)

    async with await open_store(db_path) as store:
        again = await store.get_user(user.id)
        assert again is not None
        assert (again.settings, again.active, again.chat_id) == (CUSTOM, False, "c42")
        assert await store.get_plan(user.id, MON) == ("k", {"blocks": ["a"]})
        assert await store.sets_on(user.id, MON) == logged
        link = await store.resolve_message("telegram", "c42", "1")
        assert link is not None and link.link == MessageLink("session", MON)
        assert await store.get_state(user.id) == {"step": 2}
        assert await store.claim_event("telegram", "e1") is False
        assert await store.next_seq("n") == 2
        assert await store.list_channels() == [channel]
        assert await store.delete_last_batch(user.id) == logged


async def test_pragmas_are_set(store: SqliteStore):
    async def pragma(name: str) -> object:
        return (await store.read(f"PRAGMA {name}"))[0][0]

    assert await pragma("journal_mode") == "wal"
    assert await pragma("foreign_keys") == 1
    assert await pragma("synchronous") == 1  # NORMAL
    assert await pragma("busy_timeout") == 5000


async def test_async_with_closes_and_close_twice_is_fine(db_path: Path):
    async with await open_store(db_path) as store:
        await make_user(store)
    with pytest.raises(ValueError):
        await store.read("SELECT 1")
    await store.close()


async def test_two_stores_opening_one_new_file_at_once_both_work(db_path: Path):
    first, second = await asyncio.gather(open_store(db_path), open_store(db_path))
    try:
        user = await make_user(first)
        assert await second.get_user(user.id) == user
        recorded = await first.read("SELECT version FROM schema_version")
        assert len(recorded) == len(schema.discover())
    finally:
        await first.close()
        await second.close()


# -- migrations --------------------------------------------------------------------------------


def write_migrations(folder: Path, extra: dict[str, str]) -> Path:
    """The real migrations plus `extra` {file name: sql}."""
    folder.mkdir(exist_ok=True)
    for migration in schema.discover():
        (folder / migration.name).write_text(migration.sql, encoding="utf-8")
    for name, sql in extra.items():
        (folder / name).write_text(sql, encoding="utf-8")
    return folder


async def versions(conn: aiosqlite.Connection) -> list[tuple[int, str, str]]:
    rows = await conn.execute_fetchall(
        "SELECT version, name, applied_at FROM schema_version ORDER BY version"
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_shipped_migrations_apply_once_and_are_recorded(db_path: Path):
    shipped = schema.discover()
    assert shipped[0].name == "0001_initial.sql"
    assert [m.version for m in shipped] == sorted(m.version for m in shipped)
    async with await open_store(db_path) as store:
        recorded = await versions(store.connection)
    assert [(v, n) for v, n, _ in recorded] == [(m.version, m.name) for m in shipped]
    async with await open_store(db_path) as store:
        assert await versions(store.connection) == recorded  # nothing re-applied


async def test_only_new_migrations_are_applied_in_order(db_path: Path, tmp_path: Path):
    folder = write_migrations(
        tmp_path / "m", {"0900_zz_notes.sql": "CREATE TABLE zz_notes (user_id INTEGER, body TEXT);"}
    )
    async with await SqliteStore.open(db_path, schema.discover(folder)) as store:
        first = await versions(store.connection)
    assert [v for v, _, _ in first][-1] == 900

    (folder / "0901_more.sql").write_text(
        "-- a comment; with a semicolon\n"
        "ALTER TABLE zz_notes ADD COLUMN mood TEXT DEFAULT 'ok;fine';\n"
        "CREATE TRIGGER zz_notes_trim AFTER INSERT ON zz_notes BEGIN\n"
        "  UPDATE zz_notes SET body = trim(body) WHERE rowid = new.rowid;\n"
        "END;\n",
        encoding="utf-8",
    )
    conn = await aiosqlite.connect(str(db_path), isolation_level=None)
    try:
        assert await schema.migrate(conn, schema.discover(folder)) == [901]
        assert (await versions(conn))[:-1] == first
        await conn.execute_fetchall("INSERT INTO zz_notes (user_id, body) VALUES (1, '  hi  ')")
        rows = await conn.execute_fetchall("SELECT body, mood FROM zz_notes")
        assert [tuple(r) for r in rows] == [("hi", "ok;fine")]
        assert await schema.migrate(conn, schema.discover(folder)) == []
    finally:
        await conn.close()


async def test_forget_user_covers_tables_added_by_later_migrations(db_path: Path, tmp_path: Path):
    folder = write_migrations(
        tmp_path / "m",
        {"0900_zz_outbox.sql": "CREATE TABLE zz_outbox (id INTEGER PRIMARY KEY, user_id INTEGER);"},
    )
    async with await SqliteStore.open(db_path, schema.discover(folder)) as store:
        user = await make_user(store)
        await store.write("INSERT INTO zz_outbox (user_id) VALUES (?), (?)", (user.id, user.id + 1))
        await store.forget_user(user.id)
        rows = await store.read("SELECT user_id FROM zz_outbox")
        assert [r[0] for r in rows] == [user.id + 1]


async def test_a_failing_migration_leaves_no_trace(db_path: Path, tmp_path: Path):
    folder = write_migrations(
        tmp_path / "m",
        {"0900_broken.sql": "CREATE TABLE half (x INTEGER);\nINSERT INTO missing VALUES (1);\n"},
    )
    with pytest.raises(MigrationError, match=r"0900_broken\.sql"):
        await SqliteStore.open(db_path, schema.discover(folder))
    conn = await aiosqlite.connect(str(db_path), isolation_level=None)
    try:
        assert 900 not in [v for v, _, _ in await versions(conn)]
        tables = await conn.execute_fetchall("SELECT name FROM sqlite_master WHERE name = 'half'")
        assert list(tables) == []
    finally:
        await conn.close()


async def test_a_database_newer_than_the_code_is_refused_clearly(db_path: Path):
    async with await open_store(db_path) as store:
        await store.write(
            "INSERT INTO schema_version (version, name, applied_at) VALUES (9999, 'x.sql', '')"
        )
        await make_user(store)
    with pytest.raises(SchemaTooNewError, match=r"schema version 9999.*newer Backline"):
        await open_store(db_path)
    # refusing didn't touch the data
    conn = await aiosqlite.connect(str(db_path))
    try:
        rows = await conn.execute_fetchall("SELECT COUNT(*) FROM users")
        assert next(iter(rows))[0] == 1
    finally:
        await conn.close()


def test_badly_named_or_duplicate_migration_files_are_rejected(tmp_path: Path):
    (tmp_path / "1_initial.sql").write_text("SELECT 1;", encoding="utf-8")
    with pytest.raises(MigrationError, match=r"1_initial\.sql"):
        schema.discover(tmp_path)
    (tmp_path / "1_initial.sql").unlink()
    (tmp_path / "0002_a.sql").write_text("SELECT 1;", encoding="utf-8")
    (tmp_path / "0002_b.sql").write_text("SELECT 1;", encoding="utf-8")
    with pytest.raises(MigrationError, match="share version 2"):
        schema.discover(tmp_path)
    shutil.rmtree(tmp_path)
    tmp_path.mkdir()
    (tmp_path / "README.txt").write_text("not a migration", encoding="utf-8")
    assert schema.discover(tmp_path) == []


def test_statement_splitting_respects_strings_comments_and_triggers():
    sql = (
        "-- header; comment\n"
        "CREATE TABLE a (x TEXT DEFAULT ';');\n"
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = 'y'; END;\n"
        "INSERT INTO a VALUES ('1'); INSERT INTO a VALUES ('2');\n"
        "-- trailing comment\n"
    )
    statements = schema.split_statements(sql)
    assert len(statements) == 4
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")
    with pytest.raises(MigrationError, match="no closing"):
        schema.split_statements("CREATE TABLE a (x);\nCREATE TABLE b (y)", "0009_x.sql")
