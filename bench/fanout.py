"""Fan-out: N people due in the same minute, pushed through the real Telegram adapter to the
fake Bot API server, which enforces Telegram's flood limits and answers 429 when they break.

    python bench/fanout.py --users 10000                      # ~6 minutes at 30/s
    python bench/fanout.py --users 10000 --registered 100000  # + memory/start-up at 100k
    python bench/fanout.py --users 300 --limit 100 --no-docs  # a quick look
    python bench/fanout.py --users 10000 --procs 3 --db postgresql://... --compare
        # three bot processes on PostgreSQL holding the one token's limit together (the send
        # ledger); with --compare, the same fan-out on SQLite (one process) first, both side
        # by side in docs/benchmarks.md ("fanout-backends")
    python bench/fanout.py --users 3000 --procs 3 --db postgres
        # the same on a throwaway PostgreSQL server this script starts (initdb + pg_ctl,
        # 127.0.0.1 only, as the tests do) and removes afterwards
    python bench/fanout.py --users 10000 --registered 100000 --interactive 1
        # + people sending /today at 1 per second (Poisson) during the fan-out

Three processes, so each measures only itself: this one builds the database and reports; the
fake server runs in its own process; the bot (real Coach, SQLite, TelegramAdapter, PushService
with its real APScheduler tick) runs in a third, which measures its start-up time, CPU and
memory. The due minute is a minute or so ahead, so the push goes out from the regular tick.

Ends with one line:
    fanout: users=N sent=S duplicates=D lost=L http429=E rate_ratio=R [interactive_p99_ms=P]
sent = people who got their push, duplicates = extra copies of a message in a chat,
lost = N - sent, http429 = 429s the server answered, rate_ratio = messages per second
(first to last, server clock; pushes and answers alike) / limit, interactive_p99_ms = the
99th percentile from a /today being queued at the server to its answer arriving there.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.report import machine, percentile, write_section  # noqa: E402

CHAT_BASE = 10_000_000
ASKERS = 300  # registered people, not due, who send /today during the fan-out
ZONES = (
    "UTC", "Europe/Berlin", "Europe/London", "America/New_York", "America/Los_Angeles",
    "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney", "Pacific/Auckland", "Pacific/Honolulu",
    "America/Sao_Paulo", "Africa/Lagos", "Asia/Singapore", "Europe/Moscow", "Pacific/Tongatapu",
)  # fmt: skip


# -- the database -----------------------------------------------------------------------------


def build_db(path: Path, due: int, registered: int, due_at: datetime) -> None:
    """`registered` onboarded people; the first `due` have their reminder at `due_at` (in a
    mix of zones), the others at times well away from it (see `_elsewhen`)."""
    from bot.core.settings import Settings
    from bot.store import open_store
    from bot.store.rows import settings_json, utc_iso

    async def migrate() -> None:
        await (await open_store(path)).close()

    asyncio.run(migrate())
    rng = random.Random(7)
    everyday = (0, 1, 2, 3, 4, 5, 6)
    now = datetime.now(UTC)
    rows = []
    for n in range(registered):
        tz = ZONES[n % len(ZONES)]
        moment = due_at if n < due else due_at + timedelta(minutes=_elsewhen(rng))
        local = moment.astimezone(ZoneInfo(tz)).time().replace(second=0, microsecond=0)
        settings = Settings(timezone=tz, reminder_time=local, weekdays=everyday, onboarded=True)
        chat = str(CHAT_BASE + n)
        rows.append(("telegram", chat, chat, f"P{n}", settings_json(settings), 1, utc_iso(now)))
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO users (platform, platform_user_id, chat_id, display_name, settings,"
            " active, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        # Everything before now counts as handled, so only the due minute is new.
        conn.execute(
            "INSERT INTO scheduler_state (key, value) VALUES ('last_tick', ?)", (utc_iso(now),)
        )


def _elsewhen(rng: random.Random) -> int:
    """Minutes from the due time for someone else: neither their reminder nor their nudge
    four hours later comes within an hour of the fan-out."""
    minutes = rng.randint(20, 19 * 60)
    return minutes + 4 * 60 if minutes > 17 * 60 else minutes


def build_pg(url: str, due: int, registered: int, due_at: datetime) -> None:
    """build_db's people in a PostgreSQL database (emptied first), through COPY."""
    import asyncpg

    from bot.core.settings import Settings
    from bot.store.postgres import PostgresStore
    from bot.store.rows import settings_json, utc_iso

    async def fill() -> None:
        await (await PostgresStore.open(url)).close()  # migrated
        conn = await asyncpg.connect(url)
        try:
            tables = await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                " AND tablename <> 'schema_version'"
            )
            await conn.execute("TRUNCATE " + ", ".join(t[0] for t in tables) + " CASCADE")
            rng, now = random.Random(7), datetime.now(UTC)
            rows = []
            for n in range(registered):
                tz = ZONES[n % len(ZONES)]
                moment = due_at if n < due else due_at + timedelta(minutes=_elsewhen(rng))
                local = moment.astimezone(ZoneInfo(tz)).time().replace(second=0, microsecond=0)
                settings = Settings(timezone=tz, reminder_time=local,
                                    weekdays=tuple(range(7)), onboarded=True)  # fmt: skip
                chat = str(CHAT_BASE + n)
                rows.append(("telegram", chat, chat, f"P{n}", settings_json(settings), True, now))
            await conn.copy_records_to_table(
                "users", records=rows, columns=["platform", "platform_user_id", "chat_id",
                "display_name", "settings", "active", "created_at"],
            )  # fmt: skip
            await conn.execute(
                "INSERT INTO scheduler_state (key, value) VALUES ('last_tick', $1)", utc_iso(now)
            )
        finally:
            await conn.close()

    asyncio.run(fill())


