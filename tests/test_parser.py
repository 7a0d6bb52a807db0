"""The reply parser: every way people type a set, the JSON shape, and what it refuses."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.core.parser import (
    MAX_LOAD,
    MAX_REPS,
    MAX_SECONDS,
    MAX_SETS,
    LogParseError,
    ParsedLog,
    ParsedSet,
    parse_exercise_list,
    parse_log,
)

T = TypeVar("T")


def reps(*counts: int, load: float | None = None, unit: str | None = None) -> tuple[ParsedSet, ...]:
    return tuple(ParsedSet(r, None, load, unit) for r in counts)  # type: ignore[arg-type]


def holds(*secs: int) -> tuple[ParsedSet, ...]:
    return tuple(ParsedSet(None, s, None, None) for s in secs)


SETS_CASES = [
    # rep lists
    ("12 10 10", reps(12, 10, 10)),
    ("10/10/8", reps(10, 10, 8)),
    ("12, 10, 8", reps(12, 10, 8)),
    ("12,10,8", reps(12, 10, 8)),
    ("12-10-8", reps(12, 10, 8)),
    ("12 - 10 - 8", reps(12, 10, 8)),
    ("12", reps(12)),
    ("12 reps", reps(12)),
    # sets x reps
    ("3x12", reps(12, 12, 12)),
    ("3 x 12", reps(12, 12, 12)),
    ("3×12", reps(12, 12, 12)),
    ("3X12", reps(12, 12, 12)),
    ("3*12", reps(12, 12, 12)),
    ("3 sets of 10", reps(10, 10, 10)),
    ("3 sets x 10 reps", reps(10, 10, 10)),
    ("3 sets 10 reps", reps(10, 10, 10)),
    ("3x12 reps", reps(12, 12, 12)),
    ("10 reps x 3", reps(10, 10, 10)),
    ("3x12, 1x8", reps(12, 12, 12, 8)),
    # loads on every set
    ("3x12 @ 16kg", reps(12, 12, 12, load=16.0, unit="kg")),
    ("12 10 10 @16", reps(12, 10, 10, load=16.0)),
    ("3x10 with 24kg", reps(10, 10, 10, load=24.0, unit="kg")),
    ("3x10 at 22,5 kg", reps(10, 10, 10, load=22.5, unit="kg")),
    ("3x10 @ 22,5", reps(10, 10, 10, load=22.5)),
    ("3x10 22.5kg", reps(10, 10, 10, load=22.5, unit="kg")),
    ("3x10 35 lbs", reps(10, 10, 10, load=35.0, unit="lb")),
    ("3x10 35 lb", reps(10, 10, 10, load=35.0, unit="lb")),
    ("3x10 35lbs", reps(10, 10, 10, load=35.0, unit="lb")),
    ("3x10 35#", reps(10, 10, 10, load=35.0, unit="lb")),
    ("3x10 20 kilos", reps(10, 10, 10, load=20.0, unit="kg")),
    ("3x10x16kg", reps(10, 10, 10, load=16.0, unit="kg")),
    ("3x10x16", reps(10, 10, 10, load=16.0)),
    ("10 x 16kg", reps(10, load=16.0, unit="kg")),
    ("16kg x 10", reps(10, load=16.0, unit="kg")),
    ("16kgx10", reps(10, load=16.0, unit="kg")),
    ("with 20kg 3x10", reps(10, 10, 10, load=20.0, unit="kg")),
    ("20kg: 12 10 10", reps(12, 10, 10, load=20.0, unit="kg")),
    ("16 ㎏ 10 10", reps(10, 10, load=16.0, unit="kg")),
    # bodyweight: no load
    ("3x10 bw", reps(10, 10, 10)),
    ("3x10 bodyweight", reps(10, 10, 10)),
    ("3x10 body weight", reps(10, 10, 10)),
    ("@bw 3x10", reps(10, 10, 10)),
    ("3x10 @ 0kg", reps(10, 10, 10)),
    # holds
    ("3x30s", holds(30, 30, 30)),
    ("2x45s", holds(45, 45)),
    ("3 x 30 sec", holds(30, 30, 30)),
    ("45 sec", holds(45)),
    ("30 seconds", holds(30)),
    ("30s 30s 25s", holds(30, 30, 25)),
    ("45s x 3", holds(45, 45, 45)),
    ("1 min", holds(60)),
    ("1.5 minutes", holds(90)),
    ("1:30", holds(90)),
    ("3 sets of 20 seconds", holds(20, 20, 20)),
    # per-set loads
    ("12@16 10@18", (ParsedSet(12, None, 16.0, None), ParsedSet(10, None, 18.0, None))),
    (
        "12 @ 16kg, 10 @ 18kg",
        (ParsedSet(12, None, 16.0, "kg"), ParsedSet(10, None, 18.0, "kg")),
    ),
    ("12@16,10@18", (ParsedSet(12, None, 16.0, None), ParsedSet(10, None, 18.0, None))),
    ("12 10 @16 8 @18", (*reps(12, 10, load=16.0), *reps(8, load=18.0))),
    ("@16 12 10 @18 8", (*reps(12, 10, load=16.0), *reps(8, load=18.0))),
    ("12@16 10", reps(12, 10, load=16.0)),
    # case and filler words
    ("DID 12 10 10", reps(12, 10, 10)),
    ("did 12 10 10 felt good", reps(12, 10, 10)),
    ("3x12 @ 16kg, easy", reps(12, 12, 12, load=16.0, unit="kg")),
    ("I did 3 sets of 10 with 20kg", reps(10, 10, 10, load=20.0, unit="kg")),
    ("3x10 with my 20kg bell", reps(10, 10, 10, load=20.0, unit="kg")),
    ("done 3x12", reps(12, 12, 12)),
    ("12 on the 2nd set", reps(12)),
    ("12 10 10, 60s rest", reps(12, 10, 10)),
    ("rest 90 sec, 12 10", reps(12, 10)),
    ("12 10 10", reps(12, 10, 10)),  # "12 10 10 rpe 8" keeps its RPE now: test_parser_effort.py
    ("12 10 10, lower back tight", reps(12, 10, 10)),
    ("did 12 10 10, felt good, form solid", reps(12, 10, 10)),
    ("rdl 3x10", reps(10, 10, 10)),
    ("１２ １０", reps(12, 10)),
    ("20 " * 20, reps(*[20] * 20)),
]


@pytest.mark.parametrize(("text", "expected"), SETS_CASES)
def test_reads_sets(text: str, expected: tuple[ParsedSet, ...]) -> None:
    assert parse_log(text) == ParsedLog("sets", expected)


@pytest.mark.parametrize(
    "text",
    ["skip", "Skip", "skipped", "skipping", "pass", "not today", "Not today!", "no", "nope",
     "didn't do it", "did not get to it", "❌", "no time"],
)  # fmt: skip
def test_reads_skip(text: str) -> None:
    assert parse_log(text) == ParsedLog("skip", ())


@pytest.mark.parametrize(
    "text",
    ["done", "Done", "DONE", "done!", "did it", "Did it!", "✅", "✔️", "👍", "all done",
     "all done, felt great", "finished", "yes", "as prescribed"],
)  # fmt: skip
def test_reads_done(text: str) -> None:
    assert parse_log(text) == ParsedLog("done", ())


def test_json_shape() -> None:
    log = parse_log("12@16kg 10 bw")
    assert log.to_json() == {
        "kind": "sets",
        "sets": [
            {"reps": 12, "seconds": None, "load": 16.0, "unit": "kg"},
            {"reps": 10, "seconds": None, "load": None, "unit": None},
        ],
    }
    assert parse_log("2x45s").to_json()["sets"][0] == {
        "reps": None,
        "seconds": 45,
        "load": None,
        "unit": None,
    }
    assert parse_log("skip").to_json() == {"kind": "skip", "sets": []}
    assert parse_log("done").to_json() == {"kind": "done", "sets": []}


@pytest.mark.parametrize("text", ["3x12 @ 16kg", "skip", "done", "45 sec", "12@16 10@18 lb"])
def test_json_round_trip(text: str) -> None:
    log = parse_log(text)
    assert ParsedLog.from_json(log.to_json()) == log


REFUSED = [
    # implausible
    ("0", "0 reps"),
    ("0 reps", "0 reps"),
    ("201", "201 reps"),
    ("3x250", "250 reps"),
    ("-5", "Negative"),
    ("12, -10", "Negative"),
    ("3x12 @ -16kg", "Negative"),
    ("3x12 @ 501kg", "501 kg"),
    ("3x12 @ 1200 lb", "1200 lb"),
    ("3x12 @ 1200", "1200"),
    ("21x6", "21 sets"),
    ("0x12", "at least one set"),
    ("5 " * 21, "21 sets"),
    ("3x700s", "700s hold"),
    ("11 min", "660s hold"),
    ("12:30", "750s hold"),
    ("12.5", "whole numbers"),
    ("99999999999999999", "too big"),
    # unreadable or incomplete
    ("", "couldn't read"),
    ("pizza", "couldn't read"),
    ("felt good", "couldn't read"),
    ("kg", '"kg" but no number'),
    ("3x12 kg kg", '"kg" but no number'),
    ("16kg", "how many reps"),
    ("@ bw", "how many reps"),
    ("3x12 @", '"@" but no weight'),
    ("3 sets", "3 sets of how many"),
    ("3x", '"3x" what'),
    ("x12", '"x"'),
    ("12 10 @16 @18", "no sets to go with"),
    # ambiguous
    ("skipped 12 10", "skip it, or do some sets"),
    ("skipped, done", "skip it or finish it"),
    ("rdl 3x10, bridge 15 15 15", "more than one exercise (rdl, bridge)"),
]


@pytest.mark.parametrize(("text", "why"), REFUSED)
def test_refuses_with_a_friendly_example(text: str, why: str) -> None:
    with pytest.raises(LogParseError) as caught:
        parse_log(text)
    message = caught.value.message
    assert why in message
    assert message == str(caught.value)
    assert '"' in message.replace(why, "")  # shows something that works, in plain quotes
    assert "`" not in message  # no markdown: it would show as-is on both platforms
    assert len(message) < 160


def test_unreadable_message_lists_what_works() -> None:
    with pytest.raises(LogParseError) as caught:
        parse_log("banana bread")
    assert '"12 10 10"' in caught.value.message
    assert '"3x12 @ 16kg"' in caught.value.message
    assert '"skip"' in caught.value.message


LIST_CASES = [
    (
        "rdl 3x10 @ 40kg, bridge 15 15 15",
        [
            ("rdl", "sets", reps(10, 10, 10, load=40.0, unit="kg")),
            ("bridge", "sets", reps(15, 15, 15)),
        ],
    ),
    (
        "single leg bridge 10 10, kb swing 20 20 20",
        [("single leg bridge", "sets", reps(10, 10)), ("kb swing", "sets", reps(20, 20, 20))],
    ),
    (
        "Single-Leg RDL 12, 10, 8; superman 3x30s",
        [("single-leg rdl", "sets", reps(12, 10, 8)), ("superman", "sets", holds(30, 30, 30))],
    ),
    (
        "rdl 3x10 @ 22,5 kg, good mornings 12 12",
        [
            ("rdl", "sets", reps(10, 10, 10, load=22.5, unit="kg")),
            ("good mornings", "sets", reps(12, 12)),
        ],
    ),
    (
        "rdl 3x10, felt easy, bridge 15",
        [("rdl", "sets", reps(10, 10, 10)), ("bridge", "sets", reps(15))],
    ),
    ("rdl skip, bridge", [("rdl", "skip", ()), ("bridge", "done", ())]),
    ("rdl not today; bridge ✅", [("rdl", "skip", ()), ("bridge", "done", ())]),
    (
        "rdl\nbridge 15 15 15\n- pull ups 5 5 5",
        [
            ("rdl", "done", ()),
            ("bridge", "sets", reps(15, 15, 15)),
            ("pull ups", "sets", reps(5, 5, 5)),
        ],
    ),
    (
        "rdl 3x10 and bridge 15 15",
        [("rdl", "sets", reps(10, 10, 10)), ("bridge", "sets", reps(15, 15))],
    ),
    ("bodyweight single leg rdl 10 10", [("bodyweight single leg rdl", "sets", reps(10, 10))]),
    ("rdl bw 10 10", [("rdl", "sets", reps(10, 10))]),
    (
        "rdl: 3x10 @ 40\nbridge: done",
        [("rdl", "sets", reps(10, 10, 10, load=40.0)), ("bridge", "done", ())],
    ),
    ("t-bar row 3x8", [("t-bar row", "sets", reps(8, 8, 8))]),
    ("rdl each side", [("rdl", "done", ())]),
    (
        "hip thrusts 3x10 60kg; calf raises 20 20 20",
        [
            ("hip thrusts", "sets", reps(10, 10, 10, load=60.0, unit="kg")),
            ("calf raises", "sets", reps(20, 20, 20)),
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), LIST_CASES)
def test_reads_exercise_lists(
    text: str, expected: list[tuple[str, str, tuple[ParsedSet, ...]]]
) -> None:
    got = parse_exercise_list(text)
    assert [(name, log.kind, log.sets) for name, log in got] == expected


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("3x10, bridge 15", 'Which exercise was "3x10"'),
        ("", "Tell me what you did"),
        ("rdl 3x10 @ 1000kg, bridge 10", "rdl: 1000 kg"),
        ("rdl 3x10, bridge kg", 'bridge: I see "kg"'),
    ],
)
def test_exercise_list_refusals(text: str, why: str) -> None:
    with pytest.raises(LogParseError) as caught:
        parse_exercise_list(text)
    assert why in caught.value.message
    assert '"' in caught.value.message
    assert "`" not in caught.value.message


# --- properties ---------------------------------------------------------------------------

_PIECES = st.sampled_from(
    ["12", "10", "3", "0", "-", "-5", "x", "×", "*", "@", "kg", "lb", "lbs", "#", "s", "sec",
     "min", "bw", "sets", "of", "reps", ",", "/", ";", ":", ".", "22,5", "1.5", "16kg", "3x",
     "x12", "30s", "1:30", "skip", "done", "did it", "not", "with", "at", "\n", "✅", "250",
     "9999999", "body", "weight", "rest", "rpe", "2nd", "rdl", "and", "e", "٣", "½", "²"]
)  # fmt: skip
_MIXES = st.lists(st.one_of(_PIECES, st.text(max_size=3)), max_size=14).map(
    lambda parts: " ".join(parts)
)
_GLUED = st.lists(_PIECES, max_size=10).map("".join)


def _check_bounds(log: ParsedLog) -> None:
    if log.kind != "sets":
        assert log.sets == ()
        return
    assert 1 <= len(log.sets) <= MAX_SETS
    for s in log.sets:
        assert (s.reps is None) != (s.seconds is None)
        if s.reps is not None:
            assert isinstance(s.reps, int)
            assert 1 <= s.reps <= MAX_REPS
        if s.seconds is not None:
            assert isinstance(s.seconds, int)
            assert 1 <= s.seconds <= MAX_SECONDS
        if s.load is None:
            assert s.unit is None
        else:
            assert 0 < s.load <= MAX_LOAD[s.unit or "lb"]
            assert s.unit in (None, "kg", "lb")


def _parsed_or_none(parse: Callable[[str], T], text: str) -> T | None:
    """The parse, or None after checking a refusal is a LogParseError with a message."""
    try:
        return parse(text)
    except LogParseError as err:
        assert err.message
        return None


@given(st.one_of(st.text(), _MIXES, _GLUED))
def test_parse_log_only_raises_log_parse_error_and_stays_in_bounds(text: str) -> None:
    log = _parsed_or_none(parse_log, text)
    if log is not None:
        _check_bounds(log)
        assert ParsedLog.from_json(log.to_json()) == log


@given(st.one_of(st.text(), _MIXES, _GLUED))
def test_parse_exercise_list_only_raises_log_parse_error(text: str) -> None:
    entries = _parsed_or_none(parse_exercise_list, text)
    if entries is None:
        return
    assert entries
    for name, log in entries:
        assert name
        assert name == name.strip()
        _check_bounds(log)


@given(
    st.lists(st.integers(1, MAX_REPS), min_size=1, max_size=MAX_SETS),
    st.sampled_from([" ", "/", ", ", "-", ","]),
)
def test_any_rep_list_reads_back(counts: list[int], sep: str) -> None:
    assert parse_log(sep.join(map(str, counts))) == ParsedLog("sets", reps(*counts))


@given(
    st.integers(1, MAX_SETS),
    st.integers(1, MAX_REPS),
    st.decimals(min_value="0.5", max_value="500", places=1),
    st.sampled_from(["kg", " kg", "lb", " lbs", "#"]),
    st.sampled_from(["x", " x ", "×"]),
)
def test_any_sets_by_reps_with_load_reads_back(
    sets: int, count: int, load: object, unit: str, times: str
) -> None:
    assume(not (sets > 6 and count <= 5))  # "12x3" is read reps first (and asked)
    text = f"{sets}{times}{count} @ {load}{unit}"
    expected_unit = "kg" if "kg" in unit else "lb"
    assert parse_log(text) == ParsedLog(
        "sets", reps(*[count] * sets, load=float(str(load)), unit=expected_unit)
    )
