"""Limits on what a request may carry before any endpoint sees it."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from fulfillment.errors import HeadersTooLarge, error_response

# Generous for any platform (Dialogflow and Rasa send a handful of short headers), small
# enough that a client cannot make every request cost megabytes of parsing and memory.
MAX_HEADERS = 100
MAX_HEADER_BYTES = 16 * 1024


def headers_too_large(
    headers: list[tuple[bytes, bytes]], size: int | None = None
) -> HeadersTooLarge | None:
    """The error for too many or too large request headers, else None. `size` is their size
    when the caller has added it up already (name, value and 4 bytes of framing each)."""
    if size is None:
        size = sum(len(name) + len(value) + 4 for name, value in headers)
    if len(headers) > MAX_HEADERS or size > MAX_HEADER_BYTES:
        return HeadersTooLarge(
            "The request headers are too many or too large.",
            {"maxHeaders": MAX_HEADERS, "maxHeaderBytes": MAX_HEADER_BYTES},
        )
    return None


class HeaderLimits:
    """ASGI middleware: 431 for too many or too large request headers.

    The HTTP server accepts far more (uvicorn took 200 KB and 5,000 headers)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            error = headers_too_large(scope["headers"])
            if error is not None:
                response = error_response(
                    error.status_code, error.code, error.message, error.details
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