# -- the fake Bot API server (its own process) ------------------------------------------------


async def serve(chats: int, limit: int, interactive: float) -> None:
    from tests.fakes.telegram_server import FakeTelegram, FloodLimits

    fake = FakeTelegram(
        enforce_limits=True,
        limits=FloodLimits(per_second=limit),
        deep_validation=False,
        validate_responses=False,
    )
    await fake.start()
    for n in range(chats):
        fake.user(CHAT_BASE + n, f"P{n}")
    askers = [fake.user(CHAT_BASE + chats + n, f"A{n}") for n in range(ASKERS)]
    asked: list[tuple[int, float]] = []  # (chat, when /today was queued)
    driving = asyncio.create_task(ask_during(fake, askers, chats, interactive, asked))
    print(json.dumps({"url": fake.url}), flush=True)
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if line.strip() == "stats":
            stats = server_stats(fake, chats) | interactive_stats(fake, asked)
            print(json.dumps(stats), flush=True)
        else:
            break
    driving.cancel()
    await fake.stop()


async def ask_during(
    fake: Any, askers: list[Any], pushes: int, rate: float, asked: list[tuple[int, float]]
) -> None:
    """People sending /today at `rate` per second (Poisson) while the fan-out runs."""
    if rate <= 0:
        return
    push_chats = range(CHAT_BASE, CHAT_BASE + pushes)
    await fake.wait_for(lambda: fake.sent, timeout=600, what="the fan-out to start")
    rng = random.Random(16)
    while sum(1 for m in fake.sent if m.chat_id in push_chats) < pushes:
        who = askers[len(asked) % len(askers)]
        asked.append((who.id, time.monotonic()))
        fake.send(who, "/today")
        await asyncio.sleep(rng.expovariate(rate))


def interactive_stats(fake: Any, asked: list[tuple[int, float]]) -> dict[str, Any]:
    waits = []
    for chat, at in asked:
        answers = [m.at for m in fake.calls("sendMessage") if m.status == 200
                   and int(m.params["chat_id"]) == chat and m.at >= at]  # fmt: skip
        if answers:
            waits.append(min(answers) - at)
    return {"asked": len(asked), "answered": len(waits), "interactive_ms": sorted(waits)}


def server_stats(fake: Any, pushes: int) -> dict[str, Any]:
    sends = [c for c in fake.requests if c.method == "sendMessage" and c.status == 200]
    texts: dict[int, Counter[str]] = {}
    for m in fake.sent:
        if CHAT_BASE <= m.chat_id < CHAT_BASE + pushes:  # the askers' answers are not pushes
            texts.setdefault(m.chat_id, Counter())[m.text] += 1
    return {
        "messages": len(fake.sent),
        "chats": len(texts),
        "duplicates": sum(n - 1 for chat in texts.values() for n in chat.values()),
        "http429": fake.rate_limited,
        "first": sends[0].at if sends else 0.0,
        "last": sends[-1].at if sends else 0.0,
        "violations": len(fake.violations),
        "http429_by": dict(fake.rate_limited_by),
        "tightest_second": _tightest(
            sorted(c.at for c in fake.requests if c.method == "sendMessage"),
            fake.limits.per_second,
        ),
    }


