"""What the playground shows: replies as plain data, and every reply a locale can give."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from fulfillment.domain import (
    Factor,
    Item,
    Order,
    OrderStatus,
    Shipment,
    ShipmentStatus,
    derived_status,
)
from fulfillment.extraction.extractor import Extraction
from fulfillment.handlers.order_status import order_lines, order_messages
from fulfillment.handlers.parcels import TroublePolicy
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
        shipments=(shipment,) if shipment else (),
        items=(
            Item("Cotton kurta, indigo", 1, f"{_IMAGES}/kurta-indigo.jpg"),
            Item("Leather sandals", 2, f"{_IMAGES}/sandals.jpg"),
        ),
    )


# The day the sample replies are told on, so that late and stale read the same every day.
SAMPLE_TODAY = dt.date(2026, 11, 28)
SAMPLE_POLICY = TroublePolicy(late_after_days=2, stale_after_days=5)
_KURTA = Item("Cotton kurta, indigo", 1, f"{_IMAGES}/kurta-indigo.jpg")
_SANDALS = Item("Leather sandals", 2, f"{_IMAGES}/sandals.jpg")


def _parcel(state: ShipmentStatus, *items: Item, **fields: Any) -> Shipment:
    carrier, number = ("DHL", "JJD0099887766") if _SANDALS in items else ("Blue Dart", "BD1")
    return Shipment(
        carrier=carrier,
        tracking_number=number,
        tracking_url=f"https://track.example.com/{number}",
        status=state,
        items=items,
        **fields,
    )


def parcel_samples() -> list[tuple[str, str, Order]]:
    """Orders in parcels, in trouble or not, keyed by the reply each shows."""
    delivered = _parcel(
        ShipmentStatus.DELIVERED,
        _KURTA,
        expected_date=dt.date(2026, 11, 27),
        delivered_date=dt.date(2026, 11, 26),
    )
    base = sample_order(OrderStatus.SHIPPED, "556677")

    def order(*parcels: Shipment) -> Order:
        status = derived_status(parcels, OrderStatus.SHIPPED)
        return Order(base.number, status, base.placed_date, base.currency, base.total, parcels)

    dates = {
        ShipmentStatus.IN_TRANSIT: {"expected_date": dt.date(2026, 12, 1)},
        ShipmentStatus.DELIVERED: {"delivered_date": dt.date(2026, 11, 27)},
    }
    samples = [
        (
            f"parcel_{state.value}",
            f"two parcels, the second {state.value.replace('_', ' ')}",
            order(delivered, _parcel(state, _SANDALS, **dates.get(state, {}))),
        )
        for state in ShipmentStatus
    ]
    late = {"expected_date": dt.date(2026, 11, 24)}
    stale = {
        "expected_date": dt.date(2026, 11, 30),
        "updated_at": dt.datetime(2026, 11, 18, 9, tzinfo=dt.UTC),
    }
    samples += [
        (
            "parcel_late",
            "two parcels, the second late",
            order(delivered, _parcel(ShipmentStatus.IN_TRANSIT, _SANDALS, **late)),
        ),
        (
            "parcel_stale",
            "two parcels, no tracking news of the second",
            order(delivered, _parcel(ShipmentStatus.IN_TRANSIT, _SANDALS, **stale)),
        ),
        (
            "order_late",
            "one parcel, late",
            order(_parcel(ShipmentStatus.IN_TRANSIT, _KURTA, **late)),
        ),
        (
            "order_stale",
            "one parcel, no tracking news",
            order(_parcel(ShipmentStatus.IN_TRANSIT, _KURTA, **stale)),
        ),
        (
            "order_exception",
            "one parcel, a problem at the carrier",
            order(_parcel(ShipmentStatus.EXCEPTION, _KURTA)),
        ),
        (
            "order_delivery_failed",
            "one parcel, delivery attempt failed",
            order(_parcel(ShipmentStatus.DELIVERY_FAILED, _KURTA)),
        ),
        (
            "order_returned_to_sender",
            "one parcel, returned to sender",
            order(_parcel(ShipmentStatus.RETURNED, _KURTA)),
        ),
        (
            "handover_offer",
            "a person offered: two parcels, one delivery failed",
            order(delivered, _parcel(ShipmentStatus.DELIVERY_FAILED, _SANDALS)),
        ),
    ]
    return samples


def _told(order: Order, book: Phrasebook, response_type: ResponseType) -> tuple[Message, ...]:
    messages, _ = order_messages(order, book, response_type, SAMPLE_TODAY, SAMPLE_POLICY)
    return messages


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
            _told(sample_order(status), book, response_type),
        )
    for key, label, order in parcel_samples():
        row(key, label, _told(order, book, response_type))
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
        + _told(open_order, book, response_type),
    )
    several = [sample_order(OrderStatus.SHIPPED), sample_order(OrderStatus.PROCESSING, "748597")]
    summaries = order_lines(several, book)
    asked = _text(book.reply("which_order", {"orders": summaries, "first_name": first_name}))
    if response_type is not ResponseType.TEXT:
        asked += (SuggestionsMessage(tuple(order.number for order in several)),)
    row("which_order", "list of open orders", asked)
    for factor, label in (
        (Factor.EMAIL, "a guest is asked for the e-mail address"),
        (Factor.POSTCODE, "a guest is asked for the postcode"),
        (Factor.PHONE_LAST4, "a guest is asked for the phone number's last 4 digits"),
    ):
        key = f"verify_{factor.value}"
        row(key, label, _text(book.reply(key, {"order_id": "748596"})))
    row(
        "no_order_ending",
        "no order ending in the digits given",
        _text(book.reply("no_order_ending", {"digits": "8596"})),
    )
    ending = _text(book.reply("which_order_ending", {"digits": "8596", "orders": summaries}))
    if response_type is not ResponseType.TEXT:
        ending += (SuggestionsMessage(tuple(order.number for order in several)),)
    row("which_order_ending", "several orders ending in the digits given", ending)
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
