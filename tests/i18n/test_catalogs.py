"""Every shipped catalog is complete and sound; a broken entry is caught, named and not served,
and costs that entry only: the language stays served."""

from __future__ import annotations

import datetime as dt
import gettext
import shutil
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from babel import Locale
from babel.dates import format_skeleton
from babel.messages.catalog import Catalog
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po
from babel.numbers import format_currency
from click.testing import CliRunner
from starlette.testclient import TestClient
from support import API_KEY, CATALOGS, LOCALES, build_request, msgstr, replace_msgstr

from fulfillment.app import SEED_PATH, create_app
from fulfillment.cli import main
from fulfillment.i18n.catalogs import (
    Problem,
    catalog_stats,
    check_all,
    load_translations,
    read_catalog,
    read_template,
)
from fulfillment.i18n.checks import plural_rule
from fulfillment.i18n.sources import intents_sources
from fulfillment.intents import load_intent
from fulfillment.phrasing import DATE_SKELETON, Phrasebook
from fulfillment.settings import PROJECT_ROOT, Settings

LOCALES_DIR = PROJECT_ROOT / "locales"
INTENTS_DIR = PROJECT_ROOT / "intents"
SPEC = load_intent(INTENTS_DIR / "order-status.yaml")


@pytest.mark.parametrize("locale", sorted(CATALOGS))
def test_catalog_is_complete_and_sound(locale: str) -> None:
    path = CATALOGS[locale]
    problems = [p for p in check_all(LOCALES_DIR, INTENTS_DIR, locale) if p.path == path]
    assert [str(p) for p in problems] == []
    catalog = read_catalog(path, locale)
    assert not isinstance(catalog, Exception)
    # The header agrees with CLDR, or a plural form would be silently lost.
    assert catalog.catalog.num_plurals == get_plural(locale).num_plurals
    # One form per CLDR category a count can take, and each form one category. Counts are
    # whole numbers: a category only fractions take has no form in a gettext catalog (Polish
    # "other", 1,5 produktu; gettext's nplurals=3 for CLDR's one, few, many, other).
    cldr = Locale.parse(locale).plural_form
    index = gettext.c2py(get_plural(locale).plural_expr)
    category: dict[int, set[str]] = {}
    for count in [*range(1001), *(m * 10**k for k in range(3, 10) for m in (1, 2, 5))]:
        category.setdefault(index(count), set()).add(cldr(count))
    assert sorted(category) == list(range(catalog.catalog.num_plurals))
    assert all(len(names) == 1 for names in category.values()), category
    # ...and the checks name each form by that category ("missing plural form [2] (many)").
    assert plural_rule(locale)[2] == tuple(category[form].pop() for form in sorted(category))


def test_intents_template_and_catalogs_agree() -> None:
    """The whole check, as `fulfillment catalogs check` runs it: intents/ included."""
    assert [str(p) for p in check_all(LOCALES_DIR, INTENTS_DIR)] == []


def test_every_shipped_catalog_is_served() -> None:
    assert set(load_translations(LOCALES_DIR)) == set(LOCALES)
    assert {"en_US", "en_GB", "en_AU", "de", "fr", "es", "pt_BR", "hi"} <= set(LOCALES)


@pytest.mark.parametrize("locale", LOCALES)
def test_dates_and_amounts_are_written_the_locale_s_way(locale: str) -> None:
    book = Phrasebook(SPEC, locale, load_translations(LOCALES_DIR)[locale])
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


def _added(locales: Path, baseline: list[Problem]) -> list[str]:
    """The findings an edit added: what the copy had before (say, texts of intents/ not
    translated yet) does not count, wherever its lines moved."""
    seen = Counter((p.path, p.rule, p.message) for p in baseline)
    added = []
    for problem in check_all(locales, INTENTS_DIR):
        key = (problem.path, problem.rule, problem.message)
        if seen[key]:
            seen[key] -= 1
        else:
            added.append(str(problem))
    return added


