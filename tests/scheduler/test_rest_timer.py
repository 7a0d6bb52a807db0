"""The rest timer with controlled time: "Rest N s" after a logged set, one ping when the rest
is over, through the real outbox and PushService (a restart keeps it; it never fires twice;
paused or forgotten people get none; a ping far too late is dropped)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.core.events import InboundEvent, Outbound, Reply, UserRef
from bot.core.ports import MISSED, SENT, SKIPPED
from scheduler import PushService
from scheduler.kinds import REST_GRACE
from tests.scheduler.support import Env

START = datetime(2025, 6, 16, 5, 0, tzinfo=UTC)  # Monday 07:00 in Berlin


@dataclass
class Chat:
    """Ana's private chat on 'telegram', as an adapter would drive the coach."""

    env: Env
    sent: list[tuple[str, Outbound]] = field(default_factory=list)
    n: int = 0

    async def send(self, text: str = "", *, button: str | None = None,
                   reply_to: str | None = None) -> Reply:  # fmt: skip
        self.n += 1
        event = InboundEvent(
            UserRef("telegram", "ana"), "chat-ana", text, "Ana", reply_to=reply_to,
            button=button, message_id=f"u{self.n}", event_id=f"e{self.n}",
        )  # fmt: skip
        reply = await self.env.coach.handle(event)
        for out in reply.messages:
            message_id = f"m{len(self.sent) + 1}"
            await self.env.coach.record_sent("telegram", "chat-ana", message_id, out)
            self.sent.append((message_id, out))
        return reply

    def find(self, prefix: str) -> tuple[str, str]:
        """(message id, button data) of the latest button whose label starts with `prefix`."""
        for message_id, out in reversed(self.sent):
            for row in out.buttons:
                for button in row:
                    if button.label.startswith(prefix):
                        return message_id, button.data
        raise AssertionError(f"no {prefix!r} button was sent")


def rests_offered(reply: Reply) -> list[str]:
    return [b.label for out in reply.messages for row in out.buttons for b in row
            if b.label.startswith("Rest ")]  # fmt: skip


async def started_rest(env: Env, svc: PushService) -> tuple[Chat, int]:
    """Ana logs one set of her first exercise and taps "Rest N s"; returns N."""
    env.coach.timer_queued.connect(svc.dispatcher.wake)  # what bot.app wires
    chat = Chat(env)
    await chat.send("/today")
    session, step = chat.find("Log step by step")
    await chat.send(button=step, reply_to=session)
    prompt = chat.sent[-1][0]
    logged = await chat.send("12", reply_to=prompt)  # one set of a planned 2-3
    assert "Logged" in logged.messages[0].preface  # leading the next exercise's prompt
    carrier, data = chat.find("Rest ")
    seconds = int(data.split(":")[1])
    started = await chat.send(button=data, reply_to=carrier)
    assert f"Resting {seconds} s" in started.messages[0].text
    assert started.button_ack == f"Rest {seconds} s"
    return chat, seconds


async def running(env: Env) -> tuple[Chat, int, PushService]:
    """Ana with her push service running and a rest timer of N seconds just started."""
    await env.person("ana", "Europe/Berlin")
    svc = env.service()
    env.clock.set(START)
    await svc.start()
    chat, seconds = await started_rest(env, svc)
    return chat, seconds, svc


async def restarted(env: Env, svc: PushService, at: datetime) -> PushService:
    """The bot stopped while the timer ran and started again at `at`, settled."""
    await svc.stop()
    again = env.service()
    env.clock.set(at)
    await again.start()
    await again.wait_idle()
    return again


async def ana_rests(svc: PushService) -> list[str]:
    return [row.state for row in await svc.outbox.rows(kind="rest")]


async def settle(env: Env, svc: PushService, moment: datetime) -> None:
    env.clock.set(moment)
    svc.dispatcher.wake()
    await svc.wait_idle()


