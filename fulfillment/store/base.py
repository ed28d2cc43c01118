"""The order model every backend returns, and the interface every backend implements."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol


class BackendError(Exception):
    """The order backend failed; its message never carries customer data."""


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


@dataclass(frozen=True, slots=True)
class Identity:
    channel: str
    user_id: str
    user_name: str | None = None


@dataclass(frozen=True, slots=True)
class CustomerSummary:
    """A customer as the playground's picker shows them: who, where, and a few order numbers."""

    first_name: str | None
    last_name: str | None
    email: str | None
    identities: tuple[Identity, ...]
    orders: tuple[str, ...]


def customer_summaries(
    customers: Sequence[Sequence[Any]],
    identities: Sequence[Sequence[Any]],
    orders: Sequence[Sequence[Any]],
    orders_each: int = 5,
) -> list[CustomerSummary]:
    """Rows (id, first, last, email), (customer id, channel, user id, user name) and
    (customer id, number), as the SQL stores read them, joined into summaries."""
    known: dict[Any, list[Identity]] = {}
    for customer_id, channel, user_id, user_name in identities:
        known.setdefault(customer_id, []).append(Identity(channel, user_id, user_name))
    numbers: dict[Any, list[str]] = {}
    for customer_id, number in orders:
        numbers.setdefault(customer_id, []).append(str(number))
    return [
        CustomerSummary(
            first, last, email, tuple(known.get(id_, [])), tuple(numbers.get(id_, [])[:orders_each])
        )
        for id_, first, last, email in customers
    ]


def normalize_order_number(raw: str) -> str:
    """The form order numbers are stored and compared in: no '#', no spaces, upper case."""
    return raw.strip().lstrip("#").strip().upper()


class OrderStore(Protocol):
    # True when lookups wait on the network (a timer guards them); False for in-process stores.
    remote: bool

    async def find_order(self, number: str, asker: Asker) -> Order | None:
        """The order with this number if it belongs to the asker, else None.

        An order that exists but belongs to someone else is indistinguishable from
        one that does not exist, by design.
        """
        ...

    async def open_orders(self, asker: Asker, limit: int) -> list[Order]:
        """The asker's orders still on their way, most recently placed first."""
        ...

    async def open(self) -> None:
        """Connect (pools, clients); called once at start-up."""
        ...

    async def ping(self) -> bool:
        """True when the backend answers."""
        ...

    async def close(self) -> None: ...


class CustomerDirectory(Protocol):
    """Stores that can list their customers (the embedded and PostgreSQL stores)."""

    async def customers(self, limit: int) -> list[CustomerSummary]:
        """Customers in a stable order, each with up to 5 of their latest order numbers."""
        ...
