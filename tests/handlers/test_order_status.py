"""order-status from free text, several orders, and questions without an order number."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from babel.dates import format_skeleton
from starlette.testclient import TestClient
from support import API_KEY, Ask

from fulfillment.app import create_app
from fulfillment.domain import Item, Order, OrderStatus
from fulfillment.errors import ConfigurationError
from fulfillment.handlers.order_status import status_text
from fulfillment.i18n.catalogs import load_translations
from fulfillment.intents import load_intent
from fulfillment.phrasing import DATE_SKELETON, Phrasebook
from fulfillment.settings import PROJECT_ROOT, Settings
from fulfillment.store.demo import demo_orders

SEED_TEXT = "Order 748596 has been shipped"
RAVI_ORDERS = sorted(  # his open orders
    (
        r
        for r in demo_orders(dt.date.today())
        if r.customer.email == "ravi.r@example.com" and OrderStatus(r.status).is_open
    ),
    key=lambda r: r.placed_date,
    reverse=True,
)


def texts(response: object) -> list[str]:
    body = response.json()  # type: ignore[attr-defined]
    return [
        m["simpleResponse"]["responseText"]
        for m in body["response"]["responseMessages"]
        if "simpleResponse" in m
    ]


def kinds(response: object) -> list[str]:
    body = response.json()  # type: ignore[attr-defined]
    return [next(iter(m)) for m in body["response"]["responseMessages"]]


def test_query_text_alone_answers_like_the_entity(ask: Ask) -> None:
    by_entity = texts(ask("748596"))
    by_text = texts(ask(None, text="where is my order 748596?"))
    assert by_text == by_entity
    assert by_text[0].startswith(SEED_TEXT)


@pytest.mark.parametrize(
    "text",
    [
        "where is my order 748596? call me on 555-123-4567",
        "I paid $49.99 on 03/12/2025 for order 748596, phone +1 415 555 0123",
        "order 748596 placed 12 March 2025 at 10:30, 2 items, 49,99 €",
    ],
)
def test_distractors_around_the_number_change_nothing(ask: Ask, text: str) -> None:
    assert texts(ask(None, text=text)) == texts(ask("748596"))


def test_a_valid_entity_wins_over_the_text(ask: Ask) -> None:
    reply = texts(ask("748597", text="order 748596"))
    assert reply[0].startswith("Order 748597 is out for delivery")


def test_an_invalid_entity_gives_way_to_the_text(ask: Ask) -> None:
    reply = texts(ask("yes", text="my order is 748596"))
    assert reply[0].startswith(SEED_TEXT)


def test_an_invalid_entity_without_text_is_answered_as_given(ask: Ask) -> None:
    assert texts(ask("yes")) == [
        "I couldn't find order YES. Please check the number and send it again."
    ]


def test_several_orders_in_one_message(ask: Ask) -> None:
    reply = texts(ask(None, text="orders 748596 and 748597 and 999999"))
    assert len(reply) == 3
    assert reply[0].startswith("Order 748596 ")
    assert reply[1].startswith("Order 748597 ")
    assert reply[2].startswith("I couldn't find order 999999.")


def test_several_orders_as_cards(ask: Ask) -> None:
    response = ask(None, text="orders 748596 and 748597", response_type="card")
    assert kinds(response) == ["simpleResponse", "basicCard", "simpleResponse", "basicCard"]


def test_the_limit_of_orders_per_message(ask: Ask) -> None:
    reply = texts(ask(None, text="orders 748596, 748597, 100001 and 100002"))
    assert len(reply) == 3


def book(locale: str) -> Phrasebook:
    spec = load_intent(PROJECT_ROOT / "intents" / "order-status.yaml")
    return Phrasebook(spec, locale, load_translations(PROJECT_ROOT / "locales")[locale])


@pytest.mark.parametrize(
    ("language", "text", "served"),
    [
        ("en-US", "where is it?", "en_US"),
        ("en-GB", "where is it?", "en_GB"),
        ("de-DE", "wo ist meine Bestellung?", "de"),
        ("hi-IN", "मेरा ऑर्डर कहाँ है?", "hi"),
    ],
)
def test_no_number_and_one_open_order(ask: Ask, language: str, text: str, served: str) -> None:
    response = ask(None, uid="90817", username="mayal", language=language, text=text)
    reply = texts(response)
    words = book(served)
    assert reply[0] == words.reply("only_open_order", {"first_name": "Ravi"})
    assert "A-10023" not in reply[0]  # the status reply that follows names it
    assert "A-10023" in reply[1]
    assert reply[1] != reply[0]
    assert response.headers["content-language"] == served.replace("_", "-")


def test_no_number_and_one_open_order_as_card(ask: Ask) -> None:
    response = ask(None, uid="90817", username="mayal", response_type="card")
    assert kinds(response) == ["simpleResponse", "simpleResponse", "basicCard"]


def test_no_number_and_several_open_orders(ask: Ask) -> None:
    [text] = texts(ask(None, language="en-US", text="where's my stuff?"))
    newest, older = RAVI_ORDERS[0], RAVI_ORDERS[1]

    def written(day: dt.date) -> str:
        return str(format_skeleton(DATE_SKELETON, day, locale="en_US"))

    assert text == (
        "Hi Ravi! Which order do you mean? Your open orders:\n"
        f"{newest.number} from {written(newest.placed_date)} "
        "(Cotton kurta, indigo and 1 more product)\n"
        f"{older.number} from {written(older.placed_date)} (Steel water bottle)"
    )


@pytest.mark.parametrize(
    ("language", "served"), [("en-GB", "en_GB"), ("es-MX", "es"), ("fr", "fr")]
)
def test_no_number_and_several_open_orders_in_other_languages(
    ask: Ask, language: str, served: str
) -> None:
    [text] = texts(ask(None, language=language, text="?"))
    words = book(served)
    summaries = [
        words.phrase(
            "order_summary",
            {
                "order_id": order.number,
                "placed_date": order.placed_date,  # the template writes it its way
                "items": items,
            },
        )
        for order, items in (
            (
                RAVI_ORDERS[0],
                words.plural("items_summary", 1, {"item_name": "Cotton kurta, indigo"}),
            ),
            (RAVI_ORDERS[1], "Steel water bottle"),
        )
    ]
    expected = words.reply("which_order", {"orders": "\n".join(summaries), "first_name": "Ravi"})
    assert text == expected


def test_several_open_orders_offer_chips_where_the_type_allows(ask: Ask) -> None:
    text_only = ask(None)
    assert kinds(text_only) == ["simpleResponse"]
    card = ask(None, response_type="card")
    assert kinds(card) == ["simpleResponse", "suggestions"]
    chips = card.json()["response"]["responseMessages"][1]["suggestions"]
    assert [chip["title"] for chip in chips] == [r.number for r in RAVI_ORDERS]


@pytest.mark.parametrize(
    ("language", "served"), [("en-US", "en_US"), ("en-AU", "en_AU"), ("fr-FR", "fr")]
)
def test_no_number_and_no_open_order(ask: Ask, language: str, served: str) -> None:
    reply = texts(ask(None, uid="33001", username="jweber", language=language, text="hallo?"))
    assert reply == [book(served).reply("ask_order_number", {"first_name": "Ravi"})]
    if served == "en_US":
        assert reply == ["Hi Ravi! Which order should I check? Please send me the order number."]


def test_a_bad_regex_stops_start_up_naming_file_and_entry(tmp_path: Path) -> None:
    source = (PROJECT_ROOT / "intents" / "order-status.yaml").read_text(encoding="utf-8")
    (tmp_path / "order-status.yaml").write_text(
        source.replace(r"pattern: '#\d{4,8}'", r"pattern: '#[0-9'"), encoding="utf-8"
    )
    settings = Settings(data_dir=tmp_path / "data", intents_dir=tmp_path, api_keys=[API_KEY])
    with pytest.raises(ConfigurationError) as raised, TestClient(create_app(settings)):
        pass
    message = str(raised.value)
    assert str(tmp_path / "order-status.yaml") in message
    assert "extraction.formats.1.pattern" in message
    assert "not a valid regular expression" in message


def test_up_to_three_products_are_named_and_more_are_counted() -> None:

    english = book("en_US")

    def order(*names: str, quantity: int = 1) -> Order:
        items = tuple(Item(name, quantity if i == 0 else 1) for i, name in enumerate(names))
        return Order("100001", OrderStatus.PLACED, dt.date(2026, 3, 12), items=items)

    assert status_text(order("Mug"), english).endswith("It contains 1 product: Mug.")
    assert status_text(order("Mug", "Tea", "Pot"), english).endswith(
        "It contains 3 products: Mug, Tea, and Pot."
    )
    # Products are counted, not pieces; a product bought several times says how many.
    assert status_text(order("Mug", "Tea", quantity=2), english).endswith(
        "It contains 2 products: 2 × Mug and Tea."
    )
    assert status_text(order("Mug", "Tea", "Pot", "Cup"), english).endswith(
        "It contains 4 products."
    )
    assert "It contains" not in status_text(order(), english)
