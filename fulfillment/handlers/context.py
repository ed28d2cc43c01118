"""What a handler may use besides the turn: the store behind its guard, and the words."""

from __future__ import annotations

from dataclasses import dataclass

from fulfillment.domain import Asker, Factor, Order, Proof
from fulfillment.extraction.extractor import Extractor
from fulfillment.extraction.factors import FactorFinder
from fulfillment.guard import LookupGuard
from fulfillment.handlers.parcels import TroublePolicy
from fulfillment.observability import Metrics
from fulfillment.phrasing import Phrasebook
from fulfillment.resilience import Backend
from fulfillment.store.base import OrderStore


# Not frozen: made for every request, and a frozen dataclass's __init__ costs three times
# as much (each field set through object.__setattr__). Handlers only read it.
@dataclass(slots=True)
class HandlerContext:
    store: OrderStore
    phrasebook: Phrasebook
    extractor: Extractor | None
    backend: Backend
    deadline: float  # time.monotonic() by which the reply must be ready
    metrics: Metrics
    guard: LookupGuard
    trouble: TroublePolicy
    factors: FactorFinder | None = None
    # What a guest proves an order is theirs with (settings.guest_factor).
    guest_factor: Factor = Factor.EMAIL

    async def find_order(self, number: str, asker: Asker) -> Order | None:
        """The store's answer within the deadline, or BackendUnavailable. A guest (nobody
        vouched for the identity) owns no order: the store is not asked."""
        if not asker.trusted:
            return None
        store = self.store
        work = store.find_order(number, asker)
        return await self.backend.call(work, self.deadline, store.remote, store.failures)

    async def open_orders(self, asker: Asker, limit: int) -> list[Order]:
        if not asker.trusted:
            return []
        store = self.store
        work = store.open_orders(asker, limit)
        return await self.backend.call(work, self.deadline, store.remote, store.failures)

    async def find_order_by_proof(self, number: str, proof: Proof) -> Order | None:
        """A guest's order: the one with this number whose e-mail, postcode or phone is
        the one they gave."""
        store = self.store
        work = store.find_order_by_proof(number, proof)
        return await self.backend.call(work, self.deadline, store.remote, store.failures)

    async def orders_ending_with(self, digits: str, asker: Asker, limit: int) -> list[Order]:
        """The asker's own orders ending with these digits; never a guest's."""
        if not asker.trusted:
            return []
        store = self.store
        work = store.orders_ending_with(digits, asker, limit)
        return await self.backend.call(work, self.deadline, store.remote, store.failures)

    async def admit(self, keys: list[str]) -> bool:
        """False once too many unknown numbers were tried under these keys (see guard.py)."""
        if not self.guard.remote:
            return await self.guard.admit(keys, self.deadline)
        guard = self.guard
        work = guard.admit(keys, self.deadline)
        return await self.backend.call(work, self.deadline, failures=guard.failures)

    async def missed(self, keys: list[str]) -> None:
        if not self.guard.remote:
            await self.guard.missed(keys)
        else:
            work = self.guard.missed(keys)
            await self.backend.call(work, self.deadline, failures=self.guard.failures)
