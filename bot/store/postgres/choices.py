"""Exercise choices (/swap, /avoid) on PostgreSQL: a mixin of PostgresStore, the twin of
bot/store/choices.py. Each change and its journal row are one transaction, with the person's
row locked first so two processes changing the same person's choices take turns."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import asyncpg

from bot.core.ports import ChoiceChange, Choices
from bot.store.postgres.database import PgDatabase


async def _newest_batch(conn: asyncpg.Connection, user_id: int) -> int:
    found = await conn.fetchval("SELECT MAX(id) FROM set_batches WHERE user_id = $1", user_id)
    return int(found or 0)


async def _put_swap(
    conn: asyncpg.Connection, user_id: int, block: date, exercise_id: str, chosen: str | None
) -> None:
    if chosen is None:
        await conn.execute(
            "DELETE FROM exercise_swaps"
            " WHERE user_id = $1 AND block_start = $2 AND exercise_id = $3",
            user_id, block, exercise_id,
        )  # fmt: skip
    else:
        await conn.execute(
            "INSERT INTO exercise_swaps (user_id, block_start, exercise_id, chosen_id)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, block_start, exercise_id)"
            " DO UPDATE SET chosen_id = excluded.chosen_id",
            user_id, block, exercise_id, chosen,
        )  # fmt: skip


async def _put_avoid(
    conn: asyncpg.Connection, user_id: int, exercise_id: str, avoided: bool
) -> None:
    if avoided:
        await conn.execute(
            "INSERT INTO exercise_avoids (user_id, exercise_id, created_at) VALUES ($1, $2, $3)"
            " ON CONFLICT DO NOTHING",
            user_id, exercise_id, datetime.now(UTC),
        )  # fmt: skip
    else:
        await conn.execute(
            "DELETE FROM exercise_avoids WHERE user_id = $1 AND exercise_id = $2",
            user_id, exercise_id,
        )  # fmt: skip


class PgChoices(PgDatabase):
    async def get_choices(self, user_id: int, block_start: date) -> Choices:
        # One round trip: it is read before every plan.
        rows = await self.fetch(
            "SELECT exercise_id, chosen_id FROM exercise_swaps"
            " WHERE user_id = $1 AND block_start = $2"
            " UNION ALL SELECT exercise_id, NULL FROM exercise_avoids WHERE user_id = $1",
            user_id, block_start,
        )  # fmt: skip
        swaps = {r[0]: r[1] for r in rows if r[1] is not None}
        return Choices(swaps, frozenset(r[0] for r in rows if r[1] is None))

    async def _change(self, user_id: int, change: ChoiceChange, conn: Any) -> None:
        await conn.execute(
            "INSERT INTO choice_changes (user_id, kind, exercise_id, block_start, before, after,"
            " after_batch, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            user_id, change.kind, change.exercise_id, change.block_start, change.before,
            change.after, await _newest_batch(conn, user_id), datetime.now(UTC),
        )  # fmt: skip

    async def set_swap(
        self, user_id: int, block_start: date, exercise_id: str, chosen_id: str | None
    ) -> None:
        async with self.transaction() as conn:
            await conn.execute("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", user_id)
            before = await conn.fetchval(
                "SELECT chosen_id FROM exercise_swaps"
                " WHERE user_id = $1 AND block_start = $2 AND exercise_id = $3",
                user_id, block_start, exercise_id,
            )  # fmt: skip
            if before == chosen_id:
                return
            await _put_swap(conn, user_id, block_start, exercise_id, chosen_id)
            change = ChoiceChange("swap", exercise_id, block_start, before, chosen_id)
            await self._change(user_id, change, conn)

    async def set_avoid(self, user_id: int, exercise_id: str, avoided: bool) -> None:
        async with self.transaction() as conn:
            await conn.execute("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", user_id)
            was = await conn.fetchval(
                "SELECT 1 FROM exercise_avoids WHERE user_id = $1 AND exercise_id = $2",
                user_id, exercise_id,
            )  # fmt: skip
            if (was is not None) == avoided:
                return
            await _put_avoid(conn, user_id, exercise_id, avoided)
            now, before = (exercise_id, None) if avoided else (None, exercise_id)
            await self._change(user_id, ChoiceChange("avoid", exercise_id, None, before, now), conn)

    async def undo_choice(self, user_id: int) -> ChoiceChange | None:
        async with self.transaction() as conn:
            await conn.execute("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", user_id)
            row = await conn.fetchrow(
                "SELECT id, kind, exercise_id, block_start, before, after, after_batch"
                " FROM choice_changes WHERE user_id = $1 ORDER BY id DESC LIMIT 1",
                user_id,
            )
            if row is None or row["after_batch"] != await _newest_batch(conn, user_id):
                return None
            block = row["block_start"]
            change = ChoiceChange(
                row["kind"], row["exercise_id"], block, row["before"], row["after"]
            )
            if change.kind == "swap" and block is not None:
                await _put_swap(conn, user_id, block, change.exercise_id, change.before)
            else:
                await _put_avoid(conn, user_id, change.exercise_id, change.before is not None)
            await conn.execute("DELETE FROM choice_changes WHERE id = $1", row["id"])
            return change
