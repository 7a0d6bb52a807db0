"""Backline on Telegram: a python-telegram-bot 22 Application around the Coach.

A thin translator: each Update becomes one InboundEvent (telegram_inbound), the Reply's
messages become HTML messages with inline keyboards (telegram_render), and failed calls are
retried or reported (telegram_delivery). No coaching decisions are made here.

`serve()` is what `backline` runs; `TelegramAdapter` is also the `bot.delivery.Sender` the
scheduler pushes through.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeDefault,
    InputFile,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import ChatMigrated, Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, BaseUpdateProcessor, TypeHandler

from bot.adapters.telegram_delivery import RetryPolicy, as_delivery_error, with_retries
from bot.adapters.telegram_inbound import PLATFORM, translate, with_admin
from bot.adapters.telegram_logging import protect_token
from bot.adapters.telegram_render import Part, render
from bot.core.coach import SORRY, Coach
from bot.core.commands import COMMANDS
from bot.core.events import InboundEvent, Outbound, Reply, UserRef
from bot.delivery import DeliveryError, TransientFailure, Unreachable
from bot.ops.metrics import Metrics

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
MAX_ACK = 200  # answerCallbackQuery text limit
# Connections to the Bot API. httpcore checks every open connection on every request, so
# PTB's default of 256 makes each call slower as traffic peaks; Telegram's flood limit (about
# 30 messages/s) needs 8 even at a 250 ms round trip, and callers beyond that wait their turn.
CONNECTIONS = 16
_ADMIN_STATUSES = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR})


class TelegramStartupError(RuntimeError):
    """Telegram can't be used with this configuration (e.g. the token was rejected)."""


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


def _chat_key(update: object) -> int:
    if isinstance(update, Update) and update.effective_chat is not None:
        return update.effective_chat.id
    return id(update)  # no chat: no ordering needed


