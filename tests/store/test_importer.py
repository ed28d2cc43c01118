"""read_orders: CSV, JSON and JSON Lines files in, validated OrderRecords or every bad line out."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fulfillment.domain import OrderStatus
from fulfillment.store.importer import CSV_COLUMNS, ImportFailed, read_orders
from fulfillment.store.records import OrderRecord


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def csv_text(rows: list[dict[str, str]], columns: tuple[str, ...] | list[str] = CSV_COLUMNS) -> str:
    """A header line, then one line per row (line 2 is the first row)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def problems_of(path: Path, file_format: str | None = None) -> list[str]:
    with pytest.raises(ImportFailed) as failed:
        read_orders(path, file_format)
    problems = failed.value.problems
    assert problems, "ImportFailed must carry at least one problem"
    assert str(failed.value) == f"{len(problems)} problem(s)"
    return problems


def lines_of(problems: list[str]) -> list[int]:
    """The line number each problem starts with ("LINE: ...")."""
    numbers = []
    for problem in problems:
        head, sep, _ = problem.partition(": ")
        assert sep, f"problem does not start with 'LINE: ': {problem!r}"
        assert head.isdigit(), f"problem does not start with 'LINE: ': {problem!r}"
        numbers.append(int(head))
    return numbers


BASE = {
    "order_number": "A-1001",
    "status": "shipped",
    "placed_date": "2024-05-01",
    "email": "ana@example.com",
}


def order_json(number: str = "A-1001", **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "number": number,
        "status": "shipped",
        "placed_date": "2024-05-01",
        "customer": {"email": "ana@example.com"},
        "items": [{"name": "Lamp"}],
    }
    record.update(overrides)
    return record


# --- CSV: good files ---------------------------------------------------------------------------

GOOD_CSV_ROWS = [
    {
        "order_number": "#a-1001",
        "status": "shipped",
        "placed_date": "2024-05-01",
        "currency": "eur",
        "total": "59.90",
        "email": " Ana@Example.COM ",
        "first_name": "Ana",
        "last_name": "Silva",
        "carrier": "UPS",
        "tracking_number": "1Z999",
        "tracking_url": "https://track.example.com/1Z999",
        "expected_date": "2024-05-06",
        "channel": "telegram",
        "user_id": "51342",
        "user_name": "anas",
        "item_name": "Desk lamp",
        "item_quantity": "2",
        "item_image_url": "https://img.example.com/lamp.png",
    },
    {
        # Second row of the same order: order columns repeated, same identity again, a new item.
        "order_number": "#a-1001",
        "status": "shipped",
        "placed_date": "2024-05-01",
        "email": " Ana@Example.COM ",
        "channel": "telegram",
        "user_id": "51342",
        "user_name": "anas",
        "item_name": "Bulb",
    },
    {
        # A row that only adds an identity (no item columns): no item is created for it.
        "order_number": "#a-1001",
        "channel": "whatsapp",
        "user_id": "+351900000000",
    },
    {
        "order_number": "B-2002",
        "status": "delivered",
        "placed_date": "2024-04-20",
        "first_name": "Bo",
        "channel": "TELEGRAM",
        "user_id": "777",
        "delivered_date": "2024-04-23",
        "item_name": "Chair",
        "item_quantity": "1",
    },
]


