"""GET /playground and its API: try a phrase, every language, every reply, phrase tests.

The page and its script are public (they hold no data and show a sign-in); every API call
needs the service's credentials, like the webhooks. A try goes through the real webhook of
the chosen platform, in process, with the caller's own credentials.
"""

from __future__ import annotations

import dataclasses
import json
import math
import secrets
from pathlib import Path
from typing import Annotated, Any, Literal

from babel import Locale, UnknownLocaleError
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message

from fulfillment import webhooks
from fulfillment.adapters import PLATFORMS
from fulfillment.body import parse_model, read_body
from fulfillment.content import Content, ContentError
from fulfillment.conversations import ConversationTurn
from fulfillment.errors import EXCEPTION_HANDLERS, InvalidRequest, NotFound
from fulfillment.guard import LookupGuard, MemoryMissLog
from fulfillment.i18n.locales import bcp47, spoken_language
from fulfillment.identity import Signatures, TrustPolicy
from fulfillment.phrasetests import (
    ConversationResult,
    TurnResult,
    run_conversations,
    run_phrase,
    signer,
)
from fulfillment.platform import Surface, Trial
from fulfillment.playground.views import every_reply, extraction_data, message_data
from fulfillment.reply import Reply
from fulfillment.services import Services
from fulfillment.store.base import CustomerSummary
from fulfillment.turn import ResponseType
from fulfillment.webhooks import services_of

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
CUSTOMERS_SHOWN = 50


# Every surface id of every platform, for the document (each platform has its own).
SURFACE_IDS = sorted({surface.id for p in PLATFORMS.values() for surface in p.surfaces})


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
    guest: bool = Field(
        default=False,
        description="A visitor nobody identified: the identity goes unsigned (Dialogflow "
        "front ends send none), and the service asks for a second factor.",
    )


# The playground talks to the webhooks as a shop's chat does after its back end signed who is
# asking (README, "Who may see which orders"): a customer picked from the store is signed with
# this process's own secret, a guest is not, and signatures are required, whatever the
# service's own settings, so that a guest is a guest on every platform.
_SECRET = secrets.token_urlsafe(32)
_sign = signer(_SECRET)


def _sandbox(services: Services, content: Content, guard: LookupGuard) -> Starlette:
    """The service's own webhooks with the playground's signatures required."""
    sandbox = Starlette(
        routes=[Route(p.path, webhooks.endpoint(p), methods=["POST"]) for p in PLATFORMS.values()],
        exception_handlers=dict(EXCEPTION_HANDLERS),
    )
    trust = TrustPolicy(Signatures.of([_SECRET]), services.trust.trusted_channels, enforced=True)
    sandbox.state.services = dataclasses.replace(
        services, content=content, guard=guard, trust=trust
    )
    return sandbox


class TryRequest(_Strict):
    text: str = Field(min_length=1, max_length=2000)
    locale: str = Field(min_length=2, max_length=35)
    responseType: Literal["text", "card", "media"] = "card"
    platform: Annotated[
        str, AfterValidator(_platform), WithJsonSchema({"enum": list(PLATFORMS)})
    ] = "seed"
    customer: Customer
    interestType: str = "order-status"
    surface: Annotated[
        str | None,
        WithJsonSchema(
            {"anyOf": [{"enum": SURFACE_IDS}, {"type": "null"}]},
        ),
    ] = Field(
        default=None,
        max_length=40,
        description="Where the customer types (an id of the platform's surfaces in "
        "/playground/api/options); default the surface that knows the customer's channel.",
    )


