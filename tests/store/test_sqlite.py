"""The embedded SQLite store: its file, its demo data (lookups and saves: test_backends.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from fulfillment.domain import Asker, OrderStatus
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
