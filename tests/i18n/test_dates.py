"""Dates reach the phrasebook as dates; each message's template says how it writes them
({expected_date:long}, {expected_date:MMMMd}), checked, and the catalogs show translators
how each date comes out in their own language."""

from __future__ import annotations

import datetime as dt
import gettext
import re
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.messages.pofile import read_po
from click.testing import CliRunner
from support import (
    CATALOGS,
    LOCALES,
    msgstr,
    replace_msgstr,
    served_format,
    served_template,
    written_date,
)

from fulfillment.cli import main
from fulfillment.domain import Order, OrderStatus, Shipment
from fulfillment.handlers.order_status import order_summary, order_values
from fulfillment.handlers.parcels import parcel_text
from fulfillment.i18n.catalogs import check_all, load_translations, read_catalog
from fulfillment.i18n.dates import DATE_SKELETON, SAMPLE_DATE, rendering_notes, write_date
from fulfillment.intents import load_intent
from fulfillment.phrasing import FSI, PDI, Phrasebook
from fulfillment.settings import PROJECT_ROOT
from fulfillment.templates import DATE_LENGTHS, fields, fill, placeholders

LOCALES_DIR = PROJECT_ROOT / "locales"
INTENTS_DIR = PROJECT_ROOT / "intents"
SPEC = load_intent(INTENTS_DIR / "order-status.yaml")
DAY = dt.date(2025, 3, 12)


def book(locale: str, locales: Path = LOCALES_DIR) -> Phrasebook:
    return Phrasebook(SPEC, locale, load_translations(locales)[locale], report=False)


def date_field(template: str, name: str) -> str:
    """The placeholder `name` as the template writes it: {delivered_date:long}."""
    found = re.search(r"\{" + name + r"(:[^{}]*)?\}", template)
    assert found is not None, template
    return found.group(0)


def other_format(spec: str, locale: str) -> str:
    """A format the translator could choose instead of `spec`, written differently from it."""
    return next(
        new
        for new in ("full", "long", "MMMMEd", "")
        if written_date(DAY, new, locale) != written_date(DAY, spec, locale)
    )


# -- the syntax (templates.py) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("on {delivered_date}", (("delivered_date", ""),)),
        ("on {delivered_date:long}", (("delivered_date", "long"),)),
        ("by {expected_date:MMMMd}, {order_id}", (("expected_date", "MMMMd"), ("order_id", ""))),
        *[(f"{{placed_date:{length}}}", (("placed_date", length),)) for length in DATE_LENGTHS],
        ("{updated_date:yMMMEd} {{literal}}", (("updated_date", "yMMMEd"),)),
    ],
)
def test_a_date_placeholder_may_carry_a_length_or_a_skeleton(
    template: str, expected: tuple[tuple[str, str], ...]
) -> None:
    assert fields(template) == expected
    assert placeholders(template) == {name for name, _spec in expected}


