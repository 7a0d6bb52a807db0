"""Rest timers on PostgreSQL: the timer's row plus the outbox row that delivers its ping, in
one transaction (a mixin of PostgresStore; the twin of bot/store/rest.py). The person's row is
locked first, so two processes starting a timer for the same person at once keep one."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot.core.ports import REST_KIND, RestTimer, rest_target
from bot.store.postgres.database import PgDatabase
from bot.store.rest import KEEP_DAYS

_COLUMNS = "r.id, r.user_id, u.platform, r.chat_id, r.day, r.exercise_id, r.set_number, r.due_at"


def _timer(row: Any) -> RestTimer:
    tid, user_id, platform, chat_id, day, exercise_id, set_number, due_at = tuple(row)
    return RestTimer(
        id=int(tid), user_id=int(user_id), platform=str(platform), chat_id=str(chat_id),
        day=day, exercise_id=str(exercise_id), set_number=int(set_number), due_at=due_at,
    )  # fmt: skip


class PgRestTimers(PgDatabase):
    async def start_rest(self, timer: RestTimer, now: datetime) -> RestTimer:
        async with self.transaction() as conn:
            await conn.execute("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", timer.user_id)
            running = await conn.fetchrow(
                f"SELECT {_COLUMNS} FROM rest_timers AS r JOIN users AS u ON u.id = r.user_id"
                " JOIN outbox AS o ON o.kind = $1 AND o.target = 'rest:' || r.id"
                " WHERE r.user_id = $2 AND r.day = $3 AND r.exercise_id = $4"
                " AND r.set_number = $5 AND o.state IN ('pending', 'sending')",
                REST_KIND, timer.user_id, timer.day, timer.exercise_id, timer.set_number,
            )  # fmt: skip
            if running is not None:
                return _timer(running)
            # One rest at a time: a newer timer replaces one still waiting.
            await conn.execute(
                "UPDATE outbox SET state = 'skipped', last_error = 'replaced by a newer timer',"
                " updated_at = $1 WHERE user_id = $2 AND kind = $3 AND state = 'pending'",
                now, timer.user_id, REST_KIND,
            )  # fmt: skip
            await conn.execute(
                "DELETE FROM rest_timers WHERE user_id = $1 AND day < $2",
                timer.user_id,
                timer.day - timedelta(days=KEEP_DAYS),
            )
            timer_id = await conn.fetchval(
                "INSERT INTO rest_timers"
                " (user_id, day, exercise_id, set_number, chat_id, due_at, created_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                timer.user_id, timer.day, timer.exercise_id, timer.set_number,
                timer.chat_id, timer.due_at, now,
            )  # fmt: skip
            await conn.execute(
                "INSERT INTO outbox (platform, target, day, kind, user_id, chat_id, due_at,"
                " state, next_attempt_at, updated_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $7, $8)",
                timer.platform, rest_target(timer_id), timer.day, REST_KIND,
                timer.user_id, timer.chat_id, timer.due_at, now,
            )  # fmt: skip
            await conn.execute("SELECT pg_notify('backline_outbox', '')")
        return replace(timer, id=int(timer_id))

    async def get_rest(self, timer_id: int) -> RestTimer | None:
        rows = await self.fetch(
            f"SELECT {_COLUMNS} FROM rest_timers AS r JOIN users AS u ON u.id = r.user_id"
            " WHERE r.id = $1",
            timer_id,
        )
        return _timer(rows[0]) if rows else None
