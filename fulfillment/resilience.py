"""Keeping replies inside the platform's deadline when the order backend is slow or down."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from fulfillment.store.base import BackendError

T = TypeVar("T")

logger = logging.getLogger("fulfillment.backend")

# What any backend raises when it is down or answers nonsense (a store turns a shop's odd
# answer into BackendError; sockets raise OSError). Each store adds its driver's errors in
# its `failures`. Everything else is a bug in our code: it must reach the error handler as a
# 500 with its traceback, not become an apology that counts towards opening the breaker.
OUTAGES: tuple[type[Exception], ...] = (BackendError, OSError)


class BackendUnavailable(Exception):
    """The backend failed, timed out, or the circuit is open; the reply apologises instead."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind  # "timeout", "error" or "circuit_open": a metric label, no customer data


class CircuitBreaker:
    """Stops calling a backend that keeps failing, and tries it again after a pause.

    Closed: calls go through. After `threshold` failures in a row it opens: calls fail at once
    for `reset_seconds`. Then one call is let through (half-open): success closes it again,
    failure opens it for another pause.
    """

    def __init__(self, threshold: int, reset_seconds: float) -> None:
        self.threshold = threshold
        self.reset_seconds = reset_seconds
        self.failures = 0
        self.opened_at: float | None = None
        self._trial = False

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None

    def allow(self) -> bool:
        if self.opened_at is None:
            return True
        if not self._trial and time.monotonic() - self.opened_at >= self.reset_seconds:
            self._trial = True  # half-open: exactly one call tries the backend
            return True
        return False

    def succeeded(self) -> None:
        self.failures = 0
        self.opened_at = None
        self._trial = False

    def failed(self) -> None:
        self.failures += 1
        if self._trial or self.failures >= self.threshold:
            self.opened_at = time.monotonic()
        self._trial = False

    def abandoned(self) -> None:
        """The trial call was cancelled before it said anything: the next call tries instead.

        Without this the circuit stayed half-open with its one trial taken, for good.
        """
        self._trial = False


class Backend:
    """Every call to the order store goes through here: deadline, breaker, error accounting."""

    def __init__(self, breaker: CircuitBreaker, on_error: Callable[[str], None]) -> None:
        self.breaker = breaker
        self._on_error = on_error

    async def call(
        self,
        work: Awaitable[T],
        deadline: float,
        timed: bool = True,
        failures: tuple[type[Exception], ...] = (),
    ) -> T:
        """Run `work` before the monotonic `deadline`, or raise BackendUnavailable.

        `timed=False` is for work that never waits on I/O (the embedded store answers in
        microseconds, inside the event loop): a timer could not interrupt it anyway, and
        arming one costs more than the lookup. `failures` are the exceptions the backend's
        driver raises when it fails (besides OUTAGES); any other exception propagates.
        """
        if not self.breaker.allow():
            _close(work)
            self._on_error("circuit_open")
            raise BackendUnavailable("circuit_open")
        trial = self.breaker.is_open  # let through while open: this call is the trial
        try:
            if timed:
                async with asyncio.timeout(max(deadline - time.monotonic(), 0.001)):
                    result = await work
            else:
                result = await work
        except TimeoutError:
            self._failed("timeout")
            raise BackendUnavailable("timeout") from None
        except OUTAGES + failures as exc:
            # The customer hears an apology, never a 500. The exception's message may carry
            # a driver's view of the query (customer data): only its type is logged.
            logger.warning("order backend failed", extra={"fields": {"error": type(exc).__name__}})
            self._failed("error")
            raise BackendUnavailable("error") from None
        except BaseException:
            # Cancelled, or a bug: neither says the backend is down. A trial call that ends
            # this way frees the trial for the next call instead of keeping the circuit open.
            if trial:
                self.breaker.abandoned()
            raise
        self.breaker.succeeded()
        return result

    def _failed(self, kind: str) -> None:
        self.breaker.failed()
        self._on_error(kind)


def _close(work: Awaitable[object]) -> None:
    close = getattr(work, "close", None)  # an un-awaited coroutine would warn when collected
    if callable(close):
        close()
