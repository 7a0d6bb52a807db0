"""A local fake Discord: the HTTP API and the gateway websocket on 127.0.0.1.

The real discord.py client talks to it over real sockets: it logs in over HTTP, connects to
the gateway (HELLO, IDENTIFY, READY, GUILD_CREATE, heartbeats, zlib-stream compression) and
receives MESSAGE_CREATE and INTERACTION_CREATE dispatches that tests inject. Every HTTP
request is checked against Discord's OpenAPI spec and every answer the fake gives is checked
too, so the fake cannot drift into accepting what Discord would refuse.

Point discord.py at it with `fake.patch_discord(monkeypatch)` (tests) or `fake.point_discord()`
(benchmarks).

Interactions can also come the other way, as Discord's HTTP interactions endpoint delivers
them: with `fake.interactions_url` set, `interact` (and so `slash` and `press`) posts each one,
signed with the application's key, to the bot's endpoint instead of dispatching it over the
gateway. The bot's HTTP answer is checked against the spec's callback body and recorded as if
it had been posted to the callback route, so every helper reads both paths alike.
"""

from __future__ import annotations

import asyncio
import json
import time
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl
from aiohttp import web
from nacl.signing import SigningKey

from tests.fakes import discord_payloads as P
from tests.fakes.discord_spec import API_PREFIX, DiscordSpec
from tests.fakes.fake_server import FakeServer, Faults, read_body


@dataclass
class Recorded:
    """One HTTP request the bot made, and what the fake answered."""

    method: str
    path: str  # without the /api/v10 prefix
    template: str | None  # the spec's route template, None for an unknown route
    query: dict[str, str]
    body: Any  # parsed JSON (or payload_json of a multipart upload)
    files: tuple[str, ...]
    status: int = 0
    answer: Any = None
    at: float = field(default_factory=time.monotonic)
    authorized: bool = False


