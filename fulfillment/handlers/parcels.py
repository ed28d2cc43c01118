"""Orders in parcels: a summary then each parcel, and saying honestly when one is in trouble.

A parcel is in trouble when the carrier says so (a failed delivery attempt, an exception,
on its way back), when it is past its expected date by more than the shop allows (late), or
when its tracking has not changed for longer than that (stale). Then the reply says what is
known and no more, and offers a person (`Handover`), which each platform passes on its own way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fulfillment.domain import FINAL_STATUSES, Order, Shipment, ShipmentStatus
from fulfillment.phrasing import Phrasebook
from fulfillment.reply import Button, CardMessage, Handover, Message, TextMessage, fit_bubble

# Parcels told one by one; beyond, the summary counts them all (a bubble each is enough).
MAX_PARCELS = 10


@dataclass(frozen=True, slots=True)
class TroublePolicy:
    """The shop's patience, in days (settings late_after_days and stale_after_days)."""

    late_after_days: int
    stale_after_days: int


def trouble(parcel: Shipment, order: Order, today: dt.date, policy: TroublePolicy) -> str | None:
    """Why this parcel needs a person, or None: exception, delivery_failed, returned, late
    or stale (in that order of weight)."""
    state = parcel.state
    if state.is_trouble:
        return state.value
    if state is ShipmentStatus.DELIVERED or order.status in FINAL_STATUSES:
        return None
    expected = parcel.expected_date
    if expected is not None and (today - expected).days > policy.late_after_days:
        return "late"
    updated = parcel.updated_at
    if updated is not None and (today - updated.date()).days > policy.stale_after_days:
        return "stale"
    return None


def items_text(parcel: Shipment, book: Phrasebook) -> str:
    names = [item.name for item in parcel.items[:3]]
    if len(parcel.items) > 3:
        first = parcel.items[0].name
        return book.plural("items_summary", len(parcel.items) - 1, {"item_name": first})
    return book.join_list(names) if names else ""


def _parcel_values(parcel: Shipment, number: int, book: Phrasebook) -> dict[str, object]:
    return {
        "parcel": number,
        "items": items_text(parcel, book) or None,
        "carrier": parcel.carrier,
        # Dates as dates: the template says how each is written (Phrasebook.date).
        "expected_date": parcel.expected_date,
        "delivered_date": parcel.delivered_date,
        "updated_date": parcel.updated_at.date() if parcel.updated_at else None,
    }


def parcel_text(
    parcel: Shipment, number: int, book: Phrasebook, why: str | None
) -> tuple[str, str | None]:
    """One parcel's message, and why it needs a person (None when it does not)."""
    values = _parcel_values(parcel, number, book)
    if values["items"] is None:
        values["items"] = book.phrase(f"shipment.{parcel.state.value}")
    late_or_stale = why in ("late", "stale")
    state = parcel.state
    if late_or_stale and state is ShipmentStatus.IN_TRANSIT:
        # "should arrive by" a date already past (or on old data) would be a promise we
        # cannot keep: the variant without the date.
        values["expected_date"] = None
    sentences = [book.reply(f"parcel_{state.value}", values)]
    if why == "late":
        sentences.append(book.reply("parcel_late", values))
    elif why == "stale":
        sentences.append(book.reply("parcel_stale", values))
    if parcel.tracking_number and state is not ShipmentStatus.DELIVERED:
        sentences.append(
            book.phrase("parcel.tracking", {"tracking_number": parcel.tracking_number})
        )
    return fit_bubble(book.sentences(*sentences)), why


def parcel_card(parcel: Shipment, number: int, count: int, book: Phrasebook) -> CardMessage:
    lines = [
        book.phrase("card.item_line", {"quantity": item.quantity, "item_name": item.name})
        for item in parcel.items[:10]
    ]
    url = parcel.tracking_url
    return CardMessage(
        title=book.phrase("card.parcel_title", {"parcel": number, "count": count}),
        subtitle=book.phrase(f"shipment.{parcel.state.value}"),
        body=fit_bubble("  \n".join(lines), 500),
        button=Button(book.phrase("card.button"), url) if url else None,
    )


def parcels_messages(
    order: Order, book: Phrasebook, cards: bool, today: dt.date, policy: TroublePolicy
) -> tuple[tuple[Message, ...], Handover | None]:
    """An order in several parcels: the summary, then each parcel (a card each if wanted),
    then the offer of a person when any parcel is in trouble."""
    parcels = order.shipments
    messages: list[Message] = [
        TextMessage(book.plural("parcels_summary", len(parcels), {"order_id": order.number}))
    ]
    reasons = []
    for number, parcel in enumerate(parcels[:MAX_PARCELS], start=1):
        text, why = parcel_text(parcel, number, book, trouble(parcel, order, today, policy))
        messages.append(TextMessage(text))
        if cards:
            messages.append(parcel_card(parcel, number, len(parcels), book))
        if why:
            reasons.append(why)
    return _with_offer(messages, order, reasons, book)


def single_parcel_trouble(
    order: Order, book: Phrasebook, today: dt.date, policy: TroublePolicy
) -> tuple[str, str] | None:
    """For an order in one parcel: the sentence that replaces the status reply, and why."""
    parcel = order.shipment
    if parcel is None:
        return None
    why = trouble(parcel, order, today, policy)
    if why is None:
        return None
    values = _parcel_values(parcel, 1, book)
    values["order_id"] = order.number
    key = {"returned": "order_returned_to_sender"}.get(why, f"order_{why}")
    return book.reply(key, values), why


def _with_offer(
    messages: list[Message], order: Order, reasons: list[str], book: Phrasebook
) -> tuple[tuple[Message, ...], Handover | None]:
    if not reasons:
        return tuple(messages), None
    messages.append(TextMessage(book.reply("handover_offer", {})))
    # The weightiest reason names the hand-over: what a person should look at first.
    weight = ["exception", "delivery_failed", "returned", "late", "stale"]
    reason = min(reasons, key=weight.index)
    return tuple(messages), Handover(reason=reason, order_id=order.number)


def offer(
    messages: list[Message], order: Order, why: str, book: Phrasebook
) -> tuple[tuple[Message, ...], Handover | None]:
    return _with_offer(messages, order, [why], book)