def test_csv_good_file_groups_rows_into_orders(tmp_path: Path) -> None:
    records = read_orders(write(tmp_path, "orders.csv", csv_text(GOOD_CSV_ROWS)))

    assert [r.number for r in records] == ["A-1001", "B-2002"]
    first, second = records
    assert all(isinstance(r, OrderRecord) for r in records)

    assert first.status is OrderStatus.SHIPPED
    assert first.placed_date == dt.date(2024, 5, 1)
    assert first.currency == "EUR"
    assert first.total == Decimal("59.90")
    assert first.shipments[0].carrier == "UPS"
    assert first.shipments[0].tracking_number == "1Z999"
    assert str(first.shipments[0].tracking_url) == "https://track.example.com/1Z999"
    assert first.shipments[0].expected_date == dt.date(2024, 5, 6)
    assert first.shipments[0].delivered_date is None

    assert first.customer.email == "ana@example.com"
    assert first.customer.first_name == "Ana"
    assert first.customer.last_name == "Silva"
    # Repeated identities are collected once; channels are upper-cased.
    assert [(i.channel, i.user_id, i.user_name) for i in first.customer.identities] == [
        ("TELEGRAM", "51342", "anas"),
        ("WHATSAPP", "+351900000000", None),
    ]
    assert [(i.name, i.quantity) for i in first.items] == [("Desk lamp", 2), ("Bulb", 1)]
    assert str(first.items[0].image_url) == "https://img.example.com/lamp.png"
    assert first.items[1].image_url is None

    assert second.status is OrderStatus.DELIVERED
    assert second.currency == "USD"
    assert second.total is None
    assert second.shipments[0].delivered_date == dt.date(2024, 4, 23)
    assert second.customer.email is None
    assert second.customer.first_name == "Bo"
    assert [(i.channel, i.user_id) for i in second.customer.identities] == [("TELEGRAM", "777")]
    assert [(i.name, i.quantity) for i in second.items] == [("Chair", 1)]


def test_csv_rows_of_one_order_need_not_be_adjacent(tmp_path: Path) -> None:
    rows = [
        {**BASE, "item_name": "Lamp"},
        {**BASE, "order_number": "B-2", "item_name": "Chair"},
        {**BASE, "item_name": "Bulb"},
    ]
    records = read_orders(write(tmp_path, "orders.csv", csv_text(rows)))
    assert [(r.number, [i.name for i in r.items]) for r in records] == [
        ("A-1001", ["Lamp", "Bulb"]),
        ("B-2", ["Chair"]),
    ]


def test_csv_columns_in_any_order_and_only_the_needed_ones(tmp_path: Path) -> None:
    text = "email,placed_date,order_number,status\nbo@example.com,2024-01-02,c-3,placed\n"
    (record,) = read_orders(write(tmp_path, "orders.csv", text))
    assert record.number == "C-3"
    assert record.status is OrderStatus.PLACED
    assert record.placed_date == dt.date(2024, 1, 2)
    assert record.customer.email == "bo@example.com"
    assert record.items == []


def test_csv_with_byte_order_mark_and_crlf_reads(tmp_path: Path) -> None:
    text = csv_text([{**BASE, "item_name": "Lamp"}]).replace("\n", "\r\n")
    path = tmp_path / "orders.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (record,) = read_orders(path)
    assert record.number == "A-1001"
    assert [i.name for i in record.items] == ["Lamp"]


def test_format_option_overrides_the_extension(tmp_path: Path) -> None:
    path = write(tmp_path, "export.txt", csv_text([BASE]))
    assert [r.number for r in read_orders(path, "csv")] == ["A-1001"]
    assert problems_of(path) == ["1: unknown format 'txt'; use json, jsonl or csv"]


# --- CSV: bad rows and their line numbers ------------------------------------------------------


def test_csv_bad_status_is_reported_on_its_line(tmp_path: Path) -> None:
    rows = [
        BASE,
        {**BASE, "order_number": "B-2", "status": "lost"},
        {**BASE, "order_number": "C-3"},
    ]
    problems = problems_of(write(tmp_path, "orders.csv", csv_text(rows)))
    assert len(problems) == 1
    assert problems[0].startswith("3: status: Input should be 'placed'")


def test_csv_line_numbers_count_blank_lines(tmp_path: Path) -> None:
    header, good, _ = csv_text([BASE]).split("\n")
    bad = csv_text([{**BASE, "order_number": "B-2", "placed_date": "yesterday"}]).split("\n")[1]
    text = "\n".join([header, good, "", "", bad]) + "\n"
    problems = problems_of(write(tmp_path, "orders.csv", text))
    assert lines_of(problems) == [5]
    assert problems[0].startswith("5: placed_date: ")


