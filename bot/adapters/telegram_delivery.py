"""What a failed Bot API call means and when to try again.

Calls other than sends retry here (429 honours retry_after, network errors and 5xx back off);
sends leave 429s to the send queue (bot.adapters.outlet waits there again, holding nothing).
Pushes through the `Sender` protocol get the neutral errors of `bot.delivery` instead and the
scheduler decides. The shared delivery loop reads `as_delivery_error`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from bot.adapters.telegram_inbound import PLATFORM
from bot.core.events import UserRef
from bot.delivery import DeliveryError, RetryLater, TransientFailure, Unreachable

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 5  # calls in all, the first included
    base_delay: float = 0.5  # backoff after the first network failure, doubling each time
    max_delay: float = 20.0
    # A flood wait longer than this gives up on the reply instead of stalling the chat.
    max_retry_after: float = 60.0

    def backoff(self, failures: int) -> float:
        delay = min(self.max_delay, self.base_delay * 2 ** (failures - 1))
        return delay * random.uniform(0.5, 1.0)  # jitter: retries from many chats spread out


def retry_after_seconds(exc: RetryAfter) -> float:
    # PTB 22 returns int or timedelta depending on PTB_TIMEDELTA and warns either way.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def is_transient(exc: BaseException) -> bool:
    """Network trouble, timeouts and 5xx (PTB raises NetworkError for all of them)."""
    return isinstance(exc, NetworkError) and not isinstance(exc, BadRequest)


async def with_retries(
    call: Callable[[], Awaitable[T]], policy: RetryPolicy, what: str, *, flood_waits: bool = True
) -> T:
    """Run `call`, retrying transient failures and (`flood_waits`) flood waits; other errors
    pass through."""
    failures = 0
    while True:
        try:
            return await call()
        except RetryAfter as exc:
            failures += 1
            wait = retry_after_seconds(exc)
            if not flood_waits or failures >= policy.attempts or wait > policy.max_retry_after:
                raise
            log.info("Telegram asked to wait %.0fs before %s", wait, what)
            await asyncio.sleep(wait)
        except TelegramError as exc:
            failures += 1
            if not is_transient(exc) or failures >= policy.attempts:
                raise
            delay = policy.backoff(failures)
            log.info("%s failed (%s); retry %d in %.1fs", what, exc, failures, delay)
            await asyncio.sleep(delay)


def as_delivery_error(exc: Exception, chat_id: str) -> DeliveryError | None:
    """The neutral meaning of a failed send to `chat_id`; None when it is not Telegram's."""
    if not isinstance(exc, TelegramError):
        return None
    if isinstance(exc, RetryAfter):
        return RetryLater(retry_after_seconds(exc), str(exc))
    if isinstance(exc, Forbidden):
        # A private chat's id is the person's id; a group blocking us is no one's account.
        person = UserRef(PLATFORM, chat_id) if chat_id.isdigit() else None
        return Unreachable(str(exc), person)
    if is_transient(exc):
        return TransientFailure(str(exc))
    if isinstance(exc, ChatMigrated):
        return DeliveryError(f"the group moved to chat {exc.new_chat_id}")
    return DeliveryError(str(exc))
