"""From a platform-neutral Turn to a Reply: pick the handler, give it what it may use."""

from __future__ import annotations

import time

from fulfillment.errors import UnknownInterestType
from fulfillment.handlers import HANDLERS
from fulfillment.handlers.context import HandlerContext
from fulfillment.reply import Reply
from fulfillment.services import Services
from fulfillment.turn import Turn


async def dispatch(
    services: Services, turn: Turn, field: str, started: float | None = None
) -> Reply:
    """`field` names where the platform's payload carried the interest type, for errors.

    `started` is the time.monotonic() the request arrived; the reply is due a deadline later.
    """
    handler = HANDLERS.get(turn.interest_type)
    if handler is None or turn.interest_type not in services.intents:
        raise UnknownInterestType(
            f"No handler for interestType {turn.interest_type!r}.",
            {"field": field, "known": services.interest_types},
        )
    context = HandlerContext(
        store=services.store,
        phrasebook=services.phrasebooks[(turn.interest_type, turn.locale)],
        extractor=services.extractors.get(turn.interest_type),
        backend=services.backend,
        deadline=(started or time.monotonic()) + services.settings.deadline_seconds,
        metrics=services.metrics,
        guard=services.guard,
    )
    return await handler(turn, context)