@pytest.mark.parametrize("quantity", ["lots", "0", "-2", "100001", "1.5"])
def test_csv_bad_item_quantity_is_reported_on_the_items_own_row(
    tmp_path: Path, quantity: str
) -> None:
    rows = [
        {**BASE, "channel": "TELEGRAM", "user_id": "1"},  # line 2: no item
        {**BASE, "item_name": "Lamp", "item_quantity": "3"},  # line 3: items[0]
        {**BASE, "order_number": "B-2", "item_name": "Chair"},  # line 4: another order
        {**BASE, "item_name": "Bulb", "item_quantity": quantity},  # line 5: items[1]
    ]
    problems = problems_of(write(tmp_path, "orders.csv", csv_text(rows)))
    assert len(problems) == 1
    assert problems[0].startswith("5: items.1.quantity: ")


def test_csv_bad_item_url_on_the_first_row_of_an_order(tmp_path: Path) -> None:
    rows = [
        {**BASE, "item_name": "Lamp", "item_image_url": "not a url"},
        {**BASE, "item_name": "Bulb"},
    ]
    problems = problems_of(write(tmp_path, "orders.csv", csv_text(rows)))
    assert lines_of(problems) == [2]
    assert problems[0].startswith("2: items.0.image_url: ")


@pytest.mark.parametrize("email", ["ana", "ana@example", "ana @example.com", "@example.com"])
def test_csv_bad_email(tmp_path: Path, email: str) -> None:
    rows = [BASE, {**BASE, "order_number": "B-2", "email": email}]
    problems = problems_of(write(tmp_path, "orders.csv", csv_text(rows)))
    assert problems == ["3: customer.email: Value error, not an e-mail address"]


@pytest.mark.parametrize("currency", ["QQQ", "EURO", "US", "$"])
def test_csv_unknown_currency(tmp_path: Path, currency: str) -> None:
    rows = [{**BASE, "currency": currency}, {**BASE, "order_number": "B-2", "currency": "usd"}]
    problems = problems_of(write(tmp_path, "orders.csv", csv_text(rows)))
    assert problems == ["2: currency: Value error, not an ISO 4217 currency code"]


def test_csv_customer_without_email_or_identity(tmp_path: Path) -> None:
    rows = [BASE, {**BASE, "order_number": "B-2", "email": "", "first_name": "Bo"}]
    problems = problems_of(write(tmp_path, "orders.csv", csv_text(rows)))
    assert problems == [
        "3: customer: Value error, a customer needs an e-mail address or a channel identity"
    ]


def test_csv_every_bad_row_is_reported(tmp_path: Path) -> None:
    rows = [
        {**BASE, "status": "lost"},  # line 2
        {**BASE, "order_number": "B-2"},  # line 3: fine
        {**BASE, "order_number": "C-3", "email": "nope", "total": "-1"},  # line 4: two problems
        {**BASE, "order_number": "D-4", "placed_date": "2024-13-01"},  # line 5
    ]
    problems = problems_of(write(tmp_path, "orders.csv", csv_text(rows)))
    assert lines_of(problems) == [2, 4, 4, 5]
    assert problems[0].startswith("2: status: ")
    assert sorted(problems[1:3]) == [
        "4: customer.email: Value error, not an e-mail address",
        "4: total: Input should be greater than or equal to 0",
    ]
    assert problems[3].startswith("5: placed_date: ")


def test_csv_duplicate_order_number_in_another_spelling(tmp_path: Path) -> None:
    # Rows with the same cell are one order; "#b-2" and "B-2" are the same number spelled twice.
    rows = [{**BASE, "order_number": "B-2"}, BASE, {**BASE, "order_number": "#b-2"}]
    problems = problems_of(write(tmp_path, "orders.csv", csv_text(rows)))
    assert problems == ["4: order B-2 also appears at line 2"]


def test_csv_bad_order_number(tmp_path: Path) -> None:
    rows = [BASE, {**BASE, "order_number": "A 1/2"}]
    problems = problems_of(write(tmp_path, "orders.csv", csv_text(rows)))
    assert problems == ["3: number: Value error, order numbers are 1-40 letters, digits or hyphens"]


def test_csv_missing_columns(tmp_path: Path) -> None:
    text = "order_number,email\nA-1,ana@example.com\n"
    problems = problems_of(write(tmp_path, "orders.csv", text))
    assert problems == ["1: missing column(s) placed_date"]


