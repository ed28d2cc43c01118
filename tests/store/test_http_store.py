"""The shop-API backend against a real shop API process on a loopback port (tests/shop_api.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import shop_api

from fulfillment.domain import Asker, Factor, Item, Order, OrderStatus, Proof, Shipment
from fulfillment.errors import ConfigurationError
from fulfillment.store.http import BackendError, HttpOrderStore, ShopApiConfig

pytestmark = pytest.mark.server

T = TypeVar("T")
TESTS = Path(__file__).resolve().parent.parent
TIMEOUT = 0.5

RAVI_TELEGRAM = Asker(uid="51342", channel="TELEGRAM", user_name="ravir")
RAVI_BY_NAME = Asker(uid="some-other-id", channel="Telegram", user_name="RAVIR")
RAVI_BY_EMAIL = Asker(uid="ravi.r@example.com", channel="WEB")
STRANGER = Asker(uid="77777", channel="TELEGRAM", user_name="eve")
RAVI_ELSEWHERE = Asker(uid="51342", channel="WHATSAPP", user_name="ravir")

CONFIG = """\
base_url: {base}/api/v2
auth_header: X-Shop-Token
auth_value: {token}
order_path: "/orders/{{number}}"
customer_orders_path: "/customers/{{email}}/orders"
customer_orders_key: data.orders
timeout_seconds: {timeout}
default_currency: EUR
fields:
  number: orderNo
  status: state
  placed_date: createdAt
  currency: money.currency
  total: money.amount
  customer_email: customer.email
  customer_channel: customer.chat.channel
  customer_uid: customer.chat.id
  customer_user_name: customer.chat.handle
  postcode: shipTo.zip
  phone: customer.phone
  carrier: delivery.carrier
  tracking_number: delivery.trackingCode
  tracking_url: delivery.trackingLink
  expected_date: delivery.eta
  delivered_date: delivery.deliveredOn
  items: lines
  item_name: title
  item_quantity: qty
  item_image_url: picture
statuses:
  In_Transit: shipped
  completed: delivered
  awaiting_payment: on_hold
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_shop(log: Path) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "shop_api:app",
                "--app-dir",
                str(TESTS),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
                "--timeout-graceful-shutdown",
                "1",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            if process.poll() is not None:
                raise AssertionError(f"shop API exited with {process.returncode}: {log}")
            try:
                if httpx.get(f"{base}/", timeout=1, trust_env=False).status_code == 200:
                    return base, process
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("shop API did not come up")
            time.sleep(0.05)
    except BaseException:
        stop_shop(process)
        raise


def stop_shop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base, process = start_shop(tmp_path_factory.mktemp("shop") / "shop.log")
    try:
        yield base
    finally:
        stop_shop(process)


def write_config(directory: Path, base: str, **overrides: Any) -> Path:
    values = {"base": base, "token": shop_api.TOKEN, "timeout": TIMEOUT, **overrides}
    path = directory / "shop-api.yaml"
    path.write_text(CONFIG.format(**values), encoding="utf-8")
    return path


# The shop's own bookkeeping, through the standard library: no proxies, no TLS set-up.
LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture
def config(shop: str, tmp_path: Path) -> ShopApiConfig:
    with LOOPBACK.open(urllib.request.Request(f"{shop}/_calls", method="DELETE"), timeout=5):
        pass
    return ShopApiConfig.from_file(write_config(tmp_path, shop))


def calls(shop: str) -> dict[str, int]:
    """How often the shop was asked, per path, since the test began."""
    with LOOPBACK.open(f"{shop}/_calls", timeout=5) as response:
        counted: dict[str, int] = json.load(response)
        return counted


def using(config: ShopApiConfig, work: Callable[[HttpOrderStore], Awaitable[T]]) -> T:
    """Run `work` with a fresh store on a fresh event loop; the store is always closed."""

    async def run() -> T:
        async with HttpOrderStore(config) as store:
            return await work(store)

    return asyncio.run(run())


def find(config: ShopApiConfig, number: str, asker: Asker = RAVI_TELEGRAM) -> Order | None:
    return using(config, lambda store: store.find_order(number, asker))


def closed_port_config(config: ShopApiConfig) -> ShopApiConfig:
    return config.model_copy(update={"base_url": f"http://127.0.0.1:{free_port()}/api/v2"})


# --- lookups ---------------------------------------------------------------------------


