"""The embedded SQLite order store: the demo default and the choice of small shops."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from fulfillment.domain import (
    OPEN_STATUSES,
    Asker,
    Item,
    Order,
    OrderStatus,
    Proof,
    Shipment,
    ShipmentStatus,
)
from fulfillment.store.base import CustomerSummary, customer_summaries, suffix_digits
from fulfillment.store.records import CustomerRecord, OrderRecord

SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (
    id INTEGER PRIMARY KEY,
    email TEXT UNIQUE,
    first_name TEXT,
    last_name TEXT
);
CREATE TABLE IF NOT EXISTS identities (
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    user_id TEXT NOT NULL,
    user_name TEXT,
    PRIMARY KEY (channel, user_id)
);
CREATE INDEX IF NOT EXISTS identities_by_name ON identities (channel, user_name);
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    status TEXT NOT NULL,
    placed_date TEXT NOT NULL,
    currency TEXT NOT NULL,
    total TEXT
);
CREATE TABLE IF NOT EXISTS shipments (
    order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    carrier TEXT,
    tracking_number TEXT,
    tracking_url TEXT,
    expected_date TEXT,
    delivered_date TEXT
);
CREATE TABLE IF NOT EXISTS items (
    order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    image_url TEXT,
    PRIMARY KEY (order_id, position)
);
"""

# An order's parcels (each with its items, in their places) and its items, as JSON arrays,
# from the rows of the order's tables; `orders.id` is the order's. Migration 3 keeps them in
# the order's own row (parcels_json, items_json), set by triggers whenever a row they come from
# is written, by this service or anyone else: a lookup reads one row, where aggregating three
# tables on every lookup was half the cost of the statement. They are the store's data as of
# its last write, never a copy that could lag. (A change to these is a new migration that
# replaces the triggers and sets the columns again.)
PARCELS_JSON = """
    (SELECT json_group_array(json_array(
         s.carrier, s.tracking_number, s.tracking_url, s.expected_date, s.delivered_date,
         s.status, s.updated_at,
         (SELECT json_group_array(json_array(si.name, si.quantity))
            FROM (SELECT name, quantity FROM shipment_items
                  WHERE order_id = orders.id AND shipment = s.position ORDER BY position) AS si)))
       FROM (SELECT * FROM shipments WHERE order_id = orders.id ORDER BY position) AS s)
"""
ITEMS_JSON = """
    (SELECT json_group_array(json_array(i.name, i.quantity, i.image_url))
       FROM (SELECT name, quantity, image_url FROM items
             WHERE order_id = orders.id ORDER BY position) AS i)
"""


