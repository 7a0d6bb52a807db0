"""A fake Telegram Bot API server for tests and benchmarks (aiohttp on 127.0.0.1, random port).

It answers the methods Backline calls, checks every request against the Bot API spec (any
violation is recorded and answered with 400 the way Telegram would), records every message the
bot sends with an increasing message_id, lets tests inject updates (messages, replies, edits,
button presses, group messages, duplicate deliveries) and faults (429 with retry_after, 5xx,
403 blocked, slow answers), and can optionally enforce Telegram's flood limits.
"""

from __future__ import annotations

import asyncio
import collections
import copy
import itertools
import json
import math
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.fake_server import FakeServer, Faults, UploadedFile, read_body
from tests.fakes.telegram_spec import BotApiSpec, Violation, html_to_plain

Json = dict[str, Any]

TEST_TOKEN = "123456789:AAE-fake-token-that-must-never-be-logged"
SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
_GROUP_TYPES = frozenset({"group", "supergroup"})


# -- people and chats ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TgUser:
    id: int
    first_name: str
    username: str | None = None
    is_bot: bool = False

    def to_api(self) -> Json:
        data: Json = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        return data


@dataclass(frozen=True, slots=True)
class TgChat:
    id: int
    type: str  # "private" | "group" | "supergroup"
    title: str | None = None
    first_name: str | None = None

    @property
    def is_group(self) -> bool:
        return self.type in _GROUP_TYPES

    def to_api(self) -> Json:
        data: Json = {"id": self.id, "type": self.type}
        if self.title:
            data["title"] = self.title
        if self.first_name:
            data["first_name"] = self.first_name
        return data


# -- what the server saw ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApiCall:
    method: str
    params: dict[str, Any]
    at: float  # the fake's clock (time.monotonic by default) when the request arrived
    status: int  # the HTTP status answered; calls are listed in the order they were answered


