"""PostgresInbox: the durable inbox (bot.core.ports.Inbox) on PostgreSQL, the twin of
bot/store/inbox.py (table `inbox`, migration 0008_inbox.sql).

`apply` holds one transaction on one pooled connection for the whole handling
(PgDatabase.holding): every store call the handling makes runs on that connection, as a
savepoint of it, so the handling's writes and the row's 'applied' mark with the answer commit
together or roll back together. The row is locked first (FOR UPDATE): another process applying
the same entry waits, then finds it applied and does not run the work again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.core.ports import ANSWERED, APPLIED, NEW, Arrival, InboxEntry
from bot.store.inbox import InboxPruning
from bot.store.postgres.database import PgDatabase, as_columns
from bot.store.rows import INBOX_COLUMNS, inbox_entry_from, to_json

# One INSERT for the whole batch, in order; a redelivery (a known key) is skipped.
_TAKE = (
    "INSERT INTO inbox (platform, event_id, chat_key, payload, received_at, updated_at)"
    " SELECT p, e, c, d, $5, $5 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])"
    " WITH ORDINALITY AS t(p, e, c, d, o) ORDER BY o"
    f" ON CONFLICT (platform, event_id) DO NOTHING RETURNING {INBOX_COLUMNS}"
)


class PostgresInbox(InboxPruning):
    """Implements bot.core.ports.Inbox."""

    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    async def take(self, arrivals: Sequence[Arrival]) -> list[InboxEntry]:
        if not arrivals:
            return []
        await self._prune_now_and_then()
        columns = as_columns(arrivals, "platform", "event_id", "chat_key", "payload")
        rows = await self.db.fetch(_TAKE, *columns, datetime.now(UTC))
        return sorted((inbox_entry_from(r) for r in rows), key=lambda e: e.id)

    async def unfinished(self, platform: str) -> list[InboxEntry]:
        rows = await self.db.fetch(
            f"SELECT {INBOX_COLUMNS} FROM inbox WHERE platform = $1 AND state <> $2 ORDER BY id",
            platform,
            ANSWERED,
        )
        return [inbox_entry_from(r) for r in rows]

    async def entry(self, platform: str, event_id: str) -> InboxEntry | None:
        rows = await self.db.fetch(
            f"SELECT {INBOX_COLUMNS} FROM inbox WHERE platform = $1 AND event_id = $2",
            platform,
            event_id,
        )
        return inbox_entry_from(rows[0]) if rows else None

    async def apply(
        self, entry_id: int, work: Callable[[], Awaitable[dict[str, Any]]]
    ) -> InboxEntry | None:
        async with self.db.holding() as conn:
            row = await conn.fetchrow(
                f"SELECT {INBOX_COLUMNS} FROM inbox WHERE id = $1 FOR UPDATE", entry_id
            )
            if row is None:
                return None
            if row["state"] != NEW:
                return inbox_entry_from(row)
            answer = await work()
            done = await conn.fetchrow(
                "UPDATE inbox SET state = $1, answer = $2, sent = 0, updated_at = $3"
                f" WHERE id = $4 RETURNING {INBOX_COLUMNS}",
                APPLIED,
                to_json(answer),
                datetime.now(UTC),
                entry_id,
            )
            return inbox_entry_from(done)

    async def answered(self, entry_id: int, sent: int, done: bool) -> None:
        if done:
            await self.db.fetch(
                "UPDATE inbox SET state = $1, sent = $2, payload = '', answer = NULL,"
                " updated_at = $3 WHERE id = $4",
                ANSWERED,
                sent,
                datetime.now(UTC),
                entry_id,
            )
            return
        await self.db.fetch(
            "UPDATE inbox SET sent = $1, updated_at = $2 WHERE id = $3 AND state = $4",
            sent,
            datetime.now(UTC),
            entry_id,
            APPLIED,
        )

    async def prune(self, before: datetime) -> int:
        rows = await self.db.fetch(
            "DELETE FROM inbox WHERE state = $1 AND updated_at < $2 RETURNING id", ANSWERED, before
        )
        return len(rows)
