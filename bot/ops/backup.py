"""Online backups with SQLite's backup API: consistent while the bot keeps writing.

The copy is taken in one step inside a read transaction (WAL lets writers carry on), checked
with `PRAGMA integrity_check`, switched to a plain rollback journal so it is one
self-contained file, and only then moved into place: a failed backup never leaves a
half-written file where the host expects a good one.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.store import SqliteStore, open_store


class BackupError(RuntimeError):
    """The backup could not be made; nothing was written at the target."""


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    bytes: int
    schema_version: int


async def backup_database(db_path: Path, target: Path) -> BackupResult:
    """Back up the database at `db_path` (which the bot may be using) to `target`."""
    if not db_path.is_file():
        raise BackupError(f"no database at {db_path} (check BACKLINE_DB)")
    target = _target_file(target)  # before opening: a typo in PATH changes nothing
    store = await open_store(db_path)
    try:
        return await backup_store(store, target)
    finally:
        await store.close()


async def backup_store(store: SqliteStore, target: Path) -> BackupResult:
    """Back up through an open store's connection, on its database thread."""
    target = _target_file(target)
    partial = target.with_name(f".{target.name}.partial")
    try:
        version = await store.call(lambda conn: _copy(conn, partial))
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupResult(target, target.stat().st_size, version)


def _target_file(target: Path) -> Path:
    if target.is_dir():
        from datetime import UTC, datetime

        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        return target / f"backline-{stamp}.db"
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    return target


def _copy(source: sqlite3.Connection, partial: Path) -> int:
    partial.unlink(missing_ok=True)
    dest = sqlite3.connect(partial, isolation_level=None)
    try:
        source.backup(dest)  # all pages in one step: one consistent snapshot
        dest.execute("PRAGMA journal_mode = DELETE")  # one file, no -wal beside it
        problems = [row[0] for row in dest.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupError("the copy failed its integrity check: " + "; ".join(problems[:5]))
        (version,) = dest.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
    finally:
        dest.close()
    return int(version)
