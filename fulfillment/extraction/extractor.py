"""Order numbers from free text: designers' formats over the text, spaCy tokens for context.

Formats are matched as regular expressions over the whole text, because tokenization differs
by language (a hyphenated number is one token in es/pt and five in en/de/fr); each match is
then mapped onto spaCy tokens, where cue words found by a PhraseMatcher give the context.

Most of the work is skipped where it provably changes nothing: text without a digit has no
candidate when every format needs one (digit_lead reads that from the patterns), and the
search starts a few characters before the first digit; cue words come from the chunks of
text spaCy has tokenized before (cues.CueFinder), exactly as the PhraseMatcher would find them
on a Doc; a number standing alone between words is not searched for phones and dates.

Digits spelled out as words (spelled.py) are looked for only where those same two searches,
for the first digit and for the formats, also meet a number word where a run of them could
be; a text with neither a digit nor such a word is still answered after one search.

Start-up: each language's tokenizer and words take 0.05-0.3 s to build (spaCy's affix
regular expressions, its tokenizer exceptions), and importing spaCy takes most of a second
(imports.py). A lazy extractor (Extractor(lazy=True), what the service builds) builds a
language when it is first asked for (`build`, `extract`), or when `warm_up` gets to it (the
service builds its default language at start-up and runs `warm_up` in a thread right after);
spaCy is imported when the first language is built, not with this module.
"""

from __future__ import annotations

import functools
import importlib
import importlib.machinery
import importlib.util
import os
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from fulfillment.errors import ConfigurationError
from fulfillment.extraction.cues import CueFinder
from fulfillment.extraction.distractors import (
    CLOCK_WORDS,
    CURRENCY_SIGNS,
    Distractor,
    DistractorFinder,
    month_names,
)
from fulfillment.extraction.french import import_french
from fulfillment.extraction.imports import import_spacy
from fulfillment.extraction.normalize import (
    HIRAGANA,
    KANJI,
    KATAKANA,
    MAY_CHANGE,
    TABLE,
    TOUCHING,
    TOUCHING_UNSPACED,
)
from fulfillment.extraction.spec import ANY, ExtractionSpec, Tokenizer, Vocabulary
from fulfillment.extraction.spelled import (
    Run,
    SpelledDigitFinder,
    number_words,
    shortest_digits,
)

# spaCy's multi-language tokenizer, with every language's words: for languages the designers'
# data does not name (the languages it names come from it: ExtractionSpec.languages).
GENERIC = "xx"
CUE_WINDOW = 6  # how many words before a number a cue word still counts
_YEAR = re.compile(r"(?:19|20)\d{2}")
# What counts as a word between a cue and a number: letters or digits, not punctuation.
_WORD = re.compile(r"[^\W_]+")


_DIGIT = re.compile(r"\d")
_SPACE = re.compile(r"\s")


def _count_words(text: str, start: int, end: int) -> int:
    """How many words stand in text[start:end]; spaces and punctuation do not count."""
    return len(_WORD.findall(text, start, end)) if end > start else 0


def _count_words_but_numbers(text: str, start: int, end: int) -> int:
    """_count_words, numbers not counted: in Turkish "748596 ve 748597 numarali siparislerim"
    (the cue word after the numbers), two words stand between the first number and the cue."""
    return sum(not word.isdigit() for word in _WORD.findall(text, start, end))


def digit_lead(pattern: str, flags: int = 0) -> int | None:
    """How many characters a match can have before its first digit; None: maybe no digit.

    Read from the pattern's syntax tree (the `re` module's own parser). A sequence needs a
    digit when one of its items does; an item does when it is a digit (`\\d`, `[0-9]`, `7`),
    a group whose content does, a repetition, at least once, of something that does, or an
    alternation all of whose branches do. The lead is the most the items before that one can
    match (unbounded: len(text), so no bound) plus that item's own lead. Anything else
    (look-arounds, back-references, another Python's parser) counts as "maybe no digit",
    which only turns the fast paths off.
    """
    try:
        parser: Any = importlib.import_module("re._parser")
        parsed = parser.parse(pattern, flags)
        return _lead(parsed, parsed.state, parser)
    except Exception:  # a parser unlike 3.11's: no fast path, same results
        return None


