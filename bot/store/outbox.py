"""SqliteOutbox: the scheduler's durable outbox (bot.core.ports.Outbox) and the queries that
find who is due, in SQL.

Table `outbox` (migration 0002_scheduler.sql) holds one row per push with the idempotency key
(platform, target, local day, kind) UNIQUE: queueing is INSERT ... ON CONFLICT DO NOTHING, so
however often a window is looked at, a push exists once. Rows move
pending -> sending -> sent | failed, or pending -> missed | skipped; see the migration.

Everything runs on the store's one connection through `Database.atomically/read/write`; reach
it as `SqliteStore.outbox`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import date, datetime, timedelta

from bot.core.ports import (
    FAILED,
    MISSED,
    PENDING,
    PUSH_STATES,
    SENDING,
    SENT,
    NewPush,
    PushRow,
    User,
)
from bot.store.db import Database
from bot.store.rows import USER_COLUMNS, push_from, user_from, utc_iso
from bot.store.unqueued import write_now

_ZONE = "json_extract(settings, '$.timezone')"  # the users_reminder index's first column
_FIELDS = "platform, target, day, kind, user_id, channel_id, chat_id, due_at, state"
_ROW_COLUMNS = (
    "id, platform, target, day, kind, user_id, channel_id, chat_id, due_at, state, attempts,"
    " parts_sent, next_attempt_at, last_error"
)
_ROWS_PER_INSERT = 400  # 11 parameters a row, well under SQLite's limit
_LAST_TICK = "last_tick"
# The redundant IN lets SQLite use the partial index of open rows (outbox_open).
_PENDING = "state IN ('pending', 'sending') AND state = 'pending'"


def _open_rows(skip: Iterable[int], platforms: Sequence[str]) -> tuple[str, list[object]]:
    """WHERE clause for pending rows (on the partial index, see _PENDING); `+platform` keeps
    SQLite from picking the (much larger) unique index instead."""
    skip = list(skip)
    where = f"{_PENDING} AND +platform IN ({','.join('?' * len(platforms))})"
    if skip:
        where += f" AND id NOT IN ({','.join('?' * len(skip))})"
    return where, [*platforms, *skip]


class SqliteOutbox:
    """Implements bot.core.ports.Outbox."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- queueing ----------------------------------------------------------------------------

    async def queue(
        self, pushes: Sequence[NewPush], now: datetime, up_to: datetime | None = None
    ) -> tuple[int, int]:
        """Insert the pushes that don't exist yet and, given `up_to`, move the watermark there,
        in one transaction: a crash leaves both or neither. Returns (pending, missed) added."""
        stamp = utc_iso(now)
        chunks = []
        for start in range(0, len(pushes), _ROWS_PER_INSERT):
            chunk = pushes[start : start + _ROWS_PER_INSERT]
            params: list[object] = []
            for p in chunk:
                due = utc_iso(p.due_at)
                params += [
                    p.platform, p.target, p.day.isoformat(), p.kind, p.user_id,
                    p.channel_id, p.chat_id, due, p.state, due, stamp,
                ]  # fmt: skip
            values = ",".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
            chunks.append((values, params))

        def insert(conn: sqlite3.Connection) -> tuple[int, int]:
            added = {PENDING: 0, MISSED: 0}
            for values, params in chunks:
                rows = conn.execute(
                    f"INSERT INTO outbox ({_FIELDS}, next_attempt_at, updated_at)"
                    f" VALUES {values} ON CONFLICT DO NOTHING RETURNING state",
                    params,
                ).fetchall()
                for (state,) in rows:
                    added[state] += 1
            if up_to is not None:
                conn.execute(
                    "INSERT INTO scheduler_state (key, value) VALUES (?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (_LAST_TICK, utc_iso(up_to)),
                )
            return added[PENDING], added[MISSED]

        # One hop to the database thread for the whole transaction.
        return await self.db.atomically(insert)

    async def last_tick(self) -> datetime | None:
        rows = await self.db.read("SELECT value FROM scheduler_state WHERE key = ?", (_LAST_TICK,))
        return datetime.fromisoformat(rows[0][0]) if rows else None

    # -- delivery ----------------------------------------------------------------------------

    async def recover(self, now: datetime) -> int:
        """After a crash: rows left 'sending' may or may not have reached the platform. They
        go back to pending and delivery resumes after `parts_sent` (at-least-once for the part
        in flight; a row whose every part was sent is then only marked sent); returns how
        many."""
        # Except rest pings: one that may have gone out is not worth a second (at most once).
        rows = await self.db.write(
            "UPDATE outbox SET state = CASE kind WHEN 'rest' THEN 'missed' ELSE 'pending' END,"
            " last_error = CASE kind WHEN 'rest' THEN 'may have been sent before a restart'"
            " ELSE last_error END, updated_at = ? WHERE state = 'sending' RETURNING kind",
            (utc_iso(now),),
        )
        return sum(1 for (kind,) in rows if kind != "rest")

    async def ready(
        self, now: datetime, limit: int, skip: Iterable[int], platforms: Sequence[str]
    ) -> list[PushRow]:
        """Pending rows on `platforms` whose time has come, oldest first, except ids in `skip`."""
        where, params = _open_rows(skip, platforms)
        rows = await self.db.read(
            f"SELECT {_ROW_COLUMNS} FROM outbox WHERE {where} AND next_attempt_at <= ?"
            " ORDER BY next_attempt_at, id LIMIT ?",
            (*params, utc_iso(now), limit),
        )
        return [push_from(r) for r in rows]

    async def next_attempt(self, skip: Iterable[int], platforms: Sequence[str]) -> datetime | None:
        """When the earliest pending row (not in `skip`) on `platforms` becomes ready."""
        where, params = _open_rows(skip, platforms)
        rows = await self.db.read(f"SELECT min(next_attempt_at) FROM outbox WHERE {where}", params)
        value = rows[0][0] if rows else None
        return datetime.fromisoformat(value) if value else None

    async def claim(
        self, now: datetime, limit: int, skip: Iterable[int], platforms: Sequence[str]
    ) -> list[PushRow]:
        """`ready`: one process writes a SQLite file (the writer rule), so every row is ours."""
        return await self.ready(now, limit, skip, platforms)

    async def reclaim(self, now: datetime) -> int:
        return 0  # no other process: `recover` at start covers every row left 'sending'

    async def lead(self) -> bool:
        return True

    async def watch(self, wake: Callable[[], None]) -> None:
        return None  # only this process queues

    async def begin(self, push_id: int, now: datetime) -> bool:
        """A send is about to go out: if we die from here on, the row says so. False when the
        row is no longer pending (another delivery settled it): then don't send."""
        rows = await self.db.write(
            "UPDATE outbox SET state = 'sending', updated_at = ? WHERE id = ? AND state = 'pending'"
            " RETURNING id",
            (utc_iso(now), push_id),
        )
        return bool(rows)

    async def release(self, push_id: int, now: datetime) -> None:
        """Its send never started after all (we stopped while it waited): pending again."""
        await self.db.write(
            "UPDATE outbox SET state = 'pending', updated_at = ?"
            " WHERE id = ? AND state = 'sending'",
            (utc_iso(now), push_id),
        )

    async def part_sent(self, push_id: int, parts: int, done: bool, now: datetime) -> None:
        """`parts` messages of the push are delivered; `done` when that was the last one."""
        # Not behind the queue of updates being applied: see bot/store/unqueued.py.
        await write_now(
            self.db,
            "UPDATE outbox SET parts_sent = ?, state = ?, last_error = NULL, updated_at = ?"
            " WHERE id = ?",
            (parts, SENT if done else SENDING, utc_iso(now), push_id),
        )

    async def rate_limited(self, push_id: int, at: datetime, error: str, now: datetime) -> None:
        """The platform said "later": pending again from `at`; not a failed attempt."""
        await self.db.write(
            "UPDATE outbox SET state = 'pending', next_attempt_at = ?, last_error = ?,"
            " updated_at = ? WHERE id = ?",
            (utc_iso(at), error[:500], utc_iso(now), push_id),
        )

    async def attempt_failed(
        self, push_id: int, error: str, now: datetime, retry_at: datetime | None
    ) -> None:
        """Count a failed attempt; retry from `retry_at`, or give up ('failed') when None."""
        state = PENDING if retry_at is not None else FAILED
        await self.db.write(
            "UPDATE outbox SET state = ?, next_attempt_at = COALESCE(?, next_attempt_at),"
            " last_error = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?",
            (state, utc_iso(retry_at) if retry_at else None, error[:500], utc_iso(now), push_id),
        )

    async def reschedule(self, push_id: int, due_at: datetime, now: datetime) -> None:
        """The person's settings moved this push later: wait for the new time."""
        stamp = utc_iso(due_at)
        await self.db.write(
            "UPDATE outbox SET due_at = ?, next_attempt_at = ?, updated_at = ?"
            " WHERE id = ? AND state = 'pending'",
            (stamp, stamp, utc_iso(now), push_id),
        )

    async def finish(
        self, push_id: int, state: str, now: datetime, error: str | None = None
    ) -> None:
        await self.db.write(
            "UPDATE outbox SET state = ?, last_error = ?, updated_at = ? WHERE id = ?",
            (state, error[:500] if error else None, utc_iso(now), push_id),
        )

    async def expire(self, now: datetime, grace: timedelta) -> int:
        """Unsent rows due longer than `grace` ago become 'missed'; returns how many."""
        rows = await self.db.write(
            "UPDATE outbox SET state = 'missed', last_error = 'past the grace window',"
            " updated_at = ? WHERE state IN ('pending', 'sending') AND due_at < ? RETURNING id",
            (utc_iso(now), utc_iso(now - grace)),
        )
        return len(rows)

    async def prune(self, before: date) -> int:
        """Forget rows for local days before `before` (their keys can't recur by then)."""
        rows = await self.db.write(
            "DELETE FROM outbox WHERE day < ? AND state NOT IN ('pending', 'sending') RETURNING id",
            (before.isoformat(),),
        )
        return len(rows)

    # -- reporting ---------------------------------------------------------------------------

    async def counts(self) -> dict[str, int]:
        rows = await self.db.read("SELECT state, count(*) FROM outbox GROUP BY state")
        found = {state: 0 for state in PUSH_STATES}
        found.update({state: n for state, n in rows})
        return found

    async def pending_count(self) -> int:
        rows = await self.db.read(f"SELECT count(*) FROM outbox WHERE {_PENDING}")
        return int(rows[0][0])

    async def rows(self, **where: object) -> list[PushRow]:
        """Rows matching column = value filters (for reports and tests)."""
        clause = " AND ".join(f"{column} = ?" for column in where) or "1"
        params = [v.isoformat() if isinstance(v, date) else v for v in where.values()]
        rows = await self.db.read(
            f"SELECT {_ROW_COLUMNS} FROM outbox WHERE {clause} ORDER BY id", params
        )
        return [push_from(r) for r in rows]

    # -- who is due --------------------------------------------------------------------------

    async def timezones(self) -> list[str]:
        """Every timezone an active person uses. A skip scan of the users_reminder index:
        one seek per zone for the next zone name, so the tick costs the zones in use, not
        the people registered (DISTINCT would read every index entry: 70-110 ms at 1M)."""
        rows = await self.db.read(
            "WITH RECURSIVE zones(name) AS ("
            f" SELECT (SELECT MIN({_ZONE}) FROM users WHERE active = 1 AND {_ZONE} IS NOT NULL)"
            " UNION ALL"
            f" SELECT (SELECT MIN({_ZONE}) FROM users WHERE active = 1 AND {_ZONE} > zones.name)"
            " FROM zones WHERE zones.name IS NOT NULL"
            ") SELECT name FROM zones WHERE name IS NOT NULL"
        )
        return [r[0] for r in rows if isinstance(r[0], str)]

    async def users_at(
        self, timezone: str, first: str, last: str, page: int = 2000
    ) -> AsyncIterator[list[User]]:
        """Active people in `timezone` whose reminder time ('HH:MM') is in [first, last],
        a page at a time. Keyset pagination along the index (time, id) keeps memory flat and
        each page an index seek; it takes two queries because SQLite won't seek an
        expression index by a row value."""
        select = (
            f"SELECT {USER_COLUMNS}, json_extract(settings, '$.reminder_time') AS at"
            " FROM users WHERE active = 1 AND json_extract(settings, '$.timezone') = ?"
        )
        same_time = (
            f"{select} AND json_extract(settings, '$.reminder_time') = ? AND id > ?"
            " ORDER BY id LIMIT ?"
        )
        later = (
            f"{select} AND json_extract(settings, '$.reminder_time') > ?"
            " AND json_extract(settings, '$.reminder_time') <= ?"
            " ORDER BY json_extract(settings, '$.reminder_time'), id LIMIT ?"
        )
        at, after_id = first, 0
        rows = await self.db.read(same_time, (timezone, at, after_id, page))
        while True:
            if len(rows) < page:
                rows += await self.db.read(later, (timezone, at, last, page - len(rows)))
            if not rows:
                return
            yield [user_from(r) for r in rows]
            if len(rows) < page:
                return
            at, after_id = rows[-1]["at"], rows[-1]["id"]
            rows = await self.db.read(same_time, (timezone, at, after_id, page))
