"""Versioned schema migrations: `bot/store/migrations/NNNN_name.sql`, applied in order.

Adding a migration = dropping a new file next to the others (e.g. `0002_outbox.sql`); nothing
else to register. Rules for a migration file:

- the name is `NNNN_name.sql` (four digits, lower-case name); numbers are unique;
- plain SQL statements separated by `;` (triggers with BEGIN ... END are fine);
- no BEGIN/COMMIT of its own: the runner wraps each file in one BEGIN IMMEDIATE ... COMMIT
  together with its row in `schema_version`, so a failing file leaves no trace;
- never edit a file that has shipped; add a new one instead.

Opening a database recorded at a version this code doesn't know (a newer Backline wrote it)
raises `SchemaTooNewError` before anything is touched.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from importlib.resources.abc import Traversable

import aiosqlite

_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(RuntimeError):
    """The migration files are malformed or one of them failed to apply."""


class SchemaTooNewError(MigrationError):
    """The database was written by a newer Backline than the one running."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str  # the file name, e.g. "0001_initial.sql"
    sql: str

    def statements(self) -> list[str]:
        return split_statements(self.sql, self.name)


def default_folder() -> Traversable:
    # importlib.resources so the files are found inside an installed wheel too.
    return resources.files("bot.store").joinpath("migrations")


def discover(folder: Traversable | None = None) -> list[Migration]:
    """All migration files in `folder`, ordered by version."""
    folder = folder or default_folder()
    found: dict[int, Migration] = {}
    for entry in folder.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        match = _FILE_NAME.match(entry.name)
        if match is None:
            raise MigrationError(
                f"migration file {entry.name!r}: name must look like 0002_what_it_does.sql"
            )
        version = int(match.group(1))
        if version in found:
            raise MigrationError(
                f"migration files {found[version].name!r} and {entry.name!r} share version "
                f"{version}; renumber one of them"
            )
        found[version] = Migration(version, entry.name, entry.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


def split_statements(sql: str, name: str = "<sql>") -> list[str]:
    """Split a script into single statements (sqlite3 `execute` runs one at a time).

    `sqlite3.complete_statement` knows about strings, comments and trigger bodies, so a `;`
    inside those doesn't end a statement.
    """
    statements: list[str] = []
    pending = ""
    *pieces, tail = sql.split(";")
    for piece in pieces:
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if _has_code(pending):
                statements.append(pending.strip())
            pending = ""
    if _has_code(pending + tail):
        raise MigrationError(f"migration {name}: the last statement has no closing ';'")
    return statements


def _has_code(text: str) -> bool:
    for line in text.splitlines():
        code = line.split("--", 1)[0].strip().strip(";").strip()
        if code:
            return True
    return False


async def applied_versions(conn: aiosqlite.Connection) -> set[int]:
    await conn.execute_fetchall(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    rows = await conn.execute_fetchall("SELECT version FROM schema_version")
    return {int(row[0]) for row in rows}


def check_known(applied: set[int], migrations: list[Migration]) -> None:
    """Refuse a database recorded at versions these migration files don't have (both stores)."""
    known = {m.version for m in migrations}
    unknown = sorted(applied - known)
    if unknown:
        newest_known = max(known, default=0)
        if unknown[-1] > newest_known:
            raise SchemaTooNewError(
                f"this database is at schema version {max(applied)}, but this Backline only "
                f"knows versions up to {newest_known}. It was written by a newer Backline: "
                "upgrade Backline (or restore a backup made with this version) to open it."
            )
        raise MigrationError(
            f"this database records schema versions {unknown} that this Backline has no "
            "migration files for; the migrations folder is incomplete"
        )


async def migrate(
    conn: aiosqlite.Connection, migrations: list[Migration] | None = None
) -> list[int]:
    """Bring the database up to date; returns the versions applied now (oldest first).

    `conn` must be in autocommit mode (isolation_level=None) and not shared yet.
    """
    migrations = discover() if migrations is None else migrations
    applied = await applied_versions(conn)
    check_known(applied, migrations)

    done: list[int] = []
    for migration in migrations:
        if migration.version in applied:
            continue
        if await _apply(conn, migration):
            done.append(migration.version)
    return done


async def _apply(conn: aiosqlite.Connection, migration: Migration) -> bool:
    statements = migration.statements()
    await conn.execute_fetchall("BEGIN IMMEDIATE")
    try:
        # Another process may have applied it while we waited for the write lock.
        already = await conn.execute_fetchall(
            "SELECT 1 FROM schema_version WHERE version = ?", (migration.version,)
        )
        if already:
            await conn.execute_fetchall("ROLLBACK")
            return False
        for statement in statements:
            await conn.execute_fetchall(statement)
        await conn.execute_fetchall(
            "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
            (migration.version, migration.name, datetime.now(UTC).isoformat()),
        )
        await conn.execute_fetchall("COMMIT")
    except BaseException as exc:
        if conn.in_transaction:
            await conn.execute_fetchall("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise MigrationError(f"migration {migration.name} failed: {exc}") from exc
        raise
    return True
