"""PostgresStore: bot.core.ports.Persistence on PostgreSQL (asyncpg), for several Backline
processes sharing one database. The same behaviour as SqliteStore (tests/test_store_contract.py
runs both); what differs:

- No plan cache. SqliteStore may keep plans in memory because it is the database's only
  writer; here another process may save a plan at any time, so every read asks the database
  (one indexed primary-key read).
- Several writers at once: every write is one statement or one transaction, and the upserts
  (users, counters, links, channels, events) are single INSERT ... ON CONFLICT statements, so
  two processes handling the same person at the same moment still make one row.
- forget_user finds the tables with a `user_id` column in information_schema, like SQLite's
  sqlite_master, so tables from later migrations are covered.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Self

import asyncpg

from bot.core.events import MessageLink, UserRef
from bot.core.ports import LINK_RETENTION, Channel, NewSet, SetLog, StoredLink, User
from bot.core.settings import Settings
from bot.platforms import RatePolicy
from bot.store.migrations import Migration
from bot.store.postgres.choices import PgChoices
from bot.store.postgres.database import as_columns
from bot.store.postgres.inbox import PostgresInbox
from bot.store.postgres.outbox import PostgresOutbox
from bot.store.postgres.rest import PgRestTimers
from bot.store.postgres.send_ledger import PgSendLedger
from bot.store.rows import (
    CHANNEL_COLUMNS,
    LINK_COLUMNS,
    SET_COLUMNS,
    USER_COLUMNS,
    channel_from,
    link_from,
    sets_from,
    settings_json,
    to_json,
    user_from,
)

_DEFAULT_SETTINGS = settings_json(Settings())
_SET_FIELDS = (
    "user_id, batch_id, plan_date, exercise_id, set_no, reps, seconds, load_kg, skipped,"
    " source, logged_at, rpe, rir"
)
# One INSERT for any number of sets: each column as an array, unnested into rows.
_INSERT_SETS = (
    f"INSERT INTO set_logs ({_SET_FIELDS})"
    " SELECT $1, $2, $3, e, n, r, s, l, k, $4, $5, p, q FROM unnest("
    "  $6::text[], $7::int[], $8::int[], $9::int[], $10::float8[], $11::bool[],"
    "  $12::float8[], $13::int[]) WITH ORDINALITY AS t(e, n, r, s, l, k, p, q, o)"
    f" ORDER BY o RETURNING {SET_COLUMNS}"
)


def _now() -> datetime:
    return datetime.now(UTC)


class PostgresStore(PgRestTimers, PgChoices):
    EVENT_RETENTION = timedelta(days=3)
    PRUNE_INTERVAL_SECONDS = 600.0

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        super().__init__(pool, url)
        self._last_prune: float | None = None
        self.outbox = PostgresOutbox(self)
        self.inbox = PostgresInbox(self, self.outbox)
        self._ledgers: list[PgSendLedger] = []

    @classmethod
    async def open(
        cls, url: str, migrations: list[Migration] | None = None, *, worker: str | None = None
    ) -> Self:
        """`worker` names this process among those sharing the database (see
        PostgresOutbox); default host:pid."""
        store = await super().open(url, migrations)
        store.outbox.name = worker or store.outbox.name
        return store

    async def close(self) -> None:
        for ledger in self._ledgers:  # answers and pauses still on their way
            await ledger.settle()
        await self.outbox.close()
        await super().close()

    def send_ledger(self, platform: str, policy: RatePolicy, paid: bool) -> PgSendLedger:
        """The limits of `platform`'s token across every process on this database (the send
        queue's `shared`); `paid`: pushes go as paid broadcasts."""
        ledger = PgSendLedger(self, platform, policy, paid)
        self._ledgers.append(ledger)
        return ledger

    async def ping(self) -> None:
        await self.fetch("SELECT 1")

    # -- users and settings ------------------------------------------------------------------

    async def get_or_create_user(self, ref: UserRef, chat_id: str, display_name: str) -> User:
        async with self.connection() as conn:
            return await _user_for(conn, ref, chat_id, display_name)

    async def start_event(
        self, ref: UserRef, chat_id: str, display_name: str, event_id: str
    ) -> User | None:
        await self._prune_events_now_and_then()
        async with self.connection() as conn:
            if event_id and not await _claim(conn, ref.platform, event_id):
                return None
            return await _user_for(conn, ref, chat_id, display_name)

    async def get_user(self, user_id: int) -> User | None:
        rows = await self.fetch(f"SELECT {USER_COLUMNS} FROM users WHERE id = $1", user_id)
        return user_from(rows[0]) if rows else None

    async def find_user(self, ref: UserRef) -> User | None:
        rows = await self.fetch(
            f"SELECT {USER_COLUMNS} FROM users WHERE platform = $1 AND platform_user_id = $2",
            ref.platform,
            ref.user_id,
        )
        return user_from(rows[0]) if rows else None

    async def save_settings(self, user_id: int, settings: Settings) -> None:
        await self.fetch(
            "UPDATE users SET settings = $1::jsonb WHERE id = $2", settings_json(settings), user_id
        )

    async def set_active(self, user_id: int, active: bool) -> None:
        await self.fetch("UPDATE users SET active = $1 WHERE id = $2", active, user_id)

    async def forget_user(self, user_id: int) -> None:
        async with self.transaction() as conn:
            refs = await conn.fetch(
                "SELECT platform, platform_user_id, chat_id FROM users WHERE id = $1 FOR UPDATE",
                user_id,
            )
            tables = await conn.fetch(
                "SELECT table_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND column_name = 'user_id'"
                " AND table_name <> 'users' ORDER BY table_name"
            )
            for (table,) in tables:
                quoted = '"' + table.replace('"', '""') + '"'
                await conn.execute(f"DELETE FROM {quoted} WHERE user_id = $1", user_id)
            for platform, platform_user_id, chat_id in refs:
                await conn.execute(
                    "DELETE FROM message_links WHERE (owner_platform = $1 AND owner_user_id = $2)"
                    " OR ($3 <> '' AND platform = $1 AND chat_id = $3)",
                    platform,
                    platform_user_id,
                    chat_id,
                )
            await conn.execute("DELETE FROM users WHERE id = $1", user_id)

    # -- plans -------------------------------------------------------------------------------

    async def get_plan(self, user_id: int, day: date) -> tuple[str, dict[str, Any]] | None:
        rows = await self.fetch(
            "SELECT plan_key, payload FROM plans WHERE user_id = $1 AND plan_date = $2",
            user_id,
            day,
        )
        return (rows[0]["plan_key"], json.loads(rows[0]["payload"])) if rows else None

    async def save_plan(self, user_id: int, day: date, key: str, payload: dict[str, Any]) -> None:
        await self.fetch(
            "INSERT INTO plans (user_id, plan_date, plan_key, payload, created_at)"
            " VALUES ($1, $2, $3, $4::jsonb, $5)"
            " ON CONFLICT (user_id, plan_date) DO UPDATE SET"
            "  plan_key = excluded.plan_key, payload = excluded.payload,"
            "  created_at = excluded.created_at",
            user_id,
            day,
            key,
            to_json(payload),
            _now(),
        )

    # -- set logs ----------------------------------------------------------------------------

    async def add_sets(
        self, user_id: int, day: date, sets: list[NewSet], source: str | None
    ) -> list[SetLog]:
        if not sets:
            return []
        now = _now()
        async with self.transaction() as conn:
            batch = await conn.fetchval(
                "INSERT INTO set_batches (user_id, created_at) VALUES ($1, $2) RETURNING id",
                user_id,
                now,
            )
            rows = await _insert_sets(conn, user_id, batch, day, sets, source, now)
        return sets_from(rows)

    async def replace_sets_from_source(
        self, user_id: int, source: str, sets: list[NewSet]
    ) -> tuple[list[SetLog], list[SetLog]]:
        async with self.transaction() as conn:
            old_rows = await conn.fetch(
                f"DELETE FROM set_logs WHERE user_id = $1 AND source = $2 RETURNING {SET_COLUMNS}",
                user_id,
                source,
            )
            return await _put_back(conn, user_id, old_rows, sets, source)

    async def sets_from_source(self, user_id: int, source: str) -> list[SetLog]:
        rows = await self.fetch(
            f"SELECT {SET_COLUMNS} FROM set_logs WHERE user_id = $1 AND source = $2",
            user_id,
            source,
        )
        return sets_from(rows)

    async def delete_last_batch(self, user_id: int) -> list[SetLog]:
        async with self.transaction() as conn:
            rows = await conn.fetch(
                "DELETE FROM set_logs WHERE batch_id ="
                " (SELECT max(id) FROM set_batches WHERE user_id = $1)"
                f" RETURNING {SET_COLUMNS}",
                user_id,
            )
            if rows:
                await conn.execute("DELETE FROM set_batches WHERE id = $1", rows[0]["batch_id"])
        return sets_from(rows)

    async def sets_on(self, user_id: int, day: date) -> list[SetLog]:
        rows = await self.fetch(
            f"SELECT {SET_COLUMNS} FROM set_logs WHERE user_id = $1 AND plan_date = $2",
            user_id,
            day,
        )
        return sets_from(rows)

    async def exercises_logged_on(self, user_id: int, day: date) -> set[str]:
        rows = await self.fetch(
            "SELECT DISTINCT exercise_id FROM set_logs WHERE user_id = $1 AND plan_date = $2",
            user_id,
            day,
        )
        return {row[0] for row in rows}

    async def sets_between(self, user_id: int, start: date, end: date) -> list[SetLog]:
        rows = await self.fetch(
            f"SELECT {SET_COLUMNS} FROM set_logs"
            " WHERE user_id = $1 AND plan_date BETWEEN $2 AND $3",
            user_id,
            start,
            end,
        )
        return sets_from(rows)

    async def recent_sets_for(self, user_id: int, exercise_id: str, sessions: int) -> list[SetLog]:
        found = await self.recent_sets_by_exercise(user_id, [exercise_id], sessions)
        return found.get(exercise_id, [])

    async def recent_sets_by_exercise(
        self, user_id: int, exercise_ids: Sequence[str], sessions: int
    ) -> dict[str, list[SetLog]]:
        if sessions <= 0 or not exercise_ids:
            return {}
        rows = await self.fetch(
            f"SELECT {SET_COLUMNS} FROM ("
            "  SELECT *, dense_rank() OVER"
            "   (PARTITION BY exercise_id ORDER BY plan_date DESC) AS recency"
            "  FROM set_logs WHERE user_id = $1 AND exercise_id = ANY($2::text[])) AS ranked"
            " WHERE recency <= $3",
            user_id,
            list(exercise_ids),
            sessions,
        )
        found: dict[str, list[SetLog]] = {}
        for row in sets_from(rows):
            found.setdefault(row.exercise_id, []).append(row)
        return found

    async def recent_sets(self, user_id: int, sessions: int) -> list[SetLog]:
        if sessions <= 0:
            return []
        rows = await self.fetch(
            f"SELECT {SET_COLUMNS} FROM set_logs"
            " WHERE user_id = $1 AND plan_date IN ("
            "  SELECT DISTINCT plan_date FROM set_logs"
            "  WHERE user_id = $1 ORDER BY plan_date DESC LIMIT $2)",
            user_id,
            sessions,
        )
        return sets_from(rows)

    async def export_sets(self, user_id: int) -> list[SetLog]:
        rows = await self.fetch(f"SELECT {SET_COLUMNS} FROM set_logs WHERE user_id = $1", user_id)
        return sets_from(rows)

    async def delete_sets(self, user_id: int, ids: Sequence[int]) -> list[SetLog]:
        if not ids:
            return []
        async with self.transaction() as conn:
            rows = await _delete_own_sets(conn, user_id, ids)
            await _drop_empty_batches(conn, rows)
        return sets_from(rows)

    async def replace_sets(
        self, user_id: int, ids: Sequence[int], sets: list[NewSet]
    ) -> tuple[list[SetLog], list[SetLog]]:
        if not ids:
            return [], []
        async with self.transaction() as conn:
            old_rows = await _delete_own_sets(conn, user_id, ids)
            source = sets_from(old_rows)[0].source if old_rows else None
            return await _put_back(conn, user_id, old_rows, sets, source)

    # -- sent bot messages -------------------------------------------------------------------

    async def link_message(
        self, platform: str, chat_id: str, message_id: str, user_id: int | None, link: MessageLink
    ) -> None:
        owner = link.owner
        await self.fetch(
            "INSERT INTO message_links"
            " (platform, chat_id, message_id, user_id, kind, plan_date, exercise_id,"
            "  owner_platform, owner_user_id, created_at)"
            " VALUES ($1, $2, $3, COALESCE($4, (SELECT id FROM users"
            "  WHERE platform = $8 AND platform_user_id = $9)), $5, $6, $7, $8, $9, $10)"
            " ON CONFLICT (platform, chat_id, message_id) DO UPDATE SET"
            "  user_id = excluded.user_id, kind = excluded.kind, plan_date = excluded.plan_date,"
            "  exercise_id = excluded.exercise_id, owner_platform = excluded.owner_platform,"
            "  owner_user_id = excluded.owner_user_id, created_at = excluded.created_at",
            platform,
            chat_id,
            message_id,
            user_id,
            link.kind,
            link.plan_date,
            link.exercise_id,
            owner.platform if owner else None,
            owner.user_id if owner else None,
            _now(),
        )

    async def resolve_message(
        self, platform: str, chat_id: str, message_id: str
    ) -> StoredLink | None:
        rows = await self.fetch(
            f"SELECT {LINK_COLUMNS} FROM message_links"
            " WHERE platform = $1 AND chat_id = $2 AND message_id = $3 AND created_at >= $4",
            platform,
            chat_id,
            message_id,
            _now() - LINK_RETENTION,
        )
        return link_from(rows[0]) if rows else None

    async def expire_links(self, now: datetime) -> None:
        cutoff = now - LINK_RETENTION
        async with self.transaction() as conn:
            await conn.execute("DELETE FROM message_links WHERE created_at < $1", cutoff)
            await conn.execute(
                "DELETE FROM plans WHERE plan_date < $1 AND NOT EXISTS (SELECT 1 FROM message_links"
                " l WHERE l.user_id = plans.user_id AND l.plan_date = plans.plan_date)",
                cutoff.date(),
            )

    # -- conversation state ------------------------------------------------------------------

    async def get_state(self, user_id: int) -> dict[str, Any] | None:
        rows = await self.fetch("SELECT state FROM conversation_state WHERE user_id = $1", user_id)
        return json.loads(rows[0]["state"]) if rows else None

    async def set_state(self, user_id: int, state: dict[str, Any] | None) -> None:
        if state is None:
            await self.fetch("DELETE FROM conversation_state WHERE user_id = $1", user_id)
            return
        await self.fetch(
            "INSERT INTO conversation_state (user_id, state, updated_at)"
            " VALUES ($1, $2::jsonb, $3)"
            " ON CONFLICT (user_id) DO UPDATE SET"
            "  state = excluded.state, updated_at = excluded.updated_at",
            user_id,
            to_json(state),
            _now(),
        )

    # -- idempotency and counters ------------------------------------------------------------

    async def claim_event(self, platform: str, event_id: str) -> bool:
        await self._prune_events_now_and_then()
        async with self.connection() as conn:
            return await _claim(conn, platform, event_id)

    async def _prune_events_now_and_then(self) -> None:
        now = time.monotonic()
        if self._last_prune is not None and now - self._last_prune < self.PRUNE_INTERVAL_SECONDS:
            return
        self._last_prune = now
        await self.fetch(
            "DELETE FROM processed_events WHERE seen_at < $1", _now() - self.EVENT_RETENTION
        )
        await self.expire_links(_now())

    async def next_seq(self, name: str) -> int:
        value = await self.fetchval(
            "INSERT INTO counters (name, value) VALUES ($1, 1)"
            " ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
            name,
        )
        return int(value)

    # -- community channels ------------------------------------------------------------------

    async def get_channel(self, platform: str, chat_id: str) -> Channel | None:
        rows = await self.fetch(
            f"SELECT {CHANNEL_COLUMNS} FROM channels WHERE platform = $1 AND chat_id = $2",
            platform,
            chat_id,
        )
        return channel_from(rows[0]) if rows else None

    async def save_channel(
        self, platform: str, chat_id: str, settings: Settings, enabled: bool
    ) -> Channel:
        now = _now()
        rows = await self.fetch(
            "INSERT INTO channels (platform, chat_id, settings, enabled, created_at, updated_at)"
            " VALUES ($1, $2, $3::jsonb, $4, $5, $5)"
            " ON CONFLICT (platform, chat_id) DO UPDATE SET"
            "  settings = excluded.settings, enabled = excluded.enabled,"
            "  updated_at = excluded.updated_at"
            f" RETURNING {CHANNEL_COLUMNS}",
            platform,
            chat_id,
            settings_json(settings),
            enabled,
            now,
        )
        return channel_from(rows[0])

    async def list_channels(self, enabled_only: bool = True) -> list[Channel]:
        where = " WHERE enabled" if enabled_only else ""
        rows = await self.fetch(f"SELECT {CHANNEL_COLUMNS} FROM channels{where} ORDER BY id")
        return [channel_from(row) for row in rows]


