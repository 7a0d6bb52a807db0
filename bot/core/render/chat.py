"""The conversation's sentences: help, errors, logging confirmations, setup and settings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.core.dispatch import Command
from bot.core.library import Library
from bot.core.lookup import exercise_name
from bot.core.onboarding import days_label
from bot.core.parser import ParsedLog, describe
from bot.core.ports import NewSet, SetLog
from bot.core.render.formats import example_load, fmt_day, fmt_sets, zone_label
from bot.core.settings import Settings

SORRY = (
    "Sorry, something went wrong on my side. Nothing you logged is lost; "
    "please try again in a moment."
)
# When the store could not save (disk full, read-only): nothing was stored, so ask again.
CANT_SAVE = "I can't save that right now, please send it again in a little while."
LOG_EXAMPLES = '"12 10 10", "3x12 @ 16kg", "done" or "skip"'
HELP_SHORT = "Try /today for your session, /howto rdl for a how-to, or /help for everything."
NOT_YOURS = "That message belongs to someone else's plan. Send /today for yours."
NOT_UNDERSTOOD = (
    "I'm not sure what you mean. To log, reply to my session message with what you "
    f"did, e.g. {LOG_EXAMPLES}. " + HELP_SHORT
)
STALE_BUTTON = "That button is out of date, so I've left everything as it was. " + HELP_SHORT


def logged(
    speaker: str,
    name: str,
    sets: Sequence[NewSet],
    day: date,
    today: date,
    units: str,
    prescribed: bool = False,
) -> str:
    """`Logged RDL: 12, 10, 10 reps @ 16 kg.` (`speaker` names the member in a group;
    `prescribed`: no sets were typed, the plan's were logged)."""
    who = f"{speaker}: " if speaker else ""
    when = "" if day == today else f" for {fmt_day(day)}"
    if all(s.skipped for s in sets):
        return f"{who}Skipped {name}{when}. No problem."
    how = " as prescribed" if prescribed else ""
    return f"{who}Logged {name}{how}{when}: {fmt_sets(sets, units)}."


def logged_list(lines: Sequence[str], after: str) -> str:
    """Several exercises logged from one reply: one line each, then what comes next."""
    return "\n".join([*lines, after.strip()] if after.strip() else lines)


def session_done(group: bool) -> str:
    if group:
        return " That's the session done. Nice work!"
    return " That's the whole session done. Great work on the back of your body!"


def edited(names: str, new: Sequence[NewSet | SetLog], old: Sequence[SetLog], units: str) -> str:
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
        f"Sessions on {days_label(s.weekdays)} at {s.reminder_time.strftime('%H:%M')} "
        f"{zone_label(s.timezone)}."
    )


def _setting_lines(s: Settings, library: Library) -> dict[str, str]:
    """Each setting's line of /settings, by the onboarding step that changes it."""
    split = library.splits.get(s.split)
    level = library.levels.get(s.level)
    equipment = ", ".join(
        library.taxonomy.equipment[e].name
        for e in sorted(s.equipment - {"bodyweight"} or {"bodyweight"})
        if e in library.taxonomy.equipment
    )
    week = f"Week: {split.name if split else s.split} on {days_label(s.weekdays)}"
    push = f"Session push: {s.reminder_time.strftime('%H:%M')} {zone_label(s.timezone)}" + (
        " (paused)" if s.paused else ""
    )
    return {
        "level": f"Level: {level.name if level else s.level}",
        "equipment": f"Equipment: {equipment}",
        "split": week,
        "days": week,
        "length": f"Session length: about {s.session_minutes} min",
        "time": push,
        "timezone": push,
        "units": f"Units: {s.units}",
    }


def settings_text(s: Settings, library: Library, choices: str = "") -> str:
    """Every setting; `choices` is render.choices_line (swaps and avoided moves)."""
    lines = [
        *dict.fromkeys(_setting_lines(s, library).values()),
        *([choices] if choices else []),
        "",
        "Change one with /settings and the new value, e.g. /settings level advanced, "
        "/settings days mon wed fri, "
        "/settings time 06:45, /settings timezone Berlin, /settings units lb, "
        "/settings equipment dumbbells, /settings split ul4, /settings length 45, "
        "/settings avoid kb swing. "
        "Or /start to set up again.",
    ]
    return "\n".join(lines)


