"""The adapter contract: the PLATFORMS registry, the shared delivery loop, the line splitter.

The loop runs against the real coach and SQLite through a plain outlet (no platform library),
so what it does for every platform is checked once here; the platform suites check it again
through the real libraries and the fake servers.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.base import Hooks
from bot.adapters.lines import split_lines, split_text
from bot.adapters.outlet import Delivery, SendPart
from bot.app import CountedCoach, open_coach
from bot.config import Config
from bot.core.coach import Coach
from bot.core.events import InboundEvent, Outbound, Reply, UserRef
from bot.delivery import DeliveryError, RetryLater, Unreachable
from bot.ops.metrics import Metrics
from bot.platforms import PLATFORMS, RatePolicy, UnknownPlatform, Window, platform
from bot.store import SqliteStore
from scheduler.ratelimit import limiter_for
from tests.gates import RecordingGate

ROOT = Path(__file__).resolve().parents[1]
TELEGRAM = "123456789:AAE-fake-token-that-must-never-be-logged"
DISCORD = "MTEyMjMzNDQ1NTY2Nzc4ODk5.GfAkeT.backline-test-token-must-never-be-logged"


# -- the registry ------------------------------------------------------------------------------


def test_an_unknown_platform_is_an_error_not_the_console_limits() -> None:
    with pytest.raises(UnknownPlatform, match=r"'telgram'.*console, discord, telegram"):
        limiter_for("telgram")
    with pytest.raises(UnknownPlatform):
        platform("matrix")


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_every_platform_has_an_adapter_a_token_setting_and_limits(name: str) -> None:
    entry = PLATFORMS[name]
    assert entry.name == name
    module = importlib.import_module(entry.adapter)
    if entry.token is None:
        return  # the console: run by `backline chat`, not by the platform runner
    assert callable(module.create)
    for setting in entry.settings:
        assert setting.field in Config.model_fields
        assert setting.variable == f"BACKLINE_{setting.field.upper()}"
    assert limiter_for(name).policy == entry.limits


def test_the_configured_platforms_are_those_with_a_token() -> None:
    assert Config(telegram_token=TELEGRAM).platforms == ["telegram"]
    assert Config(discord_token=DISCORD, telegram_token=TELEGRAM).platforms == [
        "telegram",
        "discord",
    ]
    assert Config().platforms == []


def test_reading_the_registry_loads_no_platform_library() -> None:
    code = (
        "import sys, bot.platforms, bot.adapters.base, bot.adapters.outlet, bot.app, "
        "bot.runner, scheduler.ratelimit; "
        "print(sorted(m for m in ('telegram', 'discord') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# A platform added the way docs/architecture.md says: one entry in the registry, nothing in
# bot/config.py, doctor or the rate limits. Run in a child so the real registry stays as it is.
_REGISTER_MATRIX = """
import json, logging, os, sys
import bot.platforms as p

p.PLATFORMS["matrix"] = p.Platform(
    "matrix", "Matrix", "bot.adapters.matrix", p.RatePolicy(p.Window(10, 1.0), p.Window(2, 1.0)),
    token=p.Setting(
        "matrix_token", "paste the access token from your Matrix client",
        p.matching(r"syt_[A-Za-z0-9_]{20,}", "does not look like a Matrix access token"),
        redact_as="<matrix-token>",
    ),
    options=(p.Setting("matrix_homeserver", "your homeserver, such as https://matrix.org",
                       p.web_address()),),
    token_note=lambda token: "a syt_ token",
)

from bot.config import SETTINGS, ConfigError, load_config, unknown_variables
from bot.ops.doctor import diagnose
from bot.ops.redaction import redact
from scheduler.ratelimit import limiter_for

out = {"variables": [variable for variable, _ in SETTINGS.values()]}
os.environ["BACKLINE_MATRIX_TOKEN"] = "syt_not!a!token"
try:
    load_config()
except ConfigError as exc:
    out["bad"] = exc.problems
os.environ["BACKLINE_MATRIX_TOKEN"] = TOKEN = "syt_" + "a1" * 15
os.environ["BACKLINE_MATRIX_HOMESERVER"] = "https://127.0.0.1:notaport"
try:
    load_config()
except ConfigError as exc:
    out["bad"] += exc.problems
