"""PushService end to end: the real Coach over real SQLite, a recording platform, a test clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.core.events import Outbound
from bot.core.ports import FAILED, MISSED, PENDING, SENT, SKIPPED, NewSet
from bot.core.settings import Settings
from bot.delivery import RetryLater, TransientFailure, Unreachable
from scheduler import PushConfig, PushService
from scheduler.ratelimit import PlatformLimiter, RatePolicy, Window
from tests.scheduler.support import FAST, Env


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def tick(env: Env, svc: PushService, moment: datetime) -> None:
    """Set the clock, run the minute's tick, wait for delivery to settle."""
    await svc.run_due(env.clock.set(moment))
    await svc.wait_idle()


async def walk(env: Env, svc: PushService, start: datetime, end: datetime) -> None:
    """Tick every minute from start to end (inclusive)."""
    moment = start
    while moment <= end:
        await tick(env, svc, moment)
        moment += timedelta(minutes=1)


async def test_the_daily_push_is_todays_session_at_local_time(any_env: Env) -> None:
    env = any_env
    ada = await env.person("ada", "Europe/Berlin", time(7, 30))
    svc = env.service()
    env.clock.set(utc(2025, 6, 16, 5, 0))
    await svc.start()
    await tick(env, svc, utc(2025, 6, 16, 5, 29))  # 07:29 in Berlin (CEST)
    assert env.platform.delivered == []
    await tick(env, svc, utc(2025, 6, 16, 5, 30))
    [push] = env.platform.delivered
    assert push.chat_id == "chat-ada"
    # The same content as /today for that day, from the real coach.
    assert [push.out] == await env.coach.daily_session(ada.id, date(2025, 6, 16))
    assert push.out.link is not None and push.out.link.kind == "session"
    # record_sent linked the pushed message, so a reply to it is understood.
    stored = await env.store.resolve_message("telegram", "chat-ada", push.message_id)
    assert stored is not None and stored.user_id == ada.id
    assert stored.link.plan_date == date(2025, 6, 16)
    # Later ticks the same day send nothing more.
    await walk(env, svc, utc(2025, 6, 16, 5, 31), utc(2025, 6, 16, 5, 40))
    assert len(env.platform.delivered) == 1
    [row] = await svc.outbox.rows(user_id=ada.id)
    assert (row.state, row.kind, row.day, row.parts_sent) == (SENT, "daily", date(2025, 6, 16), 1)


async def test_only_training_days_get_pushes(env: Env) -> None:
    await env.person("mo", "UTC", time(7, 0), weekdays=(0, 2))  # Mon, Wed
    svc = env.service()
    env.clock.set(utc(2025, 6, 15, 23, 0))
    await svc.start()
    for day in range(16, 23):  # Mon 16th .. Sun 22nd
        await tick(env, svc, utc(2025, 6, day, 7, 0))
    assert [d.at.date() for d in env.platform.delivered] == [date(2025, 6, 16), date(2025, 6, 18)]


def _at(*args: int) -> list[datetime]:
    return [utc(*args)]