_UNBOUNDED = 2**62  # a lead that bounds nothing


def _lead(items: Any, state: Any, parser: Any) -> int | None:
    before = 0
    for op, value in items:
        lead = _item_lead(str(op), value, state, parser)
        if lead is not None:
            return min(before + lead, _UNBOUNDED)
        most = parser.SubPattern(state, [(op, value)]).getwidth()[1]
        before += _UNBOUNDED if most >= parser.MAXREPEAT else most
    return None


def _item_lead(op: str, value: Any, state: Any, parser: Any) -> int | None:
    if op in ("LITERAL", "IN"):
        return 0 if _digits_only(op, value) else None
    if op == "SUBPATTERN":
        return _lead(value[-1], state, parser)
    if op == "ATOMIC_GROUP":
        return _lead(value, state, parser)
    if op == "BRANCH":
        leads = [_lead(branch, state, parser) for branch in value[1]]
        return None if None in leads else max(lead for lead in leads if lead is not None)
    if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        least, _, item = value
        return _lead(item, state, parser) if least >= 1 else None
    return None


def _digits_only(op: str, value: Any) -> bool:
    """True when this character (set) matches decimal digits only."""
    if op == "LITERAL":
        return bool(ord("0") <= value <= ord("9"))
    if op == "RANGE":
        return bool(ord("0") <= value[0] and value[1] <= ord("9"))
    if op == "CATEGORY":
        return str(value) == "CATEGORY_DIGIT"
    if op == "IN":  # a set: every member a digit; a negated set has a NEGATE member
        return bool(value) and all(_digits_only(str(o), v) for o, v in value)
    return False


CONTEXT_KINDS = {"phone_cues": "phone", "tracking_cues": "tracking", "postcode_cues": "postcode"}
# Words right next to a number that make it something else, and on which side they stand.
NEIGHBOUR_KINDS = {
    "currency": ("price", "both"),
    "quantity": ("quantity", "after"),
    "month": ("date", "both"),
    "clock": ("time", "after"),
}
# The same, as the two lookups _judge makes: cue label -> kind, by side.
_NEXT_TO_IT_BEFORE = {
    label: kind for label, (kind, side) in NEIGHBOUR_KINDS.items() if side == "both"
}
_CONTEXT_LABELS = frozenset(CONTEXT_KINDS.values())
_NEXT_TO_IT_AFTER = {label: kind for label, (kind, side) in NEIGHBOUR_KINDS.items() if side}


# Languages are built one at a time, by whichever thread needs one first (a request, the
# warm-up), under this lock: a request for a language being built waits for it rather than
# building it again. One lock for all, as spaCy's pipelines are shared by every extractor.
_BUILDING = threading.RLock()


def blank_pipeline(language: str) -> Any:
    """What spacy.blank(language) makes, a tokenizer-only pipeline; shared by every app."""
    with _BUILDING:
        return _blank_pipeline(language)


@functools.cache
def _blank_pipeline(language: str) -> Any:
    import_spacy()  # when first needed, not with this module; without spaCy's command line
    from spacy.util import get_lang_class

    if language == "fr":
        import_french()  # spaCy's French, without the 4 s its import takes by itself
    # The language class builds the vocabulary and tokenizer from spaCy's default config, as
    # spacy.blank does after filling and validating that whole config first (for components
    # a blank pipeline does not have): 20-30 ms less a language.
    return get_lang_class(language)()


# Where the script changes, for the "scripts" tokenizer: a kanji, hiragana or katakana next to
# a character of another script (or a digit, a Latin letter, a sign). Zero-width: spaCy cuts
# the text there and adds no token ("注文番号748596の" is 注文番号, 748596, の).
SCRIPT_CHANGE = "|".join(
    rf"(?<=[{script}])(?=[^{script}])|(?<=[^{script}])(?=[{script}])"
    for script in (KANJI, HIRAGANA, KATAKANA)
)


