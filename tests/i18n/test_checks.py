"""Length limits per kind of text, from the platforms' documented limits, told to translators
in each entry's notes and held by `catalogs check` (rule `length`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support import CATALOGS

from fulfillment.i18n.catalogs import check_all, read_catalog, read_template
from fulfillment.i18n.checks import (
    BUTTON,
    CARD_SUBTITLE,
    CARD_TITLE,
    CHIP,
    TEXT,
    Kind,
    kind_of,
    text_findings,
)
from fulfillment.settings import PROJECT_ROOT

LOCALES_DIR = PROJECT_ROOT / "locales"
INTENTS_DIR = PROJECT_ROOT / "intents"


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("phrases.card.button", BUTTON),
        ("phrases.order.buttons", BUTTON),
        ("phrases.next.chip", CHIP),
        ("phrases.suggestions", CHIP),
        ("phrases.menu.quick_reply", CHIP),
        ("phrases.card.title", CARD_TITLE),
        ("phrases.card.parcel_title", CARD_TITLE),
        ("phrases.status.shipped", CARD_SUBTITLE),
        ("phrases.shipment.delivery_failed", CARD_SUBTITLE),
        ("phrases.card.subtitle", CARD_SUBTITLE),
        ("phrases.card.item_line", TEXT),
        ("phrases.item_count", TEXT),
        ("replies.card.button", TEXT),  # a reply is a bubble, whatever its name
    ],
)
def test_each_kind_of_text_has_its_limit(key: str, kind: Kind) -> None:
    assert kind_of(f"order-status:{key}") is kind


def test_the_limits_are_the_strictest_documented_ones() -> None:
    assert (BUTTON.limit, CHIP.limit, CARD_TITLE.limit, CARD_SUBTITLE.limit, TEXT.limit) == (
        20,
        20,
        80,
        80,
        640,
    )
    assert text_findings("x" * 20, CHIP) == []
    [(rule, what)] = text_findings("x" * 21, CHIP)
    assert rule == "length"
    assert what == "chip is 21 characters; at most 20 (" + CHIP.why + ")"


def test_translators_are_told_each_limit() -> None:
    template = read_template(LOCALES_DIR)
    assert not isinstance(template, Exception)
    for entry in template.entries:
        kind = kind_of(entry.context)
        told = [c for c in entry.comments if c.startswith("Shown as a ")]
        if kind is TEXT:
            assert told == []
        else:
            assert told == [
                f"Shown as a {kind.name}: at most {kind.limit} characters ({kind.why})."
            ]


@pytest.mark.parametrize("locale", sorted(CATALOGS))
def test_every_catalog_keeps_to_the_limits(locale: str) -> None:
    catalog = read_catalog(CATALOGS[locale], locale)
    assert not isinstance(catalog, Exception)
    for entry in catalog.entries:
        for text in entry.strings:
            assert len(text) <= kind_of(entry.context).limit, (locale, entry.context, text)


def test_a_parcel_status_is_held_to_the_subtitle_limit(tmp_path: Path) -> None:
    locales = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, locales)
    path = locales / "de" / "LC_MESSAGES" / "messages.po"
    text = path.read_text(encoding="utf-8")
    old = 'msgctxt "order-status:phrases.shipment.in_transit"'
    start = text.index(old)
    end = text.index("\n\n", start)
    entry = text[start:end]
    msgstr = entry[entry.index("msgstr ") :]
    long = 'msgstr "' + "Unterwegs " * 9 + '"'
    path.write_text(text[:start] + entry.replace(msgstr, long) + text[end:], encoding="utf-8")
    found = [p for p in check_all(locales, INTENTS_DIR, "de") if p.rule == "length"]
    assert len(found) == 1
    assert "card subtitle is 90 characters; at most 80" in found[0].message
