"""Numbers, days, doses and logged sets as short plain text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from bot.core.library import Prescription
from bot.core.planner import PlannedExercise
from bot.core.ports import NewSet, SetLog
from bot.core.units import fmt_load


def fmt_wait(seconds: float) -> str:
    """How long until a retry, for a host's log: "in 0.4 s", "in 12 s", "in 2 min"."""
    if seconds < 10:
        return f"in {max(seconds, 0.1):.1f} s"
    if seconds < 120:
        return f"in {seconds:.0f} s"
    return f"in {seconds / 60:.0f} min"


def example_load(kg: int, units: str) -> str:
    """A load for an example reply in the person's unit: 16 -> "16kg", or "35lb" (to 5 lb)."""
    return f"{kg}kg" if units == "kg" else f"{round(kg * 2.20462 / 5) * 5}lb"


def zone_label(zone: str) -> str:
    """A timezone as people write it: "Etc/GMT-2" (POSIX signs, reversed) is "UTC+2"."""
    if zone in ("Etc/UTC", "Etc/GMT", "UTC"):
        return "UTC"
    if zone.startswith("Etc/GMT") and zone[7:8] in "+-" and zone[8:].isdigit():
        return f"UTC{'-' if zone[7] == '+' else '+'}{zone[8:]}"
    return zone


def fmt_day(day: date) -> str:
    return day.strftime("%a %d %b").replace(" 0", " ")


def _range(r: tuple[int, int]) -> str:
    return str(r[0]) if r[0] == r[1] else f"{r[0]}-{r[1]}"


def fmt_dose(
    sets: int,
    reps: tuple[int, int] | None,
    seconds: tuple[int, int] | None,
    per_side: bool,
    load_kg: float | None = None,
    units: str = "kg",
    aims: Sequence[int] = (),
) -> str:
    """`3 x 12-15 @ 16 kg (aim 13, 13, 12)`: the one way a dose is written, in the plan and in
    "Next time" alike. `aims` are per set (reps, or seconds for a hold)."""
    if reps:
        text = f"{sets} x {_range(reps)}"
        if seconds:
            text += f" (hold {_range(seconds)} s each)"
    elif seconds:
        text = f"{sets} x {_range(seconds)} s"
    else:
        text = f"{sets} sets"
    if per_side:
        text += " per side"
    if load_kg is not None:
        text += f" @ {fmt_load(load_kg, units)}"
    shown = tuple(aims[:sets])
    if shown:
        unit = " s" if seconds and not reps else ""
        same = len(set(shown)) == 1
        text += f" (aim {shown[0]}{unit})" if same else f" (aim {', '.join(map(str, shown))}{unit})"
    return text


def fmt_planned(p: PlannedExercise, units: str) -> str:
    return fmt_dose(p.sets, p.reps, p.seconds, p.per_side, p.load_kg, units, p.aims)


def fmt_rest(seconds: int) -> str:
    """`, rest 60 s` after a dose; nothing for a move done without rest (a warm-up)."""
    return f", rest {seconds} s" if seconds > 0 else ""


def fmt_prescription(rx: Prescription) -> str:
    return f"{fmt_dose(rx.sets, rx.reps, rx.seconds, rx.per_side)}{fmt_rest(rx.rest_seconds)}"


def fmt_sets(sets: Sequence[NewSet | SetLog], units: str) -> str:
    """Exactly what was stored, e.g. `12, 10, 10 reps @ 16 kg` or `skipped`."""
    done = [s for s in sets if not s.skipped]
    if not done:
        return "skipped"
    loads = {s.load_kg for s in done}
    holds = {s.seconds for s in done}
    if len(holds) == 1 and None not in holds and all(s.reps is not None for s in done):
        # Each rep held: "5, 5, 5 reps (2 s holds)", not "5 x 2 s, 5 x 2 s, 5 x 2 s".
        reps = fmt_sets([replace(s, seconds=None) for s in done], units)
        cut = reps.index(" reps") + len(" reps")
        return f"{reps[:cut]} ({holds.pop()} s holds){reps[cut:]}"
    parts = []
    for s in done:
        piece = f"{s.reps}" if s.reps is not None else ""
        if s.seconds is not None:
            piece += f"{' x ' if piece else ''}{s.seconds} s"
        if len(loads) > 1 and s.load_kg is not None:
            piece += f" @ {fmt_load(s.load_kg, units)}"
        parts.append(piece or "done")
    unit_word = " reps" if all(s.reps is not None and s.seconds is None for s in done) else ""
    text = ", ".join(parts) + unit_word
    (only,) = loads if len(loads) == 1 else (None,)
    if only is not None:
        text += f" @ {fmt_load(only, units)}"
    return text + _fmt_effort(done)


def _fmt_effort(sets: Sequence[NewSet | SetLog]) -> str:
    """ ", RPE 8" when every set says the same, " (RIR 3, RIR 1)" per set, "" when none do."""
    labels = [
        f"RPE {s.rpe:g}" if s.rpe is not None else f"RIR {s.rir}" if s.rir is not None else "-"
        for s in sets
    ]
    if all(label == "-" for label in labels):
        return ""
    if len(set(labels)) == 1:
        return f", {labels[0]}"
    return f" ({', '.join(labels)})"


def howto_hint(name: str) -> str:
    """`/howto glute bridge` for "Glute bridge (single-leg)"."""
    return f"/howto {name.split(' (')[0].lower()}"
