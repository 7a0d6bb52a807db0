"""`backline db copy FROM TO`: SQLite into PostgreSQL and back, through the real command, on a
real file and the throwaway PostgreSQL server. What goes in must come out the same through
the ports (people, settings, sets with effort, plans, state, links, channels, the outbox,
counters), ids included, and an id a forgotten person had is not handed out again."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.core.events import MessageLink, UserRef
from bot.core.ports import SENT, Arrival, NewPush, NewSet, Persistence, user_target
from bot.core.settings import Settings
from bot.store import open_database

DAY = date(2025, 6, 16)
NOW = datetime(2025, 6, 16, 7, 0, tzinfo=UTC)
PLATFORMS = ["discord", "telegram"] * 2 + ["discord"]  # of u0..u4
LINK = MessageLink(kind="session", plan_date=DAY, exercise_id="romanian-deadlift")


@dataclass
class Fill:
    ids: list[int]
    forgotten: int


async def fill(store: Persistence) -> Fill:
    ids = []
    for n in range(5):
        ref = UserRef("telegram" if n % 2 else "discord", f"u{n}")
        user = await store.get_or_create_user(ref, f"chat{n}", f"Person {n}")
        settings = Settings(
            level="intermediate", units="lb", reminder_time=time(6, n), onboarded=True
        )
        await store.save_settings(user.id, settings)
        await store.add_sets(
            user.id,
            DAY,
            [
                NewSet("romanian-deadlift", 1, reps=8, load_kg=40.5, rpe=8.5, rir=2),
                NewSet("hip-thrust", 1, skipped=True),
                NewSet("side-plank", 1, seconds=30),
            ],
            source=f"telegram:chat{n}:{n}",
        )
        await store.save_plan(user.id, DAY, "key", {"moves": ["rdl", n], "note": "ø"})
        await store.set_state(user.id, {"kind": "log", "step": n})
        await store.link_message(ref.platform, f"chat{n}", f"m{n}", user.id, LINK)
        await store.claim_event(ref.platform, f"event-{n}")
        ids.append(user.id)
    await store.next_seq("messages")
    await store.save_channel("discord", "general", Settings(weekdays=(0, 2)), enabled=True)
    pushes = [
        NewPush("daily", "telegram", user_target(i), DAY, f"chat{i}", NOW, user_id=i) for i in ids
    ]
    await store.outbox.queue(pushes, NOW, up_to=NOW)
    first = (await store.outbox.rows())[0]
    await store.outbox.begin(first.id, NOW)
    await store.outbox.part_sent(first.id, 1, True, NOW)
    # The inbox: one update waiting, one applied with its answer half sent, one finished.
    _waiting, applied, done = await store.inbox.take(
        [Arrival("telegram", str(n), f"chat{n}", f'{{"update_id": {n}}}') for n in (1, 2, 3)]
    )

    async def answer() -> dict[str, Any]:
        return {"messages": [{"text": "Logged ø"}, {"text": "Next"}]}

    await store.inbox.apply(applied.id, answer)
    await store.inbox.answered(applied.id, 1, False)
    await store.inbox.answered(done.id, 0, True)
    # The newest person leaves: their id must never come back.
    await store.forget_user(ids[-1])
    return Fill(ids[:-1], ids[-1])


async def snapshot(store: Persistence, ids: list[int]) -> dict[str, Any]:
    people = {}
    for user_id in ids:
        people[user_id] = (
            await store.get_user(user_id),
            await store.export_sets(user_id),
            await store.get_plan(user_id, DAY),
            await store.get_state(user_id),
        )
    links = [await store.resolve_message(p, f"chat{n}", f"m{n}") for n, p in
             enumerate(PLATFORMS)]  # fmt: skip
    return {
        "people": people,
        "links": links,
        "channels": await store.list_channels(enabled_only=False),
        "outbox": await store.outbox.rows(),
        "last_tick": await store.outbox.last_tick(),
        # delivery ids already handled stay handled (all False: seen before)
        "seen": [await store.claim_event(p, f"event-{n}") for n, p in enumerate(PLATFORMS)],
        "inbox": [await store.inbox.entry("telegram", str(n)) for n in (1, 2, 3)],
        # a redelivery of any of them is still recognised
        "redelivered": await store.inbox.take(
            [Arrival("telegram", str(n), "c", "{}") for n in (1, 2, 3)]
        ),
    }


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def build(target: str | Path) -> tuple[Fill, dict[str, Any]]:
    store = await open_database(target)
    try:
        filled = await fill(store)
        return filled, await snapshot(store, filled.ids)
    finally:
        await store.close()


async def read(target: str | Path, ids: list[int]) -> dict[str, Any]:
    store = await open_database(target)
    try:
        return await snapshot(store, ids)
    finally:
        await store.close()


async def new_person(target: str | Path) -> int:
    store = await open_database(target)
    try:
        return (await store.get_or_create_user(UserRef("telegram", "new"), "c", "New")).id
    finally:
        await store.close()


def test_sqlite_to_postgresql_and_back_keeps_everything(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "backline.db"
    filled, before = run(build(source))
    assert [r.state for r in before["outbox"]].count(SENT) == 1

    assert main(["db", "copy", str(source), pg_url]) == 0
    out = capsys.readouterr().out
    assert "every table's row count matches" in out
    assert "set_logs" in out and "outbox" in out
    assert run(read(pg_url, filled.ids)) == before

    back = tmp_path / "back.db"
    assert main(["db", "copy", pg_url, str(back)]) == 0
    assert run(read(back, filled.ids)) == before
    # The forgotten person's id stays retired on both sides.
    assert run(new_person(pg_url)) > filled.forgotten
    assert run(new_person(back)) > filled.forgotten


def test_a_target_with_data_is_refused_unless_forced(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "backline.db"
    filled, before = run(build(source))
    other = tmp_path / "other.db"
    run(build(other))
    run(new_person(pg_url))  # the PostgreSQL database holds someone already

    assert main(["db", "copy", str(source), pg_url]) == 1
    err = capsys.readouterr().err
    assert "already holds data (1 in users)" in err and "--force" in err
    assert "Traceback" not in err
    assert main(["db", "copy", str(source), pg_url, "--force"]) == 0
    assert run(read(pg_url, filled.ids)) == before

    assert main(["db", "copy", pg_url, str(other)]) == 1  # the other file has data too
    assert main(["db", "copy", pg_url, str(other), "--force"]) == 0
    assert run(read(other, filled.ids)) == before


def test_copy_refuses_nonsense_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.db"
    assert main(["db", "copy", str(missing), str(tmp_path / "x.db")]) == 1
    assert capsys.readouterr().err.strip() == f"backline: db copy: no SQLite database at {missing}"
    same = tmp_path / "same.db"
    run(build(same))
    assert main(["db", "copy", str(same), str(same)]) == 1
    assert "the same database" in capsys.readouterr().err
    url = "postgresql://backline:hunter2@127.0.0.1:1/backline"
    assert main(["db", "copy", str(same), url]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "hunter2" not in err and "can't connect" in err
