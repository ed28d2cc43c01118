"""HTTP/1.1 load in pure Python: closed loop (as fast as answers come) and open loop (a constant
arrival rate, like wrk2).

Open loop: request i is due at start + i / rate whatever happened before, and its latency is
counted from that moment, not from when it was actually written. A server that stalls therefore
shows the whole stall in the figures instead of quietly receiving fewer requests (coordinated
omission). Connections are kept alive and reused; when every one is busy a new one is opened
(up to `max_connections`), as a chatbot platform's many callers would.

Requests are prebuilt bytes, answers are read with `asyncio.Protocol` and only the status line,
Content-Length and body are looked at: one process drives several thousand requests a second,
several times what one service worker answers (its CPU share is reported, to show it).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
import time
from array import array
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import orjson

_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)
_CLOSE = re.compile(rb"\r\nconnection:[ \t]*close", re.IGNORECASE)

OK = "ok"
# Idle connections older than this are closed, not reused: uvicorn closes them after 5 s, and
# a request written just as the server closes would fail for the client's sake, not the server's.
IDLE_SECONDS = 2.0


@dataclass(frozen=True)
class Call:
    """One kind of request: its bytes on the wire and the answer it must get."""

    name: str
    request: bytes
    status: int = 200
    expect: bytes | None = None  # a fragment the body must contain


def build(
    call: str,
    path: str,
    body: Any,
    headers: Mapping[str, str],
    *,
    status: int = 200,
    expect: str | None = None,
    raw_body: bytes | None = None,
    host: str = "127.0.0.1",
) -> Call:
    """A POST of `body` as JSON (or exactly `raw_body`) with `headers`, kept alive."""
    payload = raw_body if raw_body is not None else orjson.dumps(body)
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(payload)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    fragment = expect.encode("utf-8") if expect is not None else None
    return Call(call, head + payload, status, fragment)


def judge_status_and_body(call: Call, status: int, body: bytes) -> str:
    """The default judge of an answer: OK, or what was wrong with it."""
    if status != call.status:
        return f"{call.name}: HTTP {status} (expected {call.status})"
    if call.expect is not None and call.expect not in body:
        return f"{call.name}: body lacks {call.expect.decode('utf-8', 'replace')!r}"
    return OK


Judge = Callable[[Call, int, bytes], str]


@dataclass
class Records:
    """One entry per request, in the order they were due."""

    due: array[float] = field(default_factory=lambda: array("d"))  # s after the start
    latency: array[float] = field(default_factory=lambda: array("d"))  # s from due to answer
    status: array[int] = field(default_factory=lambda: array("i"))  # 0: no HTTP answer
    call: array[int] = field(default_factory=lambda: array("i"))  # index into the calls
    label: array[int] = field(default_factory=lambda: array("i"))  # index into labels
    labels: list[str] = field(default_factory=lambda: [OK])
    started: float = 0.0  # time.time() of the start, to line records up with other events
    seconds: float = 0.0  # wall time from the start until the last answer
    cpu_seconds: float = 0.0  # the generator's own CPU time
    connections: int = 0  # connections opened
    _index: dict[str, int] = field(default_factory=lambda: {OK: 0}, repr=False)

    def __len__(self) -> int:
        return len(self.due)

    def add(self, due: float, latency: float, status: int, call: int, label: str) -> None:
        index = self._index.get(label)
        if index is None:
            index = self._index[label] = len(self.labels)
            self.labels.append(label)
        self.due.append(due)
        self.latency.append(latency)
        self.status.append(status)
        self.call.append(call)
        self.label.append(index)

    def failures(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for index in self.label:
            if index:
                name = self.labels[index]
                counts[name] = counts.get(name, 0) + 1
        return counts

    def answered_latencies(self) -> list[float]:
        return sorted(x for x, s in zip(self.latency, self.status, strict=True) if s)


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted values (nan when there are none)."""
    if not ordered:
        return math.nan
    rank = max(math.ceil(fraction * len(ordered)), 1)
    return ordered[min(rank, len(ordered)) - 1]


