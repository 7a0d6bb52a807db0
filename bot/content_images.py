"""Exercise drawings: load content/images/index.yaml and check it against what ships.

The index names, for each exercise with a picture, its PNG, the PNG's size and where
the drawing comes from; each source carries its licence and the credit line shown with
the picture. Every problem is reported like the rest of the content (file, entry, field)
and the exercises come back with `Exercise.image` set.

Only the PNG header is read here (no Pillow): the bytes are read the first time a
picture is sent, by the `read` function handed to the core.
"""

from __future__ import annotations

import functools
import logging
import re
import struct
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from bot.content_reading import Fields, Reader, hint
from bot.core.library import Exercise, ExerciseImage

log = logging.getLogger(__name__)

FOLDER = "images"
INDEX = "index.yaml"
# Licences a shipped picture may carry, with where their text lives. All of them let a
# host redistribute the picture; the attribution ones need the credit line shown.
LICENCES: Mapping[str, str] = {
    "CC BY-SA 4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "CC BY 4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC0 1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
}
MAX_SIDE = 1280  # pixels; pictures go into chat bubbles
MAX_BYTES = 300_000  # each picture ships in the wheel and is uploaded to chats
FILE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*\.png$")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SOURCE_FIELDS = ("name", "url", "licence", "licence_url", "credit")
IMAGE_FIELDS = ("file", "width", "height", "source")
IMAGE_OPTIONAL = ("drawing", "title")


def attach_images(loader: Reader, exercises: dict[str, Exercise]) -> dict[str, Exercise]:
    """The exercises, each with its picture if the index gives it one.

    A content folder without images/index.yaml simply has no pictures.
    """
    path = loader.root / FOLDER / INDEX
    if not path.exists():
        return exercises
    doc = loader.document(path)
    if doc is None:
        return exercises
    doc.allow(("sources", "images"))
    sources = _sources(doc)
    images = doc.mapping("images")
    attached = dict(exercises)
    for ident, raw in images.data.items():
        entry = Fields(raw if isinstance(raw, dict) else {}, doc.report.about(f"image '{ident}'"))
        if not isinstance(raw, dict):
            entry.report("", "expected a mapping with file, width, height and source")
            continue
        image = _image(entry, path.parent, sources)
        if ident not in exercises:
            if ident not in loader.unreadable:  # a broken exercise file is reported already
                entry.report("", f"unknown exercise '{ident}'" + hint(str(ident), exercises))
            continue
        if image is not None:
            attached[ident] = replace(exercises[ident], image=image)
    return attached


def _sources(doc: Fields) -> dict[str, tuple[str, str]]:
    """Source id -> (licence, credit), for the sources that are complete."""
    out: dict[str, tuple[str, str]] = {}
    for ident, raw in doc.mapping("sources").data.items():
        item = Fields(raw if isinstance(raw, dict) else {}, doc.report.about(f"source '{ident}'"))
        if not isinstance(raw, dict):
            item.report("", "expected a mapping with " + ", ".join(SOURCE_FIELDS))
            continue
        item.allow(SOURCE_FIELDS)
        for key in ("name", "url", "licence_url"):
            item.text(key, one_line=True, max_len=200)
        licence = item.text("licence", one_line=True, max_len=40)
        credit = item.text("credit", one_line=True, max_len=120)
        if licence and licence not in LICENCES:
            item.problem("licence", f"unknown licence '{licence}'" + hint(licence, LICENCES))
        elif licence and credit and licence != "CC0 1.0" and licence not in credit:
            item.problem("credit", f"must name the licence ('{licence}'): it is shown as is")
        else:
            out[str(ident)] = (licence, credit)
    return out


def _image(
    entry: Fields, folder: Path, sources: Mapping[str, tuple[str, str]]
) -> ExerciseImage | None:
    entry.allow(IMAGE_FIELDS, IMAGE_OPTIONAL)
    for key in IMAGE_OPTIONAL:
        if key in entry.data:
            entry.text(key, one_line=True, max_len=120)
    width = entry.integer("width", 16, MAX_SIDE)
    height = entry.integer("height", 16, MAX_SIDE)
    source = _source(entry, sources)
    name = entry.text("file", one_line=True, max_len=120)
    if not name:
        return None
    if not FILE_NAME.match(name):
        entry.problem("file", f"'{name}' must be a .png file name in {FOLDER}/ (no folders)")
        return None
    path = folder / name
    found = _png_size(entry, path)
    if found is None:
        return None
    if width and height and found != (width, height):
        entry.problem("file", f"'{name}' is {found[0]}x{found[1]}, the index says {width}x{height}")
        return None
    if source is None or not width or not height:
        return None
    licence, credit = source
    return ExerciseImage(
        path=str(path.resolve()),
        width=width,
        height=height,
        credit=credit,
        licence=licence,
        read=functools.partial(_read, path.resolve()),
    )


def _source(entry: Fields, sources: Mapping[str, tuple[str, str]]) -> tuple[str, str] | None:
    ident = entry.data.get("source")
    if not isinstance(ident, str):
        entry.problem("source", "needs the id of a source under 'sources' (licence and credit)")
        return None
    if ident not in sources:
        entry.problem(
            "source", f"'{ident}' is not a complete source under 'sources'" + hint(ident, sources)
        )
        return None
    return sources[ident]


def _png_size(entry: Fields, path: Path) -> tuple[int, int] | None:
    """(width, height) from the PNG header, or None with the problem reported."""
    name = path.name
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(24)
    except FileNotFoundError:
        entry.problem("file", f"'{name}' is missing from {FOLDER}/")
        return None
    except OSError as exc:
        entry.problem("file", f"cannot read '{name}' ({exc.strerror or exc})")
        return None
    if len(head) < 24 or head[:8] != PNG_SIGNATURE or head[12:16] != b"IHDR":
        entry.problem("file", f"'{name}' is not a PNG image")
        return None
    if size > MAX_BYTES:
        limit = MAX_BYTES // 1000
        entry.problem("file", f"'{name}' is {size // 1000} KB; keep pictures under {limit} KB")
        return None
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


_BYTES: dict[Path, bytes] = {}  # pictures already read, by path


def _read(path: Path) -> bytes | None:
    """The picture's bytes, read once; None (logged) if the file went away since loading."""
    if path not in _BYTES:
        try:
            _BYTES[path] = path.read_bytes()
        except OSError as exc:
            log.warning("exercise picture %s can't be read (%s); sending text only", path, exc)
            return None
    return _BYTES[path]
