"""The persistence ports: one small Protocol per area, and the records that cross them.

    Store        what the core uses: People, Events, Plans, SetLogs, SetHistory, MessageLinks,
                 Conversations, Channels, ExerciseChoices, and an `inbox` (Inbox: updates
                 stored before they are processed, applied exactly once)
    PushStore    what the scheduler uses: People, Channels and an `outbox` (Outbox)
    Persistence  what the app holds: all of the above, a health ping and close

`bot.store.SqliteStore` implements them with aiosqlite, `bot.store.memory.MemoryStore` in
memory (fast core tests); tests/test_store_contract.py holds both to the same behaviour.
Records are plain dataclasses: the store never sees platform objects, the core never sees
SQL. A write the data rules refuse (an unknown user id, an empty exercise id, a set number
below 1, negative reps or seconds) raises RecordRejected and changes nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal, Protocol

from bot.core.events import MessageLink, UserRef
from bot.core.settings import Settings


class RecordRejected(ValueError):
    """A write broke a data rule (see the module docstring); nothing was stored."""


# -- records -----------------------------------------------------------------------------------


class StoreUnavailable(Exception):
    """The store can't save right now (read-only, disk full, I/O error): nothing was stored.

    Neutral on purpose, so the core can answer "please send it again" without knowing SQL.
    `reason` is one short line for the host (e.g. "the disk is full").
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class User:
    id: int
    ref: UserRef
    chat_id: str  # the private chat where pushes go
    display_name: str
    settings: Settings
    active: bool = True  # False once the platform says we can't reach them (blocked, DMs closed)


@dataclass(frozen=True, slots=True)
class NewSet:
    """One set to store. Loads are always stored in kilograms."""

    exercise_id: str
    set_no: int
    reps: int | None = None
    seconds: int | None = None
    load_kg: float | None = None
    skipped: bool = False
    rpe: float | None = None  # how hard it felt, as typed ("rpe 8"); None: not given
    rir: int | None = None  # reps in reserve ("rir 2")


@dataclass(frozen=True, slots=True)
class SetLog:
    id: int
    user_id: int
    plan_date: date
    exercise_id: str
    set_no: int
    reps: int | None
    seconds: int | None
    load_kg: float | None
    skipped: bool
    batch_id: int  # one reply = one batch; undo removes a whole batch
    source: str | None  # "platform:chat:message" of the person's message, for edits
    logged_at: datetime
    rpe: float | None = None
    rir: int | None = None


@dataclass(frozen=True, slots=True)
class StoredLink:
    user_id: int | None  # None for a group/channel message shared by many people
    link: MessageLink


@dataclass(frozen=True, slots=True)
class Channel:
    """A group chat or server channel with a daily group session (community mode)."""

    id: int
    platform: str
    chat_id: str
    settings: Settings  # reuses level/equipment/split/weekdays/reminder_time/timezone
    enabled: bool


@dataclass(frozen=True, slots=True)
class Choices:
    """A person's own exercise choices: swaps kept for one training block (the move the
    planner picks -> the one to do instead) and moves never to schedule."""

    swaps: dict[str, str] = field(default_factory=dict)
    avoid: frozenset[str] = frozenset()

    def key(self) -> str:
        """What a plan depends on; a change here means a fresh plan."""
        swaps = ",".join(f"{k}>{v}" for k, v in sorted(self.swaps.items()))
        return f"{swaps}/{','.join(sorted(self.avoid))}"


@dataclass(frozen=True, slots=True)
class ChoiceChange:
    """One change to a person's choices, as /undo puts it back. `before`/`after`: for a swap
    the chosen move (None: no swap); for an avoid the exercise id while avoided, else None."""

    kind: Literal["swap", "avoid"]
    exercise_id: str
    block_start: date | None  # swaps only: the Monday their block starts
    before: str | None
    after: str | None


# Outbox row states: pending -> sending -> sent | failed, or pending -> missed | skipped.
PENDING, SENDING, SENT, FAILED, MISSED, SKIPPED = (
    "pending",
    "sending",
    "sent",
    "failed",
    "missed",
    "skipped",
)
PUSH_STATES = (PENDING, SENDING, SENT, FAILED, MISSED, SKIPPED)


def user_target(user_id: int) -> str:
    return f"user:{user_id}"


def channel_target(chat_id: str) -> str:
    return f"channel:{chat_id}"