def script_pipeline() -> Any:
    """spaCy's multi-language pipeline whose tokenizer also cuts where the script changes,
    for languages written without spaces between words; shared by every app."""
    with _BUILDING:
        return _script_pipeline()


@functools.cache
def _script_pipeline() -> Any:
    import_spacy()
    from spacy.util import compile_infix_regex, get_lang_class

    nlp = get_lang_class(GENERIC)()
    tokenizer: Any = nlp.tokenizer
    infixes = [*(nlp.Defaults.infixes or ()), SCRIPT_CHANGE]
    tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    return nlp


# spaCy's languages whose tokenizer is a package's rather than spaCy's own rules (SudachiPy,
# mecab-ko, PyThaiNLP, pyvi, jieba): building one fails when that package is missing. A lazy
# extractor builds these at once, so that the mistake is still told at start-up. (The
# languages whose spacy/lang/<language> registers a tokenizer; a test compares.)
PACKAGE_TOKENIZERS = frozenset({"ja", "ko", "th", "vi", "zh"})


def has_own_tokenizer(language: str) -> bool:
    """True when spaCy has a tokenizer for the language (spacy/lang/<language>).

    Looked for in spaCy's folder, as the import system would, without importing spaCy
    (importlib.util.find_spec("spacy.lang.sv") would): that takes a second of start-up, spent
    when a language is first built instead."""
    return importlib.machinery.PathFinder.find_spec(language, spacy_lang_folders()) is not None


@functools.cache
def spacy_lang_folders() -> list[str]:
    """Where spacy.lang's modules are, found without importing spaCy."""
    spec = importlib.util.find_spec("spacy")  # a top-level package: found, not imported
    if spec is None or not spec.submodule_search_locations:
        return []
    return [os.path.join(folder, "lang") for folder in spec.submodule_search_locations]


def tokenizer_of(spec: ExtractionSpec, language: str) -> Tokenizer:
    """The tokenizer a language's text is read with: the designers' choice, else spaCy's for
    the language where spaCy has one, else the multi-language one."""
    chosen = spec.tokenizers.get(language)
    if chosen is not None:
        return chosen
    return "language" if has_own_tokenizer(language) else "generic"


def pipeline(language: str, tokenizer: Tokenizer) -> Any:
    """The spaCy pipeline that reads a language's text."""
    if tokenizer == "scripts":
        return script_pipeline()
    if tokenizer == "generic":
        return blank_pipeline(GENERIC)
    try:
        return blank_pipeline(language)
    except ImportError as exc:  # spaCy's Japanese needs SudachiPy, its Korean mecab-ko, ...
        raise ConfigurationError(
            f"extraction.tokenizers.{language}: spaCy's tokenizer for {language!r} needs "
            f"packages that are not installed ({exc}); set it to generic or scripts"
        ) from None


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
    spelled: bool = False  # digits written as words
    reasons: list[str] = field(default_factory=list)


def _add_spelled(candidates: list[Candidate], spelled: list[Candidate]) -> list[Candidate]:
    """The candidates and the spelled-out ones, in order; where a spelled-out one overlaps
    a number written in digits ("seven 748596"), the number written in digits is kept."""
    if not candidates:
        return spelled
    spelled = [
        s for s in spelled if not any(c.start < s.end and s.start < c.end for c in candidates)
    ]
    return sorted([*candidates, *spelled], key=lambda c: c.start) if spelled else candidates


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
    return [*table.get(ANY, []), *table.get(language, [])]


@functools.cache
def _distractors(touching: str) -> DistractorFinder:
    """The finder of separator-shaped distractors for a kind of boundary, shared; made when
    a language first needs it (30 ms for languages written without spaces)."""
    return DistractorFinder(unspaced=touching == TOUCHING_UNSPACED)


