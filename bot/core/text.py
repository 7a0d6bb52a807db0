"""Text normalisation shared by the reply parser and the exercise lookup."""

from __future__ import annotations

import unicodedata

# Dashes and minus signs people (and phone keyboards) type instead of "-".
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-",
                         "\u2014": "-", "\u2015": "-", "\u2212": "-", "\u2019": "'",
                         "\u2018": "'", "\u02bc": "'"})  # fmt: skip


def fold(text: str) -> str:
    """Casefold, drop accents and map compatibility forms to plain ones.

    NFKD turns fullwidth digits into ASCII digits and "㎏" into "kg"; typographic dashes
    become "-" and curly apostrophes "'", so the rest of the code only sees one spelling.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.casefold().translate(_DASHES)
