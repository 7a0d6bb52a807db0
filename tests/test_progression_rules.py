"""Issue 12's progression rules: the fixed examples, RPE/RIR, big load steps, the bodyweight
ladder and its variations, lighter weeks, property tests over exercises x levels x histories,
and scripted multi-week trajectories. Real exercise library, no store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.content import default_library
from bot.core import dose
from bot.core.coach import Coach
from bot.core.library import Exercise
from bot.core.onboarding import EQUIPMENT_PRESETS
from bot.core.parser import ParsedLog
from bot.core.planner import DayPlan, PlannedExercise, plan_day
from bot.core.ports import SetLog, Store, User
from bot.core.progression import (
    BIG_STEP,
    Next,
    load_step,
    measure_of,
    next_load,
    sessions,
)
from bot.core.render import fmt_next, fmt_planned, next_note, next_phrase, next_target
from bot.core.settings import LEVELS, Settings
from bot.core.units import from_kg, to_kg
from tests import test_conversation as conversation
from tests.test_conversation import MONDAY, text_of
from tests.test_progress_reports import RDL, ROW, Member
from tests.test_progress_reports import sets_of as report_sets
from tests.test_progression import START, Log, days

# The conversation tests' fixtures: a movable clock, and a Coach over a fresh SQLite file.
clock = conversation.clock
env = conversation.env

LIBRARY = default_library()
ALL_KIT = frozenset(LIBRARY.taxonomy.equipment)
BODYWEIGHT = frozenset({"bodyweight"})


def person(level: str = "intermediate", kit: frozenset[str] = ALL_KIT, units: str = "kg"):
    return Settings(level=level, equipment=kit, units=units)  # type: ignore[arg-type]


def step(exercise_id: str, log: Log, who: Settings, **kwargs) -> Next:
    found = dose.next_step(LIBRARY.exercises[exercise_id], LIBRARY, who, log.sets, **kwargs)
    assert found is not None
    return found


# ---------------------------------------------------------------- the examples


def test_single_leg_rdl_13_13_13_moves_up_the_ladder() -> None:
    """Past the top with the sets at the level's cap: the harder variation, not an aim of 13
    (nor 11 or 12) in an 8-10 range."""
    log = Log("single-leg-rdl-bodyweight")  # 3 x 8-10 per side
    log.add(START, [13, 13, 13])
    nxt = step(log.exercise_id, log, person(kit=BODYWEIGHT))
    assert (nxt.kind, nxt.suggestion) == ("harder", "single-leg-rdl-paused")
    assert max(nxt.aims) <= 10
    with_dumbbells = step(log.exercise_id, log, person(kit=BODYWEIGHT | {"dumbbells"}))
    assert (with_dumbbells.kind, with_dumbbells.suggestion) == (
        "harder",
        "romanian-deadlift-dumbbell",
    )


def test_a_loaded_move_logged_without_its_weight_still_climbs_and_asks_for_it() -> None:
    """Someone who only ever taps Done (no weight known) isn't stuck: the reps climb at the
    same weight (inside the range), and at the top Next time says to go up a weight.
    (Before: every session held what was done, so "done" x 12 weeks stayed at 10, 10, 10.)"""
    who = person(kit=frozenset({"bodyweight", "dumbbells", "bench", "band"}))
    log = Log("romanian-deadlift-dumbbell")  # 3 x 10-12
    log.add(START, [10, 10, 10])
    nxt = step(log.exercise_id, log, who)
    assert (nxt.why.reason, nxt.aims, nxt.load_kg) == ("no_load", (11, 11, 11), None)
    assert next_phrase(nxt, "kg", LIBRARY) == "3 x 10-12 (aim 11)"
    log.add(START + timedelta(days=2), [11, 9, 9])  # a miss: a rep more, inside the range
    assert step(log.exercise_id, log, who).aims == (12, 10, 10)
    log.add(START + timedelta(days=4), [12, 12, 12])
    top = step(log.exercise_id, log, who)
    assert top.aims == (12, 12, 12) and max(top.aims) <= 12
    assert next_phrase(top, "lb", LIBRARY) == "3 x 10-12 (aim 12), with the next weight up"


@pytest.mark.parametrize(
    ("exercise_id", "level", "values", "kind", "aims"),
    [
        # A beginner's next bridge (single-leg) needs the next level: the top is held.
        ("glute-bridge", "beginner", [15, 15], "hold", (15, 15)),  # read "aim 16" in 10-15
        ("glute-bridge", "intermediate", [15, 15, 15], "harder", (15, 15, 15)),
        ("single-leg-rdl-bodyweight", "beginner", [12, 10], "harder", (10, 10)),  # "aim 12, 11"
        ("single-leg-rdl-bodyweight", "advanced", [12, 10, 10], "add", (10, 10, 10, 10)),
    ],
)
def test_at_or_past_the_top_the_ladder_moves_never_the_aim(
    exercise_id: str, level: str, values: list[int], kind: str, aims: tuple[int, ...]
) -> None:
    log = Log(exercise_id)
    log.add(START, values)
    nxt = step(exercise_id, log, person(level, BODYWEIGHT))
    assert (nxt.kind, nxt.aims) == (kind, aims)
    assert max(nxt.aims) <= (nxt.reps or (0, 0))[1]


def test_glute_bridge_8_8_aims_a_rep_more_not_the_top() -> None:
    log = Log("glute-bridge")  # 10-15; a beginner does 2 sets
    log.add(START, [8, 8])
    nxt = step(log.exercise_id, log, person("beginner", BODYWEIGHT))
    assert nxt.aims == (9, 9)
    assert fmt_next(nxt, "kg") == "2 x 10-15 (aim 9)"


def test_12_12_10_at_16kg_shows_the_range_and_aim_like_the_plan() -> None:
    log = Log("dumbbell-bent-over-row")  # 3 x 12-15
    log.add(START, [12, 12, 10], 16.0)
    who = person(kit=frozenset({"bodyweight", "dumbbells"}))
    nxt = step(log.exercise_id, log, who)
    # Changed: the last set aimed 11, under the range; a set under it aims the bottom now.
    assert (nxt.kind, nxt.load_kg, nxt.aims) == ("hold", 16.0, (13, 13, 12))
    assert fmt_next(nxt, "kg") == "3 x 12-15 @ 16 kg (aim 13, 13, 12)"
    assert "3 x 15" not in next_phrase(nxt, "kg", LIBRARY)

    # The plan writes the same dose with the same formatter.
    def targets(ex: Exercise, rx: object):
        if ex.id != log.exercise_id:
            return None
        return next_target(step(ex.id, log, who), "kg", LIBRARY)

    plan = None
    for offset in range(14):  # the first day the row is planned
        day = START + timedelta(days=7 + offset)
        plan = plan_day(LIBRARY, who, day, targets=targets)
        if plan.find(log.exercise_id):
            break
    assert plan is not None
    planned = plan.find(log.exercise_id)
    assert planned is not None
    assert fmt_planned(planned, "kg") == fmt_next(nxt, "kg")


@pytest.mark.parametrize(
    ("exercise_id", "kit", "values", "load", "aims"),
    [
        ("bent-over-rear-delt-fly", "dumbbells", [12, 12, 12], 2.0, (12, 12, 12, 12)),  # not 3 kg
        ("kettlebell-swing", "kettlebell", [20, 20, 20], 16.0, (20, 20, 20, 20)),  # not 20 kg
        ("hamstring-curl-machine", "machine", [12, 12, 12], 20.0, (12, 12, 12, 12)),  # not 25 kg
    ],
)
def test_a_big_equipment_step_waits_for_a_set_more(
    exercise_id: str, kit: str, values: list[int], load: float, aims: tuple[int, ...]
) -> None:
    """Changed: reps used to climb past the top first (13, 21); the top is the ceiling now, so
    a set more comes first, up to the level's cap (4 for an advanced lifter)."""
    log = Log(exercise_id)
    log.add(START, values, load)
    nxt = step(exercise_id, log, person("advanced", kit=frozenset({"bodyweight", kit})))
    assert (nxt.kind, nxt.load_kg, nxt.aims) == ("add", load, aims)
    assert nxt.why.big_step and "big jump" in next_note(nxt, "kg", LIBRARY)
    # At the cap already (an intermediate does 3 sets): the next load, from the bottom.
    at_cap = step(exercise_id, log, person(kit=frozenset({"bodyweight", kit})))
    bottom = (at_cap.reps or (0, 0))[0]
    assert (at_cap.kind, at_cap.aims) == ("raise", (bottom,) * 3) and at_cap.load_kg > load


