"""Plain-text rendering of plans, doses, logs and how-tos. Adapters add platform formatting."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.core.dispatch import Command
from bot.core.library import Exercise, Library, Prescription
from bot.core.onboarding import days_label
from bot.core.planner import DayPlan, PlannedExercise, Target
from bot.core.ports import NewSet, SetLog
from bot.core.progression import Next
from bot.core.settings import Settings
from bot.core.units import fmt_load

__all__ = ["fmt_load"]  # loads are formatted in bot.core.units; render re-exports the one name


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


def plan_overview(plan: DayPlan, units: str, group: bool = False) -> tuple[str, str]:
    """(title, text) of a day's session; `group`: the channel's shared session, where each
    member logs for themselves and there is no step-by-step button."""
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
    example = _example_list(plan)
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


# ---------------------------------------------------------------- progression


def exercise_name(library: Library, exercise_id: str) -> str:
    ex = library.exercises.get(exercise_id)
    return ex.name if ex else exercise_id


def howto_hint(name: str) -> str:
    """`/howto glute bridge` for "Glute bridge (single-leg)"."""
    return f"/howto {name.split(' (')[0].lower()}"


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


# ---------------------------------------------------------------- the library and the session


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


# ---------------------------------------------------------------- conversation


SORRY = (
    "Sorry, something went wrong on my side. Nothing you logged is lost; "
    "please try again in a moment."
)
LOG_EXAMPLES = '"12 10 10", "3x12 @ 16kg", "done" or "skip"'
HELP_SHORT = "Try /today for your session, /howto rdl for a how-to, or /help for everything."
NOT_YOURS = "That message belongs to someone else's plan. Send /today for yours."
NOT_UNDERSTOOD = (
    "I'm not sure what you mean. To log, reply to my session message with what you "
    f"did, e.g. {LOG_EXAMPLES}. " + HELP_SHORT
)
STALE_BUTTON = "That button is out of date, so I've left everything as it was. " + HELP_SHORT


def logged(
    speaker: str, name: str, sets: Sequence[NewSet], day: date, today: date, units: str
) -> str:
    """`Logged RDL: 12, 10, 10 reps @ 16 kg.` (`speaker` names the member in a group)."""
    who = f"{speaker}: " if speaker else ""
    when = "" if day == today else f" for {fmt_day(day)}"
    if all(s.skipped for s in sets):
        return f"{who}Skipped {name}{when}. No problem."
    return f"{who}Logged {name}{when}: {fmt_sets(sets, units)}."


def session_done(group: bool) -> str:
    if group:
        return " That's the session done. Nice work!"
    return " That's the whole session done. Great work on the back of your body!"


def edited(names: str, new: Sequence[NewSet], old: Sequence[SetLog], units: str) -> str:
    return f"Updated {names}: {fmt_sets(new, units)} (was {fmt_sets(old, units)})."


def undone(removed: Sequence[SetLog], library: Library, units: str) -> str:
    parts = []
    for exercise_id in dict.fromkeys(s.exercise_id for s in removed):
        sets = [s for s in removed if s.exercise_id == exercise_id]
        parts.append(f"{exercise_name(library, exercise_id)}, {fmt_sets(sets, units)}")
    return f"Removed your last log: {'; '.join(parts)} ({fmt_day(removed[0].plan_date)})."


# ---------------------------------------------------------------- help, setup and settings

WELCOME = (
    "Hi! I'm Backline, your coach for the muscles you can't see in the mirror: "
    "upper back, glutes, hamstrings and calves. A few quick taps and I'll build your week. "
    "(Type /today any time to skip setup and train with sensible defaults.)"
)


def help_text(commands: Sequence[Command]) -> str:
    lines = [
        "Backline trains the back of your body: upper back, lower back, glutes, "
        "hamstrings and calves. A few minutes on training days adds up.",
        "",
    ]
    lines += [f"/{c.name}: {c.description}" for c in commands if not c.admin_only]
    lines += [
        "",
        "To log, reply to my message with what you did: " + LOG_EXAMPLES + ".",
        "Group admins: /community on 07:30 Europe/Berlin starts a daily group session.",
    ]
    return "\n".join(lines)


def unknown_command(name: str) -> str:
    return f'I don\'t know "/{name[:30]}". ' + HELP_SHORT


def group_only(name: str) -> str:
    return f"/{name} works in a group or server channel, not here."


def settings_line(s: Settings) -> str:
    return (
        f"Sessions on {days_label(s.weekdays)} at {s.reminder_time.strftime('%H:%M')} {s.timezone}."
    )


def settings_text(s: Settings, library: Library) -> str:
    split = library.splits.get(s.split)
    level = library.levels.get(s.level)
    equipment = ", ".join(
        library.taxonomy.equipment[e].name
        for e in sorted(s.equipment - {"bodyweight"} or {"bodyweight"})
        if e in library.taxonomy.equipment
    )
    lines = [
        f"Level: {level.name if level else s.level}",
        f"Equipment: {equipment}",
        f"Week: {split.name if split else s.split} on {days_label(s.weekdays)}",
        f"Session push: {s.reminder_time.strftime('%H:%M')} {s.timezone}"
        + (" (paused)" if s.paused else ""),
        f"Units: {s.units}",
        "",
        "Change one by typing, e.g. /settings level advanced, /settings days mon wed fri, "
        "/settings time 06:45, /settings timezone Europe/Berlin, /settings units lb, "
        "/settings equipment dumbbells, /settings split ul4. Or /start to set up again.",
    ]
    return "\n".join(lines)


OPEN_A_PRIVATE_CHAT = (
    "That's personal, so I won't post it here. Open a private chat with "
    "me, send /start, then ask again there."
)
SENT_TO_PRIVATE_CHAT = "I've sent that to our private chat."
