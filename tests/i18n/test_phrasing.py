"""Sentences joined the locale's way, and values isolated in right-to-left languages."""

from __future__ import annotations

import datetime as dt
import gettext
import re
import shutil
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.pofile import read_po, write_po
from starlette.testclient import TestClient
from support import API_KEY, CATALOGS, LOCALES, build_request, served_format

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


def right_to_left(locale: str) -> bool:
    """CLDR's character order, as the phrasebook reads it."""
    return bool(Locale.parse(locale).character_order == "right-to-left")


def joined_with_a_space(locale: str) -> bool:
    """Whether the locale's language joins sentences with a space (phrasing's table)."""
    return SENTENCE_SEPARATORS.get(Locale.parse(locale).language, " ") == " "


RIGHT_TO_LEFT = [locale for locale in LOCALES if right_to_left(locale)]


def book(locale: str) -> Phrasebook:
    translations = load_translations(LOCALES_DIR).get(locale, gettext.NullTranslations())
    return Phrasebook(SPEC, locale, translations, report=False)


# -- sentences -------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", [locale for locale in LOCALES if joined_with_a_space(locale)])
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
    ("locale", "separator"),
    sorted(
        (
            {"ja": "", "zh": "", "zh_Hant": "", "th": " ", "ar": " "}
            # ...and every shipped locale whose language joins sentences another way.
            | {
                locale: SENTENCE_SEPARATORS[Locale.parse(locale).language]
                for locale in LOCALES
                if not joined_with_a_space(locale)
            }
        ).items()
    ),
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


@pytest.mark.parametrize("locale", sorted({"ar", "he", "fa", "ur", *RIGHT_TO_LEFT}))
def test_every_value_is_isolated_in_a_right_to_left_language(locale: str) -> None:
    words = book(locale)
    assert words.right_to_left
    text = words.reply(
        "shipped",
        {"order_id": "A-10023", "carrier": "UPS", "tracking_number": "1Z999", "expected_date": DAY},
    )
    isolated = ISOLATED.findall(text)
    # The date in the format the translation gives it; the values in the order it puts them.
    date = words.date(DAY, served_format(SPEC, locale, "replies.shipped", "expected_date"))
    assert sorted(isolated) == sorted(
        [
            f"{FSI}A-10023{PDI}",
            f"{FSI}UPS{PDI}",
            f"{FSI}{date}{PDI}",
            f"{FSI}1Z999{PDI}",
        ]
    )
    assert text.count(FSI) == text.count(PDI) == 4
    # Amounts, counts, and each product of a list (a Latin name among Arabic words) too.
    total = words.phrase("card.total", {"total": words.money(Decimal("54.90"), "USD")})
    assert total.count(FSI) == 1
    assert f"{FSI}Kurta{PDI}" in words.join_list(["Kurta", "Sandals"])
    assert words.plural("item_count", 3).count(FSI) == 1


@pytest.mark.parametrize("locale", [locale for locale in LOCALES if not right_to_left(locale)])
def test_left_to_right_languages_get_no_bidi_controls(locale: str) -> None:
    words = book(locale)
    assert not words.right_to_left
    _answered, text = words.whole(lambda b: status_text(ORDER, b))
    assert FSI not in text
    assert PDI not in text


# A right-to-left language no catalog is shipped for (yet), and how its test catalog starts
# each text.
NEW_RIGHT_TO_LEFT, HEBREW = "he", "עברית"


@pytest.mark.parametrize(
    "locale",
    sorted({NEW_RIGHT_TO_LEFT, *(locale for locale in CATALOGS if right_to_left(locale))}),
)
def test_a_right_to_left_catalog_is_answered_with_isolated_values(
    tmp_path: Path, locale: str
) -> None:
    """A shipped right-to-left catalog (ar), and a new one, served without code."""
    locales = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, locales)
    new = locale not in CATALOGS
    if new:
        with (LOCALES_DIR / "messages.pot").open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        for message in catalog:
            if not message.id:
                continue
            if isinstance(message.id, tuple | list):
                other = f"{HEBREW} {message.id[1]}"
                message.string = tuple(other for _ in range(catalog.num_plurals))
            else:
                message.string = f"{HEBREW} {message.id}"
        (locales / locale / "LC_MESSAGES").mkdir(parents=True)
        with (locales / locale / "LC_MESSAGES" / "messages.po").open("wb") as handle:
            write_po(handle, catalog)
    settings = Settings(data_dir=tmp_path / "data", api_keys=[API_KEY], locales_dir=locales)
    with TestClient(create_app(settings)) as client:
        response = client.post(
            SEED_PATH,
            json=build_request(language=locale.replace("_", "-")),
            headers={"Authorization": f"Bearer {API_KEY}"},
        )
    assert response.headers["content-language"] == locale.replace("_", "-")
    text = response.json()["response"]["responseMessages"][0]["simpleResponse"]["responseText"]
    assert f"{FSI}748596{PDI}" in text
    assert text.count(FSI) == text.count(PDI) >= 2
    if new:
        assert text.startswith(f"{HEBREW} ")
    else:
        # The translators' words, right to left; everything left to right in it (the order
        # number, the carrier, a product's name) is a value, isolated.
        words = ISOLATED.sub("", text)
        strong = [unicodedata.bidirectional(char) for char in words]
        assert next(kind for kind in strong if kind in ("L", "R", "AL")) in ("R", "AL")
        assert "L" not in strong, words
