"""Backline on Telegram: a python-telegram-bot 22 Application around the Coach.

A thin translator: each Update becomes one InboundEvent (telegram_inbound), the Reply's
messages become HTML messages with inline keyboards (telegram_render), and failed calls are
retried or reported (telegram_delivery). No coaching decisions are made here.

Updates go through the coach's inbox (docs/architecture.md, "Inbound updates"): our own
polling loop stores each batch before its next getUpdates confirms it to Telegram (PTB's
Updater confirms a batch before its handlers have run), webhook posts are answered only once
stored, and each update is applied exactly once from there, also across a crash.

`serve()` is what `backline` runs; `TelegramAdapter` is also the `bot.delivery.Sender` the
scheduler pushes through.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeDefault,
    ChatMemberUpdated,
    InputFile,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import ChatMigrated, Conflict, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, BaseUpdateProcessor, TypeHandler
from telegram.request import HTTPXRequest

from bot.adapters.base import NO_HOOKS, AdapterFactory, CoachPort, Hooks, PlatformStartupError
from bot.adapters.outlet import Delivery, SendPart
from bot.adapters.telegram_conflict import PollConflicts
from bot.adapters.telegram_delivery import RetryPolicy, as_delivery_error, with_retries
from bot.adapters.telegram_inbound import PLATFORM, Translated, translate, with_admin
from bot.adapters.telegram_logging import protect_token
from bot.adapters.telegram_photos import Photos
from bot.adapters.telegram_render import Part, render
from bot.core import render as wording
from bot.core.coach import SORRY
from bot.core.commands import COMMANDS
from bot.core.events import InboundEvent, Outbound, Reply, UserRef
from bot.core.ports import NEW, Arrival, InboxEntry, StoreUnavailable
from bot.delivery import DeliveryError, Sender, TransientFailure

if TYPE_CHECKING:
    from bot.config import Config
    from bot.ops.http import Webhook

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member")
MAX_ACK = 200  # answerCallbackQuery text limit
# Connections to the Bot API. httpcore checks every open connection on every request, so
# PTB's default of 256 makes each call slower as traffic peaks; Telegram's flood limit (about
# 30 messages/s) needs 8 even at a 250 ms round trip, and callers beyond that wait their turn.
CONNECTIONS = 16
# A graceful stop takes at most 10 s: pushes in flight (app.PUSH_STOP_SECONDS), then the
# app's handlers and the answers still going out (they share APP_STOP_SECONDS).
APP_STOP_SECONDS = 3.0
RETRY_STORED_SECONDS = 5.0  # an update stored but not applicable yet (the disk is full)
_ADMIN_STATUSES = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR})
# my_chat_member in a private chat: the person blocked the bot, or started it again.
_BLOCKED = frozenset({ChatMemberStatus.BANNED, ChatMemberStatus.LEFT})
_REACHABLE = frozenset({ChatMemberStatus.MEMBER})


class TelegramStartupError(PlatformStartupError):
    """Telegram can't be used with this configuration (e.g. the token was rejected)."""


class TelegramTokenRevoked(TelegramStartupError):
    """Telegram stopped accepting the token while running (401): fatal, a restart won't help."""


REVOKED = (
    "Telegram no longer accepts the bot token (401 Unauthorized): it was revoked or replaced "
    "in @BotFather; put the new token in BACKLINE_TELEGRAM_TOKEN and start Backline again"
)


def _one_line_errors(record: logging.LogRecord) -> bool:
    """PTB logs tracebacks for errors that need none: a revoked token in the polling loop
    (dropped: the runner says it in one line, see TelegramTokenRevoked) and a platform that
    doesn't answer the last getUpdates at shutdown (kept as one line)."""
    error = record.exc_info[1] if record.exc_info else None
    if isinstance(error, InvalidToken):
        return False
    if isinstance(error, TelegramError):
        record.msg, record.args = f"{record.getMessage()} ({error})", ()
        record.exc_info, record.exc_text = None, None
    return True


for _logger in ("telegram.ext", "telegram.ext.Updater"):
    logging.getLogger(_logger).addFilter(_one_line_errors)


