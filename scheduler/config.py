"""Knobs of the push scheduler, with the defaults the issue asks for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta


@dataclass(frozen=True, slots=True)
class PushConfig:
    # Pushes missed while the bot was down are still sent this long after their time.
    grace: timedelta = timedelta(hours=3)
    # The "still time for today's session" nudge, this long after the reminder; None = off.
    nudge_after: timedelta | None = timedelta(hours=4)
    # Weekly summary (only when the coach offers `weekly_summary`): Sunday 18:00 local.
    weekly_weekday: int = 6
    weekly_at: time = time(18, 0)
    # After a long outage, look back at most this far (older pushes aren't even recorded).
    catchup_limit: timedelta = timedelta(days=2)
    # 5xx / timeouts: this many attempts, waiting backoff * 2**n (at most backoff_cap) between:
    # 5 s, 10 s, ... 5 min, about ten minutes in all, enough to ride out a platform hiccup
    # (or an adapter still connecting at start-up).
    max_attempts: int = 8
    backoff: timedelta = timedelta(seconds=5)
    backoff_cap: timedelta = timedelta(minutes=5)
    # Outbox rows for local days older than this are deleted (keys can't recur by then).
    retention_days: int = 8
    # Share of each platform's overall rate the fan-out may use (the rest is for replies).
    push_share: float = 0.97
    # Concurrent deliveries per platform (enough to keep the rate busy over slow HTTP).
    workers_per_platform: int = 64
    # Several processes on one database: how often one that isn't running the due scan asks
    # to take it over, and the one that is looks for sends a stopped process left behind.
    watch_every: timedelta = timedelta(seconds=3)
    # Messages per second per platform, overriding the documented limits (benchmarks).
    rates: tuple[tuple[str, float], ...] = ()

    def backoff_for(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failure (1-based)."""
        return min(self.backoff * (2 ** max(0, attempts - 1)), self.backoff_cap)
