"""Numbers typed by people, in any script: bot.core.numerals and where the core reads them.

Decimal digits of any script (full-width, Arabic-Indic, Persian, Devanagari...) are digits;
superscripts, circled numbers, fractions and Roman numerals are refused with a friendly line,
never guessed and never a crash (`str.isdigit` accepts "²" and `int` then raises).
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.numerals import NumeralError, ascii_digits, odd_numeral, read_int
from bot.core.parser import LogParseError, ParsedLog, ParsedSet, parse_log
from tests import test_conversation as conversation
from tests.test_conversation import text_of
from tests.test_export_forget import log_a_week
from tests.test_progress_reports import Member

clock = conversation.clock
env = conversation.env

ODD = ["²", "³", "¹", "⁴", "₂", "①", "⑫", "⓵", "➊", "½", "¼", "⅓", "Ⅻ", "ⅳ", "〇"]
# Every decimal digit Unicode knows, grouped by script: all of them read as 0-9.
DECIMAL_ZEROS = [
    chr(c)
    for c in range(0x110000)
    if unicodedata.category(chr(c)) == "Nd" and unicodedata.decimal(chr(c)) == 0
]


def test_decimal_digits_of_every_script_read_as_ascii() -> None:
    assert len(DECIMAL_ZEROS) > 50
    for zero in DECIMAL_ZEROS:
        digits = "".join(chr(ord(zero) + d) for d in (1, 2))
        assert ascii_digits(digits) == "12", hex(ord(zero))
        assert read_int(digits) == 12


@pytest.mark.parametrize(
    ("text", "value"),
    [("12", 12), ("１２", 12), ("١٢", 12), ("۱۲", 12), ("१२", 12), ("০৯", 9), (" 7 ", 7), ("0", 0)],
)
def test_read_int(text: str, value: int) -> None:
    assert read_int(text) == value


@pytest.mark.parametrize(
    "text", ["", "²", "2²", "①", "½", "1½", "Ⅻ", "-2", "+2", "2.5", "12a", "two", "1 2", "三"]
)
def test_read_int_refuses_anything_else(text: str) -> None:
    assert read_int(text) is None


@pytest.mark.parametrize("glyph", ODD)
def test_odd_numerals_are_named_not_guessed(glyph: str) -> None:
    assert odd_numeral(f"3x1{glyph}") == glyph
    with pytest.raises(NumeralError) as caught:
        ascii_digits(f"3x1{glyph}")
    assert f'"{glyph}"' in caught.value.message
    with pytest.raises(LogParseError) as parsed:
        parse_log(f"3x1{glyph}")
    assert glyph in parsed.value.message
    assert "`" not in parsed.value.message


def test_cjk_numeral_letters_are_letters() -> None:
    assert odd_numeral("三") is None  # a letter (Lo) that happens to have a value
    assert ascii_digits("三 12") == "三 12"


def test_other_scripts_log_like_ascii() -> None:
    three_by_twelve = ParsedLog("sets", (ParsedSet(12, None, 16.0, "kg"),) * 3)
    for text in ["3x12 @ 16kg", "３x１２ @ １６kg", "٣x١٢ @ ١٦kg", "३x१२ @ १६kg", "۳x۱۲ @ ۱۶kg"]:
        assert parse_log(text) == three_by_twelve, text
    assert parse_log("٢٢٫٥kg x 10") == ParsedLog("sets", (ParsedSet(10, None, 22.5, "kg"),))


@given(st.lists(st.integers(1, 200), min_size=1, max_size=20), st.sampled_from(DECIMAL_ZEROS))
def test_rep_lists_in_any_script(counts: list[int], zero: str) -> None:
    def script(n: int) -> str:
        return "".join(chr(ord(zero) + int(d)) for d in str(n))

    got = parse_log(" ".join(map(script, counts)))
    assert got == ParsedLog("sets", tuple(ParsedSet(c, None, None, None) for c in counts))


@given(st.text(alphabet=st.characters(categories=["Nd", "No", "Nl", "Zs"]), max_size=12))
def test_numerals_never_raise_anything_else(text: str) -> None:
    value = read_int(text)
    assert value is None or value >= 0
    try:
        ascii_digits(text)
    except NumeralError as err:
        assert err.glyph in text


# --- where the core reads numbers from people -------------------------------------------


@pytest.mark.parametrize(
    "command", ["/history ²", "/history edit ² 10", "/history delete ²", "/history ①"]
)
async def test_history_numbers_with_odd_numerals_get_an_answer(env, clock, command: str) -> None:
    coach, _ = env
    ann = Member(coach, "ann")
    await log_a_week(ann, clock)
    reply = text_of(await ann.say(command))
    assert "/history" in reply  # says what works instead of crashing


async def test_history_reads_digits_of_other_scripts(env, clock) -> None:
    coach, _ = env
    ann = Member(coach, "ann")
    await log_a_week(ann, clock)
    assert text_of(await ann.say("/history ١")) == text_of(await ann.say("/history 1"))
    reply = await ann.say("/history edit ٥ 12 12 11")
    assert "Updated Romanian deadlift (dumbbells)" in text_of(reply)
