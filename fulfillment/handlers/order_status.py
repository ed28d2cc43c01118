"""order-status: tell the asking customer where their order is."""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable, Mapping, Sequence

from fulfillment.domain import (
    Factor,
    Item,
    Order,
    OrderStatus,
    Proof,
    ShipmentStatus,
    is_order_number,
    normalize_order_number,
)
from fulfillment.guard import guess_keys
from fulfillment.handlers.context import HandlerContext
from fulfillment.handlers.parcels import (
    TroublePolicy,
    offer,
    parcels_messages,
    single_parcel_trouble,
)
from fulfillment.phrasing import Phrasebook
from fulfillment.reply import (
    Button,
    CardMessage,
    Handover,
    Image,
    MediaMessage,
    MediaObject,
    Message,
    Reply,
    SuggestionsMessage,
    TextMessage,
    fit_bubble,
)
from fulfillment.resilience import BackendUnavailable
from fulfillment.turn import ResponseType, Turn

# Up to this many different products are named in a reply; beyond, only counted.
MAX_LISTED_ITEMS = 3
# Orders ending with the same digits listed at most, for the customer to pick one.
MAX_ENDING_MATCHES = 4

REQUIRED_REPLIES = {status.value for status in OrderStatus} | {
    "not_found",
    "ask_order_number",
    "only_open_order",
    "which_order",
    "backend_down",
    "too_many_lookups",
    # Orders in parcels (handlers/parcels.py).
    *(f"parcel_{state.value}" for state in ShipmentStatus),
    "parcel_late",
    "parcel_stale",
    "order_late",
    "order_stale",
    "order_exception",
    "order_delivery_failed",
    "order_returned_to_sender",
    "handover_offer",
    # Guests and last digits.
    *(f"verify_{factor.value}" for factor in Factor),
    "no_order_ending",
    "which_order_ending",
}
REQUIRED_PHRASES = {f"status.{status.value}" for status in OrderStatus} | {
    "item_count",
    "item_list",
    "card.total",
    "order_summary",
    "items_summary",
    "card.title",
    "card.item_line",
    "card.button",
    "card.image_alt",
    "media.description",
    "parcels_summary",
    "parcel.tracking",
    "card.parcel_title",
    *(f"shipment.{state.value}" for state in ShipmentStatus),
}


def order_values(order: Order, book: Phrasebook) -> dict[str, object]:
    """Everything the order knows, written the way the locale writes it."""
    shipment = order.shipment
    return {
        "order_id": order.number,
        "status": book.phrase(f"status.{order.status.value}"),
        "placed_date": order.placed_date,  # dates as dates: the template says their format
        "total": book.money(order.total, order.currency) if order.total is not None else None,
        "carrier": shipment.carrier if shipment else None,
        "tracking_number": shipment.tracking_number if shipment else None,
        "expected_date": shipment.expected_date if shipment else None,
        "delivered_date": shipment.delivered_date if shipment else None,
    }


def status_text(order: Order, book: Phrasebook, instead: str | None = None) -> str:
    """The status reply (or `instead`, the sentence that replaces it), then the items."""
    text = instead or book.reply(order.status.value, order_values(order, book))
    # Products are counted, not units: "2 products: 2 x Kurta and Sandals".
    products = len(order.items)
    if 0 < products <= MAX_LISTED_ITEMS:
        names = book.join_list([item_name(item, book) for item in order.items])
        text = book.sentences(text, book.plural("item_list", products, {"items": names}))
    elif order.items:
        text = book.sentences(text, book.plural("item_count", products))
    return fit_bubble(text)


def item_name(item: Item, book: Phrasebook) -> str:
    """A product as a list names it: with its quantity when there are several."""
    if item.quantity == 1:
        return item.name
    return book.phrase("card.item_line", {"quantity": item.quantity, "item_name": item.name})


