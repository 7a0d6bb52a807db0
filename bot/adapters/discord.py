"""Discord adapter (discord.py 2.7): slash commands, DMs, server channels, reply logging.

A thin translator: every Discord update becomes one InboundEvent for the coach, every
Outbound goes back as messages (embeds for titled ones, persistent buttons). The pieces live
in discord_events (update -> event), discord_render (Outbound -> messages), discord_commands
(slash commands + sync) and discord_send (pushes + error mapping).

Updates go through the coach's inbox (docs/architecture.md, "Inbound updates"): the gateway
never delivers a message again, but each event is stored before it is handled and applied
exactly once, so one a crash caught half way is handled (and answered, as plain messages)
after the restart instead of half applied.

Across processes (docs/deploy.md): slash commands, buttons and forms may also arrive over
Discord's HTTP interactions endpoint (bot.adapters.discord_http, with a public key), so any
process answers them; the gateway (DMs, channel messages) runs in one process, or its shards
are spread over several (BACKLINE_DISCORD_SHARDS), or is off (BACKLINE_DISCORD_GATEWAY=off:
interactions and pushes only, over REST). One process uploads the slash commands.

Host setup: the bot needs the `applications.commands` and `bot` scopes. Reading replies in
server channels needs the privileged Message Content intent (Developer Portal -> Bot ->
Privileged Gateway Intents). Without it Backline still runs: slash commands and DMs work,
replies that ping the bot are readable, and other replies get a pointer to /log.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands

from bot.adapters.base import NO_HOOKS, AdapterFactory, CoachPort, Hooks, PlatformStartupError
from bot.adapters.discord_commands import build_commands, sync_if_changed
from bot.adapters.discord_events import (
    PLATFORM,
    command_text,
    from_button,
    from_command,
    from_message,
    is_forward,
    replied_bot_message,
)
from bot.adapters.discord_http import InteractionsEndpoint, route
from bot.adapters.discord_options import Shards, gateway_on, parse_shards
from bot.adapters.discord_render import (
    BacklineButton,
    BacklineMenu,
    DiscordMessage,
    FormButton,
    submitted_form,
)
from bot.adapters.discord_send import DiscordSender
from bot.adapters.outlet import SendPart
from bot.core.codec import event_from_json, event_to_json
from bot.core.commands import Command
from bot.core.events import Applied, InboundEvent, Outbound, Reply
from bot.core.ports import Arrival, InboxEntry

if TYPE_CHECKING:
    from bot.config import Config
    from bot.ops.http import Route, Webhook

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on my side. Please try again in a moment."
STALE_COMMAND = "That command just changed. Give Discord a minute and try again."
DEFER_AFTER = 2.0  # seconds; Discord wants an answer to an interaction within 3
RATE_LIMIT_WAIT = 30.0  # longer 429s become RetryLater for pushes (discord.py's minimum)
DRAIN_TIMEOUT = 10.0
T = TypeVar("T")
# The job one process does for all (Hooks.turn): uploading the slash commands.
SYNC_ROLE = "discord-commands"


class DiscordStartupError(PlatformStartupError, discord.LoginFailure):
    """Discord can't be used with this configuration (the token was rejected): the runner
    prints it as one line."""


class DiscordTokenRevoked(DiscordStartupError):
    """Discord stopped accepting the token while running (a 401 from the API, or the gateway
    closing with 4004): fatal, a restart won't help."""


AUTHENTICATION_FAILED = 4004  # the gateway's close code for a token it no longer accepts
REVOKED = (
    "Discord no longer accepts the bot token ({how}): it was reset in the Developer Portal "
    "or the bot was deleted; put the new token in BACKLINE_DISCORD_TOKEN and start Backline "
    "again"
)


def intents(message_content: bool) -> discord.Intents:
    wanted = discord.Intents.none()
    wanted.guilds = True  # channel cache, permissions
    wanted.guild_messages = True  # replies to group sessions
    wanted.dm_messages = True
    wanted.message_content = message_content
    return wanted


