"""Conversions between SQLite rows and the core's records (bot.core.ports).

Dates are ISO text, datetimes UTC ISO text with microseconds (so text order = time order),
JSON compact with sorted keys.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from bot.core.events import MessageLink, UserRef
from bot.core.ports import Channel, SetLog, StoredLink, User
from bot.core.settings import Settings

if TYPE_CHECKING:  # the JSON and time helpers serve bot/store/memory.py too, without sqlite3
    import sqlite3

USER_COLUMNS = "id, platform, platform_user_id, chat_id, display_name, settings, active"
SET_COLUMNS = (
    "id, user_id, plan_date, exercise_id, set_no, reps, seconds, load_kg, skipped,"
    " batch_id, source, logged_at, rpe, rir"
)
CHANNEL_COLUMNS = "id, platform, chat_id, settings, enabled"
LINK_COLUMNS = "user_id, kind, plan_date, exercise_id, owner_platform, owner_user_id"


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def now_iso() -> str:
    return utc_iso(datetime.now(UTC))


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def settings_json(settings: Settings) -> str:
    return to_json(settings.to_dict())


def user_from(row: sqlite3.Row) -> User:
    return User(
        id=row["id"],
        ref=UserRef(row["platform"], row["platform_user_id"]),
        chat_id=row["chat_id"],
        display_name=row["display_name"],
        settings=Settings.from_dict(json.loads(row["settings"])),
        active=bool(row["active"]),
    )


def set_from(row: sqlite3.Row) -> SetLog:
    return SetLog(
        id=row["id"],
        user_id=row["user_id"],
        plan_date=date.fromisoformat(row["plan_date"]),
        exercise_id=row["exercise_id"],
        set_no=row["set_no"],
        reps=row["reps"],
        seconds=row["seconds"],
        # RETURNING gives a whole REAL as an int (SQLite stores it so); reads give a float
        load_kg=float(row["load_kg"]) if row["load_kg"] is not None else None,
        skipped=bool(row["skipped"]),
        batch_id=row["batch_id"],
        source=row["source"],
        logged_at=datetime.fromisoformat(row["logged_at"]),
        rpe=float(row["rpe"]) if row["rpe"] is not None else None,
        rir=row["rir"],
    )


def sets_from(rows: list[sqlite3.Row]) -> list[SetLog]:
    """In logging order: by date, then batch, then as written (RETURNING order is unspecified)."""
    logs = [set_from(row) for row in rows]
    logs.sort(key=lambda s: (s.plan_date, s.batch_id, s.id))
    return logs


def channel_from(row: sqlite3.Row) -> Channel:
    return Channel(
        id=row["id"],
        platform=row["platform"],
        chat_id=row["chat_id"],
        settings=Settings.from_dict(json.loads(row["settings"])),
        enabled=bool(row["enabled"]),
    )


def link_from(row: sqlite3.Row) -> StoredLink:
    owner = None
    if row["owner_platform"] is not None and row["owner_user_id"] is not None:
        owner = UserRef(row["owner_platform"], row["owner_user_id"])
    plan_date = row["plan_date"]
    return StoredLink(
        user_id=row["user_id"],
        link=MessageLink(
            kind=row["kind"],
            plan_date=date.fromisoformat(plan_date) if plan_date else None,
            exercise_id=row["exercise_id"],
            owner=owner,
        ),
    )
