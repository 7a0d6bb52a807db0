"""What the send ledger costs per send (bot/store/postgres/send_ledger.py): the turn taken in
PostgreSQL before each send and its answer recorded after, against the in-process queue alone.

    python bench/send_ledger.py                       # a throwaway PostgreSQL server of its own
    python bench/send_ledger.py --db postgresql://... # or yours (its ledger rows are deleted)

Turns are taken one after another (each waits for its answer: the round trip a send pays) and
then `--concurrent` at a time (what several busy processes put on the token's row lock); the
limits are set far above the rate reached, so the figures are the ledger's and not a wait.
Ends with one line:
    send_ledger: turns=N take_p50_ms=.. take_p99_ms=.. client_cpu_ms=.. concurrent_per_s=..
client_cpu_ms = this process's CPU per turn (taking it and recording its answer); the
database server's CPU is not in it.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.fanout import throwaway_postgres  # noqa: E402
from bench.report import percentile, write_report  # noqa: E402


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def measure(url: str, turns: int, concurrent: int) -> dict[str, float]:
    from bot.platforms import RatePolicy, Window
    from bot.store.postgres import PostgresStore
    from scheduler.ratelimit import PlatformLimiter

    policy = RatePolicy(Window(1_000_000, 1.0), Window(1_000_000, 1.0))
    store = await PostgresStore.open(url)
    try:
        await store.fetch("DELETE FROM send_ledger WHERE platform = 'bench'")
        alone = PlatformLimiter(policy)
        shared = PlatformLimiter(policy, shared=store.send_ledger("bench", policy, False))

        async def one_by_one(queue: PlatformLimiter) -> tuple[list[float], float]:
            waits, cpu0 = [], cpu()
            for n in range(turns):
                started = time.perf_counter()
                slot = await queue.acquire(str(n % 1000), interactive=True)
                waits.append(time.perf_counter() - started)
                slot.done()
            assert queue.shared is None or hasattr(queue.shared, "settle")
            if queue.shared is not None:
                await queue.shared.settle()  # type: ignore[attr-defined]
            return waits, (cpu() - cpu0) / turns

        local, local_cpu = await one_by_one(alone)
        taken, taken_cpu = await one_by_one(shared)

        async def worker(offset: int) -> None:
            for n in range(turns // concurrent):
                (await shared.acquire(f"c{offset}-{n % 100}", interactive=True)).done()

        started = time.perf_counter()
        await asyncio.gather(*(worker(k) for k in range(concurrent)))
        spent = time.perf_counter() - started
        await shared.shared.settle()  # type: ignore[union-attr]
        return {
            "turns": turns,
            "local_p50_ms": percentile(local, 50) * 1000,
            "take_p50_ms": percentile(taken, 50) * 1000,
            "take_p99_ms": percentile(taken, 99) * 1000,
            "local_cpu_ms": local_cpu * 1000,
            "client_cpu_ms": taken_cpu * 1000,
            "concurrent": concurrent,
            "concurrent_per_s": (turns // concurrent * concurrent) / spent,
        }
    finally:
        await store.fetch("DELETE FROM send_ledger WHERE platform = 'bench'")
        await store.close()


def row(what: str, alone: str, shared: str) -> str:
    return f"| {what} | {alone + ' ms' if alone else ''} | {shared} ms |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="a postgresql:// URL (default: a throwaway server)")
    parser.add_argument("--turns", type=int, default=3000)
    parser.add_argument("--concurrent", type=int, default=32)
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args(argv)
    if args.db:
        r = asyncio.run(measure(args.db, args.turns, args.concurrent))
    else:
        with throwaway_postgres() as url:
            r = asyncio.run(measure(url, args.turns, args.concurrent))
    line = (
        f"send_ledger: turns={r['turns']} take_p50_ms={r['take_p50_ms']:.2f} "
        f"take_p99_ms={r['take_p99_ms']:.2f} client_cpu_ms={r['client_cpu_ms']:.3f} "
        f"concurrent_per_s={r['concurrent_per_s']:.0f}"
    )
    if not args.no_docs:
        write_report(
            "send-ledger",
            "The send ledger's cost (`python bench/send_ledger.py`)",
            "Each send on PostgreSQL takes its turn in the shared ledger (one statement, the "
            "token's row lock) and records its answer after (one more, not waited for). "
            f"{r['turns']} turns one after another, then {r['concurrent']} at a time; limits "
            "far above the rate reached, a local PostgreSQL 15 on 127.0.0.1.",
            ["```", line, "```"],
            [
                "| measure | in-process queue alone (SQLite) | with the ledger (PostgreSQL) |",
                "|---|---:|---:|",
                row("wait for a turn, p50", f"{r['local_p50_ms']:.3f}", f"{r['take_p50_ms']:.2f}"),
                row("wait for a turn, p99", "", f"{r['take_p99_ms']:.2f}"),
                row("client CPU per send", f"{r['local_cpu_ms']:.3f}", f"{r['client_cpu_ms']:.3f}"),
                f"| turns per second, {r['concurrent']} at a time | | "
                f"{r['concurrent_per_s']:.0f} |",
            ],
            "At Telegram's 30/s the ledger costs about "
            f"{30 * r['client_cpu_ms'] / 10:.1f}% of one core in the bot process; at the paid "
            f"1000/s about {1000 * r['client_cpu_ms'] / 10:.0f}%, and the token's row lock "
            f"takes up to {r['concurrent_per_s']:.0f} turns a second.",
            footer="The machine was shared with other work. ",
        )
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
