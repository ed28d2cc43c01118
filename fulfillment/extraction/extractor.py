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

from fulfillment.extraction.distractors import DistractorFinder
from fulfillment.extraction.normalize import normalize
from fulfillment.extraction.spec import LANGUAGES, ExtractionSpec, Vocabulary
from fulfillment.i18n.locales import parse_language_code

GENERIC = "xx"  # spaCy's multi-language tokenizer, for every language without its own
CUE_WINDOW = 6  # how many words before a number a cue word still counts
CONTEXT_KINDS = {"phone_cues": "phone", "tracking_cues": "tracking", "postcode_cues": "postcode"}
_SPACED_DIGITS = re.compile(r"(?<![\w-])\d{1,4}(?:\s\d{1,4}){1,4}(?![\w-])")


@functools.cache
def blank_pipeline(language: str) -> Any:
    """A tokenizer-only pipeline; shared by every app in the process (fr takes seconds)."""
    return spacy.blank(language)


@dataclass(slots=True)
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


def _words(vocabulary: Vocabulary, category: str, language: str) -> list[str]:
    table: dict[str, list[str]] = getattr(vocabulary, category)
    if language == GENERIC:
        return [w for words in table.values() for w in words]
    return [*table.get("any", []), *table.get(language, [])]


class _Language:
    """One language's tokenizer and cue-word matcher."""

    def __init__(self, language: str, vocabulary: Vocabulary) -> None:
        self.nlp = blank_pipeline(language)
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        categories = {"order_cues": "order", "markers": "marker", **CONTEXT_KINDS}
        for category, label in categories.items():
            words = _words(vocabulary, category, language)
            # "Tel" and "Tel." tokenize differently by language; accept both spellings.
            # Case matters to the tokenizer ("Nr." is an abbreviation in German, "nr." is not).
            spellings = {
                form
                for word in words
                for bare in (word.rstrip(".") or word,)
                for variant in (bare, bare + ".")
                for form in (variant, variant.lower(), variant.capitalize())
            }
            if spellings:
                self.matcher.add(label, [self.nlp.make_doc(w) for w in sorted(spellings)])

    def cues(self, doc: Any) -> list[tuple[str, int, int]]:
        strings = self.nlp.vocab.strings
        return [(strings[key], start, end) for key, start, end in self.matcher(doc)]