def _tightest(times: list[float], limit: int) -> float:
    """The shortest span of limit + 1 consecutive sends (the server 429s when below 1 s)."""
    spans = [b - a for a, b in zip(times, times[limit:], strict=False)]
    return min(spans) if spans else 0.0


# -- the bot (its own process) ----------------------------------------------------------------


def memory_mb() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MB."""
    fields = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            key, _, value = line.partition(":")
            fields[key] = value
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run_bot(
    db: str, url: str, limit: float, expect: int, due_at: datetime, instance: str | None
) -> None:
    from bot.adapters.base import Hooks
    from bot.adapters.telegram import TelegramAdapter
    from bot.app import one_process_roles, open_coach, shared_limits
    from scheduler import PushConfig, PushService
    from scheduler.ratelimit import limiter_for
    from tests.fakes.telegram_server import TEST_TOKEN

    coach, store = await open_coach(db, instance=instance)
    stop, ready = asyncio.Event(), asyncio.Event()
    # One send queue for the token, as bot.app wires it: answers first, pushes behind; on
    # PostgreSQL each takes its turns in the send ledger, so the processes share the limit.
    queue = limiter_for("telegram", limit, shared=shared_limits(store, "telegram", False))
    hooks = Hooks(gates={"telegram": queue}, turn=one_process_roles(store))
    adapter = TelegramAdapter(coach, TEST_TOKEN, url, hooks=hooks, poll_timeout=1)
    running = asyncio.create_task(adapter.run(stop, on_ready=lambda _: ready.set()))
    await asyncio.wait_for(ready.wait(), 30)
    service = PushService(
        store,
        coach,
        {"telegram": adapter},
        config=PushConfig(rates=(("telegram", limit),)),
        limiters={"telegram": queue},
    )
    await service.start()
    rss, _ = memory_mb()
    print(json.dumps({"ready": True, "rss_mb": rss}), flush=True)

    wait = (due_at - datetime.now(UTC)).total_seconds() - 1
    await asyncio.sleep(max(0.0, wait))
    cpu0 = cpu_seconds()
    while True:
        counts = await service.outbox.counts()
        finished = counts["sent"] + counts["failed"] + counts["skipped"] + counts["missed"]
        if finished >= expect and not counts["pending"] and not counts["sending"]:
            break
        await asyncio.sleep(0.25)
    cpu = cpu_seconds() - cpu0
    rss, peak = memory_mb()
    print(json.dumps({"done": counts, "cpu_s": cpu, "rss_mb": rss, "peak_mb": peak}), flush=True)
    await service.stop()
    stop.set()
    await running
    await store.close()


async def run_outage(db: Path) -> None:
    """Start after two days down: how long until ready, and the missed-push backlog."""
    from bot.app import open_coach
    from bot.store.rows import utc_iso
    from scheduler import PushService

    started = time.perf_counter()
    coach, store = await open_coach(db)
    now = datetime.now(UTC)
    await store.write("DELETE FROM outbox")
    await store.write(
        "UPDATE scheduler_state SET value = ? WHERE key = 'last_tick'",
        (utc_iso(now - timedelta(days=2)),),
    )
    opened = time.perf_counter()
    service = PushService(store, coach, {})  # no platform: nothing is sent, only queued
    await service.start()
    ready = time.perf_counter()
    await service.wait_idle(timeout=600)
    backlog = time.perf_counter()
    counts = await service.outbox.counts()
    rss, peak = memory_mb()
    await service.stop()
    await store.close()
    print(json.dumps({
        "ready_s": ready - opened, "open_s": opened - started, "backlog_s": backlog - ready,
        "pending": counts["pending"], "missed": counts["missed"], "rss_mb": rss, "peak_mb": peak,
    }), flush=True)  # fmt: skip


# -- the run ----------------------------------------------------------------------------------


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A PostgreSQL server of our own for one run (tests/postgres_server.py), then gone."""
    from tests.postgres_server import PostgresServer, find_binaries

    bin_dir = find_binaries()
    if bin_dir is None:
        raise SystemExit("--db postgres needs PostgreSQL's initdb and pg_ctl installed")
    server = PostgresServer.start(bin_dir)
    try:
        yield server.url()
    finally:
        server.stop()


def spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )


def read_json(proc: subprocess.Popen[str]) -> dict[str, Any]:
    assert proc.stdout is not None
    while True:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"process {proc.args} ended early (code {proc.wait()})")
        if line.startswith("{"):
            return json.loads(line)


