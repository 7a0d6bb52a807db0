"""Plain-text rendering of plans, doses, logs and how-tos. Adapters add platform formatting."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.core.library import Exercise, Library, Prescription
from bot.core.planner import DayPlan, PlannedExercise
from bot.core.ports import NewSet, SetLog

KG_PER_LB = 0.45359237


def to_kg(load: float, unit: str) -> float:
    return round(load * KG_PER_LB, 3) if unit == "lb" else load


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def fmt_load(kg: float, units: str) -> str:
    if units == "lb":
        return f"{_number(round(kg / KG_PER_LB * 2) / 2)} lb"
    return f"{_number(round(kg * 4) / 4)} kg"


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
) -> str:
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
    return text


def fmt_planned(p: PlannedExercise, units: str) -> str:
    return fmt_dose(p.sets, p.reps, p.seconds, p.per_side, p.load_kg, units)


def fmt_prescription(rx: Prescription) -> str:
    return f"{fmt_dose(rx.sets, rx.reps, rx.seconds, rx.per_side)}, rest {rx.rest_seconds} s"


def fmt_sets(sets: Sequence[NewSet | SetLog], units: str) -> str:
    """Exactly what was stored, e.g. `12, 10, 10 reps @ 16 kg` or `skipped`."""
    done = [s for s in sets if not s.skipped]
    if not done:
        return "skipped"
    loads = {s.load_kg for s in done}
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
    return text


def plan_overview(plan: DayPlan, units: str) -> tuple[str, str]:
    """(title, text) of a day's session."""
    if not plan.training:
        title = f"{fmt_day(plan.day)} · Rest day"
        lines = ["Rest day: recovery is where the work turns into strength."]
        if plan.next_training_day:
            lines.append(f"Next session: {fmt_day(plan.next_training_day)}.")
        lines.append("A walk or a few minutes of stretching keeps things moving.")
        return title, "\n".join(lines)
    title = f"{fmt_day(plan.day)} · {plan.title} · about {plan.minutes} min"
    lines = []
    if plan.warmup:
        lines.append("Warm-up: " + ", ".join(p.name for p in plan.warmup))
    for i, p in enumerate(plan.main, 1):
        line = f"{i}. {p.name}: {fmt_planned(p, units)}, rest {p.rest_seconds} s"
        lines.append(line)
        if p.note:
            lines.append(f"   {p.note}")
    if plan.cooldown:
        lines.append("Cool-down: " + ", ".join(p.name for p in plan.cooldown))
    lines.append("")
    lines.append(
        "Reply to this message with what you did, e.g. "
        f'"{_example_list(plan)}", or tap Log step by step.'
    )
    return title, "\n".join(lines)


def _example_list(plan: DayPlan) -> str:
    parts = []
    for p in plan.main[:2]:
        short = p.name.split(" (")[0].lower()
        if p.reps:
            parts.append(f"{short} {p.sets}x{p.reps[0]}")
        elif p.seconds:
            parts.append(f"{short} {p.sets}x{p.seconds[0]}s")
    return ", ".join(parts) or "done"


def exercise_prompt(p: PlannedExercise, units: str, position: int, total: int) -> tuple[str, str]:
    title = f"{position}/{total} · {p.name}"
    text = (
        f"{fmt_planned(p, units)}, rest {p.rest_seconds} s.\n"
        'Reply with your sets, e.g. "12 10 10" or "3x12 @ 16kg", or tap Done or Skip.'
    )
    return title, text


def howto(ex: Exercise, library: Library) -> tuple[str, str]:
    """(canonical name, how-to text)."""
    lines: list[str] = []
    if ex.summary:
        lines.append(ex.summary)
    muscles = [
        library.taxonomy.muscles[m].name for m in ex.primary if m in library.taxonomy.muscles
    ]
    if muscles:
        lines.append("Works: " + ", ".join(muscles))
    lines.append("Dose: " + fmt_prescription(ex.prescription))
    lines.append("")
    lines.append("How to:")
    lines.extend(f"{i}. {step}" for i, step in enumerate(ex.steps, 1))
    if ex.cues:
        lines.append("")
        lines.append("Cues: " + " ".join(f"• {c}" for c in ex.cues))
    if ex.mistakes:
        lines.append("Watch out for: " + " ".join(f"• {m}" for m in ex.mistakes))
    if ex.safety:
        lines.append("Safety: " + " ".join(ex.safety))
    for label, ids in (("Easier", ex.easier), ("Harder", ex.harder)):
        names = [library.exercises[i].name for i in ids if i in library.exercises]
        if names:
            lines.append(f"{label}: " + ", ".join(names))
    return ex.name, "\n".join(lines)
