"""An order store that reads a Shopify shop through its GraphQL Admin API, no mapping needed.

``POST https://{shop}.myshopify.com/admin/api/{version}/graphql.json`` with the
``X-Shopify-Access-Token`` header (a custom app's Admin API token with ``read_orders``).
An order is looked up by its name as the customer sees it (``#1001``, asked as ``1001``),
with its contact details for the ownership check, its fulfillments (one parcel each: carrier,
tracking number and link, where it is, its items) and its line items. A guest's order is
looked up by its name alone, with its e-mail address, phone numbers and shipping address's
postcode to compare with what the guest gave; "the one ending in 8596" among the customer's
latest orders' names, then those orders by name.

The first part of this module is shared with the WooCommerce store (``woocommerce.py``): the
pooled client and its rules for failures, and who owns an order.

Ownership: an asker who writes from an e-mail address owns the orders placed with that
address; an asker on WhatsApp, SMS or the phone owns the orders whose phone number is theirs,
compared as E.164 digits (a number the shop stored without its country code matches no one);
anyone else owns nothing, and is not even looked up. An order of someone else's is "not found",
exactly like a missing one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import json
import logging
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

import httpx

from fulfillment.domain import (
    Asker,
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
from fulfillment.errors import ConfigurationError
from fulfillment.store.base import BackendError, suffix_digits

if TYPE_CHECKING:
    from fulfillment.settings import Settings

logger = logging.getLogger("fulfillment.store.shop")

# ======================================================================================
# Shared by the shop stores (Shopify here, WooCommerce in woocommerce.py)
# ======================================================================================

# Calls to the shop in flight at once (see store/http.py: httpx's pool gets slower with many).
SHOP_CONCURRENCY = 20
# Worth one more try, when time allows: passing trouble at the shop or in front of it.
RETRY_STATUSES = frozenset({500, 502, 503, 504})
# Failures before the request reached the shop, or a kept-alive connection it had just closed.
RETRY_ERRORS: tuple[type[httpx.HTTPError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.RemoteProtocolError,
)
# Channels whose user id is the customer's phone number.
PHONE_CHANNELS = frozenset({"WHATSAPP", "SMS", "PHONE"})
# An e-mail address we put into a shop's search (quoted): nothing that could end the quote.
_EMAIL = re.compile(r"^[^\s\"\\()<>]{1,64}@[^\s\"\\()<>@]{1,255}$")
_PHONE_NOISE = re.compile(r"[\s().\-/]")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,59}$")
# Only words like this may appear in a log line or an error message (never customer data).
_SAFE_WORD = re.compile(r"^[A-Za-z0-9_\-]{1,40}$")


@dataclass(frozen=True, slots=True)
class Contact:
    """How an asker can be recognised on a shop's order: an e-mail address or a phone."""

    email: str | None = None
    phone: str | None = None  # E.164 digits, without the '+'


def phone_digits(value: object) -> str | None:
    """A phone number as E.164 digits ('+49 151 2345-678' and '0049151…' -> '49151…'), or
    None when it is not written with its country code (a national number matches no one)."""
    if not isinstance(value, str):
        return None
    text = _PHONE_NOISE.sub("", value.strip())
    if text.startswith("+"):
        text = text[1:]
    elif text.startswith("00"):
        text = text[2:]
    if not text.isascii() or not text.isdigit() or text.startswith("0"):
        return None
    return text if 8 <= len(text) <= 15 else None


def asker_contact(asker: Asker) -> Contact | None:
    """The e-mail address the asker writes from, or their phone on a phone channel, else None
    (such an asker owns no shop order)."""
    if asker.email is not None:
        return Contact(email=asker.email) if _EMAIL.match(asker.email) else None
    if (asker.channel or "").strip().upper() in PHONE_CHANNELS:
        digits = phone_digits(asker.uid)
        if digits is not None:
            return Contact(phone=digits)
    return None


def owns(contact: Contact, emails: Iterable[object], phones: Iterable[object]) -> bool:
    """True when the order's e-mail address or one of its phones is the asker's."""
    if contact.email is not None:
        wanted = contact.email.casefold()
        return any(isinstance(e, str) and e.strip().casefold() == wanted for e in emails)
    if contact.phone is not None:
        return any(phone_digits(p) == contact.phone for p in phones)
    return False


