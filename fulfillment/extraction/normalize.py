"""Text as the extractor reads it: ASCII digits, bounded length, same character offsets."""

from __future__ import annotations

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


def normalize(text: str, limit: int) -> str:
    """Cut to `limit` characters (before any costly work) and make digits ASCII."""
    return text[:limit].translate(TABLE)
