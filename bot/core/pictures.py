"""Exercise pictures on outbound messages: the drawing plus its credit line.

The bytes come from `ExerciseImage.read`, supplied by the content loader, so the core
neither opens files nor needs Pillow. An exercise without a picture (or whose file can no
longer be read) keeps its text-only message.
"""

from __future__ import annotations

from dataclasses import replace

from bot.core import render
from bot.core.events import Attachment, Outbound
from bot.core.library import Exercise


def picture(exercise: Exercise | None) -> Attachment | None:
    image = exercise.image if exercise is not None else None
    if image is None:
        return None
    data = image.read()
    if data is None:
        return None
    return Attachment(image.filename, data, "image/png", path=image.path)


def with_picture(out: Outbound, exercise: Exercise | None) -> Outbound:
    """`out` showing the exercise's drawing, credited in its text; unchanged without one."""
    attachment = picture(exercise)
    if attachment is None or exercise is None or exercise.image is None:
        return out
    credit = render.picture_credit(exercise.image.credit)
    return replace(out, image=attachment, text=f"{out.text}\n{credit}" if out.text else credit)


def fits_caption(out: Outbound, limit: int | None) -> bool:
    """Whether `out` reads in full as its picture's caption (`InboundEvent.caption_limit`):
    preface, title and text each on their own lines, as adapters lay them out."""
    if out.image is None or limit is None:
        return True
    head = out.preface.strip()  # a blank line parts it from the title (what just happened)
    body = "\n".join(part for part in ((out.title or "").strip(), out.text.strip()) if part)
    shown = f"{head}\n\n{body}" if head else body
    return _utf16_len(shown) <= limit


def _utf16_len(text: str) -> int:
    # Characters outside the BMP (emoji) count twice, so this is the strictest count.
    return len(text.encode("utf-16-le")) // 2
