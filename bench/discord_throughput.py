"""Discord throughput: events per second through the whole Backline stack, against a bare
discord.py responder on the same fake Discord in the same run.

    python bench/discord_throughput.py            # prints the figures, refreshes docs/benchmarks.md
    python bench/discord_throughput.py --no-docs  # prints only

Whole stack: fake gateway -> discord.py -> adapter -> Coach -> SQLite -> HTTP answer back to the
fake. Virtual people each do their next step once the previous one was answered (a closed loop):
/today, a DM reply logging sets to the session, /howto db rdl, /log glute-bridge 15 15. Latency runs
from the event leaving the fake's gateway to the bot's first answer arriving at the fake's HTTP
API; the clock for a round stops once the bot has finished all work (including follow-ups). Both
bots run with the same intents on the same fake, in this one process, on loopback only. The fake's
spec validation is off here (the tests do it), so it costs both bots the same small amount.
A third row drives the same steps straight into the real Coach and store, without Discord, to
show how much of the full stack's time is the core's own. Every row also reports its CPU time
per event (the event-loop thread, and other threads: SQLite's), its garbage-collector pauses
and, for the two bots, the HTTP requests they made per event. Where the OS allows it, the bots
are then measured a second time with the whole process on one CPU core, which shows what the
event loop and SQLite's thread handing Python's GIL to each other across two cores costs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import platform
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import discord  # noqa: E402
from discord import app_commands  # noqa: E402

from bench.report import DOCS, machine, percentile, write_section  # noqa: E402
from bot.adapters.discord import DiscordAdapter, cancel_pending_ready, intents  # noqa: E402
from bot.app import open_coach  # noqa: E402
from bot.core.coach import Coach  # noqa: E402
from bot.core.events import InboundEvent, UserRef  # noqa: E402
from tests.fakes import discord_payloads as P  # noqa: E402
from tests.fakes.discord_server import FakeDiscord, Recorded  # noqa: E402
from tests.fakes.discord_spec import DiscordSpec, spec_path  # noqa: E402

SECTION = "discord-throughput"
TOKEN = "bench.discord.token"
TARGET = 0.7
NOW = datetime(2026, 5, 11, 9, 30, tzinfo=UTC)  # a Monday: a training day with a session
CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
MESSAGES = "/channels/{channel_id}/messages"
STEPS = 4  # per person: /today, reply, /howto, /log


@dataclass
class Cost:
    """What one round used, in seconds (CPU, GC pauses) and HTTP requests."""

    loop_cpu: float = 0.0  # the event-loop thread: Discord, adapter, Coach, the fake
    other_cpu: float = 0.0  # every other thread: SQLite's (aiosqlite), resolver threads
    gc_pause: float = 0.0
    requests: int = 0


@dataclass
class Result:
    name: str
    events: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    cost: Cost = field(default_factory=Cost)

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    def ms(self, pct: float) -> float:
        return percentile(self.latencies, pct) * 1000


@dataclass
class Rows:
    """One bot's measured rounds: the best one for the rate, all of them for the costs."""

    rounds: list[Result]

    @property
    def best(self) -> Result:
        return max(self.rounds, key=lambda r: r.rate)

    def per_event(self, what: str) -> float:
        """Mean over the rounds of a Cost field per event (ms for times)."""
        events = sum(r.events for r in self.rounds)
        total = sum(getattr(r.cost, what) for r in self.rounds)
        return total / events * (1 if what == "requests" else 1000)


@contextlib.contextmanager
def metered(fake: FakeDiscord | None) -> Iterator[Cost]:
    """Fills a Cost for the block: CPU by thread, GC pauses, requests seen by the fake."""
    cost = Cost()
    started: list[float] = []

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(time.perf_counter())
        elif started:
            cost.gc_pause += time.perf_counter() - started.pop()

    gc.callbacks.append(on_gc)
    requests = len(fake.requests) if fake else 0
    loop0, all0 = time.thread_time(), time.process_time()
    try:
        yield cost
    finally:
        loop = time.thread_time() - loop0
        cost.loop_cpu, cost.other_cpu = loop, time.process_time() - all0 - loop
        cost.requests = (len(fake.requests) if fake else 0) - requests
        gc.callbacks.remove(on_gc)


