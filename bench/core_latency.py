"""Core + store latency: /today and one reply-log round trip; cold start of `backline howto rdl`.

    python bench/core_latency.py [--rounds 2000] [--no-docs]

/today and the log go through the real Coach over a real SQLite file (no platform). The cold start
runs `python -m bot howto rdl` as a whole process, next to a bare `python -c pass` as baseline.
Targets: /today and a log round trip under 2 ms median, cold howto under 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import machine, median, percentile, write_section  # noqa: E402
from bot.app import open_coach  # noqa: E402
from bot.core.events import InboundEvent, UserRef  # noqa: E402

DAY = date(2026, 11, 23)  # a Monday: a training day with the default settings


async def measure(rounds: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        clock = lambda: datetime(2026, 11, 23, 9, tzinfo=UTC)  # noqa: E731
        coach, store = await open_coach(Path(tmp) / "bench.db", clock=clock)
        ref = UserRef("bench", "u1")
        today = InboundEvent(user=ref, chat_id="u1", text="/today")
        first = await coach.handle(today)
        await coach.record_sent("bench", "u1", "m1", first.messages[0])
        step = await coach.handle(
            InboundEvent(user=ref, chat_id="u1", button="plan:step", reply_to="m1")
        )
        await coach.record_sent("bench", "u1", "m2", step.messages[0])

        # A plan computed from scratch: a new person each time (first /today of their day).
        fresh: list[float] = []
        for i in range(min(rounds, 500)):
            event = InboundEvent(user=UserRef("bench", f"new{i}"), chat_id=f"new{i}", text="/today")
            t0 = time.perf_counter()
            await coach.handle(event)
            fresh.append(time.perf_counter() - t0)

        repeat: list[float] = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            await coach.handle(today)
            repeat.append(time.perf_counter() - t0)

        # Each measured log is taken back (unmeasured) so the day never grows past one log.
        undo = InboundEvent(user=ref, chat_id="u1", text="/undo")
        logs: list[float] = []
        for i in range(rounds):
            event = InboundEvent(
                user=ref, chat_id="u1", text="12 10 10 @ 16kg", reply_to="m2", message_id=f"x{i}"
            )
            t0 = time.perf_counter()
            await coach.handle(event)
            logs.append(time.perf_counter() - t0)
            await coach.handle(undo)
        await store.close()
    return {"today (stored plan)": repeat, "today (new plan)": fresh, "reply-log round trip": logs}


def cold_start(runs: int) -> tuple[list[float], list[float]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def once(args: list[str]) -> float:
        t0 = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True, env=env, cwd=tempfile.gettempdir())
        return time.perf_counter() - t0

    howto = [once([sys.executable, "-m", "bot", "howto", "rdl"]) for _ in range(runs)]
    bare = [once([sys.executable, "-c", "pass"]) for _ in range(runs)]
    return howto, bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--cold-runs", type=int, default=15)
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()

    results = asyncio.run(measure(args.rounds))
    howto, bare = cold_start(args.cold_runs)
    rows = []
    for name, samples in results.items():
        ms = [s * 1000 for s in samples]
        rows.append(f"| {name} | {len(ms)} | {median(ms):.3f} | {percentile(ms, 99):.3f} |")
        print(f"{name}: median {median(ms):.3f} ms, p99 {percentile(ms, 99):.3f} ms")
    howto_ms, bare_ms = median(howto) * 1000, median(bare) * 1000
    print(f"cold `backline howto rdl`: median {howto_ms:.0f} ms (bare python {bare_ms:.0f} ms)")
    body = "\n".join(
        [
            "## Core latency (`python bench/core_latency.py`)",
            "",
            f"Coach + SQLite store in one process, no platform; {machine()}, "
            f"{os.cpu_count()} cores. Target: under 2 ms median.",
            "",
            "| operation | samples | median ms | p99 ms |",
            "|---|---|---|---|",
            *rows,
            "",
            f"Cold start of `python -m bot howto rdl` as a whole process: median "
            f"**{howto_ms:.0f} ms** over {len(howto)} runs (target under 300 ms); a bare "
            f"`python -c pass` takes {bare_ms:.0f} ms on the same machine, so Backline adds "
            f"{howto_ms - bare_ms:.0f} ms ({howto_ms / bare_ms:.1f}x the bare interpreter).",
        ]
    )
    if not args.no_docs:
        write_section("core-latency", body)


if __name__ == "__main__":
    main()
