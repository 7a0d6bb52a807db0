"""PostgresOutbox: the scheduler's outbox (bot.core.ports.Outbox) on PostgreSQL, shared by
several Backline processes.

Who is alive. Each process that delivers is a *worker*: a row in `workers` (its name, by
default host:pid, or BACKLINE_INSTANCE) whose id is the key of a session advisory lock the
process holds on a connection of its own (the presence connection) for as long as it runs.
PostgreSQL drops that lock the moment the session ends (a SIGKILL closes the socket), so
"worker N is alive" is exactly "lock N is held" (pg_locks), with no heartbeat or clock.

Claims. `claim` takes ready rows with FOR UPDATE SKIP LOCKED and writes this worker's id into
`claimed_by`: two processes never take the same row, and a row stays with its worker while
that worker lives. A worker that died leaves claims nobody holds: `claim` takes those pending
rows at once, and `reclaim` (run by the due-scan leader every few seconds) puts its 'sending'
rows back to pending; a starting process's `recover` also takes back its own (same name).
Every step after the claim (begin, part_sent, ...) only touches a row this worker holds, so
a process that lost its claim (its connection dropped and another took over) can't write
over the new holder. A settled row keeps the id of the worker that settled it (who sent
what, for reports); steps that make a row pending again clear it.

Roles. `take(role)` is True for the one process holding that role's advisory lock
(pg_try_advisory_lock on the presence connection): `lead()` is the due scan's, and the
Telegram adapter takes "telegram-polling" (one getUpdates consumer per token). The others ask
again every few seconds and take over when the holder is gone. `queue` tells every process
through NOTIFY (`watch`) that rows are waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg

from bot.core.ports import (
    FAILED,
    MISSED,
    PENDING,
    PUSH_STATES,
    REST_KIND,
    SENDING,
    SENT,
    NewPush,
    PushRow,
    User,
)
from bot.store.claims import default_owner
from bot.store.postgres.database import PgDatabase, as_columns
from bot.store.rows import USER_COLUMNS, push_from, user_from, utc_iso

log = logging.getLogger(__name__)

WORKER_LOCKS = 0x626C7772  # "blwr": pg_advisory_lock(WORKER_LOCKS, worker id) while alive
ROLE_LOCKS = 0x626C726C  # "blrl": pg_advisory_lock(ROLE_LOCKS, role key) for a one-process role
SCAN = "scan"  # the role of the process that scans for due pushes (`lead`)
CHANNEL = "backline_outbox"
_LAST_TICK = "last_tick"
_ROW_COLUMNS = (
    "id, platform, target, day, kind, user_id, channel_id, chat_id, due_at, state, attempts,"
    " parts_sent, next_attempt_at, last_error"
)
# The ids of the workers alive. Advisory locks are per database; pg_locks shows the whole
# server's.
LIVE_WORKERS = (
    "SELECT objid::text::int FROM pg_locks WHERE locktype = 'advisory' AND granted"
    f" AND classid::text::bigint = {WORKER_LOCKS} AND objsubid = 2"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)
# A row this worker ($me) may take: nobody's, its own, or a dead worker's.
_FREE = f"(claimed_by IS NULL OR claimed_by = $me OR claimed_by NOT IN ({LIVE_WORKERS}))"
# Rows a crash left 'sending' go out again (at least once), except rest pings: one that may
# have gone out is not worth a second (at most once), as on SQLite.
_BACK_TO_PENDING = (
    "UPDATE outbox SET claimed_by = NULL, updated_at = $1,"
    " state = CASE kind WHEN 'rest' THEN 'missed' ELSE 'pending' END,"
    " last_error = CASE kind WHEN 'rest' THEN 'may have been sent before a restart'"
    " ELSE last_error END"
)
# A row this worker may write: its own (or nobody's: steps called without a claim).
_MINE = "(claimed_by IS NULL OR claimed_by = $me)"


class WorkerNameTaken(RuntimeError):
    """Another running process uses this worker name (BACKLINE_INSTANCE must be unique)."""


def default_worker_name() -> str:
    return default_owner()  # the inbox's owner name too (bot/store/claims.py)


def role_key(role: str) -> int:
    """The second half of a role's advisory lock key (stable across processes)."""
    return zlib.crc32(role.encode()) & 0x7FFFFFFF


def _sql(text: str, me: int) -> str:
    return text.replace("$me", str(int(me)))