# The helpers below run on one connection, inside a transaction where it matters.


async def _delete_own_sets(
    conn: asyncpg.Connection, user_id: int, ids: Sequence[int]
) -> list[asyncpg.Record]:
    return await conn.fetch(
        "DELETE FROM set_logs WHERE user_id = $1 AND id = ANY($2::bigint[])"
        f" RETURNING {SET_COLUMNS}",
        user_id,
        list(ids),
    )


async def _drop_empty_batches(conn: asyncpg.Connection, rows: list[asyncpg.Record]) -> None:
    batches = sorted({row["batch_id"] for row in rows})
    if batches:
        await conn.execute(
            "DELETE FROM set_batches WHERE id = ANY($1::bigint[])"
            " AND NOT EXISTS (SELECT 1 FROM set_logs WHERE batch_id = set_batches.id)",
            batches,
        )


async def _put_back(
    conn: asyncpg.Connection,
    user_id: int,
    old_rows: list[asyncpg.Record],
    sets: list[NewSet],
    source: str | None,
) -> tuple[list[SetLog], list[SetLog]]:
    """See SqliteStore's _put_back: the new sets take the first old set's batch and date."""
    if not old_rows:
        return [], []
    old = sets_from(old_rows)
    keep = old[0]
    new_rows: list[asyncpg.Record] = []
    if sets:
        new_rows = await _insert_sets(
            conn, user_id, keep.batch_id, keep.plan_date, sets, source, _now()
        )
    await _drop_empty_batches(conn, old_rows)
    return old, sets_from(new_rows)


