"""Discord's HTTP interactions endpoint: slash commands, button presses and form submits posted
by Discord to any Backline process behind a load balancer, instead of (or as well as) arriving
over one process's gateway.

Every request is signed by Discord (Ed25519 over timestamp + body, with the application's
public key); anything else gets 401. A PING gets a PONG. Everything else is handed to
discord.py exactly as a gateway INTERACTION_CREATE is (the same command tree, buttons, forms,
inbox and answers as bot.adapters.discord): the only difference is where the first answer
goes. Over the gateway discord.py posts it to the interaction's callback route; here it must
be the HTTP response's body, so the webhook adapter discord.py answers through is swapped
for one that hands that first answer to the waiting request (`CapturedAnswers`). Follow-ups
still go through the webhook route, as on the gateway path.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import discord
from aiohttp import web
from discord.webhook.async_ import AsyncWebhookAdapter, async_context
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from bot.adapters.discord_options import INTERACTIONS_PATH
from bot.ops.http import Route

log = logging.getLogger(__name__)

PATH = INTERACTIONS_PATH  # bot.adapters.discord_options: doctor reads it without discord.py
SIGNATURE_HEADER = "X-Signature-Ed25519"
TIMESTAMP_HEADER = "X-Signature-Timestamp"
# A signed request older (or newer) than this is refused: a recorded request can't be
# replayed later. Discord signs the moment it sends, so only clock skew counts against it.
MAX_AGE = 300.0
# Discord waits 3 s for the answer. The adapter defers at 2 s (DEFER_AFTER) when the coach is
# slow; this is the last resort if even that did not come (we defer on its behalf).
ANSWER_WITHIN = 2.6
LATE_ANSWER_KEPT = 900.0  # an interaction token is valid for 15 minutes
# Reading back the message Discord made of an answer body: the waits after a 404 (Discord
# may not have made it yet), the last try without a wait after it.
READ_BACK_WAITS = (0.2, 1.0, 0.0)
PING, COMPONENT = 1, 3  # interaction types
PONG, MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE = 1, 4, 5, 6  # answer types
EPHEMERAL = 1 << 6

Payload = dict[str, Any]


class Signatures:
    """Checks Discord's signature on a request (the application's public key, hex)."""

    def __init__(self, public_key: str, clock: Callable[[], float] = time.time) -> None:
        self._key = VerifyKey(bytes.fromhex(public_key))
        self._clock = clock

    def valid(self, signature: str, timestamp: str, body: bytes) -> bool:
        try:
            stamp = float(timestamp)
            self._key.verify(timestamp.encode() + body, bytes.fromhex(signature))
        except (BadSignatureError, ValueError, TypeError):
            # (a signature of the wrong length is a ValueError in PyNaCl too)
            return False
        return abs(self._clock() - stamp) <= MAX_AGE


@dataclass(slots=True)
class _Waiting:
    """One interaction whose first answer the HTTP request is waiting for."""

    kind: int  # the interaction's type
    application_id: int
    answer: asyncio.Future[Payload] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    answered: asyncio.Event = field(default_factory=asyncio.Event)  # the body went out
    deferred_for_it: bool = False  # we deferred on discord.py's behalf: it was too slow


class CapturedAnswers(AsyncWebhookAdapter):
    """discord.py's webhook adapter, except that an HTTP interaction's first answer becomes the
    waiting request's response body. Everything else (follow-ups, edits) is discord.py's."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting: dict[int, _Waiting] = {}

    async def create_interaction_response(  # type: ignore[override]
        self,
        interaction_id: int,
        token: str,
        *,
        session: Any,
        proxy: str | None = None,
        proxy_auth: Any = None,
        params: Any,
    ) -> Payload:
        waiting = self.waiting.get(interaction_id)
        if waiting is None:  # a gateway interaction: answered through the callback route
            answer: Payload = await super().create_interaction_response(  # type: ignore[assignment]
                interaction_id,
                token,
                session=session,
                proxy=proxy,
                proxy_auth=proxy_auth,
                params=params,
            )
            return answer
        body, files = _answer_parts(params)
        info: Payload = {"id": str(interaction_id), "type": waiting.kind}
        if waiting.deferred_for_it or files:
            # The body is (or must be) a deferral: a message goes out as the first
            # follow-up, which replaces the "thinking…" one (Discord refuses a multipart body
            # here, so an answer with files is always a follow-up).
            if not waiting.deferred_for_it:
                waiting.answer.set_result(_deferral(waiting.kind, body))
                await waiting.answered.wait()
            self.waiting.pop(interaction_id, None)
            if body["type"] == MESSAGE:
                sent = await self._follow_up(waiting, token, session, body, files)
                info["response_message_id"] = sent["id"] if sent else None
            return {"interaction": info}
        waiting.answer.set_result(body)
        await waiting.answered.wait()
        self.waiting.pop(interaction_id, None)
        if body["type"] == MESSAGE:
            # The id of the message Discord made of the body: replies to it are linked.
            original = await self._original(waiting, token, session)
            info["response_message_id"] = original["id"] if original else None
            flags = (body.get("data") or {}).get("flags") or 0
            info["response_message_ephemeral"] = bool(flags & EPHEMERAL)
        elif body["type"] == DEFERRED_MESSAGE:
            info["response_message_loading"] = True
        return {"interaction": info}

    async def _follow_up(
        self,
        waiting: _Waiting,
        token: str,
        session: Any,
        body: Payload,
        files: list[discord.File],
    ) -> Payload | None:
        data = body.get("data") or {}
        multipart: list[dict[str, Any]] | None = None
        if files:
            multipart = [{"name": "payload_json", "value": json.dumps(data)}]
            multipart += [
                {
                    "name": f"files[{i}]",
                    "value": f.fp,
                    "filename": f.filename,
                    "content_type": "application/octet-stream",
                }
                for i, f in enumerate(files)
            ]
        sent: Any = await self.execute_webhook(
            waiting.application_id,
            token,
            session=session,
            payload=None if files else data,
            multipart=multipart,
            files=files or None,
            wait=True,
        )
        return sent

    async def _original(self, waiting: _Waiting, token: str, session: Any) -> Payload | None:
        for wait in READ_BACK_WAITS:
            try:
                found: Any = await self.get_original_interaction_response(
                    waiting.application_id, token, session=session
                )
                return found
            except discord.NotFound:
                await asyncio.sleep(wait)  # Discord may still be making the message
            except discord.HTTPException as exc:
                log.info("could not read back a Discord interaction answer (%s)", exc.status)
                break
        # Answered all the same; only a reply to this one message can't be linked.
        return None