def test_an_order_in_the_shops_own_words_is_mapped_to_ours(
    shop: str, config: ShopApiConfig
) -> None:
    order = find(config, "SH-1001")
    assert order == Order(
        number="SH-1001",
        status=OrderStatus.SHIPPED,
        placed_date=dt.date(2026, 3, 1),
        currency="EUR",
        total=Decimal("129.9"),
        shipments=(
            Shipment(
                carrier="DHL",
                tracking_number="JD014600003",
                tracking_url="https://track.example.com/dhl/JD014600003",
                expected_date=shop_api.ETA,
                delivered_date=None,
            ),
        ),
        items=(
            Item("Cotton kurta, indigo", 2, "https://shop.example.com/img/kurta.jpg"),
            Item("Leather sandals", 1, None),
        ),
    )
    assert order.item_count == 3
    # One call: the shop was asked once, at the configured path, with the auth header.
    assert calls(shop) == {"/api/v2/orders/SH-1001": 1}


def test_status_words_ignore_case_and_our_own_words_need_no_mapping(
    config: ShopApiConfig,
) -> None:
    delivered = find(config, "SH-1002")
    assert delivered is not None
    assert delivered.status is OrderStatus.DELIVERED  # "Completed" via statuses
    assert delivered.shipment == Shipment(
        carrier="UPS", expected_date=dt.date(2026, 2, 14), delivered_date=dt.date(2026, 2, 13)
    )
    processing = find(config, "SH-1004")
    assert processing is not None
    assert processing.status is OrderStatus.PROCESSING  # "PROCESSING", our own word
    assert processing.currency == "EUR"  # default_currency: the shop named none
    assert processing.total is None
    assert processing.shipment is None
    assert processing.items == ()


@pytest.mark.parametrize("asker", [RAVI_TELEGRAM, RAVI_BY_NAME, RAVI_BY_EMAIL])
def test_the_customer_is_recognised_by_email_or_channel_identity(
    config: ShopApiConfig, asker: Asker
) -> None:
    order = find(config, " SH-1001 ", asker)
    assert order is not None
    assert order.number == "SH-1001"


@pytest.mark.parametrize("asker", [STRANGER, RAVI_ELSEWHERE])
def test_someone_elses_order_is_not_found(config: ShopApiConfig, asker: Asker) -> None:
    assert find(config, "SH-1001", asker) is None


def test_someone_elses_broken_order_is_not_found_either(config: ShopApiConfig) -> None:
    # SH-2002 belongs to Maya and has a status word nobody mapped: no error, no hint.
    assert find(config, "SH-2002") is None


def test_an_unknown_order_is_none(shop: str, config: ShopApiConfig) -> None:
    assert find(config, "SH-0000") is None
    assert find(config, "..") is None  # never reaches the shop
    assert calls(shop) == {"/api/v2/orders/SH-0000": 1}  # a 404 is an answer: no retry


# --- failures --------------------------------------------------------------------------


def test_a_slow_shop_fails_within_the_timeout(shop: str, config: ShopApiConfig) -> None:
    started = time.monotonic()
    with pytest.raises(BackendError, match=r"did not answer within 0\.5 s \(ReadTimeout\)"):
        find(config, "SH-SLOW")
    elapsed = time.monotonic() - started
    assert TIMEOUT * 0.9 <= elapsed < TIMEOUT + 1.0
    # A read timeout is not retried: the shop may be working on it, and time is short.
    assert calls(shop) == {"/api/v2/orders/SH-SLOW": 1}


def test_a_500_is_retried_exactly_once_then_fails(shop: str, config: ShopApiConfig) -> None:
    with pytest.raises(BackendError, match=r"^the shop's order API answered HTTP 500 after one"):
        find(config, "SH-BOOM")
    assert calls(shop) == {"/api/v2/orders/SH-BOOM": 2}


def test_a_passing_503_is_overcome_by_the_retry(shop: str, config: ShopApiConfig) -> None:
    order = find(config, "SH-FLAKY")
    assert order is not None
    assert order.status is OrderStatus.PROCESSING
    assert calls(shop) == {"/api/v2/orders/SH-FLAKY": 2}


def test_client_errors_are_not_retried(shop: str, config: ShopApiConfig) -> None:
    with pytest.raises(BackendError, match=r"answered HTTP 418$"):
        find(config, "SH-TEAPOT")
    unauthenticated = config.model_copy(update={"auth_value": None})
    with pytest.raises(BackendError, match=r"answered HTTP 401$"):
        find(unauthenticated, "SH-1001")
    assert calls(shop) == {"/api/v2/orders/SH-TEAPOT": 1, "/api/v2/orders/SH-1001": 1}


def test_a_closed_port_is_a_backend_error(config: ShopApiConfig) -> None:
    started = time.monotonic()
    with pytest.raises(BackendError, match=r"cannot reach the shop's order API \(ConnectError\)"):
        find(closed_port_config(config), "SH-1001")
    assert time.monotonic() - started < 2


