"""Progress from the logs: streaks, weekly sessions and sets per muscle group, personal records
and the data for the 8-week chart. Pure functions over SetLogs; the texts are written by
bot/core/features/progress.py and render.

Counting rules:
- A session is a date with at least one done (not skipped) set.
- A week runs Monday to Sunday. It meets the plan when its sessions reach the number of training
  days in the person's current settings. The streak counts such weeks back from last week, plus
  this week once it is met (an unfinished week never breaks it).
- Sets per group: each done set counts once for every group among its exercise's primary
  muscles (secondary muscles don't count: they assist, they aren't trained to fatigue).
- Records: the best reps at each load (only loads where no heavier load saw as many reps), and an
  estimated one-rep max by Brzycki, w * 36 / (37 - reps), for sets of 1 to 12 reps, where it is
  still a fair guess.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from bot.core.library import Exercise, Library
from bot.core.planner import allowed, training_weekdays
from bot.core.ports import SetLog
from bot.core.progression import level_rank
from bot.core.settings import Settings

# The back line, in the order reports list it. Ties for "most neglected" go to the earlier one
# in NUDGE_ORDER: the big movers first, the neck last.
POSTERIOR_GROUPS = (
    "glutes",
    "hamstrings",
    "lower_back",
    "mid_back",
    "lats",
    "rear_delts",
    "calves",
    "neck_traps",
)
NUDGE_ORDER = (
    "glutes",
    "hamstrings",
    "mid_back",
    "lats",
    "lower_back",
    "calves",
    "rear_delts",
    "neck_traps",
)
BRZYCKI_MAX_REPS = 12
CHART_WEEKS = 8
LOAD_TOLERANCE_KG = 0.05


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def done_sets(sets: Iterable[SetLog]) -> list[SetLog]:
    return [s for s in sets if not s.skipped]


def session_days(sets: Iterable[SetLog]) -> set[date]:
    return {s.plan_date for s in sets if not s.skipped}


def planned_per_week(settings: Settings) -> int:
    return len(training_weekdays(settings))


def sessions_in(sets: Iterable[SetLog], start: date, end: date) -> int:
    return sum(1 for d in session_days(sets) if start <= d <= end)


def streak(sets: Iterable[SetLog], planned: int, today: date) -> int:
    """Weeks in a row meeting the plan, counting this week only once it is met."""
    if planned <= 0:
        return 0
    per_week = Counter(week_start(d) for d in session_days(sets))
    week = week_start(today)
    weeks = 1 if per_week[week] >= planned else 0
    week -= timedelta(days=7)
    while per_week[week] >= planned:
        weeks += 1
        week -= timedelta(days=7)
    return weeks


# ---------------------------------------------------------------- muscle groups


def groups_of(exercise: Exercise, library: Library) -> tuple[str, ...]:
    """The posterior-chain groups an exercise trains as a prime mover."""
    found = {
        library.taxonomy.muscles[m].group for m in exercise.primary if m in library.taxonomy.muscles
    }
    return tuple(g for g in POSTERIOR_GROUPS if g in found)


def sets_by_group(sets: Iterable[SetLog], library: Library) -> dict[str, int]:
    """Done sets per posterior group; every group is present, zero when untouched."""
    counts = dict.fromkeys(posterior_groups(library), 0)
    for s in done_sets(sets):
        ex = library.exercises.get(s.exercise_id)
        if ex is None:
            continue
        for group in groups_of(ex, library):
            counts[group] = counts.get(group, 0) + 1
    return counts


def posterior_groups(library: Library) -> tuple[str, ...]:
    return tuple(g for g in POSTERIOR_GROUPS if g in library.taxonomy.groups)


@dataclass(frozen=True, slots=True)
class Nudge:
    group: str
    group_name: str
    sets: int
    exercise: Exercise


def neglected(counts: dict[str, int], library: Library, settings: Settings) -> Nudge | None:
    """The group with the fewest sets that the person can train, and a move for it."""
    options: list[tuple[int, int, str, Exercise]] = []
    for rank, group in enumerate(NUDGE_ORDER):
        if group not in counts:
            continue
        moves = [
            e
            for e in library.main_exercises()
            if group in groups_of(e, library) and allowed(e, settings)
        ]
        if moves:
            # The simplest fitting move: lowest level, then fewest groups (most focused), name.
            move = min(moves, key=lambda e: (level_rank(e.level), len(e.primary), e.name))
            options.append((counts[group], rank, group, move))
    if not options:
        return None
    count, _, group, move = min(options, key=lambda o: (o[0], o[1]))
    return Nudge(group, library.taxonomy.groups[group], count, move)


# ---------------------------------------------------------------- records


def e1rm(load_kg: float, reps: int) -> float | None:
    """Brzycki's estimated one-rep max, or None where the formula isn't trustworthy."""
    if load_kg <= 0 or not 1 <= reps <= BRZYCKI_MAX_REPS:
        return None
    return load_kg * 36 / (37 - reps)


@dataclass(frozen=True, slots=True)
class LoadBest:
    load_kg: float
    reps: int
    day: date


@dataclass(frozen=True, slots=True)
class Records:
    """One exercise's personal records."""

    exercise_id: str
    at_loads: tuple[LoadBest, ...]  # heaviest first; each beats every heavier load on reps
    best_e1rm: tuple[float, LoadBest] | None
    best_reps: tuple[int, date] | None  # unloaded sets
    best_seconds: tuple[int, date] | None
    last_day: date


