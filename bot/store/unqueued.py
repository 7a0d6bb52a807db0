"""`write_now`: one statement that doesn't queue behind the transactions waiting for the store's
lock (see bot/store/db.py). It runs at once on the one connection and, if a transaction is
open, joins it (committed, or rolled back, with it).

Only for the records of a delivery, which must not wait and which no transaction depends on:
a sent message's link, the inbox's "this answer is delivered", the outbox's "this push is
delivered". Every moment such a record waits behind a queue of updates being applied is a
moment in which a crash sends an answer or a push twice, or loses the link a reply needs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from bot.core.ports import RecordRejected
from bot.store.db import Database


async def write_now(db: Database, sql: str, params: Sequence[Any] = ()) -> int:
    """The rows it changed. A constraint the schema enforces raises RecordRejected (only this
    statement fails)."""

    def run(conn: sqlite3.Connection) -> int:
        return conn.execute(sql, params).rowcount

    connection = db.connection
    try:
        return await connection._execute(run, connection._conn)  # type: ignore[no-any-return]
    except sqlite3.IntegrityError as exc:
        raise RecordRejected(str(exc)) from exc
