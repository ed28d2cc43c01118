"""The extractor's shortcuts give what the long way gives, on many texts.

Each shortcut skips work when it can prove the work would change nothing: no digit means no
candidate and no tokens; the search for formats starts near the first digit; text without
look-alike characters is not translated; a candidate standing alone needs no search for
phones and dates; cue words come from remembered chunks instead of a spaCy Doc. Each is
compared here with the long way on generated texts, seeded so that failures repeat.
"""

from __future__ import annotations

import random
import re
import sys
import unicodedata
from typing import Any

import pytest
from support import INTENT_FILES

from fulfillment.extraction import cues as cues_module
from fulfillment.extraction.distractors import (
    _EDGES,
    _NUMERIC_CHARS,
    DistractorFinder,
)
from fulfillment.extraction.extractor import GENERIC, Extractor, digit_lead
from fulfillment.extraction.normalize import MAY_CHANGE, TABLE, normalize
from fulfillment.extraction.spec import OrderFormat
from fulfillment.i18n.locales import spoken_language
from fulfillment.intents import load_intent

SPEC = load_intent(next(p for p in INTENT_FILES if p.stem == "order-status")).extraction
assert SPEC is not None
LANGUAGES = SPEC.languages
WORDS = [
    word for table in SPEC.words.model_dump().values() for words in table.values() for word in words
]
# Number words, for digits spelled out ("seven four eight five nine six").
assert SPEC.spelled_digits is not None
NUMBER_WORDS = sorted(
    {
        word
        for tables in (SPEC.spelled_digits.digit_words, SPEC.spelled_digits.repeat_words)
        for table in tables.values()
        for word in table
    }
)
# What the tokenizers treat specially, across chunks too: abbreviations, emoticons, "'s",
# Spanish "EE. UU." (a special case with a space), times, and look-alike punctuation.
TRICKY = [
    "EE.",
    "UU.",
    "EE. UU.",
    "Mr.",
    "Dr.",
    "U.S.",
    "a.m.",
    "10a.m.",
    "p.m.",
    ":)",
    "(:",
    ":-)",
    "<3",
    "'s",
    "''",
    "Aujourd'hui",
    "n'est-ce",
    "Nr.",
    "Bestell-Nr.",
    "z.B.",
    "etc.",
    "St.",
    "No.",
    "no.",
    "nº.",
    "n°.",
    "A.",
    "D.",
    "1.",
    "3",
    "33",
    "'Cause",
    "-_-",
    "8-)",
    "=)",
    ":p",
    "o.O",
    "March",
    "mars",
    "Mai",
    "março",
    "मार्च",
    "Uhr",
    "h",
    "बजे",
    "$",
    "€",
    "₹",
    "R$",
    "#",
    "-",
    "/",
    ".",
    ",",
    ":",
    "?",
    "!",
    "(",
    ")",
    "...",
    "—",
    "–",
    "🙂",
    "注文番号",
    "ご注文",
    "の",
    "は",
    "円",
    "。",
    "、",
    "「",
    "」",
    "ー",
    "ｶﾀｶﾅ",
    "\u3000",
    "و",
    "بـ",
    "،",
    "؟",
    "\u2068",
    "\u2069",
    "'nın",
    "’ya",
    "n.º",
    "x",
]
LANGUAGE_CODES = [
    *("en", "en-GB", "de", "es", "fr", "pt-BR", "pt-PT", "hi"),
    *("it", "nl", "pl", "tr", "ar", "ja", "ko", None, ""),
]


def numberish(rng: random.Random) -> str:
    digits = "".join(rng.choice("0123456789") for _ in range(rng.choice([1, 2, 3, 4, 5, 6, 7, 8])))
    return rng.choice(
        [
            digits,
            "#" + digits,
            "A-" + digits,
            "ORD-" + digits,
            f"{digits[:3]} {digits[3:]}",
            f"{digits[:3]}-{digits}",
            f"+{digits[:2]} {digits}",
            f"({digits[:2]}) {digits}",
            f"{digits[:2]}/{digits[:2]}/2025",
            f"{digits[:2]}.{digits[:2]}.2025",
            f"{digits[:2]}:{digits[:2]}",
            f"${digits}.99",
            digits + rng.choice(".,?!):;%"),
            digits.translate(str.maketrans("0123456789", "०१२३४५६७८९")),
            digits.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
            digits.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
            "و" + digits.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")),
            f"注文{digits}の",
            f"{digits}円",
            f"{digits}'nın",
            f"ravi{digits}@example.com",
            f"www.shop.de/{digits}",
        ]
    )


