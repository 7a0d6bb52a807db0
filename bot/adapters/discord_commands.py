"""Slash commands generated from bot.core.commands.COMMANDS, and syncing them only when the
command set changed (Discord rate-limits command updates; syncing at every start is wasteful)."""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
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


def payload_hash(application_id: int | None, payload: list[dict[str, Any]]) -> str:
    text = json.dumps({"app": application_id, "commands": payload}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


async def sync_if_changed(tree: app_commands.CommandTree[Any], state_path: Path | None) -> bool:
    """Upload the global command set when it differs from the last upload. True if synced.

    Without a state file there is no memory of earlier uploads, so it syncs every time.
    """
    digest = payload_hash(tree.client.application_id, command_payload(tree))
    if state_path is not None and _stored_hash(state_path) == digest:
        log.info("Discord slash commands unchanged; not syncing")
        return False
    try:
        await tree.sync()
    except discord.HTTPException as exc:
        log.warning("could not sync Discord slash commands (%s); keeping the old set", exc.status)
        return False
    if state_path is not None:
        state_path.parent.mkdir(parents=True, exist_ok=True)
        state_path.write_text(json.dumps({"commands_sha256": digest}) + "\n", encoding="utf-8")
    log.info("synced %d Discord slash commands", len(tree.get_commands()))
    return True


def _stored_hash(path: Path) -> str | None:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("commands_sha256")
    except (OSError, ValueError, AttributeError):
        return None