@dataclass(slots=True)
class SentMessage:
    """A message the bot sent (or a user message, kept so replies and edits can refer to it)."""

    message_id: int
    chat_id: int
    method: str  # "sendMessage" | "sendPhoto" | "sendDocument" | "user"
    text: str  # what the person sees: the text or caption after HTML parsing
    html: str  # the raw text/caption as sent
    parse_mode: str | None = None
    reply_markup: Json | None = None
    reply_to: int | None = None
    file: UploadedFile | None = None
    edits: list[str] = field(default_factory=list)
    api: Json = field(default_factory=dict)  # the Message object as returned to the bot

    @property
    def buttons(self) -> list[list[tuple[str, str]]]:
        """Rows of (label, callback_data) of its inline keyboard."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [[(b["text"], b.get("callback_data", "")) for b in row] for row in rows]

    def button(self, label_or_data: str) -> str:
        """The callback data of a button found by its label (or its data)."""
        for row in self.buttons:
            for label, data in row:
                if label_or_data in (label, data):
                    return data
        raise AssertionError(f"no button {label_or_data!r} on message: {self.buttons}")


@dataclass(frozen=True, slots=True)
class Injected:
    """An update the test put in the queue."""

    update_id: int
    message_id: int | None
    chat: TgChat
    update: Json


# -- faults ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TooManyRequests:
    retry_after: int = 1


@dataclass(frozen=True, slots=True)
class ServerError:
    status: int = 502
    description: str = "Bad Gateway"


@dataclass(frozen=True, slots=True)
class Blocked:
    description: str = "Forbidden: bot was blocked by the user"


@dataclass(frozen=True, slots=True)
class Slow:
    seconds: float


Fault = TooManyRequests | ServerError | Blocked | Slow


@dataclass(frozen=True, slots=True)
class FloodLimits:
    """Telegram's documented broadcast limits: 30 messages per second overall, about one per
    second in a chat ("short bursts" allowed: here at most `per_chat_burst` in any
    `per_chat_burst` seconds), 20 per minute in a group. A paid broadcast is outside the free
    ceiling but inside the paid one; the chat and group limits hold for it too."""

    per_second: int = 30  # messages per second overall (those not sent as paid broadcasts)
    # allow_paid_broadcast: up to this many per second, all sends counted (Bot API reference)
    paid_per_second: int = 1000
    per_chat_burst: int = 3  # at most this many in any this many seconds in one chat
    per_group_minute: int = 20  # messages per minute in one group


# Telegram's answer to a getUpdates call another one (a second bot instance) cut short.
CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


class _ApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> Json:
        data: Json = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            data["parameters"] = {"retry_after": self.retry_after}
        return data


@dataclass(slots=True)
class _Update:
    update_id: int
    payload: Json
    forced: bool = False  # a duplicate delivery: handed out once whatever the offset


class FakeTelegram(FakeServer[ApiCall]):
    """An in-process Bot API server. Use `async with FakeTelegram() as tg:`."""

    def __init__(
        self,
        *,
        token: str = TEST_TOKEN,
        bot_username: str = "backline_test_bot",
        spec: BotApiSpec | None = None,
        enforce_limits: bool = False,
        limits: FloodLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        validate_responses: bool = True,
        deep_validation: bool = True,
    ) -> None:
        super().__init__()
        self.token = token
        self.spec = spec or BotApiSpec.load()
        self.bot = TgUser(int(token.split(":")[0]), "Backline", bot_username, is_bot=True)
        self.enforce_limits = enforce_limits
        self.limits = limits or FloodLimits()
        self.clock = clock
        self.validate_responses = validate_responses
        # Off only in benchmarks, where the checks would cost more than the bot under test.
        self.deep_validation = deep_validation

        self.violations: list[Violation] = []
        self.messages: dict[int, SentMessage] = {}  # message_id -> bot or user message
        self.sent: list[SentMessage] = []  # bot messages, in order
        # The same, per chat: benchmarks ask for one person's messages thousands of times.
        self._sent_by_chat: defaultdict[int, list[SentMessage]] = defaultdict(list)
        self.commands: dict[str, list[Json]] = {}  # scope type -> the command menu
        self.description = ""  # setMyDescription: shown before a person presses Start
        self.short_description = ""  # setMyShortDescription: the bot's profile line
        self.callback_answers: dict[str, str | None] = {}
        # Photo file ids handed out, as Telegram keeps them for this bot; sendPhoto with an id
        # not in here is refused. photos_by_id counts the photos sent by id, not uploaded.
        self.photo_ids: dict[str, UploadedFile] = {}
        self.photos_by_id = 0
        self.rate_limited = 0  # 429s answered because a flood limit was broken
        self.rate_limited_by: dict[str, int] = defaultdict(int)  # "global" | "chat" | "group"
        self.paid_broadcasts = 0  # sends that carried allow_paid_broadcast (Stars spent)
        self.unauthorized = 0
        # Calls per method as they arrive: `requests` records a call only once it is answered,
        # so a slow call shows here first.
        self.arrived: collections.Counter[str] = collections.Counter()
        # setWebhook's parameters while a webhook is set; getUpdates is refused meanwhile.
        self.webhook: Json | None = None
        # Telegram allows one getUpdates consumer per token: a call arriving while another
        # waits ends the waiting one with 409 "terminated by other getUpdates request".
        self.conflicts = 0  # getUpdates calls ended that way
        self._polls = itertools.count(1)
        self._current_poll = 0  # the getUpdates call that may still answer with updates

        self._chats: dict[int, TgChat] = {}
        self._admins: dict[int, dict[int, str]] = defaultdict(dict)  # chat -> user -> status
        self._users: dict[int, TgUser] = {}
        self._updates: list[_Update] = []
        self._next_update_id = itertools.count(1000)
        self._next_message_id = itertools.count(1)
        self._next_query_id = itertools.count(1)
        self._faults: Faults[Fault] = Faults()
        self._sends: deque[float] = deque()  # free sends, the last second
        self._all_sends: deque[float] = deque()  # every send, the last second
        self._chat_sends: dict[int, deque[float]] = defaultdict(deque)

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/bot{token}/{method}", self._handle)

    @property
    def url(self) -> str:
        return self.base_url

    # -- people and chats --------------------------------------------------------------------

    def user(self, user_id: int, first_name: str = "Ada", username: str | None = None) -> TgUser:
        """A person with their private chat with the bot (private chat id = user id)."""
        person = TgUser(user_id, first_name, username)
        self._users[user_id] = person
        self._chats[user_id] = TgChat(user_id, "private", first_name=first_name)
        return person

    def private_chat(self, person: TgUser) -> TgChat:
        return self._chats[person.id]

    def chat(self, chat_id: int) -> TgChat:
        return self._chats[chat_id]

    def group(self, chat_id: int, title: str = "Glute Club", supergroup: bool = True) -> TgChat:
        chat = TgChat(chat_id, "supergroup" if supergroup else "group", title=title)
        self._chats[chat_id] = chat
        return chat

    def make_admin(self, chat: TgChat, person: TgUser, *, owner: bool = False) -> None:
        self._admins[chat.id][person.id] = "creator" if owner else "administrator"

    # -- injecting updates -------------------------------------------------------------------

    def send(
        self,
        person: TgUser,
        text: str,
        *,
        chat: TgChat | None = None,
        reply_to: SentMessage | None = None,
    ) -> Injected:
        """`person` writes `text` (in their private chat unless `chat` is given)."""
        chat = chat or self._chats[person.id]
        message_id = next(self._next_message_id)
        message = self._user_message(person, chat, message_id, text)
        if reply_to is not None:
            message["reply_to_message"] = _without_reply(reply_to.api)
        self.messages[message_id] = SentMessage(
            message_id, chat.id, "user", text, text, api=message, reply_to=_reply_id(reply_to)
        )
        return self.inject({"message": message}, chat=chat, message_id=message_id)

    def edit(self, original: Injected, new_text: str) -> Injected:
        """The author edits a message they sent earlier."""
        assert original.message_id is not None, "only messages can be edited"
        stored = self.messages[original.message_id]
        message = copy.deepcopy(stored.api)
        message["text"] = new_text
        message["edit_date"] = int(time.time())
        _set_command_entity(message, new_text)
        stored.edits.append(new_text)
        stored.text = stored.html = new_text
        return self.inject(
            {"edited_message": message}, chat=original.chat, message_id=original.message_id
        )

    def press(self, person: TgUser, message: SentMessage, button: str) -> Injected:
        """`person` presses the button labelled (or with callback data) `button`."""
        data = message.button(button)
        query_id = f"q{next(self._next_query_id)}"
        query = {
            "id": query_id,
            "from": person.to_api(),
            "message": _without_reply(message.api),
            "chat_instance": f"ci{message.chat_id}",
            "data": data,
        }
        return self.inject(
            {"callback_query": query}, chat=self._chats[message.chat_id], message_id=None
        )

    def membership(self, person: TgUser, status: str) -> Injected:
        """`person` blocks the bot ("kicked") or starts it again ("member") in their private
        chat: the my_chat_member update Telegram sends then."""
        chat = self._chats[person.id]
        old = "member" if status == "kicked" else "kicked"
        member = {"status": status, "user": self.bot.to_api()}
        if status == "kicked":
            member["until_date"] = 0
        before = {"status": old, "user": self.bot.to_api()}
        if old == "kicked":
            before["until_date"] = 0
        change = {
            "chat": chat.to_api(),
            "from": person.to_api(),
            "date": int(time.time()),
            "old_chat_member": before,
            "new_chat_member": member,
        }
        return self.inject({"my_chat_member": change}, chat=chat, message_id=None)

    def inject(self, update: Json, *, chat: TgChat, message_id: int | None) -> Injected:
        """Queue a raw update (checked against the spec first)."""
        update = {"update_id": next(self._next_update_id), **update}
        if self.deep_validation:
            problems = self.spec.check_object("Update", update)
            assert not problems, f"the fake built an invalid Update: {problems}"
        self._updates.append(_Update(update["update_id"], update))
        self._notify_soon()
        return Injected(update["update_id"], message_id, chat, update)

    def redeliver(self, injected: Injected) -> None:
        """Deliver the same update (same update_id) again, as Telegram may after a crash."""
        self._updates.append(_Update(injected.update_id, injected.update, forced=True))
        self._notify_soon()

    # -- faults ------------------------------------------------------------------------------

    def fail(
        self, method: str, fault: Fault, *, times: int = 1, chat: TgChat | None = None
    ) -> None:
        """Answer the next `times` calls of `method` (optionally only for `chat`) with `fault`."""
        in_chat = None if chat is None else (lambda params: params.get("chat_id") == chat.id)
        self._faults.add(method, fault, times=times, when=in_chat)

    def heal(self, method: str) -> None:
        """`method` works again: the faults still queued for it are dropped."""
        self._faults.clear(method)

    # -- looking at what happened ------------------------------------------------------------

    def calls(self, method: str) -> list[ApiCall]:
        return [c for c in self.requests if c.method == method]

    def sent_to(self, chat: TgChat | TgUser) -> list[SentMessage]:
        return list(self._sent_by_chat.get(chat.id, ()))

    def by_id(self, message_id: int) -> SentMessage:
        return self.messages[message_id]

    async def wait_sent(
        self, chat: TgChat | TgUser, *, after: int = 0, count: int = 1, timeout: float = 10.0
    ) -> list[SentMessage]:
        """The bot messages in `chat` after the first `after` ones, once there are `count`."""

        def ready() -> list[SentMessage] | None:
            new = self.sent_to(chat)[after:]
            return new if len(new) >= count else None

        result = await self.wait_for(
            ready, timeout=timeout, what=f"{count} message(s) to chat {chat.id} after {after}"
        )
        return result

    async def wait_polling(self, *, polls: int = 1, timeout: float = 10.0) -> None:
        """Until the bot has made `polls` more getUpdates calls (it is up and listening)."""
        start = len(self.calls("getUpdates"))
        await self.wait_requests(
            lambda c: c.method == "getUpdates", count=start + polls, timeout=timeout
        )

    def confirmed(self, injected: Injected) -> bool:
        """True once the bot has acknowledged the update (called getUpdates past its id)."""
        return all(u.update_id != injected.update_id for u in self._updates)

    # -- HTTP --------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        arrived = self.clock()
        method = request.match_info["method"]
        self.arrived[method] += 1
        await self._notify()
        if request.match_info["token"] != self.token:
            self.unauthorized += 1
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        received = await read_body(request)
        form = dict(request.query) | received.form
        if isinstance(received.json, dict):
            form |= {
                k: v if isinstance(v, str) else json.dumps(v) for k, v in received.json.items()
            }
        params, problems = self.spec.check_call(
            method, form, received.files, deep=self.deep_validation
        )
        status = 200
        try:
            if problems:
                self.violations.extend(problems)
                raise _ApiError(400, f"Bad Request: {problems[0].where}: {problems[0].problem}")
            await self._apply_fault(method, params)
            self._check_flood(method, params)
            result = await self._dispatch(method, params)
            body: Json = {"ok": True, "result": result}
        except _ApiError as exc:
            status, body = exc.status, exc.body()
        self.requests.append(ApiCall(method, params, arrived, status))
        await self._notify()
        return web.json_response(body, status=status)

    async def _apply_fault(self, method: str, params: Json) -> None:
        fault = self._faults.take(method, params)
        if fault is None:
            return
        if isinstance(fault, Slow):
            await asyncio.sleep(fault.seconds)
        elif isinstance(fault, TooManyRequests):
            raise _ApiError(
                429, f"Too Many Requests: retry after {fault.retry_after}", fault.retry_after
            )
        elif isinstance(fault, ServerError):
            raise _ApiError(fault.status, fault.description)
        else:
            raise _ApiError(403, fault.description)

    def _check_flood(self, method: str, params: Json) -> None:
        if not self.enforce_limits or method not in SEND_METHODS:
            return
        now = self.clock()
        chat_id = int(params["chat_id"])
        chat = self._chats.get(chat_id)
        in_chat = self._chat_sends[chat_id]
        paid = params.get("allow_paid_broadcast") in (True, "true", "True")
        _drop_before(self._sends, now - 1.0)
        _drop_before(self._all_sends, now - 1.0)
        _drop_before(in_chat, now - 60.0)
        burst = self.limits.per_chat_burst
        recent = [t for t in in_chat if t > now - burst]
        wait = 0.0
        kind = ""
        if not paid and len(self._sends) >= self.limits.per_second:
            wait, kind = self._sends[0] + 1.0 - now, "global"
        elif len(self._all_sends) >= self.limits.paid_per_second:
            wait, kind = self._all_sends[0] + 1.0 - now, "paid"
        elif len(recent) >= burst:
            wait, kind = recent[-burst] + burst - now, "chat"
        elif chat is not None and chat.is_group and len(in_chat) >= self.limits.per_group_minute:
            wait, kind = in_chat[0] + 60.0 - now, "group"
        if kind:
            self.rate_limited += 1
            self.rate_limited_by[kind] += 1
            retry = max(1, math.ceil(wait))
            raise _ApiError(429, f"Too Many Requests: retry after {retry}", retry)
        if paid:
            self.paid_broadcasts += 1
        else:
            self._sends.append(now)
        self._all_sends.append(now)
        in_chat.append(now)

    async def _dispatch(self, method: str, params: Json) -> Any:
        handler = self._methods().get(method)
        if handler is None:
            problem = Violation(method, "", "the fake server does not implement this method")
            self.violations.append(problem)
            raise _ApiError(400, f"Bad Request: {problem.problem}")
        result = await handler(params)
        if self.validate_responses:
            # A bug in the fake itself; recorded so the test fails rather than the bot.
            for wrong in self.spec.check_result(method, result):
                self.violations.append(Violation(method, "fake's own answer", wrong))
        return result

    def _methods(self) -> dict[str, Callable[[Json], Awaitable[Any]]]:
        return {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "setMyCommands": self._set_my_commands,
            "setMyDescription": self._set_my_description,
            "setMyShortDescription": self._set_my_short_description,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "getChatMember": self._get_chat_member,
        }

    # -- methods -----------------------------------------------------------------------------

    async def _set_webhook(self, params: Json) -> bool:
        url = params["url"]
        if url and not str(url).startswith("https://"):
            raise _ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided")
        self.webhook = dict(params) if url else None
        return True

    async def _delete_webhook(self, params: Json) -> bool:
        self.webhook = None
        return True

    async def _get_me(self, params: Json) -> Json:
        return {
            **self.bot.to_api(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _set_my_commands(self, params: Json) -> bool:
        scope = (params.get("scope") or {}).get("type", "default")
        self.commands[scope] = list(params["commands"])
        return True

    async def _set_my_description(self, params: Json) -> bool:
        self.description = params.get("description") or ""
        return True

    async def _set_my_short_description(self, params: Json) -> bool:
        self.short_description = params.get("short_description") or ""
        return True

    async def _get_updates(self, params: Json) -> list[Json]:
        if self.webhook is not None:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        mine = self._current_poll = next(self._polls)
        await self._notify()  # wakes the call this one ends (see below)
        offset = params.get("offset")
        limit = params.get("limit", 100)
        timeout = float(params.get("timeout", 0))
        if isinstance(offset, int) and offset > 0:
            # Everything below the offset is confirmed and forgotten.
            self._updates = [u for u in self._updates if u.forced or u.update_id >= offset]

        def ended() -> bool:
            return self._current_poll != mine

        await self._until(lambda: self._updates or self._closing or ended(), timeout)
        if ended():
            self.conflicts += 1
            raise _ApiError(409, CONFLICT)
        # Duplicates go first so the bot's next offset still follows the newest update.
        batch = sorted(self._updates, key=lambda u: (not u.forced, u.update_id))[:limit]
        self._updates = [u for u in self._updates if not (u.forced and u in batch)]
        return [u.payload for u in batch]

    async def _send_message(self, params: Json) -> Json:
        chat = self._chat(params["chat_id"])
        text = params["text"]
        return self._record(chat, "sendMessage", text, params).api

    async def _send_photo(self, params: Json) -> Json:
        sent = params["photo"]
        if not isinstance(sent, UploadedFile):  # a file_id: only ones this bot was given
            if sent not in self.photo_ids:
                raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            self.photos_by_id += 1
        stored = self._send_file("sendPhoto", "photo", params)
        stored.file = stored.file or self.photo_ids[sent]  # what the person sees either way
        photo = {"width": 640, "height": 480, "file_size": len(stored.file.data)}
        stored.api["photo"] = [{**_file_ids("photo", stored), **photo}]
        self.photo_ids[stored.api["photo"][0]["file_id"]] = stored.file
        return stored.api

    async def _send_document(self, params: Json) -> Json:
        stored = self._send_file("sendDocument", "document", params)
        info = _file_ids("doc", stored)
        if (sent := stored.file) is not None:
            info |= {"file_name": sent.filename, "mime_type": sent.content_type}
            info["file_size"] = len(sent.data)
        stored.api["document"] = info
        return stored.api

    def _send_file(self, method: str, field: str, params: Json) -> SentMessage:
        chat = self._chat(params["chat_id"])
        stored = self._record(chat, method, params.get("caption", ""), params)
        upload = params[field]  # an upload, or the file_id of one sent before
        stored.file = upload if isinstance(upload, UploadedFile) else None
        return stored

    async def _edit_message_text(self, params: Json) -> Json:
        stored = self._editable(params)
        markup = params.get("reply_markup")
        if params["text"] == stored.html and markup == stored.reply_markup:
            raise _ApiError(400, "Bad Request: message is not modified")
        stored.edits.append(stored.html)
        stored.html = params["text"]
        stored.parse_mode = params.get("parse_mode")
        stored.text = _shown(stored.html, stored.parse_mode)
        stored.reply_markup = markup
        self._refresh_api(stored)
        return stored.api

    async def _edit_reply_markup(self, params: Json) -> Json:
        stored = self._editable(params)
        markup = params.get("reply_markup")
        if markup == stored.reply_markup:
            raise _ApiError(400, "Bad Request: message is not modified")
        stored.reply_markup = markup
        self._refresh_api(stored)
        return stored.api

    async def _answer_callback_query(self, params: Json) -> bool:
        query_id = params["callback_query_id"]
        if query_id in self.callback_answers:
            self.violations.append(
                Violation("answerCallbackQuery", "callback_query_id", "answered twice")
            )
            raise _ApiError(400, "Bad Request: query is too old or query ID is invalid")
        self.callback_answers[query_id] = params.get("text")
        return True

    async def _get_chat_member(self, params: Json) -> Json:
        chat = self._chat(params["chat_id"])
        user = self._users.get(params["user_id"])
        if user is None:
            raise _ApiError(400, "Bad Request: user not found")
        status = self._admins[chat.id].get(user.id, "member")
        member: Json = {"status": status, "user": user.to_api()}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            # Every right the spec requires, granted, except those Backline never needs.
            rights = self.spec.types["ChatMemberAdministrator"].fields.values()
            member |= {f.name: True for f in rights if f.required and f.types == ("Boolean",)}
            member |= {"can_be_edited": False, "is_anonymous": False, "can_promote_members": False}
        return member

    # -- helpers -----------------------------------------------------------------------------

    def _chat(self, chat_id: Any) -> TgChat:
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise _ApiError(400, "Bad Request: chat not found")
        return chat

    def _editable(self, params: Json) -> SentMessage:
        if "inline_message_id" in params:
            raise _ApiError(400, "Bad Request: inline messages are not supported by the fake")
        stored = self.messages.get(params.get("message_id", -1))
        if stored is None or stored.chat_id != params.get("chat_id") or stored.method == "user":
            raise _ApiError(400, "Bad Request: message to edit not found")
        return stored

    def _record(self, chat: TgChat, method: str, raw_text: str, params: Json) -> SentMessage:
        parse_mode = params.get("parse_mode")
        reply_to = (params.get("reply_parameters") or {}).get("message_id")
        if reply_to is not None and reply_to not in self.messages:
            if not params["reply_parameters"].get("allow_sending_without_reply"):
                raise _ApiError(400, "Bad Request: message to be replied not found")
            reply_to = None
        stored = SentMessage(
            message_id=next(self._next_message_id),
            chat_id=chat.id,
            method=method,
            text=_shown(raw_text, parse_mode),
            html=raw_text,
            parse_mode=parse_mode,
            reply_markup=params.get("reply_markup"),
            reply_to=reply_to,
        )
        self._refresh_api(stored)
        self.messages[stored.message_id] = stored
        self.sent.append(stored)
        self._sent_by_chat[stored.chat_id].append(stored)
        return stored

    def _refresh_api(self, stored: SentMessage) -> None:
        api: Json = {
            "message_id": stored.message_id,
            "from": self.bot.to_api(),
            "chat": self._chats[stored.chat_id].to_api(),
            "date": int(time.time()),
        }
        key = "text" if stored.method == "sendMessage" else "caption"
        if stored.text:
            api[key] = stored.text
        if stored.reply_to is not None:
            api["reply_to_message"] = _without_reply(self.messages[stored.reply_to].api)
        if stored.reply_markup and "inline_keyboard" in stored.reply_markup:
            api["reply_markup"] = stored.reply_markup
        for media in ("photo", "document"):
            if media in stored.api:
                api[media] = stored.api[media]
        stored.api = api

    def _user_message(self, person: TgUser, chat: TgChat, message_id: int, text: str) -> Json:
        message: Json = {
            "message_id": message_id,
            "from": person.to_api(),
            "chat": chat.to_api(),
            "date": int(time.time()),
            "text": text,
        }
        _set_command_entity(message, text)
        return message


def _shown(raw: str, parse_mode: str | None) -> str:
    return html_to_plain(raw) if parse_mode == "HTML" else raw


def _without_reply(message: Json) -> Json:
    """Telegram never nests reply_to_message inside a replied-to message."""
    return {k: v for k, v in message.items() if k != "reply_to_message"}


def _reply_id(message: SentMessage | None) -> int | None:
    return message.message_id if message else None


def _set_command_entity(message: Json, text: str) -> None:
    """Telegram marks a leading /command with a bot_command entity (UTF-16 offsets)."""
    message.pop("entities", None)
    if text.startswith("/"):
        command = text.split()[0] if text.split() else text
        length = len(command.encode("utf-16-le")) // 2
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]


def _file_ids(prefix: str, stored: SentMessage) -> Json:
    return {
        "file_id": f"{prefix}{stored.message_id}",
        "file_unique_id": f"{prefix}u{stored.message_id}",
    }


def _drop_before(times: deque[float], cutoff: float) -> None:
    while times and times[0] <= cutoff:
        times.popleft()