def spelled(rng: random.Random, words: list[str] = NUMBER_WORDS) -> str:
    """Number words, digits among them, joined as runs are (and as they are not)."""
    tokens = []
    for _ in range(rng.choice([1, 2, 3, 5, 6, 6, 6, 7, 8])):
        if rng.random() < 0.8:
            word = rng.choice(words)
            form = rng.choice([word, word.upper(), word.capitalize(), word.lower()])
            tokens.append(rng.choice([form, unicodedata.normalize("NFD", form)]))
        else:
            tokens.append(str(rng.randrange(0, 100 if rng.random() < 0.2 else 10)))
    text = tokens[0]
    for token in tokens[1:]:
        text += rng.choice([" "] * 12 + ["-", " - ", "  ", ", ", "\n", ""]) + token
    return text


def texts(seed: int, count: int, spelled_share: float = 0.0) -> list[tuple[str, str | None]]:
    rng = random.Random(seed)
    found = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 10)):
            roll = rng.random()
            if roll < spelled_share:
                parts.append(spelled(rng))
            elif roll < 0.45:
                word = rng.choice(WORDS)
                parts.append(rng.choice([word, word.upper(), word.capitalize()]))
            elif roll < 0.75:
                parts.append(numberish(rng))
            else:
                parts.append(rng.choice(TRICKY))
        separators = [" "] * 20 + ["  ", "\n", "\t", ", ", "", "\u00a0"]
        text = parts[0] + "".join(rng.choice(separators) + part for part in parts[1:])
        found.append((text, rng.choice(LANGUAGE_CODES)))
    return found


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    assert SPEC is not None
    return Extractor(SPEC)


def results(extraction: Any) -> list[tuple[Any, ...]]:
    return [
        (c.start, c.end, c.text, c.value, c.format, c.score, c.strong, c.taken, list(c.reasons))
        for c in extraction.candidates
    ]


# No digit, no candidate.


