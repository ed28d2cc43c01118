"""The designers' texts reach the translators: extraction through pybabel and pyproject.toml."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from fulfillment.intents import load_intent
from fulfillment.settings import PROJECT_ROOT

POT = PROJECT_ROOT / "locales" / "messages.pot"


def _entries(catalog: Catalog) -> dict[tuple[str | None, object], tuple[object, ...]]:
    # Comments are compared as text: pybabel wraps them at whatever width it was given.
    return {
        (m.context, m.id): (" ".join(m.auto_comments), tuple(sorted(m.flags)))
        for m in catalog
        if m.id
    }


@pytest.fixture
def extracted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Catalog:
    output = tmp_path / "messages.pot"
    monkeypatch.chdir(PROJECT_ROOT)
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", "pyproject.toml", "-o", os.fspath(output), "."]
    )
    with output.open("rb") as handle:
        return read_po(handle)


def test_committed_template_is_up_to_date(extracted: Catalog) -> None:
    with POT.open("rb") as handle:
        committed = read_po(handle)
    assert _entries(extracted) == _entries(committed), (
        "locales/messages.pot is stale: run the extract command from the README"
    )


def test_every_entry_has_context_and_translator_comments(extracted: Catalog) -> None:
    messages = [m for m in extracted if m.id]
    assert messages
    for message in messages:
        assert message.context
        assert message.context.startswith("order-status:")
        assert message.auto_comments or "{" not in str(message.id)
        text = message.id if isinstance(message.id, str) else " ".join(message.id)
        if "{" in text:
            assert "python-brace-format" in message.flags


def test_plural_phrases_are_plural_entries(extracted: Catalog) -> None:
    phrase = load_intent(PROJECT_ROOT / "intents" / "order-status.yaml").phrases["item_count"]
    item_count = extracted.get(
        (phrase.one, phrase.other), context="order-status:phrases.item_count"
    )
    assert item_count is not None
    assert item_count.pluralizable


def test_short_texts_tell_translators_their_limit(extracted: Catalog) -> None:
    text = load_intent(PROJECT_ROOT / "intents" / "order-status.yaml").phrases["card.button"].text
    button = extracted.get(text, context="order-status:phrases.card.button")
    assert button is not None
    assert (
        "Shown as a button label: at most 20 characters (Messenger cuts button titles at 20)."
        in " ".join(button.auto_comments)
    )