os.environ["BACKLINE_MATRIX_HOMESERVER"] = "https://127.0.0.1:8448"
config = load_config()
out["platforms"] = config.platforms
out["homeserver"] = config.value("matrix_homeserver")
out["hidden"] = TOKEN not in repr(config) and redact("x" + TOKEN) == "x<matrix-token>"
out["unknown"] = unknown_variables()
out["doctor"] = [f"{c.status} {c.subject}: {c.detail}" for c in diagnose(quick=True).checks]
out["limits"] = str(limiter_for("matrix").policy)
print(json.dumps(out))
"""


def test_a_registered_platform_is_configured_checked_and_limited(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "BACKLINE_DB": str(tmp_path / "backline.db")}
    result = subprocess.run(
        [sys.executable, "-c", _REGISTER_MATRIX],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    out = json.loads(result.stdout)
    assert {"BACKLINE_MATRIX_TOKEN", "BACKLINE_MATRIX_HOMESERVER"} <= set(out["variables"])
    assert out["bad"] == [
        "BACKLINE_MATRIX_TOKEN does not look like a Matrix access token: paste the access "
        "token from your Matrix client.",
        "BACKLINE_MATRIX_HOMESERVER = https://127.0.0.1:notaport has a port that is not a "
        "number from 1 to 65535: your homeserver, such as https://matrix.org.",
    ]
    assert out["platforms"] == ["matrix"]
    assert out["homeserver"] == "https://127.0.0.1:8448"
    assert out["hidden"] is True
    assert out["unknown"] == []  # its variables are settings, not typos
    assert "ok configuration: Matrix; HTTP endpoint off" in out["doctor"]
    assert "ok Matrix token: well-formed, a syt_ token" in out["doctor"]
    assert out["limits"] == str(RatePolicy(Window(10, 1.0), Window(2, 1.0)))


# -- the delivery loop ---------------------------------------------------------------------------


class Printed:
    """A platform without a library: parts are lines of text, sent ids are counted."""

    platform = "console"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []  # (chat, part)
        self.refuse: dict[str, Exception] = {}  # chat -> what sending there raises

    def render(self, out: Outbound) -> Sequence[str]:
        return [line for line in out.text.split("|") if line]

    def sending_to(self, chat_id: str, *, interactive: bool = False) -> SendPart[str]:
        async def send(_out: Outbound, part: str, _index: int) -> str:
            if chat_id in self.refuse:
                raise self.refuse[chat_id]
            self.sent.append((chat_id, part))
            return str(len(self.sent))

        return send

    def delivery_error(self, exc: Exception, chat_id: str) -> DeliveryError | None:
        if isinstance(exc, PermissionError):
            return Unreachable("blocked", UserRef(self.platform, chat_id))
        if isinstance(exc, ConnectionError):
            return RetryLater(3.0)
        return None


class Recorded(CountedCoach):
    """The real coach, with the sends it was told about kept for the test."""

    def __init__(self, coach: Coach, metrics: Metrics) -> None:
        super().__init__(coach, metrics)
        self.recorded: list[tuple[str, str]] = []

    async def record_sent(
        self, platform: str, chat_id: str, message_id: str, out: Outbound
    ) -> None:
        self.recorded.append((chat_id, message_id))
        await super().record_sent(platform, chat_id, message_id, out)


@pytest.fixture
async def coach_store(tmp_path: Path) -> AsyncIterator[tuple[Coach, SqliteStore]]:
    coach, store = await open_coach(tmp_path / "backline.db")
    yield coach, store
    await store.close()


async def person(store: SqliteStore, user_id: str) -> UserRef:
    ref = UserRef("console", user_id)
    await store.get_or_create_user(ref, user_id, user_id)
    return ref


async def active(store: SqliteStore, ref: UserRef) -> bool:
    user = await store.find_user(ref)
    assert user is not None
    return user.active


async def test_an_answer_goes_out_in_order_recorded_counted_and_announced(
    coach_store: tuple[Coach, SqliteStore],
) -> None:
    coach, _ = coach_store
    metrics = Metrics()
    gate = RecordingGate("console")
    recorded = Recorded(coach, metrics)
    outlet = Printed()
    hooks = Hooks(gates={"console": gate}, metrics=metrics)
    delivery = Delivery(outlet, recorded, hooks)
    event = InboundEvent(UserRef("console", "ann"), chat_id="group")
    reply = Reply([Outbound("one|two"), Outbound("private", chat_id="ann"), Outbound("three")])

    assert await delivery.answer(event, reply)

    assert outlet.sent == [
        ("group", "one"),
        ("group", "two"),
        ("ann", "private"),
        ("group", "three"),
    ]
    assert recorded.recorded == [("group", "1"), ("group", "2"), ("ann", "3"), ("group", "4")]
    assert gate.replies() == ["group", "group", "ann", "group"]
    assert metrics.series("replies_sent") == {(("platform", "console"),): 3}


async def test_the_event_chat_can_have_its_own_sender_exempt_from_the_limits(
    coach_store: tuple[Coach, SqliteStore],
) -> None:
    coach, _ = coach_store
    gate = RecordingGate("console")
    outlet = Printed()
    hooks = Hooks(gates={"console": gate})
    delivery = Delivery(outlet, coach, hooks)
    here: list[tuple[str, int]] = []

    async def respond(_out: Outbound, part: str, index: int) -> str | None:
        here.append((part, index))
        return None  # e.g. an interaction response without an id: nothing to record

    event = InboundEvent(UserRef("console", "ann"), chat_id="group")
    reply = Reply([Outbound("a|b"), Outbound("dm", chat_id="ann")])
    assert await delivery.answer(event, reply, respond, here_is_limited=False)
    assert here == [("a", 0), ("b", 1)]
    assert outlet.sent == [("ann", "dm")]
    assert gate.turns == [("ann", True)]  # only the plain message waits in the send queue


async def test_a_blocked_person_is_marked_unreachable_and_the_answer_stops(
    coach_store: tuple[Coach, SqliteStore],
) -> None:
    coach, store = coach_store
    metrics = Metrics()
    ann = await person(store, "ann")
    outlet = Printed()
    outlet.refuse["ann"] = PermissionError()
    delivery = Delivery(outlet, coach, Hooks(metrics=metrics))
    event = InboundEvent(ann, chat_id="ann")
    reply = Reply([Outbound("first"), Outbound("second")])

    assert not await delivery.answer(event, reply)

    assert not await active(store, ann)
    assert outlet.sent == []
    assert metrics.series("replies_failed") == {(("platform", "console"),): 1}
    assert metrics.series("replies_sent") == {}


async def test_a_push_gets_the_neutral_error_unchained(
    coach_store: tuple[Coach, SqliteStore],
) -> None:
    coach, store = coach_store
    ann, bob = await person(store, "ann"), await person(store, "bob")
    outlet = Printed()
    outlet.refuse = {"ann": PermissionError(), "bob": ConnectionError()}
    delivery = Delivery(outlet, coach, Hooks())

    with pytest.raises(Unreachable) as blocked:
        await delivery.push("ann", Outbound("hello"))
    assert blocked.value.__cause__ is None and blocked.value.person == ann
    assert not await active(store, ann)

    with pytest.raises(RetryLater):
        await delivery.push("bob", Outbound("hello"))
    assert await active(store, bob)  # slowing down is not blocking

    outlet.refuse["bob"] = ValueError("a bug")
    with pytest.raises(ValueError):  # not the platform's: raised as it is
        await delivery.push("bob", Outbound("hello"))

    with pytest.raises(DeliveryError, match="empty"):
        await delivery.push("carl", Outbound(""))
    assert await delivery.push("carl", Outbound("hi|there")) == "1"


# -- the line splitter ---------------------------------------------------------------------------


def test_lines_are_packed_whole_and_a_long_line_is_cut_at_a_space() -> None:
    assert split_text("ab\ncd\nef", 5) == ["ab\ncd", "ef"]
    assert split_text("\n\nab\n\n", 5) == ["ab"]
    assert split_text("aaaa bbbb cccc", 9) == ["aaaa bbbb", "cccc"]
    assert split_text("x" * 12, 5) == ["xxxxx", "xxxxx", "xx"]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(st.text("ab \n&*", max_size=40), st.booleans()), max_size=30),
    st.integers(3, 50),
)
def test_every_chunk_fits_and_nothing_is_lost(lines: list[tuple[str, bool]], limit: int) -> None:
    def width(text: str) -> int:  # like an escaping platform: some characters count double
        return len(text) + text.count("&") + text.count("*")

    flat = [(piece, tag) for text, tag in lines for piece in text.split("\n")]
    chunks = split_lines(flat, limit, width)
    for chunk in chunks:
        assert width("\n".join(text for text, _ in chunk)) <= limit
        assert chunk[0][0].strip() and chunk[-1][0].strip()
    kept = [(c, tag) for chunk in chunks for text, tag in chunk for c in text if c != " "]
    assert kept == [(c, tag) for text, tag in flat for c in text if c != " "]
