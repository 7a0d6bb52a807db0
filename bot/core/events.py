"""Neutral messages that cross the adapter <-> core boundary.

Adapters translate platform objects into `InboundEvent` and render `Outbound` back.
Nothing here knows about Telegram or Discord.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

LinkKind = Literal["session", "exercise", "group_session", "howto", "prompt", "other"]


@dataclass(frozen=True, slots=True)
class UserRef:
    """Who: a person on one platform."""

    platform: str  # "console" | "telegram" | "discord"
    user_id: str  # the platform's user id, as text


@dataclass(frozen=True, slots=True)
class InboundEvent:
    """Something a person did: typed a line, replied to the bot, pressed a button, edited."""

    user: UserRef
    chat_id: str  # where answers go (a DM, a group, a channel)
    text: str = ""
    display_name: str = ""
    is_group: bool = False
    # True only when the adapter checked the sender may manage this group/server
    # (asked for the commands declared admin_only: bot.core.commands.ADMIN_COMMANDS;
    # False otherwise).
    is_admin: bool = False
    # The platform id of the bot message this event answers (a reply, or the message a
    # pressed button sits on). None for plain text.
    reply_to: str | None = None
    # Callback data of a pressed button (see `Button.data`); None when typed.
    button: str | None = None
    # The id of the person's own message; lets an edit find the log it made earlier.
    message_id: str | None = None
    edited: bool = False
    # Platform-unique id of the delivery (e.g. Telegram update_id) so a duplicate logs once.
    event_id: str | None = None
    # Set by adapters that cannot see message text (e.g. Discord without the content intent).
    content_missing: bool = False
    # The adapter can answer this event so only its author sees it (Discord's ephemeral
    # interaction replies). Otherwise personal answers asked for in a group go to a DM.
    private_reply: bool = False
    # The most text a picture's caption holds where this event came from (counted in UTF-16
    # code units, as Telegram does): the core then keeps a message with a drawing within it,
    # so it stays one message. None: a caption holds as much as a text message (Discord's
    # embeds, the console).
    caption_limit: int | None = None


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str  # short opaque callback data, <= 64 bytes (Telegram's limit)
    # Pressing it first asks for one line of text (this is the question, <= 45 chars): a
    # platform with forms shows one (Discord's modal) and the event carries both `button` and
    # the typed `text`. Platforms without forms leave the button out (replying does the same).
    asks: str | None = None
    # A button that opens the person's private chat with the bot, starting it with this
    # payload ([A-Za-z0-9_-], <= 64): Telegram's t.me/<bot>?start=<payload> deep link, which
    # arrives back as "/start <payload>". `data` is unused. Platforms without it drop it.
    private_start: str | None = None


@dataclass(frozen=True, slots=True)
class MessageLink:
    """What a sent bot message is about, so a later reply to it can be understood."""

    kind: LinkKind
    plan_date: date | None = None
    exercise_id: str | None = None
    # For group sessions the link belongs to the chat, not a person.
    owner: UserRef | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    data: bytes
    mime: str  # "image/png", "text/csv"
    # The shipped file this is (an exercise picture), for one sent again and again: the
    # console shows the path, Telegram can upload it once and reuse its file_id.
    # None for one-off files such as charts and exports.
    path: str | None = None


@dataclass(frozen=True, slots=True)
class Outbound:
    """One message to send. `text` is plain text; adapters escape and format it."""

    text: str
    title: str | None = None  # rendered bold / as an embed title
    # Plain text before the title: what just happened, leading the next message (a reply
    # log's confirmation on top of the next exercise), so one message says both.
    preface: str = ""
    buttons: tuple[tuple[Button, ...], ...] = ()  # rows of buttons
    image: Attachment | None = None
    document: Attachment | None = None
    link: MessageLink | None = None  # pass back via Coach.record_sent once delivered
    private: bool = False  # personal data: Discord shows it ephemerally in servers
    chat_id: str | None = None  # None: answer where the event came from
    # A refusal or an error: only the asker sees it where the platform can (Discord's
    # ephemeral answers); elsewhere it is said where they asked (unlike `private`, it is no
    # reason to move to a private chat).
    only_asker: bool = False
    # The buttons are the options of one choice: a platform with select menus may show them
    # as one, with this placeholder (Discord); the others show the buttons.
    menu: str | None = None


@dataclass(slots=True)
class Reply:
    """What the core returns for one inbound event."""

    messages: list[Outbound] = field(default_factory=list)
    # A short text for acknowledging a pressed button (Telegram answerCallbackQuery).
    button_ack: str | None = None


@dataclass(frozen=True, slots=True)
class Applied:
    """An inbox entry's answer (Coach.handle_once): `sent` of its messages were delivered
    before a restart (deliver the rest); `fresh` when it was applied just now (a pressed
    button still needs its acknowledgement)."""

    reply: Reply
    sent: int = 0
    fresh: bool = True
