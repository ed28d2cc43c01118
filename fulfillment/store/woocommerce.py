"""An order store that reads a WooCommerce shop through its REST API v3, no mapping needed.

``GET {site}/wp-json/wc/v3/orders/{id}`` and ``GET …/orders?search=…``, authenticated with a
REST API key (consumer key and secret) as HTTP Basic credentials, which WooCommerce accepts
over https only (plain http is allowed here for 127.0.0.1, the tests' fake shop). The key
needs Read access.

What is read: the order's status (its word, below), billing e-mail and phone (ownership), date,
total and currency, line items, and the Shipment Tracking extension's tracking items (order
meta ``_wc_shipment_tracking_items``): one parcel each, with carrier, number and link.
WooCommerce knows no delivery dates or carrier events, so a parcel is told as on its way.

Order numbers: the order's ``number``, which is its id unless a sequential-numbers plugin sets
another; an id is asked for directly, anything else (or an id whose order has another number)
is searched for and compared with ``number`` exactly. Ownership as in shopify.py: the asker's
e-mail address is the order's billing e-mail, or their phone (WhatsApp, SMS, phone) the
billing phone in E.164 digits; else the order is "not found", like a missing one.

A guest's order is found by its number the same way, and answered only when its billing
e-mail, shipping postcode or phone (billing, else shipping) is what the guest gave. "The one
ending in 8596" is looked for among the orders a search for the asker's e-mail or phone finds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import quote

import httpx

from fulfillment.domain import (
    Asker,
    Item,
    Order,
    OrderStatus,
    Proof,
    Shipment,
    is_order_number,
    normalize_order_number,
)
from fulfillment.errors import ConfigurationError
from fulfillment.store.base import BackendError, suffix_digits
from fulfillment.store.shopify import (
    Call,
    Contact,
    ShopClient,
    Unreadable,
    amount_field,
    asker_contact,
    currency_field,
    date_field,
    owns,
    quantity_field,
    safe_word,
    shipped_status,
    shop_base_url,
    text_field,
    url_field,
)

if TYPE_CHECKING:
    from fulfillment.settings import Settings

logger = logging.getLogger("fulfillment.store.shop")

# WooCommerce's order statuses (and a few that common plugins add) to ours.
STATUSES: dict[str, OrderStatus] = {
    "pending": OrderStatus.PLACED,  # awaiting payment
    "processing": OrderStatus.PROCESSING,  # paid, being prepared (shipped once tracked)
    "on-hold": OrderStatus.ON_HOLD,  # awaiting the shop (e.g. a bank transfer to confirm)
    "completed": OrderStatus.SHIPPED,  # fulfilled: sent; WooCommerce knows no delivery
    "cancelled": OrderStatus.CANCELLED,
    "refunded": OrderStatus.REFUNDED,
    "failed": OrderStatus.ON_HOLD,  # the payment failed: nothing moves until it is paid
    # Plugins' statuses (Advanced Shipment Tracking and others).
    "shipped": OrderStatus.SHIPPED,
    "partial-shipped": OrderStatus.PARTLY_SHIPPED,
    "partially-shipped": OrderStatus.PARTLY_SHIPPED,
    "delivered": OrderStatus.DELIVERED,
}
# Not an order (yet, or any more): a cart on its way through the block checkout, the bin.
NOT_ORDERS = frozenset({"checkout-draft", "trash", "auto-draft"})
# What asking without a number looks for.
OPEN_STATUSES = ("pending", "processing", "on-hold")
TRACKING_KEY = "_wc_shipment_tracking_items"
ACRONYMS = frozenset({"ups", "usps", "ems", "dtdc", "sapo"})
MAX_PAGES = 3

# The Shipment Tracking extension's built-in providers most shops use: the slug it stores
# (sanitize_title of the name), the name to say, and the tracking link (%1$s the number, %2$s
# the postcode). Others are named from their slug and have no link.
PROVIDERS: dict[str, tuple[str, str]] = {
    "australia-post": ("Australia Post", "http://auspost.com.au/track/track.html?id=%1$s"),
    "canada-post": (
        "Canada Post",
        "http://www.canadapost.ca/cpotools/apps/track/personal/findByTrackNumber"
        "?trackingNumber=%1$s",
    ),
    "colissimo": (
        "Colissimo",
        "http://www.colissimo.fr/portail_colissimo/suivre.do?language=fr_FR&colispart=%1$s",
    ),
    "deutsche-post-dhl": (
        "Deutsche Post DHL",
        "http://nolp.dhl.de/nextt-online-public/set_identcodes.do?lang=de&idc=%1$s",
    ),
    "dhl": ("DHL", "http://www.dhl.com/content/g0/en/express/tracking.shtml?brand=DHL&AWB=%1$s"),
    "dhl-us": (
        "DHL US",
        "https://www.logistics.dhl/us-en/home/tracking/tracking-ecommerce.html?tracking-id=%1$s",
    ),
    "dpd-de": ("DPD.de", "https://tracking.dpd.de/parcelstatus?query=%1$s&locale=en_DE"),
    "fedex": ("Fedex", "http://www.fedex.com/Tracking?action=track&tracknumbers=%1$s"),
    "hermes": ("Hermes", "https://tracking.hermesworld.com/?TrackID=%1$s"),
    "parcelforce": ("ParcelForce", "http://www.parcelforce.com/portal/pw/track?trackNumber=%1$s"),
    "royal-mail": ("Royal Mail", "https://www.royalmail.com/track-your-item/?trackNumber=%1$s"),
    "ups": ("UPS", "http://wwwapps.ups.com/WebTracking/track?track=yes&trackNums=%1$s"),
    "usps": ("USPS", "https://tools.usps.com/go/TrackConfirmAction_input?qtc_tLabels1=%1$s"),
}

WOOCOMMERCE_PROBLEMS = {
    401: "the REST API key was refused (FULFILLMENT_SHOP_KEY and FULFILLMENT_SHOP_SECRET: a "
    "key with Read access; WooCommerce accepts them over https only)",
    403: "the REST API key may not read orders (give it Read access)",
}


class WooCommerceOrderStore:
    """The `OrderStore` over a WooCommerce shop's REST API v3."""

    remote = True
    failures: tuple[type[Exception], ...] = (httpx.HTTPError,)

    def __init__(
        self,
        site_url: str,
        key: str,
        secret: str,
        deadline_seconds: float = 3.5,
        page_size: int = 20,
    ) -> None:
        if not key.strip() or not secret.strip():
            raise ConfigurationError("WooCommerce needs a REST API consumer key and secret")
        if not 1 <= page_size <= 100:
            raise ConfigurationError("WooCommerce pages hold 1 to 100 orders")
        base = shop_base_url(site_url, "the WooCommerce site URL") + "/wp-json/wc/v3/"
        self.page_size = page_size
        self._shop = ShopClient(
            "WooCommerce",
            base,
            headers={"Accept": "application/json"},
            auth=httpx.BasicAuth(key.strip(), secret.strip()),
            deadline_seconds=deadline_seconds,
            problems=WOOCOMMERCE_PROBLEMS,
        )
        self._unknown_statuses: set[str] = set()

    @classmethod
    def from_settings(cls, settings: Settings) -> WooCommerceOrderStore:
        if settings.shop_url is None or settings.shop_key is None or settings.shop_secret is None:
            raise ConfigurationError(
                "WooCommerce needs FULFILLMENT_SHOP_URL, FULFILLMENT_SHOP_KEY and "
                "FULFILLMENT_SHOP_SECRET"
            )
        return cls(
            settings.shop_url,
            settings.shop_key.get_secret_value(),
            settings.shop_secret.get_secret_value(),
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
        """Nothing to do ahead: the pool connects on first use."""

    async def close(self) -> None:
        await self._shop.aclose()

    async def ping(self) -> bool:
        """True when the shop answers and accepts the key (one order id, nothing more)."""
        try:
            await self._shop.request(
                "GET", "orders", Call(), params={"per_page": "1", "_fields": "id"}
            )
        except (BackendError, httpx.HTTPError):
            return False
        return True

    async def find_order(self, number: str, asker: Asker) -> Order | None:
        wanted = normalize_order_number(number)
        contact = asker_contact(asker)
        if contact is None or not is_order_number(wanted):
            return None
        data = await self._numbered(wanted)
        return self._owned_order(data, contact) if data is not None else None

    async def find_order_by_proof(self, number: str, proof: Proof) -> Order | None:
        wanted = normalize_order_number(number)
        if not is_order_number(wanted):
            return None
        data = await self._numbered(wanted)
        if data is None or not proof.matches(*_factors(data)):
            return None
        return self._order(data)

    async def orders_ending_with(self, digits: str, asker: Asker, limit: int) -> list[Order]:
        wanted = suffix_digits(digits)
        contact = asker_contact(asker)
        if wanted is None or contact is None or limit < 1:
            return []
        # As for open orders: search for the e-mail or phone, keep what is truly theirs.
        term = contact.email if contact.email is not None else contact.phone
        found = await self._search(
            {"search": term or ""},
            Call(),
            lambda data: (_number(data) or "").endswith(wanted) and self._owns(data, contact),
            limit=limit,
        )
        orders = [order for data in found if (order := self._order(data)) is not None]
        orders.sort(key=lambda order: order.placed_date, reverse=True)  # stable: ties keep order
        return orders[:limit]

    async def open_orders(self, asker: Asker, limit: int) -> list[Order]:
        contact = asker_contact(asker)
        if contact is None or limit < 1:
            return []
        # The API has no e-mail or phone filter: search for it, keep what is truly theirs.
        term = contact.email if contact.email is not None else contact.phone
        found = await self._search(
            {"search": term or "", "status": ",".join(OPEN_STATUSES)},
            Call(),
            lambda data: self._owns(data, contact),
            limit=limit,
        )
        orders = [order for data in found if (order := self._order(data)) is not None]
        opened = [order for order in orders if order.status.is_open]
        opened.sort(key=lambda order: order.placed_date, reverse=True)  # stable: ties keep order
        return opened[:limit]

    # --- calls ---

    async def _numbered(self, wanted: str) -> dict[str, Any] | None:
        """The order whose number is `wanted` (normalised), or None."""
        call = Call()
        if wanted.isdigit():
            data = await self._one(wanted, call)
            if data is not None and _number(data) == wanted:
                return data
            # No order with this id, or one a numbering plugin gave another number.
        found = await self._search(
            {"search": wanted}, call, lambda data: _number(data) == wanted, limit=1
        )
        return found[0] if found else None

    async def _one(self, order_id: str, call: Call) -> dict[str, Any] | None:
        """The order with this id, or None when WooCommerce has none."""
        response = await self._shop.request(
            "GET", f"orders/{order_id}", call, accept=frozenset({404})
        )
        if response.status_code == 404:
            try:
                answer = self._shop.json(response)
            except BackendError:
                answer = None  # a page, not the REST API
            code = answer.get("code") if isinstance(answer, dict) else None
            if code == "woocommerce_rest_shop_order_invalid_id":
                return None
            # Any other 404 (rest_no_route, a page without WordPress): not the orders API.
            self._shop.tell_once(
                "no-route",
                "WooCommerce answered 404 without its orders API (code "
                f"{safe_word(code)}): check FULFILLMENT_SHOP_URL (the WordPress site's address; "
                "pretty permalinks on) and that WooCommerce is active",
            )
            raise BackendError("WooCommerce answered HTTP 404 without its orders API")
        data = self._shop.json(response)
        if not isinstance(data, dict):
            raise BackendError("WooCommerce answered an order that is not an object")
        return data

    async def _search(
        self,
        params: Mapping[str, str],
        call: Call,
        keep: Callable[[dict[str, Any]], bool],
        limit: int,
    ) -> list[dict[str, Any]]:
        """Orders the search finds that `keep` keeps, newest first, following the pages
        (Link rel=next, else X-WP-TotalPages) up to MAX_PAGES while time allows."""
        query = {
            **params,
            "per_page": str(self.page_size),
            "page": "1",
            "orderby": "date",
            "order": "desc",
        }
        url: str = "orders"
        kept: list[dict[str, Any]] = []
        for page in range(1, MAX_PAGES + 1):
            response = await self._shop.request(
                "GET", url, call, params=query if url == "orders" else None
            )
            data = self._shop.json(response)
            if not isinstance(data, list) or not all(isinstance(o, dict) for o in data):
                raise BackendError("WooCommerce answered a list of orders that is not one")
            kept.extend(order for order in data if keep(order))
            if len(kept) >= limit or not self._shop.fits(call, 0):
                break
            following = self._next_page(response, page, query)
            if following is None:
                break
            url = following
        return kept

    def _next_page(
        self, response: httpx.Response, page: int, query: Mapping[str, str]
    ) -> str | None:
        """The next page's URL on the same site (the credentials go nowhere else), or None."""
        link = response.links.get("next", {}).get("url")
        base = self._shop.base_url
        if link:
            target = httpx.URL(link)
            same = (target.scheme, target.host, target.port) == (base.scheme, base.host, base.port)
            return str(target) if same else None
        try:
            pages = int(response.headers.get("x-wp-totalpages", "0"))
        except ValueError:
            return None
        if page >= pages:
            return None
        following = {**query, "page": str(page + 1)}
        return str(base.join("orders").copy_with(params=following))

    # --- mapping ---

    def _owns(self, data: Mapping[str, Any], contact: Contact) -> bool:
        billing = data.get("billing")
        if not isinstance(billing, dict):
            return False
        return owns(contact, [billing.get("email")], [billing.get("phone")])

    def _owned_order(self, data: Mapping[str, Any], contact: Contact) -> Order | None:
        return self._order(data) if self._owns(data, contact) else None

    def _order(self, data: Mapping[str, Any]) -> Order | None:
        """Our order, or None for what is no order (a checkout draft)."""
        try:
            return self._map(data)
        except Unreadable as exc:
            raise BackendError(f"WooCommerce answered an unreadable order: {exc}") from None

    def _map(self, data: Mapping[str, Any]) -> Order | None:
        word = data.get("status")
        if not isinstance(word, str):
            raise Unreadable("status is not a word")
        word = word.strip().lower().removeprefix("wc-")
        if word in NOT_ORDERS:
            return None
        number = _number(data)
        if number is None:
            raise Unreadable("number is not an order number")
        placed = date_field(data.get("date_created"), "date_created")
        if placed is None:
            raise Unreadable("date_created is missing")
        shipments = self._shipments(data)
        status = STATUSES.get(word)
        if status is None:
            if word not in self._unknown_statuses:
                self._unknown_statuses.add(word)
                logger.warning(
                    "WooCommerce order status %s is unknown here; told as being prepared",
                    safe_word(word),
                )
            status = OrderStatus.PROCESSING
        if status is OrderStatus.PROCESSING and shipments:
            status = OrderStatus.SHIPPED  # tracked: the parcel has left
        return Order(
            number=number,
            status=shipped_status(status, shipments),
            placed_date=placed,
            currency=currency_field(data.get("currency")),
            total=amount_field(data.get("total"), "total"),
            shipments=shipments,
            items=tuple(_item(line) for line in _list(data.get("line_items"), "line_items")),
        )

    def _shipments(self, data: Mapping[str, Any]) -> tuple[Shipment, ...]:
        tracked: object = None
        for meta in _list(data.get("meta_data"), "meta_data"):
            if isinstance(meta, dict) and meta.get("key") == TRACKING_KEY:
                tracked = meta.get("value")
        if tracked is None or tracked == "":
            return ()
        # A PHP array with a gap (an item deleted) comes as an object keyed "0", "2", ...
        items = list(tracked.values()) if isinstance(tracked, dict) else tracked
        if not isinstance(items, list):
            raise Unreadable(f"{TRACKING_KEY} is not a list")
        postcode = _postcode(data)
        shipments = []
        for item in items:
            if not isinstance(item, dict):
                raise Unreadable(f"a {TRACKING_KEY} entry is not an object")
            number = text_field(item.get("tracking_number"), "tracking_number")
            if number is None:
                continue
            carrier, link = _provider(item, number, postcode)
            shipments.append(Shipment(carrier=carrier, tracking_number=number, tracking_url=link))
        return tuple(shipments)


def _number(data: Mapping[str, Any]) -> str | None:
    """The order's number as its customer sees it (`number`, else its id), normalised."""
    raw = data.get("number")
    if raw is None or raw == "":
        raw = data.get("id")
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        return None
    number = normalize_order_number(str(raw))
    return number if is_order_number(number) else None


def _factors(data: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    """What a guest may prove a WooCommerce order with: the billing e-mail address, the
    shipping postcode, and the billing phone, else the shipping one (WooCommerce 5.6+)."""
    billing = data.get("billing")
    billing = billing if isinstance(billing, dict) else {}
    shipping = data.get("shipping")
    shipping = shipping if isinstance(shipping, dict) else {}
    phone = _text(billing.get("phone")) or _text(shipping.get("phone"))
    return _text(billing.get("email")), _text(shipping.get("postcode")), phone


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _postcode(data: Mapping[str, Any]) -> str:
    for part in ("shipping", "billing"):
        address = data.get(part)
        postcode = address.get("postcode") if isinstance(address, dict) else None
        if isinstance(postcode, str) and postcode.strip():
            return postcode.strip()
    return ""


def _provider(item: Mapping[str, Any], number: str, postcode: str) -> tuple[str | None, str | None]:
    """The carrier's name and the tracking link, as the Shipment Tracking extension makes them:
    a custom provider with its own link, or a built-in one by slug."""
    custom = text_field(item.get("custom_tracking_provider"), "custom_tracking_provider")
    if custom:
        return custom, url_field(item.get("custom_tracking_link"))
    slug = text_field(item.get("tracking_provider"), "tracking_provider")
    if not slug:
        return None, url_field(item.get("custom_tracking_link"))
    known = PROVIDERS.get(slug.lower())
    if known is None:
        return _name_of(slug), None
    name, template = known
    link = template.replace("%1$s", quote(number, safe="")).replace(
        "%2$s", quote(postcode, safe="")
    )
    return name, url_field(link)


def _name_of(slug: str) -> str:
    """'fan-courier' -> 'Fan Courier', 'dpd-ro' -> 'DPD RO': a provider we have no name for.
    Country codes and words without vowels (DHL, GLS, TNT) are acronyms."""
    words = [w for w in slug.replace("_", "-").split("-") if w]
    return " ".join(
        w.upper() if len(w) <= 2 or not set(w) & set("aeiouy") or w in ACRONYMS else w.capitalize()
        for w in words
    )


def _list(value: object, name: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Unreadable(f"{name} is not a list")
    return value


def _item(line: object) -> Item:
    if not isinstance(line, dict):
        raise Unreadable("a line item is not an object")
    image = line.get("image")
    return Item(
        name=text_field(line.get("name"), "line_items.name", required=True) or "",
        quantity=quantity_field(line.get("quantity"), "line_items.quantity"),
        image_url=url_field(image.get("src")) if isinstance(image, dict) else None,
    )
