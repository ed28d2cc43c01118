"""The seed's getOrderStatus contract, end to end through HTTP into the app."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.dates import format_skeleton
from starlette.testclient import TestClient
from support import API_KEY, LOCALES, Ask, build_request, seed_example, seed_example_text

from fulfillment.adapters.seed import OrderStatusResponse
from fulfillment.app import SEED_PATH, create_app
from fulfillment.domain import OrderStatus
from fulfillment.phrasing import DATE_SKELETON
from fulfillment.settings import Settings
from fulfillment.store.demo import RAM, demo_orders
from fulfillment.store.sqlite import SQLiteOrderStore
from fulfillment.turn import ResponseType

RESPONSE_ID = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-[0-9a-f]{8}$"
)
LANGUAGE_CODES = {"en_US": "en-US", "en_GB": "en-GB", "en_AU": "en-AU"}
RAM_ORDERS = {
    record.status: record.number
    for record in demo_orders(dt.date.today())
    if record.customer.email == RAM["email"]
}


def test_seed_example_without_trailing_comma(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(SEED_PATH, json=seed_example(), headers=auth)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-language"] == "en-US"
    body = response.json()
    assert set(body) == {"response"}
    assert set(body["response"]) == {"responseType", "responseId", "responseMessages"}
    assert body["response"]["responseType"] == "text"
    assert RESPONSE_ID.match(body["response"]["responseId"])
    [message] = body["response"]["responseMessages"]
    assert message["simpleResponse"]["responseText"].startswith("Order 748596 has been shipped")


def test_response_ids_differ_between_replies(ask: Ask) -> None:
    first = ask().json()["response"]["responseId"]
    second = ask().json()["response"]["responseId"]
    assert first != second


def test_seed_example_with_trailing_comma_is_a_400_naming_the_position(
    client: TestClient, auth: dict[str, str]
) -> None:
    response = client.post(
        SEED_PATH,
        content=seed_example_text(),
        headers={**auth, "Content-Type": "application/json"},
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "malformed_json"
    # The comma after "en" ends line 21; the parser notices at the "}" on line 22.
    assert error["details"]["line"] == 22
    assert error["details"]["column"] == 1
    assert "line 22 column 1" in error["message"]
    assert "trailing comma" in error["message"]


def _statuses() -> list[OrderStatus]:
    # Orders partly shipped or delivered come in several parcels, told one by one:
    # tests/handlers/test_parcels.py covers them in every locale.
    parcels = {OrderStatus.PARTLY_SHIPPED, OrderStatus.PARTLY_DELIVERED}
    return [status for status in OrderStatus if status not in parcels]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("response_type", list(ResponseType))
@pytest.mark.parametrize("status", _statuses())
def test_every_status_renders_in_every_locale_and_response_type(
    ask: Ask, status: OrderStatus, response_type: ResponseType, locale: str
) -> None:
    language = LANGUAGE_CODES.get(locale, locale.replace("_", "-"))
    response = ask(
        RAM_ORDERS[status],
        uid="ram123",
        channel="WEB",
        username="ram123",
        language=language,
        response_type=response_type.value,
    )

    assert response.status_code == 200
    assert response.headers["content-language"] == locale.replace("_", "-")
    parsed = OrderStatusResponse.model_validate(response.json())
    messages = parsed.response.responseMessages
    assert parsed.response.responseType == response_type.value
    first = messages[0].model_dump()
    assert set(first) == {"simpleResponse"}
    text = first["simpleResponse"]["responseText"]
    assert RAM_ORDERS[status] in text
    assert 0 < len(text) <= 640
    kinds = [next(iter(m.model_dump())) for m in messages]
    expected = {
        ResponseType.TEXT: ["simpleResponse"],
        ResponseType.CARD: ["simpleResponse", "basicCard"],
        ResponseType.MEDIA: ["simpleResponse", "mediaResponse"],
    }[response_type]
    assert kinds == expected


def test_card_has_title_status_image_and_tracking_button(ask: Ask) -> None:
    body = ask("748596", response_type="card").json()
    card = body["response"]["responseMessages"][1]["basicCard"]

    assert card["title"] == "Order 748596"
    assert card["subtitle"] == "Shipped"
    assert "Cotton kurta, indigo" in card["formattedText"]
    assert card["image"]["url"].startswith("https://")
    assert card["image"]["accessibilityText"] == "Picture of Cotton kurta, indigo"
    [button] = card["buttons"]
    assert button["title"] == "Track your package"
    assert button["openUrlAction"]["url"].endswith("/BD123456789IN")


def test_card_without_tracking_has_no_button(ask: Ask) -> None:
    body = ask(RAM_ORDERS[OrderStatus.PLACED], uid="ram123@gmail.com", channel=None).json()
    assert len(body["response"]["responseMessages"]) == 1
    card_body = ask(
        RAM_ORDERS[OrderStatus.PLACED], uid="ram123@gmail.com", channel=None, response_type="card"
    ).json()
    assert card_body["response"]["responseMessages"][1]["basicCard"]["buttons"] == []


def test_media_lists_every_pictured_item(ask: Ask) -> None:
    body = ask("748596", response_type="media").json()
    media = body["response"]["responseMessages"][1]["mediaResponse"]

    assert media["mediaType"] == "IMAGE"
    names = [obj["name"] for obj in media["mediaObjects"]]
    assert names == ["Cotton kurta, indigo", "Leather sandals"]
    for obj in media["mediaObjects"]:
        assert obj["description"] == "Quantity: 1"
        assert obj["contentUrl"] == obj["largeImage"]["url"]
        assert obj["largeImage"]["accessibilityText"] == f"Picture of {obj['name']}"


def test_reply_uses_what_the_order_knows(ask: Ask) -> None:
    delivered = ask(RAM_ORDERS[OrderStatus.DELIVERED], uid="ram123", channel="WEB").json()
    text = delivered["response"]["responseMessages"][0]["simpleResponse"]["responseText"]
    assert text.startswith(f"Order {RAM_ORDERS[OrderStatus.DELIVERED]} was delivered on ")
    assert text.endswith("It contains 2 products: Yoga mat and 2 × Yoga block.")

    refunded = ask(RAM_ORDERS[OrderStatus.REFUNDED], uid="ram123", channel="WEB").json()
    text = refunded["response"]["responseMessages"][0]["simpleResponse"]["responseText"]
    assert "$60.00 is on its way back to you" in text

    shipped = ask("748596").json()["response"]["responseMessages"][0]["simpleResponse"]
    assert "Blue Dart" in shipped["responseText"]
    assert "Tracking number: BD123456789IN" in shipped["responseText"]


def test_cancelled_and_expected_date_read_differently_per_english(ask: Ask) -> None:
    def text(order_id: str, language: str) -> str:
        body = ask(order_id, uid="ram123", channel="WEB", language=language).json()
        return str(body["response"]["responseMessages"][0]["simpleResponse"]["responseText"])

    cancelled = RAM_ORDERS[OrderStatus.CANCELLED]
    us, gb, uk, au = (text(cancelled, code) for code in ("en-US", "en-GB", "en-UK", "en-AU"))
    assert "canceled" in us
    assert "cancelled" in gb
    assert "cancelled" in au
    assert gb == uk
    assert len({us, gb, au}) == 3  # the placed date is written three ways

    shipped = RAM_ORDERS[OrderStatus.SHIPPED]
    orders = demo_orders(dt.date.today())
    expected = next(r.to_order().shipments[0].expected_date for r in orders if r.number == shipped)
    assert expected is not None
    replies = {code: text(shipped, code) for code in ("en-US", "en-GB", "en-UK", "en-AU")}
    month = expected.strftime("%B")
    # Each as Babel writes the locale's dates, checked loosely by hand as well.
    for code, locale in (("en-US", "en_US"), ("en-GB", "en_GB"), ("en-AU", "en_AU")):
        assert format_skeleton(DATE_SKELETON, expected, locale=locale) in replies[code]
    assert f"{month} {expected.day}, {expected.year}" in replies["en-US"]
    assert f", {expected.day} {month} {expected.year}" in replies["en-GB"]
    assert replies["en-UK"] == replies["en-GB"]
    assert f"{expected.strftime('%A')} {expected.day} {month} {expected.year}" in replies["en-AU"]
    assert len({replies["en-US"], replies["en-GB"], replies["en-AU"]}) == 3


def test_unknown_order_reply(ask: Ask) -> None:
    body = ask("999999").json()
    [message] = body["response"]["responseMessages"]
    assert message["simpleResponse"]["responseText"] == (
        "I couldn't find order 999999. Please check the number and send it again."
    )


def test_someone_elses_order_gets_the_unknown_order_reply_byte_for_byte(tmp_path: Path) -> None:
    """Maya asks about Ravi's 748596; then about 748596 in a store where it never existed."""
    headers = {"Authorization": f"Bearer {API_KEY}"}
    request = build_request("748596", uid="90817", username="mayal", response_type="card")

    def answer(settings: Settings) -> tuple[int, dict[str, str], bytes]:
        with TestClient(create_app(settings)) as client:
            response = client.post(SEED_PATH, json=request, headers=headers)
        body = re.sub(rb'"responseId":"[^"]+"', b'"responseId":""', response.content)
        kept = {
            k: v for k, v in response.headers.items() if k not in ("content-length", "x-request-id")
        }
        return response.status_code, kept, body

    with_order = Settings(data_dir=tmp_path / "a", api_keys=[API_KEY])
    without_order = Settings(data_dir=tmp_path / "b", api_keys=[API_KEY], demo_data=False)
    store = SQLiteOrderStore(without_order.sqlite_path)
    store.save_orders(r for r in demo_orders(dt.date.today()) if r.number != "748596")

    foreign = answer(with_order)
    unknown = answer(without_order)
    assert foreign == unknown
    assert b"I couldn't find order 748596." in foreign[2]


