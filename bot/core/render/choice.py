"""Swaps and avoids: what /swap, /avoid, /unavoid, the Swap button and their undo say."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.core.library import Exercise, Library
from bot.core.lookup import exercise_name
from bot.core.ports import ChoiceChange
from bot.core.render.formats import fmt_day

SWAP = "Swap"
ACK_SWAPPED = "Swapped"
SWAP_WHICH = (
    "Which exercise should I swap? For example: /swap rdl. I'll pick another of the same "
    "kind that suits your kit, and keep it for this training block."
)
AVOID_NONE = (
    "You're not avoiding anything. If a move hurts or you just don't like it, send "
    "/avoid and its name, e.g. /avoid kb swing, and I won't schedule it."
)


def _short(name: str) -> str:
    """The name to type in a command: the full name, so it names this exercise only."""
    return name.lower()


def swapped(before: Exercise, after: Exercise, original: Exercise, until: date) -> str:
    if after.id == original.id:
        return f"Back to {original.name}, as planned. The plan keeps it for this block."
    return (
        f"Swapped {before.name} for {after.name} until {fmt_day(until)}, the end of this "
        f"training block, so it has time to progress. Send /swap {_short(after.name)} for "
        f"another option, or /swap {_short(after.name)} back to return."
    )


def swapped_back(original: Exercise, was: Exercise) -> str:
    return f"Back to {original.name} instead of {was.name}, as planned."


def not_swapped(exercise: Exercise) -> str:
    return f"{exercise.name} isn't swapped, so it's already as planned."


def no_alternative(exercise: Exercise) -> str:
    return (
        f"Sorry, nothing else of the same kind as {exercise.name} suits your kit and level "
        "right now, so I'll keep it. Adding equipment in /settings opens up more options, "
        f"or /avoid {_short(exercise.name)} if it doesn't agree with you."
    )


def not_planned(exercise: Exercise) -> str:
    return (
        f"{exercise.name} isn't in your plan this week, so there's nothing to swap. "
        f"To keep it out for good, send /avoid {_short(exercise.name)}."
    )


def swap_main_only(exercise: Exercise) -> str:
    return (
        f"{exercise.name} is a warm-up or cool-down move, so there's nothing to swap it for. "
        f"Send /avoid {_short(exercise.name)} and I'll leave it out."
    )


def today_changed() -> str:
    return "Here's today's session with the change."


def avoided(exercise: Exercise, replaced_by: Sequence[str]) -> str:
    text = f"Got it: I won't schedule {exercise.name} any more."
    if replaced_by:
        text += f" Today you get {', '.join(replaced_by)} instead."
    return text + f" /unavoid {_short(exercise.name)} or /undo brings it back."


def already_avoided(exercise: Exercise) -> str:
    return (
        f"{exercise.name} is already off your plan. "
        f"/unavoid {_short(exercise.name)} brings it back."
    )


def unavoided(exercise: Exercise) -> str:
    return f"{exercise.name} can come back into your plan from now on."


def not_avoided(exercise: Exercise) -> str:
    return f"You're not avoiding {exercise.name}, so it can already be in your plan."


def avoid_list(names: Sequence[str]) -> str:
    if not names:
        return AVOID_NONE
    return (
        f"I leave these out of your plan: {', '.join(names)}. "
        "Send /unavoid and a name to bring one back."
    )


def choices_line(avoid: Sequence[str], swaps: Sequence[tuple[str, str]]) -> str:
    """The /settings line about swaps and avoids ("" when there are none)."""
    parts = []
    if swaps:
        parts.append("Swapped this block: " + ", ".join(f"{a} for {b}" for a, b in swaps))
    if avoid:
        parts.append("Avoiding: " + ", ".join(avoid))
    return "\n".join(parts)


def choice_undone(change: ChoiceChange, library: Library) -> str:
    name = exercise_name(library, change.exercise_id)
    if change.kind == "avoid":
        if change.before is None:
            return f"Undone: {name} can be in your plan again."
        return f"Undone: {name} is off your plan again."
    if change.before is None:
        return f"Undone: back to {name}, as planned."
    return f"Undone: {exercise_name(library, change.before)} instead of {name} again."
