"""What the playground shows: replies as plain data, and every reply a locale can give."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from fulfillment.domain import Item, Order, OrderStatus, Shipment
from fulfillment.extraction.extractor import Extraction
from fulfillment.handlers.order_status import order_messages, order_summary
from fulfillment.phrasing import Phrasebook
from fulfillment.reply import (
    CardMessage,
    MediaMessage,
    Message,
    SuggestionsMessage,
    TextMessage,
    fit_bubble,
)
from fulfillment.turn import ResponseType


def message_data(message: Message) -> dict[str, Any]:
    """A reply message as the page draws it: a bubble, a card, a media list or chips."""
    if isinstance(message, TextMessage):
        return {"kind": "text", "text": message.text}
    if isinstance(message, CardMessage):
        return {
            "kind": "card",
            "title": message.title,
            "subtitle": message.subtitle,
            "body": message.body,
            "image": {"url": message.image.url, "alt": message.image.alt}
            if message.image
            else None,
            "button": {"title": message.button.title, "url": message.button.url}
            if message.button
            else None,
        }
    if isinstance(message, MediaMessage):
        return {
            "kind": "media",
            "objects": [
                {
                    "name": obj.name,
                    "description": obj.description,
                    "url": obj.url,
                    "image": {"url": obj.image.url, "alt": obj.image.alt},
                }
                for obj in message.objects
            ],
        }
    assert isinstance(message, SuggestionsMessage)
    return {"kind": "suggestions", "chips": list(message.chips)}


def extraction_data(extraction: Extraction) -> dict[str, Any]:
    return {
        "text": extraction.text,
        "language": extraction.language,
        "orderIds": extraction.order_ids,
        "candidates": [
            {
                "start": c.start,
                "end": c.end,
                "text": c.text,
                "value": c.value,
                "format": c.format,
                "taken": c.taken,
                "reasons": list(c.reasons),
            }
            for c in sorted(extraction.candidates, key=lambda c: c.start)
        ],
    }


_IMAGES = "https://shop.example.com/images"


def sample_order(status: OrderStatus, number: str = "748596") -> Order:
    """A typical order in the given status: what every status reply is reviewed with."""
    placed = dt.date(2026, 11, 25)
    shipped = status not in {
        OrderStatus.PLACED,
        OrderStatus.PROCESSING,
        OrderStatus.ON_HOLD,
        OrderStatus.CANCELLED,
    }
    shipment = None
    if shipped:
        shipment = Shipment(
            carrier="Blue Dart",
            tracking_number="BD123456789IN",
            tracking_url="https://track.example.com/BD123456789IN",
            expected_date=dt.date(2026, 11, 30),
            delivered_date=dt.date(2026, 11, 29) if status is OrderStatus.DELIVERED else None,
        )
    return Order(
        number=number,
        status=status,
        placed_date=placed,
        currency="EUR",
        total=Decimal("74.90"),
        shipment=shipment,
        items=(
            Item("Cotton kurta, indigo", 1, f"{_IMAGES}/kurta-indigo.jpg"),
            Item("Leather sandals", 2, f"{_IMAGES}/sandals.jpg"),
        ),
    )


def _text(text: str) -> tuple[Message, ...]:
    return (TextMessage(fit_bubble(text)),)


def every_reply(book: Phrasebook, response_type: ResponseType) -> list[dict[str, Any]]:
    """Each reply the order-status handler can give, rendered for sample orders."""
    rows: list[dict[str, Any]] = []

    def row(key: str, label: str, messages: tuple[Message, ...]) -> None:
        rows.append({"key": key, "label": label, "messages": [message_data(m) for m in messages]})

    for status in OrderStatus:
        row(
            status.value,
            f"status: {status.value}",
            order_messages(sample_order(status), book, response_type),
        )
    first_name = "Ravi"
    row("not_found", "order not found", _text(book.reply("not_found", {"order_id": "123456"})))
    row(
        "ask_order_number",
        "asks for the order number",
        _text(book.reply("ask_order_number", {"first_name": first_name})),
    )
    open_order = sample_order(OrderStatus.SHIPPED)
    row(
        "only_open_order",
        "the only open order",
        _text(book.reply("only_open_order", {"order_id": open_order.number}))
        + order_messages(open_order, book, response_type),
    )
    several = [sample_order(OrderStatus.SHIPPED), sample_order(OrderStatus.PROCESSING, "748597")]
    summaries = book.join_list([order_summary(order, book) for order in several])
    asked = _text(book.reply("which_order", {"orders": summaries, "first_name": first_name}))
    if response_type is not ResponseType.TEXT:
        asked += (SuggestionsMessage(tuple(order.number for order in several)),)
    row("which_order", "list of open orders", asked)
    row(
        "backend_down",
        "order backend down",
        _text(book.reply("backend_down", {"order_id": "748596"})),
    )
    row(
        "too_many_lookups",
        "too many unknown numbers",
        _text(book.reply("too_many_lookups", {})),
    )
    return rows
