"""The session and library messages: the day's plan, one exercise's prompt, how-tos."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.library import Exercise, Library
from bot.core.planner import DayPlan, PlannedExercise
from bot.core.render.formats import (
    example_load,
    fmt_day,
    fmt_planned,
    fmt_prescription,
    fmt_rest,
)


def plan_overview(
    plan: DayPlan, units: str, group: bool = False, example: str = "done"
) -> tuple[str, str]:
    """(title, text) of a day's session; `group`: the channel's shared session, where each
    member logs for themselves and there is no step-by-step button. `example` is a reply
    that logs the session (the plans feature checks it reads back)."""
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
        line = f"{i}. {p.name}: {fmt_planned(p, units)}{fmt_rest(p.rest_seconds)}"
        lines.append(line)
        if p.warmup_sets:
            ramp = "set" if p.warmup_sets == 1 else "sets"
            lines.append(f"   Start with {p.warmup_sets} lighter warm-up {ramp}.")
        if p.note:
            lines.append(f"   {p.note}")
    if plan.cooldown:
        lines.append("Cool-down: " + ", ".join(p.name for p in plan.cooldown))
    lines.append("")
    if group:
        lines.append(
            f'Everyone: reply to this message with what you did, e.g. "{example}". '
            "Each of you logs for yourself."
        )
    else:
        lines.append(
            f'Reply to this message with what you did, e.g. "{example}", or tap Log step by step.'
        )
    return title, "\n".join(lines)


def exercise_prompt(p: PlannedExercise, units: str, position: int, total: int) -> tuple[str, str]:
    title = f"{position}/{total} · {p.name}"
    text = (
        f"{fmt_planned(p, units)}{fmt_rest(p.rest_seconds)}.\n"
        f'Reply with your sets, e.g. "12 10 10" or "3x12 @ {example_load(16, units)}", '
        "or tap Done or Skip. Swap gives you another move of the same kind."
    )
    return title, text


def howto(ex: Exercise, library: Library) -> tuple[str, str]:
    """(canonical name, the whole how-to)."""
    essentials, details = howto_parts(ex, library)
    return ex.name, "\n".join([essentials, "", details]) if details else essentials


def howto_parts(ex: Exercise, library: Library) -> tuple[str, str]:
    """(what to read before the first rep, what refines it): the essentials are what a
    drawing's short caption must hold (what it works, the dose, the steps, safety), the
    details (cues, mistakes, easier and harder moves) can wait for a tap (HOWTO_MORE)."""
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
    if ex.safety:
        lines.append("Safety: " + " ".join(ex.safety))
    details: list[str] = []
    if ex.cues:
        details.append("Cues: " + " ".join(f"• {c}" for c in ex.cues))
    if ex.mistakes:
        details.append("Watch out for: " + " ".join(f"• {m}" for m in ex.mistakes))
    for label, ids in (("Easier", ex.easier), ("Harder", ex.harder)):
        names = [library.exercises[i].name for i in ids if i in library.exercises]
        if names:
            details.append(f"{label}: " + ", ".join(names))
    return "\n".join(lines), "\n".join(details)


# The button under a drawing whose caption holds only the essentials, and its answer's title.
HOWTO_MORE = "Cues & tips"


def howto_other(name: str, spelling: str) -> str:
    """Under a how-to picked for the person's plan or kit among moves the words could name."""
    return f"\nMeant {name}? Send /howto {spelling}."


def howto_more_title(name: str) -> str:
    return f"{name} · cues & tips"


def picture_credit(credit: str) -> str:
    """The line shown with an exercise drawing (its licence asks for it wherever it's shown)."""
    return f"Drawing: {credit}"


def not_found(query: str, suggestions: Sequence[Exercise]) -> str:
    text = f'I don\'t have "{query[:60]}" in the library. Backline sticks to the back of the body.'
    if suggestions:
        text += " Did you mean: " + ", ".join(e.name for e in suggestions) + "?"
    else:
        text += " Send /exercises to see everything I coach."
    return text


def exercise_list(library: Library) -> str:
    by_region: dict[str, list[str]] = {}
    for ex in sorted(library.main_exercises(), key=lambda e: e.name):
        by_region.setdefault(ex.region, []).append(ex.name)
    lines = []
    for region in ("upper", "lower", "full"):
        if region in by_region:
            lines.append(f"{region.capitalize()} body: " + ", ".join(by_region[region]))
    lines.append("")
    lines.append("Send /howto and a name for steps and cues, e.g. /howto kb swing.")
    return "\n".join(lines)


def nudge(plan: DayPlan) -> str:
    first = plan.main[0].name if plan.main else "your first exercise"
    return (
        f"Still time for today's session: about {plan.minutes} minutes, starting with "
        f'{first}. Send /today when you\'re ready, or reply "skip" to it to rest.'
    )


LOG_STEP_BY_STEP = "Log step by step"
ALL_DONE = "All done"
SKIP_TODAY = "Skip today"
DONE = "Done"
LOG_SETS = "Log sets"
# The questions of the Log forms (<= 45 characters: Discord's label limit).
ASK_SETS = "Your sets, e.g. 12 10 10 or 3x12 @ 16kg"
ASK_SESSION = "What you did, e.g. rdl 3x10, bridge 15 15"
SKIP = "Skip"


def group_rest_day(plan: DayPlan, at: str) -> tuple[str, str]:
    """(title, text) of /today in a group on the group's rest day; `at` is the session time."""
    title = f"{fmt_day(plan.day)} · Group rest day"
    lines = ["No group session today: rest and recovery."]
    if plan.next_training_day:
        lines.append(f"Next group session: {fmt_day(plan.next_training_day)} at {at}.")
    lines.append("Your own plan for today: send me /today in a private chat.")
    return title, "\n".join(lines)


def group_title(title: str) -> str:
    return f"Group session · {title}"