def test_a_shop_that_stopped_is_a_backend_error(tmp_path: Path) -> None:
    base, process = start_shop(tmp_path / "shop.log")
    try:
        config = ShopApiConfig.from_file(write_config(tmp_path, base))

        async def work(store: HttpOrderStore) -> None:
            # The pool keeps the first connection; the second lookup finds the shop gone.
            assert await store.find_order("SH-1001", RAVI_TELEGRAM) is not None
            assert await store.ping()
            await asyncio.to_thread(stop_shop, process)
            with pytest.raises(BackendError, match=r"cannot reach the shop's order API"):
                await store.find_order("SH-1001", RAVI_TELEGRAM)
            assert not await store.ping()

        using(config, work)
    finally:
        stop_shop(process)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("SH-GARBLED", r"^the shop's order API answered malformed JSON$"),
        ("SH-3001", r"unknown status word 'teleported'; map it under 'statuses'"),
        ("SH-3002", r"placed_date is not an ISO date$"),
        ("SH-3003", r"number is missing \(fields\.number: orderNo\)$"),
        ("SH-3004", r"^the shop's order API answered with another order's number$"),
    ],
)
def test_answers_that_cannot_be_read_are_backend_errors(
    config: ShopApiConfig, number: str, message: str
) -> None:
    with pytest.raises(BackendError, match=message) as raised:
        find(config, number)
    # No customer data in the message, and no chained exception that might carry a URL.
    text = str(raised.value).lower()
    assert "ravi" not in text
    assert "51342" not in text
    assert raised.value.__cause__ is None
    assert raised.value.__context__ is None or raised.value.__suppress_context__


# --- open orders -----------------------------------------------------------------------


def test_open_orders_are_the_askers_open_ones_newest_first(
    shop: str, config: ShopApiConfig
) -> None:
    orders = using(config, lambda store: store.open_orders(RAVI_BY_EMAIL, 10))
    # SH-1002 is delivered; Maya's SH-2001, which the shop lists too, is dropped.
    assert [(o.number, o.status) for o in orders] == [
        ("SH-1004", OrderStatus.PROCESSING),
        ("SH-1003", OrderStatus.ON_HOLD),
        ("SH-1001", OrderStatus.SHIPPED),
    ]
    assert orders[-1].items[0].name == "Cotton kurta, indigo"
    limited = using(config, lambda store: store.open_orders(RAVI_BY_EMAIL, 2))
    assert [o.number for o in limited] == ["SH-1004", "SH-1003"]
    assert calls(shop) == {"/api/v2/customers/ravi.r@example.com/orders": 2}


def test_open_orders_need_a_way_to_name_the_customer(shop: str, config: ShopApiConfig) -> None:
    # The path asks for {email}; an asker known only by a chat id cannot be looked up.
    assert using(config, lambda store: store.open_orders(RAVI_TELEGRAM, 10)) == []
    unknown = Asker(uid="nobody@example.com")
    assert using(config, lambda store: store.open_orders(unknown, 10)) == []  # a 404
    no_path = config.model_copy(update={"customer_orders_path": None})
    assert using(no_path, lambda store: store.open_orders(RAVI_BY_EMAIL, 10)) == []
    assert calls(shop) == {"/api/v2/customers/nobody@example.com/orders": 1}


# --- a guest's proof, and the last digits --------------------------------------------------


def prove(config: ShopApiConfig, number: str, factor: Factor, given: str) -> Order | None:
    proof = Proof.of(factor, given)
    assert proof is not None
    return using(config, lambda store: store.find_order_by_proof(number, proof))


@pytest.mark.parametrize(
    ("factor", "given"),
    [
        (Factor.EMAIL, "ravi.r@example.com"),  # the shop wrote Ravi.R@Example.com
        (Factor.EMAIL, " RAVI.R@EXAMPLE.COM"),
        (Factor.POSTCODE, "560034"),  # the shop wrote "560 034"
        (Factor.POSTCODE, "560-034"),
        (Factor.PHONE_LAST4, "2345"),
        (Factor.PHONE_LAST4, "+91 98450 12345"),
    ],
)
def test_a_guest_with_the_right_proof_hears_about_the_order(
    shop: str, config: ShopApiConfig, factor: Factor, given: str
) -> None:
    order = prove(config, "SH-1001", factor, given)
    assert order == find(config, "SH-1001")
    # Asked for by its number alone: there is no owner to name in the path.
    assert calls(shop) == {"/api/v2/orders/SH-1001": 2}