class _Connection(asyncio.Protocol):
    """One kept-alive connection; one request at a time on it."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.usable = True
        self.idle_since = 0.0
        self._head_end = -1
        self._length = -1

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self._head_end < 0:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            self._head_end = end + 4
            head = bytes(self.buffer[: self._head_end])
            match = _CONTENT_LENGTH.search(head)
            if match is None:  # not an answer this client understands: give up on it
                self._fail(ConnectionError("answer without Content-Length"))
                return
            self._length = int(match.group(1))
            if _CLOSE.search(head):
                self.usable = False
        if len(self.buffer) < self._head_end + self._length:
            return
        status = int(self.buffer[9:12])
        body = bytes(self.buffer[self._head_end : self._head_end + self._length])
        del self.buffer[: self._head_end + self._length]
        self._head_end = self._length = -1
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result((status, body))

    def connection_lost(self, exc: Exception | None) -> None:
        self.usable = False
        self._fail(exc or ConnectionError("closed by the server"))

    def _fail(self, exc: Exception) -> None:
        self.usable = False
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)
        if self.transport is not None:
            self.transport.close()


class _Client:
    def __init__(
        self,
        host: str,
        port: int,
        calls: Sequence[Call],
        judge: Judge,
        timeout: float,
        max_connections: int,
    ) -> None:
        self.host, self.port = host, port
        self.calls = calls
        self.judge = judge
        self.timeout = timeout
        self.max_connections = max_connections
        self.idle: list[_Connection] = []
        self.slots = asyncio.Semaphore(max_connections)
        self.records = Records()
        self.pending: set[asyncio.Task[None]] = set()

    async def _connection(self) -> _Connection:
        now = time.monotonic()
        while self.idle:
            conn = self.idle.pop()
            if conn.usable and now - conn.idle_since < IDLE_SECONDS:
                return conn
            self._lost(conn)
        loop = asyncio.get_running_loop()
        _, conn = await loop.create_connection(_Connection, self.host, self.port)
        self.records.connections += 1
        return conn

    async def one(self, call_index: int, due: float, start: float) -> None:
        """Send one request (due at start + due) and record its answer."""
        call = self.calls[call_index]
        async with self.slots:
            conn: _Connection | None = None
            try:
                async with asyncio.timeout(start + due + self.timeout - time.monotonic()):
                    conn = await self._connection()
                    waiter = asyncio.get_running_loop().create_future()
                    conn.waiter = waiter
                    assert conn.transport is not None
                    conn.transport.write(call.request)
                    status, body = await waiter
            except TimeoutError:
                self._lost(conn)
                label = f"{call.name}: no answer in {self.timeout:g} s"
                self.records.add(due, math.nan, 0, call_index, label)
                return
            except OSError as exc:
                self._lost(conn)
                name = type(exc).__name__
                label = f"{call.name}: connection error ({name})"
                self.records.add(due, math.nan, 0, call_index, label)
                return
            answered = time.monotonic()
            latency = answered - start - due
            if conn.usable:
                conn.idle_since = answered
                self.idle.append(conn)
            else:
                self._lost(conn)
        self.records.add(due, latency, status, call_index, self.judge(call, status, body))

    def _lost(self, conn: _Connection | None) -> None:
        if conn is None:
            return
        conn.usable = False
        conn.waiter = None
        if conn.transport is not None:
            conn.transport.close()

    def close(self) -> None:
        for conn in self.idle:
            if conn.transport is not None:
                conn.transport.close()
        self.idle.clear()


def _sequence(weights: Sequence[int], length: int, offset: int) -> list[int]:
    """Call indexes spread evenly by weight (a deterministic interleaving, no randomness)."""
    total = sum(weights)
    credit = [0.0] * len(weights)
    order: list[int] = []
    for _ in range(total):
        for i, weight in enumerate(weights):
            credit[i] += weight / total
        best = max(range(len(weights)), key=lambda i: credit[i])
        credit[best] -= 1
        order.append(best)
    return [order[(i + offset) % total] for i in range(length)]


async def open_loop(
    host: str,
    port: int,
    calls: Sequence[Call],
    weights: Sequence[int],
    rate: float,
    seconds: float,
    *,
    judge: Judge = judge_status_and_body,
    timeout: float = 10.0,
    max_connections: int = 2000,
    offset: int = 0,
) -> Records:
    """`rate` requests a second for `seconds`, each due at its own time; waits for the last."""
    client = _Client(host, port, calls, judge, timeout, max_connections)
    total = int(rate * seconds)
    order = _sequence(weights, total, offset)
    client.records.started = time.time()
    cpu = time.process_time()
    start = time.monotonic()
    sent = 0
    while sent < total:
        now = time.monotonic() - start
        due_now = min(total, int(now * rate) + 1)
        while sent < due_now:
            task = asyncio.create_task(client.one(order[sent], sent / rate, start))
            client.pending.add(task)
            task.add_done_callback(client.pending.discard)
            sent += 1
        await asyncio.sleep(max(sent / rate - (time.monotonic() - start), 0))
    if client.pending:
        await asyncio.wait(client.pending)
    client.records.seconds = time.monotonic() - start
    client.records.cpu_seconds = time.process_time() - cpu
    client.close()
    return _in_due_order(client.records)


async def closed_loop(
    host: str,
    port: int,
    calls: Sequence[Call],
    weights: Sequence[int],
    connections: int,
    seconds: float,
    *,
    judge: Judge = judge_status_and_body,
    timeout: float = 10.0,
) -> Records:
    """`connections` callers, each sending its next request as soon as it has an answer."""
    client = _Client(host, port, calls, judge, timeout, connections)
    order = _sequence(weights, sum(weights) * connections, 0)
    client.records.started = time.time()
    cpu = time.process_time()
    start = time.monotonic()
    end = start + seconds

    async def caller(number: int) -> None:
        i = number
        while time.monotonic() < end:
            await client.one(order[i % len(order)], time.monotonic() - start, start)
            i += connections

    await asyncio.gather(*(caller(n) for n in range(connections)))
    client.records.seconds = time.monotonic() - start
    client.records.cpu_seconds = time.process_time() - cpu
    client.close()
    return _in_due_order(client.records)


async def each_once(
    host: str,
    port: int,
    calls: Sequence[Call],
    *,
    judge: Judge = judge_status_and_body,
    timeout: float = 10.0,
) -> Records:
    """Every call once, one after the other: to check a mix before loading with it."""
    client = _Client(host, port, calls, judge, timeout, 1)
    client.records.started = time.time()
    start = time.monotonic()
    for index in range(len(calls)):
        await client.one(index, time.monotonic() - start, start)
    client.records.seconds = time.monotonic() - start
    client.close()
    return client.records


def _in_due_order(records: Records) -> Records:
    if all(records.due[i] <= records.due[i + 1] for i in range(len(records) - 1)):
        return records
    ordered = Records(started=records.started)
    for i in sorted(range(len(records)), key=lambda i: records.due[i]):
        ordered.add(
            records.due[i],
            records.latency[i],
            records.status[i],
            records.call[i],
            records.labels[records.label[i]],
        )
    ordered.seconds, ordered.cpu_seconds = records.seconds, records.cpu_seconds
    ordered.connections = records.connections
    return ordered


def fast_loop() -> None:
    """uvloop for the generator when it is there (uvicorn[standard] brings it)."""
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
