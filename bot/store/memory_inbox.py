"""MemoryInbox: bot.core.ports.Inbox in memory, the inbox of bot/store/memory.py.

`apply` runs one entry at a time (a lock) and, when the work raises, puts the store's data back
as it was before (a snapshot), as SQLite's rollback would. Writes other tasks make to the
store during an apply are not isolated from it: tests apply one entry at a time.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.core.ports import ANSWERED, APPLIED, NEW, Arrival, InboxEntry, RecordRejected
from bot.store.rows import to_json

if TYPE_CHECKING:
    from bot.store.memory import MemoryStore


class MemoryInbox:
    """Implements bot.core.ports.Inbox."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._entries: dict[int, InboxEntry] = {}
        self._keys: dict[tuple[str, str], int] = {}
        self._finished_at: dict[int, datetime] = {}
        self._ids = itertools.count(1)
        self._applying = asyncio.Lock()

    async def take(self, arrivals: Sequence[Arrival]) -> list[InboxEntry]:
        taken: list[InboxEntry] = []
        if any(not a.event_id for a in arrivals):
            raise RecordRejected("CHECK constraint failed: event_id <> ''")  # nothing taken
        for a in arrivals:
            key = (a.platform, a.event_id)
            if key in self._keys:
                continue
            entry = InboxEntry(
                a.platform, a.event_id, a.chat_key, a.payload,
                id=next(self._ids), state=NEW, answer=None, sent=0,
            )  # fmt: skip
            self._entries[entry.id] = entry
            self._keys[key] = entry.id
            taken.append(entry)
        return taken

    async def unfinished(self, platform: str) -> list[InboxEntry]:
        return [e for e in self._entries.values() if e.platform == platform and e.state != ANSWERED]

    async def entry(self, platform: str, event_id: str) -> InboxEntry | None:
        return self._entries.get(self._keys.get((platform, event_id), 0))

    async def apply(
        self, entry_id: int, work: Callable[[], Awaitable[dict[str, Any]]]
    ) -> InboxEntry | None:
        async with self._applying:
            entry = self._entries.get(entry_id)
            if entry is None or entry.state != NEW:
                return entry
            before = self._store.snapshot()
            try:
                answer = await work()
            except BaseException:
                self._store.restore(before)
                raise
            # Through JSON, as SQLite stores it: the caller gets its own copy.
            stored = replace(entry, state=APPLIED, answer=json.loads(to_json(answer)), sent=0)
            self._entries[entry_id] = stored
            return stored

    async def answered(self, entry_id: int, sent: int, done: bool) -> None:
        entry = self._entries.get(entry_id)
        if entry is None:
            return
        if done:
            self._entries[entry_id] = replace(
                entry, state=ANSWERED, sent=sent, payload="", answer=None
            )
            self._finished_at[entry_id] = datetime.now(UTC)
        elif entry.state == APPLIED:
            self._entries[entry_id] = replace(entry, sent=sent)

    async def prune(self, before: datetime) -> int:
        gone = [i for i, at in self._finished_at.items() if at < before]
        for entry_id in gone:
            entry = self._entries.pop(entry_id)
            del self._keys[(entry.platform, entry.event_id)]
            del self._finished_at[entry_id]
        return len(gone)
