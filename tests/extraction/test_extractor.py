"""Order numbers from free text: every designers' test phrase, distractors, limits."""

from __future__ import annotations

import pytest
from support import INTENT_FILES

from fulfillment.domain import normalize_order_number
from fulfillment.errors import ConfigurationError
from fulfillment.extraction.extractor import (
    GENERIC,
    Extractor,
    blank_pipeline,
    script_pipeline,
    tokenizer_of,
)
from fulfillment.extraction.normalize import normalize
from fulfillment.extraction.spec import PhraseTest
from fulfillment.i18n.locales import spoken_language
from fulfillment.intents import load_intent

SPECS = {path.stem: load_intent(path) for path in INTENT_FILES}
PHRASES = [(name, test) for name, spec in SPECS.items() if spec.extraction for test in spec.tests]


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    spec = SPECS["order-status"].extraction
    assert spec is not None
    return Extractor(spec, max_orders=3, max_chars=1000)


@pytest.fixture(scope="module")
def extractors() -> dict[str, Extractor]:
    return {name: Extractor(spec.extraction) for name, spec in SPECS.items() if spec.extraction}


@pytest.mark.parametrize(
    ("intent", "phrase"), PHRASES, ids=[f"{t.lang}:{t.text[:40]}" for _, t in PHRASES]
)
def test_designers_phrase(
    extractors: dict[str, Extractor], intent: str, phrase: PhraseTest
) -> None:
    extraction = extractors[intent].extract(phrase.text, spoken_language(phrase.lang))
    assert extraction.order_ids == [normalize_order_number(n) for n in phrase.expect]
    for candidate in extraction.candidates:
        # Every candidate is a span of what the customer wrote, with a reason for its fate.
        assert phrase.text[candidate.start : candidate.end] == candidate.text
        assert candidate.reasons


def test_the_phrase_set_is_broad() -> None:
    tests = SPECS["order-status"].tests
    languages = {t.lang.split("-")[0] for t in tests}
    assert {"en", "de", "es", "fr", "pt", "hi"} <= languages
    assert len(tests) >= 80
    without_number = [t for t in tests if not t.expect]
    assert len(without_number) * 3 >= len(tests)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ऑर्डर ७४८५९६", "ऑर्डर 748596"),
        ("order ٧٤٨٥٩٦", "order 748596"),
        ("order ７４８５９６", "order 748596"),
        ("order ＃1001", "order #1001"),
        ("A‐10023", "A-10023"),
    ],
)
def test_normalize_keeps_offsets(text: str, expected: str) -> None:
    assert normalize(text, 100) == expected
    assert len(normalize(text, 100)) == len(text)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("ja", "注文番号748596の配送状況", ["748596"]),
        ("ja", "注文７４８５９６は？", ["748596"]),
        ("ja", "ｶﾀｶﾅ748596ｶﾀｶﾅ", ["748596"]),  # half-width katakana
        ("ja", "ravi748596", []),  # Latin letters still touch
        ("ja", "A-10023の注文", ["A-10023"]),
        ("ar", "طلبي رقم ٧٤٨٥٩٦", ["748596"]),
        ("ar", "الطلبات ٧٤٨٥٩٦ و٧٤٨٥٩٧", ["748596", "748597"]),
        ("ar", "طلب٧٤٨٥٩٦", []),  # a word's letters, not a prefix word
        ("tr", "748596'nın durumu", ["748596"]),
        ("tr", "748596 numaralı siparişim", ["748596"]),
        ("pl", "zamówienie nr 748596", ["748596"]),
    ],
)
def test_numbers_against_words(
    extractor: Extractor, language: str, text: str, expected: list[str]
) -> None:
    assert extractor.extract(text, language).order_ids == expected


def test_only_unspaced_languages_let_kanji_touch_the_number(extractor: Extractor) -> None:
    # In a language written with spaces, a kanji run against the number is part of a word;
    # the generic tokenizer keeps the boundaries it had.
    assert extractor.extract("注文番号748596の", "en").order_ids == []
    assert extractor.extract("注文番号748596の", None).order_ids == []
    assert extractor.extract("注文番号748596の", "ja").order_ids == ["748596"]


@pytest.mark.parametrize(
    ("language", "text", "label"),
    [
        ("en", "tracking number 123456", "tracking"),
        ("ja", "お問い合わせ番号123456", "tracking"),
        ("tr", "kargo takip no 123456", "tracking"),
        ("en", "phone number 123456", "phone"),
    ],
)
def test_the_longest_cue_word_right_before_counts(
    extractor: Extractor, language: str, text: str, label: str
) -> None:
    # "number" is a marker, and also the end of "tracking number": the longer cue word says it.
    (candidate,) = extractor.extract(text, language).candidates
    assert not candidate.taken
    assert candidate.reasons[-1].startswith(f"follows {label} cue")