class _WatchedRequest(HTTPXRequest):
    """PTB's HTTP client, telling us when the Bot API answers 401: PTB's polling loop gives up
    on InvalidToken silently, and every send fails after it, so the adapter must stop."""

    def __init__(self, on_unauthorized: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._on_unauthorized = on_unauthorized

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        status, payload = await super().do_request(*args, **kwargs)
        if status == 401:
            self._on_unauthorized()
        return status, payload


POLLING_ROLE = "telegram-polling"
TURN_EVERY = 3.0  # seconds between asking for the polling role


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Updates from different chats run concurrently; those from one chat run in order, so a
    conversation (onboarding, step-by-step logging) never sees its answers swapped.

    A chat's later updates queue behind the one being handled instead of waiting for it inside
    a concurrency slot: parked waiters would hold slots that other chats could use (measured:
    about a sixth of the throughput of a busy bot). The update being handled works through its
    chat's queue in its own slot, so at most `max_concurrent_updates` chats run at once.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._lines: dict[int, deque[Awaitable[Any]]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        line = self._lines.get(key)
        if line is not None:
            line.append(coroutine)  # its chat is busy: the running update takes it next
            return
        line = self._lines[key] = deque([coroutine])
        try:
            while line:
                try:
                    await line.popleft()
                except Exception:
                    # PTB's own coroutine reports errors itself; this keeps the line moving.
                    log.exception("a Telegram update failed")
        finally:
            del self._lines[key]
            for left in line:  # cancelled mid-line (shutdown): don't leave them unawaited
                if inspect.iscoroutine(left):
                    left.close()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


class AnswerLines:
    """Answers go out in the background, in order per chat, so the update's concurrency
    slot is free as soon as the coach has answered: a reply waiting for its turn in the send
    queue (or paused there by a 429) holds nothing other chats could use."""

    def __init__(self) -> None:
        self._tails: dict[str, asyncio.Task[None]] = {}

    def add(self, chat_id: str, answer: Awaitable[object]) -> None:
        before = self._tails.get(chat_id)
        task = asyncio.create_task(self._after(before, answer), name=f"answer-{chat_id}")
        self._tails[chat_id] = task
        task.add_done_callback(lambda done: self._forget(chat_id, done))

    async def drain(self) -> None:
        """Wait for the answers still going out (at shutdown)."""
        if self._tails:
            await asyncio.wait(list(self._tails.values()))

    @staticmethod
    async def _after(before: asyncio.Task[None] | None, answer: Awaitable[object]) -> None:
        if before is not None:
            await asyncio.wait([before])
        try:
            await answer
        except Exception:
            log.exception("answering on Telegram failed")

    def _forget(self, chat_id: str, done: asyncio.Task[None]) -> None:
        if self._tails.get(chat_id) is done:
            del self._tails[chat_id]


def _chat_key(update: object) -> int:
    if isinstance(update, Update) and update.effective_chat is not None:
        return update.effective_chat.id
    return id(update)  # no chat: no ordering needed


class TelegramAdapter:
    """One bot account: receives updates, answers them, and sends pushes."""

    platform = PLATFORM

    def __init__(
        self,
        coach: CoachPort,
        token: str,
        api_url: str | None = None,
        *,
        hooks: Hooks = NO_HOOKS,
        poll_timeout: int = 25,
        retry: RetryPolicy | None = None,
        concurrency: int = 32,
        request_timeout: float = 10.0,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        webhook_path: str = "/telegram",
        profile_state_path: Path | None = None,
        shared_webhook: bool = False,
        paid_broadcast: bool = False,
    ) -> None:
        if not token or ":" not in token:
            raise TelegramStartupError("BACKLINE_TELEGRAM_TOKEN does not look like a bot token")
        protect_token(token)
        self.coach = coach
        # Exercise drawings are uploaded once per bot, then sent by their stored file_id.
        self.photos = Photos(hooks.file_ids, token.split(":", 1)[0])
        self.poll_timeout = poll_timeout
        self.retry = retry or RetryPolicy()
        self.delivery = Delivery(self, coach, hooks)
        self.answers = AnswerLines()
        self.ready = asyncio.Event()  # set once updates are being taken
        # Webhook mode (BACKLINE_TELEGRAM_WEBHOOK_URL): Telegram posts updates to our HTTP
        # endpoint at `webhook_path`, which hands them to `feed_webhook`; otherwise we long-poll.
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.webhook_path = webhook_path
        # Several processes behind one webhook (a shared PostgreSQL database): one stopping
        # must not switch the webhook off for the others, so it stays set.
        self.shared_webhook = shared_webhook
        self._webhook_set = False
        # BACKLINE_TELEGRAM_PAID_BROADCAST: pushes (never answers) go with
        # allow_paid_broadcast, above the free 30/s for Stars; the send queue paces them so.
        self.paid_broadcast = paid_broadcast
        # Telegram allows one getUpdates consumer per token: with several processes only the
        # one holding this role polls (the others send), and another takes over when it stops.
        self.turn = hooks.turn
        self._waiting_for_turn: asyncio.Task[None] | None = None
        self.revoked = asyncio.Event()  # set on the first 401: the token is no longer valid
        timeouts = {
            "connect_timeout": request_timeout,
            "read_timeout": request_timeout,
            "write_timeout": request_timeout,
            "pool_timeout": request_timeout,
        }
        # What was last set as the bot's descriptions and menus (so a start with the same
        # ones makes no calls); None: no memory, set at every start.
        self.profile_state_path = profile_state_path
        # Inbox entries taken but not yet handled, by update_id (see _take and _on_update);
        # None for an update the database could not take.
        self._entries: dict[int, InboxEntry | None] = {}
        self._polling: asyncio.Task[None] | None = None
        builder = (
            ApplicationBuilder()
            .token(token)
            .concurrent_updates(ChatOrderedProcessor(concurrency))
            .request(
                _WatchedRequest(self.revoked.set, connection_pool_size=CONNECTIONS, **timeouts)
            )
            # read_timeout is added on top of the long-poll timeout
            .get_updates_request(
                _WatchedRequest(
                    self.revoked.set, connection_pool_size=1, read_timeout=request_timeout
                )
            )
            .job_queue(None)  # the scheduler owns timing; no second APScheduler
            .updater(None)  # we poll ourselves: see _poll
        )
        if api_url:
            base = api_url.rstrip("/")
            builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
        self.application: Application = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)

    # -- what the app drives (bot.adapters.base.PlatformAdapter) --------------------------------

    @property
    def sender(self) -> Sender:
        return self

    @property
    def webhook(self) -> Webhook | None:
        if self.webhook_url is None:
            return None
        from bot.ops.http import Webhook  # aiohttp: only in webhook mode

        return Webhook(self.webhook_path, self.webhook_secret or "", self.feed_webhook)

    def is_running(self) -> bool:
        return self.application.running and not self.revoked.is_set()

    @property
    def polling(self) -> bool:
        """This process is the one taking the updates by getUpdates (its polling turn)."""
        return self._polling is not None and not self._polling.done()

    # -- running -----------------------------------------------------------------------------

    async def run(
        self, stop: asyncio.Event, on_ready: Callable[[TelegramAdapter], None] | None = None
    ) -> None:
        """Connect, register the command menu, take updates (long polling, or the webhook
        when `webhook_url` is set) until `stop` is set, shut down."""
        app = self.application
        if not await self._initialize(stop):
            return
        try:
            await self._sync_profile()
            await app.start()
            if self.webhook_url is not None:
                await self._recover()
                await self._set_webhook()
            elif self.turn is None:
                await self._start_polling(stop)
            else:
                self._waiting_for_turn = asyncio.create_task(self._poll_in_turn(stop))
            log.info("Telegram: listening as @%s", app.bot.username)
            self.ready.set()
            if on_ready is not None:
                on_ready(self)
            await _until_either(stop, self.revoked)
            if self.revoked.is_set():
                raise TelegramTokenRevoked(REVOKED)
        finally:
            self.ready.clear()
            if self._waiting_for_turn is not None:
                self._waiting_for_turn.cancel()
                await asyncio.gather(self._waiting_for_turn, return_exceptions=True)
            await self._shutdown()

    async def _poll_in_turn(self, stop: asyncio.Event) -> None:
        """Poll once this process holds the polling role; until then, ask every few seconds."""
        assert self.turn is not None
        while not stop.is_set():
            try:
                if await self.turn(POLLING_ROLE):
                    await self._start_polling(stop)
                    log.info("Telegram: this process now takes the updates (long polling)")
                    return
            except Exception as exc:  # the database may be away a moment; ask again
                log.warning("Telegram: can't tell whose turn it is to poll: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), TURN_EVERY)

    async def _initialize(self, stop: asyncio.Event) -> bool:
        """getMe until it works; False when `stop` came first. A rejected token is fatal."""
        failures = 0
        while not stop.is_set():
            try:
                await self.application.initialize()
                return True
            except InvalidToken:
                # PTB's message quotes the token; raise our own, without the chain.
                raise TelegramStartupError(
                    "Telegram rejected the bot token: check BACKLINE_TELEGRAM_TOKEN"
                ) from None
            except NetworkError as exc:
                failures += 1
                delay = self.retry.backoff(min(failures, 8))
                again = wording.fmt_wait(delay)
                log.warning("Telegram is unreachable (%s); trying again %s", exc, again)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
        return False

    def _profile(self) -> dict[str, Any]:
        """What people see of the bot before and around a chat: its descriptions and the
        command menu of each scope (private chats; groups; group admins, who also get the
        admin commands; the default for any other chat)."""
        personal = [c for c in COMMANDS if not c.admin_only]
        in_groups = [c for c in personal if c.groups]
        admins = in_groups + [c for c in COMMANDS if c.admin_only and c.groups]
        return {
            "description": wording.BOT_DESCRIPTION,
            "short_description": wording.BOT_SHORT_DESCRIPTION,
            "commands": {
                scope: [[c.name, c.description] for c in commands]
                for scope, commands in (
                    ("default", personal),
                    ("all_private_chats", personal),
                    ("all_group_chats", in_groups),
                    ("all_chat_administrators", admins),
                )
            },
        }

    async def _sync_profile(self) -> None:
        """Set what changed since the last start (remembered in `profile_state_path`); a
        failure is logged and tried again at the next start."""
        bot = self.application.bot
        wanted = self._profile()
        known = _read_state(self.profile_state_path, bot.id)
        done: dict[str, Any] = {"bot": bot.id, "commands": dict(known.get("commands", {}))}
        # (what, the state key it sets, its value, the call)
        calls: list[tuple[str, tuple[str, ...], Any, Callable[[], Awaitable[Any]]]] = []
        for field, setter in (
            ("description", bot.set_my_description),
            ("short_description", bot.set_my_short_description),
        ):
            if known.get(field) == wanted[field]:
                done[field] = wanted[field]
            else:
                calls.append((f"setting the {field.replace('_', ' ')}", (field,), wanted[field],
                              functools.partial(setter, wanted[field])))  # fmt: skip
        for scope, commands in wanted["commands"].items():
            if done["commands"].get(scope) != commands:
                menu = [BotCommand(name, text) for name, text in commands]
                set_menu = functools.partial(bot.set_my_commands, menu, scope=_SCOPES[scope]())
                what = f"setting the {scope.replace('_', ' ')} command menu"
                calls.append((what, ("commands", scope), commands, set_menu))
        if not calls:
            log.info("Telegram: descriptions and command menus unchanged; not setting them")
            return
        for what, key, value, call in calls:
            try:
                await with_retries(call, self.retry, what)
            except TelegramError as exc:
                log.warning("Telegram: %s failed: %s", what, exc)
                continue
            target = done["commands"] if key[0] == "commands" else done
            target[key[-1]] = value
        _write_state(self.profile_state_path, done)

    async def _set_webhook(self) -> None:
        assert self.webhook_url is not None
        bot = self.application.bot
        await with_retries(
            lambda: bot.set_webhook(
                self.webhook_url or "",
                secret_token=self.webhook_secret,
                allowed_updates=list(ALLOWED_UPDATES),
            ),
            self.retry,
            "setting the webhook",
        )
        self._webhook_set = True
        log.info("Telegram: webhook set; updates arrive by HTTP POST")

    async def _start_polling(self, stop: asyncio.Event) -> None:
        # What the last poller left is finished by the next (with several processes, the one
        # whose polling turn it now is), so no two processes deliver one entry's answer.
        await self._recover()
        # As PTB's Updater would: a webhook left from webhook mode would refuse getUpdates.
        bot = self.application.bot
        await with_retries(
            lambda: bot.delete_webhook(), self.retry, "removing a webhook before polling"
        )
        self._polling = asyncio.create_task(self._poll(stop))

    async def _poll(self, stop: asyncio.Event) -> None:
        """Long-poll getUpdates; the offset (which confirms updates to Telegram, who then
        forgets them) moves only past a batch the inbox has stored."""
        bot = self.application.bot
        offset: int | None = None
        failures = 0
        conflicts = PollConflicts(self.retry)
        while not stop.is_set():
            try:
                updates = await bot.get_updates(
                    offset=offset,
                    timeout=self.poll_timeout,
                    allowed_updates=list(ALLOWED_UPDATES),
                )
                if updates:
                    await self._take(updates)
                    offset = updates[-1].update_id + 1
                failures = 0
                conflicts.cleared()
            except InvalidToken:
                return  # `revoked` is set: run() stops with TelegramTokenRevoked
            except Conflict as exc:  # another getUpdates consumer: said once, not per poll
                delay = conflicts.seen(exc)
            except Exception as exc:  # the network, Telegram, or the database: try again
                failures += 1
                delay = self.retry.backoff(min(failures, 8))
                log.warning("Telegram polling failed (%s); again in %.1fs", exc, delay)
            else:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)

    async def _take(self, updates: list[Update]) -> None:
        """Store these updates in the inbox (raises when they could not be), then queue
        the ones not seen before for handling."""
        arrivals = [
            Arrival(PLATFORM, str(u.update_id), str(_chat_key(u)), json.dumps(u.to_dict()))
            for u in updates
        ]
        try:
            stored = await self.coach.receive(arrivals)
        except StoreUnavailable as exc:
            # Nothing can be stored: handled without the inbox (see _handle_unstored), and
            # Telegram may forget them (they are answered, or asked for again).
            log.warning("Telegram: %d update(s) handled without the inbox: %s", len(updates), exc)
            for update in updates:
                await self._queue(update, None)
            return
        taken = {entry.event_id: entry for entry in stored}
        for update in updates:
            entry = taken.get(str(update.update_id))
            if entry is not None:  # else a redelivery of one taken before
                await self._queue(update, entry)

    async def _queue(self, update: Update, entry: InboxEntry | None) -> None:
        self._entries[update.update_id] = entry
        await self.application.update_queue.put(update)

    async def _recover(self) -> None:
        """Queue what a crash left in the inbox: unapplied updates and unsent answers."""
        entries = await self.coach.unfinished(PLATFORM)
        bot = self.application.bot
        for entry in entries:
            try:
                update = Update.de_json(json.loads(entry.payload), bot)
            except Exception:
                log.exception("could not read stored Telegram update %s", entry.event_id)
                await self.coach.answered(entry, entry.sent, True)
                continue
            await self._queue(update, entry)
        if entries:
            log.info("Telegram: %d update(s) left by the last run are handled now", len(entries))

    async def _delete_webhook(self) -> None:
        """Stop Telegram posting to us; updates wait for the next start instead."""
        if not self._webhook_set or self.shared_webhook:
            return
        try:
            await self.application.bot.delete_webhook()
            self._webhook_set = False
        except TelegramError as exc:
            log.warning("could not remove the Telegram webhook: %s", exc)

    async def _stop_answering(self) -> None:
        """The update handlers finish, then the answers they handed off go out."""
        await self.application.stop()
        await self.answers.drain()

    async def feed_webhook(self, data: dict[str, Any]) -> bool:
        """One update posted by Telegram (secret already checked). True once it is stored
        in the inbox; False while not running or when it could not be stored, so the
        endpoint answers 503 and Telegram delivers it again later."""
        app = self.application
        if not app.running:
            return False
        try:
            update = Update.de_json(data, app.bot)
        except Exception:
            # Accepted and dropped: Telegram would otherwise repeat it forever.
            log.exception("could not read a Telegram update posted to the webhook")
            return True
        try:
            await self._take([update])
        except Exception as exc:
            log.warning("could not store a Telegram update (%s); Telegram will resend it", exc)
            return False
        return True

    async def _shutdown(self) -> None:
        app = self.application
        try:
            await self._delete_webhook()
            if self._polling is not None:
                self._polling.cancel()  # what it took is stored; the rest Telegram keeps
                await asyncio.gather(self._polling, return_exceptions=True)
                self._polling = None
            if app.running:
                try:  # answers in flight finish, unless the platform stopped answering
                    await asyncio.wait_for(self._stop_answering(), APP_STOP_SECONDS)
                except TimeoutError:
                    log.warning(
                        "Telegram: stopped without the answers still in flight after %.0fs "
                        "(the platform is not answering)",
                        APP_STOP_SECONDS,
                    )
        finally:
            await app.shutdown()
        log.info("Telegram: stopped")

    # -- inbound -----------------------------------------------------------------------------

    async def _on_update(self, update: Update, _context: object) -> None:
        """Handle one update taken into the inbox (or, when the database could not take it,
        without). Never raises: one bad update must not disturb the others."""
        if update.update_id not in self._entries:  # only updates taken in are queued
            log.error("Telegram update %s is not in the inbox; dropped", update.update_id)
            return
        entry = self._entries.pop(update.update_id)
        if update.my_chat_member is not None:
            await self._on_membership(update.my_chat_member)
            if entry is not None:
                await self.coach.answered(entry, 0, True)
            return
        try:
            translated = translate(update, self.application.bot.bot)
        except Exception:
            log.exception("could not read Telegram update %s", update.update_id)
            translated = None
        fresh = entry is None or entry.state == NEW
        if translated is None:
            if update.callback_query is not None and fresh:
                await self._answer_button(update.callback_query.id, None)
            if entry is not None:
                await self.coach.answered(entry, 0, True)
            return
        event = translated.event
        if translated.needs_admin_check and fresh:
            allowed = translated.sent_by_group or await self._is_admin(event)
            event = with_admin(translated, allowed)
        if entry is None:
            await self._handle_unstored(translated, event)
            return
        try:
            applied = await self.coach.handle_once(entry, event)
        except StoreUnavailable:
            await self._give_up_entry(update, entry, translated, event)
            return
        except Exception:
            # Not stored (the database failed): the entry stays and is handled again after
            # a restart; say sorry now rather than leave the person waiting.
            log.exception("the coach failed on Telegram update %s", update.update_id)
            await self._answer_plainly(translated, event, Reply([Outbound(SORRY)]))
            return
        if translated.callback_query_id is not None and applied.fresh:
            await self._answer_button(translated.callback_query_id, applied.reply.button_ack)
        # In the chat's answer line, like every answer: the update's slot is free meanwhile.
        self.answers.add(
            event.chat_id, self.delivery.answer_once(entry, event, applied, self._here(event))
        )

    async def _handle_unstored(self, translated: Translated, event: InboundEvent) -> None:
        """The database can't store right now (full, read-only): the coach answers without
        the inbox, so what needs no writing is answered and the rest gets the honest "I
        can't save that right now, send it again" (nothing was kept to handle later)."""
        await self._answer_plainly(translated, event, await self.coach.handle(event))

    async def _give_up_entry(
        self, update: Update, entry: InboxEntry, translated: Translated, event: InboundEvent
    ) -> None:
        """Stored, but its effects can't be: finish the entry and answer without the inbox
        (the person is asked to send it again). If even finishing fails, it is tried again
        shortly instead, so it is never both asked for again and kept."""
        try:
            await self.coach.answered(entry, 0, True)
        except Exception as exc:
            log.warning("Telegram update %s waits for the database (%s)", entry.event_id, exc)
            asyncio.get_running_loop().call_later(
                RETRY_STORED_SECONDS,
                lambda: asyncio.ensure_future(self._queue(update, entry)),
            )
            return
        await self._handle_unstored(translated, event)

    async def _answer_plainly(
        self, translated: Translated, event: InboundEvent, reply: Reply
    ) -> None:
        if translated.callback_query_id is not None:
            await self._answer_button(translated.callback_query_id, reply.button_ack)
        self.answers.add(event.chat_id, self.delivery.answer(event, reply, self._here(event)))

    async def _on_membership(self, change: ChatMemberUpdated) -> None:
        """A person blocked the bot or started it again: no waiting for a failed push (or
        their next message) to find out."""
        if change.chat.type != "private":
            return
        person = UserRef(PLATFORM, str(change.from_user.id))
        status = change.new_chat_member.status
        try:
            if status in _BLOCKED:
                log.info("Telegram: %s blocked the bot; no more pushes to them", person.user_id)
                await self.coach.mark_unreachable(person)
            elif status in _REACHABLE:
                await self.coach.mark_reachable(person)
        except Exception:
            log.exception("could not record a Telegram membership change")

    def _here(self, event: InboundEvent) -> SendPart[Part]:
        # In a busy group, quote the message being answered so people see whose log it was.
        quote = int(event.message_id) if event.is_group and event.message_id else None
        return self._sending(event.chat_id, self.retry, quote)

    async def _answer_button(self, query_id: str, text: str | None) -> None:
        bot = self.application.bot
        ack = text[:MAX_ACK] if text else None
        try:
            await with_retries(
                lambda: bot.answer_callback_query(query_id, text=ack),
                self.retry,
                "acknowledging a button",
            )
        except TelegramError as exc:
            # Old queries can't be answered any more; the reply itself still goes out.
            log.info("could not acknowledge a button press: %s", exc)

    async def _is_admin(self, event: InboundEvent) -> bool:
        bot = self.application.bot
        try:
            member = await with_retries(
                lambda: bot.get_chat_member(_chat(event.chat_id), int(event.user.user_id)),
                self.retry,
                "checking admin rights",
            )
        except TelegramError as exc:
            log.warning("could not check admin rights in chat %s: %s", event.chat_id, exc)
            return False
        return member.status in _ADMIN_STATUSES

    async def _on_error(self, update: object, context: Any) -> None:
        update_id = getattr(update, "update_id", None)
        log.error("Telegram update %s failed", update_id, exc_info=context.error)

    # -- outbound (the Outlet of bot.adapters.outlet) ----------------------------------------

    async def send(self, chat_id: str, out: Outbound) -> str:
        """`bot.delivery.Sender`: one attempt; errors are the neutral delivery errors."""
        return await self.delivery.push(chat_id, out)

    def render(self, out: Outbound) -> list[Part]:
        try:
            username = self.application.bot.username  # known once initialized (getMe)
        except RuntimeError:
            username = None
        return render(out, username)

    def sending_to(self, chat_id: str, *, interactive: bool = False) -> SendPart[Part]:
        """Answers to another chat retry like answers; pushes leave retrying to the scheduler."""
        if not self.application.running:
            raise TransientFailure("the Telegram adapter is not running")
        if interactive:
            return self._sending(chat_id, self.retry, None)
        return self._sending(chat_id, None, None, paid=self.paid_broadcast)

    def delivery_error(self, exc: Exception, chat_id: str) -> DeliveryError | None:
        return as_delivery_error(exc, chat_id)

    def _sending(
        self, chat_id: str, policy: RetryPolicy | None, quote: int | None, *, paid: bool = False
    ) -> SendPart[Part]:
        async def send(_out: Outbound, part: Part, index: int) -> str:
            # Only the first part of each message quotes the person.
            first = quote if index == 0 else None
            message = await self._send_part(chat_id, part, first, policy, paid)
            return str(message.message_id)

        return send

    async def _send_part(
        self,
        chat_id: str,
        part: Part,
        quote: int | None,
        policy: RetryPolicy | None,
        paid: bool = False,
    ) -> Message:
        def call() -> Awaitable[Message]:
            return self._call_for(part, _chat(chat_id), quote, paid)

        try:
            if policy is None:
                return await call()
            # 429s go back to the send queue, which pauses the chat and waits its turn again.
            return await with_retries(call, policy, f"sending to chat {chat_id}", flood_waits=False)
        except ChatMigrated as exc:
            # The group became a supergroup with a new id; this once, follow it.
            new_chat = exc.new_chat_id
            log.info("Telegram chat %s moved to %s", chat_id, new_chat)
            return await self._call_for(part, new_chat, quote, paid)

    def _call_for(
        self, part: Part, chat: int | str, quote: int | None, paid: bool = False
    ) -> Awaitable[Message]:
        bot = self.application.bot
        reply = (
            ReplyParameters(quote, allow_sending_without_reply=True) if quote is not None else None
        )
        common: dict[str, Any] = {"reply_markup": part.keyboard, "reply_parameters": reply}
        if paid:
            common["allow_paid_broadcast"] = True
        if part.kind == "text":
            return bot.send_message(chat, part.html, parse_mode=ParseMode.HTML, **common)
        assert part.attachment is not None
        if part.html:
            common |= {"caption": part.html, "parse_mode": ParseMode.HTML}
        if part.kind == "photo":
            return self.photos.send(bot, chat, part.attachment, **common)
        upload = InputFile(part.attachment.data, filename=part.attachment.filename)
        return bot.send_document(chat, upload, **common)


