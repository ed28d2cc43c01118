"""Numbers that are not order numbers: phones, dates, times, prices, quantities and the like.

Each is found as a character span over the normalized text; a candidate overlapping one is
dropped. Month names come from Babel's CLDR data, so every language's dates are covered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from babel.dates import get_month_names

from fulfillment.extraction.spec import LANGUAGES

_B = r"(?<![\w-])"  # left boundary: not inside a word or a hyphenated code
_E = r"(?![\w-])"


def _alternatives(words: Iterable[str]) -> str:
    unique = sorted({w.strip().lower().rstrip(".") for w in words if w.strip()}, key=len)
    return "|".join(re.escape(w) for w in reversed(unique))


def _month_names() -> list[str]:
    names: list[str] = []
    for language in LANGUAGES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                names += get_month_names(width, context, locale=language).values()
    return names


MONTHS = _alternatives(_month_names())

FIXED_PATTERNS: dict[str, str] = {
    "e-mail address": r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    "web address": r"(?:https?://|www\.)\S+",
    "phone number": (
        _B
        + r"(?:\(\d{2,5}\)[\s.-]?)?\d{2,5}(?:[\s.-]\d{2,5}){2,4}"
        + _E
        + r"|(?<![\w+])\+\d{1,3}(?:[\s.-]?\(?\d{1,5}\)?)(?:[\s.-]?\d{2,8}){1,4}"
        + _E
        + r"|"
        + _B
        + r"\(\d{2,5}\)\s?\d{3,5}[\s.-]?\d{3,5}"
        + _E
    ),
    "date": (
        _B
        + r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}"
        + _E
        + r"|"
        + _B
        + r"\d{1,2}[./]\d{1,2}"
        + r"(?![\w/.-]?\d)"
        + r"|"
        + _B
        + rf"\d{{1,2}}(?:st|nd|rd|th|\.|º|er)?\s+(?:de\s+)?(?:{MONTHS})\.?"
        + r"(?:\s+(?:de\s+)?\d{2,4})?(?!\w)"
        + r"|"
        + rf"(?<!\w)(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
        + _E
    ),
    "time": (
        _B
        + r"\d{1,2}[:h]\d{2}(?:\s*(?:am|pm|a\.m\.|p\.m\.|uhr|hrs|h))?"
        + r"(?!\w)"
        + r"|"
        + _B
        + r"\d{1,2}\s*(?:am|pm|a\.m\.|p\.m\.|uhr|baje|बजे)(?!\w)"
    ),
    "amount": _B + r"\d{1,3}(?:[.,\s]\d{3})*[.,]\d{2}" + _E,
    "parcel tracking number": (
        r"(?<!\w)1Z[0-9A-Z]{16}(?!\w)"
        + r"|(?<!\w)[A-Z]{2}\d{9}[A-Z]{2}(?!\w)"
        + r"|(?<![\w-])\d{13,}(?![\w-])"
    ),
    "postcode": r"(?<![\w-])\d{5}-\d{3}(?![\w-])|(?<!\w)[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}(?!\w)",
    "year": r"(?<![\w#-])(?:19|20)\d{2}(?![\w-])",
}


@dataclass(frozen=True, slots=True)
class Distractor:
    start: int
    end: int
    kind: str
    text: str


class DistractorFinder:
    def __init__(self, quantity_words: Iterable[str], currency_words: Iterable[str]) -> None:
        patterns = dict(FIXED_PATTERNS)
        currencies = _alternatives(["$", "€", "£", "₹", "¥", "r$", "rs", *currency_words])
        number = r"\d[\d.,]*"
        patterns["price"] = (
            rf"(?<!\w)(?:{currencies})\s?{number}|{_B}{number}\s?(?:{currencies})(?!\w)"
        )
        quantities = _alternatives(quantity_words)
        patterns["quantity"] = (
            rf"{_B}\d{{1,4}}\s*(?:x|\u00d7)(?!\w)|(?<!\w)(?:x|\u00d7)\s?\d{{1,4}}{_E}"
            + (rf"|{_B}\d{{1,5}}\s+(?:{quantities})(?!\w)" if quantities else "")
        )
        self._patterns = [
            (kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in patterns.items()
        ]

    def find(self, text: str) -> list[Distractor]:
        return [
            Distractor(match.start(), match.end(), kind, match.group())
            for kind, pattern in self._patterns
            for match in pattern.finditer(text)
        ]