class Extractor:
    def __init__(self, spec: ExtractionSpec, max_orders: int = 3, max_chars: int = 1000) -> None:
        self.spec = spec
        self.max_orders = max_orders
        self.max_chars = max_chars
        self._formats = [
            (fmt, re.compile(rf"(?<![\w-])(?:{fmt.pattern})(?![\w-])", re.IGNORECASE))
            for fmt in spec.formats
        ]
        self._full = [(fmt, re.compile(fmt.pattern, re.IGNORECASE)) for fmt in spec.formats]
        words = spec.words
        self._distractors = DistractorFinder(
            _words(words, "quantity_words", GENERIC), _words(words, "currency_words", GENERIC)
        )
        self._languages = {lang: _Language(lang, words) for lang in (*LANGUAGES, GENERIC)}

    def language_for(self, language_code: str | None) -> str:
        locale = parse_language_code(language_code or "")
        return locale.language if locale and locale.language in LANGUAGES else GENERIC

    def matches_format(self, value: str) -> bool:
        return any(pattern.fullmatch(value) for _, pattern in self._full)

    def extract(self, text: str, language_code: str | None) -> Extraction:
        language = self.language_for(language_code)
        text = text[: self.max_chars]
        normalized = normalize(text, self.max_chars)
        tools = self._languages[language]
        doc = tools.nlp.make_doc(normalized)
        cues = tools.cues(doc)
        candidates = self._candidates(text, normalized, doc, cues)
        distractors = self._distractors.find(normalized)
        for candidate in candidates:
            self._judge(candidate, doc, cues, distractors)
        self._choose(candidates)
        return Extraction(text, language, candidates)

    def _candidates(
        self, text: str, normalized: str, doc: Any, cues: list[tuple[str, int, int]]
    ) -> list[Candidate]:
        found: list[Candidate] = []
        for fmt, pattern in self._formats:
            for match in pattern.finditer(normalized):
                value = match.group().lstrip("#").upper()
                found.append(
                    Candidate(
                        match.start(), match.end(), text[slice(*match.span())], value, fmt.name
                    )
                )
        # Voice channels write "order number 748 596": join digit groups right after a cue.
        cue_ends = {end for label, _, end in cues if label in ("order", "marker")}
        for match in _SPACED_DIGITS.finditer(normalized):
            span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
            if span is None or not ({span.start, span.start - 1} & cue_ends):
                continue
            joined = re.sub(r"\s", "", match.group())
            fmt_name = next((f.name for f, p in self._full if p.fullmatch(joined)), None)
            if fmt_name:
                candidate = Candidate(
                    match.start(), match.end(), text[slice(*match.span())], joined, fmt_name
                )
                candidate.joined = True
                candidate.reasons.append("digit groups after a cue word, joined")
                found.append(candidate)
        # Keep the longest match where matches overlap ("#1001" over "1001").
        found.sort(key=lambda c: (c.start, -(c.end - c.start)))
        kept: list[Candidate] = []
        for candidate in found:
            if kept and candidate.start < kept[-1].end:
                continue
            kept.append(candidate)
        return kept

    def _judge(
        self,
        candidate: Candidate,
        doc: Any,
        cues: list[tuple[str, int, int]],
        distractors: Iterable[Any],
    ) -> None:
        fmt = next(f for f, _ in self._formats if f.name == candidate.format)
        span = doc.char_span(candidate.start, candidate.end, alignment_mode="expand")
        first, last = (span.start, span.end) if span is not None else (0, 0)

        def words_between(start: int, end: int) -> int:
            return sum(1 for token in doc[start:end] if not token.is_punct)

        before = [
            (words_between(end, first), label, doc[start:end].text)
            for label, start, end in cues
            if end <= first and words_between(end, first) < CUE_WINDOW
        ]
        after = [
            (words_between(last, start), label, doc[start:end].text)
            for label, start, end in cues
            if start >= last and words_between(last, start) < 3
        ]
        nearest = min(before, default=None)
        for distractor in distractors:
            if distractor.start < candidate.end and candidate.start < distractor.end:
                if candidate.joined and distractor.kind == "phone number":
                    continue
                if distractor.kind == "year" and nearest and nearest[0] == 0:
                    continue
                candidate.reasons.append(f"looks like a {distractor.kind} ({distractor.text!r})")
                return
        if nearest and nearest[1] in CONTEXT_KINDS.values():
            candidate.reasons.append(f"follows {nearest[1]} cue {nearest[2]!r}")
            return
        candidate.score = 2.0 if fmt.distinctive else 1.0
        if fmt.distinctive:
            candidate.strong = True
            candidate.reasons.append(f"distinctive format {fmt.name!r}")
        for distance, label, words in sorted(before):
            if label == "marker" and distance == 0:
                candidate.score += 3
                candidate.strong = True
                candidate.reasons.append(f"marker {words!r} right before it")
            elif label == "order":
                candidate.score += max(3 - 0.5 * distance, 0.5)
                candidate.strong = True
                candidate.reasons.append(f"cue word {words!r} {distance} word(s) before it")
                break
        if not candidate.strong and any(label == "order" for _, label, _ in after):
            candidate.score += 1
            candidate.strong = True
            candidate.reasons.append("cue word right after it")
        if not candidate.strong:
            candidate.reasons.append(f"matches format {fmt.name!r} but has no cue word")

    def _choose(self, candidates: list[Candidate]) -> None:
        viable = [c for c in candidates if c.score > 0]
        strong = [c for c in viable if c.strong]
        chosen = strong or sorted(viable, key=lambda c: (-c.score, c.start))[:1]
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
        for candidate in viable:
            if candidate not in chosen:
                candidate.reasons.append(
                    "not taken: a number with a cue word or distinctive format is present"
                    if strong
                    else "not taken: a better candidate is present"
                )
