"""Every shipped catalog is complete and sound; broken ones are caught, named and not served."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from babel import Locale
from babel.dates import format_skeleton
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po
from babel.numbers import format_currency
from click.testing import CliRunner
from starlette.testclient import TestClient
from support import API_KEY, CATALOGS, LOCALES, build_request

from fulfillment.app import SEED_PATH, create_app
from fulfillment.cli import main
from fulfillment.i18n.catalogs import (
    catalog_stats,
    check_all,
    check_catalog,
    load_translations,
    read_catalog,
    read_template,
)
from fulfillment.intents import load_intent
from fulfillment.phrasing import DATE_SKELETON, Phrasebook
from fulfillment.settings import PROJECT_ROOT, Settings

LOCALES_DIR = PROJECT_ROOT / "locales"


@pytest.mark.parametrize("locale", sorted(CATALOGS))
def test_catalog_is_complete_and_sound(locale: str) -> None:
    path = CATALOGS[locale]
    catalog = read_catalog(path, locale)
    template = read_template(LOCALES_DIR)
    assert not isinstance(catalog, Exception)
    assert not isinstance(template, Exception)
    problems = check_catalog(catalog, path, template)  # type: ignore[arg-type]
    assert [str(p) for p in problems] == []
    # The header agrees with CLDR, or a plural form would be silently lost.
    assert catalog.num_plurals == get_plural(locale).num_plurals  # type: ignore[union-attr]
    assert catalog.num_plurals == len(Locale.parse(locale).plural_form.tags | {"other"})  # type: ignore[union-attr]


def test_every_shipped_catalog_is_served() -> None:
    assert set(load_translations(LOCALES_DIR)) == set(LOCALES)
    assert {"en_US", "en_GB", "en_AU", "de", "fr", "es", "pt_BR", "hi"} <= set(LOCALES)


@pytest.mark.parametrize("locale", LOCALES)
def test_dates_and_amounts_are_written_the_locale_s_way(locale: str) -> None:
    spec = load_intent(PROJECT_ROOT / "intents" / "order-status.yaml")
    book = Phrasebook(spec, locale, load_translations(LOCALES_DIR)[locale])
    day, amount = dt.date(2025, 3, 12), Decimal("1234.5")
    assert book.date(day) == format_skeleton(DATE_SKELETON, day, locale=locale)
    assert book.money(amount, "EUR") == format_currency(amount, "EUR", locale=locale)
    assert book.join_list(["A", "B", "C"]) != "A, B, C"  # each locale has its "and"


@pytest.mark.parametrize("locale", LOCALES)
def test_a_refund_reply_carries_the_amount_as_the_locale_writes_it(
    shared_client: TestClient, locale: str
) -> None:
    language = {"en_US": "en-US", "en_GB": "en-GB", "en_AU": "en-AU"}.get(
        locale, locale.replace("_", "-")
    )
    request = build_request("100010", uid="ram123", channel="WEB", language=language)
    response = shared_client.post(
        SEED_PATH, json=request, headers={"Authorization": f"Bearer {API_KEY}"}
    )
    assert response.headers["content-language"] == locale.replace("_", "-")
    text = response.json()["response"]["responseMessages"][0]["simpleResponse"]["responseText"]
    assert format_currency(Decimal("60.00"), "USD", locale=locale) in text


def _copy(tmp_path: Path) -> Path:
    locales = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, locales)
    return locales


def _edit(locales: Path, locale: str, old: str, new: str) -> Path:
    path = locales / locale / "LC_MESSAGES" / "messages.po"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _entry_line(path: Path, old: str) -> int:
    """The msgid line of the entry holding `old`, found before the edit."""
    return _line_of(path, old)


def _line_of(path: Path, text: str) -> int:
    """The msgid line of the entry holding `text`: the line Babel and the check report."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = next(n for n, line in enumerate(lines) if text in line)
    if lines[found].startswith("msgctxt"):
        return found + 2
    while not lines[found].startswith("msgid"):
        found -= 1
    return found + 1


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            'msgstr "Order {order_id}"',
            'msgstr "Order {order_idd}"',
            "unknown placeholder(s) {order_idd}",
        ),
        ('msgstr "Order {order_id}"', 'msgstr "Order"', "missing placeholder(s) {order_id}"),
        ('msgstr "Order {order_id}"', 'msgstr "Order {order_id.__class__}"', "not a plain name"),
        ('msgstr "Order {order_id}"', 'msgstr "Order {order_id!r}"', "conversion"),
        ('msgstr "Order {order_id}"', 'msgstr "Order %(order_id)s"', "unknown placeholder(s)"),
        ('msgstr "Order {order_id}"', 'msgstr ""', "not translated"),
    ],
)
def test_check_names_the_line_of_a_broken_entry(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    locales = _copy(tmp_path)
    line = _entry_line(locales / "en_GB" / "LC_MESSAGES" / "messages.po", old)
    path = _edit(locales, "en_GB", old, new)
    problems = [str(p) for p in check_all(locales)]
    assert any(p.startswith(f"{path}:{line}: ") and problem in p for p in problems), problems
    # ...and the broken locale is not served: its customers get the default instead.
    assert "en_GB" not in load_translations(locales)


def test_check_catches_a_fuzzy_entry(tmp_path: Path) -> None:
    locales = _copy(tmp_path)
    path = _edit(
        locales,
        "en_GB",
        'msgctxt "order-status:phrases.card.title"',
        '#, fuzzy\nmsgctxt "order-status:phrases.card.title"',
    )
    problems = [str(p) for p in check_all(locales)]
    line = _line_of(path, 'msgctxt "order-status:phrases.card.title"')
    assert any(p.startswith(f"{path}:{line}: ") and "fuzzy" in p for p in problems), problems


def test_check_catches_a_missing_plural_form(tmp_path: Path) -> None:
    locales = _copy(tmp_path)
    path = locales / "en_GB" / "LC_MESSAGES" / "messages.po"
    lines = path.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("msgstr[1]"))
    msgid_line = next(i for i in range(index, 0, -1) if lines[i].startswith("msgid ")) + 1
    del lines[index]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = [str(p) for p in check_all(locales)]
    assert any(p.startswith(f"{path}:{msgid_line}: ") for p in problems), problems


