"""The PostgreSQL order store: shared by several service instances, with a connection pool."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import AsyncConnection, AsyncCursor
from psycopg_pool import AsyncConnectionPool

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

# Each migration runs once, in order; `fulfillment db upgrade` applies the missing ones.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE customers (
        id BIGSERIAL PRIMARY KEY,
        email TEXT UNIQUE,
        first_name TEXT,
        last_name TEXT
    );
    CREATE TABLE identities (
        customer_id BIGINT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        channel TEXT NOT NULL,
        user_id TEXT NOT NULL,
        user_name TEXT,
        PRIMARY KEY (channel, user_id)
    );
    CREATE INDEX identities_by_name ON identities (channel, user_name);
    CREATE TABLE orders (
        id BIGSERIAL PRIMARY KEY,
        number TEXT NOT NULL UNIQUE,
        customer_id BIGINT NOT NULL REFERENCES customers(id),
        status TEXT NOT NULL,
        placed_date DATE NOT NULL,
        currency TEXT NOT NULL,
        total NUMERIC(14, 2)
    );
    CREATE INDEX orders_by_customer ON orders (customer_id, placed_date DESC);
    CREATE TABLE shipments (
        order_id BIGINT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
        carrier TEXT,
        tracking_number TEXT,
        tracking_url TEXT,
        expected_date DATE,
        delivered_date DATE
    );
    CREATE INDEX shipments_by_order ON shipments (order_id);
    CREATE TABLE items (
        order_id BIGINT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        quantity INTEGER NOT NULL,
        image_url TEXT,
        PRIMARY KEY (order_id, position)
    );
    """,
    """
    -- Unknown-order lookups per asker (a hash, never the id itself), shared by all instances.
    CREATE TABLE lookup_misses (
        asker TEXT NOT NULL,
        at TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    CREATE INDEX lookup_misses_by_asker ON lookup_misses (asker, at);
    """,
    """
    -- Parcels: an order's one shipment becomes its parcel 0.
    ALTER TABLE shipments ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE shipments ADD COLUMN status TEXT;
    ALTER TABLE shipments ADD COLUMN updated_at TIMESTAMPTZ;
    CREATE TABLE shipment_items (
        order_id BIGINT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
        shipment INTEGER NOT NULL,
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        quantity INTEGER NOT NULL,
        PRIMARY KEY (order_id, shipment, position)
    );
    """,
    """
    -- A guest's second factors: the order's delivery postcode and phone number (empty on
    -- orders stored before).
    ALTER TABLE orders ADD COLUMN postcode TEXT;
    ALTER TABLE orders ADD COLUMN phone TEXT;
    """,
]

OWNED = """
    c.email = %(email)s
    OR EXISTS (
        SELECT 1 FROM identities i
        WHERE i.customer_id = c.id AND i.channel = %(channel)s
          AND (i.user_id = %(uid)s OR i.user_name = %(user_name)s)
    )
"""
COLUMNS = "o.id, o.number, o.status, o.placed_date, o.currency, o.total"
FIND_ORDER = f"""
    SELECT {COLUMNS} FROM orders o JOIN customers c ON c.id = o.customer_id
    WHERE o.number = %(number)s AND ({OWNED})
"""  # noqa: S608 (constants only; values are bound parameters)
# A guest's lookup: the order by its number alone, with what they may prove it is theirs
# with (compared in Python by Proof.matches, as every store does).
FIND_ORDER_TO_PROVE = f"""
    SELECT {COLUMNS}, c.email, o.postcode, o.phone
    FROM orders o JOIN customers c ON c.id = o.customer_id
    WHERE o.number = %(number)s
"""  # noqa: S608
# The digits are 4 or more ASCII digits (suffix_digits), so nothing in them is a wildcard.
ORDERS_ENDING_WITH = f"""
    SELECT {COLUMNS} FROM orders o JOIN customers c ON c.id = o.customer_id
    WHERE o.number LIKE '%%' || %(digits)s AND ({OWNED})
    ORDER BY o.placed_date DESC, o.id DESC LIMIT %(limit)s
"""  # noqa: S608
OPEN_ORDERS = f"""
    SELECT {COLUMNS} FROM orders o JOIN customers c ON c.id = o.customer_id
    WHERE o.status = ANY(%(open)s) AND ({OWNED})
    ORDER BY o.placed_date DESC, o.id DESC LIMIT %(limit)s
"""  # noqa: S608

CUSTOMERS = """
SELECT c.id, c.first_name, c.last_name, c.email FROM customers c ORDER BY c.id LIMIT %(limit)s
"""
CUSTOMER_IDENTITIES = """
SELECT customer_id, channel, user_id, user_name FROM identities
WHERE customer_id IN (SELECT id FROM customers ORDER BY id LIMIT %(limit)s)
ORDER BY customer_id, channel, user_id
"""
CUSTOMER_ORDERS = """
SELECT customer_id, number FROM orders
WHERE customer_id IN (SELECT id FROM customers ORDER BY id LIMIT %(limit)s)
ORDER BY customer_id, placed_date DESC, id DESC
"""


