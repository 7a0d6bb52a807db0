"""What the history says about the next prescription: the seam between logs and the planner.

For now: carry the last working load forward so /today shows the weight you used last time.
The fuller double-progression rules build on `target_for`.
"""

from __future__ import annotations

from bot.core.library import Exercise, Prescription
from bot.core.planner import Target
from bot.core.ports import SetLog


def last_session(sets: list[SetLog]) -> list[SetLog]:
    """The sets of the most recent date in `sets` that were actually done (not skipped)."""
    done = [s for s in sets if not s.skipped]
    if not done:
        return []
    latest = max(s.plan_date for s in done)
    return sorted((s for s in done if s.plan_date == latest), key=lambda s: s.set_no)


def target_for(exercise: Exercise, rx: Prescription, history: list[SetLog]) -> Target | None:
    """A target for `exercise` given its recent sets, or None to keep the content's default."""
    last = last_session(history)
    loads = [s.load_kg for s in last if s.load_kg is not None]
    if not exercise.loaded or not loads:
        return None
    return Target(load_kg=max(loads))
