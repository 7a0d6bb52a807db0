"""The one SQLite connection, its PRAGMAs, and the lock that keeps transactions whole.

Other store modules (e.g. the scheduler's `bot/store/outbox.py`) reuse the same connection and
lock through these helpers instead of opening their own:

    async with store.transaction() as conn:          # BEGIN IMMEDIATE ... COMMIT
        rows = await conn.execute_fetchall("SELECT ...", params)
        await conn.execute_fetchall("UPDATE ...", params)
    # any exception inside the block rolls the whole transaction back and re-raises

    rows = await store.read("SELECT ... WHERE id = ?", (1,))   # list[sqlite3.Row]
    rows = await store.write("UPDATE ... RETURNING id", (x,))  # one statement, atomic alone

    rows = await store.call(lambda c: c.execute("SELECT ...").fetchall())  # one hop, raw sqlite3
    result = await store.atomically(fn)   # fn(raw sqlite3 conn) inside BEGIN IMMEDIATE..COMMIT,
                                          # all of it in ONE thread hop

Rules:
- Nothing may run between two statements of someone else's transaction: there is one
  connection, so it would see half of it (or, worse, join it). aiosqlite runs calls in order
  on one thread, so a call that is a whole unit by itself (one statement, `call`, `atomically`)
  needs no lock unless a multi-hop `transaction()` is open: then it queues for the lock.
  `atomically` is the fast way to write several statements: the lock is never held across
  a hop back to the event loop.
- Inside `transaction()`, `store.read`/`store.write` (and SqliteStore's read methods) run
  directly in that transaction; opening a second `transaction()` inside one raises
  RuntimeError (SQLite has no nested transactions). Use the `conn` it gave you.
- Don't start other tasks that use the store from inside `transaction()` and wait for them:
  they queue for the lock the block is holding.
- Use `conn.execute_fetchall(...)`: one thread hop per statement (a cursor costs more hops).
- Schema changes belong in a migration file (see bot/store/migrations.py), never at runtime.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import aiosqlite

from bot.core.ports import StoreUnavailable
from bot.store import migrations as schema
from bot.store.checks import (
    check_path,
    check_writable,
    damaged,
    make_folder,
    open_failure,
    quick_check,
    unavailable_reason,
    unwritable,
)
from bot.store.writer_lock import DatabaseInUse, WriterLock

BUSY_TIMEOUT_MS = 5000

Params = Sequence[Any] | dict[str, Any]
T = TypeVar("T")


async def _enable_wal(conn: aiosqlite.Connection) -> None:
    """Switch to WAL. Switching needs a moment of exclusive access and SQLite doesn't wait
    for it (busy_timeout doesn't apply), so retry while another process is creating the file."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            await conn.execute_fetchall("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.01)


class Database:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self._holder: asyncio.Task[Any] | None = None  # task inside transaction(), if any
        self._closed = False
        self._writer: WriterLock | None = None
        # Why the last write failed (disk full, read-only...), until a write works again.
        self.unavailable: str | None = None

    @classmethod
    async def open(
        cls,
        path: str | Path,
        migration_files: list[schema.Migration] | None = None,
        *,
        writer: bool = False,
    ) -> Self:
        """Check the file, connect, set PRAGMAs and apply pending migrations.

        A file that can't serve the bot (a folder, read-only, damaged, too new) raises
        StoreOpenError / SchemaTooNewError with one line for the host. `writer=True` also takes
        the database's writer lock (the bot process: one per database, see writer_lock.py)."""
        memory = str(path) == ":memory:"
        file = Path(path)
        lock = None
        if not memory:
            check_path(file)
            make_folder(file)
            if writer:
                lock = _take_lock(file)
        try:
            conn = await _connect(file, memory)
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        try:
            await _prepare(conn, file, memory, migration_files)
        except BaseException:
            await conn.close()
            if lock is not None:
                lock.release()
            raise
        db = cls(conn)
        db._writer = lock
        return db

    @property
    def sole_writer(self) -> bool:
        """This process holds the database's writer lock: no other Backline runs on it."""
        return self._writer is not None

    @property
    def connection(self) -> aiosqlite.Connection:
        """The raw connection. Only touch it inside `transaction()` (which hands it to you)."""
        return self._conn

    async def close(self) -> None:
        """Wait for the running transaction, then close. Closing twice is fine."""
        async with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                # Only an optimisation: a read-only or full disk must not keep the file open.
                with contextlib.suppress(sqlite3.Error):
                    await self._conn.execute_fetchall("PRAGMA optimize")
            finally:
                try:
                    await self._conn.close()
                finally:
                    if self._writer is not None:
                        self._writer.release()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def _inside_transaction(self) -> bool:
        return self._holder is not None and self._holder is asyncio.current_task()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT around the block; ROLLBACK if it raises."""
        if self._inside_transaction():
            raise RuntimeError("already inside a store transaction: use the conn it gave you")
        async with self._lock:
            self._holder = asyncio.current_task()
            try:
                await self._conn.execute_fetchall("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                    await self._conn.execute_fetchall("COMMIT")
                except BaseException:
                    await self._rollback()
                    raise
            except sqlite3.Error as exc:
                raise self._failed(exc) from exc
            finally:
                self._holder = None
            self.unavailable = None

    async def _rollback(self) -> None:
        if not self._conn.in_transaction:
            return  # SQLite already ended it (some errors roll back by themselves)
        try:
            await self._conn.execute_fetchall("ROLLBACK")
        except sqlite3.OperationalError as exc:
            # A cancelled COMMIT may still have finished in aiosqlite's thread; a failing disk
            # may refuse the rollback too (SQLite rolls back on the next use): keep the cause.
            if "no transaction is active" not in str(exc) and unavailable_reason(exc) is None:
                raise

    async def read(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Run one query under the lock and return all its rows."""
        return await self._run(sql, params)

    async def write(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Run one statement as its own transaction (SQLite makes a single statement atomic).

        Cheaper than `transaction()` (one thread hop instead of three); returns RETURNING rows.
        """
        return await self._run(sql, params)

    async def _run(self, sql: str, params: Params) -> list[sqlite3.Row]:
        return await self.call(lambda conn: conn.execute(sql, params).fetchall())

    async def call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` with the raw sqlite3 connection on the database thread, as one hop.

        A failure that means "can't save right now" (read-only, disk full, I/O error) raises
        StoreUnavailable and is remembered in `unavailable` until a write succeeds again."""
        if self._inside_transaction():
            return await self._conn._execute(fn, self._conn._conn)
        try:
            if not self._lock.locked():
                # aiosqlite runs calls in submission order, so this can't land inside a
                # transaction() that starts later: its BEGIN queues behind us.
                result, wrote = await self._conn._execute(_noting_writes, fn, self._conn._conn)
            else:
                async with self._lock:
                    result, wrote = await self._conn._execute(_noting_writes, fn, self._conn._conn)
        except sqlite3.Error as exc:
            raise self._failed(exc) from exc
        if wrote:
            self.unavailable = None
        return result

    def _failed(self, exc: sqlite3.Error) -> Exception:
        """StoreUnavailable for a failure of the disk or the file, else `exc` itself."""
        reason = unavailable_reason(exc)
        if reason is None:
            return exc
        self.unavailable = reason
        return StoreUnavailable(reason)

    async def writable(self) -> str | None:
        """None when a write works now, else why not: a real (tiny) committed write, so a
        full disk or a read-only file shows here, and a recovered one clears `unavailable`."""
        try:
            await self.atomically(_probe_write)
        except StoreUnavailable as exc:
            return exc.reason
        return None

    async def atomically(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` inside BEGIN IMMEDIATE ... COMMIT (ROLLBACK if it raises), in one hop."""
        if self._inside_transaction():
            raise RuntimeError("already inside a store transaction: use the conn it gave you")

        def unit(conn: sqlite3.Connection) -> T:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(conn)
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return result

        return await self.call(unit)


def _noting_writes(
    fn: Callable[[sqlite3.Connection], T], conn: sqlite3.Connection
) -> tuple[T, bool]:
    before = conn.total_changes
    result = fn(conn)
    return result, conn.total_changes != before


def _probe_write(conn: sqlite3.Connection) -> None:
    # A key of the scheduler's small key/value table (migration 0002); nothing reads it.
    conn.execute(
        "INSERT INTO scheduler_state (key, value) VALUES ('health_probe', ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (str(time.time()),),
    )


def _take_lock(path: Path) -> WriterLock:
    try:
        return WriterLock.acquire(path)
    except DatabaseInUse:
        raise
    except OSError:  # the lock file next to it can't be made: the folder is read-only
        raise unwritable(path) from None


async def _connect(path: Path, memory: bool) -> aiosqlite.Connection:
    # isolation_level=None: the sqlite3 module must not BEGIN behind our back; we do.
    try:
        return await aiosqlite.connect(":memory:" if memory else str(path), isolation_level=None)
    except sqlite3.Error as exc:
        raise open_failure(path, exc) from None


async def _prepare(
    conn: aiosqlite.Connection,
    path: Path,
    memory: bool,
    migration_files: list[schema.Migration] | None,
) -> None:
    """PRAGMAs, the health checks, then the migrations."""
    conn.row_factory = sqlite3.Row
    try:
        # busy_timeout first, so the migrations wait for a file someone else is writing.
        await conn.execute_fetchall(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await _enable_wal(conn)
        await conn.execute_fetchall("PRAGMA foreign_keys = ON")
        await conn.execute_fetchall("PRAGMA synchronous = NORMAL")
        if not memory:
            problem = await conn._execute(quick_check, conn._conn)
            if problem is not None:
                raise damaged(path, problem)
            await conn._execute(check_writable, conn._conn)
    except sqlite3.Error as exc:
        raise open_failure(path, exc) from None
    await schema.migrate(conn, migration_files)
