"""Replies people send after a set, each with what must be stored: a table, cheap to extend.

`r` is reps, `s` a hold in seconds; a load is `@16kg` (`@16` with no unit: the person's)."""

from __future__ import annotations

import pytest

from bot.core.parser import LogParseError, NotALog, ParsedSet, format_log, read_log


def _short(s: ParsedSet) -> str:
    what = f"{s.reps}r" if s.reps is not None else f"{s.seconds}s"
    load = f"@{s.load:g}{s.unit or ''}" if s.load else ""
    effort = f" rpe{s.rpe:g}" if s.rpe else (f" rir{s.rir}" if s.rir is not None else "")
    return what + load + effort


READS = [
    ("12 10 10", "12r 10r 10r"),
    ("3x12 @ 16kg", "12r@16kg 12r@16kg 12r@16kg"),
    ("3 sets of 12 with 16 kg", "12r@16kg 12r@16kg 12r@16kg"),
    ("did 12, 10 and 8", "12r 10r 8r"),
    ("12/10/10 @35lbs", "12r@35lb 10r@35lb 10r@35lb"),
    ("12 10 10 rpe 8", "12r 10r 10r rpe8"),
    ("actually 12 12 10", "12r 12r 10r"),
    ("45s 40s 30s", "45s 40s 30s"),
    # A time unit written after a plain list belongs to every number of it.
    ("45, 40, 30 sec", "45s 40s 30s"),
    ("60 45 30 seconds", "60s 45s 30s"),
    ("1, 1, 1 min", "60s 60s 60s"),
    ("12 12 90s rest", "12r 12r"),  # a rest, not a hold
    ("1, 5s", "1r 5s"),  # the confirmations' own form of one rep and a hold
    # Numbers written out, when the reply is nothing but numbers and set talk.
    ("ten ten eight", "10r 10r 8r"),
    ("twelve, ten, ten", "12r 10r 10r"),
    ("three sets of ten", "10r 10r 10r"),
    # The letter o typed for a zero.
    ("12 1o 10", "12r 10r 10r"),
    ("1o 1o 8", "10r 10r 8r"),
    # Both sides named: a set is both sides, counted by the weaker one.
    ("2x10 left 2x10 right", "10r 10r"),
    ("left 12 10 right 11 9", "11r 9r"),
    ("left 30s right 25s", "25s"),
    ("3x10 each side", "10r 10r 10r"),
    # Dumbbells named by their size are a load, not a hold; "w" is "with".
    ("3x12 with the 16s", "12r@16 12r@16 12r@16"),
    ("12 10 10 with my 20s", "12r@20 10r@20 10r@20"),
    ("3x10 w 20", "10r@20 10r@20 10r@20"),
    ("3x10 with 30s rest", "10r 10r 10r"),
    ("30s hold x3", "30s 30s 30s"),
    # Reps said before the sets.
    ("10 reps 3 sets", "10r 10r 10r"),
    ("12 reps for 3 sets", "12r 12r 12r"),
    # A pair of dumbbells: the load is each one's.
    ("3x10 @ 2x16kg", "10r@16kg 10r@16kg 10r@16kg"),
    ("3x10 with two 16kg dumbbells", "10r@16kg 10r@16kg 10r@16kg"),
    ("2x12 w/ 2 x 20 lb", "12r@20lb 12r@20lb"),
]


@pytest.mark.parametrize(("typed", "stored"), READS)
def test_replies_read_as_people_mean_them(typed: str, stored: str) -> None:
    reading = read_log(typed)
    assert not reading.needs_confirmation, typed
    assert " ".join(map(_short, reading.log.sets)) == stored


@pytest.mark.parametrize(
    "typed", ["one sec", "one more day", "I'll do one later", "10 o'clock", "give me five"]
)
def test_number_words_in_sentences_never_log_sets(typed: str) -> None:
    try:
        reading = read_log(typed)
    except LogParseError:
        return
    assert reading.log.kind != "sets" or reading.needs_confirmation, typed


@pytest.mark.parametrize(
    "typed", ["couldn't finish the last set", "missed the last rep", "missed a set"]
)
def test_a_missed_part_asks_for_the_sets_done_not_a_skip(typed: str) -> None:
    with pytest.raises(NotALog) as said:
        read_log(typed)
    assert said.value.reason == "partial" and "sets you did" in said.value.message


def test_reps_before_sets_is_asked_the_likely_way_round() -> None:
    reading = read_log("12x3")
    assert reading.needs_confirmation and reading.why == "reps before sets"
    assert " ".join(map(_short, reading.log.sets)) == "12r 12r 12r"
    assert not read_log("5x5").needs_confirmation


@pytest.mark.parametrize(
    ("typed", "load", "unit"),
    [
        ("done @ 16kg", 16.0, "kg"),
        ("done with 16kg", 16.0, "kg"),
        ("all done at 35 lbs", 35.0, "lb"),
        ("done @ 16", 16.0, None),  # the person's unit
        ("did it with the 20s", 20.0, None),
        ("crushed it", None, None),
        ("nailed it!", None, None),
        ("as written", None, None),
    ],
)
def test_done_as_prescribed_with_or_without_a_weight(
    typed: str, load: float | None, unit: str | None
) -> None:
    reading = read_log(typed)
    assert not reading.needs_confirmation, typed
    log = reading.log
    assert (log.kind, log.sets, log.load, log.unit) == ("done", (), load, unit)
    assert read_log(format_log(log)).log == log  # kept in a question, it reads back


def test_the_one_unit_a_reply_types_is_every_bare_loads() -> None:
    from bot.core.parser import parse_exercise_list

    typed = "rdl 3x8 @ 135, rows 3x10 @ 95lbs, hip thrusts 3x12 @ 185"
    entries = parse_exercise_list(typed)
    assert {s.unit for _, log in entries for s in log.sets} == {"lb"}
    assert {s.unit for s in read_log("10 @ 16, 10 @ 18, 8 @ 20kg").log.sets} == {"kg"}
    both = read_log("10 @ 16kg, 10 @ 40lb, 8 @ 20").log.sets  # both: bare is their own unit
    assert [s.unit for s in both] == ["kg", "lb", None]