@dataclass(frozen=True, slots=True)
class NewPush:
    """A push to queue; (platform, target, day, kind) names it once. `day` is the local date
    it is for; `state` is PENDING, or MISSED to record one that is too late."""

    kind: str
    platform: str
    target: str  # user_target(...) or channel_target(...)
    day: date
    chat_id: str
    due_at: datetime
    user_id: int | None = None
    channel_id: int | None = None
    state: str = PENDING


@dataclass(frozen=True, slots=True, kw_only=True)
class PushRow(NewPush):
    """A push as stored, with its delivery progress. Datetimes come back in UTC."""

    id: int
    attempts: int
    parts_sent: int
    next_attempt_at: datetime
    last_error: str | None


REST_KIND = "rest"  # the outbox kind of a rest timer's ping (scheduler.kinds.REST)


def rest_target(timer_id: int) -> str:
    """The outbox target of a rest timer's ping: one row per timer."""
    return f"rest:{timer_id}"


def rest_timer_id(target: str) -> int | None:
    kind, _, number = target.partition(":")
    return int(number) if kind == REST_KIND and number.isdigit() else None


@dataclass(frozen=True, slots=True)
class RestTimer:
    """A rest between sets: one ping in `chat_id` at `due_at`, for set `set_number` of
    `exercise_id` on the plan of `day` (bot.core.features.rest). `id` is 0 until stored."""

    user_id: int
    platform: str
    chat_id: str
    day: date
    exercise_id: str
    set_number: int
    due_at: datetime
    id: int = 0


# Inbox row states: new -> applied -> answered.
NEW, APPLIED, ANSWERED = "new", "applied", "answered"


@dataclass(frozen=True, slots=True)
class Arrival:
    """An update as a platform delivered it, to store before it is processed. (platform,
    event_id) names the delivery; `chat_key` orders one chat's updates; `payload` is the
    adapter's own JSON text, opaque to the store and the core."""

    platform: str
    event_id: str
    chat_key: str
    payload: str


@dataclass(frozen=True, slots=True, kw_only=True)
class InboxEntry(Arrival):
    """An arrival as stored. Once APPLIED, `answer` is the reply to deliver (the JSON-able
    dict the core stored with its effects) and `sent` counts its messages delivered."""

    id: int
    state: str
    answer: dict[str, Any] | None
    sent: int
    # The process handling it (its instance name) and until when it holds it unless it
    # renews (bot/store/claims.py); None for an entry nobody holds.
    claimed_by: str | None = None
    lease_until: datetime | None = None


# -- the core's ports --------------------------------------------------------------------------


class People(Protocol):
    async def get_or_create_user(self, ref: UserRef, chat_id: str, display_name: str) -> User:
        """An empty chat_id / display_name keeps what is stored (first seen in a group); a
        non-empty chat_id (a private message) also makes the person active again."""
        ...

    async def get_user(self, user_id: int) -> User | None: ...
    async def find_user(self, ref: UserRef) -> User | None: ...
    async def save_settings(self, user_id: int, settings: Settings) -> None:
        """An unknown user id: nothing happens (also for set_active)."""
        ...

    async def set_active(self, user_id: int, active: bool) -> None: ...
    async def forget_user(self, user_id: int) -> None:
        """Delete everything about this person: their row, plans, sets, state, pushes, the
        links they own or that were sent to their private chat. Their id is never reused."""
        ...


class Events(Protocol):
    """Idempotency of deliveries and counters."""

    async def start_event(
        self, ref: UserRef, chat_id: str, display_name: str, event_id: str
    ) -> User | None:
        """Claims `event_id` (empty: nothing to claim) and returns the person as
        get_or_create_user does, in one round trip; None when the event was seen before."""
        ...

    async def claim_event(self, platform: str, event_id: str) -> bool:
        """True the first time (platform, event_id) is seen, False for a duplicate."""
        ...

    async def next_seq(self, name: str) -> int:
        """1, 2, 3, ... per name, across restarts."""
        ...


class Plans(Protocol):
    """The payload is the planner's JSON-able dict, handed back as JSON gives it (tuples
    become lists), a fresh copy on every read; `key` is Settings.plan_key()."""

    async def get_plan(self, user_id: int, day: date) -> tuple[str, dict[str, Any]] | None: ...
    async def save_plan(
        self, user_id: int, day: date, key: str, payload: dict[str, Any]
    ) -> None: ...


