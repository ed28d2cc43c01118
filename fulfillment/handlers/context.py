"""What a handler may use besides the turn: the store and the words of its locale."""

from __future__ import annotations

from dataclasses import dataclass

from fulfillment.extraction.extractor import Extractor
from fulfillment.phrasing import Phrasebook
from fulfillment.store.base import OrderStore


@dataclass(frozen=True, slots=True)
class HandlerContext:
    store: OrderStore
    phrasebook: Phrasebook
    extractor: Extractor | None = None
