"""Backline's persistence: SQLite through aiosqlite, behind bot.core.ports.Store.

    store = await open_store("data/backline.db")
    ...
    await store.close()

or `async with await open_store(path) as store: ...`. See bot/store/db.py for running your
own transactions on the same connection, bot/store/migrations.py for adding schema changes.
"""

from __future__ import annotations

from pathlib import Path

from bot.store.migrations import MigrationError, SchemaTooNewError
from bot.store.sqlite import SqliteStore


async def open_store(path: str | Path) -> SqliteStore:
    """Open (creating if needed) the database at `path` and apply pending migrations."""
    return await SqliteStore.open(path)


__all__ = ["MigrationError", "SchemaTooNewError", "SqliteStore", "open_store"]
