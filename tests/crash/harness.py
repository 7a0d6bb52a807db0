"""The crash run: the real `backline` process SIGKILLed at random moments (seeded) while
people log by reply against the fake Bot API and while the daily pushes fan out.

Used by tests/crash/test_crash.py (CI size) and bench/crash.py (full size). Everything stays
on 127.0.0.1: the fake Telegram server runs in this process, the bot in a child process on a
real SQLite file.

Two groups of people. The loggers get their daily session push in a first run (killed once
they all have it); from then on each replies every few tenths of a second, whether the bot is
up or not, to the bot's latest logging prompt (the session, later each exercise prompt) with
`v v`, where `v` is unique to that reply, so the confirmation ("Logged <exercise>: v, v ...")
names the reply it answers. The push group is due at the same time, after the loggers:
their pushes fan out across the kills that follow. After the last kill the bot runs
once more until everything is answered, and stops gracefully. Then, per reply:
  lost        nothing of it is stored (no set batch with its message as the source), and it
              was not `unlinked`
  doubled     stored twice or more (two or more batches from the one message)
  unanswered  stored, but no confirmation naming it ever reached the chat
  answer_doubled  the confirmation reached the chat twice (a reply in flight at a kill)
  unlinked    it answered a bot message the bot has no record of (a kill caught it between
              Telegram's acceptance and our record: a doubled push's first copy, a prompt),
              so the bot could only say it can't tell which session that was: counted, not
              lost, as often as that answer reached the chat (the person then replies to
              another message, as the answer asks)
and per push (the session message, with its buttons): lost (a person never got one) and
doubled (a second copy: possible only for a push caught between Telegram's acceptance and
our record of it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import signal
import sqlite3
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.events import UserRef
from bot.core.render import UNKNOWN_MESSAGE
from bot.core.settings import Settings
from bot.store import open_store
from tests.fakes.telegram_server import TEST_TOKEN, FakeTelegram, SentMessage, TgUser
from tests.ops.support import backline_env

CHAT_BASE = 880_000
FIRST_VALUE = 5  # reply k of a person logs `v v` with v = FIRST_VALUE + k
LOGGED = re.compile(r"Logged [^:\n]*: (\d+)")


@dataclass(frozen=True)
class CrashConfig:
    seed: int = 1
    kills: int = 30
    loggers: int = 20
    replies_each: int = 12
    pushed: int = 60  # the push group
    gap: tuple[float, float] = (0.05, 0.4)  # seconds between one person's replies
    # How long the bot runs after it is ready before the kill: uniform(0, up_to) seconds.
    up_to: float = 0.5
    # Some kills land during start-up instead (migrations, recovery, the first poll).
    early_kill_share: float = 0.15
    settle_timeout: float = 60.0  # the last run: how long everything may take to arrive


@dataclass
class Figures:
    kills: int = 0
    replies: int = 0
    lost: int = 0
    doubled: int = 0
    unanswered: int = 0
    answer_doubled: int = 0
    unlinked: int = 0
    pushes: int = 0
    push_lost: int = 0
    push_doubled: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"crash: kills={self.kills} replies={self.replies} lost={self.lost}"
            f" doubled={self.doubled} unanswered={self.unanswered} pushes={self.pushes}"
            f" push_lost={self.push_lost} push_doubled={self.push_doubled}"
        )


@dataclass
class _Reply:
    person: TgUser
    message_id: int
    value: int
    target: int  # the bot message it replies to


async def seed_people(
    db: Path, tg: FakeTelegram, first: int, count: int, base: int = CHAT_BASE
) -> list[TgUser]:
    """Onboarded people training every day whose reminder was a few minutes ago (inside the
    grace window), so the daily push fans out as soon as the bot starts. Their Telegram ids
    are base + first, base + first + 1, ..."""
    reminder = (datetime.now(UTC) - timedelta(minutes=5)).time().replace(second=0, microsecond=0)
    settings = Settings(
        weekdays=tuple(range(7)), reminder_time=reminder, timezone="UTC", onboarded=True
    )
    store = await open_store(db)
    people = []
    try:
        for n in range(first, first + count):
            person = tg.user(base + n, f"P{n}")
            ref = UserRef("telegram", str(person.id))
            user = await store.get_or_create_user(ref, str(person.id), person.first_name)
            await store.save_settings(user.id, settings)
            people.append(person)
    finally:
        await store.close()
    return people


def is_session(message: SentMessage) -> bool:
    """A session message: the daily push (or the answer to /today)."""
    return any(data == "plan:done" for row in message.buttons for _, data in row)


def is_prompt(message: SentMessage) -> bool:
    return any(data.startswith("ex:") for row in message.buttons for _, data in row)


def confirmed_values(messages: list[SentMessage]) -> Counter[int]:
    found: Counter[int] = Counter()
    for m in messages:
        for match in LOGGED.finditer(m.text):
            found[int(match.group(1))] += 1
    return found


class CrashRun:
    def __init__(self, tg: FakeTelegram, db: Path, config: CrashConfig) -> None:
        self.tg = tg
        self.db = db
        self.config = config
        self.rng = random.Random(config.seed)
        self.replies: list[_Reply] = []
        self.people: list[TgUser] = []
        self.log = db.with_suffix(".log")
        self._people_done = asyncio.Event()
        self._todays: Counter[int] = Counter()  # /today sent: answered with a session too

    async def run(self) -> Figures:
        started = time.monotonic()
        cfg = self.config
        # Loggers first: pushes due together go out in id order.
        loggers = await seed_people(self.db, self.tg, 0, cfg.loggers)
        self.people = loggers + await seed_people(self.db, self.tg, cfg.loggers, cfg.pushed)
        figures = Figures()
        people = asyncio.gather(*(self._person(p) for p in loggers))
        try:
            await self._first_run(loggers)
            figures.kills += 1
            for _ in range(cfg.kills - 1):
                await self._run_and_kill()
                figures.kills += 1
            self._people_done.set()  # nobody starts a new reply now
            await self._last_run()
        finally:
            self._people_done.set()
            people.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await people
        self._count(figures)
        figures.seconds = time.monotonic() - started
        return figures

    # -- the bot -------------------------------------------------------------------------------

    async def _start(self) -> asyncio.subprocess.Process:
        env = backline_env(
            BACKLINE_DB=str(self.db),
            BACKLINE_TELEGRAM_TOKEN=TEST_TOKEN,
            BACKLINE_TELEGRAM_API_URL=self.tg.url,
            BACKLINE_LOG_LEVEL="WARNING",
        )
        with self.log.open("ab") as log:
            return await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", cwd=self.db.parent, env=env,
                stdout=asyncio.subprocess.DEVNULL, stderr=log,
            )  # fmt: skip

    async def _ready(self, process: asyncio.subprocess.Process, before: int) -> bool:
        """Wait until this run is about to poll (it removes any webhook first)."""
        waiting = asyncio.create_task(
            self.tg.wait_for(
                lambda: len(self.tg.calls("deleteWebhook")) > before,
                timeout=30,
                what="the bot to start",
            )
        )
        exited = asyncio.create_task(process.wait())
        done, _ = await asyncio.wait({waiting, exited}, return_when="FIRST_COMPLETED")
        for task in (waiting, exited):
            task.cancel()
        return waiting in done and not waiting.cancelled() and waiting.exception() is None

    async def _run_and_kill(self) -> None:
        polls = len(self.tg.calls("deleteWebhook"))
        process = await self._start()
        if self.rng.random() < self.config.early_kill_share:
            await asyncio.sleep(self.rng.uniform(0.05, 0.5))
        else:
            if not await self._ready(process, polls):
                raise AssertionError(f"the bot did not start: see {self.log}")
            await asyncio.sleep(self.rng.uniform(0.0, self.config.up_to))
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGKILL)
        await process.wait()

    async def _first_run(self, loggers: list[TgUser]) -> None:
        """Until every logger has their session push, then a kill: the push group's
        pushes are still to come."""
        process = await self._start()
        await self.tg.wait_for(
            lambda: all(any(is_session(m) for m in self.tg.sent_to(p)) for p in loggers),
            timeout=60,
            what="the loggers' pushes",
        )
        process.send_signal(signal.SIGKILL)
        await process.wait()

    async def _last_run(self) -> None:
        """Once more, until every reply is confirmed and everyone has their push."""
        process = await self._start()
        try:
            with contextlib.suppress(AssertionError):  # what is missing is counted below
                await self.tg.wait_for(
                    self._all_arrived, timeout=self.config.settle_timeout, what="every answer"
                )
            await asyncio.sleep(0.3)  # a late duplicate would show up now
        finally:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 30)

    def _all_arrived(self) -> bool:
        for person in self.people:
            sent = self.tg.sent_to(person)
            if not any(is_session(m) for m in sent):
                return False
            values = confirmed_values(sent)
            puzzled = sum(m.text == UNKNOWN_MESSAGE for m in sent)
            theirs = [r for r in self.replies if r.person is person]
            if sum(r.value in values for r in theirs) + puzzled < len(theirs):
                return False
        return True

    # -- the people ----------------------------------------------------------------------------

    async def _person(self, person: TgUser) -> None:
        tg = self.tg
        await tg.wait_for(
            lambda: any(is_session(m) for m in tg.sent_to(person)),
            timeout=3600,
            what="a session push",
        )
        puzzled = 0  # "I can't tell which session..." answers seen so far
        unknown: set[int] = set()  # messages the bot said it can't place
        last: SentMessage | None = None
        k = 0
        while k < self.config.replies_each and not self._people_done.is_set():
            sent = tg.sent_to(person)
            now_puzzled = sum(m.text == UNKNOWN_MESSAGE for m in sent)
            if now_puzzled > puzzled and last is not None:
                unknown.add(last.message_id)  # like a person would: reply to another one
            puzzled = now_puzzled
            usable = [m for m in sent if m.message_id not in unknown]
            target = next((m for m in reversed(usable) if is_prompt(m)), None)
            target = target or next((m for m in reversed(usable) if is_session(m)), None)
            if target is None:  # as the answer says: /today, and reply to the new one
                tg.send(person, "/today")
                self._todays[person.id] += 1
                last = None
                await asyncio.sleep(self.rng.uniform(*self.config.gap))
                continue
            k += 1
            last = target
            value = FIRST_VALUE + k
            injected = tg.send(person, f"{value} {value}", reply_to=target)
            assert injected.message_id is not None
            self.replies.append(_Reply(person, injected.message_id, value, target.message_id))
            await asyncio.sleep(self.rng.uniform(*self.config.gap))

    # -- counting ------------------------------------------------------------------------------

    def _count(self, figures: Figures) -> None:
        with contextlib.closing(sqlite3.connect(self.db)) as conn:
            batches = dict(
                conn.execute(
                    "SELECT source, COUNT(DISTINCT batch_id) FROM set_logs"
                    " WHERE source IS NOT NULL GROUP BY source"
                ).fetchall()
            )
            linked = {
                (int(chat), int(message))
                for chat, message in conn.execute(
                    "SELECT chat_id, message_id FROM message_links WHERE platform = 'telegram'"
                )
            }
        figures.replies = len(self.replies)
        unlinked: Counter[int] = Counter()  # per chat: unstored replies to unrecorded copies
        for reply in self.replies:
            stored = batches.get(f"telegram:{reply.person.id}:{reply.message_id}", 0)
            if stored == 0 and (reply.person.id, reply.target) not in linked:
                unlinked[reply.person.id] += 1
            else:
                figures.lost += stored == 0
            figures.doubled += stored > 1
            shown = confirmed_values(self.tg.sent_to(reply.person))[reply.value]
            figures.unanswered += shown == 0 and stored > 0
            figures.answer_doubled += shown > 1
        for person in self.people:
            # Unlinked only as often as the bot answered "I can't tell which session": the
            # rest of them are lost.
            puzzled = sum(m.text == UNKNOWN_MESSAGE for m in self.tg.sent_to(person))
            explained = min(unlinked[person.id], puzzled)
            figures.unlinked += explained
            figures.lost += unlinked[person.id] - explained
        for person in self.people:
            sessions = sum(is_session(m) for m in self.tg.sent_to(person))
            pushes = sessions - self._todays[person.id]
            figures.pushes += min(pushes, 1)
            figures.push_lost += pushes == 0
            figures.push_doubled += max(0, pushes - 1)
        figures.problems = [str(v) for v in self.tg.violations]


async def crash_run(tmp: Path, config: CrashConfig) -> Figures:
    # A killed client drops its connections mid-request: aiohttp logs each with a traceback.
    server_log = logging.getLogger("aiohttp.server")
    level = server_log.level
    server_log.setLevel(logging.CRITICAL)
    try:
        async with FakeTelegram() as tg:
            return await CrashRun(tg, tmp / "backline.db", config).run()
    finally:
        server_log.setLevel(level)