def test_no_raise_after_two_of_three_planned_sets() -> None:
    log = Log("romanian-deadlift-dumbbell")
    log.add(START, [12, 12], 16.0)
    nxt = step(log.exercise_id, log, person())
    assert (nxt.kind, nxt.load_kg, nxt.sets) == ("hold", 16.0, 3)


def test_the_bodyweight_step_back_is_not_the_bottom_just_missed_twice() -> None:
    log = Log("glute-bridge")  # 10-15, nothing easier in the library
    log.add(START, [7, 6])
    log.add(START + timedelta(days=2), [7, 6])
    nxt = step(log.exercise_id, log, person("beginner", BODYWEIGHT))
    assert (nxt.kind, nxt.why.reason, nxt.aims) == ("back", "ease_off", (7, 6))
    assert "repeat what you managed" in next_note(nxt, "kg", LIBRARY)


# ---------------------------------------------------------------- RPE and RIR


@pytest.mark.parametrize(("rpe", "rir"), [(10.0, None), (9.5, None), (None, 0)])
def test_a_near_max_top_set_holds_the_load_even_at_the_top(
    rpe: float | None, rir: int | None
) -> None:
    log = Log("romanian-deadlift-dumbbell")
    log.add(START, [12, 12, 12], 20.0, rpe=rpe, rir=rir)
    nxt = step(log.exercise_id, log, person())
    assert (nxt.kind, nxt.why.reason, nxt.load_kg, nxt.aims) == (
        "hold",
        "near_max",
        20.0,
        (12, 12, 12),
    )
    log.add(START + timedelta(days=2), [12, 12, 12], 20.0, rpe=8)  # the same, easier now
    assert step(log.exercise_id, log, person()).load_kg == 22.0


@pytest.mark.parametrize(("rpe", "rir"), [(7.0, None), (6.0, None), (None, 3)])
def test_an_easy_session_moves_faster(rpe: float | None, rir: int | None) -> None:
    log = Log("romanian-deadlift-dumbbell")  # 10-12
    log.add(START, [10, 10, 10], 20.0, rpe=rpe, rir=rir)
    assert step(log.exercise_id, log, person()).aims == (12, 12, 12)  # two reps, not one
    log = Log("romanian-deadlift-dumbbell")
    log.add(START, [11, 11, 11], 20.0, rpe=rpe, rir=rir)  # within a rep of the top, easily
    assert step(log.exercise_id, log, person()).load_kg == 22.0


def test_a_moderate_rating_changes_nothing() -> None:
    log = Log("romanian-deadlift-dumbbell")
    log.add(START, [11, 11, 11], 20.0, rpe=8)
    nxt = step(log.exercise_id, log, person())
    assert (nxt.kind, nxt.load_kg, nxt.aims) == ("hold", 20.0, (12, 12, 12))