def test_csv_unknown_columns(tmp_path: Path) -> None:
    columns = [*CSV_COLUMNS, "colour", "size"]
    problems = problems_of(write(tmp_path, "orders.csv", csv_text([BASE], columns)))
    assert problems == ["1: unknown column(s) colour, size"]


def test_csv_missing_and_unknown_columns_together(tmp_path: Path) -> None:
    text = "order_number,Status,placed_date,email\nA-1,shipped,2024-05-01,ana@example.com\n"
    problems = problems_of(write(tmp_path, "orders.csv", text))
    assert problems == ["1: unknown column(s) Status"]


def test_empty_csv_file(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, "orders.csv", ""))
    assert problems == ["1: missing column(s) order_number, placed_date"]


def test_non_utf8_file(tmp_path: Path) -> None:
    text = csv_text([{**BASE, "first_name": "Zoé"}])
    path = tmp_path / "orders.csv"
    data = text.encode("latin-1")
    path.write_bytes(data)
    offset = data.index("é".encode("latin-1"))
    assert problems_of(path) == [f"2: the file is not UTF-8 (byte {offset})"]


def test_non_utf8_file_names_the_line_of_the_bad_byte(tmp_path: Path) -> None:
    text = csv_text([BASE, {**BASE, "order_number": "B-2", "first_name": "Zoé"}])
    path = tmp_path / "orders.csv"
    path.write_bytes(text.encode("latin-1"))
    assert lines_of(problems_of(path)) == [3]


@pytest.mark.parametrize(
    ("column", "first", "later"),
    [
        ("status", "shipped", "delivered"),
        ("placed_date", "2024-05-01", "2024-05-02"),
        ("email", "ana@example.com", "bo@example.com"),
    ],
)
def test_csv_conflicting_order_columns(tmp_path: Path, column: str, first: str, later: str) -> None:
    rows = [
        {**BASE, column: first, "item_name": "Lamp"},  # line 2
        {**BASE, "order_number": "B-2"},  # line 3
        {**BASE, column: first, "item_name": "Bulb"},  # line 4: agrees
        {**BASE, column: later, "item_name": "Shade"},  # line 5: disagrees
    ]
    problems = problems_of(write(tmp_path, "orders.csv", csv_text(rows)))
    assert problems == [f"5: {column} differs from the order's first row (line 2)"]


def test_csv_later_rows_may_leave_order_columns_blank(tmp_path: Path) -> None:
    rows = [
        {**BASE, "carrier": "UPS", "first_name": "Ana", "item_name": "Lamp"},
        {"order_number": "A-1001", "item_name": "Bulb"},
    ]
    (record,) = read_orders(write(tmp_path, "orders.csv", csv_text(rows)))
    assert record.shipments[0].carrier == "UPS"
    assert record.customer.first_name == "Ana"
    assert record.status is OrderStatus.SHIPPED
    assert [i.name for i in record.items] == ["Lamp", "Bulb"]


def test_csv_value_only_on_a_later_row_is_not_silently_dropped(tmp_path: Path) -> None:
    rows = [
        {**BASE, "item_name": "Lamp"},
        {**BASE, "carrier": "UPS", "tracking_number": "1Z999", "item_name": "Bulb"},
    ]
    # An order column left empty on the first row is filled from a later one (a value that
    # differs from an earlier row's is an error, see above).
    records = read_orders(write(tmp_path, "orders.csv", csv_text(rows)))
    assert [(r.shipments[0].carrier, r.shipments[0].tracking_number) for r in records] == [
        ("UPS", "1Z999")
    ]
    assert [i.name for i in records[0].items] == ["Lamp", "Bulb"]


def test_csv_bad_identity_is_reported_on_its_own_row(tmp_path: Path) -> None:
    rows = [
        {**BASE, "channel": "TELEGRAM", "user_id": "1", "item_name": "Lamp"},  # line 2
        {**BASE, "channel": "WHATSAPP", "item_name": "Bulb"},  # line 3: no user_id
    ]
    problems = problems_of(write(tmp_path, "orders.csv", csv_text(rows)))
    assert len(problems) == 1
    assert problems[0].startswith("3: customer.identities.1.user_id: ")