class DiscordAdapter:
    """Owns the discord.py client; `run(stop)` serves until `stop` is set."""

    platform = PLATFORM
    webhook: Webhook | None = None  # updates come through the gateway

    def __init__(
        self,
        coach: CoachPort,
        token: str,
        *,
        hooks: Hooks = NO_HOOKS,
        message_content: bool = True,
        defer_after: float = DEFER_AFTER,
        gateway: bool = True,
        shards: Shards | None = None,
        public_key: str | None = None,
    ) -> None:
        self.coach = coach
        self._token = token
        self.message_content = message_content
        self.defer_after = defer_after
        self.gateway = gateway  # off: HTTP interactions and pushes only, over REST
        self.shards = shards  # None: one gateway session for the whole bot
        self.turn = hooks.turn
        self.client: BacklineClient | None = None
        # Discord posts interactions here too when the host set the endpoint up.
        self.interactions = (
            InteractionsEndpoint(public_key, lambda: self.client) if public_key else None
        )
        self.sender = DiscordSender(coach, lambda: self.client, hooks)
        self.delivery = self.sender.delivery  # one loop for pushes and answers
        self.ready = asyncio.Event()  # set once the gateway session is up
        self.revoked = asyncio.Event()  # set on the first 401: the token is no longer valid
        self._busy = 0  # updates being handled
        self._idle = asyncio.Event()  # set while _busy is 0
        self._idle.set()
        self._recovering: asyncio.Task[None] | None = None

    def __repr__(self) -> str:  # never show the token
        return f"DiscordAdapter(message_content={self.message_content})"

    @property
    def routes(self) -> tuple[Route, ...]:
        """What the HTTP endpoint takes for Discord: the interactions, when set up."""
        return (route(self.interactions),) if self.interactions is not None else ()

    async def may_sync(self) -> bool:
        """Whether this process uploads the slash commands: the only one, or the one holding
        the job among those sharing a database (taken by the first to start)."""
        if self.turn is None:
            return True
        try:
            return await self.turn(SYNC_ROLE)
        except Exception:
            log.warning("could not tell which process syncs Discord's commands; not syncing")
            return False

    def is_running(self) -> bool:
        return self.ready.is_set() and not self.revoked.is_set()

    def token_rejected(self) -> None:
        """Discord answered 401 to a call made with the token: `run` ends with
        DiscordTokenRevoked (every send would fail the same way)."""
        self.revoked.set()

    # -- lifecycle ----------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while True:
                client = self._new_client()
                self.client = client
                try:
                    await self._run_client(client, stop)
                    return
                except discord.PrivilegedIntentsRequired:
                    if not self.message_content:
                        raise
                    log.warning(
                        "The Message Content intent is not enabled for this bot. Continuing "
                        "without it: slash commands and DMs work, replies in servers only when "
                        "they mention the bot. Enable it in the Developer Portal (Bot -> "
                        "Privileged Gateway Intents) to log by replying in servers."
                    )
                    self.message_content = False
                finally:
                    self.ready.clear()
        finally:
            self.client = None  # the sender reports "not connected" from here on

    def _new_client(self) -> BacklineClient:
        wanted = intents(self.message_content)
        if self.gateway and self.shards is not None:
            return ShardedBacklineClient(self, wanted, self.shards)
        return BacklineClient(self, wanted)

    async def _run_client(self, client: BacklineClient, stop: asyncio.Event) -> None:
        async with client:
            try:
                await client.login(self._token)
            except discord.LoginFailure:
                log.error("Discord rejected the bot token (check BACKLINE_DISCORD_TOKEN)")
                raise DiscordStartupError(
                    "Discord rejected the bot token: check BACKLINE_DISCORD_TOKEN"
                ) from None
            if not self.gateway:
                await self._serve_without_gateway(client, stop)
                return
            connect = asyncio.create_task(client.connect(), name="discord-gateway")
            await self._until_stopped(stop, connect)
            if connect.done():
                self._raise_why_it_ended(connect)
                return
            if not self.revoked.is_set():  # answers in flight would only meet 401s
                await self.drain(DRAIN_TIMEOUT)
            cancel_pending_ready(client)
            await client.close()
            with contextlib.suppress(Exception):
                await connect
            if self.revoked.is_set():
                raise DiscordTokenRevoked(REVOKED.format(how="401 Unauthorized"))

    async def _serve_without_gateway(self, client: BacklineClient, stop: asyncio.Event) -> None:
        """Logged in over REST only: interactions come over HTTP, pushes go out over REST."""
        self.ready.set()
        self.recover_soon()
        log.info("Discord ready as %s (gateway off: HTTP interactions and pushes)", client.user)
        await self._until_stopped(stop)
        if not self.revoked.is_set():
            await self.drain(DRAIN_TIMEOUT)
        await client.close()
        if self.revoked.is_set():
            raise DiscordTokenRevoked(REVOKED.format(how="401 Unauthorized"))

    async def _until_stopped(self, stop: asyncio.Event, *running: asyncio.Task[None]) -> None:
        """Until `stop` is set, the token is revoked, or one of `running` ends."""
        stopping = asyncio.create_task(stop.wait(), name="discord-stop")
        revoked = asyncio.create_task(self.revoked.wait(), name="discord-revoked")
        try:
            await asyncio.wait({stopping, revoked, *running}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            revoked.cancel()

    def _raise_why_it_ended(self, connect: asyncio.Task[None]) -> None:
        """The gateway connection ended by itself: a revoked token is one clear line."""
        try:
            connect.result()
        except discord.ConnectionClosed as exc:
            if exc.code != AUTHENTICATION_FAILED:
                raise
            self.revoked.set()
            how = f"the gateway closed with {AUTHENTICATION_FAILED} Authentication failed"
            raise DiscordTokenRevoked(REVOKED.format(how=how)) from None
        if self.revoked.is_set():
            raise DiscordTokenRevoked(REVOKED.format(how="401 Unauthorized"))

    async def drain(self, timeout: float = DRAIN_TIMEOUT) -> None:
        """Wait until no update is being handled (graceful shutdown; tests)."""
        deadline = asyncio.get_running_loop().time() + timeout
        with contextlib.suppress(TimeoutError):
            while self._busy:
                left = deadline - asyncio.get_running_loop().time()
                await asyncio.wait_for(self._idle.wait(), max(left, 0.0))

    def _handling(self, what: str) -> _Handling:
        """Counts in-flight work and makes sure nothing a user sends escapes as an error."""
        return _Handling(self, what)

    # -- messages -----------------------------------------------------------------------------

    async def on_message(self, client: discord.Client, message: discord.Message) -> None:
        if message.author.bot or message.webhook_id is not None or is_forward(message):
            return
        async with self._handling("message"):
            event = await self._message_event(client, message)
            if event is not None:
                await self._answer_message(message, event)

    async def on_edit(self, client: discord.Client, message: discord.Message) -> None:
        if message.author.bot or message.edited_at is None or is_forward(message):
            return  # no edited_at: Discord only added an embed preview
        async with self._handling("edit"):
            event = await self._message_event(client, message, edited=True)
            if event is not None:
                await self._answer_message(message, event)

    async def _message_event(
        self, client: discord.Client, message: discord.Message, *, edited: bool = False
    ) -> InboundEvent | None:
        """DMs: everything. Servers: only replies to the bot's own messages."""
        assert client.user is not None
        reply_to, to_bot = await replied_bot_message(message, client.user.id)
        if message.guild is not None and not to_bot:
            return None
        if message.guild is None and reply_to is not None and not to_bot:
            resolved = message.reference.resolved if message.reference else None
            if isinstance(resolved, discord.Message):
                reply_to = None  # a reply to their own message: plain text
        return from_message(message, reply_to, edited=edited)

    async def _answer_message(self, message: discord.Message, event: InboundEvent) -> None:
        async def here(_out: Outbound, part: DiscordMessage, index: int) -> str:
            # Messages outside an interaction cannot be ephemeral: in a server, answers go to
            # the channel as replies to the person's message (they posted their log there).
            kwargs = part.kwargs()
            if message.guild is not None and index == 0:
                kwargs.update(reference=message, mention_author=False)
            sent = await message.channel.send(**kwargs)
            return str(sent.id)

        entry = await self._take(event, "message")
        if entry is not None:  # else handled before
            applied = await self.coach.handle_once(entry, event)
            await self.delivery.answer_once(entry, event, applied, here)

    # -- the inbox ----------------------------------------------------------------------------

    async def _take(self, event: InboundEvent, kind: str) -> InboxEntry | None:
        """Store the event before it is handled; None when it was taken before."""
        payload = json.dumps({"kind": kind, "event": event_to_json(event)})
        arrival = Arrival(PLATFORM, event.event_id or "", event.chat_id, payload)
        taken = await self.coach.receive([arrival])
        return taken[0] if taken else None

    def recover_soon(self) -> None:
        """Once connected: handle what a crash left in the inbox (once per run)."""
        if self._recovering is None:
            self._recovering = asyncio.create_task(self._recover(), name="discord-recover")

    async def _recover(self) -> None:
        async with self._handling("recovery"):
            entries = await self.coach.unfinished(PLATFORM)
            for entry in entries:
                await self._recover_one(entry)
            if entries:
                log.info("Discord: %d update(s) left by the last run handled now", len(entries))

    async def _recover_one(self, entry: InboxEntry) -> None:
        """The interaction (or message) is gone: answers go out as plain messages. What was
        to be shown only to its author in a server goes to their DM if it wasn't applied
        yet (the core's privacy rule), else is not shown at all."""
        stored = json.loads(entry.payload)
        event = event_from_json(stored["event"])
        interaction = stored["kind"] == "interaction" and event.is_group
        if interaction:
            event = replace(event, private_reply=False)
        applied = await self.coach.handle_once(entry, event)
        if interaction:
            applied = _public_part(applied)
        await self.delivery.answer_once(entry, event, applied)

    # -- interactions -------------------------------------------------------------------------

    async def on_command(
        self, interaction: discord.Interaction, cmd: Command, values: list[str | None]
    ) -> None:
        async with self._handling(f"/{cmd.name}"):
            event = from_command(interaction, cmd.name, command_text(cmd, values))
            await self._answer_interaction(interaction, event, component=False)

    async def on_button(self, interaction: discord.Interaction, data: str) -> None:
        async with self._handling("button"):
            await self._answer_interaction(interaction, from_button(interaction, data), True)

    async def on_form(self, interaction: discord.Interaction, data: str, text: str) -> None:
        """A submitted form (a button's `asks`): the press and what was typed, together."""
        async with self._handling("form"):
            event = from_button(interaction, data, text=text)
            await self._answer_interaction(interaction, event, component=False)

    async def _answer_interaction(
        self, interaction: discord.Interaction, event: InboundEvent, component: bool
    ) -> None:
        try:
            await self._respond(interaction, event, component)
        except Exception:
            log.exception("answering a Discord interaction failed")
            await _apologise(interaction)

    async def _respond(
        self, interaction: discord.Interaction, event: InboundEvent, component: bool
    ) -> None:
        responder = _Responder(self, interaction, event)

        async def handled() -> tuple[InboxEntry, Applied] | None:
            entry = await self._take(event, "interaction")
            if entry is None:  # handled before (Discord doesn't repeat interactions)
                return None
            return entry, await self.coach.handle_once(entry, event)

        # Storing it counts against the three seconds too (the database may be busy).
        result = await responder.in_time(handled(), component)
        if result is None:
            await responder.finish(None, component)
            return
        entry, applied = result
        send: SendPart[DiscordMessage] = responder.send
        # Interaction answers are exempt from Discord's global limit; channel messages not.
        if await self.delivery.answer_once(entry, event, applied, send, here_is_limited=False):
            await responder.finish(applied.reply.button_ack, component)
        else:
            await _apologise(interaction)

    async def on_tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        stale = isinstance(
            error, (app_commands.CommandNotFound, app_commands.CommandSignatureMismatch)
        )
        if not stale:
            log.error("Discord command failed: %s", type(error).__name__, exc_info=error)
        await _apologise(interaction, STALE_COMMAND if stale else SORRY)


class _Handling:
    """`async with adapter._handling(what)`: runs for every update, so a plain class rather
    than a generator-based context manager and an Event rather than a Condition."""

    __slots__ = ("adapter", "what")

    def __init__(self, adapter: DiscordAdapter, what: str) -> None:
        self.adapter = adapter
        self.what = what

    async def __aenter__(self) -> None:
        self.adapter._busy += 1
        self.adapter._idle.clear()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        self.adapter._busy -= 1
        if not self.adapter._busy:
            self.adapter._idle.set()
        if exc is not None and isinstance(exc, Exception):
            log.error("Discord %s failed", self.what, exc_info=exc)
            return True  # logged here rather than raised into discord.py
        return False


def _public_part(applied: Applied) -> Applied:
    """An answer without what only its author may see (it can't be ephemeral any more)."""
    keep = [not (m.private and m.chat_id is None) for m in applied.reply.messages]
    messages = [m for m, kept in zip(applied.reply.messages, keep, strict=True) if kept]
    sent = sum(keep[: applied.sent])
    return Applied(Reply(messages, applied.reply.button_ack), sent, applied.fresh)


async def _apologise(interaction: discord.Interaction, text: str = SORRY) -> None:
    """A short private answer, so the person never sees "the application did not respond"."""
    with contextlib.suppress(discord.HTTPException):
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)