def test_effort_is_read_from_the_sets_at_the_working_load() -> None:
    log = Log("romanian-deadlift-dumbbell")
    log.add(START, [12, 12, 12], loads=[18.0, 20.0, 20.0], rpe=10)
    (session,) = sessions(log.sets, "reps")
    assert session.near_max and session.rpe == 10
    plain = Log("romanian-deadlift-dumbbell")
    plain.add(START, [12, 12, 12], 20.0)
    (unrated,) = sessions(plain.sets, "reps")
    assert not unrated.near_max and not unrated.easy and unrated.rpe is None


# ---------------------------------------------------------------- reps, then sets, then load


def test_a_big_step_climbs_sets_then_the_load() -> None:
    """Advanced (4 sets allowed) on kettlebell swings, 3 x 15-20: a 4th set at the top, then
    the next bell, back to 3 x 15. (Changed: reps used to climb to 24 first.)"""
    who = person("advanced", frozenset({"bodyweight", "kettlebell"}))
    log = Log("kettlebell-swing")
    seen: list[tuple[str, float | None, int, int]] = []
    nxt: Next | None = None
    for day in days(4):
        values = list(nxt.aims) if nxt else [20, 20, 20]
        log.add(day, values, nxt.load_kg if nxt else 16.0)
        nxt = step(log.exercise_id, log, who)
        seen.append((nxt.kind, nxt.load_kg, nxt.sets, nxt.aim))
        if nxt.kind == "raise":
            break
    assert seen == [("add", 16.0, 4, 20), ("raise", 20.0, 3, 15)]
    assert nxt is not None and next_phrase(nxt, "kg", LIBRARY).endswith("one step up")


def test_light_dumbbells_step_by_one_kilo() -> None:
    ex = LIBRARY.exercises["bent-over-rear-delt-fly"]
    assert load_step(ex, LIBRARY, "kg", 4.0) == 1.0
    assert load_step(ex, LIBRARY, "kg", 12.0) == 2.0
    assert load_step(ex, LIBRARY, "lb", 8.0) == 2.0


# ---------------------------------------------------------------- bodyweight ladder and variations


def test_bodyweight_climbs_sets_then_the_harder_variation() -> None:
    who = person("advanced", BODYWEIGHT)  # glute bridge 3 x 10-15, advanced may do 4 sets
    log = Log("glute-bridge")
    kinds = []
    nxt: Next | None = None
    for day in days(3):
        log.add(day, list(nxt.aims) if nxt else [15, 15, 15])
        nxt = step(log.exercise_id, log, who)
        kinds.append((nxt.kind, nxt.sets, nxt.aim))
        if nxt.kind == "harder":
            break
    assert kinds == [("add", 4, 15), ("harder", 4, 15)]
    assert nxt is not None and nxt.suggestion == "single-leg-glute-bridge"
    assert next_phrase(nxt, "kg", LIBRARY) == "on to Single-leg glute bridge"


def test_a_harder_variation_above_the_level_says_how_to_unlock_it() -> None:
    log = Log("glute-bridge")  # the single-leg bridge is an intermediate move
    log.add(START, [18, 18])
    nxt = step(log.exercise_id, log, person("beginner", BODYWEIGHT))
    assert nxt.kind == "hold" and nxt.suggestion is None
    assert nxt.locked == "single-leg-glute-bridge"
    assert "/settings level intermediate" in next_note(nxt, "kg", LIBRARY)


def test_a_no_kit_beginner_who_owns_the_single_leg_rdl_moves_to_a_harder_no_kit_hinge() -> None:
    """Its loaded links need dumbbells or a kettlebell; without them the paused version is
    next, and at the top of that the content says how to keep it hard."""
    log = Log("single-leg-rdl-bodyweight")  # 3 x 8-10 per side; a beginner does 2 sets
    log.add(START, [12, 12])
    nxt = step(log.exercise_id, log, person("beginner", BODYWEIGHT))
    assert (nxt.kind, nxt.suggestion) == ("harder", "single-leg-rdl-paused")
    chosen = dose.variation_for(
        LIBRARY.exercises[log.exercise_id],
        history_of(log),
        person("beginner", BODYWEIGHT),
        LIBRARY,
    )
    assert chosen.id == "single-leg-rdl-paused"
    paused = Log("single-leg-rdl-paused")  # 6-8 per side
    paused.add(START + timedelta(days=3), [10, 10])
    top = step(paused.exercise_id, paused, person("beginner", BODYWEIGHT))
    assert top.kind == "hold" and top.suggestion is None and top.locked is None
    assert LIBRARY.exercises[paused.exercise_id].no_harder in next_note(top, "kg", LIBRARY)


@pytest.mark.parametrize("kit", ["bodyweight", "bands", "dumbbells", "kettlebell", "gym"])
def test_every_bodyweight_move_has_a_way_on_with_each_kit(kit: str) -> None:
    """Reps and sets at their cap lead to a harder move the kit allows, or the content's own
    words on keeping it hard: never a silent dead end."""
    owned = EQUIPMENT_PRESETS[kit][1]
    for ex in LIBRARY.main_exercises():
        if not ex.bodyweight:
            continue
        links = [LIBRARY.exercises[h] for h in ex.harder]
        fitting = [h for h in links if set(h.equipment) <= owned | {"bodyweight"}]
        assert fitting or ex.no_harder, (kit, ex.id)


