"""The interface every order backend implements, and what the SQL stores list for the playground."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from fulfillment.domain import Asker, Order, Proof


class BackendError(Exception):
    """The order backend failed; its message never carries customer data."""


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


def suffix_digits(digits: str) -> str | None:
    """The digits an `orders_ending_with` lookup may look for: 4 to 40 ASCII digits, else
    None (then the store looks nothing up and answers no orders)."""
    if 4 <= len(digits) <= 40 and digits.isascii() and digits.isdigit():
        return digits
    return None


class OrderStore(Protocol):
    # True when lookups wait on the network (a timer guards them); False for in-process stores.
    remote: bool
    # What the store's driver raises when the backend is down, slow or answers nonsense
    # (besides BackendError and OSError): these become the apology and feed the breaker.
    failures: tuple[type[Exception], ...]

    async def find_order(self, number: str, asker: Asker) -> Order | None:
        """The order with this number if it belongs to the asker, else None.

        An order that exists but belongs to someone else is indistinguishable from
        one that does not exist, by design.
        """
        ...

    async def open_orders(self, asker: Asker, limit: int) -> list[Order]:
        """The asker's orders still on their way, most recently placed first."""
        ...

    async def find_order_by_proof(self, number: str, proof: Proof) -> Order | None:
        """The order with this number if the e-mail address, delivery postcode or phone
        number on it (whichever `proof` is of, compared with `Proof.matches`) is the one
        given, for a guest nobody identified; else None.

        An unknown number, another customer's order and an order that lacks the factor
        are all None, alike.
        """
        ...

    async def orders_ending_with(self, digits: str, asker: Asker, limit: int) -> list[Order]:
        """The asker's own orders whose number ends with `digits` (4 or more digits, as
        the customer said them), most recently placed first."""
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
