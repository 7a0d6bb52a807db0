"""The shipped coaching content, and the loader's promise that every mistake in it is
reported with the file, the exercise and the field."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import bot
from bot.content import ContentError, content_root, default_library, load_library
from bot.core.library import DayType, Exercise, Library, Slot
from bot.core.settings import LEVELS

CONTENT = Path(__file__).resolve().parents[1] / "content"


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library(CONTENT)


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def find(library: Library, query: str) -> list[str]:
    """Exercise ids whose id, name or alias is `query` (case and punctuation ignored)."""
    q = _key(query)
    return [
        e.id
        for e in library.exercises.values()
        if q in {_key(e.id), _key(e.name), *map(_key, e.aliases)}
    ]


def rank(level: str) -> int:
    return LEVELS.index(level)  # type: ignore[arg-type]


# --- the shipped library -------------------------------------------------------------


def test_shipped_content_loads(library: Library) -> None:
    assert len(library.main_exercises()) >= 30
    assert set(library.levels) == set(LEVELS)
    assert {"full2", "full3", "ulf", "ul4"} <= set(library.splits)
    assert {"full", "upper", "lower"} <= set(library.day_types)
    assert library.source == str(CONTENT)


def test_default_library_is_cached_and_matches_the_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BACKLINE_CONTENT", raising=False)
    assert content_root() in (CONTENT, Path(bot.__file__).resolve().parent / "_content")
    assert default_library() is default_library()
    assert set(default_library().exercises) == set(load_library(CONTENT).exercises)


def test_an_installed_wheel_uses_its_own_copy(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("BACKLINE_CONTENT", raising=False)
    package = tmp_path / "site-packages" / "bot"
    package.mkdir(parents=True)
    monkeypatch.setattr(bot, "__file__", str(package / "__init__.py"))
    assert content_root() == tmp_path / "site-packages" / "content"  # no copy: next to bot/
    shutil.copytree(CONTENT, package / "_content")
    assert content_root() == package / "_content"
    assert set(load_library().exercises) == set(load_library(CONTENT).exercises)


def test_env_var_chooses_the_content_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BACKLINE_CONTENT", str(tmp_path))
    assert content_root() == tmp_path
    with pytest.raises(ContentError, match="exercises: folder is missing"):
        load_library()


REQUIRED = [
    "glute bridge",
    "single-leg glute bridge",
    "barbell hip thrust",
    "bodyweight hip thrust",
    "db rdl",
    "barbell rdl",
    "deadlift",
    "stiff-leg deadlift",
    "kb swing",
    "superhero",
    "db row",
    "barbell row",
    "seated row",
    "gorilla row",
    "bent-over rear delt fly",
    "pull-up",
    "lat pulldown",
    "dumbbell shrug",
    "dumbbell step-up",
    "single-arm dumbbell high march",
    "squat",
    "hamstring curl",
    "lying dumbbell hamstring curl",
    "back extension",
    "glute-ham raise",
    "standing calf raise",
    "seated calf raise",
    "clamshell",
    "monster walk",
    "side-lying leg raise",
    "hip hinge",
]
# What people type, and what they mean.
ALIASES = {
    "rdl": "romanian-deadlift-dumbbell",
    "kb swing": "kettlebell-swing",
    "ghr": "glute-ham-raise",
    "sldl": "straight-leg-deadlift",
    "db row": "dumbbell-bent-over-row",
    "superman": "superhero",
    "reverse fly": "bent-over-rear-delt-fly",
    "hyperextension": "back-extension",
    "lat pull down": "lat-pulldown",
    "Pull ups": "pull-up",
}


@pytest.mark.parametrize("query", REQUIRED)
def test_required_exercise_exists_once(library: Library, query: str) -> None:
    assert len(find(library, query)) == 1, find(library, query)


@pytest.mark.parametrize(("query", "expected"), ALIASES.items())
def test_common_aliases(library: Library, query: str, expected: str) -> None:
    assert find(library, query) == [expected]


def test_romanian_deadlift_comes_with_dumbbells_and_with_a_barbell(library: Library) -> None:
    rdls = [e for e in library.exercises.values() if "romanian deadlift" in e.name.lower()]
    assert {("dumbbells",), ("barbell",)} <= {e.equipment for e in rdls}
    assert all(e.pattern == "hinge" and e.role == "main" for e in rdls)


def test_every_link_resolves_and_points_the_right_way(library: Library) -> None:
    for exercise in library.exercises.values():
        for target in exercise.easier:
            other = library.exercises[target]
            assert rank(other.level) <= rank(exercise.level), (exercise.id, target)
        for target in exercise.harder:
            other = library.exercises[target]
            assert rank(other.level) >= rank(exercise.level), (exercise.id, target)
        assert exercise.id not in exercise.easier + exercise.harder


def test_bridge_progressions(library: Library) -> None:
    ex = library.exercises
    assert {"single-leg-glute-bridge", "bodyweight-hip-thrust"} <= set(ex["glute-bridge"].harder)
    assert "bodyweight-hip-thrust" in ex["barbell-hip-thrust"].easier
    assert "pull-up" in ex["lat-pulldown"].harder


@pytest.mark.parametrize("exercise_id", sorted(p.stem for p in CONTENT.glob("exercises/*.yaml")))
def test_every_exercise_is_coached(library: Library, exercise_id: str) -> None:
    e = library.exercises[exercise_id]
    assert 3 <= len(e.steps) <= 6
    assert 2 <= len(e.cues) <= 4
    assert 2 <= len(e.mistakes) <= 4
    assert e.summary and "\n" not in e.summary
    assert all(line.strip() for line in (*e.steps, *e.cues, *e.mistakes, *e.safety))
    rx = e.prescription
    assert rx.reps or rx.seconds
    if e.role == "main":
        assert 2 <= rx.sets <= 4
        assert 30 <= rx.rest_seconds <= 90


def test_loaded_moves_need_equipment_that_takes_a_load(library: Library) -> None:
    loadable = {i for i, item in library.taxonomy.equipment.items() if item.step_kg}
    for e in library.exercises.values():
        if e.loaded:
            assert loadable & set(e.equipment), e.id
        if e.bodyweight:
            assert not e.loaded, e.id


def test_muscle_groups_cover_the_back_line(library: Library) -> None:
    used = {library.taxonomy.muscles[m].group for e in library.main_exercises() for m in e.primary}
    posterior = {"neck_traps", "lats", "mid_back", "rear_delts", "lower_back"}
    posterior |= {"glutes", "hamstrings", "calves"}
    assert posterior <= used


def test_warmups_and_cooldowns_suit_everyone(library: Library) -> None:
    shape = library.session
    assert shape.minutes == 30
    for ids, role, count in (
        (shape.warmup, "warmup", shape.warmup_count),
        (shape.cooldown, "cooldown", shape.cooldown_count),
    ):
        assert len(ids) >= count >= 1
        for i in ids:
            e = library.exercises[i]
            assert (e.role, e.bodyweight, e.level) == (role, True, "beginner"), i


def test_selftest_suggests_both_ends(library: Library) -> None:
    test = library.selftest
    assert 2 <= len(test.outcomes) <= 3
    levels = {o.level for o in test.outcomes}
    assert "beginner" in levels and levels - {"beginner"}
    assert len({o.id for o in test.outcomes}) == len(test.outcomes)
    assert all(len(o.id.encode()) <= 24 for o in test.outcomes)


def test_split_weekdays_match_their_days(library: Library) -> None:
    for split in library.splits.values():
        assert len(split.days) == len(split.default_weekdays)
        assert list(split.default_weekdays) == sorted(set(split.default_weekdays))
    assert library.splits["full3"].default_weekdays == (0, 2, 4)


# --- can every day be filled? --------------------------------------------------------


def eligible(library: Library, level: str, equipment: set[str]) -> list[Exercise]:
    have = equipment | {"bodyweight"}
    return [
        e
        for e in library.main_exercises()
        if set(e.equipment) <= have and rank(e.level) <= rank(level)
    ]


def sure_slots(day: DayType, pool: list[Exercise]) -> int:
    """How many slots a planner fills for certain, whichever candidates it picks.

    Each earlier slot takes at most one exercise, from its own patterns or, once those
    might be used up, from its fallback. A slot is certain when it has more candidates
    than earlier slots could have taken from them. Its fallback counts only when its
    own patterns have nothing at all, so this holds for a planner that falls back then.
    """
    sure = 0
    earlier: list[set[str]] = []  # what each earlier slot might have taken

    def taken(candidates: set[str]) -> int:
        return sum(1 for before in earlier if before & candidates)

    for slot in day.slots:
        own = {e.id for e in pool if e.pattern in slot.patterns}
        fallback = {e.id for e in pool if e.pattern in slot.fallback}
        candidates = own or fallback
        if len(candidates) > taken(candidates):
            sure += 1
        might_take = own if len(own) > taken(own) else own | fallback
        if might_take:
            earlier.append(might_take)
    return sure


CASES = [
    ("beginner", {"bodyweight"}),
    ("intermediate", {"bodyweight", "dumbbells"}),
    ("intermediate", {"bodyweight", "band"}),
]


@pytest.mark.parametrize("day_id", ["full", "upper", "lower"])
@pytest.mark.parametrize(("level", "equipment"), CASES)
def test_day_types_fill_for_a_home_setup(
    library: Library, day_id: str, level: str, equipment: set[str]
) -> None:
    pool = eligible(library, level, equipment)
    day = library.day_types[day_id]
    mains = sum(1 for slot in day.slots if slot.main)
    assert sure_slots(day, pool) >= max(mains, 3)


@pytest.mark.parametrize("day_id", ["full", "upper", "lower"])
def test_day_types_fill_for_a_full_gym(library: Library, day_id: str) -> None:
    pool = eligible(library, "advanced", set(library.taxonomy.equipment))
    assert sure_slots(library.day_types[day_id], pool) >= library.levels["advanced"].max_exercises
    assert len(library.day_types[day_id].slots) >= 5


def test_sure_slots_counts_shared_candidates_once(library: Library) -> None:
    pool = [library.exercises["glute-bridge"], library.exercises["superhero"]]
    day = DayType(
        "t",
        "T",
        "full",
        (
            Slot("a", ("bridge",)),
            Slot("b", ("bridge",), ("extension",)),  # the bridge is gone: may fall back
            Slot("c", ("extension",)),  # so superhero may be gone too
            Slot("d", ("row",), ("extension",)),
        ),
    )
    assert sure_slots(day, pool) == 1
    either = Slot("a", ("bridge", "extension"))
    assert sure_slots(DayType("t", "T", "full", (either, either, either)), pool) == 2


# --- broken content is reported precisely --------------------------------------------


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    return root


def edit_yaml(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def problems_for(root: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_library(root)
    assert str(caught.value).startswith("Backline content has")
    return caught.value.problems


def _set(*path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        for key in path[:-1]:
            data = data[key]
        data[path[-1]] = value

    return change


def _drop(*path: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        for key in path[:-1]:
            data = data[key]
        del data[path[-1]]

    return change


BRIDGE = "exercises/glute-bridge.yaml"

# (case, file, change, what the message must say besides the file name)
EXERCISE_BREAKS: list[tuple[str, str, Callable[[dict[str, Any]], None], list[str]]] = [
    ("missing sets", BRIDGE, _drop("prescription", "sets"), ["'prescription.sets'", "missing"]),
    (
        "sets too high",
        BRIDGE,
        _set("prescription", "sets", value=12),
        ["'prescription.sets'", "1 to 10"],
    ),
    (
        "rest too long",
        BRIDGE,
        _set("prescription", "rest_seconds", value=900),
        ["'prescription.rest_seconds'", "0 to 600"],
    ),
    (
        "reps reversed",
        BRIDGE,
        _set("prescription", "reps", value=[15, 10]),
        ["'prescription.reps'", "low is above high"],
    ),
    (
        "reps not a range",
        BRIDGE,
        _set("prescription", "reps", value="ten"),
        ["'prescription.reps'", "[low, high]"],
    ),
    (
        "no reps or seconds",
        BRIDGE,
        _drop("prescription", "reps"),
        ["'prescription.reps'", "'seconds'"],
    ),
    (
        "unknown muscle",
        BRIDGE,
        _set("primary", value=["glute_maxx"]),
        ["'primary[0]'", "unknown muscle 'glute_maxx'", "glute_max"],
    ),
    (
        "unknown pattern",
        BRIDGE,
        _set("pattern", value="brige"),
        ["'pattern'", "unknown pattern 'brige'"],
    ),
    (
        "unknown equipment",
        BRIDGE,
        _set("equipment", value=["dumbell"]),
        ["'equipment[0]'", "unknown equipment 'dumbell'"],
    ),
    ("unknown level", BRIDGE, _set("level", value="expert"), ["'level'", "unknown level 'expert'"]),
    ("unknown role", BRIDGE, _set("role", value="finisher"), ["'role'", "unknown role 'finisher'"]),
    (
        "unknown region",
        BRIDGE,
        _set("region", value="middle"),
        ["'region'", "unknown region 'middle'"],
    ),
    (
        "bad link",
        BRIDGE,
        _set("harder", value=["no-such-move"]),
        ["'harder[0]'", "unknown exercise 'no-such-move'"],
    ),
    ("self link", BRIDGE, _set("easier", value=["glute-bridge"]), ["'easier[0]'", "itself"]),
    (
        "unknown field",
        BRIDGE,
        _set("prescription", "sest", value=3),
        ["'prescription.sest'", "unknown field", "'sets'"],
    ),
    ("unknown top field", BRIDGE, _set("cue", value=["x"]), ["'cue'", "unknown field", "'cues'"]),
    ("wrong type", BRIDGE, _set("loaded", value="yes"), ["'loaded'", "true or false"]),
    ("number for a name", BRIDGE, _set("name", value=12), ["'name'", "expected text"]),
    ("empty steps", BRIDGE, _set("steps", value=[]), ["'steps'", "2 to 8"]),
    (
        "blank cue",
        BRIDGE,
        _set("cues", value=["Heels down.", " "]),
        ["'cues[1]'", "non-empty text"],
    ),
    ("id not the file name", BRIDGE, _set("id", value="glute-bridges"), ["'id'", "file name"]),
    ("loaded bodyweight", BRIDGE, _set("loaded", value=True), ["'loaded'", "takes a load"]),
    (
        "bodyweight plus kit",
        BRIDGE,
        _set("equipment", value=["bodyweight", "bench"]),
        ["'equipment'", "on its own"],
    ),
    (
        "duplicate alias",
        "exercises/deadlift.yaml",
        _set("aliases", value=["RDL"]),
        ["'aliases[0]'", "'romanian-deadlift-dumbbell'"],
    ),
    (
        "alias is another's name",
        BRIDGE,
        _set("aliases", value=["Superhero"]),
        ["'aliases[0]'", "'superhero'"],
    ),
]


@pytest.mark.parametrize(
    ("rel", "change", "expected"),
    [pytest.param(f, c, e, id=case) for case, f, c, e in EXERCISE_BREAKS],
)
def test_broken_exercise_is_named_precisely(
    content: Path, rel: str, change: Callable[[dict[str, Any]], None], expected: list[str]
) -> None:
    edit_yaml(content / rel, change)
    exercise_id = Path(rel).stem
    prefix = f"content/{rel}: exercise '{exercise_id}': field "
    hits = [p for p in problems_for(content) if p.startswith(prefix)]
    assert hits, problems_for(content)
    assert any(all(part in p for part in expected) for p in hits), hits


def test_duplicate_alias_is_reported_on_both_sides(content: Path) -> None:
    edit_yaml(content / "exercises/deadlift.yaml", _set("aliases", value=["rdl"]))
    problems = problems_for(content)
    assert any(
        p.startswith("content/exercises/deadlift.yaml: exercise 'deadlift'") for p in problems
    )
    assert any(
        p.startswith("content/exercises/romanian-deadlift-dumbbell.yaml") and "'deadlift'" in p
        for p in problems
    )


def test_yaml_syntax_error_names_file_exercise_and_line(content: Path) -> None:
    path = content / BRIDGE
    lines = path.read_text().splitlines()
    lines[3] = "role: [main"  # an unclosed list on line 4
    path.write_text("\n".join(lines) + "\n")
    [problem] = problems_for(content)
    assert problem.startswith(f"content/{BRIDGE}: exercise 'glute-bridge': line ")
    assert "YAML syntax error" in problem


def test_duplicate_yaml_key_is_an_error(content: Path) -> None:
    path = content / BRIDGE
    path.write_text(path.read_text() + "level: advanced\n")
    [problem] = problems_for(content)
    assert problem.startswith(f"content/{BRIDGE}: exercise 'glute-bridge': line ")
    assert "'level' appears twice" in problem


def test_stray_yml_file_is_flagged(content: Path) -> None:
    (content / "exercises/extra.yml").write_text("id: extra\n")
    assert problems_for(content) == ["content/exercises/extra.yml: rename it to end in .yaml"]


def test_every_problem_is_reported_in_one_go(content: Path) -> None:
    edit_yaml(content / BRIDGE, _drop("prescription", "sets"))
    edit_yaml(content / "exercises/superhero.yaml", _set("primary", value=["spine"]))
    edit_yaml(content / "programs.yaml", lambda d: d["splits"][0].update(default_weekdays=[0, 7]))
    problems = problems_for(content)
    assert len(problems) == 3
    files = {p.split(":")[0] for p in problems}
    assert files == {
        f"content/{BRIDGE}",
        "content/exercises/superhero.yaml",
        "content/programs.yaml",
    }


PROGRAM_BREAKS: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    (
        "unknown day type",
        lambda d: d["splits"][0].update(days=["full", "legs"]),
        "split 'full2': field 'days[1]': unknown day type 'legs'",
    ),
    (
        "weekday out of range",
        lambda d: d["splits"][1].update(default_weekdays=[0, 2, 7]),
        "split 'full3': field 'default_weekdays[2]': must be a weekday number from 0",
    ),
    (
        "weekday count",
        lambda d: d["splits"][1].update(default_weekdays=[0, 2]),
        "split 'full3': field 'default_weekdays': has 2 weekdays for 3 days",
    ),
    (
        "weekday twice",
        lambda d: d["splits"][1].update(default_weekdays=[0, 2, 2]),
        "split 'full3': field 'default_weekdays': lists the same weekday twice",
    ),
    (
        "duplicate split",
        lambda d: d["splits"].append(dict(d["splits"][0])),
        "split 'full2': field 'id': duplicate split id 'full2'",
    ),
    (
        "unknown slot pattern",
        lambda d: d["day_types"][0]["slots"][0].update(patterns=["hing"]),
        "day type 'full': field 'slots[0].patterns[0]': unknown pattern 'hing' (did you mean",
    ),
    (
        "unknown fallback",
        lambda d: d["day_types"][1]["slots"][1].update(fallback=["extend"]),
        "day type 'upper': field 'slots[1].fallback[0]': unknown pattern 'extend'",
    ),
    (
        "too few slots",
        lambda d: d["day_types"][2].update(slots=d["day_types"][2]["slots"][:2]),
        "day type 'lower': field 'slots': has 2 slots but a level asks for 7 exercises",
    ),
    (
        "bad region",
        lambda d: d["day_types"][2].update(region="legs"),
        "day type 'lower': field 'region': unknown region 'legs'",
    ),
    ("level missing", lambda d: d["levels"].pop(), "field 'levels': level 'advanced' is missing"),
    (
        "main count",
        lambda d: d["levels"][0].update(max_exercises=0),
        "level 'beginner': field 'max_exercises': must be a whole number from 1 to 10",
    ),
    (
        "warmup names a main move",
        lambda d: d["session"]["warmup"].append("deadlift"),
        "field 'session.warmup[8]': 'deadlift' has role 'main', expected 'warmup'",
    ),
    (
        "cooldown unknown",
        lambda d: d["session"]["cooldown"].insert(0, "nap"),
        "field 'session.cooldown[0]': unknown exercise 'nap'",
    ),
    (
        "warmup count too high",
        lambda d: d["session"].update(warmup_count=9),
        "field 'session.warmup_count': must be a whole number from 0 to 8",
    ),
    (
        "outcome level",
        lambda d: d["selftest"]["outcomes"][0].update(level="pro"),
        "self-test outcome 'steady': field 'level': unknown level 'pro'",
    ),
    (
        "one outcome",
        lambda d: d["selftest"].update(outcomes=d["selftest"]["outcomes"][:1]),
        "self-test: field 'outcomes': needs 2 to 4 answers",
    ),
    (
        "session typo",
        lambda d: d["session"].update(minuts=20),
        "field 'session.minuts': unknown field (did you mean 'minutes'?)",
    ),
]


TAXONOMY_BREAKS: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    (
        "muscle group",
        lambda d: d["muscles"][0].update(group="neck"),
        "content/taxonomy.yaml: muscle 'neck_extensors': field 'group': unknown group 'neck'",
    ),
    (
        "negative step",
        lambda d: d["equipment"][2].update(step_kg=-2),
        "content/taxonomy.yaml: equipment 'dumbbells': field 'step_kg': must be a number above 0",
    ),
    (
        "no bodyweight",
        lambda d: d["equipment"].pop(0),
        "content/taxonomy.yaml: field 'equipment': must include 'bodyweight'",
    ),
    (
        "bad group id",
        lambda d: d["groups"].update({"Upper Back": "Upper back"}),
        "content/taxonomy.yaml: field 'groups.Upper Back': ids use lower case",
    ),
]


LINK_BREAKS: list[tuple[str, str, Callable[[dict[str, Any]], None], str]] = [
    (
        "no link and no reason",
        "exercises/standing-calf-raise.yaml",
        _drop("no_easier"),
        "exercise 'standing-calf-raise': field 'easier': a bodyweight move needs an 'easier' link",
    ),
    (
        "only loaded harder links and no reason",
        "exercises/single-leg-rdl-paused.yaml",
        _drop("no_harder"),
        "exercise 'single-leg-rdl-paused': field 'harder': a bodyweight move needs a bodyweight "
        "'harder' link (for someone with no kit) or a 'no_harder' reason",
    ),
    (
        "reason next to a link",
        "exercises/superhero.yaml",
        _set("no_easier", value="Because."),
        "exercise 'superhero': field 'no_easier': is given although 'easier' lists a move",
    ),
    (
        "link to a warm-up",
        "exercises/superhero.yaml",
        _set("easier", value=["bird-dog"]),
        "field 'easier[0]': 'bird-dog' is a warmup move; link main moves only",
    ),
    (
        "tier with the wrong pattern",
        "programs.yaml",
        lambda d: d["main_lifts"]["hinge"].append(["glute-bridge"]),
        "field 'main_lifts.hinge[8][0]': 'glute-bridge' has pattern 'bridge', not 'hinge'",
    ),
    (
        "unknown tier move",
        "programs.yaml",
        lambda d: d["main_lifts"]["row"].insert(0, ["barbel-row"]),
        "field 'main_lifts.row[0][0]': unknown exercise 'barbel-row' (did you mean 'barbell-row'?)",
    ),
    (
        "ramp out of order",
        "programs.yaml",
        lambda d: d["levels"][0]["ramp"][1].update(until_week=1),
        "level 'beginner': field 'ramp[1].until_week': must come after week 2",
    ),
    (
        "length without the default",
        "programs.yaml",
        lambda d: d["session"].update(lengths=d["session"]["lengths"][:1]),
        "field 'session.lengths': must include the default length (30 minutes)",
    ),
    (
        "block too long",
        "programs.yaml",
        lambda d: d.update(block_weeks=9),
        "field 'block_weeks': must be a whole number from 4 to 6 (got 9)",
    ),
    (
        "slot main flag",
        "programs.yaml",
        lambda d: d["day_types"][0]["slots"][0].update(main="yes"),
        "day type 'full': field 'slots[0].main': expected true or false",
    ),
]


def _cases(rel: str, breaks: list[tuple[str, Callable[[dict[str, Any]], None], str]]) -> list:
    return [pytest.param(rel, change, expected, id=case) for case, change, expected in breaks]


@pytest.mark.parametrize(
    ("rel", "change", "expected"),
    [
        *_cases("programs.yaml", PROGRAM_BREAKS),
        *_cases("taxonomy.yaml", TAXONOMY_BREAKS),
        *[pytest.param(f, c, e, id=case) for case, f, c, e in LINK_BREAKS],
    ],
)
def test_broken_program_or_taxonomy_is_named_precisely(
    content: Path, rel: str, change: Callable[[dict[str, Any]], None], expected: str
) -> None:
    edit_yaml(content / rel, change)
    problems = problems_for(content)
    assert any(p.startswith(f"content/{rel}: ") and expected in p for p in problems), problems


def test_removed_muscle_is_reported_where_it_is_used(content: Path) -> None:
    edit_yaml(content / "taxonomy.yaml", lambda d: d.update(muscles=d["muscles"][1:]))
    problems = problems_for(content)
    assert any(
        p.startswith("content/exercises/superhero.yaml: exercise 'superhero': field 'secondary[")
        and "unknown muscle 'neck_extensors'" in p
        for p in problems
    )


def test_missing_files_are_reported(content: Path) -> None:
    (content / "programs.yaml").unlink()
    assert problems_for(content) == ["content/programs.yaml: file is missing"]
    shutil.rmtree(content)
    with pytest.raises(ContentError, match="no content folder"):
        load_library(content)


def test_top_level_must_be_a_mapping(content: Path) -> None:
    (content / BRIDGE).write_text("- just\n- a list\n")
    [problem] = problems_for(content)
    assert problem == (
        f"content/{BRIDGE}: exercise 'glute-bridge': expected a mapping at the top, got a list"
    )


def test_long_reports_are_shortened(content: Path) -> None:
    edit_yaml(content / "taxonomy.yaml", lambda d: d.update(patterns={}))
    with pytest.raises(ContentError) as caught:
        load_library(content)
    assert len(caught.value.problems) > 30
    assert f"... and {len(caught.value.problems) - 30} more" in str(caught.value)


# --- issue 12: kit variants, links, source facts ---------------------------------------


@pytest.mark.parametrize("kit", ["dumbbells", "kettlebell", "gym"])
@pytest.mark.parametrize("pattern", ["hinge", "row", "bridge", "squat", "plantar_flexion"])
def test_every_loaded_kit_has_a_loaded_main_move_per_pattern(
    library: Library, kit: str, pattern: str
) -> None:
    from bot.core.onboarding import EQUIPMENT_PRESETS

    have = EQUIPMENT_PRESETS[kit][1]
    found = [
        e.id
        for e in eligible(library, "intermediate", set(have))
        if e.pattern == pattern and e.loaded and set(e.equipment) <= have
    ]
    assert found, (kit, pattern)


def test_every_bodyweight_main_move_can_step_up_and_down_or_says_why(library: Library) -> None:
    for e in library.main_exercises():
        if not e.bodyweight:
            continue
        assert bool(e.easier) != bool(e.no_easier), e.id
        # Harder: a link someone with no kit can do, or the reason (a loaded link may stand
        # next to it, for those with the kit).
        no_kit = [h for h in e.harder if library.exercises[h].bodyweight]
        assert bool(no_kit) != bool(e.no_harder), e.id
        for target in (*e.easier, *e.harder):
            assert library.exercises[target].role == "main", (e.id, target)


def test_source_facts(library: Library) -> None:
    ex = library.exercises
    assert ex["barbell-hip-thrust"].prescription.reps == (15, 20)
    steps = " ".join(s.text.lower() for s in library.selftest.steps)
    assert "one leg" in steps and "lower that foot to the floor" in steps


def test_qualified_names_are_findable(library: Library) -> None:
    from bot.core.lookup import ExerciseLookup

    lookup = ExerciseLookup(library)
    qualified = [e for e in library.exercises.values() if "(" in e.name]
    assert qualified
    for e in qualified:
        found = lookup.find(e.name).exercise
        assert found is not None and found.id == e.id, e.name
        bare = re.sub(r"\s*\(.*?\)", "", e.name)
        assert lookup.find(bare).exercise is not None, bare
    assert lookup.find("single-leg romanian deadlift").exercise == ex_of(
        library, "single-leg-rdl-bodyweight"
    )


def ex_of(library: Library, ident: str) -> Exercise:
    return library.exercises[ident]


def test_main_lift_tiers_name_main_moves_of_their_pattern(library: Library) -> None:
    for pattern, tiers in library.main_lifts.items():
        for tier in tiers:
            for ident in tier:
                assert library.exercises[ident].pattern == pattern
    assert library.block_weeks in (4, 5, 6)
    assert all(any(slot.main for slot in d.slots) for d in library.day_types.values())
