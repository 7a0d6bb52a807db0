"""The neutral sending contract between the scheduler and the platform adapters.

Adapters implement `Sender`; the scheduler pushes through it and reacts to these errors without
knowing which platform raised them.
"""

from __future__ import annotations

from typing import Protocol

from bot.core.events import Outbound, UserRef


class DeliveryError(Exception):
    """A message could not be delivered."""


class RetryLater(DeliveryError):
    """The platform asked us to slow down (HTTP 429); try again after `retry_after` seconds.

    `scope` is what the answer says was limited: "token" (every send of this bot), "chat" or
    "route" (sends to that chat), None when it doesn't say."""

    def __init__(
        self, retry_after: float, message: str = "rate limited", scope: str | None = None
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.scope = scope


class TransientFailure(DeliveryError):
    """A network error, timeout or 5xx: worth retrying with backoff."""


class Unreachable(DeliveryError):
    """The person blocked the bot or closed their DMs: stop pushing to them.

    `person` is whose private chat refused us, when the platform can tell (a group or channel
    refusing us is no one's account); the adapters' delivery loop marks them unreachable."""

    def __init__(self, message: str, person: UserRef | None = None) -> None:
        super().__init__(message)
        self.person = person


class Admission(Protocol):
    """A send's turn in a `SendGate`; `done()` once the platform answered."""

    def done(self) -> None: ...


class SendGate(Protocol):
    """The send queue of one platform token (scheduler.ratelimit.PlatformLimiter): every
    message waits here for its turn, replies (`interactive`) before pushes."""

    async def acquire(self, chat_id: str, *, interactive: bool = False) -> Admission: ...

    def pause(
        self, seconds: float, chat_id: str | None = None, scope: str | None = None
    ) -> None: ...


class Sender(Protocol):
    platform: str

    async def send(self, chat_id: str, out: Outbound) -> str:
        """Deliver one message and return the platform id of the (first) message sent."""
        ...