class TelegramAdapter:
    """One bot account: receives updates, answers them, and sends pushes."""

    platform = PLATFORM

    def __init__(
        self,
        coach: Coach,
        token: str,
        api_url: str | None = None,
        *,
        poll_timeout: int = 25,
        retry: RetryPolicy | None = None,
        concurrency: int = 32,
        request_timeout: float = 10.0,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
    ) -> None:
        if not token or ":" not in token:
            raise TelegramStartupError("BACKLINE_TELEGRAM_TOKEN does not look like a bot token")
        protect_token(token)
        self.coach = coach
        self.poll_timeout = poll_timeout
        self.retry = retry or RetryPolicy()
        # Told (platform, chat_id) before each interactive send, so the scheduler can count
        # replies against Telegram's flood limits (PushService.note_interactive).
        self.on_interactive_send: Callable[[str, str], None] | None = None
        # Counts replies sent and failed for the HTTP endpoint's /metrics (bot.ops.metrics).
        self.metrics: Metrics | None = None
        # Webhook mode (BACKLINE_TELEGRAM_WEBHOOK_URL): Telegram posts updates to our HTTP
        # endpoint, which hands them to `feed_webhook`; otherwise we long-poll.
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self._webhook_set = False
        builder = (
            ApplicationBuilder()
            .token(token)
            .concurrent_updates(ChatOrderedProcessor(concurrency))
            .connection_pool_size(CONNECTIONS)
            .job_queue(None)  # the scheduler owns timing; no second APScheduler
            .connect_timeout(request_timeout)
            .read_timeout(request_timeout)
            .write_timeout(request_timeout)
            .pool_timeout(request_timeout)
            .get_updates_read_timeout(request_timeout)  # added on top of the long-poll timeout
        )
        if api_url:
            base = api_url.rstrip("/")
            builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
        self.application: Application = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)

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
            await self._register_commands()
            await app.start()
            if self.webhook_url is not None:
                await self._set_webhook()
            else:
                assert app.updater is not None
                await app.updater.start_polling(
                    timeout=self.poll_timeout,
                    allowed_updates=list(ALLOWED_UPDATES),
                    bootstrap_retries=5,
                    error_callback=_log_polling_error,
                )
            log.info("Telegram: listening as @%s", app.bot.username)
            if on_ready is not None:
                on_ready(self)
            await stop.wait()
        finally:
            await self._shutdown()

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
                log.warning("Telegram is unreachable (%s); trying again in %.0fs", exc, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
        return False

    async def _register_commands(self) -> None:
        everyone = [BotCommand(c.name, c.description) for c in COMMANDS if not c.admin_only]
        admins = [BotCommand(c.name, c.description) for c in COMMANDS]
        bot = self.application.bot
        try:
            await with_retries(
                lambda: bot.set_my_commands(everyone, scope=BotCommandScopeDefault()),
                self.retry,
                "setting the command menu",
            )
            await with_retries(
                lambda: bot.set_my_commands(admins, scope=BotCommandScopeAllChatAdministrators()),
                self.retry,
                "setting the admin command menu",
            )
        except TelegramError as exc:
            log.warning("could not set Telegram's command menu: %s", exc)

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

    async def _delete_webhook(self) -> None:
        """Stop Telegram posting to us; updates wait for the next start instead."""
        if not self._webhook_set:
            return
        try:
            await self.application.bot.delete_webhook()
            self._webhook_set = False
        except TelegramError as exc:
            log.warning("could not remove the Telegram webhook: %s", exc)

    async def feed_webhook(self, data: dict[str, Any]) -> bool:
        """One update posted by Telegram (secret already checked). False while not running,
        so the endpoint answers 503 and Telegram delivers it again later."""
        app = self.application
        if not app.running:
            return False
        try:
            update = Update.de_json(data, app.bot)
        except Exception:
            # Accepted and dropped: Telegram would otherwise repeat it forever.
            log.exception("could not read a Telegram update posted to the webhook")
            return True
        await app.update_queue.put(update)
        return True

    async def _shutdown(self) -> None:
        app = self.application
        try:
            await self._delete_webhook()
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
        finally:
            await app.shutdown()
        log.info("Telegram: stopped")

    # -- inbound -----------------------------------------------------------------------------

    async def _on_update(self, update: Update, _context: object) -> None:
        """Never raises: one bad update must not disturb the others."""
        try:
            translated = translate(update, self.application.bot.bot)
        except Exception:
            log.exception("could not read Telegram update %s", update.update_id)
            translated = None
        if translated is None:
            if update.callback_query is not None:
                await self._answer_button(update.callback_query.id, None)
            return
        event = translated.event
        if translated.needs_admin_check:
            allowed = translated.sent_by_group or await self._is_admin(event)
            event = with_admin(translated, allowed)
        try:
            reply = await self.coach.handle(event)
        except Exception:
            log.exception("the coach failed on Telegram update %s", update.update_id)
            reply = Reply([Outbound(SORRY)])
        if translated.callback_query_id is not None:
            await self._answer_button(translated.callback_query_id, reply.button_ack)
        await self._answer(event, reply)

    async def _answer(self, event: InboundEvent, reply: Reply) -> None:
        # In a busy group, quote the message being answered so people see whose log it was.
        quote = int(event.message_id) if event.is_group and event.message_id else None
        for out in reply.messages:
            chat_id = out.chat_id or event.chat_id
            try:
                await self._deliver(
                    chat_id,
                    out,
                    quote if chat_id == event.chat_id else None,
                    self.retry,
                    interactive=True,
                )
            except Forbidden as exc:
                log.warning("Telegram chat %s can't be reached: %s", chat_id, exc)
                self._count("replies_failed")
                await self._mark_unreachable(chat_id)
                return
            except TelegramError as exc:
                log.warning("could not answer in Telegram chat %s: %s", chat_id, exc)
                self._count("replies_failed")
                return
            self._count("replies_sent")

    def _count(self, name: str) -> None:
        if self.metrics is not None:
            self.metrics.inc(name, platform=PLATFORM)

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

    # -- outbound ----------------------------------------------------------------------------

    async def send(self, chat_id: str, out: Outbound) -> str:
        """`bot.delivery.Sender`: one attempt; errors are the neutral delivery errors."""
        if not self.application.running:
            raise TransientFailure("the Telegram adapter is not running")
        try:
            ids = await self._deliver(chat_id, out, None, None)
        except Forbidden as exc:
            await self._mark_unreachable(chat_id)
            raise Unreachable(str(exc)) from None
        except TelegramError as exc:
            raise as_delivery_error(exc) from None
        if not ids:
            raise DeliveryError("the message was empty")
        return ids[0]

    async def _deliver(
        self,
        chat_id: str,
        out: Outbound,
        quote: int | None,
        policy: RetryPolicy | None,
        *,
        interactive: bool = False,
    ) -> list[str]:
        """Send every part of `out`; record each so replies to it can be understood."""
        ids = []
        for part in render(out):
            if interactive and self.on_interactive_send is not None:
                self.on_interactive_send(PLATFORM, chat_id)
            message = await self._send_part(chat_id, part, quote, policy)
            quote = None  # only the first part quotes the person
            ids.append(str(message.message_id))
            try:
                await self.coach.record_sent(PLATFORM, chat_id, ids[-1], out)
            except Exception:
                log.exception("could not record sent Telegram message %s", ids[-1])
        return ids

    async def _send_part(
        self, chat_id: str, part: Part, quote: int | None, policy: RetryPolicy | None
    ) -> Message:
        def call() -> Awaitable[Message]:
            return self._call_for(part, _chat(chat_id), quote)

        try:
            if policy is None:
                return await call()
            return await with_retries(call, policy, f"sending to chat {chat_id}")
        except ChatMigrated as exc:
            # The group became a supergroup with a new id; this once, follow it.
            new_chat = exc.new_chat_id
            log.info("Telegram chat %s moved to %s", chat_id, new_chat)
            return await self._call_for(part, new_chat, quote)

    def _call_for(self, part: Part, chat: int | str, quote: int | None) -> Awaitable[Message]:
        bot = self.application.bot
        reply = (
            ReplyParameters(quote, allow_sending_without_reply=True) if quote is not None else None
        )
        common: dict[str, Any] = {"reply_markup": part.keyboard, "reply_parameters": reply}
        if part.kind == "text":
            return bot.send_message(chat, part.html, parse_mode=ParseMode.HTML, **common)
        assert part.attachment is not None
        upload = InputFile(part.attachment.data, filename=part.attachment.filename)
        if part.html:
            common |= {"caption": part.html, "parse_mode": ParseMode.HTML}
        if part.kind == "photo":
            return bot.send_photo(chat, upload, **common)
        return bot.send_document(chat, upload, **common)

    async def _mark_unreachable(self, chat_id: str) -> None:
        """A private chat's id is the person's id; a group blocking us is no one's account."""
        if not chat_id.isdigit():
            return
        try:
            await self.coach.mark_unreachable(UserRef(PLATFORM, chat_id))
        except Exception:
            log.exception("could not mark Telegram user unreachable")


def _chat(chat_id: str) -> int | str:
    """Telegram chat ids are numbers; '@channelname' stays text."""
    try:
        return int(chat_id)
    except ValueError:
        return chat_id


def _log_polling_error(exc: TelegramError) -> None:
    # PTB retries polling by itself; this only replaces its full-traceback log.
    log.warning("Telegram polling failed: %s", exc)


async def serve(
    coach: Coach,
    token: str,
    api_url: str | None,
    stop: asyncio.Event,
    *,
    poll_timeout: int = 25,
    retry: RetryPolicy | None = None,
    on_ready: Callable[[TelegramAdapter], None] | None = None,
) -> None:
    """Run Backline on Telegram until `stop` is set (what `backline` runs).

    `api_url` points at a self-hosted Bot API server (BACKLINE_TELEGRAM_API_URL), e.g.
    "http://127.0.0.1:8081"; None means api.telegram.org. `on_ready` receives the adapter once
    it is polling, e.g. to hand it to the scheduler as the Telegram `Sender`.
    """
    adapter = TelegramAdapter(coach, token, api_url, poll_timeout=poll_timeout, retry=retry)
    await adapter.run(stop, on_ready=on_ready)
