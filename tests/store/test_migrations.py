"""Stores written by older schemas keep every order, shipment and item after upgrade: before
parcels, and before the guests' postcodes and phone numbers."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path

import psycopg
import pytest
from pg import PostgresServer

from fulfillment.domain import Asker, Factor, Item, OrderStatus, Proof, Shipment
from fulfillment.store import sqlite as embedded
from fulfillment.store.postgres import MIGRATIONS, PostgresOrderStore, upgrade
from fulfillment.store.records import OrderRecord
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
# What the parcels schema (SQLite version 1, PostgreSQL 3) stored: an order in two parcels.
PARCELS_ROWS = """
INSERT INTO shipments VALUES (1, 'Blue Dart', 'BD123456789IN',
    'https://track.example.com/BD123456789IN', '2026-12-08', NULL, 0, 'in_transit', NULL);
INSERT INTO shipments VALUES (1, 'DHL', 'JJD0099887766', NULL, '2026-12-09', NULL, 1,
    'label_created', NULL);
INSERT INTO shipment_items VALUES (1, 0, 0, 'Cotton kurta', 1);
INSERT INTO shipment_items VALUES (1, 1, 0, 'Leather sandals', 2)
"""
EMAIL = Proof(Factor.EMAIL, "ravi@example.com")
POSTCODE = Proof(Factor.POSTCODE, "560034")
PHONE = Proof(Factor.PHONE_LAST4, "2345")
WITH_FACTORS = OrderRecord.model_validate(
    {
        "number": "748598",
        "status": "placed",
        "placed_date": "2026-12-03",
        "postcode": "560 034",
        "phone": "+91 98450 12345",
        "customer": {"email": "ravi@example.com"},
    }
)
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
        assert conn.execute("PRAGMA user_version").fetchone() == (len(embedded.MIGRATIONS),)


def old_parcels_store(path: Path) -> None:
    """A file as the parcels schema (user_version 1) left it, with its orders."""
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_SQLITE)
        conn.executescript(embedded.MIGRATIONS[0])
        conn.execute("DELETE FROM shipments")  # the one shipment, told again as two parcels
        conn.executescript(PARCELS_ROWS)
        conn.execute("PRAGMA user_version = 1")


def test_sqlite_store_written_before_postcodes_and_phones(tmp_path: Path) -> None:
    path = tmp_path / "orders.sqlite3"
    old_parcels_store(path)
    store = SQLiteOrderStore(path)  # opening it applies migration 2
    assert store.upgrade() == []
    asyncio.run(scenario_before_postcodes(store))
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (len(embedded.MIGRATIONS),)
        assert conn.execute("SELECT count(*) FROM orders").fetchone() == (3,)


async def scenario_before_postcodes(store: SQLiteOrderStore | PostgresOrderStore) -> None:
    """What an upgraded store answers: every order and parcel as before; a guest proves an
    old order by its customer's e-mail only (it has no postcode or phone); new orders
    carry theirs."""
    try:
        shipped = await store.find_order("748596", RAVI)
        assert shipped is not None
        assert [(s.carrier, s.items) for s in shipped.shipments] == [
            ("Blue Dart", (Item("Cotton kurta", 1),)),
            ("DHL", (Item("Leather sandals", 2),)),
        ]
        assert shipped.items == (Item("Cotton kurta", 1), Item("Leather sandals", 2))
        assert await store.find_order_by_proof("748596", EMAIL) == shipped
        assert await store.find_order_by_proof("748596", POSTCODE) is None
        assert await store.find_order_by_proof("748596", PHONE) is None
        assert [o.number for o in await store.orders_ending_with("8597", RAVI, 5)] == ["748597"]
        assert await store.save([WITH_FACTORS]) == 1
        assert await store.find_order_by_proof("748598", POSTCODE) is not None
        assert await store.find_order_by_proof("748598", PHONE) is not None
        latest = await store.orders_ending_with("8598", RAVI, 5)
        assert [o.number for o in latest] == ["748598"]
    finally:
        await store.close()


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
        assert await upgrade(url) == [3, 4]
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


def test_postgres_store_written_before_postcodes_and_phones(postgres: PostgresServer) -> None:
    name = "before_postcodes"
    with psycopg.connect(postgres.url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = postgres.url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY)")
        for version, sql in enumerate(MIGRATIONS[:3], start=1):
            conn.execute(sql)  # type: ignore[arg-type]
            conn.execute("INSERT INTO schema_version VALUES (%s)", (version,))
        for statement in OLD_SQLITE.split(";"):
            # The old one shipment aside: PARCELS_ROWS tells it again as two parcels.
            if statement.strip().startswith("INSERT") and "INTO shipments" not in statement:
                conn.execute(statement)  # type: ignore[arg-type]
        for statement in PARCELS_ROWS.split(";"):
            conn.execute(statement)  # type: ignore[arg-type]
        conn.execute("SELECT setval('customers_id_seq', 10)")
        conn.execute("SELECT setval('orders_id_seq', 10)")

    async def scenario() -> None:
        assert await upgrade(url) == [4]
        assert await upgrade(url) == []
        store = PostgresOrderStore(url)
        await store.open()
        await scenario_before_postcodes(store)

    asyncio.run(scenario())


@pytest.fixture
def postgres(postgres: PostgresServer) -> PostgresServer:
    return postgres