@pytest.mark.parametrize(
    ("number", "factor", "given"),
    [
        ("SH-1001", Factor.EMAIL, "maya@example.org"),
        ("SH-1001", Factor.POSTCODE, "560001"),
        ("SH-1001", Factor.PHONE_LAST4, "2346"),
        ("SH-2001", Factor.EMAIL, "ravi.r@example.com"),  # Maya's order
        ("SH-0000", Factor.EMAIL, "ravi.r@example.com"),  # no such order
        ("SH-1003", Factor.POSTCODE, "560034"),  # an order with nothing at shipTo.zip
        ("SH-3001", Factor.EMAIL, "maya@example.org"),  # Ravi's broken one: never mapped
    ],
)
def test_a_wrong_proof_reads_like_an_unknown_order(
    config: ShopApiConfig, number: str, factor: Factor, given: str
) -> None:
    assert prove(config, number, factor, given) is None


def test_without_a_phone_path_a_phone_proves_nothing(config: ShopApiConfig) -> None:
    elsewhere = config.model_copy(
        update={"fields": config.fields.model_copy(update={"phone": "customer.mobile"})}
    )
    assert prove(elsewhere, "SH-1001", Factor.PHONE_LAST4, "2345") is None
    assert prove(elsewhere, "SH-1001", Factor.EMAIL, "ravi.r@example.com") is not None


def ending(config: ShopApiConfig, digits: str, asker: Asker, limit: int = 5) -> list[str]:
    orders = using(config, lambda store: store.orders_ending_with(digits, asker, limit))
    return [order.number for order in orders]


def test_orders_ending_with_are_the_askers_own_newest_first(
    shop: str, config: ShopApiConfig
) -> None:
    # SH-1003 and the older SH-11003 are Ravi's; SH-21003, which the shop lists too, Maya's.
    assert ending(config, "1003", RAVI_BY_EMAIL) == ["SH-1003", "SH-11003"]
    assert ending(config, "1003", RAVI_BY_EMAIL, limit=1) == ["SH-1003"]
    assert ending(config, "11003", RAVI_BY_EMAIL) == ["SH-11003"]
    assert ending(config, "2001", RAVI_BY_EMAIL) == []  # only Maya's ends so
    assert ending(config, "1003", Asker(uid="maya@example.org")) == ["SH-21003"]
    assert calls(shop) == {
        "/api/v2/customers/ravi.r@example.com/orders": 4,
        "/api/v2/customers/maya@example.org/orders": 1,
    }


def test_orders_ending_with_asks_nothing_it_cannot(shop: str, config: ShopApiConfig) -> None:
    assert ending(config, "1003", RAVI_TELEGRAM) == []  # the path needs an e-mail address
    assert ending(config, "003", RAVI_BY_EMAIL) == []
    assert ending(config, "1003", RAVI_BY_EMAIL, limit=0) == []
    no_path = config.model_copy(update={"customer_orders_path": None})
    assert ending(no_path, "1003", RAVI_BY_EMAIL) == []
    assert calls(shop) == {}


# --- ping ------------------------------------------------------------------------------


def test_ping_is_up_on_any_answer_below_500(shop: str, config: ShopApiConfig) -> None:
    # base_url itself is a 404 on this shop: still an answer, so the shop is up.
    assert using(config, lambda store: store.ping())


def test_ping_is_down_when_nothing_answers(config: ShopApiConfig) -> None:
    assert not using(closed_port_config(config), lambda store: store.ping())


# --- the configuration file ------------------------------------------------------------


def test_the_config_file_round_trip(tmp_path: Path) -> None:
    config = ShopApiConfig.from_file(write_config(tmp_path, "https://shop.example.com"))
    assert str(config.base_url) == "https://shop.example.com/api/v2"
    assert config.timeout_seconds == TIMEOUT
    assert config.statuses["in_transit"] is OrderStatus.SHIPPED  # keys are case-folded
    assert config.fields.customer_uid == "customer.chat.id"
    assert shop_api.TOKEN not in repr(config)