# (zone, local reminder time -> the UTC moments it was pushed, the UTC minutes walked)
DST_CASES = {
    # 2025-03-30: 02:00 CET -> 03:00 CEST at 01:00 UTC. 02:30 doesn't exist: 03:00 instead.
    "berlin-spring-forward": ("Europe/Berlin", {
        time(1, 30): _at(2025, 3, 30, 0, 30),
        time(2, 30): _at(2025, 3, 30, 1, 0),  # 03:00 CEST, the first valid minute
        time(3, 0): _at(2025, 3, 30, 1, 0),
        time(3, 30): _at(2025, 3, 30, 1, 30),
    }, (utc(2025, 3, 29, 23, 50), utc(2025, 3, 30, 2, 0))),
    # 2025-10-26: 03:00 CEST -> 02:00 CET at 01:00 UTC. 02:30 happens twice: it fires once.
    "berlin-fall-back": ("Europe/Berlin", {
        time(2, 30): _at(2025, 10, 26, 0, 30),  # the first 02:30 (CEST), not the second
        time(7, 30): _at(2025, 10, 26, 6, 30),  # 07:30 CET, an hour later in UTC than before
    }, (utc(2025, 10, 25, 23, 50), utc(2025, 10, 26, 6, 40))),
    "new-york-spring-forward": ("America/New_York", {
        time(2, 15): _at(2025, 3, 9, 7, 0),  # 03:00 EDT
        time(7, 30): _at(2025, 3, 9, 11, 30),  # 07:30 EDT
    }, (utc(2025, 3, 9, 6, 50), utc(2025, 3, 9, 11, 40))),
    "new-york-fall-back": ("America/New_York", {
        time(1, 30): _at(2025, 11, 2, 5, 30),  # the first 01:30 (EDT)
        time(7, 30): _at(2025, 11, 2, 12, 30),  # 07:30 EST
    }, (utc(2025, 11, 2, 4, 50), utc(2025, 11, 2, 12, 40))),
    # 2025-04-06: 03:00 AEDT -> 02:00 AEST at 16:00 UTC on the 5th.
    "sydney-fall-back": ("Australia/Sydney", {
        time(2, 30): _at(2025, 4, 5, 15, 30),  # the first 02:30 (AEDT)
        time(7, 30): _at(2025, 4, 5, 21, 30),  # 07:30 AEST
    }, (utc(2025, 4, 5, 15, 20), utc(2025, 4, 5, 21, 40))),
    # 2025-10-05: 02:00 AEST -> 03:00 AEDT at 16:00 UTC on the 4th.
    "sydney-spring-forward": ("Australia/Sydney", {
        time(2, 30): _at(2025, 10, 4, 16, 0),  # 03:00 AEDT
        time(7, 30): _at(2025, 10, 4, 20, 30),  # 07:30 AEDT
    }, (utc(2025, 10, 4, 15, 50), utc(2025, 10, 4, 20, 40))),
}  # fmt: skip


@pytest.mark.parametrize("case", DST_CASES)
async def test_pushes_across_daylight_saving_changes(env: Env, case: str) -> None:
    """Ticking every minute through the change: each reminder once, at the right moment."""
    tz, expected, (start, end) = DST_CASES[case]
    people = {wall: await env.person(f"p{wall:%H%M}", tz, wall) for wall in expected}
    svc = env.service()
    env.clock.set(start - timedelta(minutes=1))
    await svc.start()
    await walk(env, svc, start, end)
    got = {
        wall: [d.at.replace(microsecond=0, second=0) for d in env.platform.to(p.chat_id)]
        for wall, p in people.items()
    }
    assert got == expected


async def test_utc_plus_13_and_utc_minus_10_get_the_same_days_session(env: Env) -> None:
    tonga = await env.person("tonga", "Pacific/Tongatapu", time(7, 0), weekdays=(0,))
    hono = await env.person("hono", "Pacific/Honolulu", time(7, 0), weekdays=(0,))
    svc = env.service()
    env.clock.set(utc(2025, 6, 15, 12, 0))  # Sunday in UTC
    await svc.start()
    for hour in range(13, 24 + 18):
        await tick(env, svc, utc(2025, 6, 15, 0, 0) + timedelta(hours=hour))
    [t] = env.platform.to(tonga.chat_id)
    [h] = env.platform.to(hono.chat_id)
    assert t.at.replace(microsecond=0) == utc(2025, 6, 15, 18, 0)  # Monday 07:00 +13
    assert h.at.replace(microsecond=0) == utc(2025, 6, 16, 17, 0)  # Monday 07:00 -10
    monday = date(2025, 6, 16)
    assert t.out.link is not None and t.out.link.plan_date == monday
    assert h.out.link is not None and h.out.link.plan_date == monday
    rows = await svc.outbox.rows(kind="daily")
    assert {(r.user_id, r.day) for r in rows} == {(tonga.id, monday), (hono.id, monday)}


