"""The commands Backline understands: one list that the help text, Telegram's command menu and
Discord's slash commands are all built from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CommandArg:
    name: str
    description: str
    required: bool = False
    autocomplete: str | None = None  # "exercise": complete from the exercise library


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # without the slash, lowercase, <= 32 chars
    description: str  # <= 100 chars (Discord's limit; Telegram allows 256)
    args: tuple[CommandArg, ...] = ()
    admin_only: bool = False  # the adapter must check group/server admin rights (is_admin)


COMMANDS: tuple[Command, ...] = (
    Command("today", "Today's posterior-chain session"),
    Command(
        "howto",
        "How to do an exercise, step by step",
        (CommandArg("exercise", "Which exercise, e.g. rdl", True, "exercise"),),
    ),
    Command(
        "log",
        "Log sets without replying, e.g. /log rdl 3x10 @ 40kg",
        (
            CommandArg("exercise", "Which exercise", True, "exercise"),
            CommandArg("sets", "What you did, e.g. 12 10 10 or 3x12 @ 16kg", True),
        ),
    ),
    Command("undo", "Remove your last log"),
    Command("progress", "Your streak, weekly sets, records and an 8-week chart"),
    Command(
        "history",
        "Your last sessions; fix one with /history edit 2 12 10 10 or /history delete 2",
        (CommandArg("action", "Empty, a number of days, edit N sets, or delete N", False),),
    ),
    Command("export", "Your training log as a CSV file"),
    Command("forget", "Delete everything Backline holds about you (asks first)"),
    Command("exercises", "The exercise library"),
    Command("start", "Set up your training: level, equipment, days, reminders"),
    Command("settings", "See or change your settings"),
    Command("selftest", "The single-leg glute bridge self-test"),
    Command("pause", "Pause daily pushes"),
    Command("resume", "Resume daily pushes"),
    Command(
        "community",
        "Group admins: daily group session here (on HH:MM [timezone] / off)",
        (CommandArg("setting", "on 07:30 Europe/Berlin, or off", False),),
        admin_only=True,
    ),
    Command("help", "What Backline can do"),
)

ADMIN_COMMANDS = frozenset(c.name for c in COMMANDS if c.admin_only)
