"""What the fake Telegram and the fake Discord share: an aiohttp app on 127.0.0.1 (random
port), the log of requests it answered, spec violations, injected faults, request bodies read
whichever way a client encoded them, and waiting until something has happened.

Each fake adds its routes, its world (people, chats, messages) and its spec checks.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, Self, TypeVar

from aiohttp import BodyPartReader, web

T = TypeVar("T")
F = TypeVar("F")


class Answered(Protocol):
    @property
    def status(self) -> int:
        """The HTTP status answered; 0 while the fake is still working on it."""
        ...


R = TypeVar("R", bound=Answered)


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A multipart file part as the fake server received it."""

    name: str  # the form field
    filename: str
    content_type: str
    data: bytes


@dataclass(slots=True)
class Body:
    """A request body, decoded."""

    content_type: str
    form: dict[str, str] = field(default_factory=dict)  # form fields and non-file parts
    files: dict[str, UploadedFile] = field(default_factory=dict)
    json: Any = None  # a JSON body (None when there is none)


def is_json_type(value: Any, name: str) -> bool:
    """JSON Schema's type names; booleans are not numbers."""
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _JSON_TYPES[name])


_JSON_TYPES: dict[str, Any] = {
    "null": type(None),
    "boolean": bool,
    "integer": int,
    "number": (int, float),
    "string": str,
    "array": list,
    "object": dict,
}


async def read_body(request: web.Request) -> Body:
    """Form fields, file parts and JSON, whichever way the client encoded them."""
    body = Body(request.content_type)
    if body.content_type == "application/json":
        raw = await request.read()
        body.json = json.loads(raw) if raw else None
    elif body.content_type.startswith("multipart/"):
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue  # nested multipart: no client of ours sends it
            name = part.name or ""
            if part.filename is not None:
                mime = part.headers.get("Content-Type", "application/octet-stream")
                data = bytes(await part.read())
                body.files[name] = UploadedFile(name, part.filename, mime, data)
            else:
                body.form[name] = await part.text()
    elif request.can_read_body:
        posted = await request.post()
        body.form = {k: v for k, v in posted.items() if isinstance(v, str)}
    return body


@dataclass(slots=True)
class _Pending(Generic[F]):
    fault: F
    remaining: int
    applies: Callable[[Any], bool] | None


class Faults(Generic[F]):
    """Failures queued per route: the next `times` matching requests get `fault`."""

    def __init__(self) -> None:
        self._queued: dict[Any, list[_Pending[F]]] = {}

    def add(
        self, route: Any, fault: F, *, times: int = 1, when: Callable[[Any], bool] | None = None
    ) -> None:
        """`when(request)`: only requests it accepts (e.g. one chat's) take the fault."""
        self._queued.setdefault(route, []).append(_Pending(fault, times, when))

    def clear(self, route: Any) -> None:
        """Drop what is still queued for `route`: the platform works normally again."""
        self._queued.pop(route, None)

    def take(self, route: Any, request: Any) -> F | None:
        queue = self._queued.get(route)
        pending = next((p for p in queue or () if p.applies is None or p.applies(request)), None)
        if pending is None:
            return None
        pending.remaining -= 1
        if pending.remaining <= 0:
            queue.remove(pending)  # type: ignore[union-attr]
        return pending.fault


class FakeServer(Generic[R]):
    """The shared half of a fake platform: R is its record of one request. Subclasses add
    their routes in `routes()`."""

    client_max_size = 64 * 1024 * 1024

    def __init__(self) -> None:
        self.requests: list[R] = []
        self.violations: list[Any] = []  # every way a request (or the fake) broke the spec
        self.port = 0
        self._changed = asyncio.Condition()
        self._closing = False
        self._runner: web.AppRunner | None = None

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> Self:
        app = web.Application(client_max_size=self.client_max_size)
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        self._closing = True
        await self._notify()
        await self._before_stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _before_stop(self) -> None:
        """Close what the subclass holds open (websockets) before the server goes."""

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def assert_spec_clean(self) -> None:
        """Fails (listing them) if any request broke the platform's spec."""
        assert not self.violations, f"{type(self).__name__}: spec violations:\n" + "\n".join(
            str(v) for v in self.violations
        )

    # -- waiting -----------------------------------------------------------------------------

    async def wait_for(
        self, predicate: Callable[[], T | None], *, timeout: float = 10.0, what: str = "a condition"
    ) -> T:
        """Wait until `predicate()` is truthy (checked after every request); return its value."""
        result = await self._until(predicate, timeout)
        if not result:
            recent = ", ".join(self._describe(r) for r in self.requests[-15:])
            raise AssertionError(f"timed out waiting for {what}; recent: {recent}")
        return result

    async def _until(self, predicate: Callable[[], T | None], timeout: float) -> T | None:
        """`predicate()` once it is truthy, or its last (falsy) value after `timeout`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with self._changed:
            while not (result := predicate()):
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return result
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except TimeoutError:
                    continue
            return result

    async def wait_requests(
        self, matches: Callable[[R], bool], *, count: int = 1, timeout: float = 10.0
    ) -> list[R]:
        """The first `count` answered requests that `matches` accepts, once they are in."""

        def found() -> list[R] | None:
            hits = [r for r in self.requests if r.status and matches(r)]
            return hits[:count] if len(hits) >= count else None

        return await self.wait_for(found, timeout=timeout, what=f"{count} matching request(s)")

    def _describe(self, request: R) -> str:
        return str(getattr(request, "method", request))

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def _notify_soon(self) -> None:
        asyncio.get_running_loop().create_task(self._notify())