@pytest.mark.parametrize(
    "text", ["where is my order?", "wo ist meine Bestellung?", "ऑर्डर कहाँ है", "", "#", "A-"]
)
def test_text_without_digits_is_answered_without_tokens(
    extractor: Extractor, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    assert set(extractor._languages) == {*LANGUAGES, GENERIC}  # every tokenizer is guarded
    for language in extractor._languages.values():
        monkeypatch.setattr(language.cues, "make_doc", _no_tokenizer)
        monkeypatch.setattr(language.cues, "chunk_cues", _no_tokenizer)
    extraction = extractor.extract(text, "en")
    assert extraction.candidates == []
    assert extraction.text == text


def _no_tokenizer(*_: object) -> Any:
    raise AssertionError("no candidate can exist: nothing should be tokenized")


def test_the_shop_formats_all_need_a_digit(extractor: Extractor) -> None:
    # "ORD-" is the longest stretch before a digit.
    assert extractor._digit_lead == 4


@pytest.mark.parametrize(
    ("pattern", "lead"),
    [
        (r"\d{6}", 0),
        (r"#\d{4,8}", 1),
        (r"[A-Z]-\d{5}", 2),
        (r"ORD-\d{5,8}", 4),
        (r"[0-9]+", 0),
        (r"x(?:ab|c)?\d", 3),
        (r"(?:ab|\d)\d", 2),
        (r"(?<=x)\d", 0),
        (r"[A-Z]{3}", None),  # no digit at all
        (r"\d?", None),  # the digit may be missing
        (r"a|\d", None),  # one branch has none
        (r"(?:\d|x)+", None),
        (r"[^0-9]", None),
        (r"[A-Z0-9]", None),  # a digit or a letter
    ],
)
def test_digit_lead(pattern: str, lead: int | None) -> None:
    assert digit_lead(pattern, re.IGNORECASE) == lead


def test_digit_lead_without_a_bound() -> None:
    lead = digit_lead(r"[A-Z]+\d", re.IGNORECASE)
    assert lead is not None
    assert lead > 10**9


def test_a_format_without_digits_is_still_found() -> None:
    assert SPEC is not None
    letters = OrderFormat(name="letters", pattern="[A-Z]{3}-[A-Z]{3}", distinctive=True)
    extractor = Extractor(SPEC.model_copy(update={"formats": [*SPEC.formats, letters]}))
    assert extractor._digit_lead is None  # so every text is searched
    assert extractor.extract("order ABC-DEF please", "en").order_ids == ["ABC-DEF"]


def test_the_search_starts_where_a_match_can(extractor: Extractor) -> None:
    # The lead is read from one pattern; every language's (other look-behinds before the
    # number: kanji and kana, prefix words) has the same.
    patterns = {extractor._any_format, *(t.any_format for t in extractor._languages.values())}
    assert len(patterns) >= 3
    lead = extractor._digit_lead
    assert lead is not None
    for text, _ in texts(seed=1, count=3000):
        text = normalize(text, 1000)
        digit = re.search(r"\d", text)
        start = max(digit.start() - lead, 0) if digit else len(text)
        for pattern in patterns:
            everything = [(m.lastgroup, m.span()) for m in pattern.finditer(text)]
            assert [(m.lastgroup, m.span()) for m in pattern.finditer(text, start)] == everything


@pytest.mark.parametrize("language", [*LANGUAGES, GENERIC])
def test_the_scan_with_number_words_finds_the_same_numbers(
    extractor: Extractor, language: str
) -> None:
    # Each language's scan also finds where number words may start (matches without a
    # group): the format matches are those of _any_format, wherever the search starts.
    tongue = extractor._languages[language]
    assert tongue.scan is not tongue.any_format  # every served language has number words
    lead = extractor._digit_lead
    assert lead is not None
    for text, _ in texts(seed=7, count=1500, spelled_share=0.3):
        text = normalize(text, 1000)
        expected = [(m.lastgroup, m.span()) for m in tongue.any_format.finditer(text)]
        digit = re.search(r"\d", text)
        start = max(digit.start() - lead, 0) if digit else len(text)
        for begin in (0, start):
            found = [(m.lastgroup, m.span()) for m in tongue.scan.finditer(text, begin)]
            assert [f for f in found if f[0] is not None] == expected, text


# Normalization.


def test_every_character_translated_is_looked_for() -> None:
    assert all(MAY_CHANGE.search(chr(code)) for code in TABLE)


def test_normalize_is_translate(extractor: Extractor) -> None:
    for text, _ in texts(seed=2, count=2000):
        assert normalize(text, 1000) == text[:1000].translate(TABLE)


# Distractors.


def test_a_candidate_alone_is_told_without_cutting_the_text() -> None:
    rng = random.Random(3)
    alphabet = "0123456789 .,:;!?/()+-ab#"
    for _ in range(100_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        start = rng.randrange(len(text))
        end = rng.randrange(start + 1, len(text) + 1)
        left = len(text[:start].rstrip(_NUMERIC_CHARS))
        right = len(text) - len(text[end:].lstrip(_NUMERIC_CHARS))
        expected = text[left:right].strip(_EDGES) == text[start:end]
        assert DistractorFinder.alone(text, start, end) == expected, (text, start, end)


# Cue words without a Doc.


@pytest.mark.parametrize("language", [*LANGUAGES, GENERIC])
def test_cue_words_from_chunks_are_the_matchers(extractor: Extractor, language: str) -> None:
    finder = extractor._languages[language].cues
    assert finder.fast
    samples = [normalize(text, 1000) for text, _ in texts(seed=4, count=1500)]
    from_chunks = 0
    for _ in range(2):  # the second time round, the chunks are remembered
        for text in samples:
            expected = finder.matcher_cues(finder.make_doc(text))
            assert finder.find(text) == expected, text
            chunks = text.split(" ")
            single_spaced = all(chunks) and not any(c.isspace() for chunk in chunks for c in chunk)
            if single_spaced and finder.chunk_cues(text) is not None:
                assert finder.chunk_cues(text) == expected, text
                from_chunks += 1
    assert from_chunks > len(samples)  # most texts are answered from chunks


def test_a_special_case_across_chunks_is_left_to_spacy(extractor: Extractor) -> None:
    finder = extractor._languages["es"].cues
    text = "pedido EE. UU. 748596"
    finder.find(text)
    assert finder.chunk_cues(text) is None  # "EE. UU." is one of spaCy's Spanish tokens
    assert finder.find(text) == finder.matcher_cues(finder.make_doc(text))


def test_remembered_chunks_need_no_tokenizer(
    extractor: Extractor, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "where is my order 748596?"
    expected = results(extractor.extract(text, "en"))
    monkeypatch.setattr(extractor._languages["en"].cues, "make_doc", _no_tokenizer)
    assert results(extractor.extract(text, "en")) == expected


def test_the_chunk_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    assert SPEC is not None
    monkeypatch.setattr(cues_module, "CACHE_SIZE", 20)
    small = Extractor(SPEC)
    finder = small._languages["en"].cues
    assert finder.fast
    largest = 0
    for text, _ in texts(seed=5, count=300):
        text = normalize(text, 1000)
        assert finder.find(text) == finder.matcher_cues(finder.make_doc(text))
        assert len(finder._cache) <= 20
        largest = max(largest, len(finder._cache))
    assert largest == 20  # the bound was reached, so it was tested


def test_extraction_is_the_same_with_and_without_the_chunk_path(extractor: Extractor) -> None:
    assert SPEC is not None
    slow = Extractor(SPEC)
    assert set(slow._languages) == {*LANGUAGES, GENERIC}
    for language in slow._languages.values():
        language.cues.fast = False
    taken = 0
    for text, code in texts(seed=6, count=1500):
        language = spoken_language(code)
        expected = results(slow.extract(text, language))
        assert results(extractor.extract(text, language)) == expected
        taken += any(candidate[7] for candidate in expected)
    assert taken > 100  # the texts give order numbers to find, not only nothing


# Digits spelled out.


def _looks_everywhere(extractor: Extractor) -> Extractor:
    """The extractor, made to look for runs of number words in every text: its `first`
    search reports a number word at the start of every text, as the long way."""
    for language in extractor._languages.values():
        if language.spelled is not None:
            language.first = re.compile("(?P<everywhere>)")
    return extractor


@pytest.fixture(scope="module")
def looks_everywhere() -> Extractor:
    assert SPEC is not None
    return _looks_everywhere(Extractor(SPEC))


def test_spelled_digits_are_the_same_with_and_without_the_shortcut(
    extractor: Extractor, looks_everywhere: Extractor
) -> None:
    taken = 0
    for text, code in texts(seed=8, count=2500, spelled_share=0.35):
        language = spoken_language(code)
        expected = results(looks_everywhere.extract(text, language))
        assert results(extractor.extract(text, language)) == expected, text
        taken += any(c[7] and "digits spelled out" in c[8][0] for c in expected)
    assert taken > 50  # runs of number words were found and taken, not only nothing


@pytest.mark.parametrize("language", [*LANGUAGES, GENERIC])
def test_every_run_is_seen_by_the_shortcut(
    extractor: Extractor, looks_everywhere: Extractor, language: str
) -> None:
    # Texts made of one language's number words, digits and separators, with something
    # before and after: the runs are those found the long way.
    assert SPEC is not None
    assert SPEC.spelled_digits is not None
    digits, repeats = SPEC.spelled_digits.tables(language)
    words = [*digits, *repeats] if language != GENERIC else NUMBER_WORDS
    rng = random.Random(9)
    seen = 0
    for _ in range(3000):
        text = (
            rng.choice(["", "order ", "(", "#", "x", "A-", "7 ", "Nr. "])
            + spelled(rng, words)
            + rng.choice(["", " ", "?", ")", "-", "x", "7", " 12", "।"])
        )
        expected = results(looks_everywhere.extract(text, language))
        assert results(extractor.extract(text, language)) == expected, text
        seen += any("digits spelled out" in c[8][0] for c in expected)
    assert seen > 200


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))


@pytest.mark.parametrize("path", INTENT_FILES, ids=lambda path: path.stem)
def test_one_search_for_every_format_answers_as_each_format_does(path: Any) -> None:
    spec = load_intent(path).extraction
    if spec is None:
        pytest.skip("no extraction in this intent")
    extractor = Extractor(spec, lazy=True)
    rng = random.Random(7)
    values = [numberish(rng) for _ in range(2000)]
    values += [text for text, _ in texts(8, 300)] + ["", "748596", "#748596", "ord-58213"]
    for value in values:
        expected = any(pattern.fullmatch(value) for _, pattern in extractor._full)
        assert extractor.matches_format(value) == expected, value
