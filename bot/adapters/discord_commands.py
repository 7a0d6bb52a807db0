"""Slash commands generated from bot.core.commands.COMMANDS, and syncing them only when the
command set Discord has differs (Discord rate-limits command updates; uploading at every start
of every process is wasteful)."""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from bot.core.commands import COMMANDS, Command

log = logging.getLogger(__name__)

CHOICE_LIMIT = 25  # Discord shows at most 25 autocomplete choices
CHOICE_TEXT_LIMIT = 100

RunCommand = Callable[[discord.Interaction, Command, list[str | None]], Awaitable[None]]
# (the option's `autocomplete` kind, what is typed so far, limit) -> (label, value) pairs
Complete = Callable[[str, str, int], list[tuple[str, str]]]

# Installable on servers and on people's own accounts (then usable in DMs with the bot and in
# their other private chats); /community only on servers.
EVERYWHERE = app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True)
INSTALLS = app_commands.AppInstallationType(guild=True, user=True)


def build_commands(
    run: RunCommand, complete: Complete
) -> list[app_commands.Command[Any, ..., Any]]:
    """One app command per core command; options are strings the core parses itself, with
    the declared choices or autocompletion."""
    commands: list[app_commands.Command[Any, ..., Any]] = []
    for cmd in COMMANDS:
        command = _SlashCommand(
            name=cmd.name,
            description=cmd.description,
            callback=_callback(cmd, run, complete),
        )
        if cmd.admin_only:
            # Hidden from members without Manage Server; the adapter still checks the
            # member's rights, since a server can grant the command to anyone.
            command.default_permissions = discord.Permissions(manage_guild=True)
            command.guild_only = True
            command.allowed_contexts = app_commands.AppCommandContext(guild=True)
            command.allowed_installs = app_commands.AppInstallationType(guild=True)
        else:
            command.allowed_contexts = EVERYWHERE
            command.allowed_installs = INSTALLS
        commands.append(command)
    return commands


def _completer(kind: str, complete: Complete) -> Any:
    async def suggest(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        try:
            found = complete(kind, current, CHOICE_LIMIT)
        except Exception:
            log.exception("autocomplete failed")
            return []
        return [
            app_commands.Choice(name=name[:CHOICE_TEXT_LIMIT], value=value[:CHOICE_TEXT_LIMIT])
            for name, value in found[:CHOICE_LIMIT]
        ]

    return suggest


class _SlashCommand(app_commands.Command[Any, ..., Any]):
    """discord.py always sends `"nsfw": false`, a field the API's published request schema
    does not list; false is Discord's default, so leave it out."""

    def to_dict(self, tree: app_commands.CommandTree[Any]) -> dict[str, Any]:
        data = super().to_dict(tree)
        if not data.get("nsfw"):
            data.pop("nsfw", None)
        return data


def _callback(cmd: Command, run: RunCommand, complete: Complete) -> Any:
    """A callback whose signature declares the command's options, which is how discord.py
    learns a command's parameters."""

    async def callback(interaction: discord.Interaction, **options: str | None) -> None:
        await run(interaction, cmd, [options.get(arg.name) for arg in cmd.args])

    params = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    for arg in cmd.args:
        params.append(
            inspect.Parameter(
                arg.name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=str if arg.required else str | None,
                default=inspect.Parameter.empty if arg.required else None,
            )
        )
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_description__ = {  # type: ignore[attr-defined]
        arg.name: arg.description for arg in cmd.args
    }
    callback.__discord_app_commands_param_autocomplete__ = {  # type: ignore[attr-defined]
        arg.name: _completer(arg.autocomplete, complete) for arg in cmd.args if arg.autocomplete
    }
    callback.__discord_app_commands_param_choices__ = {  # type: ignore[attr-defined]
        arg.name: [
            app_commands.Choice(name=label[:CHOICE_TEXT_LIMIT], value=value)
            for label, value in arg.choices[:CHOICE_LIMIT]
        ]
        for arg in cmd.args
        if arg.choices
    }
    callback.__qualname__ = callback.__name__ = f"slash_{cmd.name}"
    return callback


def command_payload(tree: app_commands.CommandTree[Any]) -> list[dict[str, Any]]:
    return [command.to_dict(tree) for command in tree.get_commands()]


async def sync_if_changed(tree: app_commands.CommandTree[Any]) -> bool:
    """Upload the global command set when Discord's differs from ours. True if synced.

    Discord's own copy is the memory: one GET per start, a PUT only on a difference, so a
    restart (or a second process) with the same commands uploads nothing, whatever machine
    it runs on.
    """
    application_id = tree.client.application_id
    if application_id is None:
        return False
    ours = command_set(command_payload(tree))
    try:
        theirs = command_set(await tree.client.http.get_global_commands(application_id))
    except discord.HTTPException as exc:
        log.warning("could not read Discord's slash commands (%s); not syncing", exc.status)
        return False
    if theirs == ours:
        log.info("Discord slash commands unchanged; not syncing")
        return False
    try:
        await tree.sync()
    except discord.HTTPException as exc:
        log.warning("could not sync Discord slash commands (%s); keeping the old set", exc.status)
        return False
    log.info("synced %d Discord slash commands", len(tree.get_commands()))
    return True


# What a command's definition is made of, with Discord's default for each: what Discord
# returns carries ids, versions and defaults we never send, and may leave out what is default.
_COMMAND_FIELDS: dict[str, Any] = {
    "type": 1,
    "name": None,
    "description": "",
    "options": [],
    "default_member_permissions": None,
    "contexts": None,
    "integration_types": [0],
    "nsfw": False,
    "name_localizations": None,
    "description_localizations": None,
}
_OPTION_FIELDS: dict[str, Any] = {
    "type": None,
    "name": None,
    "description": "",
    "required": False,
    "autocomplete": False,
    "choices": [],
    "options": [],
    "min_value": None,
    "max_value": None,
    "min_length": None,
    "max_length": None,
    "channel_types": [],
    "name_localizations": None,
    "description_localizations": None,
}


def command_set(commands: list[Any]) -> dict[str, str]:
    """Each command by name, as comparable text (only what defines it, defaults filled in)."""
    return {
        str(cmd.get("name")): json.dumps(_definition(cmd, _COMMAND_FIELDS), sort_keys=True)
        for cmd in commands
    }


def _definition(item: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, default in fields.items():
        value = item.get(name)
        if value is None or value == {}:
            value = default
        if name == "default_member_permissions" and value is not None:
            value = str(value)  # a string from Discord, a number from discord.py
        elif name in ("contexts", "integration_types", "channel_types") and value:
            value = sorted(value)
        elif name == "options":
            value = [_definition(option, _OPTION_FIELDS) for option in value]
        elif name == "choices":
            value = [{"name": c.get("name"), "value": c.get("value")} for c in value]
        out[name] = value
    return out
