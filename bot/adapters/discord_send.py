"""Pushes to Discord (the `bot.delivery.Sender` for the scheduler) and the error mapping.

A chat id is a person's user id (we open their DM channel) or a server channel id.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import aiohttp
import discord

from bot.adapters.discord_events import PLATFORM
from bot.adapters.discord_render import render
from bot.core.coach import Coach
from bot.core.events import Outbound, UserRef
from bot.delivery import DeliveryError, RetryLater, TransientFailure, Unreachable

log = logging.getLogger(__name__)

CANNOT_DM = 50007  # "Cannot send messages to this user": DMs closed or the bot is blocked
UNKNOWN_USER = 10013
DEFAULT_RETRY_AFTER = 5.0


def delivery_error(exc: BaseException) -> DeliveryError:
    """The neutral error for a failed Discord call."""
    if isinstance(exc, discord.RateLimited):
        return RetryLater(exc.retry_after)
    if isinstance(exc, (discord.Forbidden, discord.NotFound)):
        return Unreachable(f"discord {exc.status} ({exc.code})")
    if isinstance(exc, discord.HTTPException):
        if exc.status == 429:  # not honoured inside discord.py (e.g. without a Via header)
            header = exc.response.headers.get("Retry-After") if exc.response else None
            try:
                return RetryLater(float(header) if header else DEFAULT_RETRY_AFTER)
            except ValueError:
                return RetryLater(DEFAULT_RETRY_AFTER)
        if exc.status >= 500:
            return TransientFailure(f"discord {exc.status}")
        return DeliveryError(f"discord {exc.status} ({exc.code})")
    if isinstance(exc, (aiohttp.ClientError, asyncio.TimeoutError, OSError)):
        return TransientFailure(type(exc).__name__)
    return DeliveryError(type(exc).__name__)


class DiscordSender:
    """Delivers pushes through a logged-in client's HTTP session.

    Short rate limits are waited out inside discord.py (the client's max_ratelimit_timeout);
    longer ones come back as RetryLater so the scheduler can reschedule.
    """

    platform = PLATFORM

    def __init__(self, coach: Coach, client: Callable[[], discord.Client | None]) -> None:
        self.coach = coach
        self._client = client

    async def send(self, chat_id: str, out: Outbound) -> str:
        client = self._client()
        if client is None or client.user is None or client.is_closed():
            raise TransientFailure("Discord is not connected")
        if not chat_id.isdigit():
            raise DeliveryError("not a Discord chat id (someone only seen in a server?)")
        parts = render(out)
        if not parts:
            raise DeliveryError("an empty message")
        person = False
        try:
            channel, person = await self._target(client, int(chat_id))
            ids = []
            for message in parts:
                sent = await channel.send(**message.kwargs())
                ids.append(str(sent.id))
        except DeliveryError:
            raise
        except Exception as exc:
            error = delivery_error(exc)
            if person and isinstance(exc, discord.Forbidden) and exc.code == CANNOT_DM:
                await self.coach.mark_unreachable(UserRef(PLATFORM, chat_id))
            if not isinstance(error, (RetryLater, TransientFailure, Unreachable)):
                log.warning("Discord refused a push: %s", error)
            raise error from exc
        for message_id in ids:  # a reply to any part of a split message links back
            await self.coach.record_sent(PLATFORM, chat_id, message_id, out)
        return ids[0]

    async def _target(
        self, client: discord.Client, snowflake: int
    ) -> tuple[discord.abc.Messageable, bool]:
        """(where to send, whether it is a person's DM)."""
        channel = client.get_channel(snowflake)
        if isinstance(channel, discord.abc.Messageable):
            return channel, isinstance(channel, discord.DMChannel)
        try:
            return await client.create_dm(discord.Object(id=snowflake)), True
        except discord.HTTPException as exc:
            if exc.status not in (400, 404) and exc.code != UNKNOWN_USER:
                raise
        # Not a person: a channel this process has not seen yet (e.g. a thread).
        return client.get_partial_messageable(snowflake), False
