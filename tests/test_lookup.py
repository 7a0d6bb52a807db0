"""Exercise lookup against the real library (and small made-up ones for the edge rules)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.content import default_library
from bot.core.library import (
    Exercise,
    Library,
    Prescription,
    SelfTest,
    SessionShape,
    Taxonomy,
)
from bot.core.lookup import ExerciseLookup, canonical_words


@pytest.fixture(scope="module")
def lookup() -> ExerciseLookup:
    return ExerciseLookup(default_library())


# Many ways people type the exercises the coach talks about most.
TYPED = {
    "romanian-deadlift-dumbbell": [
        "rdl", "RDL", "rdls", "RDL's", "romanian deadlift", "Romanian deadlifts",
        "romanian dead-lift", "dumbbell rdl", "db rdl", "DB RDLs", "dumbell rdl",
        "Romanian deadlift (dumbbells)", "romanian-deadlift-dumbbell", "romanian deadlfit",
        "romainian deadlift", "dumbbell romanian deadlift", "romanian deadlift dumbbells",
    ],
    "romanian-deadlift-barbell": [
        "bb rdl", "barbell rdl", "barbell RDLs", "barbell romanian deadlift",
        "Romanian deadlift (barbell)", "barbel romanian deadlift",
    ],
    "kettlebell-swing": [
        "kb swing", "KB swings", "kb-swing", "kettlebell swing", "kettlebell swings",
        "kettlebel swing", "swing kb", "swings", "russian swing", "kettle bell swing",
    ],
    "glute-ham-raise": [
        "ghr", "GHR", "glute ham raise", "glute-ham raises", "glute ham raises",
        "glute ham rasie", "ghd raise",
    ],
    "superhero": ["superman", "supermans", "Superman hold", "super man", "superhero",
                  "superheroes", "supreman"],
    "bent-over-rear-delt-fly": [
        "reverse fly", "reverse flies", "reverse flyes", "reverse flys", "rear delt fly",
        "rear delt flies", "bent over reverse fly", "reverse fyl",
    ],
    "back-extension": [
        "hyperextension", "hyperextensions", "hyper", "back extension", "back extensions",
        "hyper extension", "back extention", "hyperextention",
    ],
    "pull-up": ["pull ups", "pullups", "pull-ups", "pull up", "Pull-up", "pullup", "pul ups"],
    "lat-pulldown": [
        "lat pull down", "lat pulldown", "lat pulldowns", "lat pull-down", "latpulldown",
        "pulldown", "lat pul down",
    ],
    "standing-calf-raise": [
        "calf raises", "calf raise", "Calf Raises", "standing calf raises", "heel raises",
        "calf raize", "raise calf",
    ],
    "bodyweight-hip-thrust": ["hip thrusts", "hip thrust", "bw hip thrust", "hip thurst",
                              "Hip thrust (bodyweight)"],
    "barbell-hip-thrust": ["barbell hip thrust", "bb hip thrusts", "barbell hip thursts"],
    "dumbbell-bent-over-row": [
        "db row", "db rows", "dumbbell row", "dumbbell rows", "bent over row",
        "bent-over rows", "DB bent over row", "dumbell row", "row",
    ],
    "glute-bridge": ["glute bridge", "glute bridges", "glute brige", "bridge", "bridges",
                     "glute-bridge", "gluteBridge"],
    "single-leg-glute-bridge": ["single leg bridge", "single-leg glute bridge", "sl bridge",
                                "one leg bridge", "single leg glute brdge"],
    "single-leg-rdl-bodyweight": ["single leg rdl", "sl rdl", "SL RDLs", "single-leg rdl",
                                  "single legged rdl"],
    "dumbbell-step-up": ["step-up", "step up", "stepup", "step ups", "stepups", "db step-up"],
    "dumbbell-shrug": ["shrugs", "shrug", "db shrugs", "dumbbell shrugs", "dumbell shrugs"],
    "straight-leg-deadlift": ["sldl", "stiff leg deadlift", "stiff-legged deadlift",
                              "straight leg deadlifts"],
    "childs-pose": ["child's pose", "childs pose", "child’s pose", "CHILD POSE"],
    "cat-cow": ["cat cow", "cat-cow", "cat and cow", "cow cat"],
    "bodyweight-good-morning": ["good morning", "good mornings", "goodmornings",
                                "good morining"],
}  # fmt: skip
TYPED_CASES = [(query, ident) for ident, queries in TYPED.items() for query in queries]


@pytest.mark.parametrize(("query", "ident"), TYPED_CASES)
def test_finds_what_people_type(lookup: ExerciseLookup, query: str, ident: str) -> None:
    result = lookup.find(query)
    assert result.exercise is not None, (query, [e.id for e in result.suggestions])
    assert result.exercise.id == ident
    assert result.suggestions == ()


def test_every_name_id_and_alias_finds_its_exercise(lookup: ExerciseLookup) -> None:
    library = default_library()
    assert len(library.exercises) >= 20
    for ex in library.exercises.values():
        for text in (ex.name, ex.id, *ex.aliases, ex.name.upper(), ex.name.replace(" ", "-")):
            found = lookup.find(text).exercise
            assert found is not None and found.id == ex.id, (text, ex.id)


UNKNOWN = [
    "bench press", "bicep curl", "pizza", "", "   ", "!!!", "🍕", "curl", "hamstring",
    "romanian", "push ups", "leg press", "chin ups", "nordic curl", "face pull", "lunge",
    "overhead press", "calves", "the", "squat jump tuck", "12 10 10",
]  # fmt: skip


@pytest.mark.parametrize("query", UNKNOWN)
def test_unknown_queries_are_never_confident(lookup: ExerciseLookup, query: str) -> None:
    result = lookup.find(query)
    assert result.exercise is None
    assert len(result.suggestions) <= 3
    assert len({e.id for e in result.suggestions}) == len(result.suggestions)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("romanian", {"romanian-deadlift-dumbbell", "romanian-deadlift-barbell"}),
        ("hamstring", {"hamstring-curl-machine"}),
        ("curl", {"hamstring-curl-machine", "slider-hamstring-curl"}),
        ("bicep curl", {"hamstring-curl-machine"}),
        ("calves", {"seated-calf-raise"}),
        ("face pull", {"band-pull-apart"}),
        ("shurgs", {"dumbbell-shrug"}),  # a short word with a swap: offered, not assumed
    ],
)
def test_suggestions_are_the_close_ones(
    lookup: ExerciseLookup, query: str, expected: set[str]
) -> None:
    assert expected <= {e.id for e in lookup.find(query).suggestions}


@pytest.mark.parametrize("query", ["pizza", "", "🍕", "zzzzzz qqqq"])
def test_nothing_alike_gives_no_suggestions(lookup: ExerciseLookup, query: str) -> None:
    assert lookup.find(query).suggestions == ()


@given(st.text(max_size=40))
def test_find_never_raises_and_suggests_at_most_three(text: str) -> None:
    result = _shared_lookup().find(text)
    assert len(result.suggestions) <= 3
    if result.exercise is not None:
        assert result.suggestions == ()


_CACHE: list[ExerciseLookup] = []


def _shared_lookup() -> ExerciseLookup:
    if not _CACHE:
        _CACHE.append(ExerciseLookup(default_library()))
    return _CACHE[0]


# --- edge rules on small made-up libraries -------------------------------------------------


def _exercise(ident: str, name: str, *aliases: str) -> Exercise:
    return Exercise(
        id=ident, name=name, aliases=aliases, role="main", region="lower", pattern="hinge",
        primary=("glute_max",), secondary=(), equipment=("bodyweight",), level="beginner",
        loaded=False, prescription=Prescription(sets=3, reps=(8, 12)),
        steps=("Do it.",), cues=("Slowly.",), mistakes=("Rushing.",),
    )  # fmt: skip


def _library(*exercises: Exercise) -> Library:
    return Library(
        exercises={e.id: e for e in exercises},
        taxonomy=Taxonomy(muscles={}, patterns={"hinge": "Hinge"}, equipment={}, groups={}),
        splits={},
        day_types={},
        levels={},
        session=SessionShape(30, (), (), 0, 0, 3),
        selftest=SelfTest("t", "i", (), "q", ()),
    )


def test_a_word_shared_after_canonicalising_is_not_confident() -> None:
    # "db row" and "dumbbell row" are different exercises here: canonically the same key.
    lookup = ExerciseLookup(
        _library(
            _exercise("a", "DB row"), _exercise("b", "Dumbbell rows"), _exercise("c", "Bird dog")
        )
    )
    result = lookup.find("dumbbell row")
    assert result.exercise is None
    assert {e.id for e in result.suggestions} == {"a", "b"}
    assert lookup.find("bird dog").exercise == lookup._exercises["c"]


def test_close_rivals_make_a_typo_ambiguous() -> None:
    lookup = ExerciseLookup(
        _library(
            _exercise("a", "Band row"), _exercise("b", "Hand row"), _exercise("c", "Side plank")
        )
    )
    assert lookup.find("bnad row").exercise == lookup._exercises["a"]  # clearly closer
    typo = lookup.find("land row")  # one letter from both
    assert typo.exercise is None
    assert {"a", "b"} <= {e.id for e in typo.suggestions}
    clear = lookup.find("side plnak")
    assert clear.exercise is not None and clear.exercise.id == "c"


def test_word_order_only_when_it_points_at_one_exercise() -> None:
    lookup = ExerciseLookup(
        _library(
            _exercise("a", "Leg curl"),
            _exercise("b", "Band hip hinge"),
            _exercise("c", "Hip band hinge"),
        )
    )
    found = lookup.find("curl legs").exercise
    assert found is not None and found.id == "a"
    assert lookup.find("hip band hinge").exercise == lookup._exercises["c"]  # exact beats order
    shared = lookup.find("hinge band hip")  # the sorted key is shared
    assert shared.exercise is None
    assert {e.id for e in shared.suggestions} == {"b", "c"}


def test_an_empty_library_finds_nothing() -> None:
    lookup = ExerciseLookup(_library())
    assert lookup.find("rdl").exercise is None
    assert lookup.find("rdl").suggestions == ()
    assert lookup.complete("rd") == []
    assert lookup.complete("") == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("DB RDLs", ("dumbbell", "rdl")),
        ("Calf Raises", ("calf", "raise")),
        ("reverse flies", ("reverse", "fly")),
        ("reverse flyes", ("reverse", "fly")),
        ("KB swing", ("kettlebell", "swing")),
        ("SL bridge", ("single", "leg", "bridge")),
        ("Child’s pose", ("child", "pose")),
        ("Café presses", ("cafe", "press")),
        ("the glute bridge with a band", ("glute", "bridge", "band")),
        ("Superheroes", ("superhero",)),
        ("calves", ("calf",)),
        ("step-up", ("step", "up")),
    ],
)
def test_canonical_words(text: str, words: tuple[str, ...]) -> None:
    assert canonical_words(text) == words


# --- autocomplete --------------------------------------------------------------------------


def test_complete_empty_lists_everything_alphabetically(lookup: ExerciseLookup) -> None:
    names = [e.name.casefold() for e in lookup.complete("", limit=1000)]
    assert names == sorted(names)
    assert len(names) == len(default_library().exercises)
    assert len(lookup.complete("", limit=5)) == 5


@pytest.mark.parametrize(
    ("prefix", "first", "includes"),
    [
        (
            "rdl",
            "romanian-deadlift-dumbbell",
            {"romanian-deadlift-barbell", "single-leg-rdl-bodyweight"},
        ),
        ("glu", "glute-bridge", {"glute-ham-raise", "single-leg-glute-bridge"}),
        ("Glute B", "glute-bridge", {"glute-bridge-march", "single-leg-glute-bridge"}),
        ("pull", "pull-up", {"band-pull-apart", "lat-pulldown"}),
        # Several names now start with "kettlebell": alphabetical among them.
        ("kettleb", "kettlebell-deadlift", {"kettlebell-swing", "gorilla-row"}),
        ("hamstrng", "hamstring-curl-machine", {"slider-hamstring-curl"}),
        ("lat pull d", "lat-pulldown", set()),
        ("row", "dumbbell-bent-over-row", {"barbell-row", "band-row", "seated-cable-row"}),
        ("calf", "calf-stretch", {"standing-calf-raise", "seated-calf-raise"}),
    ],
)
def test_complete_orders_best_first(
    lookup: ExerciseLookup, prefix: str, first: str, includes: set[str]
) -> None:
    got = [e.id for e in lookup.complete(prefix)]
    assert got[0] == first
    assert includes <= set(got)
    assert len(got) == len(set(got))


def test_complete_starts_with_before_contains(lookup: ExerciseLookup) -> None:
    got = [e.id for e in lookup.complete("calf")]
    starts = [i for i, ident in enumerate(got) if ident.startswith("calf")]
    inside = [i for i, ident in enumerate(got) if "calf" in ident and not ident.startswith("calf")]
    assert starts and inside and max(starts) < min(inside)


def test_complete_respects_the_limit_and_ignores_nonsense(lookup: ExerciseLookup) -> None:
    assert len(lookup.complete("r", limit=3)) == 3
    assert lookup.complete("r", limit=0) == []
    assert lookup.complete("zzzzqqq") == []
    assert lookup.complete("rdl", limit=25) == lookup.complete("RDL", limit=25)


def test_a_sessions_own_exercises_come_first_but_only_across_kit_words() -> None:
    find = ExerciseLookup(default_library()).find
    gym = ("romanian-deadlift-barbell", "barbell-row", "single-leg-glute-bridge")
    home = ("single-leg-rdl-bodyweight", "doorway-row", "glute-bridge")
    cases = [
        (gym, "romanian deadlift", "romanian-deadlift-barbell"),  # the kit word is left out
        (gym, "rdl", "romanian-deadlift-barbell"),
        (gym, "Romanian deadlift (barbell)", "romanian-deadlift-barbell"),
        (gym, "row", "barbell-row"),
        (gym, "dumbbell rdl", "romanian-deadlift-dumbbell"),  # says which kit: that one
        (gym, "deadlift", "deadlift"),  # another move's full name
        (gym, "glute bridge", "glute-bridge"),
        # No plain RDL in the session: the RDL variant it holds is the one meant
        (home, "rdl", "single-leg-rdl-bodyweight"),
        (home, "romanian deadlift", "single-leg-rdl-bodyweight"),
        (home, "dumbbell rdl", "romanian-deadlift-dumbbell"),
        ((), "rdl", "romanian-deadlift-dumbbell"),
        (home, "single-leg romanian deadlift", "single-leg-rdl-bodyweight"),
        ((), "romanian deadlift", "romanian-deadlift-dumbbell"),
    ]
    for prefer, query, wanted in cases:
        found = find(query, prefer=prefer).exercise
        assert found is not None and found.id == wanted, (prefer, query)
