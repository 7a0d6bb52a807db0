"""Telegram's 409 Conflict on getUpdates: something else takes this bot's updates.

Telegram allows one getUpdates consumer per token and ends the waiting call when another
arrives ("terminated by other getUpdates request"); it refuses getUpdates outright while a
webhook is set. Backline's own processes never poll together (the polling turn: an advisory
lock on PostgreSQL, the writer lock on SQLite), so a conflict means a process outside it: an
old Backline on another database, a copy of the bot on a laptop, another tool with the token.

Nothing is lost by a conflict: the call it ended returned no updates, and the offset (which
confirms updates to Telegram) only moves past updates the inbox has stored. What the host
needs is one clear line saying what is going on, not a line (or a traceback) every poll, and
the poller backing off instead of fighting the other consumer call for call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from telegram.error import Conflict

from bot.adapters.telegram_delivery import RetryPolicy

log = logging.getLogger(__name__)

# A conflict this long after the last one starts a new episode (and a new warning).
QUIET_SECONDS = 60.0


class PollConflicts:
    """The conflicts of one polling loop: says so once per episode, paces the next poll."""

    def __init__(self, retry: RetryPolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self.retry = retry
        self.clock = clock
        self.in_a_row = 0  # conflicts since the last poll that went through
        self.last: float | None = None  # when the last conflict came

    def seen(self, exc: Conflict) -> float:
        """Seconds to wait before polling again; the first conflict of an episode is logged."""
        now = self.clock()
        if self.last is None or now - self.last > QUIET_SECONDS:
            log.warning(
                "Telegram: another program is taking this bot's updates (Telegram says: %s). "
                "Only one process may long-poll a bot token: stop the other one, or run "
                "every process in webhook mode. Backline keeps polling, backing off",
                exc.message,
            )
        else:
            log.debug("Telegram: getUpdates conflict again (%s)", exc.message)
        self.last = now
        self.in_a_row += 1
        return self.retry.backoff(min(self.in_a_row, 8))

    def cleared(self) -> None:
        """A poll went through: the next conflict waits from the start of the back-off."""
        self.in_a_row = 0
