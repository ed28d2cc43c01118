"""The `fulfillment` command: `load-orders` validates a whole file, then loads it or nothing."""

from __future__ import annotations

import asyncio
import csv
import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fulfillment.cli import main
from fulfillment.domain import Asker, Order, OrderStatus
from fulfillment.store.importer import CSV_COLUMNS
from fulfillment.store.sqlite import SQLiteOrderStore

ANA = Asker(uid="ana@example.com")
ANA_ON_TELEGRAM = Asker(uid="51342", channel="telegram", user_name="AnaS")
BO = Asker(uid="bo@example.com")
BO_ON_TELEGRAM = Asker(uid="777", channel="TELEGRAM")


def csv_text(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


ANA_ROW = {
    "order_number": "A-1001",
    "status": "shipped",
    "placed_date": "2024-05-01",
    "email": "ana@example.com",
    "channel": "TELEGRAM",
    "user_id": "51342",
    "user_name": "anas",
    "carrier": "UPS",
    "item_name": "Desk lamp",
    "item_quantity": "2",
}
GOOD_ROWS = [
    ANA_ROW,  # line 2
    {**ANA_ROW, "item_name": "Bulb", "item_quantity": "1"},  # line 3
    {  # line 4
        "order_number": "B-2002",
        "status": "delivered",
        "placed_date": "2024-04-20",
        "email": "bo@example.com",
        "channel": "TELEGRAM",
        "user_id": "777",
        "item_name": "Chair",
    },
]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def db_path(data_dir: Path) -> Path:
    return data_dir / "orders.sqlite3"


def load(data_dir: Path, path: Path, *args: str) -> Result:
    runner = CliRunner()
    return runner.invoke(
        main, ["load-orders", str(path), *args], env={"FULFILLMENT_DATA_DIR": str(data_dir)}
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def open_store(db_path: Path) -> Iterator[type[SQLiteOrderStore]]:
    """Open the store the CLI wrote, and close every store opened during the test."""
    opened: list[SQLiteOrderStore] = []

    class _Store(SQLiteOrderStore):
        def __init__(self, path: Path) -> None:
            super().__init__(path)
            opened.append(self)

    yield _Store
    for store in opened:
        asyncio.run(store.close())


def find(
    store_cls: type[SQLiteOrderStore], db_path: Path, number: str, asker: Asker
) -> Order | None:
    return store_cls(db_path).find_order_sync(number, asker)


def count_rows(db_path: Path, table: str) -> int:
    with sqlite3.connect(db_path) as db:
        (count,) = db.execute(f"SELECT count(*) FROM {table}").fetchone()
    db.close()
    return int(count)


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    assert "serve" in result.output
    assert "load-orders" in result.output


def test_load_orders_help() -> None:
    result = CliRunner().invoke(main, ["load-orders", "--help"])
    assert result.exit_code == 0, result.output
    assert "--format" in result.output
    assert "nothing is loaded" in result.output


def test_good_csv_loads_and_orders_are_scoped_to_their_owner(
    tmp_path: Path, data_dir: Path, db_path: Path, open_store: type[SQLiteOrderStore]
) -> None:
    result = load(data_dir, write(tmp_path, "orders.csv", csv_text(GOOD_ROWS)))

    assert result.exit_code == 0, result.output
    assert "Loaded 2 order(s)" in result.stdout
    assert str(db_path) in result.stdout
    assert db_path.is_file()

    order = find(open_store, db_path, "A-1001", ANA)
    assert order is not None
    assert order.status is OrderStatus.SHIPPED
    assert order.shipment is not None
    assert order.shipment.carrier == "UPS"
    assert [(i.name, i.quantity) for i in order.items] == [("Desk lamp", 2), ("Bulb", 1)]
    # The same customer through a channel identity, by id or by user name.
    assert find(open_store, db_path, "A-1001", ANA_ON_TELEGRAM) == order
    by_name = Asker(uid="unknown", channel="TELEGRAM", user_name="anas")
    assert find(open_store, db_path, "A-1001", by_name) == order

    # Someone else's order is simply not found.
    assert find(open_store, db_path, "A-1001", BO) is None
    assert find(open_store, db_path, "A-1001", BO_ON_TELEGRAM) is None
    assert find(open_store, db_path, "A-1001", Asker(uid="51342", channel="WHATSAPP")) is None

    other = find(open_store, db_path, "B-2002", BO_ON_TELEGRAM)
    assert other is not None
    assert other.status is OrderStatus.DELIVERED
    assert find(open_store, db_path, "B-2002", BO) == other
    assert find(open_store, db_path, "B-2002", ANA) is None


@pytest.mark.parametrize(("name", "fmt"), [("orders.json", None), ("orders.data", "json")])
def test_json_file_loads(
    tmp_path: Path,
    data_dir: Path,
    db_path: Path,
    open_store: type[SQLiteOrderStore],
    name: str,
    fmt: str | None,
) -> None:
    text = (
        '[{"number": "c-3", "status": "placed", "placed_date": "2024-06-01",'
        ' "customer": {"email": "ana@example.com"}}]'
    )
    args = ["--format", fmt] if fmt else []
    result = load(data_dir, write(tmp_path, name, text), *args)
    assert result.exit_code == 0, result.output
    assert "Loaded 1 order(s)" in result.stdout
    order = find(open_store, db_path, "C-3", ANA)
    assert order is not None
    assert order.status is OrderStatus.PLACED


def test_bad_row_reports_every_problem_and_loads_nothing(
    tmp_path: Path, data_dir: Path, db_path: Path, open_store: type[SQLiteOrderStore]
) -> None:
    # An order already in the store must survive a failed load untouched.
    earlier = [
        {
            "order_number": "Z-9",
            "status": "placed",
            "placed_date": "2024-01-01",
            "email": "ana@example.com",
        }
    ]
    assert load(data_dir, write(tmp_path, "earlier.csv", csv_text(earlier))).exit_code == 0

    rows = [
        *GOOD_ROWS,  # lines 2-4: good
        {  # line 5: two problems on one row
            "order_number": "C-3",
            "status": "lost",
            "placed_date": "2024-05-01",
            "email": "not-an-address",
        },
        {**ANA_ROW, "order_number": "Z-9", "status": "cancelled"},  # line 6: good, an update
    ]
    path = write(tmp_path, "orders.csv", csv_text(rows))
    result = load(data_dir, path)

    assert result.exit_code == 1, result.output
    assert "Loaded" not in result.output
    assert result.stdout == ""
    err_lines = result.stderr.splitlines()
    assert sorted(err_lines[:-1]) == [
        f"{path}:5: customer.email: Value error, not an e-mail address",
        f"{path}:5: status: Input should be 'placed', 'processing', 'on_hold', 'shipped', "
        "'out_for_delivery', 'delayed', 'delivered', 'cancelled', 'returned', 'refunded', "
        "'partly_shipped' or 'partly_delivered'",
    ]
    assert err_lines[-1] == f"{path}: nothing loaded (2 problem(s))."

    # Nothing of the file is in the store, not even its good rows.
    assert find(open_store, db_path, "A-1001", ANA) is None
    assert find(open_store, db_path, "B-2002", BO) is None
    assert find(open_store, db_path, "C-3", ANA) is None
    unchanged = find(open_store, db_path, "Z-9", ANA)
    assert unchanged is not None
    assert unchanged.status is OrderStatus.PLACED
    assert count_rows(db_path, "orders") == 1


def test_problems_on_several_lines_each_get_their_prefix(tmp_path: Path, data_dir: Path) -> None:
    lines = [
        '{"number": "A-1", "status": "shipped", "placed_date": "2024-05-01",'
        ' "customer": {"email": "ana@example.com"}}',
        "{not json",
        "",
        '{"number": "B-2", "status": ',
    ]
    path = write(tmp_path, "orders.jsonl", "\n".join(lines) + "\n")
    result = load(data_dir, path)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}:2: not valid JSON: Expecting property name enclosed in double quotes",
        f"{path}:4: not valid JSON: Expecting value",
        f"{path}: nothing loaded (2 problem(s)).",
    ]
    assert not (data_dir / "orders.sqlite3").exists()


