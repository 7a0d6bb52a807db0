"""`backline db copy FROM TO`: move a host's data between SQLite and PostgreSQL (either way).

    report = await copy_database("backline.db", "postgresql://backline@db/backline")

Both ends are opened as the bot opens them (so both are migrated to this Backline's schema),
then every table both have is copied row by row with its ids, parents before children (the
foreign keys say which), each value converted to the other side's type (ISO text <-> date and
timestamptz, 0/1 <-> boolean, JSON text <-> jsonb). Afterwards the row counts are compared
table by table, and the id counters are carried over, so an id a forgotten person had is not
handed out again on the other side either.

Rules: a target that holds any row is refused (CopyError) unless `force`, which empties it
first; the source is read in one snapshot; stop the bot while copying (what it writes after
the snapshot would not be in the copy). Columns only one side has (the outbox's claim on
PostgreSQL) are left out; `workers` (who is alive on PostgreSQL) is not data.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bot.store import is_postgres_url, open_database
from bot.store.rows import as_date, as_datetime, utc_iso
from bot.store.sqlite import plan_text

# Not copied: the schema's own bookkeeping, and PostgreSQL's live process registry and send
# ledger (the last seconds' sends of running processes).
_SKIP = {
    "schema_version",
    "sqlite_sequence",
    "workers",
    "send_ledger",
    "send_tokens",
    "send_pauses",
}
_BATCH = 5000


class CopyError(RuntimeError):
    """The copy can't be made (one line for the host); nothing was written."""


@dataclass
class CopyReport:
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows copied (verified)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def describe(target: str | Path) -> str:
    if is_postgres_url(target):
        from bot.store.postgres import redacted

        return redacted(str(target))
    return str(target)


class _End:
    """One side of the copy: its tables, their columns and types, reading and writing."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.postgres = not hasattr(store, "call")

    async def query(self, postgres_sql: str, sqlite_sql: str) -> list[tuple[Any, ...]]:
        """The rows of whichever of the two queries is this side's."""
        if self.postgres:
            return [tuple(r) for r in await self.store.fetch(postgres_sql)]
        return [tuple(r) for r in await self.store.read(sqlite_sql)]

    async def columns(self) -> dict[str, dict[str, str]]:
        """table -> column -> type (lower case), in column order."""
        rows = await self.query(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position",
            "SELECT m.name, c.name, c.type FROM sqlite_master AS m,"
            " pragma_table_info(m.name) AS c WHERE m.type = 'table' ORDER BY m.name, c.cid",
        )
        found: dict[str, dict[str, str]] = {}
        for table, column, kind in rows:
            found.setdefault(table, {})[column] = str(kind).lower()
        return found

    async def parents(self) -> dict[str, set[str]]:
        """table -> the tables its foreign keys point at."""
        rows = await self.query(
            "SELECT tc.table_name, ccu.table_name FROM information_schema.table_constraints"
            " AS tc JOIN information_schema.constraint_column_usage AS ccu"
            " USING (constraint_schema, constraint_name)"
            " WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema()",
            'SELECT m.name, f."table" FROM sqlite_master AS m,'
            " pragma_foreign_key_list(m.name) AS f WHERE m.type = 'table'",
        )
        links: dict[str, set[str]] = {}
        for child, parent in rows:
            links.setdefault(child, set()).add(parent)
        return links

    async def count(self, table: str) -> int:
        sql = f'SELECT count(*) FROM "{table}"'
        return int((await self.query(sql, sql))[0][0])

    async def counters(self) -> dict[str, int]:
        """table -> the highest id ever handed out (for AUTOINCREMENT / identity tables)."""
        rows = await self.query(
            "SELECT c.table_name, s.last_value FROM information_schema.columns AS c"
            " JOIN pg_sequences AS s ON s.schemaname = c.table_schema"
            " AND s.sequencename = pg_get_serial_sequence(c.table_name, c.column_name)"
            "  ::regclass::text"
            " WHERE c.table_schema = current_schema() AND c.is_identity = 'YES'",
            "SELECT name, seq FROM sqlite_sequence",
        )
        return {table: int(value) for table, value in rows if value is not None}


def _order(tables: Iterable[str], parents: dict[str, set[str]]) -> list[str]:
    """Parents before children."""
    left, done = sorted(tables), []
    while left:
        ready = [t for t in left if not (parents.get(t, set()) - {t}) & set(left)]
        if not ready:
            raise CopyError(f"foreign keys between {left} form a cycle; can't order the copy")
        done += ready
        left = [t for t in left if t not in ready]
    return done


def _converter(kind: str, to_postgres: bool) -> Callable[[Any], Any]:
    """How a value of this (target) column type is written on the other side."""
    if to_postgres:
        if kind == "date":
            return as_date
        if kind.startswith("timestamp"):
            return lambda v: as_datetime(v).astimezone(UTC)
        if kind == "boolean":
            return bool
        if kind in ("jsonb", "json"):
            # SQLite keeps plans compressed (bytes): PostgreSQL gets their JSON.
            return lambda v: plan_text(v) if isinstance(v, (str, bytes)) else json.dumps(v)
        if kind in ("bigint", "integer", "smallint"):
            return int
        if kind in ("double precision", "real", "numeric"):
            return float
        return str

    def to_sqlite(value: Any) -> Any:
        if isinstance(value, datetime):
            return utc_iso(value)
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, bool):
            return int(value)
        return value

    return to_sqlite