def test_text_is_cut_before_searching() -> None:
    spec = SPECS["order-status"].extraction
    assert spec is not None
    short = Extractor(spec, max_chars=60)
    text = "x " * 40 + "order 748596"
    assert short.extract(text, "en").order_ids == []
    assert short.extract("order 748596 " + "x " * 40, "en").order_ids == ["748596"]


def test_digit_groups_are_joined_only_after_a_cue(extractor: Extractor) -> None:
    assert extractor.extract("order number 748 596", "en").order_ids == ["748596"]
    assert extractor.extract("I have 748 596 of them", "en").order_ids == []


def test_at_most_max_orders(extractor: Extractor) -> None:
    extraction = extractor.extract("orders 748596, 748597, 100001 and 100002", "en")
    assert extraction.order_ids == ["748596", "748597", "100001"]
    dropped = [c for c in extraction.candidates if not c.taken]
    assert [c.value for c in dropped] == ["100002"]
    assert "more than 3 order numbers" in dropped[0].reasons[-1]


def test_a_repeated_number_is_one_order(extractor: Extractor) -> None:
    assert extractor.extract("order 748596, yes order #748596", "en").order_ids == ["748596"]


def test_distractors_say_why(extractor: Extractor) -> None:
    extraction = extractor.extract("order A-10023, or call me at 748596 or 555-123-4567", "en")
    assert extraction.order_ids == ["A-10023"]
    reasons = {c.text: c.reasons for c in extraction.candidates}
    assert reasons["748596"] == ["follows phone cue 'call'"]


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("de-AT", "de"),
        ("pt_BR", "pt"),
        ("HI", "hi"),
        ("ja-JP", "ja"),
        ("pt-PT", "pt"),
        ("ko", GENERIC),
        (None, GENERIC),
        ("", GENERIC),
    ],
)
def test_tokenizer_choice(extractor: Extractor, code: str | None, language: str) -> None:
    assert extractor.language_for(spoken_language(code)) == language


def test_pipelines_are_built_once_per_process() -> None:
    assert blank_pipeline("fr") is blank_pipeline("fr")


@pytest.mark.parametrize(
    "text",
    ["", " ", "\x00\x01", "#" * 500, "9" * 2000, "order " * 300, "\u202e748596", "🙂" * 100],
)
def test_odd_text_never_raises(extractor: Extractor, text: str) -> None:
    extraction = extractor.extract(text, "en")
    for candidate in extraction.candidates:
        assert text[candidate.start : candidate.end] == candidate.text


# Tokenizers per language.


def test_each_language_gets_the_tokenizer_the_data_chooses(extractor: Extractor) -> None:
    assert extractor.tokenizers["ja"] == "scripts"
    assert extractor.tokenizers["nl"] == "generic"
    for language in ("en", "de", "es", "fr", "pt", "hi", "it", "pl", "tr", "ar"):
        assert extractor.tokenizers[language] == "language"
        assert extractor._languages[language].nlp is blank_pipeline(language)
    assert extractor._languages["nl"].nlp is blank_pipeline(GENERIC)
    assert extractor._languages["ja"].nlp is script_pipeline()


def test_a_language_spacy_lacks_gets_the_generic_tokenizer() -> None:
    spec = SPECS["order-status"].extraction
    assert spec is not None
    words = spec.words.model_copy(update={"order_cues": {**spec.words.order_cues, "sw": ["oda"]}})
    assert tokenizer_of(spec.model_copy(update={"words": words}), "sw") == "generic"


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("注文番号748596の", ["注文番号", "748596", "の"]),
        ("ご注文番号はA-10023です", ["ご", "注文番号", "は", "A-10023", "です"]),
        ("お問い合わせ番号", ["お", "問", "い", "合", "わせ", "番号"]),
        ("オーダー番号748596", ["オーダー", "番号", "748596"]),
        ("198000円のソファ", ["198000", "円", "の", "ソファ"]),
        ("where is my order 748596?", ["where", "is", "my", "order", "748596", "?"]),
    ],
)
def test_the_scripts_tokenizer_cuts_where_the_script_changes(text: str, tokens: list[str]) -> None:
    assert [t.text for t in script_pipeline().make_doc(text)] == tokens


def test_a_tokenizer_that_needs_missing_packages_says_so() -> None:
    spec = SPECS["order-status"].extraction
    assert spec is not None
    try:
        blank_pipeline("ja")
    except ImportError:
        pass
    else:  # pragma: no cover
        pytest.skip("spaCy's Japanese works here: SudachiPy is installed")
    own = spec.model_copy(update={"tokenizers": {**spec.tokenizers, "ja": "language"}})
    with pytest.raises(ConfigurationError, match=r"extraction\.tokenizers\.ja: .*Sudachi"):
        Extractor(own)
    with pytest.raises(ConfigurationError, match=r"extraction\.tokenizers\.ja: .*Sudachi"):
        Extractor(own, lazy=True)  # as the service builds it: told at start-up all the same