class Answers:
    """Resolves a waiter when the fake records the bot's first answer to an event."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.waiting: dict[str, asyncio.Future[float]] = {}
        fake.listeners.append(self._seen)

    def expect(self, key: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[key] = future
        return future

    def _seen(self, rec: Recorded) -> None:
        if rec.method != "POST" or rec.status >= 300:
            return
        if rec.template == CALLBACK:
            key = rec.path.split("/")[3]  # the interaction token
        elif rec.template == MESSAGES:
            key = rec.path.split("/")[2]  # the channel
        else:
            return
        future = self.waiting.pop(key, None)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())


async def person(
    fake: FakeDiscord, answers: Answers, who: dict[str, Any], lat: list[float]
) -> None:
    """One virtual person's closed loop through the four steps."""
    today = await _slash(fake, answers, who, "today", {}, lat)
    session = fake.messages[fake.originals[today["token"]]]
    answered = answers.expect(fake.dm_channel_for(who)["id"])
    sent_at = time.perf_counter()
    await fake.user_message(who, "12 10 10", reply_to=session)
    lat.append(await answered - sent_at)
    await _slash(fake, answers, who, "howto", {"exercise": "rdl"}, lat)
    await _slash(fake, answers, who, "log", {"exercise": "glute-bridge", "sets": "15 15"}, lat)


async def _slash(
    fake: FakeDiscord,
    answers: Answers,
    who: dict[str, Any],
    name: str,
    options: dict[str, str],
    lat: list[float],
) -> dict[str, Any]:
    # Built here rather than with fake.slash so the waiter exists before the dispatch.
    payload = slash_interaction(fake, who, name, options)
    future = answers.expect(payload["token"])
    sent_at = time.perf_counter()
    await fake.dispatch("INTERACTION_CREATE", payload)
    lat.append(await future - sent_at)
    return payload


def slash_interaction(
    fake: FakeDiscord, who: dict[str, Any], name: str, options: dict[str, str]
) -> dict[str, Any]:
    """A slash command from `who` in their DM, registered with the fake, not yet dispatched."""
    cmd = next(c for c in fake.commands if c["name"] == name)
    data = {
        "id": cmd["id"],
        "name": name,
        "type": 1,
        "options": [{"name": k, "type": 3, "value": v} for k, v in options.items()],
    }
    channel = fake.dm_channel_for(who)
    payload = P.interaction(2, data, app_id=fake.app_id, who=who, channel=channel, guild_id=None)
    fake.interactions[payload["token"]] = payload
    return payload