OPEN_A_PRIVATE_CHAT = (
    "That's personal, so I won't post it here. Open a private chat with me "
    "(tap below) and I'll answer you there."
)
OPEN_PRIVATE_CHAT = "Open private chat"
SET_UP_ANY_TIME = "Want your sessions sent to you? Send /start to set up: it takes a minute."
# What Telegram shows before someone presses Start (<= 512) and on the bot's profile (<= 120).
BOT_DESCRIPTION = (
    "Backline trains the back of your body, from neck to heels: the muscles you can't see "
    "in the mirror. Short daily sessions for your equipment and level, at your time; log by "
    "replying with what you did, and watch your progress week by week. Works in groups too."
)
BOT_SHORT_DESCRIPTION = "Daily posterior-chain training: glutes, hamstrings, back. Log by replying."
SENT_TO_PRIVATE_CHAT = "I've sent that to our private chat."


# ---------------------------------------------------------------- routing

NOT_A_COMMAND_TITLE = "Not a command"
CONTENT_MISSING = (
    "I can't read the text of your message here. Log with the /log command "
    "instead, e.g. /log rdl 12 10 10."
)
UNKNOWN_MESSAGE = (
    "I can't tell which session that message belongs to. Send /today and reply to the new one."
)
HELP_TITLE = "How Backline works"
ACK_STALE = "Out of date"
ACK_FAILED = "Something went wrong"
ACK_NOT_SAVED = "Couldn't save, try again soon"


# ---------------------------------------------------------------- the library

WHICH_EXERCISE = "Which exercise? For example: /howto rdl or /howto glute bridge."
NOT_IN_LIBRARY_TITLE = "Not in the library"
EXERCISES_TITLE = "The exercise library"


# ---------------------------------------------------------------- logging

LOG_WHAT = "Tell me what you did, e.g. /log rdl 3x10 @ 40kg."
NOTHING_TO_UNDO = "Nothing to undo: you haven't logged anything yet."
EXERCISE_GONE = "I couldn't find that exercise any more. Send /today."
BUTTON_MESSAGE_GONE = "That button belongs to a message I no longer know. Send /today."
LOGGING_PAUSED = "Okay, paused logging. Reply to the session message any time."
EDIT_KEPT = " Your earlier log is unchanged."
EDIT_UNREADABLE = "I couldn't read that edit, so your earlier log is unchanged."
REST_DAY_LOG = (
    "That was a rest day, so there's no session to log. Did some extra work? "
    'Name it and I\'ll log it as extra, e.g. "rdl 3x10 @ 40kg".'
)
REST_DAY_LOG_TODAY = (
    "Today is a rest day, so there's no session to log. Did some extra work? "
    'Name it and I\'ll log it as extra, e.g. "rdl 3x10 @ 40kg".'
)
SESSION_LOGGED_NAME_IT = (
    "Today's session is all logged. Did some extra work? "
    'Name it and I\'ll log it as extra, e.g. "glute bridge 12 12".'
)
LOG_NAME_FIRST = "Which exercise was that? Put its name first, e.g. /log rdl 12 10 10."
EXTRA_WORK = " Today is a rest day, so I logged that as extra work."
EXTRA_AFTER_SESSION = "Today's session was already done, so that counts as extra work. Nice!"
UNDO = "Undo"
ACK_UNDONE = "Undone"
ALREADY_UNDONE = "Nothing to undo there: that log was taken back already, or it isn't yours."


def as_prescribed_hint(name: str) -> str:
    """After "/log rdl" with no sets: the bot filled them in, so one tap takes them back."""
    return f"\nNot what you did? Tap Undo, or send /log {name} 12 10 10."


