"""The optional HTTP endpoint (BACKLINE_HTTP_PORT): /healthz, /metrics, the Telegram webhook
and Discord's interactions.

Bound to 127.0.0.1 by default: a reverse proxy in front terminates HTTPS for the webhook, and
the metrics stay private unless the host chooses otherwise (BACKLINE_HTTP_HOST).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.ops.metrics import Family, render

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Health:
    database: bool
    adapters: dict[str, bool] = field(default_factory=dict)
    problems: tuple[str, ...] = ()  # why the database is not ok, in the host's words

    @property
    def ok(self) -> bool:
        return self.database and all(self.adapters.values())

    def to_json(self) -> dict[str, Any]:
        down = [f"{name} is not connected" for name, up in self.adapters.items() if not up]
        return {
            "ok": self.ok,
            "database": self.database,
            "adapters": self.adapters,
            "problems": [*self.problems, *down],
        }


@dataclass(frozen=True, slots=True)
class Webhook:
    """Where Telegram posts updates, the secret it sends back, and who takes the update.
    `feed` returns False when the bot can't take updates right now (Telegram retries)."""

    path: str
    secret: str
    feed: Callable[[dict[str, Any]], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class Route:
    """A platform's own POST handler, for requests it checks and answers itself (Discord's
    signed interactions, answered in the response body)."""

    path: str
    handle: Callable[[web.Request], Awaitable[web.StreamResponse]]


class HttpEndpoint:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        health: Callable[[], Awaitable[Health]],
        metrics: Callable[[], Awaitable[list[Family]]],
        webhook: Webhook | None = None,
        routes: Sequence[Route] = (),
    ) -> None:
        self.host = host
        self.port = port
        self._health = health
        self._metrics = metrics
        self._webhook = webhook
        self._routes = tuple(routes)
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=1024 * 1024)  # updates are small JSON
        app.router.add_get("/healthz", self._on_health)
        app.router.add_get("/metrics", self._on_metrics)
        if self._webhook is not None:
            app.router.add_post(self._webhook.path, self._on_webhook)
        for route in self._routes:
            app.router.add_post(route.path, route.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        log.info("HTTP endpoint listening on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _on_health(self, _request: web.Request) -> web.Response:
        health = await self._health()
        return web.json_response(health.to_json(), status=200 if health.ok else 503)

    async def _on_metrics(self, _request: web.Request) -> web.Response:
        body = render(await self._metrics())
        return web.Response(body=body.encode(), headers={"Content-Type": PROMETHEUS_TYPE})

    async def _on_webhook(self, request: web.Request) -> web.Response:
        assert self._webhook is not None
        given = request.headers.get(SECRET_HEADER, "")
        # Checked before the body is read: a stranger's post costs nothing and reaches nothing.
        if not hmac.compare_digest(given.encode(), self._webhook.secret.encode()):
            log.warning("refused a webhook post without the right secret token")
            return web.Response(status=403)
        try:
            data = await request.json()
        except (ValueError, json.JSONDecodeError):
            return web.Response(status=400)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(status=400)
        if not await self._webhook.feed(data):
            return web.Response(status=503)
        return web.Response(status=200)
