"""Progression's decisions (bot.core.progression.Next) in words."""

from __future__ import annotations

from bot.core.library import Library
from bot.core.lookup import exercise_name
from bot.core.planner import Target
from bot.core.progression import Next
from bot.core.render.formats import example_load, fmt_dose, fmt_sets, howto_hint
from bot.core.units import fmt_load


def fmt_next(nxt: Next, units: str) -> str:
    """`3 x 10-12 @ 18 kg (aim 10)`: what to do next time, in the person's unit, written the
    way the plan writes it."""
    return fmt_dose(nxt.sets, nxt.reps, nxt.seconds, nxt.per_side, nxt.load_kg, units, nxt.aims)


def next_note(nxt: Next, units: str, library: Library) -> str:
    """Why the next prescription is what it is, in a sentence or two."""
    note = _reason_note(nxt, units, library)
    typed = nxt.why.typed_load_kg
    if typed is None or nxt.why.reason == "weighted":
        return note
    return (
        f"{note} The {fmt_load(typed, units)} you added is kept in your log. The plan keeps "
        "this move without weight: no loaded version of it fits your kit and level yet."
    )


def _reason_note(nxt: Next, units: str, library: Library) -> str:
    why = nxt.why
    unit = " s" if nxt.measure == "seconds" else ""
    each = unit or " reps"
    last = fmt_sets(why.last, units)
    other = library.exercises.get(nxt.suggestion or "")
    load, was = nxt.load_kg, why.last_load_kg
    if why.reason == "weighted" and other is not None and why.typed_load_kg is not None:
        return (
            f"You added {fmt_load(why.typed_load_kg, units)}, so next session it's "
            f"{other.name}, the loaded version ({howto_hint(other.name)})."
        )
    if why.reason == "no_load":
        if nxt.aims and min(nxt.aims) >= why.top:
            return (
                f"You're at the top of the range: take the next weight up and add it when you "
                f"log, e.g. 3x{why.bottom} @ {example_load(16, units)}, so I can keep count."
            )
        return (
            f"Add the weight when you log, e.g. 3x10 @ {example_load(16, units)}, "
            "and I'll tell you when to go up."
        )
    if why.reason == "load_up" and was is not None and load is not None:
        if why.big_step:
            return (
                f"Up to {fmt_load(load, units)}: you own {fmt_load(was, units)} "
                f"({why.weakest}+{each} every set). Start at {why.bottom}{unit} and build again."
            )
        return (
            f"Up to {fmt_load(load, units)}: you hit {why.top}{unit} on every set at "
            f"{fmt_load(was, units)}. Aim for {why.bottom}{unit} or more."
        )
    if why.reason == "more_sets":
        if why.big_step and was is not None:
            return (
                f"Every set reached {why.top}{unit}. The next weight up is a big jump from "
                f"{fmt_load(was, units)}, so first one more set, same{each}."
            )
        return f"{why.weakest}+{each} on every set: one more set this time, same{each}."
    if why.reason == "band_up":
        return (
            f"You own this one ({why.weakest}+{each} every set). Time for a stronger band: "
            f"start again at {why.bottom}{unit} and build up."
        )
    if why.reason == "owned":
        owned = f"You own this one ({why.weakest}+{each} every set)."
        if other is not None:
            # The plan shows an owned move only where it keeps a turn next to its harder
            # version (bot.core.planner: progression's steps, unlike swaps, may sit together).
            return (
                f"{owned} Its harder version, {other.name}, is in your plan too "
                f"({howto_hint(other.name)}); here keep to the top of the range, slow and clean."
            )
        locked = library.exercises.get(nxt.locked or "")
        level = library.levels.get(locked.level) if locked else None
        if locked is not None and level is not None:
            return (
                f"{owned} {locked.name} is the next step: /settings level {level.id} "
                "brings it into your plan. Until then, slow the lowering to 3 seconds."
            )
        # The top of the ladder for this kit: the content says how to keep it hard.
        this = library.exercises.get(nxt.exercise_id)
        return f"{owned} {(this.no_harder if this else '') or 'Slow the lowering to 3 seconds.'}"
    if why.reason == "load_down" and was is not None and load is not None:
        return (
            f"Under the range last time ({last}): {fmt_load(load, units)} next time, "
            f"aiming for {why.bottom}{unit}, and we build up from there."
        )
    if why.reason == "ease_off":
        if other is not None:
            return (
                f"Two tough sessions in a row: {other.name} for a while "
                f"({howto_hint(other.name)}), then we build back up."
            )
        return f"Two tough sessions in a row: repeat what you managed ({last}), clean and steady."
    if why.reason == "consolidate":
        return (
            f"Two sessions short of the aim ({last}): a little more where you can, same weight; "
            "the top of the range can wait."
        )
    if why.reason == "missed":
        return f"Last time: {last}. A little more where you can; the top of the range can wait."
    if why.reason == "near_max":
        return f"Last time: {last}, close to your limit. Same again until it moves more easily."
    if why.reason == "lighter_week":
        return (
            "Lighter week: fewer sets and a little less weight, so the last weeks' work sinks in."
        )
    if why.reason == "stalled":
        return "Lighter week: a few lifts have stalled, so go easier and come back fresh."
    note = f"Last time: {last}. A little more each set; every set at {why.top}{unit} and "
    return note + ("the weight goes up." if why.load_can_rise else "we'll add more.")


def next_target(nxt: Next, units: str, library: Library) -> Target:
    """The planner's Target for a progression decision, with its note worded."""
    return Target(
        sets=nxt.sets,
        reps=nxt.reps,
        seconds=nxt.seconds,
        load_kg=nxt.load_kg,
        note=next_note(nxt, units, library),
        aims=nxt.aims,
        lighter=nxt.kind == "lighter",
    )


def next_phrase(nxt: Next, units: str, library: Library) -> str:
    """`3 x 10-12 @ 18 kg (aim 10), one step up`: the short form after a log and in summaries."""
    what = fmt_next(nxt, units)
    if nxt.kind in ("harder", "easier") and nxt.suggestion:
        name = exercise_name(library, nxt.suggestion)
        return f"on to {name}" if nxt.kind == "harder" else f"{name} for a while"
    if nxt.why.reason == "band_up":
        return f"{what}, with a stronger band"
    if nxt.kind == "raise":
        return f"{what}, one step up"
    if nxt.kind == "back":
        return f"{what}, a step back to build up again"
    if nxt.kind == "lighter":
        return f"{what}, a lighter week"
    if nxt.why.reason == "more_sets":
        return f"{what}, one more set"
    # Without the weight the load can't move on its own: at the top, say to go up (the
    # confirmation's "No weight logged" line asks for the weight itself).
    if nxt.why.reason == "no_load" and nxt.aims and min(nxt.aims) >= nxt.why.top:
        return f"{what}, with the next weight up"
    return what


def level_up_offer(names: list[str], level_name: str) -> str:
    """The weekly summary's offer when owned moves wait for a higher level."""
    shown = ", ".join(names[:3])
    return (
        f"You've outgrown your level on some moves: {shown} "
        f"{'is' if len(names) == 1 else 'are'} next, at {level_name}. Move up?"
    )
