"""The commands Backline understands, generated from the feature modules' @command declarations:
the one list that the help text, Telegram's command menu and Discord's slash commands are all
built from."""

from __future__ import annotations

from bot.core.dispatch import Command, CommandArg, declared_commands
from bot.core.features import FEATURE_CLASSES

COMMANDS: tuple[Command, ...] = declared_commands(FEATURE_CLASSES)

# The adapters check admin rights only for these (see InboundEvent.is_admin).
ADMIN_COMMANDS = frozenset(c.name for c in COMMANDS if c.admin_only)

__all__ = ["ADMIN_COMMANDS", "COMMANDS", "Command", "CommandArg"]
