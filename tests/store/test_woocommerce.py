"""The WooCommerce store against a fake WooCommerce on a loopback port
(tests/store/woocommerce_fake.py): the store on its own, then the whole service with
FULFILLMENT_SHOP=woocommerce."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
from shopify_fake import serve
from starlette.testclient import TestClient
from support import API_KEY, IDENTITY_SECRET, build_request
from woocommerce_fake import KEY, SECRET, WRITE_ONLY_KEY, WRITE_ONLY_SECRET, FakeWooCommerce

from fulfillment.app import SEED_PATH, create_app
from fulfillment.domain import Asker, Factor, Item, Order, OrderStatus, Proof, Shipment
from fulfillment.errors import ConfigurationError
from fulfillment.settings import Settings
from fulfillment.store.base import BackendError
from fulfillment.store.woocommerce import MAX_PAGES, WooCommerceOrderStore

T = TypeVar("T")
DEADLINE = 1.5
ORDERS = "/wp-json/wc/v3/orders"
USPS = "9400111899223344556677"

RAM = Asker(uid="ram123@gmail.com", channel="WEB")
RAM_WHATSAPP = Asker(uid="+14155550123", channel="WHATSAPP")
RAM_SMS = Asker(uid="0014155550123", channel="SMS")
RAM_ON_TELEGRAM = Asker(uid="14155550123", channel="TELEGRAM")
MAYA = Asker(uid="maya@example.org")
STRANGER = Asker(uid="eve@example.com")


@pytest.fixture(scope="module")
def fake() -> Iterator[tuple[FakeWooCommerce, str]]:
    shop = FakeWooCommerce()
    with serve(shop.app) as base:
        yield shop, base


@pytest.fixture
def shop(fake: tuple[FakeWooCommerce, str]) -> FakeWooCommerce:
    fake[0].reset()
    return fake[0]


@pytest.fixture
def base(fake: tuple[FakeWooCommerce, str], shop: FakeWooCommerce) -> str:
    return fake[1]  # with the fake reset: nothing queued, no calls counted


def using(
    base: str,
    work: Callable[[WooCommerceOrderStore], Awaitable[T]],
    key: str = KEY,
    secret: str = SECRET,
    **kw: Any,
) -> T:
    async def run() -> T:
        async with WooCommerceOrderStore(
            base, key, secret, deadline_seconds=DEADLINE, **kw
        ) as store:
            return await work(store)

    return asyncio.run(run())


def find(base: str, number: str, asker: Asker = RAM, **kw: Any) -> Order | None:
    return using(base, lambda store: store.find_order(number, asker), **kw)


def failing(base: str, number: str = "102", **kw: Any) -> tuple[BackendError, float]:
    started = time.monotonic()
    with pytest.raises(BackendError) as raised:
        find(base, number, **kw)
    error = raised.value
    text = str(error).lower()
    for private in ("ram", "gmail", "415", "102", "sandals", "9400"):
        assert private not in text
    assert error.__cause__ is None
    return error, time.monotonic() - started


# --- the store: orders in 0, 1 and 3 parcels --------------------------------------------


def test_an_order_without_parcels(shop: FakeWooCommerce, base: str) -> None:
    assert find(base, "101") == Order(
        number="101",
        status=OrderStatus.PROCESSING,
        placed_date=dt.date(2026, 11, 28),
        currency="USD",
        total=Decimal("89.90"),
        shipments=(),
        items=(Item("Cotton kurta", 2),),
    )
    assert shop.calls == [f"{ORDERS}/101"]


def test_an_order_in_one_parcel(base: str) -> None:
    order = find(base, "#102")
    assert order is not None
    assert order.status is OrderStatus.SHIPPED  # completed
    # A built-in provider: its name, and the link made from its template.
    assert order.shipments == (
        Shipment(
            carrier="USPS",
            tracking_number=USPS,
            tracking_url=f"https://tools.usps.com/go/TrackConfirmAction_input?qtc_tLabels1={USPS}",
        ),
    )
    assert order.items == (Item("Leather sandals", 1, "https://shop.example.com/img/sandals.jpg"),)


def test_an_order_in_three_parcels(base: str) -> None:
    order = find(base, "103")
    assert order is not None
    assert order.status is OrderStatus.SHIPPED
    # Stored with a gap ({"0": …, "2": …, "3": …}): a custom provider with its own link, a
    # built-in one, and one this store names from its slug (no link).
    assert [(s.carrier, s.tracking_number, s.tracking_url) for s in order.shipments] == [
        ("Blue Dart", "BD7788990011", "https://www.bluedart.com/track?awb=BD7788990011"),
        (
            "DHL",
            "JD014600004",
            "http://www.dhl.com/content/g0/en/express/tracking.shtml?brand=DHL&AWB=JD014600004",
        ),
        ("Fan Courier", "FC123456", None),
    ]
    assert all(s.state.value == "in_transit" for s in order.shipments)  # no more is known
    assert len(order.items) == 3


@pytest.mark.parametrize(
    ("number", "status"),
    [
        ("105", OrderStatus.ON_HOLD),
        ("106", OrderStatus.CANCELLED),
        ("107", OrderStatus.REFUNDED),
        ("108", OrderStatus.ON_HOLD),  # failed payment
        ("150", OrderStatus.PLACED),  # pending payment
    ],
)
def test_statuses(base: str, number: str, status: OrderStatus) -> None:
    order = find(base, number if number != "150" else "140")
    assert order is not None
    assert order.status is status


def test_a_checkout_draft_is_no_order(base: str) -> None:
    assert find(base, "109") is None


def test_a_numbering_plugins_number_is_searched_and_compared(
    shop: FakeWooCommerce, base: str
) -> None:
    order = find(base, "10001")  # order 130's number; there is no order 10001
    assert order is not None
    assert order.number == "10001"
    assert shop.calls == [
        f"{ORDERS}/10001",
        f"{ORDERS}?search=10001&per_page=20&page=1&orderby=date&order=desc",
    ]


def test_an_id_whose_order_has_another_number(shop: FakeWooCommerce, base: str) -> None:
    # Order 140 is Maya's, numbered 20140; the customer's 140 is order 150.
    order = find(base, "140")
    assert order is not None
    assert (order.number, order.status) == ("140", OrderStatus.PLACED)
    assert find(base, "20140") is None  # Maya's, found by search, not Ram's
    assert find(base, "20140", MAYA) is not None


def test_a_number_that_is_no_id_is_only_searched(shop: FakeWooCommerce, base: str) -> None:
    assert find(base, "A-20001") is None
    assert shop.calls == [f"{ORDERS}?search=A-20001&per_page=20&page=1&orderby=date&order=desc"]


# --- whose order it is ---------------------------------------------------------------------


@pytest.mark.parametrize("asker", [RAM, RAM_WHATSAPP, RAM_SMS])
def test_the_owner_by_billing_email_or_phone(base: str, asker: Asker) -> None:
    order = find(base, "102", asker)  # billing phone typed "+1 (415) 555-0123"
    assert order is not None


@pytest.mark.parametrize("asker", [STRANGER, MAYA, RAM_ON_TELEGRAM])
def test_someone_elses_order_is_not_found(base: str, asker: Asker) -> None:
    assert find(base, "102", asker) is None


def test_an_asker_who_can_own_nothing_is_not_looked_up(shop: FakeWooCommerce, base: str) -> None:
    assert find(base, "102", RAM_ON_TELEGRAM) is None
    assert find(base, "..") is None
    assert shop.calls == []
    assert find(base, "104", MAYA) is not None
    assert find(base, "104", RAM) is None


def test_an_unknown_order_is_none(shop: FakeWooCommerce, base: str) -> None:
    assert find(base, "999") is None
    assert shop.calls == [
        f"{ORDERS}/999",  # 404 woocommerce_rest_shop_order_invalid_id
        f"{ORDERS}?search=999&per_page=20&page=1&orderby=date&order=desc",
    ]


# --- open orders, across pages -------------------------------------------------------------


def test_open_orders_follow_the_pages(shop: FakeWooCommerce, base: str) -> None:
    # Seven newer orders of others whose e-mail contains Ram's fill the first page of five.
    orders = using(base, lambda store: store.open_orders(RAM, 3), page_size=5)
    assert [(o.number, o.status) for o in orders] == [
        ("105", OrderStatus.ON_HOLD),
        ("101", OrderStatus.PROCESSING),
        ("10001", OrderStatus.PROCESSING),
    ]
    search = "search=ram123%40gmail.com&status=pending%2Cprocessing%2Con-hold&per_page=5"
    assert shop.calls == [
        f"{ORDERS}?{search}&page=1&orderby=date&order=desc",
        f"{ORDERS}?{search}&page=2&orderby=date&order=desc",  # the Link header's rel="next"
    ]
    everything = using(base, lambda store: store.open_orders(RAM, 10), page_size=5)
    assert [o.number for o in everything] == ["105", "101", "10001", "140"]


def test_open_orders_by_phone(base: str) -> None:
    orders = using(base, lambda store: store.open_orders(RAM_WHATSAPP, 5))
    # Searched as 14155550123: the orders whose phone was stored without separators.
    assert [o.number for o in orders] == ["105", "101", "10001", "140"]


def test_open_orders_for_nobody(shop: FakeWooCommerce, base: str) -> None:
    assert using(base, lambda store: store.open_orders(RAM_ON_TELEGRAM, 3)) == []
    assert using(base, lambda store: store.open_orders(STRANGER, 3)) == []
    assert len(shop.calls) == 1


# --- a guest's proof ------------------------------------------------------------------------


def prove(base: str, number: str, factor: Factor, given: str) -> Order | None:
    proof = Proof.of(factor, given)
    assert proof is not None
    return using(base, lambda store: store.find_order_by_proof(number, proof))


@pytest.mark.parametrize(
    ("number", "factor", "given"),
    [
        ("102", Factor.EMAIL, "ram123@gmail.com"),  # billing e-mail Ram123@Gmail.com
        ("#102", Factor.EMAIL, "RAM123@gmail.com "),
        ("102", Factor.POSTCODE, "94107"),  # the shipping postcode
        ("104", Factor.POSTCODE, "sw1a 2hq"),  # stored "SW1A 2HQ"
        ("104", Factor.POSTCODE, "SW1A2HQ"),
        ("102", Factor.PHONE_LAST4, "0123"),  # billing phone "+1 (415) 555-0123"
        ("10001", Factor.EMAIL, "ram123@gmail.com"),  # a numbering plugin's number
        ("162", Factor.EMAIL, "ram123@gmail.com"),
    ],
)
def test_a_guest_with_the_right_proof_hears_about_the_order(
    base: str, number: str, factor: Factor, given: str
) -> None:
    order = prove(base, number, factor, given)
    assert order is not None
    assert order.number == number.lstrip("#")


@pytest.mark.parametrize(
    ("number", "factor", "given"),
    [
        ("102", Factor.EMAIL, "maya@example.org"),
        ("104", Factor.EMAIL, "ram123@gmail.com"),  # Maya's order
        ("999", Factor.EMAIL, "ram123@gmail.com"),  # no such order
        ("102", Factor.POSTCODE, "94105"),
        ("104", Factor.POSTCODE, "94107"),  # her billing address is not where it went
        ("162", Factor.POSTCODE, "94107"),  # nothing to ship: an empty shipping address
        ("102", Factor.PHONE_LAST4, "0124"),
        ("109", Factor.EMAIL, "ram123@gmail.com"),  # a checkout draft is no order
        ("20140", Factor.EMAIL, "ram123@gmail.com"),  # Maya's, found by search
    ],
)
def test_a_wrong_proof_reads_like_an_unknown_order(
    base: str, number: str, factor: Factor, given: str
) -> None:
    assert prove(base, number, factor, given) is None


def test_a_guest_order_is_asked_for_as_any_order(shop: FakeWooCommerce, base: str) -> None:
    assert prove(base, "140", Factor.EMAIL, "ram123@gmail.com") is not None  # order 150
    assert shop.calls == [
        f"{ORDERS}/140",  # Maya's order 140, numbered 20140
        f"{ORDERS}?search=140&per_page=20&page=1&orderby=date&order=desc",
    ]
    shop.reset()
    assert prove(base, "..", Factor.EMAIL, "ram123@gmail.com") is None
    assert shop.calls == []


# --- the last digits -------------------------------------------------------------------------


def ending(base: str, digits: str, asker: Asker = RAM, limit: int = 5, **kw: Any) -> list[str]:
    orders = using(base, lambda store: store.orders_ending_with(digits, asker, limit), **kw)
    return [order.number for order in orders]


def test_orders_ending_with_are_the_askers_own_newest_first(
    shop: FakeWooCommerce, base: str
) -> None:
    # 10001 and the older 90001 are Ram's; 70001, Maya's, ends alike.
    assert ending(base, "0001") == ["10001", "90001"]
    assert shop.calls == [
        f"{ORDERS}?search=ram123%40gmail.com&per_page=20&page=1&orderby=date&order=desc"
    ]
    assert ending(base, "0001", limit=1) == ["10001"]
    assert ending(base, "90001") == ["90001"]
    assert ending(base, "0001", MAYA) == ["70001"]
    assert ending(base, "0140") == []  # Maya's 20140 (Ram's 140 is too short to end so)
    assert ending(base, "0001", RAM_WHATSAPP) == ["10001", "90001"]


def test_orders_ending_with_follow_the_pages(shop: FakeWooCommerce, base: str) -> None:
    # Newer orders of others fill the first pages of five; Ram's own come later, and his
    # oldest (90001) after the third page, where the search stops (MAX_PAGES).
    assert ending(base, "0001", page_size=5) == ["10001"]
    assert len(shop.calls) == MAX_PAGES
    assert ending(base, "0001", page_size=10) == ["10001", "90001"]


def test_orders_ending_with_asks_nothing_it_cannot(shop: FakeWooCommerce, base: str) -> None:
    assert ending(base, "0001", RAM_ON_TELEGRAM) == []
    assert ending(base, "001") == []
    assert ending(base, "0001", limit=0) == []
    assert shop.calls == []


# --- failures: each a BackendError, in time, without customer data ------------------------


def test_a_wrong_secret_is_a_backend_error_logged_once(
    base: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def twice(store: WooCommerceOrderStore) -> None:
        for _ in range(2):
            with pytest.raises(BackendError, match=r"^WooCommerce answered HTTP 401$"):
                await store.find_order("102", RAM)
        assert not await store.ping()

    with caplog.at_level(logging.ERROR, "fulfillment.store.shop"):
        using(base, twice, secret="cs_wrong")
    assert [r.getMessage() for r in caplog.records] == [
        "WooCommerce answered HTTP 401: the REST API key was refused (FULFILLMENT_SHOP_KEY and "
        "FULFILLMENT_SHOP_SECRET: a key with Read access; WooCommerce accepts them over https "
        "only)"
    ]


@pytest.mark.parametrize(
    ("key", "secret"), [("ck_unknown", SECRET), (WRITE_ONLY_KEY, WRITE_ONLY_SECRET)]
)
def test_a_key_that_may_not_read_fails_every_lookup(base: str, key: str, secret: str) -> None:
    # An unknown key runs as a guest: 401 woocommerce_rest_cannot_view for an order, and a
    # missing order's 404 leads to a search that is refused too.
    assert str(failing(base, key=key, secret=secret)[0]) == "WooCommerce answered HTTP 401"
    assert str(failing(base, "999", key=key, secret=secret)[0]) == "WooCommerce answered HTTP 401"


def test_a_passing_fatal_error_is_retried_once(shop: FakeWooCommerce, base: str) -> None:
    shop.fail(("fatal", None))
    assert find(base, "102") is not None
    shop.fail(("fatal", None), ("fatal", None))
    assert str(failing(base)[0]) == "WooCommerce answered HTTP 500 after one retry"


def test_maintenance_mode_is_not_waited_for(shop: FakeWooCommerce, base: str) -> None:
    shop.fail(("maintenance", None))  # 503, Retry-After: 600
    error, elapsed = failing(base)
    assert str(error) == "WooCommerce answered HTTP 503"
    assert elapsed < 1.0  # no waiting for it
    assert len(shop.calls) == 1


def test_429_in_front_of_the_shop(shop: FakeWooCommerce, base: str) -> None:
    shop.fail(("429", "0.2"))
    assert find(base, "102") is not None
    assert len(shop.calls) == 2
    shop.fail(("429", "30"))
    error, elapsed = failing(base)
    assert str(error).startswith("WooCommerce is limiting the service's calls (HTTP 429, Retry")
    assert elapsed < 1.0  # no waiting for it


def test_a_php_notice_before_the_json(shop: FakeWooCommerce, base: str) -> None:
    shop.fail(("notice", None))
    assert str(failing(base)[0]) == "WooCommerce answered malformed JSON"


def test_a_slow_shop_fails_within_the_timeout(shop: FakeWooCommerce, base: str) -> None:
    shop.fail(("slow", 5))
    error, elapsed = failing(base)
    assert str(error) == "WooCommerce did not answer within 1.2 s (ReadTimeout)"
    assert elapsed < DEADLINE + 0.5


def test_no_orders_api_at_the_address(base: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, "fulfillment.store.shop"):
        error, _ = failing(f"{base}/blog")
    assert str(error) == "WooCommerce answered HTTP 404 without its orders API"
    assert "check FULFILLMENT_SHOP_URL" in caplog.text


def test_a_closed_port(base: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    assert str(failing(closed)[0]) == "cannot reach WooCommerce (ConnectError)"


def test_plain_http_only_on_loopback() -> None:
    with pytest.raises(ConfigurationError, match=r"must use https://"):
        WooCommerceOrderStore("http://shop.example.com", KEY, SECRET)
    with pytest.raises(ConfigurationError, match=r"must not carry credentials"):
        WooCommerceOrderStore(f"https://{KEY}:{SECRET}@shop.example.com", KEY, SECRET)


def test_ping(base: str) -> None:
    assert using(base, lambda store: store.ping())


# --- the service end to end ---------------------------------------------------------------

HEADERS = {"Authorization": f"Bearer {API_KEY}"}
SORRY = "Sorry, I can't check order {number} right now. Please try again in a few minutes."


def settings(directory: Path, base: str, secret: str = SECRET) -> Settings:
    return Settings(
        data_dir=directory / "data",
        api_keys=[API_KEY],
        shop="woocommerce",
        shop_url=base,
        shop_key=KEY,
        shop_secret=secret,
        deadline_seconds=DEADLINE,
        breaker_threshold=100,
        lookup_slow_after=10_000,
        # The shop's back end signs the e-mail addresses its web chat sends as ids.
        identity_secrets=[IDENTITY_SECRET],
        lookup_refuse_after=10_000,
    )


@pytest.fixture(scope="module")
def client(
    fake: tuple[FakeWooCommerce, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    directory = tmp_path_factory.mktemp("woocommerce")
    with TestClient(create_app(settings(directory, fake[1]))) as app:
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
    shop: FakeWooCommerce, client: TestClient
) -> None:
    for uid, channel in [("ram123@gmail.com", "WEB"), ("+14155550123", "WHATSAPP")]:
        text, _ = ask(client, "102", uid, channel)
        assert "102" in text
        assert "USPS" in text
        assert USPS in text


def test_the_service_answers_orders_in_none_and_in_three_parcels(
    shop: FakeWooCommerce, client: TestClient
) -> None:
    text, _ = ask(client, "101")
    assert "Order 101" in text
    text, _ = ask(client, "103")
    assert "103" in text


@pytest.mark.parametrize("number", ["104", "999", "109"])
def test_the_service_reads_a_foreign_order_as_unknown(
    shop: FakeWooCommerce, client: TestClient, number: str
) -> None:
    text, _ = ask(client, number)
    assert text.startswith(f"I couldn't find order {number}.")


@pytest.mark.parametrize(
    "failures",
    [
        [("fatal", None), ("fatal", None)],
        [("maintenance", None)],
        [("429", "30")],
        [("notice", None)],
        [("slow", 5)],
        [("fatal", None), ("slow", 5)],
    ],
    ids=["fatal", "maintenance", "429", "php-notice", "slow", "fatal-then-slow"],
)
def test_every_failure_is_an_apology_within_the_deadline(
    shop: FakeWooCommerce, client: TestClient, failures: list[tuple[str, Any]]
) -> None:
    shop.fail(*failures)
    text, elapsed = ask(client, "102")
    assert text == SORRY.format(number="102")
    assert elapsed < DEADLINE + 0.5


def test_a_refused_key_is_an_apology_too(fake: tuple[FakeWooCommerce, str], tmp_path: Path) -> None:
    with TestClient(create_app(settings(tmp_path, fake[1], secret="cs_wrong"))) as app:
        text, elapsed = ask(app, "102")
        assert text == SORRY.format(number="102")
        assert elapsed < DEADLINE + 0.5
        assert app.get("/readyz").status_code == 503
