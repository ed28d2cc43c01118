"""A fake Shopify shop: the GraphQL Admin API on a real loopback HTTP server.

``POST /admin/api/{version}/graphql.json`` with ``X-Shopify-Access-Token``. Queries are parsed,
validated and executed by graphql-core against the part of the Admin API schema the store
uses, written from shopify.dev's reference (objects Order, Fulfillment, FulfillmentEvent,
FulfillmentTrackingInfo, LineItem, Customer; enums OrderDisplayFulfillmentStatus,
FulfillmentDisplayStatus, …): a field or an argument Shopify does not have fails here as
there. Every answer carries ``extensions.cost`` from a leaky bucket (2000 points, 100 a
second, as the Standard plan), and a query whose requested cost passes 1000 is refused.

Failures, as Shopify answers them:

- a wrong token: HTTP 401 ``{"errors": "[API] Invalid API key or access token (unrecognized
  login or wrong password)"}``; a token without ``read_orders``: HTTP 200 with an
  ``ACCESS_DENIED`` error and no data;
- the bucket empty: HTTP 200 with ``errors[0].extensions.code == "THROTTLED"`` and
  ``extensions.cost.throttleStatus`` (``actualQueryCost`` null), the shape Shopify's own
  community answers show;
- and, queued for the next calls with `FakeShopify.fail`: 429 with ``Retry-After`` (the REST
  Admin API's documented limit answer), 5xx, slow answers, malformed JSON.

Every call is counted in `FakeShopify.calls` (operation names). The server runs in a thread of
the test process (`serve`), so a test changes the fake's state directly.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    build_schema,
    execute,
    get_named_type,
    is_leaf_type,
    is_list_type,
    parse,
    validate,
    value_from_ast,
)
from graphql.error import GraphQLError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TOKEN = "shpat_0123456789abcdef0123456789abcdef"
TOKEN_WITHOUT_ORDERS = "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"
SUPPORTED_VERSIONS = ("2026-01", "2026-04", "2026-07", "2026-10")
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
REST_LIMIT = (
    "Exceeded 2 calls per second for api client. Reduce request rates to resume "
    "uninterrupted service."
)
MAX_QUERY_COST = 1000

SCHEMA = build_schema(
    """
    schema { query: QueryRoot }

    scalar DateTime
    scalar Decimal
    scalar URL

    enum OrderSortKeys {
      CREATED_AT CURRENT_TOTAL_PRICE CUSTOMER_NAME DESTINATION FINANCIAL_STATUS
      FULFILLMENT_STATUS ID ORDER_NUMBER PO_NUMBER PROCESSED_AT RELEVANCE
      TOTAL_ITEMS_QUANTITY TOTAL_PRICE UPDATED_AT
    }
    enum CustomerSortKeys { CREATED_AT ID LOCATION NAME RELEVANCE UPDATED_AT }
    enum FulfillmentEventSortKeys { HAPPENED_AT ID }
    enum CurrencyCode { EUR GBP INR USD }
    enum OrderDisplayFulfillmentStatus {
      FULFILLED FULFILLMENT_NOT_REQUIRED IN_PROGRESS ON_HOLD OPEN PARTIALLY_FULFILLED
      PENDING_FULFILLMENT REQUEST_DECLINED RESTOCKED SCHEDULED UNFULFILLED
    }
    enum OrderDisplayFinancialStatus {
      AUTHORIZED EXPIRED PAID PARTIALLY_PAID PARTIALLY_REFUNDED PENDING REFUNDED VOIDED
    }
    enum FulfillmentStatus { CANCELLED ERROR FAILURE OPEN PENDING SUCCESS }
    enum FulfillmentDisplayStatus {
      ATTEMPTED_DELIVERY CANCELED CARRIER_PICKED_UP CONFIRMED DELAYED DELIVERED FAILURE
      FULFILLED IN_TRANSIT LABEL_PRINTED LABEL_PURCHASED LABEL_VOIDED MARKED_AS_FULFILLED
      NOT_DELIVERED OUT_FOR_DELIVERY PICKED_UP READY_FOR_PICKUP SUBMITTED
    }
    enum FulfillmentEventStatus {
      ATTEMPTED_DELIVERY CARRIER_PICKED_UP CONFIRMED DELAYED DELIVERED FAILURE IN_TRANSIT
      LABEL_PRINTED LABEL_PURCHASED OUT_FOR_DELIVERY READY_FOR_PICKUP
    }

    type QueryRoot {
      orders(
        first: Int, after: String, last: Int, before: String, query: String,
        reverse: Boolean = false, sortKey: OrderSortKeys = PROCESSED_AT, savedSearchId: ID
      ): OrderConnection!
      customers(
        first: Int, after: String, last: Int, before: String, query: String,
        reverse: Boolean = false, sortKey: CustomerSortKeys = ID
      ): CustomerConnection!
      shop: Shop!
    }
    type Shop { id: ID! name: String! }
    type PageInfo {
      hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String
    }
    type OrderConnection { nodes: [Order!]! pageInfo: PageInfo! }
    type CustomerConnection { nodes: [Customer!]! pageInfo: PageInfo! }
    type LineItemConnection { nodes: [LineItem!]! pageInfo: PageInfo! }
    type FulfillmentEventConnection { nodes: [FulfillmentEvent!]! pageInfo: PageInfo! }
    type FulfillmentLineItemConnection { nodes: [FulfillmentLineItem!]! pageInfo: PageInfo! }

    type Order {
      id: ID!
      name: String!
      number: Int!
      email: String
      phone: String
      createdAt: DateTime!
      processedAt: DateTime!
      cancelledAt: DateTime
      displayFulfillmentStatus: OrderDisplayFulfillmentStatus!
      displayFinancialStatus: OrderDisplayFinancialStatus
      currencyCode: CurrencyCode!
      presentmentCurrencyCode: CurrencyCode!
      totalPriceSet: MoneyBag!
      billingAddress: MailingAddress
      shippingAddress: MailingAddress
      customer: Customer
      lineItems(
        first: Int, after: String, last: Int, before: String, reverse: Boolean = false
      ): LineItemConnection!
      fulfillments(first: Int, query: String): [Fulfillment!]!
      test: Boolean!
    }
    type MoneyBag { shopMoney: MoneyV2! presentmentMoney: MoneyV2! }
    type MoneyV2 { amount: Decimal! currencyCode: CurrencyCode! }
    type MailingAddress { phone: String zip: String city: String countryCodeV2: String }
    type Customer {
      id: ID!
      defaultEmailAddress: CustomerEmailAddress
      defaultPhoneNumber: CustomerPhoneNumber
      orders(
        first: Int, after: String, last: Int, before: String, query: String,
        reverse: Boolean = false, sortKey: OrderSortKeys = ID
      ): OrderConnection!
    }
    type CustomerEmailAddress { emailAddress: String! }
    type CustomerPhoneNumber { phoneNumber: String! }
    type LineItem { id: ID! name: String! title: String! quantity: Int! sku: String image: Image }
    type Image { url: URL! altText: String }
    type Fulfillment {
      id: ID!
      name: String!
      status: FulfillmentStatus!
      displayStatus: FulfillmentDisplayStatus
      createdAt: DateTime!
      updatedAt: DateTime!
      inTransitAt: DateTime
      deliveredAt: DateTime
      estimatedDeliveryAt: DateTime
      trackingInfo(first: Int): [FulfillmentTrackingInfo!]!
      events(
        first: Int, after: String, last: Int, before: String, reverse: Boolean = false,
        sortKey: FulfillmentEventSortKeys = ID
      ): FulfillmentEventConnection!
      fulfillmentLineItems(
        first: Int, after: String, last: Int, before: String, reverse: Boolean = false
      ): FulfillmentLineItemConnection!
    }
    type FulfillmentTrackingInfo { company: String number: String url: URL }
    type FulfillmentEvent {
      id: ID! happenedAt: DateTime! status: FulfillmentEventStatus! message: String
    }
    type FulfillmentLineItem { id: ID! quantity: Int lineItem: LineItem! }
    """
)

# --- the shop's data, in the Admin API's own shape ----------------------------------------

RAM_EMAIL = "Ram123@Gmail.com"  # as the shop stored it; the asker writes ram123@gmail.com
RAM_PHONE = "+14155550123"
MAYA_EMAIL = "maya@example.org"


def _line(name: str, quantity: int = 1, image: str | None = None) -> dict[str, Any]:
    slug = name.lower().replace(" ", "-")
    return {
        "id": f"gid://shopify/LineItem/{slug}",
        "name": name,
        "title": name,
        "quantity": quantity,
        "sku": slug.upper(),
        "image": {"url": image, "altText": name} if image else None,
    }


KURTA = _line("Cotton kurta", 2, "https://cdn.shopify.com/s/files/kurta.jpg")
SANDALS = _line("Leather sandals")
SCARF = _line("Silk scarf")
LAMP = _line("Brass lamp")


def _event(status: str, when: str) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/FulfillmentEvent/{status}-{when}",
        "happenedAt": when,
        "status": status,
        "message": None,
    }


def _fulfillment(
    name: str,
    display: str | None,
    *,
    company: str | None = None,
    number: str | None = None,
    url: str | None = None,
    lines: tuple[tuple[dict[str, Any], int], ...] = (),
    status: str = "SUCCESS",
    estimated: str | None = None,
    delivered: str | None = None,
    events: tuple[dict[str, Any], ...] = (),
) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/Fulfillment/{name}",
        "name": name,
        "status": status,
        "displayStatus": display,
        "createdAt": "2026-11-20T10:00:00Z",
        "updatedAt": "2026-11-21T10:00:00Z",
        "inTransitAt": None,
        "deliveredAt": delivered,
        "estimatedDeliveryAt": estimated,
        "trackingInfo": (
            [{"company": company, "number": number, "url": url}] if company or number else []
        ),
        "events": list(events),
        "fulfillmentLineItems": [
            {"id": f"gid://shopify/FulfillmentLineItem/{name}-{i}", "quantity": q, "lineItem": li}
            for i, (li, q) in enumerate(lines)
        ],
    }


def _order(
    number: int,
    email: str | None,
    fulfillment_status: str,
    *,
    financial: str | None = "PAID",
    phone: str | None = None,
    billing_phone: str | None = None,
    placed: str = "2026-11-18T09:30:00Z",
    cancelled: str | None = None,
    lines: tuple[dict[str, Any], ...] = (),
    fulfillments: tuple[dict[str, Any], ...] = (),
    amount: str = "129.90",
    currency: str = "USD",
    ship_to: tuple[str, str] | None = ("94107", "US"),
    shipping_phone: str | None = None,
) -> dict[str, Any]:
    """An order; `ship_to` (postcode, country) is None for one that is not shipped."""
    money = {"amount": amount, "currencyCode": currency}
    shipping = None
    if ship_to is not None:
        zip_code, country = ship_to
        shipping = {
            "phone": shipping_phone,
            "zip": zip_code,
            "city": None,
            "countryCodeV2": country,
        }
    return {
        "id": f"gid://shopify/Order/{5000 + number}",
        "name": f"#{number}",
        "number": number - 1000,
        "email": email,
        "phone": phone,
        "createdAt": placed,
        "processedAt": placed,
        "cancelledAt": cancelled,
        "displayFulfillmentStatus": fulfillment_status,
        "displayFinancialStatus": financial,
        "currencyCode": currency,
        "presentmentCurrencyCode": currency,
        "totalPriceSet": {"shopMoney": money, "presentmentMoney": money},
        "billingAddress": {
            "phone": billing_phone,
            "zip": "94107",
            "city": "San Francisco",
            "countryCodeV2": "US",
        },
        "shippingAddress": shipping,
        "customer": None,
        "lineItems": list(lines),
        "fulfillments": list(fulfillments),
        "test": False,
    }


UPS_TRACKING = "1Z999AA10123456784"
ORDERS: list[dict[str, Any]] = [
    # No parcel yet: paid, waiting to be fulfilled.
    _order(1001, RAM_EMAIL, "UNFULFILLED", phone="+1 (415) 555-0123", lines=(KURTA, SANDALS)),
    # One parcel on its way.
    _order(
        1002,
        RAM_EMAIL,
        "FULFILLED",
        billing_phone="+1 415-555-0123",
        placed="2026-11-10T08:00:00Z",
        lines=(KURTA,),
        fulfillments=(
            _fulfillment(
                "#1002-F1",
                "IN_TRANSIT",
                company="UPS",
                number=UPS_TRACKING,
                url=f"https://www.ups.com/track?tracknum={UPS_TRACKING}",
                lines=((KURTA, 2),),
                estimated="2026-12-09T20:00:00Z",
                events=(
                    _event("CONFIRMED", "2026-11-11T09:00:00Z"),
                    _event("IN_TRANSIT", "2026-12-04T16:20:00Z"),
                    _event("CARRIER_PICKED_UP", "2026-11-12T07:45:00Z"),
                ),
            ),
        ),
    ),
    # Three parcels: one delivered, one on its way, one with only a label.
    _order(
        1003,
        RAM_EMAIL,
        "PARTIALLY_FULFILLED",
        phone=RAM_PHONE,
        placed="2026-11-25T12:00:00Z",
        lines=(KURTA, SANDALS, SCARF, LAMP),
        fulfillments=(
            _fulfillment(
                "#1003-F1",
                "DELIVERED",
                company="DHL Express",
                number="JD014600003",
                url="https://www.dhl.com/track?AWB=JD014600003",
                lines=((KURTA, 2),),
                delivered="2026-11-29T14:05:00Z",
                events=(_event("DELIVERED", "2026-11-29T14:05:00Z"),),
            ),
            _fulfillment(
                "#1003-F2",
                "IN_TRANSIT",
                company="UPS",
                number="1Z999AA10123456785",
                lines=((SANDALS, 1), (SCARF, 1)),
                estimated="2026-12-08T20:00:00Z",
                events=(_event("IN_TRANSIT", "2026-12-03T11:00:00Z"),),
            ),
            _fulfillment(
                "#1003-F3", "LABEL_PRINTED", company="USPS", number="9400111899", lines=((LAMP, 1),)
            ),
        ),
    ),
    # Someone else's.
    _order(
        1004,
        MAYA_EMAIL,
        "UNFULFILLED",
        phone="+447700900123",
        lines=(LAMP,),
        ship_to=("SW1A 1AA", "GB"),
    ),
    # Cancelled, and refunded.
    _order(1005, RAM_EMAIL, "UNFULFILLED", cancelled="2026-11-19T10:00:00Z", lines=(SCARF,)),
    # Nothing to ship: no shipping address.
    _order(
        1006,
        RAM_EMAIL,
        "FULFILLMENT_NOT_REQUIRED",
        financial="REFUNDED",
        lines=(SCARF,),
        ship_to=None,
    ),
    # A guest order with only a phone, whose one parcel's delivery attempt failed.
    _order(
        1007,
        None,
        "FULFILLED",
        billing_phone="001 415 555 0123",
        lines=(SANDALS,),
        fulfillments=(
            _fulfillment(
                "#1007-F1",
                "ATTEMPTED_DELIVERY",
                company="FedEx",
                number="7712345",
                lines=((SANDALS, 1),),
            ),
        ),
    ),
    # A cancelled fulfillment is no parcel; the other is out for delivery.
    _order(
        1008,
        RAM_EMAIL,
        "FULFILLED",
        lines=(LAMP,),
        fulfillments=(
            _fulfillment(
                "#1008-F1", "CANCELED", company="UPS", number="1ZVOID", status="CANCELLED"
            ),
            _fulfillment(
                "#1008-F2",
                "OUT_FOR_DELIVERY",
                company="UPS",
                number="1Z999AA1012",
                lines=((LAMP, 1),),
            ),
        ),
    ),
    # Payment pending, not yet prepared; and an order whose e-mail and phone are redacted.
    _order(1009, RAM_EMAIL, "UNFULFILLED", financial="PENDING", placed="2026-11-20T09:00:00Z"),
    _order(1010, None, "UNFULFILLED", ship_to=None),
    # Ending like 1001: an older one of Ram's, with only the shipping address's phone, and
    # Maya's.
    _order(
        21001,
        RAM_EMAIL,
        "FULFILLED",
        placed="2026-09-01T10:00:00Z",
        lines=(LAMP,),
        shipping_phone="+1 415 555 0123",
    ),
    _order(31001, MAYA_EMAIL, "FULFILLED", placed="2026-11-01T10:00:00Z", lines=(SCARF,)),
]
CUSTOMERS: list[dict[str, Any]] = [
    {
        "id": "gid://shopify/Customer/1",
        "defaultEmailAddress": {"emailAddress": RAM_EMAIL},
        "defaultPhoneNumber": {"phoneNumber": RAM_PHONE},
        "orders": [o for o in ORDERS if o["email"] == RAM_EMAIL],
    },
    {
        "id": "gid://shopify/Customer/2",
        "defaultEmailAddress": {"emailAddress": MAYA_EMAIL},
        "defaultPhoneNumber": {"phoneNumber": "+447700900123"},
        "orders": [o for o in ORDERS if o["email"] == MAYA_EMAIL],
    },
]


# --- search, connections, cost --------------------------------------------------------------


def _alternatives(query: str | None) -> list[dict[str, str]]:
    """The query's terms between its ORs (`name:1001 OR name:1002`): an order matches when
    it matches every term of one of them."""
    return [_terms(part) for part in re.split(r"\s+OR\s+", query or "")]


def _terms(query: str | None) -> dict[str, str]:
    """`field:value` and `field:"quoted value"` terms (AND is implicit)."""
    terms: dict[str, str] = {}
    if not query:
        return terms
    for name, quoted, bare in re.findall(r'(\w+):(?:"([^"]*)"|(\S+))', query):
        terms[name] = quoted or bare
    return terms


def _connection(nodes: list[dict[str, Any]], first: int | None) -> dict[str, Any]:
    if first is None:
        raise GraphQLError("you must provide one of first or last")
    shown = nodes[:first]
    return {
        "nodes": shown,
        "pageInfo": {
            "hasNextPage": len(nodes) > first,
            "hasPreviousPage": False,
            "startCursor": None,
            "endCursor": None,
        },
    }


def _sorted_orders(orders: list[dict[str, Any]], sort_key: str, reverse: bool) -> list[Any]:
    key = {"CREATED_AT": "createdAt", "PROCESSED_AT": "processedAt"}.get(sort_key, "id")
    return sorted(orders, key=lambda o: o[key], reverse=reverse)


def _order_view(order: dict[str, Any]) -> dict[str, Any]:
    """An order whose connection fields answer their arguments."""
    view = dict(order)
    view["lineItems"] = lambda info, first=None, **_: _connection(order["lineItems"], first)

    def fulfillments(info: Any, first: int | None = None, **_: Any) -> list[Any]:
        return [_fulfillment_view(f) for f in order["fulfillments"][:first]]

    view["fulfillments"] = fulfillments
    return view


def _fulfillment_view(fulfillment: dict[str, Any]) -> dict[str, Any]:
    view = dict(fulfillment)
    view["trackingInfo"] = lambda info, first=None: fulfillment["trackingInfo"][:first]

    def events(
        info: Any, first: int | None = None, sortKey: str = "ID", reverse: bool = False, **_: Any
    ) -> dict[str, Any]:
        key = "happenedAt" if sortKey == "HAPPENED_AT" else "id"
        ordered = sorted(fulfillment["events"], key=lambda e: e[key], reverse=reverse)
        return _connection(ordered, first)

    view["events"] = events
    view["fulfillmentLineItems"] = lambda info, first=None, **_: _connection(
        fulfillment["fulfillmentLineItems"], first
    )
    return view


def _resolve_orders(
    info: Any,
    first: int | None = None,
    query: str | None = None,
    sortKey: str = "PROCESSED_AT",
    reverse: bool = False,
    **_: Any,
) -> dict[str, Any]:
    found = [o for o in ORDERS if any(_matches(o, terms) for terms in _alternatives(query))]
    ordered = _sorted_orders(found, sortKey, reverse)
    return _connection([_order_view(o) for o in ordered], first)


def _matches(order: dict[str, Any], terms: dict[str, str]) -> bool:
    if "name" in terms and order["name"].lstrip("#").upper() != terms["name"].lstrip("#").upper():
        return False
    return "email" not in terms or (order["email"] or "").lower() == terms["email"].lower()


def _resolve_customers(
    info: Any, first: int | None = None, query: str | None = None, **_: Any
) -> dict[str, Any]:
    terms = _terms(query)
    found = CUSTOMERS
    if "phone" in terms:
        found = [c for c in found if c["defaultPhoneNumber"]["phoneNumber"] == terms["phone"]]

    def view(customer: dict[str, Any]) -> dict[str, Any]:
        shown = dict(customer)

        def orders(
            info: Any,
            first: int | None = None,
            sortKey: str = "ID",
            reverse: bool = False,
            **_: Any,
        ) -> dict[str, Any]:
            ordered = _sorted_orders(customer["orders"], sortKey, reverse)
            return _connection([_order_view(o) for o in ordered], first)

        shown["orders"] = orders
        return shown

    return _connection([view(c) for c in found], first)


ROOT = {
    "orders": _resolve_orders,
    "customers": _resolve_customers,
    "shop": {"id": "gid://shopify/Shop/1", "name": "Fake shop"},
}


def requested_cost(document: Any, variables: dict[str, Any]) -> int:
    """The query's calculated cost, by Shopify's rules: scalars and enums 0, objects 1,
    connections 2 plus `first` times each node's cost."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }

    def cost(selections: SelectionSetNode | None, parent: GraphQLObjectType) -> int:
        total = 0
        for selection in selections.selections if selections else ():
            if isinstance(selection, FragmentSpreadNode):
                fragment = fragments[selection.name.value]
                total += cost(fragment.selection_set, parent)
                continue
            if isinstance(selection, InlineFragmentNode):
                total += cost(selection.selection_set, parent)
                continue
            assert isinstance(selection, FieldNode)
            definition = parent.fields.get(selection.name.value)
            if definition is None:
                continue
            named = get_named_type(definition.type)
            if is_leaf_type(named):
                continue
            assert isinstance(named, GraphQLObjectType)
            first = 1
            for argument in selection.arguments or ():
                if argument.name.value in ("first", "last"):
                    first = value_from_ast(argument.value, SCHEMA.type_map["Int"], variables) or 1
            if named.name.endswith("Connection"):
                node_type = get_named_type(named.fields["nodes"].type)
                assert isinstance(node_type, GraphQLObjectType)
                per_node = sum(
                    1 + cost(sub.selection_set, node_type)
                    for sub in (
                        selection.selection_set.selections if selection.selection_set else ()
                    )
                    if isinstance(sub, FieldNode) and sub.name.value == "nodes"
                )
                total += 2 + first * per_node
            elif is_list_type(getattr(definition.type, "of_type", definition.type)):
                total += first * (1 + cost(selection.selection_set, named))
            else:
                total += 1 + cost(selection.selection_set, named)
        return total

    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    query_type = SCHEMA.query_type
    assert query_type is not None
    return cost(operation.selection_set, query_type)


