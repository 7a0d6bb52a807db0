"""SqliteStore's exercise choices (/swap, /avoid) and their undo journal. Each function runs on
the database thread inside `atomically`, so a change and its journal row land together."""

from __future__ import annotations

import sqlite3
from datetime import date

from bot.core.ports import ChoiceChange, Choices
from bot.store.rows import now_iso


def get_choices(conn: sqlite3.Connection, user_id: int, block_start: date) -> Choices:
    rows = conn.execute(
        "SELECT exercise_id, chosen_id FROM exercise_swaps WHERE user_id = ? AND block_start = ?"
        " UNION ALL SELECT exercise_id, NULL FROM exercise_avoids WHERE user_id = ?",
        (user_id, block_start.isoformat(), user_id),
    ).fetchall()
    swaps = {r[0]: r[1] for r in rows if r[1] is not None}
    return Choices(swaps, frozenset(r[0] for r in rows if r[1] is None))


def _newest_batch(conn: sqlite3.Connection, user_id: int) -> int:
    row = conn.execute("SELECT MAX(id) FROM set_batches WHERE user_id = ?", (user_id,)).fetchone()
    return int(row[0] or 0)


def _journal(conn: sqlite3.Connection, user_id: int, change: ChoiceChange) -> None:
    conn.execute(
        "INSERT INTO choice_changes (user_id, kind, exercise_id, block_start, before, after,"
        " after_batch, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            user_id,
            change.kind,
            change.exercise_id,
            change.block_start.isoformat() if change.block_start else None,
            change.before,
            change.after,
            _newest_batch(conn, user_id),
            now_iso(),
        ),
    )


def _put_swap(
    conn: sqlite3.Connection, user_id: int, block: str, exercise_id: str, chosen: str | None
) -> None:
    if chosen is None:
        conn.execute(
            "DELETE FROM exercise_swaps WHERE user_id = ? AND block_start = ? AND exercise_id = ?",
            (user_id, block, exercise_id),
        )
    else:
        conn.execute(
            "INSERT INTO exercise_swaps (user_id, block_start, exercise_id, chosen_id)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (user_id, block_start, exercise_id)"
            " DO UPDATE SET chosen_id = excluded.chosen_id",
            (user_id, block, exercise_id, chosen),
        )


def _put_avoid(conn: sqlite3.Connection, user_id: int, exercise_id: str, avoided: bool) -> None:
    if avoided:
        conn.execute(
            "INSERT OR IGNORE INTO exercise_avoids (user_id, exercise_id, created_at)"
            " VALUES (?, ?, ?)",
            (user_id, exercise_id, now_iso()),
        )
    else:
        conn.execute(
            "DELETE FROM exercise_avoids WHERE user_id = ? AND exercise_id = ?",
            (user_id, exercise_id),
        )


def set_swap(
    conn: sqlite3.Connection,
    user_id: int,
    block_start: date,
    exercise_id: str,
    chosen_id: str | None,
) -> None:
    block = block_start.isoformat()
    row = conn.execute(
        "SELECT chosen_id FROM exercise_swaps"
        " WHERE user_id = ? AND block_start = ? AND exercise_id = ?",
        (user_id, block, exercise_id),
    ).fetchone()
    before = row[0] if row else None
    if before == chosen_id:
        return
    _put_swap(conn, user_id, block, exercise_id, chosen_id)
    _journal(conn, user_id, ChoiceChange("swap", exercise_id, block_start, before, chosen_id))


def set_avoid(conn: sqlite3.Connection, user_id: int, exercise_id: str, avoided: bool) -> None:
    row = conn.execute(
        "SELECT 1 FROM exercise_avoids WHERE user_id = ? AND exercise_id = ?",
        (user_id, exercise_id),
    ).fetchone()
    if (row is not None) == avoided:
        return
    _put_avoid(conn, user_id, exercise_id, avoided)
    now, was = (exercise_id, None) if avoided else (None, exercise_id)
    _journal(conn, user_id, ChoiceChange("avoid", exercise_id, None, was, now))


def undo_choice(conn: sqlite3.Connection, user_id: int) -> ChoiceChange | None:
    row = conn.execute(
        "SELECT id, kind, exercise_id, block_start, before, after, after_batch"
        " FROM choice_changes WHERE user_id = ? ORDER BY id DESC LIMIT 1",
        (user_id,),
    ).fetchone()
    if row is None or row["after_batch"] != _newest_batch(conn, user_id):
        return None
    block = date.fromisoformat(row["block_start"]) if row["block_start"] else None
    change = ChoiceChange(row["kind"], row["exercise_id"], block, row["before"], row["after"])
    if change.kind == "swap" and block is not None:
        _put_swap(conn, user_id, block.isoformat(), change.exercise_id, change.before)
    else:
        _put_avoid(conn, user_id, change.exercise_id, change.before is not None)
    conn.execute("DELETE FROM choice_changes WHERE id = ?", (row["id"],))
    return change
