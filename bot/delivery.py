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
    """The platform asked us to slow down (HTTP 429); try again after `retry_after` seconds."""

    def __init__(self, retry_after: float, message: str = "rate limited") -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TransientFailure(DeliveryError):
    """A network error, timeout or 5xx: worth retrying with backoff."""


class Unreachable(DeliveryError):
    """The person blocked the bot or closed their DMs: stop pushing to them.

    `person` is whose private chat refused us, when the platform can tell (a group or channel
    refusing us is no one's account); the adapters' delivery loop marks them unreachable."""

    def __init__(self, message: str, person: UserRef | None = None) -> None:
        super().__init__(message)
        self.person = person


class Sender(Protocol):
    platform: str

    async def send(self, chat_id: str, out: Outbound) -> str:
        """Deliver one message and return the platform id of the (first) message sent."""
        ...