def test_a_band_move_at_its_ceiling_moves_to_a_stronger_band() -> None:
    """Bands only: the band row's harder links need dumbbells or a bar. Once reps and sets are
    at their cap, the next step is a stronger band, and the range starts again."""
    bands = frozenset({"bodyweight", "band"})
    log = Log("band-row")  # 3 x 12-15
    log.add(START, [18, 18, 18])
    nxt = step(log.exercise_id, log, person("intermediate", bands))
    assert (nxt.kind, nxt.why.reason, nxt.aims) == ("raise", "band_up", (12, 12, 12))
    assert next_phrase(nxt, "kg", LIBRARY).endswith("with a stronger band")
    assert "stronger band" in next_note(nxt, "kg", LIBRARY)
    # With dumbbells the harder variation comes first.
    with_dumbbells = step(log.exercise_id, log, person("intermediate", bands | {"dumbbells"}))
    assert with_dumbbells.kind == "harder"


def test_a_short_session_has_no_time_for_added_sets() -> None:
    """15 minutes: an owned bodyweight move goes to its harder variation (or holds), never to
    a set more than the plan gave, which would push the session over its band."""
    log = Log("glute-bridge")
    log.add(START, [15, 15, 15])
    short = person("advanced", BODYWEIGHT).with_(session_minutes=15)
    nxt = step(log.exercise_id, log, short, sets=3)
    assert nxt.sets == 3 and nxt.why.reason != "more_sets", nxt
    usual = step(log.exercise_id, log, person("advanced", BODYWEIGHT), sets=3)
    assert (usual.sets, usual.why.reason) == (4, "more_sets")


def history_of(*logs: Log) -> dict[str, list[SetLog]]:
    return {log.exercise_id: log.sets for log in logs}


def test_variation_for_schedules_the_harder_move_once_owned() -> None:
    bridge = LIBRARY.exercises["glute-bridge"]
    who = person("intermediate", BODYWEIGHT)
    log = Log("glute-bridge")
    assert dose.variation_for(bridge, {}, who, LIBRARY) is bridge
    log.add(START, [14, 14, 14])
    assert dose.variation_for(bridge, history_of(log), who, LIBRARY) is bridge  # the top first
    log.add(START + timedelta(days=2), [15, 15, 15])
    chosen = dose.variation_for(bridge, history_of(log), who, LIBRARY)
    assert chosen.id == "single-leg-glute-bridge"
    assert "single-leg-glute-bridge" in dose.family(bridge, LIBRARY)
    # The kit and the level are checked: a beginner stays on the bridge.
    assert (
        dose.variation_for(bridge, history_of(log), person("beginner", BODYWEIGHT), LIBRARY)
        is bridge
    )


def test_variation_for_follows_on_and_steps_down_after_repeated_misses() -> None:
    bridge = LIBRARY.exercises["glute-bridge"]
    who = person("intermediate", BODYWEIGHT)
    base, single = Log("glute-bridge"), Log("single-leg-glute-bridge")
    base.add(START, [18, 18, 18])
    single.add(START + timedelta(days=2), [9, 9, 8])  # doing the harder one now
    assert (
        dose.variation_for(bridge, history_of(base, single), who, LIBRARY).id == single.exercise_id
    )
    single.add(START + timedelta(days=4), [6, 5, 5])
    single.add(START + timedelta(days=7), [6, 5, 5])  # two short sessions
    assert dose.variation_for(bridge, history_of(base, single), who, LIBRARY) is bridge
    base.add(START + timedelta(days=9), [14, 13, 13])  # back on the bridge: it stays
    assert dose.variation_for(bridge, history_of(base, single), who, LIBRARY) is bridge
    # At the top of the bridge again (and at the level's sets), the single-leg bridge is next.
    base.add(START + timedelta(days=11), [15, 15, 15])
    chosen = dose.variation_for(bridge, history_of(base, single), who, LIBRARY)
    assert chosen.id == single.exercise_id


# ---------------------------------------------------------------- lighter weeks


def week_of(monday: date) -> int:
    return (monday - START).days // 7


def trained_weeks(weeks: int, *exercise_ids: str) -> list[SetLog]:
    out: list[SetLog] = []
    for exercise_id in exercise_ids or ("romanian-deadlift-dumbbell",):
        log = Log(exercise_id)
        for week in range(weeks):
            log.add(START + timedelta(weeks=week), [10, 10, 10], 20.0)
        out += log.sets
    return out


def test_every_sixth_week_of_steady_training_is_lighter() -> None:
    sixth = START + timedelta(weeks=5, days=2)
    found = dose.lighter_weeks(LIBRARY, person(), sixth, trained_weeks(5), week_of)
    assert found == {START + timedelta(weeks=5): "lighter_week"}
    # Someone who trained in only two of those weeks is rested already.
    patchy = [s for s in trained_weeks(5) if s.plan_date >= START + timedelta(weeks=3)]
    assert dose.lighter_weeks(LIBRARY, person(), sixth, patchy, week_of) == {}
    assert (
        dose.lighter_weeks(LIBRARY, person(), sixth - timedelta(weeks=1), trained_weeks(4), week_of)
        == {}
    )


def stalled_logs(first: date) -> list[SetLog]:
    """Two lifts under the range twice running (the plan lowers the load after the first)."""
    out: list[SetLog] = []
    for exercise_id in ("romanian-deadlift-dumbbell", "dumbbell-bent-over-row"):
        log = Log(exercise_id)
        log.add(first, [12, 12, 12], 20.0)
        log.add(first + timedelta(days=2), [9, 9, 8], 22.0)
        log.add(first + timedelta(days=4), [9, 9, 8], 20.0)
        out += log.sets
    return out


