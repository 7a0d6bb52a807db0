"""Every chat platform Backline speaks, in one table: config, app, doctor, the runner and the
rate limits read it, so adding a platform is one adapter module plus one entry here (its
settings included: `bot.config` builds its BACKLINE_* variables from `Platform.settings`).

Data only: nothing here imports a platform library (the adapter module named by `adapter` is
imported by `bot.app` when that platform is configured).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.adapters.discord_options import gateway_problem, public_key_problem, shards_problem

# The problem with a setting's value, said after its variable name ("does not look like ..."),
# or None when the value is fine. Never quote the value: it may be a token.
Check = Callable[[str], str | None]


@dataclass(frozen=True, slots=True)
class Window:
    """At most `limit` sends in any `seconds`."""

    limit: int
    seconds: float


@dataclass(frozen=True, slots=True)
class RatePolicy:
    """A platform's documented send limits."""

    overall: Window  # the whole bot on this platform
    per_chat: Window | None = None  # any one chat
    per_group: Window | None = None  # one group chat, on top of per_chat
    group_prefix: str | None = None  # chat ids starting with this are groups
    # The ceiling for pushes sent as paid broadcasts, when the host opts in (Telegram's
    # allow_paid_broadcast); None: the platform has none.
    paid: Window | None = None

    def chat_windows(self, chat_id: str) -> tuple[Window, ...]:
        windows: tuple[Window, ...] = () if self.per_chat is None else (self.per_chat,)
        if self.per_group and self.group_prefix and chat_id.startswith(self.group_prefix):
            windows += (self.per_group,)
        return windows


@dataclass(frozen=True, slots=True)
class Setting:
    """One optional text setting of a platform: the Config field `field`, read from
    BACKLINE_<FIELD>. `hint` says how to put a bad value right; `redact_as` makes it a secret
    (hidden in repr, replaced by that label in every log line)."""

    field: str
    hint: str
    check: Check | None = None
    redact_as: str | None = None
    also_redact: Callable[[str], str] | None = None  # a part of the secret that leaks alone

    @property
    def variable(self) -> str:
        return f"BACKLINE_{self.field.upper()}"

    @property
    def secret(self) -> bool:
        return self.redact_as is not None


@dataclass(frozen=True, slots=True)
class Webhook:
    """A platform that can take updates by HTTP post instead of polling: the public URL and
    the shared secret its requests carry (webhook mode also needs the token and
    BACKLINE_HTTP_PORT; bot.config says so)."""

    url: Setting
    secret: Setting


@dataclass(frozen=True, slots=True)
class Platform:
    name: str  # UserRef.platform and every table's platform column
    title: str  # how people and hosts read it
    adapter: str  # the module with `create(coach, config, hooks) -> PlatformAdapter`
    limits: RatePolicy
    token: Setting | None = None  # its bot token; None: needs none (the console)
    options: tuple[Setting, ...] = ()  # other settings of its own
    webhook: Webhook | None = None  # webhook mode, if it has one
    # What `backline doctor` may say about a well-formed token without showing it.
    token_note: Callable[[str], str] | None = None
    # Options (by field) that take requests on the HTTP endpoint: set, they need
    # BACKLINE_HTTP_PORT (bot.config says so).
    needs_http: tuple[str, ...] = ()
    # The host's opt-in to sending pushes above the free ceiling (`limits.paid`), if the
    # platform sells that; a yes/no setting (`switched_on`).
    paid_broadcast: Setting | None = None

    @property
    def settings(self) -> tuple[Setting, ...]:
        """Every setting of this platform, in the order hosts read them."""
        token = (self.token,) if self.token else ()
        webhook = (self.webhook.url, self.webhook.secret) if self.webhook else ()
        paid = (self.paid_broadcast,) if self.paid_broadcast else ()
        return (*token, *self.options, *paid, *webhook)


class UnknownPlatform(ValueError):
    """A platform name that is not in PLATFORMS (a typo, or code that forgot a registry line)."""

    def __init__(self, name: str) -> None:
        known = ", ".join(sorted(PLATFORMS))
        super().__init__(f"unknown platform {name!r} (Backline knows {known})")


# -- checks the entries use ------------------------------------------------------------------


def matching(pattern: str, problem: str) -> Check:
    """A value matching `pattern` in full, else `problem`."""
    compiled = re.compile(pattern)

    def check(value: str) -> str | None:
        return None if compiled.fullmatch(value) else problem

    return check


