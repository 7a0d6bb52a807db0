"""Rest timers in SQLite: the timer's row plus the outbox row that delivers its ping, written
in one transaction (a mixin of SqliteStore; see migrations/0005_rest_timers.sql)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date, datetime, timedelta

from bot.core.ports import REST_KIND, RestTimer, rest_target
from bot.store.db import Database
from bot.store.rows import utc_iso

KEEP_DAYS = 2  # older timers of a person are deleted when they start a new one
_COLUMNS = "r.id, r.user_id, u.platform, r.chat_id, r.day, r.exercise_id, r.set_number, r.due_at"


def _timer(row: sqlite3.Row | tuple[object, ...]) -> RestTimer:
    tid, user_id, platform, chat_id, day, exercise_id, set_number, due_at = tuple(row)
    return RestTimer(
        id=int(str(tid)), user_id=int(str(user_id)), platform=str(platform),
        chat_id=str(chat_id), day=date.fromisoformat(str(day)), exercise_id=str(exercise_id),
        set_number=int(str(set_number)), due_at=datetime.fromisoformat(str(due_at)),
    )  # fmt: skip


class RestTimers(Database):
    async def start_rest(self, timer: RestTimer, now: datetime) -> RestTimer:
        stamp = utc_iso(now)

        def run(conn: sqlite3.Connection) -> RestTimer:
            running = conn.execute(
                f"SELECT {_COLUMNS} FROM rest_timers AS r JOIN users AS u ON u.id = r.user_id"
                " JOIN outbox AS o ON o.kind = ? AND o.target = 'rest:' || r.id"
                " WHERE r.user_id = ? AND r.day = ? AND r.exercise_id = ? AND r.set_number = ?"
                " AND o.state IN ('pending', 'sending')",
                (REST_KIND, timer.user_id, timer.day.isoformat(), timer.exercise_id,
                 timer.set_number),
            ).fetchone()  # fmt: skip
            if running is not None:
                return _timer(running)
            # One rest at a time: a newer timer replaces one still waiting.
            conn.execute(
                "UPDATE outbox SET state = 'skipped', last_error = 'replaced by a newer timer',"
                " updated_at = ? WHERE user_id = ? AND kind = ? AND state = 'pending'",
                (stamp, timer.user_id, REST_KIND),
            )
            old = (timer.day - timedelta(days=KEEP_DAYS)).isoformat()
            conn.execute(
                "DELETE FROM rest_timers WHERE user_id = ? AND day < ?", (timer.user_id, old)
            )
            due = utc_iso(timer.due_at)
            (timer_id,) = conn.execute(
                "INSERT INTO rest_timers"
                " (user_id, day, exercise_id, set_number, chat_id, due_at, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (timer.user_id, timer.day.isoformat(), timer.exercise_id, timer.set_number,
                 timer.chat_id, due, stamp),
            ).fetchone()  # fmt: skip
            conn.execute(
                "INSERT INTO outbox (platform, target, day, kind, user_id, chat_id, due_at,"
                " state, next_attempt_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                (timer.platform, rest_target(timer_id), timer.day.isoformat(), REST_KIND,
                 timer.user_id, timer.chat_id, due, due, stamp),
            )  # fmt: skip
            return replace(timer, id=timer_id)

        return await self.atomically(run)

    async def get_rest(self, timer_id: int) -> RestTimer | None:
        rows = await self.read(
            f"SELECT {_COLUMNS} FROM rest_timers AS r JOIN users AS u ON u.id = r.user_id"
            " WHERE r.id = ?",
            (timer_id,),
        )
        return _timer(rows[0]) if rows else None
