"""Checking a rate limit from the times sends happened (the send-queue and ledger tests)."""

from __future__ import annotations

import bisect


def max_in_window(times: list[float], seconds: float) -> int:
    """The most events inside any half-open window (t - seconds, t]."""
    ordered = sorted(times)
    return max(
        (i + 1 - bisect.bisect_right(ordered, t - seconds) for i, t in enumerate(ordered)),
        default=0,
    )
