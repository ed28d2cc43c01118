"""A fake WooCommerce shop: the REST API v3's orders routes on a real loopback HTTP server.

Answers as WooCommerce's own code does (woocommerce/woocommerce, plugins/woocommerce/includes/:
class-wc-rest-authentication.php, rest-api/Controllers/Version3/class-wc-rest-crud-controller.php
and class-wc-rest-orders-controller.php), errors in WordPress's shape
``{"code", "message", "data": {"status"}}``:

- ``GET /wp-json/wc/v3/orders/{id}`` (digits only, else ``rest_no_route``): the order, or 404
  ``woocommerce_rest_shop_order_invalid_id`` "Invalid ID.";
- ``GET /wp-json/wc/v3/orders`` with ``search``, ``status`` (a comma list, checked against the
  statuses: 400 ``rest_invalid_param``), ``per_page`` (1 to 100), ``page``, ``orderby=date``,
  ``order``: a page of orders with ``X-WP-Total``, ``X-WP-TotalPages`` and ``Link`` rel="prev"
  and rel="next";
- authentication with HTTP Basic (consumer key and secret): an unknown key is no user, so the
  request runs as a guest and a readable order or list answers 401 ``woocommerce_rest_cannot_view``
  (a missing order still answers 404: the permission check passes for an id without order);
  a wrong secret 401 ``woocommerce_rest_authentication_error`` "Consumer secret is invalid." with
  ``WWW-Authenticate: Basic realm=...``; a key without read permission 401 "The API key
  provided does not have read permissions.". (Real WooCommerce takes Basic credentials over
  https only; this fake, on loopback, over http.)

Orders carry the Shipment Tracking extension's ``_wc_shipment_tracking_items`` meta as that
extension stores it (``date_shipped`` a Unix timestamp as text; after an item is deleted the
PHP array has a gap and comes as a JSON object). Failures queued with `FakeWooCommerce.fail`:
a WordPress fatal error (500 ``internal_server_error``), maintenance mode (503, Retry-After
600), a host's rate limit in front of the shop (429, Retry-After), a PHP notice printed before
the JSON, a slow answer.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import math
import threading
import time
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

KEY = "ck_4a1b2c3d4e5f60718293a4b5c6d7e8f901234567"
SECRET = "cs_0f1e2d3c4b5a69788796a5b4c3d2e1f098765432"
WRITE_ONLY_KEY = "ck_write_only_000000000000000000000000000"
WRITE_ONLY_SECRET = "cs_write_only_000000000000000000000000000"
KEYS = {KEY: (SECRET, "read"), WRITE_ONLY_KEY: (WRITE_ONLY_SECRET, "write")}
REALM = (
    'Basic realm="WooCommerce API. Use a consumer key in the username field and a consumer '
    'secret in the password field."'
)
STATUSES = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "checkout-draft",
)
CRITICAL_ERROR = (
    '<p>There has been a critical error on this website.</p><p><a href="https://wordpress.org/'
    'documentation/article/faq-troubleshooting/">Learn more about troubleshooting WordPress.'
    "</a></p>"
)
MAINTENANCE = (
    "<!DOCTYPE html><html><head><title>Maintenance</title></head><body><h1>Briefly unavailable "
    "for scheduled maintenance. Check back in a minute.</h1></body></html>"
)
PHP_NOTICE = (
    "<br />\n<b>Deprecated</b>:  Creation of dynamic property WC_Some_Plugin::$cache is "
    "deprecated in <b>/var/www/html/wp-content/plugins/some-plugin/some-plugin.php</b> on line "
    "<b>42</b><br />\n"
)

RAM = {"email": "Ram123@Gmail.com", "phone": "+14155550123", "first_name": "Ram"}
# The same phone as another checkout had it typed.
RAM_TYPED = {**RAM, "phone": "+1 (415) 555-0123"}
MAYA = {
    "email": "maya@example.org",
    "phone": "+44 7700 900123",
    "first_name": "Maya",
    "street": "1 Horse Guards Rd",
    "city": "London",
    "state": "",
    "postcode": "SW1A 2HQ",
    "country": "GB",
}


def _tracking(provider: str, number: str, shipped: int, **custom: str) -> dict[str, Any]:
    return {
        "tracking_provider": provider,
        "custom_tracking_provider": custom.get("name", ""),
        "custom_tracking_link": custom.get("link", ""),
        "tracking_number": number,
        "date_shipped": str(shipped),
        "tracking_id": hashlib.md5(f"{provider}-{number}".encode()).hexdigest(),
    }


def _line(name: str, quantity: int = 1, image: str = "") -> dict[str, Any]:
    return {
        "id": int(hashlib.md5(name.encode()).hexdigest()[:4], 16),
        "name": name,
        "product_id": 93,
        "variation_id": 0,
        "quantity": quantity,
        "tax_class": "",
        "subtotal": "40.00",
        "subtotal_tax": "0.00",
        "total": "40.00",
        "total_tax": "0.00",
        "taxes": [],
        "meta_data": [],
        "sku": "",
        "price": 40,
        "image": {"id": 0, "src": image},
        "parent_name": None,
    }


def _order(
    order_id: int,
    status: str,
    customer: dict[str, str],
    created: str,
    *,
    number: str | None = None,
    lines: tuple[dict[str, Any], ...] = (),
    tracking: Any = None,
    total: str = "89.90",
    shipped: bool = True,
) -> dict[str, Any]:
    """An order; one that is not `shipped` (nothing to ship) has an empty shipping address,
    as WooCommerce answers it."""
    meta: list[dict[str, Any]] = [{"id": 1, "key": "is_vat_exempt", "value": "no"}]
    if tracking is not None:
        meta.append({"id": 2, "key": "_wc_shipment_tracking_items", "value": tracking})
    address = {
        "first_name": customer["first_name"],
        "last_name": "R",
        "company": "",
        "address_1": customer.get("street", "1 Market St"),
        "address_2": "",
        "city": customer.get("city", "San Francisco"),
        "state": customer.get("state", "CA"),
        "postcode": customer.get("postcode", "94107"),
        "country": customer.get("country", "US"),
    }
    shipping = {**address, "phone": ""} if shipped else {k: "" for k in [*address, "phone"]}
    return {
        "id": order_id,
        "parent_id": 0,
        "status": status,
        "currency": "USD",
        "version": "9.4.2",
        "prices_include_tax": False,
        "date_created": created,
        "date_modified": created,
        "discount_total": "0.00",
        "shipping_total": "9.90",
        "total": total,
        "total_tax": "0.00",
        "customer_id": 0,
        "order_key": f"wc_order_{order_id:010d}",
        "billing": {**address, "email": customer["email"], "phone": customer["phone"]},
        "shipping": shipping,
        "payment_method": "stripe",
        "payment_method_title": "Credit card",
        "date_created_gmt": created,
        "number": number or str(order_id),
        "meta_data": meta,
        "line_items": list(lines),
        "tax_lines": [],
        "shipping_lines": [],
        "fee_lines": [],
        "coupon_lines": [],
        "refunds": [],
    }


SHIPPED = 1764806400  # 2025-12-04
ORDERS: dict[int, dict[str, Any]] = {
    o["id"]: o
    for o in [
        # Paid, being prepared, no parcel yet.
        _order(101, "processing", RAM, "2026-11-28T10:15:00", lines=(_line("Cotton kurta", 2),)),
        # Completed with one parcel (a built-in provider: the link is made from its template).
        _order(
            102,
            "completed",
            RAM_TYPED,
            "2026-11-20T09:00:00",
            lines=(_line("Leather sandals", 1, "https://shop.example.com/img/sandals.jpg"),),
            tracking=[_tracking("usps", "9400111899223344556677", SHIPPED)],
        ),
        # Three parcels; one was deleted, so the PHP array has a gap and comes as an object.
        _order(
            103,
            "completed",
            RAM,
            "2026-11-22T16:40:00",
            lines=(_line("Silk scarf"), _line("Brass lamp"), _line("Tea set")),
            tracking={
                "0": _tracking(
                    "",
                    "BD7788990011",
                    SHIPPED,
                    name="Blue Dart",
                    link="https://www.bluedart.com/track?awb=BD7788990011",
                ),
                "2": _tracking("dhl", "JD014600004", SHIPPED),
                "3": _tracking("fan-courier", "FC123456", SHIPPED),
            },
        ),
        # Someone else's.
        _order(104, "processing", MAYA, "2026-11-29T08:00:00", lines=(_line("Brass lamp"),)),
        _order(105, "on-hold", RAM, "2026-11-30T11:00:00", lines=(_line("Tea set"),)),
        _order(106, "cancelled", RAM, "2026-11-01T11:00:00"),
        _order(107, "refunded", RAM, "2026-10-01T11:00:00", total="35.00"),
        _order(108, "failed", RAM, "2026-11-02T11:00:00"),
        _order(109, "checkout-draft", RAM, "2026-12-01T11:00:00"),
        # A sequential-numbers plugin's number: the customer knows it as 10001.
        _order(130, "processing", RAM, "2026-11-26T10:00:00", number="10001"),
        # Order 140 exists, but the customer-facing 140 is another order of Ram's.
        _order(140, "processing", MAYA, "2026-11-03T10:00:00", number="20140"),
        _order(150, "pending", RAM, "2026-11-04T10:00:00", number="140"),
        # Ending like 10001: an older one of Ram's, and Maya's.
        _order(160, "completed", RAM, "2026-10-15T10:00:00", number="90001"),
        _order(161, "processing", MAYA, "2026-11-27T10:00:00", number="70001"),
        # Nothing to ship (an e-book): no shipping postcode.
        _order(
            162, "completed", RAM, "2026-10-20T10:00:00", lines=(_line("E-book"),), shipped=False
        ),
    ]
}
# Newer orders of other customers whose e-mail contains Ram's: they fill the first pages of
# a search for it, so Ram's own open orders are on a later page.
for _n in range(7):
    _decoy = {**RAM, "email": f"x{_n}{RAM['email']}", "phone": "+1 212 555 0100"}
    ORDERS[200 + _n] = _order(200 + _n, "processing", _decoy, f"2026-12-0{_n % 5 + 1}T09:00:00")


def _error(code: str, message: str, status: int, **headers: str) -> JSONResponse:
    return JSONResponse(
        {"code": code, "message": message, "data": {"status": status}},
        status_code=status,
        headers=headers,
    )


class FakeWooCommerce:
    def __init__(self) -> None:
        self.failures: list[tuple[str, Any]] = []
        self.calls: list[str] = []
        self.lock = threading.Lock()
        self.app = Starlette(
            routes=[
                Route("/wp-json/wc/v3/orders", self.list_orders, methods=["GET"]),
                Route("/wp-json/wc/v3/orders/{id}", self.one_order, methods=["GET"]),
            ]
        )

    def reset(self) -> None:
        with self.lock:
            self.failures.clear()
            self.calls.clear()

    def fail(self, *failures: tuple[str, Any]) -> None:
        """Queue failures for the next calls: ("fatal", None), ("maintenance", None),
        ("429", retry_after), ("notice", None), ("slow", seconds)."""
        with self.lock:
            self.failures.extend(failures)

    # --- authentication, as WC_REST_Authentication does it ---

    def _authenticate(self, request: Request) -> tuple[str | None, Response | None]:
        """(the key's permissions or None for a guest, an error answer or None)."""
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            return None, None
        try:
            key, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None, None
        known = KEYS.get(key)
        if known is None:
            return None, None  # no such key: no user, and no error either
        if known[0] != secret:
            return None, _error(
                "woocommerce_rest_authentication_error",
                "Consumer secret is invalid.",
                401,
                **{"WWW-Authenticate": REALM},
            )
        if known[1] not in ("read", "read_write"):
            return None, _error(
                "woocommerce_rest_authentication_error",
                "The API key provided does not have read permissions.",
                401,
            )
        return known[1], None

    async def _begin(self, request: Request) -> Response | None:
        with self.lock:
            self.calls.append(
                request.url.path + ("?" + request.url.query if request.url.query else "")
            )
            failure = self.failures.pop(0) if self.failures else None
        if failure is None:
            return None
        kind, value = failure
        if kind == "fatal":
            return JSONResponse(
                {
                    "code": "internal_server_error",
                    "message": CRITICAL_ERROR,
                    "data": {"status": 500},
                    "additional_errors": [],
                },
                status_code=500,
            )
        if kind == "maintenance":
            return Response(
                MAINTENANCE, status_code=503, headers={"Retry-After": "600"}, media_type="text/html"
            )
        if kind == "429":
            return Response(
                "Too Many Requests",
                status_code=429,
                headers={"Retry-After": str(value)},
                media_type="text/plain",
            )
        if kind == "slow":
            deadline = time.monotonic() + value
            while time.monotonic() < deadline and not await request.is_disconnected():
                await asyncio.sleep(0.05)
            return None
        if kind == "notice":
            return None  # printed before the JSON, below
        raise AssertionError(f"unknown failure {kind!r}")

    def _garble(self, response: JSONResponse) -> Response:
        return Response(
            PHP_NOTICE.encode() + response.body,
            status_code=response.status_code,
            media_type="application/json",
        )

    # --- routes ---

    async def one_order(self, request: Request) -> Response:
        notice = self.failures[:1] == [("notice", None)]
        early = await self._begin(request)
        if early is not None:
            return early
        raw = request.path_params["id"]
        if not raw.isdigit():
            return _error(
                "rest_no_route", "No route was found matching the URL and request method.", 404
            )
        permissions, refused = self._authenticate(request)
        if refused is not None:
            return refused
        order = ORDERS.get(int(raw))
        if order is not None and permissions is None:
            return _error(
                "woocommerce_rest_cannot_view", "Sorry, you cannot view this resource.", 401
            )
        if order is None:
            return _error("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 404)
        answer = JSONResponse(order)
        return self._garble(answer) if notice else answer

    async def list_orders(self, request: Request) -> Response:
        notice = self.failures[:1] == [("notice", None)]
        early = await self._begin(request)
        if early is not None:
            return early
        permissions, refused = self._authenticate(request)
        if refused is not None:
            return refused
        if permissions is None:
            return _error("woocommerce_rest_cannot_view", "Sorry, you cannot list resources.", 401)
        params = request.query_params
        statuses = [s for s in params.get("status", "any").split(",") if s]
        allowed = ("any", "trash", *STATUSES)
        wrong = [s for s in statuses if s not in allowed]
        if wrong:
            return JSONResponse(
                {
                    "code": "rest_invalid_param",
                    "message": "Invalid parameter(s): status",
                    "data": {
                        "status": 400,
                        "params": {"status": f"status[0] is not one of {', '.join(allowed)}."},
                    },
                },
                status_code=400,
            )
        try:
            per_page = int(params.get("per_page", "10"))
            page = int(params.get("page", "1"))
        except ValueError:
            per_page = page = 0
        if not 1 <= per_page <= 100 or page < 1:
            return JSONResponse(
                {
                    "code": "rest_invalid_param",
                    "message": "Invalid parameter(s): per_page",
                    "data": {
                        "status": 400,
                        "params": {
                            "per_page": "per_page must be between 1 (inclusive) and 100 (inclusive)"
                        },
                    },
                },
                status_code=400,
            )
        term = params.get("search", "").lower()
        found = [
            o
            for o in ORDERS.values()
            if (("any" in statuses and o["status"] != "trash") or o["status"] in statuses)
            and (not term or term in _searchable(o))
        ]
        newest = params.get("order", "desc") == "desc"
        found.sort(key=lambda o: (o["date_created"], o["id"]), reverse=newest)
        pages = math.ceil(len(found) / per_page)
        shown = found[(page - 1) * per_page : page * per_page]
        base = f"{request.url.scheme}://{request.url.netloc}{request.url.path}"
        links = []
        query = dict(params)
        if page > 1:
            links.append(
                f'<{base}?{urlencode({**query, "page": min(page - 1, pages)})}>; rel="prev"'
            )
        if pages > page:
            links.append(f'<{base}?{urlencode({**query, "page": page + 1})}>; rel="next"')
        headers = {"X-WP-Total": str(len(found)), "X-WP-TotalPages": str(pages)}
        if links:
            headers["Link"] = ", ".join(links)
        answer = JSONResponse(shown, headers=headers)
        return self._garble(answer) if notice else answer


def _searchable(order: dict[str, Any]) -> str:
    """What WooCommerce's order search looks in: the number, billing and shipping addresses
    (e-mail and phone among them) and the items' names."""
    billing = order["billing"]
    parts = [str(order["id"]), order["number"], *map(str, billing.values())]
    parts += [line["name"] for line in order["line_items"]]
    return " ".join(parts).lower()
