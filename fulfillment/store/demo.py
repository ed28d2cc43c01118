"""Demo orders for the embedded store: every status, the seed's own case, and a stranger.

Every order carries a delivery postcode of its customer's country and the customer's phone
number, so a guest can prove an order with either (or with the customer's e-mail address):
Ravi in Bengaluru, Ram in San Francisco (his WhatsApp number), Maya in Helsinki, Jonas in
Berlin, Lena in Lisbon. Ravi's 748596 and 728596 end alike, for "the one ending in 8596".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fulfillment.store.records import OrderRecord

IMAGES = "https://shop.example.com/images"
TRACKING = "https://track.example.com"

RAVI = {
    "first_name": "Ravi",
    "last_name": "R",
    "email": "ravi.r@example.com",
    "identities": [{"channel": "TELEGRAM", "user_id": "51342", "user_name": "ravir"}],
}
RAM = {
    "first_name": "Ram",
    "last_name": "Srini",
    "email": "ram123@gmail.com",
    "identities": [
        {"channel": "WEB", "user_id": "ram123", "user_name": "ram123"},
        {"channel": "WHATSAPP", "user_id": "+14155550123", "user_name": "ram123"},
    ],
}
MAYA = {
    "first_name": "Maya",
    "last_name": "Lindqvist",
    "email": "maya@example.org",
    "identities": [{"channel": "TELEGRAM", "user_id": "90817", "user_name": "mayal"}],
}

# Has orders, none of them still open: asked without a number, the bot asks for one.
JONAS = {
    "first_name": "Jonas",
    "last_name": "Weber",
    "email": "jonas.weber@example.de",
    "identities": [{"channel": "TELEGRAM", "user_id": "33001", "user_name": "jweber"}],
}


# Orders in parcels, and parcels in trouble (late, stale, a problem at the carrier).
LENA = {
    "first_name": "Lena",
    "last_name": "Kowalski",
    "email": "lena.k@example.com",
    "identities": [{"channel": "TELEGRAM", "user_id": "44002", "user_name": "lenak"}],
}


# Where each customer's orders go, and the phone number they gave with them (e-mail address:
# the orders' postcode and phone, unless an order names its own).
CONTACTS: dict[str, dict[str, str]] = {
    "ravi.r@example.com": {"postcode": "560034", "phone": "+91 98450 12345"},
    "ram123@gmail.com": {"postcode": "94107", "phone": "+1 415-555-0123"},
    "maya@example.org": {"postcode": "00150", "phone": "+358 40 123 4567"},
    "jonas.weber@example.de": {"postcode": "10437", "phone": "+49 151 4455 6677"},
    "lena.k@example.com": {"postcode": "1100-148", "phone": "+351 912 345 678"},
}


def _item(name: str, quantity: int, image: str) -> dict[str, Any]:
    return {"name": name, "quantity": quantity, "image_url": f"{IMAGES}/{image}.jpg"}


def demo_orders(today: dt.date) -> list[OrderRecord]:
    """Orders dated around `today`, so expected dates lie ahead and delivered ones behind."""

    def day(offset: int) -> str:
        return (today + dt.timedelta(days=offset)).isoformat()

    def shipment(carrier: str, tracking: str, expected: int) -> dict[str, Any]:
        return {
            "carrier": carrier,
            "tracking_number": tracking,
            "tracking_url": f"{TRACKING}/{carrier.lower().replace(' ', '-')}/{tracking}",
            "expected_date": day(expected),
        }

    raw: list[dict[str, Any]] = [
        {
            "number": "748596",
            "status": "shipped",
            "placed_date": day(-3),
            "currency": "INR",
            "total": "2499.00",
            "customer": RAVI,
            **shipment("Blue Dart", "BD123456789IN", 2),
            "items": [
                _item("Cotton kurta, indigo", 1, "kurta-indigo"),
                _item("Leather sandals", 1, "sandals"),
            ],
        },
        {
            "number": "748597",
            "status": "out_for_delivery",
            "placed_date": day(-5),
            "currency": "INR",
            "total": "899.00",
            "customer": RAVI,
            **shipment("Delhivery", "DL5550001234", 0),
            "items": [_item("Steel water bottle", 2, "bottle")],
        },
        {
            # Older, and ending like 748596: "the one ending in 8596" is one of two.
            "number": "728596",
            "status": "delivered",
            "placed_date": day(-45),
            "currency": "INR",
            "total": "1299.00",
            "customer": RAVI,
            **shipment("Delhivery", "DL5550009876", -40),
            "delivered_date": day(-40),
            "items": [_item("Brass diya set", 1, "diya")],
        },
        {
            "number": "100001",
            "status": "placed",
            "placed_date": day(0),
            "currency": "USD",
            "total": "54.90",
            "customer": RAM,
            "items": [_item("Ceramic mug", 2, "mug"), _item("Pour-over coffee stand", 1, "stand")],
        },
        {
            "number": "100002",
            "status": "processing",
            "placed_date": day(-1),
            "currency": "USD",
            "total": "129.00",
            "customer": RAM,
            "expected_date": day(5),
            "items": [_item("Running shoes", 1, "shoes")],
        },
        {
            "number": "100003",
            "status": "on_hold",
            "placed_date": day(-2),
            "currency": "USD",
            "total": "18.50",
            "customer": RAM,
            "items": [_item("Notebook, dotted", 3, "notebook")],
        },
        {
            "number": "100004",
            "status": "shipped",
            "placed_date": day(-4),
            "currency": "USD",
            "total": "76.00",
            "customer": RAM,
            "postcode": "94105",  # sent to his office
            **shipment("UPS", "1Z999AA10123456784", 3),
            "items": [_item("Desk lamp", 1, "lamp")],
        },
        {
            "number": "100005",
            "status": "out_for_delivery",
            "placed_date": day(-6),
            "currency": "USD",
            "total": "35.00",
            "customer": RAM,
            **shipment("USPS", "9400111899223344556677", 0),
            "items": [_item("Phone case", 1, "phone-case")],
        },
        {
            "number": "100006",
            "status": "delayed",
            "placed_date": day(-10),
            "currency": "USD",
            "total": "249.99",
            "customer": RAM,
            **shipment("FedEx", "612999AA10NEW", 4),
            "items": [_item("Bluetooth speaker", 1, "speaker")],
        },
        {
            "number": "100007",
            "status": "delivered",
            "placed_date": day(-14),
            "currency": "USD",
            "total": "42.00",
            "customer": RAM,
            **shipment("UPS", "1Z999AA10987654321", -9),
            "delivered_date": day(-9),
            "items": [_item("Yoga mat", 1, "yoga-mat"), _item("Yoga block", 2, "yoga-block")],
        },
        {
            "number": "100008",
            "status": "cancelled",
            "placed_date": day(-8),
            "currency": "USD",
            "total": "15.00",
            "customer": RAM,
            "items": [_item("Tea sampler", 1, "tea")],
        },
        {
            "number": "100009",
            "status": "returned",
            "placed_date": day(-30),
            "currency": "USD",
            "total": "89.00",
            "customer": RAM,
            **shipment("UPS", "1Z999AA10555555555", -25),
            "delivered_date": day(-25),
            "items": [_item("Rain jacket", 1, "jacket")],
        },
        {
            "number": "100010",
            "status": "refunded",
            "placed_date": day(-40),
            "currency": "USD",
            "total": "60.00",
            "customer": RAM,
            "items": [_item("Wool scarf", 1, "scarf")],
        },
        {
            "number": "A-10023",
            "status": "processing",
            "placed_date": day(-1),
            "currency": "EUR",
            "total": "39.90",
            "customer": MAYA,
            "items": [_item("Linen tea towels", 3, "towels")],
        },
        {
            "number": "200001",
            "status": "delivered",
            "placed_date": day(-20),
            "currency": "EUR",
            "total": "24.95",
            "customer": JONAS,
            **shipment("DHL", "JJD000390007", -15),
            "delivered_date": day(-15),
            "items": [_item("Espresso cups, set of 2", 1, "cups")],
        },
    ]
    raw += _parcel_orders(day, today)
    for order in raw:
        for field, value in CONTACTS[order["customer"]["email"]].items():
            order.setdefault(field, value)
    return [OrderRecord.model_validate(order) for order in raw]


def _parcel_orders(day: Any, today: dt.date) -> list[dict[str, Any]]:
    def parcel(carrier: str, tracking: str, status: str, **fields: Any) -> dict[str, Any]:
        slug = carrier.lower().replace(" ", "-")
        return {
            "carrier": carrier,
            "tracking_number": tracking,
            "tracking_url": f"{TRACKING}/{slug}/{tracking}",
            "status": status,
            **fields,
        }

    shirt = {"name": "Linen shirt", "quantity": 1}
    hat = {"name": "Straw hat", "quantity": 1}
    sandals = {"name": "Sandals", "quantity": 2}
    old_news = dt.datetime.combine(today - dt.timedelta(days=8), dt.time(9), dt.UTC)

    def order(number: str, placed: int, *parcels: dict[str, Any]) -> dict[str, Any]:
        return {
            "number": number,
            "placed_date": day(placed),
            "currency": "EUR",
            "total": "89.90",
            "customer": LENA,
            "shipments": list(parcels),
        }

    return [
        order(
            "556677",
            -6,
            parcel(
                "CTT",
                "CT123456789PT",
                "delivered",
                expected_date=day(-1),
                delivered_date=day(-2),
                items=[shirt],
            ),
            parcel(
                "DHL", "JJD0099887766", "in_transit", expected_date=day(3), items=[hat, sandals]
            ),
        ),
        order(
            "556678",
            -12,
            parcel("UPS", "1Z999AA10000000001", "in_transit", expected_date=day(-5), items=[hat]),
        ),
        order(
            "556679",
            -9,
            parcel("DHL", "JJD0012345678", "exception", expected_date=day(1), items=[sandals]),
        ),
        order(
            "556680",
            -10,
            parcel(
                "GLS",
                "GLS5566801",
                "in_transit",
                expected_date=day(2),
                updated_at=old_news.isoformat(),
                items=[shirt],
            ),
        ),
        order(
            "556681",
            -2,
            parcel("CTT", "CT000000001PT", "in_transit", expected_date=day(2), items=[shirt]),
            parcel("CTT", "CT000000002PT", "label_created", items=[hat]),
        ),
    ]
