"""The exercise pictures that ship in content/images, and the index's validation: every
indexed picture exists, is the size the index says, is credited and licensed, and every
mistake in the index is reported with the file, the entry and the field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from PIL import Image

from bot.content import ContentError, load_library
from bot.core.library import Library

CONTENT = Path(__file__).resolve().parents[1] / "content"
IMAGES = CONTENT / "images"
INDEX = IMAGES / "index.yaml"
CREDIT = "Everkinetic (everkinetic.com), CC BY-SA 4.0"


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library(CONTENT)


# --- what ships ------------------------------------------------------------------------


def test_every_indexed_picture_exists_is_credited_and_the_right_size(library: Library) -> None:
    index = yaml.safe_load(INDEX.read_text())
    assert len(index["images"]) >= 14
    for ident, entry in index["images"].items():
        image = library.exercises[ident].image
        assert image is not None, ident
        path = IMAGES / entry["file"]
        assert Path(image.path) == path.resolve()
        with Image.open(path) as png:  # Pillow's own reading, not the loader's header parse
            assert png.format == "PNG"
            assert png.size == (entry["width"], entry["height"]) == (image.width, image.height)
        assert 400 <= image.width <= 800 and image.height <= 600, ident
        assert path.stat().st_size < 60_000, f"{ident}: keep pictures small"
        assert image.licence == "CC BY-SA 4.0"
        assert image.credit == CREDIT
        data = image.read()
        assert data is not None and data == path.read_bytes()


def test_the_notice_credits_everkinetic_and_names_the_licence() -> None:
    notice = (IMAGES / "NOTICE.md").read_text()
    assert CREDIT in notice
    assert "https://creativecommons.org/licenses/by-sa/4.0/" in notice


def test_every_shipped_png_is_in_the_index() -> None:
    listed = {entry["file"] for entry in yaml.safe_load(INDEX.read_text())["images"].values()}
    assert {p.name for p in IMAGES.glob("*.png")} == listed


def test_pictures_go_only_where_a_drawing_fits(library: Library) -> None:
    with_picture = {ident for ident, e in library.exercises.items() if e.image}
    assert {"romanian-deadlift-barbell", "glute-bridge", "pull-up", "deadlift"} <= with_picture
    # Checked by eye and turned down (content/images/README.md says why), or no drawing.
    turned_down = {"barbell-row", "lat-pulldown", "bent-over-rear-delt-fly", "band-pull-apart"}
    no_drawing = {"kettlebell-swing", "barbell-hip-thrust", "bird-dog", "cat-cow"}
    assert not with_picture & (turned_down | no_drawing)


# --- a broken index is reported precisely ------------------------------------------------


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    return root


def edit_index(root: Path, change: object) -> None:
    path = root / "images" / "index.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def problems_for(root: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_library(root)
    return caught.value.problems


LABEL = "content/images/index.yaml"


def test_a_missing_picture_file_is_reported(content: Path) -> None:
    (content / "images" / "deadlift.png").unlink()
    assert problems_for(content) == [
        f"{LABEL}: image 'deadlift': field 'file': 'deadlift.png' is missing from images/"
    ]


def test_an_unknown_licence_is_reported(content: Path) -> None:
    edit_index(content, lambda d: d["sources"]["everkinetic"].update(licence="CC BY-NC 4.0"))
    problems = problems_for(content)
    assert problems[0] == (
        f"{LABEL}: source 'everkinetic': field 'licence': unknown licence 'CC BY-NC 4.0'"
        " (did you mean 'CC BY 4.0'?)"
    )
    # Pictures from a source without a valid licence are not shown, and say so.
    not_shown = f"{LABEL}: image 'deadlift': field 'source': 'everkinetic' is not a complete"
    assert any(p.startswith(not_shown) for p in problems)


def test_a_missing_credit_is_reported(content: Path) -> None:
    edit_index(content, lambda d: d["sources"]["everkinetic"].pop("credit"))
    problems = problems_for(content)
    assert f"{LABEL}: source 'everkinetic': field 'credit': missing required field" in problems


def test_a_credit_must_name_its_licence(content: Path) -> None:
    edit_index(content, lambda d: d["sources"]["everkinetic"].update(credit="Everkinetic"))
    problems = problems_for(content)
    assert problems[0].startswith(
        f"{LABEL}: source 'everkinetic': field 'credit': must name the licence ('CC BY-SA 4.0')"
    )


def test_an_unknown_exercise_is_reported_with_a_hint(content: Path) -> None:
    def rename(data: dict[str, dict[str, object]]) -> None:
        data["images"]["deadlfit"] = data["images"].pop("deadlift")

    edit_index(content, rename)
    assert problems_for(content) == [
        f"{LABEL}: image 'deadlfit': unknown exercise 'deadlfit' (did you mean 'deadlift'?)"
    ]


def test_a_wrong_size_is_reported(content: Path) -> None:
    edit_index(content, lambda d: d["images"]["pull-up"].update(width=700))
    [problem] = problems_for(content)
    assert problem.startswith(f"{LABEL}: image 'pull-up': field 'file': 'pull-up.png' is 720x")
    assert "the index says 700x" in problem


def test_a_file_that_is_not_a_png_is_reported(content: Path) -> None:
    (content / "images" / "pull-up.png").write_bytes(b"GIF89a not really a picture at all")
    assert problems_for(content) == [
        f"{LABEL}: image 'pull-up': field 'file': 'pull-up.png' is not a PNG image"
    ]


def test_a_picture_outside_the_images_folder_is_refused(content: Path) -> None:
    edit_index(content, lambda d: d["images"]["pull-up"].update(file="../programs.png"))
    [problem] = problems_for(content)
    assert problem.startswith(f"{LABEL}: image 'pull-up': field 'file': '../programs.png' must be")


def test_an_unknown_source_and_missing_fields_are_reported(content: Path) -> None:
    def break_entry(data: dict[str, dict[str, dict[str, object]]]) -> None:
        entry = data["images"]["glute-bridge"]
        entry["source"] = "wikimedia"
        del entry["height"]

    edit_index(content, break_entry)
    problems = problems_for(content)
    assert f"{LABEL}: image 'glute-bridge': field 'height': missing required field" in problems
    assert any(
        p.startswith(f"{LABEL}: image 'glute-bridge': field 'source': 'wikimedia' is not")
        for p in problems
    )


def test_a_broken_exercise_file_is_reported_once(content: Path) -> None:
    (content / "exercises" / "glute-bridge.yaml").write_text("- just\n- a list\n")
    [problem] = problems_for(content)
    assert problem.startswith("content/exercises/glute-bridge.yaml: ")


def test_content_without_pictures_loads(content: Path) -> None:
    shutil.rmtree(content / "images")
    library = load_library(content)
    assert all(e.image is None for e in library.exercises.values())


def test_a_picture_deleted_after_loading_gives_none(content: Path) -> None:
    image = load_library(content).exercises["superhero"].image
    assert image is not None
    (content / "images" / "superhero.png").unlink()
    assert image.read() is None
