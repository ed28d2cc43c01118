"""Reading a JSON request body: size limit, content type, parse errors with a position."""

from __future__ import annotations

import asyncio
import json
import zlib
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import ClientDisconnect, Request
from starlette.types import Receive

from fulfillment.errors import (
    InvalidRequest,
    MalformedJSON,
    PayloadTooLarge,
    RequestTimeout,
    UnsupportedMediaType,
)

Model = TypeVar("Model", bound=BaseModel)


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


async def read_body(request: Request, limit: int, timeout: float) -> bytes:
    """The body of a Starlette request (see `receive_body`)."""
    headers = request.headers
    return await receive_body(
        request.receive,
        headers.get("content-type"),
        headers.get("content-encoding"),
        headers.get("content-length"),
        limit,
        timeout,
    )


async def receive_body(
    receive: Receive,
    content_type: str | None,
    encoding: str | None,
    declared: str | None,
    limit: int,
    timeout: float,
) -> bytes:
    """The body, checked for type and size (the request's Content-Type, Content-Encoding and
    Content-Length as sent); refused if it has not all arrived in `timeout` seconds (a client
    that stops sending must not hold the request open for ever)."""
    encoding = "identity" if encoding is None else encoding.strip().lower()
    if encoding not in _DECODERS:
        raise UnsupportedMediaType(
            "The request body must be sent as is, or with Content-Encoding deflate or gzip.",
            {"contentEncoding": encoding[:40]},
        )
    # A missing Content-Type is read as JSON; a different one is refused.
    if content_type is not None and content_type != _JSON and not _is_json(content_type):
        raise UnsupportedMediaType(
            "The request body must be JSON (Content-Type: application/json).",
            {"contentType": content_type[:100]},
        )
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    deadlines = _deadlines()
    task = deadlines.start(timeout)
    try:
        body = await _receive(receive, limit)
    except asyncio.CancelledError:
        if not deadlines.expired(task):
            raise
        raise RequestTimeout(
            f"The request body did not arrive within {timeout:g} s.", {"timeoutSeconds": timeout}
        ) from None
    finally:
        deadlines.stop(task)
    return body if encoding == "identity" else _inflate(body, encoding, limit)


class _Deadlines:
    """The body reads under way on one event loop and when each must be done by, checked by
    one timer that ticks while any is under way: a timer of its own per request (what
    asyncio.timeout sets) cost more than reading a body that has already arrived, which is
    almost every body. A read past its time is cancelled, at most TICK seconds late."""

    TICK = 0.1

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.reads: dict[asyncio.Task[Any], float] = {}
        self.cancelled: set[asyncio.Task[Any]] = set()
        self.ticking = False

    def start(self, seconds: float) -> asyncio.Task[Any]:
        task = asyncio.current_task(self.loop)
        assert task is not None
        self.reads[task] = self.loop.time() + seconds
        if not self.ticking:
            self.ticking = True
            self.loop.call_later(self.TICK, self._tick)
        return task

    def stop(self, task: asyncio.Task[Any]) -> None:
        self.reads.pop(task, None)

    def expired(self, task: asyncio.Task[Any]) -> bool:
        """Whether this cancelled the task; if so, the cancellation is taken back."""
        if task not in self.cancelled:
            return False
        self.cancelled.discard(task)
        task.uncancel()
        return True

    def _tick(self) -> None:
        now = self.loop.time()
        for task, deadline in list(self.reads.items()):
            if deadline <= now:
                del self.reads[task]
                self.cancelled.add(task)
                task.cancel()
        self.ticking = bool(self.reads)
        if self.ticking:
            self.loop.call_later(self.TICK, self._tick)


_current: _Deadlines | None = None


def _deadlines() -> _Deadlines:
    """The running loop's (the last one asked for is kept; tests run several loops)."""
    global _current
    loop = asyncio.get_running_loop()
    current = _current
    if current is None or current.loop is not loop:
        current = _current = _Deadlines(loop)
    return current


_JSON = "application/json"


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body is larger than {limit} bytes.", {"limitBytes": limit})


async def _receive(receive: Receive, limit: int) -> bytes:
    """The body's chunks joined; refused once past `limit`, whatever Content-Length said."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.request":
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            if not message.get("more_body", False):
                if not chunks:
                    return chunk  # the usual case: the whole body in one message
                chunks.append(chunk)
                return b"".join(chunks)
            chunks.append(chunk)
        elif message["type"] == "http.disconnect":
            raise ClientDisconnect()


# Content-Encoding -> zlib's wbits. Rasa with COMPRESS_ACTION_SERVER_REQUEST=true sends
# "deflate" (zlib's format); 47 lets zlib tell a zlib stream from a gzip one by its header.
_DECODERS = {"identity": 0, "deflate": 47, "gzip": 31, "x-gzip": 31}


def _inflate(body: bytes, encoding: str, limit: int) -> bytes:
    """The decompressed body, refused once it grows past the limit: a small body that
    inflates to gigabytes costs at most `limit` bytes of memory."""
    # Some clients send "deflate" as a raw stream without zlib's header.
    tries = [_DECODERS[encoding], -15] if encoding == "deflate" else [_DECODERS[encoding]]
    for wbits in tries:
        try:
            return _decompress(body, wbits, limit, encoding)
        except zlib.error:
            continue
    raise MalformedJSON(
        f"The request body is not valid {encoding} data.", {"contentEncoding": encoding}
    )


def _decompress(body: bytes, wbits: int, limit: int, encoding: str) -> bytes:
    inflater = zlib.decompressobj(wbits)
    data = inflater.decompress(body, limit + 1)
    if len(data) > limit or inflater.unconsumed_tail:
        raise PayloadTooLarge(
            f"The request body is larger than {limit} bytes once decompressed.",
            {"limitBytes": limit, "contentEncoding": encoding},
        )
    data += inflater.flush()
    if not inflater.eof:
        raise zlib.error("the compressed data is cut short")
    return data


def _json_error(body: bytes, fallback: str) -> MalformedJSON:
    """Locate the break with the standard library, which reports line, column and offset."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return MalformedJSON(
            f"The request body is not valid UTF-8 (byte {exc.start}).", {"position": exc.start}
        )
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        # pydantic's parser words the fault better ("trailing comma at line 23 column 1").
        return MalformedJSON(
            f"The request body is not valid JSON: {fallback}.",
            {"line": exc.lineno, "column": exc.colno, "position": exc.pos, "problem": exc.msg},
        )
    except RecursionError:
        return MalformedJSON("The request body is nested too deeply.")
    except ValueError:
        # The standard library refuses what pydantic did too, in its own words: a number of
        # thousands of digits (int conversion limit). Not a position to report, but no 500.
        pass
    return MalformedJSON(f"The request body is not valid JSON: {fallback}.")


def _location(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(body)"


def validation_details(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {"field": _location(err["loc"]), "problem": err["msg"], "type": err["type"]}
        for err in exc.errors(include_url=False, include_input=False)
    ]


def parse_model(body: bytes, model: type[Model]) -> Model:
    if not body.strip():
        raise MalformedJSON("The request body is empty; a JSON object was expected.")
    try:
        # Validating the raw bytes in one step is the fastest path pydantic offers.
        return model.model_validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        if any(err["type"] == "json_invalid" for err in errors):
            ctx = errors[0].get("ctx") or {}
            raise _json_error(body, str(ctx.get("error", "unreadable"))) from None
        raise InvalidRequest(
            "The request does not match the schema.", validation_details(exc)
        ) from None
