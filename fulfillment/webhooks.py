"""One endpoint per wire format: authenticate, parse, translate, dispatch, translate back."""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from fulfillment.adapters import dialogflow_cx, dialogflow_es, rasa, seed
from fulfillment.body import Model, parse_model, read_body
from fulfillment.dispatch import dispatch
from fulfillment.errors import UnknownInterestType
from fulfillment.i18n.locales import bcp47
from fulfillment.reply import Reply
from fulfillment.services import Services
from fulfillment.turn import ResponseType, Turn

SEED_PATH = "/api/rest/v1/ecom/integrations/getOrderStatus"
ES_PATH = "/dialogflow/es"
CX_PATH = "/dialogflow/cx"
RASA_PATH = "/webhook"


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


def _answer(model: BaseModel | bytes, reply: Reply) -> Response:
    body = model if isinstance(model, bytes) else model.model_dump_json(exclude_none=True)
    return Response(
        body, media_type="application/json", headers={"Content-Language": bcp47(reply.locale)}
    )


def _response_type(value: Any, default: ResponseType) -> ResponseType:
    """A platform payload may ask for a response type; anything else gets the default."""
    try:
        return ResponseType(str(value).lower()) if value else default
    except ValueError:
        return default


async def get_order_status(request: Request) -> Response:
    started = _begin(request, "seed")
    services = services_of(request)
    payload = await _authenticated_body(request, services, seed.OrderStatusRequest)
    turn = seed.to_turn(payload, services.resolver.language(payload.languageCode))
    reply = await dispatch(services, turn, "queryInfo.interestType", started)
    _note(request, "seed", turn, reply)
    return _answer(seed.from_reply(reply, turn.response_type), reply)


async def dialogflow_es_webhook(request: Request) -> Response:
    started = _begin(request, "dialogflow-es")
    services = services_of(request)
    payload = await _authenticated_body(request, services, dialogflow_es.DialogflowEsRequest)
    result = payload.queryResult
    routes = services.platforms.dialogflow_intents
    names = [result.intent.displayName if result.intent else None, result.action]
    interest_type = next((routes[n.lower()] for n in names if n and n.lower() in routes), None)
    waiting = dialogflow_es.awaiting(payload)
    if interest_type is None and waiting is not None:
        # The bot asked for an order number last turn: whatever matched, this is the answer.
        interest_type = str(waiting.parameters.get("interestType") or "")
    if not interest_type:
        raise UnknownInterestType(
            f"No interest type for the intent {names[0] or names[1]!r}.",
            {"field": "queryResult.intent.displayName", "known": sorted(routes)},
        )
    rtype = _response_type(
        payload.originalDetectIntentRequest.payload.get("responseType"), ResponseType.CARD
    )
    turn = dialogflow_es.to_turn(
        payload,
        interest_type,
        services.resolver.language(result.languageCode),
        services.platforms.order_parameters.get(interest_type, []),
        rtype,
    )
    reply = await dispatch(services, turn, "queryResult.intent.displayName", started)
    _note(request, "dialogflow-es", turn, reply)
    return _answer(dialogflow_es.from_reply(reply, payload, interest_type), reply)


async def dialogflow_cx_webhook(request: Request) -> Response:
    started = _begin(request, "dialogflow-cx")
    services = services_of(request)
    payload = await _authenticated_body(request, services, dialogflow_cx.DialogflowCxRequest)
    tag = payload.fulfillmentInfo.tag or ""
    interest_type = services.platforms.cx_tags.get(tag)
    if interest_type is None:
        raise UnknownInterestType(
            f"No interest type for the webhook tag {tag!r}.",
            {"field": "fulfillmentInfo.tag", "known": sorted(services.platforms.cx_tags)},
        )
    parameters = services.platforms.order_parameters.get(interest_type, [])
    rtype = _response_type(payload.payload.get("responseType"), ResponseType.CARD)
    turn = dialogflow_cx.to_turn(
        payload, interest_type, services.resolver.language(payload.languageCode), parameters, rtype
    )
    reply = await dispatch(services, turn, "fulfillmentInfo.tag", started)
    _note(request, "dialogflow-cx", turn, reply)
    return _answer(dialogflow_cx.from_reply(reply, payload, parameters), reply)


async def rasa_webhook(request: Request) -> Response:
    started = _begin(request, "rasa")
    services = services_of(request)
    call = await _authenticated_body(request, services, rasa.RasaActionCall, query_token=True)
    interest_type = services.platforms.rasa_actions.get(call.next_action)
    if interest_type is None:
        # rasa-sdk's own answer to an action it does not know.
        return JSONResponse(rasa.action_not_found(call.next_action).model_dump(), status_code=404)
    rtype = _response_type(
        call.tracker.latest_message.metadata.get("responseType"), ResponseType.TEXT
    )
    turn = rasa.to_turn(
        call,
        interest_type,
        services.resolver.language(rasa.language_code(call)),
        services.platforms.order_parameters.get(interest_type, []),
        rtype,
    )
    reply = await dispatch(services, turn, "next_action", started)
    _note(request, "rasa", turn, reply)
    return _answer(rasa.from_reply(reply), reply)


async def rasa_health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def rasa_actions(request: Request) -> Response:
    services = services_of(request)
    services.credentials.check(request, query_token=True)
    return JSONResponse(
        [{"name": name} for name in sorted(services_of(request).platforms.rasa_actions)]
    )