def order_card(order: Order, book: Phrasebook) -> CardMessage:
    lines = [
        book.phrase("card.item_line", {"quantity": item.quantity, "item_name": item.name})
        for item in order.items[:10]
    ]
    if order.total is not None:
        lines.append(book.phrase("card.total", {"total": book.money(order.total, order.currency)}))
    pictured = next((item for item in order.items if item.image_url), None)
    image = None
    if pictured and pictured.image_url:
        image = Image(
            pictured.image_url, book.phrase("card.image_alt", {"item_name": pictured.name})
        )
    parcel = order.shipment
    url = parcel.tracking_url if parcel else None
    # A parcel in trouble says so on the card too, not "Shipped".
    subtitle = (
        book.phrase(f"shipment.{parcel.state.value}")
        if parcel is not None and parcel.state.is_trouble
        else book.phrase(f"status.{order.status.value}")
    )
    return CardMessage(
        title=book.phrase("card.title", {"order_id": order.number}),
        subtitle=subtitle,
        # Two trailing spaces before a newline are a line break in the card's Markdown subset.
        body=fit_bubble("  \n".join(lines), 500),
        image=image,
        button=Button(book.phrase("card.button"), url) if url else None,
    )


def order_media(order: Order, book: Phrasebook) -> MediaMessage | None:
    objects = tuple(
        MediaObject(
            name=item.name,
            description=book.phrase("media.description", {"quantity": item.quantity}),
            url=item.image_url,
            image=Image(item.image_url, book.phrase("card.image_alt", {"item_name": item.name})),
        )
        for item in order.items
        if item.image_url
    )
    return MediaMessage(objects) if objects else None


@functools.lru_cache(maxsize=4096)
def order_messages(
    order: Order,
    book: Phrasebook,
    response_type: ResponseType,
    today: dt.date,
    policy: TroublePolicy,
) -> tuple[tuple[Message, ...], Handover | None]:
    """What to say about an order, and whether to offer a person: a pure function of the
    order, the words, the type and the day, so customers asking again about the same order
    get it without rendering it again."""
    if len(order.shipments) > 1:
        cards = response_type is ResponseType.CARD
        return parcels_messages(order, book, cards, today, policy)
    found = single_parcel_trouble(order, book, today, policy)
    messages: list[Message] = [TextMessage(status_text(order, book, found and found[0]))]
    if response_type is ResponseType.CARD:
        messages.append(order_card(order, book))
    elif response_type is ResponseType.MEDIA:
        media = order_media(order, book)
        if media is not None:
            messages.append(media)
    if found is not None:
        return offer(messages, order, found[1], book)
    return tuple(messages), None


# A reply's words as functions of the phrasebook: collected while orders are looked up and
# rendered once, at the end, by `_said`, so that a reply is in one language, whole: the
# locale's, or its fallback's if any piece lacks a translation (phrasing.Phrasebook.whole).
# Add words with `_say` or `tell`, or append a Say; do not call `book.*` for them directly.
Say = Callable[[Phrasebook], tuple[Sequence[Message], Handover | None]]


_day: tuple[int, dt.date] = (-1, dt.date.min)


def local_date() -> dt.date:
    """The local date, asked of the C library once a second rather than once an order."""
    global _day
    second = int(time.time())
    if second != _day[0]:
        _day = (second, dt.date.today())
    return _day[1]


def tell(says: list[Say], reply: Reply, order: Order, turn: Turn, context: HandlerContext) -> None:
    """Add what to say about an order to the reply, and the offer of a person if any."""
    today, policy = local_date(), context.trouble
    says.append(lambda book: order_messages(order, book, turn.response_type, today, policy))
    reply.order_ids.append(order.number)


def _said(reply: Reply, says: list[Say], context: HandlerContext) -> Reply:
    """Render what to say with one phrasebook; the locale that answered is the reply's."""
    book, said = context.phrasebook.whole(lambda book: [say(book) for say in says], context.metrics)
    reply.locale = book.locale
    for messages, handover in said:
        reply.messages.extend(messages)
        if handover is not None and reply.handover is None:
            reply.handover = handover
            context.metrics.handovers.labels(handover.reason).inc()
    return reply