async def test_pause_and_resume_take_effect_at_once(env: Env) -> None:
    ada = await env.person("ada", "UTC", time(7, 0))
    svc = env.service()
    env.clock.set(utc(2025, 6, 16, 6, 0))
    await svc.start()
    paused = Settings(timezone="UTC", reminder_time=time(7, 0), onboarded=True, paused=True)
    await env.store.save_settings(ada.id, paused.with_(weekdays=(0, 1, 2, 3, 4, 5, 6)))
    await tick(env, svc, utc(2025, 6, 16, 7, 0))
    assert env.platform.delivered == []
    assert await svc.outbox.rows(user_id=ada.id) == []  # paused people aren't even queued
    await env.store.save_settings(ada.id, paused.with_(paused=False, weekdays=(0, 1, 2)))
    await tick(env, svc, utc(2025, 6, 17, 7, 0))
    assert [d.at.date() for d in env.platform.delivered] == [date(2025, 6, 17)]


async def test_the_coach_pause_command_stops_a_queued_push(env: Env) -> None:
    """A push already queued (e.g. far back in a big fan-out) is re-checked before sending."""
    from bot.core.events import InboundEvent, UserRef

    ada = await env.person("ada", "UTC", time(7, 0))
    svc = env.service()
    env.clock.set(utc(2025, 6, 16, 7, 0))
    await svc.run_due(env.clock())  # queued, but delivery isn't running yet
    [row] = await svc.outbox.rows(user_id=ada.id)
    assert row.state == PENDING
    await env.coach.handle(InboundEvent(UserRef("telegram", "ada"), "chat-ada", "/pause"))
    await svc.start()
    await svc.wait_idle()
    assert env.platform.delivered == []
    [row] = await svc.outbox.rows(user_id=ada.id)
    assert row.state == SKIPPED


async def test_a_timezone_change_right_before_the_push(env: Env) -> None:
    ada = await env.person("ada", "Europe/Berlin", time(7, 30))
    svc = env.service()
    env.clock.set(utc(2025, 6, 16, 5, 0))
    await svc.start()
    await tick(env, svc, utc(2025, 6, 16, 5, 29))  # 07:29 in Berlin ...
    moved = ada.settings.with_(timezone="America/New_York")  # ... she lands in New York
    await env.store.save_settings(ada.id, moved)
    await walk(env, svc, utc(2025, 6, 16, 5, 30), utc(2025, 6, 16, 5, 32))
    assert env.platform.delivered == []  # no Berlin 07:30 any more
    await tick(env, svc, utc(2025, 6, 16, 11, 29))
    assert env.platform.delivered == []
    await tick(env, svc, utc(2025, 6, 16, 11, 30))  # 07:30 EDT
    [push] = env.platform.delivered
    assert push.out.link is not None and push.out.link.plan_date == date(2025, 6, 16)
    # Flying back the same afternoon doesn't bring a second push for the same local day.
    await env.store.save_settings(
        ada.id, moved.with_(timezone="Europe/Berlin", reminder_time=time(18, 0))
    )
    await tick(env, svc, utc(2025, 6, 16, 16, 0))  # 18:00 in Berlin, still the 16th
    assert len(env.platform.delivered) == 1


async def test_a_reminder_moved_later_after_queueing_waits_for_the_new_time(env: Env) -> None:
    ada = await env.person("ada", "UTC", time(7, 0))
    svc = env.service()
    env.clock.set(utc(2025, 6, 16, 7, 0))
    await svc.run_due(env.clock())  # queued at 07:00, not yet delivered
    await env.store.save_settings(ada.id, ada.settings.with_(reminder_time=time(9, 0)))
    await svc.start()
    await svc.wait_idle()
    assert env.platform.delivered == []
    [row] = await svc.outbox.rows(user_id=ada.id)
    assert (row.state, row.due_at) == (PENDING, utc(2025, 6, 16, 9, 0))
    await tick(env, svc, utc(2025, 6, 16, 9, 0))
    assert len(env.platform.delivered) == 1


