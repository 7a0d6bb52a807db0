"""Twelve weeks with Backline, simulated: a person follows every push and logs a scripted
outcome, through the real Coach and a real store; the plan each week comes out of the code.

    python bench/trajectories.py [--profile beginner-bodyweight-full2] [--outcome top]
                                 [--weeks 12] [--sqlite] [--docs]

`--docs` writes the three profiles' `range` runs into docs/coaching.md (its "trajectories"
section), so the examples there are always what the code does.

Profiles: the three of docs/coaching.md (beginner with no kit on two full-body days,
intermediate with dumbbells on three, advanced in a full gym on two upper + two lower).
Outcomes: `top` (every set at the top of its range), `range` (what the plan aims for, or the
middle of the range), `miss` (every third session of a move, the last set falls short),
`two-misses` (weeks 4 and 5 fall short every set), `rpe` (the top, rated RPE 10 every other
session, RPE 7 otherwise). Each session: the daily push is sent, then one `/log <move> <sets>`
per exercise (the person's reply), so the parser, the logging rules, progression and the
planner all run as they do for a real person. On Sundays the weekly summary is sent; when it
offers the next level (moves owned whose harder variation needs it), the person takes it.
Prints per week: sessions, minutes per session,
sets per posterior-chain group and each main lift's dose; tests/test_trajectories.py asserts
on the same data.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.content import default_library  # noqa: E402
from bot.core.coach import Coach  # noqa: E402
from bot.core.events import InboundEvent, UserRef  # noqa: E402
from bot.core.library import Library  # noqa: E402
from bot.core.onboarding import EQUIPMENT_PRESETS  # noqa: E402
from bot.core.planner import (  # noqa: E402
    POSTERIOR_GROUPS,
    DayPlan,
    PlannedExercise,
    groups_trained,
    is_training_day,
)
from bot.core.ports import Persistence  # noqa: E402
from bot.core.settings import Settings  # noqa: E402
from bot.core.units import fmt_load  # noqa: E402
from bot.store.memory import MemoryStore  # noqa: E402

START = date(2026, 1, 5)  # a Monday: the program's first day
WEEKS = 12
PUSH_TIME = time(7, 0)


@dataclass(frozen=True, slots=True)
class Profile:
    key: str
    title: str
    settings: Settings
    # The weight a person first picks up, per kit (kg); later loads come from the plan.
    start_kg: dict[str, float] = field(default_factory=dict)


def _person(level: str, kit: str, split: str, library: Library, minutes: int = 30) -> Settings:
    return Settings(
        level=level,  # type: ignore[arg-type]
        equipment=EQUIPMENT_PRESETS[kit][1],
        split=split,
        weekdays=library.splits[split].default_weekdays,
        session_minutes=minutes,
        onboarded=True,
        program_start=START,
    )


PROFILE_KEYS = ("beginner-bodyweight-full2", "intermediate-dumbbells-full3", "advanced-gym-ul4")


def profiles(library: Library) -> dict[str, Profile]:
    found = [
        Profile(
            "beginner-bodyweight-full2",
            "Beginner, no kit, two full-body days",
            _person("beginner", "bodyweight", "full2", library),
        ),
        Profile(
            "intermediate-dumbbells-full3",
            "Intermediate, dumbbells and a bench, three full-body days",
            _person("intermediate", "dumbbells", "full3", library),
            {"dumbbells": 12.0, "kettlebell": 12.0},
        ),
        Profile(
            "advanced-gym-ul4",
            "Advanced, full gym, two upper + two lower days",
            _person("advanced", "gym", "ul4", library),
            {
                "barbell": 60.0,
                "dumbbells": 16.0,
                "kettlebell": 16.0,
                "machine": 30.0,
                "cable": 30.0,
            },
        ),
    ]
    return {p.key: p for p in found}


# ---------------------------------------------------------------- scripted outcomes


@dataclass(frozen=True, slots=True)
class Done:
    """One set as the person logs it."""

    reps: int | None
    seconds: int | None
    rpe: float | None = None


# (the planned exercise, how many times this move was done before, program week) -> sets
Outcome = Callable[[PlannedExercise, int, int], list[Done]]


def _aims(p: PlannedExercise) -> list[int]:
    """What each set aims at: progression's per-set aims when the plan has them, else the
    middle of the range."""
    aims = list(getattr(p, "aims", ()) or ())
    low, high = p.reps or p.seconds or (10, 10)
    if not aims:
        aims = [(low + high) // 2] * p.sets
    return (aims + [aims[-1]] * p.sets)[: p.sets]


def _sets(p: PlannedExercise, counts: list[int], rpe: float | None = None) -> list[Done]:
    hold = p.reps is None and p.seconds is not None
    out = [Done(None, c) if hold else Done(c, None) for c in counts]
    if rpe is not None and out:
        out[-1] = Done(out[-1].reps, out[-1].seconds, rpe)
    return out


def _top(p: PlannedExercise) -> list[int]:
    high = (p.reps or p.seconds or (10, 10))[1]
    return [max(high, a) for a in _aims(p)]


def _short(p: PlannedExercise) -> int:
    low = (p.reps or p.seconds or (10, 10))[0]
    return max(1, low - 2)


def at_the_top(p: PlannedExercise, n: int, week: int) -> list[Done]:
    return _sets(p, _top(p))


def in_range(p: PlannedExercise, n: int, week: int) -> list[Done]:
    return _sets(p, _aims(p))


def misses(p: PlannedExercise, n: int, week: int) -> list[Done]:
    counts = _top(p)
    if n % 3 == 2:
        counts[-1] = _short(p)
    return _sets(p, counts)


def two_misses(p: PlannedExercise, n: int, week: int) -> list[Done]:
    if week in (3, 4):  # weeks 4 and 5, before the block's lighter week
        return _sets(p, [_short(p)] * p.sets)
    return _sets(p, _aims(p))


def with_rpe(p: PlannedExercise, n: int, week: int) -> list[Done]:
    return _sets(p, _top(p), 10.0 if n % 2 else 7.0)


def realistic(p: PlannedExercise, n: int, week: int) -> list[Done]:
    """A mix, the same for the same move, session and week: mostly the aims, sometimes the
    top (rated RPE 8), a last set short now and then, a near-max rating, a skipped move."""
    roll = (n * 3 + week + len(p.exercise_id)) % 10
    if roll == 0:
        return []  # skipped
    if roll == 1:
        counts = _aims(p)
        counts[-1] = _short(p)
        return _sets(p, counts)
    if roll in (2, 3):
        return _sets(p, _top(p), 8.0)
    if roll == 4:
        return _sets(p, _aims(p), 10.0)
    return _sets(p, _aims(p))


OUTCOMES: dict[str, Outcome] = {
    "top": at_the_top,
    "range": in_range,
    "miss": misses,
    "two-misses": two_misses,
    "rpe": with_rpe,
    "real": realistic,
}


# ---------------------------------------------------------------- the run


@dataclass(frozen=True, slots=True)
class Logged:
    exercise_id: str
    reps: int | None
    seconds: int | None
    load_kg: float | None


@dataclass(frozen=True, slots=True)
class Session:
    day: date
    week: int  # 0-based program week
    plan: DayPlan
    logged: tuple[Logged, ...]
    answer: str  # what Backline said to the last log


@dataclass(slots=True)
class Trajectory:
    profile: Profile
    outcome: str
    library: Library
    sessions: list[Session] = field(default_factory=list)
    levels: list[tuple[int, str]] = field(default_factory=list)  # (week, level taken up)

    def weeks(self) -> Iterator[tuple[int, list[Session]]]:
        for week in range(max((s.week for s in self.sessions), default=-1) + 1):
            yield week, [s for s in self.sessions if s.week == week]

    def main_slots(self, plan: DayPlan) -> list[PlannedExercise]:
        day_type = self.library.day_types.get(plan.day_type or "")
        names = {s.name for s in day_type.slots if s.main} if day_type else set()
        return [p for p in plan.main if p.slot in names]

    def sets_per_group(self, sessions: list[Session]) -> dict[str, int]:
        out = dict.fromkeys(POSTERIOR_GROUPS, 0)
        for s in sessions:
            for p in s.plan.main:
                for group in groups_trained(self.library, self.library.exercises[p.exercise_id]):
                    out[group] += p.sets
        return out


def _amount(p: PlannedExercise, done: list[Done], load: float | None) -> str:
    if not done:
        return "skip"
    parts = [f"{d.reps}" if d.reps is not None else f"{d.seconds}s" for d in done]
    text = " ".join(parts)
    if load is not None:
        text += f" @ {load:g}kg"
    rated = [d.rpe for d in done if d.rpe is not None]
    if rated:
        text += f" rpe {rated[-1]:g}"
    return text


def _load_for(profile: Profile, library: Library, p: PlannedExercise) -> float | None:
    if p.load_kg is not None:
        return p.load_kg
    exercise = library.exercises[p.exercise_id]
    if not exercise.loaded:
        return None
    kit = [profile.start_kg[e] for e in exercise.equipment if e in profile.start_kg]
    return kit[0] if kit else None


async def simulate(
    profile: Profile,
    outcome: str,
    weeks: int = WEEKS,
    store: Persistence | None = None,
    library: Library | None = None,
) -> Trajectory:
    """Follow `profile` for `weeks` weeks, logging `outcome` every session."""
    library = library or default_library()
    store = store or MemoryStore()
    now = [datetime.combine(START, PUSH_TIME, tzinfo=UTC)]
    coach = Coach(store, library, clock=lambda: now[0])
    ref = UserRef("sim", profile.key)
    user = await store.get_or_create_user(ref, profile.key, profile.title)
    await store.save_settings(user.id, profile.settings)
    script = OUTCOMES[outcome]
    done_before: dict[str, int] = {}
    trajectory = Trajectory(profile, outcome, library)
    n = 0
    for offset in range(weeks * 7):
        day = START + timedelta(days=offset)
        now[0] = datetime.combine(day, PUSH_TIME, tzinfo=UTC)
        if day.weekday() == 6 and await _weekly_summary(coach, user.id, profile.key, ref, day):
            found = await store.get_user(user.id)
            if found is not None:
                trajectory.levels.append((offset // 7, found.settings.level))
        if not is_training_day(profile.settings, day):
            continue
        now[0] = datetime.combine(day, PUSH_TIME, tzinfo=UTC)
        pushed = await coach.daily_session(user.id, day)
        for message in pushed:
            message_id = await coach.next_message_id("sim")
            await coach.record_sent("sim", profile.key, message_id, message)
        stored = await store.get_plan(user.id, day)
        assert stored is not None, day
        plan = DayPlan.from_dict(stored[1])
        answer = ""
        for p in plan.main:
            sets = script(p, done_before.get(p.exercise_id, 0), offset // 7)
            load = _load_for(profile, library, p)
            n += 1
            event = InboundEvent(
                user=ref,
                chat_id=profile.key,
                text=f"/log {p.exercise_id} {_amount(p, sets, load)}",
                message_id=f"m{n}",
                event_id=f"e{n}",
            )
            reply = await coach.handle(event)
            answer = "\n".join(m.text for m in reply.messages)
            done_before[p.exercise_id] = done_before.get(p.exercise_id, 0) + 1
        logged = tuple(
            Logged(s.exercise_id, s.reps, s.seconds, s.load_kg)
            for s in await store.sets_on(user.id, day)
        )
        trajectory.sessions.append(Session(day, offset // 7, plan, logged, answer))
    return trajectory


async def _weekly_summary(coach: Coach, user_id: int, key: str, ref: UserRef, day: date) -> bool:
    """Sunday's summary; when it offers the next level (owned moves whose harder variation
    needs it), the person takes it, as its first button. True when they did."""
    for message in await coach.weekly_summary(user_id, day):
        message_id = await coach.next_message_id("sim")
        await coach.record_sent("sim", key, message_id, message)
        if message.buttons:
            take = message.buttons[0][0]
            event = InboundEvent(
                user=ref, chat_id=key, button=take.data, reply_to=message_id, event_id=take.data
            )
            await coach.handle(event)
            return True
    return False


# ---------------------------------------------------------------- the report


def _dose(p: PlannedExercise, load_kg: float | None = None) -> str:
    span = p.reps or p.seconds or (0, 0)
    unit = "" if p.reps else " s"
    shown = f"{span[0]}-{span[1]}" if span[0] != span[1] else f"{span[0]}"
    text = f"{p.sets} x {shown}{unit}"
    aims = getattr(p, "aims", ())
    if aims:
        text += f" (aim {', '.join(map(str, aims))})"
    load = p.load_kg if p.load_kg is not None else load_kg
    if load is not None:
        text += f" @ {fmt_load(load, 'kg')}"
        if p.load_kg is None:
            text += " (their own pick)"
    return text


def _runs(cells: list[str]) -> Iterator[tuple[int, int, str]]:
    """(first week, last week, cell) for each run of equal cells (1-based weeks)."""
    start = 0
    for i in range(1, len(cells) + 1):
        if i == len(cells) or cells[i] != cells[start]:
            if cells[start]:
                yield start + 1, i, cells[start]
            start = i


def report(trajectory: Trajectory) -> str:
    profile = trajectory.profile
    lines = [f"{profile.title} ({profile.key}), outcome: {trajectory.outcome}", ""]
    groups = list(POSTERIOR_GROUPS)
    head = ["week", "sessions", "minutes", *groups]
    widths = [max(len(h), 7) for h in head]
    lines.append("  ".join(h.rjust(w) for h, w in zip(head, widths, strict=True)))
    for week, sessions in trajectory.weeks():
        minutes = sorted({s.plan.minutes for s in sessions})
        span = f"{minutes[0]}" if len(minutes) == 1 else f"{minutes[0]}-{minutes[-1]}"
        sets = trajectory.sets_per_group(sessions)
        cells = [str(week + 1), str(len(sessions)), span, *(str(sets[g]) for g in groups)]
        lines.append("  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True)))
    for week, level in trajectory.levels:
        lines.append(f"End of week {week + 1}: takes the offer to move up to {level}.")
    lines += ["", "Main lifts (slot: the dose the plan gave, by week):"]
    weeks = len(list(trajectory.weeks()))
    rows: dict[str, list[str]] = {}
    for week, sessions in trajectory.weeks():
        for s in sessions:
            for p in trajectory.main_slots(s.plan):
                row = rows.setdefault(f"{s.plan.title}, {p.slot}", [""] * weeks)
                row[week] = row[week] or f"{p.name} {_dose(p, _logged_load(s, p))}"
    for slot, row in rows.items():
        lines.append(f"  {slot}")
        for first, last, cell in _runs(row):
            when = f"week {first}" if first == last else f"weeks {first}-{last}"
            lines.append(f"    {when}: {cell}")
    return "\n".join([*lines, "", *summary(trajectory)])


def summary(trajectory: Trajectory) -> list[str]:
    """The figures: sessions a week, minutes a session, sets a week per group (weeks 7-11,
    after the newcomer ramp and outside lighter weeks), each main lift's first and last dose."""
    weeks = list(trajectory.weeks())
    steady = [s for w, sessions in weeks if 6 <= w <= 10 for s in sessions]
    minutes = sorted(s.plan.minutes for _, sessions in weeks for s in sessions)
    per_week = {len(sessions) for _, sessions in weeks}
    sets = trajectory.sets_per_group(steady)
    n = max(1, len({s.week for s in steady}))
    out = [
        f"Summary: {'/'.join(map(str, sorted(per_week)))} sessions a week, "
        f"{minutes[0]}-{minutes[-1]} minutes a session (median {minutes[len(minutes) // 2]}); "
        "sets a week in weeks 7-11: "
        + ", ".join(f"{g.replace('_', ' ')} {sets[g] / n:.0f}" for g in POSTERIOR_GROUPS)
        + "."
    ]
    first: dict[str, str] = {}
    last: dict[str, str] = {}
    for s in trajectory.sessions:
        if s.week in (5, 11):
            continue  # lighter weeks
        for p in trajectory.main_slots(s.plan):
            cell = f"{p.name} {_dose(p, _logged_load(s, p))}"
            first.setdefault(p.slot, f"week {s.week + 1}: {cell}")
            last[p.slot] = f"week {s.week + 1}: {cell}"
    for slot in first:
        out.append(f"  {slot}: {first[slot]} -> {last[slot]}")
    return out


