"""Sending to Discord channels and DMs (pushes, answers elsewhere) and the error mapping.

A chat id is a person's user id (we open their DM channel) or a server channel id.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp
import discord

from bot.adapters.base import NO_HOOKS, CoachPort, Hooks
from bot.adapters.discord_events import PLATFORM
from bot.adapters.discord_render import DiscordMessage, render
from bot.adapters.outlet import Delivery, SendPart
from bot.core.events import Outbound, UserRef
from bot.delivery import DeliveryError, RetryLater, TransientFailure, Unreachable

CANNOT_DM = 50007  # "Cannot send messages to this user": DMs closed or the bot is blocked
UNKNOWN_USER = 10013
DEFAULT_RETRY_AFTER = 5.0


def delivery_error(exc: BaseException, chat_id: str) -> DeliveryError | None:
    """The neutral error for a failed Discord call to `chat_id`; None when it is not
    Discord's (nor the network's)."""
    if isinstance(exc, discord.RateLimited):
        return RetryLater(exc.retry_after)
    if isinstance(exc, (discord.Forbidden, discord.NotFound)):
        # Only a DM answers "cannot send messages to this user"; its chat id is the person's.
        closed_dm = isinstance(exc, discord.Forbidden) and exc.code == CANNOT_DM
        person = UserRef(PLATFORM, chat_id) if closed_dm else None
        return Unreachable(f"discord {exc.status} ({exc.code})", person)
    if isinstance(exc, discord.HTTPException):
        if exc.status == 429:  # not honoured inside discord.py (e.g. without a Via header)
            headers = exc.response.headers if exc.response else {}
            # Discord says what was limited: the whole bot ("global") or this route.
            scope = "token" if headers.get("X-RateLimit-Scope") == "global" else "route"
            header = headers.get("Retry-After")
            try:
                return RetryLater(float(header) if header else DEFAULT_RETRY_AFTER, scope=scope)
            except ValueError:
                return RetryLater(DEFAULT_RETRY_AFTER, scope=scope)
        if exc.status >= 500:
            return TransientFailure(f"discord {exc.status}")
        if exc.status == 401:  # the token was revoked: kept for the start with a new one
            return TransientFailure("discord 401: the bot token is no longer accepted")
        return DeliveryError(f"discord {exc.status} ({exc.code})")
    if isinstance(exc, (aiohttp.ClientError, asyncio.TimeoutError, OSError)):
        return TransientFailure(type(exc).__name__)
    if isinstance(exc, discord.DiscordException):
        return DeliveryError(type(exc).__name__)
    return None


class DiscordSender:
    """Delivers through a logged-in client's HTTP session: the `bot.delivery.Sender` for
    pushes, and the Discord `Outlet` of the shared delivery loop (bot.adapters.outlet).

    Short rate limits are waited out inside discord.py (the client's max_ratelimit_timeout);
    longer ones come back as RetryLater so the scheduler can reschedule.
    """

    platform = PLATFORM

    def __init__(
        self,
        coach: CoachPort,
        client: Callable[[], discord.Client | None],
        hooks: Hooks = NO_HOOKS,
    ) -> None:
        self._client = client
        self.delivery = Delivery(self, coach, hooks)

    async def send(self, chat_id: str, out: Outbound) -> str:
        return await self.delivery.push(chat_id, out)

    def render(self, out: Outbound) -> list[DiscordMessage]:
        return render(out)

    def delivery_error(self, exc: Exception, chat_id: str) -> DeliveryError | None:
        return delivery_error(exc, chat_id)

    def sending_to(self, chat_id: str, *, interactive: bool = False) -> SendPart[DiscordMessage]:
        """Channel messages to a person's DM (their user id) or a server channel; the
        target is looked up once per Outbound."""
        client = self._client()
        if client is None or client.user is None or client.is_closed():
            raise TransientFailure("Discord is not connected")
        if not chat_id.isdigit():
            raise DeliveryError("not a Discord chat id (someone only seen in a server?)")
        target: list[discord.abc.Messageable] = []

        async def send(_out: Outbound, part: DiscordMessage, _index: int) -> str:
            if not target:
                target.append(await self._target(client, int(chat_id)))
            sent = await target[0].send(**part.kwargs())
            return str(sent.id)

        return send

    async def _target(self, client: discord.Client, snowflake: int) -> discord.abc.Messageable:
        channel = client.get_channel(snowflake)
        if isinstance(channel, discord.abc.Messageable):
            return channel
        try:
            return await client.create_dm(discord.Object(id=snowflake))
        except discord.HTTPException as exc:
            if exc.status not in (400, 404) and exc.code != UNKNOWN_USER:
                raise
        # Not a person: a channel this process has not seen yet (e.g. a thread).
        return client.get_partial_messageable(snowflake)