def web_address(*, https_only: str | None = None) -> Check:
    """An http(s):// address with a host and a usable port; `https_only` says why only https."""

    def check(value: str) -> str | None:
        parts = urlsplit(value)
        schemes = ("https",) if https_only else ("http", "https")
        if parts.scheme not in schemes or not parts.hostname:
            return https_only or "is not an http:// or https:// address"
        try:
            port = parts.port  # raises for "notaport" and for numbers out of range
        except ValueError:
            port = 0
        if port == 0:
            return f"= {value} has a port that is not a number from 1 to 65535"
        return None

    return check


PLATFORMS: dict[str, Platform] = {
    p.name: p
    for p in (
        Platform("console", "Console", "bot.adapters.console", RatePolicy(Window(1000, 1.0))),
        Platform(
            "telegram",
            "Telegram",
            "bot.adapters.telegram",
            # 30 messages/s overall; about 1/s in a chat, short bursts allowed (read as at
            # most 3 in any 3 s); 20/min in a group (group ids are negative). Paid
            # broadcasts: up to 1000/s, for a fee in Stars per message (opt-in).
            RatePolicy(
                Window(30, 1.0), Window(3, 3.0), Window(20, 60.0), "-", paid=Window(1000, 1.0)
            ),
            token=Setting(
                "telegram_token",
                "paste the token @BotFather gave you (it looks like 123456789:AAH...), no quotes",
                matching(r"\d{5,12}:[A-Za-z0-9_-]{30,}", "does not look like a Telegram bot token"),
                redact_as="<telegram-token>",
                also_redact=lambda token: token.partition(":")[2],  # the id before ':' is public
            ),
            options=(
                Setting(
                    "telegram_api_url",
                    "leave it unset for api.telegram.org, or give a self-hosted Bot API server's "
                    "address such as http://127.0.0.1:8081",
                    web_address(),
                ),
            ),
            paid_broadcast=Setting(
                "telegram_paid_broadcast",
                "true to send pushes as paid broadcasts (up to 1000/s instead of 30/s; "
                "Telegram takes Stars from the bot's balance for them), false or unset for "
                "the free 30/s",
                matching(r"(?i)true|false|yes|no|on|off|1|0", "is not true or false"),
            ),
            webhook=Webhook(
                Setting(
                    "telegram_webhook_url",
                    "the public https:// address Telegram should post updates to, such as "
                    "https://bot.example.org/telegram; leave it unset to use long polling",
                    web_address(
                        https_only="must be a public https:// address (Telegram only posts to "
                        "https)"
                    ),
                ),
                Setting(
                    "telegram_webhook_secret",
                    "16 to 256 characters of A-Z, a-z, 0-9, _ and -; e.g. the output of "
                    "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`",
                    matching(r"[A-Za-z0-9_-]{16,256}", "is not a usable webhook secret"),
                    redact_as="<webhook-secret>",
                ),
            ),
            token_note=lambda token: f"bot id {token.partition(':')[0]}",
        ),
        Platform(
            "discord",
            "Discord",
            "bot.adapters.discord",
            # 50 requests/s global; message creation is limited to 5 per 5 s per channel.
            RatePolicy(Window(50, 1.0), Window(5, 5.0)),
            token=Setting(
                "discord_token",
                "paste the bot token from the Discord Developer Portal (your application -> "
                "Bot -> Reset Token), not the application id or public key",
                matching(
                    r"[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}",
                    "does not look like a Discord bot token",
                ),
                redact_as="<discord-token>",
            ),
            options=(
                Setting(
                    "discord_public_key",
                    "paste the Public Key from the Developer Portal (your application -> "
                    "General Information), 64 hexadecimal characters; leave it unset unless "
                    "Discord posts interactions to Backline's HTTP endpoint",
                    public_key_problem,
                ),
                Setting(
                    "discord_shards",
                    "the gateway shards this process runs and the total, such as 0-1/4 (shards "
                    "0 and 1 of 4) or 0,2/4; leave it unset for one process running them all",
                    shards_problem,
                ),
                Setting(
                    "discord_gateway",
                    "on (the default) or off: off for a process that only answers HTTP "
                    "interactions and sends pushes",
                    gateway_problem,
                ),
            ),
            needs_http=("discord_public_key",),
        ),
    )
}


def switched_on(value: str | None) -> bool:
    """A yes/no platform setting's value (checked by `matching` above) as a bool."""
    return value is not None and value.lower() in ("true", "yes", "on", "1")


def platform(name: str) -> Platform:
    """The registry entry for `name`; an unknown name is an error, never a default."""
    try:
        return PLATFORMS[name]
    except KeyError:
        raise UnknownPlatform(name) from None
