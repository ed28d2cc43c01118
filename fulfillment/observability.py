"""One JSON log line per request, with a request id, and Prometheus metrics.

Logs carry no personal data: no names, e-mails, user ids, client addresses, free text, and no
order numbers unless a setting allows them. Everything the process writes is one stream of JSON
lines on stderr: the service's own records, and uvicorn's (its log_config comes from here; its
access log, which names the client's address, is off: RequestLog writes the access line).
"""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import math
import random
import re
import threading
import time
import traceback
from bisect import bisect_left
from collections.abc import Iterator
from itertools import accumulate
from typing import Any, TextIO

import orjson
from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.utils import floatToGoString
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("fulfillment.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class JsonFormatter(logging.Formatter):
    """The record's message plus its `fields`, as one JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        if record.name == access_log.name and isinstance(record.msg, str):
            return record.msg  # already one JSON line: built once, in RequestLog
        line: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)),  # UTC
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["error"] = record.exc_info[0].__name__ if record.exc_info[0] else "unknown"
            if record.exc_info[1] is not None:
                line["traceback"] = format_traceback(record.exc_info[1])
        if record.stack_info:
            line["stack"] = record.stack_info
        # A traceback's newlines are escaped by JSON: still one line. Compact, like the access
        # lines (orjson), so that the stream reads as one.
        return json.dumps(line, ensure_ascii=False, separators=(",", ":"), default=str)


_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def format_traceback(error: BaseException) -> str:
    """The traceback Python would print for `error`, causes first, minus what the exceptions say.

    Kept: every frame (file, line, function, source line) and each exception's type, which tell
    where and what failed. Left out: the exceptions' messages and notes. They are made from the
    values at hand and quote them: a pydantic error its input, a KeyError its key, a driver the
    row or parameter it choked on. Any of those can be a customer's name, e-mail, text or order
    number, which the logs never carry (see the module's docstring). The exception type and the
    line that raised it are almost always enough to find the fault; the request id (returned to
    the caller) leads to the request if more is needed.
    """
    seen: set[int] = set()

    def chain(exc: BaseException) -> str:
        seen.add(id(exc))
        text = ""
        cause = exc.__cause__
        context = None if exc.__suppress_context__ else exc.__context__
        if cause is not None and id(cause) not in seen:
            text = chain(cause) + _CAUSE
        elif context is not None and id(context) not in seen:
            text = chain(context) + _CONTEXT
        if exc.__traceback__ is not None:
            text += "Traceback (most recent call last):\n"
            text += "".join(traceback.format_tb(exc.__traceback__))
        text += _type_name(type(exc)) + "\n"
        if isinstance(exc, BaseExceptionGroup):
            for number, inner in enumerate(exc.exceptions, 1):
                if id(inner) not in seen:
                    nested = chain(inner).rstrip("\n").replace("\n", "\n    | ")
                    text += f"  +-- {number} of {len(exc.exceptions)} --\n    | {nested}\n"
        return text

    return chain(error).rstrip("\n")


def _type_name(kind: type[BaseException]) -> str:
    if kind.__module__ in ("builtins", "__main__"):
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"


class JsonLineHandler(logging.StreamHandler[TextIO]):
    """stderr (or `stream`), one JSON object per line (JsonFormatter)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self.setFormatter(JsonFormatter())


def configure_logging() -> None:
    """JSON lines on stderr for the service's loggers, once per process.

    Under `fulfillment serve` the loggers are already set up by `uvicorn_log_config`, whose
    handler this finds; otherwise (tests, another ASGI server) it adds one.
    """
    # Records need no thread or process names: computing them was a sixth of a log call.
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logger = logging.getLogger("fulfillment")
    if any(isinstance(h, JsonLineHandler) for h in logger.handlers):
        return
    logger.addHandler(JsonLineHandler())
    logger.setLevel(logging.INFO)


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's `log_config`: the process's whole logging, one stream of JSON lines on stderr.

    Every starter passes it (`fulfillment serve`, hence the Procfile, and the benchmark), with
    `access_log=False`. uvicorn applies it with `logging.config.dictConfig` in each process, its
    workers included, after it would otherwise have installed its own plain-text formats; given
    this, there is nothing of those left to clobber what we set. Only names inside, so it pickles
    to worker processes.

    - `uvicorn`, `uvicorn.error` (start-up, shutdown, its errors with their traceback): JSON.
    - `uvicorn.access`: no handler at all. Its line names the client's address and repeats
      RequestLog's, which is the one access line per request.
    - `fulfillment`: the same handler, so `configure_logging` adds none.
    - the root logger, for any other library's warnings and errors: the same handler.
    """
    handler = {"json": {"class": f"{__name__}.{JsonLineHandler.__qualname__}"}}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": handler,
        "root": {"handlers": ["json"], "level": "WARNING"},
        "loggers": {
            "uvicorn": {"handlers": ["json"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO", "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "fulfillment": {"handlers": ["json"], "level": "INFO", "propagate": False},
        },
    }


class RequestCounts:
    """The requests, by platform and outcome, and their latency, by platform: a Prometheus
    collector of the counter `fulfillment_requests` and the histogram
    `fulfillment_request_seconds`, the same series prometheus_client's Counter and Histogram
    would give. Counted in plain numbers, made into samples only when /metrics is read: the
    library's lock, checks and bucket search on every request cost more than the counting.
    Counted from the event loop only (no lock)."""

    def __init__(self, buckets: tuple[float, ...]) -> None:
        self.bounds = [*buckets, math.inf]
        self.les: list[str] = [floatToGoString(b) for b in self.bounds]  # type: ignore[no-untyped-call]
        self.counts: dict[tuple[str, str], list[float]] = {}  # [count, created]
        # platform -> [count in each bucket (not cumulative)..., sum, created]
        self.latency: dict[str, list[float]] = {}

    def observe(self, platform: str, outcome: str, seconds: float) -> None:
        count = self.counts.get((platform, outcome))
        if count is None:
            count = self.counts[platform, outcome] = [0.0, time.time()]
        count[0] += 1
        latency = self.latency.get(platform)
        if latency is None:
            latency = self.latency[platform] = [0.0] * len(self.bounds) + [0.0, time.time()]
        latency[bisect_left(self.bounds, seconds)] += 1
        latency[-2] += seconds

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "fulfillment_requests",
            "Requests answered, by platform and outcome.",
            labels=["platform", "outcome"],
        )
        for (platform, outcome), (count, since) in self.counts.items():
            requests.add_metric([platform, outcome], count, created=since)
        yield requests
        name = "fulfillment_request_seconds"
        latency = HistogramMetricFamily(name, "Time to answer a request.", labels=["platform"])
        for platform, values in self.latency.items():
            cumulative = accumulate(values[: len(self.bounds)])
            buckets = list(zip(self.les, cumulative, strict=True))
            latency.add_metric([platform], buckets, values[-2])
        yield latency
        created = GaugeMetricFamily(
            f"{name}_created", "Time to answer a request.", labels=["platform"]
        )
        for platform, values in self.latency.items():
            created.add_metric([platform], values[-1])
        yield created


class Metrics:
    """The service's metrics, in a registry of its own (one per app, so tests stay apart)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        # fulfillment_requests and fulfillment_request_seconds: counted on every request.
        self.requests = RequestCounts(
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3.5, 5)
        )
        self.registry.register(self.requests)
        self.extractions = Counter(
            "fulfillment_extractions",
            "Order numbers searched in free text, by outcome (none, one, several).",
            ["outcome"],
            registry=self.registry,
        )
        self.handovers = Counter(
            "fulfillment_handovers",
            "Replies that offered a person, by reason (exception, delivery_failed, returned, "
            "late, stale).",
            ["reason"],
            registry=self.registry,
        )
        self.backend_errors = Counter(
            "fulfillment_backend_errors",
            "Order backend failures, by kind (timeout, error, circuit_open).",
            ["kind"],
            registry=self.registry,
        )
        self.circuit_open = Gauge(
            "fulfillment_circuit_open",
            "1 while the order backend's circuit breaker is open.",
            registry=self.registry,
        )
        self.refused = Counter(
            "fulfillment_lookups_refused",
            "Lookups refused to customers who asked for too many unknown orders.",
            registry=self.registry,
        )
        # Translation lag (TRANSLATING.md): entries answered with the previous translation of
        # an English text that changed, and replies answered whole in a fallback language
        # because a piece had no translation. Set by phrasing.Phrasebook.whole.
        self.stale_translations = Gauge(
            "fulfillment_stale_translations",
            "Catalog entries served with their previous translation, by intent and locale.",
            ["interest_type", "locale"],
            registry=self.registry,
        )
        self.fallback_replies = Counter(
            "fulfillment_fallback_replies",
            "Replies answered whole in the fallback locale, by locale asked and answering.",
            ["locale", "fallback"],
            registry=self.registry,
        )

    def observe(self, platform: str, outcome: str, seconds: float) -> None:
        """Count a request."""
        self.requests.observe(platform, outcome, seconds)

    def render(self) -> bytes:
        return bytes(generate_latest(self.registry))


class AccessLog:
    """The access line and the request metrics, one of each per request, for RequestLog and
    for the webhooks' own path (webhooks.py)."""

    def __init__(self, metrics: Metrics, log_order_numbers: bool = False) -> None:
        self.metrics = metrics
        self.log_order_numbers = log_order_numbers
        self._second = -1
        self._stamp = ""

    @staticmethod
    def request_id(given: bytes | None) -> str:
        """The caller's X-Request-ID (the first one) when it is a sane one, else a new one."""
        if given is not None:
            text = given.decode("latin-1")
            if _REQUEST_ID.match(text):
                return text
        # An id, not a secret: random's generator (seeded from the system's, and again after a
        # fork) instead of a system call per request.
        return f"{random.getrandbits(128):032x}"

    def done(
        self,
        method: str,
        path: str,
        status: int,
        seconds: float,
        request_id: str,
        details: dict[str, Any],
    ) -> None:
        platform = details.get("platform")
        outcome = details.get("outcome") or _outcome_of(status)
        if platform:
            self.metrics.observe(platform, outcome, seconds)
        if not access_log.isEnabledFor(logging.INFO):
            return
        now = int(time.time())
        if now != self._second:  # the time is written to the second: worked out once each
            self._second = now
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
        fields = {
            "time": self._stamp,
            "level": "info",
            "logger": access_log.name,
            "message": "request",
            "request_id": request_id,
            "method": method,
            "path": path,
            "status": status,
            # To the hundredth of a millisecond (round() to digits costs a microsecond).
            "latency_ms": round(seconds * 100_000) / 100,
            "platform": platform,
            "interest_type": details.get("interest_type"),
            "locale": details.get("locale"),
            "outcome": outcome,
        }
        if self.log_order_numbers and details.get("order_ids"):
            fields["order_ids"] = details["order_ids"]
        _write(orjson.dumps(fields).decode("utf-8"))


def _write(line: str) -> None:
    """One access line, already JSON, to wherever the logging configuration sends it.

    Where that is only JsonLineHandlers (as `fulfillment serve` and configure_logging set
    up), the line is written to their streams directly: what StreamHandler.emit would do,
    without a LogRecord, the formatter and the handler chain, which cost more than the line.
    On an event loop the lines of one round of the loop go out together, at its end, in one
    write: a write of its own per line was a system call per request. Anything else (a
    filter, another handler such as a test's capture) gets a LogRecord, at once."""
    global _asked
    if _plain_handlers() is None:
        _emit_records([line])
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    with _pending_lock:
        _pending.append(line)
        ask = loop is not None and loop is not _asked
        if ask:
            _asked = loop
    if loop is None:  # no event loop here: now
        _flush_pending()
    elif ask:
        loop.call_soon(_flush_pending)


_pending: list[str] = []  # access lines waiting for the end of the loop's round
# The loop asked to write them (another loop asks again: the one asked may have stopped).
_asked: asyncio.AbstractEventLoop | None = None
_pending_lock = threading.Lock()  # tests run loops in several threads


def _flush_pending() -> None:
    global _pending, _asked
    with _pending_lock:
        lines, _pending, _asked = _pending, [], None
    if not lines:
        return
    handlers = _plain_handlers()
    if handlers is None:  # the configuration changed since
        _emit_records(lines)
        return
    text = "\n".join(lines) + "\n"
    for handler in handlers:
        handler.acquire()
        try:
            stream = handler.stream
            stream.write(text)
            stream.flush()
        except Exception:  # as StreamHandler.emit: reported on stderr, the requests go on
            handler.handleError(_record(lines[0]))
        finally:
            handler.release()


atexit.register(_flush_pending)


def _record(line: str) -> logging.LogRecord:
    # Made directly: Logger.info would also walk the stack for a caller.
    return logging.LogRecord(access_log.name, logging.INFO, __file__, 0, line, None, None)


def _emit_records(lines: list[str]) -> None:
    for line in lines:
        access_log.handle(_record(line))


def _plain_handlers() -> list[JsonLineHandler] | None:
    """The handlers an access record would reach when all are plain JsonLineHandlers with no
    filters on the way, else None."""
    found: list[JsonLineHandler] = []
    logger: logging.Logger | None = access_log
    while logger is not None:
        if logger.filters or logger.disabled:
            return None
        for handler in logger.handlers:
            if type(handler) is not JsonLineHandler or handler.filters:
                return None
            if handler.level <= logging.INFO:
                found.append(handler)
        if not logger.propagate:
            break
        logger = logger.parent
    return found or None


class RequestLog:
    """ASGI middleware: request id in and out, one access-log line, request metrics.

    Endpoints put what they learned (platform, interest type, locale, outcome) in
    `scope["state"]["log"]`.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics, log_order_numbers: bool = False) -> None:
        self.app = app
        self.access = AccessLog(metrics, log_order_numbers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == b"x-request-id"), None)
        request_id = self.access.request_id(given)
        rid = request_id.encode("latin-1")
        details: dict[str, Any] = {}
        scope.setdefault("state", {})["log"] = details
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", rid)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            self.access.done(scope["method"], scope["path"], status, elapsed, request_id, details)


# Replies are one customer's order status: no cache may keep them, and no browser may guess
# their type. Set on every response, errors included.
SECURITY_HEADERS = [(b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff")]


class SecurityHeaders:
    """ASGI middleware: Cache-Control: no-store and nosniff on every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [
                    (name, value)
                    for name, value in message.get("headers", ())
                    if name.lower() not in (b"cache-control", b"x-content-type-options")
                ]
                message["headers"] = [*kept, *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _outcome_of(status: int) -> str:
    if status >= 500:
        return "error"
    return "client_error" if status >= 400 else "ok"
