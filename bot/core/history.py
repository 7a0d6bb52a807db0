"""A person's log as history entries, their CSV export, and the store queries both need.

The wording of /history lives in bot.core.render.progress.

An entry is what one reply logged for one exercise: the sets sharing a batch and an exercise.
Entries are numbered from the newest: 1 is the latest thing logged. /history shows the numbers,
and `/history edit 3 12 10 10` or `/history delete 3` use them. The numbers are counted afresh
on every command, so logging something new shifts them by one; each answer names the exercise
and day it touched, so a slip is easy to spot (and fix with another edit).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from bot.core.library import Library
from bot.core.lookup import exercise_name
from bot.core.ports import SetLog
from bot.core.units import from_kg, number

HISTORY_SESSIONS = 5  # dates shown by a bare /history
MAX_HISTORY_SESSIONS = 20
CSV_COLUMNS = (
    "date",
    "exercise",
    "exercise_id",
    "set",
    "reps",
    "seconds",
    "load",
    "unit",
    "skipped",
    "rpe",
    "rir",
)


@dataclass(frozen=True, slots=True)
class Entry:
    number: int  # 1 = the latest
    day: date
    exercise_id: str
    sets: tuple[SetLog, ...]

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(s.id for s in self.sets)

    @property
    def load_kg(self) -> float | None:
        loads = {s.load_kg for s in self.sets if s.load_kg is not None}
        return loads.pop() if len(loads) == 1 else None


def entries(sets: Sequence[SetLog]) -> list[Entry]:
    """Group sets into entries, newest first, numbered from 1."""
    groups: dict[tuple[date, int, str], list[SetLog]] = {}
    for s in sets:
        groups.setdefault((s.plan_date, s.batch_id, s.exercise_id), []).append(s)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[1][0].id), reverse=True)
    return [
        Entry(n, day, exercise_id, tuple(sorted(group, key=lambda s: (s.set_no, s.id))))
        for n, ((day, _, exercise_id), group) in enumerate(ordered, 1)
    ]


# ---------------------------------------------------------------- export


def export_csv(sets: Sequence[SetLog], library: Library, units: str) -> str:
    """One row per set, oldest first; loads in the person's unit (3 decimals, not rounded to
    plates, so the file says exactly what is stored)."""
    return "".join(export_csv_chunks(sets, library, units))


def export_csv_chunks(
    sets: Sequence[SetLog], library: Library, units: str, rows: int = 250
) -> Iterator[str]:
    """`export_csv` in pieces of `rows` rows, so a caller on an event loop can let other
    work run between them (a year of history is thousands of rows)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    ordered = sorted(sets, key=lambda s: (s.plan_date, s.batch_id, s.set_no, s.id))
    for n, s in enumerate(ordered, 1):
        if n % rows == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        load = ""
        if s.load_kg is not None:
            load = number(from_kg(s.load_kg, units), places=3)
        writer.writerow(
            (
                s.plan_date.isoformat(),
                exercise_name(library, s.exercise_id),
                s.exercise_id,
                s.set_no,
                "" if s.reps is None else s.reps,
                "" if s.seconds is None else s.seconds,
                load,
                units if load else "",
                "yes" if s.skipped else "",
                "" if s.rpe is None else f"{s.rpe:g}",
                "" if s.rir is None else s.rir,
            )
        )
    yield buffer.getvalue()


def export_filename(today: date) -> str:
    return f"backline-{today.isoformat()}.csv"
