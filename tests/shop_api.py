"""A small shop order API, in the shop's own words, for the HTTP backend's tests.

Run as a real process: ``python -m uvicorn shop_api:app --app-dir tests --port N``.

Its JSON is not ours: ``orderNo``, ``state`` with words like ``in_transit``, money and
customer nested, lines with ``title``/``qty``/``picture``. Some order numbers misbehave on
purpose; every request is counted per path, readable at ``GET /_calls`` and reset with
``DELETE /_calls``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import Counter
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TOKEN = "Bearer shop-secret-token"
SLOW_SECONDS = 3.0

RAVI: dict[str, Any] = {
    "email": "Ravi.R@Example.com",
    "phone": "+91 98450 12345",
    "chat": {"channel": "telegram", "id": "51342", "handle": "RaviR"},
}
MAYA: dict[str, Any] = {
    "email": "maya@example.org",
    "chat": {"channel": "telegram", "id": "90817", "handle": "mayal"},
}


def _order(number: str, state: str, created: str, customer: dict[str, Any], **extra: Any) -> Any:
    return {
        "orderNo": number,
        "state": state,
        "createdAt": created,
        "money": {"currency": "eur", "amount": "129.90"},
        "customer": customer,
        "delivery": None,
        "lines": [],
        **extra,
    }


ETA = dt.date.today() + dt.timedelta(days=3)
ORDERS: dict[str, Any] = {
    "SH-1001": _order(
        "SH-1001",
        "in_transit",
        "2026-03-01T09:30:00+01:00",
        RAVI,
        money={"currency": "eur", "amount": 129.9},
        delivery={
            "carrier": "DHL",
            "trackingCode": "JD014600003",
            "trackingLink": "https://track.example.com/dhl/JD014600003",
            # Ahead of today, or the order would be told as late (and a person offered).
            "eta": ETA.isoformat(),
            "deliveredOn": None,
        },
        lines=[
            {
                "title": "Cotton kurta, indigo",
                "qty": 2,
                "picture": "https://shop.example.com/img/kurta.jpg",
            },
            {"title": "Leather sandals", "qty": "1"},
        ],
        shipTo={"city": "Bengaluru", "zip": "560 034"},
    ),
    "SH-1002": _order(
        "SH-1002",
        "Completed",
        "2026-02-10",
        RAVI,
        delivery={"carrier": "UPS", "eta": "2026-02-14", "deliveredOn": "2026-02-13"},
    ),
    "SH-1003": _order("SH-1003", "awaiting_payment", "2026-03-05", RAVI),
    "SH-1004": _order("SH-1004", "PROCESSING", "2026-03-08", RAVI, money=None),
    # Ending like SH-1003: an older one of Ravi's, and Maya's.
    "SH-11003": _order("SH-11003", "completed", "2026-01-20", RAVI),
    "SH-21003": _order("SH-21003", "in_transit", "2026-03-04", MAYA),
    "SH-2001": _order("SH-2001", "in_transit", "2026-03-02", MAYA),
    # Someone else's broken order: to Ravi it must be as unknown as a missing one.
    "SH-2002": _order("SH-2002", "teleported", "2026-03-02", MAYA),
    "SH-3001": _order("SH-3001", "teleported", "2026-03-03", RAVI),
    "SH-3002": _order("SH-3002", "in_transit", "yesterday-ish", RAVI),
    "SH-3003": _order("SH-3003", "in_transit", "2026-03-03", RAVI, orderNo=None),
    "SH-3004": _order("SH-3004", "in_transit", "2026-03-03", RAVI, orderNo="SH-9999"),
}

calls: Counter[str] = Counter()


def _authorized(request: Request) -> bool:
    return request.headers.get("x-shop-token") == TOKEN


async def order(request: Request) -> Response:
    calls[request.url.path] += 1
    if not _authorized(request):
        return JSONResponse({"message": "who are you?"}, status_code=401)
    number = request.path_params["number"]
    if number == "SH-SLOW":
        # Longer than any client waits; stops early once the client has gone.
        deadline = time.monotonic() + SLOW_SECONDS
        while time.monotonic() < deadline and not await request.is_disconnected():
            await asyncio.sleep(0.05)
        return JSONResponse(ORDERS["SH-1001"])
    if number == "SH-BOOM":
        return JSONResponse({"message": "internal error"}, status_code=500)
    if number == "SH-FLAKY":
        # Every first call of a pair is refused by the "gateway", the second one answers.
        if calls[request.url.path] % 2 == 1:
            return Response("bad gateway", status_code=503, media_type="text/plain")
        return JSONResponse({**ORDERS["SH-1004"], "orderNo": "SH-FLAKY"})
    if number == "SH-GARBLED":
        return Response('{"orderNo": "SH-GARBLED", "state": ', media_type="application/json")
    if number == "SH-TEAPOT":
        return JSONResponse({"message": "no"}, status_code=418)
    found = ORDERS.get(number)
    if found is None:
        return JSONResponse({"message": "no such order"}, status_code=404)
    return JSONResponse(found)


async def customer_orders(request: Request) -> Response:
    calls[request.url.path] += 1
    if not _authorized(request):
        return JSONResponse({"message": "who are you?"}, status_code=401)
    email = request.path_params["email"].lower()
    if email == "nobody@example.com":
        return JSONResponse({"message": "no such customer"}, status_code=404)
    mine = [
        o
        for number, o in ORDERS.items()
        if number in {"SH-1001", "SH-1002", "SH-1003", "SH-1004", "SH-11003"}
        and o["customer"]["email"].lower() == email
    ]
    # A careless shop that also lists someone else's orders: the store must drop them.
    others = [ORDERS["SH-2001"], ORDERS["SH-21003"]]
    return JSONResponse({"data": {"orders": [*mine, *others]}, "page": 1})


async def root(request: Request) -> Response:
    calls[request.url.path] += 1
    return JSONResponse({"shop": "up"})


async def read_calls(request: Request) -> Response:
    return JSONResponse(dict(calls))


async def reset_calls(request: Request) -> Response:
    calls.clear()
    return Response(status_code=204)


app = Starlette(
    routes=[
        Route("/", root),
        Route("/_calls", read_calls, methods=["GET"]),
        Route("/_calls", reset_calls, methods=["DELETE"]),
        Route("/api/v2/orders/{number}", order),
        Route("/api/v2/customers/{email}/orders", customer_orders),
    ]
)
