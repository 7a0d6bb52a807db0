"""MemoryStore: bot.core.ports.Persistence in plain dicts, for fast core tests (its outbox is
bot/store/memory_outbox.py).

It behaves like SqliteStore wherever a caller could tell (tests/test_store_contract.py runs
the same suite on both): ids are never reused, plans and state go through JSON (tuples come
back as lists, every read is a fresh copy), settings through Settings.to_dict, loads become
floats, lists come in the same order, and a write the schema would refuse raises
RecordRejected before anything changes. What it doesn't do: survive the process, share data
with another process, or prune old event ids (that is housekeeping, not behaviour).

Every method runs without awaiting anything, so each one is atomic in the event loop.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from bot.core.events import MessageLink, UserRef
from bot.core.ports import (
    LINK_RETENTION,
    PENDING,
    REST_KIND,
    SENDING,
    SKIPPED,
    Channel,
    ChoiceChange,
    Choices,
    NewPush,
    NewSet,
    RecordRejected,
    RestTimer,
    SetLog,
    StoredLink,
    User,
    rest_target,
    rest_timer_id,
)
from bot.core.settings import Settings
from bot.store.memory_inbox import MemoryInbox
from bot.store.memory_outbox import MemoryOutbox
from bot.store.rows import to_json


def _order(sets: Iterable[SetLog]) -> list[SetLog]:
    return sorted(sets, key=lambda s: (s.plan_date, s.batch_id, s.id))


@dataclass(slots=True)
class _Person:
    """A user row: settings kept as their stored dict, like the JSON column."""

    id: int
    ref: UserRef
    chat_id: str
    display_name: str
    settings: dict[str, Any]
    active: bool

    def user(self) -> User:
        return User(
            self.id,
            self.ref,
            self.chat_id,
            self.display_name,
            Settings.from_dict(self.settings),
            self.active,
        )


class MemoryStore:
    """Implements bot.core.ports.Persistence; see the module docstring."""

    def __init__(self) -> None:
        self._people: dict[int, _Person] = {}
        self._by_ref: dict[UserRef, int] = {}
        self._plans: dict[tuple[int, date], tuple[str, str]] = {}  # -> (key, payload JSON)
        self._sets: dict[int, SetLog] = {}
        self._batches: dict[int, int] = {}  # batch id -> user id
        self._links: dict[tuple[str, str, str], tuple[StoredLink, datetime]] = {}  # -> made at
        self._states: dict[int, str] = {}  # user id -> state JSON
        self._events: set[tuple[str, str]] = set()
        self._counters: dict[str, int] = {}
        self._channels: dict[tuple[str, str], Channel] = {}
        self._rests: dict[int, RestTimer] = {}
        self._rest_ids = itertools.count(1)
        self._swaps: dict[tuple[int, date, str], str] = {}  # (user, block start, pick) -> chosen
        self._avoids: dict[int, set[str]] = {}
        # user -> [(change, their newest batch id when it was made)], newest last
        self._choice_log: dict[int, list[tuple[ChoiceChange, int]]] = {}
        # AUTOINCREMENT: every id once, never reused after a delete.
        self._user_ids, self._set_ids, self._batch_ids, self._channel_ids = (
            itertools.count(1),
            itertools.count(1),
            itertools.count(1),
            itertools.count(1),
        )
        self._closed = False
        self.outbox = MemoryOutbox(self)
        self.inbox = MemoryInbox(self)

    # -- lifecycle -----------------------------------------------------------------------------

    async def ping(self) -> None:
        if self._closed:
            raise RuntimeError("the store is closed")

    async def close(self) -> None:
        self._closed = True

    # What a rolled-back inbox entry puts back (ids stay spent, as with AUTOINCREMENT).
    _DATA = ("_people", "_by_ref", "_plans", "_sets", "_batches", "_links", "_states",
             "_events", "_counters", "_channels")  # fmt: skip

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy({name: getattr(self, name) for name in self._DATA})

    def restore(self, snapshot: dict[str, Any]) -> None:
        for name, value in snapshot.items():
            setattr(self, name, value)

    def require_user(self, user_id: int) -> None:
        if user_id not in self._people:
            raise RecordRejected(f"FOREIGN KEY constraint failed: no user {user_id}")

    def has_channel_id(self, channel_id: int) -> bool:
        return any(c.id == channel_id for c in self._channels.values())

    # -- people --------------------------------------------------------------------------------

    async def get_or_create_user(self, ref: UserRef, chat_id: str, display_name: str) -> User:
        return self._user_for(ref, chat_id, display_name)

    def _user_for(self, ref: UserRef, chat_id: str, display_name: str) -> User:
        person = self._people.get(self._by_ref.get(ref, 0))
        if person is None:
            person = _Person(
                next(self._user_ids), ref, chat_id, display_name, Settings().to_dict(), True
            )
            self._people[person.id] = person
            self._by_ref[ref] = person.id
            return person.user()
        person.chat_id = chat_id or person.chat_id
        person.display_name = display_name or person.display_name
        person.active = person.active or bool(chat_id)
        return person.user()

    async def get_user(self, user_id: int) -> User | None:
        person = self._people.get(user_id)
        return person.user() if person else None

    async def find_user(self, ref: UserRef) -> User | None:
        return await self.get_user(self._by_ref.get(ref, 0))

    async def save_settings(self, user_id: int, settings: Settings) -> None:
        if person := self._people.get(user_id):
            person.settings = json.loads(to_json(settings.to_dict()))

    async def set_active(self, user_id: int, active: bool) -> None:
        if person := self._people.get(user_id):
            person.active = active

    async def forget_user(self, user_id: int) -> None:
        person = self._people.pop(user_id, None)
        for slot in [slot for slot in self._plans if slot[0] == user_id]:
            del self._plans[slot]
        for set_id in [i for i, s in self._sets.items() if s.user_id == user_id]:
            del self._sets[set_id]
        for batch in [b for b, owner in self._batches.items() if owner == user_id]:
            del self._batches[batch]
        self._states.pop(user_id, None)
        for swap in [swap for swap in self._swaps if swap[0] == user_id]:
            del self._swaps[swap]
        self._avoids.pop(user_id, None)
        self._choice_log.pop(user_id, None)
        self.outbox.forget(user_id)
        for timer_id in [i for i, t in self._rests.items() if t.user_id == user_id]:
            del self._rests[timer_id]
        for (platform, chat_id, message_id), (stored, _) in list(self._links.items()):
            theirs = stored.user_id == user_id
            if person is not None:
                # Links they own, and every link in their private chat (how-tos, prompts).
                in_their_chat = (platform, chat_id) == (person.ref.platform, person.chat_id)
                theirs = theirs or stored.link.owner == person.ref
                theirs = theirs or (in_their_chat and person.chat_id != "")
            if theirs:
                del self._links[(platform, chat_id, message_id)]
        if person is not None:
            del self._by_ref[person.ref]

    # -- events and counters -------------------------------------------------------------------

    async def start_event(
        self, ref: UserRef, chat_id: str, display_name: str, event_id: str
    ) -> User | None:
        if event_id and not self._claim(ref.platform, event_id):
            return None
        return self._user_for(ref, chat_id, display_name)

    async def claim_event(self, platform: str, event_id: str) -> bool:
        return self._claim(platform, event_id)

    def _claim(self, platform: str, event_id: str) -> bool:
        if (platform, event_id) in self._events:
            return False
        self._events.add((platform, event_id))
        return True

    async def next_seq(self, name: str) -> int:
        self._counters[name] = self._counters.get(name, 0) + 1
        return self._counters[name]

    # -- plans ---------------------------------------------------------------------------------

    async def get_plan(self, user_id: int, day: date) -> tuple[str, dict[str, Any]] | None:
        found = self._plans.get((user_id, day))
        return (found[0], json.loads(found[1])) if found else None

    async def save_plan(self, user_id: int, day: date, key: str, payload: dict[str, Any]) -> None:
        self.require_user(user_id)
        self._plans[(user_id, day)] = (key, to_json(payload))

    # -- set logs ------------------------------------------------------------------------------

    async def add_sets(
        self, user_id: int, day: date, sets: list[NewSet], source: str | None
    ) -> list[SetLog]:
        if not sets:
            return []
        self._check_sets(user_id, sets)
        batch = next(self._batch_ids)
        self._batches[batch] = user_id
        return self._insert(user_id, batch, day, sets, source)

    def _check_sets(self, user_id: int, sets: list[NewSet]) -> None:
        """The schema's CHECKs and foreign key on set_logs, before anything changes."""
        self.require_user(user_id)
        for s in sets:
            if not s.exercise_id or s.set_no < 1:
                raise RecordRejected(f"CHECK constraint failed: {s}")
            if (s.reps is not None and s.reps < 0) or (s.seconds is not None and s.seconds < 0):
                raise RecordRejected(f"CHECK constraint failed: {s}")
            if (s.rpe is not None and not 1 <= s.rpe <= 10) or (
                s.rir is not None and not 0 <= s.rir <= 10
            ):  # the same CHECKs as set_logs.rpe and .rir
                raise RecordRejected(f"CHECK constraint failed: {s}")

    def _insert(
        self, user_id: int, batch: int, day: date, sets: list[NewSet], source: str | None
    ) -> list[SetLog]:
        now, stored = datetime.now(UTC), []
        for s in sets:
            log = SetLog(
                id=next(self._set_ids),
                user_id=user_id,
                plan_date=day,
                exercise_id=s.exercise_id,
                set_no=s.set_no,
                reps=s.reps,
                seconds=s.seconds,
                load_kg=float(s.load_kg) if s.load_kg is not None else None,
                skipped=s.skipped,
                batch_id=batch,
                source=source,
                logged_at=now,
                rpe=s.rpe,
                rir=s.rir,
            )
            self._sets[log.id] = log
            stored.append(log)
        return stored

    def _own(self, user_id: int) -> list[SetLog]:
        return [s for s in self._sets.values() if s.user_id == user_id]

    def _swap(
        self, user_id: int, old: list[SetLog], sets: list[NewSet], source: str | None
    ) -> tuple[list[SetLog], list[SetLog]]:
        """Replace `old` (this person's) with `sets` in the batch and on the date of the first
        old set, then drop batches left empty. Nothing old: nothing changes."""
        if not old:
            return [], []
        if sets:
            self._check_sets(user_id, sets)
        old = _order(old)
        self._delete(old)
        new = self._insert(user_id, old[0].batch_id, old[0].plan_date, sets, source)
        self._drop_empty_batches(old)
        return old, new

    def _delete(self, sets: list[SetLog]) -> None:
        for s in sets:
            del self._sets[s.id]

    def _drop_empty_batches(self, gone: list[SetLog]) -> None:
        used = {s.batch_id for s in self._sets.values()}
        for batch in {s.batch_id for s in gone} - used:
            self._batches.pop(batch, None)

    async def replace_sets_from_source(
        self, user_id: int, source: str, sets: list[NewSet]
    ) -> tuple[list[SetLog], list[SetLog]]:
        old = [s for s in self._own(user_id) if s.source == source]
        return self._swap(user_id, old, sets, source)

    async def sets_from_source(self, user_id: int, source: str) -> list[SetLog]:
        return _order(s for s in self._own(user_id) if s.source == source)

    async def delete_last_batch(self, user_id: int) -> list[SetLog]:
        batches = [b for b, owner in self._batches.items() if owner == user_id]
        if not batches:
            return []
        last = max(batches)
        gone = _order(s for s in self._sets.values() if s.batch_id == last)
        self._delete(gone)
        if gone:
            del self._batches[last]
        return gone

    async def sets_on(self, user_id: int, day: date) -> list[SetLog]:
        return _order(s for s in self._own(user_id) if s.plan_date == day)

    async def exercises_logged_on(self, user_id: int, day: date) -> set[str]:
        return {s.exercise_id for s in self._own(user_id) if s.plan_date == day}

    async def sets_between(self, user_id: int, start: date, end: date) -> list[SetLog]:
        return _order(s for s in self._own(user_id) if start <= s.plan_date <= end)

    async def recent_sets_for(self, user_id: int, exercise_id: str, sessions: int) -> list[SetLog]:
        return _last_sessions([s for s in self._own(user_id) if s.exercise_id == exercise_id],
                              sessions)  # fmt: skip

    async def recent_sets_by_exercise(
        self, user_id: int, exercise_ids: Sequence[str], sessions: int
    ) -> dict[str, list[SetLog]]:
        found: dict[str, list[SetLog]] = {}
        own = self._own(user_id)
        for exercise_id in dict.fromkeys(exercise_ids):
            recent = _last_sessions([s for s in own if s.exercise_id == exercise_id], sessions)
            if recent:
                found[exercise_id] = recent
        return found

    # -- history -------------------------------------------------------------------------------

    async def recent_sets(self, user_id: int, sessions: int) -> list[SetLog]:
        return _last_sessions(self._own(user_id), sessions)

    async def delete_sets(self, user_id: int, ids: Sequence[int]) -> list[SetLog]:
        wanted = set(ids)
        gone = _order(s for s in self._own(user_id) if s.id in wanted)
        self._delete(gone)
        self._drop_empty_batches(gone)
        return gone

    async def replace_sets(
        self, user_id: int, ids: Sequence[int], sets: list[NewSet]
    ) -> tuple[list[SetLog], list[SetLog]]:
        wanted = set(ids)
        old = _order(s for s in self._own(user_id) if s.id in wanted)
        return self._swap(user_id, old, sets, old[0].source if old else None)

    async def export_sets(self, user_id: int) -> list[SetLog]:
        return _order(self._own(user_id))

    # -- message links -------------------------------------------------------------------------

    async def link_message(
        self, platform: str, chat_id: str, message_id: str, user_id: int | None, link: MessageLink
    ) -> None:
        if user_id is None and link.owner is not None:
            user_id = self._by_ref.get(link.owner)
        if user_id is not None:
            self.require_user(user_id)
        # Only the fields message_links has columns for, as SQLite keeps them.
        kept = MessageLink(link.kind, link.plan_date, link.exercise_id, link.owner)
        made = datetime.now(UTC)
        self._links[(platform, chat_id, message_id)] = (StoredLink(user_id, kept), made)

    async def resolve_message(
        self, platform: str, chat_id: str, message_id: str
    ) -> StoredLink | None:
        found = self._links.get((platform, chat_id, message_id))
        if found is None or found[1] < datetime.now(UTC) - LINK_RETENTION:
            return None
        return found[0]

    async def expire_links(self, now: datetime) -> None:
        cutoff = now - LINK_RETENTION
        for key in [k for k, (_, made) in self._links.items() if made < cutoff]:
            del self._links[key]
        referred = {(stored.user_id, stored.link.plan_date) for stored, _ in self._links.values()}
        for slot in [s for s in self._plans if s[1] < cutoff.date() and s not in referred]:
            del self._plans[slot]

    # -- conversation state --------------------------------------------------------------------

    async def get_state(self, user_id: int) -> dict[str, Any] | None:
        found = self._states.get(user_id)
        return json.loads(found) if found is not None else None

    async def set_state(self, user_id: int, state: dict[str, Any] | None) -> None:
        if state is None:
            self._states.pop(user_id, None)
            return
        self.require_user(user_id)
        self._states[user_id] = to_json(state)

    # -- exercise choices ----------------------------------------------------------------------

    async def get_choices(self, user_id: int, block_start: date) -> Choices:
        swaps = {e: c for (u, b, e), c in self._swaps.items() if (u, b) == (user_id, block_start)}
        return Choices(swaps, frozenset(self._avoids.get(user_id, ())))

    def _newest_batch(self, user_id: int) -> int:
        return max((b for b, owner in self._batches.items() if owner == user_id), default=0)

    def _change(self, user_id: int, change: ChoiceChange) -> None:
        if not change.exercise_id or (change.after is not None and not change.after):
            raise RecordRejected(f"CHECK constraint failed: {change}")
        self.require_user(user_id)
        self._apply(user_id, change, change.after)
        log = self._choice_log.setdefault(user_id, [])
        log.append((change, self._newest_batch(user_id)))

    def _apply(self, user_id: int, change: ChoiceChange, value: str | None) -> None:
        if change.kind == "swap" and change.block_start is not None:
            slot = (user_id, change.block_start, change.exercise_id)
            if value is None:
                self._swaps.pop(slot, None)
            else:
                self._swaps[slot] = value
        else:
            avoided = self._avoids.setdefault(user_id, set())
            if value is None:
                avoided.discard(change.exercise_id)
            else:
                avoided.add(change.exercise_id)

    async def set_swap(
        self, user_id: int, block_start: date, exercise_id: str, chosen_id: str | None
    ) -> None:
        before = self._swaps.get((user_id, block_start, exercise_id))
        if before != chosen_id:
            self._change(user_id, ChoiceChange("swap", exercise_id, block_start, before, chosen_id))

    async def set_avoid(self, user_id: int, exercise_id: str, avoided: bool) -> None:
        was = exercise_id in self._avoids.get(user_id, ())
        if was != avoided:
            now, before = (exercise_id, None) if avoided else (None, exercise_id)
            self._change(user_id, ChoiceChange("avoid", exercise_id, None, before, now))

    async def undo_choice(self, user_id: int) -> ChoiceChange | None:
        log = self._choice_log.get(user_id)
        if not log or log[-1][1] != self._newest_batch(user_id):
            return None
        change, _ = log.pop()
        self._apply(user_id, change, change.before)
        return change

    # -- channels ------------------------------------------------------------------------------

    async def get_channel(self, platform: str, chat_id: str) -> Channel | None:
        return self._channels.get((platform, chat_id))

    async def save_channel(
        self, platform: str, chat_id: str, settings: Settings, enabled: bool
    ) -> Channel:
        old = self._channels.get((platform, chat_id))
        channel_id = old.id if old else next(self._channel_ids)
        stored = Settings.from_dict(json.loads(to_json(settings.to_dict())))
        channel = Channel(channel_id, platform, chat_id, stored, enabled)
        self._channels[(platform, chat_id)] = channel
        return channel

    async def list_channels(self, enabled_only: bool = True) -> list[Channel]:
        found = [c for c in self._channels.values() if c.enabled or not enabled_only]
        return sorted(found, key=lambda c: c.id)

    # -- rest timers ---------------------------------------------------------------------------

    async def start_rest(self, timer: RestTimer, now: datetime) -> RestTimer:
        self.require_user(timer.user_id)
        waiting = [
            row
            for row in await self.outbox.rows(user_id=timer.user_id, kind=REST_KIND)
            if row.state in (PENDING, SENDING)
        ]
        same_set = (timer.day, timer.exercise_id, timer.set_number)
        for row in waiting:
            running = self._rests.get(rest_timer_id(row.target) or 0)
            if running and (running.day, running.exercise_id, running.set_number) == same_set:
                return running
        for row in waiting:
            if row.state == PENDING:
                await self.outbox.finish(row.id, SKIPPED, now, "replaced by a newer timer")
        stored = replace(timer, id=next(self._rest_ids), due_at=timer.due_at.astimezone(UTC))
        self._rests[stored.id] = stored
        ping = NewPush(REST_KIND, timer.platform, rest_target(stored.id), timer.day,
                       timer.chat_id, stored.due_at, user_id=timer.user_id)  # fmt: skip
        await self.outbox.queue([ping], now)
        return stored

    async def get_rest(self, timer_id: int) -> RestTimer | None:
        return self._rests.get(timer_id)

    # -- for the outbox ------------------------------------------------------------------------

    def active_people(self) -> list[User]:
        return [p.user() for p in self._people.values() if p.active]


def _last_sessions(sets: list[SetLog], sessions: int) -> list[SetLog]:
    """The sets of the last `sessions` dates among `sets`."""
    if sessions <= 0:
        return []
    days = sorted({s.plan_date for s in sets}, reverse=True)[:sessions]
    return _order(s for s in sets if s.plan_date in days)