def _json_triggers() -> str:
    """The triggers that keep parcels_json and items_json: after any insert, update or delete
    of a parcel, a parcel's item or an item, the order's column is worked out again."""
    triggers = []
    for table, column, expression in (
        ("shipments", "parcels_json", PARCELS_JSON),
        ("shipment_items", "parcels_json", PARCELS_JSON),
        ("items", "items_json", ITEMS_JSON),
    ):
        for event, rows in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")), ("DELETE", ("OLD",))):
            updates = "".join(
                f"UPDATE orders SET {column} = {expression} WHERE id = {row}.order_id;\n"  # noqa: S608
                for row in rows
            )
            name = f"{table}_{event.lower()}_{column}"
            triggers.append(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN\n{updates}END;")
    return "\n".join(triggers)


# Each runs once, in order, on a store whose PRAGMA user_version is lower (`fulfillment db
# upgrade`, and every start). 1: parcels. An order's one shipment becomes its parcel 0.
# 2: the order's delivery postcode and phone number, a guest's second factors (empty on
# orders stored before). 3: the parcels indexed in their order (the index on order_id alone
# goes: this one serves its searches too), orders by customer, for a customer's open orders
# and last digits, and each order's parcels and items as JSON in its row (above).
MIGRATIONS: list[str] = [
    """
    ALTER TABLE shipments ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE shipments ADD COLUMN status TEXT;
    ALTER TABLE shipments ADD COLUMN updated_at TEXT;
    CREATE TABLE shipment_items (
        order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
        shipment INTEGER NOT NULL,
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        quantity INTEGER NOT NULL,
        PRIMARY KEY (order_id, shipment, position)
    );
    """,
    """
    ALTER TABLE orders ADD COLUMN postcode TEXT;
    ALTER TABLE orders ADD COLUMN phone TEXT;
    """,
    f"""
    CREATE INDEX shipments_by_position ON shipments (order_id, position);
    DROP INDEX IF EXISTS shipments_by_order;
    CREATE INDEX orders_by_customer ON orders (customer_id, placed_date DESC);
    ALTER TABLE orders ADD COLUMN parcels_json TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE orders ADD COLUMN items_json TEXT NOT NULL DEFAULT '[]';
    UPDATE orders SET parcels_json = {PARCELS_JSON}, items_json = {ITEMS_JSON};
    {_json_triggers()}
    """,  # noqa: S608
]

# The asker is ?1 to ?4 of every statement that names one (`_asker`: e-mail, channel, user id,
# user name), bound by position: binding by name cost a dictionary and a lookup per value on
# every lookup. What each statement adds comes after, from ?5.
#
# Ownership is part of every query, so an order of someone else's is simply not found. Each
# EXISTS is one search of an index (the identities' key, identities_by_name); one with an OR
# in it scanned every identity on the channel.
OWNED_BY_ASKER = """
    c.email = ?1
    OR EXISTS (
        SELECT 1 FROM identities i
        WHERE i.channel = ?2 AND i.user_id = ?3 AND i.customer_id = c.id
    )
    OR EXISTS (
        SELECT 1 FROM identities i
        WHERE i.channel = ?2 AND i.user_name = ?4 AND i.customer_id = c.id
    )
"""
# One statement per lookup: the order, its parcels and its items (kept as JSON, above).
ORDER_COLUMNS = """
    o.id, o.number, o.status, o.placed_date, o.currency, o.total, o.parcels_json, o.items_json
"""
# Composed only from the constants above, never from input: values are bound parameters.
# ?5: the order number.
FIND_ORDER = f"""
SELECT {ORDER_COLUMNS}
FROM orders o JOIN customers c ON c.id = o.customer_id
WHERE o.number = ?5 AND ({OWNED_BY_ASKER})
"""  # noqa: S608
# A guest's lookup: the order by its number alone, with what they may prove it is theirs
# with (compared in Python by Proof.matches, as every store does).
FIND_ORDER_TO_PROVE = f"""
SELECT {ORDER_COLUMNS}, c.email, o.postcode, o.phone
FROM orders o JOIN customers c ON c.id = o.customer_id
WHERE o.number = :number
"""  # noqa: S608
# The asker's customer records, for the lookups that start from the asker rather than from
# an order number: each a search of an index, so that a store of millions of orders is not
# scanned to find one customer's.
ASKERS_CUSTOMERS = """
askers(id) AS (
    SELECT id FROM customers WHERE email = ?1
    UNION SELECT customer_id FROM identities WHERE channel = ?2 AND user_id = ?3
    UNION SELECT customer_id FROM identities WHERE channel = ?2 AND user_name = ?4
)
"""


def _newest_orders(condition: str) -> str:
    """The asker's newest ?5 orders that `condition` picks; the parcels and items of those only
    (in one statement, the aggregates ran for every order of the asker before the LIMIT)."""
    return f"""
WITH {ASKERS_CUSTOMERS}, picked AS (
    SELECT o.* FROM askers JOIN orders o ON o.customer_id = askers.id
    WHERE {condition}
    ORDER BY o.placed_date DESC, o.id DESC
    LIMIT ?5
)
SELECT {ORDER_COLUMNS} FROM picked o ORDER BY o.placed_date DESC, o.id DESC
"""  # noqa: S608


# ?6: the digits, 4 or more ASCII digits (suffix_digits), so nothing in them is a wildcard.
ORDERS_ENDING_WITH = _newest_orders("o.number LIKE '%' || ?6")
_OPEN = ", ".join(f"'{status.value}'" for status in sorted(OPEN_STATUSES))
OPEN_ORDERS = _newest_orders(f"o.status IN ({_OPEN})")

CUSTOMERS = """
SELECT c.id, c.first_name, c.last_name, c.email FROM customers c ORDER BY c.id LIMIT :limit
"""
CUSTOMER_IDENTITIES = """
SELECT customer_id, channel, user_id, user_name FROM identities
WHERE customer_id IN (SELECT id FROM customers ORDER BY id LIMIT :limit)
ORDER BY customer_id, channel, user_id
"""
CUSTOMER_ORDERS = """
SELECT customer_id, number FROM orders
WHERE customer_id IN (SELECT id FROM customers ORDER BY id LIMIT :limit)
ORDER BY customer_id, placed_date DESC, id DESC
"""


_ORDER_CACHE = 10_000


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


class SQLiteOrderStore:
    remote = False
    failures: tuple[type[Exception], ...] = (sqlite3.Error,)

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # One connection used from the event loop only; lookups by key take microseconds,
        # which is less than a hop to a worker thread would cost.
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)
        self.upgrade()
        self._orders: dict[tuple[Any, ...], Order] = {}

    def upgrade(self) -> list[int]:
        """Apply the migrations the file lacks, each in its own transaction; the versions
        applied."""
        (current,) = self._db.execute("PRAGMA user_version").fetchone()
        applied = []
        for version, sql in enumerate(MIGRATIONS, start=1):
            if version <= current:
                continue
            # executescript commits first; the BEGIN makes the migration all or nothing.
            self._db.executescript(f"BEGIN; {sql}; PRAGMA user_version = {version}; COMMIT;")
            applied.append(version)
        return applied

    def is_empty(self) -> bool:
        return self._db.execute("SELECT 1 FROM orders LIMIT 1").fetchone() is None

    async def find_order(self, number: str, asker: Asker) -> Order | None:
        return self.find_order_sync(number, asker)

    @staticmethod
    def _asker(asker: Asker) -> tuple[str | None, str | None, str, str | None]:
        """?1 to ?4 of the statements that name the asker."""
        return (
            asker.email,
            asker.channel.upper() if asker.channel else None,
            asker.uid,
            asker.user_name.lower() if asker.user_name else None,
        )

    def find_order_sync(self, number: str, asker: Asker) -> Order | None:
        row = self._db.execute(FIND_ORDER, (*self._asker(asker), number)).fetchone()
        return self._order(row) if row else None

    async def open_orders(self, asker: Asker, limit: int) -> list[Order]:
        rows = self._db.execute(OPEN_ORDERS, (*self._asker(asker), limit)).fetchall()
        return [self._order(row) for row in rows]

    async def find_order_by_proof(self, number: str, proof: Proof) -> Order | None:
        row = self._db.execute(FIND_ORDER_TO_PROVE, {"number": number}).fetchone()
        if row is None:
            return None
        *columns, email, postcode, phone = row
        return self._order(tuple(columns)) if proof.matches(email, postcode, phone) else None

    async def orders_ending_with(self, digits: str, asker: Asker, limit: int) -> list[Order]:
        wanted = suffix_digits(digits)
        if wanted is None or limit < 1:
            return []
        params = (*self._asker(asker), limit, wanted)
        rows = self._db.execute(ORDERS_ENDING_WITH, params).fetchall()
        return [self._order(row) for row in rows]

    def _order(self, row: tuple[Any, ...]) -> Order:
        # Orders are immutable values; the same row always makes the same Order, so a row seen
        # before (a customer asking again) skips the parsing. Keyed by the whole row: any
        # change in the store is a different key.
        order = self._orders.get(row)
        if order is None:
            order = self._parse(row)
            if len(self._orders) >= _ORDER_CACHE:
                self._orders.clear()
            self._orders[row] = order
        return order

    @staticmethod
    def _parse(row: tuple[Any, ...]) -> Order:
        (_, number, status, placed, currency, total, parcels, items) = row
        shipments = tuple(
            Shipment(
                carrier,
                tracking_number,
                tracking_url,
                _date(expected),
                _date(delivered),
                ShipmentStatus(state) if state else None,
                tuple(Item(name, quantity) for name, quantity in contents),
                dt.datetime.fromisoformat(updated) if updated else None,
            )
            for (
                carrier,
                tracking_number,
                tracking_url,
                expected,
                delivered,
                state,
                updated,
                contents,
            ) in json.loads(parcels)
        )
        return Order(
            number=str(number),
            status=OrderStatus(str(status)),
            placed_date=dt.date.fromisoformat(str(placed)),
            currency=str(currency),
            total=Decimal(str(total)) if total is not None else None,
            shipments=shipments,
            items=tuple(Item(name, quantity, url) for name, quantity, url in json.loads(items)),
        )

    async def customers(self, limit: int) -> list[CustomerSummary]:
        params = {"limit": limit}
        rows = self._db.execute(CUSTOMERS, params).fetchall()
        identities = self._db.execute(CUSTOMER_IDENTITIES, params).fetchall()
        numbers = self._db.execute(CUSTOMER_ORDERS, params).fetchall()
        return customer_summaries(rows, identities, numbers)

    async def open(self) -> None:
        """Nothing to do: the file was opened when the store was made."""

    async def ping(self) -> bool:
        try:
            self._db.execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    async def close(self) -> None:
        self._db.close()

    async def save(self, records: Iterable[OrderRecord]) -> int:
        return self.save_orders(records)

    def save_orders(self, records: Iterable[OrderRecord]) -> int:
        """Insert or replace orders, all in one transaction: a file loads whole or not at all."""
        count = 0
        cur = self._db.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            for record in records:
                customer_id = self._save_customer(cur, record.customer)
                self._save_order(cur, customer_id, record)
                count += 1
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        cur.execute("COMMIT")
        return count

    @staticmethod
    def _save_customer(cur: sqlite3.Cursor, customer: CustomerRecord) -> int:
        row = None
        if customer.email:
            row = cur.execute(
                "SELECT id FROM customers WHERE email = ?", (customer.email,)
            ).fetchone()
        for identity in customer.identities:
            if row is not None:
                break
            row = cur.execute(
                "SELECT customer_id FROM identities WHERE channel = ? AND user_id = ?",
                (identity.channel, identity.user_id),
            ).fetchone()
        if row is None:
            cur.execute(
                "INSERT INTO customers (email, first_name, last_name) VALUES (?, ?, ?)",
                (customer.email, customer.first_name, customer.last_name),
            )
            customer_id = int(cur.lastrowid or 0)
        else:
            customer_id = int(row[0])
            cur.execute(
                "UPDATE customers SET email = coalesce(?, email), "
                "first_name = coalesce(?, first_name), last_name = coalesce(?, last_name) "
                "WHERE id = ?",
                (customer.email, customer.first_name, customer.last_name, customer_id),
            )
        for identity in customer.identities:
            cur.execute(
                "INSERT INTO identities (customer_id, channel, user_id, user_name) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (channel, user_id) DO UPDATE SET "
                "customer_id = excluded.customer_id, user_name = excluded.user_name",
                (
                    customer_id,
                    identity.channel,
                    identity.user_id,
                    identity.user_name.lower() if identity.user_name else None,
                ),
            )
        return customer_id

    @staticmethod
    def _save_order(cur: sqlite3.Cursor, customer_id: int, record: OrderRecord) -> None:
        order = record.to_order()
        cur.execute(
            "INSERT INTO orders (number, customer_id, status, placed_date, currency, total, "
            "postcode, phone) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (number) DO UPDATE SET "
            "customer_id = excluded.customer_id, status = excluded.status, "
            "placed_date = excluded.placed_date, currency = excluded.currency, "
            "total = excluded.total, postcode = excluded.postcode, phone = excluded.phone",
            (
                order.number,
                customer_id,
                order.status.value,
                order.placed_date.isoformat(),
                order.currency,
                str(order.total) if order.total is not None else None,
                record.postcode,
                record.phone,
            ),
        )
        (order_id,) = cur.execute(
            "SELECT id FROM orders WHERE number = ?", (order.number,)
        ).fetchone()
        for table in ("shipments", "shipment_items", "items"):
            cur.execute(f"DELETE FROM {table} WHERE order_id = ?", (order_id,))  # noqa: S608
        for position, s in enumerate(order.shipments):
            cur.execute(
                "INSERT INTO shipments (order_id, carrier, tracking_number, tracking_url, "
                "expected_date, delivered_date, position, status, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    order_id,
                    s.carrier,
                    s.tracking_number,
                    s.tracking_url,
                    _iso(s.expected_date),
                    _iso(s.delivered_date),
                    position,
                    s.status.value if s.status else None,
                    s.updated_at.isoformat() if s.updated_at else None,
                ),
            )
            cur.executemany(
                "INSERT INTO shipment_items VALUES (?, ?, ?, ?, ?)",
                [
                    (order_id, position, index, item.name, item.quantity)
                    for index, item in enumerate(s.items)
                ],
            )
        cur.executemany(
            "INSERT INTO items VALUES (?, ?, ?, ?, ?)",
            [
                (order_id, position, item.name, item.quantity, item.image_url)
                for position, item in enumerate(order.items)
            ],
        )
