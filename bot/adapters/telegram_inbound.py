"""Telegram Update -> InboundEvent (see docs/architecture.md, "The adapter contract")."""

from __future__ import annotations

from dataclasses import dataclass, replace

from telegram import Message, Update, User
from telegram.constants import ChatType

from bot.adapters.telegram_render import MAX_CAPTION
from bot.core.commands import ADMIN_COMMANDS
from bot.core.events import InboundEvent, UserRef

PLATFORM = "telegram"
_GROUPS = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})


@dataclass(frozen=True, slots=True)
class Translated:
    """An event for the core, plus what the adapter needs to answer it well."""

    event: InboundEvent
    callback_query_id: str | None = None  # a pressed button to acknowledge
    needs_admin_check: bool = False  # an admin command in a group: ask getChatMember
    sent_by_group: bool = False  # an anonymous admin posting as the group itself


def translate(update: Update, bot: User) -> Translated | None:
    """None for updates Backline ignores (channel posts, group stickers, other bots' commands)."""
    event_id = str(update.update_id)
    if update.callback_query is not None:
        return _button(update, event_id)
    message = update.message or update.edited_message
    if message is None or message.from_user is None:
        return None
    as_group = _sent_as_chat(message)
    if message.from_user.is_bot and not as_group:
        return None  # other bots talking in a group are not people training
    raw = message.text if message.text is not None else message.caption
    is_group = message.chat.type in _GROUPS
    reply = message.reply_to_message
    replies_to_bot = (
        reply is not None and reply.from_user is not None and reply.from_user.id == bot.id
    )
    if raw is None and is_group and not replies_to_bot:
        return None  # a sticker or photo among members: not for Backline
    # A sticker or captionless photo sent to Backline still gets a pointer to text logging.
    text = "" if raw is None else _own_command(raw, bot.username)
    if text is None:
        return None  # "/today@someotherbot"
    sender = message.from_user
    event = InboundEvent(
        user=UserRef(PLATFORM, str(sender.id)),
        chat_id=str(message.chat.id),
        text=text,
        display_name=sender.full_name,
        is_group=is_group,
        reply_to=str(reply.message_id) if reply is not None and replies_to_bot else None,
        message_id=str(message.message_id),
        edited=update.edited_message is not None,
        event_id=event_id,
        content_missing=raw is None,
        caption_limit=MAX_CAPTION,
    )
    return Translated(
        event,
        needs_admin_check=is_group and _command_name(text) in ADMIN_COMMANDS,
        sent_by_group=as_group,
    )


def with_admin(translated: Translated, is_admin: bool) -> InboundEvent:
    return replace(translated.event, is_admin=is_admin)


def _button(update: Update, event_id: str) -> Translated | None:
    query = update.callback_query
    assert query is not None
    carrier = query.message  # may be an InaccessibleMessage: it still names chat and id
    if carrier is None or not query.data:
        return None
    event = InboundEvent(
        user=UserRef(PLATFORM, str(query.from_user.id)),
        chat_id=str(carrier.chat.id),
        display_name=query.from_user.full_name,
        is_group=carrier.chat.type in _GROUPS,
        reply_to=str(carrier.message_id),
        button=query.data,
        event_id=event_id,
        caption_limit=MAX_CAPTION,
    )
    return Translated(event, callback_query_id=query.id)


def _own_command(text: str, bot_username: str | None) -> str | None:
    """'/today@BacklineBot 3' -> '/today 3'; None when the command names another bot."""
    if not text.startswith("/"):
        return text
    head, sep, rest = text.partition(" ")
    name, at, target = head.partition("@")
    if not at:
        return text
    if bot_username and target.lower() != bot_username.lower():
        return None
    return name + sep + rest


def _command_name(text: str) -> str:
    if not text.startswith("/"):
        return ""
    return text[1:].split(maxsplit=1)[0].lower() if text[1:].strip() else ""


def _sent_as_chat(message: Message) -> bool:
    """Anonymous group admins post as the group itself (sender_chat is the chat)."""
    return message.sender_chat is not None and message.sender_chat.id == message.chat.id
