"""Mistakes in the designers' extraction data stop start-up, naming file and entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from fulfillment.errors import ConfigurationError
from fulfillment.intents import load_intents
from fulfillment.settings import PROJECT_ROOT

SOURCE = (PROJECT_ROOT / "intents" / "order-status.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (r"pattern: '\d{6}'", r"pattern: '[0-9'", "extraction.formats.0.pattern"),
        (r"pattern: '\d{6}'", r"pattern: '(\d{6})'", "capturing groups"),
        (r"pattern: '\d{6}'", r"pattern: '\d*'", "matches the empty string"),
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