def _params(asker: Asker) -> dict[str, Any]:
    return {
        "email": asker.email,
        "channel": asker.channel.upper() if asker.channel else None,
        "uid": asker.uid,
        "user_name": asker.user_name.lower() if asker.user_name else None,
    }


async def upgrade(url: str) -> list[int]:
    """Apply the migrations the database lacks; returns the versions applied."""
    applied = []
    async with await AsyncConnection.connect(url, autocommit=False) as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(748596)")  # one upgrader at a time
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)"
        )
        cur = await conn.execute("SELECT coalesce(max(version), 0) FROM schema_version")
        row = await cur.fetchone()
        current = int(row[0]) if row else 0
        for version, sql in enumerate(MIGRATIONS, start=1):
            if version > current:
                await conn.execute(sql)
                await conn.execute("INSERT INTO schema_version VALUES (%s)", (version,))
                applied.append(version)
    return applied


# How long the pool keeps retrying one lost connection before leaving it to the next caller.
RECONNECT_SECONDS = 5.0


class PostgresOrderStore:
    remote = True
    failures: tuple[type[Exception], ...] = (psycopg.Error,)

    def __init__(self, url: str, min_size: int = 1, max_size: int = 10) -> None:
        # Not opened here: the pool connects in the background, so the service starts (and
        # apologises) even while the database is down.
        self._pool = AsyncConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            open=False,
            timeout=5.0,
            # A lost connection is retried with a doubling pause (1, 2, 4, 8 … s) for as long
            # as this lasts: after a 20 s outage the next try came 9 s after the database was
            # back. Cut short, the retries stop after 5 s (tries 1 and 2 s apart) and the next
            # caller (a request, the breaker's trial call, /readyz) starts a fresh try at once.
            reconnect_timeout=RECONNECT_SECONDS,
            kwargs={"autocommit": True},
        )

    async def open(self) -> None:
        await self._pool.open(wait=False)

    async def close(self) -> None:
        await self._pool.close()

    async def ping(self) -> bool:
        try:
            async with self._pool.connection(timeout=2.0) as conn:
                await conn.execute("SELECT 1")
        except Exception:  # any failure to reach the database means "not ready"
            return False
        return True

    async def find_order(self, number: str, asker: Asker) -> Order | None:
        async with self._pool.connection() as conn, conn.cursor() as cur:
            await cur.execute(FIND_ORDER, {"number": number, **_params(asker)})
            row = await cur.fetchone()
            return await self._order(cur, row) if row else None

    async def open_orders(self, asker: Asker, limit: int) -> list[Order]:
        params = {"open": [s.value for s in OPEN_STATUSES], "limit": limit, **_params(asker)}
        async with self._pool.connection() as conn, conn.cursor() as cur:
            await cur.execute(OPEN_ORDERS, params)
            rows = await cur.fetchall()
            return [await self._order(cur, row) for row in rows]

    async def find_order_by_proof(self, number: str, proof: Proof) -> Order | None:
        async with self._pool.connection() as conn, conn.cursor() as cur:
            await cur.execute(FIND_ORDER_TO_PROVE, {"number": number})
            row = await cur.fetchone()
            if row is None:
                return None
            *columns, email, postcode, phone = row
            if not proof.matches(email, postcode, phone):
                return None
            return await self._order(cur, tuple(columns))

    async def orders_ending_with(self, digits: str, asker: Asker, limit: int) -> list[Order]:
        wanted = suffix_digits(digits)
        if wanted is None or limit < 1:
            return []
        params = {"digits": wanted, "limit": limit, **_params(asker)}
        async with self._pool.connection() as conn, conn.cursor() as cur:
            await cur.execute(ORDERS_ENDING_WITH, params)
            rows = await cur.fetchall()
            return [await self._order(cur, row) for row in rows]

    async def customers(self, limit: int) -> list[CustomerSummary]:
        params = {"limit": limit}
        async with self._pool.connection() as conn, conn.cursor() as cur:
            await cur.execute(CUSTOMERS, params)
            rows = await cur.fetchall()
            await cur.execute(CUSTOMER_IDENTITIES, params)
            identities = await cur.fetchall()
            await cur.execute(CUSTOMER_ORDERS, params)
            numbers = await cur.fetchall()
        return customer_summaries(rows, identities, numbers)

    @staticmethod
    async def _order(cur: AsyncCursor[Any], row: tuple[Any, ...]) -> Order:
        order_id, number, status, placed, currency, total = row
        await cur.execute(
            "SELECT position, carrier, tracking_number, tracking_url, expected_date, "
            "delivered_date, status, updated_at FROM shipments WHERE order_id = %s "
            "ORDER BY position",
            (order_id,),
        )
        parcels = await cur.fetchall()
        await cur.execute(
            "SELECT shipment, name, quantity FROM shipment_items WHERE order_id = %s "
            "ORDER BY shipment, position",
            (order_id,),
        )
        contents: dict[int, list[Item]] = {}
        for shipment, name, quantity in await cur.fetchall():
            contents.setdefault(shipment, []).append(Item(name, quantity))
        shipments = tuple(
            Shipment(
                carrier,
                tracking_number,
                tracking_url,
                expected,
                delivered,
                ShipmentStatus(state) if state else None,
                tuple(contents.get(position, ())),
                updated,
            )
            for (
                position,
                carrier,
                tracking_number,
                tracking_url,
                expected,
                delivered,
                state,
                updated,
            ) in parcels
        )
        await cur.execute(
            "SELECT name, quantity, image_url FROM items WHERE order_id = %s ORDER BY position",
            (order_id,),
        )
        items = tuple(Item(name, quantity, url) for name, quantity, url in await cur.fetchall())
        return Order(
            number=number,
            status=OrderStatus(status),
            placed_date=placed,
            currency=currency,
            total=Decimal(total) if total is not None else None,
            shipments=shipments,
            items=items,
        )

    async def save(self, records: Iterable[OrderRecord]) -> int:
        """Insert or replace orders in one transaction: all of them or none."""
        count = 0
        async with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            for record in records:
                customer_id = await _save_customer(cur, record.customer)
                await _save_order(cur, customer_id, record)
                count += 1
        return count

    async def record_miss(self, asker: str) -> None:
        async with self._pool.connection() as conn:
            await conn.execute("INSERT INTO lookup_misses (asker) VALUES (%s)", (asker,))

    async def count_misses(self, asker: str, window_seconds: int) -> int:
        since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=window_seconds)
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT count(*) FROM lookup_misses WHERE asker = %s AND at > %s", (asker, since)
            )
            row = await cur.fetchone()
            return int(row[0]) if row else 0


