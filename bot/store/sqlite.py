"""SqliteStore: the aiosqlite implementation of bot.core.ports.Persistence (the core's Store,
the scheduler's PushStore with its `outbox`, a health ping and close).

Round trips are what cost (about 50 µs per statement through aiosqlite's thread), so lookups
are one indexed query, single-statement writes run without BEGIN/COMMIT (SQLite makes one
statement atomic on its own) and multi-statement writes use `atomically()` (one hop).

Decisions worth knowing:
- add_sets with an empty list stores nothing and creates no batch; every batch row has sets.
- replace_sets_from_source keeps the batch id (and date) of the sets the message logged, so an
  edit doesn't jump ahead of later replies for undo. If the message logged nothing there is
  nothing to swap: it stores nothing and returns ([], []) (the caller knows the day; it
  should add_sets). Replacing with [] removes the sets and their batch. New sets get the
  edit's time as logged_at.
- get_or_create_user with a private chat id also sets active again (they reached us);
  start_event does the same after claiming the event, in the same trip.
- get_plan serves the most recent 1024 plans from memory (as JSON text, so every caller gets
  its own dict); save_plan and forget_user keep that copy exact.
- forget_user deletes from every table with a `user_id` column, found at run time, so tables
  from later migrations are covered if they follow that naming.
- sets_between includes both ends. Set lists come oldest first: by date, batch, entry order.
- recent_sets_for counts skipped sets as a logged session.
- save_settings / set_active on an unknown user id do nothing.
- delete_sets / replace_sets (/history) filter by user_id as well as set id, so a set id from
  someone else's log changes nothing; replace_sets keeps batch, date and source.
- A constraint the schema enforces (CHECKs, foreign keys) surfaces as ports.RecordRejected,
  the same error bot/store/memory.py raises; the transaction is rolled back.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import aiosqlite

from bot.core.events import MessageLink, UserRef
from bot.core.ports import (
    LINK_RETENTION,
    Channel,
    ChoiceChange,
    Choices,
    NewSet,
    RecordRejected,
    SetLog,
    StoredLink,
    StoreUnavailable,
    User,
)
from bot.core.settings import Settings
from bot.store import choices
from bot.store.db import Database
from bot.store.inbox import SqliteInbox
from bot.store.outbox import SqliteOutbox
from bot.store.rest import RestTimers
from bot.store.rows import (
    CHANNEL_COLUMNS,
    LINK_COLUMNS,
    SET_COLUMNS,
    USER_COLUMNS,
    channel_from,
    link_from,
    now_iso,
    sets_from,
    settings_json,
    to_json,
    user_from,
    utc_iso,
)
from bot.store.unqueued import write_now

_SET_INSERT_COLUMNS = (
    "user_id, batch_id, plan_date, exercise_id, set_no, reps, seconds, load_kg, skipped,"
    " source, logged_at, rpe, rir"
)
_DEFAULT_SETTINGS = settings_json(Settings())
_SET_ROWS_PER_INSERT = 500  # 13 parameters a row, well under SQLite's 32766 limit
T = TypeVar("T")


class SqliteStore(RestTimers, Database):
    # Platforms redeliver within minutes to hours; a few days covers every retry.
    EVENT_RETENTION = timedelta(days=3)
    PRUNE_INTERVAL_SECONDS = 600.0

    # Today's plans are read on almost every update; this many stay in memory as JSON text.
    PLAN_CACHE_SIZE = 1024

    def __init__(self, conn: aiosqlite.Connection) -> None:
        super().__init__(conn)
        self._last_prune: datetime | None = None  # when housekeeping last ran (wall clock)
        # (user id, ISO date) -> (plan key, payload JSON), most recently used last. Plans are
        # written only through this store, so it is exact. A read can't cache a plan older
        # than a write's: aiosqlite runs calls and resumes their callers in submission order.
        self._plans: OrderedDict[tuple[int, str], tuple[str, str]] = OrderedDict()
        self.outbox = SqliteOutbox(self)
        self.inbox = SqliteInbox(self)

    async def call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Database.call (every read, write and `atomically` goes through it), with the
        schema's refusals as the ports' RecordRejected."""
        try:
            return await super().call(fn)
        except sqlite3.IntegrityError as exc:
            raise RecordRejected(str(exc)) from exc

    async def atomically(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Database.atomically; inside a transaction (an inbox entry being applied, see
        bot/store/inbox.py) `fn` runs as a savepoint of it instead, all or nothing."""
        if not self._inside_transaction():
            return await super().atomically(fn)

        def savepoint(conn: sqlite3.Connection) -> T:
            conn.execute("SAVEPOINT unit")
            try:
                result = fn(conn)
            except BaseException:
                conn.execute("ROLLBACK TO unit")
                conn.execute("RELEASE unit")
                raise
            conn.execute("RELEASE unit")
            return result

        return await self.call(savepoint)

    def forget_cached_plans(self) -> None:
        """After a rolled-back transaction: the cache may hold plans it never stored."""
        self._plans.clear()

    async def ping(self) -> None:
        await self.read("SELECT 1")
        # After a failed write, probe with a real one: unhealthy until saving works again.
        if self.unavailable is not None and (why := await self.writable()) is not None:
            raise StoreUnavailable(why)

    # -- users and settings ------------------------------------------------------------------

    async def get_or_create_user(self, ref: UserRef, chat_id: str, display_name: str) -> User:
        """An empty chat_id / display_name keeps what is stored (first seen in a group).

        A message in a private chat (non-empty chat_id) proves the person is reachable again,
        so it also sets `active` back to True.
        """
        return await self.call(lambda conn: _user_for(conn, ref, chat_id, display_name))

    async def start_event(
        self, ref: UserRef, chat_id: str, display_name: str, event_id: str
    ) -> User | None:
        """`claim_event` then `get_or_create_user`, in one trip to the database thread (every
        update starts this way). None when the event id was seen before: a duplicate."""
        await self._prune_events_now_and_then()

        def run(conn: sqlite3.Connection) -> User | None:
            if event_id and not _claim(conn, ref.platform, event_id):
                return None
            return _user_for(conn, ref, chat_id, display_name)

        return await self.call(run)

    async def get_user(self, user_id: int) -> User | None:
        rows = await self.read(f"SELECT {USER_COLUMNS} FROM users WHERE id = ?", (user_id,))
        return user_from(rows[0]) if rows else None

    async def find_user(self, ref: UserRef) -> User | None:
        rows = await self.read(
            f"SELECT {USER_COLUMNS} FROM users WHERE platform = ? AND platform_user_id = ?",
            (ref.platform, ref.user_id),
        )
        return user_from(rows[0]) if rows else None

    async def save_settings(self, user_id: int, settings: Settings) -> None:
        await self.write(
            "UPDATE users SET settings = ? WHERE id = ?", (settings_json(settings), user_id)
        )

    async def set_active(self, user_id: int, active: bool) -> None:
        await self.write("UPDATE users SET active = ? WHERE id = ?", (int(active), user_id))

    async def forget_user(self, user_id: int) -> None:
        """Delete every row about this person, in every table with a `user_id` column
        (found at run time, so tables added by later migrations are covered too), plus
        links that name them as owner and every link in their private chat."""

        def forget(conn: sqlite3.Connection) -> None:
            refs = conn.execute(
                "SELECT platform, platform_user_id, chat_id FROM users WHERE id = ?", (user_id,)
            ).fetchall()
            tables = conn.execute(
                "SELECT m.name FROM sqlite_master AS m, pragma_table_info(m.name) AS c"
                " WHERE m.type = 'table' AND c.name = 'user_id' AND m.name <> 'users'"
            ).fetchall()
            for (table,) in tables:
                quoted = '"' + table.replace('"', '""') + '"'
                conn.execute(f"DELETE FROM {quoted} WHERE user_id = ?", (user_id,))
            for platform, platform_user_id, chat_id in refs:
                conn.execute(
                    "DELETE FROM message_links WHERE owner_platform = ? AND owner_user_id = ?",
                    (platform, platform_user_id),
                )
                # Links without an owner (how-tos, prompts) in their private chat are theirs too.
                conn.execute(
                    "DELETE FROM message_links WHERE platform = ? AND chat_id = ? AND ? <> ''",
                    (platform, chat_id, chat_id),
                )
            conn.execute("DELETE FROM users WHERE id = ?", (user_id,))

        for slot in [slot for slot in self._plans if slot[0] == user_id]:
            del self._plans[slot]
        await self.atomically(forget)

    # -- plans -------------------------------------------------------------------------------

    async def get_plan(self, user_id: int, day: date) -> tuple[str, dict[str, Any]] | None:
        slot = (user_id, day.isoformat())
        cached = self._plans.get(slot)
        if cached is None:
            rows = await self.read(
                "SELECT plan_key, payload FROM plans WHERE user_id = ? AND plan_date = ?", slot
            )
            if not rows:
                return None
            cached = rows[0]["plan_key"], plan_text(rows[0]["payload"])
            self._remember_plan(slot, cached)
        else:
            self._plans.move_to_end(slot)
        return cached[0], json.loads(cached[1])  # a fresh dict: callers may change theirs

    async def save_plan(self, user_id: int, day: date, key: str, payload: dict[str, Any]) -> None:
        slot = (user_id, day.isoformat())
        text = to_json(payload)
        self._plans.pop(slot, None)
        await self.write(
            "INSERT INTO plans (user_id, plan_date, plan_key, payload, created_at)"
            " VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (user_id, plan_date) DO UPDATE SET"
            "  plan_key = excluded.plan_key, payload = excluded.payload,"
            "  created_at = excluded.created_at",
            (*slot, key, _plan_blob(text), now_iso()),
        )
        self._remember_plan(slot, (key, text))

    def _remember_plan(self, slot: tuple[int, str], plan: tuple[str, str]) -> None:
        self._plans[slot] = plan
        self._plans.move_to_end(slot)
        if len(self._plans) > self.PLAN_CACHE_SIZE:
            self._plans.popitem(last=False)

    # -- set logs ----------------------------------------------------------------------------

    async def add_sets(
        self, user_id: int, day: date, sets: list[NewSet], source: str | None
    ) -> list[SetLog]:
        if not sets:
            return []
        now = now_iso()

        def write(conn: sqlite3.Connection) -> list[Any]:
            (batch,) = conn.execute(
                "INSERT INTO set_batches (user_id, created_at) VALUES (?, ?) RETURNING id",
                (user_id, now),
            ).fetchall()
            return _insert_sets(conn, user_id, batch[0], day, sets, source, now)

        # The hot path of every log: one hop to the database thread for the whole transaction.
        return sets_from(await self.atomically(write))

    async def replace_sets_from_source(
        self, user_id: int, source: str, sets: list[NewSet]
    ) -> tuple[list[SetLog], list[SetLog]]:
        """Swap the sets a message logged for new ones (an edited reply). Returns (old, new).

        The new sets keep the old batch id and date; see the module docstring.
        """

        def swap(conn: sqlite3.Connection) -> tuple[list[SetLog], list[SetLog]]:
            old_rows = conn.execute(
                f"DELETE FROM set_logs WHERE user_id = ? AND source = ? RETURNING {SET_COLUMNS}",
                (user_id, source),
            ).fetchall()
            return _put_back(conn, user_id, old_rows, sets, source)

        return await self.atomically(swap)

    async def sets_from_source(self, user_id: int, source: str) -> list[SetLog]:
        """The sets a person's message logged (for edits)."""
        rows = await self.read(
            f"SELECT {SET_COLUMNS} FROM set_logs WHERE user_id = ? AND source = ?",
            (user_id, source),
        )
        return sets_from(rows)

    async def delete_last_batch(self, user_id: int) -> list[SetLog]:

        def undo(conn: sqlite3.Connection) -> list[Any]:
            rows = conn.execute(
                "DELETE FROM set_logs WHERE batch_id ="
                " (SELECT MAX(id) FROM set_batches WHERE user_id = ?)"
                f" RETURNING {SET_COLUMNS}",
                (user_id,),
            ).fetchall()
            if rows:
                conn.execute("DELETE FROM set_batches WHERE id = ?", (rows[0]["batch_id"],))
            return rows

        return sets_from(await self.atomically(undo))

    async def sets_on(self, user_id: int, day: date) -> list[SetLog]:
        rows = await self.read(
            f"SELECT {SET_COLUMNS} FROM set_logs WHERE user_id = ? AND plan_date = ?",
            (user_id, day.isoformat()),
        )
        return sets_from(rows)

    async def exercises_logged_on(self, user_id: int, day: date) -> set[str]:
        rows = await self.read(
            "SELECT DISTINCT exercise_id FROM set_logs WHERE user_id = ? AND plan_date = ?",
            (user_id, day.isoformat()),
        )
        return {row[0] for row in rows}

    async def sets_between(self, user_id: int, start: date, end: date) -> list[SetLog]:
        """Both ends included."""
        rows = await self.read(
            f"SELECT {SET_COLUMNS} FROM set_logs WHERE user_id = ? AND plan_date BETWEEN ? AND ?",
            (user_id, start.isoformat(), end.isoformat()),
        )
        return sets_from(rows)

    async def recent_sets_for(self, user_id: int, exercise_id: str, sessions: int) -> list[SetLog]:
        """The sets of the last `sessions` dates on which this exercise was logged."""
        if sessions <= 0:
            return []
        rows = await self.read(
            f"SELECT {SET_COLUMNS} FROM set_logs"
            " WHERE user_id = ?1 AND exercise_id = ?2 AND plan_date IN ("
            "  SELECT DISTINCT plan_date FROM set_logs"
            "  WHERE user_id = ?1 AND exercise_id = ?2 ORDER BY plan_date DESC LIMIT ?3)",
            (user_id, exercise_id, sessions),
        )
        return sets_from(rows)

    async def export_sets(self, user_id: int) -> list[SetLog]:
        """Every set this person logged, oldest first. Made into records on the database
        thread: a year of history is thousands of rows, too long a stretch for the event loop."""
        sql = f"SELECT {SET_COLUMNS} FROM set_logs WHERE user_id = ?"
        return await self.call(lambda conn: sets_from(conn.execute(sql, (user_id,)).fetchall()))

    async def recent_sets_by_exercise(
        self, user_id: int, exercise_ids: Sequence[str], sessions: int
    ) -> dict[str, list[SetLog]]:
        """For each exercise, the sets of the last `sessions` dates it was logged: one query."""
        if sessions <= 0 or not exercise_ids:
            return {}
        marks = ", ".join("?" * len(exercise_ids))
        rows = await self.read(
            f"SELECT {SET_COLUMNS} FROM ("
            f"  SELECT *, DENSE_RANK() OVER"
            f"   (PARTITION BY exercise_id ORDER BY plan_date DESC) AS recency"
            f"  FROM set_logs WHERE user_id = ? AND exercise_id IN ({marks}))"
            f" WHERE recency <= ? ORDER BY plan_date, batch_id, id",
            (user_id, *exercise_ids, sessions),
        )
        found: dict[str, list[SetLog]] = {}
        for row in sets_from(rows):
            found.setdefault(row.exercise_id, []).append(row)
        return found

    async def recent_sets(self, user_id: int, sessions: int) -> list[SetLog]:
        """The sets of the last `sessions` dates on which this person logged anything."""
        if sessions <= 0:
            return []
        rows = await self.read(
            f"SELECT {SET_COLUMNS} FROM set_logs"
            " WHERE user_id = ?1 AND plan_date IN ("
            "  SELECT DISTINCT plan_date FROM set_logs"
            "  WHERE user_id = ?1 ORDER BY plan_date DESC LIMIT ?2)",
            (user_id, sessions),
        )
        return sets_from(rows)

    async def delete_sets(self, user_id: int, ids: Sequence[int]) -> list[SetLog]:
        """Delete these sets of this person; ids of anyone else's sets are ignored."""
        if not ids:
            return []

        def delete(conn: sqlite3.Connection) -> list[Any]:
            rows = _delete_own_sets(conn, user_id, ids)
            _drop_empty_batches(conn, rows)
            return rows

        return sets_from(await self.atomically(delete))

    async def replace_sets(
        self, user_id: int, ids: Sequence[int], sets: list[NewSet]
    ) -> tuple[list[SetLog], list[SetLog]]:
        """Swap these sets of this person for new ones (a /history edit). The new sets keep the
        batch, date and source of the first old one, so undo order and message edits still
        find them. Nothing of this person's among `ids`: nothing changes, ([], [])."""
        if not ids:
            return [], []

        def swap(conn: sqlite3.Connection) -> tuple[list[SetLog], list[SetLog]]:
            old_rows = _delete_own_sets(conn, user_id, ids)
            source = sets_from(old_rows)[0].source if old_rows else None
            return _put_back(conn, user_id, old_rows, sets, source)

        return await self.atomically(swap)

    # -- sent bot messages -------------------------------------------------------------------

    async def link_message(
        self, platform: str, chat_id: str, message_id: str, user_id: int | None, link: MessageLink
    ) -> None:
        owner = link.owner
        # Recorded the moment a message is delivered, not after the queue of updates being
        # applied (a reply to a message we have no link for can't be read).
        await write_now(
            self,
            "INSERT OR REPLACE INTO message_links"
            " (platform, chat_id, message_id, user_id, kind, plan_date, exercise_id,"
            "  owner_platform, owner_user_id, created_at)"
            # user_id None with an owner: look the owner up in the same statement.
            " VALUES (?1, ?2, ?3, COALESCE(?4, (SELECT id FROM users"
            "  WHERE platform = ?8 AND platform_user_id = ?9)), ?5, ?6, ?7, ?8, ?9, ?10)",
            (
                platform,
                chat_id,
                message_id,
                user_id,
                link.kind,
                link.plan_date.isoformat() if link.plan_date else None,
                link.exercise_id,
                owner.platform if owner else None,
                owner.user_id if owner else None,
                now_iso(),
            ),
        )

    async def resolve_message(
        self, platform: str, chat_id: str, message_id: str
    ) -> StoredLink | None:
        rows = await self.read(
            f"SELECT {LINK_COLUMNS} FROM message_links"
            " WHERE platform = ? AND chat_id = ? AND message_id = ? AND created_at >= ?",
            (platform, chat_id, message_id, utc_iso(datetime.now(UTC) - LINK_RETENTION)),
        )
        return link_from(rows[0]) if rows else None

    async def expire_links(self, now: datetime) -> None:
        cutoff = now - LINK_RETENTION

        def expire(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM message_links WHERE created_at < ?", (utc_iso(cutoff),))
            conn.execute(
                "DELETE FROM plans WHERE plan_date < ? AND NOT EXISTS (SELECT 1 FROM message_links"
                " l WHERE l.user_id = plans.user_id AND l.plan_date = plans.plan_date)",
                (cutoff.date().isoformat(),),
            )

        await self.atomically(expire)
        self._plans.clear()  # the cache may hold a dropped plan; it refills from the file

    # -- conversation state ------------------------------------------------------------------

    async def get_state(self, user_id: int) -> dict[str, Any] | None:
        rows = await self.read("SELECT state FROM conversation_state WHERE user_id = ?", (user_id,))
        return json.loads(rows[0]["state"]) if rows else None

    async def set_state(self, user_id: int, state: dict[str, Any] | None) -> None:
        """None clears it."""
        if state is None:
            await self.write("DELETE FROM conversation_state WHERE user_id = ?", (user_id,))
            return
        await self.write(
            "INSERT INTO conversation_state (user_id, state, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET"
            "  state = excluded.state, updated_at = excluded.updated_at",
            (user_id, to_json(state), now_iso()),
        )

    # -- idempotency and counters ------------------------------------------------------------

    async def claim_event(self, platform: str, event_id: str) -> bool:
        """True the first time an event id is seen, False for a duplicate delivery."""
        await self._prune_events_now_and_then()
        return await self.call(lambda conn: _claim(conn, platform, event_id))

    async def _prune_events_now_and_then(self) -> None:
        """Housekeeping every PRUNE_INTERVAL_SECONDS (wall clock): old event ids, expired
        message links and the plans nothing can reply to any more."""
        now = datetime.now(UTC)
        last = self._last_prune
        if last is not None and (now - last).total_seconds() < self.PRUNE_INTERVAL_SECONDS:
            return
        self._last_prune = now
        cutoff = utc_iso(now - self.EVENT_RETENTION)
        await self.write("DELETE FROM processed_events WHERE seen_at < ?", (cutoff,))
        await self.expire_links(now)

    async def next_seq(self, name: str) -> int:
        """1, 2, 3, ... per name, across restarts."""
        rows = await self.write(
            "INSERT INTO counters (name, value) VALUES (?, 1)"
            " ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
            (name,),
        )
        return int(rows[0][0])

    # -- community channels ------------------------------------------------------------------

    async def get_channel(self, platform: str, chat_id: str) -> Channel | None:
        rows = await self.read(
            f"SELECT {CHANNEL_COLUMNS} FROM channels WHERE platform = ? AND chat_id = ?",
            (platform, chat_id),
        )
        return channel_from(rows[0]) if rows else None

    async def save_channel(
        self, platform: str, chat_id: str, settings: Settings, enabled: bool
    ) -> Channel:
        now = now_iso()
        rows = await self.write(
            "INSERT INTO channels (platform, chat_id, settings, enabled, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (platform, chat_id) DO UPDATE SET"
            "  settings = excluded.settings, enabled = excluded.enabled,"
            "  updated_at = excluded.updated_at"
            f" RETURNING {CHANNEL_COLUMNS}",
            (platform, chat_id, settings_json(settings), int(enabled), now, now),
        )
        return channel_from(rows[0])

    async def list_channels(self, enabled_only: bool = True) -> list[Channel]:
        where = " WHERE enabled = 1" if enabled_only else ""
        rows = await self.read(f"SELECT {CHANNEL_COLUMNS} FROM channels{where} ORDER BY id")
        return [channel_from(row) for row in rows]

    # -- exercise choices (bot/store/choices.py) ---------------------------------------------

    async def get_choices(self, user_id: int, block_start: date) -> Choices:
        return await self.call(lambda conn: choices.get_choices(conn, user_id, block_start))

    async def set_swap(
        self, user_id: int, block_start: date, exercise_id: str, chosen_id: str | None
    ) -> None:
        await self.atomically(
            lambda conn: choices.set_swap(conn, user_id, block_start, exercise_id, chosen_id)
        )

    async def set_avoid(self, user_id: int, exercise_id: str, avoided: bool) -> None:
        await self.atomically(lambda conn: choices.set_avoid(conn, user_id, exercise_id, avoided))

    async def undo_choice(self, user_id: int) -> ChoiceChange | None:
        return await self.atomically(lambda conn: choices.undo_choice(conn, user_id))


# The helpers below run on the database thread, inside `atomically`.


def _delete_own_sets(conn: sqlite3.Connection, user_id: int, ids: Sequence[int]) -> list[Any]:
    """Delete this person's sets among `ids` (anyone else's stay); returns the rows."""
    marks = ", ".join("?" * len(ids))
    return conn.execute(
        f"DELETE FROM set_logs WHERE user_id = ? AND id IN ({marks}) RETURNING {SET_COLUMNS}",
        (user_id, *ids),
    ).fetchall()


def _drop_empty_batches(conn: sqlite3.Connection, rows: list[Any]) -> None:
    batches = sorted({row["batch_id"] for row in rows})
    if batches:
        marks = ", ".join("?" * len(batches))
        conn.execute(
            f"DELETE FROM set_batches WHERE id IN ({marks})"
            " AND NOT EXISTS (SELECT 1 FROM set_logs WHERE batch_id = set_batches.id)",
            batches,
        )


def _put_back(
    conn: sqlite3.Connection,
    user_id: int,
    old_rows: list[Any],
    sets: list[NewSet],
    source: str | None,
) -> tuple[list[SetLog], list[SetLog]]:
    """After deleting `old_rows`: store `sets` in the batch and on the date of the first old
    set, then drop batches left empty. Returns (old, new); nothing deleted, nothing stored."""
    if not old_rows:
        return [], []
    old = sets_from(old_rows)
    keep = old[0]
    new_rows = []
    if sets:
        new_rows = _insert_sets(
            conn, user_id, keep.batch_id, keep.plan_date, sets, source, now_iso()
        )
    _drop_empty_batches(conn, old_rows)
    return old, sets_from(new_rows)


def _insert_sets(
    conn: sqlite3.Connection,
    user_id: int,
    batch_id: int,
    day: date,
    sets: list[NewSet],
    source: str | None,
    logged_at: str,
) -> list[Any]:
    """Insert rows with one multi-row INSERT ... RETURNING per chunk. Runs on the database
    thread (inside `atomically`, or through `call` inside a transaction)."""
    values = [
        (
            user_id,
            batch_id,
            day.isoformat(),
            s.exercise_id,
            s.set_no,
            s.reps,
            s.seconds,
            s.load_kg,
            int(s.skipped),
            source,
            logged_at,
            s.rpe,
            s.rir,
        )
        for s in sets
    ]
    rows: list[Any] = []
    for start in range(0, len(values), _SET_ROWS_PER_INSERT):
        chunk = values[start : start + _SET_ROWS_PER_INSERT]
        marks = ", ".join(["(" + ", ".join("?" * len(chunk[0])) + ")"] * len(chunk))
        params = [p for row in chunk for p in row]
        rows += conn.execute(
            f"INSERT INTO set_logs ({_SET_INSERT_COLUMNS}) VALUES {marks} RETURNING {SET_COLUMNS}",
            params,
        ).fetchall()
    return rows


def _claim(conn: sqlite3.Connection, platform: str, event_id: str) -> bool:
    rows = conn.execute(
        "INSERT INTO processed_events (platform, event_id, seen_at) VALUES (?, ?, ?)"
        " ON CONFLICT DO NOTHING RETURNING 1",
        (platform, event_id, now_iso()),
    ).fetchall()
    return bool(rows)


def _user_for(conn: sqlite3.Connection, ref: UserRef, chat_id: str, display_name: str) -> User:
    """The person, created or refreshed (see get_or_create_user); runs on the database thread."""
    rows = conn.execute(
        f"SELECT {USER_COLUMNS} FROM users WHERE platform = ? AND platform_user_id = ?",
        (ref.platform, ref.user_id),
    ).fetchall()
    user = user_from(rows[0]) if rows else None
    if (
        user is not None
        and chat_id in ("", user.chat_id)
        and display_name in ("", user.display_name)
        and (user.active or not chat_id)
    ):
        return user  # the usual case: one read, no write
    rows = conn.execute(
        "INSERT INTO users"
        " (platform, platform_user_id, chat_id, display_name, settings, active, created_at)"
        " VALUES (?, ?, ?, ?, ?, 1, ?)"
        " ON CONFLICT (platform, platform_user_id) DO UPDATE SET"
        "  chat_id = COALESCE(NULLIF(excluded.chat_id, ''), users.chat_id),"
        "  display_name = COALESCE(NULLIF(excluded.display_name, ''), users.display_name),"
        "  active = CASE WHEN excluded.chat_id <> '' THEN 1 ELSE users.active END"
        f" RETURNING {USER_COLUMNS}",
        (ref.platform, ref.user_id, chat_id, display_name, _DEFAULT_SETTINGS, now_iso()),
    ).fetchall()
    return user_from(rows[0])


# Plans are stored as deflate with a preset dictionary of what every plan's JSON repeats (a
# 2.1 KB plan becomes about 360 bytes; plain zlib gets it to 540). Format byte first: this
# dictionary must never change; a better one gets a new format byte and keeps this one.
_PLAN_FORMAT_1 = b"\x01"
_PLAN_DICT_1 = (
    b'{"cooldown":[{"exercise_id":"","load_kg":null,"name":"","note":"","per_side":true,'
    b'"reps":null,"rest_seconds":0,"seconds":[30,45],"sets":1,"slot":"cooldown","warmup_sets":0}],'
    b'"day":"2026-","day_type":"full","main":[{"exercise_id":"","load_kg":null,"name":"",'
    b'"note":"","per_side":false,"reps":[10,15],"rest_seconds":45,"seconds":null,"sets":2,'
    b'"slot":"","warmup_sets":0}],"minutes":20,"next_training_day":null,"title":"",'
    b'"training":true,"warmup":[{"exercise_id":"","load_kg":null,"name":"","note":"",'
    b'"per_side":false,"reps":[8,10],"rest_seconds":0,"seconds":null,"sets":1,"slot":"warmup",'
    b'"warmup_sets":0}]}'
)


def _plan_blob(text: str) -> bytes:
    packer = zlib.compressobj(9, zdict=_PLAN_DICT_1)
    return _PLAN_FORMAT_1 + packer.compress(text.encode()) + packer.flush()


def plan_text(payload: str | bytes) -> str:
    """A stored plan's JSON: compressed since schema 6 (`_plan_blob`); rows written before
    then are plain text until they expire."""
    if isinstance(payload, str):
        return payload
    if payload[:1] != _PLAN_FORMAT_1:
        raise ValueError(f"unknown stored plan format {payload[:1]!r}")
    unpacker = zlib.decompressobj(zdict=_PLAN_DICT_1)
    return (unpacker.decompress(payload[1:]) + unpacker.flush()).decode()
