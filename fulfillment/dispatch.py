"""From a platform-neutral Turn to a Reply: pick the handler, give it what it may use."""

from __future__ import annotations

import functools
import time

from fulfillment.content import Content
from fulfillment.errors import UnknownInterestType
from fulfillment.handlers import HANDLERS
from fulfillment.handlers.context import HandlerContext
from fulfillment.handlers.parcels import TroublePolicy
from fulfillment.reply import Reply
from fulfillment.services import Services
from fulfillment.turn import Turn


async def dispatch(
    services: Services,
    turn: Turn,
    field: str,
    started: float | None = None,
    content: Content | None = None,
) -> Reply:
    """`field` names where the platform's payload carried the interest type, for errors.

    `started` is the time.monotonic() the request arrived; the reply is due a deadline later.
    `content` is what the request read when it began (its locale was resolved with it); a
    reload meanwhile does not change the words of a reply under way.
    """
    content = content or services.content
    handler = HANDLERS.get(turn.interest_type)
    if handler is None or turn.interest_type not in content.intents:
        raise UnknownInterestType(
            f"No handler for interestType {turn.interest_type!r}.",
            {"field": field, "known": content.interest_types},
        )
    context = HandlerContext(
        store=services.store,
        phrasebook=content.phrasebooks[(turn.interest_type, turn.locale)],
        extractor=content.extractors.get(turn.interest_type),
        backend=services.backend,
        deadline=(started or time.monotonic()) + services.settings.deadline_seconds,
        metrics=services.metrics,
        guard=services.guard,
        trouble=_trouble_policy(
            services.settings.late_after_days, services.settings.stale_after_days
        ),
        factors=content.factor_finders.get(turn.interest_type),
        guest_factor=services.settings.guest_factor,
    )
    return await handler(turn, context)


# One per setting, not one per request: it is part of the key of every order's rendering.
_trouble_policy = functools.lru_cache(maxsize=16)(TroublePolicy)