def test_two_stalled_lifts_make_the_next_week_lighter_once() -> None:
    week2 = START + timedelta(weeks=1)
    recent = stalled_logs(START)
    assert dose.lighter_weeks(LIBRARY, person(), week2, recent, week_of) == {week2: "stalled"}
    # One stalled lift is not enough.
    one = [s for s in recent if s.exercise_id == "romanian-deadlift-dumbbell"]
    assert dose.lighter_weeks(LIBRARY, person(), week2, one, week_of) == {}
    # The week after the lighter one is a normal week again, logs in the lighter week or not.
    week3 = week2 + timedelta(weeks=1)
    assert dose.lighter_weeks(LIBRARY, person(), week3, recent, week_of) == {week2: "stalled"}


def test_a_block_never_ends_with_two_lighter_weeks_in_a_row() -> None:
    """Two lifts stall in week 4, so week 5 is lighter; week 6 would close the block with
    another lighter week: it is a normal week instead (the rest came the week before)."""
    steady = [s for s in trained_weeks(3) if s.exercise_id == "romanian-deadlift-dumbbell"]
    recent = steady + stalled_logs(START + timedelta(weeks=3))
    fifth, sixth = START + timedelta(weeks=4), START + timedelta(weeks=5)
    found = dose.lighter_weeks(LIBRARY, person(), sixth + timedelta(days=2), recent, week_of)
    assert found == {fifth: "stalled"}


def test_a_week_planned_lighter_stays_lighter_after_a_settings_change() -> None:
    """The rule can't see a stall any more (a new level judges the sets differently), but the
    stored plans said lighter: that week is still not judged, and the block's end isn't a
    second lighter week right after it."""
    fifth, sixth = START + timedelta(weeks=4), START + timedelta(weeks=5)
    steady = trained_weeks(4)
    assert fifth not in dose.lighter_weeks(LIBRARY, person(), fifth, steady, week_of)
    found = dose.lighter_weeks(LIBRARY, person(), sixth, steady, week_of, known={fifth})
    assert found == {fifth: "lighter_week"}


def test_a_lighter_week_trims_sets_and_load_and_is_not_judged() -> None:
    who = person()
    log = Log("romanian-deadlift-dumbbell")
    log.add(START, [12, 12, 12], 20.0)
    lighter = {START + timedelta(weeks=1): "stalled"}
    in_week = START + timedelta(weeks=1, days=2)
    nxt = step(log.exercise_id, log, who, lighter=lighter, day=in_week)
    assert (nxt.kind, nxt.sets, nxt.load_kg, nxt.aims) == ("lighter", 2, 18.0, (10, 10))
    assert "Lighter week" in next_note(nxt, "kg", LIBRARY)
    log.add(in_week, [10, 10], 18.0)  # the lighter session, as planned
    after = step(log.exercise_id, log, who, lighter=lighter, day=in_week + timedelta(days=7))
    assert (after.kind, after.load_kg) == ("raise", 22.0)  # from the last normal session


def test_the_lighter_week_rule_is_data() -> None:
    rule = dose.LIGHTER
    every = rule.every_weeks or LIBRARY.block_weeks  # the last week of each block
    assert (every, rule.stalled_lifts, rule.set_share, rule.load_share) == (6, 2, 0.6, 0.9)
    assert [dose.lighter_sets(n) for n in (1, 2, 3, 4, 5)] == [1, 1, 2, 2, 3]


# ---------------------------------------------------------------- properties


PROGRESSABLE = sorted(
    e.id
    for e in LIBRARY.main_exercises()
    if (e.prescription.seconds if measure_of(e.prescription) == "seconds" else e.prescription.reps)
)
LOADS = {"kg": (1, 2, 3, 5, 8, 12, 16, 20, 24, 32, 40, 60, 100), "lb": (2, 5, 10, 25, 45, 95, 135)}


@dataclass
class Case:
    exercise: Exercise
    who: Settings
    log: Log


@st.composite
def cases(draw: st.DrawFn) -> Case:
    ex = LIBRARY.exercises[draw(st.sampled_from(PROGRESSABLE))]
    units = draw(st.sampled_from(["kg", "lb"]))
    who = person(draw(st.sampled_from(LEVELS)), ALL_KIT, units)
    log = Log(ex.id)
    rx = dose.prescribed(ex, LIBRARY, who.level)
    seconds = measure_of(rx) == "seconds"
    top = (rx.seconds if seconds else rx.reps or (1, 1))[1]
    typed = draw(st.sampled_from(LOADS[units]))
    load = to_kg(typed, units) if ex.loaded else None
    nxt: Next | None = None
    for n in range(draw(st.integers(1, 6))):
        follow = nxt is not None and draw(st.booleans())
        if follow and nxt is not None:
            # Mostly as prescribed, sometimes a little more, less, or a set short or extra.
            sizes = [nxt.sets] * 4 + [max(1, nxt.sets - 1), nxt.sets + 1]
            count = draw(st.sampled_from(sizes))
            delta = st.sampled_from([0, 0, 0, 0, 1, 2, -1, -3])
            values = [max(0, a + draw(delta)) for a in nxt.aims[:count]]
            values += [values[-1]] * (count - len(values))
            load = nxt.load_kg if ex.loaded else None
        else:
            count = draw(st.integers(1, 5))
            # Mostly around the top of the range, where the decisions are made.
            near = st.integers(max(0, top - 2), top + 3)
            value = st.integers(0, top + 8) | near | near
            values = draw(st.lists(value, min_size=count, max_size=count))
        rpe = draw(st.none() | st.sampled_from([6.0, 7.0, 8.0, 9.5, 10.0]))
        rir = draw(st.none() | st.integers(0, 4))
        log.add(START + timedelta(days=2 * n), values, load, seconds=seconds, rpe=rpe, rir=rir)
        nxt = dose.next_step(ex, LIBRARY, who, log.sets)
    return Case(ex, who, log)