def _answer_parts(params: Any) -> tuple[Payload, list[discord.File]]:
    """discord.py's prepared answer as JSON, and the files it carries (then it is multipart,
    its JSON in `payload_json`)."""
    if params.files:
        body = json.loads(params.multipart[0]["value"])
        return body, list(params.files)
    return dict(params.payload), []


def _deferral(kind: int, answer: Payload | None = None) -> Payload:
    """'Working on it': a pressed button's message stays as it is; a command shows
    'thinking…', only to the asker when the answer is to be theirs alone."""
    if kind == COMPONENT:
        return {"type": DEFERRED_UPDATE}
    flags = ((answer or {}).get("data") or {}).get("flags") or 0
    data = {"flags": EPHEMERAL} if flags & EPHEMERAL else {}
    return {"type": DEFERRED_MESSAGE, "data": data} if data else {"type": DEFERRED_MESSAGE}


class InteractionsEndpoint:
    """The aiohttp handler for PATH. `client` is the logged-in discord.py client whose command
    tree and buttons answer (None until it is: then Discord is told to try later)."""

    def __init__(
        self,
        public_key: str,
        client: Callable[[], discord.Client | None],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.signatures = Signatures(public_key, clock)
        self._client = client
        self.answers = CapturedAnswers()
        self.answer_within = ANSWER_WITHIN

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        signature = request.headers.get(SIGNATURE_HEADER, "")
        timestamp = request.headers.get(TIMESTAMP_HEADER, "")
        if not self.signatures.valid(signature, timestamp, body):
            # Discord itself sends such requests to check that the endpoint refuses them.
            return web.Response(status=401, text="invalid request signature")
        try:
            payload = json.loads(body)
            kind = int(payload["type"])
            if kind == PING:
                return web.json_response({"type": PONG})
            interaction_id = int(payload["id"])
            waiting = _Waiting(kind, int(payload["application_id"]))
        except (ValueError, KeyError, TypeError):
            return web.Response(status=400)  # signed, yet not an interaction
        client = self._client()
        if client is None or client.user is None:
            return web.Response(status=503)  # still logging in
        return await self._answer(request, client, payload, interaction_id, waiting)

    async def _answer(
        self,
        request: web.Request,
        client: discord.Client,
        payload: Payload,
        interaction_id: int,
        waiting: _Waiting,
    ) -> web.StreamResponse:
        self.answers.waiting[interaction_id] = waiting
        token = async_context.set(self.answers)  # inherited by the tasks discord.py starts
        try:
            client._connection.parse_interaction_create(payload)  # type: ignore[arg-type]
        finally:
            async_context.reset(token)
        try:
            answer = await asyncio.wait_for(asyncio.shield(waiting.answer), self.answer_within)
        except TimeoutError:
            waiting.deferred_for_it = True  # its answer, when it comes, is a follow-up
            answer = _deferral(waiting.kind)
            log.warning("a Discord interaction took too long; deferred it")
            asyncio.get_running_loop().call_later(
                LATE_ANSWER_KEPT, self.answers.waiting.pop, interaction_id, None
            )
        response = web.json_response(answer)
        try:
            await response.prepare(request)
            await response.write_eof()
        finally:
            waiting.answered.set()  # Discord has it now: follow-ups may go
        return response


def route(endpoint: InteractionsEndpoint) -> Route:
    """What the HTTP endpoint mounts for Discord."""
    return Route(PATH, endpoint.handle)
