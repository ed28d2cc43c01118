"""Reading a shop's orders from JSON, JSON Lines or CSV, all validated before any is stored."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from fulfillment.store.records import OrderRecord

# One CSV row per item; the order's own columns repeat on each of its rows (or stay blank
# after the first). The shipment columns say which parcel the row's item is in: rows with
# the same `parcel` (else the same tracking number, else carrier) are one parcel.
CSV_ORDER_COLUMNS = {
    "order_number": ("number",),
    "status": ("status",),
    "placed_date": ("placed_date",),
    "currency": ("currency",),
    "total": ("total",),
    "email": ("customer", "email"),
    "first_name": ("customer", "first_name"),
    "last_name": ("customer", "last_name"),
    # The order's own delivery postcode and phone number (a guest's second factors).
    "postcode": ("postcode",),
    "phone": ("phone",),
}
CSV_SHIPMENT_COLUMNS = {
    "carrier": "carrier",
    "tracking_number": "tracking_number",
    "tracking_url": "tracking_url",
    "expected_date": "expected_date",
    "delivered_date": "delivered_date",
    "shipment_status": "status",
    "shipment_updated_at": "updated_at",
}
CSV_IDENTITY_COLUMNS = ("channel", "user_id", "user_name")
CSV_ITEM_COLUMNS = {"item_name": "name", "item_quantity": "quantity", "item_image_url": "image_url"}
CSV_COLUMNS = (
    *CSV_ORDER_COLUMNS,
    "parcel",
    *CSV_SHIPMENT_COLUMNS,
    *CSV_IDENTITY_COLUMNS,
    *CSV_ITEM_COLUMNS,
)


class ImportFailed(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class _Entry:
    line: int
    data: Any
    # In CSV each item and identity has a row of its own; errors point at that row.
    row_lines: dict[str, list[int]] = field(default_factory=dict)

    def line_of(self, loc: tuple[int | str, ...]) -> int:
        if len(loc) > 1 and loc[0] == "items" and isinstance(loc[1], int):
            lines = self.row_lines.get("items", [])
            return lines[loc[1]] if loc[1] < len(lines) else self.line
        if len(loc) > 2 and loc[:2] == ("customer", "identities") and isinstance(loc[2], int):
            lines = self.row_lines.get("identities", [])
            return lines[loc[2]] if loc[2] < len(lines) else self.line
        return self.line


def _validate(entries: list[_Entry], problems: list[tuple[int, str]]) -> list[OrderRecord]:
    """Validate every entry; problems found while reading are reported with these, in order."""
    records: list[OrderRecord] = []
    seen: dict[str, int] = {}
    for entry in entries:
        try:
            record = OrderRecord.model_validate(entry.data)
        except ValidationError as exc:
            for err in exc.errors(include_url=False, include_input=False):
                where = ".".join(str(part) for part in err["loc"]) or "(row)"
                problems.append((entry.line_of(err["loc"]), f"{where}: {err['msg']}"))
            continue
        if record.number in seen:
            problems.append(
                (entry.line, f"order {record.number} also appears at line {seen[record.number]}")
            )
            continue
        seen[record.number] = entry.line
        records.append(record)
    if problems:
        problems.sort(key=lambda problem: problem[0])  # stable: same-line problems keep their order
        raise ImportFailed([f"{line}: {message}" for line, message in problems])
    return records


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _line_at(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _json_array(text: str) -> tuple[list[_Entry], list[tuple[int, str]]]:
    """Each element of a top-level JSON array, with the line it starts on."""
    decoder = json.JSONDecoder()
    index = len(text) - len(text.lstrip())
    if not text.startswith("[", index):
        return [], [(_line_at(text, index), "a JSON file must hold an array of orders")]
    index += 1
    entries: list[_Entry] = []
    while True:
        while index < len(text) and text[index] in " \t\r\n,":
            index += 1
        if index >= len(text):
            return entries, [(_line_at(text, index), "the array is not closed")]
        if text[index] == "]":
            break
        try:
            value, end = decoder.raw_decode(text, index)
        except json.JSONDecodeError as exc:
            return entries, [(exc.lineno, f"not valid JSON: {exc.msg}")]
        entries.append(_Entry(_line_at(text, index), value))
        index = end
    rest = index + 1 + len(text[index + 1 :]) - len(text[index + 1 :].lstrip())
    if rest < len(text):
        return entries, [(_line_at(text, rest), "unexpected content after the array")]
    return entries, []


def _json_lines(text: str) -> tuple[list[_Entry], list[tuple[int, str]]]:
    entries: list[_Entry] = []
    problems: list[tuple[int, str]] = []
    # Only \n ends a record: str.splitlines() would also split at U+2028 inside a string.
    for line, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            entries.append(_Entry(line, json.loads(raw)))
        except json.JSONDecodeError as exc:
            problems.append((line, f"not valid JSON: {exc.msg}"))
    return entries, problems


def _csv_entries(text: str) -> tuple[list[_Entry], list[tuple[int, str]]]:
    # newline="" lets the csv module keep line breaks that are quoted inside a field.
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    # Without a status column, each order's status is worked out from its parcels.
    missing = [c for c in ("order_number", "placed_date") if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if missing or unknown:
        problems = [(1, f"missing column(s) {', '.join(missing)}")] if missing else []
        if unknown:
            problems.append((1, f"unknown column(s) {', '.join(unknown)}"))
        return [], problems
    entries: dict[str, _Entry] = {}
    problems = []
    for row in reader:
        # line_num is where the row ended; a quoted field may span lines, blank rows are skipped.
        breaks = sum(len(_LINE_BREAK.findall(v)) for v in row.values() if isinstance(v, str))
        line = reader.line_num - breaks
        if None in row:
            problems.append((line, f"{len(row[None])} cell(s) more than the header has columns"))
        cells = {k: (v or "").strip() for k, v in row.items() if isinstance(k, str)}
        number = cells.get("order_number", "")
        entry = entries.get(number)
        if entry is None:
            data: dict[str, Any] = {"customer": {"identities": []}, "items": []}
            entry = entries[number] = _Entry(line, data, {"items": [], "identities": []})
        for column, target in CSV_ORDER_COLUMNS.items():
            holder = entry.data["customer"] if target[0] == "customer" else entry.data
            value = cells.get(column)
            if not value:
                continue
            if target[-1] not in holder:
                holder[target[-1]] = value
            elif holder[target[-1]] != value:
                problems.append(
                    (
                        line,
                        f"{column} differs from the order's first row (line {entry.line})",
                    )
                )
        item = {target: cells[c] for c, target in CSV_ITEM_COLUMNS.items() if cells.get(c)}
        _parcel_row(entry, cells, item, line, problems)
        identity = {k: cells[k] for k in CSV_IDENTITY_COLUMNS if cells.get(k)}
        if identity and identity not in entry.data["customer"]["identities"]:
            entry.data["customer"]["identities"].append(identity)
            entry.row_lines["identities"].append(line)
        if item:
            entry.data["items"].append(item)
            entry.row_lines["items"].append(line)
    for entry in entries.values():
        parcels = entry.data.pop("parcels", {})
        if len(parcels) == 1 and "parcel" not in header:
            # One parcel named only by its tracking columns, as files before parcels have
            # it: the whole order is in it.
            next(iter(parcels.values()))["items"] = []
        for parcel in parcels.values():
            del parcel["_line"]
        if parcels:
            entry.data["shipments"] = list(parcels.values())
    return list(entries.values()), problems


def _parcel_row(
    entry: _Entry,
    cells: dict[str, str],
    item: dict[str, str],
    line: int,
    problems: list[tuple[int, str]],
) -> None:
    """Put the row's shipment columns (and its item) in the parcel it names, if any."""
    fields = {target: cells[c] for c, target in CSV_SHIPMENT_COLUMNS.items() if cells.get(c)}
    key = cells.get("parcel") or fields.get("tracking_number") or fields.get("carrier")
    if not key and not fields:
        return
    # Shipment columns with nothing naming the parcel: the order's one unnamed parcel.
    key = key or ""
    parcels = entry.data.setdefault("parcels", {})
    parcel = parcels.setdefault(key, {"items": [], "_line": line})
    for name, value in fields.items():
        if parcel.setdefault(name, value) != value:
            column = next(c for c, target in CSV_SHIPMENT_COLUMNS.items() if target == name)
            problems.append(
                (line, f"{column} differs from the parcel's first row (line {parcel['_line']})")
            )
    if item.get("name"):
        parcel["items"].append({"name": item["name"], "quantity": item.get("quantity", "1")})


def read_orders(path: Path, file_format: str | None = None) -> list[OrderRecord]:
    """Every order in the file, or ImportFailed listing every bad line."""
    file_format = file_format or path.suffix.lstrip(".").lower()
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ImportFailed([f"{line}: the file is not UTF-8 (byte {exc.start})"]) from None
    if file_format == "csv":
        entries, problems = _csv_entries(text)
    elif file_format == "json":
        entries, problems = _json_array(text)
    elif file_format in ("jsonl", "ndjson"):
        entries, problems = _json_lines(text)
    else:
        raise ImportFailed([f"1: unknown format {file_format!r}; use json, jsonl or csv"])
    return _validate(entries, problems)
