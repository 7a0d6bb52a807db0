"""The driver for each platform the behaviour suite runs on."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.behaviour.console_driver import ConsoleDriver
from tests.behaviour.discord_driver import DiscordDriver
from tests.behaviour.driver import Driver
from tests.behaviour.telegram_driver import TelegramDriver

# One driver per platform in bot.platforms.PLATFORMS (test_every_platform_has_a_driver).
DRIVERS: dict[str, Callable[[pytest.MonkeyPatch], Driver]] = {
    "console": lambda _: ConsoleDriver(),
    "telegram": lambda _: TelegramDriver(),
    "discord": DiscordDriver,
}