@pytest.mark.parametrize(
    ("uid", "channel", "username"),
    [
        ("51342", "TELEGRAM", None),  # the chat id
        ("someone-else", "TELEGRAM", "RaviR"),  # the handle, in any case
        ("51342", "telegram", "ravir"),  # channel names in any case
        ("ravi.r@example.com", None, None),  # the e-mail address as uuid
        ("Ravi.R@Example.com", "WEB", None),
    ],
)
def test_the_owner_is_recognised_by_any_identity(
    ask: Ask, uid: str, channel: str | None, username: str | None
) -> None:
    body = ask("748596", uid=uid, channel=channel, username=username).json()
    text = body["response"]["responseMessages"][0]["simpleResponse"]["responseText"]
    assert text.startswith("Order 748596 has been shipped")


@pytest.mark.parametrize(
    ("uid", "channel", "username"),
    [
        ("51342", "WHATSAPP", None),  # the same id on another channel is another person
        ("51342", None, None),
        ("90817", "TELEGRAM", "mayal"),
        ("ram123@gmail.com", None, None),
    ],
)
def test_anyone_else_is_not(ask: Ask, uid: str, channel: str | None, username: str | None) -> None:
    body = ask("748596", uid=uid, channel=channel, username=username).json()
    text = body["response"]["responseMessages"][0]["simpleResponse"]["responseText"]
    assert text.startswith("I couldn't find order 748596.")