class _Language:
    """One language's tokenizer and the cue words and distractor words found on its tokens,
    and its number words (None: no digits spelled out in this language)."""

    def __init__(
        self,
        language: str,
        nlp: Any,
        vocabulary: Vocabulary,
        alternatives: list[str],
        touching: str,
        spelled: SpelledDigitFinder | None,
        months: list[str],
    ) -> None:
        self.nlp = nlp
        self.spelled = spelled
        self.runs = spelled.runs if spelled is not None else _no_runs
        # Every format (the alternatives, one group each), standing alone: not touching
        # `touching` on either side (a letter or digit, or a hyphen; in languages written
        # without spaces, not kanji or kana), but for a prefix word before it (the generic
        # tokenizer's unnamed languages: only those for "any").
        prefixes = (
            vocabulary.number_prefixes.get(ANY, [])
            if language == GENERIC
            else _vocabulary_words(vocabulary, "number_prefixes", language)
        )
        before = _standing_alone(touching, prefixes)
        self.any_format = re.compile(
            rf"{before}(?:{'|'.join(alternatives)})(?!{touching})", re.IGNORECASE
        )
        # The two searches every text gets: `first` for the first digit, and `scan` for the
        # formats from there (`any_format`; `formats` are its alternatives, each with the
        # boundary after it). With number words, both also find where a run of them may
        # be: `first` a number word right after a space or hyphen before any digit (a
        # match with a group), `scan` one where a word starts, not after a hyphen (a match
        # without a group, after the formats: a format starting there comes first).
        self.first = _DIGIT
        self.scan = self.any_format
        formats = "|".join(f"{alternative}(?!{touching})" for alternative in alternatives)
        if spelled is not None:
            word = spelled.word_start
            # Branches that each start with one character: the search skips to the next
            # space, hyphen or digit as fast as it skips to the next digit. (Digits are
            # ASCII in the normalized text: 0-9 is \d there.)
            self.first = re.compile(
                "|".join([f" {word}(?P<space>)", f"-{word}(?P<hyphen>)", *"0123456789"])
            )
            self.scan = re.compile(rf"{before}(?:{formats}|(?-i:{word}))", self.any_format.flags)
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
            "month": months,
            "clock": CLOCK_WORDS,
        }
        # Phones, dates and amounts around a number, with the same boundaries.
        self.distractors = _distractors(touching)
        self.cues = CueFinder(
            self.nlp, {label: sorted(_spellings(entries)) for label, entries in words.items()}
        )


def _standing_alone(touching: str, prefixes: list[str]) -> str:
    """A look-behind: where a number may start. Not right after `touching`, or right after
    one of the prefixes written as a word of its own (Arabic و "and": "و٧٤٨٥٩٧")."""
    if not prefixes:
        return f"(?<!{touching})"
    by_length: dict[int, list[str]] = {}  # a look-behind has one width
    for prefix in sorted(set(prefixes)):
        by_length.setdefault(len(prefix), []).append(re.escape(prefix))
    after = "|".join(rf"(?<=(?<!\w)(?:{'|'.join(words)}))" for words in by_length.values())
    return f"(?:(?<!{touching})|{after})"


