"""What only the PostgreSQL store has: several processes on one database. Each "process" here
is a PostgresStore of its own (its own pool and presence connection, its own worker name), the
way two Backline processes see the database; closing one is what a process's death looks like
to the others (PostgreSQL ends its session, and with it its locks). The ports' behaviour
itself is in tests/test_store_contract.py, the real processes in tests/test_multiprocess.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from bot.core.events import UserRef
from bot.core.ports import APPLIED, PENDING, SENDING, Arrival, NewPush, NewSet, User, user_target
from bot.core.settings import Settings
from bot.store import migrations as sqlite_migrations
from bot.store import open_database
from bot.store.migrations import SchemaTooNewError
from bot.store.postgres import DatabaseUnreachable, PostgresStore, WorkerNameTaken
from bot.store.postgres.database import migration_files

NOW = datetime(2025, 6, 16, 7, 0, tzinfo=UTC)
DAY = date(2025, 6, 16)


@pytest.fixture
async def processes(pg_url: str) -> AsyncIterator[Callable[..., object]]:
    opened: list[PostgresStore] = []

    async def process(name: str) -> PostgresStore:
        store = await PostgresStore.open(pg_url, worker=name)
        opened.append(store)
        return store

    yield process
    for store in opened:
        await store.close()


async def people(store: PostgresStore, count: int) -> list[User]:
    found = []
    for n in range(count):
        user = await store.get_or_create_user(UserRef("telegram", f"p{n}"), f"chat-{n}", f"P{n}")
        await store.save_settings(user.id, Settings(reminder_time=time(7, 30), onboarded=True))
        found.append(user)
    return found


def pushes(users: list[User]) -> list[NewPush]:
    return [
        NewPush("daily", "telegram", user_target(u.id), DAY, u.chat_id, NOW, user_id=u.id)
        for u in users
    ]


def test_every_sqlite_migration_has_its_postgresql_twin() -> None:
    sqlite = [(m.version, m.name) for m in sqlite_migrations.discover()]
    postgres = [(m.version, m.name) for m in migration_files()]
    assert postgres == sqlite


async def test_a_database_from_a_newer_backline_is_refused(pg_url: str) -> None:
    store = await PostgresStore.open(pg_url)
    await store.fetch("INSERT INTO schema_version VALUES (999, '0999_future.sql', 'later')")
    await store.close()
    with pytest.raises(SchemaTooNewError, match="schema version 999"):
        await PostgresStore.open(pg_url)


async def test_an_unreachable_server_is_one_line_without_the_password() -> None:
    with pytest.raises(DatabaseUnreachable) as caught:
        await open_database("postgresql://backline:s3cret@127.0.0.1:1/backline")
    message = str(caught.value)
    assert "\n" not in message and "s3cret" not in message
    assert "backline:***@127.0.0.1:1/backline" in message


async def test_two_processes_claim_disjoint_rows_that_cover_the_outbox(processes) -> None:
    a, b = await processes("a"), await processes("b")
    users = await people(a, 120)
    assert await a.outbox.queue(pushes(users), NOW) == (120, 0)
    taken: dict[str, list[int]] = {"a": [], "b": []}
    for store in (a, b):  # both present and their statements prepared before the race
        assert await store.outbox.claim(NOW, 1, (), ("nowhere",)) == []

    async def drain(name: str, store: PostgresStore) -> None:
        while rows := await store.outbox.claim(NOW, 7, taken[name], ("telegram",)):
            taken[name] += [r.id for r in rows]
            await asyncio.sleep(0.002)

    await asyncio.gather(drain("a", a), drain("b", b))
    assert set(taken["a"]).isdisjoint(taken["b"])
    assert len(taken["a"]) + len(taken["b"]) == 120
    assert taken["a"] and taken["b"]  # both got work
    # A row another live process holds can't be begun here, nor begun twice.
    theirs = taken["b"][0]
    assert not await a.outbox.begin(theirs, NOW)
    assert await b.outbox.begin(theirs, NOW)


async def test_a_stopped_process_leaves_its_claims_to_the_others(processes) -> None:
    a, b = await processes("a"), await processes("b")
    users = await people(a, 4)
    await a.outbox.queue(pushes(users), NOW)
    claimed = await a.outbox.claim(NOW, 10, (), ("telegram",))
    assert len(claimed) == 4
    await a.outbox.begin(claimed[0].id, NOW)  # in flight when it dies
    assert await b.outbox.claim(NOW, 10, (), ("telegram",)) == []  # a is alive: all a's
    assert await b.outbox.recover(NOW) == 0  # a live process's send stays in flight
    assert await b.outbox.reclaim(NOW) == 0

    await a.close()  # its session ends: PostgreSQL frees its locks

    assert await b.outbox.reclaim(NOW) == 1  # the send a was in the middle of
    rows = await b.outbox.claim(NOW, 10, (), ("telegram",))
    assert sorted(r.id for r in rows) == sorted(r.id for r in claimed)


async def test_a_restarted_process_recovers_its_own_sends_only(processes) -> None:
    a, b = await processes("a"), await processes("b")
    users = await people(a, 2)
    await a.outbox.queue(pushes(users), NOW)
    mine = await a.outbox.claim(NOW, 1, (), ("telegram",))
    theirs = await b.outbox.claim(NOW, 1, (), ("telegram",))
    await a.outbox.begin(mine[0].id, NOW)
    await b.outbox.begin(theirs[0].id, NOW)
    await a.close()  # a crashes, and comes back under the same name

    again = await processes("a")
    assert await again.outbox.recover(NOW) == 1
    states = {r.id: r.state for r in await again.outbox.rows()}
    assert states == {mine[0].id: PENDING, theirs[0].id: SENDING}


async def test_a_worker_name_runs_once(processes) -> None:
    first = await processes("same")
    assert await first.outbox.lead()  # delivering: the name is in use
    twin = await processes("same")
    with pytest.raises(WorkerNameTaken, match="BACKLINE_INSTANCE"):
        await twin.outbox.lead()


async def test_one_process_scans_and_another_takes_over_when_it_stops(processes) -> None:
    a, b, c = await processes("a"), await processes("b"), await processes("c")
    leaders = [await s.outbox.lead() for s in (a, b, c)]
    assert leaders == [True, False, False]
    assert [await s.outbox.lead() for s in (a, b, c)] == [True, False, False]
    await a.close()
    assert [await s.outbox.lead() for s in (c, b)] == [True, False]
    # Any role works the same way, each on its own lock.
    assert [await s.outbox.take("telegram-polling") for s in (b, c)] == [True, False]
    assert await b.outbox.take("telegram-polling") and not await b.outbox.lead()


async def test_queueing_wakes_the_other_processes(processes) -> None:
    a, b = await processes("a"), await processes("b")
    woke = asyncio.Event()
    await b.outbox.watch(woke.set)
    users = await people(a, 1)
    await a.outbox.queue(pushes(users), NOW)
    await asyncio.wait_for(woke.wait(), 5)


async def test_plans_written_by_one_process_are_read_by_the_other(processes) -> None:
    a, b = await processes("a"), await processes("b")
    (user,) = await people(a, 1)
    await a.save_plan(user.id, DAY, "k1", {"moves": ["rdl"]})
    assert await b.get_plan(user.id, DAY) == ("k1", {"moves": ["rdl"]})
    await b.save_plan(user.id, DAY, "k2", {"moves": ["row"]})
    assert await a.get_plan(user.id, DAY) == ("k2", {"moves": ["row"]})  # no stale copy


async def test_an_update_being_applied_is_seen_by_no_other_process_until_it_commits(
    processes,
) -> None:
    a, b = await processes("a"), await processes("b")
    (ann,) = await people(a, 1)
    (entry,) = await a.inbox.take([Arrival("telegram", "1", "chat-0", "{}")])
    seen_inside: list[int] = []

    async def work() -> dict[str, Any]:
        await a.add_sets(ann.id, DAY, [NewSet("romanian-deadlift", 1, reps=8)], "telegram:1")
        await a.set_state(ann.id, {"kind": "logging"})
        seen_inside.append(len(await a.sets_on(ann.id, DAY)))  # its own writes: joined
        assert await b.sets_on(ann.id, DAY) == [] and await b.get_state(ann.id) is None
        return {"messages": [{"text": "Logged"}]}

    applied = await a.inbox.apply(entry.id, work)
    assert applied is not None and applied.state == APPLIED and seen_inside == [1]
    assert len(await b.sets_on(ann.id, DAY)) == 1
    assert await b.get_state(ann.id) == {"kind": "logging"}


async def test_two_processes_applying_one_update_run_it_once(processes) -> None:
    a, b = await processes("a"), await processes("b")
    (ann,) = await people(a, 1)
    (entry,) = await a.inbox.take([Arrival("telegram", "1", "chat-0", "{}")])
    runs: list[str] = []

    def work(store: PostgresStore, name: str) -> Callable[[], Any]:
        async def run() -> dict[str, Any]:
            runs.append(name)
            await store.add_sets(ann.id, DAY, [NewSet("romanian-deadlift", 1, reps=8)], "t:1")
            await asyncio.sleep(0.2)  # the other process asks meanwhile
            return {"messages": [{"text": name}]}

        return run

    first, second = await asyncio.gather(
        a.inbox.apply(entry.id, work(a, "a")), b.inbox.apply(entry.id, work(b, "b"))
    )
    # a took the update, so a alone applies and answers it: b gets nothing to deliver.
    assert runs == ["a"] and second is None
    assert first is not None and first.answer == {"messages": [{"text": "a"}]}
    assert first.claimed_by == "a"
    assert len(await a.sets_on(ann.id, DAY)) == 1


async def test_the_config_keeps_a_postgresql_url_and_hides_its_password(tmp_path: Path) -> None:
    from bot.config import Config
    from bot.ops.redaction import redact

    url = "postgresql://backline:pw-0123456789@db:5432/backline"
    config = Config(db_path=url, _env_file=None)  # type: ignore[call-arg]
    assert config.db_path == url and config.database_url == url
    config.protect_secrets()
    assert "pw-0123456789" not in redact(f"connecting to {url}")
    assert Config(db_path="x.db", _env_file=None).db_path == Path("x.db")  # type: ignore[call-arg]