class PostgresOutbox:
    """Implements bot.core.ports.Outbox; reach it as `PostgresStore.outbox`."""

    def __init__(self, db: PgDatabase) -> None:
        self.db = db
        self.name = default_worker_name()
        self.worker_id: int | None = None
        self._conn: asyncpg.Connection | None = None  # the presence connection
        self._lock = asyncio.Lock()
        self._roles: set[str] = set()  # roles this process holds (see `take`)
        self._watchers: list[Callable[[], None]] = []

    # -- presence and leadership ---------------------------------------------------------

    async def _me(self) -> int:
        """This worker's id, with its presence connection and lock in place."""
        async with self._lock:
            return await self._present()

    async def _present(self) -> int:
        if self._conn is not None and not self._conn.is_closed() and self.worker_id is not None:
            return self.worker_id
        self._roles.clear()
        conn = await asyncpg.connect(
            self.db.url, server_settings={"application_name": f"backline {self.name}"}
        )
        try:
            worker = await conn.fetchval(
                "INSERT INTO workers (name, first_seen, last_seen) VALUES ($1, now(), now())"
                " ON CONFLICT (name) DO UPDATE SET last_seen = now() RETURNING id",
                self.name,
            )
            if not await conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", WORKER_LOCKS, worker):
                raise WorkerNameTaken(
                    f"another running Backline process uses the name {self.name!r}:"
                    " give each process its own BACKLINE_INSTANCE"
                )
            await conn.add_listener(CHANNEL, self._notified)
        except BaseException:
            await conn.close()
            raise
        self._conn, self.worker_id = conn, int(worker)
        return self.worker_id

    async def present(self) -> str:
        """This process's name, once the others can see it is alive (its presence lock)."""
        await self._me()
        return self.name

    def _notified(self, *_: Any) -> None:
        for wake in self._watchers:
            wake()

    async def take(self, role: str) -> bool:
        """True while this process holds `role`, a job only one process may do at a time (the
        due scan, Telegram's long polling): taken when free, kept until the process stops."""
        async with self._lock:
            try:
                await self._present()
                assert self._conn is not None
                if role in self._roles:
                    await self._conn.fetchval("SELECT 1")  # still connected, so still ours
                elif await self._conn.fetchval(
                    "SELECT pg_try_advisory_lock($1, $2)", ROLE_LOCKS, role_key(role)
                ):
                    self._roles.add(role)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                log.warning("lost the presence connection to PostgreSQL; reconnecting")
                await self._drop_presence()
                return False
            return role in self._roles

    async def lead(self) -> bool:
        """True while this process is the one running the due scan (takes it if free)."""
        return await self.take(SCAN)

    async def watch(self, wake: Callable[[], None]) -> None:
        """Call `wake` whenever any process queues pushes (NOTIFY)."""
        self._watchers.append(wake)
        await self._me()

    async def _drop_presence(self) -> None:
        conn, self._conn = self._conn, None
        self._roles.clear()
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)

    async def close(self) -> None:
        async with self._lock:
            await self._drop_presence()

    # -- queueing ----------------------------------------------------------------------------

    async def queue(
        self, pushes: Sequence[NewPush], now: datetime, up_to: datetime | None = None
    ) -> tuple[int, int]:
        async with self.db.transaction() as conn:
            rows = []
            if pushes:
                rows = await conn.fetch(
                    "INSERT INTO outbox (platform, target, day, kind, user_id, channel_id,"
                    " chat_id, due_at, state, next_attempt_at, updated_at)"
                    " SELECT *, d, $10 FROM unnest($1::text[], $2::text[], $3::date[],"
                    "  $4::text[], $5::bigint[], $6::bigint[], $7::text[], $8::timestamptz[],"
                    "  $9::text[]) AS x(p, t, y, k, u, c, h, d, s)"
                    " ON CONFLICT DO NOTHING RETURNING state",
                    *as_columns(
                        pushes,
                        "platform",
                        "target",
                        "day",
                        "kind",
                        "user_id",
                        "channel_id",
                        "chat_id",
                        "due_at",
                        "state",
                    ),
                    now,
                )
            if up_to is not None:
                await conn.execute(
                    "INSERT INTO scheduler_state (key, value) VALUES ($1, $2)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    _LAST_TICK,
                    utc_iso(up_to),
                )
            added = {PENDING: 0, MISSED: 0}
            for (state,) in rows:
                added[state] += 1
            if added[PENDING]:
                await conn.execute("SELECT pg_notify($1, '')", CHANNEL)  # sent on commit
        return added[PENDING], added[MISSED]

    async def last_tick(self) -> datetime | None:
        value = await self.db.fetchval(
            "SELECT value FROM scheduler_state WHERE key = $1", _LAST_TICK
        )
        return datetime.fromisoformat(value) if value else None

    # -- claims --------------------------------------------------------------------------

    async def claim(
        self, now: datetime, limit: int, skip: Iterable[int], platforms: Sequence[str]
    ) -> list[PushRow]:
        me = await self._me()
        rows = await self.db.fetch(
            _sql(
                "UPDATE outbox SET claimed_by = $me FROM ("
                "  SELECT id FROM outbox WHERE state = 'pending' AND platform = ANY($1::text[])"
                "  AND next_attempt_at <= $2 AND NOT id = ANY($3::bigint[])"
                f"  AND {_FREE} ORDER BY next_attempt_at, id LIMIT $4"
                "  FOR UPDATE SKIP LOCKED) AS picked"
                " WHERE outbox.id = picked.id"
                f" RETURNING {', '.join('outbox.' + c for c in _ROW_COLUMNS.split(', '))}",
                me,
            ),
            list(platforms),
            now,
            list(skip),
            limit,
        )
        return sorted((push_from(r) for r in rows), key=lambda r: (r.next_attempt_at, r.id))

    async def recover(self, now: datetime) -> int:
        """At start: rows left 'sending' by this worker's previous run (same name) or by any
        worker that is gone go back to pending; returns how many. Another live process's
        sends in flight stay as they are."""
        me = await self._me()
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET claimed_by = NULL WHERE state = 'pending' AND claimed_by = $1",
                me,
            )
            rows = await conn.fetch(
                _sql(f"{_BACK_TO_PENDING} WHERE state = 'sending' AND {_FREE} RETURNING kind", me),
                now,
            )
        return sum(1 for (kind,) in rows if kind != REST_KIND)

    async def reclaim(self, now: datetime) -> int:
        """Rows left 'sending' by workers that are gone go back to pending; returns how many."""
        await self._me()
        rows = await self.db.fetch(
            f"{_BACK_TO_PENDING} WHERE state = 'sending' AND claimed_by NOT IN ({LIVE_WORKERS})"
            " RETURNING kind",
            now,
        )
        resent = sum(1 for (kind,) in rows if kind != REST_KIND)
        if resent:
            log.warning("%s pushes of a stopped process will be sent again", resent)
        return resent

    # -- delivery ----------------------------------------------------------------------------

    async def ready(
        self, now: datetime, limit: int, skip: Iterable[int], platforms: Sequence[str]
    ) -> list[PushRow]:
        rows = await self.db.fetch(
            f"SELECT {_ROW_COLUMNS} FROM outbox WHERE state = 'pending'"
            " AND platform = ANY($1::text[]) AND NOT id = ANY($2::bigint[])"
            " AND next_attempt_at <= $3 ORDER BY next_attempt_at, id LIMIT $4",
            list(platforms),
            list(skip),
            now,
            limit if limit >= 0 else None,  # as SQLite's LIMIT -1: no limit
        )
        return [push_from(r) for r in rows]

    async def next_attempt(self, skip: Iterable[int], platforms: Sequence[str]) -> datetime | None:
        """The earliest pending row this worker could take (others' live claims excluded)."""
        me = await self._me()
        return await self.db.fetchval(  # type: ignore[no-any-return]
            _sql(
                "SELECT min(next_attempt_at) FROM outbox WHERE state = 'pending'"
                f" AND platform = ANY($1::text[]) AND NOT id = ANY($2::bigint[]) AND {_FREE}",
                me,
            ),
            list(platforms),
            list(skip),
        )

    async def _step(self, sql: str, *args: Any, where: str = "true") -> None:
        """An UPDATE of one row (id = $1) that this worker holds."""
        me = await self._me()
        await self.db.fetch(_sql(f"{sql} WHERE id = $1 AND {_MINE} AND {where}", me), *args)

    async def begin(self, push_id: int, now: datetime) -> bool:
        """'sending', if the row is still pending and not someone else's: else False."""
        me = await self._me()
        rows = await self.db.fetch(
            "UPDATE outbox SET state = 'sending', claimed_by = $3, updated_at = $2"
            " WHERE id = $1 AND state = 'pending' AND (claimed_by IS NULL OR claimed_by = $3)"
            " RETURNING id",
            push_id,
            now,
            me,
        )
        return bool(rows)

    async def release(self, push_id: int, now: datetime) -> None:
        # A 'sending' row is pending again; a pending one only loses the claim.
        await self._step(
            "UPDATE outbox SET state = 'pending', claimed_by = NULL, updated_at = $2",
            push_id,
            now,
            where="state IN ('pending', 'sending')",
        )

    async def part_sent(self, push_id: int, parts: int, done: bool, now: datetime) -> None:
        await self._step(
            "UPDATE outbox SET parts_sent = $2, state = $3, last_error = NULL, updated_at = $4",
            push_id,
            parts,
            SENT if done else SENDING,
            now,
        )

    async def rate_limited(self, push_id: int, at: datetime, error: str, now: datetime) -> None:
        await self._step(
            "UPDATE outbox SET state = 'pending', next_attempt_at = $2, last_error = $3,"
            " updated_at = $4, claimed_by = NULL",
            push_id,
            at,
            error[:500],
            now,
        )

    async def attempt_failed(
        self, push_id: int, error: str, now: datetime, retry_at: datetime | None
    ) -> None:
        await self._step(
            "UPDATE outbox SET state = $2, next_attempt_at = COALESCE($3, next_attempt_at),"
            " last_error = $4, attempts = attempts + 1, updated_at = $5, claimed_by = NULL",
            push_id,
            PENDING if retry_at is not None else FAILED,
            retry_at,
            error[:500],
            now,
        )

    async def reschedule(self, push_id: int, due_at: datetime, now: datetime) -> None:
        await self._step(
            "UPDATE outbox SET due_at = $2, next_attempt_at = $2, updated_at = $3,"
            " claimed_by = NULL",
            push_id,
            due_at,
            now,
            where="state = 'pending'",
        )

    async def finish(
        self, push_id: int, state: str, now: datetime, error: str | None = None
    ) -> None:
        await self._step(
            "UPDATE outbox SET state = $2, last_error = $3, updated_at = $4",
            push_id,
            state,
            error[:500] if error else None,
            now,
        )

    async def expire(self, now: datetime, grace: timedelta) -> int:
        rows = await self.db.fetch(
            "UPDATE outbox SET state = 'missed', last_error = 'past the grace window',"
            " updated_at = $1, claimed_by = NULL"
            " WHERE state IN ('pending', 'sending') AND due_at < $2 RETURNING id",
            now,
            now - grace,
        )
        return len(rows)

    async def prune(self, before: date) -> int:
        rows = await self.db.fetch(
            "DELETE FROM outbox WHERE day < $1 AND state NOT IN ('pending', 'sending')"
            " RETURNING id",
            before,
        )
        return len(rows)

    # -- reporting ---------------------------------------------------------------------------

    async def counts(self) -> dict[str, int]:
        rows = await self.db.fetch("SELECT state, count(*) FROM outbox GROUP BY state")
        found = {state: 0 for state in PUSH_STATES}
        found.update({state: int(n) for state, n in rows})
        return found

    async def pending_count(self) -> int:
        return int(await self.db.fetchval("SELECT count(*) FROM outbox WHERE state = 'pending'"))

    async def rows(self, **where: object) -> list[PushRow]:
        allowed = set(_ROW_COLUMNS.split(", "))
        unknown = set(where) - allowed
        if unknown:
            raise ValueError(f"no outbox column {sorted(unknown)}")
        clause = " AND ".join(f"{column} = ${n}" for n, column in enumerate(where, 1)) or "true"
        rows = await self.db.fetch(
            f"SELECT {_ROW_COLUMNS} FROM outbox WHERE {clause} ORDER BY id", *where.values()
        )
        return [push_from(r) for r in rows]

    # -- who is due --------------------------------------------------------------------------

    async def timezones(self) -> list[str]:
        rows = await self.db.fetch(
            "SELECT DISTINCT settings ->> 'timezone' FROM users WHERE active"
        )
        return [r[0] for r in rows if isinstance(r[0], str)]

    async def users_at(
        self, timezone: str, first: str, last: str, page: int = 2000
    ) -> AsyncIterator[list[User]]:
        """Keyset pagination along users_reminder (timezone, time, id): one seek per page."""
        at, after_id = first, 0
        while True:
            rows = await self.db.fetch(
                f"SELECT {USER_COLUMNS}, settings ->> 'reminder_time' AS at FROM users"
                " WHERE active AND settings ->> 'timezone' = $1"
                " AND (settings ->> 'reminder_time', id) >= ($2, $3)"
                " AND settings ->> 'reminder_time' <= $4"
                " ORDER BY settings ->> 'reminder_time', id LIMIT $5",
                timezone,
                at,
                after_id,
                last,
                page,
            )
            if not rows:
                return
            yield [user_from(r) for r in rows]
            if len(rows) < page:
                return
            at, after_id = rows[-1]["at"], rows[-1]["id"] + 1
