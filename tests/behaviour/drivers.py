"""The driver for each platform the behaviour suite runs on."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.behaviour.console_driver import ConsoleDriver
from tests.behaviour.discord_driver import DiscordDriver
from tests.behaviour.discord_http_driver import DiscordHttpDriver
from tests.behaviour.driver import Driver
from tests.behaviour.telegram_driver import TelegramDriver

# One driver per platform in bot.platforms.PLATFORMS (test_every_platform_has_a_driver), and
# "<platform>-<how>" for another way the same platform delivers updates.
DRIVERS: dict[str, Callable[[pytest.MonkeyPatch], Driver]] = {
    "console": lambda _: ConsoleDriver(),
    "telegram": lambda _: TelegramDriver(),
    "discord": DiscordDriver,
    "discord-http": DiscordHttpDriver,  # interactions posted to the HTTP endpoint
}