def test_csv_row_with_more_cells_than_the_header_is_reported(tmp_path: Path) -> None:
    text = (
        "order_number,status,placed_date,email,item_name\n"
        "A-1,shipped,2024-05-01,ana@example.com,Lamp\n"
        "B-2,shipped,2024-05-01,ana@example.com,Lamp, blue\n"
    )
    assert lines_of(problems_of(write(tmp_path, "orders.csv", text))) == [3]


@pytest.mark.parametrize("name", ["Lamp\u2028shade", "Lamp\nshade", "Lamp\x85shade"])
def test_csv_field_with_a_line_separator_inside_is_kept(tmp_path: Path, name: str) -> None:
    rows = [{**BASE, "item_name": name}, {**BASE, "order_number": "B-2", "item_name": "Chair"}]
    path = tmp_path / "orders.csv"
    path.write_bytes(csv_text(rows).encode("utf-8"))
    records = read_orders(path)
    assert [(r.number, [i.name for i in r.items]) for r in records] == [
        ("A-1001", [name]),
        ("B-2", ["Chair"]),
    ]


# --- JSON --------------------------------------------------------------------------------------


def test_json_good_file(tmp_path: Path) -> None:
    data = [
        {
            "number": "#a-1001",
            "status": "out_for_delivery",
            "placed_date": "2024-05-01",
            "currency": "GBP",
            "total": "12.50",
            "customer": {
                "email": "Ana@Example.com",
                "first_name": "Ana",
                "identities": [
                    {"channel": "telegram", "user_id": "51342", "user_name": "anas"},
                    {"channel": "WEB", "user_id": "u-9"},
                ],
            },
            "carrier": "Royal Mail",
            "expected_date": "2024-05-03",
            "items": [
                {"name": "Lamp", "quantity": 2, "image_url": "https://img.example.com/l.png"},
                {"name": "Bulb"},
            ],
        },
        {
            "number": "B-2",
            "status": "placed",
            "placed_date": "2024-05-02",
            "customer": {"identities": [{"channel": "sms", "user_id": "+100"}]},
        },
    ]
    path = write(tmp_path, "orders.json", json.dumps(data, indent=2))
    first, second = read_orders(path)

    assert first.number == "A-1001"
    assert first.status is OrderStatus.OUT_FOR_DELIVERY
    assert first.currency == "GBP"
    assert first.total == Decimal("12.50")
    assert first.shipments[0].carrier == "Royal Mail"
    assert first.shipments[0].expected_date == dt.date(2024, 5, 3)
    assert first.customer.email == "ana@example.com"
    assert first.customer.first_name == "Ana"
    assert [(i.channel, i.user_id, i.user_name) for i in first.customer.identities] == [
        ("TELEGRAM", "51342", "anas"),
        ("WEB", "u-9", None),
    ]
    assert [(i.name, i.quantity) for i in first.items] == [("Lamp", 2), ("Bulb", 1)]
    assert str(first.items[0].image_url) == "https://img.example.com/l.png"

    assert second.number == "B-2"
    assert second.currency == "USD"
    assert second.customer.email is None
    assert [(i.channel, i.user_id) for i in second.customer.identities] == [("SMS", "+100")]
    assert second.items == []


def test_json_empty_array(tmp_path: Path) -> None:
    assert read_orders(write(tmp_path, "orders.json", " \n[ ]\n")) == []


BAD_JSON = """\
[
  {"number": "A-1", "status": "shipped", "placed_date": "2024-05-01",
   "customer": {"email": "ana@example.com"}},

  {
    "number": "B-2",
    "status": "lost",
    "placed_date": "2024-05-01",
    "customer": {"email": "ana@example.com"},
    "items": [{"name": "Lamp"}, {"name": "Bulb", "quantity": 0}]
  },
  {"number": "C-3", "status": "shipped", "placed_date": "2024-05-01",
   "customer": {"email": "bo@example"}, "currency": "QQQ"}
]
"""


def test_json_bad_elements_are_reported_on_the_line_they_start(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, "orders.json", BAD_JSON))
    assert lines_of(problems) == [5, 5, 12, 12]
    assert problems[0].startswith("5: status: ")
    assert problems[1].startswith("5: items.1.quantity: ")
    assert sorted(problems[2:]) == [
        "12: currency: Value error, not an ISO 4217 currency code",
        "12: customer.email: Value error, not an e-mail address",
    ]