def replay(case: Case) -> list[tuple[Next | None, tuple[int, ...], float | None, Next]]:
    """(decision before, the session's values and load, decision after) for each session."""
    out = []
    measure = measure_of(case.exercise.prescription)
    done = sessions(case.log.sets, measure)
    before: Next | None = None
    for session in done:
        upto = [s for s in case.log.sets if s.plan_date <= session.day]
        after = dose.next_step(case.exercise, LIBRARY, case.who, upto)
        assert after is not None
        out.append((before, session.values, session.load_kg, after))
        before = after
    return out


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) < 0.05


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_progression_properties(case: Case) -> None:
    ex, who = case.exercise, case.who
    rx = dose.prescribed(ex, LIBRARY, who.level)
    measure = measure_of(rx)
    bottom, top = (rx.seconds if measure == "seconds" else rx.reps) or (0, 0)
    for before, values, load, nxt in replay(case):
        planned = before.sets if before else rx.sets
        aims = before.aims if before and _same(before.load_kg, load) else ()
        missed = len(values) < planned or any(
            v < (aims[min(i, len(aims) - 1)] if aims else bottom) for i, v in enumerate(values)
        )
        # 1. Never below what was just done in range (same move, same load).
        if nxt.kind in ("hold", "add") and nxt.why.reason != "no_load" and _same(nxt.load_kg, load):
            for i, v in enumerate(values[: nxt.sets]):
                if bottom <= v <= top:
                    assert nxt.aims[i] >= v, (values, nxt.aims)
        # 2. A load step up is at most about 10% or one step of the kit; a bigger one only
        #    after every set reached the top with the sets at the level's cap. A step down
        #    only after a session under the range, to a load the kit has.
        if nxt.load_kg is not None and load is not None and not _same(nxt.load_kg, load):
            old, new = from_kg(load, who.units), from_kg(nxt.load_kg, who.units)
            if new > old:
                kit_step = load_step(ex, LIBRARY, who.units, old) or 0
                assert new - old <= max(BIG_STEP * old, kit_step) + 0.01, (old, new)
                if new - old > BIG_STEP * old + 0.01:
                    # (An easy session counts within one step of the top as the top.)
                    inc = 5 if measure == "seconds" else 1
                    assert min(values) >= top - inc and len(values) >= planned, (values, planned)
            else:
                assert sum(v < bottom for v in values) * 2 > len(values), (values, old, new)
        # 5. Every aim is inside the range, except climbing into it from below where the load
        #    can't come down (bodyweight, a band, the kit's lightest load), and a step back
        #    to what was done there.
        if nxt.kind != "lighter":
            assert max(nxt.aims) <= top, (values, nxt.aims)
            lighter = (
                next_load(ex, LIBRARY, who.units, nxt.load_kg, up=False)
                if nxt.load_kg is not None and load_step(ex, LIBRARY, who.units) is not None
                else None
            )
            if lighter is not None and nxt.why.reason != "ease_off":
                assert min(nxt.aims) >= bottom, (values, nxt.aims, nxt.load_kg)
        # 3. No raise after a partial session.
        if len(values) < planned and nxt.load_kg is not None and load is not None:
            assert nxt.load_kg <= load + 0.01
        # 4. No top-of-range aim right after a miss.
        if missed and nxt.kind == "hold" and nxt.why.reason != "no_load":
            for i, v in enumerate(values[: nxt.sets]):
                if v < top:
                    assert nxt.aims[i] < top or nxt.aims[i] == v, (values, nxt.aims)
        # Every decision is a whole prescription.
        assert nxt.sets == len(nxt.aims) >= 1 and nxt.sets <= max(
            rx.sets, LIBRARY.levels[who.level].max_sets
        )


# ---------------------------------------------------------------- scripted multi-week histories


Behaviour = Callable[[int, Next | None, tuple[int, ...]], tuple[list[int], float | None]]


def simulate(
    exercise_id: str, who: Settings, start_load: float | None, weeks: int, behaviour: Behaviour
) -> list[tuple[str, float | None, int]]:
    """Three sessions a week: the person sees the prescription and does what `behaviour` says.
    Returns (kind, load, lowest aim) after each session."""
    ex = LIBRARY.exercises[exercise_id]
    rx = dose.prescribed(ex, LIBRARY, who.level)
    bottom = (rx.reps or rx.seconds or (1, 1))[0]
    log = Log(exercise_id)
    nxt: Next | None = None
    out = []
    for n, day in enumerate(days(weeks)):
        aims = nxt.aims if nxt else (bottom,) * rx.sets
        values, override = behaviour(n, nxt, aims)
        load = override if override is not None else (nxt.load_kg if nxt else start_load)
        log.add(day, values, load)
        nxt = step(exercise_id, log, who)
        out.append((nxt.kind, nxt.load_kg, nxt.aim))
    return out


def as_planned(n: int, nxt: Next | None, aims: tuple[int, ...]) -> tuple[list[int], float | None]:
    return list(aims), None


def always_top(n: int, nxt: Next | None, aims: tuple[int, ...]) -> tuple[list[int], float | None]:
    return [max(a, 12) for a in aims], None  # the RDL's top, or the aim when higher


def last_set_short(
    n: int, nxt: Next | None, aims: tuple[int, ...]
) -> tuple[list[int], float | None]:
    return [*aims[:-1], aims[-1] - 2], None