class BareResponder(discord.Client):
    """The floor: answers every slash command and DM with a fixed message of similar size."""

    def __init__(self) -> None:
        super().__init__(intents=intents(True), allowed_mentions=discord.AllowedMentions.none())
        self.tree = app_commands.CommandTree(self)
        self.embed = discord.Embed(
            title="Mon 11 May · Full body · about 16 min",
            description=(
                "Warm-up: Bird dog, Cat-cow\n1. Single-leg RDL: 2 x 8-10 per side, rest 45 s\n"
                "2. Doorway row: 2 x 10-15, rest 45 s\n3. Glute bridge: 2 x 10-15, rest 45 s\n\n"
                "Reply to this message with what you did."
            ),
        )

    def view(self) -> discord.ui.View:
        view = discord.ui.View(timeout=None)
        for label in ("Log step by step", "All done", "Skip today"):
            view.add_item(discord.ui.Button(label=label, custom_id=f"bare:{label}"))
        return view

    async def setup_hook(self) -> None:
        @self.tree.command(name="today", description="Today's session")
        async def today(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(embed=self.embed, view=self.view())

        @self.tree.command(name="howto", description="How to")
        async def howto(interaction: discord.Interaction, exercise: str) -> None:
            await interaction.response.send_message(embed=self.embed)

        @self.tree.command(name="log", description="Log")
        async def log(interaction: discord.Interaction, exercise: str, sets: str) -> None:
            await interaction.response.send_message(f"Logged {exercise}: {sets}.")

        await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        if not message.author.bot:
            await message.channel.send("Logged Glute bridge: 12, 10, 10 reps.")


async def run_round(
    fake: FakeDiscord,
    answers: Answers,
    name: str,
    people: int,
    drain: Callable[[], Awaitable[None]],
) -> Result:
    lat: list[float] = []
    who = [P.user(f"p{i}") for i in range(people)]
    with metered(fake) as cost:
        started = time.perf_counter()
        await asyncio.gather(*(person(fake, answers, w, lat) for w in who))
        await fake.sync()
        await drain()
        seconds = time.perf_counter() - started
    return Result(name, people * STEPS, seconds, lat, cost)


async def core_round(coach: Coach, people: int, tag: str) -> Result:
    """The same steps straight into the Coach (real store), no Discord: the core's own
    ceiling, to show where the full stack's time goes."""
    counter = iter(range(10**9))
    lat: list[float] = []

    def next_id() -> str:
        return f"{tag}-{next(counter)}"

    async def step(ref: UserRef, text: str, reply_to: str | None = None) -> str:
        sent_at = time.perf_counter()
        event = InboundEvent(
            ref, ref.user_id, text, reply_to=reply_to, message_id=next_id(), event_id=next_id()
        )
        reply = await coach.handle(event)
        first = ""
        for out in reply.messages:
            message_id = next_id()
            first = first or message_id
            await coach.record_sent("discord", ref.user_id, message_id, out)
        lat.append(time.perf_counter() - sent_at)
        return first

    async def one(i: int) -> None:
        ref = UserRef("discord", f"core-{tag}-{i}")
        session = await step(ref, "/today")
        await step(ref, "12 10 10", reply_to=session)
        await step(ref, "/howto db rdl")
        await step(ref, "/log glute-bridge 15 15")

    with metered(None) as cost:
        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(people)))
        seconds = time.perf_counter() - started
    return Result("core", people * STEPS, seconds, lat, cost)


async def serve_bare(fake: FakeDiscord) -> tuple[BareResponder, asyncio.Task[None]]:
    client = BareResponder()
    await client.login(TOKEN)
    before = len(fake.identifies)
    task = asyncio.create_task(client.connect())
    await fake.wait_identified(before + 1)
    await fake.sync()
    return client, task


@dataclass
class Pass:
    """One run of the three rows, and what the full stack stored (the sanity check)."""

    bare: Rows
    full: Rows
    core: Rows
    logged: int


async def bench(people: int, rounds: int) -> Pass:
    spec = DiscordSpec(spec_path(REPO_ROOT))
    fake = await FakeDiscord(spec, TOKEN, validate=False).start()
    fake.point_discord()
    answers = Answers(fake)
    bare_results: list[Result] = []
    full_results: list[Result] = []
    core_results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        coach, store = await open_coach(Path(tmp) / "bench.db", clock=lambda: NOW)
        try:
            for r in range(rounds + 1):  # round 0 warms both up and is not counted
                client, task = await serve_bare(fake)
                result = await run_round(fake, answers, "bare", people, fake.sync)
                cancel_pending_ready(client)
                await client.close()
                await task
                adapter = DiscordAdapter(coach, TOKEN)
                stop = asyncio.Event()
                before = len(fake.identifies)
                running = asyncio.create_task(adapter.run(stop))
                await fake.wait_identified(before + 1)
                await fake.sync()
                full = await run_round(fake, answers, "full", people, adapter.drain)
                stop.set()
                await running
                core = await core_round(coach, people, str(r))
                if r:
                    bare_results.append(result)
                    full_results.append(full)
                    core_results.append(core)
            rows = await store.read("SELECT COUNT(*) AS n FROM set_logs")
            logged = int(rows[0]["n"])
        finally:
            await store.close()
            await fake.stop()
    return Pass(Rows(bare_results), Rows(full_results), Rows(core_results), logged)