def test_json_line_numbers_after_leading_blank_lines(tmp_path: Path) -> None:
    text = "\n\n[" + json.dumps(order_json()) + ",\n" + json.dumps(order_json("B-2", status="x"))
    text += "\n]"
    problems = problems_of(write(tmp_path, "orders.json", text))
    assert lines_of(problems) == [4]


def test_json_duplicate_order_numbers(tmp_path: Path) -> None:
    elements = [order_json("A-1"), order_json("B-2"), order_json("#a-1"), order_json("B-2")]
    text = "[\n" + ",\n".join(json.dumps(e) for e in elements) + "\n]\n"
    problems = problems_of(write(tmp_path, "orders.json", text))
    assert problems == [
        "4: order A-1 also appears at line 2",
        "5: order B-2 also appears at line 3",
    ]


def test_json_element_that_is_not_an_object(tmp_path: Path) -> None:
    text = "[\n" + json.dumps(order_json()) + ',\n"B-2"\n]'
    problems = problems_of(write(tmp_path, "orders.json", text))
    assert lines_of(problems) == [3]
    assert problems[0].startswith("3: (row): ")


def test_json_unknown_field(tmp_path: Path) -> None:
    text = "[\n" + json.dumps(order_json(colour="red")) + "\n]"
    problems = problems_of(write(tmp_path, "orders.json", text))
    assert problems == ["2: colour: Extra inputs are not permitted"]


def test_json_syntax_error_line(tmp_path: Path) -> None:
    text = '[\n  {"number": "A-1",\n   "status" "shipped"}\n]\n'
    problems = problems_of(write(tmp_path, "orders.json", text))
    assert problems == ["3: not valid JSON: Expecting ':' delimiter"]


@pytest.mark.parametrize(("text", "line"), [("", 1), ('{"number": "A-1"}', 1), ("  \n null", 2)])
def test_json_must_be_an_array(tmp_path: Path, text: str, line: int) -> None:
    problems = problems_of(write(tmp_path, "orders.json", text))
    assert problems == [f"{line}: a JSON file must hold an array of orders"]


def test_json_array_not_closed(tmp_path: Path) -> None:
    text = "[\n" + json.dumps(order_json()) + ",\n\n"
    problems = problems_of(write(tmp_path, "orders.json", text))
    assert problems == ["4: the array is not closed"]


def test_json_content_after_the_array_is_reported(tmp_path: Path) -> None:
    text = json.dumps([order_json("A-1")]) + "\n" + json.dumps([order_json("B-2")]) + "\n"
    path = write(tmp_path, "orders.json", text)
    assert lines_of(problems_of(path)) == [2]


# --- JSON Lines --------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["jsonl", "ndjson", "JSONL"])
def test_jsonl_good_file(tmp_path: Path, suffix: str) -> None:
    lines = [
        json.dumps(order_json("A-1", customer={"email": "ana@example.com", "last_name": "Silva"})),
        "",
        json.dumps(
            order_json(
                "B-2",
                status="delayed",
                customer={"identities": [{"channel": "telegram", "user_id": "7"}]},
                items=[{"name": "Chair", "quantity": 4}, {"name": "Table"}],
            )
        ),
    ]
    records = read_orders(write(tmp_path, f"orders.{suffix}", "\n".join(lines) + "\n"))
    assert [r.number for r in records] == ["A-1", "B-2"]
    assert records[0].customer.last_name == "Silva"
    assert records[0].customer.email == "ana@example.com"
    assert records[1].status is OrderStatus.DELAYED
    assert [(i.channel, i.user_id) for i in records[1].customer.identities] == [("TELEGRAM", "7")]
    assert [(i.name, i.quantity) for i in records[1].items] == [("Chair", 4), ("Table", 1)]


