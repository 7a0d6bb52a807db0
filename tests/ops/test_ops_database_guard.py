"""The database is checked before the bot starts, on real files and the real `backline`:
one writer per file, and a read-only, damaged or too-new database stops start-up with one
line and the configuration exit code (2), instead of a half-dead bot.

Read-only uses a real read-only tmpfs mount (the tests run as root, where file permissions
don't stop writes); without root and mount(8) those tests skip."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import exit_codes
from bot.core.events import UserRef
from bot.core.ports import StoreUnavailable
from bot.store import open_store
from bot.store.writer_lock import lock_path
from tests.fakes.telegram_server import TEST_TOKEN, FakeTelegram
from tests.ops.bot_process import finished, one_line, polling, remount, small_filesystem, start
from tests.ops.support import backline_env, run_backline


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake
    assert not fake.violations, "\n".join(str(v) for v in fake.violations)


async def make_db(db: Path, people: int = 0) -> None:
    store = await open_store(db)
    try:
        for n in range(people):
            await store.get_or_create_user(UserRef("telegram", str(n)), str(n), f"Person {n}")
    finally:
        await store.close()


def start_up_error(db: Path, **settings: str) -> tuple[int, str]:
    env = backline_env(
        BACKLINE_DB=str(db),
        BACKLINE_TELEGRAM_TOKEN=TEST_TOKEN,
        BACKLINE_TELEGRAM_API_URL="http://127.0.0.1:9",  # never reached: start-up stops first
        **settings,
    )
    result = run_backline(cwd=db.parent if db.parent.is_dir() else Path("/"), env=env)
    return result.returncode, one_line(result.stderr)


async def test_a_second_backline_on_the_same_database_refuses_to_start(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    db = tmp_path / "backline.db"
    first = await start(db, tg)
    await polling(tg, first)
    second = await start(db, tg)
    code, err = await finished(second)
    assert code == exit_codes.CONFIG
    line = one_line(err)
    assert f"pid {first.pid}" in line and str(db) in line
    assert first.returncode is None  # the first one carries on
    assert tg.conflicts == 0  # the second never polled: no getUpdates ever overlapped

    # A killed bot leaves its lock file behind, but not the lock: the next start takes over.
    first.send_signal(signal.SIGKILL)
    await first.wait()
    assert lock_path(db).read_text().strip() == str(first.pid)
    third = await start(db, tg)
    await polling(tg, third)
    third.send_signal(signal.SIGTERM)
    code, err = await finished(third)
    assert code == 0, err
    assert lock_path(db).read_text() == ""  # released on exit


async def test_the_writer_lock_is_per_database_and_released_on_close(tmp_path: Path) -> None:
    a = await open_store(tmp_path / "a.db", writer=True)
    b = await open_store(tmp_path / "b.db", writer=True)  # another file: no conflict
    with pytest.raises(Exception, match=r"pid \d+"):
        await open_store(tmp_path / "a.db", writer=True)
    reader = await open_store(tmp_path / "a.db")  # backup, export, doctor: not writers
    await reader.close()
    await a.close()
    again = await open_store(tmp_path / "a.db", writer=True)
    await again.close()
    await b.close()


async def test_a_read_only_database_stops_start_up(tmp_path: Path) -> None:
    with small_filesystem(tmp_path / "ro") as folder:
        db = folder / "backline.db"
        await make_db(db, people=3)
        remount(folder, "ro")
        code, line = await asyncio.to_thread(start_up_error, db)
    assert code == exit_codes.CONFIG
    assert str(db) in line and "read-only" in line, line


async def test_a_database_with_damaged_pages_stops_start_up(tmp_path: Path) -> None:
    db = tmp_path / "backline.db"
    await make_db(db, people=400)
    conn = sqlite3.connect(db)
    page_size, pages = (
        conn.execute("PRAGMA page_size").fetchone()[0],
        conn.execute("PRAGMA page_count").fetchone()[0],
    )
    conn.close()
    assert pages > 6
    with db.open("r+b") as f:  # garbage over real pages (not the header page)
        for page in range(2, pages, 2):
            f.seek((page - 1) * page_size + 100)
            f.write(bytes((n * 37 + page) % 256 for n in range(512)))
    code, line = await asyncio.to_thread(start_up_error, db)
    assert code == exit_codes.CONFIG
    assert str(db) in line and "damaged" in line and "backup" in line, line


async def test_a_database_from_a_newer_backline_exits_with_the_configuration_code(
    tmp_path: Path,
) -> None:
    db = tmp_path / "backline.db"
    await make_db(db)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(
            "INSERT INTO schema_version (version, name, applied_at) VALUES (9999, 'x', 'now')"
        )
    conn.close()
    code, line = await asyncio.to_thread(start_up_error, db)
    assert code == exit_codes.CONFIG
    assert "schema version 9999" in line and "upgrade Backline" in line


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("{tmp}", "is a folder"),
        ("{tmp}/notes.txt/backline.db", "which is a file, not a folder"),
        ("/proc/backline/backline.db", "virtual filesystem"),
    ],
)
def test_a_database_path_that_cannot_be_a_database_is_one_line(
    tmp_path: Path, path: str, says: str
) -> None:
    (tmp_path / "notes.txt").write_text("not a folder")
    db = Path(path.format(tmp=tmp_path))
    env = backline_env(BACKLINE_DB=str(db))
    result = run_backline(cwd=tmp_path, env=env)
    assert result.returncode == exit_codes.CONFIG
    assert "Traceback" not in result.stderr
    assert f"BACKLINE_DB = {db} " in result.stderr and says in result.stderr


@pytest.mark.parametrize("content", ["missing", "empty"])
def test_broken_content_exits_instead_of_hanging(tmp_path: Path, content: str) -> None:
    folder = tmp_path / "content"
    if content == "empty":
        folder.mkdir()
    db = tmp_path / "backline.db"
    env = backline_env(
        BACKLINE_DB=str(db),
        BACKLINE_CONTENT=str(folder),
        BACKLINE_TELEGRAM_TOKEN=TEST_TOKEN,
        BACKLINE_TELEGRAM_API_URL="http://127.0.0.1:9",
    )
    result = run_backline(cwd=tmp_path, env=env, timeout=60)  # used to hang forever
    assert result.returncode == exit_codes.CONTENT, result.stderr
    assert "Traceback" not in result.stderr
    assert str(folder) in result.stderr
    assert not lock_path(db).exists() or lock_path(db).read_text() == ""


async def test_closing_a_database_that_went_read_only_still_closes_it(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "backline.db", writer=True)
    for n in range(50):  # indexed lookups make PRAGMA optimize want to ANALYZE at close
        await store.get_or_create_user(UserRef("telegram", str(n)), str(n), "P")
        await store.find_user(UserRef("telegram", str(n)))
    await store.call(lambda conn: conn.execute("PRAGMA query_only = 1"))
    with pytest.raises(StoreUnavailable):
        await store.call(lambda conn: conn.execute("PRAGMA optimize").fetchall())
    await store.close()  # used to raise here and leave the connection (and its thread) open
    assert store.connection._connection is None
    again = await open_store(tmp_path / "backline.db", writer=True)  # the lock is free too
    await again.close()


async def test_a_file_that_is_not_a_database_stops_start_up(tmp_path: Path) -> None:
    db = tmp_path / "backline.db"
    db.write_text("BACKLINE_TELEGRAM_TOKEN=... (the .env, given as the database by mistake)\n" * 80)
    code, line = await asyncio.to_thread(start_up_error, db)
    assert code == exit_codes.CONFIG
    assert f"the file {db} is not a Backline database" in line
