"""Order numbers from free text: designers' formats over the text, spaCy tokens for context.

Formats are matched as regular expressions over the whole text, because tokenization differs
by language (a hyphenated number is one token in es/pt and five in en/de/fr); each match is
then mapped onto spaCy tokens, where cue words found by a PhraseMatcher give the context.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import spacy
from spacy.matcher import PhraseMatcher

from fulfillment.extraction.distractors import (
    CLOCK_WORDS,
    CURRENCY_SIGNS,
    Distractor,
    DistractorFinder,
    month_names,
)
from fulfillment.extraction.french import import_french
from fulfillment.extraction.normalize import normalize
from fulfillment.extraction.spec import LANGUAGES, ExtractionSpec, Vocabulary
from fulfillment.i18n.locales import parse_language_code

GENERIC = "xx"  # spaCy's multi-language tokenizer, for every language without its own
CUE_WINDOW = 6  # how many words before a number a cue word still counts
_YEAR = re.compile(r"(?:19|20)\d{2}")
# What counts as a word between a cue and a number: letters or digits, not punctuation.
_WORD = re.compile(r"[^\W_]+")


def _count_words(text: str, start: int, end: int) -> int:
    """How many words stand in text[start:end]; spaces and punctuation do not count."""
    return len(_WORD.findall(text, start, end)) if end > start else 0


CONTEXT_KINDS = {"phone_cues": "phone", "tracking_cues": "tracking", "postcode_cues": "postcode"}
# Words right next to a number that make it something else, and on which side they stand.
NEIGHBOUR_KINDS = {
    "currency": ("price", "both"),
    "quantity": ("quantity", "after"),
    "month": ("date", "both"),
    "clock": ("time", "after"),
}


@functools.cache
def blank_pipeline(language: str) -> Any:
    """What spacy.blank(language) makes, a tokenizer-only pipeline; shared by every app."""
    if language == "fr":
        import_french()  # spaCy's French, without the 4 s its import takes by itself
    # The language class builds the vocabulary and tokenizer from spaCy's default config, as
    # spacy.blank does after filling and validating that whole config first (for components
    # a blank pipeline does not have): 20-30 ms less a language.
    return spacy.util.get_lang_class(language)()


@dataclass(slots=True, eq=False)  # candidates are compared by identity
class Candidate:
    start: int
    end: int
    text: str
    value: str
    format: str
    score: float = 0.0
    strong: bool = False
    taken: bool = False
    joined: bool = False
    reasons: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Extraction:
    text: str
    language: str
    candidates: list[Candidate]

    @property
    def order_ids(self) -> list[str]:
        return [c.value for c in self.candidates if c.taken]


def _vocabulary_words(vocabulary: Vocabulary, category: str, language: str) -> list[str]:
    table: dict[str, list[str]] = getattr(vocabulary, category)
    if language == GENERIC:
        return [w for words in table.values() for w in words]
    return [*table.get("any", []), *table.get(language, [])]


class _Language:
    """One language's tokenizer and its matcher for cue words and distractor words."""

    def __init__(self, language: str, vocabulary: Vocabulary) -> None:
        self.nlp = blank_pipeline(language)
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        words = {
            "order": _vocabulary_words(vocabulary, "order_cues", language),
            "marker": _vocabulary_words(vocabulary, "markers", language),
            **{
                label: _vocabulary_words(vocabulary, c, language)
                for c, label in CONTEXT_KINDS.items()
            },
            "currency": [
                *CURRENCY_SIGNS,
                *_vocabulary_words(vocabulary, "currency_words", language),
            ],
            "quantity": _vocabulary_words(vocabulary, "quantity_words", language),
            "month": month_names(LANGUAGES if language == GENERIC else (language,)),
            "clock": CLOCK_WORDS,
        }
        for label, entries in words.items():
            if entries:
                self.matcher.add(label, [self.nlp.make_doc(w) for w in sorted(_spellings(entries))])

    def cues(self, doc: Any) -> list[tuple[str, int, int]]:
        """(label, start, end) of each cue word found, as character offsets in the text."""
        strings = self.nlp.vocab.strings
        found = []
        for key, start, end in self.matcher(doc):
            last = doc[end - 1]
            found.append((strings[key], doc[start].idx, last.idx + len(last)))
        return found


