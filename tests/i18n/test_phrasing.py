"""Sentences joined the locale's way, and values isolated in right-to-left languages."""

from __future__ import annotations

import datetime as dt
import gettext
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po
from starlette.testclient import TestClient
from support import API_KEY, LOCALES, build_request

from fulfillment.app import SEED_PATH, create_app
from fulfillment.domain import Item, Order, OrderStatus, Shipment
from fulfillment.handlers.order_status import status_text
from fulfillment.handlers.parcels import parcel_text
from fulfillment.i18n.catalogs import load_translations
from fulfillment.intents import load_intent
from fulfillment.phrasing import FSI, PDI, SENTENCE_SEPARATORS, Phrasebook
from fulfillment.settings import PROJECT_ROOT, Settings

LOCALES_DIR = PROJECT_ROOT / "locales"
SPEC = load_intent(PROJECT_ROOT / "intents" / "order-status.yaml")
DAY = dt.date(2025, 3, 12)
ORDER = Order(
    "A-10023",
    OrderStatus.SHIPPED,
    DAY,
    total=Decimal("54.90"),
    shipments=(Shipment(carrier="UPS", tracking_number="1Z999", expected_date=DAY),),
    items=(Item("Kurta"), Item("Sandals")),
)
ISOLATED = re.compile(f"{FSI}[^{FSI}{PDI}]*{PDI}")


def book(locale: str) -> Phrasebook:
    translations = load_translations(LOCALES_DIR).get(locale, gettext.NullTranslations())
    return Phrasebook(SPEC, locale, translations, report=False)


# -- sentences -------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_sentences_of_every_shipped_locale_are_joined_with_a_space(locale: str) -> None:
    words = book(locale)
    assert words.sentences("One.", "Two.", "") == "One. Two."
    answered, text = words.whole(lambda b: status_text(ORDER, b))
    first = answered.reply(
        "shipped",
        {"order_id": "A-10023", "carrier": "UPS", "tracking_number": "1Z999", "expected_date": DAY},
    )
    assert text.startswith(first + " ")


@pytest.mark.parametrize(
    ("locale", "separator"), [("ja", ""), ("zh", ""), ("zh_Hant", ""), ("th", " "), ("ar", " ")]
)
def test_languages_without_spaces_between_sentences_get_none(locale: str, separator: str) -> None:
    words = book(locale)
    assert words.sentences("発送しました。", "追跡番号は1Zです。") == separator.join(
        ["発送しました。", "追跡番号は1Zです。"]
    )
    # The handlers join with it: the status reply and the items, a parcel and its tracking.
    text = status_text(ORDER, words)
    shipped = words.reply(
        "shipped",
        {"order_id": "A-10023", "carrier": "UPS", "tracking_number": "1Z999", "expected_date": DAY},
    )
    assert text.startswith(
        shipped
        + separator
        + words.plural("item_list", 2, {"items": words.join_list(["Kurta", "Sandals"])})
    )
    parcel = Shipment(carrier="UPS", tracking_number="1Z999", expected_date=DAY)
    said, _why = parcel_text(parcel, 1, words, None)
    tracking = words.phrase("parcel.tracking", {"tracking_number": "1Z999"})
    assert said.endswith(separator + tracking)
    assert set(SENTENCE_SEPARATORS) >= {"ja", "zh"}


# -- right to left ---------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["ar", "he", "fa", "ur"])
def test_every_value_is_isolated_in_a_right_to_left_language(locale: str) -> None:
    words = book(locale)
    assert words.right_to_left
    text = words.reply(
        "shipped",
        {"order_id": "A-10023", "carrier": "UPS", "tracking_number": "1Z999", "expected_date": DAY},
    )
    isolated = ISOLATED.findall(text)
    assert isolated == [
        f"{FSI}A-10023{PDI}",
        f"{FSI}UPS{PDI}",
        f"{FSI}{words.date(DAY)}{PDI}",
        f"{FSI}1Z999{PDI}",
    ]
    assert text.count(FSI) == text.count(PDI) == 4
    # Amounts, counts, and each product of a list (a Latin name among Arabic words) too.
    total = words.phrase("card.total", {"total": words.money(Decimal("54.90"), "USD")})
    assert total.count(FSI) == 1
    assert f"{FSI}Kurta{PDI}" in words.join_list(["Kurta", "Sandals"])
    assert words.plural("item_count", 3).count(FSI) == 1


@pytest.mark.parametrize("locale", LOCALES)
def test_left_to_right_languages_get_no_bidi_controls(locale: str) -> None:
    words = book(locale)
    assert not words.right_to_left
    _answered, text = words.whole(lambda b: status_text(ORDER, b))
    assert FSI not in text
    assert PDI not in text


def test_an_arabic_catalog_is_answered_with_isolated_values(tmp_path: Path) -> None:
    locales = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, locales)
    with (LOCALES_DIR / "messages.pot").open("rb") as handle:
        catalog = read_po(handle, locale="ar")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            message.string = tuple(f"عربي {message.id[1]}" for _ in range(catalog.num_plurals))
        else:
            message.string = f"عربي {message.id}"
    (locales / "ar" / "LC_MESSAGES").mkdir(parents=True)
    with (locales / "ar" / "LC_MESSAGES" / "messages.po").open("wb") as handle:
        write_po(handle, catalog)
    settings = Settings(data_dir=tmp_path / "data", api_keys=[API_KEY], locales_dir=locales)
    with TestClient(create_app(settings)) as client:
        response = client.post(
            SEED_PATH,
            json=build_request(language="ar"),
            headers={"Authorization": f"Bearer {API_KEY}"},
        )
    assert response.headers["content-language"] == "ar"
    text = response.json()["response"]["responseMessages"][0]["simpleResponse"]["responseText"]
    assert text.startswith("عربي ")
    assert f"{FSI}748596{PDI}" in text
    assert text.count(FSI) == text.count(PDI) >= 2
