"""Text as the extractor reads it: every script's digits and full-width forms as ASCII,
each character one character, so that offsets stay those of what the customer typed."""

from __future__ import annotations

import pytest
from support import INTENT_FILES

from fulfillment.extraction.extractor import Extractor
from fulfillment.extraction.normalize import MAY_CHANGE, TABLE, normalize
from fulfillment.intents import load_intent

SPEC = load_intent(next(p for p in INTENT_FILES if p.stem == "order-status")).extraction
assert SPEC is not None


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    assert SPEC is not None
    return Extractor(SPEC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("٧٤٨٥٩٦", "748596"),  # Arabic-Indic
        ("۷۴۸۵۹۶", "748596"),  # Extended Arabic-Indic (Persian, Urdu keyboards)
        ("७४८५९६", "748596"),  # Devanagari
        ("１００００３", "100003"),  # full-width
        ("৭৪৮৫৯৬", "748596"),  # Bengali
        ("๗๔๘๕๙๖", "748596"),  # Thai
        ("ＯＲＤ－５８２１３", "ORD-58213"),  # full-width letters and hyphen
        ("＃１００１", "#1001"),
        ("注文番号：１００００３。", "注文番号:100003。"),  # full-width colon; 。 stays
        ("１４：３０", "14:30"),
        ("（０３）", "(03)"),
        ("注文\u3000748596", "注文 748596"),  # ideographic space
        ("￥198000", "¥198000"),
        ("٤٩٫٩٩", "49.99"),  # Arabic decimal separator
        ("١٬٥٠٠", "1,500"),  # Arabic thousands separator
        ("748596", "748596"),
    ],
)
def test_digits_and_full_width_forms_become_ascii(text: str, expected: str) -> None:
    assert normalize(text, 100) == expected
    assert len(normalize(text, 100)) == len(text)


def test_every_full_width_ascii_form_is_translated() -> None:
    for code in range(0xFF01, 0xFF5F):
        assert chr(code).translate(TABLE) == chr(code - 0xFEE0)
        assert MAY_CHANGE.search(chr(code))


@pytest.mark.parametrize(
    "text",
    ["注文番号の配送状況", "طلبي رقم", "ऑर्डर कहाँ है", "zamówienie", "siparişim", "\u2068\u2069"],
)
def test_letters_and_marks_are_left_alone(text: str) -> None:
    assert normalize(text, 100) == text


@pytest.mark.parametrize(
    ("language", "text", "shown"),
    [
        ("ar", "رقم الطلب ٧٤٨٥٩٦", "٧٤٨٥٩٦"),
        ("ar", "رقم الطلب ۷۴۸۵۹۶", "۷۴۸۵۹۶"),
        ("ja", "注文７４８５９６は？", "７４８５９６"),
        ("ja", "注文番号：１００００３", "１００００３"),
    ],
)
def test_numbers_are_reported_in_ascii_and_shown_as_typed(
    extractor: Extractor, language: str, text: str, shown: str
) -> None:
    extraction = extractor.extract(text, language)
    (candidate,) = extraction.candidates
    assert candidate.text == shown  # the span of what the customer typed
    assert extraction.order_ids == [normalize(shown, 100)]
    assert extraction.order_ids[0].isascii()