def _no_runs(text: str) -> list[Run]:
    return []


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
    def __init__(
        self,
        spec: ExtractionSpec,
        max_orders: int = 3,
        max_chars: int = 1000,
        *,
        lazy: bool = False,
    ) -> None:
        """`lazy`: build each language's tokenizer and words when first needed (`extract`,
        `warm_up`) instead of now; those whose tokenizer may need a package that is missing
        (PACKAGE_TOKENIZERS) are built now all the same, so that this raises as it would."""
        self.spec = spec
        self.max_orders = max_orders
        self.max_chars = max_chars
        self._formats = {fmt.name: fmt for fmt in spec.formats}
        self._reason_distinctive = {name: f"distinctive format {name!r}" for name in self._formats}
        self._reason_no_cue = {
            name: f"matches format {name!r} but has no cue word" for name in self._formats
        }
        # One pass over the text for all formats. At a given position the first alternative
        # wins, so distinctive formats go first ("112-1234567-1234567" before "\d{6}").
        ordered = sorted(spec.formats, key=lambda fmt: not fmt.distinctive)
        self._names: dict[str | None, str] = {f"f{i}": fmt.name for i, fmt in enumerate(ordered)}
        alternatives = [rf"(?P<f{i}>{fmt.pattern})" for i, fmt in enumerate(ordered)]
        # Last: digit groups split by spaces, joined later when a cue word precedes them.
        alternatives.append(r"(?P<spaced>\d{1,4}(?:\s\d{1,4}){1,4})")
        # The boundaries stand outside the alternation: tried once per position, not per format.
        # (Each language has its own, _Language.any_format: this one, or, for languages written
        # without spaces, one that lets kanji and kana touch the number.)
        self._any_format = re.compile(
            rf"(?<!{TOUCHING})(?:{'|'.join(alternatives)})(?!{TOUCHING})", re.IGNORECASE
        )
        # When every match has a digit (the shop's formats all do), a text without one is
        # answered at once, and the search starts at most this far before the first digit.
        self._digit_lead = digit_lead(self._any_format.pattern, re.IGNORECASE)
        self._full = [(fmt, re.compile(fmt.pattern, re.IGNORECASE)) for fmt in spec.formats]
        # Every entity value is checked against the formats: one search for all of them.
        # (Formats have no capturing groups or inline flags, so they join, as above.)
        self._any_full = re.compile(
            "|".join(f"(?:{fmt.pattern})" for fmt in spec.formats), re.IGNORECASE
        ).fullmatch
        # The languages the designers' data names, each with its tokenizer, and the generic
        # one for every other language, with every language's words.
        languages = spec.languages
        tokenizers = {language: tokenizer_of(spec, language) for language in languages}
        self.tokenizers: dict[str, Tokenizer] = {**tokenizers, GENERIC: "generic"}
        # Digits spelled out ("seven four eight five nine six"), per language.
        pure_digits = [shortest_digits(fmt.pattern, re.IGNORECASE) for fmt in spec.formats]
        shortest = min((n for n in pure_digits if n is not None), default=None)
        self._number_words = number_words(spec.spelled_digits, shortest, languages, GENERIC)
        self._alternatives = alternatives
        # The languages built so far (all of them unless lazy), each added whole, once: read
        # without a lock (extract), written under _BUILDING.
        self._languages: dict[str, _Language] = {}
        for language, tokenizer in self.tokenizers.items():
            if not lazy or (tokenizer == "language" and language in PACKAGE_TOKENIZERS):
                self._build(language)

    def _build(self, language: str) -> _Language:
        """The language's tokenizer and words (one of self.tokenizers), built unless they are."""
        with _BUILDING:
            tongue = self._languages.get(language)
            if tongue is None:
                tokenizer = self.tokenizers[language]
                words = self._number_words.get(language)
                tongue = _Language(
                    language,
                    pipeline(language, tokenizer),
                    self.spec.words,
                    self._alternatives,
                    TOUCHING_UNSPACED if tokenizer == "scripts" else TOUCHING,
                    SpelledDigitFinder(*words) if words is not None else None,
                    month_names(self.spec.languages if language == GENERIC else (language,)),
                )
                self._languages[language] = tongue
            return tongue

    def build(self, languages: Iterable[str | None]) -> None:
        """Build these languages (as `extract` takes them) now, unless they are built."""
        for language in languages:
            self._build(self.language_for(language))

    def warm_up(
        self, first: Iterable[str | None] = (), stop: Callable[[], bool] | None = None
    ) -> bool:
        """Build every language not built yet, the languages `first` (as `extract` takes
        them) first; True when all are built, False when `stop()` said to stop first."""
        order = dict.fromkeys([*(self.language_for(language) for language in first), GENERIC])
        order.update(dict.fromkeys(self.tokenizers))
        for language in order:
            if language in self._languages:
                continue
            if stop is not None and stop():
                return False
            self._build(language)
        return True

    @property
    def built(self) -> tuple[str, ...]:
        """The languages (GENERIC among them) whose tokenizer and words are built."""
        return tuple(language for language in self.tokenizers if language in self._languages)

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages served with their own words and tokenizer (GENERIC not among them)."""
        return tuple(language for language in self.tokenizers if language != GENERIC)

    def language_for(self, language: str | None) -> str:
        """The words and tokenizer for a spoken language (ISO 639, as `Turn.language` carries
        it): the language's own where the data names it, else the generic ones."""
        return language if language in self.tokenizers else GENERIC

    def matches_format(self, value: str) -> bool:
        return self._any_full(value) is not None

    def extract(self, text: str, language: str | None) -> Extraction:
        """Order numbers in `text`, written in the ISO 639 `language` (None: unknown)."""
        language = language if language in self.tokenizers else GENERIC
        text = text[: self.max_chars]
        # normalize(text), without cutting it again.
        normalized = (
            text if text.isascii() or not MAY_CHANGE.search(text) else text.translate(TABLE)
        )
        try:
            tongue = self._languages[language]
        except KeyError:  # not built yet (lazy): built now, or waited for while it is
            tongue = self._build(language)
        words = False  # whether a run of number words may be in the text
        lead = self._digit_lead
        if lead is None:
            matches: Iterable[re.Match[str]] = tongue.scan.finditer(normalized)
        else:
            first = tongue.first.search(normalized)
            if first is None:
                # Every match has a digit and there is none (nor a number word): no search,
                # no tokens needed.
                return Extraction(text, language, [])
            if first.lastgroup is not None:  # a number word before any digit
                words = True
                first = _DIGIT.search(normalized, first.start())
            # No match starts earlier; look-behinds still see the text before this.
            if first is None:
                matches = ()
            else:
                matches = tongue.scan.finditer(normalized, max(first.start() - lead, 0))
        candidates: list[Candidate] = []
        spaced: list[tuple[int, int]] = []
        names = self._names
        for m in matches:
            group = m.lastgroup
            if group == "spaced":
                spaced.append(m.span())
            elif group is None:
                words = True
            else:
                start, end = m.span()
                value = m.group().lstrip("#").upper()
                candidates.append(Candidate(start, end, text[start:end], value, names[group]))
        # (words: only where the language has number words, whose searches find them)
        spelled = self._spelled_candidates(text, tongue.runs(normalized)) if words else None
        if not candidates and not spaced and not spelled:
            # Nothing shaped like an order number: no tokens needed to say so.
            return Extraction(text, language, [])
        cues = tongue.cues.find(normalized)
        if spaced:
            candidates = self._join_spaced(text, normalized, spaced, cues, candidates)
        if spelled:
            candidates = _add_spelled(candidates, spelled)
        finder = tongue.distractors
        addresses = finder.addresses(normalized)
        for candidate in candidates:
            if not addresses and finder.alone(normalized, candidate.start, candidate.end):
                distractors = []  # what around() finds for a number standing alone
            else:
                distractors = finder.around(normalized, candidate.start, candidate.end, addresses)
            self._judge(candidate, normalized, cues, distractors)
        if len(candidates) == 1:  # the usual case, without _choose's bookkeeping
            candidates[0].taken = candidates[0].score > 0
        else:
            self._choose(candidates)
        return Extraction(text, language, candidates)

    def _join_spaced(
        self,
        text: str,
        normalized: str,
        spaced: list[tuple[int, int]],
        cues: list[tuple[str, int, int]],
        candidates: list[Candidate],
    ) -> list[Candidate]:
        """Voice channels write "order number 748 596": join digit groups right after a cue."""
        cue_ends = [end for label, _, end in cues if label in ("order", "marker")]
        joins = 0
        for start, end in spaced:
            if not any(
                cue_end <= start and _WORD.search(normalized, cue_end, start) is None
                for cue_end in cue_ends
            ):
                continue  # no cue word right before (no word between, _count_words == 0)
            joined = _SPACE.sub("", normalized[start:end])
            fmt_name = next((f.name for f, p in self._full if p.fullmatch(joined)), None)
            if fmt_name:
                candidate = Candidate(start, end, text[start:end], joined, fmt_name)
                candidate.joined = True
                candidate.reasons.append("digit groups after a cue word, joined")
                candidates.append(candidate)
                joins += 1
        if not joins:
            return candidates  # as the search found them: in order, none overlapping
        # Keep the longest match where matches overlap.
        candidates.sort(key=lambda c: (c.start, -(c.end - c.start)))
        kept: list[Candidate] = []
        for candidate in candidates:
            if not kept or candidate.start >= kept[-1].end:
                kept.append(candidate)
        return kept

    def _spelled_candidates(self, text: str, runs: list[Run]) -> list[Candidate] | None:
        """Runs of spelled-out digits that match a format, as candidates."""
        found = []
        for run in runs:
            fmt_name = next((f.name for f, p in self._full if p.fullmatch(run.value)), None)
            if fmt_name:
                candidate = Candidate(
                    run.start, run.end, text[run.start : run.end], run.value, fmt_name
                )
                candidate.spelled = True
                candidate.reasons.append(f"digits spelled out, read as {run.value}")
                found.append(candidate)
        return found or None

    def _judge(
        self,
        candidate: Candidate,
        text: str,
        cues: list[tuple[str, int, int]],
        distractors: list[Distractor],
    ) -> None:
        start, end = candidate.start, candidate.end
        reasons = candidate.reasons
        before: list[tuple[int, str, int, int]] = []  # (words between, label, start, end)
        order_after = False
        for label, cue_start, cue_end in cues:
            if cue_end <= start:
                between = text[cue_end:start]
                if not between or between.isspace():  # right next to it: no words between
                    before.append((0, label, cue_start, cue_end))
                    if label in _NEXT_TO_IT_BEFORE:
                        reasons.append(
                            f"looks like a {_NEXT_TO_IT_BEFORE[label]} "
                            f"({text[cue_start:cue_end]!r} next to it)"
                        )
                        return
                else:
                    distance = _count_words(text, cue_end, start)
                    if distance < CUE_WINDOW:
                        before.append((distance, label, cue_start, cue_end))
            elif cue_start >= end:
                between = text[end:cue_start]
                if not between or between.isspace():  # right next to it: no words between
                    if label == "order":
                        order_after = True
                    if label in _NEXT_TO_IT_AFTER:
                        reasons.append(
                            f"looks like a {_NEXT_TO_IT_AFTER[label]} "
                            f"({text[cue_start:cue_end]!r} next to it)"
                        )
                        return
                elif label == "order" and _count_words_but_numbers(text, end, cue_start) < 3:
                    order_after = True
        for distractor in distractors:
            if candidate.joined and distractor.kind == "phone number":
                continue
            reasons.append(f"looks like a {distractor.kind} ({distractor.text!r})")
            return
        nearest = None
        if before:
            nearest = before[0]
            if len(before) > 1:
                before.sort()
                nearest = before[0]
                # Of the cue words as near as the nearest (they end in the same gap before
                # the number), the one that starts first, the longest, says what it is:
                # "tracking number" is a tracking cue, not the marker "number".
                for cue in before:
                    if cue[0] != nearest[0]:
                        break
                    if cue[2] < nearest[2]:
                        nearest = cue
        adjacent_cue = nearest is not None and nearest[0] == 0 and nearest[1] in ("order", "marker")
        if not adjacent_cue and len(candidate.text) == 4 and _YEAR.fullmatch(candidate.text):
            reasons.append("looks like a year")
            return
        if nearest is not None and nearest[1] in _CONTEXT_LABELS:
            reasons.append(f"follows {nearest[1]} cue {text[nearest[2] : nearest[3]]!r}")
            return
        fmt = self._formats[candidate.format]
        distinctive = fmt.distinctive
        score = 2.0 if distinctive else 1.0
        strong = distinctive
        if distinctive:
            reasons.append(self._reason_distinctive[fmt.name])
        for distance, label, cue_start, cue_end in before:
            if label == "marker" and distance == 0:
                score += 3
                strong = True
                reasons.append(f"marker {text[cue_start:cue_end]!r} right before it")
            elif label == "order":
                score += max(3 - 0.5 * distance, 0.5)
                strong = True
                reasons.append(f"cue word {text[cue_start:cue_end]!r} {distance} word(s) before it")
                break
        if not strong:
            if order_after:
                score += 1
                strong = True
                reasons.append("cue word right after it")
            else:
                reasons.append(self._reason_no_cue[fmt.name])
        candidate.score = score
        candidate.strong = strong

    def _choose(self, candidates: list[Candidate]) -> None:
        if len(candidates) == 1:
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
