"""The webhook endpoint every platform is served by, and Rasa's action-server extras.

A webhook call is answered in one of two ways, with the same steps and the same answer:

- `Webhooks`, plain ASGI, for the service's own app (app.py): what a platform calls thousands
  of times a second goes through no Starlette Request, Response, middleware or router. It does
  itself what they did for it: the header limits (limits.py), the access line, request id and
  metrics (observability.AccessLog), the security headers, and the JSON error envelope.
- `endpoint(platform)`, a Starlette endpoint, for everything else that serves the webhooks
  (the playground's sandbox, the app with CORS configured).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send

from fulfillment.adapters import PLATFORMS
from fulfillment.body import parse_model, read_body, receive_body
from fulfillment.content import Content
from fulfillment.dispatch import dispatch
from fulfillment.errors import ServiceError, error_response, unexpected_error_handler
from fulfillment.i18n.locales import bcp47
from fulfillment.limits import headers_too_large
from fulfillment.observability import SECURITY_HEADERS, AccessLog
from fulfillment.platform import Platform
from fulfillment.reply import Reply
from fulfillment.services import Services

# Where each platform calls, for the tests, the benchmark and the docs.
SEED_PATH = PLATFORMS["seed"].path
ES_PATH = PLATFORMS["dialogflow-es"].path
CX_PATH = PLATFORMS["dialogflow-cx"].path
RASA_PATH = PLATFORMS["rasa"].path


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


# Content-Language for each locale, written once (bcp47) and kept: there are a few dozen.
_LANGUAGE_TAGS: dict[str, bytes] = {}


def _language_tag(locale: str) -> bytes:
    tag = _LANGUAGE_TAGS.get(locale)
    if tag is None:
        tag = _LANGUAGE_TAGS[locale] = bcp47(locale).encode("latin-1")
    return tag


async def answer(
    platform: Platform[Any],
    services: Services,
    content: Content,
    payload: Any,
    started: float,
    log: dict[str, Any],
) -> tuple[int, bytes, bytes, Reply | None]:
    """Translate, dispatch, translate back: the status, the body, its Content-Language and the
    reply (None when the request named no intent this service answers).

    `content` is what the request read when it began: a reload while it runs does not mix old
    and new. `log` gets what the access log and the metrics say about it (no personal data)."""
    routes = content.platforms
    language = content.resolver.language(platform.language_code(payload))
    interest_type = platform.interest_type(payload, routes)
    if interest_type is None:
        unrouted = platform.unrouted(payload, routes)
        log["outcome"] = "unrouted"
        return unrouted.status, unrouted.body, _language_tag(language.locale), None
    turn = platform.to_turn(payload, interest_type, language, routes)
    # Who may see which orders: as given, signed by the shop, or a guest (identity.py).
    asker = services.trust.judge(turn.asker, *platform.proof(payload))
    session = platform.session(payload)
    if asker is not turn.asker or session != turn.session:  # a copy costs more than a check
        turn = turn._replace(asker=asker, session=session)
    reply = await dispatch(services, turn, platform.interest_field, started, content)
    log["interest_type"] = turn.interest_type
    log["locale"] = reply.locale
    log["outcome"] = reply.outcome
    log["order_ids"] = reply.order_ids
    return 200, platform.render(reply, payload, turn, routes), _language_tag(reply.locale), reply


def endpoint(platform: Platform[Any]) -> Callable[[Request], Awaitable[Response]]:
    """The webhook as a Starlette endpoint: authenticate, parse, `answer`."""
    name = platform.name

    async def webhook(request: Request) -> Response:
        started = time.monotonic()
        state = request.scope.setdefault("state", {})
        log = state.setdefault("log", {})
        log["platform"] = name  # early, so a refused request is counted under it too
        services = services_of(request)
        content = services.content  # read once (see `answer`)
        services.credentials.check(request, query_token=platform.query_token)
        settings = services.settings
        body = await read_body(request, settings.max_body_bytes, settings.deadline_seconds)
        payload = parse_model(body, platform.request_model)
        status, reply_body, language, reply = await answer(
            platform, services, content, payload, started, log
        )
        if reply is not None:
            state["reply"] = reply  # for the playground, which shows it
        return Response(
            reply_body,
            status,
            media_type="application/json",
            headers={"Content-Language": language.decode("latin-1")},
        )

    return webhook


# The request headers the webhooks read; the first of each counts (as Starlette's Headers.get).
_WANTED = frozenset(
    {
        b"authorization",
        b"x-api-key",
        b"content-type",
        b"content-encoding",
        b"content-length",
        b"x-request-id",
    }
)
_JSON = (b"content-type", b"application/json")
_REPLACED = (b"cache-control", b"x-content-type-options")


class Webhooks:
    """Every platform's webhook in plain ASGI, for POSTs to their paths (see the module doc).

    `services` is set by the app's start-up (app.py), as `app.state.services` is."""

    def __init__(self, access: AccessLog) -> None:
        self.access = access
        self.platforms: dict[str, Platform[Any]] = {p.path: p for p in PLATFORMS.values()}
        self.services: Services | None = None

    def route(self, scope: Scope) -> Platform[Any] | None:
        """The platform a request is for, when this answers it."""
        if scope["type"] != "http" or scope["method"] != "POST" or scope.get("root_path"):
            return None
        return self.platforms.get(scope["path"])

    async def __call__(
        self, platform: Platform[Any], scope: Scope, receive: Receive, send: Send
    ) -> None:
        started = time.perf_counter()
        wanted: dict[bytes, bytes] = {}
        size = 0
        for name, value in scope["headers"]:
            size += len(name) + len(value) + 4
            if name in _WANTED and name not in wanted:
                wanted[name] = value
        request_id = self.access.request_id(wanted.get(b"x-request-id"))
        log: dict[str, Any] = {}
        status = 500
        answered = False  # whether the response has begun (an error then cannot be sent)
        try:
            too_large = headers_too_large(scope["headers"], size)
            if too_large is not None:
                raise too_large
            log["platform"] = platform.name  # so a refused request is counted under it too
            status, body, language = await self._answer(platform, scope, receive, wanted, log)
            answered = True
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [
                        (b"content-language", language),
                        (b"content-length", b"%d" % len(body)),
                        _JSON,
                        *SECURITY_HEADERS,
                        (b"x-request-id", request_id.encode("latin-1")),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
        except ServiceError as error:
            status = error.status_code
            response: Response = error_response(
                error.status_code, error.code, error.message, error.details, error.headers
            )
            await self._send_error(response, request_id, send)
        except Exception as error:
            # As Starlette's outermost middleware does: the handler logs it and answers a 500,
            # and the error goes on up to the server.
            response = await unexpected_error_handler(Request(scope), error)
            if not answered:
                status = 500
                await self._send_error(response, request_id, send)
            raise
        finally:
            self.access.done(
                "POST", scope["path"], status, time.perf_counter() - started, request_id, log
            )

    async def _answer(
        self,
        platform: Platform[Any],
        scope: Scope,
        receive: Receive,
        headers: dict[bytes, bytes],
        log: dict[str, Any],
    ) -> tuple[int, bytes, bytes]:
        """Credentials first (a stranger's body is never read), then the body, validated, then
        `answer`."""
        started = time.monotonic()
        services = self.services
        if services is None:
            raise RuntimeError("the app has not started (no lifespan startup)")
        content = services.content  # read once (see `answer`)
        services.credentials.check_raw(
            headers.get(b"authorization"),
            headers.get(b"x-api-key"),
            scope.get("query_string", b"") if platform.query_token else b"",
        )
        settings = services.settings
        body = await receive_body(
            receive,
            _text(headers.get(b"content-type")),
            _text(headers.get(b"content-encoding")),
            _text(headers.get(b"content-length")),
            settings.max_body_bytes,
            settings.deadline_seconds,
        )
        payload = parse_model(body, platform.request_model)
        status, reply_body, language, _ = await answer(
            platform, services, content, payload, started, log
        )
        return status, reply_body, language

    @staticmethod
    async def _send_error(response: Response, request_id: str, send: Send) -> None:
        headers = [h for h in response.raw_headers if h[0] not in _REPLACED]
        start: Message = {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": [*headers, *SECURITY_HEADERS, (b"x-request-id", request_id.encode())],
        }
        await send(start)
        await send({"type": "http.response.body", "body": response.body})


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode("latin-1")


async def rasa_health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def rasa_actions(request: Request) -> Response:
    services = services_of(request)
    services.credentials.check(request, query_token=True)
    return JSONResponse(
        [{"name": name} for name in sorted(services.content.platforms.rasa_actions)]
    )
