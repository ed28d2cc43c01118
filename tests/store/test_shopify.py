"""The Shopify store against a fake Shopify on a loopback port (tests/store/shopify_fake.py):
the store on its own, then the whole service with FULFILLMENT_SHOP=shopify."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import socket
import time
from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
import shopify_fake
from shopify_fake import TOKEN, TOKEN_WITHOUT_ORDERS, UPS_TRACKING, FakeShopify, serve
from starlette.testclient import TestClient
from support import API_KEY, IDENTITY_SECRET, build_request

from fulfillment.app import SEED_PATH, create_app
from fulfillment.domain import (
    Asker,
    Factor,
    Item,
    Order,
    OrderStatus,
    Proof,
    Shipment,
    ShipmentStatus,
)
from fulfillment.settings import Settings
from fulfillment.store.base import BackendError
from fulfillment.store.shopify import DEFAULT_API_VERSION, ShopifyOrderStore

T = TypeVar("T")
DEADLINE = 1.5

RAM = Asker(uid="ram123@gmail.com", channel="WEB")
RAM_WHATSAPP = Asker(uid="+14155550123", channel="WHATSAPP")
RAM_WHATSAPP_ID = Asker(uid="14155550123", channel="whatsapp")  # WhatsApp's wa_id: no '+'
RAM_ON_TELEGRAM = Asker(uid="14155550123", channel="TELEGRAM")  # a number, not a phone
MAYA = Asker(uid="Maya@Example.org", channel="WEB")
STRANGER = Asker(uid="eve@example.com", channel="WEB")
KURTA = Item("Cotton kurta", 2, "https://cdn.shopify.com/s/files/kurta.jpg")
UTC = dt.UTC


@pytest.fixture(scope="module")
def fake() -> Iterator[tuple[FakeShopify, str]]:
    shop = FakeShopify()
    with serve(shop.app) as base:
        yield shop, base


@pytest.fixture
def shop(fake: tuple[FakeShopify, str]) -> FakeShopify:
    fake[0].reset()
    return fake[0]


@pytest.fixture
def base(fake: tuple[FakeShopify, str], shop: FakeShopify) -> str:
    return fake[1]  # with the fake reset: a full bucket, nothing queued, no calls counted


def using(
    base: str, work: Callable[[ShopifyOrderStore], Awaitable[T]], token: str = TOKEN, **kw: Any
) -> T:
    """Run `work` with a fresh store on a fresh event loop; the store is always closed."""

    async def run() -> T:
        async with ShopifyOrderStore(base, token, deadline_seconds=DEADLINE, **kw) as store:
            return await work(store)

    return asyncio.run(run())


def find(base: str, number: str, asker: Asker = RAM, **kw: Any) -> Order | None:
    return using(base, lambda store: store.find_order(number, asker), **kw)


def failing(base: str, number: str = "1002", **kw: Any) -> tuple[BackendError, float]:
    started = time.monotonic()
    with pytest.raises(BackendError) as raised:
        find(base, number, **kw)
    error = raised.value
    text = str(error).lower()
    # Never the customer's data in the message, and nothing chained that might carry it.
    for private in ("ram", "gmail", "415", "555", "1002", "kurta"):
        assert private not in text
    assert error.__cause__ is None
    return error, time.monotonic() - started


# --- the store: orders in 0, 1 and 3 parcels --------------------------------------------


def test_an_order_without_parcels(shop: FakeShopify, base: str) -> None:
    assert find(base, "1001") == Order(
        number="1001",
        status=OrderStatus.PROCESSING,  # paid, unfulfilled
        placed_date=dt.date(2026, 11, 18),
        currency="USD",
        total=Decimal("129.90"),
        shipments=(),
        items=(KURTA, Item("Leather sandals", 1)),
    )
    assert shop.calls == ["OrderByName"]


def test_an_order_in_one_parcel(base: str) -> None:
    order = find(base, "#1002")
    assert order is not None
    assert order.status is OrderStatus.SHIPPED
    assert order.shipments == (
        Shipment(
            carrier="UPS",
            tracking_number=UPS_TRACKING,
            tracking_url=f"https://www.ups.com/track?tracknum={UPS_TRACKING}",
            expected_date=dt.date(2026, 12, 9),
            delivered_date=None,
            status=ShipmentStatus.IN_TRANSIT,
            items=(Item("Cotton kurta", 2),),
            # The latest event by when it happened (the fake lists them in another order).
            updated_at=dt.datetime(2026, 12, 4, 16, 20, tzinfo=UTC),
        ),
    )


def test_an_order_in_three_parcels(base: str) -> None:
    order = find(base, " 1003 ")
    assert order is not None
    # Partly fulfilled, one parcel delivered: partly delivered (the unsent items included).
    assert order.status is OrderStatus.PARTLY_DELIVERED
    assert [(s.carrier, s.tracking_number, s.status) for s in order.shipments] == [
        ("DHL Express", "JD014600003", ShipmentStatus.DELIVERED),
        ("UPS", "1Z999AA10123456785", ShipmentStatus.IN_TRANSIT),
        ("USPS", "9400111899", ShipmentStatus.LABEL_CREATED),
    ]
    assert [s.items for s in order.shipments] == [
        (Item("Cotton kurta", 2),),
        (Item("Leather sandals", 1), Item("Silk scarf", 1)),
        (Item("Brass lamp", 1),),
    ]
    assert order.shipments[0].delivered_date == dt.date(2026, 11, 29)
    assert order.shipments[1].expected_date == dt.date(2026, 12, 8)
    assert order.shipments[2].updated_at is None  # no tracking event yet
    assert order.item_count == 5


@pytest.mark.parametrize(
    ("number", "status", "parcels"),
    [
        ("1005", OrderStatus.CANCELLED, []),
        ("1006", OrderStatus.REFUNDED, []),
        ("1009", OrderStatus.PLACED, []),  # payment pending
        # A cancelled fulfillment is no parcel; the other is out for delivery, and so is the order.
        ("1008", OrderStatus.OUT_FOR_DELIVERY, [ShipmentStatus.OUT_FOR_DELIVERY]),
    ],
)
def test_statuses(
    base: str, number: str, status: OrderStatus, parcels: list[ShipmentStatus]
) -> None:
    order = find(base, number)
    assert order is not None
    assert order.status is status
    assert [s.state for s in order.shipments] == parcels


# --- whose order it is ---------------------------------------------------------------------


@pytest.mark.parametrize("asker", [RAM, RAM_WHATSAPP, RAM_WHATSAPP_ID])
def test_the_owner_by_email_or_phone(base: str, asker: Asker) -> None:
    order = find(base, "1002", asker)  # e-mail Ram123@Gmail.com, billing phone +1 415-555-0123
    assert order is not None
    assert order.number == "1002"


def test_a_guest_order_known_by_its_phone_only(base: str) -> None:
    order = find(base, "1007", RAM_WHATSAPP)  # billing phone "001 415 555 0123", no e-mail
    assert order is not None
    assert order.shipments[0].state is ShipmentStatus.DELIVERY_FAILED
    assert order.status is OrderStatus.SHIPPED
    assert find(base, "1007", RAM) is None


@pytest.mark.parametrize("asker", [STRANGER, RAM_ON_TELEGRAM, MAYA])
def test_someone_elses_order_is_not_found(shop: FakeShopify, base: str, asker: Asker) -> None:
    assert find(base, "1002", asker) is None


def test_an_asker_who_can_own_nothing_is_not_looked_up(shop: FakeShopify, base: str) -> None:
    assert find(base, "1002", RAM_ON_TELEGRAM) is None
    assert find(base, "..", RAM) is None
    assert find(base, "", RAM) is None
    assert shop.calls == []
    assert find(base, "1004", MAYA) is not None  # Maya's own


def test_an_unknown_order_is_none(base: str) -> None:
    assert find(base, "9999") is None
    assert find(base, "1001-A") is None


def test_an_order_without_contact_details_is_nobodys_and_said_once(
    base: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def twice(store: ShopifyOrderStore) -> list[Order | None]:
        return [await store.find_order("1010", RAM), await store.find_order("1010", RAM)]

    with caplog.at_level(logging.WARNING, "fulfillment.store.shop"):
        assert using(base, twice) == [None, None]
    assert [r.getMessage() for r in caplog.records if "protected customer data" in r.getMessage()]
    assert len(caplog.records) == 1


# --- open orders ---------------------------------------------------------------------------


def test_open_orders_by_email_are_the_unfulfilled_ones_newest_first(
    shop: FakeShopify, base: str
) -> None:
    orders = using(base, lambda store: store.open_orders(RAM, 3))
    # 1005 is cancelled, 1006 refunded, 1002 and 1008 fulfilled.
    assert [(o.number, o.status) for o in orders] == [
        ("1003", OrderStatus.PARTLY_DELIVERED),
        ("1009", OrderStatus.PLACED),
        ("1001", OrderStatus.PROCESSING),
    ]
    assert [o.number for o in using(base, lambda store: store.open_orders(RAM, 2))] == [
        "1003",
        "1009",
    ]
    assert shop.calls == ["OrdersByEmail", "OrdersByEmail"]


def test_open_orders_by_phone_go_through_the_customer(shop: FakeShopify, base: str) -> None:
    orders = using(base, lambda store: store.open_orders(RAM_WHATSAPP, 3))
    # The customer's orders whose own phone is Ram's (1009 names no phone).
    assert [o.number for o in orders] == ["1003", "1001"]
    assert shop.calls == ["OrdersByPhone"]


def test_open_orders_for_nobody(shop: FakeShopify, base: str) -> None:
    assert using(base, lambda store: store.open_orders(RAM_ON_TELEGRAM, 3)) == []
    assert using(base, lambda store: store.open_orders(STRANGER, 3)) == []
    assert using(base, lambda store: store.open_orders(RAM, 0)) == []
    assert shop.calls == ["OrdersByEmail"]


# --- a guest's proof ------------------------------------------------------------------------


def prove(base: str, number: str, factor: Factor, given: str) -> Order | None:
    proof = Proof.of(factor, given)
    assert proof is not None
    return using(base, lambda store: store.find_order_by_proof(number, proof))


@pytest.mark.parametrize(
    ("number", "factor", "given"),
    [
        ("1002", Factor.EMAIL, "ram123@gmail.com"),  # the shop stored Ram123@Gmail.com
        ("#1002", Factor.EMAIL, " RAM123@GMAIL.COM "),
        ("1002", Factor.POSTCODE, "94107"),  # the shipping address's zip
        ("1004", Factor.POSTCODE, "sw1a1aa"),  # stored "SW1A 1AA"
        ("1004", Factor.POSTCODE, "SW1A-1AA"),
        ("1001", Factor.PHONE_LAST4, "0123"),  # the order's phone
        ("1002", Factor.PHONE_LAST4, "555-0123"),  # else the billing address's
        ("21001", Factor.PHONE_LAST4, "0123"),  # else the shipping address's
        ("1007", Factor.PHONE_LAST4, "0123"),  # a guest order without e-mail
    ],
)
def test_a_guest_with_the_right_proof_hears_about_the_order(
    shop: FakeShopify, base: str, number: str, factor: Factor, given: str
) -> None:
    order = prove(base, number, factor, given)
    assert order is not None
    assert order.number == number.lstrip("#")
    assert shop.calls == ["GuestOrderByName"]


@pytest.mark.parametrize(
    ("number", "factor", "given"),
    [
        ("1002", Factor.EMAIL, "maya@example.org"),
        ("1004", Factor.EMAIL, "ram123@gmail.com"),  # Maya's order
        ("9999", Factor.EMAIL, "ram123@gmail.com"),  # no such order
        ("1002", Factor.POSTCODE, "94105"),
        ("1006", Factor.POSTCODE, "94107"),  # nothing to ship: no shipping address
        ("1010", Factor.EMAIL, "ram123@gmail.com"),  # e-mail and phone redacted
        ("1009", Factor.PHONE_LAST4, "0123"),  # no phone anywhere on it
        ("1002", Factor.PHONE_LAST4, "0124"),
    ],
)
def test_a_wrong_proof_reads_like_an_unknown_order(
    base: str, number: str, factor: Factor, given: str
) -> None:
    assert prove(base, number, factor, given) is None


def test_a_guest_order_query_is_not_sent_for_what_is_no_order_number(
    shop: FakeShopify, base: str
) -> None:
    assert prove(base, "..", Factor.EMAIL, "ram123@gmail.com") is None
    assert prove(base, "1001 OR name:1002", Factor.EMAIL, "ram123@gmail.com") is None
    assert shop.calls == []


# --- the last digits -------------------------------------------------------------------------


def ending(base: str, digits: str, asker: Asker = RAM, limit: int = 5) -> list[str]:
    orders = using(base, lambda store: store.orders_ending_with(digits, asker, limit))
    return [order.number for order in orders]


def test_orders_ending_with_are_the_askers_own_newest_first(shop: FakeShopify, base: str) -> None:
    # 1001 and the older 21001 are Ram's; 31001, Maya's, ends alike.
    assert ending(base, "1001") == ["1001", "21001"]
    assert shop.calls == ["OrderNamesByEmail", "OrdersByNames"]
    assert ending(base, "1001", limit=1) == ["1001"]
    assert ending(base, "21001") == ["21001"]
    assert ending(base, "1001", MAYA) == ["31001"]
    assert ending(base, "1004") == []  # Maya's only
    orders = using(base, lambda store: store.orders_ending_with("1001", RAM, 5))
    assert orders[0] == find(base, "1001")
    assert orders[1].status is OrderStatus.SHIPPED


def test_orders_ending_with_by_phone_go_through_the_customer(shop: FakeShopify, base: str) -> None:
    # 21001's only phone is its shipping address's: that makes it nobody's (the ownership
    # rule reads the order's own phone and the billing address's).
    assert ending(base, "1001", RAM_WHATSAPP) == ["1001"]
    assert ending(base, "1003", RAM_WHATSAPP) == ["1003"]
    assert ending(base, "1002", RAM_WHATSAPP) == ["1002"]  # its billing phone is his
    assert ending(base, "1009", RAM_WHATSAPP) == []  # names no phone
    assert shop.calls[:2] == ["OrderNamesByPhone", "OrdersByNames"]
    assert (
        using(
            base,
            lambda s: s.orders_ending_with("1001", RAM_WHATSAPP, 5),
            token=TOKEN_WITHOUT_ORDERS,
        )
        == []
    )


def test_orders_ending_with_asks_nothing_it_cannot(shop: FakeShopify, base: str) -> None:
    assert ending(base, "1001", RAM_ON_TELEGRAM) == []
    assert ending(base, "1001", STRANGER) == []  # asked, and none are hers
    assert ending(base, "001") == []
    assert ending(base, "1001", limit=0) == []
    assert shop.calls == ["OrderNamesByEmail"]


# --- failures: each a BackendError, in time, without customer data ------------------------


def test_a_wrong_token_is_a_backend_error_logged_once(
    shop: FakeShopify, base: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def twice(store: ShopifyOrderStore) -> list[str]:
        messages = []
        for _ in range(2):
            with pytest.raises(BackendError) as raised:
                await store.find_order("1002", RAM)
            messages.append(str(raised.value))
        assert not await store.ping()
        return messages

    with caplog.at_level(logging.ERROR, "fulfillment.store.shop"):
        messages = using(base, twice, token="shpat_wrong")
    assert messages == ["Shopify answered HTTP 401"] * 2
    assert [r.getMessage() for r in caplog.records] == [
        "Shopify answered HTTP 401: the access token is not valid (FULFILLMENT_SHOP_TOKEN: a "
        "custom app's Admin API access token for this shop)"
    ]


def test_a_token_without_read_orders(
    shop: FakeShopify, base: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, "fulfillment.store.shop"):
        error, _ = failing(base, token=TOKEN_WITHOUT_ORDERS)
        assert str(error) == "Shopify denied access (ACCESS_DENIED)"
        # Open orders by phone need read_customers: without it there are none, no failure.
        assert (
            using(base, lambda s: s.open_orders(RAM_WHATSAPP, 3), token=TOKEN_WITHOUT_ORDERS) == []
        )
    assert "ACCESS_DENIED" in caplog.records[0].getMessage()


def test_429_with_a_short_retry_after_is_waited_out_once(shop: FakeShopify, base: str) -> None:
    shop.fail(("429", "0.2"))
    started = time.monotonic()
    assert find(base, "1002") is not None
    assert 0.2 <= time.monotonic() - started < DEADLINE + 0.5
    assert shop.calls == ["OrderByName", "OrderByName"]


def test_429_with_a_long_retry_after_fails_at_once(shop: FakeShopify, base: str) -> None:
    shop.fail(("429", "2.0"))
    error, elapsed = failing(base)
    assert str(error) == (
        "Shopify is limiting the service's calls (HTTP 429, Retry-After 2 s; no time to wait "
        "within the deadline)"
    )
    assert elapsed < 1.0  # no waiting for it
    assert shop.calls == ["OrderByName"]


def test_a_throttled_query_is_retried_when_the_bucket_refills_in_time(
    shop: FakeShopify, base: str
) -> None:
    shop.bucket.available, shop.bucket.restore_rate = 0.0, 2000.0  # 485 points in 0.24 s
    assert find(base, "1002") is not None
    assert shop.calls == ["OrderByName", "OrderByName"]


def test_a_throttled_query_fails_when_the_bucket_refills_too_slowly(
    shop: FakeShopify, base: str
) -> None:
    shop.bucket.available, shop.bucket.restore_rate = 0.0, 100.0  # 485 points in 4.85 s
    error, elapsed = failing(base)
    assert re.match(r"^Shopify throttled the query \(THROTTLED, wait 4\.\d s; no time", str(error))
    assert elapsed < 1.0  # no waiting for it
    assert shop.calls == ["OrderByName"]


def test_a_passing_5xx_is_retried_once(shop: FakeShopify, base: str) -> None:
    shop.fail(("status", 503))
    assert find(base, "1002") is not None
    shop.fail(("status", 500), ("status", 502))
    error, _ = failing(base)
    assert str(error) == "Shopify answered HTTP 502 after one retry"


def test_a_slow_shop_fails_within_the_timeout(shop: FakeShopify, base: str) -> None:
    shop.fail(("slow", 5))
    error, elapsed = failing(base)
    assert str(error) == "Shopify did not answer within 1.2 s (ReadTimeout)"
    assert elapsed < DEADLINE + 0.5


def test_malformed_json_and_graphql_errors(shop: FakeShopify, base: str) -> None:
    shop.fail(("garbled", None))
    assert str(failing(base)[0]) == "Shopify answered malformed JSON"

    costly = "query TooMuch { orders(first: 250) { nodes { ...OrderFields } } }"

    async def too_much(store: ShopifyOrderStore) -> None:
        from fulfillment.store.shopify import ORDER_FIELDS, Call

        await store._query(costly + ORDER_FIELDS, {}, Call())

    with pytest.raises(BackendError, match=r"^Shopify answered GraphQL errors \(MAX_COST_"):
        using(base, too_much)


def test_a_closed_port(base: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    error, elapsed = failing(closed)
    assert str(error) == "cannot reach Shopify (ConnectError)"
    assert elapsed < DEADLINE + 0.5


def test_ping(base: str) -> None:
    assert using(base, lambda store: store.ping())


def test_a_retired_api_version_is_served_by_the_oldest_and_said(
    base: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, "fulfillment.store.shop"):
        assert find(base, "1002", api_version="2025-07") is not None
    assert "answered with API version 2026-01 instead of 2025-07" in caplog.text


def test_the_default_version_is_the_settings_default() -> None:
    assert Settings.model_fields["shopify_api_version"].default == DEFAULT_API_VERSION
    assert DEFAULT_API_VERSION in shopify_fake.SUPPORTED_VERSIONS


# --- the service end to end ---------------------------------------------------------------

HEADERS = {"Authorization": f"Bearer {API_KEY}"}
SORRY = "Sorry, I can't check order {number} right now. Please try again in a few minutes."


def settings(directory: Path, base: str, token: str = TOKEN) -> Settings:
    return Settings(
        data_dir=directory / "data",
        api_keys=[API_KEY],
        shop="shopify",
        shop_url=base,
        shop_token=token,
        deadline_seconds=DEADLINE,
        breaker_threshold=100,  # each failure on its own; the breaker has its own tests
        lookup_slow_after=10_000,
        # The shop's back end signs the e-mail addresses its web chat sends as ids.
        identity_secrets=[IDENTITY_SECRET],
        lookup_refuse_after=10_000,
    )


@pytest.fixture(scope="module")
def client(
    fake: tuple[FakeShopify, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    with TestClient(create_app(settings(tmp_path_factory.mktemp("shopify"), fake[1]))) as app:
        yield app


def ask(
    client: TestClient, number: str | None, uid: str = "ram123@gmail.com", channel: str = "WEB"
) -> tuple[str, float]:
    started = time.monotonic()
    body = build_request(number, uid=uid, channel=channel, username=None)
    response = client.post(SEED_PATH, json=body, headers=HEADERS)
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    messages = response.json()["response"]["responseMessages"]
    return " ".join(m["simpleResponse"]["responseText"] for m in messages), elapsed


def test_the_service_tells_one_parcel_with_its_carrier_and_number(
    shop: FakeShopify, client: TestClient
) -> None:
    for uid, channel in [("ram123@gmail.com", "WEB"), ("+14155550123", "WHATSAPP")]:
        text, _ = ask(client, "1002", uid, channel)
        assert "1002" in text
        assert "UPS" in text
        assert UPS_TRACKING in text


def test_the_service_answers_orders_in_none_and_in_three_parcels(
    shop: FakeShopify, client: TestClient
) -> None:
    text, _ = ask(client, "1001")
    assert "Order 1001" in text
    text, _ = ask(client, "1003")
    assert "1003" in text


@pytest.mark.parametrize("number", ["1004", "9999"])
def test_the_service_reads_a_foreign_order_as_unknown(
    shop: FakeShopify, client: TestClient, number: str
) -> None:
    text, _ = ask(client, number)
    assert text.startswith(f"I couldn't find order {number}.")


def test_the_service_asks_which_open_order(shop: FakeShopify, client: TestClient) -> None:
    text, _ = ask(client, None)
    assert "1003" in text
    assert "1001" in text


@pytest.mark.parametrize(
    "failures",
    [
        [("429", "30")],
        [("status", 503), ("status", 503)],
        [("status", 500), ("status", 500)],
        [("slow", 5)],
        [("status", 503), ("slow", 5)],  # a passing 503, then no answer to the retry
        [("garbled", None)],
        "throttled",
    ],
    ids=["429", "503", "500", "slow", "503-then-slow", "garbled", "throttled"],
)
def test_every_failure_is_an_apology_within_the_deadline(
    shop: FakeShopify, client: TestClient, failures: Any
) -> None:
    if failures == "throttled":
        shop.bucket.available, shop.bucket.restore_rate = 0.0, 10.0
    else:
        shop.fail(*failures)
    text, elapsed = ask(client, "1002")
    assert text == SORRY.format(number="1002")
    assert elapsed < DEADLINE + 0.5


def test_a_wrong_token_is_an_apology_too(base: str, tmp_path: Path) -> None:
    with TestClient(create_app(settings(tmp_path, base, token="shpat_wrong"))) as app:
        text, elapsed = ask(app, "1002")
        assert text == SORRY.format(number="1002")
        assert elapsed < DEADLINE + 0.5
        assert app.get("/readyz").status_code == 503