def test_in_range_every_time_climbs_a_rep_a_session_and_a_step_every_third() -> None:
    seen = simulate("romanian-deadlift-dumbbell", person(), 16.0, 3, as_planned)
    assert seen == [
        ("hold", 16.0, 11),
        ("hold", 16.0, 12),
        ("raise", 18.0, 10),
        ("hold", 18.0, 11),
        ("hold", 18.0, 12),
        ("raise", 20.0, 10),
        ("hold", 20.0, 11),
        ("hold", 20.0, 12),
        ("raise", 22.0, 10),
    ]


def test_always_at_the_top_steps_up_every_session_but_one_step_at_a_time() -> None:
    seen = simulate("romanian-deadlift-dumbbell", person(), 16.0, 4, always_top)
    loads = [load for _, load, _ in seen]
    assert loads == [18.0, 20.0, 22.0, 24.0, 26.0, 28.0, 30.0, 32.0, 34.0, 36.0, 38.0, 40.0]
    assert all(kind == "raise" for kind, _, _ in seen)


def test_a_short_last_set_every_time_never_raises_and_never_aims_the_top() -> None:
    seen = simulate("romanian-deadlift-dumbbell", person(), 20.0, 4, last_set_short)
    assert {load for _, load, _ in seen} == {20.0}
    assert all(aim < 12 for _, _, aim in seen)


def test_bad_sessions_step_back_then_climb_again() -> None:
    def bad_week_two(n: int, nxt: Next | None, aims: tuple[int, ...]):
        return ([7, 6, 6] if n in (3, 4) else list(aims)), None

    seen = simulate("romanian-deadlift-dumbbell", person(), 16.0, 4, bad_week_two)
    assert seen[:6] == [
        ("hold", 16.0, 11),
        ("hold", 16.0, 12),
        ("raise", 18.0, 10),
        # Changed: one short session held 18 kg aiming 7 (under the range); each one now
        # brings the load down to what 7, 6, 6 predict for the range's bottom.
        ("back", 16.0, 10),
        ("back", 14.0, 10),
        ("hold", 14.0, 11),
    ]
    assert seen[-1][1] is not None and seen[-1][1] >= 18.0  # and it climbs again


def test_rpe_ten_at_the_top_holds_until_it_comes_easier() -> None:
    ex = "romanian-deadlift-dumbbell"
    log = Log(ex)
    kinds = []
    for n, day in enumerate(days(2)):
        log.add(day, [12, 12, 12], 20.0, rpe=10 if n < 3 else 8)
        nxt = step(ex, log, person())
        kinds.append((nxt.kind, nxt.load_kg))
    # Three near-max sessions hold; the first easier one raises (and so does every one after
    # it while this person keeps to 20 kg).
    assert kinds == [("hold", 20.0)] * 3 + [("raise", 22.0)] * 3


def test_done_logs_follow_the_plan_like_doing_the_aims() -> None:
    """Changed: "done" used to store the bottom of the range whatever the plan said, so someone
    who only ever tapped Done never progressed. It now stores what was planned (each set's
    aim), so "done" climbs exactly like a log that hits its aims: a rep a session, then a step."""
    ex = LIBRARY.exercises["romanian-deadlift-dumbbell"]
    who = person()
    log = Log(ex.id)
    planned = PlannedExercise(ex.id, ex.name, "Hinge", 3, (10, 12), None, False, 90, 16.0)
    seen = []
    for day in days(3):
        sets = dose.to_sets(planned, ParsedLog("done", ()), "kg")
        log.add(day, [s.reps or 0 for s in sets], planned.load_kg)
        nxt = step(ex.id, log, who)
        seen.append((nxt.kind, nxt.load_kg, nxt.aim))
        target = next_target(nxt, "kg", LIBRARY)
        planned = replace(planned, sets=nxt.sets, load_kg=target.load_kg, aims=target.aims)
    assert seen == simulate(ex.id, who, 16.0, 3, as_planned)


# ---------------------------------------------------------------- through the real core and store


async def joined(coach: Coach, store: Store, first: str = "/help") -> tuple[Member, User]:
    """Sam, who has said `first` to Backline, and their stored record."""
    sam = Member(coach, "sam")
    await sam.say(first)
    user = await store.find_user(sam.ref)
    assert user is not None
    return sam, user


async def test_an_owned_bodyweight_move_is_replaced_by_its_harder_variation(env, clock) -> None:
    coach, store = env
    sam, user = await joined(coach, store)
    bar = frozenset({"bodyweight", "pullup_bar"})  # a pull-up bar at home (no preset for it)
    await store.save_settings(user.id, user.settings.with_(level="intermediate", equipment=bar))
    user = await store.find_user(sam.ref)
    assert user is not None
    friday, wednesday = MONDAY + timedelta(days=4), MONDAY + timedelta(days=9)
    assert "inverted-row" in plan_day(LIBRARY, user.settings, wednesday).exercise_ids  # main lift
    await store.add_sets(user.id, friday, report_sets("inverted-row", [14, 14, 14]), None)
    clock.set_day(wednesday)
    today = text_of(await sam.say("/today"))
    assert "Pull-up" in today and "Inverted row" not in today


async def test_two_stalled_lifts_make_today_a_lighter_session(env, clock) -> None:
    coach, store = env
    sam, user = await joined(coach, store, "/settings equipment dumbbells")
    last_week = MONDAY - timedelta(weeks=1)
    for offset, reps in ((0, [12, 12]), (2, [8, 7]), (4, [8, 7])):  # RDL and row both stall
        day = last_week + timedelta(days=offset)
        await store.add_sets(user.id, day, report_sets(RDL, reps, 22.0), None)
        await store.add_sets(user.id, day, report_sets(ROW, reps, 14.0), None)
    today = text_of(await sam.say("/today"))
    assert "Romanian deadlift (dumbbells): 1 x 10-12 @ 20 kg (aim 10)" in today
    assert "Lighter week: a few lifts have stalled" in today
    clock.set_day(MONDAY + timedelta(weeks=1))  # the week after is a normal one again
    assert "Lighter week" not in text_of(await sam.say("/today"))