# --- the fake shop --------------------------------------------------------------------------


@dataclass
class Bucket:
    """Shopify's leaky bucket of cost points for one app on one shop."""

    maximum: float = 2000.0
    available: float = 2000.0
    restore_rate: float = 100.0
    at: float = field(default_factory=time.monotonic)

    def refill(self) -> None:
        now = time.monotonic()
        self.available = min(self.maximum, self.available + (now - self.at) * self.restore_rate)
        self.at = now

    def status(self) -> dict[str, Any]:
        return {
            "maximumAvailable": self.maximum,
            "currentlyAvailable": int(self.available),
            "restoreRate": self.restore_rate,
        }


class FakeShopify:
    def __init__(self) -> None:
        self.bucket = Bucket()
        self.failures: list[tuple[str, Any]] = []
        self.calls: list[str] = []
        self.lock = threading.Lock()
        self.app = Starlette(
            routes=[Route("/admin/api/{version}/graphql.json", self.graphql, methods=["POST"])]
        )

    def reset(self) -> None:
        with self.lock:
            self.bucket = Bucket()
            self.failures.clear()
            self.calls.clear()

    def fail(self, *failures: tuple[str, Any]) -> None:
        """Queue failures for the next calls: ("429", retry_after), ("status", code),
        ("slow", seconds), ("garbled", None)."""
        with self.lock:
            self.failures.extend(failures)

    async def graphql(self, request: Request) -> Response:
        version = request.path_params["version"]
        served = version if version in SUPPORTED_VERSIONS else SUPPORTED_VERSIONS[0]
        headers = {"X-Shopify-API-Version": served}
        token = request.headers.get("x-shopify-access-token")
        if token not in (TOKEN, TOKEN_WITHOUT_ORDERS):
            with self.lock:
                self.calls.append("(refused)")
            return JSONResponse({"errors": INVALID_TOKEN}, status_code=401, headers=headers)
        body = await request.json()
        try:
            document = parse(body["query"])
        except GraphQLError as exc:
            return JSONResponse({"errors": [exc.formatted]}, headers=headers)
        operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
        with self.lock:
            self.calls.append(operation.name.value if operation.name else "(anonymous)")
            failure = self.failures.pop(0) if self.failures else None
        if failure is not None:
            answer = await self._failure(request, failure, headers)
            if answer is not None:
                return answer
        errors = validate(SCHEMA, document)
        if errors:
            return JSONResponse({"errors": [e.formatted for e in errors]}, headers=headers)
        variables = body.get("variables") or {}
        cost = requested_cost(document, variables)
        if cost > MAX_QUERY_COST:
            return JSONResponse(
                {
                    "errors": [
                        {
                            "message": f"Query cost is {cost}, which exceeds the single query max "
                            f"cost limit ({MAX_QUERY_COST}).",
                            "extensions": {
                                "code": "MAX_COST_EXCEEDED",
                                "cost": cost,
                                "maxCost": MAX_QUERY_COST,
                            },
                        }
                    ]
                },
                headers=headers,
            )
        with self.lock:
            self.bucket.refill()
            if cost > self.bucket.available:
                return JSONResponse(
                    {
                        "errors": [
                            {
                                "message": "Throttled",
                                "extensions": {
                                    "code": "THROTTLED",
                                    "documentation": "https://shopify.dev/api/usage/rate-limits",
                                },
                            }
                        ],
                        "extensions": {
                            "cost": {
                                "requestedQueryCost": cost,
                                "actualQueryCost": None,
                                "throttleStatus": self.bucket.status(),
                            }
                        },
                    },
                    headers=headers,
                )
            self.bucket.available -= cost
            status = self.bucket.status()
        if token == TOKEN_WITHOUT_ORDERS and operation.name and operation.name.value != "Ping":
            field = "customers" if "customers" in body["query"] else "orders"
            scope = "read_customers" if field == "customers" else "read_orders"
            return JSONResponse(
                {
                    "errors": [
                        {
                            "message": f"Access denied for {field} field. Required access: "
                            f"`{scope}` access scope.",
                            "locations": [{"line": 2, "column": 3}],
                            "path": [field],
                            "extensions": {
                                "code": "ACCESS_DENIED",
                                "documentation": "https://shopify.dev/api/usage/access-scopes",
                                "requiredAccess": f"`{scope}` access scope.",
                            },
                        }
                    ],
                    "data": None,
                    "extensions": {
                        "cost": {
                            "requestedQueryCost": cost,
                            "actualQueryCost": 2,
                            "throttleStatus": status,
                        }
                    },
                },
                headers=headers,
            )
        result = execute(SCHEMA, document, root_value=ROOT, variable_values=variables)
        assert not isinstance(result, asyncio.Future)  # every resolver here is synchronous
        answer: dict[str, Any] = {"data": result.data}
        if result.errors:
            answer["errors"] = [e.formatted for e in result.errors]
        # The bucket was charged the requested cost; what the query did not use comes back.
        actual = max(cost // 10, 1)
        with self.lock:
            self.bucket.available += cost - actual
            status = self.bucket.status()
        answer["extensions"] = {
            "cost": {
                "requestedQueryCost": cost,
                "actualQueryCost": actual,
                "throttleStatus": status,
            }
        }
        return JSONResponse(answer, headers=headers)

    async def _failure(
        self, request: Request, failure: tuple[str, Any], headers: dict[str, str]
    ) -> Response | None:
        kind, value = failure
        if kind == "429":
            limited = {**headers, "Retry-After": str(value)}
            return JSONResponse({"errors": REST_LIMIT}, status_code=429, headers=limited)
        if kind == "status":
            if value >= 502:  # Shopify's edge: a page, not JSON
                page = f"<html><body><h1>{value}</h1>There was a problem loading this website."
                return Response(page, status_code=value, media_type="text/html")
            return JSONResponse({"errors": "Internal Server Error"}, status_code=value)
        if kind == "slow":
            deadline = time.monotonic() + value
            while time.monotonic() < deadline and not await request.is_disconnected():
                await asyncio.sleep(0.05)
            return None  # then answers as usual, if anyone still listens
        if kind == "garbled":
            return Response('{"data": {"orders": {"nodes": [', media_type="application/json")
        raise AssertionError(f"unknown failure {kind!r}")


# --- a real server on a loopback port, in a thread -----------------------------------------


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve `app` with uvicorn on 127.0.0.1 in a thread; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        ws="none",
        http="h11",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise AssertionError("the fake shop did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
