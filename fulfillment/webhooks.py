"""The webhook endpoint every platform is served by, and Rasa's action-server extras."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from fulfillment.adapters import PLATFORMS
from fulfillment.body import Model, parse_model, read_body
from fulfillment.dispatch import dispatch
from fulfillment.i18n.locales import bcp47
from fulfillment.platform import Platform
from fulfillment.reply import Reply
from fulfillment.services import Services
from fulfillment.turn import Turn

# Where each platform calls, for the tests, the benchmark and the docs.
SEED_PATH = PLATFORMS["seed"].path
ES_PATH = PLATFORMS["dialogflow-es"].path
CX_PATH = PLATFORMS["dialogflow-cx"].path
RASA_PATH = PLATFORMS["rasa"].path


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def _authenticated_body(
    request: Request, services: Services, model: type[Model], query_token: bool = False
) -> Model:
    """Credentials first (a stranger's body is never read), then the body, validated."""
    services.credentials.check(request, query_token=query_token)
    return parse_model(
        await read_body(
            request, services.settings.max_body_bytes, services.settings.deadline_seconds
        ),
        model,
    )


def _begin(request: Request, platform: str) -> float:
    """Mark the platform early, so a refused request is counted under it too."""
    request.scope.setdefault("state", {}).setdefault("log", {})["platform"] = platform
    return time.monotonic()


def _note(request: Request, platform: str, turn: Turn, reply: Reply) -> None:
    """What the access log and the metrics say about this request (no personal data).

    The reply itself is kept in the request's state for the playground, which shows it."""
    state = request.scope.setdefault("state", {})
    state["reply"] = reply
    state.setdefault("log", {}).update(
        platform=platform,
        interest_type=turn.interest_type,
        locale=reply.locale,
        outcome=reply.outcome,
        order_ids=reply.order_ids,
    )


def endpoint(platform: Platform[Any]) -> Callable[[Request], Awaitable[Response]]:
    """The one webhook every platform is served by: authenticate, parse, translate,
    dispatch, translate back."""
    name = platform.name

    async def webhook(request: Request) -> Response:
        started = _begin(request, name)
        services = services_of(request)
        # Read once: a reload while this request runs does not mix old and new content.
        content = services.content
        payload = await _authenticated_body(
            request, services, platform.request_model, platform.query_token
        )
        routes = content.platforms
        language = content.resolver.language(platform.language_code(payload))
        interest_type = platform.interest_type(payload, routes)
        if interest_type is None:
            unrouted = platform.unrouted(payload, routes)
            request.scope["state"]["log"]["outcome"] = "unrouted"
            return Response(
                unrouted.body,
                unrouted.status,
                media_type="application/json",
                headers={"Content-Language": bcp47(language.locale)},
            )
        turn = platform.to_turn(payload, interest_type, language, routes)
        # Who may see which orders: as given, signed by the shop, or a guest (identity.py).
        asker = services.trust.judge(turn.asker, *platform.proof(payload))
        turn = replace(turn, asker=asker, session=platform.session(payload))
        reply = await dispatch(services, turn, platform.interest_field, started, content)
        _note(request, name, turn, reply)
        return Response(
            platform.render(reply, payload, turn, routes),
            media_type="application/json",
            headers={"Content-Language": bcp47(reply.locale)},
        )

    return webhook


async def rasa_health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def rasa_actions(request: Request) -> Response:
    services = services_of(request)
    services.credentials.check(request, query_token=True)
    return JSONResponse(
        [{"name": name} for name in sorted(services.content.platforms.rasa_actions)]
    )
