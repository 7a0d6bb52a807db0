"""The one line splitter every platform uses to fit text into its message limits.

Whole lines are packed into chunks; a line too long on its own is cut at a space (or anywhere,
if it has none near the end). Each platform passes how it measures text: Telegram counts
UTF-16 units of the plain text, Discord the characters after markdown escaping. Lines carry a
tag along (Telegram: whether the line is part of the bold title).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")
Measure = Callable[[str], int]


def split_lines(
    lines: Iterable[tuple[str, T]], limit: int, width: Measure = len
) -> list[list[tuple[str, T]]]:
    """Chunks of (line, tag) whose lines, joined by newlines, measure at most `limit`. Blank
    lines at a chunk's edges are dropped (platforms refuse blank messages and trim anyway)."""
    chunks: list[list[tuple[str, T]]] = []
    current: list[tuple[str, T]] = []
    size = 0
    for line, tag in lines:
        for piece in cut_line(line, limit, width):
            extra = width(piece) + (1 if current else 0)
            if current and size + extra > limit:
                chunks.append(current)
                current, size = [], 0
                extra = width(piece)
            current.append((piece, tag))
            size += extra
    if current:
        chunks.append(current)
    return [chunk for chunk in map(_without_blank_edges, chunks) if chunk]


def split_text(text: str, limit: int, width: Measure = len) -> list[str]:
    """`split_lines` for untagged text: the chunks as strings."""
    chunks = split_lines(((line, None) for line in text.split("\n")), limit, width)
    return ["\n".join(line for line, _ in chunk) for chunk in chunks]


def cut_line(line: str, limit: int, width: Measure = len) -> list[str]:
    """`line` in pieces that each measure at most `limit`: cut at the last space when that
    keeps more than half the piece, else at the limit itself."""
    pieces = []
    while width(line) > limit:
        head = line[: _longest_fit(line, limit, width)]
        space = head.rfind(" ")
        if space > len(head) // 2:
            head = head[:space]
        pieces.append(head.rstrip())
        line = line[len(head) :].lstrip(" ")
    pieces.append(line)
    return pieces


def trim(chunk: list[tuple[str, T]]) -> list[tuple[str, T]]:
    """Without blank lines at either end, and the last line without trailing space (as
    Telegram shows a message)."""
    kept = _without_blank_edges(chunk)
    if kept:
        last, tag = kept[-1]
        kept[-1] = (last.rstrip(), tag)
    return kept


def _without_blank_edges(chunk: list[tuple[str, T]]) -> list[tuple[str, T]]:
    start, end = 0, len(chunk)
    while start < end and not chunk[start][0].strip():
        start += 1
    while end > start and not chunk[end - 1][0].strip():
        end -= 1
    return chunk[start:end]


def _longest_fit(line: str, limit: int, width: Measure) -> int:
    """The length of the longest prefix of `line` that measures at most `limit` (at least
    one character, so cutting always makes progress)."""
    low, high = 1, len(line)
    while low < high:  # measures grow with the prefix: binary search
        middle = (low + high + 1) // 2
        if width(line[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return low