async def test_the_grace_window_on_both_sides(env: Env) -> None:
    early = await env.person("early", "UTC", time(7, 0))
    later = await env.person("later", "UTC", time(7, 2))
    svc = env.service()
    env.clock.set(utc(2025, 6, 16, 6, 0))
    await svc.start()
    await tick(env, svc, utc(2025, 6, 16, 6, 30))
    await svc.stop()  # down from 06:30 ...
    # ... until 10:01: early's 07:00 push is 3h01 old (missed), later's 07:02 is 2h59 (sent).
    env.clock.set(utc(2025, 6, 16, 10, 1))
    restarted = env.service()
    await restarted.start()
    await restarted.wait_idle()
    assert [d.chat_id for d in env.platform.delivered] == [later.chat_id]
    [missed] = await restarted.outbox.rows(user_id=early.id)
    [sent] = await restarted.outbox.rows(user_id=later.id)
    assert (missed.state, missed.due_at) == (MISSED, utc(2025, 6, 16, 7, 0))
    assert (sent.state, sent.due_at) == (SENT, utc(2025, 6, 16, 7, 2))
    # A restart later still doesn't send the missed one.
    await restarted.stop()
    again = env.service()
    env.clock.set(utc(2025, 6, 16, 10, 5))
    await again.start()
    await again.wait_idle()
    assert len(env.platform.delivered) == 1


async def test_after_days_down_only_the_grace_window_is_sent(any_env: Env) -> None:
    env = any_env
    ada = await env.person("ada", "UTC", time(7, 0))
    svc = env.service()
    env.clock.set(utc(2025, 6, 16, 6, 0))  # Monday
    await svc.start()
    await svc.stop()
    env.clock.set(utc(2025, 6, 18, 9, 0))  # back on Wednesday, 2 days 3 hours later
    back = env.service()
    await back.start()
    await back.wait_idle()  # also waits for the missed ones to be written down
    [push] = env.platform.delivered
    assert push.out.link is not None and push.out.link.plan_date == date(2025, 6, 18)
    rows = {r.day: r.state for r in await back.outbox.rows(user_id=ada.id)}
    # Tuesday's is recorded missed; Monday's lies beyond the 2-day look-back.
    assert rows == {date(2025, 6, 17): MISSED, date(2025, 6, 18): SENT}


async def test_the_grace_window_is_configurable(env: Env) -> None:
    await env.person("ada", "UTC", time(7, 0))
    svc = env.service()
    env.clock.set(utc(2025, 6, 16, 6, 0))
    await svc.start()
    await svc.stop()
    env.clock.set(utc(2025, 6, 16, 7, 40))
    short = env.service(grace=timedelta(minutes=30))
    await short.start()
    await short.wait_idle()
    assert env.platform.delivered == []
    assert (await short.outbox.counts())[MISSED] == 1


async def test_a_429_storm_delivers_everyone_once(env: Env) -> None:
    people = [await env.person(f"p{n}", "UTC", time(7, 0)) for n in range(40)]
    env.platform.fail(RetryLater(0.05), times=25)  # the next 25 sends are refused
    svc = env.service()
    env.clock.set(utc(2025, 6, 16, 7, 0))
    await svc.start()
    await svc.wait_idle()
    while await svc.outbox.rows(state=PENDING):  # rows waiting out their retry_after
        await svc.wait_idle()
    assert sorted(d.chat_id for d in env.platform.delivered) == sorted(p.chat_id for p in people)
    assert svc.stats.rate_limited == 25
    assert env.platform.calls == 40 + 25
    assert (await svc.outbox.counts())[SENT] == 40
    # 429s are the platform's pacing, not failures: no attempt was counted.
    assert {r.attempts for r in await svc.outbox.rows(state=SENT)} == {0}


async def test_server_errors_back_off_then_give_up(env: Env) -> None:
    flaky = await env.person("flaky", "UTC", time(7, 0))
    broken = await env.person("broken", "UTC", time(7, 0))
    env.platform.fail(TransientFailure("502 Bad Gateway"), times=2, chat=flaky.chat_id)
    env.platform.fail(TransientFailure("timed out"), times=99, chat=broken.chat_id)
    svc = env.service()
    env.clock.set(utc(2025, 6, 16, 7, 0))
    await svc.start()
    while await svc.outbox.rows(state=PENDING):
        await svc.wait_idle()
    [ok] = await svc.outbox.rows(user_id=flaky.id)
    [bad] = await svc.outbox.rows(user_id=broken.id)
    assert (ok.state, ok.attempts) == (SENT, 2)
    assert (bad.state, bad.attempts) == (FAILED, FAST.max_attempts)
    assert bad.last_error == "TransientFailure: timed out"
    assert [d.chat_id for d in env.platform.delivered] == [flaky.chat_id]


