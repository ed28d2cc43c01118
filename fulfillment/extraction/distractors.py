"""Numbers that are not order numbers: phones, dates, times, prices, quantities and the like.

Two kinds. Word-shaped ones ("2 items", "$ 49", "12 March", "10 am") are found on spaCy tokens:
the words are cue words of the extractor's PhraseMatcher (DISTRACTOR_WORDS). Separator-shaped
ones (555-123-4567, 12.03.2025, 14:30, 49,99, 01310-100) are found here, with regular
expressions run only on the run of digits and separators around a candidate: a candidate
standing alone between words cannot be part of one, and most are alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from babel.dates import get_month_names

from fulfillment.extraction.spec import LANGUAGES

_B = r"(?<![\w-])"  # not inside a word or a hyphenated code
_E = r"(?![\w-])"

SEPARATED: dict[str, str] = {
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
        + r"\d{1,2}[./]\d{1,2}(?![\w/.-]?\d)"
    ),
    "time": _B + r"\d{1,2}[:h]\d{2}(?!\d)",
    "amount": _B + r"\d+(?:[.,\s]\d{3})*[.,]\d{2}" + _E,
    "postcode": _B + r"\d{5}-\d{3}" + _E,
}
ADDRESSES: dict[str, str] = {
    "e-mail address": r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    "web address": r"(?:https?://|www\.)\S+",
}
# Characters a separator-shaped number is made of.
_NUMERIC = frozenset("0123456789 .,:/()+-")
_EDGES = " .,:;!?"


def month_names(languages: tuple[str, ...] = LANGUAGES) -> list[str]:
    """Every month name and abbreviation of these languages, from Babel's CLDR data."""
    names: set[str] = set()
    for language in languages:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                names.update(get_month_names(width, context, locale=language).values())
    return sorted(names)


# Word-shaped distractors: words right next to a number that make it something else.
CLOCK_WORDS = ["am", "pm", "a.m.", "p.m.", "uhr", "h", "hrs", "baje", "बजे"]
CURRENCY_SIGNS = ["$", "€", "£", "₹", "¥", "r$", "rs", "rs."]


@dataclass(frozen=True, slots=True)
class Distractor:
    start: int
    end: int
    kind: str
    text: str


class DistractorFinder:
    def __init__(self) -> None:
        self._separated = [(kind, re.compile(p)) for kind, p in SEPARATED.items()]
        self._addresses = [(kind, re.compile(p)) for kind, p in ADDRESSES.items()]

    def around(self, text: str, start: int, end: int) -> list[Distractor]:
        """Separator-shaped distractors that could contain text[start:end]."""
        left, right = start, end
        while left > 0 and text[left - 1] in _NUMERIC:
            left -= 1
        while right < len(text) and text[right] in _NUMERIC:
            right += 1
        found: list[Distractor] = []
        if text[left:right].strip(_EDGES) != text[start:end]:
            # One character more on the right lets a look-ahead see what really follows.
            stop = min(right + 1, len(text))
            found += [
                Distractor(m.start(), m.end(), kind, m.group())
                for kind, pattern in self._separated
                for m in pattern.finditer(text, left, stop)
            ]
        if "@" in text or "://" in text or "www." in text:
            found += [
                Distractor(m.start(), m.end(), kind, m.group())
                for kind, pattern in self._addresses
                for m in pattern.finditer(text)
            ]
        return [d for d in found if d.start < end and start < d.end]
