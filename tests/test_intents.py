"""Every designers' file loads, every text renders in every locale, mistakes name the entry."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import INTENT_FILES, LOCALES

from fulfillment.errors import ConfigurationError
from fulfillment.i18n.catalogs import load_translations
from fulfillment.intents import load_intent, load_intents
from fulfillment.phrasing import Phrasebook
from fulfillment.reply import MAX_BUBBLE
from fulfillment.services import build_services
from fulfillment.settings import PROJECT_ROOT, Settings
from fulfillment.templates import placeholders

TRANSLATIONS = load_translations(PROJECT_ROOT / "locales")


def test_the_files_the_tests_below_run_over_are_found() -> None:
    # An empty parametrization is a skip, not a failure: the premise is checked here.
    assert "order-status.yaml" in [path.name for path in INTENT_FILES]
    assert {"en_US", "de", "hi"} <= set(LOCALES)


@pytest.mark.parametrize("path", INTENT_FILES, ids=lambda p: p.name)
@pytest.mark.parametrize("locale", LOCALES)
def test_every_reply_and_phrase_renders(path: Path, locale: str) -> None:
    spec = load_intent(path)
    assert spec.replies
    assert spec.phrases
    book = Phrasebook(spec, locale, TRANSLATIONS[locale])
    # A long value for every placeholder: the longest a reply can get.
    values = {name: f"<{name}:{'x' * 20}>" for name in spec.placeholders}
    for key in spec.replies:
        text = book.reply(key, values)
        assert "{" not in text
        assert len(text) <= MAX_BUBBLE
    for key, phrase in spec.phrases.items():
        if phrase.is_plural:
            for count in (0, 1, 2, 5, 21, 1000):
                assert "{" not in book.plural(key, count, values)
        else:
            assert "{" not in book.phrase(key, values)


# Values an order or an asker may lack: the plainest variant of a reply must not need them.
OPTIONAL = {"carrier", "tracking_number", "expected_date", "delivered_date", "total", "first_name"}


@pytest.mark.parametrize("path", INTENT_FILES, ids=lambda p: p.name)
def test_the_last_variant_needs_nothing_optional(path: Path) -> None:
    spec = load_intent(path)
    assert spec.replies
    for key, reply in spec.replies.items():
        assert not placeholders(reply.variants[-1]) & OPTIONAL, key


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "Order {order_id} was delivered on {delivered_date}.",
            "Order {order_id} was delivered on {deliverd_date}.",
            "replies.delivered: unknown placeholder(s) deliverd_date",
        ),
        (
            "text: Track your package",
            "text: Track {order_id.__class__}",
            "phrases.card.button: placeholder {order_id.__class__} is not a plain name",
        ),
        (
            "interest_type: order-status",
            "interest_type: order-state",
            "must match the file name",
        ),
        ("  delivered:\n    variants:", "  delivered:\n    variant:", "replies.delivered.variants"),
        ("replies:", "replies: [", "cannot read"),
    ],
)
def test_mistakes_name_the_file_and_the_entry(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    source = (PROJECT_ROOT / "intents" / "order-status.yaml").read_text(encoding="utf-8")
    assert old in source
    path = tmp_path / "order-status.yaml"
    path.write_text(source.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigurationError) as raised:
        load_intents(tmp_path)
    assert str(path) in str(raised.value)
    assert expected in str(raised.value)


def test_a_reply_the_handler_needs_cannot_be_removed(tmp_path: Path) -> None:
    source = (PROJECT_ROOT / "intents" / "order-status.yaml").read_text(encoding="utf-8")
    start = source.index("  refunded:\n")
    end = source.index("  not_found:\n")
    (tmp_path / "order-status.yaml").write_text(source[:start] + source[end:], encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", intents_dir=tmp_path, api_keys=["k" * 20])
    with pytest.raises(ConfigurationError, match=r"missing entries: replies\.refunded"):
        build_services(settings)


def test_an_intent_without_a_handler_is_refused(tmp_path: Path) -> None:
    source = (PROJECT_ROOT / "intents" / "order-status.yaml").read_text(encoding="utf-8")
    (tmp_path / "order-status.yaml").write_text(source, encoding="utf-8")
    (tmp_path / "weather.yaml").write_text(
        "interest_type: weather\nreplies:\n  sunny:\n    variants: [Sunny.]\n", encoding="utf-8"
    )
    settings = Settings(data_dir=tmp_path / "data", intents_dir=tmp_path, api_keys=["k" * 20])
    with pytest.raises(ConfigurationError, match=r"no handler for interest type.*weather"):
        build_services(settings)


def test_an_empty_intents_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="no intent files"):
        load_intents(tmp_path)