async def _insert_sets(
    conn: asyncpg.Connection,
    user_id: int,
    batch_id: int,
    day: date,
    sets: list[NewSet],
    source: str | None,
    logged_at: datetime,
) -> list[asyncpg.Record]:
    return await conn.fetch(
        _INSERT_SETS,
        user_id,
        batch_id,
        day,
        source,
        logged_at,
        *as_columns(
            sets, "exercise_id", "set_no", "reps", "seconds", "load_kg", "skipped", "rpe", "rir"
        ),
    )


async def _claim(conn: asyncpg.Connection, platform: str, event_id: str) -> bool:
    rows = await conn.fetch(
        "INSERT INTO processed_events (platform, event_id, seen_at) VALUES ($1, $2, $3)"
        " ON CONFLICT DO NOTHING RETURNING 1",
        platform,
        event_id,
        _now(),
    )
    return bool(rows)


async def _user_for(
    conn: asyncpg.Connection, ref: UserRef, chat_id: str, display_name: str
) -> User:
    rows = await conn.fetch(
        f"SELECT {USER_COLUMNS} FROM users WHERE platform = $1 AND platform_user_id = $2",
        ref.platform,
        ref.user_id,
    )
    user = user_from(rows[0]) if rows else None
    if (
        user is not None
        and chat_id in ("", user.chat_id)
        and display_name in ("", user.display_name)
        and (user.active or not chat_id)
    ):
        return user  # the usual case: one read, no write
    rows = await conn.fetch(
        "INSERT INTO users"
        " (platform, platform_user_id, chat_id, display_name, settings, active, created_at)"
        " VALUES ($1, $2, $3, $4, $5::jsonb, true, $6)"
        " ON CONFLICT (platform, platform_user_id) DO UPDATE SET"
        "  chat_id = COALESCE(NULLIF(excluded.chat_id, ''), users.chat_id),"
        "  display_name = COALESCE(NULLIF(excluded.display_name, ''), users.display_name),"
        "  active = CASE WHEN excluded.chat_id <> '' THEN true ELSE users.active END"
        f" RETURNING {USER_COLUMNS}",
        ref.platform,
        ref.user_id,
        chat_id,
        display_name,
        _DEFAULT_SETTINGS,
        _now(),
    )
    return user_from(rows[0])
