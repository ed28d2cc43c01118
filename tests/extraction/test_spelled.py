"""Order numbers said digit by digit: runs of number words, what counts, what never wins."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from support import INTENT_FILES

from fulfillment.errors import ConfigurationError
from fulfillment.extraction.extractor import GENERIC, Extractor
from fulfillment.extraction.spec import ExtractionSpec, OrderFormat, SpelledDigits
from fulfillment.extraction.spelled import (
    FLOOR_DIGITS,
    SpelledDigitFinder,
    shortest_digits,
    spellings,
)
from fulfillment.intents import load_intent, load_intents
from fulfillment.settings import PROJECT_ROOT

SPEC = load_intent(next(p for p in INTENT_FILES if p.stem == "order-status")).extraction
assert SPEC is not None
SPELLED = SPEC.spelled_digits
assert SPELLED is not None
LANGUAGES = SPEC.languages


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    assert SPEC is not None
    return Extractor(SPEC)


def _no_tokenizer(*_: object) -> None:
    raise AssertionError("nothing should be tokenized")


# Found.


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en", "order number seven four eight five nine six", ["748596"]),
        ("en", "Order Number SEVEN FOUR EIGHT FIVE NINE SIX", ["748596"]),
        ("en", "it's order seven four 8 5 nine six", ["748596"]),
        ("en", "order one oh oh double two three", ["100223"]),
        ("en", "order seven four triple eight six", ["748886"]),
        ("en", "order seven-four-eight-five-nine-six please", ["748596"]),
        ("en", "(seven four eight five nine six)", ["748596"]),
        ("en", "Oh, seven four eight five nine six", ["748596"]),
        ("en", "orders 748597 and seven four eight five nine six", ["748597", "748596"]),
        ("de", "Bestellung sieben vier acht fünf neun sechs", ["748596"]),
        ("de", "Bestellnummer sieben vier acht zwo neun sechs", ["748296"]),
        ("de", "Bestellung null eins zwei drei vier fuenf", ["012345"]),
        ("es", "mi pedido es siete cuatro ocho cinco nueve seis", ["748596"]),
        ("fr", "ma commande sept quatre huit cinq neuf six", ["748596"]),
        ("fr", "commande zéro un deux trois quatre cinq", ["012345"]),
        ("pt", "pedido sete quatro oito cinco nove meia", ["748596"]),
        ("pt", "pedido um dois três quatro cinco seis", ["123456"]),
        ("hi", "मेरा ऑर्डर सात चार आठ पांच नौ छह कहाँ है?", ["748596"]),
        ("hi", "ऑर्डर नंबर सात चार आठ पाँच नौ छः।", ["748596"]),
        ("hi", "ऑर्डर सिफ़र एक दो तीन चार पांच", ["012345"]),
        ("hi", "order saat chaar aath paanch nau chhe", ["748596"]),
        ("hi", "order seven four double eight nine six", ["748896"]),
        (None, "ordine seven four eight five nine six", ["748596"]),  # every language's words
    ],
)
def test_spelled_digits_are_found(
    extractor: Extractor, language: str | None, text: str, expected: list[str]
) -> None:
    extraction = extractor.extract(text, language)
    assert extraction.order_ids == expected
    spelled = [c for c in extraction.candidates if c.spelled]
    assert spelled
    for candidate in spelled:
        assert text[candidate.start : candidate.end] == candidate.text
        assert candidate.reasons[0] == f"digits spelled out, read as {candidate.value}"


def test_a_nukta_written_either_way(extractor: Extractor) -> None:
    composed = "ऑर्डर \u095b\u0940\u0930\u094b एक दो तीन चार पांच"  # ज़ as one character
    decomposed = unicodedata.normalize("NFD", composed)  # ज + nukta
    assert composed != decomposed
    assert extractor.extract(composed, "hi").order_ids == ["012345"]
    assert extractor.extract(decomposed, "hi").order_ids == ["012345"]


# Never taken.


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I ordered two items, where are they?"),
        ("en", "my order is five days late"),
        ("en", "I ordered three things on the twenty first"),
        ("en", "call me at five five five one two three"),  # six digits after a phone cue
        ("en", "call me at five five five one two three four"),  # seven: no format
        ("en", "my zip code is five six zero zero zero one"),
        ("en", "order seven four eight five nine"),  # five digits
        ("en", "order seven four eight five nine six seven"),  # seven digits
        ("en", "order seven 48596"),  # one number word is not a run
        ("en", "order 7-four-eight-five-nine-six"),  # hyphens only between words
        ("en", "order twenty-one forty-five"),
        ("en", "someone said one two three four"),
        ("en", "seven four eight five nine six items"),  # a quantity
        ("en", "seven four eight five nine six dollars"),  # a price
        ("de", "Ich habe zwei Artikel bestellt"),
        ("de", "meine Bestellung ist seit fünf Tagen unterwegs"),
        ("de", "Ruf mich an: null eins sieben eins zwei drei"),
        ("es", "pedí dos artículos y llevan cinco días"),
        ("es", "mi teléfono es seis uno dos tres cuatro cinco"),
        ("fr", "j'ai commandé deux articles il y a cinq jours"),
        ("pt", "comprei dois itens há cinco dias"),
        ("pt", "meu celular é nove oito sete seis cinco quatro"),
        ("hi", "मैंने दो आइटम ऑर्डर किए थे"),
        ("hi", "मेरा ऑर्डर पांच दिन से नहीं आया"),
        ("hi", "मेरा फोन नौ आठ सात छह पांच चार है"),
    ],
)
def test_distractors_are_never_taken(extractor: Extractor, language: str, text: str) -> None:
    assert extractor.extract(text, language).order_ids == []


def test_a_number_in_digits_wins_over_words_around_it() -> None:
    assert SPEC is not None
    wide = OrderFormat(name="long", pattern=r"\d{6,8}")
    extractor = Extractor(SPEC.model_copy(update={"formats": [wide]}))
    extraction = extractor.extract("order one two 748596", "en")
    assert extraction.order_ids == ["748596"]  # not 12748596
    assert not any(c.spelled for c in extraction.candidates)


@pytest.mark.parametrize(
    "text", ["where is my order?", "I ordered two items", "five days, and one more", "uno dos"]
)
def test_number_words_without_a_run_need_no_tokens(
    extractor: Extractor, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    for language in extractor._languages.values():
        monkeypatch.setattr(language.cues, "make_doc", _no_tokenizer)
        monkeypatch.setattr(language.cues, "chunk_cues", _no_tokenizer)
    for code in ("en", "es", None):
        assert extractor.extract(text, code).candidates == []


# How many digits.


@pytest.mark.parametrize(
    ("pattern", "shortest"),
    [
        (r"\d{6}", 6),
        (r"\d{4,8}", 4),
        (r"[0-9]{3}\d?", 3),
        (r"7\d{5}", 6),
        (r"\d{3}(?:-\d{4})?", 3),
        (r"(?:\d{8}|\d{5})", 5),
        (r"^\d+$", 1),
        (r"#\d{4,8}", None),  # a '#' first
        (r"[A-Z]-\d{5}", None),
        (r"ORD-\d{5,8}", None),
        (r"[^0-9]\d{4}", None),
        (r"[^A-Z]{5}", 5),
        (r"[^\w]{5}", None),
        (r"(?<=x)\d{4}", None),  # a look-behind: cannot tell
    ],
)
def test_shortest_digits(pattern: str, shortest: int | None) -> None:
    assert shortest_digits(pattern, re.IGNORECASE) == shortest


def test_runs_need_as_many_digits_as_the_shortest_format(extractor: Extractor) -> None:
    for language in (*LANGUAGES, GENERIC):
        spelled = extractor._languages[language].spelled
        assert spelled is not None
        assert spelled.min_digits == 6  # '\d{6}', the only all-digit format


@pytest.mark.parametrize(
    ("formats", "min_digits", "expected"),
    [
        ([r"\d{3}"], None, FLOOR_DIGITS),  # never fewer than 4 unless the designers say so
        ([r"\d{3}"], 3, 3),
        ([r"\d{6}", r"\d{10}"], None, 6),
        ([r"\d{6}"], 8, 8),
        ([r"#\d{6}"], None, None),  # no format takes digits alone: no runs looked for
    ],
)
def test_min_digits(formats: list[str], min_digits: int | None, expected: int | None) -> None:
    assert SPEC is not None
    spelled = SPELLED.model_copy(update={"min_digits": min_digits})
    spec = ExtractionSpec(
        formats=[OrderFormat(name=f"f{i}", pattern=p) for i, p in enumerate(formats)],
        words=SPEC.words,
        spelled_digits=spelled,
        tokenizers=SPEC.tokenizers,
    )
    finder = Extractor(spec)._languages["en"].spelled
    assert (finder.min_digits if finder else None) == expected


def test_a_language_without_number_words_has_no_runs() -> None:
    assert SPEC is not None
    english_only = SpelledDigits(digit_words={"en": SPELLED.digit_words["en"]})
    extractor = Extractor(SPEC.model_copy(update={"spelled_digits": english_only}))
    assert extractor._languages["de"].spelled is None
    assert extractor._languages["en"].spelled is not None
    assert extractor.extract("Bestellung sieben vier acht fünf neun sechs", "de").order_ids == []
    assert extractor.extract("Bestellung 748596", "de").order_ids == ["748596"]


def test_the_generic_words_leave_out_those_that_mean_two_things() -> None:
    english = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    german = ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"]
    spelled = SpelledDigits(
        digit_words={
            "en": {word: digit for digit, word in enumerate(english)},
            # made up: "one" for 9 in German, when it is 1 in English
            "de": {**{word: digit for digit, word in enumerate(german)}, "one": 9},
        }
    )
    assert SPEC is not None
    extractor = Extractor(SPEC.model_copy(update={"spelled_digits": spelled}))
    assert extractor.extract("order seven four eight five nine one", "en").order_ids == ["748591"]
    assert extractor.extract("Bestellung sieben vier acht fünf neun one", "de").order_ids == [
        "748599"
    ]
    assert extractor.extract("order seven four eight five nine one", None).order_ids == []
    assert extractor.extract("order seven four eight five nine six", None).order_ids == ["748596"]


def test_spellings() -> None:
    assert {"seven", "Seven", "SEVEN"} <= spellings("seven")
    assert {"fünf", "Fünf", "FÜNF", "fu\u0308nf"} <= spellings("fünf")
    assert {"\u095b\u0940\u0930\u094b", "\u091c\u093c\u0940\u0930\u094b"} <= spellings("ज़ीरो")


def test_a_run_is_read_token_by_token() -> None:
    finder = SpelledDigitFinder({"one": 1, "two": 2, "three": 3}, {"double": 2}, 4)
    text = "one double two 3 three, two two one one"
    assert [(r.value, text[r.start : r.end]) for r in finder.runs(text)] == [
        ("12233", "one double two 3 three"),
        ("2211", "two two one one"),
    ]


# The designers' data.

SOURCE = (PROJECT_ROOT / "intents" / "order-status.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('"null": 0, eins: 1', "null: 0, eins: 1", "put the word in quotes"),
        ("neun: 9}", "neun: 8}", "digit_words.de: no word for 9"),
        ("sieben: 7, acht: 8", "sieben: 7, acht: 8, Zwo: 3", "'Zwo' has two meanings"),
        ("en: {double: 2, triple: 3}", "en: {double: 2, triple: 3, nine: 2}", "two meanings"),
        ("cero: 0, uno: 1", "cero: 0, uno: 1, dos tres: 2", "is not one word"),
        ("cero: 0, uno: 1", "cero: 0, uno: 1, d2: 2", "is not one word"),
        ("cero: 0, uno: 1", 'cero: 0, uno: "1"', "extraction.spelled_digits.digit_words.es.uno"),
        ("en: {double: 2, triple: 3}", "en: {double: 1}", "greater than or equal to 2"),
        ("  spelled_digits:\n", "  spelled_digits:\n    min_digits: 1\n", "min_digits"),
    ],
)
def test_bad_number_words_name_file_and_entry(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert old in SOURCE
    path = tmp_path / "order-status.yaml"
    path.write_text(SOURCE.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigurationError) as raised:
        load_intents(tmp_path)
    assert str(path) in str(raised.value)
    assert expected in str(raised.value)


def test_every_served_language_has_number_words() -> None:
    for language in LANGUAGES:
        digits, _ = SPELLED.tables(language)
        assert set(digits.values()) == set(range(10)), language


def test_the_phrase_tests_cover_spelled_digits() -> None:
    tests = load_intent(PROJECT_ROOT / "intents" / "order-status.yaml").tests
    assert SPEC is not None
    extractor = Extractor(SPEC)
    # Japanese customers type order numbers in digits: kanji digits are read only when spaced
    # (七 四 八 五 九 六), as nobody writes them, so no phrase test has a run (test below).
    for language in [lang for lang in LANGUAGES if lang != "ja"]:
        mine = [t for t in tests if t.lang.split("-")[0] == language]
        found = [
            t
            for t in mine
            if any(c.spelled for c in extractor.extract(t.text, language).candidates) and t.expect
        ]
        words = [t for t in mine if not t.expect and _has_number_word(t.text, language)]
        assert len(found) >= 2, language
        assert len(words) >= 2, language


def _has_number_word(text: str, language: str) -> bool:
    digits, repeats = SPELLED.tables(language)
    forms = {form for word in [*digits, *repeats] for form in spellings(word)}
    return any(token.strip("?!.,।") in forms for token in text.split())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("注文番号 七 四 八 五 九 六", ["748596"]),
        ("注文番号 七-四-八-五-〇-六", ["748506"]),
        ("注文番号七四八五九六", []),  # kanji digits written together: not read
        ("رقم الطلب سبعة أربعة ثمانية خمسة تسعة ستة", ["748596"]),
        ("sipariş yedi dört sekiz beş dokuz altı", ["748596"]),
        ("zamówienie siedem cztery osiem pięć dziewięć sześć", ["748596"]),
    ],
)
def test_number_words_of_other_scripts(
    extractor: Extractor, text: str, expected: list[str]
) -> None:
    language = {"注": "ja", "ر": "ar", "s": "tr", "z": "pl"}[text[0]]
    assert extractor.extract(text, language).order_ids == expected