async def _until_either(first: asyncio.Event, second: asyncio.Event) -> None:
    waits = [asyncio.ensure_future(first.wait()), asyncio.ensure_future(second.wait())]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()


_SCOPES: dict[str, Callable[[], BotCommandScope]] = {
    "default": BotCommandScopeDefault,
    "all_private_chats": BotCommandScopeAllPrivateChats,
    "all_group_chats": BotCommandScopeAllGroupChats,
    "all_chat_administrators": BotCommandScopeAllChatAdministrators,
}


def _read_state(path: Path | None, bot_id: int) -> dict[str, Any]:
    """What was set for this bot at an earlier start ({} when unknown or another bot)."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("bot") == bot_id else {}


def _write_state(path: Path | None, state: dict[str, Any]) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(state, sort_keys=True) + "\n", encoding="utf-8")
    except OSError as exc:  # only costs a few calls at the next start
        log.warning("could not remember the Telegram profile in %s: %s", path, exc)


def _chat(chat_id: str) -> int | str:
    """Telegram chat ids are numbers; '@channelname' stays text."""
    try:
        return int(chat_id)
    except ValueError:
        return chat_id


def create(coach: CoachPort, config: Config, hooks: Hooks) -> TelegramAdapter:
    """The adapter `bot.app` runs (`bot.platforms`: Telegram's `adapter` module)."""
    token = config.value("telegram_token")  # the fields are bot.platforms' Telegram settings
    assert token is not None  # only created for a configured platform
    return TelegramAdapter(
        coach,
        token,
        config.value("telegram_api_url"),
        hooks=hooks,
        webhook_url=config.value("telegram_webhook_url"),
        webhook_secret=config.value("telegram_webhook_secret"),
        webhook_path=config.webhook_path("telegram"),
        profile_state_path=config.local_file(".telegram-profile.json"),
        shared_webhook=config.database_url is not None,
        paid_broadcast=config.paid_broadcast("telegram"),
    )


async def serve(
    coach: CoachPort,
    token: str,
    api_url: str | None,
    stop: asyncio.Event,
    *,
    hooks: Hooks = NO_HOOKS,
    poll_timeout: int = 25,
    retry: RetryPolicy | None = None,
    on_ready: Callable[[TelegramAdapter], None] | None = None,
    profile_state_path: Path | None = None,
) -> None:
    """Run Backline on Telegram until `stop` is set (what `backline` runs).

    `api_url` points at a self-hosted Bot API server (BACKLINE_TELEGRAM_API_URL), e.g.
    "http://127.0.0.1:8081"; None means api.telegram.org. `on_ready` receives the adapter once
    it is polling, e.g. to hand it to the scheduler as the Telegram `Sender`.
    """
    adapter = TelegramAdapter(
        coach,
        token,
        api_url,
        hooks=hooks,
        poll_timeout=poll_timeout,
        retry=retry,
        profile_state_path=profile_state_path,
    )
    await adapter.run(stop, on_ready=on_ready)


_fits: AdapterFactory = create  # mypy checks here that this adapter fits bot.adapters.base
