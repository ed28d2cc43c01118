"""Mistakes in the designers' extraction data stop start-up, naming file and entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from fulfillment.errors import ConfigurationError
from fulfillment.extraction.extractor import Extractor
from fulfillment.intents import load_intents
from fulfillment.settings import PROJECT_ROOT

SOURCE = (PROJECT_ROOT / "intents" / "order-status.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (r"pattern: '\d{6}'", r"pattern: '[0-9'", "extraction.formats.0.pattern"),
        (r"pattern: '\d{6}'", r"pattern: '(\d{6})'", "capturing groups"),
        (r"pattern: '\d{6}'", r"pattern: '\d*'", "matches the empty string"),
        (r"pattern: '\d{6}'", r"pattern: '(?i)\d{6}'", "apply to one pattern only"),
        ('example: "748596"', 'example: "74859"', "does not match the pattern"),
        ("      de: [Telefon", "      xx: [Telefon", "extraction.words.phone_cues.xx"),
        ('  - {lang: en, text: "748596"', '  - {lang: en, txt: "748596"', "tests.4"),
        ("extraction:\n  formats:", "extraction:\n  formats: {", "cannot read"),
    ],
)
def test_bad_extraction_data_names_file_and_entry(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert old in SOURCE
    path = tmp_path / "order-status.yaml"
    path.write_text(SOURCE.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigurationError) as raised:
        load_intents(tmp_path)
    assert str(path) in str(raised.value)
    assert expected in str(raised.value)


# The languages come from the data: adding one needs no code.

SPEC = load_intents(PROJECT_ROOT / "intents")["order-status"].extraction
assert SPEC is not None


def test_the_languages_are_those_the_data_names() -> None:
    assert SPEC is not None
    assert set(SPEC.languages) == {
        *("en", "de", "es", "fr", "pt", "hi"),
        *("it", "nl", "pl", "tr", "ar", "ja"),
    }
    # every table's keys, "any" aside
    named = {key for table in SPEC.words.model_dump().values() for key in table} - {"any"}
    assert named <= set(SPEC.languages)


def test_a_language_added_in_the_data_is_served(tmp_path: Path) -> None:
    swedish = (
        SOURCE.replace(
            "      de: [Bestellung,",
            "      sv: [beställning, beställningen, ordernummer]\n      de: [Bestellung,",
            1,
        )
        .replace(
            "    markers:\n      any: ['#',",
            "    markers:\n      sv: [nummer, nr]\n      any: ['#',",
            1,
        )
        .replace(
            "      de: [Telefon,",
            "      sv: [telefon, ring, ringa, mobil]\n      de: [Telefon,",
            1,
        )
    )
    path = tmp_path / "order-status.yaml"
    path.write_text(swedish, encoding="utf-8")
    spec = load_intents(tmp_path)["order-status"].extraction
    assert spec is not None
    assert "sv" in spec.languages
    extractor = Extractor(spec)
    assert extractor.language_for("sv") == "sv"
    assert extractor.tokenizers["sv"] == "language"  # spaCy has Swedish
    extraction = extractor.extract("Var är min beställning 748596? Ring 070 123456", "sv")
    assert extraction.order_ids == ["748596"]
    assert "cue word 'beställning'" in extraction.candidates[0].reasons[0]
    assert extraction.candidates[1].reasons == ["follows phone cue 'Ring'"]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("xx", "'xx' is not a language code that Babel knows"),
        ("pt_PT", "'pt_PT' is not a language code"),
        ("pt-PT", "'pt-PT' is not a language code"),
        ("EN", "'EN' is not a language code"),
        ("root", "'root' is not a language code"),
        ("zz", "'zz' is not a language code"),
    ],
)
def test_a_language_babel_does_not_know_is_refused(tmp_path: Path, key: str, expected: str) -> None:
    path = tmp_path / "order-status.yaml"
    path.write_text(SOURCE.replace("      de: [Telefon", f"      {key}: [Telefon", 1), "utf-8")
    with pytest.raises(ConfigurationError) as raised:
        load_intents(tmp_path)
    assert f"extraction.words.phone_cues.{key}" in str(raised.value)
    assert expected in str(raised.value)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("    ja: scripts\n", "    ja: sudachi\n", "extraction.tokenizers.ja"),
        ("    ja: scripts\n", "    jp: scripts\n", "'jp' is not a language code"),
        ("      ar: [و, ب, ل]", "      ar: [و, ب, وال ب]", "is not a prefix"),
    ],
)
def test_bad_tokenizers_and_prefixes_name_the_entry(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert old in SOURCE
    path = tmp_path / "order-status.yaml"
    path.write_text(SOURCE.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigurationError) as raised:
        load_intents(tmp_path)
    assert expected in str(raised.value)
