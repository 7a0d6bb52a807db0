"""Rows left 'sending' are settled on the next start: sent again if a part is missing, only
marked sent when every part had gone out (before: "resent after a crash" on every start, and
never sent). With the real Coach and PushService, on a real SQLite file and in memory."""

from __future__ import annotations

from bot.core.ports import PENDING, SENT
from tests.scheduler.support import Env


async def test_rows_left_sending_are_settled_on_the_next_start(any_env: Env) -> None:
    env = any_env
    env.clock.set(env.clock().replace(hour=5, minute=30))  # 07:30 in Berlin: both are due
    delivered, in_flight = await env.person("delivered"), await env.person("in-flight")
    await env.service().run_due(env.clock())
    box = env.store.outbox
    first, second = await box.rows()
    assert (first.user_id, second.user_id) == (delivered.id, in_flight.id)
    # The first push's only message reached the platform, but the row was left 'sending'
    # (before: a twin process marked it so); the second was in flight when the process died.
    await box.part_sent(first.id, 1, False, env.clock())
    assert await box.begin(second.id, env.clock())

    again = env.service()
    await again.start()
    await again.wait_idle()

    assert again.recovered == 2
    assert [(r.user_id, r.state, r.parts_sent) for r in await box.rows()] == [
        (delivered.id, SENT, 1),
        (in_flight.id, SENT, 1),
    ]
    # Only the one that never arrived is sent; the delivered one is not sent twice.
    assert [d.chat_id for d in env.platform.delivered] == [in_flight.chat_id]
    restarted = env.service()
    await restarted.start()
    assert restarted.recovered == 0


async def test_begin_claims_only_a_pending_row(any_env: Env) -> None:
    env = any_env
    env.clock.set(env.clock().replace(hour=5, minute=30))
    await env.person("ada")
    await env.service().run_due(env.clock())
    box = env.store.outbox
    (row,) = await box.rows()
    assert row.state == PENDING
    assert await box.begin(row.id, env.clock())
    await box.part_sent(row.id, 1, True, env.clock())
    assert not await box.begin(row.id, env.clock())  # sent: nobody may resend it
    assert (await box.rows())[0].state == SENT
