"""Latency as people feel it, with the platform's real limits enforced.

    python bench/latency.py --platform telegram --rate 24   # ~2.5 minutes, refreshes the docs
    python bench/latency.py --platform discord --rate 40
    python bench/latency.py --platform telegram --rate 12 --duration 20 --no-docs  # a quick look

Open-loop Poisson arrivals at `--rate` per second for `--duration` seconds, spread over at
least 300 virtual people, each doing in turn /today, a reply logging sets to the session,
/howto db rdl and /log (arrival k is person k mod N's next step, so one person's steps are N/rate
seconds apart). The fake platform (this process) enforces the real limits and answers 429 when
one breaks: Telegram 30 messages/s overall, about 1/s per chat (bursts of 3), 20/min per
group; Discord 50 requests/s and 5 messages per channel per 5 s. The bot runs in a process of
its own, which reports its CPU. Latency runs from the update being queued (Telegram) or the
event leaving the gateway (Discord) to the bot's first answer reaching the fake.

Backline runs first, then a bare bot (one plain answer per update, no queue of its own) on
the same arrivals. Each prints one line:
    latency: platform=P rate=R p50_ms=.. p99_ms=.. http429=.. lost=.. cpu_pct=..
lost = arrivals never answered (after 30 s of drain).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.report import machine, percentile, write_section  # noqa: E402

MIN_PEOPLE = 300
DRAIN = 30.0
STEPS = ("today", "reply", "howto", "log")
TG_BASE = 70_000_000
DISCORD_TOKEN = "bench.discord.token"
TG_NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)  # Monday: a training day
DISCORD_NOW = datetime(2026, 5, 11, 9, 30, tzinfo=UTC)  # Monday too
SEND_METHODS = ("sendMessage", "sendPhoto", "sendDocument")
CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
MESSAGES = "/channels/{channel_id}/messages"


@dataclass
class Arrival:
    at: float  # seconds from the start
    person: int
    step: str
    sent: float = 0.0  # monotonic, when it was queued / dispatched
    answered: float | None = None
    messages: int = 0  # messages the bot sent in answer


@dataclass
class Outcome:
    bot: str
    arrivals: list[Arrival]
    http429: int
    cpu_s: float
    wall_s: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def latencies(self) -> list[float]:
        return [a.answered - a.sent for a in self.arrivals if a.answered is not None]

    @property
    def lost(self) -> int:
        return sum(1 for a in self.arrivals if a.answered is None)

    def ms(self, pct: float) -> float:
        return percentile(self.latencies, pct) * 1000 if self.latencies else math.inf

    def per_event(self, step: str | None = None) -> float:
        chosen = [a for a in self.arrivals if step is None or a.step == step]
        return sum(a.messages for a in chosen) / max(1, len(chosen))


def schedule(rate: float, duration: float, people: int, seed: int = 16) -> list[Arrival]:
    rng = random.Random(seed)
    arrivals: list[Arrival] = []
    t = rng.expovariate(rate)
    while t < duration:
        k = len(arrivals)
        arrivals.append(Arrival(t, k % people, STEPS[(k // people) % len(STEPS)]))
        t += rng.expovariate(rate)
    return arrivals


# -- the bot (its own process) ----------------------------------------------------------------


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def bot_process(args: argparse.Namespace) -> None:
    # PTB logs a traceback when the fake goes away first at shutdown; not the bot's problem.
    logging.getLogger("telegram").setLevel(logging.CRITICAL)
    stop = asyncio.Event()
    ready = asyncio.Event()
    with tempfile.TemporaryDirectory() as tmp:
        runner = _telegram_bot if args.platform == "telegram" else _discord_bot
        task = asyncio.create_task(runner(args, Path(tmp), stop, ready))
        waiter = asyncio.create_task(ready.wait())
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()
        print(json.dumps({"ready": True}), flush=True)
        loop = asyncio.get_running_loop()
        mark = cpu_seconds()
        while True:
            line = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
            if line == "mark":
                mark = cpu_seconds()
            elif line == "stats":
                print(json.dumps({"cpu_s": cpu_seconds() - mark}), flush=True)
            else:
                break
        stop.set()
        await asyncio.wait_for(task, 30)


def hooks_for(platform: str) -> Any:
    """The adapter's hooks as bot.app wires them: the platform's send queue."""
    from bot.adapters.base import Hooks
    from scheduler.ratelimit import limiter_for

    queue: Any = limiter_for(platform)
    if "gates" not in Hooks.__dataclass_fields__:
        # A checkout from before the send queue (the "before" figures): replies were only
        # noted against the push budget, never paced.
        old: Any = Hooks
        return old(on_interactive_send=lambda _p, chat: queue.note_interactive(chat))
    return Hooks(gates={platform: queue})


async def _telegram_bot(
    args: argparse.Namespace, tmp: Path, stop: asyncio.Event, ready: asyncio.Event
) -> None:
    from tests.fakes.telegram_server import TEST_TOKEN

    if args.bare:
        from telegram import Update
        from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

        async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
            message = update.effective_message
            if message is not None and message.text:
                await message.reply_text(message.text)

        app = (
            ApplicationBuilder()
            .token(TEST_TOKEN)
            .base_url(f"{args.url}/bot")
            .concurrent_updates(32)
            .job_queue(None)
            .build()
        )
        app.add_handler(MessageHandler(filters.TEXT, echo))
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(timeout=1)
            ready.set()
            await stop.wait()
            await app.updater.stop()
            await app.stop()
        return

    from bot.adapters.telegram import TelegramAdapter
    from bot.app import open_coach

    coach, store = await open_coach(tmp / "bench.db", clock=lambda: TG_NOW)
    hooks = hooks_for("telegram")
    adapter = TelegramAdapter(coach, TEST_TOKEN, args.url, hooks=hooks, poll_timeout=1)
    try:
        await adapter.run(stop, on_ready=lambda _: ready.set())
    finally:
        await store.close()


async def _discord_bot(
    args: argparse.Namespace, tmp: Path, stop: asyncio.Event, ready: asyncio.Event
) -> None:
    import discord
    import discord.gateway
    import discord.http
    import yarl

    discord.http.Route.BASE = args.url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(args.gateway)
    if args.bare:
        from bench.discord_throughput import BareResponder
        from bot.adapters.discord import cancel_pending_ready

        client = BareResponder()
        await client.login(DISCORD_TOKEN)
        task = asyncio.create_task(client.connect())
        ready.set()
        await stop.wait()
        cancel_pending_ready(client)
        await client.close()
        await task
        return

    from bot.adapters.discord import DiscordAdapter
    from bot.app import open_coach

    coach, store = await open_coach(tmp / "bench.db", clock=lambda: DISCORD_NOW)
    hooks = hooks_for("discord")
    adapter = DiscordAdapter(coach, DISCORD_TOKEN, hooks=hooks)
    task = asyncio.create_task(adapter.run(stop))
    try:
        await asyncio.wait_for(adapter.ready.wait(), 30)
        ready.set()
        await task
    finally:
        await store.close()


# -- the driver and the fake (this process) ---------------------------------------------------


def spawn(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--role", "bot", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )


async def read_json(proc: subprocess.Popen[str]) -> dict[str, Any]:
    assert proc.stdout is not None
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, proc.stdout.readline)
        if not line:
            raise RuntimeError(f"the bot process ended early (code {proc.wait()})")
        if line.startswith("{"):
            return json.loads(line)


def tell(proc: subprocess.Popen[str], what: str) -> None:
    assert proc.stdin is not None
    proc.stdin.write(what + "\n")
    proc.stdin.flush()


async def play(arrivals: list[Arrival], fire: Any) -> None:
    """Fire each arrival at its time (open loop: never waits for answers)."""
    start = time.monotonic()
    for arrival in arrivals:
        delay = start + arrival.at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        fire(arrival)


async def drain(arrivals: list[Arrival], check: Any) -> None:
    deadline = time.monotonic() + DRAIN
    while time.monotonic() < deadline:
        check()
        if all(a.answered is not None for a in arrivals):
            await asyncio.sleep(2.0)  # late second messages still count per event
            check()
            return
        await asyncio.sleep(0.25)


async def measure(
    proc: subprocess.Popen[str],
    fake: Any,
    arrivals: list[Arrival],
    fire: Any,
    check: Any,
    bare: bool,
) -> Outcome:
    """Play the arrivals against the running bot, wait for the answers; the outcome."""
    tell(proc, "mark")
    started = time.monotonic()
    await play(arrivals, fire)
    await drain(arrivals, check)
    wall = time.monotonic() - started
    tell(proc, "stats")
    cpu = (await read_json(proc))["cpu_s"]
    by = dict(fake.rate_limited_by)
    return Outcome("bare" if bare else "backline", arrivals, fake.rate_limited, cpu, wall, by)


async def run_telegram(rate: float, duration: float, people: int, bare: bool) -> Outcome:
    from tests.fakes.telegram_server import FakeTelegram, TgUser

    fake = FakeTelegram(enforce_limits=True, deep_validation=False, validate_responses=False)
    await fake.start()
    users: list[TgUser] = [fake.user(TG_BASE + i, f"P{i}") for i in range(people)]
    proc = spawn(["--platform", "telegram", "--url", fake.url] + (["--bare"] if bare else []))
    try:
        await read_json(proc)
        arrivals = schedule(rate, duration, people)
        by_chat: dict[int, list[Arrival]] = defaultdict(list)
        texts = {"today": "/today", "howto": "/howto db rdl", "log": "/log glute bridge 15 15"}

        def fire(a: Arrival) -> None:
            who = users[a.person]
            target = None
            if a.step == "reply":
                sent = fake.sent_to(who)
                target = next((m for m in reversed(sent) if m.buttons), None)
            a.sent = time.monotonic()
            by_chat[who.id].append(a)
            fake.send(who, texts.get(a.step, "12 10 10"), reply_to=target)

        def check() -> None:
            answers: dict[int, list[float]] = defaultdict(list)
            for call in fake.requests:
                if call.method in SEND_METHODS and call.status == 200:
                    answers[int(call.params["chat_id"])].append(call.at)
            for chat, asked in by_chat.items():
                times = answers.get(chat, [])
                for i, a in enumerate(asked):
                    until = asked[i + 1].sent if i + 1 < len(asked) else math.inf
                    mine = [t for t in times if a.sent <= t < until]
                    a.answered = mine[0] if mine else None
                    a.messages = len(mine)

        return await measure(proc, fake, arrivals, fire, check, bare)
    finally:
        tell(proc, "quit")
        proc.wait(60)
        await fake.stop()


async def run_discord(rate: float, duration: float, people: int, bare: bool) -> Outcome:
    from bench.discord_throughput import slash_interaction
    from tests.fakes import discord_payloads as P
    from tests.fakes.discord_server import FakeDiscord, Recorded
    from tests.fakes.discord_spec import API_PREFIX, DiscordSpec, spec_path

    spec = DiscordSpec(spec_path(REPO_ROOT))
    fake = await FakeDiscord(spec, DISCORD_TOKEN, validate=False, enforce_limits=True).start()
    waiting: dict[str, Arrival] = {}

    def seen(rec: Recorded) -> None:
        if rec.method != "POST" or rec.status >= 300:
            return
        if rec.template == CALLBACK:
            key = rec.path.split("/")[3]
        elif rec.template == MESSAGES:
            key = rec.path.split("/")[2]
        else:
            return
        arrival = waiting.get(key)
        if arrival is not None:
            arrival.messages += 1
            if arrival.answered is None:
                arrival.answered = time.monotonic()

    fake.listeners.append(seen)
    args = ["--platform", "discord", "--url", fake.base_url + API_PREFIX]
    args += ["--gateway", fake.gateway_url] + (["--bare"] if bare else [])
    proc = spawn(args)
    try:
        await read_json(proc)
        await fake.wait_identified(1, timeout=30)
        await fake.wait_for(lambda: len(fake.commands) >= 3, timeout=30, what="slash commands")
        await fake.sync()
        who = [P.user(f"p{i}") for i in range(people)]
        tokens: dict[int, str] = {}
        arrivals = schedule(rate, duration, people)
        pending: set[asyncio.Task[None]] = set()

        async def slash(a: Arrival, name: str, options: dict[str, str]) -> None:
            payload = slash_interaction(fake, who[a.person], name, options)
            waiting[payload["token"]] = a
            if name == "today":
                tokens[a.person] = payload["token"]
            a.sent = time.monotonic()
            await fake.dispatch("INTERACTION_CREATE", payload)

        async def reply(a: Arrival) -> None:
            person = who[a.person]
            session_id = fake.originals.get(tokens.get(a.person, ""))
            session = fake.messages.get(session_id) if session_id else None
            waiting[fake.dm_channel_for(person)["id"]] = a
            a.sent = time.monotonic()
            await fake.user_message(person, "12 10 10", reply_to=session)

        def fire(a: Arrival) -> None:
            if a.step == "reply":
                step = reply(a)
            elif a.step == "today":
                step = slash(a, "today", {})
            elif a.step == "howto":
                step = slash(a, "howto", {"exercise": "db rdl"})
            else:
                step = slash(a, "log", {"exercise": "glute-bridge", "sets": "15 15"})
            task = asyncio.create_task(step)
            pending.add(task)
            task.add_done_callback(pending.discard)

        return await measure(proc, fake, arrivals, fire, lambda: None, bare)
    finally:
        tell(proc, "quit")
        proc.wait(60)
        await fake.stop()


# -- the report -------------------------------------------------------------------------------


def line(platform: str, rate: float, o: Outcome) -> str:
    head = f"latency: platform={platform}" + ("" if o.bot == "backline" else " bot=bare")
    return (
        f"{head} rate={rate:g} p50_ms={o.ms(50):.0f} p99_ms={o.ms(99):.0f} "
        f"http429={o.http429} lost={o.lost} cpu_pct={o.cpu_s / o.wall_s * 100:.0f}"
    )


def docs(platform: str, rate: float, duration: float, people: int, runs: list[Outcome]) -> str:
    title = {"telegram": "Telegram", "discord": "Discord"}[platform]
    unit = "updates/s" if platform == "telegram" else "events/s"
    rows = []
    for o in runs:
        name = "Backline" if o.bot == "backline" else "bare bot (one plain answer, no queue)"
        rows.append(
            f"| {name} | {o.ms(50):.0f} | {o.ms(99):.0f} | {o.http429} | {o.lost} | "
            f"{o.cpu_s / o.wall_s * 100:.0f} % | {o.per_event():.2f} | "
            f"{o.per_event('reply'):.2f} | {o.per_event('howto'):.2f} |"
        )
    lines = [line(platform, rate, o) for o in runs]
    return "\n".join(
        [
            f"## Latency under the real limits: {title} "
            f"(`python bench/latency.py --platform {platform} --rate {rate:g}`)",
            "",
            f"Open-loop Poisson arrivals at {rate:g} {unit} for {duration:g} s over {people} "
            "people (each doing /today, a reply log, /howto db rdl, /log in turn); the bot in its "
            "own process; the fake enforcing the platform's limits. Target: p99 <= 500 ms, "
            "no 429s, nothing lost.",
            "",
            "```",
            *lines,
            "```",
            "",
            "| bot | p50 ms | p99 ms | 429s | lost | bot CPU (one core) | messages per event | "
            "messages per reply log | messages per /howto |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
            *rows,
            "",
            f"{machine()}, 2 CPUs; {datetime.now(UTC):%Y-%m-%d}.",
        ]
    )


async def main_async(args: argparse.Namespace) -> int:
    people = max(MIN_PEOPLE, math.ceil(args.rate * args.duration / len(STEPS)))
    runner = run_telegram if args.platform == "telegram" else run_discord
    runs = []
    for bare in (False, True) if not args.backline_only else (False,):
        outcome = await runner(args.rate, args.duration, people, bare)
        print(line(args.platform, args.rate, outcome), flush=True)
        print(
            f"  messages per event {outcome.per_event():.2f}, per reply log "
            f"{outcome.per_event('reply'):.2f}, per /howto {outcome.per_event('howto'):.2f}; "
            f"429s by kind {outcome.extra}",
            file=sys.stderr,
        )
        runs.append(outcome)
    if not args.no_docs:
        body = docs(args.platform, args.rate, args.duration, people, runs)
        write_section(f"latency-{args.platform}", body)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--platform", choices=("telegram", "discord"), default="telegram")
    parser.add_argument("--rate", type=float, default=24.0)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--backline-only", action="store_true", help="skip the bare bot")
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument("--role", default="driver", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--gateway", help=argparse.SUPPRESS)
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.role == "bot":
        asyncio.run(bot_process(args))
        return 0
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
