"""An order store that reads a shop's own order HTTP API, mapped through a YAML file.

The shop keeps its orders; we ask for one by number (``order_path``) or for a customer's
orders (``customer_orders_path``), and map its JSON to our `Order` through dotted paths
(``fields``) and a table of its status words (``statuses``). Ownership is checked on our
side as well: an order whose customer is not the asker is reported exactly like an unknown
one, and is never mapped, so even a broken order of someone else's is only "not found".

A guest (nobody identified) names an order and proves it: the order is asked for by its
number alone (``order_path``), and answered only when the e-mail address
(``fields.customer_email``), delivery postcode (``fields.postcode``) or phone number
(``fields.phone``) in its JSON is the one the guest gave. "The one ending in 8596" is looked
for among the customer's orders (``customer_orders_path``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
import string
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import TracebackType
from typing import Annotated, Self, TypeVar
from urllib.parse import quote, urlsplit

import httpx
import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    SecretStr,
    ValidationError,
    field_validator,
)

from fulfillment.domain import (
    Asker,
    Item,
    Order,
    OrderStatus,
    Proof,
    Shipment,
    ShipmentStatus,
    derived_status,
    normalize_order_number,
)
from fulfillment.errors import ConfigurationError
from fulfillment.store.base import BackendError, suffix_digits

logger = logging.getLogger("fulfillment.store.http")

# Answers worth one more try: a GET is idempotent, and these are usually passing trouble.
RETRY_STATUSES = frozenset({500, 502, 503, 504})
# Failures before the request reached the shop, or a kept-alive connection it had just closed.
RETRY_ERRORS: tuple[type[httpx.HTTPError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.RemoteProtocolError,
)
ORDER_PLACEHOLDERS = frozenset({"number"})
CUSTOMER_PLACEHOLDERS = frozenset({"email", "channel", "uid", "user_name"})
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_SAFE_WORD = re.compile(r"^[\w .\-]{1,40}$")
# Calls to the shop in flight at once, each on a kept-alive connection; more wait their turn.
# httpx's pool scans every connection and every queued request on each request and answer, so
# left at its defaults (100 connections, 20 kept alive) a burst of concurrent lookups made each
# call cost more, which made more of them wait: at 150 lookups/s a 1.5 s burst of 100 left the
# service at 90 % CPU answering 40 a second, replies 7 s late, until the breaker shed the load.
SHOP_CONCURRENCY = 20


# --- configuration -----------------------------------------------------------------------


def _placeholders(template: str, allowed: frozenset[str]) -> set[str]:
    names: set[str] = set()
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if name not in allowed or spec or conversion:
            raise ValueError(
                f"unknown placeholder {{{name}}}; allowed: "
                + ", ".join(f"{{{a}}}" for a in sorted(allowed))
            )
        names.add(name)
    return names


def _relative_path(template: str) -> str:
    if not template.startswith("/") or template.startswith("//"):
        raise ValueError("must be a path starting with '/', relative to base_url")
    if any(c.isspace() for c in template):
        raise ValueError("must not contain white space")
    return template


def _order_path(template: str) -> str:
    if _placeholders(_relative_path(template), ORDER_PLACEHOLDERS) != ORDER_PLACEHOLDERS:
        raise ValueError("must contain {number}")
    return template


def _customer_orders_path(template: str) -> str:
    if not _placeholders(_relative_path(template), CUSTOMER_PLACEHOLDERS):
        raise ValueError("must contain at least one of {email}, {channel}, {uid}, {user_name}")
    return template


def _dotted(path: str) -> str:
    path = path.strip()
    if not path or any(not part for part in path.split(".")):
        raise ValueError("a dotted path like 'customer.email' (no empty parts)")
    return path


DottedPath = Annotated[str, AfterValidator(_dotted)]


class FieldPaths(BaseModel):
    """Where each of our fields sits in the shop's order JSON, as dotted paths.

    A part that is a number indexes a list ("customer.identities.0.channel"). The item_*
    paths are relative to one element of the list found at ``items``.
    """

    model_config = ConfigDict(extra="forbid")

    number: DottedPath = "number"
    status: DottedPath = "status"
    placed_date: DottedPath = "placed_date"
    currency: DottedPath = "currency"
    total: DottedPath = "total"
    customer_email: DottedPath = "customer_email"
    customer_channel: DottedPath = "customer_channel"
    customer_uid: DottedPath = "customer_uid"
    customer_user_name: DottedPath = "customer_user_name"
    # What a guest may prove the order is theirs with, besides customer_email: the delivery
    # address's postcode and the phone number given with the order. An order whose JSON has
    # nothing there cannot be proved that way.
    postcode: DottedPath = "postcode"
    phone: DottedPath = "phone"
    carrier: DottedPath = "carrier"
    tracking_number: DottedPath = "tracking_number"
    tracking_url: DottedPath = "tracking_url"
    expected_date: DottedPath = "expected_date"
    delivered_date: DottedPath = "delivered_date"
    items: DottedPath = "items"
    item_name: DottedPath = "name"
    item_quantity: DottedPath = "quantity"
    item_image_url: DottedPath = "image_url"
    # A list of parcels; when set, the shipment_* paths are relative to one of its elements
    # (and the flat carrier ... delivered_date fields above are not read).
    shipments: DottedPath | None = None
    shipment_carrier: DottedPath = "carrier"
    shipment_tracking_number: DottedPath = "tracking_number"
    shipment_tracking_url: DottedPath = "tracking_url"
    shipment_status: DottedPath = "status"
    shipment_expected_date: DottedPath = "expected_date"
    shipment_delivered_date: DottedPath = "delivered_date"
    shipment_updated_at: DottedPath = "updated_at"
    # The parcel's items, with the item_* paths relative to one of them.
    shipment_items: DottedPath = "items"


StatusWord = TypeVar("StatusWord", OrderStatus, ShipmentStatus)


class ShopApiConfig(BaseModel):
    """How to reach a shop's order API and read its answers (FULFILLMENT_ORDER_API_CONFIG)."""

    model_config = ConfigDict(extra="forbid")

    base_url: HttpUrl = Field(description="http(s) root of the shop's API.")
    auth_header: str = Field(default="Authorization", description="Header that carries auth.")
    auth_value: SecretStr | None = Field(
        default=None, description="The header's whole value, e.g. 'Bearer abc123'."
    )
    order_path: Annotated[str, AfterValidator(_order_path)] = Field(
        description="Path of one order, with {number}: '/orders/{number}'."
    )
    customer_orders_path: Annotated[str, AfterValidator(_customer_orders_path)] | None = Field(
        default=None,
        description="Path of a customer's orders, with {email}, {channel}, {uid} or "
        "{user_name}; without it, asking for open orders finds none.",
    )
    customer_orders_key: DottedPath | None = Field(
        default=None,
        description="Dotted path of the order list in that answer; none: the answer is the list.",
    )
    timeout_seconds: float = Field(
        default=2.0, gt=0, le=30, description="Limit for each phase of each call, in seconds."
    )
    default_currency: str = Field(
        default="USD", description="Currency of orders whose JSON names none."
    )
    fields: FieldPaths = Field(default_factory=FieldPaths)
    statuses: dict[str, OrderStatus] = Field(
        default_factory=dict,
        description="The shop's status words (any case) to ours; our own words need no entry.",
    )
    shipment_statuses: dict[str, ShipmentStatus] = Field(
        default_factory=dict,
        description="The shop's parcel status words (any case) to ours (label_created, "
        "in_transit, out_for_delivery, delivered, delivery_failed, exception, returned).",
    )

    @field_validator("base_url")
    @classmethod
    def _plain_base(cls, value: HttpUrl) -> HttpUrl:
        if value.query or value.fragment:
            raise ValueError("must not have a query or a fragment")
        return value

    @field_validator("auth_header")
    @classmethod
    def _header_name(cls, value: str) -> str:
        if not _HEADER_NAME.match(value):
            raise ValueError("not a valid HTTP header name")
        return value

    @field_validator("auth_value")
    @classmethod
    def _header_value(cls, value: SecretStr | None) -> SecretStr | None:
        # The message must not repeat the value: it is a secret.
        if value is not None:
            secret = value.get_secret_value()
            if not secret.strip() or any(c in secret for c in "\r\n\0"):
                raise ValueError("must be a non-empty single-line header value")
        return value

    @field_validator("default_currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        value = value.strip().upper()
        if not _CURRENCY.match(value):
            raise ValueError("a three-letter ISO 4217 code such as EUR")
        return value

    @field_validator("statuses", "shipment_statuses")
    @classmethod
    def _status_words(cls, value: dict[str, StatusWord]) -> dict[str, StatusWord]:
        words: dict[str, StatusWord] = {}
        for word, status in value.items():
            key = word.strip().casefold()
            if not key:
                raise ValueError("status words must not be empty")
            if words.get(key, status) is not status:
                raise ValueError(f"{word!r} is mapped twice (status words ignore case)")
            words[key] = status
        return words

    @classmethod
    def from_file(cls, path: Path | str) -> ShopApiConfig:
        """Read and check a YAML file; ConfigurationError names the file and the field."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            raw = yaml.load(text, Loader=loader)  # noqa: S506 (a safe loader)
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigurationError(f"{path}: cannot read: {exc}") from None
        except yaml.YAMLError as exc:
            raise ConfigurationError(f"{path}: not valid YAML: {_yaml_problem(exc)}") from None
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
                for err in exc.errors(include_url=False, include_input=False)
            )
            raise ConfigurationError(f"{path}: {problems}") from None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    # Only the problem and where: the pure-Python loader's snippet could quote a secret.
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"line {mark.line + 1}, column {mark.column + 1}: {exc.problem or exc.context}"
    return type(exc).__name__


# --- reading the shop's JSON -------------------------------------------------------------


class _Unreadable(Exception):
    """One field of the shop's order cannot be read; names the field, never the value."""


def _at(data: object, path: str) -> object:
    """The value at a dotted path, or None when any part of the way is missing."""
    current = data
    for part in path.split("."):
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
        if current is None:
            return None
    return current


def _text(value: object, name: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _Unreadable(f"{name} is not text")
    return str(value).strip() or None


def _lenient_text(value: object) -> str | None:
    """For the customer's identity: a value of the wrong type just matches nobody."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value).strip() or None


def _date(value: object, name: str) -> dt.date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Unreadable(f"{name} is not an ISO date")
    value = value.strip()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        pass
    try:
        # Timestamps count by the day they name, in the shop's own offset.
        return dt.datetime.fromisoformat(value).date()
    except ValueError:
        raise _Unreadable(f"{name} is not an ISO date") from None


def _amount(value: object, name: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise _Unreadable(f"{name} is not a number")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise _Unreadable(f"{name} is not a number") from None
    if not amount.is_finite() or amount < 0:
        raise _Unreadable(f"{name} is not a non-negative number")
    return amount


def _quantity(value: object, name: str) -> int:
    if value is None:
        return 1
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _Unreadable(f"{name} is not a positive whole number")
    return value


def _moment(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise _Unreadable("shipment updated_at is not an ISO date and time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _url(value: object, name: str) -> str | None:
    text = _text(value, name)
    if text is None:
        return None
    parts = urlsplit(text)
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc or " " in text:
        raise _Unreadable(f"{name} is not an http(s) URL")
    return text


def _same(ours: str | None, theirs: str | None) -> bool:
    return ours is not None and theirs is not None and ours.casefold() == theirs.casefold()


class HttpOrderStore:
    """The `OrderStore` over a shop's HTTP API: one pooled client, one retry, scoped answers."""

    remote = True
    failures: tuple[type[Exception], ...] = (httpx.HTTPError,)

    def __init__(self, config: ShopApiConfig) -> None:
        self.config = config
        headers = {"Accept": "application/json", "User-Agent": "order-status-fulfillment"}
        if config.auth_value is not None:
            headers[config.auth_header] = config.auth_value.get_secret_value()
        self._client = httpx.AsyncClient(
            base_url=str(config.base_url),
            headers=headers,
            timeout=httpx.Timeout(config.timeout_seconds),
            limits=httpx.Limits(
                max_connections=SHOP_CONCURRENCY, max_keepalive_connections=SHOP_CONCURRENCY
            ),
            follow_redirects=False,
        )
        self._slots = asyncio.Semaphore(SHOP_CONCURRENCY)

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    # --- the OrderStore protocol ---

    async def open(self) -> None:
        """Nothing to do ahead: the pool connects on first use, so a shop down at start-up
        does not stop the service."""

    async def find_order(self, number: str, asker: Asker) -> Order | None:
        data = await self._order_data(number)
        if data is None or not self._owned_by(data, asker):
            return None
        return self._numbered(data, number)

    async def find_order_by_proof(self, number: str, proof: Proof) -> Order | None:
        data = await self._order_data(number)
        if data is None:
            return None
        paths = self.config.fields
        email = _lenient_text(_at(data, paths.customer_email))
        postcode = _lenient_text(_at(data, paths.postcode))
        phone = _lenient_text(_at(data, paths.phone))
        if not proof.matches(email, postcode, phone):
            return None
        return self._numbered(data, number)

    async def open_orders(self, asker: Asker, limit: int) -> list[Order]:
        if limit < 1:
            return []
        opened = [order for order in await self._customer_orders(asker) if order.status.is_open]
        opened.sort(key=lambda order: order.placed_date, reverse=True)  # stable: ties keep order
        return opened[:limit]

    async def orders_ending_with(self, digits: str, asker: Asker, limit: int) -> list[Order]:
        wanted = suffix_digits(digits)
        if wanted is None or limit < 1:
            return []
        found = [o for o in await self._customer_orders(asker) if o.number.endswith(wanted)]
        found.sort(key=lambda order: order.placed_date, reverse=True)  # stable: ties keep order
        return found[:limit]

    async def _order_data(self, number: str) -> dict[str, object] | None:
        """The shop's JSON of the order with this number, or None when it has none."""
        number = number.strip()
        if not any(c.isalnum() for c in number):
            return None  # nothing to ask for; also keeps '.' and '..' out of the URL path
        path = self.config.order_path.format(number=quote(number, safe=""))
        response = await self._get(path, "order")
        if response.status_code == 404:
            return None
        data = self._json(response, "order")
        if not isinstance(data, dict):
            raise BackendError("the shop's order API answered JSON that is not an object")
        return data

    def _numbered(self, data: Mapping[str, object], number: str) -> Order:
        """The order mapped, when it is the one asked for."""
        order = self._order(data, "order API")
        if normalize_order_number(order.number) != normalize_order_number(number):
            raise BackendError("the shop's order API answered with another order's number")
        return order

    async def _customer_orders(self, asker: Asker) -> list[Order]:
        """The asker's orders as the shop lists them (those truly theirs), or none when the
        shop has no such list or the asker cannot be named the way it looks customers up."""
        template = self.config.customer_orders_path
        if template is None:
            return []
        values = {
            "email": asker.email,
            "channel": asker.channel,
            "uid": asker.uid.strip() or None,
            "user_name": asker.user_name,
        }
        needed = _placeholders(template, CUSTOMER_PLACEHOLDERS)
        if any(values[name] is None for name in needed):
            return []  # the asker cannot be named the way the shop looks customers up
        path = template.format(**{name: quote(values[name] or "", safe="") for name in needed})
        response = await self._get(path, "customer orders")
        if response.status_code == 404:
            return []
        data = self._json(response, "customer orders")
        if self.config.customer_orders_key is not None:
            data = _at(data, self.config.customer_orders_key)
        if not isinstance(data, list) or not all(isinstance(entry, dict) for entry in data):
            raise BackendError("the shop's customer orders API did not answer a list of orders")
        return [
            self._order(entry, "customer orders API")
            for entry in data
            if self._owned_by(entry, asker)
        ]

    async def ping(self) -> bool:
        try:
            response = await self._client.get("")
        except httpx.HTTPError:
            return False
        return response.status_code < 500

    async def close(self) -> None:
        await self._client.aclose()

    # --- calls ---

    async def _get(self, path: str, what: str) -> httpx.Response:
        """GET with exactly one retry for failures that are safe and worth retrying."""
        retried = False
        while True:
            try:
                async with self._slots:  # waits in line here, within the caller's deadline
                    response = await self._client.get(path)
            except RETRY_ERRORS as exc:
                if not retried:
                    retried = True
                    logger.warning("shop %s API: %s; trying once more", what, type(exc).__name__)
                    continue
                raise BackendError(
                    f"cannot reach the shop's {what} API ({type(exc).__name__})"
                ) from None
            except httpx.TimeoutException as exc:
                raise BackendError(
                    f"the shop's {what} API did not answer within "
                    f"{self.config.timeout_seconds:g} s ({type(exc).__name__})"
                ) from None
            except httpx.HTTPError as exc:
                raise BackendError(f"the shop's {what} API failed ({type(exc).__name__})") from None
            if response.status_code in RETRY_STATUSES and not retried:
                retried = True
                logger.warning("shop %s API: HTTP %d; trying once more", what, response.status_code)
                continue
            if response.status_code != 404 and not 200 <= response.status_code < 300:
                raise BackendError(
                    f"the shop's {what} API answered HTTP {response.status_code}"
                    + (" after one retry" if retried else "")
                )
            return response

    @staticmethod
    def _json(response: httpx.Response, what: str) -> object:
        try:
            # Decimal keeps totals exact; NaN and Infinity come back as floats and are refused.
            data: object = json.loads(response.content, parse_float=Decimal)
        except (ValueError, RecursionError):
            raise BackendError(f"the shop's {what} API answered malformed JSON") from None
        return data

    # --- mapping ---

    def _owned_by(self, data: Mapping[str, object], asker: Asker) -> bool:
        """Same rule as the SQLite store: e-mail, or channel with user id or user name."""
        paths = self.config.fields
        email = _lenient_text(_at(data, paths.customer_email))
        channel = _lenient_text(_at(data, paths.customer_channel))
        uid = _lenient_text(_at(data, paths.customer_uid))
        user_name = _lenient_text(_at(data, paths.customer_user_name))
        if email is None and channel is None:
            logger.warning(
                "a shop order names no customer at fields.customer_email or "
                "fields.customer_channel; check the order API configuration"
            )
            return False
        if _same(asker.email, email):
            return True
        if not _same(asker.channel, channel):
            return False
        return (uid is not None and uid == asker.uid.strip()) or _same(asker.user_name, user_name)

    def _status(self, value: object) -> OrderStatus:
        if not isinstance(value, str):
            raise _Unreadable("status is not a word")
        word = value.strip().casefold()
        status = self.config.statuses.get(word)
        if status is not None:
            return status
        try:
            return OrderStatus(word)
        except ValueError:
            shown = f" {value.strip()!r}" if _SAFE_WORD.match(value.strip()) else ""
            raise _Unreadable(
                f"unknown status word{shown}; map it under 'statuses' in the configuration"
            ) from None

    def _order(self, data: Mapping[str, object], what: str) -> Order:
        try:
            return self._map(data)
        except _Unreadable as exc:
            raise BackendError(f"the shop's {what} answered an unreadable order: {exc}") from None

    def _map(self, data: Mapping[str, object]) -> Order:
        paths = self.config.fields
        number = _text(_at(data, paths.number), "number")
        if number is None:
            raise _Unreadable(f"number is missing (fields.number: {paths.number})")
        raw_status = _at(data, paths.status)
        if raw_status is None:
            raise _Unreadable(f"status is missing (fields.status: {paths.status})")
        placed = _date(_at(data, paths.placed_date), "placed_date")
        if placed is None:
            raise _Unreadable(f"placed_date is missing (fields.placed_date: {paths.placed_date})")
        currency = _text(_at(data, paths.currency), "currency")
        currency = currency.upper() if currency else self.config.default_currency
        if not _CURRENCY.match(currency):
            raise _Unreadable("currency is not a three-letter code")

        if paths.shipments is None:
            shipments = self._flat_shipment(data)
        else:
            shipments = self._shipments(_at(data, paths.shipments))
        items = self._items(_at(data, paths.items))
        if not items:
            items = tuple(item for shipment in shipments for item in shipment.items)
        return Order(
            number=normalize_order_number(number),
            status=derived_status(shipments, self._status(raw_status)),
            placed_date=placed,
            currency=currency,
            total=_amount(_at(data, paths.total), "total"),
            shipments=shipments,
            items=items,
        )

    def _flat_shipment(self, data: Mapping[str, object]) -> tuple[Shipment, ...]:
        paths = self.config.fields
        carrier = _text(_at(data, paths.carrier), "carrier")
        tracking_number = _text(_at(data, paths.tracking_number), "tracking_number")
        tracking_url = _url(_at(data, paths.tracking_url), "tracking_url")
        expected = _date(_at(data, paths.expected_date), "expected_date")
        delivered = _date(_at(data, paths.delivered_date), "delivered_date")
        if carrier or tracking_number or tracking_url or expected or delivered:
            return (Shipment(carrier, tracking_number, tracking_url, expected, delivered),)
        return ()

    def _shipments(self, value: object) -> tuple[Shipment, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise _Unreadable("shipments is not a list")
        paths = self.config.fields
        found = []
        for entry in value[:50]:
            if not isinstance(entry, dict):
                raise _Unreadable("a shipment is not an object")
            state = _text(_at(entry, paths.shipment_status), "shipment status")
            updated = _text(_at(entry, paths.shipment_updated_at), "shipment updated_at")
            found.append(
                Shipment(
                    carrier=_text(_at(entry, paths.shipment_carrier), "shipment carrier"),
                    tracking_number=_text(
                        _at(entry, paths.shipment_tracking_number), "shipment tracking_number"
                    ),
                    tracking_url=_url(
                        _at(entry, paths.shipment_tracking_url), "shipment tracking_url"
                    ),
                    expected_date=_date(
                        _at(entry, paths.shipment_expected_date), "shipment expected_date"
                    ),
                    delivered_date=_date(
                        _at(entry, paths.shipment_delivered_date), "shipment delivered_date"
                    ),
                    status=self._shipment_status(state) if state else None,
                    items=self._items(_at(entry, paths.shipment_items)),
                    updated_at=_moment(updated) if updated else None,
                )
            )
        return tuple(found)

    def _shipment_status(self, word: str) -> ShipmentStatus:
        key = word.strip().casefold()
        found = self.config.shipment_statuses.get(key)
        if found is not None:
            return found
        try:
            return ShipmentStatus(key)
        except ValueError:
            shown = f" {word.strip()!r}" if _SAFE_WORD.match(word.strip()) else ""
            raise _Unreadable(
                f"unknown shipment status word{shown}; map it under 'shipment_statuses'"
            ) from None

    def _items(self, value: object) -> tuple[Item, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise _Unreadable("items is not a list")
        paths = self.config.fields
        items = []
        for entry in value:
            if not isinstance(entry, dict):
                raise _Unreadable("an item is not an object")
            name = _text(_at(entry, paths.item_name), "item_name")
            if name is None:
                raise _Unreadable(f"an item has no name (fields.item_name: {paths.item_name})")
            items.append(
                Item(
                    name=name,
                    quantity=_quantity(_at(entry, paths.item_quantity), "item_quantity"),
                    image_url=_url(_at(entry, paths.item_image_url), "item_image_url"),
                )
            )
        return tuple(items)
