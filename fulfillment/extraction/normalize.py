"""Text as the extractor reads it: ASCII digits, bounded length, same character offsets."""

from __future__ import annotations

import re
import unicodedata

# All decimal digits Unicode defines lie in the first two planes.
_LAST_DIGIT_PLANE = 0x1FFFF

# Every decimal digit of every script (Devanagari, Arabic-Indic, full-width, ...) to ASCII.
# One character becomes one character, so offsets in the normalized text are offsets in the
# original and a span can be shown to the customer as they typed it.
DIGITS = {
    code: str(unicodedata.decimal(chr(code)))
    for code in range(_LAST_DIGIT_PLANE + 1)
    if unicodedata.category(chr(code)) == "Nd" and not chr(code).isascii()
}
# Look-alike punctuation that customers' keyboards produce inside order numbers.
PUNCTUATION = {
    ord("\uff03"): "#",  # full-width number sign
    ord("\uff0d"): "-",  # full-width hyphen-minus
    ord("\u2010"): "-",  # hyphen
    ord("\u2011"): "-",  # non-breaking hyphen
    ord("\u2012"): "-",  # figure dash
    ord("\u2013"): "-",  # en dash
    ord("\u00a0"): " ",  # no-break space
    ord("\u202f"): " ",  # narrow no-break space
}
TABLE = str.maketrans({**DIGITS, **PUNCTUATION})


def _character_class(codes: list[int]) -> str:
    """A regular-expression class of these code points, consecutive ones as ranges."""
    ranges: list[list[int]] = []
    for code in sorted(codes):
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return (
        "["
        + "".join(
            re.escape(chr(first))
            if first == last
            else f"{re.escape(chr(first))}-{re.escape(chr(last))}"
            for first, last in ranges
        )
        + "]"
    )


# Text with none of the characters TABLE changes (most text) is left as it is: looking for
# one costs a tenth of translating, which looks each character up in TABLE, a Python dict.
# The class holds TABLE's characters of the first plane and, as one range, every character
# beyond it (a class with ranges there is tried range by range, ten times slower): one of
# those is rare, and only means translating.
MAY_CHANGE = re.compile(
    _character_class([code for code in TABLE if code <= 0xFFFF])[:-1] + "\U00010000-\U0010ffff]"
)


def normalize(text: str, limit: int) -> str:
    """Cut to `limit` characters (before any costly work) and make digits ASCII."""
    text = text[:limit]
    return text.translate(TABLE) if MAY_CHANGE.search(text) else text