async def _save_customer(cur: AsyncCursor[Any], customer: CustomerRecord) -> int:
    row = None
    if customer.email:
        await cur.execute("SELECT id FROM customers WHERE email = %s", (customer.email,))
        row = await cur.fetchone()
    for identity in customer.identities:
        if row is not None:
            break
        await cur.execute(
            "SELECT customer_id FROM identities WHERE channel = %s AND user_id = %s",
            (identity.channel, identity.user_id),
        )
        row = await cur.fetchone()
    if row is None:
        await cur.execute(
            "INSERT INTO customers (email, first_name, last_name) VALUES (%s, %s, %s) RETURNING id",
            (customer.email, customer.first_name, customer.last_name),
        )
        row = await cur.fetchone()
    else:
        await cur.execute(
            "UPDATE customers SET email = coalesce(%s, email), "
            "first_name = coalesce(%s, first_name), last_name = coalesce(%s, last_name) "
            "WHERE id = %s",
            (customer.email, customer.first_name, customer.last_name, row[0]),
        )
    assert row is not None
    customer_id = int(row[0])
    for identity in customer.identities:
        await cur.execute(
            "INSERT INTO identities (customer_id, channel, user_id, user_name) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (channel, user_id) DO UPDATE SET "
            "customer_id = excluded.customer_id, user_name = excluded.user_name",
            (
                customer_id,
                identity.channel,
                identity.user_id,
                identity.user_name.lower() if identity.user_name else None,
            ),
        )
    return customer_id


async def _save_order(cur: AsyncCursor[Any], customer_id: int, record: OrderRecord) -> None:
    order = record.to_order()
    await cur.execute(
        "INSERT INTO orders (number, customer_id, status, placed_date, currency, total, "
        "postcode, phone) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (number) DO UPDATE "
        "SET customer_id = excluded.customer_id, status = excluded.status, "
        "placed_date = excluded.placed_date, currency = excluded.currency, "
        "total = excluded.total, postcode = excluded.postcode, phone = excluded.phone "
        "RETURNING id",
        (
            order.number,
            customer_id,
            order.status.value,
            order.placed_date,
            order.currency,
            order.total,
            record.postcode,
            record.phone,
        ),
    )
    row = await cur.fetchone()
    assert row is not None
    order_id = row[0]
    for table in ("shipments", "shipment_items", "items"):
        await cur.execute(f"DELETE FROM {table} WHERE order_id = %s", (order_id,))  # noqa: S608
    for position, s in enumerate(order.shipments):
        await cur.execute(
            "INSERT INTO shipments (order_id, carrier, tracking_number, tracking_url, "
            "expected_date, delivered_date, position, status, updated_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                order_id,
                s.carrier,
                s.tracking_number,
                s.tracking_url,
                s.expected_date,
                s.delivered_date,
                position,
                s.status.value if s.status else None,
                s.updated_at,
            ),
        )
        for index, item in enumerate(s.items):
            await cur.execute(
                "INSERT INTO shipment_items VALUES (%s, %s, %s, %s, %s)",
                (order_id, position, index, item.name, item.quantity),
            )
    for position, item in enumerate(order.items):
        await cur.execute(
            "INSERT INTO items VALUES (%s, %s, %s, %s, %s)",
            (order_id, position, item.name, item.quantity, item.image_url),
        )
