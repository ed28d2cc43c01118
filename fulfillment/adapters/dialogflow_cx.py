"""Dialogflow CX (v3) DialogflowCxRequest and DialogflowCxResponse."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from fulfillment.adapters.common import (
    cards,
    chips,
    identity_text,
    media,
    parameter_values,
    texts,
)
from fulfillment.domain import Asker
from fulfillment.i18n.locales import Language
from fulfillment.reply import Reply
from fulfillment.turn import ResponseType, Turn

DEFAULT_ORDER_PARAMETER = "order_id"


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class FulfillmentInfo(_In):
    tag: str | None = Field(default=None, max_length=200)


class IntentInfo(_In):
    displayName: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)


class ParameterInfo(_In):
    displayName: str = Field(max_length=200)
    required: bool | None = None
    state: str | None = None
    value: Any = None


class FormInfo(_In):
    parameterInfo: list[ParameterInfo] = Field(default_factory=list, max_length=100)


class PageInfo(_In):
    currentPage: str | None = None
    displayName: str | None = None
    formInfo: FormInfo | None = None


class SessionInfo(_In):
    session: str | None = Field(default=None, max_length=500)
    parameters: dict[str, Any] = Field(default_factory=dict)


class DialogflowCxRequest(_In):
    detectIntentResponseId: str | None = None
    text: str | None = Field(default=None, max_length=2000)
    transcript: str | None = Field(default=None, max_length=2000)
    languageCode: str | None = Field(default=None, max_length=64)
    fulfillmentInfo: FulfillmentInfo = Field(default_factory=FulfillmentInfo)
    intentInfo: IntentInfo | None = None
    pageInfo: PageInfo | None = None
    sessionInfo: SessionInfo = Field(default_factory=SessionInfo)
    payload: dict[str, Any] = Field(default_factory=dict)


class DialogflowCxResponse(BaseModel):
    fulfillmentResponse: dict[str, Any]
    sessionInfo: dict[str, Any] | None = None
    pageInfo: dict[str, Any] | None = None


def asker(request: DialogflowCxRequest) -> Asker:
    """Who is asking: the end-user payload the integration sends, else trusted session values.

    Dialogflow Messenger and custom front ends pass `queryParams.payload` (here `payload`);
    Phone Gateway puts the caller id there. Session parameters count only under names an
    agent sets from its integration, never from what the customer typed.
    """
    payload = request.payload
    params = request.sessionInfo.parameters
    telephony = payload.get("telephony")
    caller = identity_text(telephony.get("caller_id")) if isinstance(telephony, dict) else None
    if caller:
        return Asker(uid=caller, channel="PHONE")
    names = ("userId", "uid", "user_id")
    source = payload if any(identity_text(payload.get(n)) for n in names[:2]) else params
    uid = next((found for n in names if (found := identity_text(source.get(n)))), None)
    if uid:
        return Asker(
            uid=uid,
            channel=(identity_text(source.get("channel")) or "").upper() or None,
            user_name=identity_text(source.get("username")),
            first_name=identity_text(source.get("first_name")),
        )
    session = request.sessionInfo.session or request.detectIntentResponseId or "anonymous"
    return Asker(uid=session.rsplit("/", 1)[-1], channel="DIALOGFLOW_CX")


def order_parameter(request: DialogflowCxRequest, names: list[str]) -> str:
    """The form parameter that holds the order number on the current page, if any."""
    if request.pageInfo and request.pageInfo.formInfo:
        for info in request.pageInfo.formInfo.parameterInfo:
            if info.displayName in names:
                return info.displayName
    return next(
        (name for name in names if name in request.sessionInfo.parameters),
        DEFAULT_ORDER_PARAMETER,
    )


def to_turn(
    request: DialogflowCxRequest,
    interest_type: str,
    language: Language,
    order_parameters: list[str],
    response_type: ResponseType,
) -> Turn:
    numbers = []
    if request.intentInfo:
        numbers = parameter_values(request.intentInfo.parameters, order_parameters)
    if not numbers:
        numbers = parameter_values(request.sessionInfo.parameters, order_parameters)
    return Turn(
        interest_type=interest_type,
        asker=asker(request),
        locale=language.locale,
        response_type=response_type,
        order_ids=tuple(numbers),
        text=request.text or request.transcript,
        language=language.spoken,
    )


def _rich_content(reply: Reply) -> list[list[dict[str, Any]]]:
    """Dialogflow Messenger's richContent: one list of elements per card or picture set."""
    content: list[list[dict[str, Any]]] = []
    for card in cards(reply):
        info: dict[str, Any] = {"type": "info", "title": card.title, "subtitle": card.subtitle}
        if card.image:
            info["image"] = {"src": {"rawUrl": card.image.url}}
        if card.button:
            info["actionLink"] = card.button.url
        elements = [info, {"type": "description", "text": card.body.split("  \n")}]
        if card.button:
            elements.append({"type": "button", "text": card.button.title, "link": card.button.url})
        content.append(elements)
    for found in media(reply):
        content.append(
            [
                {"type": "image", "rawUrl": o.image.url, "accessibilityText": o.image.alt}
                for o in found.objects[:10]
            ]
        )
    suggestions = chips(reply)
    if suggestions:
        content.append([{"type": "chips", "options": [{"text": c} for c in suggestions[:8]]}])
    return content


def from_reply(
    reply: Reply, request: DialogflowCxRequest, order_parameters: list[str]
) -> DialogflowCxResponse:
    messages: list[dict[str, Any]] = [{"text": {"text": [text]}} for text in texts(reply)]
    rich = _rich_content(reply)
    if rich:
        messages.append({"payload": {"richContent": rich}})
    parameter = order_parameter(request, order_parameters)
    response = DialogflowCxResponse(fulfillmentResponse={"messages": messages})
    if reply.order_ids:
        response.sessionInfo = {"parameters": {parameter: reply.order_ids[0]}}
    elif reply.awaits_order_number:
        # Clear the value and mark it invalid: the agent's form prompts for it again.
        response.sessionInfo = {"parameters": {parameter: None}}
        response.pageInfo = {
            "formInfo": {"parameterInfo": [{"displayName": parameter, "state": "INVALID"}]}
        }
    return response
