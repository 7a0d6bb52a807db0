"""PostgresInbox: the durable inbox (bot.core.ports.Inbox) on PostgreSQL, the twin of
bot/store/inbox.py (table `inbox`, migration 0008_inbox.sql).

`apply` holds one transaction on one pooled connection for the whole handling
(PgDatabase.holding): every store call the handling makes runs on that connection, as a
savepoint of it, so the handling's writes and the row's 'applied' mark with the answer commit
together or roll back together. The row is locked first (FOR UPDATE): another process applying
the same entry waits, then finds it applied and does not run the work again.

Claims (bot/store/claims.py, migration 0010): the owner is the process's worker name, and an
owner is alive while it holds its presence lock (the outbox's, PostgresOutbox), so a process
that died leaves its entries to the others at once, without waiting for their leases.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.core.ports import ANSWERED, APPLIED, NEW, Arrival, InboxEntry
from bot.store.claims import lease_end
from bot.store.inbox import InboxPruning
from bot.store.postgres.database import PgDatabase, as_columns
from bot.store.postgres.outbox import LIVE_WORKERS, PostgresOutbox
from bot.store.rows import INBOX_COLUMNS, inbox_entry_from, to_json

# One INSERT for the whole batch, in order, held by this process ($6, until $7); a
# redelivery (a known key) is skipped.
_TAKE = (
    "INSERT INTO inbox (platform, event_id, chat_key, payload, received_at, updated_at,"
    " claimed_by, lease_until)"
    " SELECT p, e, c, d, $5, $5, $6, $7"
    " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])"
    " WITH ORDINALITY AS t(p, e, c, d, o) ORDER BY o"
    f" ON CONFLICT (platform, event_id) DO NOTHING RETURNING {INBOX_COLUMNS}"
)
# An entry this process ($1) may handle at $2: nobody's, its own, expired, or a dead owner's.
_MAY_TAKE = (
    "(claimed_by IS NULL OR claimed_by = $1 OR lease_until < $2 OR claimed_by NOT IN"
    f" (SELECT name FROM workers WHERE id IN ({LIVE_WORKERS})))"
)
# ...taken: held by $1 until $3.
_HOLD = "UPDATE inbox SET claimed_by = $1, lease_until = $3"
# An entry this process ($1) holds: only it records progress.
_HOLDS = "(claimed_by IS NULL OR claimed_by = $1)"


class PostgresInbox(InboxPruning):
    """Implements bot.core.ports.Inbox."""

    def __init__(self, db: PgDatabase, outbox: PostgresOutbox) -> None:
        self.db = db
        self.outbox = outbox  # who this process is, and that the others see it alive

    @property
    def owner(self) -> str:
        return self.outbox.name

    async def take(self, arrivals: Sequence[Arrival]) -> list[InboxEntry]:
        if not arrivals:
            return []
        await self._prune_now_and_then()
        owner = await self.outbox.present()
        now = datetime.now(UTC)
        columns = as_columns(arrivals, "platform", "event_id", "chat_key", "payload")
        rows = await self.db.fetch(_TAKE, *columns, now, owner, lease_end(now))
        return sorted((inbox_entry_from(r) for r in rows), key=lambda e: e.id)

    async def unfinished(self, platform: str) -> list[InboxEntry]:
        owner = await self.outbox.present()
        now = datetime.now(UTC)
        rows = await self.db.fetch(
            f"{_HOLD} WHERE platform = $4 AND state <> $5 AND {_MAY_TAKE}"
            f" RETURNING {INBOX_COLUMNS}",
            owner,
            now,
            lease_end(now),
            platform,
            ANSWERED,
        )
        return sorted((inbox_entry_from(r) for r in rows), key=lambda e: e.id)

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
        owner = await self.outbox.present()
        async with self.db.holding() as conn:
            now = datetime.now(UTC)
            # Held and locked (the row lock: another process applying it waits) in one step.
            row = await conn.fetchrow(
                f"{_HOLD} WHERE id = $4 AND {_MAY_TAKE} RETURNING {INBOX_COLUMNS}",
                owner,
                now,
                lease_end(now),
                entry_id,
            )
            if row is None:
                return None  # unknown, or another process's
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

    async def answered(self, entry_id: int, sent: int, done: bool) -> bool:
        now = datetime.now(UTC)
        if done:
            rows = await self.db.fetch(
                "UPDATE inbox SET state = $2, sent = $3, payload = '', answer = NULL,"
                f" lease_until = NULL, updated_at = $4 WHERE id = $5 AND {_HOLDS} RETURNING id",
                self.owner,
                ANSWERED,
                sent,
                now,
                entry_id,
            )
            return bool(rows)
        rows = await self.db.fetch(
            "UPDATE inbox SET sent = $2, lease_until = $3, updated_at = $4"
            f" WHERE id = $5 AND state = $6 AND {_HOLDS} RETURNING id",
            self.owner,
            sent,
            lease_end(now),
            now,
            entry_id,
            APPLIED,
        )
        return bool(rows)

    async def prune(self, before: datetime) -> int:
        rows = await self.db.fetch(
            "DELETE FROM inbox WHERE state = $1 AND updated_at < $2 RETURNING id", ANSWERED, before
        )
        return len(rows)
