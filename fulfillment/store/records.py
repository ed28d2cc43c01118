"""The validated shape of an order as a shop hands it to us (import files, demo data)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated

from babel.numbers import get_currency_name
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl, model_validator

from fulfillment.domain import (
    Factor,
    Item,
    Order,
    OrderStatus,
    Proof,
    Shipment,
    ShipmentStatus,
    derived_status,
    is_order_number,
    normalize_order_number,
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(value: str) -> str:
    value = value.strip().lower()
    if not _EMAIL.match(value):
        raise ValueError("not an e-mail address")
    return value


def _order_number(value: str) -> str:
    value = normalize_order_number(value)
    if not is_order_number(value):
        raise ValueError("order numbers are 1-40 letters, digits or hyphens")
    return value


_PHONE = re.compile(r"\+?[0-9 ().\-/]+")
_POSTCODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 \-]*")


def _postcode(value: str) -> str:
    # Kept as written; compared as a guest's proof is (Proof: no spaces or hyphens, any case).
    if not _POSTCODE.fullmatch(value) or Proof.of(Factor.POSTCODE, value) is None:
        raise ValueError("a postcode is 2 to 10 letters and digits (spaces and hyphens allowed)")
    return value


def _phone(value: str) -> str:
    digits = sum(c.isdigit() for c in value)
    if not _PHONE.fullmatch(value) or not 6 <= digits <= 17:
        raise ValueError("a phone number is 6 to 17 digits (with + ( ) - . / and spaces)")
    return value


def _currency(value: str) -> str:
    value = value.strip().upper()
    # Babel knows every ISO 4217 code; an unknown one comes back unchanged.
    if len(value) != 3 or get_currency_name(value, locale="en") == value:
        raise ValueError("not an ISO 4217 currency code")
    return value


Email = Annotated[str, AfterValidator(_email)]
Text = Annotated[str, Field(min_length=1, max_length=200)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class IdentityRecord(_Record):
    channel: Annotated[str, Field(min_length=1, max_length=40), AfterValidator(str.upper)]
    user_id: Text
    user_name: Text | None = None


class CustomerRecord(_Record):
    email: Email | None = None
    first_name: Text | None = None
    last_name: Text | None = None
    identities: list[IdentityRecord] = Field(default_factory=list)

    @model_validator(mode="after")
    def _reachable(self) -> CustomerRecord:
        if self.email is None and not self.identities:
            raise ValueError("a customer needs an e-mail address or a channel identity")
        return self


class ItemRecord(_Record):
    name: Text
    quantity: int = Field(default=1, ge=1, le=100_000)
    image_url: HttpUrl | None = None

    def to_item(self) -> Item:
        return Item(self.name, self.quantity, str(self.image_url) if self.image_url else None)


class ShipmentRecord(_Record):
    """One parcel: its carrier and tracking, where it is, and what is in it."""

    carrier: Text | None = None
    tracking_number: Text | None = None
    tracking_url: HttpUrl | None = None
    status: ShipmentStatus | None = None
    expected_date: dt.date | None = None
    delivered_date: dt.date | None = None
    updated_at: dt.datetime | None = None
    items: list[ItemRecord] = Field(default_factory=list, max_length=1000)

    def to_shipment(self) -> Shipment:
        return Shipment(
            carrier=self.carrier,
            tracking_number=self.tracking_number,
            tracking_url=str(self.tracking_url) if self.tracking_url else None,
            expected_date=self.expected_date,
            delivered_date=self.delivered_date,
            status=self.status,
            items=tuple(item.to_item() for item in self.items),
            updated_at=self.updated_at,
        )


# The flat fields of an order with one parcel, as files written before parcels have them.
FLAT_SHIPMENT_FIELDS = (
    "carrier",
    "tracking_number",
    "tracking_url",
    "expected_date",
    "delivered_date",
)


class OrderRecord(_Record):
    number: Annotated[str, AfterValidator(_order_number)]
    # Left out, it is worked out from the parcels (placed when there are none).
    status: OrderStatus | None = None
    placed_date: dt.date
    currency: Annotated[str, AfterValidator(_currency)] = "USD"
    total: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    customer: CustomerRecord
    # The delivery address's postcode and the phone number given with the order: what a
    # guest may prove the order is theirs with (besides the customer's e-mail address).
    postcode: Annotated[str, Field(max_length=16), AfterValidator(_postcode)] | None = None
    phone: Annotated[str, Field(max_length=32), AfterValidator(_phone)] | None = None
    shipments: list[ShipmentRecord] = Field(default_factory=list, max_length=50)
    # One parcel's fields directly on the order: still read, as that one parcel.
    carrier: Text | None = None
    tracking_number: Text | None = None
    tracking_url: HttpUrl | None = None
    expected_date: dt.date | None = None
    delivered_date: dt.date | None = None
    items: list[ItemRecord] = Field(default_factory=list, max_length=1000)

    @model_validator(mode="after")
    def _one_way_of_giving_parcels(self) -> OrderRecord:
        flat = [name for name in FLAT_SHIPMENT_FIELDS if getattr(self, name) is not None]
        if flat and self.shipments:
            raise ValueError(
                f"give the parcels in shipments or as {', '.join(flat)} on the order, not both"
            )
        if flat:
            self.shipments = [
                ShipmentRecord(**{name: getattr(self, name) for name in FLAT_SHIPMENT_FIELDS})
            ]
            for name in FLAT_SHIPMENT_FIELDS:
                setattr(self, name, None)
        if self.status is None and not self.shipments:
            self.status = OrderStatus.PLACED
        return self

    def to_order(self) -> Order:
        shipments = tuple(record.to_shipment() for record in self.shipments)
        items = tuple(item.to_item() for item in self.items)
        if not items:
            # Only the parcels name the items: the order holds what they hold.
            items = tuple(item for shipment in shipments for item in shipment.items)
        given = self.status or OrderStatus.SHIPPED
        return Order(
            number=self.number,
            status=derived_status(shipments, given),
            placed_date=self.placed_date,
            currency=self.currency,
            total=self.total,
            shipments=shipments,
            items=items,
        )
