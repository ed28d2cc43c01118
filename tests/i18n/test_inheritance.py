"""A catalog that inherits (X-Inherits-From) holds only what differs from its parent: entries
it lacks are taken, one by one, from its parent chain; then the whole-reply fallback applies."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.dates import format_skeleton
from click.testing import CliRunner
from starlette.testclient import TestClient
from support import API_KEY, CATALOGS, build_request, served_format, written_date

from fulfillment.app import SEED_PATH
from fulfillment.cli import main
from fulfillment.i18n import matching
from fulfillment.i18n.catalogs import (
    check_all,
    inheritance,
    load_translations,
    read_catalog,
    resolve_all,
    stats_of,
)
from fulfillment.i18n.dates import DATE_SKELETON
from fulfillment.i18n.pofiles import Parsed
from fulfillment.i18n.sources import intents_sources
from fulfillment.intents import load_intent
from fulfillment.phrasing import Phrasebook
from fulfillment.settings import PROJECT_ROOT

LOCALES_DIR = PROJECT_ROOT / "locales"
INTENTS_DIR = PROJECT_ROOT / "intents"
SPEC = load_intent(INTENTS_DIR / "order-status.yaml")
SOURCES, _ = intents_sources(INTENTS_DIR)
DAY = dt.date(2025, 3, 12)
HEADER = '"Language: en_AU\\n"'


def parsed(locales: Path = LOCALES_DIR) -> dict[str, Parsed]:
    catalogs = {}
    for locale, path in CATALOGS.items():
        catalog = read_catalog(locales / path.relative_to(LOCALES_DIR), locale)
        assert not isinstance(catalog, Exception)
        catalogs[locale] = catalog
    return catalogs


def book(locale: str, locales: Path = LOCALES_DIR) -> Phrasebook:
    return Phrasebook(SPEC, locale, load_translations(locales)[locale], report=False)


def run(locales: Path, *args: str) -> str:
    result = CliRunner().invoke(
        main, ["catalogs", *args], env={"FULFILLMENT_LOCALES_DIR": str(locales)}
    )
    return str(result.output)


@pytest.fixture
def locales(tmp_path: Path) -> Path:
    copy = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, copy)
    return copy


def australian(locales: Path) -> Path:
    return locales / "en_AU" / "LC_MESSAGES" / "messages.po"


def add_entry(path: Path, context: str, english: str, translation: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f'\nmsgctxt "{context}"\nmsgid "{english}"\nmsgstr "{translation}"\n')


# -- what is shipped -------------------------------------------------------------------------


def test_en_au_holds_only_what_differs_from_en_gb() -> None:
    catalogs = parsed()
    assert catalogs["en_AU"].inherits == "en_GB"
    assert [e for e in catalogs["en_AU"].entries if not e.obsolete] == []
    parents, problems = inheritance(catalogs)
    assert problems == []
    # Every X-Inherits-From shipped is honoured, among them the two TRANSLATING.md names.
    assert parents == {
        locale: catalog.inherits for locale, catalog in catalogs.items() if catalog.inherits
    }
    assert parents.items() >= {("en_AU", "en_GB"), ("pt_PT", "pt_BR")}


@pytest.mark.parametrize("locale", sorted(CATALOGS))
def test_every_catalog_counts_own_and_inherited_entries(locale: str) -> None:
    catalogs = parsed()
    parents, problems = inheritance(catalogs)
    assert problems == []
    stats = stats_of(resolve_all(SOURCES, catalogs, frozenset(catalogs))[locale])
    parent = parents.get(locale)
    if parent is None:
        assert stats.inherited == 0
    else:
        own = stats_of(resolve_all(SOURCES, catalogs, frozenset(catalogs))[parent])
        assert stats.translated + stats.inherited == own.translated + own.stale + own.inherited
    assert stats.total == len(SOURCES)
    # Never reported as missing: an inheriting catalog's findings are its own entries' only.
    if parent is not None:
        found = [
            p for p in check_all(LOCALES_DIR, INTENTS_DIR, locale) if p.path == CATALOGS[locale]
        ]
        assert [p for p in found if p.rule in ("missing", "untranslated")] == []


def test_stats_show_own_and_inherited(locales: Path) -> None:
    lines = run(locales, "stats").splitlines()
    assert lines[0].split()[:3] == ["locale", "translated", "inherited"]
    row = next(line for line in lines if line.startswith("en_AU "))
    british = next(line for line in lines if line.startswith("en_GB "))
    assert row.split()[1] == "0"
    # Everything en_GB serves from its own catalog, up to date or stale.
    assert int(row.split()[2]) == int(british.split()[1]) + int(british.split()[3])
    assert row.endswith("(inherits from en_GB)")


def test_en_au_says_en_gb_s_words_with_its_own_dates(shared_client: TestClient) -> None:
    words = book("en_AU")
    said = words.reply("delivered", {"order_id": "1", "delivered_date": DAY})
    assert (
        said == f"Order 1 was delivered on {format_skeleton(DATE_SKELETON, DAY, locale='en_AU')}."
    )
    assert said != book("en_GB").reply("delivered", {"order_id": "1", "delivered_date": DAY})
    assert words.phrase("status.shipped") == "Dispatched"
    response = shared_client.post(
        SEED_PATH,
        json=build_request(language="en-AU"),
        headers={"Authorization": f"Bearer {API_KEY}"},
    )
    assert response.headers["content-language"] == "en-AU"
    text = response.json()["response"]["responseMessages"][0]["simpleResponse"]["responseText"]
    assert "dispatched" in text


# -- an override, a gap ---------------------------------------------------------------------


def test_an_override_is_served_and_the_rest_inherited(locales: Path) -> None:
    path = australian(locales)
    add_entry(path, "order-status:phrases.status.shipped", "Shipped", "Sent off")
    add_entry(path, "order-status:phrases.card.title", "Order {order_id}", "")  # empty: inherited
    assert [p for p in check_all(locales, INTENTS_DIR, "en_AU") if p.path == path] == []
    words = book("en_AU", locales)
    assert words.phrase("status.shipped") == "Sent off"
    assert words.phrase("card.title", {"order_id": "7"}) == "Order 7"
    row = next(line for line in run(locales, "stats").splitlines() if line.startswith("en_AU"))
    assert row.split()[1] == "1"


def test_a_gap_in_the_parent_is_reported_once_and_falls_back_whole(locales: Path) -> None:
    def untranslated() -> int:
        lines = run(locales, "stats").splitlines()
        return int(next(line for line in lines if line.startswith("en_AU")).split()[4])

    before = untranslated()
    british = locales / "en_GB" / "LC_MESSAGES" / "messages.po"
    text = british.read_text(encoding="utf-8")
    british.write_text(text.replace('msgstr "Dispatched"', 'msgstr ""', 1), encoding="utf-8")
    found = [p for p in check_all(locales, INTENTS_DIR) if "status.shipped'" in p.message]
    assert [(p.path, p.rule) for p in found] == [(british, "untranslated")]
    words = book("en_AU", locales)
    answered, said = words.whole(lambda b: b.phrase("status.shipped"))
    assert (answered.locale, said) == ("en_US", "Shipped")
    assert untranslated() == before + 1


def test_a_stale_parent_entry_is_served_in_the_child_and_counted_in_the_parent(
    locales: Path,
) -> None:
    stale = len(book("en_GB", locales).stale)
    british = locales / "en_GB" / "LC_MESSAGES" / "messages.po"
    text = british.read_text(encoding="utf-8")
    old = 'msgctxt "order-status:phrases.status.shipped"'
    british.write_text(text.replace(old, "#, fuzzy\n" + old, 1), encoding="utf-8")
    assert book("en_AU", locales).phrase("status.shipped") == "Dispatched"
    assert len(book("en_AU", locales).stale) == 0
    assert len(book("en_GB", locales).stale) == stale + 1


def test_plural_entries_are_inherited_only_with_the_same_plural_forms(
    locales: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = matching.plural_rule

    def other_forms(locale: str) -> tuple[int, Callable[[int], int], tuple[str, ...]]:
        count, index, names = real(locale)
        return (count, index, ("uno", "otro")) if locale == "en_AU" else (count, index, names)

    monkeypatch.setattr(matching, "plural_rule", other_forms)
    found = [
        p
        for p in check_all(locales, INTENTS_DIR, "en_AU")
        if p.rule == "missing" and "phrases.item_count" in p.message
    ]
    assert len(found) == 1
    assert "translate it here" in found[0].message


# -- where a parent cannot be -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("parent", "why"),
    [
        ("de", "de is another language"),
        ("en_AU", "names this catalog itself"),
        ("en_CA", "there is no readable catalog for en_CA"),
    ],
)
def test_a_parent_it_cannot_inherit_from_is_named(locales: Path, parent: str, why: str) -> None:
    path = australian(locales)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("X-Inherits-From: en_GB", f"X-Inherits-From: {parent}"))
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "X-Inherits-From" in t)
    found = [p for p in check_all(locales, INTENTS_DIR, "en_AU") if p.rule == "inherits"]
    assert [(p.path, p.line) for p in found] == [(path, line)]
    assert why in found[0].message
    # Served without inheriting: what it lacks is missing, answered by the fallback, whole.
    assert "en_AU" in load_translations(locales)
    answered, _said = book("en_AU", locales).whole(lambda b: b.phrase("status.shipped"))
    assert answered.locale == "en_GB"


def test_a_circle_is_named_in_each_catalog_on_it(locales: Path) -> None:
    british = locales / "en_GB" / "LC_MESSAGES" / "messages.po"
    text = british.read_text(encoding="utf-8")
    head, rest = text.split("\n\n", 1)
    british.write_text(f'{head}\n"X-Inherits-From: en_AU\\n"\n\n{rest}', encoding="utf-8")
    found = [p for p in check_all(locales, INTENTS_DIR) if p.rule == "inherits"]
    assert {p.path for p in found} == {british, australian(locales)}
    assert all("goes round in a circle" in p.message for p in found)


def test_a_variant_may_inherit_the_designers_english(locales: Path) -> None:
    path = locales / "en_CA" / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    text = australian(locales).read_text(encoding="utf-8").replace(HEADER, '"Language: en_CA\\n"')
    path.write_text(text.replace("X-Inherits-From: en_GB", "X-Inherits-From: en_US"))
    add_entry(path, "order-status:phrases.card.button", "Track your package", "Track your parcel")
    assert [p for p in check_all(locales, INTENTS_DIR, "en_CA") if p.path == path] == []
    words = book("en_CA", locales)
    assert words.phrase("card.button") == "Track your parcel"
    assert words.phrase("status.cancelled") == "Canceled"


# -- the commands keep it so -------------------------------------------------------------------


def test_update_keeps_the_header_and_adds_no_empty_entries(locales: Path) -> None:
    path = australian(locales)
    add_entry(path, "order-status:phrases.status.shipped", "Shipped", "Sent off")
    add_entry(path, "order-status:phrases.card.title", "Order {order_id}", "")
    output = run(locales, "update")
    assert "en_AU: updated" in output
    text = path.read_text(encoding="utf-8")
    assert '"X-Inherits-From: en_GB\\n"' in text
    assert text.count("msgid ") == 2  # the header and its one override
    assert 'msgstr "Sent off"' in text
    assert "en_AU: up to date" in run(locales, "update")
    assert parsed(locales)["en_AU"].inherits == "en_GB"


def test_init_starts_an_inheriting_catalog_empty(locales: Path) -> None:
    # Canadian English, which no catalog is shipped for, from British English: the same words,
    # and dates written another way in every format, so whose dates a reply has shows.
    assert "en_CA" not in CATALOGS
    output = run(locales, "init", "en_CA", "--inherits-from", "en_GB")
    assert "inheriting from en_GB" in output
    path = locales / "en_CA" / "LC_MESSAGES" / "messages.po"
    catalog = read_catalog(path, "en_CA")
    assert not isinstance(catalog, Exception)
    assert (catalog.inherits, catalog.entries) == ("en_GB", [])
    assert [p for p in check_all(locales, INTENTS_DIR, "en_CA") if p.path == path] == []
    words, british = book("en_CA", locales), book("en_GB")
    assert words.phrase("status.shipped") == british.phrase("status.shipped")
    # Canadian dates, British words, until en_CA says them its own way: the date in the format
    # en_GB's translation gives it.
    values = {"order_id": "1", "delivered_date": DAY}
    said, british_said = words.reply("delivered", values), british.reply("delivered", values)
    spec = served_format(SPEC, "en_GB", "replies.delivered", "delivered_date")
    canadian, british_date = written_date(DAY, spec, "en_CA"), written_date(DAY, spec, "en_GB")
    assert canadian != british_date
    assert british_date in british_said
    assert said == british_said.replace(british_date, canadian)
    refused = run(locales, "init", "es_MX", "--inherits-from", "pt_BR")
    assert "its own language only" in refused
    missing = run(locales, "init", "es_AR", "--inherits-from", "es_MX")
    assert "no catalog for es_MX" in missing
