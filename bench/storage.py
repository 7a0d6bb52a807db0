"""Bytes per active person per 8 weeks of training, in a real SQLite file.

    python bench/storage.py                 # 100 people, 8 weeks; refreshes docs/benchmarks.md
    python bench/storage.py --people 20 --no-docs

Each simulated day (the clocks moved with time-machine, so the store's own timestamps and
its clean-up follow), every person asks /today; on training days (Mon/Wed/Fri, the default)
they reply to the session with their sets and then log each next exercise by replying to its
prompt, as the step-by-step flow asks. Every message the bot sends is recorded
(`record_sent`), as an adapter does. The file is measured after a checkpoint and VACUUM;
the empty database's size is taken off.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sqlite3
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import time_machine  # noqa: E402

from bench.report import write_report  # noqa: E402

START = date(2026, 9, 7)  # a Monday
WEEKS = 8
IDS = itertools.count(1)


async def simulate(db: Path, people: int, weeks: int) -> None:
    from bot.app import open_coach
    from bot.core.events import InboundEvent, Reply, UserRef
    from bot.core.settings import Settings

    coach, store = await open_coach(db)
    refs = [UserRef("telegram", str(500_000 + n)) for n in range(people)]
    for ref in refs:
        user = await store.get_or_create_user(ref, ref.user_id, "P")
        await store.save_settings(user.id, Settings(timezone="UTC", onboarded=True))

    async def say(ref: UserRef, text: str, reply_to: str | None = None) -> list[str]:
        n = next(IDS)
        event = InboundEvent(
            ref, ref.user_id, text, reply_to=reply_to, message_id=f"u{n}", event_id=f"e{n}"
        )
        reply: Reply = await coach.handle(event)
        sent = []
        for out in reply.messages:
            message_id = str(next(IDS))
            await coach.record_sent("telegram", out.chat_id or ref.user_id, message_id, out)
            sent.append(message_id)
        return sent

    for day in range(weeks * 7):
        moment = datetime.combine(START + timedelta(days=day), datetime.min.time(), UTC)
        with time_machine.travel(moment + timedelta(hours=12), tick=False):
            for ref in refs:
                [session] = await say(ref, "/today")
                if (START + timedelta(days=day)).weekday() not in (0, 2, 4):
                    continue
                answer = await say(ref, "12 10 10", reply_to=session)
                for _ in range(6):  # the next prompts, one reply each, until the day is done
                    if not answer:
                        break
                    answer = await say(ref, "10 10", reply_to=answer[-1])
    await store.close()


def size_of(db: Path) -> tuple[int, dict[str, int]]:
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        try:
            tables = dict(conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"))
        except sqlite3.OperationalError:  # SQLite built without dbstat
            tables = {}
    return pages * page, tables


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--weeks", type=int, default=WEEKS)
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty.db"
        asyncio.run(simulate(empty, 0, 0))
        base, base_tables = size_of(empty)
        db = Path(tmp) / "storage.db"
        asyncio.run(simulate(db, args.people, args.weeks))
        total, tables = size_of(db)
    per_person = (total - base) / args.people
    print(f"storage: people={args.people} weeks={args.weeks} bytes_per_person={per_person:.0f}")
    grown = {k: v - base_tables.get(k, 0) for k, v in tables.items()}
    rows = [
        f"| {name} | {grown[name] / args.people / 1024:.1f} |"
        for name in sorted(grown, key=lambda k: -grown[k])
        if grown[name] > 0
    ]
    for row in rows:
        print(row, file=sys.stderr)
    if not args.no_docs:
        write_report(
            "storage",
            "Storage per person (`python bench/storage.py`)",
            f"{args.people} people, {args.weeks} weeks: /today every day; on training days "
            "a reply logging the session's first exercise and a reply to each next "
            "prompt; every message the bot sent recorded as an adapter does. Target: at "
            "most a third of the 210 KB per person per 8 weeks measured before.",
            f"**{per_person / 1024:.1f} KB per person per {args.weeks} weeks**.",
            ["| table or index | KB per person |", "|---|---:|", *rows],
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
