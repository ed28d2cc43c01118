"""The store suite, run on the embedded SQLite store and on a real PostgreSQL server."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fulfillment.domain import Asker, OrderStatus
from fulfillment.store.demo import demo_orders
from fulfillment.store.postgres import PostgresOrderStore
from fulfillment.store.records import OrderRecord
from fulfillment.store.sqlite import SQLiteOrderStore

TODAY = dt.date(2026, 3, 12)
RAVI = Asker(uid="51342", channel="TELEGRAM", user_name="ravir")
RAM = Asker(uid="ram123", channel="WEB")


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A store of each backend, filled with the demo orders, used inside one event loop."""
    if request.param == "sqlite":
        backend: Any = SQLiteOrderStore(tmp_path / "orders.sqlite3")
    else:
        backend = PostgresOrderStore(request.getfixturevalue("postgres_url"))
    runner = Runner(backend)
    runner(backend.save(demo_orders(TODAY)))
    yield runner
    runner.close()


class Runner:
    """Keeps one event loop for a store whose pool belongs to it."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.loop = asyncio.new_event_loop()
        self(store.open())

    def __call__(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    def close(self) -> None:
        self(self.store.close())
        self.loop.close()


def test_the_seed_order(store: Runner) -> None:
    order = store(store.store.find_order("748596", RAVI))
    assert order is not None
    assert order.status is OrderStatus.SHIPPED
    assert order.shipment is not None
    assert order.shipment.carrier == "Blue Dart"
    assert order.shipment.expected_date == TODAY + dt.timedelta(days=2)
    assert [item.name for item in order.items] == ["Cotton kurta, indigo", "Leather sandals"]
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
        (Asker(uid="ram123@gmail.com"), False),
        (Asker(uid="' OR 1=1 --", channel="TELEGRAM", user_name="' OR '1'='1"), False),
    ],
)
def test_lookups_are_scoped_to_the_owner(store: Runner, asker: Asker, found: bool) -> None:
    assert (store(store.store.find_order("748596", asker)) is not None) is found


def test_open_orders_newest_first(store: Runner) -> None:
    orders = store(store.store.open_orders(RAM, 3))
    assert len(orders) == 3
    assert all(o.status.is_open for o in orders)
    dates = [o.placed_date for o in orders]
    assert dates == sorted(dates, reverse=True)
    assert store(store.store.open_orders(Asker(uid="nobody", channel="WEB"), 3)) == []


def test_save_replaces_an_order(store: Runner) -> None:
    record = OrderRecord.model_validate(
        {
            "number": "748596",
            "status": "delivered",
            "placed_date": "2026-03-01",
            "customer": {"identities": [{"channel": "TELEGRAM", "user_id": "51342"}]},
            "items": [{"name": "Only this", "quantity": 4}],
        }
    )
    assert store(store.store.save([record])) == 1
    order = store(store.store.find_order("748596", RAVI))
    assert order.status is OrderStatus.DELIVERED
    assert order.shipment is None
    assert [(i.name, i.quantity) for i in order.items] == [("Only this", 4)]


def test_a_failed_save_leaves_nothing_behind(store: Runner) -> None:
    good = OrderRecord.model_validate(
        {
            "number": "555001",
            "status": "placed",
            "placed_date": "2026-03-01",
            "customer": {"identities": [{"channel": "TELEGRAM", "user_id": "51342"}]},
        }
    )

    def records() -> Iterator[OrderRecord]:
        yield good
        raise RuntimeError("the file broke half-way")

    with pytest.raises(RuntimeError):
        store(store.store.save(records()))
    assert store(store.store.find_order("555001", RAVI)) is None


def test_customers_are_listed_with_identities_and_latest_orders(store: Runner) -> None:
    customers = store(store.store.customers(50))
    records = demo_orders(TODAY)
    assert len(customers) == len({r.customer.email for r in records})
    ravi = next(c for c in customers if c.email == "ravi.r@example.com")
    assert ravi.first_name == "Ravi"
    assert [(i.channel, i.user_id, i.user_name) for i in ravi.identities] == [
        ("TELEGRAM", "51342", "ravir")
    ]
    assert "748596" in ravi.orders
    assert len(ravi.orders) <= 5
    ram = next(c for c in customers if c.email == "ram123@gmail.com")
    assert {i.channel for i in ram.identities} == {"WEB", "WHATSAPP"}
    # Latest first: the same order as the store's own dates say.
    placed = {r.number: r.placed_date for r in records}
    assert [placed[n] for n in ram.orders] == sorted((placed[n] for n in ram.orders), reverse=True)
    assert len(store(store.store.customers(1))) == 1


def test_ping(store: Runner) -> None:
    assert store(store.store.ping()) is True


def test_db_upgrade_command_is_idempotent(postgres: Any, tmp_path: Any) -> None:
    import psycopg
    from click.testing import CliRunner

    from fulfillment.cli import main

    with psycopg.connect(postgres.url, autocommit=True) as conn:
        conn.execute('CREATE DATABASE "upgrade_cli"')
    url = postgres.url.rsplit("/", 1)[0] + "/upgrade_cli"
    runner = CliRunner()
    first = runner.invoke(main, ["db", "upgrade"], env={"FULFILLMENT_DATABASE_URL": url})
    assert first.exit_code == 0, first.output
    assert "PostgreSQL: applied migration(s) [1, 2, 3]." in first.output
    again = runner.invoke(main, ["db", "upgrade"], env={"FULFILLMENT_DATABASE_URL": url})
    assert "PostgreSQL is up to date." in again.output
    # Without a database URL it upgrades the embedded store.
    env = {"FULFILLMENT_DATABASE_URL": "", "FULFILLMENT_DATA_DIR": str(tmp_path)}
    embedded = runner.invoke(main, ["db", "upgrade"], env=env)
    assert embedded.exit_code == 0, embedded.output
    assert "orders.sqlite3: applied migration(s) [1]." in embedded.output
    assert "is up to date" in runner.invoke(main, ["db", "upgrade"], env=env).output
