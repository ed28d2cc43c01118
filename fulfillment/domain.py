"""The domain model: who is asking, and orders as every layer sees them.

Adapters, handlers, the guard and every store import it; it imports nothing of ours, so a
store, a platform or the next feature can change without pulling the others along.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class OrderStatus(StrEnum):
    PLACED = "placed"
    PROCESSING = "processing"
    ON_HOLD = "on_hold"
    SHIPPED = "shipped"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELAYED = "delayed"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"
    REFUNDED = "refunded"

    @property
    def is_open(self) -> bool:
        """Still on its way to the customer: worth asking about without a number."""
        return self in OPEN_STATUSES


OPEN_STATUSES = frozenset(
    {
        OrderStatus.PLACED,
        OrderStatus.PROCESSING,
        OrderStatus.ON_HOLD,
        OrderStatus.SHIPPED,
        OrderStatus.OUT_FOR_DELIVERY,
        OrderStatus.DELAYED,
    }
)


@dataclass(frozen=True, slots=True)
class Asker:
    """Who is asking, as the platform told us. Lookups are scoped to this person."""

    uid: str
    channel: str | None = None
    user_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None

    @property
    def email(self) -> str | None:
        # The seed allows the e-mail address itself as the user's unique id.
        return self.uid.strip().lower() if "@" in self.uid else None


@dataclass(frozen=True, slots=True)
class Item:
    name: str
    quantity: int = 1
    image_url: str | None = None


@dataclass(frozen=True, slots=True)
class Shipment:
    carrier: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    expected_date: dt.date | None = None
    delivered_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Order:
    number: str
    status: OrderStatus
    placed_date: dt.date
    currency: str = "USD"
    total: Decimal | None = None
    shipment: Shipment | None = None
    items: tuple[Item, ...] = field(default_factory=tuple)

    @property
    def item_count(self) -> int:
        return sum(item.quantity for item in self.items)


# Every order number a store keeps has this form (after normalisation); anything else a
# platform sends as one (1e300 as 301 digits, a paragraph) is not repeated back to anyone.
ORDER_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,39}$")


def is_order_number(value: str) -> bool:
    """True when a normalised value could be an order number at all."""
    return ORDER_NUMBER.match(value) is not None


def normalize_order_number(raw: str) -> str:
    """The form order numbers are stored and compared in: no '#', no spaces, upper case."""
    return raw.strip().lstrip("#").strip().upper()