class _Responder:
    """Answers one interaction: the first message as the response, the rest as follow-ups."""

    def __init__(
        self, adapter: DiscordAdapter, interaction: discord.Interaction, event: InboundEvent
    ):
        self.adapter = adapter
        self.interaction = interaction
        self.event = event
        self.thinking = False  # a deferred "thinking…" message waits to be replaced
        self.sent = 0
        self._deferring: asyncio.Task[None] | None = None

    async def in_time(self, handling: Awaitable[T], component: bool) -> T:
        """The core's reply. When it takes longer than `defer_after`, the interaction is
        acknowledged meanwhile, so Discord doesn't give up on it after three seconds.

        A timer rather than a second task per interaction: the core's work runs in this one,
        and nearly every answer is in time, so the timer is only ever cancelled."""
        timer: asyncio.TimerHandle | None = None
        if self.adapter.defer_after <= 0:
            self._start_defer(component)  # "too slow" from the start
        else:
            timer = asyncio.get_running_loop().call_later(
                self.adapter.defer_after, self._start_defer, component
            )
        try:
            reply = await handling
        except BaseException:
            if self._deferring is not None:
                self._deferring.cancel()
            raise
        finally:
            if timer is not None:
                timer.cancel()
        if self._deferring is not None:
            await self._deferring  # the answer must follow the acknowledgement
        return reply

    def _start_defer(self, component: bool) -> None:
        self._deferring = asyncio.ensure_future(self.defer(component))

    async def defer(self, component: bool) -> None:
        if component:
            await self.interaction.response.defer()
        else:
            await self.interaction.response.defer(ephemeral=self.event.is_group, thinking=True)
            self.thinking = True

    async def send(self, out: Outbound, part: DiscordMessage, _index: int) -> str | None:
        """The first message as the response, the rest as follow-ups (the delivery loop
        records what was sent)."""
        kwargs = part.kwargs()
        ephemeral = (out.private or out.only_asker) and self.event.is_group
        response = self.interaction.response
        if not response.is_done():
            callback = await response.send_message(**kwargs, ephemeral=ephemeral)
            message_id = callback.message_id
        else:
            # After a "thinking" defer the first follow-up replaces the loading message.
            followup = await self.interaction.followup.send(
                **kwargs, ephemeral=ephemeral, wait=True
            )
            message_id = followup.id
        self.thinking = False
        self.sent += 1
        return str(message_id) if message_id is not None else None

    async def finish(self, ack: str | None, component: bool) -> None:
        """Every interaction needs an answer, even when the core had nothing to say."""
        if self.sent:
            return
        text = discord.utils.escape_markdown(ack or ("" if component else "Done."))
        if self.thinking:
            await self.interaction.followup.send(text or "Done.", ephemeral=True)
        elif text:
            await self.interaction.response.send_message(text, ephemeral=True)
        elif not self.interaction.response.is_done():
            await self.interaction.response.defer()  # acknowledges a press silently