def _edit(locales: Path, locale: str, old: str, new: str) -> Path:
    path = locales / locale / "LC_MESSAGES" / "messages.po"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, text: str) -> int:
    """The msgid line of the entry holding `text`: the line Babel and the check report."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = next(n for n, line in enumerate(lines) if text in line)
    if lines[found].startswith("msgctxt"):
        return found + 2
    while not lines[found].startswith("msgid"):
        found -= 1
    return found + 1


def _card_title(locales: Path, locale: str) -> tuple[str, str]:
    """(the locale that answers, the words) for a reply made of the card title alone."""
    book = Phrasebook(SPEC, locale, load_translations(locales)[locale])
    answered, title = book.whole(lambda b: b.phrase("card.title", {"order_id": "748596"}))
    return answered.locale, title


@pytest.mark.parametrize(
    ("old", "new", "rule", "problem"),
    [
        (
            'msgstr "Order {order_id}"',
            'msgstr "Order {order_idd}"',
            "placeholder",
            "unknown placeholder {order_idd}: did you mean {order_id}?",
        ),
        ('msgstr "Order {order_id}"', 'msgstr "Order"', "placeholder", "missing placeholder"),
        (
            'msgstr "Order {order_id}"',
            'msgstr "Order {order_id.__class__}"',
            "placeholder",
            "not a plain name",
        ),
        ('msgstr "Order {order_id}"', 'msgstr "Order {order_id!r}"', "placeholder", "conversion"),
        (
            'msgstr "Order {order_id}"',
            'msgstr "Order %(order_id)s"',
            "placeholder",
            "placeholder %(order_id)s: write {order_id}",
        ),
        ('msgstr "Order {order_id}"', 'msgstr "<b>Order</b> {order_id}"', "markup", "'<b>'"),
        ('msgstr "Order {order_id}"', 'msgstr ""', "untranslated", "not translated"),
    ],
)
def test_a_broken_entry_is_named_and_costs_that_entry_only(
    tmp_path: Path, old: str, new: str, rule: str, problem: str
) -> None:
    locales = _copy(tmp_path)
    baseline = check_all(locales, INTENTS_DIR)
    line = _line_of(locales / "en_GB" / "LC_MESSAGES" / "messages.po", old)
    path = _edit(locales, "en_GB", old, new)
    problems = _added(locales, baseline)
    assert any(p.startswith(f"{path}:{line}: {rule}: ") and problem in p for p in problems), (
        problems
    )
    assert {p.split(": ")[0] for p in problems} == {f"{path}:{line}"}  # that entry, nothing else
    # The language is still served; only a reply that needs this entry is answered in en_US,
    # whole, and the others stay British.
    assert "en_GB" in load_translations(locales)
    assert _card_title(locales, "en_GB") == ("en_US", "Order 748596")
    book = Phrasebook(SPEC, "en_GB", load_translations(locales)["en_GB"])
    assert book.phrase("status.shipped") == "Dispatched"


def test_a_fuzzy_entry_is_served_and_reported_as_stale(tmp_path: Path) -> None:
    locales = _copy(tmp_path)
    baseline = check_all(locales, INTENTS_DIR)
    stale = len(Phrasebook(SPEC, "en_GB", load_translations(locales)["en_GB"]).stale)
    path = _edit(
        locales,
        "en_GB",
        'msgctxt "order-status:phrases.status.shipped"',
        '#, fuzzy\nmsgctxt "order-status:phrases.status.shipped"',
    )
    problems = _added(locales, baseline)
    line = _line_of(path, 'msgctxt "order-status:phrases.status.shipped"')
    assert [p for p in problems if p.startswith(f"{path}:{line}: stale: ")], problems
    book = Phrasebook(SPEC, "en_GB", load_translations(locales)["en_GB"])
    assert book.phrase("status.shipped") == "Dispatched"
    assert len(book.stale) == stale + 1


def test_a_missing_plural_form_is_named(tmp_path: Path) -> None:
    locales = _copy(tmp_path)
    baseline = check_all(locales, INTENTS_DIR)
    path = locales / "en_GB" / "LC_MESSAGES" / "messages.po"
    lines = path.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("msgstr[1]"))
    msgid_line = next(i for i in range(index, 0, -1) if lines[i].startswith("msgid ")) + 1
    del lines[index]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = _added(locales, baseline)
    assert problems == [
        f"{path}:{msgid_line}: plural-forms: msgctxt 'order-status:phrases.item_count': "
        "missing plural form [1] (other)"
    ]
    assert "en_GB" in load_translations(locales)


def _item_count() -> tuple[str, str, str]:
    """The item_count entry: its msgctxt, and its English (one, other)."""
    phrase = SPEC.phrases["item_count"]
    assert phrase.one is not None
    assert phrase.other is not None
    return SPEC.context("phrases.item_count"), phrase.one, phrase.other


def test_a_wrong_plural_header_costs_nothing_but_a_finding(tmp_path: Path) -> None:
    locales = _copy(tmp_path)
    baseline = check_all(locales, INTENTS_DIR)
    rule = get_plural("en_GB")
    assert rule.num_plurals == 2
    context, one, _other = _item_count()
    forms = msgstr(locales / "en_GB" / "LC_MESSAGES" / "messages.po", context, one)
    assert isinstance(forms, tuple)
    assert len(forms) == 2
    assert forms[0] != forms[1]
    path = _edit(
        locales,
        "en_GB",
        f"nplurals={rule.num_plurals}; plural={rule.plural_expr};",
        "nplurals=1; plural=0;",
    )
    problems = _added(locales, baseline)
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith('"Plural-Forms:'))
    assert problems == [
        f"{path}:{line}: plural-header: Plural-Forms says 1 forms; en_GB has 2 "
        "([0] one, [1] other): run catalogs update to correct it"
    ]
    # Entries are read with CLDR's forms, so every plural entry is still served, right.
    book = Phrasebook(SPEC, "en_GB", load_translations(locales)["en_GB"])
    assert book.whole(lambda b: b.plural("item_count", 1)) == (book, forms[0].format(count=1))
    assert book.whole(lambda b: b.plural("item_count", 3)) == (book, forms[1].format(count=3))


def test_one_plural_form_too_many_costs_that_entry(tmp_path: Path) -> None:
    locales = _copy(tmp_path)
    baseline = check_all(locales, INTENTS_DIR)
    path = locales / "de" / "LC_MESSAGES" / "messages.po"
    context, one, other = _item_count()
    forms = msgstr(path, context, one)
    assert isinstance(forms, tuple)
    assert len(forms) == 2
    english = SPEC.phrases["status.shipped"].text
    assert english is not None
    shipped = msgstr(path, SPEC.context("phrases.status.shipped"), english)
    line = replace_msgstr(path, context, one, (*forms, "Zu viele."))
    problems = _added(locales, baseline)
    assert len(problems) == 1, problems
    assert problems[0].startswith(
        f"{path}:{line}: syntax: msgctxt 'order-status:phrases.item_count'"
    )
    assert "more plural forms than de has ([0] one, [1] other)" in problems[0]
    book = Phrasebook(SPEC, "de", load_translations(locales)["de"])
    answered, text = book.whole(lambda b: b.plural("item_count", 3))
    assert (answered.locale, text) == ("en_US", other.format(count=3))
    assert book.whole(lambda b: b.phrase("status.shipped")) == (book, shipped)


def test_an_entry_intents_no_longer_has_is_reported(tmp_path: Path) -> None:
    locales = _copy(tmp_path)
    baseline = check_all(locales, INTENTS_DIR)
    path = locales / "en_GB" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="en_GB")
    catalog.add("Gone", "Weg", context="order-status:phrases.gone")
    with path.open("wb") as handle:
        write_po(handle, catalog)
    problems = _added(locales, baseline)
    assert any("obsolete: " in p and "'Gone' is no longer in intents/" in p for p in problems)


def test_check_command_exit_status(tmp_path: Path) -> None:
    runner = CliRunner()
    good = runner.invoke(main, ["catalogs", "check"])
    assert good.exit_code == 0, good.output
    assert "complete and sound" in good.output
    locales = _copy(tmp_path)
    path = _edit(locales, "en_GB", 'msgstr "Order {order_id}"', 'msgstr "Order {orderid}"')
    env = {"FULFILLMENT_LOCALES_DIR": str(locales)}
    bad = runner.invoke(main, ["catalogs", "check"], env=env)
    assert bad.exit_code == 1
    assert f"{path}:{_line_of(path, '{orderid}')}: placeholder: " in bad.output
    assert "did you mean {order_id}?" in bad.output
    # One language at a time: the others' findings are not shown.
    german = runner.invoke(main, ["catalogs", "check", "--locale", "de"], env=env)
    assert "{orderid}" not in german.output
    assert "/en_GB/" not in german.output
    unknown = runner.invoke(main, ["catalogs", "check", "--locale", "xx"], env=env)
    assert unknown.exit_code == 1
    assert "no catalog for 'xx'" in unknown.output
    assert "Traceback" not in unknown.output


def test_stats_count_stale_and_untranslated(tmp_path: Path) -> None:
    locales = _copy(tmp_path)
    sources, _problems = intents_sources(INTENTS_DIR)
    path = locales / "en_GB" / "LC_MESSAGES" / "messages.po"
    shipped = catalog_stats("en_GB", read_catalog(path, "en_GB"), sources)  # type: ignore[arg-type]
    _edit(
        locales,
        "en_GB",
        'msgctxt "order-status:phrases.card.title"',
        '#, fuzzy\nmsgctxt "order-status:phrases.card.title"',
    )
    _edit(locales, "en_GB", 'msgstr "Dispatched"', 'msgstr ""')
    stats = catalog_stats("en_GB", read_catalog(path, "en_GB"), sources)  # type: ignore[arg-type]
    assert stats.stale == shipped.stale + 1
    assert stats.untranslated == shipped.untranslated + 1
    assert stats.broken == shipped.broken
    assert stats.translated == shipped.translated - 2
    output = (
        CliRunner()
        .invoke(main, ["catalogs", "stats"], env={"FULFILLMENT_LOCALES_DIR": str(locales)})
        .output
    )
    assert output.splitlines()[0].split() == [
        "locale",
        "translated",
        "inherited",
        "stale",
        "untranslated",
        "broken",
        "done",
    ]
    row = next(line for line in output.splitlines() if line.startswith("en_GB"))
    assert row.split()[1:6] == [
        str(n) for n in (stats.translated, 0, stats.stale, stats.untranslated, stats.broken)
    ]
    # en_AU holds what differs from en_GB only: the same changes show there as inherited.
    row = next(line for line in output.splitlines() if line.startswith("en_AU"))
    assert row.split()[1:6] == [
        "0",
        str(stats.translated + stats.stale),
        "0",
        str(stats.untranslated + stats.broken),  # what en_GB does not serve, en_AU cannot
        "0",
    ]
    assert row.endswith("(inherits from en_GB)")


# A language no catalog is shipped for (yet).
NEW_LOCALE, NEW_LANGUAGE_CODE = "sv", "sv-SE"


def test_a_new_locale_is_served_without_code(tmp_path: Path) -> None:
    assert NEW_LOCALE not in CATALOGS
    locales = _copy(tmp_path)
    template = read_template(locales)
    assert not isinstance(template, Exception)
    catalog = Catalog(locale=NEW_LOCALE)
    forms = get_plural(NEW_LOCALE).num_plurals
    for message in template.catalog:
        if message.id:
            if isinstance(message.id, tuple):
                one, other = message.id
                string: object = (f"SV {one}", *[f"SV {other}"] * (forms - 1))
            else:
                string = f"SV {message.id}"
            catalog.add(message.id, string, context=message.context)
    (locales / NEW_LOCALE / "LC_MESSAGES").mkdir(parents=True)
    with (locales / NEW_LOCALE / "LC_MESSAGES" / "messages.po").open("wb") as handle:
        write_po(handle, catalog)
    settings = Settings(data_dir=tmp_path / "data", api_keys=[API_KEY], locales_dir=locales)
    with TestClient(create_app(settings)) as client:
        response = client.post(
            SEED_PATH,
            json=build_request(language=NEW_LANGUAGE_CODE),
            headers={"Authorization": f"Bearer {API_KEY}"},
        )
    assert response.headers["content-language"] == NEW_LOCALE
    text = response.json()["response"]["responseMessages"][0]["simpleResponse"]["responseText"]
    assert text.startswith("SV Order 748596 has been shipped")
