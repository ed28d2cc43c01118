"""Reading a shop's orders from JSON, JSON Lines or CSV, all validated before any is stored."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from fulfillment.store.records import OrderRecord

# One CSV row per item; the order's own columns repeat on each of its rows.
CSV_ORDER_COLUMNS = {
    "order_number": ("number",),
    "status": ("status",),
    "placed_date": ("placed_date",),
    "currency": ("currency",),
    "total": ("total",),
    "email": ("customer", "email"),
    "first_name": ("customer", "first_name"),
    "last_name": ("customer", "last_name"),
    "carrier": ("carrier",),
    "tracking_number": ("tracking_number",),
    "tracking_url": ("tracking_url",),
    "expected_date": ("expected_date",),
    "delivered_date": ("delivered_date",),
}
CSV_IDENTITY_COLUMNS = ("channel", "user_id", "user_name")
CSV_ITEM_COLUMNS = {"item_name": "name", "item_quantity": "quantity", "item_image_url": "image_url"}
CSV_COLUMNS = (*CSV_ORDER_COLUMNS, *CSV_IDENTITY_COLUMNS, *CSV_ITEM_COLUMNS)


class ImportFailed(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class _Entry:
    line: int
    data: dict[str, Any]
    item_lines: list[int] = field(default_factory=list)


def _validate(entries: list[_Entry]) -> list[OrderRecord]:
    records: list[OrderRecord] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for entry in entries:
        try:
            record = OrderRecord.model_validate(entry.data)
        except ValidationError as exc:
            for err in exc.errors(include_url=False, include_input=False):
                loc = err["loc"]
                line = entry.line
                # Point at the row of the item that is wrong, when the file has one per item.
                if len(loc) > 1 and loc[0] == "items" and isinstance(loc[1], int):
                    line = entry.item_lines[loc[1]] if entry.item_lines else line
                where = ".".join(str(part) for part in loc) or "(row)"
                problems.append(f"{line}: {where}: {err['msg']}")
            continue
        if record.number in seen:
            problems.append(
                f"{entry.line}: order {record.number} also appears at line {seen[record.number]}"
            )
            continue
        seen[record.number] = entry.line
        records.append(record)
    if problems:
        raise ImportFailed(problems)
    return records


def _json_array(text: str) -> Iterator[tuple[int, Any]]:
    """Each element of a top-level JSON array with the line it starts on."""
    decoder = json.JSONDecoder()
    index = len(text) - len(text.lstrip())
    if not text.startswith("[", index):
        raise ImportFailed(["1: a JSON file must hold an array of orders"])
    index += 1
    while True:
        while index < len(text) and text[index] in " \t\r\n,":
            index += 1
        if index >= len(text):
            raise ImportFailed([f"{text.count(chr(10), 0, index) + 1}: the array is not closed"])
        if text[index] == "]":
            return
        line = text.count("\n", 0, index) + 1
        try:
            value, index = decoder.raw_decode(text, index)
        except json.JSONDecodeError as exc:
            raise ImportFailed([f"{exc.lineno}: not valid JSON: {exc.msg}"]) from None
        yield line, value


def _json_lines(text: str) -> Iterator[tuple[int, Any]]:
    problems = []
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            yield line, json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append(f"{line}: not valid JSON: {exc.msg}")
    if problems:
        raise ImportFailed(problems)


def _csv_entries(text: str) -> list[_Entry]:
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    missing = [c for c in ("order_number", "status", "placed_date") if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if missing or unknown:
        problems = [f"1: missing column(s) {', '.join(missing)}"] if missing else []
        if unknown:
            problems.append(f"1: unknown column(s) {', '.join(unknown)}")
        raise ImportFailed(problems)
    entries: dict[str, _Entry] = {}
    problems = []
    for row in reader:
        line = reader.line_num
        cells = {k: (v or "").strip() for k, v in row.items() if k is not None}
        number = cells.get("order_number", "")
        entry = entries.get(number)
        if entry is None:
            data: dict[str, Any] = {"customer": {"identities": []}, "items": []}
            for column, target in CSV_ORDER_COLUMNS.items():
                if cells.get(column):
                    (data["customer"] if target[0] == "customer" else data)[target[-1]] = cells[
                        column
                    ]
            entry = entries[number] = _Entry(line, data)
        else:
            for column, target in CSV_ORDER_COLUMNS.items():
                holder = entry.data["customer"] if target[0] == "customer" else entry.data
                if cells.get(column) and cells[column] != holder.get(target[-1], cells[column]):
                    problems.append(
                        f"{line}: {column} differs from the order's first row (line {entry.line})"
                    )
        identity = {k: cells[k] for k in CSV_IDENTITY_COLUMNS if cells.get(k)}
        if identity and identity not in entry.data["customer"]["identities"]:
            entry.data["customer"]["identities"].append(identity)
        item = {target: cells[c] for c, target in CSV_ITEM_COLUMNS.items() if cells.get(c)}
        if item:
            entry.data["items"].append(item)
            entry.item_lines.append(line)
    if problems:
        raise ImportFailed(problems)
    return list(entries.values())


def read_orders(path: Path, file_format: str | None = None) -> list[OrderRecord]:
    """Every order in the file, or ImportFailed listing every bad line."""
    file_format = file_format or path.suffix.lstrip(".").lower()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed([f"1: the file is not UTF-8 (byte {exc.start})"]) from None
    if file_format == "csv":
        entries = _csv_entries(text)
    elif file_format in ("json", "jsonl", "ndjson"):
        reader = _json_array if file_format == "json" else _json_lines
        entries = [_Entry(line, value) for line, value in reader(text)]
    else:
        raise ImportFailed([f"1: unknown format {file_format!r}; use json, jsonl or csv"])
    return _validate(entries)