class BacklineClient(discord.Client):
    def __init__(self, adapter: DiscordAdapter, wanted: discord.Intents, **options: Any) -> None:
        super().__init__(
            intents=wanted,
            allowed_mentions=discord.AllowedMentions.none(),
            max_ratelimit_timeout=RATE_LIMIT_WAIT,
            # No message cache: Backline reads replies and edits from the gateway payloads
            # (referenced_message, raw edits), never from the cache, and 1000 cached messages
            # are memory and garbage-collector work for nothing.
            max_messages=None,
            **options,
        )
        self.adapter = adapter
        watched = _watched(self.http.request, adapter.token_rejected)
        self.http.request = watched  # type: ignore[method-assign,assignment]
        self.tree: app_commands.CommandTree[BacklineClient] = app_commands.CommandTree(self)
        self.tree.on_error = adapter.on_tree_error  # type: ignore[method-assign]

    async def setup_hook(self) -> None:
        # Buttons on messages sent before a restart keep working: their custom ids match.
        self.add_dynamic_items(BacklineButton, FormButton, BacklineMenu)
        for command in build_commands(self.adapter.on_command, self.adapter.coach.complete):
            self.tree.add_command(command)
        if await self.adapter.may_sync():
            await sync_if_changed(self.tree)

    async def on_ready(self) -> None:
        self.adapter.ready.set()
        self.adapter.recover_soon()
        log.info("Discord ready as %s in %d servers", self.user, len(self.guilds))

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter.on_message(self, message)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        await self.adapter.on_edit(self, payload.message)

    async def on_button(self, interaction: discord.Interaction, data: str) -> None:
        await self.adapter.on_button(interaction, data)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        # A form is answered from the submit itself, not from memory of having opened it:
        # the submit may reach another process, or this one after a restart.
        form = submitted_form(interaction)
        if form is not None:
            await self.adapter.on_form(interaction, *form)

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        # Arguments are left out: they carry user content, and nothing here may echo secrets.
        log.exception("Discord event %s failed", event_method)


