"""Conversions between database rows and the core's records (bot.core.ports).

On SQLite dates are ISO text, datetimes UTC ISO text with microseconds (so text order = time
order), JSON compact with sorted keys. PostgreSQL (bot/store/postgres/) hands back native
dates, aware datetimes and booleans under the same column names: the converters take both.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from bot.core.events import MessageLink, UserRef
from bot.core.ports import Channel, InboxEntry, PushRow, SetLog, StoredLink, User
from bot.core.settings import Settings

USER_COLUMNS = "id, platform, platform_user_id, chat_id, display_name, settings, active"
SET_COLUMNS = (
    "id, user_id, plan_date, exercise_id, set_no, reps, seconds, load_kg, skipped,"
    " batch_id, source, logged_at, rpe, rir"
)
CHANNEL_COLUMNS = "id, platform, chat_id, settings, enabled"
LINK_COLUMNS = "user_id, kind, plan_date, exercise_id, owner_platform, owner_user_id"
INBOX_COLUMNS = (
    "id, platform, event_id, chat_key, payload, state, answer, sent, claimed_by, lease_until"
)


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def now_iso() -> str:
    return utc_iso(datetime.now(UTC))


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def settings_json(settings: Settings) -> str:
    return to_json(settings.to_dict())


def as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def as_datetime(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


Row = Any  # a sqlite3.Row or an asyncpg.Record: both are read by column name


def user_from(row: Row) -> User:
    return User(
        id=row["id"],
        ref=UserRef(row["platform"], row["platform_user_id"]),
        chat_id=row["chat_id"],
        display_name=row["display_name"],
        settings=Settings.from_dict(json.loads(row["settings"])),
        active=bool(row["active"]),
    )


def set_from(row: Row) -> SetLog:
    return SetLog(
        id=row["id"],
        user_id=row["user_id"],
        plan_date=as_date(row["plan_date"]),
        exercise_id=row["exercise_id"],
        set_no=row["set_no"],
        reps=row["reps"],
        seconds=row["seconds"],
        # RETURNING gives a whole REAL as an int (SQLite stores it so); reads give a float
        load_kg=float(row["load_kg"]) if row["load_kg"] is not None else None,
        skipped=bool(row["skipped"]),
        batch_id=row["batch_id"],
        source=row["source"],
        logged_at=as_datetime(row["logged_at"]),
        rpe=float(row["rpe"]) if row["rpe"] is not None else None,
        rir=row["rir"],
    )


def sets_from(rows: list[Row]) -> list[SetLog]:
    """In logging order: by date, then batch, then as written (RETURNING order is unspecified)."""
    logs = [set_from(row) for row in rows]
    logs.sort(key=lambda s: (s.plan_date, s.batch_id, s.id))
    return logs


def channel_from(row: Row) -> Channel:
    return Channel(
        id=row["id"],
        platform=row["platform"],
        chat_id=row["chat_id"],
        settings=Settings.from_dict(json.loads(row["settings"])),
        enabled=bool(row["enabled"]),
    )


def link_from(row: Row) -> StoredLink:
    owner = None
    if row["owner_platform"] is not None and row["owner_user_id"] is not None:
        owner = UserRef(row["owner_platform"], row["owner_user_id"])
    plan_date = row["plan_date"]
    return StoredLink(
        user_id=row["user_id"],
        link=MessageLink(
            kind=row["kind"],
            plan_date=as_date(plan_date) if plan_date else None,
            exercise_id=row["exercise_id"],
            owner=owner,
        ),
    )


def push_from(r: Row) -> PushRow:
    return PushRow(
        id=r["id"],
        kind=r["kind"],
        platform=r["platform"],
        target=r["target"],
        day=as_date(r["day"]),
        chat_id=r["chat_id"],
        due_at=as_datetime(r["due_at"]),
        user_id=r["user_id"],
        channel_id=r["channel_id"],
        state=r["state"],
        attempts=r["attempts"],
        parts_sent=r["parts_sent"],
        next_attempt_at=as_datetime(r["next_attempt_at"]),
        last_error=r["last_error"],
    )


def inbox_entry_from(r: Row) -> InboxEntry:
    return InboxEntry(
        id=r["id"],
        platform=r["platform"],
        event_id=r["event_id"],
        chat_key=r["chat_key"],
        payload=r["payload"],
        state=r["state"],
        answer=json.loads(r["answer"]) if r["answer"] else None,
        sent=r["sent"],
        claimed_by=r["claimed_by"],
        lease_until=as_datetime(r["lease_until"]) if r["lease_until"] else None,
    )