def _logged_load(s: Session, p: PlannedExercise) -> float | None:
    """The plan's load, or the person's own first pick when the plan had none yet."""
    if p.load_kg is not None:
        return p.load_kg
    return next((x.load_kg for x in s.logged if x.exercise_id == p.exercise_id), None)


# ---------------------------------------------------------------- the grid walk

START_KG = {"dumbbells": 10.0, "kettlebell": 12.0, "barbell": 40.0, "machine": 30.0, "cable": 25.0}
LIGHTER_NOTE = "Lighter week"
BAND_UP_NOTE = "stronger band"  # the note of a band move moving to a stronger band


def grid_profile(level: str, kit: str, split: str, minutes: int, library: Library) -> Profile:
    key = f"{level}-{kit}-{split}-{minutes}"
    return Profile(key, key, _person(level, kit, split, library, minutes), dict(START_KG))


def _lighter(p: PlannedExercise) -> bool:
    return p.note.startswith(LIGHTER_NOTE)


def _level_in(t: Trajectory, week: int) -> str:
    """The person's level in `week` (a level taken up on a Sunday holds from the next week)."""
    level = t.profile.settings.level
    for taken, new in t.levels:
        if taken < week:
            level = new
    return level


def _alternatives(t: Trajectory, move: str, level: str) -> list[str]:
    """Other moves of `move`'s pattern the person has the kit and `level` for."""
    from bot.core.progression import fits

    lib, settings = t.library, t.profile.settings
    pattern = lib.exercises[move].pattern
    return [
        e.id
        for e in lib.main_exercises()
        if e.pattern == pattern and e.id != move and fits(e, settings.equipment, level)
    ]


