"""Many orders in an SQLite store, fast: for the lookup-scaling benchmark only."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from fulfillment.store.demo import demo_orders
from fulfillment.store.sqlite import SQLiteOrderStore


def fill(path: Path, count: int) -> None:
    """The demo orders plus `count` more, spread over 1,000 customers."""
    store = SQLiteOrderStore(path)
    store.save_orders(demo_orders(dt.date.today()))
    db = sqlite3.connect(path)
    with db:
        db.executemany(
            "INSERT INTO customers (email) VALUES (?)",
            ((f"customer{n}@bench.example",) for n in range(1000)),
        )
        first = db.execute(
            "SELECT min(id) FROM customers WHERE email LIKE '%@bench.example'"
        ).fetchone()[0]
        db.executemany(
            "INSERT INTO orders (number, customer_id, status, placed_date, currency, total) "
            "VALUES (?, ?, 'shipped', '2026-01-01', 'USD', '10.00')",
            ((f"B{n:08d}", first + n % 1000) for n in range(count)),
        )
        db.execute(
            "INSERT INTO items (order_id, position, name, quantity) "
            "SELECT id, 0, 'Bench item', 1 FROM orders WHERE number LIKE 'B%'"
        )
    db.close()