class SetLogs(Protocol):
    """Logging: each write is one transaction and one batch (undo removes the last batch).
    Lists come oldest first: by date, batch, entry order."""

    async def add_sets(
        self, user_id: int, day: date, sets: list[NewSet], source: str | None
    ) -> list[SetLog]:
        """No sets: nothing stored and no batch."""
        ...

    async def replace_sets_from_source(
        self, user_id: int, source: str, sets: list[NewSet]
    ) -> tuple[list[SetLog], list[SetLog]]:
        """Swap the sets a message logged for new ones (an edited reply). Returns (old, new).
        The new sets keep the old batch and date; a message that logged nothing: ([], [])."""
        ...

    async def sets_from_source(self, user_id: int, source: str) -> list[SetLog]:
        """The sets a person's message logged (for edits)."""
        ...

    async def delete_last_batch(self, user_id: int) -> list[SetLog]: ...
    async def sets_on(self, user_id: int, day: date) -> list[SetLog]: ...
    async def exercises_logged_on(self, user_id: int, day: date) -> set[str]:
        """The exercise ids with any set (skips included) on `day`; cheaper than sets_on."""
        ...

    async def sets_between(self, user_id: int, start: date, end: date) -> list[SetLog]:
        """Both ends included."""
        ...

    async def recent_sets_for(self, user_id: int, exercise_id: str, sessions: int) -> list[SetLog]:
        """The sets of the last `sessions` dates on which this exercise was logged."""
        ...

    async def recent_sets_by_exercise(
        self, user_id: int, exercise_ids: Sequence[str], sessions: int
    ) -> dict[str, list[SetLog]]:
        """`recent_sets_for` for several exercises in one go (missing ids: not logged yet)."""
        ...


class SetHistory(Protocol):
    """/history, /export: every one is scoped to `user_id`, so ids of someone else's sets
    are never touched."""

    async def recent_sets(self, user_id: int, sessions: int) -> list[SetLog]:
        """The sets of the last `sessions` dates on which this person logged anything."""
        ...

    async def delete_sets(self, user_id: int, ids: Sequence[int]) -> list[SetLog]:
        """Delete these sets of this person (others' ids are ignored). Returns what went."""
        ...

    async def replace_sets(
        self, user_id: int, ids: Sequence[int], sets: list[NewSet]
    ) -> tuple[list[SetLog], list[SetLog]]:
        """Swap these sets of this person for new ones in the batch, date and source of the
        first old one. None of this person's among `ids`: ([], [])."""
        ...

    async def export_sets(self, user_id: int) -> list[SetLog]:
        """Every set this person logged, oldest first."""
        ...


# A reply to a bot message sent longer ago than this no longer reaches what it was about (the
# person gets "send /today and reply to the new one"); its link, and stored plans no live link
# refers to that are older than this, are dropped. Ten days covers logging a session late
# (/log and /history edit work for any day) while keeping what the store holds per person
# bounded: links and plans are under a sixth of it (bench/storage.py).
LINK_RETENTION = timedelta(days=10)


class MessageLinks(Protocol):
    """Sent bot messages -> what they were about, for LINK_RETENTION."""

    async def link_message(
        self, platform: str, chat_id: str, message_id: str, user_id: int | None, link: MessageLink
    ) -> None:
        """Remember what a sent message is about (again: replaces). user_id None: the
        link's owner, if we know them."""
        ...

    async def resolve_message(
        self, platform: str, chat_id: str, message_id: str
    ) -> StoredLink | None:
        """None for a message we never linked, or linked longer than LINK_RETENTION ago."""
        ...

    async def expire_links(self, now: datetime) -> None:
        """Housekeeping: forget links older than LINK_RETENTION, and stored plans for days
        before then that no remaining link refers to (nothing can reply to them any more;
        /history falls back to the content's dose). The stores run it now and then."""
        ...


class Conversations(Protocol):
    """Pending conversation state (onboarding step, step-by-step logging); survives
    restarts. A JSON-able dict, handed back as JSON gives it."""

    async def get_state(self, user_id: int) -> dict[str, Any] | None: ...
    async def set_state(self, user_id: int, state: dict[str, Any] | None) -> None:
        """None clears it."""
        ...


class Channels(Protocol):
    """Community mode: group chats / channels with a daily group session."""

    async def get_channel(self, platform: str, chat_id: str) -> Channel | None: ...
    async def save_channel(
        self, platform: str, chat_id: str, settings: Settings, enabled: bool
    ) -> Channel:
        """Create or update (the id stays)."""
        ...

    async def list_channels(self, enabled_only: bool = True) -> list[Channel]:
        """In the order they were first saved."""
        ...