def test_minimal_config_has_our_own_names_as_defaults(tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    path.write_text("base_url: http://shop.internal\norder_path: /o/{number}\n")
    config = ShopApiConfig.from_file(path)
    assert config.auth_header == "Authorization"
    assert config.auth_value is None
    assert config.timeout_seconds == 2.0
    assert config.fields.status == "status"
    assert config.fields.customer_email == "customer_email"
    assert config.fields.item_name == "name"
    assert config.customer_orders_path is None


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (("timeout_seconds: 0.5", "timeout_seconds: -1"), "timeout_seconds: Input should be"),
        (('order_path: "/orders/{number}"', "order_path: /orders"), "order_path: Value error"),
        (("/orders/{number}", "/orders/{id}"), "order_path: Value error, unknown placeholder {id}"),
        (("base_url: http", "base_url: ftp"), "base_url: URL scheme should be 'http' or 'https'"),
        (("  items: lines", "  itemz: lines"), "fields.itemz: Extra inputs are not permitted"),
        (("completed: delivered", "completed: gone"), "statuses.completed: Input should be"),
        (("auth_header: X-Shop-Token", "auth_header: X Shop"), "auth_header: Value error"),
        (("default_currency: EUR", "default_currency: euro"), "default_currency: Value error"),
        (
            ("customer_orders_key: data.orders", "customer_orders_key: data..orders"),
            "customer_orders_key: Value error",
        ),
        (("default_currency: EUR", "colour: blue"), "colour: Extra inputs are not permitted"),
    ],
)
def test_config_errors_name_the_file_and_the_field(
    tmp_path: Path, change: tuple[str, str], named: str
) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:1")
    text = path.read_text(encoding="utf-8")
    assert change[0] in text
    path.write_text(text.replace(change[0], change[1]), encoding="utf-8")
    with pytest.raises(ConfigurationError) as raised:
        ShopApiConfig.from_file(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ")
    assert named in message
    assert shop_api.TOKEN not in message


@pytest.mark.parametrize("token", ['"  "', '"Bearer s3cret-shop-token\\nX-Injected: 1"'])
def test_a_bad_auth_value_is_named_but_never_shown(tmp_path: Path, token: str) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:1", token=token)
    with pytest.raises(
        ConfigurationError, match=r"shop-api\.yaml: auth_value: Value error"
    ) as raised:
        ShopApiConfig.from_file(path)
    assert "s3cret" not in str(raised.value)
    assert "Injected" not in str(raised.value)


def test_unreadable_config_files_are_named(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(ConfigurationError, match=r"missing\.yaml: cannot read"):
        ShopApiConfig.from_file(missing)
    broken = tmp_path / "broken.yaml"
    broken.write_text(f"auth_value: {shop_api.TOKEN}\norder_path: [/orders\n")
    with pytest.raises(ConfigurationError, match=r"broken\.yaml: not valid YAML: line") as raised:
        ShopApiConfig.from_file(broken)
    assert shop_api.TOKEN not in str(raised.value)
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(ConfigurationError, match=r"empty\.yaml: \(top level\): Input should be"):
        ShopApiConfig.from_file(empty)


def test_a_shop_api_s_list_of_parcels_is_read() -> None:
    """fields.shipments names the list; the shipment_* paths are relative to one parcel."""
    parcels = ShopApiConfig.model_validate(
        {
            "base_url": "https://shop.example.com/api",
            "order_path": "/orders/{number}",
            "fields": {
                "shipments": "delivery.parcels",
                "shipment_carrier": "company",
                "shipment_tracking_number": "code",
                "shipment_status": "state",
                "shipment_items": "contents",
                "item_name": "title",
                "item_quantity": "qty",
            },
            "shipment_statuses": {"En Route": "in_transit", "handed over": "delivered"},
        }
    )
    data = {
        "number": "SH-5001",
        "status": "shipped",
        "placed_date": "2026-11-20",
        "customer_email": "ram123@gmail.com",
        "delivery": {
            "parcels": [
                {
                    "company": "DHL",
                    "code": "JJD1",
                    "state": "handed over",
                    "delivered_date": "2026-11-24",
                    "contents": [{"title": "Hat", "qty": 1}],
                },
                {
                    "company": "UPS",
                    "code": "1Z1",
                    "state": "en route",
                    "expected_date": "2026-12-09",
                    "updated_at": "2026-12-01T08:00:00Z",
                    "contents": [{"title": "Sandals", "qty": "2"}],
                },
            ]
        },
    }

    async def mapped() -> Order:
        async with HttpOrderStore(parcels) as store:
            return store._map(data)

    order = asyncio.run(mapped())
    assert order.status is OrderStatus.PARTLY_DELIVERED
    assert [(s.carrier, s.tracking_number, s.state.value) for s in order.shipments] == [
        ("DHL", "JJD1", "delivered"),
        ("UPS", "1Z1", "in_transit"),
    ]
    assert [[(i.name, i.quantity) for i in s.items] for s in order.shipments] == [
        [("Hat", 1)],
        [("Sandals", 2)],
    ]
    assert order.shipments[1].updated_at == dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC)
    assert [i.name for i in order.items] == ["Hat", "Sandals"]