@contextlib.contextmanager
def on_one_core() -> Iterator[bool]:
    """Keeps this thread, and every thread it starts, on one CPU core. False where the OS
    can't (then nothing changes)."""
    allowed = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
    if len(allowed) < 2:
        yield False
        return
    os.sched_setaffinity(0, {min(allowed)})
    try:
        yield True
    finally:
        os.sched_setaffinity(0, allowed)


def table(run: Pass) -> list[str]:
    def row(label: str, rows: Rows, requests: bool) -> str:
        best = rows.best
        http = f"{rows.per_event('requests'):.2f}" if requests else "-"
        return (
            f"| {label} | {best.rate:.0f} | {best.ms(50):.1f} ms | {best.ms(95):.1f} ms "
            f"| {rows.per_event('loop_cpu'):.2f} + {rows.per_event('other_cpu'):.2f} ms "
            f"| {rows.per_event('gc_pause'):.2f} ms | {http} |"
        )

    return [
        "| Bot | events/s | p50 latency | p95 latency | CPU per event: event loop + other "
        "threads | GC pauses per event | HTTP requests per event |",
        "|---|---:|---:|---:|---:|---:|---:|",
        row("bare discord.py responder", run.bare, True),
        row("Backline (adapter + Coach + SQLite)", run.full, True),
        row("for reference: Coach + SQLite alone, no Discord", run.core, False),
    ]


def ratio_of(run: Pass) -> float:
    return run.full.best.rate / run.bare.best.rate


def breakdown(run: Pass) -> list[str]:
    """Where Backline's time per event goes, from the measured CPU, GC and request counts."""
    bare_gc, full_gc, core_gc = (r.per_event("gc_pause") for r in (run.bare, run.full, run.core))
    bare_loop = run.bare.per_event("loop_cpu")
    full_loop = run.full.per_event("loop_cpu")
    core_loop = run.core.per_event("loop_cpu") - core_gc
    more_http = run.full.per_event("requests") / run.bare.per_event("requests")
    # The fake Discord and discord.py, scaled to Backline's traffic (GC counted on its own).
    discord_work = (bare_loop - bare_gc) * more_http
    rest = full_loop - discord_work - core_loop - full_gc
    budget = bare_loop / TARGET
    floor = discord_work + core_loop
    if floor > budget:
        verdict = (
            f"already take {floor:.2f} ms, before any garbage collection, adapter or "
            "interference, so the target is out of reach while the Coach shares the bot's "
            "event loop (it would take the core's work off this thread, e.g. into another "
            "process)."
        )
    else:
        verdict = (
            f"take {floor:.2f} ms, which leaves {budget - floor:.2f} ms for garbage collection, "
            f"the adapter and the interference, which take {full_loop - floor:.2f} ms here."
        )
    return [
        "Where the time goes: everything but SQLite's own work runs on the event-loop thread, "
        "under one GIL, and that thread is busy all the time, so its CPU time per event sets "
        f"the pace. The bare bot needs {bare_loop:.2f} ms of it (the fake Discord and "
        f"discord.py); Backline needs {full_loop:.2f} ms:",
        "",
        f"- about {discord_work:.2f} ms of Discord work: Backline makes {more_http:.2f}x the "
        "bare bot's HTTP requests, because after a logged reply the next exercise comes as a "
        "second message with its own buttons;",
        f"- {core_loop:.2f} ms for the Coach and its store, as much as they need alone "
        f"(SQLite's own work, {run.core.per_event('other_cpu'):.2f} ms, runs on its thread);",
        f"- {full_gc:.2f} ms of garbage-collector pauses (the bare bot {bare_gc:.2f} ms, the "
        f"core alone {core_gc:.2f} ms; a full collection takes tens of milliseconds and lands "
        "in whichever round crosses the threshold);",
        f"- the remaining {rest:.2f} ms or so: the adapter's own code (profiling puts it under "
        "a tenth of a millisecond) and the cost of running both together: the event loop "
        "and SQLite's thread hand the GIL back and forth, and on two cores every hand-off wakes "
        "the other core and waits for it (see the one-core run below).",
        "",
        f"A ratio of {TARGET} would leave Backline {budget:.2f} ms of event-loop time per event. "
        "The Discord work for its answers and the core's own work " + verdict,
    ]


