"""The one delivery loop every platform uses: pick the chat, render, send, record what was
sent, count it, and handle a person who can't be reached (the only place that marks them).

Every part waits for its turn in the platform token's send queue (`Hooks.gates`): answers as
replies, pushes behind them. A 429 on an answer pauses what it concerns in the queue and the
part waits there again (nothing is dropped, and the wait holds no connection); a push's 429
goes back to the scheduler, which reschedules the push durably.

A platform provides an `Outlet`: how to render an Outbound into its message parts, how to send
a part to a chat as a plain message, and what its errors mean. Answering an event can give a
sender of its own for the event's chat (Telegram quotes the message being answered, Discord
answers the interaction); messages for other chats go out as plain messages.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, Protocol, TypeVar

from bot.adapters.base import CoachPort, Hooks
from bot.core.events import Applied, InboundEvent, Outbound, Reply, UserRef
from bot.core.ports import InboxEntry
from bot.delivery import (
    Admission,
    DeliveryError,
    RetryLater,
    SendGate,
    TransientFailure,
    Unreachable,
)

log = logging.getLogger(__name__)

PartT = TypeVar("PartT")
# Sends one rendered part (the `index`-th of `out`'s parts); the platform's message id, or
# None when the platform gives none back (nothing to link replies to).
SendPart = Callable[[Outbound, PartT, int], Awaitable[str | None]]


class Outlet(Protocol[PartT]):
    """What a platform gives the shared delivery loop."""

    platform: str

    def render(self, out: Outbound) -> Sequence[PartT]: ...

    def sending_to(self, chat_id: str, *, interactive: bool = False) -> SendPart[PartT]:
        """A plain send to `chat_id`: `interactive` while answering someone (the platform may
        retry), else a push (one attempt: the scheduler retries). Raises a `DeliveryError`
        when the platform can't deliver there now (not connected, not a chat id it knows)."""
        ...

    def delivery_error(self, exc: Exception, chat_id: str) -> DeliveryError | None:
        """The neutral meaning of a failed send (`Unreachable.person` when it was a person's
        private chat); None for an exception that is not the platform's (a bug: it is raised)."""
        ...


