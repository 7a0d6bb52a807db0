"""The one place numbers typed by people are read: which Unicode numerals count as digits.

`str.isdigit` says yes to "²" and "①" and then `int()` raises, so nothing else in the core
should decide this. The rule, by Unicode category:

* Decimal digits (category Nd: ASCII, full-width "１２", Arabic-Indic "١٢", Persian "۱۲",
  Devanagari "१२", and the other scripts' 0-9) are real digits: they become ASCII.
* Other numerals (categories No and Nl: superscripts "²", subscripts "₂", circled "①",
  vulgar fractions "½", Roman numerals "Ⅻ", keycap-less dingbats "➊") are not numbers we
  read. They are rarely typed on purpose, and guessing "½" or "²" would log something the
  person didn't mean, so the reader says so in one friendly sentence instead.
* Letters that are also numerals in some script (the CJK "三") stay letters.
"""

from __future__ import annotations

import re
import unicodedata

# Arabic decimal and thousands separators typed between Arabic-Indic digits.
_SEPARATORS = str.maketrans({"\u066b": ".", "\u066c": ","})
_WHOLE = re.compile(r"[0-9]+")


class NumeralError(ValueError):
    """A numeral we won't guess at. `message` is ready to show the person."""

    def __init__(self, glyph: str) -> None:
        self.glyph = glyph
        self.message = (
            f'I can\'t read "{glyph}" as a number. Please type plain digits, like 2 or 12.'
        )
        super().__init__(self.message)


def odd_numeral(text: str) -> str | None:
    """The first numeral in `text` that is not a decimal digit ("²", "①", "½"), if any."""
    for ch in text:
        if unicodedata.category(ch) in ("No", "Nl"):
            return ch
    return None


def ascii_digits(text: str) -> str:
    """`text` with every decimal digit in ASCII. Raises NumeralError on an odd numeral."""
    glyph = odd_numeral(text)
    if glyph is not None:
        raise NumeralError(glyph)
    if text.isascii():
        return text
    out = []
    for ch in text.translate(_SEPARATORS):
        value = unicodedata.decimal(ch, None) if not ch.isascii() else None
        out.append(str(value) if value is not None else ch)
    return "".join(out)


def read_int(text: str) -> int | None:
    """A whole non-negative number typed on its own ("12", "１２", "١٢"), else None.

    None also for odd numerals ("²"), signs, decimals and words, so callers only ever see an
    int they can trust or nothing.
    """
    try:
        plain = ascii_digits(text.strip())
    except NumeralError:
        return None
    return int(plain) if _WHOLE.fullmatch(plain) else None


# Number words, for replies written out in full ("ten ten eight", "three sets of ten").
NUMBER_WORDS: dict[str, int] = {
    word: n
    for n, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
} | {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60}
# The only other words such a reply may hold: anything else ("this one", "one day") is prose,
# and its number words stay words.
# Time words are left out: "one sec" means "wait".
_SET_TALK = frozenset(
    {"sets", "set", "reps", "rep", "of", "x", "and", "then", "did", "kg", "kgs", "kilos", "lb",
     "lbs", "pounds", "with", "at", "each", "per", "side", "bw", "bodyweight", "rounds"}
)  # fmt: skip
_WORD = re.compile(r"[a-z]+")


def number_words_as_digits(folded: str) -> str:
    """ "ten ten eight" -> "10 10 8" when the reply is only numbers and set talk."""
    words = _WORD.findall(folded)
    if not any(w in NUMBER_WORDS for w in words) or not all(
        w in NUMBER_WORDS or w in _SET_TALK for w in words
    ):
        return folded
    return _WORD.sub(lambda m: str(NUMBER_WORDS.get(m.group(), m.group())), folded)
