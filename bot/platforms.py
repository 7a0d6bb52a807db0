"""Every chat platform Backline speaks, in one table: config, app, doctor, the runner and the
rate limits read it, so adding a platform is one adapter module plus one line here.

Data only: nothing here imports a platform library (the adapter module named by `adapter` is
imported by `bot.app` when that platform is configured).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Window:
    """At most `limit` sends in any `seconds`."""

    limit: int
    seconds: float


@dataclass(frozen=True, slots=True)
class RatePolicy:
    """A platform's documented send limits."""

    overall: Window  # the whole bot on this platform
    per_chat: Window | None = None  # one chat (a DM)
    per_group: Window | None = None  # one group chat (replaces per_chat for groups)
    group_prefix: str | None = None  # chat ids starting with this are groups

    def chat_window(self, chat_id: str) -> Window | None:
        if self.per_group and self.group_prefix and chat_id.startswith(self.group_prefix):
            return self.per_group
        return self.per_chat


@dataclass(frozen=True, slots=True)
class Platform:
    name: str  # UserRef.platform and every table's platform column
    title: str  # how people and hosts read it
    adapter: str  # the module with `create(coach, config, hooks) -> PlatformAdapter`
    limits: RatePolicy
    token: str | None = None  # the Config field with its bot token; None: needs none
    webhook: str | None = None  # the Config field switching it to webhook mode, if it has one
    # What `backline doctor` may say about a well-formed token without showing it.
    token_note: Callable[[str], str] | None = None


class UnknownPlatform(ValueError):
    """A platform name that is not in PLATFORMS (a typo, or code that forgot a registry line)."""

    def __init__(self, name: str) -> None:
        known = ", ".join(sorted(PLATFORMS))
        super().__init__(f"unknown platform {name!r} (Backline knows {known})")


PLATFORMS: dict[str, Platform] = {
    p.name: p
    for p in (
        Platform("console", "Console", "bot.adapters.console", RatePolicy(Window(1000, 1.0))),
        Platform(
            "telegram",
            "Telegram",
            "bot.adapters.telegram",
            # 30 messages/s overall, 1/s per chat, 20/min per group (group ids are negative).
            RatePolicy(Window(30, 1.0), Window(1, 1.0), Window(20, 60.0), group_prefix="-"),
            token="telegram_token",
            webhook="telegram_webhook_url",
            token_note=lambda token: f"bot id {token.partition(':')[0]}",
        ),
        Platform(
            "discord",
            "Discord",
            "bot.adapters.discord",
            # 50 requests/s global; message creation is limited to 5 per 5 s per channel.
            RatePolicy(Window(50, 1.0), Window(5, 5.0)),
            token="discord_token",
        ),
    )
}


def platform(name: str) -> Platform:
    """The registry entry for `name`; an unknown name is an error, never a default."""
    try:
        return PLATFORMS[name]
    except KeyError:
        raise UnknownPlatform(name) from None
