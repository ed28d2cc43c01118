"""The store suite, run on the embedded SQLite store and on a real PostgreSQL server."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fulfillment.domain import Asker, Factor, OrderStatus, Proof
from fulfillment.store.demo import demo_orders
from fulfillment.store.postgres import PostgresOrderStore
from fulfillment.store.records import OrderRecord
from fulfillment.store.sqlite import SQLiteOrderStore

TODAY = dt.date(2026, 3, 12)
RAVI = Asker(uid="51342", channel="TELEGRAM", user_name="ravir")
RAM = Asker(uid="ram123", channel="WEB")
JONAS = Asker(uid="33001", channel="TELEGRAM")


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


# --- a guest's proof ---------------------------------------------------------------------


def prove(store: Runner, number: str, factor: Factor, given: str) -> Any:
    proof = Proof.of(factor, given)
    assert proof is not None
    return store(store.store.find_order_by_proof(number, proof))


@pytest.mark.parametrize(
    ("number", "factor", "given"),
    [
        ("100002", Factor.EMAIL, "ram123@gmail.com"),
        ("100002", Factor.EMAIL, "  RAM123@Gmail.COM "),
        ("748596", Factor.POSTCODE, "560034"),
        ("748596", Factor.POSTCODE, "560 034"),
        ("556677", Factor.POSTCODE, "1100148"),  # stored as 1100-148
        ("556677", Factor.POSTCODE, "1100 148"),
        ("A-10023", Factor.POSTCODE, "00150"),
        ("100004", Factor.POSTCODE, "94105"),  # this one went to his office
        ("100002", Factor.PHONE_LAST4, "0123"),
        ("200001", Factor.PHONE_LAST4, "my number ends in 66 77"),
        ("556681", Factor.PHONE_LAST4, "+351 912 345 678"),
    ],
)
def test_a_guest_with_the_right_proof_hears_about_the_order(
    store: Runner, number: str, factor: Factor, given: str
) -> None:
    order = prove(store, number, factor, given)
    assert order is not None
    assert order.number == number
    assert order == store(store.store.find_order(number, Asker(uid=_OWNERS[number])))


_OWNERS = {
    "100002": "ram123@gmail.com",
    "100004": "ram123@gmail.com",
    "748596": "ravi.r@example.com",
    "556677": "lena.k@example.com",
    "556681": "lena.k@example.com",
    "A-10023": "maya@example.org",
    "200001": "jonas.weber@example.de",
}


@pytest.mark.parametrize(
    ("number", "factor", "given"),
    [
        ("100002", Factor.EMAIL, "ram123@gmail.co"),
        ("100002", Factor.EMAIL, "ravi.r@example.com"),  # someone's address, not his
        ("748596", Factor.EMAIL, "ram123@gmail.com"),  # Ram's address, Ravi's order
        ("999999", Factor.EMAIL, "ram123@gmail.com"),  # no such order
        ("100004", Factor.POSTCODE, "94107"),  # his home; this one went to his office
        ("748596", Factor.POSTCODE, "560001"),
        ("748596", Factor.POSTCODE, "94107"),  # Ram's postcode, Ravi's order
        ("100002", Factor.PHONE_LAST4, "0124"),
        ("748596", Factor.PHONE_LAST4, "0123"),  # Ram's phone, Ravi's order
        ("' OR 1=1 --", Factor.EMAIL, "ram123@gmail.com"),
    ],
)
def test_a_wrong_proof_reads_like_an_unknown_order(
    store: Runner, number: str, factor: Factor, given: str
) -> None:
    assert prove(store, number, factor, given) is None


def test_an_order_without_the_factor_is_never_proved(store: Runner) -> None:
    bare = OrderRecord.model_validate(
        {
            "number": "555002",
            "status": "placed",
            "placed_date": "2026-03-01",
            "customer": {"identities": [{"channel": "TELEGRAM", "user_id": "77001"}]},
        }
    )
    store(store.store.save([bare]))
    for factor, given in [
        (Factor.EMAIL, "nobody@example.com"),
        (Factor.POSTCODE, "10115"),
        (Factor.PHONE_LAST4, "0000"),
    ]:
        assert prove(store, "555002", factor, given) is None
    # Saved again with a postcode and a phone (and its customer's e-mail): now it is.
    store(
        store.store.save(
            [
                bare.model_copy(
                    update={
                        "postcode": "10115",
                        "phone": "+49 30 1234 5678",
                        "customer": bare.customer.model_copy(update={"email": "a@example.de"}),
                    }
                )
            ]
        )
    )
    assert prove(store, "555002", Factor.POSTCODE, "10115") is not None
    assert prove(store, "555002", Factor.PHONE_LAST4, "5678") is not None
    assert prove(store, "555002", Factor.EMAIL, "A@Example.de") is not None
    # And replaced by a version without them: not any more.
    store(store.store.save([bare]))
    assert prove(store, "555002", Factor.POSTCODE, "10115") is None
    assert prove(store, "555002", Factor.PHONE_LAST4, "5678") is None


# --- the last digits -------------------------------------------------------------------


def ending(store: Runner, digits: str, asker: Asker = RAVI, limit: int = 5) -> list[str]:
    return [o.number for o in store(store.store.orders_ending_with(digits, asker, limit))]


def test_orders_ending_with_are_the_askers_own_newest_first(store: Runner) -> None:
    assert ending(store, "8596") == ["748596", "728596"]
    assert ending(store, "8596", limit=1) == ["748596"]
    assert ending(store, "28596") == ["728596"]
    assert ending(store, "748596") == ["748596"]
    assert ending(store, "8596", Asker(uid="ravi.r@example.com")) == ["748596", "728596"]
    orders = store(store.store.orders_ending_with("8596", RAVI, 5))
    assert orders[1].status is OrderStatus.DELIVERED
    assert orders[0] == store(store.store.find_order("748596", RAVI))


def test_another_customers_order_ending_alike_is_never_listed(store: Runner) -> None:
    # Ram's 100001 and Jonas's 200001 end alike; each hears of his own only.
    assert ending(store, "0001", RAM) == ["100001"]
    assert ending(store, "0001", JONAS) == ["200001"]
    assert ending(store, "8596", RAM) == []
    assert ending(store, "8596", Asker(uid="nobody", channel="WEB")) == []
    assert ending(store, "8596", Asker(uid="51342")) == []  # no channel: nobody's
    assert ending(store, "10023", Asker(uid="90817", channel="TELEGRAM")) == ["A-10023"]


@pytest.mark.parametrize(
    "digits", ["596", "", "8 596", "８５９６", "85%6", "%596", "_596", "x8596"]
)
def test_orders_ending_with_needs_four_or_more_digits(store: Runner, digits: str) -> None:
    assert ending(store, digits) == []


def test_orders_ending_with_no_room(store: Runner) -> None:
    assert ending(store, "8596", limit=0) == []


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
    assert "PostgreSQL: applied migration(s) [1, 2, 3, 4]." in first.output
    again = runner.invoke(main, ["db", "upgrade"], env={"FULFILLMENT_DATABASE_URL": url})
    assert "PostgreSQL is up to date." in again.output
    # Without a database URL it upgrades the embedded store.
    env = {"FULFILLMENT_DATABASE_URL": "", "FULFILLMENT_DATA_DIR": str(tmp_path)}
    embedded = runner.invoke(main, ["db", "upgrade"], env=env)
    assert embedded.exit_code == 0, embedded.output
    assert "orders.sqlite3: applied migration(s) [1, 2, 3]." in embedded.output
    assert "is up to date" in runner.invoke(main, ["db", "upgrade"], env=env).output