DAY_LOGGED = "Everything for that day is logged already. Nice!"
DAY_LOGGED_FIX = (
    "You've logged every exercise for that day. Reply to an exercise message "
    "to correct one, or send /undo."
)
NAME_THEM = ' To log several at once, name them: "rdl 3x10 @ 40kg, bridge 15 15".'
NAME_THE_EXERCISE = ' You can also name the exercise: "rdl 3x10 @ 40kg".'
LIST_NOT_LOGGED = " Nothing logged yet: send the list again with that one fixed."
BUTTON_ACKS = {"step": "Let's go", "done": "Done", "skip": "Skip", "log": "Logged"}

# Asking back when a reply might be a log ("did 2"), instead of guessing.
YES_LOG_IT = "Yes, log it"
NO = "No"
ACK_LOGGED = "Logged"
ACK_NOT_LOGGED = "Not logged"
NOT_LOGGED = 'Okay, nothing logged. When you\'re ready, reply with what you did, like "12 10 10".'
CONFIRM_EXPIRED = "That question has expired, so nothing was logged. Reply with your sets again."


def confirm_log(name: str | None, log: ParsedLog) -> str:
    """ "Log 2 reps of Glute bridge?" (`name` None: the rest of the day's session)."""
    what = name or "the rest of the session"
    if log.kind == "skip":
        return f"Skip {what}?"
    if log.kind == "done":
        return f"Log {what} as done as prescribed?"
    return f"Log {describe(log)} of {what}?"


SKIPPED_FOR_PAIN = " Rest it, and see a doctor or physio if the pain doesn't settle."
REPLACE_EARLIER = "Replace earlier"
ACK_REPLACED = "Replaced"
ALREADY_REPLACED = "That's replaced already: nothing left to change."


def added_to_earlier(name: str, earlier: Sequence[SetLog], units: str) -> str:
    """After a log from an older prompt of an exercise logged already that day."""
    return (
        f"\nAdded to what you logged earlier ({fmt_sets(earlier, units)}). "
        "Meant to fix it instead? Tap Replace earlier."
    )


def no_weight(names: Sequence[str], units: str) -> str:
    """After a log of loaded moves stored without a weight (none typed, none known yet)."""
    if not names:
        return ""
    which = "it" if len(names) == 1 else "them"
    return (
        f"\nNo weight logged for {', '.join(names)}: add {which} next time, e.g. "
        f'"3x10 @ {example_load(16, units)}", and I\'ll tell you when to go up.'
    )


def next_up(name: str) -> str:
    return f" Next up: {name}."


def rest_skipped(speaker: str, names: str) -> str:
    who = f"{speaker}: " if speaker else ""
    return f"{who}Skipped the rest of the session ({names}). Rest well."


def all_logged(speaker: str, names: Sequence[str], next_times: Sequence[tuple[str, str]]) -> str:
    """ "All done": what was logged on one line, then one line per exercise for next time."""
    who = f"{speaker}: " if speaker else ""
    lines = [
        f"{who}Logged as prescribed: {', '.join(names)}.",
        "That's the session done. Great work!",
    ]
    if next_times:
        lines += ["", "Next time:", *(f"• {name}: {what}" for name, what in next_times)]
    return "\n".join(lines)


# ---------------------------------------------------------------- setup and the self-test

WELCOME_TITLE = "Welcome to Backline"
SETUP_EXPIRED = "That setup question has expired. Send /start to begin again."
ACK_GOT_IT = "Got it"
ALL_SET_TITLE = "You're in"
PICK_AN_ANSWER = "Tap the answer that fits best."
LEVEL_KEPT = "Okay, your level stays as it is."
ACK_KEPT = "Kept"
KEEP_MY_LEVEL = "Keep my level"


def setup_understood(step: str, s: Settings, library: Library) -> str:
    """How a typed setup answer was read: "Got it. Equipment: Dumbbells, Resistance band." """
    if step == "time":  # the timezone may come next: the time alone
        line = f"Time: {s.reminder_time.strftime('%H:%M')}"
    elif step == "timezone":
        line = f"Timezone: {zone_label(s.timezone)}"
    else:
        line = _setting_lines(s, library)[step]
    return f"Got it. {line}."


