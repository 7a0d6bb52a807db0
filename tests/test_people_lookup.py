"""Exercise names as people type them: plurals, spaces, shorthand and one-letter typos, each
finding the one move meant (or, when it isn't in the library, honest suggestions)."""

from __future__ import annotations

import pytest

from bot.content import default_library
from bot.core.lookup import ExerciseLookup, canonical_words

LOOKUP = ExerciseLookup(default_library())

TYPED = [
    # plurals and spacing
    ("dead lift", "deadlift"),
    ("dead lifts", "deadlift"),
    ("Deadlifts", "deadlift"),
    ("rdls", "romanian-deadlift-dumbbell"),
    ("RDL's", "romanian-deadlift-dumbbell"),
    ("romanian dead lifts", "romanian-deadlift-dumbbell"),
    ("hip thrusts", "bodyweight-hip-thrust"),
    ("barbell hip thrusts", "barbell-hip-thrust"),
    ("good mornings", "bodyweight-good-morning"),
    ("pullups", "pull-up"),
    ("pull ups", "pull-up"),
    ("Pull-Ups", "pull-up"),
    ("lat pull down", "lat-pulldown"),
    ("lat pull downs", "lat-pulldown"),
    ("lat pulldowns", "lat-pulldown"),
    ("calf raises", "standing-calf-raise"),
    ("single leg calf raises", "single-leg-calf-raise"),
    ("kb swings", "kettlebell-swing"),
    ("glute bridges", "glute-bridge"),
    ("step-ups", "dumbbell-step-up"),
    ("stepups", "dumbbell-step-up"),
    ("bird-dogs", "bird-dog"),
    ("band pull aparts", "band-pull-apart"),
    ("shrugs", "dumbbell-shrug"),
    ("reverse flies", "bent-over-rear-delt-fly"),
    # shorthand
    ("back ext", "back-extension"),
    ("back exts", "back-extension"),
    ("hyper ext", "back-extension"),
    ("db rdl", "romanian-deadlift-dumbbell"),
    ("bb row", "barbell-row"),
    ("sl rdl", "single-leg-rdl-bodyweight"),
    ("ghr", "glute-ham-raise"),
    # one-letter typos
    ("deadlfit", "deadlift"),
    ("romanian deadlit", "romanian-deadlift-dumbbell"),
    ("glute brige", "glute-bridge"),
    ("hip thurst", "bodyweight-hip-thrust"),
    ("pul up", "pull-up"),
    ("lat pulldonw", "lat-pulldown"),
    ("kettlebell swnig", "kettlebell-swing"),
    ("superhro", "superhero"),
    ("shrgs", "dumbbell-shrug"),
    ("back extention", "back-extension"),
]


@pytest.mark.parametrize(("typed", "wanted"), TYPED)
def test_typed_names_find_the_move(typed: str, wanted: str) -> None:
    found = LOOKUP.find(typed)
    assert found.exercise is not None, (typed, [e.id for e in found.suggestions])
    assert found.exercise.id == wanted


def test_ext_is_shorthand_for_extension() -> None:
    assert canonical_words("back ext") == canonical_words("back extension")
    assert canonical_words("exts") == ("extension",)
    assert "ext" not in canonical_words("extension")  # the full word is left alone


@pytest.mark.parametrize("typed", ["face pulls", "face pull", "chin ups", "bicep curls"])
def test_moves_not_in_the_library_are_never_a_confident_match(typed: str) -> None:
    found = LOOKUP.find(typed)
    assert found.exercise is None
    assert len(found.suggestions) <= 3


@pytest.mark.parametrize(("typed", "meant"), [("shurgs", "dumbbell-shrug"), ("rld", "romanian")])
def test_a_swapped_pair_of_letters_is_offered_not_guessed(typed: str, meant: str) -> None:
    found = LOOKUP.find(typed)
    assert found.exercise is None
    assert any(e.id.startswith(meant) for e in found.suggestions)
