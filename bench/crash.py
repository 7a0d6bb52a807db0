"""The crash run at full size: the real `backline` process SIGKILLed at seeded random moments
while people log by reply against the fake Bot API and the daily pushes fan out (the harness
is tests/crash/harness.py; tests/crash/test_crash.py runs it at CI size).

    python bench/crash.py                       # 100 kills, 40 loggers, 200 pushes
    python bench/crash.py --kills 40 --seed 7 --no-docs

Ends with one line:
    crash: kills=K replies=R lost=L doubled=D unanswered=U pushes=P push_lost=PL push_doubled=PD
and a second with what that line leaves out (see the harness docstring): unlinked replies
(answered, not logged: they replied to a message a kill left unrecorded), doubled answers.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.report import machine, write_section  # noqa: E402
from tests.crash.harness import CrashConfig, Figures, crash_run  # noqa: E402


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--loggers", type=int, default=40, help="people who log by reply")
    parser.add_argument("--replies", type=int, default=30, help="replies per logger")
    parser.add_argument("--pushed", type=int, default=200, help="people only pushed to")
    parser.add_argument("--up-to", type=float, default=1.0, help="seconds up before a kill")
    parser.add_argument("--no-docs", action="store_true", help="don't update the docs")
    return parser.parse_args(argv)


def section(args: argparse.Namespace, figures: Figures) -> str:
    return f"""## Crash recovery (`python bench/crash.py`)

The real `backline` process against the fake Bot API on 127.0.0.1, SIGKILLed {figures.kills}
times at seeded random moments (seed {args.seed}; up to {args.up_to} s between start-up and
the kill, some kills during start-up) while {args.loggers} people log by reply ({args.replies}
replies each, every 1.5-4.5 s, whether the bot is up or not) and the daily pushes to
{args.loggers + args.pushed} people fan out; a last run then stops gracefully.
{machine()}, {figures.seconds:.0f} s.

| per reply | | per push | |
|---|---|---|---|
| replies | {figures.replies} | pushes (people) | {figures.pushes} |
| lost | {figures.lost} | lost | {figures.push_lost} |
| doubled (logged twice) | {figures.doubled} | doubled | {figures.push_doubled} |
| unanswered | {figures.unanswered} | | |
| confirmation sent twice | {figures.answer_doubled} | | |
| unlinked (replied to a message a kill left unrecorded) | {figures.unlinked} | | |

A doubled push is one a kill caught between Telegram's acceptance and our record of it: no
client can tell it from one never sent, so it is sent again. A confirmation sent twice is the
same window for an answer. A reply to a message caught that way (a doubled push's first copy,
a prompt whose link was not written yet) reaches a message the bot has no record of: it is
answered ("I can't tell which session...") and not logged; the person replies to another.
The tests run the same at CI size (tests/crash/test_crash.py, 30 kills, 192 replies; about
27 s on a quiet 2-core machine). Before the inbox (main of 1 Dec 2026 without this branch:
PTB's Updater confirming updates before they were handled, "seen" committed before the
sets), that CI-size run gave lost=13 unanswered=9 of 192 replies.

```
{figures.line()}
```"""


async def main(args: argparse.Namespace) -> Figures:
    config = CrashConfig(
        seed=args.seed,
        kills=args.kills,
        loggers=args.loggers,
        replies_each=args.replies,
        pushed=args.pushed,
        gap=(1.5, 4.5),
        up_to=args.up_to,
        settle_timeout=120,
    )
    with tempfile.TemporaryDirectory(prefix="backline-crash-") as tmp:
        return await crash_run(Path(tmp), config)


if __name__ == "__main__":
    arguments = parse()
    result = asyncio.run(main(arguments))
    if not arguments.no_docs:
        write_section("crash", section(arguments, result))
    print(
        f"unlinked={result.unlinked} answer_doubled={result.answer_doubled}"
        f" violations={len(result.problems)} seconds={result.seconds:.0f}"
    )
    print(result.line())
