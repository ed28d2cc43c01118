"""A guest's second factor and an order's last digits, read from free text (issue 16)."""

from __future__ import annotations

import pytest
from support import INTENT_FILES

from fulfillment.domain import Factor, Proof
from fulfillment.extraction.factors import FactorFinder, postcode_pattern, region_of
from fulfillment.intents import load_intent


@pytest.fixture(scope="module", params=INTENT_FILES, ids=lambda p: p.stem)
def finder(request: pytest.FixtureRequest) -> FactorFinder:
    spec = load_intent(request.param)
    assert spec.extraction is not None
    return FactorFinder(spec.extraction.words)


@pytest.mark.parametrize(
    ("language", "text", "digits"),
    [
        ("en", "what about the one ending in 8596?", "8596"),
        ("en", "the order that ends with 85 96", "8596"),
        ("en", "last four digits 0002", "0002"),
        ("de", "die Bestellung, die endet auf 8596", "8596"),
        ("es", "el pedido que termina en 8596", "8596"),
        ("fr", "la commande qui se termine par 8596", "8596"),
        ("pt", "o pedido que termina em 8596", "8596"),
        ("hi", "आखिरी अंक 8596 वाला ऑर्डर", "8596"),
        ("ja", "末尾が8596の注文はどこですか", "8596"),  # no spaces around the cue
        ("ja", "末尾が８５９６の注文", "8596"),  # full-width digits
        ("en", "the one ending in ８５９６", "8596"),  # full-width digits
        ("en", "the one ending in 596", None),  # fewer than 4 digits
        ("en", "order 748596 please", None),  # no cue
        (None, "ending in 8596", "8596"),  # language unknown: every language's cues
    ],
)
def test_last_digits(finder: FactorFinder, language: str | None, text: str, digits: str) -> None:
    assert finder.last_digits(text, language) == digits


@pytest.mark.parametrize(
    ("factor", "text", "locale", "awaited", "value"),
    [
        (Factor.EMAIL, "it's Ram123@Gmail.com.", "en", False, "ram123@gmail.com"),
        (Factor.EMAIL, "no address here", "en", True, None),
        (Factor.POSTCODE, "my pin code is 560 034", "en_IN", False, "560034"),
        (Factor.POSTCODE, "meine PLZ ist 10437", "de", False, "10437"),
        (Factor.POSTCODE, "postcode SW1A 1AA thanks", "en_GB", False, "SW1A1AA"),
        (Factor.POSTCODE, "SW1A 1AA", "en_GB", True, "SW1A1AA"),
        (Factor.POSTCODE, "CEP 01310-200", "pt_BR", False, "01310200"),
        (Factor.POSTCODE, "pin code 560034", "en", False, "560034"),  # abroad: US locale
        (Factor.POSTCODE, "10437", "de", False, None),  # not asked, no cue: not a postcode
        (Factor.PHONE_LAST4, "phone number ending in 0123", "en", False, "0123"),
        (Factor.PHONE_LAST4, "Telefon +49 151 4455 6677", "de", False, "6677"),
        (Factor.PHONE_LAST4, "last 4 digits: 0123", "en", True, "0123"),
        (Factor.PHONE_LAST4, "0123 or 4567", "en", True, None),  # which one? neither
    ],
)
def test_proof(
    finder: FactorFinder, factor: Factor, text: str, locale: str, awaited: bool, value: str
) -> None:
    language = locale.split("_")[0]
    found = finder.proof(factor, text, language, locale, awaited)
    assert (found.value if found else None) == value


def test_regions_and_postcode_formats_come_from_cldr_and_google_data() -> None:
    assert [region_of(x) for x in ("en", "en_GB", "hi", "pt_BR", "de", "xx-nonsense")] == [
        "US",
        "GB",
        "IN",
        "BR",
        "DE",
        None,
    ]
    pattern = postcode_pattern("NL")
    assert pattern is not None
    assert pattern.fullmatch("1012 AB")
    assert postcode_pattern(None) is None
    assert postcode_pattern("ZZ") is None


@pytest.mark.parametrize(
    ("factor", "raw", "value"),
    [
        (Factor.EMAIL, " A@B.example ", "a@b.example"),
        (Factor.EMAIL, "not an address", None),
        (Factor.POSTCODE, "sw1a-1aa", "SW1A1AA"),
        (Factor.POSTCODE, "!!", None),
        (Factor.PHONE_LAST4, "+1 (415) 555-0123", "0123"),
        (Factor.PHONE_LAST4, "123", None),
    ],
)
def test_proofs_are_compared_in_one_form(factor: Factor, raw: str, value: str | None) -> None:
    proof = Proof.of(factor, raw)
    assert (proof.value if proof else None) == value


def test_an_order_without_the_factor_is_never_proved() -> None:
    proof = Proof.of(Factor.POSTCODE, "10437")
    assert proof is not None
    assert proof.matches(None, "10437", None)
    assert not proof.matches("a@b.example", None, "+49 151")
