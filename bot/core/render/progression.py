"""Progression's decisions (bot.core.progression.Next) in words."""

from __future__ import annotations

from bot.core.library import Library
from bot.core.lookup import exercise_name
from bot.core.planner import Target
from bot.core.progression import Next
from bot.core.render.formats import fmt_dose, fmt_sets, howto_hint
from bot.core.units import fmt_load


def fmt_next(nxt: Next, units: str) -> str:
    """`3 x 10 @ 18 kg`: what to do next time, in the person's unit."""
    aim = (nxt.aim, nxt.aim)
    reps, seconds = (None, aim) if nxt.measure == "seconds" else (aim, None)
    return fmt_dose(nxt.sets, reps, seconds, nxt.per_side, nxt.load_kg, units)


def next_note(nxt: Next, units: str, library: Library) -> str:
    """Why the next prescription is what it is, in a sentence or two."""
    why = nxt.why
    unit = " s" if nxt.measure == "seconds" else ""
    if why.reason == "no_load":
        return "Add the weight when you log, e.g. 3x10 @ 16kg, and I'll tell you when to go up."
    if why.reason == "load_up" and why.last_load_kg is not None and nxt.load_kg is not None:
        return (
            f"Up to {fmt_load(nxt.load_kg, units)}: you hit {why.top}{unit} on every set at "
            f"{fmt_load(why.last_load_kg, units)}. Aim for {why.bottom}{unit} or more."
        )
    if why.reason == "more_work":
        return (
            f"{nxt.aim}{unit or ' reps'} a set this time: you managed {why.weakest}+ on every "
            "set last time."
        )
    if why.reason == "owned":
        owned = f"You own this one ({why.weakest}+{unit or ' reps'} every set)."
        harder = library.exercises.get(nxt.suggestion or "")
        if harder is not None:
            return f"{owned} Ready for the next level: {harder.name} ({howto_hint(harder.name)})."
        return f"{owned} Slow the lowering to 3 seconds."
    if why.reason == "load_down" and why.last_load_kg is not None and nxt.load_kg is not None:
        return (
            f"Two tough sessions at {fmt_load(why.last_load_kg, units)}: back to "
            f"{fmt_load(nxt.load_kg, units)} to build up again. Aim for {why.bottom}{unit}."
        )
    if why.reason == "ease_off":
        easier = library.exercises.get(nxt.suggestion or "")
        note = f"Two tough sessions: aim for {why.bottom}{unit} clean ones a set"
        return note + (
            f", or try {easier.name} for a while." if easier else "; quality beats numbers."
        )
    note = f"Last time: {fmt_sets(why.last, units)}. Get every set to {why.top}{unit} and "
    return note + ("the weight goes up." if why.load_can_rise else "we'll add more.")


def next_target(nxt: Next, units: str, library: Library) -> Target:
    """The planner's Target for a progression decision, with its note worded."""
    return Target(
        reps=nxt.reps, seconds=nxt.seconds, load_kg=nxt.load_kg, note=next_note(nxt, units, library)
    )


def next_phrase(nxt: Next, units: str, library: Library) -> str:
    """`3 x 10 @ 18 kg, one step up`: the short form after a log and in summaries."""
    what = fmt_next(nxt, units)
    if nxt.kind == "raise":
        return f"{what}, one step up"
    if nxt.kind == "back":
        return f"{what}, a step back to build up again"
    if nxt.kind == "harder" and nxt.suggestion:
        return f"{what}, or move up to {exercise_name(library, nxt.suggestion)}"
    return what