@dataclass(frozen=True)
class Fault:
    """An injected failure: the answer some request gets instead of the real one."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Guild:
    id: str
    name: str
    owner: dict[str, Any]
    channels: list[dict[str, Any]]

    @property
    def channel(self) -> dict[str, Any]:
        return self.channels[0]


@dataclass(frozen=True, slots=True)
class DiscordLimits:
    """Discord's rate limits as the fake enforces them: 50 requests per second per bot (the
    interaction endpoints are exempt, as on Discord), and the message route's bucket of 5
    per 5 seconds per channel."""

    per_second: int = 50
    channel_messages: int = 5
    channel_seconds: float = 5.0


MESSAGES_ROUTE = "/channels/{channel_id}/messages"


class FakeDiscord(FakeServer[Recorded]):
    def __init__(
        self,
        spec: DiscordSpec,
        token: str,
        *,
        allow_message_content: bool = True,
        validate: bool = True,
        enforce_limits: bool = False,
        limits: DiscordLimits | None = None,
    ):
        super().__init__()
        self.enforce_limits = enforce_limits
        self.limits = limits or DiscordLimits()
        self.rate_limited = 0  # 429s answered because a limit was broken
        self.rate_limited_by: dict[str, int] = {}  # "global" | "route"
        self._requests_at: deque[float] = deque()
        self._channel_posts: dict[str, deque[float]] = {}
        self.spec = spec
        self.validate = validate  # benchmarks switch it off: the tests do the checking
        self.token = token
        self.allow_message_content = allow_message_content
        self.bot_user = P.user("Backline", bot=True)
        self.app_id = self.bot_user["id"]  # like real bots: application id == bot user id
        self.owner = P.user("Host")
        self.guilds: list[Guild] = []
        self.dm_channels: dict[str, dict[str, Any]] = {}  # user id -> DM channel
        self.messages: dict[str, dict[str, Any]] = {}  # message id -> message
        self.commands: list[dict[str, Any]] = []
        self.interactions: dict[str, dict[str, Any]] = {}  # token -> payload
        self.originals: dict[str, str] = {}  # interaction token -> response message id
        self.followups: dict[str, list[str]] = {}  # interaction token -> follow-up ids
        self.violations: list[str] = []
        self.identifies: list[dict[str, Any]] = []
        self.faults: Faults[Fault] = Faults()
        self.listeners: list[Callable[[Recorded], None]] = []  # called for every request
        self._sockets: list[_GatewaySocket] = []
        self._seq = 0
        self.signing_key = SigningKey.generate()  # the application's, as Discord holds it
        self.interactions_url: str | None = None  # set: interactions are posted there
        self.http_answers: list[tuple[int, Any]] = []  # (status, body) the bot's endpoint gave
        # Interaction tokens whose HTTP answer is on its way: on Discord the answer's message
        # exists once the answer is read, so reading it back waits for that.
        self._answering: dict[str, asyncio.Event] = {}

    # -- lifecycle ----------------------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._http)

    async def _before_stop(self) -> None:
        for sock in list(self._sockets):
            await sock.ws.close()

    @property
    def public_key(self) -> str:
        """The application's public key (Developer Portal -> General Information)."""
        return self.signing_key.verify_key.encode().hex()

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def patch_discord(self, monkeypatch: Any) -> None:
        """Route discord.py's REST and gateway traffic here for one test."""
        monkeypatch.setattr(discord.http.Route, "BASE", self.base_url + API_PREFIX)
        monkeypatch.setattr(
            discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(self.gateway_url)
        )

    def point_discord(self) -> None:
        """The same for a whole process (benchmarks)."""
        discord.http.Route.BASE = self.base_url + API_PREFIX
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)

    # -- world building -----------------------------------------------------------------------

    def add_guild(self, name: str, channel_names: tuple[str, ...] = ("training",)) -> Guild:
        guild_id = P.snowflake()
        channels = [P.text_channel(guild_id, n, i) for i, n in enumerate(channel_names)]
        guild = Guild(guild_id, name, self.owner, channels)
        self.guilds.append(guild)
        return guild

    def dm_channel_for(self, who: dict[str, Any]) -> dict[str, Any]:
        if who["id"] not in self.dm_channels:
            self.dm_channels[who["id"]] = P.dm_channel(who)
        return self.dm_channels[who["id"]]

    def guild_of(self, channel_id: str) -> Guild | None:
        for guild in self.guilds:
            if any(c["id"] == channel_id for c in guild.channels):
                return guild
        return None

    # -- faults -------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        template: str,
        status: int,
        body: dict[str, Any],
        *,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        fault = Fault(status, body, headers or {})
        self.faults.add((method.upper(), template), fault, times=times)

    def rate_limit_next(self, method: str, template: str, retry_after: float) -> None:
        """A per-route 429 as Discord sends it (behind its proxy, hence the Via header)."""
        self.fail_next(
            method,
            template,
            429,
            {
                "message": "You are being rate limited.",
                "retry_after": retry_after,
                "global": False,
                "code": 0,
            },
            headers={
                "Via": "1.1 google",
                "Retry-After": str(max(1, round(retry_after))),
                "X-RateLimit-Scope": "user",
            },
        )

    def revoke_token(self, new_token: str) -> None:
        """The host reset the bot token in the Developer Portal: the old one gets 401."""
        self.token = new_token

    async def close_gateway(self, code: int, reason: bytes = b"") -> None:
        """Discord ends every gateway session with `code` (4004: authentication failed)."""
        for sock in list(self._sockets):
            await sock.ws.close(code=code, message=reason)

    # -- waiting ------------------------------------------------------------------------------

    async def wait_identified(self, count: int = 1, timeout: float = 10.0) -> None:
        await self.wait_for(lambda: len(self.identifies) >= count, timeout=timeout, what="IDENTIFY")

    async def sync(self, timeout: float = 10.0) -> None:
        """A barrier: once the client answers a server-requested heartbeat, it has parsed
        every dispatch sent before it (the gateway is read in order)."""
        for sock in list(self._sockets):
            await sock.barrier(timeout)

    # -- gateway ------------------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        for sock in list(self._sockets):
            if sock.ready:
                self._seq += 1
                await sock.send({"op": 0, "t": event, "s": self._seq, "d": data})

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        sock = _GatewaySocket(ws, request.query.get("compress") == "zlib-stream")
        self._sockets.append(sock)
        try:
            await sock.send({"op": 10, "s": None, "t": None, "d": {"heartbeat_interval": 41250}})
            async for msg in ws:
                if msg.type.name != "TEXT":
                    continue
                await self._gateway_op(sock, json.loads(msg.data))
        finally:
            self._sockets.remove(sock)
        return ws

    async def _gateway_op(self, sock: _GatewaySocket, msg: dict[str, Any]) -> None:
        op = msg.get("op")
        if op == 1:  # heartbeat
            sock.heartbeat_seen()
            await sock.send({"op": 11, "s": None, "t": None, "d": None})
        elif op == 2:  # identify
            await self._identify(sock, msg["d"])
        elif op == 6:  # resume: this fake keeps no sessions
            await sock.send({"op": 9, "s": None, "t": None, "d": False})

    async def _identify(self, sock: _GatewaySocket, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await sock.ws.close(code=4004, message=b"Authentication failed.")
            return
        if data.get("intents", 0) & P.MESSAGE_CONTENT_INTENT and not self.allow_message_content:
            await sock.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        self.identifies.append(data)
        sock.intents = data.get("intents", 0)
        self._seq += 1
        ready = {
            "v": 10,
            "user": P.me(self.bot_user),
            "guilds": [{"id": g.id, "unavailable": True} for g in self.guilds],
            "session_id": "fake-session-" + P.snowflake(),
            "resume_gateway_url": self.gateway_url,
            "application": {"id": self.app_id, "flags": 1 << 19},
            "private_channels": [],
            "relationships": [],
            "user_settings": {},
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "shard": data.get("shard") or [0, 1],
        }
        await sock.send({"op": 0, "t": "READY", "s": self._seq, "d": ready})
        sock.ready = True
        for g in self.guilds:
            await self.dispatch(
                "GUILD_CREATE",
                P.guild_create(g.id, g.name, g.owner["id"], g.channels, self.bot_user),
            )
        await self._notify()

    # -- HTTP ---------------------------------------------------------------------------------

    async def _http(self, request: web.Request) -> web.Response:
        path = request.path[len(API_PREFIX) :]
        answering = next((e for t, e in self._answering.items() if f"/{t}/" in path), None)
        if answering is not None:
            await answering.wait()
        query = dict(request.query)
        received = await read_body(request)
        payload_json = received.form.get("payload_json")
        body = json.loads(payload_json) if payload_json is not None else received.json
        files = tuple(received.files)
        content_type = received.content_type if body is not None else "application/json"
        op = self.spec.operation(request.method, path)
        rec = Recorded(
            request.method,
            path,
            op.template if op else None,
            query,
            body,
            files,
            authorized=request.headers.get("Authorization") == f"Bot {self.token}",
        )
        self.requests.append(rec)
        if self.validate:
            self.violations += self.spec.check_request(
                request.method, path, query, body, content_type=content_type, files=files
            )
        status, answer, headers = self._answer(rec)
        rec.status, rec.answer = status, answer
        if self.validate:
            self.violations += self.spec.check_response(request.method, path, status, answer)
        for listener in self.listeners:
            listener(rec)
        await self._notify()
        if status == 204:
            return web.Response(status=204, headers=headers)
        # exactly "application/json", no charset: discord.py compares the header verbatim
        headers = {**headers, "Content-Type": "application/json"}
        return web.Response(body=json.dumps(answer).encode(), status=status, headers=headers)

    def _answer(self, rec: Recorded) -> tuple[int, Any, dict[str, str]]:
        fault = self.faults.take((rec.method, rec.template), rec)
        if fault is not None:
            return fault.status, fault.body, fault.headers
        webhook = rec.template is not None and rec.template.startswith(
            ("/interactions/", "/webhooks/")
        )
        if not webhook and not rec.authorized:
            return 401, {"message": "401: Unauthorized", "code": 0}, {}
        if self.enforce_limits and not webhook:
            limited = self._check_limits(rec)
            if limited is not None:
                return limited
        handler = _ROUTES.get((rec.method, rec.template or ""))
        if handler is None:
            self.violations.append(f"the fake does not implement {rec.method} {rec.template}")
            return 404, {"message": "404: Not Found", "code": 0}, {}
        return handler(self, rec)

    def _check_limits(self, rec: Recorded) -> tuple[int, Any, dict[str, str]] | None:
        now = rec.at
        sent = self._requests_at
        while sent and sent[0] <= now - 1.0:
            sent.popleft()
        if len(sent) >= self.limits.per_second:
            return self._limited("global", sent[0] + 1.0 - now)
        posts = None
        if rec.method == "POST" and rec.template == MESSAGES_ROUTE:
            posts = self._channel_posts.setdefault(rec.path.split("/")[2], deque())
            window = self.limits.channel_seconds
            while posts and posts[0] <= now - window:
                posts.popleft()
            if len(posts) >= self.limits.channel_messages:
                return self._limited("route", posts[0] + window - now)
            posts.append(now)
        sent.append(now)
        return None

    def _limited(self, kind: str, wait: float) -> tuple[int, Any, dict[str, str]]:
        """A 429 as Discord answers it (behind its proxy, hence the Via header)."""
        self.rate_limited += 1
        self.rate_limited_by[kind] = self.rate_limited_by.get(kind, 0) + 1
        wait = round(max(wait, 0.001), 3)
        body = {
            "message": "You are being rate limited.",
            "retry_after": wait,
            "global": kind == "global",
            "code": 0,
        }
        headers = {
            "Via": "1.1 google",
            "Retry-After": str(max(1, round(wait))),
            "X-RateLimit-Scope": "global" if kind == "global" else "user",
        }
        if kind == "global":
            headers["X-RateLimit-Global"] = "true"
        return 429, body, headers

    # -- route handlers -----------------------------------------------------------------------

    def _get_me(self, rec: Recorded) -> tuple[int, Any, dict[str, str]]:
        return 200, P.me(self.bot_user), {}

    def _get_app(self, rec: Recorded) -> tuple[int, Any, dict[str, str]]:
        return 200, P.application(self.app_id, self.owner, self.bot_user, self.public_key), {}

    def _gateway_bot(self, rec: Recorded) -> tuple[int, Any, dict[str, str]]:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return 200, {"url": self.gateway_url, "shards": 1, "session_start_limit": limit}, {}

    def _put_commands(self, rec: Recorded) -> tuple[int, Any, dict[str, str]]:
        self.commands = [
            {
                "id": P.snowflake(),
                "application_id": self.app_id,
                "version": P.snowflake(),
                "default_member_permissions": _str_or_none(cmd.get("default_member_permissions")),
                "type": cmd.get("type") or 1,
                "name": cmd["name"],
                "description": cmd.get("description") or "",
                "options": cmd.get("options") or [],
                "dm_permission": cmd.get("dm_permission", True),
                "nsfw": cmd.get("nsfw", False),
                "contexts": cmd.get("contexts"),
                "integration_types": cmd.get("integration_types") or [0],
            }
            for cmd in rec.body or []
        ]
        return 200, self.commands, {}

    def _get_commands(self, rec: Recorded) -> tuple[int, Any, dict[str, str]]:
        return 200, self.commands, {}

    def _open_dm(self, rec: Recorded) -> tuple[int, Any, dict[str, str]]:
        recipient = str((rec.body or {}).get("recipient_id"))
        who = {**P.user("someone"), "id": recipient}
        channel = self.dm_channels.get(recipient) or self.dm_channel_for(who)
        return 200, channel, {}

    def _post_message(self, rec: Recorded) -> tuple[int, Any, dict[str, str]]:
        channel_id = rec.path.split("/")[2]
        guild = self.guild_of(channel_id)
        dm_known = any(c["id"] == channel_id for c in self.dm_channels.values())
        if guild is None and not dm_known:
            return 404, {"message": "Unknown Channel", "code": 10003}, {}
        msg = self._store_message(rec.body or {}, channel_id, guild.id if guild else None)
        self._echo(msg)
        return 200, P.as_http(msg), {}

    def _get_message(self, rec: Recorded) -> tuple[int, Any, dict[str, str]]:
        msg = self.messages.get(rec.path.split("/")[4])
        if msg is None:
            return 404, {"message": "Unknown Message", "code": 10008}, {}
        return 200, P.as_http(msg), {}

    def _callback(self, rec: Recorded) -> tuple[int, Any, dict[str, str]]:
        token = rec.path.split("/")[3]
        inter = self.interactions.get(token)
        if inter is None:
            return 404, {"message": "Unknown interaction", "code": 10062}, {}
        body = rec.body or {}
        kind = body.get("type")
        data = body.get("data") or {}
        resource: dict[str, Any] | None = None
        info: dict[str, Any] = {"id": inter["id"], "type": inter["type"]}
        if kind in (4, 5):
            msg = self._store_message(data, inter["channel_id"], inter.get("guild_id"), True)
            if kind == 5:
                msg["flags"] |= P.LOADING
            msg["interaction_metadata"] = {
                "id": inter["id"],
                "type": inter["type"],
                "user": inter.get("user") or inter["member"]["user"],
                "authorizing_integration_owners": inter["authorizing_integration_owners"],
            }
            if inter["type"] == 5:  # a submitted modal: it names the press that opened it
                meta = msg["interaction_metadata"]
                trigger = {k: meta[k] for k in ("user", "authorizing_integration_owners")}
                trigger |= {"id": P.snowflake(), "type": 3}
                if "message" in inter:
                    trigger["interacted_message_id"] = inter["message"]["id"]
                meta["triggering_interaction_metadata"] = trigger
            elif "message" in inter:  # a pressed button: which message carried it
                msg["interaction_metadata"]["interacted_message_id"] = inter["message"]["id"]
            self.originals[token] = msg["id"]
            info["response_message_id"] = msg["id"]
            info["response_message_loading"] = kind == 5
            info["response_message_ephemeral"] = bool(msg["flags"] & P.EPHEMERAL)
            if kind == 4:  # a deferred answer (5) has no message to show yet
                resource = {"type": kind, "message": P.as_http(msg)}
            if not msg["flags"] & P.EPHEMERAL:
                self._echo(msg)
        elif kind == 7 and "message" in inter:
            msg = self.messages[inter["message"]["id"]]
            _apply_edit(msg, data)
            resource = {"type": 7, "message": P.as_http(msg)}
        if rec.query.get("with_response") not in ("1", "true"):
            return 204, None, {}
        answer: dict[str, Any] = {"interaction": info}
        if resource is not None:
            answer["resource"] = resource
        return 200, answer, {}

    def _followup(self, rec: Recorded) -> tuple[int, Any, dict[str, str]]:
        token = rec.path.split("/")[3]
        inter = self.interactions.get(token)
        if inter is None:
            return 404, {"message": "Unknown Webhook", "code": 10015}, {}
        original = self.messages.get(self.originals.get(token, ""))
        if original is not None and original["flags"] & P.LOADING:
            # Discord: the first follow-up after a "thinking" defer replaces that message.
            _apply_edit(original, rec.body or {})
            original["flags"] &= ~P.LOADING
            msg = original
        else:
            msg = self._store_message(
                rec.body or {}, inter["channel_id"], inter.get("guild_id"), True
            )
            self.followups.setdefault(token, []).append(msg["id"])
            if not msg["flags"] & P.EPHEMERAL:
                self._echo(msg)
        if rec.query.get("wait") not in ("1", "true"):
            return 204, None, {}
        return 200, P.as_http(msg), {}

    def _original(self, rec: Recorded) -> tuple[int, Any, dict[str, str]]:
        msg_id = self.originals.get(rec.path.split("/")[3])
        if msg_id is None:
            return 404, {"message": "Unknown Message", "code": 10008}, {}
        if rec.method == "PATCH":
            _apply_edit(self.messages[msg_id], rec.body or {})
        return 200, P.as_http(self.messages[msg_id]), {}

    # -- helpers for handlers -----------------------------------------------------------------

    def _store_message(
        self, body: dict[str, Any], channel_id: str, guild_id: str | None, webhook: bool = False
    ) -> dict[str, Any]:
        """A message the bot sent (`webhook`: as an interaction answer or follow-up)."""
        ref = body.get("message_reference")
        if ref:  # requests may carry snowflakes as numbers; Discord stores strings
            ref = {k: str(v) if k.endswith("_id") else v for k, v in ref.items()}
        referenced = self.messages.get(ref["message_id"]) if ref else None
        msg = P.message(
            channel_id=channel_id,
            author=self.bot_user,
            content=body.get("content") or "",
            guild_id=guild_id,
            reference={**ref, "type": 0, "channel_id": channel_id} if ref else None,
            referenced=referenced,
            embeds=[_embed_as_sent(e) for e in body.get("embeds") or []],
            components=P.to_message_components(body.get("components")),
            flags=body.get("flags") or 0,
        )
        if ref and guild_id:
            msg["message_reference"]["guild_id"] = guild_id
        msg["attachments"] = [
            P.attachment(a.get("filename", "file"), self.base_url)
            for a in body.get("attachments") or []
        ]
        if webhook:
            msg["webhook_id"] = msg["application_id"] = self.app_id
        self.messages[msg["id"]] = msg
        return msg

    def _echo(self, msg: dict[str, Any]) -> None:
        """Discord also tells the bot about its own messages over the gateway."""
        asyncio.get_running_loop().create_task(self.dispatch("MESSAGE_CREATE", msg))

    # -- what tests do ------------------------------------------------------------------------

    def sent_messages(self, channel_id: str | None = None) -> list[dict[str, Any]]:
        """Messages the bot created (any route), oldest first."""
        return self.sent_since(0, channel_id)

    async def user_message(
        self,
        who: dict[str, Any],
        content: str,
        *,
        guild: Guild | None = None,
        channel: dict[str, Any] | None = None,
        reply_to: dict[str, Any] | None = None,
        resolved: bool = True,
        forward_of: dict[str, Any] | None = None,
        attachments: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A person posts in a DM (no guild) or a guild channel; MESSAGE_CREATE follows."""
        channel = self.dm_channel_for(who) if guild is None else channel or guild.channel
        guild_id = guild.id if guild else None
        reference = None
        if reply_to is not None:
            reference = P.reply_reference(reply_to, guild_id)
        if forward_of is not None:
            reference = {**P.reply_reference(forward_of, guild_id), "type": 1}
        msg = P.message(
            channel_id=channel["id"],
            author=who,
            content=content,
            guild_id=guild_id,
            reference=reference,
            referenced=reply_to if resolved else None,
        )
        msg["attachments"] = attachments or []
        if forward_of is not None:
            fields = ("type", "content", "embeds", "attachments", "timestamp", "edited_timestamp")
            snapshot = {k: forward_of[k] for k in fields}
            snapshot.update(flags=forward_of["flags"], mentions=[], mention_roles=[], components=[])
            msg["message_snapshots"] = [{"message": snapshot}]
        if guild is not None:
            msg["member"] = P.member(who, with_user=False)
        self.messages[msg["id"]] = msg
        await self.dispatch("MESSAGE_CREATE", msg)
        return msg

    async def edit_user_message(self, msg: dict[str, Any], content: str) -> None:
        msg["content"] = content
        msg["edited_timestamp"] = P.now_iso()
        await self.dispatch("MESSAGE_UPDATE", msg)

    async def interact(
        self,
        kind: int,
        data: dict[str, Any],
        who: dict[str, Any],
        *,
        guild: Guild | None = None,
        permissions: int = P.MEMBER_PERMISSIONS,
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        if guild is None:
            channel = self.dm_channel_for(who)
        elif message is not None:
            channel = next(c for c in guild.channels if c["id"] == message["channel_id"])
        else:
            channel = guild.channel
        if guild is not None:
            channel = {**channel, "permissions": str(permissions)}
        payload = P.interaction(
            kind,
            data,
            app_id=self.app_id,
            who=who,
            channel=channel,
            guild_id=guild.id if guild else None,
            permissions=permissions,
            message=message,
        )
        self.interactions[payload["token"]] = payload
        if self.interactions_url is not None:
            await self.post_interaction(payload)
        else:
            await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    # -- HTTP interactions --------------------------------------------------------------------

    def signed_headers(self, body: bytes, timestamp: str | None = None) -> dict[str, str]:
        stamp = timestamp if timestamp is not None else str(int(time.time()))
        signature = self.signing_key.sign(stamp.encode() + body).signature.hex()
        return {
            "X-Signature-Ed25519": signature,
            "X-Signature-Timestamp": stamp,
            "Content-Type": "application/json",
        }

    async def post_signed(
        self, body: bytes, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        """POST `body` to the bot's interactions endpoint (signed unless `headers` say
        otherwise): its status and JSON answer (None when it has none)."""
        assert self.interactions_url is not None, "set fake.interactions_url first"
        headers = self.signed_headers(body) if headers is None else headers
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.interactions_url, data=body, headers=headers) as response,
        ):
            answer = await response.json() if response.content_type == "application/json" else None
            return response.status, answer

    async def post_interaction(self, payload: dict[str, Any]) -> tuple[int, Any]:
        """Deliver an interaction as Discord's HTTP endpoint does; the answer is checked
        and applied as a callback."""
        answered = self._answering[payload["token"]] = asyncio.Event()
        try:
            status, answer = await self._answer_over_http(payload)
        finally:
            answered.set()
            self._answering.pop(payload["token"], None)
        return status, answer

    async def _answer_over_http(self, payload: dict[str, Any]) -> tuple[int, Any]:
        status, answer = await self.post_signed(json.dumps(payload).encode())
        self.http_answers.append((status, answer))
        if status != 200 or not isinstance(answer, dict):
            self.violations.append(f"the interactions endpoint answered {status}: {answer!r}")
            return status, answer
        path = f"/interactions/{payload['id']}/{payload['token']}/callback"
        op = self.spec.operation("POST", path)
        rec = Recorded("POST", path, op.template if op else None, {}, answer, ())
        if self.validate:  # the body is what Discord reads as the callback's request body
            self.violations += self.spec.check_request("POST", path, {}, answer)
        self._callback(rec)
        rec.status = status
        self.requests.append(rec)
        for listener in self.listeners:
            listener(rec)
        await self._notify()
        return status, answer

    async def slash(
        self,
        who: dict[str, Any],
        name: str,
        options: dict[str, str] | None = None,
        *,
        guild: Guild | None = None,
        permissions: int = P.MEMBER_PERMISSIONS,
        focused: str | None = None,
    ) -> dict[str, Any]:
        """A slash command (or, with `focused`, an autocomplete request while typing it)."""
        cmd = next((c for c in self.commands if c["name"] == name), None)
        opts = []
        for key, value in (options or {}).items():
            opt: dict[str, Any] = {"name": key, "type": 3, "value": value}
            if key == focused:
                opt["focused"] = True
            opts.append(opt)
        data: dict[str, Any] = {
            "id": cmd["id"] if cmd else P.snowflake(),
            "name": name,
            "type": 1,
            "options": opts,
        }
        if guild is not None:
            data["guild_id"] = guild.id
        kind = 4 if focused else 2
        return await self.interact(kind, data, who, guild=guild, permissions=permissions)

    async def press(
        self,
        who: dict[str, Any],
        message: dict[str, Any],
        custom_id: str,
        *,
        guild: Guild | None = None,
    ) -> dict[str, Any]:
        data = {"custom_id": custom_id, "component_type": 2}
        return await self.interact(3, data, who, guild=guild, message=message)

    def callbacks(self, inter: dict[str, Any]) -> list[Recorded]:
        return [r for r in self.requests if inter["token"] in r.path]

    def shown_for(self, inter: dict[str, Any]) -> list[dict[str, Any]]:
        """The messages that answered an interaction: the response, then the follow-ups."""
        token = inter["token"]
        ids = ([self.originals[token]] if token in self.originals else []) + self.followups.get(
            token, []
        )
        return [self.messages[i] for i in ids]

    def mark(self) -> int:
        return len(self.messages)

    def sent_since(self, mark: int, channel_id: str | None = None) -> list[dict[str, Any]]:
        """Bot messages created after `mark` (see `mark()`), oldest first."""
        later = list(self.messages.values())[mark:]
        return [
            m
            for m in later
            if m["author"]["id"] == self.bot_user["id"]
            and (channel_id is None or m["channel_id"] == channel_id)
        ]

    async def answers_to(
        self, inter: dict[str, Any], count: int = 1, timeout: float = 10.0
    ) -> list[Recorded]:
        return await self.wait_requests(
            lambda r: inter["token"] in r.path and r.method == "POST", count=count, timeout=timeout
        )


class _GatewaySocket:
    def __init__(self, ws: web.WebSocketResponse, compress: bool) -> None:
        self.ws = ws
        self.ready = False
        self.intents = 0
        self._deflate = zlib.compressobj() if compress else None
        self._lock = asyncio.Lock()
        self._barrier: asyncio.Future[None] | None = None

    async def send(self, payload: dict[str, Any]) -> None:
        text = json.dumps(payload)
        async with self._lock:  # one zlib stream: frames must go out in order
            if self._deflate is None:
                await self.ws.send_str(text)
            else:
                data = self._deflate.compress(text.encode()) + self._deflate.flush(
                    zlib.Z_SYNC_FLUSH
                )
                await self.ws.send_bytes(data)

    def heartbeat_seen(self) -> None:
        if self._barrier is not None and not self._barrier.done():
            self._barrier.set_result(None)

    async def barrier(self, timeout: float) -> None:
        self._barrier = asyncio.get_running_loop().create_future()
        await self.send({"op": 1, "s": None, "t": None, "d": None})
        await asyncio.wait_for(self._barrier, timeout)


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _embed_as_sent(embed: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in embed.items() if v is not None}
    out.setdefault("type", "rich")
    return out


def _apply_edit(msg: dict[str, Any], body: dict[str, Any]) -> None:
    if "content" in body:
        msg["content"] = body["content"] or ""
    if "embeds" in body:
        msg["embeds"] = [_embed_as_sent(e) for e in body["embeds"] or []]
    if "components" in body:
        msg["components"] = P.to_message_components(body["components"])
    msg["edited_timestamp"] = P.now_iso()


_ROUTES: dict[
    tuple[str, str], Callable[[FakeDiscord, Recorded], tuple[int, Any, dict[str, str]]]
] = {
    ("GET", "/users/@me"): FakeDiscord._get_me,
    ("GET", "/oauth2/applications/@me"): FakeDiscord._get_app,
    ("GET", "/gateway/bot"): FakeDiscord._gateway_bot,
    ("PUT", "/applications/{application_id}/commands"): FakeDiscord._put_commands,
    ("GET", "/applications/{application_id}/commands"): FakeDiscord._get_commands,
    ("POST", "/users/@me/channels"): FakeDiscord._open_dm,
    ("POST", "/channels/{channel_id}/messages"): FakeDiscord._post_message,
    ("GET", "/channels/{channel_id}/messages/{message_id}"): FakeDiscord._get_message,
    (
        "POST",
        "/interactions/{interaction_id}/{interaction_token}/callback",
    ): FakeDiscord._callback,
    ("POST", "/webhooks/{webhook_id}/{webhook_token}"): FakeDiscord._followup,
    ("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"): FakeDiscord._original,
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"): FakeDiscord._original,
}
