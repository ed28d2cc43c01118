"""The embedded SQLite store: schema, demo data, scoped lookups, all-or-nothing saves."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from fulfillment.services import open_store
from fulfillment.settings import Settings
from fulfillment.store.base import Asker, OrderStatus
from fulfillment.store.demo import demo_orders
from fulfillment.store.records import OrderRecord
from fulfillment.store.sqlite import SQLiteOrderStore

TODAY = dt.date(2026, 3, 12)
RAVI = Asker(uid="51342", channel="TELEGRAM", user_name="ravir")


@pytest.fixture
def store(tmp_path: Path) -> SQLiteOrderStore:
    store = SQLiteOrderStore(tmp_path / "nested" / "orders.sqlite3")
    store.save_orders(demo_orders(TODAY))
    return store


def test_first_start_creates_the_file_and_fills_demo_orders(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "new")
    store = open_store(settings)
    assert settings.sqlite_path.exists()
    assert not store.is_empty()
    # A second start does not load the demo orders again over a shop's own changes.
    store.save_orders([_order("748596", status="delivered")])
    again = open_store(settings)
    order = again.find_order_sync("748596", RAVI)
    assert order is not None
    assert order.status is OrderStatus.DELIVERED


def test_demo_store_can_start_empty(tmp_path: Path) -> None:
    assert open_store(Settings(data_dir=tmp_path, demo_data=False)).is_empty()


def test_demo_orders_cover_every_status() -> None:
    assert {record.status for record in demo_orders(TODAY)} == set(OrderStatus)


def test_the_seed_order(store: SQLiteOrderStore) -> None:
    order = asyncio.run(store.find_order("748596", RAVI))
    assert order is not None
    assert order.status is OrderStatus.SHIPPED
    assert order.shipment is not None
    assert order.shipment.carrier == "Blue Dart"
    assert order.shipment.expected_date == TODAY + dt.timedelta(days=2)
    assert order.item_count == 2
    assert [item.name for item in order.items] == ["Cotton kurta, indigo", "Leather sandals"]
    assert order.total is not None
    assert str(order.total) == "2499.00"
    assert order.currency == "INR"


@pytest.mark.parametrize(
    ("asker", "found"),
    [
        (RAVI, True),
        (Asker(uid="51342", channel="telegram"), True),
        (Asker(uid="x", channel="TELEGRAM", user_name="RAVIR"), True),
        (Asker(uid="ravi.r@example.com"), True),
        (Asker(uid="51342"), False),
        (Asker(uid="51342", channel="WHATSAPP"), False),
        (Asker(uid="x", channel="WHATSAPP", user_name="ravir"), False),
        (Asker(uid="ram123@gmail.com"), False),
        (Asker(uid="90817", channel="TELEGRAM", user_name="mayal"), False),
        (Asker(uid="' OR 1=1 --", channel="TELEGRAM", user_name="' OR '1'='1"), False),
    ],
)
def test_lookups_are_scoped_to_the_owner(
    store: SQLiteOrderStore, asker: Asker, found: bool
) -> None:
    assert (store.find_order_sync("748596", asker) is not None) is found


def _order(number: str, **changes: object) -> OrderRecord:
    base = {
        "number": number,
        "status": "placed",
        "placed_date": "2026-03-01",
        "customer": {
            "email": "ravi.r@example.com",
            "identities": [{"channel": "TELEGRAM", "user_id": "51342"}],
        },
    }
    return OrderRecord.model_validate({**base, **changes})


def test_save_replaces_an_order_and_its_items(store: SQLiteOrderStore) -> None:
    store.save_orders([_order("748596", items=[{"name": "Only this", "quantity": 4}])])
    order = store.find_order_sync("748596", RAVI)
    assert order is not None
    assert order.status is OrderStatus.PLACED
    assert order.shipment is None
    assert [(i.name, i.quantity) for i in order.items] == [("Only this", 4)]


def test_a_failed_save_leaves_nothing_behind(store: SQLiteOrderStore) -> None:
    class Boom(Exception):
        pass

    def records() -> object:
        yield _order("555001")
        raise Boom

    with pytest.raises(Boom):
        store.save_orders(records())  # type: ignore[arg-type]
    assert store.find_order_sync("555001", RAVI) is None


def test_ping_and_close(store: SQLiteOrderStore) -> None:
    assert asyncio.run(store.ping())
    asyncio.run(store.close())
    assert not asyncio.run(store.ping())