def run(
    users: int,
    registered: int,
    limit: int,
    database: str | None = None,
    procs: int = 1,
    interactive: float = 0.0,
) -> dict[str, Any]:
    """One fan-out; `database` a postgresql:// URL (else a SQLite file in a temporary folder),
    `procs` bot processes on it, holding the limit together through the send ledger."""
    with tempfile.TemporaryDirectory() as tmp:
        db = database or str(Path(tmp) / "backline.db")
        due_at = (datetime.now(UTC) + timedelta(seconds=75)).replace(second=0, microsecond=0)
        build_start = time.perf_counter()
        if database:
            build_pg(database, users, registered, due_at)
        else:
            build_db(Path(db), users, registered, due_at)
        print(f"database: {registered} people in {time.perf_counter() - build_start:.1f} s; "
              f"{users} due at {due_at:%H:%M} UTC", file=sys.stderr)  # fmt: skip
        server = spawn(
            "--role", "server", "--users", str(users), "--limit", str(limit),
            "--interactive", str(interactive),
        )  # fmt: skip
        try:
            url = read_json(server)["url"]
            launched = time.perf_counter()
            bots = []
            for n in range(procs):
                bots.append(spawn(
                    "--role", "bot", "--db", db, "--url", url, "--limit", str(limit),
                    "--users", str(users), "--due", due_at.isoformat(), "--instance", f"b{n}",
                ))  # fmt: skip
            ready = [read_json(bot) for bot in bots][-1]  # when the last one is ready
            startup = time.perf_counter() - launched
            print(f"bot ready in {startup:.2f} s, RSS {ready['rss_mb']:.0f} MB", file=sys.stderr)
            finished = [read_json(bot) for bot in bots]
            for bot in bots:
                bot.wait(60)
            done = dict(finished[0], cpu_s=sum(f["cpu_s"] for f in finished))
            assert server.stdin is not None
            server.stdin.write("stats\n")
            server.stdin.flush()
            stats = read_json(server)
            server.stdin.write("quit\n")
            server.stdin.flush()
            server.wait(30)
        finally:
            for proc in (server,):
                if proc.poll() is None:
                    proc.kill()
        outage: dict[str, Any] = {}
        if not database:  # (the outage run rewrites SQLite directly)
            outage_proc = spawn("--role", "outage", "--db", db)
            outage = read_json(outage_proc)
            outage_proc.wait(60)
    span = stats["last"] - stats["first"]
    rate = (stats["messages"] - 1) / span if span > 0 else 0.0
    return {
        "users": users,
        "backend": "PostgreSQL" if database else "SQLite",
        "procs": procs,
        "registered": registered,
        "limit": limit,
        "sent": stats["chats"],
        "duplicates": stats["duplicates"],
        "lost": users - stats["chats"],
        "http429": stats["http429"],
        "rate_ratio": rate / limit,
        "messages": stats["messages"],
        "seconds": span,
        "startup_s": startup,
        "ready_rss_mb": ready["rss_mb"],
        "rss_mb": done["rss_mb"],
        "peak_mb": done["peak_mb"],
        "cpu_per_10k": done["cpu_s"] / users * 10_000,
        "violations": stats["violations"],
        "outage": outage,
        "http429_by": stats["http429_by"],
        "tightest_second": stats["tightest_second"],
        "interactive": interactive,
        "asked": stats["asked"],
        "answered": stats["answered"],
        "interactive_ms": [w * 1000 for w in stats["interactive_ms"]],
        # Other work on the machine slows the bots' sends (a late send shifts its window).
        "load": os.getloadavg()[1],
    }


def line(r: dict[str, Any]) -> str:
    text = (
        f"fanout: users={r['users']} sent={r['sent']} duplicates={r['duplicates']} "
        f"lost={r['lost']} http429={r['http429']} rate_ratio={r['rate_ratio']:.3f}"
    )
    if r["interactive"] > 0:
        text += f" interactive_p99_ms={interactive_ms(r, 99):.0f}"
    return text


def interactive_ms(r: dict[str, Any], pct: float) -> float:
    waits = r["interactive_ms"]
    if not waits or r["answered"] < r["asked"]:
        return float("inf")  # an unanswered /today is as bad as it gets
    return percentile(waits, pct)


