"""The outbox table and the who-is-due queries, on a real SQLite file."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.core.events import UserRef
from bot.core.settings import Settings
from bot.store.outbox import (
    MISSED,
    PENDING,
    SENDING,
    SENT,
    NewPush,
    Outbox,
    channel_target,
    user_target,
)
from tests.scheduler.support import Env

NOW = datetime(2025, 6, 16, 7, 0, tzinfo=UTC)
DAY = date(2025, 6, 16)


def push(user_id: int, kind: str = "daily", day: date = DAY, **kw: object) -> NewPush:
    fields: dict = {
        "kind": kind, "platform": "telegram", "target": user_target(user_id), "day": day,
        "chat_id": f"chat-{user_id}", "due_at": NOW, "user_id": user_id,
    }  # fmt: skip
    fields.update(kw)
    return NewPush(**fields)


async def test_a_push_key_exists_once_however_often_it_is_queued(env: Env) -> None:
    ada = await env.person("ada")
    box = Outbox(env.store)
    assert await box.queue([push(ada.id), push(ada.id)], NOW, up_to=NOW) == (1, 0)
    assert await box.queue([push(ada.id), push(ada.id, kind="nudge")], NOW) == (1, 0)
    assert await box.last_tick() == NOW
    assert len(await box.rows()) == 2


async def test_the_watermark_moves_with_the_pushes_or_not_at_all(env: Env) -> None:
    box = Outbox(env.store)
    bad = push(999_999)  # no such user: the foreign key fails the whole transaction
    try:
        await box.queue([bad], NOW, up_to=NOW)
    except Exception as exc:
        assert "FOREIGN KEY" in str(exc)
    else:
        raise AssertionError("queued a push for nobody")
    assert await box.last_tick() is None
    assert await box.rows() == []


async def test_recover_expire_and_prune(env: Env) -> None:
    people = [await env.person(f"p{n}") for n in range(4)]
    box = Outbox(env.store)
    await box.queue([push(p.id) for p in people], NOW, up_to=NOW)
    rows = await box.rows()
    await box.begin(rows[0].id, NOW)  # was being sent when the process died
    await box.part_sent(rows[1].id, 1, True, NOW)
    assert await box.recover(NOW) == 1
    assert [r.state for r in await box.rows()] == [PENDING, SENT, PENDING, PENDING]
    # Three hours and a minute later the unsent ones are missed.
    assert await box.expire(NOW + timedelta(hours=3, minutes=1), timedelta(hours=3)) == 3
    assert (await box.counts())[MISSED] == 3
    # Finished rows for old days go; the index of open rows stays small.
    assert await box.prune(DAY) == 0
    assert await box.prune(DAY + timedelta(days=1)) == 4
    assert await box.rows() == []


async def test_ready_rows_come_oldest_first_per_platform(env: Env) -> None:
    a, b, c = [await env.person(n) for n in "abc"]
    box = Outbox(env.store)
    await box.queue(
        [
            push(a.id, due_at=NOW + timedelta(minutes=2)),
            push(b.id, due_at=NOW),
            push(c.id, platform="discord", due_at=NOW - timedelta(minutes=1)),
        ],
        NOW,
    )
    ready = await box.ready(NOW + timedelta(minutes=5), 10, (), ("telegram",))
    assert [r.user_id for r in ready] == [b.id, a.id]
    assert await box.ready(NOW, 10, (), ("telegram",)) == [ready[0]]
    skipped = await box.ready(NOW + timedelta(minutes=5), 10, {b.id and ready[0].id}, ("telegram",))
    assert [r.user_id for r in skipped] == [a.id]
    assert await box.next_attempt((ready[0].id,), ("telegram",)) == NOW + timedelta(minutes=2)
    assert (await box.ready(NOW, 10, (), ("discord",)))[0].target == user_target(c.id)


async def test_users_at_pages_through_everyone_due_exactly_once(env: Env) -> None:
    settings = Settings(timezone="Asia/Tokyo", reminder_time=time(7, 0), onboarded=True)
    ids = []
    for n in range(450):
        user = await env.store.get_or_create_user(UserRef("telegram", f"u{n}"), f"c{n}", "")
        at = time(7, 0) if n % 3 else time(7, 1)
        await env.store.save_settings(user.id, settings.with_(reminder_time=at))
        ids.append(user.id)
    other = await env.person("berlin", "Europe/Berlin", time(7, 0))
    box = Outbox(env.store)
    seen = []
    async for page in box.users_at("Asia/Tokyo", "07:00", "07:01", page=100):
        assert len(page) <= 100
        seen.extend(u.id for u in page)
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))
    only_seven = [u.id async for page in box.users_at("Asia/Tokyo", "07:00", "07:00", 64)
                  for u in page]  # fmt: skip
    assert len(only_seven) == 300
    assert set(await box.timezones()) == {"Asia/Tokyo", "Europe/Berlin"}
    assert other.id not in seen


async def test_inactive_people_are_not_found(env: Env) -> None:
    ada = await env.person("ada", "UTC", time(7, 0))
    box = Outbox(env.store)
    await env.store.set_active(ada.id, False)
    assert [u async for u in box.users_at("UTC", "00:00", "23:59")] == []
    assert await box.timezones() == []


async def test_the_tick_queries_use_the_indexes(env: Env) -> None:
    """At 100,000 people a table scan per minute would cost: every query the tick and the
    delivery loop run must be an index search without a sort."""
    await env.person("ada", "UTC", time(7, 0))
    box = Outbox(env.store)
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


async def test_channel_targets_are_distinct_from_people(env: Env) -> None:
    channel = await env.store.save_channel("telegram", "-1001", Settings(), enabled=True)
    box = Outbox(env.store)
    group = NewPush("group", "telegram", channel_target("-1001"), DAY, "-1001", NOW,
                    channel_id=channel.id)  # fmt: skip
    assert await box.queue([group, group], NOW) == (1, 0)
    [row] = await box.rows(kind="group")
    assert (row.target, row.user_id, row.channel_id, row.state) == (
        "channel:-1001", None, channel.id, PENDING,
    )  # fmt: skip
    await box.begin(row.id, NOW)
    assert (await box.counts())[SENDING] == 1
