"""SqliteStore against real SQLite files, what only SQLite has: the plan cache against the file,
transactions and locking, what is left in which table, pruning, PRAGMAs, reopening,
migrations. Every port method's behaviour is in tests/test_store_contract.py (run on SQLite
and on the memory store)."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.core.events import MessageLink, UserRef
from bot.core.ports import RecordRejected
from bot.core.settings import Settings
from bot.store import MigrationError, SchemaTooNewError, SqliteStore, open_store
from bot.store import migrations as schema
from bot.store.rows import now_iso, utc_iso
from tests.test_store_contract import CUSTOM, MON, TUE, WED, make_user, rdl


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "backline.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await open_store(db_path)
    yield opened
    await opened.close()


async def count(store: SqliteStore, table: str) -> int:
    rows = await store.read(f"SELECT COUNT(*) FROM {table}")
    return int(rows[0][0])


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


async def test_the_plan_cache_stays_bounded_and_evicted_plans_come_from_the_file(
    store: SqliteStore,
):
    store.PLAN_CACHE_SIZE = 2
    user = await make_user(store)
    days = [MON, TUE, WED]
    for n, day in enumerate(days):
        await store.save_plan(user.id, day, f"k{n}", {"n": n})
    assert len(store._plans) == 2  # MON was evicted
    for n, day in enumerate(days):
        assert await store.get_plan(user.id, day) == (f"k{n}", {"n": n})
    await store.save_plan(user.id, MON, "again", {"n": 9})  # overwrite of a cached day
    assert await store.get_plan(user.id, MON) == ("again", {"n": 9})
    rows = await store.read("SELECT plan_key FROM plans WHERE plan_date = ?", (MON.isoformat(),))
    assert [r[0] for r in rows] == ["again"]


async def test_a_refused_write_is_record_rejected_caused_by_sqlite_and_rolled_back(
    store: SqliteStore,
):
    user = await make_user(store)
    with pytest.raises(RecordRejected) as refused:
        await store.add_sets(user.id, MON, [rdl(1), rdl(0)], "src")
    assert isinstance(refused.value.__cause__, sqlite3.IntegrityError)
    assert await count(store, "set_batches") == 0 and await count(store, "set_logs") == 0
    with pytest.raises(RecordRejected, match="FOREIGN KEY"):
        await store.set_state(user.id + 1, {"flow": "log"})


# -- atomicity ---------------------------------------------------------------------------------


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


# -- events and counters -----------------------------------------------------------------------


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


async def test_the_tick_finds_the_zones_in_use_by_seeking_not_scanning(store: SqliteStore):
    """The zones come from a skip scan of the reminder index: one seek per zone, so the tick
    doesn't read every registered person (the plan says SEARCH, never SCAN users)."""
    zones = ["Asia/Tokyo", "Europe/Berlin", "America/New_York", "Europe/Berlin", "UTC"]
    for n, zone in enumerate(zones):
        user = await make_user(store, str(100 + n), f"c{n}")
        await store.save_settings(user.id, Settings(timezone=zone))
    paused = await make_user(store, "200", "c200")
    await store.save_settings(paused.id, Settings(timezone="Pacific/Auckland"))
    await store.set_active(paused.id, False)
    moved = await make_user(store, "201", "c201")
    await store.save_settings(moved.id, Settings(timezone="Africa/Lagos"))
    await store.save_settings(moved.id, Settings(timezone="Asia/Kolkata"))  # moved away

    assert await store.outbox.timezones() == sorted(set(zones) | {"Asia/Kolkata"})
    zone = "json_extract(settings, '$.timezone')"
    plan = await store.read(
        f"EXPLAIN QUERY PLAN SELECT MIN({zone}) FROM users WHERE active = 1 AND {zone} > ?",
        ("A",),
    )
    assert [r["detail"] for r in plan] == ["SEARCH users USING INDEX users_reminder (<expr>>?)"]


async def test_migration_6_expires_old_links_and_plans_and_new_plans_are_compact(db_path: Path):
    before = [m for m in schema.discover() if m.version < 6]
    async with await SqliteStore.open(db_path, before) as old:
        user = await make_user(old)
        long_ago = utc_iso(datetime.now(UTC) - timedelta(days=30))
        recent = now_iso()
        today = datetime.now(UTC).date()
        for message_id, day, at in (("1", "2026-01-05", long_ago), ("2", "2026-01-06", recent)):
            await old.write(
                "INSERT INTO message_links (platform, chat_id, message_id, user_id, kind,"
                " plan_date, created_at) VALUES ('telegram', 'c42', ?, ?, 'session', ?, ?)",
                (message_id, user.id, day, at),
            )
        for day in ("2026-01-05", "2026-01-06", today.isoformat()):
            await old.write(
                "INSERT INTO plans (user_id, plan_date, plan_key, payload, created_at)"
                " VALUES (?, ?, 'k1', ?, ?)",
                (user.id, day, f'{{"day": "{day}"}}', recent),
            )
    async with await open_store(db_path) as store:  # applies 0006
        assert await store.resolve_message("telegram", "c42", "1") is None
        assert await count(store, "message_links") == 1
        # Old and unreachable: gone. Old but a live link's: kept, and still reads as text.
        assert await store.get_plan(user.id, date(2026, 1, 5)) is None
        assert await store.get_plan(user.id, date(2026, 1, 6)) == ("k1", {"day": "2026-01-06"})
        assert await store.get_plan(user.id, today) == ("k1", {"day": today.isoformat()})
        # Plans saved now are stored compressed and come back the same.
        plan = {"main": [{"exercise_id": "glute-bridge", "name": "Glute bridge"}] * 5}
        await store.save_plan(user.id, today, "k2", plan)
        [row] = await store.read(
            "SELECT payload FROM plans WHERE user_id = ? AND plan_date = ?",
            (user.id, today.isoformat()),
        )
        assert isinstance(row[0], bytes) and len(row[0]) < len(json.dumps(plan)) / 3
    async with await open_store(db_path) as store:  # not from the cache: from the file
        assert await store.get_plan(user.id, today) == ("k2", plan)
