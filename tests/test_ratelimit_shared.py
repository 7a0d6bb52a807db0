"""The send ledger on PostgreSQL (bot/store/postgres/send_ledger.py): the platform's limits
hold for several processes together. Each "process" here is a store of its own (its own
connection pool) with its own send queue, as two Backline processes would have; the limits
are scaled down so each test takes a fraction of a second.
"""

from __future__ import annotations

import asyncio
import time

from bot.platforms import RatePolicy, Window
from bot.store.postgres import PostgresStore
from bot.store.postgres.send_ledger import FLIGHT, PgSendLedger
from scheduler.ratelimit import PlatformLimiter
from tests.windows import max_in_window

# 20 in any 0.2 s overall (100/s), 2 in any 0.3 s per chat, 3 in any 1 s per group.
POLICY = RatePolicy(Window(20, 0.2), Window(2, 0.3), Window(3, 1.0), "-", paid=Window(50, 0.2))


async def queues(url: str, n: int, policy: RatePolicy = POLICY, *, paid: bool = False):  # type: ignore[no-untyped-def]
    stores = [await PostgresStore.open(url) for _ in range(n)]
    limiters = [
        PlatformLimiter(policy, paid_pushes=paid, shared=s.send_ledger("telegram", policy, paid))
        for s in stores
    ]
    return stores, limiters


async def settled(*limiters: PlatformLimiter) -> None:
    """Wait for the answers each queue records in the background."""
    for limiter in limiters:
        assert isinstance(limiter.shared, PgSendLedger)
        await limiter.shared.settle()


async def close(stores: list[PostgresStore]) -> None:
    for store in stores:
        await store.close()


async def send(
    queue: PlatformLimiter, chat: str, stamps: list[float], *, interactive: bool = False
) -> None:
    slot = await queue.acquire(chat, interactive=interactive)
    stamps.append(time.monotonic())  # as the platform would see it: between turn and answer
    slot.done()


async def test_three_processes_together_keep_the_overall_limit(pg_url: str) -> None:
    stores, limiters = await queues(pg_url, 3)
    try:
        stamps: list[float] = []
        # Each queue alone would pace at 100/s; together they must too.
        await asyncio.gather(
            *(send(q, f"{n}-{i}", stamps) for n, q in enumerate(limiters) for i in range(30))
        )
        assert len(stamps) == 90
        assert max_in_window(stamps, 0.2) <= 20
        await settled(*limiters)
        assert stamps[-1] - stamps[0] >= 0.2 * (90 - 20) / 20 * 0.95  # held back, not bursting
        count = await stores[0].fetchval("SELECT count(*) FROM send_ledger")
        assert count == 90
    finally:
        await close(stores)


async def test_a_chat_window_holds_across_processes(pg_url: str) -> None:
    stores, (a, b) = await queues(pg_url, 2)
    try:
        stamps: list[float] = []
        await asyncio.gather(*(send(q, "42", stamps) for q in (a, b) for _ in range(3)))
        assert max_in_window(stamps, 0.3) <= 2
        # and a group's: 3 in any second, whichever process sends
        group: list[float] = []
        await asyncio.gather(*(send(q, "-100", group) for q in (a, b) for _ in range(2)))
        assert len(group) == 4 and group[-1] - group[0] >= 1.0
    finally:
        await close(stores)


async def test_a_429_in_one_process_pauses_the_chat_and_the_token_in_the_other(
    pg_url: str,
) -> None:
    stores, (a, b) = await queues(pg_url, 2)
    try:
        a.pause(0.3, "7", "chat")
        await asyncio.sleep(0.05)  # the pause is written in the background
        started = time.monotonic()
        (await b.acquire("7")).done()
        assert time.monotonic() - started >= 0.2
        (await b.acquire("8")).done()  # another chat was never held
        a.pause(0.3, None, "token")
        await asyncio.sleep(0.05)
        started = time.monotonic()
        (await b.acquire("9", interactive=True)).done()
        assert time.monotonic() - started >= 0.2
    finally:
        await close(stores)


async def test_a_process_that_dies_mid_send_leaves_slots_that_age_out(pg_url: str) -> None:
    policy = RatePolicy(Window(2, 0.2))
    stores, (a, b) = await queues(pg_url, 2, policy)
    try:
        await a.acquire("1")
        await a.acquire("2")  # two sends in flight, and then the process is gone
        await stores[0].close()
        # The window is full of unanswered sends: the other process waits...
        waiting = asyncio.create_task(b.acquire("3"))
        await asyncio.sleep(0.3)
        assert not waiting.done()
        # ...until they count as answered FLIGHT seconds after their turn (here: moved back).
        await stores[1].fetch("UPDATE send_ledger SET at = at - make_interval(secs => $1)", FLIGHT)
        (await asyncio.wait_for(waiting, 2)).done()
    finally:
        await close(stores[1:])