def wince(t: Trajectory) -> list[str]:
    """What a coach reviewing this run would wince at, one line each (empty: nothing)."""
    from bot.core.planner import plan_week, time_band
    from bot.core.progression import BIG_STEP, load_step, next_load

    lib, settings = t.library, t.profile.settings
    out: list[str] = []
    low, high = time_band(settings.session_minutes)
    loaded_kit = settings.level != "beginner"
    by_move: dict[str, list[tuple[Session, PlannedExercise]]] = {}
    for s in t.sessions:
        for p in s.plan.main:
            by_move.setdefault(p.exercise_id, []).append((s, p))
        light = any(_lighter(p) for p in s.plan.main)
        # Short: only where the plan itself fills the band (else the kit has run out of moves).
        short = loaded_kit and not light and s.plan.minutes < low - 1
        if short:
            base = plan_week(lib, settings, s.day)[s.day].minutes
            short = base >= low
        if s.plan.minutes > high + 1 or short:
            out.append(f"{s.day}: {s.plan.minutes} min, outside {low}-{high}")
    for move, seen in by_move.items():
        ex = lib.exercises[move]
        judged = [(s, p) for s, p in seen if not _lighter(p)]
        # Aims inside the range: under it only where the load can't come down (docs).
        for s, p in judged:
            low_end, high_end = p.reps or p.seconds or (0, 0)
            if not p.aims or not high_end:
                continue
            can_lighten = p.load_kg is not None and (
                next_load(ex, lib, "kg", p.load_kg, up=False) is not None
            )
            if max(p.aims) > high_end or (can_lighten and min(p.aims) < low_end):
                out.append(f"{s.day}: {move} aims {p.aims} in {low_end}-{high_end}")
        for (s, p), (_, q) in itertools.pairwise(judged):
            done = [x for x in s.logged if x.exercise_id == move]
            rng = p.reps or p.seconds or (0, 0)
            if p.load_kg is not None and q.load_kg is not None and q.load_kg > p.load_kg:
                step = load_step(ex, lib, "kg", p.load_kg) or 0.0
                if q.load_kg - p.load_kg > max(BIG_STEP * p.load_kg, step) + 0.01:
                    out.append(f"{s.day}: {move} jumps {p.load_kg:g} -> {q.load_kg:g} kg")
            # A stronger band, like a heavier load, starts the range again.
            same = q.load_kg == p.load_kg and q.exercise_id == p.exercise_id
            same = same and BAND_UP_NOTE not in q.note
            if same and q.aims and len(done) >= len(q.aims):
                for i, x in enumerate(done[: len(q.aims)]):
                    value = x.reps if p.reps else x.seconds
                    if value is not None and rng[0] <= value <= rng[1] and q.aims[i] < value:
                        out.append(f"{s.day}: {move} aims {q.aims[i]} after {value} in range")
                        break
        # Stuck: the same dose five judged sessions running, outside misses and skips.
        # (At the top of its ladder for the kit the plan says how to keep it hard: not stuck.)
        doses = [(p.sets, p.aims, p.load_kg, p.note.startswith("You own this")) for _, p in judged]
        run = 1
        for a, b in itertools.pairwise(doses):
            run = run + 1 if a == b and a[1] and not a[3] else 1
            if run == 5:
                out.append(f"{move}: the same dose {a[:3]} five sessions running")
    weeks = list(t.weeks())
    light_weeks = [w for w, ss in weeks if any(_lighter(p) for s in ss for p in s.plan.main)]
    for a, b in itertools.pairwise(light_weeks):
        if b == a + 1:
            out.append(f"weeks {a + 1}-{b + 1}: two lighter weeks in a row")
    # Main lifts: each main slot of a day type keeps a lift every week.
    slots: dict[tuple[str, int], set[int]] = {}
    for w, ss in weeks:
        for s in ss:
            for p in t.main_slots(s.plan):
                slots.setdefault((f"{s.plan.day_type}:{p.slot}", s.day.weekday()), set()).add(w)
    for (slot, _), present in slots.items():
        missing = [w + 1 for w in range(min(present), max(present) + 1) if w not in present]
        if missing:
            out.append(f"{slot}: no main lift in weeks {missing}")
    # Groups: every posterior group trained each week once the newcomer ramp is over.
    for w, ss in weeks:
        if w < 6:
            continue
        sets = t.sets_per_group(ss)
        for group, n in sets.items():
            if n == 0:
                out.append(f"week {w + 1}: no {group} work")
    # Variety: an accessory in nearly every session after the ramp.
    later = [s for s in t.sessions if s.week >= 6]
    counts: dict[str, int] = {}
    for s in later:
        for p in s.plan.main:
            if p not in t.main_slots(s.plan):
                counts[p.exercise_id] = counts.get(p.exercise_id, 0) + 1
    for move in counts:
        # Where the kit and level leave no other move of its kind, the same one every session
        # is the only way to train that group (docs/coaching.md says so): only the sessions
        # with another move to rotate with count.
        could = [s for s in later if _alternatives(t, move, _level_in(t, s.week))]
        n = sum(
            1
            for s in could
            for p in s.plan.main
            if p.exercise_id == move and p not in t.main_slots(s.plan)
        )
        if len(could) >= 8 and n >= len(could) * 0.9:
            out.append(f"{move}: an accessory in {n} of {len(could)} sessions")
    # The newcomer ramp: one or two moves to start, a move more at a time.
    if settings.level == "beginner":
        moves = [max((len(s.plan.main) for s in ss), default=0) for _, ss in weeks]
        if moves and moves[0] > 2:
            out.append(f"week 1: {moves[0]} moves for a newcomer")
        for w, (a, b) in enumerate(itertools.pairwise(moves)):
            if b > a + 1 and w < 6:
                out.append(f"week {w + 2}: {a} -> {b} moves")
    return out


