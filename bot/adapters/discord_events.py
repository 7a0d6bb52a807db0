"""Discord messages and interactions -> InboundEvent.

Chat ids: a direct conversation is identified by the person's *user id* (their DM channel is
opened from it when pushing), a server channel or thread by its *channel id*. Both are
snowflakes from one id space, so they never collide; `DiscordSender` tells them apart.
"""

from __future__ import annotations

import logging

import discord

from bot.core.commands import ADMIN_COMMANDS, Command
from bot.core.events import InboundEvent, UserRef

log = logging.getLogger(__name__)

PLATFORM = "discord"


def user_ref(user: discord.abc.User) -> UserRef:
    return UserRef(PLATFORM, str(user.id))


def is_forward(message: discord.Message) -> bool:
    ref = message.reference
    forwarded = ref is not None and ref.type == discord.MessageReferenceType.forward
    return forwarded or bool(message.message_snapshots)


def has_readable_content(message: discord.Message) -> bool:
    """Discord never delivers an entirely empty message: nothing readable means the Message
    Content intent is off (server messages that neither are DMs nor mention the bot)."""
    return bool(message.content or message.attachments or message.embeds or message.stickers) or (
        message.poll is not None
    )


def message_chat_id(message: discord.Message) -> str:
    if message.guild is None:
        return str(message.author.id)
    return str(message.channel.id)


def in_shared_chat(interaction: discord.Interaction) -> bool:
    """A server channel, or (a user install) someone's DM or group DM with other people:
    places where personal answers must be for the asker alone."""
    return interaction.guild_id is not None or interaction.context.private_channel


def interaction_chat_id(interaction: discord.Interaction) -> str:
    if not in_shared_chat(interaction):
        return str(interaction.user.id)  # the person's DM with the bot
    return str(interaction.channel_id)


async def replied_bot_message(message: discord.Message, bot_id: int) -> tuple[str | None, bool]:
    """(id of the message replied to, whether it is known to be the bot's).

    Uses the message Discord resolved into the reply; in a server, fetches it when Discord
    did not (in a DM the core can tell from its own records).
    """
    ref = message.reference
    if ref is None or ref.message_id is None or is_forward(message):
        return None, False
    target = ref.resolved
    if target is None and message.guild is not None:
        try:
            target = await message.channel.fetch_message(ref.message_id)
        except discord.HTTPException as exc:
            log.info("could not fetch the replied-to message (%s)", exc.status)
            return str(ref.message_id), False
    if isinstance(target, discord.Message):
        return str(ref.message_id), target.author.id == bot_id
    return str(ref.message_id), False  # deleted: can't tell whose it was


def from_message(
    message: discord.Message,
    reply_to: str | None,
    *,
    edited: bool = False,
) -> InboundEvent:
    event_id = str(message.id)
    if edited:
        stamp = message.edited_at.timestamp() if message.edited_at else 0.0
        event_id = f"{message.id}:edit:{int(stamp * 1000)}"
    return InboundEvent(
        user=user_ref(message.author),
        chat_id=message_chat_id(message),
        text=message.content,
        display_name=message.author.display_name,
        is_group=message.guild is not None,
        reply_to=reply_to,
        message_id=str(message.id),
        edited=edited,
        event_id=event_id,
        content_missing=not has_readable_content(message),
    )


def command_text(cmd: Command, values: list[str | None]) -> str:
    """Slash options joined into the neutral text: "/log rdl 12 10 10", or for a command
    declared `keyed`, one "name value" line per option given ("/settings level advanced")."""
    given = [
        (arg.name, v.strip()) for arg, v in zip(cmd.args, values, strict=False) if v and v.strip()
    ]
    if cmd.keyed and given:
        return f"/{cmd.name} " + "\n".join(f"{name} {value}" for name, value in given)
    return " ".join([f"/{cmd.name}"] + [value for _, value in given])


def from_command(interaction: discord.Interaction, name: str, text: str) -> InboundEvent:
    in_guild = interaction.guild_id is not None
    admin = (
        in_guild
        and interaction.is_guild_integration()  # a user install has no rights over a server
        and name in ADMIN_COMMANDS
        and interaction.permissions.manage_guild  # the member's rights in this channel
    )
    return InboundEvent(
        user=user_ref(interaction.user),
        chat_id=interaction_chat_id(interaction),
        text=text,
        display_name=interaction.user.display_name,
        is_group=in_shared_chat(interaction),
        is_admin=bool(admin),
        event_id=str(interaction.id),
        private_reply=True,  # interaction answers can be ephemeral
    )


def from_button(interaction: discord.Interaction, data: str, text: str = "") -> InboundEvent:
    """A pressed button or chosen menu option; `text` is what a form asked for."""
    message = interaction.message
    return InboundEvent(
        user=user_ref(interaction.user),
        chat_id=interaction_chat_id(interaction),
        text=text,
        display_name=interaction.user.display_name,
        is_group=in_shared_chat(interaction),
        reply_to=str(message.id) if message is not None else None,
        button=data,
        event_id=str(interaction.id),
        private_reply=True,
    )