@pytest.mark.parametrize(
    ("template", "why"),
    [
        ("{order_id:>10}", "only a date"),  # a Python format spec on anything else
        ("{total:long}", "only a date"),
        ("{expected_date:%d.%m.}", "neither a date length"),  # strftime is no CLDR skeleton
        ("{expected_date:>20}", "neither a date length"),
        ("{expected_date:{order_id}}", "neither a date length"),  # nested fields
        ("{expected_date:HHmm}", "neither a date length"),  # time fields: values are dates
        ("{expected_date:MMdM}", "gives a field twice"),
        ("{expected_date:EEEEEEE}", "wider than any"),
        ("{expected_date!r:long}", "conversion"),
        ("{expected_date.year}", "not a plain name"),
    ],
)
def test_anything_else_after_a_colon_is_refused(template: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        placeholders(template)


def test_fill_writes_each_value_with_its_spec_and_never_formats_itself() -> None:
    seen: list[tuple[object, str]] = []

    def write(value: object, spec: str) -> str:
        seen.append((value, spec))
        return f"<{value}>"

    text = fill(
        "{order_id} by {expected_date:long} {{x}}", {"order_id": 7, "expected_date": DAY}, write
    )
    assert text == "<7> by <2025-03-12> {x}"
    assert seen == [(7, ""), (DAY, "long")]
    with pytest.raises(KeyError):
        fill("{order_id}", {})


# -- the phrasebook writes dates --------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_every_format_is_written_the_locale_s_way(locale: str) -> None:
    words = book(locale)
    assert words.date(DAY) == format_skeleton(DATE_SKELETON, DAY, locale=locale)
    for length in DATE_LENGTHS:
        assert words.date(DAY, length) == format_date(DAY, length, locale=locale)
    assert words.date(DAY, "MMMMd") == format_skeleton("MMMMd", DAY, locale=locale)
    # A skeleton the locale has nothing for (the check names it): the default, never an error.
    assert words.date(DAY, "GGGGGD") == words.date(DAY)


def test_dates_are_remembered_per_format() -> None:
    words = book("de")
    assert words.date(DAY, "long") == "12. März 2025"
    assert words.date(DAY, "long") is words.date(DAY, "long")
    assert words.date(DAY) == "Mi., 12. März 2025"
    assert words._dates[(DAY, "long")] == "12. März 2025"


def writer(locale: str) -> Callable[[object, str], str]:
    """How a template shows a value in `locale`, by Babel: a date in the placeholder's format,
    anything else as it is; isolated in a right-to-left language."""
    right_to_left = Locale.parse(locale).character_order == "right-to-left"

    def write(value: object, spec: str) -> str:
        text = written_date(value, spec, locale) if isinstance(value, dt.date) else str(value)
        return f"{FSI}{text}{PDI}" if right_to_left else text

    return write


def test_a_translator_s_format_changes_the_reply(tmp_path: Path) -> None:
    locales = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, locales)
    path = locales / "de" / "LC_MESSAGES" / "messages.po"
    context, english = SPEC.context("replies.delivered"), SPEC.replies["delivered"].variants[0]
    values = {"order_id": "748596", "delivered_date": DAY}
    before = book("de", locales).reply("delivered", values)
    translation = msgstr(path, context, english)
    assert isinstance(translation, str)
    spec = served_format(SPEC, "de", "replies.delivered", "delivered_date")
    new = other_format(spec, "de")
    assert written_date(DAY, spec, "de") in before
    changed = translation.replace(
        date_field(translation, "delivered_date"),
        f"{{delivered_date:{new}}}" if new else "{delivered_date}",
    )
    replace_msgstr(path, context, english, changed)
    assert [
        p
        for p in check_all(locales, INTENTS_DIR, "de")
        if "replies.delivered'" in p.message and p.rule in ("placeholder", "syntax")
    ] == []
    german = book("de", locales)
    said = german.reply("delivered", values)
    assert said == fill(changed, values, writer("de"))
    assert written_date(DAY, new, "de") in said
    assert said != before
    # The other replies keep the format their own template gives.
    values = {"order_id": "748596", "expected_date": DAY}
    processing = served_template(SPEC, "de", "replies.processing")
    assert german.reply("processing", values) == fill(processing, values, writer("de"))


@pytest.mark.parametrize("locale", LOCALES)
def test_handlers_hand_over_dates_and_the_template_writes_them(locale: str) -> None:
    words = book(locale)
    placed, expected, delivered = (
        dt.date(2026, 11, 25),
        dt.date(2026, 11, 30),
        dt.date(2026, 11, 29),
    )
    order = Order(
        "748596",
        OrderStatus.DELIVERED,
        placed,
        total=Decimal("54.90"),
        shipments=(Shipment(carrier="UPS", expected_date=expected, delivered_date=delivered),),
    )
    values = order_values(order, words)
    assert (values["placed_date"], values["expected_date"], values["delivered_date"]) == (
        placed,
        expected,
        delivered,
    )
    # Each date is written in the format the template that says it chose (or the default):
    # the served text, filled in by Babel.
    answered, said = words.whole(lambda b: b.reply("delivered", order_values(order, b)))
    template = served_template(SPEC, answered.locale, "replies.delivered")
    assert "{delivered_date" in template
    values = {"order_id": "748596", "delivered_date": delivered}
    assert said == fill(template, values, writer(answered.locale))
    answered, summary = words.whole(lambda b: order_summary(order, b))
    template = served_template(SPEC, answered.locale, "phrases.order_summary")
    values = {
        "order_id": "748596",
        "placed_date": placed,
        "items": answered.phrase("status.delivered"),
    }
    assert summary == fill(template, values, writer(answered.locale))
    updated = dt.date(2026, 11, 1)
    parcel = Shipment(carrier="UPS", expected_date=expected, updated_at=dt.datetime(2026, 11, 1))
    answered, (text, why) = words.whole(lambda b: parcel_text(parcel, 1, b, "stale"))
    assert why == "stale"
    template = served_template(SPEC, answered.locale, "replies.parcel_stale")
    values = {"parcel": 1, "updated_date": updated}
    assert fill(template, values, writer(answered.locale)) in text


