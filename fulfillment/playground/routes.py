"""GET /playground and its API: try a phrase, every language, every reply, phrase tests.

The page and its script are public (they hold no data and show a sign-in); every API call
needs the service's credentials, like the webhooks. A try goes through the real webhook of
the chosen platform, in process, with the caller's own credentials.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from babel import Locale, UnknownLocaleError
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message

from fulfillment.adapters import PLATFORMS
from fulfillment.body import parse_model, read_body
from fulfillment.errors import InvalidRequest, NotFound
from fulfillment.i18n.locales import bcp47, spoken_language
from fulfillment.phrasetests import run_phrase
from fulfillment.platform import Trial
from fulfillment.playground.views import every_reply, extraction_data, message_data
from fulfillment.reply import Reply
from fulfillment.services import Services
from fulfillment.store.base import CustomerSummary
from fulfillment.turn import ResponseType
from fulfillment.webhooks import services_of

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
CUSTOMERS_SHOWN = 50


def _platform(name: str) -> str:
    if name not in PLATFORMS:
        raise ValueError(f"not one of {', '.join(PLATFORMS)}")
    return name


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Customer(_Strict):
    channel: str = Field(min_length=1, max_length=40)
    userId: str = Field(min_length=1, max_length=320)
    userName: str | None = Field(default=None, max_length=200)
    firstName: str | None = Field(default=None, max_length=200)


class TryRequest(_Strict):
    text: str = Field(min_length=1, max_length=2000)
    locale: str = Field(min_length=2, max_length=35)
    responseType: Literal["text", "card", "media"] = "card"
    platform: Annotated[
        str, AfterValidator(_platform), WithJsonSchema({"enum": list(PLATFORMS)})
    ] = "seed"
    customer: Customer
    interestType: str = "order-status"


def _authorized(request: Request) -> Services:
    services = services_of(request)
    services.credentials.check(request)
    return services


def _locale(services: Services, code: str) -> str:
    """A served locale, by its catalog name (de, pt_BR) or its BCP 47 tag (pt-BR)."""
    wanted = code.replace("-", "_").lower()
    for locale in services.resolver.available:
        if locale.lower() == wanted:
            return locale
    raise InvalidRequest(
        f"The locale {code[:35]!r} is not served.",
        {"field": "locale", "served": sorted(services.resolver.available)},
    )


def display_name(locale: str) -> str:
    """The language's own name for itself (Deutsch, português (Brasil)), from CLDR."""
    try:
        return str(Locale.parse(locale).get_display_name(locale) or locale)
    except (ValueError, UnknownLocaleError):
        return locale


async def page(request: Request) -> Response:
    # A <meta> policy cannot forbid framing; the header can (no clickjacking of the key form).
    return templates.TemplateResponse(
        request,
        "playground.html",
        {},
        headers={
            "Content-Security-Policy": "frame-ancestors 'none'",
            "Referrer-Policy": "no-referrer",
        },
    )


def _customer(summary: CustomerSummary) -> dict[str, Any] | None:
    if not summary.identities:
        return None
    identity = summary.identities[0]
    name = " ".join(n for n in (summary.first_name, summary.last_name) if n) or identity.user_id
    return {
        "label": f"{name} ({identity.channel.title()})",
        "channel": identity.channel,
        "userId": identity.user_id,
        "userName": identity.user_name,
        "firstName": summary.first_name,
        "orders": list(summary.orders),
    }


async def options(request: Request) -> Response:
    services = _authorized(request)
    customers: list[dict[str, Any]] = []
    directory = getattr(services.store, "customers", None)
    if directory is not None:
        summaries: list[CustomerSummary] = await directory(CUSTOMERS_SHOWN)
        customers = [c for c in map(_customer, summaries) if c is not None]
    return JSONResponse(
        {
            "locales": [
                {"code": locale, "tag": bcp47(locale), "name": display_name(locale)}
                for locale in sorted(services.resolver.available)
            ],
            "defaultLocale": services.resolver.default,
            "platforms": [{"id": key, "name": p.title} for key, p in PLATFORMS.items()],
            "responseTypes": [t.value for t in ResponseType],
            "customers": customers,
        }
    )