def test_the_default_backoff_rides_out_about_ten_minutes() -> None:
    cfg = PushConfig()
    waits = [cfg.backoff_for(n) for n in range(1, cfg.max_attempts)]
    assert waits[:3] == [timedelta(seconds=5), timedelta(seconds=10), timedelta(seconds=20)]
    assert max(waits) == cfg.backoff_cap == timedelta(minutes=5)
    assert timedelta(minutes=9) < sum(waits, timedelta(0)) < timedelta(minutes=11)


async def test_a_blocked_user_is_marked_inactive_and_skipped_from_then_on(any_env: Env) -> None:
    env = any_env
    blocker = await env.person("blocker", "UTC", time(7, 0))
    friend = await env.person("friend", "UTC", time(7, 0))
    env.platform.fail(Unreachable("Forbidden: bot was blocked by the user"), chat=blocker.chat_id)
    svc = env.service()
    env.clock.set(utc(2025, 6, 16, 7, 0))
    await svc.start()
    await svc.wait_idle()
    gone = await env.store.get_user(blocker.id)
    assert gone is not None and gone.active is False
    [row] = await svc.outbox.rows(user_id=blocker.id)
    assert row.state == FAILED and row.last_error and row.last_error.startswith("unreachable")
    for day in (17, 18):
        await tick(env, svc, utc(2025, 6, day, 7, 0))
    assert [d.chat_id for d in env.platform.delivered] == [friend.chat_id] * 3
    assert env.platform.calls == 4  # never tried the blocked person again
    assert len(await svc.outbox.rows(user_id=blocker.id)) == 1


async def test_the_nudge_comes_only_when_nothing_was_logged(env: Env) -> None:
    lazy = await env.person("lazy", "UTC", time(7, 0))
    keen = await env.person("keen", "UTC", time(7, 0))
    svc = env.service(nudge_after=timedelta(hours=4))
    env.clock.set(utc(2025, 6, 16, 6, 59))
    await svc.start()
    await tick(env, svc, utc(2025, 6, 16, 7, 0))
    assert len(env.platform.delivered) == 2
    await env.store.add_sets(keen.id, date(2025, 6, 16), [NewSet("glute-bridge", 1, reps=12)], None)
    await tick(env, svc, utc(2025, 6, 16, 10, 59))
    assert len(env.platform.delivered) == 2
    await tick(env, svc, utc(2025, 6, 16, 11, 0))
    [nudge] = env.platform.delivered[2:]
    assert nudge.chat_id == lazy.chat_id
    assert [nudge.out] == await env.coach.nudge(lazy.id, date(2025, 6, 16))
    [keen_nudge] = await svc.outbox.rows(user_id=keen.id, kind="nudge")
    assert keen_nudge.state == SKIPPED


async def test_group_sessions_go_to_community_channels_at_their_own_time(any_env: Env) -> None:
    env = any_env
    club = await env.store.save_channel(
        "telegram", "-100500",
        Settings(timezone="America/New_York", reminder_time=time(18, 0), weekdays=(0, 2, 4)),
        enabled=True,
    )  # fmt: skip
    await env.store.save_channel("telegram", "-100501", Settings(timezone="UTC"), enabled=False)
    svc = env.service()
    env.clock.set(utc(2025, 6, 16, 20, 0))
    await svc.start()
    await tick(env, svc, utc(2025, 6, 16, 21, 59))
    assert env.platform.delivered == []
    await tick(env, svc, utc(2025, 6, 16, 22, 0))  # 18:00 EDT on Monday
    [push] = env.platform.delivered
    assert push.chat_id == "-100500"
    assert [push.out] == await env.coach.group_session(club, date(2025, 6, 16))
    linked = await env.store.resolve_message("telegram", "-100500", push.message_id)
    assert linked is not None and linked.link.kind == "group_session" and linked.user_id is None
    await tick(env, svc, utc(2025, 6, 17, 22, 0))  # Tuesday: not one of the club's days
    assert len(env.platform.delivered) == 1


