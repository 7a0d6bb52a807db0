"""SqliteInbox: the durable inbox of inbound updates (bot.core.ports.Inbox) in SQL.

Table `inbox` (migration 0008_inbox.sql), one row per delivery, UNIQUE (platform, event_id):
taking a batch is INSERT ... ON CONFLICT DO NOTHING in one transaction, so a redelivery is
stored once. `apply` holds one store transaction around the coach's handling: everything the
handling writes through the store (it runs in the same task, so its calls join the
transaction; multi-statement writes become savepoints) and the row's 'applied' mark with the
answer commit together, or roll back together. Reach it as `SqliteStore.inbox`.

Claims (bot/store/claims.py, migration 0010): the running bot holds the writer lock, so it is
the database's only process and every other owner's entries are its own to finish; a store
opened without the lock (tools, tests) goes by the owners' leases.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.core.ports import ANSWERED, APPLIED, NEW, Arrival, InboxEntry
from bot.store.claims import default_owner, lease_end
from bot.store.rows import INBOX_COLUMNS, inbox_entry_from, to_json, utc_iso
from bot.store.unqueued import write_now

if TYPE_CHECKING:
    from bot.store.sqlite import SqliteStore

_ROWS_PER_INSERT = 110  # 8 parameters a row, well under SQLite's limit
# An entry this process may handle (? = owner, now, and whether it is the only process).
_MAY_TAKE = "(claimed_by IS NULL OR claimed_by = ? OR lease_until < ? OR ?)"
# An entry this process holds (? = owner): only it records progress.
_HOLDS = "(claimed_by IS NULL OR claimed_by = ?)"


class InboxPruning:
    """Finished entries are deleted now and then as updates arrive (SQLite's and PostgreSQL's
    inbox share this)."""

    # Telegram keeps an unconfirmed update for 24 hours; finished keys outlive that.
    RETENTION = timedelta(days=3)
    PRUNE_INTERVAL_SECONDS = 600.0
    _last_prune: float | None = None

    async def prune(self, before: datetime) -> int:
        raise NotImplementedError

    async def _prune_now_and_then(self) -> None:
        now = time.monotonic()
        if self._last_prune is not None and now - self._last_prune < self.PRUNE_INTERVAL_SECONDS:
            return
        self._last_prune = now
        await self.prune(datetime.now(UTC) - self.RETENTION)


class SqliteInbox(InboxPruning):
    """Implements bot.core.ports.Inbox."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        self.owner = default_owner()

    def _may_take(self, now: datetime) -> tuple[str, str, bool]:
        return self.owner, utc_iso(now), self.store.sole_writer

    async def take(self, arrivals: Sequence[Arrival]) -> list[InboxEntry]:
        if not arrivals:
            return []
        await self._prune_now_and_then()
        moment = datetime.now(UTC)
        now, lease = utc_iso(moment), utc_iso(lease_end(moment))

        def insert(conn: sqlite3.Connection) -> list[sqlite3.Row]:
            taken: list[sqlite3.Row] = []
            for start in range(0, len(arrivals), _ROWS_PER_INSERT):
                chunk = arrivals[start : start + _ROWS_PER_INSERT]
                marks = ", ".join("(?, ?, ?, ?, ?, ?, ?, ?)" for _ in chunk)
                params: list[object] = []
                for a in chunk:
                    params += [a.platform, a.event_id, a.chat_key, a.payload, now, now]
                    params += [self.owner, lease]
                taken += conn.execute(
                    "INSERT INTO inbox (platform, event_id, chat_key, payload, received_at,"
                    " updated_at, claimed_by, lease_until)"
                    f" VALUES {marks} ON CONFLICT (platform, event_id) DO NOTHING"
                    f" RETURNING {INBOX_COLUMNS}",
                    params,
                ).fetchall()
            return taken

        rows = await self.store.atomically(insert)
        return sorted((inbox_entry_from(r) for r in rows), key=lambda e: e.id)

    async def unfinished(self, platform: str) -> list[InboxEntry]:
        now = datetime.now(UTC)
        rows = await self.store.write(
            "UPDATE inbox SET claimed_by = ?, lease_until = ?"
            f" WHERE platform = ? AND state <> ? AND {_MAY_TAKE} RETURNING {INBOX_COLUMNS}",
            (self.owner, utc_iso(lease_end(now)), platform, ANSWERED, *self._may_take(now)),
        )
        return sorted((inbox_entry_from(r) for r in rows), key=lambda e: e.id)

    async def entry(self, platform: str, event_id: str) -> InboxEntry | None:
        rows = await self.store.read(
            f"SELECT {INBOX_COLUMNS} FROM inbox WHERE platform = ? AND event_id = ?",
            (platform, event_id),
        )
        return inbox_entry_from(rows[0]) if rows else None

    async def apply(
        self, entry_id: int, work: Callable[[], Awaitable[dict[str, Any]]]
    ) -> InboxEntry | None:
        store = self.store
        try:
            async with store.transaction():
                now = datetime.now(UTC)
                rows = await store.write(
                    "UPDATE inbox SET claimed_by = ?, lease_until = ?"
                    f" WHERE id = ? AND {_MAY_TAKE} RETURNING {INBOX_COLUMNS}",
                    (self.owner, utc_iso(lease_end(now)), entry_id, *self._may_take(now)),
                )
                if not rows:
                    return None  # unknown, or another process's
                if rows[0]["state"] != NEW:
                    return inbox_entry_from(rows[0])
                answer = await work()
                done = await store.write(
                    "UPDATE inbox SET state = ?, answer = ?, sent = 0, updated_at = ?"
                    f" WHERE id = ? RETURNING {INBOX_COLUMNS}",
                    (APPLIED, to_json(answer), utc_iso(datetime.now(UTC)), entry_id),
                )
                return inbox_entry_from(done[0])
        except BaseException:
            store.forget_cached_plans()  # a plan saved inside was rolled back with the rest
            raise

    async def answered(self, entry_id: int, sent: int, done: bool) -> bool:
        # Not behind the queue of entries being applied: see bot/store/unqueued.py.
        now = datetime.now(UTC)
        if done:
            changed = await write_now(
                self.store,
                "UPDATE inbox SET state = ?, sent = ?, payload = '', answer = NULL,"
                f" lease_until = NULL, updated_at = ? WHERE id = ? AND {_HOLDS}",
                (ANSWERED, sent, utc_iso(now), entry_id, self.owner),
            )
            return changed > 0
        changed = await write_now(
            self.store,
            "UPDATE inbox SET sent = ?, lease_until = ?, updated_at = ?"
            f" WHERE id = ? AND state = ? AND {_HOLDS}",
            (sent, utc_iso(lease_end(now)), utc_iso(now), entry_id, APPLIED, self.owner),
        )
        return changed > 0

    async def prune(self, before: datetime) -> int:
        rows = await self.store.write(
            "DELETE FROM inbox WHERE state = ? AND updated_at < ? RETURNING id",
            (ANSWERED, utc_iso(before)),
        )
        return len(rows)
