"""MemoryOutbox: bot.core.ports.Outbox in a dict, the memory store's outbox (see
bot/store/memory.py; bot/store/outbox.py is the SQL one). Rows and keys behave as the outbox
table's: one row per (platform, target, day, kind), ids never reused, times in UTC, unknown
people or channels refused before anything changes.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import fields, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from bot.core.ports import (
    FAILED,
    MISSED,
    PENDING,
    PUSH_STATES,
    REST_KIND,
    SENDING,
    SENT,
    NewPush,
    PushRow,
    RecordRejected,
    User,
)


class _Roster(Protocol):
    """What the outbox reads from the memory store it belongs to (no import back into it)."""

    def require_user(self, user_id: int) -> None: ...
    def has_channel_id(self, channel_id: int) -> bool: ...
    def active_people(self) -> Iterable[User]: ...


_OPEN = (PENDING, SENDING)
_ERROR_CHARS = 500  # last_error is cut to this, as in SQL


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _cut(error: str | None) -> str | None:
    return error[:_ERROR_CHARS] if error else None


class MemoryOutbox:
    """Implements bot.core.ports.Outbox over a MemoryStore's people and channels."""

    def __init__(self, store: _Roster) -> None:
        self._store = store
        self._rows: dict[int, PushRow] = {}
        self._keys: set[tuple[str, str, date, str]] = set()
        self._ids = itertools.count(1)
        self._last_tick: datetime | None = None

    def forget(self, user_id: int) -> None:
        for row in [r for r in self._rows.values() if r.user_id == user_id]:
            self._drop(row)

    def _drop(self, row: PushRow) -> None:
        del self._rows[row.id]
        self._keys.discard((row.platform, row.target, row.day, row.kind))

    def _update(self, push_id: int, when: Iterable[str] | None = None, **change: Any) -> bool:
        row = self._rows.get(push_id)
        if row is None or (when is not None and row.state not in when):
            return False
        self._rows[push_id] = replace(row, **change)
        return True

    # -- queueing ------------------------------------------------------------------------------

    async def queue(
        self, pushes: Sequence[NewPush], now: datetime, up_to: datetime | None = None
    ) -> tuple[int, int]:
        for push in pushes:
            if push.user_id is not None:
                self._store.require_user(push.user_id)
            if push.channel_id is not None and not self._store.has_channel_id(push.channel_id):
                raise RecordRejected(f"FOREIGN KEY constraint failed: no channel {push.channel_id}")
            if push.state not in PUSH_STATES:
                raise RecordRejected(f"CHECK constraint failed: state {push.state!r}")
        added = {PENDING: 0, MISSED: 0}
        for push in pushes:
            key = (push.platform, push.target, push.day, push.kind)
            if key in self._keys:
                continue
            self._keys.add(key)
            given = {f.name: getattr(push, f.name) for f in fields(NewPush)}
            given["due_at"] = due = _utc(push.due_at)
            row = PushRow(
                **given,
                id=next(self._ids),
                attempts=0,
                parts_sent=0,
                next_attempt_at=due,
                last_error=None,
            )
            self._rows[row.id] = row
            added[push.state] += 1
        if up_to is not None:
            self._last_tick = _utc(up_to)
        return added[PENDING], added[MISSED]

    async def last_tick(self) -> datetime | None:
        return self._last_tick

    # -- delivery ------------------------------------------------------------------------------

    async def recover(self, now: datetime) -> int:
        stuck = [r for r in self._rows.values() if r.state == SENDING]
        for row in stuck:
            if row.kind == REST_KIND:  # at most once: it may have gone out
                self._update(row.id, state=MISSED, last_error="may have been sent before a restart")
            else:
                self._update(row.id, state=PENDING)
        return sum(1 for row in stuck if row.kind != REST_KIND)

    def _pending(self, skip: Iterable[int], platforms: Sequence[str]) -> list[PushRow]:
        skipped = set(skip)
        return [
            r
            for r in self._rows.values()
            if r.state == PENDING and r.platform in platforms and r.id not in skipped
        ]

    async def ready(
        self, now: datetime, limit: int, skip: Iterable[int], platforms: Sequence[str]
    ) -> list[PushRow]:
        due = [r for r in self._pending(skip, platforms) if r.next_attempt_at <= now]
        due.sort(key=lambda r: (r.next_attempt_at, r.id))
        return due if limit < 0 else due[:limit]  # as SQL's LIMIT

    async def next_attempt(self, skip: Iterable[int], platforms: Sequence[str]) -> datetime | None:
        return min((r.next_attempt_at for r in self._pending(skip, platforms)), default=None)

    async def claim(
        self, now: datetime, limit: int, skip: Iterable[int], platforms: Sequence[str]
    ) -> list[PushRow]:
        return await self.ready(now, limit, skip, platforms)  # one process: every row is ours

    async def reclaim(self, now: datetime) -> int:
        return 0

    async def lead(self) -> bool:
        return True

    async def watch(self, wake: Callable[[], None]) -> None:
        return None

    async def begin(self, push_id: int, now: datetime) -> bool:
        return self._update(push_id, (PENDING,), state=SENDING)

    async def release(self, push_id: int, now: datetime) -> None:
        self._update(push_id, (SENDING,), state=PENDING)

    async def part_sent(self, push_id: int, parts: int, done: bool, now: datetime) -> None:
        self._update(push_id, parts_sent=parts, state=SENT if done else SENDING, last_error=None)

    async def rate_limited(self, push_id: int, at: datetime, error: str, now: datetime) -> None:
        self._update(push_id, state=PENDING, next_attempt_at=_utc(at), last_error=_cut(error))

    async def attempt_failed(
        self, push_id: int, error: str, now: datetime, retry_at: datetime | None
    ) -> None:
        row = self._rows.get(push_id)
        if row is None:
            return
        self._update(
            push_id,
            state=PENDING if retry_at is not None else FAILED,
            next_attempt_at=_utc(retry_at) if retry_at else row.next_attempt_at,
            last_error=_cut(error),
            attempts=row.attempts + 1,
        )

    async def reschedule(self, push_id: int, due_at: datetime, now: datetime) -> None:
        self._update(push_id, (PENDING,), due_at=_utc(due_at), next_attempt_at=_utc(due_at))

    async def finish(
        self, push_id: int, state: str, now: datetime, error: str | None = None
    ) -> None:
        if state not in PUSH_STATES:
            raise RecordRejected(f"CHECK constraint failed: state {state!r}")
        self._update(push_id, state=state, last_error=_cut(error))

    async def expire(self, now: datetime, grace: timedelta) -> int:
        late = [r.id for r in self._rows.values() if r.state in _OPEN and r.due_at < now - grace]
        for push_id in late:
            self._update(push_id, state=MISSED, last_error="past the grace window")
        return len(late)

    async def prune(self, before: date) -> int:
        old = [r for r in self._rows.values() if r.day < before and r.state not in _OPEN]
        for row in old:
            self._drop(row)
        return len(old)

    # -- reporting -----------------------------------------------------------------------------

    async def counts(self) -> dict[str, int]:
        found = dict.fromkeys(PUSH_STATES, 0)
        for row in self._rows.values():
            found[row.state] += 1
        return found

    async def pending_count(self) -> int:
        return sum(r.state == PENDING for r in self._rows.values())

    async def rows(self, **where: object) -> list[PushRow]:
        names = {f.name for f in fields(PushRow)}
        unknown = set(where) - names
        if unknown:
            raise ValueError(f"no such outbox column: {sorted(unknown)}")
        return sorted(
            (r for r in self._rows.values() if all(getattr(r, k) == v for k, v in where.items())),
            key=lambda r: r.id,
        )

    # -- who is due ----------------------------------------------------------------------------

    async def timezones(self) -> list[str]:
        return sorted({u.settings.timezone for u in self._store.active_people()})

    async def users_at(
        self, timezone: str, first: str, last: str, page: int = 2000
    ) -> AsyncIterator[list[User]]:
        def at(user: User) -> str:
            return user.settings.reminder_time.strftime("%H:%M")

        due = sorted(
            (
                u
                for u in self._store.active_people()
                if u.settings.timezone == timezone and first <= at(u) <= last
            ),
            key=lambda u: (at(u), u.id),
        )
        for start in range(0, len(due), page):
            yield due[start : start + page]