@pytest.mark.parametrize("order_id", [748596, "#748596", " 748596 "])
def test_order_number_forms(ask: Ask, order_id: str | int) -> None:
    body = ask(order_id).json()
    text = body["response"]["responseMessages"][0]["simpleResponse"]["responseText"]
    assert text.startswith("Order 748596 has been shipped")


def test_lower_case_order_number_with_letters(ask: Ask) -> None:
    body = ask("a-10023", uid="90817", username="mayal").json()
    text = body["response"]["responseMessages"][0]["simpleResponse"]["responseText"]
    assert text.startswith("Order A-10023 is being prepared for shipping")


def test_no_order_number_and_no_open_order_asks_for_it_by_name(ask: Ask) -> None:
    body = ask(None, uid="33001", username="jweber").json()
    [message] = body["response"]["responseMessages"]
    assert message["simpleResponse"]["responseText"] == (
        "Hi Ravi! Which order should I check? Please send me the order number."
    )


def test_no_order_number_and_no_name(client: TestClient, auth: dict[str, str]) -> None:
    request = build_request(None, uid="33001", username="jweber")
    del request["conversationRequest"]["userInfo"]["first_name"]
    body = client.post(SEED_PATH, json=request, headers=auth).json()
    [message] = body["response"]["responseMessages"]
    assert message["simpleResponse"]["responseText"] == (
        "Which order should I check? Please send me the order number."
    )


@pytest.mark.parametrize(("given", "expected"), [(None, "text"), ("CARD", "card")])
def test_response_type_default_and_case(ask: Ask, given: str | None, expected: str) -> None:
    body = ask(response_type=given).json()
    assert body["response"]["responseType"] == expected


def test_unknown_fields_from_platforms_are_ignored(
    client: TestClient, auth: dict[str, str]
) -> None:
    request = build_request()
    request["platformExtra"] = {"anything": [1, 2, 3]}
    request["queryInfo"]["parameters"]["params"]["entityInfo"]["color"] = "blue"
    assert client.post(SEED_PATH, json=request, headers=auth).status_code == 200