def _spellings(words: Iterable[str]) -> set[str]:
    """Each word as written, lower-cased and capitalized, with and without a final period.

    The tokenizer splits differently by case and period ("Nr." is one German token, "nr."
    is not), and the matcher compares tokens, so every spelling is a pattern of its own.
    """
    return {
        form
        for word in words
        for bare in (word.rstrip(".") or word,)
        for variant in (bare, bare + ".")
        for form in (variant, variant.lower(), variant.capitalize())
    }


class Extractor:
    def __init__(self, spec: ExtractionSpec, max_orders: int = 3, max_chars: int = 1000) -> None:
        self.spec = spec
        self.max_orders = max_orders
        self.max_chars = max_chars
        self._formats = {fmt.name: fmt for fmt in spec.formats}
        # One pass over the text for all formats. At a given position the first alternative
        # wins, so distinctive formats go first ("112-1234567-1234567" before "\d{6}").
        ordered = sorted(spec.formats, key=lambda fmt: not fmt.distinctive)
        self._names = {f"f{i}": fmt.name for i, fmt in enumerate(ordered)}
        alternatives = "|".join(rf"(?P<f{i}>{fmt.pattern})" for i, fmt in enumerate(ordered))
        # Last: digit groups split by spaces, joined later when a cue word precedes them.
        alternatives += r"|(?P<spaced>\d{1,4}(?:\s\d{1,4}){1,4})"
        # The boundaries stand outside the alternation: tried once per position, not per format.
        self._any_format = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)
        self._full = [(fmt, re.compile(fmt.pattern, re.IGNORECASE)) for fmt in spec.formats]
        self._language_cache: dict[str, str] = {}
        self._distractors = DistractorFinder()
        self._languages = {lang: _Language(lang, spec.words) for lang in (*LANGUAGES, GENERIC)}

    def language_for(self, language_code: str | None) -> str:
        code = language_code or ""
        language = self._language_cache.get(code)
        if language is None:
            locale = parse_language_code(code)
            language = locale.language if locale and locale.language in LANGUAGES else GENERIC
            if len(self._language_cache) < 4096:  # codes come from strangers: bounded
                self._language_cache[code] = language
        return language

    def matches_format(self, value: str) -> bool:
        return any(pattern.fullmatch(value) for _, pattern in self._full)

    def extract(self, text: str, language_code: str | None) -> Extraction:
        language = self.language_for(language_code)
        text = text[: self.max_chars]
        normalized = text if text.isascii() else normalize(text, self.max_chars)
        candidates: list[Candidate] = []
        spaced: list[re.Match[str]] = []
        for m in self._any_format.finditer(normalized):
            if m.lastgroup == "spaced":
                spaced.append(m)
            else:
                start, end = m.span()
                value = m.group().lstrip("#").upper()
                candidates.append(
                    Candidate(start, end, text[start:end], value, self._names[str(m.lastgroup)])
                )
        if not candidates and not spaced:
            # Nothing shaped like an order number: no tokens needed to say so.
            return Extraction(text, language, [])
        tools = self._languages[language]
        cues = tools.cues(tools.nlp.make_doc(normalized))
        if spaced:
            candidates = self._join_spaced(text, normalized, spaced, cues, candidates)
        for candidate in candidates:
            distractors = self._distractors.around(normalized, candidate.start, candidate.end)
            self._judge(candidate, normalized, cues, distractors)
        self._choose(candidates)
        return Extraction(text, language, candidates)

    def _join_spaced(
        self,
        text: str,
        normalized: str,
        spaced: list[re.Match[str]],
        cues: list[tuple[str, int, int]],
        candidates: list[Candidate],
    ) -> list[Candidate]:
        """Voice channels write "order number 748 596": join digit groups right after a cue."""
        cue_ends = [end for label, _, end in cues if label in ("order", "marker")]
        for match in spaced:
            if not any(
                end <= match.start() and _count_words(normalized, end, match.start()) == 0
                for end in cue_ends
            ):
                continue
            joined = re.sub(r"\s", "", match.group())
            fmt_name = next((f.name for f, p in self._full if p.fullmatch(joined)), None)
            if fmt_name:
                candidate = Candidate(
                    match.start(), match.end(), text[match.start() : match.end()], joined, fmt_name
                )
                candidate.joined = True
                candidate.reasons.append("digit groups after a cue word, joined")
                candidates.append(candidate)
        # Keep the longest match where matches overlap.
        candidates.sort(key=lambda c: (c.start, -(c.end - c.start)))
        kept: list[Candidate] = []
        for candidate in candidates:
            if not kept or candidate.start >= kept[-1].end:
                kept.append(candidate)
        return kept

    def _judge(
        self,
        candidate: Candidate,
        text: str,
        cues: list[tuple[str, int, int]],
        distractors: list[Distractor],
    ) -> None:
        fmt = self._formats[candidate.format]
        start, end = candidate.start, candidate.end
        before: list[tuple[int, str, int, int]] = []  # (words between, label, start, end)
        order_after = False
        for label, cue_start, cue_end in cues:
            if cue_end <= start:
                distance = _count_words(text, cue_end, start)
                if distance < CUE_WINDOW:
                    before.append((distance, label, cue_start, cue_end))
                if cue_end == start or text[cue_end:start].isspace():
                    kind, side = NEIGHBOUR_KINDS.get(label, ("", ""))
                    if side == "both":
                        candidate.reasons.append(
                            f"looks like a {kind} ({text[cue_start:cue_end]!r} next to it)"
                        )
                        return
            elif cue_start >= end:
                if label == "order" and _count_words(text, end, cue_start) < 3:
                    order_after = True
                if cue_start == end or text[end:cue_start].isspace():
                    kind, side = NEIGHBOUR_KINDS.get(label, ("", ""))
                    if side:
                        candidate.reasons.append(
                            f"looks like a {kind} ({text[cue_start:cue_end]!r} next to it)"
                        )
                        return
        for distractor in distractors:
            if candidate.joined and distractor.kind == "phone number":
                continue
            candidate.reasons.append(f"looks like a {distractor.kind} ({distractor.text!r})")
            return
        before.sort()
        nearest = before[0] if before else None
        adjacent_cue = nearest is not None and nearest[0] == 0 and nearest[1] in ("order", "marker")
        if _YEAR.fullmatch(candidate.text) and not adjacent_cue:
            candidate.reasons.append("looks like a year")
            return
        if nearest and nearest[1] in CONTEXT_KINDS.values():
            candidate.reasons.append(f"follows {nearest[1]} cue {text[nearest[2] : nearest[3]]!r}")
            return
        candidate.score = 2.0 if fmt.distinctive else 1.0
        if fmt.distinctive:
            candidate.strong = True
            candidate.reasons.append(f"distinctive format {fmt.name!r}")
        for distance, label, cue_start, cue_end in before:
            words = text[cue_start:cue_end]
            if label == "marker" and distance == 0:
                candidate.score += 3
                candidate.strong = True
                candidate.reasons.append(f"marker {words!r} right before it")
            elif label == "order":
                candidate.score += max(3 - 0.5 * distance, 0.5)
                candidate.strong = True
                candidate.reasons.append(f"cue word {words!r} {distance} word(s) before it")
                break
        if not candidate.strong and order_after:
            candidate.score += 1
            candidate.strong = True
            candidate.reasons.append("cue word right after it")
        if not candidate.strong:
            candidate.reasons.append(f"matches format {fmt.name!r} but has no cue word")

    def _choose(self, candidates: list[Candidate]) -> None:
        if len(candidates) == 1:  # the usual case, without the bookkeeping below
            candidates[0].taken = candidates[0].score > 0
            return
        viable = [c for c in candidates if c.score > 0]
        strong = [c for c in viable if c.strong]
        if strong:
            chosen = strong
            passed_over = "not taken: a number with a cue word or distinctive format is present"
        else:
            chosen = [max(viable, key=lambda c: (c.score, -c.start))] if viable else []
            passed_over = "not taken: a better candidate is present"
        seen: set[str] = set()
        for candidate in chosen:
            if candidate.value in seen:
                candidate.reasons.append("same order number as an earlier one")
            elif len(seen) >= self.max_orders:
                candidate.reasons.append(
                    f"more than {self.max_orders} order numbers in one message"
                )
            else:
                seen.add(candidate.value)
                candidate.taken = True
        if len(chosen) < len(viable):
            for candidate in viable:
                if candidate not in chosen:
                    candidate.reasons.append(passed_over)