def _heavier_or_same(a: float, b: float) -> bool:
    return a > b - LOAD_TOLERANCE_KG


def rep_front(sets: Iterable[SetLog]) -> tuple[LoadBest, ...]:
    """Best reps at each load, keeping only loads no heavier load matched on reps."""
    best: dict[float, LoadBest] = {}
    for s in sets:
        if s.skipped or s.load_kg is None or s.reps is None or s.load_kg <= 0:
            continue
        key = round(s.load_kg, 2)
        held = best.get(key)
        if held is None or s.reps > held.reps:
            best[key] = LoadBest(s.load_kg, s.reps, s.plan_date)
    front: list[LoadBest] = []
    for lb in sorted(best.values(), key=lambda b: -b.load_kg):
        if all(lb.reps > kept.reps for kept in front):
            front.append(lb)
    return tuple(front)


def records_for(exercise_id: str, sets: Sequence[SetLog]) -> Records | None:
    done = [s for s in done_sets(sets) if s.exercise_id == exercise_id]
    if not done:
        return None
    front = rep_front(done)
    estimates = [(v, lb) for lb in front if (v := e1rm(lb.load_kg, lb.reps)) is not None]
    unloaded = [s for s in done if not s.load_kg]
    reps = [(s.reps, s.plan_date) for s in unloaded if s.reps is not None]
    secs = [(s.seconds, s.plan_date) for s in done if s.seconds is not None]
    return Records(
        exercise_id,
        front,
        max(estimates, key=lambda e: e[0]) if estimates else None,
        max(reps, key=lambda r: r[0]) if reps else None,
        max(secs, key=lambda r: r[0]) if secs else None,
        max(s.plan_date for s in done),
    )


def all_records(sets: Sequence[SetLog]) -> list[Records]:
    """Records per exercise, the most recently trained first."""
    ids = dict.fromkeys(s.exercise_id for s in sets if not s.skipped)
    found = [r for i in ids if (r := records_for(i, sets)) is not None]
    return sorted(found, key=lambda r: (r.last_day, r.exercise_id), reverse=True)


def _beats(s: SetLog, earlier: Sequence[SetLog]) -> bool:
    """True when no earlier set of the same exercise did as much (same or more load and reps)."""
    for e in earlier:
        more_reps = (e.reps or 0) >= (s.reps or 0)
        if s.load_kg and e.load_kg:
            as_heavy = _heavier_or_same(e.load_kg, s.load_kg)
        else:  # unloaded sets compare with unloaded ones, on reps and hold time
            as_heavy = not s.load_kg and not e.load_kg and (e.seconds or 0) >= (s.seconds or 0)
        if as_heavy and more_reps:
            return False
    return True


def new_records(sets: Sequence[SetLog], start: date, end: date) -> list[SetLog]:
    """Per exercise, the best set between start and end (inclusive) that beat everything before
    `start`. An exercise's first ever session sets no record: there was nothing to beat."""
    found = []
    for exercise_id in dict.fromkeys(s.exercise_id for s in sets if not s.skipped):
        mine = [s for s in done_sets(sets) if s.exercise_id == exercise_id]
        before = [s for s in mine if s.plan_date < start]
        during = [s for s in mine if start <= s.plan_date <= end]
        if not before or not during:
            continue
        better = [s for s in during if _beats(s, before)]
        if better:
            found.append(max(better, key=lambda s: (s.load_kg or 0, s.reps or 0, s.seconds or 0)))
    return found


# ---------------------------------------------------------------- the chart


@dataclass(frozen=True, slots=True)
class ProgressChart:
    """What the 8-week chart shows. Built here, drawn by a ChartRenderer outside the core."""

    title: str
    week_starts: tuple[date, ...]  # Mondays, oldest first
    sessions: tuple[int, ...]  # sessions per week
    planned: int  # sessions a week the plan asks for
    group_sets: tuple[tuple[str, tuple[int, ...]], ...]  # (group name, sets per week)


class ChartRenderer(Protocol):
    """Draws charts as PNG bytes. The core gets one injected; it never imports a plotting lib."""

    async def progress_png(self, chart: ProgressChart) -> bytes:
        """Off the event loop: drawing takes tens of milliseconds of CPU."""
        ...


def chart_data(
    sets: Sequence[SetLog], library: Library, planned: int, today: date
) -> ProgressChart:
    last = week_start(today)
    weeks = tuple(last - timedelta(days=7 * i) for i in reversed(range(CHART_WEEKS)))
    per_week = [[s for s in sets if w <= s.plan_date < w + timedelta(days=7)] for w in weeks]
    sessions = tuple(len(session_days(ws)) for ws in per_week)
    counts = [sets_by_group(ws, library) for ws in per_week]
    group_sets = tuple(
        (library.taxonomy.groups[g], tuple(c[g] for c in counts))
        for g in posterior_groups(library)
        if any(c[g] for c in counts)
    )
    return ProgressChart("Your last 8 weeks", weeks, sessions, planned, group_sets)