class Delivery(Generic[PartT]):
    """Delivers Outbound messages through one platform's outlet."""

    def __init__(self, outlet: Outlet[PartT], coach: CoachPort, hooks: Hooks) -> None:
        self.outlet = outlet
        self.coach = coach
        self.hooks = hooks
        self.platform = outlet.platform
        self.gate: SendGate = hooks.gates.get(self.platform) or Ungated()

    async def answer(
        self,
        event: InboundEvent,
        reply: Reply,
        here: SendPart[PartT] | None = None,
        *,
        here_is_limited: bool = True,
    ) -> bool:
        """Send `reply` in order: to `out.chat_id`, else to the event's chat (through `here`
        when given). Stops at the first message that fails; True when all were delivered.
        `here_is_limited=False`: sends through `here` don't count against the platform's rate
        limits (Discord's interaction responses)."""
        error = await self._answer(event, reply.messages, here, here_is_limited, 0, None)
        return error is None

    async def answer_once(
        self,
        entry: InboxEntry,
        event: InboundEvent,
        applied: Applied,
        here: SendPart[PartT] | None = None,
        *,
        here_is_limited: bool = True,
    ) -> bool:
        """`answer` for an inbox entry (Coach.handle_once): the messages a restart found
        delivered are skipped, each delivered one is recorded, and the entry is finished
        once nothing is left to send. A send that may work later (the platform is down, we
        are stopping) leaves the rest for the next start; a refusal finishes it."""
        messages = applied.reply.messages
        total = len(messages)

        async def progress(sent: int) -> bool:
            return await self.coach.answered(entry, sent, sent == total)

        if applied.sent >= total:
            await self.coach.answered(entry, total, True)
            return True
        error = await self._answer(event, messages, here, here_is_limited, applied.sent, progress)
        if error is not None and not isinstance(error, (RetryLater, TransientFailure)):
            await self.coach.answered(entry, applied.sent, True)  # refused: logged, counted
        return error is None

    async def _answer(
        self,
        event: InboundEvent,
        messages: Sequence[Outbound],
        here: SendPart[PartT] | None,
        here_is_limited: bool,
        skip: int,
        progress: Callable[[int], Awaitable[bool]] | None,
    ) -> DeliveryError | None:
        for number, out in enumerate(messages, start=1):
            if number <= skip:
                continue
            chat_id = out.chat_id or event.chat_id
            in_place = here is not None and chat_id == event.chat_id
            try:
                if here is not None and in_place:
                    send = here
                else:
                    send = self.outlet.sending_to(chat_id, interactive=True)
                limited = here_is_limited or not in_place
                await self._deliver(chat_id, out, send, limited=limited, interactive=True)
            except DeliveryError as error:
                log.warning("%s: could not answer in chat %s: %s", self.platform, chat_id, error)
                self._count("replies_failed")
                return error
            self._count("replies_sent")
            if progress is not None and not await progress(number):
                # Another process took the entry over (this one stalled past its lease, see
                # bot/store/claims.py): it delivers the rest, from this count on.
                log.warning("%s: the rest of an answer is left to its new holder", self.platform)
                return None
        return None

    async def push(self, chat_id: str, out: Outbound) -> str:
        """`bot.delivery.Sender.send`: one attempt, neutral errors for the scheduler."""
        try:
            send = self.outlet.sending_to(chat_id)
            ids = await self._deliver(chat_id, out, send, limited=True, interactive=False)
        except DeliveryError as error:
            if not isinstance(error, (RetryLater, TransientFailure, Unreachable)):
                log.warning("%s refused a push: %s", self.platform, error)
            raise
        if not ids:
            raise DeliveryError("the message was empty")
        return ids[0]

    async def _deliver(
        self,
        chat_id: str,
        out: Outbound,
        send: SendPart[PartT],
        *,
        limited: bool,
        interactive: bool,
    ) -> list[str]:
        """Send every part of `out`; record each, so a reply to any part links back.
        `limited`: the parts wait their turn in the send queue."""
        ids = []
        for index, part in enumerate(self.outlet.render(out)):
            message_id = await self._send_part(
                chat_id, out, part, index, send, limited=limited, interactive=interactive
            )
            if message_id is None:
                continue
            ids.append(message_id)
            try:
                await self.coach.record_sent(self.platform, chat_id, message_id, out)
            except Exception:  # delivered: a missing reply link must not undo that
                log.exception("could not record sent %s message %s", self.platform, message_id)
        return ids

    async def _send_part(
        self,
        chat_id: str,
        out: Outbound,
        part: PartT,
        index: int,
        send: SendPart[PartT],
        *,
        limited: bool,
        interactive: bool,
    ) -> str | None:
        while True:
            turn = await self.gate.acquire(chat_id, interactive=interactive) if limited else None
            try:
                return await send(out, part, index)
            except Exception as exc:
                error = self._neutral(exc, chat_id)
                if error is None:
                    raise
                if isinstance(error, RetryLater) and interactive:
                    # Wait for the next turn in the queue, holding nothing. (A push's 429 goes
                    # to the scheduler, which pauses the queue and reschedules the push.)
                    self.gate.pause(error.retry_after, chat_id, error.scope)
                    self._count("replies_rate_limited")
                    continue
                if isinstance(error, Unreachable) and error.person is not None:
                    await self._mark_unreachable(error.person)
                if error is exc:
                    raise
                # Not chained: the neutral error says what matters, and a platform's own
                # exception text may quote a request URL.
                raise error from None
            finally:
                if turn is not None:
                    turn.done()

    def _neutral(self, exc: Exception, chat_id: str) -> DeliveryError | None:
        if isinstance(exc, DeliveryError):
            return exc
        return self.outlet.delivery_error(exc, chat_id)

    async def _mark_unreachable(self, person: UserRef) -> None:
        log.info("%s: %s can't be reached; no more pushes to them", self.platform, person.user_id)
        try:
            await self.coach.mark_unreachable(person)
        except Exception:
            log.exception("could not mark %s user unreachable", self.platform)

    def _count(self, name: str) -> None:
        if self.hooks.metrics is not None:
            self.hooks.metrics.inc(name, platform=self.platform)


class _Nothing:
    def done(self) -> None:
        """Nothing was counted."""


class Ungated:
    """No send queue (an adapter run on its own, in tests): sends go at once, but a 429
    still makes the chat (or every chat, for the token) wait, with jitter."""

    def __init__(self) -> None:
        self._until: dict[str | None, float] = {}  # chat id (None: all) -> loop time

    async def acquire(self, chat_id: str, *, interactive: bool = False) -> Admission:
        now = asyncio.get_running_loop().time()
        wait = max(self._until.get(chat_id, 0.0), self._until.get(None, 0.0)) - now
        if wait > 0:
            await asyncio.sleep(wait)
        else:
            self._until.pop(chat_id, None)
        return _Nothing()

    def pause(self, seconds: float, chat_id: str | None = None, scope: str | None = None) -> None:
        key = None if scope == "token" or chat_id is None else chat_id
        until = asyncio.get_running_loop().time() + seconds * (1 + 0.2 * random.random())
        self._until[key] = max(self._until.get(key, 0.0), until)