async def test_the_weekly_summary_comes_sunday_evening_to_people_who_trained(env: Env) -> None:
    assert "weekly" in env.service().kinds  # the coach offers weekly_summary
    keen = await env.person("keen", "Europe/Berlin", time(7, 0), weekdays=(0, 2, 4))
    idle = await env.person("idle", "Europe/Berlin", time(7, 0), weekdays=(0, 2, 4))
    await env.store.add_sets(keen.id, date(2025, 6, 18), [NewSet("glute-bridge", 1, reps=12)], None)
    svc = env.service()
    env.clock.set(utc(2025, 6, 22, 15, 0))  # Sunday afternoon
    await svc.start()
    await tick(env, svc, utc(2025, 6, 22, 15, 59))
    assert env.platform.delivered == []
    await tick(env, svc, utc(2025, 6, 22, 16, 0))  # 18:00 in Berlin
    [summary] = env.platform.delivered
    assert summary.chat_id == keen.chat_id
    assert [summary.out] == await env.coach.weekly_summary(keen.id, date(2025, 6, 22))
    [skipped] = await svc.outbox.rows(user_id=idle.id, kind="weekly")
    assert skipped.state == SKIPPED  # never logged anything: nothing to sum up


async def test_queueing_the_same_window_twice_creates_each_push_once(env: Env) -> None:
    await env.person("ada", "UTC", time(7, 0))
    svc = env.service()
    env.clock.set(utc(2025, 6, 16, 7, 0))
    await svc.run_due(env.clock())
    # Pretend the watermark was lost (e.g. restored from an old backup): the keys still hold.
    await env.store.write("DELETE FROM scheduler_state")
    await svc.run_due(env.clock())
    assert len(await svc.outbox.rows()) == 1
    await svc.start()
    await svc.wait_idle()
    assert len(env.platform.delivered) == 1


async def test_people_who_never_finished_onboarding_get_no_pushes(env: Env) -> None:
    await env.person("new", "UTC", time(7, 0), onboarded=False)
    svc = env.service()
    env.clock.set(utc(2025, 6, 16, 7, 0))
    await svc.start()
    await svc.wait_idle()
    assert env.platform.delivered == []


async def test_a_multi_part_push_resumes_after_the_parts_already_sent(env: Env) -> None:
    """The coach's pushes are one message today; a push of several messages whose second
    message failed sends only the second one on the retry."""
    ada = await env.person("ada", "UTC", time(7, 0))
    svc = env.service()
    env.clock.set(utc(2025, 6, 16, 7, 0))
    await svc.run_due(env.clock())
    [row] = await svc.outbox.rows(user_id=ada.id)
    parts = [Outbound("part one"), Outbound("part two")]
    env.platform.fail(TransientFailure("502"), text="part two")
    await svc.dispatcher.send_parts(row, ada, parts)
    [row] = await svc.outbox.rows(user_id=ada.id)
    assert (row.state, row.parts_sent, row.attempts) == (PENDING, 1, 1)
    await svc.dispatcher.send_parts(row, ada, parts)
    assert [d.out.text for d in env.platform.delivered] == ["part one", "part two"]
    [row] = await svc.outbox.rows(user_id=ada.id)
    assert (row.state, row.parts_sent) == (SENT, 2)


async def test_a_clean_stop_mid_fan_out_leaves_nothing_uncertain(env: Env) -> None:
    people = [await env.person(f"p{n}", "UTC", time(7, 0)) for n in range(12)]
    slow = {"telegram": PlatformLimiter(RatePolicy(Window(20, 1.0)))}  # 20/s: ~0.6 s in all
    svc = env.service(limiters=slow)
    env.clock.set(utc(2025, 6, 16, 7, 0))
    await svc.start()
    while len(env.platform.delivered) < 3:
        await asyncio.sleep(0.01)
    await svc.stop()  # workers waiting for their turn go back to pending
    counts = await svc.outbox.counts()
    assert counts["sending"] == 0
    assert counts["sent"] == len(env.platform.delivered) < 12
    again = env.service()
    await again.start()
    await again.wait_idle()
    assert again.recovered == 0
    assert sorted(d.chat_id for d in env.platform.delivered) == sorted(p.chat_id for p in people)
