"""/progress and /export with a year of history: how long they take, cold and warm, and the
longest they keep the event loop from everything else (loop lag a 1 ms ticker sees, charged
at most the CPU this process used meanwhile: tests/loop_lag.py).

    python bench/heavy_work.py            # prints and refreshes docs/benchmarks.md
    python bench/heavy_work.py --no-docs
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.report import write_report  # noqa: E402

MONDAY = date(2026, 11, 23)
EXERCISES = ("romanian-deadlift-dumbbell", "dumbbell-bent-over-row", "glute-bridge", "doorway-row")


async def measure() -> list[tuple[str, float, float]]:
    from bot.app import freeze_startup_objects, open_coach, share_the_gil_quickly
    from bot.core.events import InboundEvent, UserRef
    from bot.core.ports import NewSet
    from tests.loop_lag import worst_lag

    noon = datetime(MONDAY.year, MONDAY.month, MONDAY.day, 12, tzinfo=UTC)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        coach, store = await open_coach(Path(tmp) / "heavy.db", clock=lambda: noon)
        ref = UserRef("bench", "sam")
        user = await store.get_or_create_user(ref, "dm-sam", "Sam")
        for d in range(364):
            if d % 7 in (0, 2, 4):
                sets = [NewSet(e, n, reps=12 - n, load_kg=10.0 + n) for e in EXERCISES
                        for n in range(1, 4)]  # fmt: skip
                await store.add_sets(user.id, MONDAY - timedelta(days=d), sets, None)
        freeze_startup_objects()  # as the app does once started
        share_the_gil_quickly()
        steps = (
            ("/progress, cold (chart process starts)", "/progress"),
            ("/progress, warm (chart cached)", "/progress"),
            ("/export (year of sets, 1872 rows)", "/export"),
        )
        for n, (label, text) in enumerate(steps, 1):
            event = InboundEvent(ref, "dm-sam", text, message_id=str(n), event_id=f"h{n}")
            started = time.perf_counter()
            lag, _ = await worst_lag(coach.handle(event))
            rows.append((label, (time.perf_counter() - started) * 1000, lag * 1000))
        await store.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args(argv)
    rows = asyncio.run(measure())
    table = ["| command | time ms | longest loop block ms |", "|---|---:|---:|"]
    for label, ms, lag in rows:
        print(f"heavy: {label}: {ms:.0f} ms, loop blocked at most {lag:.1f} ms")
        table.append(f"| {label} | {ms:.0f} | {lag:.1f} |")
    if not args.no_docs:
        write_report(
            "heavy-work",
            "Heavy work off the event loop (`python bench/heavy_work.py`)",
            "A year of history (156 sessions, 1872 sets). Charts are drawn in a worker "
            "process and cached by their data; the streaks, records and chart numbers are "
            "worked out on a thread; the rows become records on the database thread; the "
            "CSV is written in pieces of 250 rows, giving the loop back between them. "
            "Target: the loop is never blocked more than 10 ms "
            "(tests/test_event_loop_lag.py asserts it).",
            table,
            footer="2 CPUs (shared); ",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