async def test_owned_moves_that_need_a_higher_level_get_a_level_up_offer(env, clock) -> None:
    """A beginner with no kit who owns the glute bridge: its next step, the single-leg bridge,
    is an intermediate move. The weekly summary offers the level; one tap moves them up and the
    plan follows."""
    coach, store = env
    sam, user = await joined(coach, store)
    assert user.settings.level == "beginner"
    await store.add_sets(user.id, MONDAY, report_sets("glute-bridge", [18, 18]), None)
    sunday = MONDAY + timedelta(days=6)
    (summary,) = await coach.weekly_summary(user.id, sunday)
    assert "Single-leg glute bridge is next, at Intermediate. Move up?" in summary.text
    (yes, keep) = summary.buttons[0]
    assert yes.data == "lvl:intermediate" and keep.data == "lvl:keep"
    message_id = await coach.next_message_id("test")
    await coach.record_sent("test", user.chat_id, message_id, summary)
    await sam.press(message_id, yes.data)
    user = await store.find_user(sam.ref)
    assert user is not None and user.settings.level == "intermediate"


async def test_no_level_up_offer_while_moves_still_progress(env) -> None:
    coach, store = env
    _, user = await joined(coach, store)
    await store.add_sets(user.id, MONDAY, report_sets("glute-bridge", [12, 12]), None)
    (summary,) = await coach.weekly_summary(user.id, MONDAY + timedelta(days=6))
    assert "Move up?" not in summary.text and summary.buttons == ()


async def test_no_level_up_offer_while_the_newcomer_ramp_lasts(env) -> None:
    """A newcomer who owns the glute bridge in week 1 keeps their level until they have had a
    full session for a week (the ramp holds weeks 1-6; week 7 is full at 30 minutes), so a
    session can't jump from two moves to a full intermediate one."""
    coach, store = env
    _, user = await joined(coach, store)
    await store.save_settings(user.id, user.settings.with_(program_start=MONDAY))
    await store.add_sets(user.id, MONDAY, report_sets("glute-bridge", [18, 18]), None)
    (summary,) = await coach.weekly_summary(user.id, MONDAY + timedelta(days=6))
    assert "Move up?" not in summary.text and summary.buttons == ()
    for weeks, offered in ((5, False), (6, True)):
        monday = MONDAY + timedelta(weeks=weeks)
        await store.add_sets(user.id, monday, report_sets("glute-bridge", [18, 18]), None)
        (summary,) = await coach.weekly_summary(user.id, monday + timedelta(days=6))
        assert ("Move up?" in summary.text) is offered, weeks


async def test_a_typed_rpe_changes_next_time(env, clock) -> None:
    coach, _ = env
    sam = Member(coach, "sam")
    await sam.say("/settings equipment dumbbells")
    await sam.say("/today")
    reply = await sam.say("rdl 10 10 @ 20kg rir 4", reply_to=sam.last_id("session"))
    assert "Next time: 2 x 10-12 @ 20 kg (aim 12)." in text_of(reply)  # easy: two reps more
    clock.set_day(MONDAY + timedelta(days=4))
    await sam.say("/today")
    reply = await sam.say("rdl 12 12 @ 20kg rpe 10", reply_to=sam.last_id("session"))
    assert "Next time: 2 x 10-12 @ 20 kg (aim 12)." in text_of(reply)  # at the top, near max
    clock.set_day(MONDAY + timedelta(days=7))
    assert "close to your limit" in text_of(await sam.say("/today"))


@pytest.mark.parametrize(
    ("kit", "next_move"),
    [
        (frozenset({"bodyweight"}), "glute-bridge"),
        (frozenset({"bodyweight", "band", "kettlebell"}), "kettlebell-glute-bridge"),
    ],
)
async def test_a_weight_typed_on_a_bodyweight_move_never_loads_its_plan(
    env, clock, kit: frozenset[str], next_move: str
) -> None:
    """ "3x10 @ 10kg" on a glute bridge: the log keeps the 10 kg. With a kettlebell the next
    session moves to the kettlebell glute bridge; with no kit the bridge stays without weight,
    and "Next time" says so."""
    coach, store = env
    sam, user = await joined(coach, store)
    await store.save_settings(user.id, user.settings.with_(equipment=kit))
    said = text_of(await sam.say("/log glute bridge 3x10 @ 10kg"))
    logged = await store.sets_on(user.id, MONDAY)
    assert [s.load_kg for s in logged] == [10.0] * 3
    user = await store.find_user(sam.ref)
    assert user is not None
    plan = None
    for offset in range(1, 15):
        clock.set_day(MONDAY + timedelta(days=offset))
        await sam.say("/today")
        stored = await store.get_plan(user.id, MONDAY + timedelta(days=offset))
        plan = DayPlan.from_dict(stored[1]) if stored else None
        if plan is not None and plan.find(next_move):
            break
    assert plan is not None
    planned = plan.find(next_move)
    assert planned is not None, plan.exercise_ids
    assert planned.load_kg is None
    if next_move == "glute-bridge":
        assert "Next time: 2 x 10-15 (aim 11)." in said
        assert "kept in your log" in planned.note and "kg" not in fmt_planned(planned, "kg")
    else:
        assert "Next time: on to Kettlebell glute bridge" in said
        assert "glute-bridge" not in plan.exercise_ids
