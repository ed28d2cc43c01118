"""The embedded SQLite store: its file, its demo data (lookups and saves: test_backends.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from pathlib import Path

import pytest

from fulfillment.domain import Asker, Factor, Item, Order, OrderStatus, Proof, ShipmentStatus
from fulfillment.services import open_store
from fulfillment.settings import Settings
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
    assert {record.to_order().status for record in demo_orders(TODAY)} == set(OrderStatus)


# Each demo customer's country, by the postcodes written there.
POSTCODES = {
    "ravi.r@example.com": r"\d{6}",  # India: a 6-digit PIN code
    "ram123@gmail.com": r"\d{5}",  # the United States: a ZIP code
    "maya@example.org": r"\d{5}",  # Finland
    "jonas.weber@example.de": r"\d{5}",  # Germany
    "lena.k@example.com": r"\d{4}-\d{3}",  # Portugal
}


def test_every_demo_order_has_a_postcode_of_its_country_and_a_phone() -> None:
    phones: dict[str, set[str | None]] = {}
    records = demo_orders(TODAY)
    for record in records:
        assert record.customer.email is not None
        assert re.fullmatch(POSTCODES[record.customer.email], record.postcode or ""), record.number
        phones.setdefault(record.customer.email, set()).add(record.phone)
    # One phone number per customer, on each of their orders.
    assert all(len(numbers) == 1 and None not in numbers for numbers in phones.values())
    assert phones.keys() == POSTCODES.keys()
    # Ram's phone is his WhatsApp number.
    assert {r.phone for r in records if r.number.startswith("1000")} == {"+1 415-555-0123"}


def test_demo_customer_with_two_orders_ending_alike(store: SQLiteOrderStore) -> None:
    orders = asyncio.run(store.orders_ending_with("8596", RAVI, 5))
    assert [(o.number, o.status) for o in orders] == [
        ("748596", OrderStatus.SHIPPED),
        ("728596", OrderStatus.DELIVERED),
    ]
    # Ram's order 100002, for a guest who knows his e-mail address.
    proof = Proof.of(Factor.EMAIL, "ram123@gmail.com")
    assert proof is not None
    order = asyncio.run(store.find_order_by_proof("100002", proof))
    assert order is not None
    assert order.status is OrderStatus.PROCESSING


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


def test_ping_and_close(store: SQLiteOrderStore) -> None:
    assert asyncio.run(store.ping())
    asyncio.run(store.close())
    assert not asyncio.run(store.ping())


@pytest.mark.parametrize("query", ["FIND_ORDER", "OPEN_ORDERS", "ORDERS_ENDING_WITH"])
def test_an_asker_s_lookups_do_not_grow_with_other_customers_orders(
    store: SQLiteOrderStore, query: str
) -> None:
    from fulfillment.store import sqlite

    asker = SQLiteOrderStore._asker(RAVI)
    params = {
        "FIND_ORDER": (*asker, "748596"),
        "OPEN_ORDERS": (*asker, 3),
        "ORDERS_ENDING_WITH": (*asker, 3, "8596"),
    }[query]

    def steps() -> tuple[int, list[str]]:
        """SQLite's virtual-machine steps for the lookup, and its rows' order numbers."""
        count = 0

        def step() -> int:
            nonlocal count
            count += 1
            return 0

        store._db.set_progress_handler(step, 1)
        try:
            rows = store._db.execute(getattr(sqlite, query), params).fetchall()
        finally:
            store._db.set_progress_handler(None, 1)
        return count, [row[1] for row in rows]

    before, found = steps()
    assert "748596" in found
    others = [
        _order(
            f"9{n:04d}8596",  # ending as Ravi's does, for the last digits' lookup
            status="processing",
            customer={
                "email": f"other{n}@example.com",
                "identities": [{"channel": "TELEGRAM", "user_id": f"u{n}"}],
            },
        )
        for n in range(3000)
    ]
    store.save_orders(others)
    after, found_after = steps()
    assert found_after == found
    # A few steps more for a deeper index, not thousands more for a scan of every order.
    assert after < before * 1.2, (before, after)


def test_a_lookup_sees_every_write_to_parcels_and_items_at_once(store: SQLiteOrderStore) -> None:
    """The parcels and items an order's row keeps as JSON follow every write, made by the
    service or by anyone else with SQLite itself: no lookup reads an order as it was."""
    import sqlite3

    def order() -> Order:
        found = store.find_order_sync("748596", RAVI)
        assert found is not None
        return found

    assert [item.name for item in order().items] == ["Cotton kurta, indigo", "Leather sandals"]
    (order_id,) = store._db.execute("SELECT id FROM orders WHERE number = '748596'").fetchone()
    with sqlite3.connect(store.path) as other:  # another process: a shop's own script
        other.execute(
            "UPDATE shipments SET expected_date = '2026-04-01', status = 'exception' "
            "WHERE order_id = ?",
            (order_id,),
        )
        other.execute(
            "INSERT INTO shipments (order_id, carrier, tracking_number, position) "
            "VALUES (?, 'DHL', 'JD0002', 1)",
            (order_id,),
        )
        other.execute(
            "INSERT INTO shipment_items VALUES (?, 1, 0, 'Leather sandals', 1)", (order_id,)
        )
        other.execute("DELETE FROM items WHERE order_id = ? AND position = 0", (order_id,))
        other.execute("UPDATE items SET quantity = 3 WHERE order_id = ?", (order_id,))
    changed = order()
    assert [(p.carrier, p.expected_date) for p in changed.shipments] == [
        ("Blue Dart", dt.date(2026, 4, 1)),
        ("DHL", None),
    ]
    assert changed.shipments[0].status is ShipmentStatus.EXCEPTION
    assert changed.shipments[1].items == (Item("Leather sandals", 1),)
    assert [(item.name, item.quantity) for item in changed.items] == [("Leather sandals", 3)]
    with sqlite3.connect(store.path) as other:
        other.execute("DELETE FROM shipments WHERE order_id = ? AND position = 1", (order_id,))
        other.execute("DELETE FROM shipment_items WHERE order_id = ?", (order_id,))
    assert [p.carrier for p in order().shipments] == ["Blue Dart"]
    assert order().shipments[0].items == ()
