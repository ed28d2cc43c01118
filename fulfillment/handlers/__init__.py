"""Intent handlers, one per interestType, registered explicitly."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fulfillment.handlers import order_status
from fulfillment.handlers.context import HandlerContext
from fulfillment.reply import Reply
from fulfillment.turn import Turn

Handler = Callable[[Turn, HandlerContext], Awaitable[Reply]]

HANDLERS: dict[str, Handler] = {
    "order-status": order_status.handle,
}

# What each handler needs from its intents/<interestType>.yaml, checked at start-up.
REQUIREMENTS: dict[str, tuple[set[str], set[str]]] = {
    "order-status": (order_status.REQUIRED_REPLIES, order_status.REQUIRED_PHRASES),
}
