"""The send ledger: a platform token's limits held across every Backline process on one
PostgreSQL database (migration 0009_send_ledger.sql).

Each process still has its send queue (scheduler.ratelimit), which decides the order: replies
first, pushes paced evenly, one send per chat at a time. Before a send the queue granted goes
out, it takes a turn here, in one statement (`send_turn`, a function that locks the token's
row in `send_tokens`, checks every window against `send_ledger` and records the send). The
answer is a slot, free now or booked for a moment less than `HORIZON` ahead (the send waits
for it and goes, without asking again: a turn that frees while the caller would be on its
way back is not lost to the round trip), or how long to wait; a send that must wait goes
back to its queue holding nothing and asks again then.

- Times are the server's (clock_timestamp()), so processes agree on them whatever their own
  clocks say. Turns are serialised by the token row's lock, and each statement after it
  sees the turns committed before (READ COMMITTED, which the pool sets for its sessions).
- A send counts from its turn (its booked time) until its answer came back, then at the
  answer's time (`done`): the platform counted it somewhere in between, so windows measured
  this way can't be squeezed by a request that left late. The answer's time is this
  process's clock mapped onto the server's: each turn returns the server's time of the turn,
  which lies between sending the statement and reading its answer, so (server time - local
  send time) is an upper bound of the clocks' offset; the smallest of the recent ones is
  used, so a recorded answer is never earlier than the real one and at most a round trip
  later. A process that
  dies mid-send never answers; its rows count until the turn's time plus `FLIGHT` and then
  age out.
- A 429 seen by any process is written here (`pause`): the chat, or the whole token, waits in
  every process.
- Replies first across processes: a reply refused a turn for the token's windows holds the
  next push turns back until it had its own.
- Rows no window can see any more are deleted now and then by the turn that finds the last
  pruning 10 s old, under the same lock.

Cost: one round trip per send to take the turn, plus one (not waited for) to record its
answer; docs/benchmarks.md has the figures.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable
from dataclasses import dataclass

from bot.platforms import RatePolicy, Window
from bot.store.postgres.database import PgDatabase

log = logging.getLogger(__name__)

# How long an unanswered send keeps its place: longer than any send takes (the HTTP clients'
# timeouts are shorter), short enough that a dead process's last sends soon stop counting.
FLIGHT = 30.0
# A window full of unanswered sends: ask again this soon (their answers are due any moment).
POLL = 0.02
# A turn free at most this far ahead is booked at once (the caller waits for it and sends,
# without asking again); further ahead, the caller asks again when it is this close.
HORIZON = 0.1
# Windows are held a touch longer than the platform's, as in the in-process queue.
ALLOWANCE = 1.01

_ARGS = ", ".join(f"${n}" for n in range(1, 18))
_TURN = f"SELECT slot, wait, token_wide, turned_at FROM send_turn({_ARGS})"
# How many recent turns the clock offset is taken from (the smallest bound among them).
_OFFSETS = 64


@dataclass(frozen=True, slots=True)
class Turn:
    """The ledger's answer: `slot` when the send may go in `wait` seconds (booked), else
    ask again in `wait` seconds (`token_wide`: the whole token is busy, not just the chat)."""

    slot: int | None
    wait: float = 0.0
    token_wide: bool = False


def _window(window: Window | None) -> tuple[int, float]:
    if window is None:
        return 0, 0.0
    return window.limit, window.seconds * ALLOWANCE


class PgSendLedger:
    """One platform token's turns (implements scheduler.ratelimit.SharedLimits)."""

    def __init__(self, db: PgDatabase, platform: str, policy: RatePolicy, paid: bool) -> None:
        self.db = db
        self.platform = platform
        self.policy = policy
        self.paid = paid and policy.paid is not None
        # The push ceiling: the paid one when pushes go as paid broadcasts.
        ceiling = policy.paid if self.paid and policy.paid is not None else policy.overall
        self._spacing = ceiling.seconds / ceiling.limit
        windows = [w for w in (policy.overall, policy.per_chat, policy.per_group) if w]
        self._keep = max(w.seconds for w in windows) * ALLOWANCE + 1.0
        self._background: set[asyncio.Task[None]] = set()
        self._write_failed = False  # the last background write failed (warned once)
        # Upper bounds of (server clock - time.monotonic()), from recent turns (the monotonic
        # clock: a step of the wall clock must not move recorded answers).
        self._offsets: deque[float] = deque(maxlen=_OFFSETS)

    async def take(self, chat_id: str, *, push: bool) -> Turn:
        policy = self.policy
        group = policy.per_group if policy.per_group in policy.chat_windows(chat_id) else None
        sent = time.monotonic()
        row = (
            await self.db.fetch(
                _TURN,
                self.platform,
                chat_id,
                push,
                self.paid,
                *_window(policy.overall),
                *_window(policy.paid),
                *_window(policy.per_chat),
                *_window(group),
                self._spacing if push else 0.0,
                FLIGHT,
                POLL,
                HORIZON,
                self._keep,
            )
        )[0]
        self._offsets.append(float(row["turned_at"]) - sent)
        slot = row["slot"]
        return Turn(
            int(slot) if slot is not None else None, float(row["wait"]), bool(row["token_wide"])
        )

    def done(self, slot: int) -> None:
        """The send's answer came back: it counts from now (on the server's clock)."""
        answered = time.monotonic() + min(self._offsets)  # a turn was taken: there is one
        self._later(
            self.db.fetch(
                "UPDATE send_ledger SET at = to_timestamp($2) WHERE id = $1", slot, answered
            )
        )

    def pause(self, seconds: float, chat_id: str | None) -> None:
        """A 429: hold `chat_id` (None: the whole token) in every process for `seconds`."""
        if chat_id is None:
            sql = (
                "INSERT INTO send_tokens (platform, paused_until)"
                " VALUES ($1, clock_timestamp() + make_interval(secs => $2))"
                " ON CONFLICT (platform) DO UPDATE SET"
                " paused_until = greatest(send_tokens.paused_until, excluded.paused_until)"
            )
            self._later(self.db.fetch(sql, self.platform, seconds))
            return
        sql = (
            "INSERT INTO send_pauses (platform, chat, until)"
            " VALUES ($1, $2, clock_timestamp() + make_interval(secs => $3))"
            " ON CONFLICT (platform, chat) DO UPDATE SET"
            " until = greatest(send_pauses.until, excluded.until)"
        )
        self._later(self.db.fetch(sql, self.platform, chat_id, seconds))

    async def settle(self) -> None:
        """Wait for the writes still on their way (answers, pauses)."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    def _later(self, write: Awaitable[object]) -> None:
        # Not waited for: the send is out already. An answer not recorded only makes the
        # ledger stricter (the send counts until FLIGHT); a pause not recorded leaves the
        # other processes to meet the 429 themselves.
        async def run() -> None:
            try:
                await write
            except Exception as exc:
                # Once per outage (the send queue says the rest), never a traceback per send.
                if not self._write_failed:
                    log.warning(
                        "could not write to the send ledger (%s); it stays stricter meanwhile",
                        type(exc).__name__,
                    )
                self._write_failed = True
            else:
                self._write_failed = False

        task = asyncio.get_running_loop().create_task(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)
