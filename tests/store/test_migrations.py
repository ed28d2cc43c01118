"""A store written by the schema before parcels keeps every order and shipment after upgrade."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path

import psycopg
import pytest
from pg import PostgresServer

from fulfillment.domain import Asker, Item, OrderStatus, Shipment
from fulfillment.store.postgres import MIGRATIONS, PostgresOrderStore, upgrade
from fulfillment.store.sqlite import SQLiteOrderStore

RAVI = Asker(uid="51342", channel="TELEGRAM")
# The tables as the schema before parcels made them, and what it stored.
OLD_SQLITE = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT UNIQUE, first_name TEXT,
    last_name TEXT);
CREATE TABLE identities (customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    channel TEXT NOT NULL, user_id TEXT NOT NULL, user_name TEXT, PRIMARY KEY (channel, user_id));
CREATE TABLE orders (id INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers(id), status TEXT NOT NULL,
    placed_date TEXT NOT NULL, currency TEXT NOT NULL, total TEXT);
CREATE TABLE shipments (order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    carrier TEXT, tracking_number TEXT, tracking_url TEXT, expected_date TEXT,
    delivered_date TEXT);
CREATE TABLE items (order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    position INTEGER NOT NULL, name TEXT NOT NULL, quantity INTEGER NOT NULL, image_url TEXT,
    PRIMARY KEY (order_id, position));
INSERT INTO customers VALUES (1, 'ravi@example.com', 'Ravi', 'R');
INSERT INTO identities VALUES (1, 'TELEGRAM', '51342', 'ravir');
INSERT INTO orders VALUES (1, '748596', 1, 'shipped', '2026-12-01', 'INR', '2499.00');
INSERT INTO orders VALUES (2, '748597', 1, 'processing', '2026-12-02', 'INR', NULL);
INSERT INTO shipments VALUES (1, 'Blue Dart', 'BD123456789IN',
    'https://track.example.com/BD123456789IN', '2026-12-08', NULL);
INSERT INTO items VALUES (1, 0, 'Cotton kurta', 1, NULL);
INSERT INTO items VALUES (1, 1, 'Leather sandals', 2, NULL);
INSERT INTO items VALUES (2, 0, 'Steel water bottle', 1, NULL);
"""
PARCEL = Shipment(
    carrier="Blue Dart",
    tracking_number="BD123456789IN",
    tracking_url="https://track.example.com/BD123456789IN",
    expected_date=dt.date(2026, 12, 8),
)


def test_sqlite_store_written_before_parcels(tmp_path: Path) -> None:
    path = tmp_path / "orders.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_SQLITE)
    store = SQLiteOrderStore(path)
    shipped = store.find_order_sync("748596", RAVI)
    assert shipped is not None
    assert shipped.status is OrderStatus.SHIPPED
    assert shipped.shipments == (PARCEL,)
    assert shipped.items == (Item("Cotton kurta", 1), Item("Leather sandals", 2))
    waiting = store.find_order_sync("748597", RAVI)
    assert waiting is not None
    assert waiting.shipments == ()
    assert waiting.items == (Item("Steel water bottle", 1),)
    assert store.upgrade() == []  # once only
    asyncio.run(store.close())
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM shipments").fetchone() == (1,)
        assert conn.execute("PRAGMA user_version").fetchone() == (1,)


def test_postgres_store_written_before_parcels(postgres: PostgresServer) -> None:
    name = "before_parcels"
    with psycopg.connect(postgres.url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = postgres.url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY)")
        for version, sql in enumerate(MIGRATIONS[:2], start=1):
            conn.execute(sql)  # type: ignore[arg-type]
            conn.execute("INSERT INTO schema_version VALUES (%s)", (version,))
        for statement in OLD_SQLITE.split(";"):
            if statement.strip().startswith("INSERT"):
                conn.execute(statement)  # type: ignore[arg-type]
        conn.execute("SELECT setval('customers_id_seq', 10)")
        conn.execute("SELECT setval('orders_id_seq', 10)")

    async def scenario() -> None:
        assert await upgrade(url) == [3]
        assert await upgrade(url) == []
        store = PostgresOrderStore(url)
        await store.open()
        try:
            shipped = await store.find_order("748596", RAVI)
            assert shipped is not None
            assert shipped.shipments == (PARCEL,)
            assert shipped.items == (Item("Cotton kurta", 1), Item("Leather sandals", 2))
            waiting = await store.find_order("748597", RAVI)
            assert waiting is not None
            assert waiting.shipments == ()
        finally:
            await store.close()

    asyncio.run(scenario())


@pytest.fixture
def postgres(postgres: PostgresServer) -> PostgresServer:
    return postgres
