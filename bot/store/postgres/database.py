"""The PostgreSQL connection pool, its migrations, and the errors the ports expect.

    db = await PgDatabase.open("postgresql://backline@db/backline")
    rows = await db.fetch("SELECT ... WHERE id = $1", 7)        # list[asyncpg.Record]
    async with db.transaction() as conn:                          # BEGIN ... COMMIT
        await conn.execute("UPDATE ...", ...)
    await db.close()

Every call takes a connection from the pool for one statement (or one transaction), so many
coroutines of one process, and many processes, write at once: PostgreSQL does the locking.
The exception is `holding()` (the inbox applying an update): one transaction on one pooled
connection that every call the same task makes joins until the block ends, each call as a
savepoint of it (a refused statement fails alone, as on SQLite, instead of aborting the
whole transaction), so the handling's writes commit, or roll back, together.
A refused write (CHECK, foreign key, NOT NULL) raises the ports' RecordRejected.

Migrations live in bot/store/postgres/migrations/ with the same numbers and names as
SQLite's (tests/test_store_postgres.py checks that every SQLite migration has its twin).
They run under a transaction-level advisory lock, so processes starting together apply each
file once.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from typing import Any, Self

import asyncpg

from bot.core.ports import RecordRejected
from bot.store import migrations as schema

POOL_SIZE = 10
_MIGRATION_LOCK = 0x6261636B  # "back": the advisory lock key migrations take


# The wording SQLite (and the memory store) give a refused write, so messages read the same.
_REFUSALS = (
    (asyncpg.ForeignKeyViolationError, "FOREIGN KEY constraint failed"),
    (asyncpg.CheckViolationError, "CHECK constraint failed"),
    (asyncpg.NotNullViolationError, "NOT NULL constraint failed"),
    (asyncpg.UniqueViolationError, "UNIQUE constraint failed"),
)


def rejected(exc: asyncpg.IntegrityConstraintViolationError) -> RecordRejected:
    kind = next((words for cls, words in _REFUSALS if isinstance(exc, cls)), "constraint failed")
    return RecordRejected(f"{kind}: {exc}")


class DatabaseUnreachable(RuntimeError):
    """PostgreSQL did not accept the connection (one line for the host)."""


def as_columns(items: Sequence[Any], *fields: str) -> list[list[Any]]:
    """Each field of `items` as one list: the arrays of an INSERT ... SELECT FROM unnest(...),
    which writes any number of rows in one statement."""
    return [[getattr(item, name) for item in items] for name in fields]


def redacted(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"^(\w+://[^:/@]*):[^@]*@", r"\1:***@", url)


def migration_files() -> list[schema.Migration]:
    return schema.discover(resources.files("bot.store.postgres").joinpath("migrations"))


async def migrate(conn: asyncpg.Connection, migrations: list[schema.Migration]) -> list[int]:
    """Apply what is missing, each file in its own transaction with its schema_version row."""
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)"
    )
    done: list[int] = []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
        applied = {r[0] for r in await conn.fetch("SELECT version FROM schema_version")}
        schema.check_known(applied, migrations)
        for migration in migrations:
            if migration.version in applied:
                continue
            try:
                async with conn.transaction():  # a savepoint: the error names the file
                    await conn.execute(migration.sql)
            except asyncpg.PostgresError as exc:
                raise schema.MigrationError(f"migration {migration.name} failed: {exc}") from exc
            await conn.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)",
                migration.version,
                migration.name,
                datetime.now(UTC).isoformat(),
            )
            done.append(migration.version)
    return done


class PgDatabase:
    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self.pool = pool
        self.url = url
        self._closed = False
        self._held: dict[asyncio.Task[Any], asyncpg.Connection] = {}  # see holding()

    @classmethod
    async def open(cls, url: str, migrations: list[schema.Migration] | None = None) -> Self:
        """Connect (a pool), then apply pending migrations."""
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=1,
                max_size=POOL_SIZE,
                server_settings={
                    "application_name": "backline",
                    "timezone": "UTC",
                    # What the store's statements are written for (the send ledger's turns
                    # need each statement to see what committed before it), whatever the
                    # server's default.
                    "default_transaction_isolation": "read committed",
                },
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise DatabaseUnreachable(
                f"can't connect to the PostgreSQL database {redacted(url)}: {exc}"
            ) from None
        try:
            async with pool.acquire() as conn:
                await migrate(conn, migration_files() if migrations is None else migrations)
        except BaseException:
            await pool.close()
            raise
        return cls(pool, url)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self.pool.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _joined(self) -> asyncpg.Connection | None:
        """The connection of the transaction this task holds (see holding()), if any."""
        task = asyncio.current_task()
        return self._held.get(task) if task is not None else None

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        try:
            held = self._joined()
            if held is None:
                return await self.pool.fetch(sql, *args)
            async with held.transaction():  # a savepoint of the held transaction
                return await held.fetch(sql, *args)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise rejected(exc) from exc

    async def fetchval(self, sql: str, *args: Any) -> Any:
        rows = await self.fetch(sql, *args)
        return rows[0][0] if rows else None

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection for a few statements: one from the pool, or inside holding() the held
        one, in a savepoint (its statements then stand or fall together)."""
        held = self._joined()
        if held is None:
            async with self.pool.acquire() as conn:
                yield conn
            return
        try:
            async with held.transaction():
                yield held
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise rejected(exc) from exc

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        """One connection inside BEGIN ... COMMIT (ROLLBACK if the block raises); inside
        holding() a savepoint of the held transaction."""
        try:
            held = self._joined()
            if held is not None:
                async with held.transaction():
                    yield held
            else:
                async with self.pool.acquire() as conn, conn.transaction():
                    yield conn
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise rejected(exc) from exc

    @asynccontextmanager
    async def holding(self) -> AsyncIterator[asyncpg.Connection]:
        """BEGIN ... COMMIT on one pooled connection that every store call this task makes
        inside the block joins (ROLLBACK if the block raises). Tasks started inside don't
        join: don't wait inside for ones that write what the block has locked."""
        task = asyncio.current_task()
        assert task is not None
        if task in self._held:
            raise RuntimeError("already holding a store transaction")
        async with self.transaction() as conn:
            self._held[task] = conn
            try:
                yield conn
            finally:
                del self._held[task]
