"""The program over the whole grid of level x kit x split x session length, week by week.

Each rule is checked with its own, independent reading of the content (not the planner's
helpers): kit and level, the weekly muscle-group hits, main lifts that hold for a block and
recur every week, the session length band, one back-extension move a day, warm-ups and
cool-downs that suit the day, and the newcomer ramp. Then the issue's fixed examples.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from functools import cache

import pytest

from bot.content import default_library
from bot.core import onboarding, render
from bot.core.library import Exercise
from bot.core.onboarding import EQUIPMENT_PRESETS
from bot.core.planner import DayPlan, plan_day, plan_week
from bot.core.settings import LEVELS, SESSION_LENGTHS, Settings

LIB = default_library()
RANK: dict[str, int] = {lv: i for i, lv in enumerate(LEVELS)}
START = date(2026, 1, 5)  # a Monday: the program's first week
BLOCK = LIB.block_weeks
RAMP_WEEKS = max((s.until_week for lv in LIB.levels.values() for s in lv.ramp), default=0)
# Weeks checked: all of the first block after the newcomer ramp, and the next block's first.
WEEKS = range(RAMP_WEEKS, 2 * BLOCK + 1)
KITS = sorted(EQUIPMENT_PRESETS)
GRID = list(itertools.product(LEVELS, KITS, sorted(LIB.splits), SESSION_LENGTHS))
# Posterior-chain groups as taxonomy muscle groups, read from taxonomy.yaml's own names.
GROUPS = {
    "glutes": {"glutes"},
    "hamstrings": {"hamstrings"},
    "upper_back": {"lats", "mid_back", "rear_delts", "neck_traps"},
    "lower_back": {"lower_back"},
    "calves": {"calves"},
}
UPPER_GROUPS = {"upper_back"}


def person(level: str, kit: str, split: str, minutes: int = 30) -> Settings:
    return Settings(
        level=level,  # type: ignore[arg-type]
        equipment=EQUIPMENT_PRESETS[kit][1],
        split=split,
        weekdays=LIB.splits[split].default_weekdays,
        session_minutes=minutes,
        program_start=START,
    )


@cache
def week(level: str, kit: str, split: str, minutes: int, n: int) -> tuple[DayPlan, ...]:
    s = person(level, kit, split, minutes)
    plans = plan_week(LIB, s, START + timedelta(weeks=n))
    return tuple(plans[d] for d in sorted(plans))


def can_do(ex: Exercise, s: Settings) -> bool:
    return set(ex.equipment) <= (s.equipment | {"bodyweight"}) and RANK[ex.level] <= RANK[s.level]


def groups_of(exercise_id: str) -> set[str]:
    ex = LIB.exercises[exercise_id]
    muscle_groups = {LIB.taxonomy.muscles[m].group for m in ex.primary}
    return {g for g, parts in GROUPS.items() if parts & muscle_groups}


def main_slots(day_type: str) -> set[str]:
    return {slot.name for slot in LIB.day_types[day_type].slots if slot.main}


def band(minutes: int) -> tuple[int, int]:
    """26-32 for 30 minutes, as the issue asks; the same proportions for 15 and 45."""
    return {15: (13, 16), 30: (26, 32), 45: (39, 48)}[minutes]


def over_the_grid(check: Callable[[str, str, str, int], None]) -> None:
    """`check` at every point of GRID, in one test rather than one per point (a thousand
    test items cost more to run than their checks), naming each point that fails."""
    failures = []
    for level, kit, split, minutes in GRID:
        try:
            check(level, kit, split, minutes)
        except AssertionError as exc:
            failures.append(f"{level} {kit} {split} {minutes} min: {exc}")
    assert not failures, f"{len(failures)} of {len(GRID)} grid points fail:\n" + "\n".join(
        failures[:10]
    )


def test_kit_and_level_are_never_exceeded() -> None:
    over_the_grid(kit_and_level_are_never_exceeded)


def kit_and_level_are_never_exceeded(level: str, kit: str, split: str, minutes: int) -> None:
    s = person(level, kit, split, minutes)
    for n in WEEKS:
        for plan in week(level, kit, split, minutes, n):
            for p in (*plan.warmup, *plan.main, *plan.cooldown):
                ex = LIB.exercises[p.exercise_id]
                assert can_do(ex, s), (plan.day, ex.id, ex.equipment, ex.level)
            ids = [p.exercise_id for p in plan.main]
            assert len(ids) == len(set(ids)), ids
            most = LIB.levels[level].max_sets + LIB.session.length(minutes).extra_sets
            assert all(1 <= p.sets <= most for p in plan.main)


def test_every_group_twice_a_week_calves_and_lower_back_at_least_once() -> None:
    over_the_grid(every_group_twice_a_week_calves_and_lower_back_at_least_once)


def every_group_twice_a_week_calves_and_lower_back_at_least_once(
    level: str, kit: str, split: str, minutes: int
) -> None:
    days = LIB.splits[split].days
    for n in WEEKS:
        hits: Counter[str] = Counter()
        for plan in week(level, kit, split, minutes, n):
            trained = set().union(*(groups_of(p.exercise_id) for p in plan.main))
            hits.update(trained)
        for group in GROUPS:
            # Days whose region can train the group: upper back on upper and full days, the
            # rest on lower and full days.
            regions = {"upper", "full"} if group in UPPER_GROUPS else {"lower", "full"}
            possible = sum(1 for d in days if LIB.day_types[d].region in regions)
            wanted = min(2, possible)
            if group in ("calves", "lower_back"):
                # Weekly in every split; twice where it allows, except that 15-minute sessions
                # only have room for the main lifts and the weekly minimum.
                wanted = max(wanted if minutes >= 30 else 1, 1)
            assert hits[group] >= wanted, (n, group, dict(hits))


def test_main_lifts_hold_for_a_block_and_recur_every_week() -> None:
    over_the_grid(main_lifts_hold_for_a_block_and_recur_every_week)


def main_lifts_hold_for_a_block_and_recur_every_week(
    level: str, kit: str, split: str, minutes: int
) -> None:
    def mains(n: int) -> list[tuple[str, tuple[tuple[str, int], ...]]]:
        # A main lift's sets hold too: only progression moves them, never time fitting.
        return [
            (
                p.day_type or "",
                tuple(
                    (x.exercise_id, x.sets)
                    for x in p.main
                    if x.slot in main_slots(p.day_type or "")
                ),
            )
            for p in week(level, kit, split, minutes, n)
        ]

    first_block = [n for n in WEEKS if n // BLOCK == RAMP_WEEKS // BLOCK]
    reference = mains(first_block[0])
    assert all(lifts for _, lifts in reference)
    for n in first_block[1:]:
        assert mains(n) == reference, n
    # Accessories rotate: over the block, more of them come up than one session holds.
    if minutes >= 30 and level != "beginner":
        plans = [p for n in first_block for p in week(level, kit, split, minutes, n)]
        extras = [
            [x.exercise_id for x in p.main if x.slot not in main_slots(p.day_type or "")]
            for p in plans
        ]
        most = max(len(e) for e in extras)
        assert len({i for e in extras for i in e}) > most, extras


def test_the_session_fills_its_length() -> None:
    over_the_grid(the_session_fills_its_length)


def the_session_fills_its_length(level: str, kit: str, split: str, minutes: int) -> None:
    """Never over the band; intermediate and advanced reach its bottom, or have run out of
    moves: every move their kit allows for that day type is in, the accessories at the most
    sets allowed (the level's cap, and a set over the content's)."""
    s = person(level, kit, split, minutes)
    low, high = band(minutes)
    most_sets = LIB.levels[level].max_sets + LIB.session.length(minutes).extra_sets
    for n in WEEKS:
        for plan in week(level, kit, split, minutes, n):
            assert plan.minutes <= high, (plan.day, plan.minutes, plan.exercise_ids)
            if level == "beginner" or plan.minutes >= low:
                continue
            slots = LIB.day_types[plan.day_type or ""].slots
            patterns = {p for sl in slots for p in sl.patterns + sl.fallback}
            usable = {e.id for e in LIB.main_exercises() if e.pattern in patterns and can_do(e, s)}
            left = usable - set(plan.exercise_ids)
            # Only a second back-extension move may be left out (one a day).
            assert all(LIB.exercises[i].pattern == "extension" for i in left), (plan.day, left)
            # The accessories at their most sets; the main lifts keep their block's sets.
            extras = [p for p in plan.main if p.slot not in main_slots(plan.day_type or "")]
            extra = LIB.session.length(minutes).extra_sets
            ceiling = {
                p.exercise_id: min(
                    most_sets, LIB.exercises[p.exercise_id].prescription.sets + 1 + extra
                )
                for p in extras
            }
            assert all(p.sets == ceiling[p.exercise_id] for p in extras), (plan.day, plan.main)


def test_one_back_extension_a_day_and_bookends_that_suit_the_day() -> None:
    over_the_grid(one_back_extension_a_day_and_bookends_that_suit_the_day)


def one_back_extension_a_day_and_bookends_that_suit_the_day(
    level: str, kit: str, split: str, minutes: int
) -> None:
    for n in WEEKS:
        for plan in week(level, kit, split, minutes, n):
            patterns = [LIB.exercises[p.exercise_id].pattern for p in plan.main]
            assert patterns.count("extension") <= 1, plan.exercise_ids
            region = LIB.day_types[plan.day_type or ""].region
            assert plan.warmup and plan.cooldown
            for p in (*plan.warmup, *plan.cooldown):
                ex_region = LIB.exercises[p.exercise_id].region
                assert region == "full" or ex_region in (region, "full"), (plan.day_type, p)


def test_main_lifts_use_the_best_kit_owned() -> None:
    over_the_grid(main_lifts_use_the_best_kit_owned)


def main_lifts_use_the_best_kit_owned(level: str, kit: str, split: str, minutes: int) -> None:
    """After the newcomer ramp everyone's main lifts use their kit where a loaded option exists
    (beginners get their level's loaded moves: form first, weights later)."""
    s = person(level, kit, split, minutes)
    for plan in week(level, kit, split, minutes, RAMP_WEEKS):
        slots = {sl.name: sl for sl in LIB.day_types[plan.day_type or ""].slots}
        for p in plan.main:
            slot = slots[p.slot]
            if not slot.main:
                continue
            chosen = LIB.exercises[p.exercise_id]
            options = [
                e
                for e in LIB.main_exercises()
                if e.pattern in slot.patterns and can_do(e, s) and e.id not in plan.exercise_ids
            ]
            if any(e.loaded for e in options):
                assert not chosen.bodyweight, (p.slot, chosen.id, [e.id for e in options])


@pytest.mark.parametrize("split", sorted(LIB.splits))
def test_a_newcomer_starts_with_one_or_two_bodyweight_moves_and_grows(split: str) -> None:
    assert RAMP_WEEKS % BLOCK == 0, "the ramp ends on a block boundary"
    counts = []
    for n in range(RAMP_WEEKS + 1):
        plans = week("beginner", "bodyweight", split, 30, n)
        # Even someone who owns dumbbells starts on the floor.
        for p in week("beginner", "dumbbells", split, 30, min(n, RAMP_WEEKS - 1)):
            mains = [x for x in p.main if x.slot in main_slots(p.day_type or "")]
            assert all(LIB.exercises[x.exercise_id].bodyweight for x in mains), p.exercise_ids
        sizes = {len(p.main) for p in plans}
        assert all(LIB.exercises[i].bodyweight for p in plans for i in p.exercise_ids)
        counts.append(max(sizes))
    assert counts[0] <= 2 and counts[1] <= 2
    assert counts == sorted(counts) and counts[-1] > counts[0]
    # Someone without a start date (settings stored before it existed) is not a newcomer.
    s = person("beginner", "bodyweight", split).with_(program_start=None)
    day = date(2024, 1, 1) + timedelta(days=LIB.splits[split].default_weekdays[0])
    assert len(plan_day(LIB, s, day).main) > 2


def test_blocks_roll_over_from_the_program_start() -> None:
    s = person("advanced", "gym", "ul4")
    first = plan_day(LIB, s, START)  # Monday: upper day
    later = plan_day(LIB, s, START + timedelta(weeks=BLOCK))
    main = main_slots("upper")
    lifts = [tuple(p.exercise_id for p in plan.main if p.slot in main) for plan in (first, later)]
    assert lifts[0] != lifts[1], "equal moves in a tier take turns between blocks"
    # The same person starting a week later is a week behind.
    shifted = s.with_(program_start=START + timedelta(weeks=1))
    again = plan_day(LIB, shifted, START + timedelta(weeks=BLOCK + 1))
    assert tuple(p.exercise_id for p in again.main if p.slot in main) == lifts[1]


# --- the fixed examples ------------------------------------------------------


def ids_over(level: str, kit: str, split: str, weeks: range, minutes: int = 30) -> Counter[str]:
    return Counter(
        i for n in weeks for p in week(level, kit, split, minutes, n) for i in p.exercise_ids
    )


def test_intermediate_with_dumbbells_on_full3_gets_loaded_main_lifts_and_calves() -> None:
    for n in WEEKS:
        for plan in week("intermediate", "dumbbells", "full3", 30, n):
            mains = [
                LIB.exercises[p.exercise_id] for p in plan.main if p.slot in main_slots("full")
            ]
            assert len(mains) == 3 and all(e.loaded for e in mains), [e.id for e in mains]
            assert 26 <= plan.minutes <= 32
    seen = ids_over("intermediate", "dumbbells", "full3", WEEKS)
    assert {"romanian-deadlift-dumbbell", "dumbbell-bent-over-row", "dumbbell-hip-thrust"} <= set(
        seen
    )
    calf = {e.id for e in LIB.main_exercises() if e.pattern == "plantar_flexion"}
    assert calf & set(seen)
    squats = {e.id for e in LIB.main_exercises() if e.pattern in ("squat", "step")}
    assert squats & set(seen), "legs come up in the rotation"


def test_intermediate_with_dumbbells_on_ul4_rows_flies_and_shrugs() -> None:
    seen = ids_over("intermediate", "dumbbells", "ul4", WEEKS)
    for move in ("dumbbell-bent-over-row", "bent-over-rear-delt-fly", "dumbbell-shrug"):
        assert seen[move] >= len(WEEKS), move
    for n in WEEKS:
        for plan in week("intermediate", "dumbbells", "ul4", 30, n):
            holds = {"superhero", "prone-cobra", "back-extension"} & set(plan.exercise_ids)
            assert len(holds) <= 1


def test_advanced_full_gym_on_ul4_sees_pull_up_hip_thrust_and_barbell_row() -> None:
    first_week = ids_over("advanced", "gym", "ul4", range(RAMP_WEEKS, RAMP_WEEKS + 1))
    assert {"pull-up", "barbell-hip-thrust", "barbell-row"} <= set(first_week)
    for plan in week("advanced", "gym", "ul4", 30, RAMP_WEEKS):
        assert 26 <= plan.minutes <= 32


def test_advanced_full_gym_on_full3_pulls_the_same_way_all_block() -> None:
    block = [n for n in WEEKS if n // BLOCK == 1]
    pulls = Counter(
        p.exercise_id
        for n in block
        for plan in week("advanced", "gym", "full3", 30, n)
        for p in plan.main
        if p.slot == "Pull"
    )
    assert pulls == Counter({"barbell-row": 3 * len(block)})


def test_kettlebell_only_main_lifts_are_kettlebell_moves() -> None:
    for plan in week("intermediate", "kettlebell", "full3", 30, RAMP_WEEKS):
        for p in plan.main:
            if p.slot in main_slots("full"):
                assert "kettlebell" in LIB.exercises[p.exercise_id].equipment, p.exercise_id


def test_upper_day_bookends_are_for_the_upper_body() -> None:
    plan = week("intermediate", "dumbbells", "ul4", 30, RAMP_WEEKS)[0]
    assert plan.day_type == "upper"
    bookends = {p.exercise_id for p in (*plan.warmup, *plan.cooldown)}
    assert not bookends & {"bodyweight-good-morning", "dowel-hip-hinge", "calf-stretch"}


def test_heavy_barbell_lifts_count_their_ramp_up_sets() -> None:
    plan = week("advanced", "gym", "ul4", 30, RAMP_WEEKS)[1]  # a lower day
    barbell = [p for p in plan.main if "barbell" in LIB.exercises[p.exercise_id].equipment]
    assert barbell and barbell[0].warmup_sets == LIB.session.barbell_warmup_sets
    assert all(p.warmup_sets == 0 for p in plan.main if p not in barbell)
    _, text = render.plan_overview(plan, "kg")
    assert f"Start with {barbell[0].warmup_sets} lighter warm-up sets." in text


# --- the seams for progression and choice --------------------------------------------


def test_a_chosen_variation_is_scheduled_when_kit_and_level_allow() -> None:
    s = person("intermediate", "bodyweight", "full3")
    day = START + timedelta(weeks=RAMP_WEEKS)
    base = plan_day(LIB, s, day)
    glutes = next(p for p in base.main if p.slot == "Glutes")
    harder = plan_day(LIB, s, day, variations={glutes.exercise_id: "single-leg-glute-bridge"})
    swapped = next(p for p in harder.main if p.slot == "Glutes")
    assert swapped.exercise_id == "single-leg-glute-bridge"
    # Kit checked: a barbell move is not given to someone without a barbell.
    kit = plan_day(LIB, s, day, variations={glutes.exercise_id: "barbell-hip-thrust"})
    assert "barbell-hip-thrust" not in kit.exercise_ids
    # Level checked: a beginner is not given an intermediate variation.
    beginner = person("beginner", "bodyweight", "full3")
    plan = plan_day(LIB, beginner, day, variations={"glute-bridge": "single-leg-glute-bridge"})
    assert "single-leg-glute-bridge" not in plan.exercise_ids


def test_avoided_moves_are_never_scheduled() -> None:
    s = person("advanced", "gym", "ul4")
    for n in WEEKS:
        for d in range(7):
            plan = plan_day(LIB, s, START + timedelta(weeks=n, days=d), avoid={"barbell-row"})
            assert "barbell-row" not in plan.exercise_ids


# --- the session-length setting ------------------------------------------------------


def test_old_stored_settings_load_with_the_defaults() -> None:
    old = Settings().to_dict()
    del old["session_minutes"], old["program_start"]
    loaded = Settings.from_dict(old)
    assert loaded.session_minutes == 30 and loaded.program_start is None
    odd = Settings.from_dict({**old, "session_minutes": "long", "program_start": "soon"})
    assert (odd.session_minutes, odd.program_start) == (30, None)
    assert Settings.from_dict({**old, "session_minutes": 50}).session_minutes == 45
    s = Settings(session_minutes=45, program_start=START)
    assert Settings.from_dict(s.to_dict()) == s
    assert s.plan_key() != s.with_(session_minutes=15).plan_key()


@pytest.mark.parametrize(
    ("answer", "minutes"),
    [("15", 15), ("About 45 min", 45), ("30 minutes", 30), ("20", 15), ("an hour", 45)],
)
def test_onboarding_asks_for_the_session_length(answer: str, minutes: int) -> None:
    step = onboarding.step("length")
    assert [b.data for b in step.buttons(LIB, Settings())] == [
        f"ob:length:{m}" for m in SESSION_LENGTHS
    ]
    assert step.apply(answer, Settings(), LIB).session_minutes == minutes


def test_onboarding_length_refuses_nonsense_kindly() -> None:
    with pytest.raises(onboarding.AnswerError, match="minutes"):
        onboarding.step("length").apply("whenever", Settings(), LIB)


def test_a_short_session_rotates_its_quick_accessories() -> None:
    """15 minutes, two full-body days, dumbbells: the lower-back accessory takes turns between
    the quick ones (superhero, prone cobra) instead of being the same every session."""
    seen = Counter(
        p.exercise_id
        for n in WEEKS
        for plan in week("advanced", "dumbbells", "full2", 15, n)
        for p in plan.main
        if LIB.exercises[p.exercise_id].pattern == "extension"
    )
    assert len(seen) >= 2, seen


@pytest.mark.parametrize("split", ["full3", "ul4"])
def test_a_newcomer_session_grows_a_move_at_a_time_after_the_ramp(split: str) -> None:
    """45 minutes holds seven moves for a beginner; after the ramp's four, the session grows a
    move every couple of weeks instead of jumping to seven."""
    most = [max(len(p.main) for p in week("beginner", "bands", split, 45, n)) for n in range(12)]
    assert most[0] <= 2 and all(b <= a + 1 for a, b in itertools.pairwise(most)), most
    assert most[-1] == LIB.levels["beginner"].max_exercises + 2, most


def extension_moves(s: Settings, steps: dict[str, str], swapped: frozenset[str] | None) -> Counter:
    return Counter(
        p.exercise_id
        for n in WEEKS
        for plan in plan_week(
            LIB, s, START + timedelta(weeks=n), variations=steps, swapped=swapped
        ).values()
        for p in plan.main
        if LIB.exercises[p.exercise_id].pattern == "extension"
    )


@pytest.mark.parametrize("split", ["full2", "full3"])
def test_a_move_progressed_on_from_keeps_its_turn_in_the_rotation(split: str) -> None:
    """No kit: the lower back has prone cobra and the superhero. Once prone cobra has moved on
    to the superhero (progression's step), both still take turns; the superhero used to come up
    in about nine sessions of ten. As a swap the replaced move never comes back."""
    s = person("intermediate", "bodyweight", split)
    steps = {"prone-cobra": "superhero"}
    spread = extension_moves(s, steps, frozenset())
    assert set(spread) == {"prone-cobra", "superhero"}, spread
    assert max(spread.values()) <= 0.75 * sum(spread.values()), spread
    assert set(extension_moves(s, steps, None)) == {"superhero"}
    # Stepped down (two short sessions): the harder move waits, it doesn't keep a turn.
    assert set(extension_moves(s, {"superhero": "prone-cobra"}, frozenset())) == {"prone-cobra"}


@pytest.mark.parametrize("split", ["ul4", "ulf"])
def test_a_progression_step_keeps_the_session_in_its_band(split: str) -> None:
    """No kit, upper days, 30 minutes: the doorway row, prone Y-T raise and prone cobra have
    moved on to their harder versions. As progression's steps (not swaps) the moves they came
    from may still fill other slots, so the day reaches its band; kept out (the swap rule),
    an upper day came to 20 minutes."""
    s = person("intermediate", "bodyweight", split)
    steps = {
        "doorway-row": "table-row",
        "prone-y-t-raise": "reverse-snow-angel",
        "prone-cobra": "superhero",
    }
    low, high = band(30)
    day = START + timedelta(weeks=RAMP_WEEKS + 2)
    upper = [p for p in plan_week(LIB, s, day, variations=steps).values() if p.day_type == "upper"]
    assert upper and min(p.minutes for p in upper) < low  # as swaps: short
    stepped = plan_week(LIB, s, day, variations=steps, swapped=frozenset())
    for plan in stepped.values():
        assert low <= plan.minutes <= high, (plan.day, plan.minutes, plan.exercise_ids)
        assert "table-row" in plan.exercise_ids or plan.day_type == "lower"


def test_a_short_session_rotates_an_owned_quick_move_with_its_harder_version() -> None:
    """15 minutes, no kit: the standing calf raise (the quickest) has moved on to the
    single-leg one, which used to stand in for it in every session."""
    s = person("intermediate", "bodyweight", "full2", 15)
    steps = {"standing-calf-raise": "single-leg-calf-raise"}
    seen = Counter(
        p.exercise_id
        for n in WEEKS
        for plan in plan_week(
            LIB, s, START + timedelta(weeks=n), variations=steps, swapped=frozenset()
        ).values()
        for p in plan.main
        if LIB.exercises[p.exercise_id].pattern == "plantar_flexion"
    )
    assert set(seen) == {"standing-calf-raise", "single-leg-calf-raise"}, seen