def test_jsonl_broken_lines_are_reported_by_line(tmp_path: Path) -> None:
    lines = [
        json.dumps(order_json("A-1")),
        "",
        '{"number": "B-2", "status": ',
        json.dumps(order_json("C-3")),
        "{'number': 'D-4'}",
    ]
    problems = problems_of(write(tmp_path, "orders.jsonl", "\n".join(lines) + "\n"))
    assert problems == [
        "3: not valid JSON: Expecting value",
        "5: not valid JSON: Expecting property name enclosed in double quotes",
    ]


def test_jsonl_bad_records_are_reported_by_line(tmp_path: Path) -> None:
    lines = [
        json.dumps(order_json("A-1")),
        json.dumps(order_json("B-2", items=[{"name": "Lamp", "quantity": "many"}])),
        "",
        json.dumps(order_json("C-3", placed_date="2024-02-30")),
        json.dumps(order_json("a-1")),
    ]
    problems = problems_of(write(tmp_path, "orders.jsonl", "\n".join(lines)))
    assert lines_of(problems) == [2, 4, 5]
    assert problems[0].startswith("2: items.0.quantity: ")
    assert problems[1].startswith("4: placed_date: ")
    assert problems[2] == "5: order A-1 also appears at line 1"


def test_jsonl_with_crlf_line_endings(tmp_path: Path) -> None:
    lines = [json.dumps(order_json("A-1")), json.dumps(order_json("B-2", status="gone"))]
    problems = problems_of(write(tmp_path, "orders.jsonl", "\r\n".join(lines) + "\r\n"))
    assert lines_of(problems) == [2]


def test_jsonl_line_separator_inside_a_string_is_valid(tmp_path: Path) -> None:
    lines = [
        json.dumps(order_json("A-1", items=[{"name": "Lamp\u2028shade"}]), ensure_ascii=False),
        json.dumps(order_json("B-2")),
    ]
    records = read_orders(write(tmp_path, "orders.jsonl", "\n".join(lines) + "\n"))
    assert [r.number for r in records] == ["A-1", "B-2"]
    assert records[0].items[0].name == "Lamp\u2028shade"


def test_jsonl_reports_broken_and_invalid_lines_together(tmp_path: Path) -> None:
    lines = [
        json.dumps(order_json("A-1")),
        "{broken",
        json.dumps(order_json("C-3", status="lost")),
    ]
    problems = problems_of(write(tmp_path, "orders.jsonl", "\n".join(lines) + "\n"))
    assert lines_of(problems) == [2, 3]


def test_csv_rows_name_their_parcels(tmp_path: Path) -> None:
    """Rows with another tracking number are another parcel, each holding its rows' items."""
    text = (
        "order_number,placed_date,email,parcel,carrier,tracking_number,shipment_status,"
        "shipment_updated_at,expected_date,delivered_date,item_name,item_quantity\n"
        "556677,2026-11-20,ana@example.com,1,CTT,CT1,delivered,,2026-11-25,2026-11-24,Shirt,1\n"
        "556677,,,2,DHL,JJD9,in_transit,2026-12-01T10:00:00Z,2026-12-09,,Hat,1\n"
        "556677,,,2,,,,,,,Sandals,2\n"
    )
    [record] = read_orders(write(tmp_path, "orders.csv", text))
    order = record.to_order()
    assert order.status is OrderStatus.PARTLY_DELIVERED
    assert [(s.carrier, s.tracking_number, s.state.value) for s in order.shipments] == [
        ("CTT", "CT1", "delivered"),
        ("DHL", "JJD9", "in_transit"),
    ]
    assert [[(i.name, i.quantity) for i in s.items] for s in order.shipments] == [
        [("Shirt", 1)],
        [("Hat", 1), ("Sandals", 2)],
    ]
    assert order.shipments[1].updated_at == dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC)
    assert [i.name for i in order.items] == ["Shirt", "Hat", "Sandals"]


def test_csv_parcel_columns_must_agree_within_a_parcel(tmp_path: Path) -> None:
    text = (
        "order_number,placed_date,email,parcel,carrier,item_name\n"
        "556677,2026-11-20,ana@example.com,1,CTT,Shirt\n"
        "556677,,,1,DHL,Hat\n"
    )
    with pytest.raises(ImportFailed) as failed:
        read_orders(write(tmp_path, "orders.csv", text))
    assert failed.value.problems == ["3: carrier differs from the parcel's first row (line 2)"]


