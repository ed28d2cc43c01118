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
# Full-width forms of ASCII (U+FF01-U+FF5E: Japanese and Chinese keyboards type digits,
# letters, "#", "-", ":" and parentheses so) read as ASCII: an order number "ORD-58213" typed
# full-width is found as ORD-58213, and the times and phone numbers around it are told.
FULL_WIDTH = {code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}
# Look-alike punctuation that customers' keyboards produce inside order numbers and the
# numbers around them.
PUNCTUATION = {
    ord("\u3000"): " ",  # ideographic space, the Japanese keyboard's space
    ord("\uffe5"): "\u00a5",  # full-width yen sign
    ord("\u066b"): ".",  # Arabic decimal separator: 49.99 written in Arabic-Indic digits
    ord("\u066c"): ",",  # Arabic thousands separator
    ord("\u2010"): "-",  # hyphen
    ord("\u2011"): "-",  # non-breaking hyphen
    ord("\u2012"): "-",  # figure dash
    ord("\u2013"): "-",  # en dash
    ord("\u00a0"): " ",  # no-break space
    ord("\u202f"): " ",  # narrow no-break space
}
TABLE = str.maketrans({**DIGITS, **FULL_WIDTH, **PUNCTUATION})


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


# Letters of scripts written without spaces between words, as ranges of a regular-expression
# class: Chinese characters (kanji, with the iteration mark and the kanji zero, U+3005-U+3007),
# hiragana, and katakana in full and half width.
KANJI = "\u3005-\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
HIRAGANA = "\u3041-\u309f"
KATAKANA = "\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"
# A number written right against them ("注文番号748596の") stands apart from them as a number
# between spaces does.
UNSPACED_LETTERS = KANJI + HIRAGANA + KATAKANA
# What a number must not touch, on either side, to stand alone (a regular expression of one
# character): a letter, digit or underscore, or a hyphen ("A-10023" is not "10023").
TOUCHING = r"[\w-]"
# The same where the language is written without spaces: but for kanji and kana.
TOUCHING_UNSPACED = rf"[^\W{UNSPACED_LETTERS}]|-"
