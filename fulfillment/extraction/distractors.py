"""Numbers that are not order numbers: phones, dates, times, prices, quantities and the like.

Two kinds. Word-shaped ones ("2 items", "$ 49", "12 March", "10 am") are found on spaCy tokens:
the words are cue words of the extractor's PhraseMatcher (DISTRACTOR_WORDS). Separator-shaped
ones (555-123-4567, 12.03.2025, 14:30, 49,99, 01310-100) are found here, with regular
expressions run only on the run of digits and separators around a candidate: a candidate
standing alone between words cannot be part of one, and most are alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from babel.dates import get_month_names

from fulfillment.extraction.normalize import TOUCHING, TOUCHING_UNSPACED


def separated(touching: str) -> dict[str, str]:
    """The separator-shaped distractors, each not inside a word or a hyphenated code: not
    touching `touching` (normalize.TOUCHING; in languages written without spaces,
    TOUCHING_UNSPACED: kanji and kana right against it are no word of it, "電話090-1234-5678")."""
    b = rf"(?<!{touching})"
    e = rf"(?!{touching})"
    return {
        "phone number": (
            rf"{b}(?:\(\d{{2,5}}\)[\s.-]?)?\d{{2,5}}(?:[\s.-]\d{{2,5}}){{2,4}}{e}"
            rf"|(?<![\w+])\+\d{{1,3}}(?:[\s.-]?\(?\d{{1,5}}\)?)(?:[\s.-]?\d{{2,8}}){{1,4}}{e}"
            rf"|{b}\(\d{{2,5}}\)\s?\d{{3,5}}[\s.-]?\d{{3,5}}{e}"
        ),
        "date": (
            rf"{b}\d{{1,4}}[./-]\d{{1,2}}[./-]\d{{1,4}}{e}"
            rf"|{b}\d{{1,2}}[./]\d{{1,2}}(?![\w/.-]?\d)"
        ),
        "time": rf"{b}\d{{1,2}}[:h]\d{{2}}(?!\d)",
        "amount": rf"{b}\d+(?:[.,\s]\d{{3}})*[.,]\d{{2}}{e}",
        "postcode": rf"{b}\d{{5}}-\d{{3}}{e}",
    }


SEPARATED = separated(TOUCHING)
ADDRESSES: dict[str, str] = {
    "e-mail address": r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    "web address": r"(?:https?://|www\.)\S+",
}
# Characters a separator-shaped number is made of.
_NUMERIC_CHARS = "0123456789 .,:/()+-"
_EDGES = " .,:;!?"
_SOFT = frozenset(_NUMERIC_CHARS) & frozenset(_EDGES)  # " .,:": stripped off a run
_HARD = frozenset(_NUMERIC_CHARS) - _SOFT  # digits and "/()+-"


def month_names(languages: Iterable[str]) -> list[str]:
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
    def __init__(self, unspaced: bool = False) -> None:
        """`unspaced`: for languages written without spaces (normalize.TOUCHING_UNSPACED)."""
        patterns = separated(TOUCHING_UNSPACED) if unspaced else SEPARATED
        self._separated = [(kind, re.compile(p)) for kind, p in patterns.items()]
        self._addresses = [(kind, re.compile(p)) for kind, p in ADDRESSES.items()]

    def addresses(self, text: str) -> list[Distractor]:
        """E-mail and web addresses anywhere in the text (found once, for every candidate)."""
        if "@" in text or "://" in text or "www." in text:
            return [
                Distractor(m.start(), m.end(), kind, m.group())
                for kind, pattern in self._addresses
                for m in pattern.finditer(text)
            ]
        return []

    def around(
        self, text: str, start: int, end: int, addresses: list[Distractor] | None = None
    ) -> list[Distractor]:
        """Separator-shaped distractors, then addresses, that could contain text[start:end].

        `addresses` is what addresses(text) returns, when the caller has it already.
        """
        found: list[Distractor] = []
        if not self.alone(text, start, end):
            # The run of digits and separators the candidate stands in, and one character
            # more on the right, so that a look-ahead sees what really follows.
            left = len(text[:start].rstrip(_NUMERIC_CHARS))
            stop = min(len(text) - len(text[end:].lstrip(_NUMERIC_CHARS)) + 1, len(text))
            found += [
                Distractor(m.start(), m.end(), kind, m.group())
                for kind, pattern in self._separated
                for m in pattern.finditer(text, left, stop)
            ]
        found += self.addresses(text) if addresses is None else addresses
        if not found:
            return found
        return [d for d in found if d.start < end and start < d.end]

    @staticmethod
    def alone(text: str, start: int, end: int) -> bool:
        """True when the candidate's run of digits and separators, stripped of _EDGES, is
        the candidate itself: no separator-shaped number can then contain it.

        That is so when the run goes on, on either side, with edge characters only (" .,:")
        and the candidate neither starts nor ends with one; walking over those few
        characters costs less than cutting the text around the candidate.
        """
        if text[start] in _EDGES or text[end - 1] in _EDGES:
            return False
        i = start
        while i and text[i - 1] in _SOFT:
            i -= 1
        if i and text[i - 1] in _HARD:
            return False
        j, n = end, len(text)
        while j < n and text[j] in _SOFT:
            j += 1
        return j == n or text[j] not in _HARD
