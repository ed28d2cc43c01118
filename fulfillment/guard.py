"""Slowing, then refusing, a customer who asks about many order numbers that are not theirs.

Someone guessing order numbers learns nothing from the replies (unknown and foreign orders
read the same), but should not be able to try thousands. Misses are counted per asker, in a
window; with a database configured the count is shared by every instance.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict, deque
from typing import Protocol

from fulfillment.domain import Asker

_MAX_ASKERS = 100_000  # memory bound for the in-process log


class MissLog(Protocol):
    remote: bool
    failures: tuple[type[Exception], ...]  # as OrderStore.failures

    async def record_miss(self, asker: str) -> None: ...

    async def count_misses(self, asker: str, window_seconds: int) -> int: ...


class MemoryMissLog:
    """Misses kept in this process: enough for one instance on the embedded store."""

    remote = False  # no I/O: needs neither a timer nor the circuit breaker
    failures: tuple[type[Exception], ...] = ()

    def __init__(self) -> None:
        self._misses: OrderedDict[str, deque[float]] = OrderedDict()

    async def record_miss(self, asker: str) -> None:
        times = self._misses.pop(asker, None) or deque(maxlen=1000)
        times.append(time.monotonic())
        self._misses[asker] = times
        while len(self._misses) > _MAX_ASKERS:
            self._misses.popitem(last=False)

    async def count_misses(self, asker: str, window_seconds: int) -> int:
        since = time.monotonic() - window_seconds
        return sum(1 for at in self._misses.get(asker, ()) if at > since)


def _hashed(kind: str, value: str) -> str:
    # The log holds no user id, e-mail address, session or order number: hashes only.
    return hashlib.sha256(f"{kind}|{value}".encode()).hexdigest()


def asker_key(asker: Asker) -> str:
    """Who is guessing, as a hash."""
    return _hashed("asker", f"{(asker.channel or '').upper()}|{asker.email or asker.uid}")


def guess_keys(asker: Asker, number: str | None, session: str | None) -> list[str]:
    """What a miss is counted against: the asker, the order number tried (so one number
    guessed under many identities is slowed and refused too) and the platform session."""
    keys = [asker_key(asker)]
    if number:
        keys.append(_hashed("order", number))
    if session:
        keys.append(_hashed("session", session))
    return keys


class LookupGuard:
    def __init__(
        self, log: MissLog, slow_after: int, refuse_after: int, window_seconds: int
    ) -> None:
        self.log = log
        self.slow_after = slow_after
        self.refuse_after = refuse_after
        self.window_seconds = window_seconds
        self.remote = log.remote
        self.failures = log.failures

    async def admit(self, keys: list[str], deadline: float) -> bool:
        """False when any key is refused; otherwise waits a little once one is suspect."""
        misses = 0
        for key in keys:
            misses = max(misses, await self.log.count_misses(key, self.window_seconds))
        if misses >= self.refuse_after:
            return False
        if misses >= self.slow_after:
            # Each further miss costs more time, but the reply still beats the deadline.
            delay = min(0.5 * (misses - self.slow_after + 1), 2.0)
            await asyncio.sleep(max(min(delay, deadline - time.monotonic() - 0.5), 0))
        return True

    async def missed(self, keys: list[str]) -> None:
        for key in keys:
            await self.log.record_miss(key)
