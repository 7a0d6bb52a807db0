"""SqliteInbox: the durable inbox of inbound updates (bot.core.ports.Inbox) in SQL.

Table `inbox` (migration 0008_inbox.sql), one row per delivery, UNIQUE (platform, event_id):
taking a batch is INSERT ... ON CONFLICT DO NOTHING in one transaction, so a redelivery is
stored once. `apply` holds one store transaction around the coach's handling: everything the
handling writes through the store (it runs in the same task, so its calls join the
transaction; multi-statement writes become savepoints) and the row's 'applied' mark with the
answer commit together, or roll back together. Reach it as `SqliteStore.inbox`.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.core.ports import ANSWERED, APPLIED, NEW, Arrival, InboxEntry
from bot.store.rows import INBOX_COLUMNS, inbox_entry_from, now_iso, to_json, utc_iso
from bot.store.unqueued import write_now

if TYPE_CHECKING:
    from bot.store.sqlite import SqliteStore

_ROWS_PER_INSERT = 150  # 6 parameters a row, well under SQLite's limit


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

    async def take(self, arrivals: Sequence[Arrival]) -> list[InboxEntry]:
        if not arrivals:
            return []
        await self._prune_now_and_then()
        now = now_iso()

        def insert(conn: sqlite3.Connection) -> list[sqlite3.Row]:
            taken: list[sqlite3.Row] = []
            for start in range(0, len(arrivals), _ROWS_PER_INSERT):
                chunk = arrivals[start : start + _ROWS_PER_INSERT]
                marks = ", ".join("(?, ?, ?, ?, ?, ?)" for _ in chunk)
                params: list[object] = []
                for a in chunk:
                    params += [a.platform, a.event_id, a.chat_key, a.payload, now, now]
                taken += conn.execute(
                    "INSERT INTO inbox"
                    " (platform, event_id, chat_key, payload, received_at, updated_at)"
                    f" VALUES {marks} ON CONFLICT (platform, event_id) DO NOTHING"
                    f" RETURNING {INBOX_COLUMNS}",
                    params,
                ).fetchall()
            return taken

        rows = await self.store.atomically(insert)
        return sorted((inbox_entry_from(r) for r in rows), key=lambda e: e.id)

    async def unfinished(self, platform: str) -> list[InboxEntry]:
        rows = await self.store.read(
            f"SELECT {INBOX_COLUMNS} FROM inbox WHERE platform = ? AND state <> ? ORDER BY id",
            (platform, ANSWERED),
        )
        return [inbox_entry_from(r) for r in rows]

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
                rows = await store.read(
                    f"SELECT {INBOX_COLUMNS} FROM inbox WHERE id = ?", (entry_id,)
                )
                if not rows:
                    return None
                if rows[0]["state"] != NEW:
                    return inbox_entry_from(rows[0])
                answer = await work()
                done = await store.write(
                    "UPDATE inbox SET state = ?, answer = ?, sent = 0, updated_at = ?"
                    f" WHERE id = ? RETURNING {INBOX_COLUMNS}",
                    (APPLIED, to_json(answer), now_iso(), entry_id),
                )
                return inbox_entry_from(done[0])
        except BaseException:
            store.forget_cached_plans()  # a plan saved inside was rolled back with the rest
            raise

    async def answered(self, entry_id: int, sent: int, done: bool) -> None:
        # Not behind the queue of entries being applied: see bot/store/unqueued.py.
        if done:
            await write_now(
                self.store,
                "UPDATE inbox SET state = ?, sent = ?, payload = '', answer = NULL,"
                " updated_at = ? WHERE id = ?",
                (ANSWERED, sent, now_iso(), entry_id),
            )
            return
        await write_now(
            self.store,
            "UPDATE inbox SET sent = ?, updated_at = ? WHERE id = ? AND state = ?",
            (sent, now_iso(), entry_id, APPLIED),
        )

    async def prune(self, before: datetime) -> int:
        rows = await self.store.write(
            "DELETE FROM inbox WHERE state = ? AND updated_at < ? RETURNING id",
            (ANSWERED, utc_iso(before)),
        )
        return len(rows)