def setup_title(number: int, total: int) -> str:
    return f"Setup {number}/{total}"


def all_set(plan_name: str | None, settings: Settings) -> str:
    return (
        f"All set! {plan_name or 'Your plan'}: "
        + settings_line(settings)
        + " Send /today for your first session. You can change anything with /settings."
    )


def selftest_text(intro: str, steps: Sequence[str], question: str) -> str:
    numbered = "\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1))
    return f"{intro}\n\n{numbered}\n\n{question}"


def level_from_selftest(advice: str, level_name: str) -> str:
    return f"{advice} I've set your level to {level_name}."


def level_question(advice: str, level_name: str) -> str:
    return f"{advice}\nSet your level to {level_name}?"


def take_level(level_name: str) -> str:
    return f"Yes, {level_name}"


def level_set(level_name: str) -> str:
    return f"Level set to {level_name}. Your next /today follows it."


# ---------------------------------------------------------------- settings and community

SETTINGS_TITLE = "Your settings"
SETTING_USAGE = (
    "Say which setting and the new value, e.g. /settings time 06:45 or "
    "/settings units lb. Send /settings to see them all."
)
PAUSED = "Paused: no pushes until you send /resume. /today still works."


def rest_label(seconds: int) -> str:
    return f"Rest {seconds} s"


def rest_started(seconds: int, exercise: str, set_number: int) -> str:
    return f"Resting {seconds} s. I'll ping you for set {set_number} of {exercise}."


def rest_running(left: int) -> str:
    return f"Your rest timer is already running: {left} s left."


def rest_over(exercise: str, set_number: int) -> str:
    return f"Rest over: set {set_number} of {exercise}. Reply here with what you did."


REST_WHILE_PAUSED = "Rest timers are off while you're paused. Send /resume to turn them back on."
ACK_PAUSED = "Paused"


def zone_question(zone: str, local_time: str) -> str:
    """Confirming a timezone read from a city, an abbreviation or a near miss."""
    return f"{zone_label(zone)}, it's {local_time} there now?"


PICK_ONE = "Pick one"
ZONE_YES = "Yes"
ZONE_NO = "No, another one"
ZONE_AGAIN = "No problem. Type your city or the zone's name, e.g. Lisbon or America/Chicago."
ZONE_NOT_CHANGED = (
    "OK, your timezone stays as it was. Try /settings timezone with your city or the zone's "
    "name, e.g. America/Chicago."
)


def zone_set(zone: str) -> str:
    return f"Timezone: {zone_label(zone)}."


def setting_updated(steps: Sequence[str], settings: Settings, library: Library) -> str:
    """ "Done. Session length: about 45 min.": each changed setting as it is now (a typed
    90 minutes shows the 45 it became); the schedule as one sentence."""
    lines = _setting_lines(settings, library)
    said = [
        settings_line(settings).removesuffix(".")
        if step in ("days", "time", "timezone")
        else lines[step]
        for step in steps
    ]
    return "Done. " + ". ".join(dict.fromkeys(said)) + "."


def resumed(settings: Settings) -> str:
    return "Welcome back! " + settings_line(settings)


COMMUNITY_ADMINS_ONLY = (
    "Only group admins can set up the group session. Ask an admin to send "
    "/community on 07:30 Europe/Berlin."
)
COMMUNITY_OFF = "Group session off. Everyone's personal plans carry on as before."


def community_status(on: bool) -> str:
    state = "on" if on else "off"
    return f"The group session is {state}. Use /community on 07:30 Europe/Berlin or /community off."


def community_on(settings: Settings) -> str:
    return (
        "Group session on! " + settings_line(settings) + " Each member logs for "
        "themselves by replying to the session message."
    )


ACK_NOT_YOURS = "Not yours"
ACK_DELETED = "Deleted"