def write_docs(r: dict[str, Any]) -> None:
    ok = (
        r["sent"] == r["users"] and not r["duplicates"] and not r["lost"] and not r["http429"]
        and r["rate_ratio"] >= 0.95 and r["startup_s"] < 5 and r["peak_mb"] <= 150
        and r["outage"]["ready_s"] < 5
        and (r["interactive"] <= 0 or interactive_ms(r, 99) <= 1000)
    )  # fmt: skip
    rate = f"{r['rate_ratio']:.3f} ({r['messages']} messages in {r['seconds']:.1f} s)"
    rss = f"{r['ready_rss_mb']:.0f} / {r['rss_mb']:.0f} / {r['peak_mb']:.0f} MB"
    o = r["outage"]
    outage = f"{o['ready_s']:.2f} s ({o['pending']} pushes still in the grace window queued)"
    asking = f" --interactive {r['interactive']:g}" if r["interactive"] > 0 else ""
    command = (
        f"python bench/fanout.py --users {r['users']} --registered {r['registered']} "
        f"--limit {r['limit']}{asking}"
    )
    answers = (
        f"| /today during the fan-out ({r['asked']} asked, {r['answered']} answered): "
        f"p50 / p99 | {interactive_ms(r, 50):.0f} / {interactive_ms(r, 99):.0f} ms | p99 <= 1 s |\n"
        if r["interactive"] > 0
        else ""
    )
    body = f"""
## Fan-out

`{command}`:
{r["users"]} people due in the same minute (spread over 15 time zones), {r["registered"]}
registered, pushed by the real APScheduler tick through the durable outbox, the limiter and
the real Telegram adapter to the fake Bot API server, which enforces Telegram's flood limits
({r["limit"]} messages/s overall, 1/s per chat with bursts of 3, 20/min per group) and
answers 429 when one breaks. The fake server runs in a process of its own; the figures
below are the bot's alone.

```
{line(r)}
```

| measure | result | target |
|---|---:|---:|
| people who got their push | {r["sent"]} of {r["users"]} | all |
| duplicates / lost / 429s | {r["duplicates"]} / {r["lost"]} / {r["http429"]} | 0 / 0 / 0 |
| send rate / limit | {rate} | >= 0.95 |
{answers}| bot CPU per 10,000 pushes | {r["cpu_per_10k"]:.1f} s | |
| start-up to ready, {r["registered"]} registered | {r["startup_s"]:.2f} s | < 5 s |
| bot RSS ready / after the fan-out / peak | {rss} | <= 150 MB |
| `PushService.start()` after two days down, {r["registered"]} registered | {outage} | < 5 s |

{"Meets every target." if ok else "MISSES a target."} Start-up runs from launching the
process to the service being ready: interpreter and imports, migrations, Telegram login
(getMe, setMyCommands), outbox recovery and catch-up. After two days down, `start()` queues
what is still within the 3-hour grace window before it returns; the {o["missed"]} older
pushes are recorded as missed in the background ({o["backlog_s"]:.1f} s; peak RSS of that
process {o["peak_mb"]:.0f} MB). Pushes and answers wait in one send queue for the token
(`scheduler.ratelimit`): an answer takes the next free slot, the fan-out takes the rest, paced
evenly, so the fan-out yields to answers by itself. With `--interactive R`, {ASKERS} registered
people who are not due send /today at R per second (Poisson) for as long as the fan-out
runs; their wait runs from the update being queued at the server to the answer arriving.
CPU counts the bot process only, from just before the due minute until the last push was
recorded: rendering each session with the real coach, SQLite, python-telegram-bot and HTTP.
{machine()}, {os.cpu_count()} CPUs; {datetime.now(UTC):%Y-%m-%d}.
"""
    write_section("fanout", body)


