"""Backline's persistence: the ports of bot.core.ports, implemented three times.

    store = await open_store("data/backline.db")   # SQLite (bot/store/sqlite.py)
    ...
    await store.close()

    store = await open_database(config.db_path)    # BACKLINE_DB: a SQLite path, or a
                                                   # postgresql:// URL (bot/store/postgres/)

or `async with await open_store(path) as store: ...`. See bot/store/db.py for running your
own transactions on the same connection, bot/store/migrations.py for adding schema changes.
`bot.store.memory.MemoryStore()` keeps everything in memory (fast tests); importing it loads
neither sqlite3 nor aiosqlite, so the SQLite names here load on first use.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.core.ports import Persistence
    from bot.store.checks import StoreOpenError
    from bot.store.migrations import MigrationError, SchemaTooNewError
    from bot.store.sqlite import SqliteStore
    from bot.store.writer_lock import DatabaseInUse


async def open_store(
    path: str | Path, *, writer: bool = False, instance: str | None = None
) -> SqliteStore:
    """Open (creating if needed) the database at `path` and apply pending migrations.
    `writer=True` is for the bot process: it refuses a database another process writes.
    `instance` names this process as the owner of the inbox entries it takes."""
    from bot.store.sqlite import SqliteStore

    store = await SqliteStore.open(path, writer=writer)
    store.inbox.owner = instance or store.inbox.owner
    return store


def is_postgres_url(target: str | Path) -> bool:
    """BACKLINE_DB names PostgreSQL (postgresql://... or postgres://...), not a SQLite file."""
    return isinstance(target, str) and target.lower().startswith(("postgresql://", "postgres://"))


async def open_database(
    target: str | Path, *, worker: str | None = None, writer: bool = False
) -> Persistence:
    """The store BACKLINE_DB names: PostgreSQL for a postgresql:// URL (asyncpg loads only
    then; `worker` names this process among those sharing it: many may write), else the
    SQLite file (`writer` as for open_store: one writing process)."""
    if is_postgres_url(target):
        from bot.store.postgres import PostgresStore

        return await PostgresStore.open(str(target), worker=worker)
    return await open_store(target, writer=writer, instance=worker)


def __getattr__(name: str) -> Any:
    if name == "SqliteStore":
        from bot.store.sqlite import SqliteStore

        return SqliteStore
    if name in ("MigrationError", "SchemaTooNewError"):
        from bot.store import migrations

        return getattr(migrations, name)
    if name == "StoreOpenError":
        from bot.store.checks import StoreOpenError

        return StoreOpenError
    if name == "DatabaseInUse":
        from bot.store.writer_lock import DatabaseInUse

        return DatabaseInUse
    raise AttributeError(f"module 'bot.store' has no attribute {name!r}")


__all__ = [
    "DatabaseInUse",
    "MigrationError",
    "SchemaTooNewError",
    "SqliteStore",
    "StoreOpenError",
    "is_postgres_url",
    "open_database",
    "open_store",
]