async def _read_all(end: _End, plan: list[tuple[str, list[str]]]) -> dict[str, list[tuple]]:
    """Every planned table's rows, in one snapshot of the source."""
    found: dict[str, list[tuple]] = {}
    if end.postgres:
        pool = end.store.pool
        async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
            for table, columns in plan:
                names = ", ".join(f'"{c}"' for c in columns)
                rows = await conn.fetch(f'SELECT {names} FROM "{table}"')
                found[table] = [tuple(r) for r in rows]
        return found

    def read(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
        conn.execute("BEGIN")  # deferred: a read snapshot, no write lock (WAL)
        try:
            for table, columns in plan:
                names = ", ".join(f'"{c}"' for c in columns)
                found[table] = [tuple(r) for r in conn.execute(f'SELECT {names} FROM "{table}"')]
        finally:
            conn.execute("COMMIT")
        return found

    result: dict[str, list[tuple]] = await end.store.call(read)
    return result


async def _write_all(
    end: _End,
    plan: list[tuple[str, list[str]]],
    data: dict[str, list[tuple]],
    counters: dict[str, int],
    force: bool,
) -> None:
    """Empty the target (with `force`), insert everything, carry the id counters; one
    transaction, so a failure leaves the target as it was."""
    tables = [t for t, _ in plan]
    if end.postgres:
        async with end.store.transaction() as conn:
            if force:
                for table in reversed(tables):
                    await conn.execute(f'DELETE FROM "{table}"')
            for table, columns in plan:
                if data[table]:
                    await conn.copy_records_to_table(table, records=data[table], columns=columns)
            for table, high in counters.items():
                if table in tables:
                    await conn.execute(
                        "SELECT setval(pg_get_serial_sequence($1, 'id'),"
                        f' GREATEST($2, (SELECT coalesce(max(id), 0) FROM "{table}"), 1))',
                        table,
                        high,
                    )
        return

    def write(conn: sqlite3.Connection) -> None:
        if force:
            for table in reversed(tables):
                conn.execute(f'DELETE FROM "{table}"')
        for table, columns in plan:
            names = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" * len(columns))
            rows = data[table]
            for start in range(0, len(rows), _BATCH):
                conn.executemany(
                    f'INSERT INTO "{table}" ({names}) VALUES ({marks})',
                    rows[start : start + _BATCH],
                )
        counted = {
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%AUTOINCREMENT%'"
            )
        }
        for table, high in counters.items():
            if table in tables and table in counted:
                conn.execute("DELETE FROM sqlite_sequence WHERE name = ?", (table,))
                conn.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES"
                    f' (?, max(?, (SELECT coalesce(max(id), 0) FROM "{table}")))',
                    (table, high),
                )

    await end.store.atomically(write)


async def copy_database(
    source: str | Path, target: str | Path, *, force: bool = False
) -> CopyReport:
    """Copy every row from `source` into `target` (paths or postgresql:// URLs)."""
    if str(source) == str(target):
        raise CopyError("FROM and TO are the same database")
    if not is_postgres_url(source) and not Path(source).is_file():
        raise CopyError(f"no SQLite database at {source}")
    src_store = await open_database(source)
    try:
        dst_store = await open_database(target)
        try:
            return await _copy(_End(src_store), _End(dst_store), force)
        finally:
            await dst_store.close()
    finally:
        await src_store.close()


async def _copy(src: _End, dst: _End, force: bool) -> CopyReport:
    src_columns, dst_columns = await src.columns(), await dst.columns()
    shared = [t for t in src_columns if t in dst_columns and t not in _SKIP]
    parents = await dst.parents()
    plan = []
    for table in _order(shared, parents):
        columns = [c for c in dst_columns[table] if c in src_columns[table]]
        plan.append((table, columns))
    if not force:
        held = {t: n for t, _ in plan if (n := await dst.count(t))}
        if held:
            listed = ", ".join(f"{n} in {t}" for t, n in held.items())
            raise CopyError(
                f"the target already holds data ({listed}); copy into an empty database,"
                " or add --force to replace what it holds"
            )
    data = await _read_all(src, plan)
    for table, columns in plan:
        convert = [_converter(dst_columns[table][c], dst.postgres) for c in columns]
        data[table] = [
            tuple(None if v is None else f(v) for f, v in zip(convert, row, strict=True))
            for row in data[table]
        ]
    await _write_all(dst, plan, data, await src.counters(), force)
    report = CopyReport()
    for table, _ in plan:
        copied = await dst.count(table)
        if copied != len(data[table]):
            raise CopyError(
                f"table {table}: {len(data[table])} rows read but {copied} in the target"
            )
        report.rows[table] = copied
    return report