def shop_base_url(raw: str, what: str) -> str:
    """An http(s) root without a trailing slash; plain http only for 127.0.0.1 (the tests'
    fake shops), since the credentials travel with every call."""
    text = raw.strip()
    if "://" not in text:
        text = f"https://{text}"
    parts = urlsplit(text)
    host = parts.hostname or ""
    if parts.scheme not in {"http", "https"} or not host or parts.query or parts.fragment:
        raise ConfigurationError(f"{what}: not a shop address: use https://host[/path]")
    if parts.username or parts.password:
        raise ConfigurationError(f"{what}: must not carry credentials; set the key settings")
    if parts.scheme == "http" and host != "127.0.0.1":
        raise ConfigurationError(
            f"{what}: must use https:// (plain http:// is accepted for 127.0.0.1 only)"
        )
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


@dataclass
class Call:
    """One lookup: when it began, and whether its one retry has been used."""

    started: float = field(default_factory=time.monotonic)
    retried: bool = False


def retry_after(headers: httpx.Headers) -> float | None:
    """Retry-After in seconds (a number of seconds or an HTTP date), None when absent."""
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        seconds = (when - dt.datetime.now(dt.UTC)).total_seconds()
    if seconds != seconds or seconds == float("inf"):  # NaN, infinity
        return None
    return max(seconds, 0.0)