async def _call_webhook(
    app: ASGIApp, path: str, body: bytes, request: Request
) -> tuple[int, bytes, Reply | None]:
    """The platform's webhook, called in process as the platform would call it over HTTP."""
    headers = [(b"content-type", b"application/json")]
    headers += [
        (name, value)
        for name, value in request.scope["headers"]
        if name in (b"authorization", b"x-api-key")
    ]
    state: dict[str, Any] = {}
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [*headers, (b"content-length", str(len(body)).encode())],
        "client": request.scope.get("client"),
        "server": request.scope.get("server"),
        "state": state,
    }
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    status = 500
    chunks: list[bytes] = []

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    reply = state.get("reply")
    return status, b"".join(chunks), reply if isinstance(reply, Reply) else None


async def try_phrase(request: Request) -> Response:
    services = _authorized(request)
    asked = parse_model(
        await read_body(
            request, services.settings.max_body_bytes, services.settings.deadline_seconds
        ),
        TryRequest,
    )
    spec = services.intents.get(asked.interestType)
    if spec is None:
        raise InvalidRequest(
            f"No interest type {asked.interestType!r}.",
            {"field": "interestType", "known": services.interest_types},
        )
    locale = _locale(services, asked.locale)
    trial = Trial(
        text=asked.text,
        language_code=bcp47(locale),
        response_type=asked.responseType,
        channel=asked.customer.channel,
        user_id=asked.customer.userId,
        user_name=asked.customer.userName,
        first_name=asked.customer.firstName,
    )
    platform = PLATFORMS[asked.platform]
    try:
        sent = platform.build(trial, spec, asked.interestType)
    except IndexError:
        raise InvalidRequest(
            f"intents/{asked.interestType}.yaml names no {platform.title} route for this intent.",
            {"field": "platform"},
        ) from None
    status, raw, reply = await _call_webhook(
        request.app, platform.path, json.dumps(sent).encode(), request
    )
    try:
        answered: Any = json.loads(raw)
    except ValueError:
        answered = raw.decode("utf-8", "replace")
    extractor = services.extractors.get(asked.interestType)
    extraction = (
        extractor.extract(asked.text, spoken_language(trial.language_code)) if extractor else None
    )
    return JSONResponse(
        {
            "locale": locale,
            "platform": asked.platform,
            "path": platform.path,
            "status": status,
            "request": sent,
            "response": answered,
            "extraction": extraction_data(extraction) if extraction else None,
            "reply": {
                "outcome": reply.outcome,
                "locale": reply.locale,
                "messages": [message_data(m) for m in reply.messages],
            }
            if reply
            else None,
        }
    )


async def replies(request: Request) -> Response:
    services = _authorized(request)
    locale = _locale(services, request.query_params.get("locale", services.resolver.default))
    raw_type = request.query_params.get("responseType", "card")
    try:
        response_type = ResponseType(raw_type)
    except ValueError:
        raise InvalidRequest(
            f"Unknown responseType {raw_type[:20]!r}.",
            {"field": "responseType", "known": [t.value for t in ResponseType]},
        ) from None
    interest_type = request.query_params.get("interestType", "order-status")
    book = services.phrasebooks.get((interest_type, locale))
    if book is None:
        raise NotFound(f"No replies for interest type {interest_type[:60]!r}.")
    return JSONResponse(
        {
            "locale": locale,
            "responseType": response_type.value,
            "rows": every_reply(book, response_type),
        }
    )


async def phrase_tests(request: Request) -> Response:
    services = _authorized(request)
    rows: list[dict[str, Any]] = []
    for interest_type, spec in services.intents.items():
        extractor = services.extractors.get(interest_type)
        if extractor is None:
            continue
        for test in spec.tests:
            result = run_phrase(interest_type, extractor, test)
            rows.append(
                {
                    "interestType": interest_type,
                    "text": test.text,
                    "language": test.lang,
                    "note": test.note,
                    "expected": list(result.expected),
                    "found": list(result.found),
                    "passed": result.passed,
                }
            )
    passed = sum(1 for row in rows if row["passed"])
    return JSONResponse(
        {"total": len(rows), "passed": passed, "failed": len(rows) - passed, "rows": rows}
    )


def routes() -> list[BaseRoute]:
    return [
        Route("/playground", page, methods=["GET"]),
        Mount("/playground/static", StaticFiles(directory=HERE / "static"), name="playground"),
        Route("/playground/api/options", options, methods=["GET"]),
        Route("/playground/api/try", try_phrase, methods=["POST"]),
        Route("/playground/api/replies", replies, methods=["GET"]),
        Route("/playground/api/phrase-tests", phrase_tests, methods=["GET"]),
    ]
