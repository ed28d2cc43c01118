"""The validated shape of an order as a shop hands it to us (import files, demo data)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated

from babel.numbers import get_currency_name
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl, model_validator

from fulfillment.domain import (
    Item,
    Order,
    OrderStatus,
    Shipment,
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


class OrderRecord(_Record):
    number: Annotated[str, AfterValidator(_order_number)]
    status: OrderStatus
    placed_date: dt.date
    currency: Annotated[str, AfterValidator(_currency)] = "USD"
    total: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    customer: CustomerRecord
    carrier: Text | None = None
    tracking_number: Text | None = None
    tracking_url: HttpUrl | None = None
    expected_date: dt.date | None = None
    delivered_date: dt.date | None = None
    items: list[ItemRecord] = Field(default_factory=list, max_length=1000)

    def to_order(self) -> Order:
        shipment = None
        if self.carrier or self.tracking_number or self.expected_date or self.delivered_date:
            shipment = Shipment(
                carrier=self.carrier,
                tracking_number=self.tracking_number,
                tracking_url=str(self.tracking_url) if self.tracking_url else None,
                expected_date=self.expected_date,
                delivered_date=self.delivered_date,
            )
        return Order(
            number=self.number,
            status=self.status,
            placed_date=self.placed_date,
            currency=self.currency,
            total=self.total,
            shipment=shipment,
            items=tuple(
                Item(i.name, i.quantity, str(i.image_url) if i.image_url else None)
                for i in self.items
            ),
        )