async def test_replies_go_before_another_process_pushes(pg_url: str) -> None:
    policy = RatePolicy(Window(5, 0.5))  # 10/s
    stores, (a, b) = await queues(pg_url, 2, policy)
    try:
        order: list[str] = []

        async def one(queue: PlatformLimiter, name: str, interactive: bool) -> None:
            (await queue.acquire(name, interactive=interactive)).done()
            order.append(name)

        pushes = [asyncio.create_task(one(a, f"push{n}", False)) for n in range(15)]
        while len(order) < 6:  # the window is full of pushes and more are waiting
            await asyncio.sleep(0.005)
        await one(b, "reply", True)
        assert order.index("reply") <= 8, order  # the next slot or so, not after the pushes
        await asyncio.gather(*pushes)
    finally:
        await close(stores)


async def test_paid_pushes_go_past_the_free_ceiling_and_replies_stay_under_it(
    pg_url: str,
) -> None:
    stores, (a, b) = await queues(pg_url, 2, paid=True)
    try:
        pushes: list[float] = []
        await asyncio.gather(
            *(send(q, f"{n}-{i}", pushes) for n, q in enumerate((a, b)) for i in range(40))
        )
        assert 20 < max_in_window(pushes, 0.2) <= 50  # above the free 20, within the paid 50
        paid = await stores[0].fetchval("SELECT count(*) FROM send_ledger WHERE paid")
        assert paid == 80
        replies: list[float] = []
        await asyncio.gather(
            *(
                send(q, f"r{n}-{i}", replies, interactive=True)
                for n, q in enumerate((a, b))
                for i in range(25)
            )
        )
        assert max_in_window(replies, 0.2) <= 20
        assert await stores[0].fetchval("SELECT count(*) FROM send_ledger WHERE NOT paid") == 50
    finally:
        await close(stores)


async def test_the_ledger_forgets_what_no_window_can_see(pg_url: str) -> None:
    stores, (a,) = await queues(pg_url, 1)
    try:
        for n in range(5):
            (await a.acquire(str(n))).done()
        await settled(a)
        await stores[0].fetch("UPDATE send_ledger SET at = at - interval '1 hour'")
        await stores[0].fetch("UPDATE send_tokens SET pruned_at = '-infinity'")
        (await a.acquire("next")).done()
        assert await stores[0].fetchval("SELECT count(*) FROM send_ledger") == 1
    finally:
        await close(stores)


class _LedgerThatFailsFirst:
    """A ledger whose database is gone for the first ask, then answers (SharedLimits)."""

    def __init__(self) -> None:
        self.asked = 0

    async def take(self, chat_id: str, *, push: bool) -> object:
        self.asked += 1
        if self.asked == 1:
            raise ConnectionRefusedError("connection refused")
        return _Granted()

    def done(self, slot: int) -> None:
        pass

    def pause(self, seconds: float, chat_id: str | None) -> None:
        pass


class _Granted:
    slot, wait, token_wide = 1, 0.0, False


async def test_an_unreachable_ledger_holds_the_send_and_says_so_in_one_line(caplog) -> None:  # type: ignore[no-untyped-def]
    ledger = _LedgerThatFailsFirst()
    queue = PlatformLimiter(POLICY, shared=ledger)  # type: ignore[arg-type]
    with caplog.at_level("INFO", logger="scheduler.ratelimit"):
        slot = await asyncio.wait_for(queue.acquire("c1"), 5)
    slot.done()
    assert ledger.asked == 2  # waited, asked again, nothing dropped
    [warning] = [r for r in caplog.records if r.levelname == "WARNING"]
    assert "unreachable (ConnectionRefusedError)" in warning.getMessage()
    assert warning.exc_info is None  # one line, no traceback
    assert any("answers again" in r.getMessage() for r in caplog.records)


async def test_ledger_writes_lost_to_a_gone_database_are_one_line(pg_url: str, caplog) -> None:  # type: ignore[no-untyped-def]
    [store], [queue] = await queues(pg_url, 1)
    ledger = queue.shared
    assert isinstance(ledger, PgSendLedger)
    slots = [await queue.acquire(f"c{n}") for n in range(3)]
    await store.close()  # the database is gone for this process
    with caplog.at_level("WARNING", logger="bot.store.postgres.send_ledger"):
        for slot in slots:
            slot.done()  # each records its answer in the background: each write fails
        ledger.pause(1.0, "c0")
        await ledger.settle()
    [warning] = [r for r in caplog.records if "send ledger" in r.getMessage()]
    assert warning.exc_info is None