def _finite(value: Any) -> Any:
    """NaN and Infinity parse, but no JSON can carry them on (to the webhook, or back)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError("holds NaN or Infinity, which JSON cannot carry")
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return value


class TurnRequest(TryRequest):
    state: Annotated[dict[str, Any] | None, AfterValidator(_finite)] = Field(
        default=None,
        description="The platform's memory as the previous turn's answer gave it (`state`); "
        "null or absent at the start of a conversation.",
    )


def _authorized(request: Request) -> Services:
    services = services_of(request)
    services.credentials.check(request)
    return services


def _locale(content: Content, code: str) -> str:
    """A served locale, by its catalog name (de, pt_BR) or its BCP 47 tag (pt-BR)."""
    wanted = code.replace("-", "_").lower()
    for locale in content.resolver.available:
        if locale.lower() == wanted:
            return locale
    raise InvalidRequest(
        f"The locale {code[:35]!r} is not served.",
        {"field": "locale", "served": sorted(content.resolver.available)},
    )


def text_direction(locale: str) -> str:
    """ "rtl" for a language written right to left (CLDR's character order), else "ltr"."""
    try:
        order = Locale.parse(locale).character_order
    except (ValueError, UnknownLocaleError):
        return "ltr"
    return "rtl" if order == "right-to-left" else "ltr"


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


def _customers(summary: CustomerSummary) -> list[dict[str, Any]]:
    """One entry per identity: a customer known on Telegram and WhatsApp can be tried on both."""
    name = " ".join(n for n in (summary.first_name, summary.last_name) if n)
    return [
        {
            "label": f"{name or identity.user_id} ({identity.channel.title()})",
            "channel": identity.channel,
            "userId": identity.user_id,
            "userName": identity.user_name,
            "firstName": summary.first_name,
            "orders": list(summary.orders),
        }
        for identity in summary.identities
    ]


def _surface(surface: Surface) -> dict[str, Any]:
    return {
        "id": surface.id,
        "label": surface.label,
        "channel": surface.channel,
        "voice": surface.voice,
        "note": surface.note,
    }


async def options(request: Request) -> Response:
    services = _authorized(request)
    content = services.content
    customers: list[dict[str, Any]] = []
    directory = getattr(services.store, "customers", None)
    if directory is not None:
        summaries: list[CustomerSummary] = await directory(CUSTOMERS_SHOWN)
        customers = [c for summary in summaries for c in _customers(summary)]
    return JSONResponse(
        {
            "locales": [
                {
                    "code": locale,
                    "tag": bcp47(locale),
                    "name": display_name(locale),
                    "dir": text_direction(locale),
                }
                for locale in sorted(content.resolver.available)
            ],
            "defaultLocale": content.resolver.default,
            "platforms": [
                {"id": key, "name": p.title, "surfaces": [_surface(s) for s in p.surfaces]}
                for key, p in PLATFORMS.items()
            ],
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
    """One phrase, from a blank state: what the service found, replied, and the surface shows."""
    return JSONResponse(await _exchange(request, TryRequest))


async def turn(request: Request) -> Response:
    """One turn of a conversation: the try's answer, from the state the previous turn left,
    and the platform's memory for the next (`state`)."""
    return JSONResponse(await _exchange(request, TurnRequest))


async def _exchange(request: Request, model: type[TryRequest]) -> dict[str, Any]:
    services = _authorized(request)
    content = services.content
    asked = parse_model(
        await read_body(
            request, services.settings.max_body_bytes, services.settings.deadline_seconds
        ),
        model,
    )
    spec = content.intents.get(asked.interestType)
    if spec is None:
        raise InvalidRequest(
            f"No interest type {asked.interestType!r}.",
            {"field": "interestType", "known": content.interest_types},
        )
    locale = _locale(content, asked.locale)
    platform = PLATFORMS[asked.platform]
    try:
        surface = (
            platform.surface(asked.surface)
            if asked.surface
            else platform.surface_for(asked.customer.channel)
        )
    except KeyError:
        raise InvalidRequest(
            f"{platform.title} has no surface {asked.surface!r}.",
            {"field": "surface", "known": [s.id for s in platform.surfaces]},
        ) from None
    trial = Trial(
        text=asked.text,
        language_code=bcp47(locale),
        response_type=asked.responseType,
        channel=asked.customer.channel,
        user_id=asked.customer.userId,
        user_name=asked.customer.userName,
        first_name=asked.customer.firstName,
        surface=surface.id,
        state=getattr(asked, "state", None) or {},
        user_hash=None if asked.customer.guest else _sign(asked.customer.userId),
        guest=asked.customer.guest,
    )
    try:
        sent = platform.build(trial, spec, asked.interestType)
    except IndexError:
        raise InvalidRequest(
            f"intents/{asked.interestType}.yaml names no {platform.title} route for this intent.",
            {"field": "platform"},
        ) from None
    status, raw, reply = await _call_webhook(
        _sandbox(services, content, services.guard),
        platform.path,
        json.dumps(sent).encode(),
        request,
    )
    try:
        answered: Any = json.loads(raw)
    except ValueError:
        answered = raw.decode("utf-8", "replace")
    # What the platform does with the answer: shows it, and remembers what it says to.
    shown = answered if status == 200 else {}
    extractor = content.extractors.get(asked.interestType)
    extraction = (
        extractor.extract(asked.text, spoken_language(trial.language_code)) if extractor else None
    )
    return {
        "locale": locale,
        "platform": asked.platform,
        "surface": surface.id,
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
        "preview": platform.preview(shown, surface.id),
        "state": platform.next_state(sent, shown),
    }


async def replies(request: Request) -> Response:
    content = _authorized(request).content
    locale = _locale(content, request.query_params.get("locale", content.resolver.default))
    raw_type = request.query_params.get("responseType", "card")
    try:
        response_type = ResponseType(raw_type)
    except ValueError:
        raise InvalidRequest(
            f"Unknown responseType {raw_type[:20]!r}.",
            {"field": "responseType", "known": [t.value for t in ResponseType]},
        ) from None
    interest_type = request.query_params.get("interestType", "order-status")
    book = content.phrasebooks.get((interest_type, locale))
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
    content = _authorized(request).content
    rows: list[dict[str, Any]] = []
    for interest_type, spec in content.intents.items():
        extractor = content.extractors.get(interest_type)
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


def _error(error: ContentError | None) -> dict[str, Any] | None:
    if error is None:
        return None
    at = error.at.isoformat()
    return {"message": error.message, "file": error.file, "line": error.line, "at": at}


async def content_status(request: Request) -> Response:
    """What intents/ and locales/ are served as: since when, reloaded or not, and why not."""
    services = _authorized(request)
    content, status = services.content, services.content_status
    return JSONResponse(
        {
            "loadedAt": content.loaded_at.isoformat(),
            "reload": status.reload,
            "reloads": status.reloads,
            "lastError": _error(status.last_error),
            "interestTypes": content.interest_types,
            "locales": [
                {
                    "code": state.locale,
                    "tag": bcp47(state.locale),
                    "name": display_name(state.locale),
                    "state": state.state,
                    "served": state.served,
                    "file": state.file,
                    "reason": state.reason,
                    "line": state.line,
                    "loadedAt": state.loaded_at.isoformat() if state.loaded_at else None,
                    "staleEntries": content.stale_entries.get(state.locale, []),
                }
                for state in sorted(content.locales.values(), key=lambda s: s.locale)
            ],
        }
    )


def _turn_row(turn: ConversationTurn, result: TurnResult | None) -> dict[str, Any]:
    return {
        "action": turn.action,
        "words": turn.words,
        "expect": list(turn.expect),
        "expectNot": list(turn.expect_not),
        "ran": result is not None,
        "sent": result.sent if result else None,
        "status": result.status if result else None,
        "missing": list(result.missing) if result else [],
        "unexpected": list(result.unexpected) if result else [],
        "problem": result.problem if result else None,
        "passed": result.passed if result else False,
        "preview": result.preview if result else [],
    }


def _conversation_row(run: ConversationResult) -> dict[str, Any]:
    conversation = run.conversation
    ran: list[TurnResult | None] = [*run.turns]
    ran += [None] * (len(conversation.turns) - len(ran))
    return {
        "interestType": run.interest_type,
        "name": conversation.name,
        "note": conversation.note,
        "platform": run.platform,
        "surface": run.surface,
        "customer": {"channel": conversation.customer.channel, "uid": conversation.customer.uid},
        "lang": conversation.lang,
        "passed": run.passed,
        "turns": [_turn_row(t, r) for t, r in zip(conversation.turns, ran, strict=True)],
    }


async def conversation_tests(request: Request) -> Response:
    """Runs the conversations of intents/*.yaml through the webhooks, as `fulfillment phrases`
    does, on this service's store and content."""
    services = _authorized(request)
    content = services.content
    # The service's own webhooks, with a lookup guard of their own: designers run these as
    # often as they like, and a run's unknown numbers are nobody guessing (counted with the
    # customers' own, they would soon slow and refuse the demo customers).
    window = services.settings.lookup_window_seconds
    sandbox = _sandbox(services, content, LookupGuard(MemoryMissLog(), 10**6, 10**6, window))

    async def send(path: str, body: bytes) -> tuple[int, bytes]:
        status, raw, _ = await _call_webhook(sandbox, path, body, request)
        return status, raw

    runs = await run_conversations(content.intents, send, sign=_sign)
    passed = sum(1 for run in runs if run.passed)
    return JSONResponse(
        {
            "total": len(runs),
            "passed": passed,
            "failed": len(runs) - passed,
            "rows": [_conversation_row(run) for run in runs],
        }
    )


def routes() -> list[BaseRoute]:
    return [
        Route("/playground", page, methods=["GET"]),
        Mount("/playground/static", StaticFiles(directory=HERE / "static"), name="playground"),
        Route("/playground/api/options", options, methods=["GET"]),
        Route("/playground/api/try", try_phrase, methods=["POST"]),
        Route("/playground/api/turn", turn, methods=["POST"]),
        Route("/playground/api/conversations", conversation_tests, methods=["GET"]),
        Route("/playground/api/replies", replies, methods=["GET"]),
        Route("/playground/api/phrase-tests", phrase_tests, methods=["GET"]),
        Route("/playground/api/content", content_status, methods=["GET"]),
    ]