def test_check_catches_a_wrong_plural_header(tmp_path: Path) -> None:
    locales = _copy(tmp_path)
    path = _edit(locales, "en_GB", "nplurals=2; plural=(n != 1);", "nplurals=1; plural=0;")
    problems = [str(p) for p in check_all(locales)]
    # Babel refuses the first plural entry with more forms than the header allows,
    # naming the entry's first line (its msgctxt).
    first_plural = _line_of(path, "msgid_plural") - 2
    assert problems == [
        f"{path}:{first_plural}: cannot read the catalog: msg has more translations than "
        f"num_plurals of catalog on {first_plural}"
    ]


def test_check_catches_entries_the_template_no_longer_has(tmp_path: Path) -> None:
    locales = _copy(tmp_path)
    path = locales / "en_GB" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="en_GB")
    catalog.add("Gone", "Weg", context="order-status:phrases.gone")
    with path.open("wb") as handle:
        write_po(handle, catalog)
    problems = [str(p) for p in check_all(locales)]
    assert any("'Gone' is no longer in the template" in p for p in problems), problems


def test_check_command_exit_status(tmp_path: Path) -> None:
    runner = CliRunner()
    good = runner.invoke(main, ["catalogs", "check"])
    assert good.exit_code == 0, good.output
    assert "complete and sound" in good.output
    locales = _copy(tmp_path)
    path = _edit(locales, "en_AU", 'msgstr "Order {order_id}"', 'msgstr "Order {orderid}"')
    bad = runner.invoke(main, ["catalogs", "check"], env={"FULFILLMENT_LOCALES_DIR": str(locales)})
    assert bad.exit_code == 1
    assert f"{path}:{_line_of(path, '{orderid}')}: " in bad.output


def test_stats_do_not_count_fuzzy_as_translated(tmp_path: Path) -> None:
    locales = _copy(tmp_path)
    _edit(
        locales,
        "en_GB",
        'msgctxt "order-status:phrases.card.title"',
        '#, fuzzy\nmsgctxt "order-status:phrases.card.title"',
    )
    _edit(locales, "en_GB", 'msgstr "Dispatched"', 'msgstr ""')
    template = read_template(locales)
    catalog = read_catalog(locales / "en_GB" / "LC_MESSAGES" / "messages.po", "en_GB")
    stats = catalog_stats("en_GB", catalog, template)  # type: ignore[arg-type]
    assert (stats.fuzzy, stats.untranslated) == (1, 1)
    assert stats.translated == stats.total - 2
    output = (
        CliRunner()
        .invoke(main, ["catalogs", "stats"], env={"FULFILLMENT_LOCALES_DIR": str(locales)})
        .output
    )
    row = next(line for line in output.splitlines() if line.startswith("en_GB"))
    assert row.split()[1:4] == [str(stats.translated), "1", "1"]


def test_a_new_locale_is_served_without_code(tmp_path: Path) -> None:
    locales = _copy(tmp_path)
    template = read_template(locales)
    italian = template.__class__(locale="it")  # type: ignore[union-attr]
    forms = get_plural("it").num_plurals
    for message in template:  # type: ignore[union-attr]
        if message.id:
            if isinstance(message.id, tuple):
                one, other = message.id
                string: object = (f"IT {one}", *[f"IT {other}"] * (forms - 1))
            else:
                string = f"IT {message.id}"
            italian.add(message.id, string, context=message.context)
    (locales / "it" / "LC_MESSAGES").mkdir(parents=True)
    with (locales / "it" / "LC_MESSAGES" / "messages.po").open("wb") as handle:
        write_po(handle, italian)
    settings = Settings(data_dir=tmp_path / "data", api_keys=[API_KEY], locales_dir=locales)
    with TestClient(create_app(settings)) as client:
        response = client.post(
            SEED_PATH,
            json=build_request(language="it-IT"),
            headers={"Authorization": f"Bearer {API_KEY}"},
        )
    assert response.headers["content-language"] == "it"
    text = response.json()["response"]["responseMessages"][0]["simpleResponse"]["responseText"]
    assert text.startswith("IT Order 748596 has been shipped")