class RestTimers(Protocol):
    """Rest timers: each is a due ping the scheduler's outbox delivers (kind REST_KIND,
    target rest_target(id)), so it survives a restart and goes out at most once."""

    async def start_rest(self, timer: RestTimer, now: datetime) -> RestTimer:
        """Queue the ping and return the stored timer. A timer still waiting for the same
        (day, exercise, set) is kept and returned instead (a second tap changes nothing);
        another waiting timer of the person is replaced (skipped)."""
        ...

    async def get_rest(self, timer_id: int) -> RestTimer | None: ...


class ExerciseChoices(Protocol):
    """Swaps and avoids (/swap, /avoid). Each change is journaled so /undo can put back the
    latest one, but only while nothing was logged after it (undo takes the newest action)."""

    async def get_choices(self, user_id: int, block_start: date) -> Choices:
        """The swaps of the block starting `block_start` and every avoided move."""
        ...

    async def set_swap(
        self, user_id: int, block_start: date, exercise_id: str, chosen_id: str | None
    ) -> None:
        """Do `chosen_id` instead of `exercise_id` in that block; None removes the swap.
        No change: nothing is journaled."""
        ...

    async def set_avoid(self, user_id: int, exercise_id: str, avoided: bool) -> None:
        """No change: nothing is journaled."""
        ...

    async def undo_choice(self, user_id: int) -> ChoiceChange | None:
        """Put back the latest change if no set batch was added after it (a later log is
        what /undo takes first); returns the change undone, or None."""
        ...


class Inbox(Protocol):
    """Inbound updates, processed at least once and applied exactly once: an adapter stores
    what arrived (`take`) before the platform may forget it, the core applies each entry with
    `apply` (its writes and the APPLIED mark commit together), the adapter delivers the
    answer and reports it (`answered`). After a crash `unfinished` hands back the rest.

    Several processes may share the inbox: an entry belongs to the process that took it
    (`claimed_by`, under a lease its steps renew, see bot/store/claims.py), and another one
    takes it over only when that owner is gone or its lease ran out, so no entry is answered
    by two processes and an answer half delivered resumes once."""

    async def take(self, arrivals: Sequence[Arrival]) -> list[InboxEntry]:
        """Store these, all or nothing, held by this process; returns the ones not stored
        before (a redelivery of a known (platform, event_id) is dropped), in order."""
        ...

    async def unfinished(self, platform: str) -> list[InboxEntry]:
        """This platform's entries not yet ANSWERED that this process may finish, now held
        by it, in arrival order: its own (a restart under the same name), nobody's, those of
        a process that is gone and those whose lease ran out. Another live process's
        entries within their lease are left to it."""
        ...

    async def entry(self, platform: str, event_id: str) -> InboxEntry | None: ...

    async def apply(
        self, entry_id: int, work: Callable[[], Awaitable[dict[str, Any]]]
    ) -> InboxEntry | None:
        """Run `work` (handling the update through this store) as one transaction: its writes
        and the entry becoming APPLIED with the answer it returns commit together, or, when
        it raises, none of them (the exception propagates). An entry already applied: `work`
        does not run. Returns the entry as it now is, held by this process; None for an
        unknown id or one another process holds (see `unfinished`)."""
        ...

    async def answered(self, entry_id: int, sent: int, done: bool) -> bool:
        """`sent` messages of the answer are delivered; `done`: ANSWERED (payload and answer
        are dropped, the key stays to recognise redeliveries). Only the process holding the
        entry records it (renewing its lease): False when the entry is unknown or another
        process took it over (stop sending: that one delivers the rest)."""
        ...

    async def prune(self, before: datetime) -> int:
        """Delete ANSWERED entries finished before `before`; returns how many."""
        ...


class Store(
    People,
    Events,
    Plans,
    SetLogs,
    SetHistory,
    MessageLinks,
    Conversations,
    Channels,
    RestTimers,
    ExerciseChoices,
    Protocol,
):
    """Everything the coaching core needs from persistence."""

    @property
    def inbox(self) -> Inbox: ...


# -- the scheduler's ports ---------------------------------------------------------------------