class ShopClient:
    """One pooled client for one shop, and the rules every call follows.

    Every failure becomes a BackendError (the customer hears the apology): no answer within
    the timeout, connection trouble, 5xx, 429, refused credentials, anything else but 2xx
    and the statuses the store reads itself. One retry per lookup at most, and only when the
    wait fits well inside the reply's deadline (half of it, counted from the lookup's start).
    Refused credentials and other configuration problems are logged once, clearly.
    """

    def __init__(
        self,
        platform: str,
        base_url: str,
        *,
        headers: Mapping[str, str],
        deadline_seconds: float,
        auth: httpx.Auth | None = None,
        problems: Mapping[int, str] | None = None,
    ) -> None:
        self.platform = platform
        self.deadline_seconds = deadline_seconds
        # Each phase of a call ends well before the reply's deadline, so the failure is ours
        # to name (the service's own timer stops whatever is left at the deadline itself).
        self.timeout = max(deadline_seconds * 0.8, 0.05)
        self._problems = dict(problems or {})
        self._told: set[str] = set()
        self._client = httpx.AsyncClient(
            base_url=base_url,
            headers={"User-Agent": "order-status-fulfillment", **headers},
            auth=auth,
            timeout=httpx.Timeout(self.timeout),
            limits=httpx.Limits(
                max_connections=SHOP_CONCURRENCY, max_keepalive_connections=SHOP_CONCURRENCY
            ),
            follow_redirects=False,
        )
        self._slots = asyncio.Semaphore(SHOP_CONCURRENCY)

    @property
    def base_url(self) -> httpx.URL:
        return self._client.base_url

    def fits(self, call: Call, wait: float) -> bool:
        """True when waiting `wait` seconds and asking again still fits well inside the
        deadline: the lookup so far plus the wait take at most half of it."""
        return time.monotonic() - call.started + wait <= self.deadline_seconds / 2

    def tell_once(self, key: str, message: str) -> None:
        """Log a configuration problem the first time it shows, not on every lookup."""
        if key not in self._told:
            self._told.add(key)
            logger.error(message)

    async def request(
        self,
        method: str,
        url: str,
        call: Call,
        *,
        accept: frozenset[int] = frozenset(),
        json_body: object = None,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """The shop's answer with a 2xx status or one in `accept`; else BackendError."""
        name = self.platform
        while True:
            try:
                async with self._slots:  # waits in line here, within the caller's deadline
                    response = await self._client.request(
                        method, url, json=json_body, params=params
                    )
            except RETRY_ERRORS as exc:
                if not call.retried and self.fits(call, 0):
                    call.retried = True
                    logger.warning("%s: %s; trying once more", name, type(exc).__name__)
                    continue
                raise BackendError(f"cannot reach {name} ({type(exc).__name__})") from None
            except httpx.TimeoutException as exc:
                raise BackendError(
                    f"{name} did not answer within {self.timeout:g} s ({type(exc).__name__})"
                ) from None
            except httpx.HTTPError as exc:
                raise BackendError(f"{name} failed ({type(exc).__name__})") from None
            status = response.status_code
            if 200 <= status < 300 or status in accept:
                return response
            if status == 429 or status in RETRY_STATUSES:
                wait = retry_after(response.headers)
                if status != 429 and wait is None:
                    wait = 0.0  # a passing 5xx: at once, if there is time
                if wait is not None and not call.retried and self.fits(call, wait):
                    call.retried = True
                    logger.warning("%s: HTTP %d; trying once more in %.2f s", name, status, wait)
                    await asyncio.sleep(wait)
                    continue
                if status == 429:
                    after = "no Retry-After" if wait is None else f"Retry-After {wait:g} s"
                    raise BackendError(
                        f"{name} is limiting the service's calls (HTTP 429, {after}; "
                        "no time to wait within the deadline)"
                    )
                raise BackendError(
                    f"{name} answered HTTP {status}" + (" after one retry" if call.retried else "")
                )
            hint = self._problems.get(status)
            if hint is not None:
                self.tell_once(f"http-{status}", f"{name} answered HTTP {status}: {hint}")
            raise BackendError(f"{name} answered HTTP {status}")

    def json(self, response: httpx.Response) -> object:
        try:
            # Decimal keeps money exact; NaN and Infinity would come back as floats.
            data: object = json.loads(response.content, parse_float=Decimal)
        except (ValueError, RecursionError):
            raise BackendError(f"{self.platform} answered malformed JSON") from None
        return data

    async def aclose(self) -> None:
        await self._client.aclose()


class Unreadable(Exception):
    """One field of a shop's order cannot be read; names the field, never the value."""


def text_field(value: object, name: str, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise Unreadable(f"{name} is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Unreadable(f"{name} is not text")
    return str(value).strip()


def url_field(value: object) -> str | None:
    """An http(s) link, or None: a broken link is left out, not a reason to fail."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc or " " in text:
        return None
    return text


def datetime_field(value: object, name: str) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Unreadable(f"{name} is not an ISO date and time")
    try:
        return dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise Unreadable(f"{name} is not an ISO date and time") from None


def date_field(value: object, name: str) -> dt.date | None:
    moment = datetime_field(value, name)
    return moment.date() if moment is not None else None


def amount_field(value: object, name: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise Unreadable(f"{name} is not a number")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise Unreadable(f"{name} is not a number") from None
    if not amount.is_finite() or amount < 0:
        raise Unreadable(f"{name} is not a non-negative number")
    return amount


def currency_field(value: object) -> str:
    if not isinstance(value, str) or not _CURRENCY.match(value.strip().upper()):
        raise Unreadable("the currency is not a three-letter code")
    return value.strip().upper()


def quantity_field(value: object, name: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise Unreadable(f"{name} is not a positive whole number")
    return value


def shipped_status(given: OrderStatus, shipments: tuple[Shipment, ...]) -> OrderStatus:
    """The order's status from its parcels (derived_status), and an order whose parcels are
    all out for delivery is out for delivery."""
    status = derived_status(shipments, given)
    if (
        status is OrderStatus.SHIPPED
        and shipments
        and all(s.state is ShipmentStatus.OUT_FOR_DELIVERY for s in shipments)
    ):
        return OrderStatus.OUT_FOR_DELIVERY
    return status


def safe_word(value: object) -> str:
    """A status word as it may appear in a log line: only when it looks like one."""
    return value if isinstance(value, str) and _SAFE_WORD.match(value) else "(unreadable)"


# ======================================================================================
# Shopify
# ======================================================================================

# The current stable version when this was written (2026-10, stable since 1 October 2026,
# supported until October 2027; shopify.dev/changelog/release-notes/2026-10). Shopify answers
# a retired version with the oldest supported one; the store logs it when that happens.
DEFAULT_API_VERSION = "2026-10"
API_VERSION = re.compile(r"^(\d{4}-(01|04|07|10)|unstable)$")

# Where a parcel is, from the fulfillment's display status (FulfillmentDisplayStatus) or,
# without one, its latest tracking event (FulfillmentEventStatus; the words overlap).
# FULFILLED and MARKED_AS_FULFILLED say only that it left: None, the dates decide.
SHIPMENT_STATUSES: dict[str, ShipmentStatus | None] = {
    "CONFIRMED": ShipmentStatus.LABEL_CREATED,
    "SUBMITTED": ShipmentStatus.LABEL_CREATED,
    "LABEL_PURCHASED": ShipmentStatus.LABEL_CREATED,
    "LABEL_PRINTED": ShipmentStatus.LABEL_CREATED,
    "CARRIER_PICKED_UP": ShipmentStatus.IN_TRANSIT,
    "IN_TRANSIT": ShipmentStatus.IN_TRANSIT,
    "DELAYED": ShipmentStatus.IN_TRANSIT,  # still coming; the new date is estimatedDeliveryAt
    "READY_FOR_PICKUP": ShipmentStatus.IN_TRANSIT,  # waiting at the pickup point
    "OUT_FOR_DELIVERY": ShipmentStatus.OUT_FOR_DELIVERY,
    "DELIVERED": ShipmentStatus.DELIVERED,
    "PICKED_UP": ShipmentStatus.DELIVERED,  # collected by the customer
    "ATTEMPTED_DELIVERY": ShipmentStatus.DELIVERY_FAILED,
    "NOT_DELIVERED": ShipmentStatus.DELIVERY_FAILED,
    "FAILURE": ShipmentStatus.EXCEPTION,
    "FULFILLED": None,
    "MARKED_AS_FULFILLED": None,
}
# Fulfillments that are no parcel (cancelled, voided, or a request that failed).
NO_PARCEL_STATUSES = frozenset({"CANCELLED", "ERROR", "FAILURE"})
NO_PARCEL_DISPLAY = frozenset({"CANCELED", "LABEL_VOIDED"})

# The order's status from displayFulfillmentStatus (OrderDisplayFulfillmentStatus), before
# its parcels say more; cancelledAt and displayFinancialStatus are read first (_order_status).
# None: placed or being prepared, by whether it is paid.
FULFILLMENT_STATUSES: dict[str, OrderStatus | None] = {
    "UNFULFILLED": None,
    "OPEN": None,  # deprecated for UNFULFILLED
    "RESTOCKED": None,  # deprecated for UNFULFILLED
    "SCHEDULED": OrderStatus.PLACED,
    "IN_PROGRESS": OrderStatus.PROCESSING,
    "PENDING_FULFILLMENT": OrderStatus.PROCESSING,  # deprecated for IN_PROGRESS
    "ON_HOLD": OrderStatus.ON_HOLD,
    "REQUEST_DECLINED": OrderStatus.ON_HOLD,  # the fulfillment service said no: the shop acts
    "PARTIALLY_FULFILLED": OrderStatus.PARTLY_SHIPPED,
    "FULFILLED": OrderStatus.SHIPPED,
    "FULFILLMENT_NOT_REQUIRED": OrderStatus.PROCESSING,  # 2026-10: nothing (left) to ship
}
# Unfulfilled or partly fulfilled: what asking without a number looks for.
DONE_FULFILLMENT = frozenset({"FULFILLED", "FULFILLMENT_NOT_REQUIRED"})

# Sizes keep the query's calculated cost under Shopify's 1000-point limit for one query
# (open orders: 5 orders of about 160 points each).
ORDER_FIELDS = """
fragment OrderFields on Order {
  name
  email
  phone
  billingAddress { phone }
  processedAt
  cancelledAt
  displayFulfillmentStatus
  displayFinancialStatus
  totalPriceSet { presentmentMoney { amount currencyCode } }
  lineItems(first: 10) { nodes { name quantity image { url } } }
  fulfillments(first: 5) {
    status
    displayStatus
    deliveredAt
    estimatedDeliveryAt
    trackingInfo(first: 1) { company number url }
    events(first: 1, sortKey: HAPPENED_AT, reverse: true) { nodes { happenedAt status } }
    fulfillmentLineItems(first: 10) { nodes { quantity lineItem { name } } }
  }
}
"""
FIND_ORDER = (
    """
query OrderByName($query: String!) {
  orders(first: 3, query: $query) { nodes { ...OrderFields } }
}
"""
    + ORDER_FIELDS
)
ORDERS_BY_EMAIL = (
    """
query OrdersByEmail($query: String!) {
  orders(first: 5, query: $query, sortKey: CREATED_AT, reverse: true) {
    nodes { ...OrderFields }
  }
}
"""
    + ORDER_FIELDS
)
# Orders have no phone filter; customers do (read_customers scope). Guest orders are missed.
ORDERS_BY_PHONE = (
    """
query OrdersByPhone($query: String!) {
  customers(first: 1, query: $query) {
    nodes { orders(first: 5, sortKey: CREATED_AT, reverse: true) { nodes { ...OrderFields } } }
  }
}
"""
    + ORDER_FIELDS
)
# A guest's order by its name, with what they may prove it with: the order's e-mail address
# and phone (in ORDER_FIELDS) and the shipping address's postcode and phone.
GUEST_ORDER = (
    """
query GuestOrderByName($query: String!) {
  orders(first: 3, query: $query) {
    nodes { ...OrderFields shippingAddress { zip phone } }
  }
}
"""
    + ORDER_FIELDS
)
# "The one ending in 8596": the names of the customer's latest orders (2 points each), then
# the few that end so, in full (ORDERS_BY_NAMES, at most 5: about 160 points each).
NAMES_SEARCHED = 50
FULL_ORDERS_AT_ONCE = 5
NAME_FIELDS = "name email phone billingAddress { phone }"
ORDER_NAMES_BY_EMAIL = f"""
query OrderNamesByEmail($query: String!) {{
  orders(first: {NAMES_SEARCHED}, query: $query, sortKey: PROCESSED_AT, reverse: true) {{
    nodes {{ {NAME_FIELDS} }}
  }}
}}
"""
ORDER_NAMES_BY_PHONE = f"""
query OrderNamesByPhone($query: String!) {{
  customers(first: 1, query: $query) {{
    nodes {{
      orders(first: {NAMES_SEARCHED}, sortKey: PROCESSED_AT, reverse: true) {{
        nodes {{ {NAME_FIELDS} }}
      }}
    }}
  }}
}}
"""
ORDERS_BY_NAMES = (
    """
query OrdersByNames($query: String!, $first: Int!) {
  orders(first: $first, query: $query, sortKey: PROCESSED_AT, reverse: true) {
    nodes { ...OrderFields }
  }
}
"""
    + ORDER_FIELDS
)
PING = "query Ping { shop { name } }"

SHOPIFY_PROBLEMS = {
    401: "the access token is not valid (FULFILLMENT_SHOP_TOKEN: a custom app's Admin API "
    "access token for this shop)",
    402: "the shop is frozen (unpaid); its orders cannot be read",
    403: "the token may not read this shop (FULFILLMENT_SHOP_TOKEN, the app's access scopes)",
    404: "no Admin API at this address (FULFILLMENT_SHOP_URL must be the shop's "
    "myshopify.com domain; FULFILLMENT_SHOPIFY_API_VERSION a version like 2026-10)",
    423: "the shop is locked; its orders cannot be read",
}


class _AccessDenied(BackendError):
    """Shopify answered ACCESS_DENIED: the app lacks a scope or protected-data access."""


class ShopifyOrderStore:
    """The `OrderStore` over a Shopify shop's GraphQL Admin API."""

    remote = True
    failures: tuple[type[Exception], ...] = (httpx.HTTPError,)

    def __init__(
        self,
        shop_url: str,
        token: str,
        api_version: str = DEFAULT_API_VERSION,
        deadline_seconds: float = 3.5,
    ) -> None:
        if not API_VERSION.match(api_version):
            raise ConfigurationError(
                f"Shopify API version {api_version!r}: a stable version like "
                f"{DEFAULT_API_VERSION} (YYYY-01, -04, -07 or -10)"
            )
        if not token.strip() or any(c in token for c in "\r\n\0"):
            raise ConfigurationError("the Shopify access token must be one non-empty line")
        self.api_version = api_version
        self._shop_told: set[str] = set()
        self._path = f"/admin/api/{api_version}/graphql.json"
        self._shop = ShopClient(
            "Shopify",
            shop_base_url(shop_url, "the Shopify shop URL"),
            headers={"X-Shopify-Access-Token": token.strip(), "Accept": "application/json"},
            deadline_seconds=deadline_seconds,
            problems=SHOPIFY_PROBLEMS,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> ShopifyOrderStore:
        if settings.shop_url is None or settings.shop_token is None:
            raise ConfigurationError(
                "Shopify needs FULFILLMENT_SHOP_URL and FULFILLMENT_SHOP_TOKEN"
            )
        return cls(
            settings.shop_url,
            settings.shop_token.get_secret_value(),
            settings.shopify_api_version,
            settings.deadline_seconds,
        )

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
        """Nothing to do ahead: the pool connects on first use, so a shop that does not
        answer at start-up does not stop the service."""

    async def close(self) -> None:
        await self._shop.aclose()

    async def ping(self) -> bool:
        """True when Shopify answers and accepts the token."""
        try:
            await self._query(PING, {}, Call())
        except (BackendError, httpx.HTTPError):
            return False
        return True

    async def find_order(self, number: str, asker: Asker) -> Order | None:
        wanted = normalize_order_number(number)
        contact = asker_contact(asker)
        if contact is None or not is_order_number(wanted):
            return None  # nobody Shopify could name, or nothing that can be an order name
        data = await self._query(FIND_ORDER, {"query": f"name:{wanted}"}, Call())
        for node in _nodes(data.get("orders")):
            # The search may match more than the name asked for: only the exact name counts.
            if normalize_order_number(str(node.get("name") or "")) != wanted:
                continue
            if self._owned(node, contact):
                return self._order(node)
        return None

    async def open_orders(self, asker: Asker, limit: int) -> list[Order]:
        contact = asker_contact(asker)
        if contact is None or limit < 1:
            return []
        if contact.email is not None:
            data = await self._query(ORDERS_BY_EMAIL, {"query": f'email:"{contact.email}"'}, Call())
            nodes = _nodes(data.get("orders"))
        else:
            try:
                data = await self._query(
                    ORDERS_BY_PHONE, {"query": f'phone:"+{contact.phone}"'}, Call()
                )
            except _AccessDenied:
                # Without read_customers: no open orders by phone; lookups by number still work.
                return []
            nodes = [
                order
                for customer in _nodes(data.get("customers"))
                for order in _nodes(customer.get("orders"))
            ]
        opened = [
            self._order(node)
            for node in nodes
            if node.get("displayFulfillmentStatus") not in DONE_FULFILLMENT
            and self._owned(node, contact)
        ]
        opened = [order for order in opened if order.status.is_open]
        opened.sort(key=lambda order: order.placed_date, reverse=True)  # stable: ties keep order
        return opened[:limit]

    async def find_order_by_proof(self, number: str, proof: Proof) -> Order | None:
        wanted = normalize_order_number(number)
        if not is_order_number(wanted):
            return None
        data = await self._query(GUEST_ORDER, {"query": f"name:{wanted}"}, Call())
        for node in _nodes(data.get("orders")):
            if normalize_order_number(str(node.get("name") or "")) != wanted:
                continue
            if proof.matches(*_factors(node)):
                return self._order(node)
        return None

    async def orders_ending_with(self, digits: str, asker: Asker, limit: int) -> list[Order]:
        wanted = suffix_digits(digits)
        contact = asker_contact(asker)
        if wanted is None or contact is None or limit < 1:
            return []
        call = Call()
        if contact.email is not None:
            data = await self._query(
                ORDER_NAMES_BY_EMAIL, {"query": f'email:"{contact.email}"'}, call
            )
            nodes = _nodes(data.get("orders"))
        else:
            try:
                data = await self._query(
                    ORDER_NAMES_BY_PHONE, {"query": f'phone:"+{contact.phone}"'}, call
                )
            except _AccessDenied:
                return []  # without read_customers, as for open orders by phone
            nodes = [
                order
                for customer in _nodes(data.get("customers"))
                for order in _nodes(customer.get("orders"))
            ]
        names: list[str] = []
        for node in nodes:
            name = normalize_order_number(str(node.get("name") or ""))
            if is_order_number(name) and name.endswith(wanted) and self._owned(node, contact):
                names.append(name)
        names = list(dict.fromkeys(names))[: min(limit, FULL_ORDERS_AT_ONCE)]
        if not names:
            return []
        query = " OR ".join(f"name:{name}" for name in names)
        data = await self._query(ORDERS_BY_NAMES, {"query": query, "first": len(names)}, call)
        orders = [
            self._order(node)
            for node in _nodes(data.get("orders"))
            if normalize_order_number(str(node.get("name") or "")) in names
            and self._owned(node, contact)
        ]
        orders.sort(key=lambda order: order.placed_date, reverse=True)  # stable: ties keep order
        return orders[:limit]

    # --- the call ---

    async def _query(self, document: str, variables: dict[str, Any], call: Call) -> dict[str, Any]:
        """The query's data; throttling is waited out once when time allows, any GraphQL
        error is a BackendError naming only the error codes."""
        shop = self._shop
        while True:
            response = await shop.request(
                "POST", self._path, call, json_body={"query": document, "variables": variables}
            )
            served = response.headers.get("x-shopify-api-version")
            if served and served != self.api_version and _SAFE_WORD.match(served):
                shop.tell_once(
                    "version",
                    f"Shopify answered with API version {served} instead of {self.api_version}: "
                    "FULFILLMENT_SHOPIFY_API_VERSION is no longer supported; set a current one",
                )
            body = shop.json(response)
            if not isinstance(body, dict):
                raise BackendError("Shopify answered JSON that is not an object")
            errors = body.get("errors")
            if errors:
                codes = _error_codes(errors)
                if "THROTTLED" in codes:
                    wait = _throttle_wait(body)
                    if wait is not None and not call.retried and shop.fits(call, wait):
                        call.retried = True
                        logger.warning("Shopify: throttled; trying once more in %.2f s", wait)
                        await asyncio.sleep(wait)
                        continue
                    waiting = "unknown" if wait is None else f"{wait:.1f} s"
                    raise BackendError(
                        f"Shopify throttled the query (THROTTLED, wait {waiting}; "
                        "no time to wait within the deadline)"
                    )
                if "ACCESS_DENIED" in codes:
                    shop.tell_once(
                        "access-denied",
                        "Shopify denied access (ACCESS_DENIED): the app needs the read_orders "
                        "scope (and read_customers to find open orders by phone) and access "
                        "to protected customer data (e-mail, phone)",
                    )
                    raise _AccessDenied("Shopify denied access (ACCESS_DENIED)")
                named = ", ".join(codes) if codes else "without codes"
                raise BackendError(f"Shopify answered GraphQL errors ({named})")
            data = body.get("data")
            if not isinstance(data, dict):
                raise BackendError("Shopify answered no data")
            return data

    # --- mapping ---

    def _owned(self, node: Mapping[str, Any], contact: Contact) -> bool:
        billing = node.get("billingAddress")
        billing_phone = billing.get("phone") if isinstance(billing, dict) else None
        emails = [node.get("email")]
        phones = [node.get("phone"), billing_phone]
        if not any(isinstance(v, str) and v.strip() for v in [*emails, *phones]):
            if "no-contact" not in self._shop_told:
                self._shop_told.add("no-contact")
                logger.warning(
                    "a Shopify order came without e-mail and phone and matches no customer "
                    "(a point-of-sale order, or the app lacks access to protected customer "
                    "data; then no order matches anyone)"
                )
            return False
        return owns(contact, emails, phones)

    def _order(self, node: Mapping[str, Any]) -> Order:
        try:
            return self._map(node)
        except Unreadable as exc:
            raise BackendError(f"Shopify answered an unreadable order: {exc}") from None

    def _map(self, node: Mapping[str, Any]) -> Order:
        name = text_field(node.get("name"), "name", required=True)
        number = normalize_order_number(name or "")
        if not is_order_number(number):
            raise Unreadable("name is not an order number")
        placed = date_field(node.get("processedAt"), "processedAt")
        if placed is None:
            raise Unreadable("processedAt is missing")
        money = _at(node, "totalPriceSet", "presentmentMoney")
        if not isinstance(money, dict):
            raise Unreadable("totalPriceSet is missing")
        shipments = tuple(
            shipment
            for fulfillment in _list(node.get("fulfillments"), "fulfillments")
            if (shipment := self._shipment(fulfillment)) is not None
        )
        return Order(
            number=number,
            status=self._status(node, shipments),
            placed_date=placed,
            currency=currency_field(money.get("currencyCode")),
            total=amount_field(money.get("amount"), "totalPriceSet.amount"),
            shipments=shipments,
            items=tuple(
                _item(line, _at(line, "image", "url"), line.get("quantity"))
                for line in _nodes(node.get("lineItems"), "lineItems")
            ),
        )

    def _status(self, node: Mapping[str, Any], shipments: tuple[Shipment, ...]) -> OrderStatus:
        if node.get("cancelledAt"):
            return OrderStatus.CANCELLED
        financial = node.get("displayFinancialStatus")
        if financial == "REFUNDED":
            return OrderStatus.REFUNDED
        if financial == "VOIDED":
            return OrderStatus.CANCELLED
        fulfillment = node.get("displayFulfillmentStatus")
        if fulfillment == "PARTIALLY_FULFILLED":
            # Parcels say nothing of the items not sent yet: all of them delivered is still
            # only part of the order.
            if any(s.state is ShipmentStatus.DELIVERED for s in shipments):
                return OrderStatus.PARTLY_DELIVERED
            return OrderStatus.PARTLY_SHIPPED
        if fulfillment not in FULFILLMENT_STATUSES:
            self._shop.tell_once(
                f"status-{safe_word(fulfillment)}",
                f"Shopify fulfillment status {safe_word(fulfillment)} is unknown here; "
                "told as being prepared",
            )
        given = FULFILLMENT_STATUSES.get(str(fulfillment), OrderStatus.PROCESSING)
        if given is None:
            if financial == "EXPIRED":
                given = OrderStatus.ON_HOLD  # the payment's authorization ran out
            elif financial in (None, "PENDING"):
                given = OrderStatus.PLACED
            else:
                given = OrderStatus.PROCESSING
        return shipped_status(given, shipments)

    def _shipment(self, fulfillment: object) -> Shipment | None:
        if not isinstance(fulfillment, dict):
            raise Unreadable("a fulfillment is not an object")
        display = fulfillment.get("displayStatus")
        if fulfillment.get("status") in NO_PARCEL_STATUSES or display in NO_PARCEL_DISPLAY:
            return None
        tracking = _list(fulfillment.get("trackingInfo"), "trackingInfo")
        first = tracking[0] if tracking and isinstance(tracking[0], dict) else {}
        events = _nodes(fulfillment.get("events"), "events")
        latest = events[0] if events else {}
        status = SHIPMENT_STATUSES.get(str(display)) if display else None
        if display is None and latest:
            status = SHIPMENT_STATUSES.get(str(latest.get("status")))
        return Shipment(
            carrier=text_field(first.get("company"), "trackingInfo.company"),
            tracking_number=text_field(first.get("number"), "trackingInfo.number"),
            tracking_url=url_field(first.get("url")),
            expected_date=date_field(fulfillment.get("estimatedDeliveryAt"), "estimatedDeliveryAt"),
            delivered_date=date_field(fulfillment.get("deliveredAt"), "deliveredAt"),
            status=status,
            items=tuple(
                _item(line.get("lineItem"), None, line.get("quantity"))
                for line in _nodes(fulfillment.get("fulfillmentLineItems"), "fulfillmentLineItems")
            ),
            updated_at=datetime_field(latest.get("happenedAt"), "events.happenedAt"),
        )


def _factors(node: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    """What a guest may prove a Shopify order with: its e-mail address, its shipping
    address's postcode, and its phone (the order's own, else the billing address's, else
    the shipping address's)."""
    phones = (
        _text(node.get("phone")),
        _text(_at(node, "billingAddress", "phone")),
        _text(_at(node, "shippingAddress", "phone")),
    )
    phone = next((p for p in phones if p), None)
    return _text(node.get("email")), _text(_at(node, "shippingAddress", "zip")), phone


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _error_codes(errors: object) -> list[str]:
    """The errors' extensions.code values (never their messages, which may quote input)."""
    codes: set[str] = set()
    if isinstance(errors, list):
        for error in errors:
            code = _at(error, "extensions", "code")
            if isinstance(code, str) and _CODE.match(code):
                codes.add(code)
    return sorted(codes)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    number = float(value)
    return number if number == number and abs(number) != float("inf") else None


def _throttle_wait(body: Mapping[str, Any]) -> float | None:
    """Seconds until the bucket holds the query's cost: (requested - available) / restore."""
    cost = _at(body, "extensions", "cost")
    requested = _number(_at(cost, "requestedQueryCost"))
    available = _number(_at(cost, "throttleStatus", "currentlyAvailable"))
    rate = _number(_at(cost, "throttleStatus", "restoreRate"))
    if requested is None or available is None or rate is None or rate <= 0:
        return None
    return max((requested - available) / rate, 0.0)


def _at(data: object, *path: str) -> object:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _list(value: object, name: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Unreadable(f"{name} is not a list")
    return value


def _nodes(connection: object, name: str = "the answer") -> list[dict[str, Any]]:
    """A connection's nodes (objects only); a missing connection has none."""
    if connection is None:
        return []
    nodes = _at(connection, "nodes")
    if not isinstance(nodes, list) or not all(isinstance(n, dict) for n in nodes):
        raise BackendError(f"Shopify answered {name} without a list of nodes")
    return nodes


def _item(line: object, image: object, quantity: object) -> Item:
    if not isinstance(line, dict):
        raise Unreadable("a line item is not an object")
    name = text_field(line.get("name"), "lineItem.name", required=True)
    return Item(
        name=name or "",
        quantity=1 if quantity is None else quantity_field(quantity, "quantity"),
        image_url=url_field(image),
    )