def order_summary(order: Order, book: Phrasebook) -> str:
    """ "748596 from Wed, Nov 25, 2026 (Cotton kurta and 1 more item)", for a list of orders."""
    if len(order.items) == 1:
        items = order.items[0].name
    elif order.items:
        items = book.plural(
            "items_summary", len(order.items) - 1, {"item_name": order.items[0].name}
        )
    else:
        items = book.phrase(f"status.{order.status.value}")
    return book.phrase(
        "order_summary",
        {"order_id": order.number, "placed_date": order.placed_date, "items": items},
    )


def order_lines(orders: Sequence[Order], book: Phrasebook) -> str:
    """Orders to choose from, one per line: each summary holds commas and "and" of its own,
    which a sentence-long list would run together."""
    return "\n".join(order_summary(order, book) for order in orders)


def requested_numbers(turn: Turn, context: HandlerContext) -> list[str]:
    """The order numbers the customer asks about: a valid entity wins, else the text's."""
    normalized = (normalize_order_number(raw) for raw in turn.order_ids if raw.strip())
    given = [number for number in normalized if is_order_number(number)]
    extractor = context.extractor
    if extractor is None:
        return given
    valid = [number for number in given if extractor.matches_format(number)]
    if valid:
        return valid
    if turn.text:
        found = extractor.extract(turn.text, turn.language).order_ids
        outcome = "none" if not found else "one" if len(found) == 1 else "several"
        context.metrics.extractions.labels(outcome).inc()
        if found:
            return found
    # A number the platform insisted on is answered for, even in a format we do not know.
    return given[: extractor.max_orders]


def _say(says: list[Say], key: str, values: Mapping[str, object]) -> None:
    says.append(lambda book: ((TextMessage(fit_bubble(book.reply(key, values))),), None))


async def without_number(turn: Turn, context: HandlerContext, reply: Reply) -> Reply:
    says: list[Say] = []
    try:
        open_orders = await context.open_orders(turn.asker, limit=3)
    except BackendUnavailable:
        _say(says, "backend_down", {})
        reply.outcome = "backend_down"
        return _said(reply, says, context)
    first_name = turn.asker.first_name
    if len(open_orders) == 1:
        order = open_orders[0]
        _say(says, "only_open_order", {"first_name": first_name})
        tell(says, reply, order, turn, context)
    elif open_orders:

        def which_order(book: Phrasebook) -> tuple[Sequence[Message], None]:
            summaries = order_lines(open_orders, book)
            text = book.reply("which_order", {"orders": summaries, "first_name": first_name})
            return (TextMessage(fit_bubble(text)),), None

        says.append(which_order)
        reply.awaits_order_number = True
        reply.outcome = "asked"
        if turn.response_type is not ResponseType.TEXT:
            chips = SuggestionsMessage(tuple(o.number for o in open_orders))
            says.append(lambda book: ((chips,), None))
    else:
        _say(says, "ask_order_number", {"first_name": first_name})
        reply.awaits_order_number = True
        reply.outcome = "asked"
    return _said(reply, says, context)


async def handle(turn: Turn, context: HandlerContext) -> Reply:
    reply = Reply(locale=context.phrasebook.locale)
    if not turn.asker.trusted:
        return await for_guest(turn, context, reply)
    numbers = requested_numbers(turn, context)
    if not numbers:
        finder = context.factors
        digits = finder.last_digits(turn.text, turn.language) if finder and turn.text else None
        if digits is not None:
            return await by_last_digits(digits, turn, context, reply)
        return await without_number(turn, context, reply)
    says: list[Say] = []
    outcomes = set()
    for number in numbers:
        try:
            # The owner always hears about their own order, however much was guessed under
            # their name; the guard only speaks for a number that is not the asker's.
            order = await context.find_order(number, turn.asker)
            refused = False
            if order is None:
                keys = guess_keys(turn.asker, number, turn.session)
                refused = not await context.admit(keys)
                if not refused:
                    await context.missed(keys)
        except BackendUnavailable:
            _say(says, "backend_down", {"order_id": number})
            outcomes.add("backend_down")
            continue
        if refused:
            _say(says, "too_many_lookups", {})
            context.metrics.refused.inc()
            outcomes.add("refused")
            break
        if order is None:
            # Same words whether the order is unknown or someone else's.
            _say(says, "not_found", {"order_id": number})
            outcomes.add("not_found")
        else:
            tell(says, reply, order, turn, context)
            outcomes.add("answered")
    for outcome in ("answered", "refused", "backend_down", "not_found"):
        if outcome in outcomes:
            reply.outcome = outcome
            break
    if reply.outcome == "not_found":
        # "Check the number and send it again": the platform waits for the next number
        # (Dialogflow's context, CX's form, Rasa's slot cleared).
        reply.awaits_order_number = True
    return _said(reply, says, context)