def write_backends(results: list[dict[str, Any]]) -> None:
    rows = "\n".join(
        f"| {r['backend']} | {r['procs']} | {r['sent']} of {r['users']} | {r['duplicates']} / "
        f"{r['lost']} / {r['http429']} | {r['rate_ratio']:.3f} | {r['cpu_per_10k']:.1f} s | "
        f"{r.get('load', 0.0):.1f} |"
        for r in results
    )
    r = results[-1]
    body = f"""
## Fan-out on SQLite and PostgreSQL

`python bench/fanout.py --users {r["users"]} --limit {r["limit"]} --procs {r["procs"]} --db
postgresql://... --compare` (or `--db postgres`: a throwaway PostgreSQL server the script
starts on 127.0.0.1 and removes): the fan-out above, once on SQLite (one process), once on
PostgreSQL with {r["procs"]} bot processes sharing the outbox (each claims its rows with
`FOR UPDATE SKIP LOCKED`; one scans for who is due) and the one token's limit: every process
paces at the full {r["limit"]}/s and takes each send's turn in the send ledger
(bot/store/postgres/send_ledger.py), so together they keep to {r["limit"]}/s. CPU is all bot
processes together, per 10,000 pushes: the figure to compare (on PostgreSQL it includes the
ledger's two statements per send; the database server's own CPU is not counted).

```
{chr(10).join(line(x) for x in results)}
```

| backend | procs | got their push | duplicates / lost / 429s | rate / limit | CPU per 10k | load |
|---|---:|---:|---:|---:|---:|---:|
{rows}

load: the machine's 5-minute load average at the end of the run, on {os.cpu_count()} CPUs
(other work shares the machine when it is above the bots' own).

{machine()}, {os.cpu_count()} CPUs; {datetime.now(UTC):%Y-%m-%d}.
"""
    write_section("fanout-backends", body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10_000, help="people due (default 10000)")
    parser.add_argument("--limit", type=int, default=30, help="messages/s overall (default 30)")
    parser.add_argument("--registered", type=int, help="people registered (default: --users)")
    parser.add_argument("--no-docs", action="store_true", help="don't touch docs/benchmarks.md")
    parser.add_argument(
        "--interactive", type=float, default=0.0, help="/today per second during the fan-out"
    )
    parser.add_argument("--role", choices=("run", "server", "bot", "outage"), default="run")
    parser.add_argument(
        "--db",
        help="a postgresql:// URL, or 'postgres' for a throwaway server of this script's own "
        "(default: a temporary SQLite file)",
    )
    parser.add_argument("--procs", type=int, default=1, help="bot processes (PostgreSQL only)")
    parser.add_argument("--compare", action="store_true", help="run on SQLite first too")
    parser.add_argument("--instance")
    parser.add_argument("--url")
    parser.add_argument("--due")
    args = parser.parse_args(argv)
    if args.role == "server":
        asyncio.run(serve(args.users, args.limit, args.interactive))
        return 0
    if args.role == "outage":
        asyncio.run(run_outage(args.db))
        return 0
    if args.role == "bot":
        due = datetime.fromisoformat(args.due)
        asyncio.run(run_bot(args.db, args.url, args.limit, args.users, due, args.instance))
        return 0
    registered = max(args.registered or args.users, args.users + ASKERS)
    if args.procs > 1 and not args.db:
        parser.error("--procs needs --db postgresql://...: SQLite takes one writing process")
    if args.db == "postgres":
        with throwaway_postgres() as url:
            return main([*(argv if argv is not None else sys.argv[1:]), "--db", url])
    if args.db:
        results = (
            [run(args.users, registered, args.limit, interactive=args.interactive)]
            if args.compare
            else []
        )
        results.append(
            run(args.users, registered, args.limit, args.db, args.procs, args.interactive)
        )
        if not args.no_docs:
            write_backends(results)
        for r in results:
            print(f"{r['backend']} x{r['procs']}: CPU per 10,000 pushes {r['cpu_per_10k']:.1f} s",
                  file=sys.stderr)  # fmt: skip
            print(line(r))
        r = results[-1]
        return 0 if r["lost"] == r["duplicates"] == r["http429"] == 0 else 1
    result = run(args.users, registered, args.limit, interactive=args.interactive)
    if result["violations"]:
        print(f"{result['violations']} Bot API violations", file=sys.stderr)
    if not args.no_docs:
        write_docs(result)
        print("updated docs/benchmarks.md", file=sys.stderr)
    print(f"429s by kind {result['http429_by']}; tightest {args.limit + 1} consecutive sends "
          f"{result['tightest_second'] * 1000:.0f} ms apart; CPU per 10,000 pushes "
          f"{result['cpu_per_10k']:.1f} s; RSS ready/after/peak {result['ready_rss_mb']:.0f}/"
          f"{result['rss_mb']:.0f}/{result['peak_mb']:.0f} MB; start-up "
          f"{result['startup_s']:.2f} s; after 2 days down {result['outage']}",
          file=sys.stderr)  # fmt: skip
    print(line(result))
    ok = result["lost"] == 0 and result["duplicates"] == 0 and result["http429"] == 0
    if result["interactive"] > 0:
        ok = ok and interactive_ms(result, 99) <= 1000
    return 0 if ok and result["rate_ratio"] >= 0.95 else 1


if __name__ == "__main__":
    sys.exit(main())