# -- the check ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new", "rule", "what"),
    [
        ("{delivered_date:%d.%m.}", "placeholder", "neither a date length"),
        ("{delivered_date:GGGGGD}", "placeholder", "has no date format with the fields 'GGGGGD'"),
        ("{order_id:>8}", "placeholder", "only a date"),
    ],
)
def test_a_bad_date_format_is_named_and_not_served(
    tmp_path: Path, new: str, rule: str, what: str
) -> None:
    locales = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, locales)
    path = locales / "de" / "LC_MESSAGES" / "messages.po"
    context, english = SPEC.context("replies.delivered"), SPEC.replies["delivered"].variants[0]
    translation = msgstr(path, context, english)
    assert isinstance(translation, str)
    old = date_field(translation, "delivered_date") if "date" in new else "{order_id}"
    assert old in translation
    replace_msgstr(path, context, english, translation.replace(old, new))
    found = [p for p in check_all(locales, INTENTS_DIR, "de") if p.rule == rule]
    assert any(what in p.message and "replies.delivered" in p.message for p in found), found
    german = book("de", locales)
    answered, said = german.whole(
        lambda b: b.reply("delivered", {"order_id": "1", "delivered_date": DAY})
    )
    # That variant is not served: the next translated one that fits answers, still German.
    assert (answered.locale, said) == ("de", german.reply("delivered", {"order_id": "1"}))
    assert "2025" not in said


def test_the_designers_english_may_carry_a_format_and_is_checked(tmp_path: Path) -> None:
    intents = tmp_path / "intents"
    shutil.copytree(INTENTS_DIR, intents)
    path = intents / "order-status.yaml"
    text = path.read_text(encoding="utf-8")
    old = "- Order {order_id} was delivered on {delivered_date}."
    assert old in text
    path.write_text(text.replace(old, old.replace("{delivered_date}", "{delivered_date:long}")))
    spec = load_intent(path)
    english = Phrasebook(spec, "en_US", gettext.NullTranslations())
    said = english.reply("delivered", {"order_id": "1", "delivered_date": DAY})
    assert said == "Order 1 was delivered on March 12, 2025."
    path.write_text(text.replace(old, old.replace("{delivered_date}", "{delivered_date:GGGGGD}")))
    found = [p for p in check_all(LOCALES_DIR, intents) if p.path == path]
    assert any(p.rule == "placeholder" and "'GGGGGD'" in p.message for p in found), found


# -- what translators see ----------------------------------------------------------------------


def test_rendering_notes_show_the_default_and_each_format_used() -> None:
    notes = rendering_notes(
        ["By {expected_date}.", "Bis {expected_date:long}, {placed_date}."], "de"
    )
    assert notes == [
        "{expected_date} here: Mi., 12. März 2025",
        "{expected_date:long} here: 12. März 2025",
        "{placed_date} here: Mi., 12. März 2025",
    ]
    assert rendering_notes(["Order {order_id}"], "de") == []
    assert rendering_notes(["{expected_date:%d}"], "de") == []  # broken: the check names it


@pytest.mark.parametrize("locale", sorted(CATALOGS))
def test_every_catalog_shows_its_own_dates(locale: str) -> None:
    catalog = read_catalog(CATALOGS[locale], locale)
    assert not isinstance(catalog, Exception)
    written = write_date(SAMPLE_DATE, Locale.parse(locale))
    for entry in catalog.entries:
        if not entry.obsolete:
            for name in placeholders(entry.ids[0]):
                if name.endswith("_date"):
                    assert f"{{{name}}} here: {written}" in entry.comments, (locale, entry.ids)


def test_update_writes_the_notes_and_keeps_them_in_step(tmp_path: Path) -> None:
    locales = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, locales)
    path = locales / "fr" / "LC_MESSAGES" / "messages.po"
    context, english = SPEC.context("replies.delivered"), SPEC.replies["delivered"].variants[0]
    translation = msgstr(path, context, english)
    assert isinstance(translation, str)
    spec = served_format(SPEC, "fr", "replies.delivered", "delivered_date")
    new = next(f for f in ("long", "full", "MMMMd") if f != spec)
    old = date_field(translation, "delivered_date")
    replace_msgstr(path, context, english, translation.replace(old, f"{{delivered_date:{new}}}"))
    env = {"FULFILLMENT_LOCALES_DIR": str(locales)}
    result = CliRunner().invoke(main, ["catalogs", "update"], env=env)
    assert result.exit_code == 0, result.output
    updated = path.read_text(encoding="utf-8")
    with path.open("rb") as handle:
        notes = list(read_po(handle).get(english, context=context).auto_comments)
    default = f"{{delivered_date}} here: {written_date(SAMPLE_DATE, '', 'fr')}"
    chosen = f"{{delivered_date:{new}}} here: {written_date(SAMPLE_DATE, new, 'fr')}"
    # The default, then the format the translation now uses, and no longer the one it left.
    assert notes[notes.index(default) + 1] == chosen
    if spec:
        assert not any(note.startswith(f"{{delivered_date:{spec}}} here:") for note in notes)
    assert f"#. {default}\n#. {chosen}\n" in updated
    # Notes are not added twice.
    again = CliRunner().invoke(main, ["catalogs", "update"], env=env)
    assert "fr: up to date" in again.output
    assert path.read_text(encoding="utf-8") == updated