def grid_cell(cell: tuple[str, str, str, int]) -> tuple[str, list[str], str]:
    library = default_library()
    profile = grid_profile(*cell, library)
    t = asyncio.run(simulate(profile, "real", WEEKS, library=library))
    return profile.key, wince(t), summary(t)[0]


def walk_grid(processes: int) -> int:
    """Every level x kit x split x length for twelve weeks of `real` replies; prints what a
    coach would wince at per cell. Returns the number of findings."""
    import itertools
    from multiprocessing import Pool

    from bot.core.onboarding import EQUIPMENT_PRESETS
    from bot.core.settings import LEVELS, SESSION_LENGTHS

    library = default_library()
    cells = list(
        itertools.product(
            LEVELS, sorted(EQUIPMENT_PRESETS), sorted(library.splits), SESSION_LENGTHS
        )
    )
    found = 0
    with Pool(processes) as pool:
        for key, findings, line in pool.imap(grid_cell, cells):
            found += len(findings)
            print(f"{key}: {len(findings)} finding(s). {line}")
            for f in findings[:12]:
                print(f"    {f}")
            sys.stdout.flush()
    print(f"grid: {len(cells)} cells, {found} findings")
    return found


COACHING_DOC = ROOT / "docs" / "coaching.md"


async def _main(args: argparse.Namespace) -> None:
    if args.grid:
        walk_grid(args.processes)
        return
    library = default_library()
    chosen = profiles(library)
    keys = [args.profile] if args.profile and not args.docs else list(chosen)
    reports = []
    for key in keys:
        store: Persistence | None = None
        folder = None
        if args.sqlite:
            from bot.store import open_store

            folder = tempfile.TemporaryDirectory()
            store = await open_store(Path(folder.name) / "sim.db")
        trajectory = await simulate(chosen[key], args.outcome, args.weeks, store, library)
        if store is not None:
            await store.close()
        if folder is not None:
            folder.cleanup()
        reports.append(report(trajectory))
        print(reports[-1])
        print()
    if args.docs:
        from bench.report import write_section

        command = f"python bench/trajectories.py --outcome {args.outcome} --docs"
        body = f"Written by `{command}`:\n\n```text\n" + "\n\n".join(reports) + "\n```"
        write_section("trajectories", body, COACHING_DOC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", choices=sorted(profiles(default_library())))
    parser.add_argument("--outcome", choices=sorted(OUTCOMES), default="range")
    parser.add_argument("--weeks", type=int, default=WEEKS)
    parser.add_argument("--sqlite", action="store_true", help="a real SQLite file, not memory")
    parser.add_argument("--docs", action="store_true", help="write docs/coaching.md's examples")
    parser.add_argument(
        "--grid", action="store_true", help="walk every level x kit x split x length (real replies)"
    )
    parser.add_argument("--processes", type=int, default=2, help="for --grid")
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