class ShardedBacklineClient(BacklineClient, discord.AutoShardedClient):
    """This process's share of the gateway shards (BACKLINE_DISCORD_SHARDS). Discord sends
    every DM to shard 0, so only the process running shard 0 sees DM replies."""

    def __init__(self, adapter: DiscordAdapter, wanted: discord.Intents, shards: Shards) -> None:
        super().__init__(adapter, wanted, shard_ids=list(shards.ids), shard_count=shards.count)


def _watched(
    request: Callable[..., Awaitable[Any]], on_unauthorized: Callable[[], None]
) -> Callable[..., Awaitable[Any]]:
    """discord.py's REST calls, telling the adapter when Discord answers 401: the token was
    revoked, and nothing sent with it will work again."""

    async def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return await request(*args, **kwargs)
        except discord.HTTPException as exc:
            if exc.status == 401:
                on_unauthorized()
            raise

    return call


def cancel_pending_ready(client: discord.Client) -> None:
    """discord.py announces READY two seconds after the last GUILD_CREATE; closing before
    then leaves that task to fail on the closed client. Cancelling it is what discord.py
    itself does on a new READY."""
    ready_task = getattr(client._connection, "_ready_task", None)
    if ready_task is not None:
        ready_task.cancel()


def create(coach: CoachPort, config: Config, hooks: Hooks) -> DiscordAdapter:
    """The adapter `bot.app` runs (`bot.platforms`: Discord's `adapter` module)."""
    token = config.value("discord_token")  # bot.platforms' Discord token setting
    assert token is not None  # only created for a configured platform
    shards_text = config.value("discord_shards")
    shards = parse_shards(shards_text) if shards_text else None  # checked by bot.config
    gateway = gateway_on(config.value("discord_gateway"))
    public_key = config.value("discord_public_key")
    if not gateway and public_key is None:
        log.warning(
            "Discord: gateway off and no BACKLINE_DISCORD_PUBLIC_KEY: this process only sends "
            "pushes (commands and replies reach the other processes)"
        )
    if gateway and shards is not None and not shards.has_dms:
        log.info("Discord: shard 0 runs elsewhere; DMs arrive there, not here")
    return DiscordAdapter(
        coach, token, hooks=hooks, gateway=gateway, shards=shards, public_key=public_key
    )


async def serve(
    coach: CoachPort,
    token: str,
    stop: asyncio.Event,
    *,
    message_content: bool = True,
    on_adapter: Callable[[DiscordAdapter], None] | None = None,
    hooks: Hooks = NO_HOOKS,
) -> None:
    """Log in, serve until `stop` is set, close cleanly.

    `on_adapter` receives the adapter before it connects, e.g. to hand `adapter.sender` to the
    scheduler.
    """
    adapter = DiscordAdapter(coach, token, hooks=hooks, message_content=message_content)
    if on_adapter is not None:
        on_adapter(adapter)
    await adapter.run(stop)


__all__ = [
    "BacklineClient",
    "DiscordAdapter",
    "DiscordSender",
    "DiscordStartupError",
    "DiscordTokenRevoked",
    "ShardedBacklineClient",
    "cancel_pending_ready",
    "intents",
    "serve",
]


_fits: AdapterFactory = create  # mypy checks here that this adapter fits bot.adapters.base
