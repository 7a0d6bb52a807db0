"""Outbound -> the Telegram messages that show it: HTML text, captions, inline keyboards.

Everything the core wrote is plain text, so all of it is HTML-escaped here; the only markup is
the bold title. Text longer than Telegram's limits is split on line boundaries
(bot.adapters.lines, measured in UTF-16 units like Telegram does).
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.adapters.lines import split_lines, trim
from bot.core.events import Attachment, Button, Outbound

log = logging.getLogger(__name__)

MAX_TEXT = 4096  # sendMessage text, counted after entity parsing
MAX_CAPTION = 1024  # sendPhoto / sendDocument caption
MAX_CALLBACK_BYTES = 64
_DEEP_LINK = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what a /start payload may hold

PartKind = Literal["text", "photo", "document"]


@dataclass(frozen=True, slots=True)
class Part:
    """One Telegram message: a text, or a photo/document with an optional caption."""

    kind: PartKind
    html: str  # the text or caption in HTML parse mode ("" for no caption)
    attachment: Attachment | None = None
    keyboard: InlineKeyboardMarkup | None = None


# A line of the message and whether it is part of the bold title.
_Line = tuple[str, bool]


def utf16_len(text: str) -> int:
    """Telegram measures text in UTF-16 code units; counting them keeps every split safe."""
    return len(text.encode("utf-16-le")) // 2


def render(out: Outbound, bot_username: str | None = None) -> list[Part]:
    """The messages to send for `out`, in order; the keyboard rides on the last one.
    `bot_username` makes deep links (`Button.private_start`) into t.me buttons."""
    lines = _lines(out)
    keyboard = inline_keyboard(out.buttons, bot_username)
    attachments: list[tuple[PartKind, Attachment]] = []
    if out.image is not None:
        attachments.append(("photo", out.image))
    if out.document is not None:
        attachments.append(("document", out.document))

    if len(attachments) == 1 and _plain_len(lines) <= MAX_CAPTION:
        kind, attachment = attachments[0]
        return [Part(kind, _html(lines), attachment, keyboard)]

    if out.image is not None and out.document is None:
        # A picture leads: what fits goes in its caption, the rest follows as text.
        caption, *more = split_lines(lines, MAX_CAPTION, utf16_len) or [[]]
        rest = [line for chunk in more for line in chunk]
        parts = [Part("photo", _html(caption), out.image)]
        parts += [Part("text", _html(chunk)) for chunk in split_lines(rest, MAX_TEXT, utf16_len)]
    else:
        parts = [Part("text", _html(chunk)) for chunk in split_lines(lines, MAX_TEXT, utf16_len)]
        parts += [Part(kind, "", attachment) for kind, attachment in attachments]
    if not parts:
        return []
    # Buttons go under the text they belong to, not under a trailing file.
    with_keys = max((i for i, p in enumerate(parts) if p.kind == "text"), default=len(parts) - 1)
    last = parts[with_keys]
    parts[with_keys] = Part(last.kind, last.html, last.attachment, keyboard)
    return parts


def inline_keyboard(
    rows: Iterable[Iterable[Button]], bot_username: str | None = None
) -> InlineKeyboardMarkup | None:
    keyboard = []
    for row in rows:
        buttons = [button for b in row if (button := _inline_button(b, bot_username))]
        if buttons:
            keyboard.append(buttons)
    return InlineKeyboardMarkup(keyboard) if keyboard else None


def _inline_button(b: Button, bot_username: str | None) -> InlineKeyboardButton | None:
    if b.private_start is not None:  # a deep link into the private chat
        if not bot_username or not _DEEP_LINK.fullmatch(b.private_start):
            return None
        return InlineKeyboardButton(
            b.label, url=f"https://t.me/{bot_username}?start={b.private_start}"
        )
    if b.asks is not None:  # no forms on Telegram: left out (replying does the same)
        return None
    return InlineKeyboardButton(b.label, callback_data=b.data) if _usable(b) else None


def _usable(button: Button) -> bool:
    size = len(button.data.encode("utf-8"))
    if button.label.strip() and 0 < size <= MAX_CALLBACK_BYTES:
        return True
    # Telegram would refuse the whole message; losing one button is the lesser harm.
    log.error("dropping button %r: callback data is %d bytes (1-64 allowed)", button.label, size)
    return False


def _lines(out: Outbound) -> list[_Line]:
    lines: list[_Line] = []
    if out.preface.strip():
        lines += [(t, False) for t in out.preface.strip().splitlines()] + [("", False)]
    if out.title and out.title.strip():
        lines += [(t, True) for t in out.title.strip().splitlines()]
    lines += [(t, False) for t in out.text.splitlines()]
    return lines


def _plain_len(lines: list[_Line]) -> int:
    return utf16_len("\n".join(text for text, _ in lines).strip())


def _html(lines: list[_Line]) -> str:
    out: list[str] = []
    run: list[str] = []
    bold = False
    for line in [*trim(lines), None]:
        if line is None or line[1] != bold:
            if run:
                text = "\n".join(run)
                out.append(f"<b>{text}</b>" if bold else text)
            run = []
        if line is not None:
            bold = line[1]
            run.append(html.escape(line[0], quote=False))
    return "\n".join(out)