def report(run: Pass, single: Pass | None, people: int, rounds: int) -> tuple[str, float]:
    ratio = ratio_of(run)
    verdict = "meets" if ratio >= TARGET else "misses"
    lines = [
        *table(run),
        "",
        f"Ratio: **{ratio:.2f}** of the bare responder ({verdict} the target of {TARGET}).",
        "",
        *breakdown(run),
    ]
    if single is not None:
        lines += [
            "",
            "The same run again with the whole process on one CPU core (the bare bot has "
            "one thread, so this changes little for it):",
            "",
            *table(single),
            "",
            f"Ratio on one core: {ratio_of(single):.2f}. Sharing a core, the event loop and "
            "SQLite's thread no longer wake each other across cores: Backline's event loop "
            f"needs {single.full.per_event('loop_cpu'):.2f} ms per event instead of "
            f"{run.full.per_event('loop_cpu'):.2f} ms. SQLite's own work is small (the other "
            "threads), so keeping the two together costs little of the second core's help; a "
            "host can do that for the whole process with e.g. `taskset -c 0` or systemd's "
            "`CPUAffinity=`.",
        ]
    lines += [
        "",
        f"{people} virtual people x {STEPS} steps per round, best of {rounds} rounds each for "
        "the rates, the mean of those rounds for CPU, GC and requests; "
        f"{machine()}, {platform.system()}, {os.cpu_count()} CPUs, "
        f"discord.py {discord.__version__}.",
    ]
    return "\n".join(lines), ratio


def write_docs(table: str) -> None:
    write_section(
        SECTION,
        "## Discord throughput\n\n"
        "`python bench/discord_throughput.py` drives the whole stack (fake Discord gateway -> "
        "discord.py -> adapter -> Coach -> SQLite -> HTTP answer back to the fake) and a bare "
        "discord.py responder on the same fake Discord, in the same run. Each virtual person "
        "does /today, a DM reply logging sets to the session, /howto db rdl and /log, each once "
        "the previous one was answered. Latency runs from the event leaving the gateway to the "
        "first answer reaching the fake's HTTP API.\n\n" + table,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=64, help="virtual people per round")
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds per bot")
    parser.add_argument("--no-docs", action="store_true", help="don't touch docs/benchmarks.md")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)

    run = asyncio.run(bench(args.people, args.rounds))
    with on_one_core() as pinned:
        single = asyncio.run(bench(args.people, args.rounds)) if pinned else None
    text, ratio = report(run, single, args.people, args.rounds)
    print("Discord throughput\n")
    print(text)
    # Per person and round: a reply (3 sets) and a /log (2), through Discord and directly.
    expected = args.people * (args.rounds + 1) * 5 * 2
    logged = [p.logged for p in (run, single) if p is not None]
    print(f"\nSanity: {logged} sets stored by the full stack (expected at least {expected}).")
    if min(logged) < expected:
        print("The full stack did not log what it was sent; docs not updated.", file=sys.stderr)
        return 1
    if not args.no_docs:
        write_docs(text)
        print(f"Updated {DOCS.relative_to(REPO_ROOT)}.")
    return 0 if ratio >= TARGET else 2


if __name__ == "__main__":
    sys.exit(main())
