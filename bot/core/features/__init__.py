"""The coach's features, one module each. To add one: write the module (a class whose handlers
carry @command / @on_button / @on_state / @on_link), then add its class here."""

from __future__ import annotations

from bot.core.features.base import Feature
from bot.core.features.choice import Choice
from bot.core.features.community import Community
from bot.core.features.exercises import Exercises
from bot.core.features.help import Help
from bot.core.features.logging import Logging
from bot.core.features.progress import Progress
from bot.core.features.rest import Rest
from bot.core.features.session import Session
from bot.core.features.settings import SettingsFeature
from bot.core.features.setup import Setup

# The order here is the order of /help, Telegram's menu and Discord's command list.
FEATURE_CLASSES: tuple[type[Feature], ...] = (
    Session,
    Exercises,
    Logging,
    Rest,
    Choice,
    Progress,
    Setup,
    SettingsFeature,
    Community,
    Help,
)

__all__ = [
    "FEATURE_CLASSES",
    "Choice",
    "Community",
    "Exercises",
    "Feature",
    "Help",
    "Logging",
    "Progress",
    "Rest",
    "Session",
    "SettingsFeature",
    "Setup",
]
