"""Every shipped catalog: readable, complete, placeholders intact, plural forms per CLDR."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from support import CATALOGS

from fulfillment.errors import ConfigurationError
from fulfillment.i18n.catalogs import load_translations, placeholder_problems, read_catalog
from fulfillment.settings import PROJECT_ROOT

POT = PROJECT_ROOT / "locales" / "messages.pot"


def template_keys() -> set[tuple[str | None, str]]:
    with POT.open("rb") as handle:
        template = read_po(handle)
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in template if m.id}


@pytest.mark.parametrize("locale", sorted(CATALOGS))
def test_catalog_is_complete_and_sound(locale: str) -> None:
    path = CATALOGS[locale]
    catalog = read_catalog(path, locale)
    messages = {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id}

    assert set(messages) == template_keys(), "run pybabel update (see README)"
    for message in messages.values():
        assert not message.fuzzy, f"{path}:{message.lineno} is fuzzy"
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{path}:{message.lineno} is not translated"
        assert placeholder_problems(message) == []
    # The header must agree with CLDR, or a plural form is silently lost.
    assert catalog.num_plurals == get_plural(locale).num_plurals
    assert catalog.num_plurals == len(Locale.parse(locale).plural_form.tags | {"other"})


def _broken_copy(tmp_path: Path, old: str, new: str) -> Path:
    locales = tmp_path / "locales"
    shutil.copytree(PROJECT_ROOT / "locales", locales)
    path = locales / "en_GB" / "LC_MESSAGES" / "messages.po"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return locales


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('msgstr "Order {order_id}"', 'msgstr "Order {order_idd}"', "unknown placeholder"),
        ('msgstr "Order {order_id}"', 'msgstr "Order"', "missing placeholder"),
        ('msgstr "Order {order_id}"', 'msgstr "Order {order_id.__class__}"', "not a plain name"),
        ('msgstr "Order {order_id}"', 'msgstr "Order {order_id!r}"', "conversion"),
        ('msgstr "Order {order_id}"', 'msgstr "Order {order_id"', "source"),
    ],
)
def test_a_broken_placeholder_stops_start_up_naming_the_line(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    locales = _broken_copy(tmp_path, old, new)
    with pytest.raises(ConfigurationError) as raised:
        load_translations(locales)
    message = str(raised.value)
    assert "en_GB/LC_MESSAGES/messages.po:" in message
    assert "order-status:phrases.card.title" in message
    if problem != "source":
        assert problem in message


def test_an_unreadable_catalog_stops_start_up(tmp_path: Path) -> None:
    locales = _broken_copy(tmp_path, 'msgstr "Order {order_id}"', "bogus line")
    with pytest.raises(ConfigurationError, match="cannot read catalog"):
        load_translations(locales)


def test_fuzzy_entries_are_not_served(tmp_path: Path) -> None:
    locales = _broken_copy(
        tmp_path,
        'msgctxt "order-status:phrases.card.title"',
        '#, fuzzy\nmsgctxt "order-status:phrases.card.title"',
    )
    translations = load_translations(locales)
    assert (
        translations["en_GB"].pgettext("order-status:phrases.card.title", "Order {order_id}")
        == "Order {order_id}"
    )
    assert (
        translations["en_GB"].pgettext("order-status:phrases.status.shipped", "Shipped")
        == "Dispatched"
    )
