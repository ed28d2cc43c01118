"""One error base class, its subclasses and the single JSON error envelope."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

logger = logging.getLogger("fulfillment")


class ErrorBody(BaseModel):
    code: str = Field(description="Stable machine-readable error code.")
    message: str = Field(description="What went wrong, for a person.")
    details: Any = Field(default=None, description="Where it went wrong, when known.")


class ErrorEnvelope(BaseModel):
    error: ErrorBody


class ServiceError(Exception):
    """Base of every error the service answers on purpose."""

    status_code = 500
    code = "internal_error"

    def __init__(
        self, message: str, details: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers or {}


class MalformedJSON(ServiceError):
    status_code = 400
    code = "malformed_json"


class Unauthorized(ServiceError):
    status_code = 401
    code = "unauthorized"


class NotFound(ServiceError):
    status_code = 404
    code = "not_found"


class MethodNotAllowed(ServiceError):
    status_code = 405
    code = "method_not_allowed"


class RequestTimeout(ServiceError):
    status_code = 408
    code = "request_timeout"


class HeadersTooLarge(ServiceError):
    status_code = 431
    code = "headers_too_large"


class PayloadTooLarge(ServiceError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(ServiceError):
    status_code = 415
    code = "unsupported_media_type"


class InvalidRequest(ServiceError):
    status_code = 422
    code = "invalid_request"


class UnknownInterestType(ServiceError):
    status_code = 422
    code = "unknown_interest_type"


class NotReady(ServiceError):
    status_code = 503
    code = "not_ready"


class ConfigurationError(Exception):
    """A designer's or translator's file is wrong; raised at start-up, never per request."""


def error_response(
    status_code: int,
    code: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ErrorEnvelope(error=ErrorBody(code=code, message=message, details=details))
    return JSONResponse(body.model_dump(mode="json"), status_code=status_code, headers=headers)


async def service_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceError)
    return error_response(exc.status_code, exc.code, exc.message, exc.details, exc.headers)


_HTTP_CODES = {
    404: (NotFound.code, "No such resource."),
    405: (MethodNotAllowed.code, "Method not allowed on this resource."),
}


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code, message = _HTTP_CODES.get(exc.status_code, ("http_error", str(exc.detail)))
    details = {"method": request.method, "path": request.url.path}
    return error_response(exc.status_code, code, message, details, dict(exc.headers or {}))


async def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    # Never echo the exception or the request: either may carry a customer's data.
    logger.exception("unexpected error while answering %s %s", request.method, request.url.path)
    # Sent by Starlette's outermost middleware, outside SecurityHeaders: set them here.
    return error_response(
        500,
        "internal_error",
        "The service failed to answer; it was logged.",
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )


EXCEPTION_HANDLERS = {
    ServiceError: service_error_handler,
    HTTPException: http_exception_handler,
    Exception: unexpected_error_handler,
}
