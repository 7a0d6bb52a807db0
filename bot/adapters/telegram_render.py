"""Outbound -> the Telegram messages that show it: HTML text, captions, inline keyboards.

Everything the core wrote is plain text, so all of it is HTML-escaped here; the only markup is
the bold title. Text longer than Telegram's limits is split on line boundaries.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.events import Attachment, Button, Outbound

log = logging.getLogger(__name__)

MAX_TEXT = 4096  # sendMessage text, counted after entity parsing
MAX_CAPTION = 1024  # sendPhoto / sendDocument caption
MAX_CALLBACK_BYTES = 64

PartKind = Literal["text", "photo", "document"]


@dataclass(frozen=True, slots=True)
class Part:
    """One Telegram message: a text, or a photo/document with an optional caption."""

    kind: PartKind
    html: str  # the text or caption in HTML parse mode ("" for no caption)
    attachment: Attachment | None = None
    keyboard: InlineKeyboardMarkup | None = None


@dataclass(frozen=True, slots=True)
class _Line:
    text: str
    bold: bool  # part of the title


def utf16_len(text: str) -> int:
    """Telegram measures text in UTF-16 code units; counting them keeps every split safe."""
    return len(text.encode("utf-16-le")) // 2


def render(out: Outbound) -> list[Part]:
    """The messages to send for `out`, in order; the keyboard rides on the last one."""
    lines = _lines(out)
    keyboard = inline_keyboard(out.buttons)
    attachments: list[tuple[PartKind, Attachment]] = []
    if out.image is not None:
        attachments.append(("photo", out.image))
    if out.document is not None:
        attachments.append(("document", out.document))

    if len(attachments) == 1 and _plain_len(lines) <= MAX_CAPTION:
        kind, attachment = attachments[0]
        return [Part(kind, _html(lines), attachment, keyboard)]

    parts = [Part("text", _html(chunk)) for chunk in _chunks(lines, MAX_TEXT)]
    parts += [Part(kind, "", attachment) for kind, attachment in attachments]
    if not parts:
        return []
    # Buttons go under the text they belong to, not under a trailing file.
    with_keys = max((i for i, p in enumerate(parts) if p.kind == "text"), default=len(parts) - 1)
    last = parts[with_keys]
    parts[with_keys] = Part(last.kind, last.html, last.attachment, keyboard)
    return parts


def inline_keyboard(rows: Iterable[Iterable[Button]]) -> InlineKeyboardMarkup | None:
    keyboard = []
    for row in rows:
        buttons = [InlineKeyboardButton(b.label, callback_data=b.data) for b in row if _usable(b)]
        if buttons:
            keyboard.append(buttons)
    return InlineKeyboardMarkup(keyboard) if keyboard else None


def _usable(button: Button) -> bool:
    size = len(button.data.encode("utf-8"))
    if button.label.strip() and 0 < size <= MAX_CALLBACK_BYTES:
        return True
    # Telegram would refuse the whole message; losing one button is the lesser harm.
    log.error("dropping button %r: callback data is %d bytes (1-64 allowed)", button.label, size)
    return False


def _lines(out: Outbound) -> list[_Line]:
    lines = []
    if out.title and out.title.strip():
        lines += [_Line(t, True) for t in out.title.strip().splitlines()]
    lines += [_Line(t, False) for t in out.text.splitlines()]
    return lines


def _plain_len(lines: list[_Line]) -> int:
    return utf16_len("\n".join(line.text for line in lines).strip())


def _chunks(lines: list[_Line], limit: int) -> list[list[_Line]]:
    """Pack whole lines into chunks of at most `limit`; a line longer than that is cut at
    a space (or anywhere, if it has none)."""
    chunks: list[list[_Line]] = []
    current: list[_Line] = []
    size = 0
    for line in lines:
        for piece in _cut(line, limit):
            width = utf16_len(piece.text) + (1 if current else 0)
            if current and size + width > limit:
                chunks.append(current)
                current, size = [], 0
                width = utf16_len(piece.text)
            current.append(piece)
            size += width
    if current:
        chunks.append(current)
    return [c for c in (_trim(chunk) for chunk in chunks) if c]


def _cut(line: _Line, limit: int) -> list[_Line]:
    text = line.text
    pieces = []
    while utf16_len(text) > limit:
        head = _longest_prefix(text, limit)
        space = head.rfind(" ")
        if space > limit // 2:
            head = head[:space]
        pieces.append(_Line(head.rstrip(), line.bold))
        text = text[len(head) :].lstrip(" ")
    pieces.append(_Line(text, line.bold))
    return pieces


def _longest_prefix(text: str, limit: int) -> str:
    width = 0
    for i, char in enumerate(text):
        width += 2 if ord(char) > 0xFFFF else 1
        if width > limit:
            return text[:i]
    return text


def _trim(chunk: list[_Line]) -> list[_Line]:
    """Telegram refuses blank messages and trims edges anyway."""
    while chunk and not chunk[0].text.strip():
        chunk = chunk[1:]
    while chunk and not chunk[-1].text.strip():
        chunk = chunk[:-1]
    if chunk:
        chunk = [*chunk[:-1], _Line(chunk[-1].text.rstrip(), chunk[-1].bold)]
    return chunk


def _html(lines: list[_Line]) -> str:
    out: list[str] = []
    run: list[str] = []
    bold = False
    for line in [*_trim(lines), None]:
        if line is None or line.bold != bold:
            if run:
                text = "\n".join(run)
                out.append(f"<b>{text}</b>" if bold else text)
            run = []
        if line is not None:
            bold = line.bold
            run.append(html.escape(line.text, quote=False))
    return "\n".join(out)
