"""MemoryInbox: bot.core.ports.Inbox in memory, the inbox of bot/store/memory.py.

`apply` runs one entry at a time (a lock) and, when the work raises, puts the store's data back
as it was before (a snapshot), as SQLite's rollback would. Writes other tasks make to the
store during an apply are not isolated from it: tests apply one entry at a time.

`view(owner)` is another process on the same inbox (for the contract tests of claims, see
bot/store/claims.py): a process is alive from its view's creation until its `close`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.core.ports import ANSWERED, APPLIED, NEW, Arrival, InboxEntry, RecordRejected
from bot.store.claims import default_owner, lease_end
from bot.store.rows import to_json

if TYPE_CHECKING:
    from bot.store.memory import MemoryStore


@dataclass
class _Shared:
    """What every view of one inbox sees."""

    entries: dict[int, InboxEntry] = field(default_factory=dict)
    keys: dict[tuple[str, str], int] = field(default_factory=dict)
    finished_at: dict[int, datetime] = field(default_factory=dict)
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    applying: asyncio.Lock = field(default_factory=asyncio.Lock)
    alive: set[str] = field(default_factory=set)  # the owners whose process runs


class MemoryInbox:
    """Implements bot.core.ports.Inbox."""

    def __init__(
        self, store: MemoryStore, owner: str | None = None, shared: _Shared | None = None
    ) -> None:
        self._store = store
        self.owner = owner or default_owner()
        self._shared = shared or _Shared()
        self._shared.alive.add(self.owner)

    def view(self, owner: str) -> MemoryInbox:
        """The same inbox as another process named `owner` sees it."""
        return MemoryInbox(self._store, owner, self._shared)

    async def close(self) -> None:
        """This process ends: its entries are others' to finish."""
        self._shared.alive.discard(self.owner)

    def _may_take(self, entry: InboxEntry, now: datetime) -> bool:
        owner = entry.claimed_by
        if owner is None or owner == self.owner or owner not in self._shared.alive:
            return True
        return entry.lease_until is not None and entry.lease_until < now

    def _hold(self, entry: InboxEntry, now: datetime) -> InboxEntry:
        held = replace(entry, claimed_by=self.owner, lease_until=lease_end(now))
        self._shared.entries[entry.id] = held
        return held

    async def take(self, arrivals: Sequence[Arrival]) -> list[InboxEntry]:
        shared = self._shared
        taken: list[InboxEntry] = []
        if any(not a.event_id for a in arrivals):
            raise RecordRejected("CHECK constraint failed: event_id <> ''")  # nothing taken
        now = datetime.now(UTC)
        for a in arrivals:
            key = (a.platform, a.event_id)
            if key in shared.keys:
                continue
            entry = InboxEntry(
                a.platform, a.event_id, a.chat_key, a.payload,
                id=next(shared.ids), state=NEW, answer=None, sent=0,
            )  # fmt: skip
            shared.keys[key] = entry.id
            taken.append(self._hold(entry, now))
        return taken

    async def unfinished(self, platform: str) -> list[InboxEntry]:
        now = datetime.now(UTC)
        return [
            self._hold(e, now)
            for e in list(self._shared.entries.values())
            if e.platform == platform and e.state != ANSWERED and self._may_take(e, now)
        ]

    async def entry(self, platform: str, event_id: str) -> InboxEntry | None:
        return self._shared.entries.get(self._shared.keys.get((platform, event_id), 0))

    async def apply(
        self, entry_id: int, work: Callable[[], Awaitable[dict[str, Any]]]
    ) -> InboxEntry | None:
        async with self._shared.applying:
            entry = self._shared.entries.get(entry_id)
            if entry is None or not self._may_take(entry, datetime.now(UTC)):
                return None
            if entry.state != NEW:
                return self._hold(entry, datetime.now(UTC))
            before = self._store.snapshot()
            try:
                answer = await work()
            except BaseException:
                self._store.restore(before)
                raise
            # Through JSON, as SQLite stores it: the caller gets its own copy.
            stored = replace(entry, state=APPLIED, answer=json.loads(to_json(answer)), sent=0)
            return self._hold(stored, datetime.now(UTC))

    async def answered(self, entry_id: int, sent: int, done: bool) -> bool:
        shared = self._shared
        entry = shared.entries.get(entry_id)
        if entry is None or entry.claimed_by not in (None, self.owner):
            return False
        if done:
            shared.entries[entry_id] = replace(
                entry, state=ANSWERED, sent=sent, payload="", answer=None, lease_until=None
            )
            shared.finished_at[entry_id] = datetime.now(UTC)
            return True
        if entry.state != APPLIED:
            return False
        self._hold(replace(entry, sent=sent), datetime.now(UTC))
        return True

    async def prune(self, before: datetime) -> int:
        shared = self._shared
        gone = [i for i, at in shared.finished_at.items() if at < before]
        for entry_id in gone:
            entry = shared.entries.pop(entry_id)
            del shared.keys[(entry.platform, entry.event_id)]
            del shared.finished_at[entry_id]
        return len(gone)
