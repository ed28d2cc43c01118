"""What a handler may use besides the turn: the store behind its guard, and the words."""

from __future__ import annotations

from dataclasses import dataclass

from fulfillment.extraction.extractor import Extractor
from fulfillment.observability import Metrics
from fulfillment.phrasing import Phrasebook
from fulfillment.resilience import Backend
from fulfillment.store.base import Asker, Order, OrderStore


@dataclass(frozen=True, slots=True)
class HandlerContext:
    store: OrderStore
    phrasebook: Phrasebook
    extractor: Extractor | None
    backend: Backend
    deadline: float  # time.monotonic() by which the reply must be ready
    metrics: Metrics

    async def find_order(self, number: str, asker: Asker) -> Order | None:
        """The store's answer within the deadline, or BackendUnavailable."""
        return await self.backend.call(self.store.find_order(number, asker), self.deadline)

    async def open_orders(self, asker: Asker, limit: int) -> list[Order]:
        return await self.backend.call(self.store.open_orders(asker, limit), self.deadline)
