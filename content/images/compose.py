"""Rebuild the exercise drawings in this folder from the Everkinetic line drawings.

A maintainer's tool, never run by the bot or the tests (they read only the PNGs and
index.yaml it writes). Each image is the drawing's two frames, start then end, side by
side at one common scale, trimmed, greyscale and optimised.

    python content/images/compose.py /path/to/everkinetic   # the folder with png/

DRAWINGS is the one list of which drawing shows which exercise; every pairing was
checked by eye against the exercise's steps (see README.md for the ones turned down).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

from PIL import Image, ImageDraw, ImageOps

HERE = Path(__file__).resolve().parent
MAX_WIDTH, MAX_HEIGHT = 720, 540  # fits a chat bubble; a few tens of KB
PAD = 20  # margin around the frames, in output pixels
GAP = 44  # between the frames, room for the arrow
GREYS = 16  # line art needs few shades; a small palette keeps files small

Align = Literal["bottom", "top"]

# exercise id -> (Everkinetic drawing id, its title there, how frames line up).
# "top" keeps a bar both frames hang from at one height; "bottom" keeps the floor.
DRAWINGS: dict[str, tuple[str, str, Align]] = {
    "back-extension": ("0103", "Hyperextensions", "bottom"),
    "deadlift": ("0099", "Dead Lifts: Barbell", "bottom"),
    "dumbbell-shrug": ("0005", "Shoulder Shrugs: Dumbbell", "bottom"),
    "dumbbell-step-up": ("0137", "Step Ups: Dumbbell", "bottom"),
    "glute-bridge": ("0109", "Bridging", "bottom"),
    "hamstring-curl-machine": ("0117", "Lying Leg Curl Machine", "bottom"),
    "inverted-row": ("0086", "Body Row", "top"),
    "pull-up": ("0087", "Pull Ups", "top"),
    "romanian-deadlift-barbell": ("0118", "Romanian Dead Lift", "bottom"),
    "romanian-deadlift-dumbbell": ("0107", "Dead Lifts: Dumbbell", "bottom"),
    "seated-cable-row": ("0025", "Seated Cable Rows", "bottom"),
    "seated-calf-raise": ("0279", "Seated Calf Raise using Machine", "bottom"),
    "straight-leg-deadlift": ("0118", "Romanian Dead Lift", "bottom"),
    "superhero": ("0105", "Supermans", "bottom"),
}

INDEX_HEAD = """\
# Exercise drawings: which image shows which exercise, and whose work it is.
# Checked on every start (bot/content_images.py): each file must exist, be a PNG of
# the size given here, belong to a known exercise and name a source with a licence
# and a credit line. The Everkinetic entries are written by compose.py.

sources:
  everkinetic:
    name: Everkinetic
    url: https://everkinetic.com
    licence: CC BY-SA 4.0
    licence_url: https://creativecommons.org/licenses/by-sa/4.0/
    credit: Everkinetic (everkinetic.com), CC BY-SA 4.0

images:
"""


def _trim(frame: Image.Image) -> Image.Image:
    ink = ImageOps.invert(frame).point(lambda v: 255 if v > 8 else 0)
    box = ink.getbbox()
    return frame.crop(box) if box else frame


def _arrow(draw: ImageDraw.ImageDraw, x: int, y: int, down: bool) -> None:
    """A small grey arrow from the start frame to the end frame, centred on (x, y)."""
    grey, half, tip = 150, 11, 7
    if down:
        draw.line([(x, y - half), (x, y + half)], fill=grey, width=3)
        draw.line([(x - tip, y + half - tip), (x, y + half), (x + tip, y + half - tip)], grey, 3)
    else:
        draw.line([(x - half, y), (x + half, y)], fill=grey, width=3)
        draw.line([(x + half - tip, y - tip), (x + half, y), (x + half - tip, y + tip)], grey, 3)


def compose(source: Path, drawing: str, align: Align) -> Image.Image:
    start, end = (
        _trim(Image.open(source / "png" / f"{drawing}-{frame}.png").convert("L"))
        for frame in ("relaxation", "tension")
    )
    # Side by side; a lying-down drawing that would end up a thin strip is stacked instead.
    stacked = (start.width + end.width) / max(start.height, end.height) > 4
    if stacked:
        raw_w, raw_h = max(start.width, end.width), start.height + end.height
        gaps_w, gaps_h = 2 * PAD, 2 * PAD + GAP
    else:
        raw_w, raw_h = start.width + end.width, max(start.height, end.height)
        gaps_w, gaps_h = 2 * PAD + GAP, 2 * PAD
    # The source frames share one drawing scale, so both are scaled by the same factor.
    scale = min((MAX_WIDTH - gaps_w) / raw_w, (MAX_HEIGHT - gaps_h) / raw_h, 1.0)

    def fit(frame: Image.Image) -> Image.Image:
        size = (round(frame.width * scale), round(frame.height * scale))
        return frame.resize(size, Image.Resampling.LANCZOS)

    start, end = fit(start), fit(end)
    draw_arrow: tuple[int, int]
    if stacked:
        inner = max(start.width, end.width)
        canvas = Image.new("L", (inner + 2 * PAD, start.height + end.height + gaps_h), 255)
        canvas.paste(start, (PAD, PAD))
        canvas.paste(end, (PAD, PAD + start.height + GAP))
        draw_arrow = (PAD + GAP // 2, PAD + start.height + GAP // 2)
    else:
        inner = max(start.height, end.height)
        canvas = Image.new("L", (start.width + end.width + gaps_w, inner + 2 * PAD), 255)
        for x, frame in ((PAD, start), (PAD + GAP + start.width, end)):
            canvas.paste(frame, (x, PAD + (inner - frame.height if align == "bottom" else 0)))
        draw_arrow = (PAD + start.width + GAP // 2, PAD + inner // 2)
    _arrow(ImageDraw.Draw(canvas), *draw_arrow, down=stacked)
    return canvas.quantize(GREYS, dither=Image.Dither.NONE)


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not (Path(argv[0]) / "png").is_dir():
        print("usage: compose.py /path/to/everkinetic (the folder holding png/)")
        return 2
    source = Path(argv[0])
    entries: list[str] = []
    made: dict[str, tuple[str, Image.Image]] = {}  # drawing -> (file, image): one file each
    for exercise, (drawing, title, align) in sorted(DRAWINGS.items()):
        if drawing in made:
            name, image = made[drawing]
        else:
            name, image = f"{exercise}.png", compose(source, drawing, align)
            image.save(HERE / name, optimize=True)
            made[drawing] = (name, image)
            kb = (HERE / name).stat().st_size / 1024
            print(f"{name}: {image.width}x{image.height}, {kb:.0f} KB")
        entries.append(
            f"  {exercise}:\n"
            f"    file: {name}\n"
            f"    width: {image.width}\n"
            f"    height: {image.height}\n"
            f"    source: everkinetic\n"
            f'    drawing: "{drawing}"\n'
            f'    title: "{title}"\n'
        )
    (HERE / "index.yaml").write_text(INDEX_HEAD + "".join(entries), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
