"""/progress, /history, /export, /forget and the weekly summary in words."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.core.history import Entry
from bot.core.library import Library, Prescription
from bot.core.lookup import exercise_name
from bot.core.ports import NewSet, SetLog
from bot.core.progress import Nudge, Records
from bot.core.render.formats import (
    example_load,
    fmt_day,
    fmt_prescription,
    fmt_sets,
    howto_hint,
)
from bot.core.settings import WEEKDAY_NAMES
from bot.core.units import fmt_load


def _plural(n: int, word: str) -> str:
    return f"{word}{'s' * (n != 1)}"


def week_cheer(done: int, planned: int) -> str:
    if planned and done >= planned:
        return ". Plan met, well done!"
    if done:
        return ". Every session counts."
    return ". A fresh start is one session away."


# ---------------------------------------------------------------- /progress

PROGRESS_TITLE = "Your progress"
NO_PROGRESS_YET = (
    "Nothing logged yet, so no progress to show. Send /today, do the session and "
    "reply with what you did: your streak and records start there."
)


def progress_head(done: int, planned: int, weeks: int) -> list[str]:
    lines = [f"This week: {done} of {planned} sessions" + week_cheer(done, planned)]
    if weeks:
        lines.append(f"Streak: {weeks} {_plural(weeks, 'week')} in a row meeting your plan.")
    else:
        lines.append(f"Streak: hit {planned} sessions this week to start one.")
    return lines


def group_lines(
    counts: dict[str, int], library: Library, nudge: Nudge | None, rx: Prescription | None
) -> list[str]:
    """Sets per muscle group, and the move for the group with the least work."""
    groups = library.taxonomy.groups
    worked = [f"{groups[g]} {n}" for g, n in counts.items() if n]
    lines = ["Sets this week: " + (", ".join(worked) if worked else "none yet") + "."]
    if nudge is not None and rx is not None:
        ex = nudge.exercise
        dose = fmt_prescription(rx).split(",")[0]
        lines.append(
            f"Least work: {nudge.group_name} ({nudge.sets} {_plural(nudge.sets, 'set')}). "
            f"Add {ex.name}, {dose}: {howto_hint(ex.name)}"
        )
    return lines


def records_lines(
    records: Sequence[Records], fresh: set[str], library: Library, units: str
) -> list[str]:
    if not records:
        return []
    return ["", "Personal records:"] + [
        _record_line(r, library, units, r.exercise_id in fresh) for r in records
    ]


def _record_line(r: Records, library: Library, units: str, fresh: bool) -> str:
    parts = []
    if r.at_loads:
        parts.append(", ".join(f"{b.reps} @ {fmt_load(b.load_kg, units)}" for b in r.at_loads[:3]))
    ex = library.exercises.get(r.exercise_id)
    # A one-rep max means something for a loaded lift, not for a weight held on a bodyweight
    # move or a hold.
    if r.best_e1rm and ex is not None and ex.loaded and not ex.bodyweight:
        parts.append(f"est. 1RM {fmt_load(r.best_e1rm[0], units)}")
    if r.best_reps and not r.at_loads:
        parts.append(f"{r.best_reps[0]} reps")
    if r.best_seconds:
        parts.append(f"{r.best_seconds[0]} s")
    star = " (new this week!)" if fresh else ""
    return f"• {exercise_name(library, r.exercise_id)}: {' · '.join(parts)}{star}"


# ---------------------------------------------------------------- /history

HISTORY_USAGE = (
    "Send /history for your last sessions, /history edit 2 12 10 10 to fix entry 2, "
    "or /history delete 2 to remove it."
)
NOTHING_LOGGED = "Nothing logged yet. Send /today and reply with what you did."
WHICH_ENTRY = "Which entry? Send /history to see the numbers, e.g. /history delete 2."
ENTRY_UNCHANGED = " The entry is unchanged."
ENTRY_EXERCISE_GONE = "That exercise is no longer in the library, so I can't edit it."


def history_title(sessions: int) -> str:
    if sessions == 1:
        return "Your last session"
    return f"Your last {sessions} sessions"


def history_text(found: Sequence[Entry], library: Library, units: str) -> str:
    lines: list[str] = []
    day: date | None = None
    for e in found:
        if e.day != day:
            day = e.day
            lines.append(("\n" if lines else "") + fmt_day(e.day))
        lines.append(
            f"{e.number}. {exercise_name(library, e.exercise_id)}: {fmt_sets(e.sets, units)}"
        )
    lines += [
        "",
        f"Fix an entry: /history edit 2 12 10 10 (or 3x10 @ {example_load(40, units)}). "
        "Remove one: /history delete 2. /undo takes back your last log. "
        "/history 10 shows more days.",
    ]
    return "\n".join(lines)


def no_entry(number: int) -> str:
    return f"There's no entry {number} in your recent history. Send /history to check."


def entry_needs_sets(number: int, units: str) -> str:
    return (
        f"What should entry {number} say? e.g. /history edit {number} 12 10 10 "
        f"or 3x10 @ {example_load(40, units)}."
    )


def entry_updated(
    name: str, day: date, new: Sequence[NewSet], old: Sequence[SetLog], units: str
) -> str:
    return f"Updated {name} on {fmt_day(day)}: {fmt_sets(new, units)} (was {fmt_sets(old, units)})."


def entry_deleted(name: str, day: date, removed: Sequence[SetLog], units: str) -> str:
    return f"Deleted {name} on {fmt_day(day)} ({fmt_sets(removed, units)})."


# ---------------------------------------------------------------- /export and /forget

EXPORT_TITLE = "Your export"
NOTHING_TO_EXPORT = "Nothing logged yet, so there's nothing to export."


def export_text(count: int, first: date, last: date, units: str) -> str:
    return (
        f"Your training log: {count} sets from {fmt_day(first)} to "
        f"{fmt_day(last)}, loads in {units}. Opens in any spreadsheet."
    )


FORGET_TITLE = "Forget me?"
FORGET_YES = "Yes, delete everything"
FORGET_NO = "Keep my data"
FORGET_NOT_YOURS = "That button is for someone else. Send /forget for your own data."
FORGET_KEPT = "Kept everything. Nothing was deleted."
FORGET_KEPT_TYPED = 'Okay, nothing deleted. (To delete, send /forget and type "forget me".)'
FORGOTTEN_TITLE = "Forgotten"
FORGOTTEN = (
    "Done: everything I held about you is deleted. If you message me again "
    "I'll start fresh. Look after that back!"
)


def forget_question(in_group: bool) -> str:
    how = "Tap the button" if in_group else 'Tap the button or type "forget me"'
    return (
        "This deletes everything I hold about you: every logged set, your plans, settings "
        "and reminders. It can't be undone (send /export first for a copy). "
        f"{how} to confirm."
    )


# ---------------------------------------------------------------- the weekly summary


def summary_title(start: date, end: date) -> str:
    return f"Your week · {fmt_day(start)} to {fmt_day(end)}"


def summary_head(done: int, planned: int, weeks: int) -> list[str]:
    lines = [f"Sessions: {done} of {planned}" + week_cheer(done, planned)]
    if done >= planned and weeks > 1:
        lines.append(f"That's {weeks} weeks in a row meeting your plan.")
    return lines


def new_bests(bests: Sequence[SetLog], library: Library, units: str) -> list[str]:
    if not bests:
        return []
    parts = [f"{exercise_name(library, s.exercise_id)} {fmt_sets([s], units)}" for s in bests]
    return ["New bests: " + "; ".join(parts) + "."]


def next_week(days: Sequence[date], steps: Sequence[tuple[str, str]]) -> list[str]:
    """`Next week: Mon, Wed.` and a line per (exercise name, next step) worth a mention."""
    if not days:
        return []
    names = ", ".join(WEEKDAY_NAMES[d.weekday()].capitalize() for d in days)
    return [f"Next week: {names}."] + [f"• {name}: {phrase}" for name, phrase in steps]