async def test_one_ping_when_the_rest_is_over_and_never_a_second(env: Env) -> None:
    chat, seconds, svc = await running(env)
    await settle(env, svc, START + timedelta(seconds=seconds - 5))
    assert env.platform.delivered == []  # not before the rest is over
    again = await chat.send(button=chat.find("Rest ")[1], reply_to=chat.find("Rest ")[0])
    assert "already running" in again.messages[0].text  # a second tap changes nothing
    await settle(env, svc, START + timedelta(seconds=seconds + 1))
    [ping] = env.platform.delivered
    assert ping.chat_id == "chat-ana"
    assert ping.out.text.startswith("Rest over: set 2 of ")
    assert ping.out.link is not None and ping.out.link.kind == "exercise"
    # Later on, nothing more.
    await settle(env, svc, START + timedelta(minutes=10))
    assert len(env.platform.delivered) == 1
    assert await ana_rests(svc) == [SENT]
    # Replying to the ping logs the set it named.
    logged = await chat.send("10", reply_to=ping.message_id)
    assert "Logged" in logged.messages[0].preface  # leading the next exercise's prompt


async def test_a_timer_survives_a_restart_and_still_fires_once(env: Env) -> None:
    _, seconds, svc = await running(env)
    # Back 20 s after the timer was due.
    second = await restarted(env, svc, START + timedelta(seconds=seconds + 20))
    assert [d.out.text.split(":")[0] for d in env.platform.delivered] == ["Rest over"]
    await settle(env, second, START + timedelta(minutes=5))
    assert len(env.platform.delivered) == 1


async def test_a_ping_in_flight_at_a_crash_is_not_sent_again(env: Env) -> None:
    _, seconds, svc = await running(env)
    # A crash between the send and writing down its outcome leaves the row 'sending'.
    await env.store.write("UPDATE outbox SET state = 'sending' WHERE kind = 'rest'")
    second = await restarted(env, svc, START + timedelta(seconds=seconds))
    assert env.platform.delivered == []
    assert await ana_rests(second) == [MISSED]


async def test_a_ping_far_too_late_is_dropped(env: Env) -> None:
    _, seconds, svc = await running(env)
    late = START + timedelta(seconds=seconds) + REST_GRACE + timedelta(seconds=5)
    second = await restarted(env, svc, late)
    assert env.platform.delivered == []
    assert await ana_rests(second) == [MISSED]


async def test_pausing_during_the_rest_means_no_ping(env: Env) -> None:
    chat, seconds, svc = await running(env)
    await chat.send("/pause")
    await settle(env, svc, START + timedelta(seconds=seconds + 1))
    assert env.platform.delivered == []
    assert await ana_rests(svc) == [SKIPPED]
    # And while paused, the button is not offered.
    prompt = next(m for m, out in reversed(chat.sent) if out.link and out.link.kind == "exercise")
    logged = await chat.send("12", reply_to=prompt)
    assert any(out.preface.startswith("Logged") for out in logged.messages)
    assert not rests_offered(logged)


async def test_no_ping_for_a_set_logged_before_the_rest_was_over(env: Env) -> None:
    chat, seconds, svc = await running(env)
    prompt = next(m for m, out in chat.sent if out.link and out.link.kind == "exercise")
    await chat.send("11", reply_to=prompt)  # set 2, without waiting for the ping
    await settle(env, svc, START + timedelta(seconds=seconds + 1))
    assert env.platform.delivered == []
    assert await ana_rests(svc) == [SKIPPED]


async def test_forgetting_a_person_removes_their_timer(env: Env) -> None:
    _, seconds, svc = await running(env)
    ana = await env.store.find_user(UserRef("telegram", "ana"))
    assert ana is not None
    await env.store.forget_user(ana.id)
    await settle(env, svc, START + timedelta(seconds=seconds + 1))
    assert env.platform.delivered == []
    assert await ana_rests(svc) == []


async def test_without_a_scheduler_no_timer_is_offered(env: Env) -> None:
    await env.person("ana", "Europe/Berlin")
    env.clock.set(START)
    chat = Chat(env)
    await chat.send("/today")
    session, step = chat.find("Log step by step")
    await chat.send(button=step, reply_to=session)
    logged = await chat.send("12", reply_to=chat.sent[-1][0])
    assert "Logged" in logged.messages[0].preface
    assert not rests_offered(logged)  # nothing would deliver the ping