def guest_proof(turn: Turn, context: HandlerContext) -> Proof | None:
    """The second factor the shop asks guests for: as the platform gave it, else from the text."""
    factor = context.guest_factor
    given = next((proof for proof in turn.proofs if proof.factor is factor), None)
    if given is not None:
        return given
    if context.factors is None or not turn.text:
        return None
    awaited = turn.verifying is not None
    return context.factors.proof(factor, turn.text, turn.language, turn.locale, awaited)


async def for_guest(turn: Turn, context: HandlerContext, reply: Reply) -> Reply:
    """A customer nobody identified: one order, after its number and a second factor match.

    A wrong factor, an unknown number and another customer's order read exactly alike, and
    each miss counts against the guard as a wrong order number does."""
    proof = guest_proof(turn, context)
    numbers = requested_numbers(turn, context)
    if proof is not None:
        # A postcode of six digits looks like an order number too.
        numbers = [n for n in numbers if n != proof.value]
    number = numbers[0] if numbers else turn.verifying
    if number is None:
        return await without_number(turn, context, reply)
    says: list[Say] = []
    if proof is None:
        _say(says, f"verify_{context.guest_factor.value}", {"order_id": number})
        reply.verifying = number
        reply.outcome = "verifying"
        return _said(reply, says, context)
    keys = guess_keys(turn.asker, number, turn.session)
    try:
        refused = not await context.admit(keys)
        order = None if refused else await context.find_order_by_proof(number, proof)
        if order is None and not refused:
            await context.missed(keys)
    except BackendUnavailable:
        _say(says, "backend_down", {"order_id": number})
        reply.outcome = "backend_down"
        return _said(reply, says, context)
    if refused:
        _say(says, "too_many_lookups", {})
        context.metrics.refused.inc()
        reply.outcome = "refused"
    elif order is None:
        _say(says, "not_found", {"order_id": number})
        reply.outcome = "not_found"
        reply.awaits_order_number = True
    else:
        tell(says, reply, order, turn, context)
    return _said(reply, says, context)


async def by_last_digits(digits: str, turn: Turn, context: HandlerContext, reply: Reply) -> Reply:
    """ "The one ending in 8596": the identified customer's own orders ending that way."""
    says: list[Say] = []
    try:
        orders = await context.orders_ending_with(digits, turn.asker, MAX_ENDING_MATCHES)
    except BackendUnavailable:
        _say(says, "backend_down", {})
        reply.outcome = "backend_down"
        return _said(reply, says, context)
    if len(orders) == 1:
        tell(says, reply, orders[0], turn, context)
        return _said(reply, says, context)
    reply.awaits_order_number = True
    reply.outcome = "asked" if orders else "not_found"
    if not orders:
        _say(says, "no_order_ending", {"digits": digits})
        return _said(reply, says, context)

    def which_order(book: Phrasebook) -> tuple[Sequence[Message], None]:
        summaries = order_lines(orders, book)
        text = book.reply("which_order_ending", {"digits": digits, "orders": summaries})
        return (TextMessage(fit_bubble(text)),), None

    says.append(which_order)
    if turn.response_type is not ResponseType.TEXT:
        chips = SuggestionsMessage(tuple(o.number for o in orders))
        says.append(lambda book: ((chips,), None))
    return _said(reply, says, context)
