"""Limits on what a request may carry before any endpoint sees it."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from fulfillment.errors import HeadersTooLarge, error_response

# Generous for any platform (Dialogflow and Rasa send a handful of short headers), small
# enough that a client cannot make every request cost megabytes of parsing and memory.
MAX_HEADERS = 100
MAX_HEADER_BYTES = 16 * 1024


class HeaderLimits:
    """ASGI middleware: 431 for too many or too large request headers.

    The HTTP server accepts far more (uvicorn took 200 KB and 5,000 headers)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = scope["headers"]
            size = sum(len(name) + len(value) + 4 for name, value in headers)
            if len(headers) > MAX_HEADERS or size > MAX_HEADER_BYTES:
                error = HeadersTooLarge(
                    "The request headers are too many or too large.",
                    {"maxHeaders": MAX_HEADERS, "maxHeaderBytes": MAX_HEADER_BYTES},
                )
                response = error_response(
                    error.status_code, error.code, error.message, error.details
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
