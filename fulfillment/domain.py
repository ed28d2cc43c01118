"""The domain model: who is asking, and orders as every layer sees them.

Adapters, handlers, the guard and every store import it; it imports nothing of ours, so a
store, a platform or the next feature can change without pulling the others along.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple


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
    PARTLY_SHIPPED = "partly_shipped"  # some parcels sent, some not yet
    PARTLY_DELIVERED = "partly_delivered"  # some parcels delivered, some still coming

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
        OrderStatus.PARTLY_SHIPPED,
        OrderStatus.PARTLY_DELIVERED,
    }
)
# Statuses that end an order's story: parcels do not change them.
FINAL_STATUSES = frozenset(
    {OrderStatus.CANCELLED, OrderStatus.RETURNED, OrderStatus.REFUNDED, OrderStatus.ON_HOLD}
)


class Asker(NamedTuple):
    """Who is asking, as the platform told us. Lookups are scoped to this person.

    Immutable as a tuple, not as a frozen dataclass: one is made for every request, and a
    frozen dataclass's __init__ (each field set through object.__setattr__) cost twice as
    much. `._replace` makes a changed copy."""

    uid: str
    channel: str | None = None
    user_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    # Who says this is the asker: the platform itself ("platform": Telegram's from.id through
    # Dialogflow's integration, a phone gateway's caller id), the seed contract's caller
    # ("caller": trusted for the channels the shop names) or a browser ("browser": a web
    # chat's user id, which counts only when the shop's back end signed it).
    source: str = "platform"
    # False for a guest: nobody vouched for the identity, so it owns no order.
    trusted: bool = True

    @property
    def email(self) -> str | None:
        # The seed allows the e-mail address itself as the user's unique id.
        return self.uid.strip().lower() if "@" in self.uid else None


class Factor(StrEnum):
    """What a guest proves an order is theirs with, besides its number (a shop's choice)."""

    EMAIL = "email"  # the e-mail address on the order
    POSTCODE = "postcode"  # the delivery address's postcode
    PHONE_LAST4 = "phone_last4"  # the last 4 digits of the phone number on the order


_NOT_POSTCODE = re.compile(r"[\s\-]")
_NOT_DIGIT = re.compile(r"\D")


@dataclass(frozen=True, slots=True)
class Proof:
    """A guest's second factor, written the one way it is compared: an e-mail address in
    lower case, a postcode in upper case without spaces or hyphens, exactly 4 digits."""

    factor: Factor
    value: str

    @classmethod
    def of(cls, factor: Factor, raw: str) -> Proof | None:
        """The proof `raw` gives, or None when it cannot be one (then nothing is looked up)."""
        if factor is Factor.EMAIL:
            value = raw.strip().lower()
            ok = 3 <= len(value) <= 254 and "@" in value[1:-1] and not _SPACE.search(value)
        elif factor is Factor.POSTCODE:
            value = _NOT_POSTCODE.sub("", raw).upper()
            ok = 2 <= len(value) <= 10 and value.isalnum()
        else:
            digits = _NOT_DIGIT.sub("", raw)
            value = digits[-4:]
            ok = len(digits) >= 4
        return cls(factor, value) if ok else None

    def matches(self, email: str | None, postcode: str | None, phone: str | None) -> bool:
        """True when the order's own e-mail, postcode or phone number says what this proof
        says; an order that lacks the factor is never proved."""
        own = {Factor.EMAIL: email, Factor.POSTCODE: postcode, Factor.PHONE_LAST4: phone}
        given = own[self.factor]
        if not given:
            return False
        mine = Proof.of(self.factor, given)
        return mine is not None and hmac.compare_digest(
            mine.value.encode("utf-8"), self.value.encode("utf-8")
        )


_SPACE = re.compile(r"\s")


@dataclass(frozen=True, slots=True)
class Item:
    name: str
    quantity: int = 1
    image_url: str | None = None


class ShipmentStatus(StrEnum):
    """Where one parcel is, in the words carriers' tracking events come to."""

    LABEL_CREATED = "label_created"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    DELIVERY_FAILED = "delivery_failed"  # a delivery attempt failed
    EXCEPTION = "exception"  # held, damaged, lost, customs: something is wrong
    RETURNED = "returned"  # returned to sender

    @property
    def is_trouble(self) -> bool:
        return self in (
            ShipmentStatus.DELIVERY_FAILED,
            ShipmentStatus.EXCEPTION,
            ShipmentStatus.RETURNED,
        )


TROUBLE = frozenset(
    {ShipmentStatus.DELIVERY_FAILED, ShipmentStatus.EXCEPTION, ShipmentStatus.RETURNED}
)


@dataclass(frozen=True, slots=True)
class Shipment:
    """One parcel of an order: its carrier and tracking, where it is, and what is in it."""

    carrier: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    expected_date: dt.date | None = None
    delivered_date: dt.date | None = None
    # None where the shop does not say: read from the dates (delivered_date means delivered).
    status: ShipmentStatus | None = None
    items: tuple[Item, ...] = ()
    # When tracking last changed (the carrier's latest event), if the shop knows.
    updated_at: dt.datetime | None = None

    @property
    def state(self) -> ShipmentStatus:
        """The status given, else what the dates say."""
        if self.status is not None:
            return self.status
        return ShipmentStatus.DELIVERED if self.delivered_date else ShipmentStatus.IN_TRANSIT


@dataclass(frozen=True, slots=True)
class Order:
    number: str
    status: OrderStatus
    placed_date: dt.date
    currency: str = "USD"
    total: Decimal | None = None
    # Zero or more parcels, in the order the shop sent them.
    shipments: tuple[Shipment, ...] = ()
    items: tuple[Item, ...] = field(default_factory=tuple)
    # The hash, worked out on first use: an order is the key of its rendering's memo, asked
    # on every request, and hashing every parcel and item again each time cost more.
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __hash__(self) -> int:
        if not self._hash:
            value = (self.number, self.status, self.placed_date, self.currency, self.total)
            object.__setattr__(self, "_hash", hash((*value, self.shipments, self.items)))
        return self._hash

    @property
    def shipment(self) -> Shipment | None:
        """The first parcel: an order of one parcel is told as before."""
        return self.shipments[0] if self.shipments else None

    @property
    def item_count(self) -> int:
        return sum(item.quantity for item in self.items)


def derived_status(shipments: tuple[Shipment, ...], given: OrderStatus) -> OrderStatus:
    """The order's status from its parcels when they say more than the status given: some
    delivered and some not is partly delivered; some sent and some not yet, partly shipped.

    A given status that ends the story (cancelled, returned, refunded, on hold) stands."""
    if not shipments or given in FINAL_STATUSES:
        return given
    states = [s.state for s in shipments]
    delivered = sum(1 for state in states if state is ShipmentStatus.DELIVERED)
    waiting = sum(1 for state in states if state is ShipmentStatus.LABEL_CREATED)
    if delivered == len(states):
        return OrderStatus.DELIVERED
    if delivered:
        return OrderStatus.PARTLY_DELIVERED
    if waiting and waiting < len(states):
        return OrderStatus.PARTLY_SHIPPED
    return given


# Every order number a store keeps has this form (after normalisation); anything else a
# platform sends as one (1e300 as 301 digits, a paragraph) is not repeated back to anyone.
ORDER_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,39}$")


def is_order_number(value: str) -> bool:
    """True when a normalised value could be an order number at all."""
    return ORDER_NUMBER.match(value) is not None


def normalize_order_number(raw: str) -> str:
    """The form order numbers are stored and compared in: no '#', no spaces, upper case."""
    return raw.strip().lstrip("#").strip().upper()