class PushQueue(Protocol):
    """The durable outbox: one row per push, queued at most once per key."""

    async def queue(
        self, pushes: Sequence[NewPush], now: datetime, up_to: datetime | None = None
    ) -> tuple[int, int]:
        """Add the pushes whose key isn't queued yet and, given `up_to`, move the watermark
        (last_tick) there, all or nothing. Returns (pending, missed) added."""
        ...

    async def last_tick(self) -> datetime | None: ...
    async def recover(self, now: datetime) -> int:
        """At start, after a crash: rows this process left 'sending' go back to 'pending' (at
        least once); returns how many. Rest pings (REST_KIND) become 'missed' instead: at most
        once. On a shared database: its own rows (by its name) and those of processes that
        are gone, never another live process's sends in flight."""
        ...

    async def ready(
        self, now: datetime, limit: int, skip: Iterable[int], platforms: Sequence[str]
    ) -> list[PushRow]:
        """Pending rows on `platforms` whose next attempt has come, oldest first, except
        the ids in `skip`."""
        ...

    async def next_attempt(self, skip: Iterable[int], platforms: Sequence[str]) -> datetime | None:
        """When the earliest pending row (not in `skip`) on `platforms` becomes ready."""
        ...

    async def claim(
        self, now: datetime, limit: int, skip: Iterable[int], platforms: Sequence[str]
    ) -> list[PushRow]:
        """`ready` rows, taken for this process: on a database several processes share, a
        row another live process holds is never returned, and a row returned here is
        returned to nobody else until it is settled or this process is gone (then anyone
        may take it). One process per database (SQLite, memory): the same as `ready`."""
        ...

    async def reclaim(self, now: datetime) -> int:
        """Rows left 'sending' by processes that are gone go back to 'pending' (sent
        again); returns how many. Always 0 where only one process uses the database."""
        ...

    async def lead(self) -> bool:
        """True while this process is the one that scans for due pushes (on a shared
        database it takes that role when it is free, and keeps it until it stops; the
        others ask again every few seconds). Always True for a one-process store."""
        ...

    async def watch(self, wake: Callable[[], None]) -> None:
        """Call `wake` whenever pushes are queued by any process sharing the database
        (nothing to do for a one-process store: its own queueing wakes delivery)."""
        ...

    async def begin(self, push_id: int, now: datetime) -> bool:
        """'sending': a send is about to go out. False (and no change) unless the row was
        pending: another delivery settled it, so don't send."""
        ...

    async def release(self, push_id: int, now: datetime) -> None:
        """A 'sending' row whose send never started: 'pending' again."""
        ...

    async def part_sent(self, push_id: int, parts: int, done: bool, now: datetime) -> None:
        """`parts` messages are delivered; 'sent' when `done`, else still 'sending'."""
        ...

    async def rate_limited(self, push_id: int, at: datetime, error: str, now: datetime) -> None:
        """'pending' again from `at`; not a failed attempt."""
        ...

    async def attempt_failed(
        self, push_id: int, error: str, now: datetime, retry_at: datetime | None
    ) -> None:
        """Count a failed attempt; retry from `retry_at`, or 'failed' when None."""
        ...

    async def reschedule(self, push_id: int, due_at: datetime, now: datetime) -> None:
        """A 'pending' row now due at `due_at` (settings moved it)."""
        ...

    async def finish(
        self, push_id: int, state: str, now: datetime, error: str | None = None
    ) -> None: ...
    async def expire(self, now: datetime, grace: timedelta) -> int:
        """Unsent rows due more than `grace` before `now` become 'missed'; returns how many."""
        ...

    async def prune(self, before: date) -> int:
        """Delete finished rows for days before `before`; returns how many."""
        ...

    async def counts(self) -> dict[str, int]:
        """Rows per state, every state named."""
        ...

    async def pending_count(self) -> int:
        """Rows waiting to be sent (the outbox depth in /metrics)."""
        ...

    async def rows(self, **where: object) -> list[PushRow]:
        """Rows whose fields equal these values, by id (reports and tests)."""
        ...


class DuePeople(Protocol):
    """Who the tick looks at: active people by timezone and reminder time."""

    async def timezones(self) -> list[str]:
        """Every timezone an active person uses."""
        ...

    def users_at(
        self, timezone: str, first: str, last: str, page: int = 2000
    ) -> AsyncIterator[list[User]]:
        """Active people in `timezone` whose reminder time ('HH:MM') is in [first, last],
        ordered by time then id, in pages of `page` (only the last one shorter)."""
        ...


class Outbox(PushQueue, DuePeople, Protocol):
    """What the scheduler keeps in and asks of the database."""


class PushStore(People, Channels, Protocol):
    """Everything the scheduler needs from persistence."""

    @property
    def outbox(self) -> Outbox: ...


# -- what the app holds ------------------------------------------------------------------------


class Persistence(Store, PushStore, Protocol):
    async def ping(self) -> None:
        """Raises when the database does not answer (the health check); StoreUnavailable
        with the reason while it answers but can't save (after a failed write)."""
        ...

    async def close(self) -> None:
        """Finish what is running and close; closing twice is fine."""
        ...
