"""The outbox's SQL on a real SQLite file: the tick's and the delivery loop's queries stay index
searches. What the outbox does (keys, states, who is due) is in tests/test_store_contract.py,
run on SQLite and on the memory store."""

from __future__ import annotations

from datetime import UTC, datetime, time

from tests.scheduler.support import Env

NOW = datetime(2025, 6, 16, 7, 0, tzinfo=UTC)


async def test_the_tick_queries_use_the_indexes(env: Env) -> None:
    """At 100,000 people a table scan per minute would cost: every query the tick and the
    delivery loop run must be an index search without a sort."""
    await env.person("ada", "UTC", time(7, 0))
    box = env.store.outbox
    seen: list[str] = []
    await env.store.connection.set_trace_callback(seen.append)
    [_ async for _ in box.users_at("UTC", "07:00", "07:00", page=1)]
    await box.ready(NOW, 10, (1, 2), ("telegram", "discord"))
    await box.next_attempt((1,), ("telegram",))
    await env.store.connection.set_trace_callback(None)
    queries = [
        q for q in seen if q.startswith("SELECT") and ("FROM users" in q or "FROM outbox" in q)
    ]
    assert len(queries) >= 4
    for sql in queries:
        plan = " ".join(str(r[3]) for r in await env.store.read("EXPLAIN QUERY PLAN " + sql))
        assert "SEARCH" in plan and "TEMP B-TREE" not in plan, (sql, plan)
        assert "users_reminder" in plan or "outbox_open" in plan, (sql, plan)


async def test_the_outbox_depth_reads_only_the_index_of_open_rows(env: Env) -> None:
    """/metrics asks for it on every scrape; the outbox keeps weeks of finished rows."""
    seen: list[str] = []
    await env.store.connection.set_trace_callback(seen.append)
    assert await env.store.outbox.pending_count() == 0
    await env.store.connection.set_trace_callback(None)
    [sql] = [q for q in seen if "FROM outbox" in q]
    plan = " ".join(str(r[3]) for r in await env.store.read("EXPLAIN QUERY PLAN " + sql))
    assert "outbox_open" in plan, plan
