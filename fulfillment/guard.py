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


def asker_key(asker: Asker) -> str:
    """Who is guessing, as a hash: the log holds no user id or e-mail address."""
    identity = f"{(asker.channel or '').upper()}|{asker.email or asker.uid}"
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()


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

    async def admit(self, asker: Asker, deadline: float) -> bool:
        """False when the asker is refused; otherwise waits a little once they are suspect."""
        misses = await self.log.count_misses(asker_key(asker), self.window_seconds)
        if misses >= self.refuse_after:
            return False
        if misses >= self.slow_after:
            # Each further miss costs more time, but the reply still beats the deadline.
            delay = min(0.5 * (misses - self.slow_after + 1), 2.0)
            await asyncio.sleep(max(min(delay, deadline - time.monotonic() - 0.5), 0))
        return True

    async def missed(self, asker: Asker) -> None:
        await self.log.record_miss(asker_key(asker))