def test_unknown_extension_without_format_fails(tmp_path: Path, data_dir: Path) -> None:
    path = write(tmp_path, "orders.txt", csv_text(GOOD_ROWS))
    result = load(data_dir, path)
    assert result.exit_code == 1
    assert f"{path}:1: unknown format 'txt'; use json, jsonl or csv" in result.stderr

    result = load(data_dir, path, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "Loaded 2 order(s)" in result.stdout


def test_missing_file_is_a_usage_error(tmp_path: Path, data_dir: Path) -> None:
    result = load(data_dir, tmp_path / "nope.csv")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_loading_the_same_file_twice_updates_rather_than_duplicates(
    tmp_path: Path, data_dir: Path, db_path: Path, open_store: type[SQLiteOrderStore]
) -> None:
    path = write(tmp_path, "orders.csv", csv_text(GOOD_ROWS))
    for _ in range(2):
        result = load(data_dir, path)
        assert result.exit_code == 0, result.output
        assert "Loaded 2 order(s)" in result.stdout

    assert count_rows(db_path, "orders") == 2
    assert count_rows(db_path, "items") == 3
    assert count_rows(db_path, "shipments") == 1
    assert count_rows(db_path, "customers") == 2
    assert count_rows(db_path, "identities") == 2
    order = find(open_store, db_path, "A-1001", ANA)
    assert order is not None
    assert [i.name for i in order.items] == ["Desk lamp", "Bulb"]

    # A changed file replaces the orders' status and items.
    changed = [
        {**ANA_ROW, "status": "delivered", "item_name": "Floor lamp", "item_quantity": "1"},
        GOOD_ROWS[2],
    ]
    result = load(data_dir, write(tmp_path, "orders.csv", csv_text(changed)))
    assert result.exit_code == 0, result.output
    assert count_rows(db_path, "orders") == 2
    assert count_rows(db_path, "items") == 2
    order = find(open_store, db_path, "A-1001", ANA)
    assert order is not None
    assert order.status is OrderStatus.DELIVERED
    assert [(i.name, i.quantity) for i in order.items] == [("Floor lamp", 1)]