def test_json_nested_shipments_and_flat_fields_both_load(tmp_path: Path) -> None:
    nested = {
        "number": "556677",
        "placed_date": "2026-11-20",
        "customer": {"email": "ana@example.com"},
        "shipments": [
            {
                "carrier": "CTT",
                "tracking_number": "CT1",
                "tracking_url": "https://track.example.com/CT1",
                "status": "delivered",
                "expected_date": "2026-11-25",
                "delivered_date": "2026-11-24",
                "items": [{"name": "Shirt", "quantity": 1}],
            },
            {"carrier": "DHL", "status": "exception", "items": [{"name": "Hat"}]},
        ],
    }
    flat = {
        "number": "556678",
        "status": "shipped",
        "placed_date": "2026-11-20",
        "customer": {"email": "ana@example.com"},
        "carrier": "UPS",
        "tracking_number": "1Z9",
    }
    both = {**flat, "number": "556679", "shipments": [{"carrier": "DHL"}]}
    first, second = read_orders(write(tmp_path, "orders.json", json.dumps([nested, flat])))
    assert [s.carrier for s in first.to_order().shipments] == ["CTT", "DHL"]
    assert first.to_order().status is OrderStatus.PARTLY_DELIVERED
    assert [(s.carrier, s.tracking_number) for s in second.to_order().shipments] == [("UPS", "1Z9")]
    with pytest.raises(ImportFailed) as failed:
        read_orders(write(tmp_path, "both.json", json.dumps([both])))
    assert "not both" in failed.value.problems[0]


# --- a guest's second factors: the order's postcode and phone ----------------------------------


def test_csv_postcode_and_phone_columns(tmp_path: Path) -> None:
    rows = [
        {**BASE, "postcode": " 1100-148 ", "phone": "+351 912 345 678", "item_name": "Lamp"},
        {**BASE, "postcode": "1100-148", "item_name": "Bulb"},  # repeated, or left blank
        {**BASE, "order_number": "B-2", "item_name": "Chair"},  # neither
    ]
    first, second = read_orders(write(tmp_path, "orders.csv", csv_text(rows)))
    assert (first.postcode, first.phone) == ("1100-148", "+351 912 345 678")
    assert (second.postcode, second.phone) == (None, None)


def test_csv_postcode_that_differs_between_rows(tmp_path: Path) -> None:
    rows = [
        {**BASE, "postcode": "10115", "item_name": "Lamp"},
        {**BASE, "postcode": "10117", "item_name": "Bulb"},
    ]
    problems = problems_of(write(tmp_path, "orders.csv", csv_text(rows)))
    assert problems == ["3: postcode differs from the order's first row (line 2)"]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("postcode", "1"),
        ("postcode", "12345678901"),
        ("postcode", "SW1A 1AA!"),
        ("postcode", "-10115"),
        ("postcode", "١٠١١٥"),  # digits, but not the ASCII ones postcodes are written in
        ("phone", "12345"),
        ("phone", "+49 30 1234 ext. 5"),
        ("phone", "call me"),
        ("phone", "1" * 18),
    ],
)
def test_csv_bad_postcode_or_phone(tmp_path: Path, column: str, value: str) -> None:
    rows = [{**BASE, "item_name": "Lamp"}, {**BASE, "order_number": "B-2", column: value}]
    problems = problems_of(write(tmp_path, "orders.csv", csv_text(rows)))
    assert len(problems) == 1
    assert problems[0].startswith(f"3: {column}: ")


def test_json_postcode_and_phone(tmp_path: Path) -> None:
    data = [order_json(postcode="SW1A 1AA", phone="(0)20 7946 0958"), order_json("B-2")]
    first, second = read_orders(write(tmp_path, "orders.json", json.dumps(data)))
    assert (first.postcode, first.phone) == ("SW1A 1AA", "(0)20 7946 0958")
    assert (second.postcode, second.phone) == (None, None)
    bad = [order_json(postcode=10115)]  # a number, not text: its leading zeros could be lost
    assert problems_of(write(tmp_path, "bad.json", json.dumps(bad)))[0].startswith("1: postcode: ")
