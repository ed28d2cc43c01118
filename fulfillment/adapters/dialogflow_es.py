"""Dialogflow ES (v2) DialogflowEsRequest and DialogflowEsResponse."""

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
from fulfillment.reply import CardMessage, MediaMessage, Reply, SuggestionsMessage, TextMessage
from fulfillment.turn import ResponseType, Turn

# The context that marks "the bot just asked for an order number".
AWAITING = "awaiting_order_number"
MAX_RESPONSE_BYTES = 64 * 1024


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Intent(_In):
    name: str | None = None
    displayName: str | None = Field(default=None, max_length=200)


class Context(_In):
    name: str = Field(max_length=500)
    lifespanCount: int | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)

    @property
    def short_name(self) -> str:
        return self.name.rsplit("/", 1)[-1]


class QueryResult(_In):
    queryText: str | None = Field(default=None, max_length=2000)
    languageCode: str | None = Field(default=None, max_length=64)
    action: str | None = Field(default=None, max_length=200)
    parameters: dict[str, Any] = Field(default_factory=dict)
    outputContexts: list[Context] = Field(default_factory=list, max_length=100)
    intent: Intent | None = None


class OriginalRequest(_In):
    source: str | None = Field(default=None, max_length=60)
    version: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)


class DialogflowEsRequest(_In):
    session: str = Field(min_length=1, max_length=500)
    responseId: str | None = None
    queryResult: QueryResult
    originalDetectIntentRequest: OriginalRequest = Field(default_factory=OriginalRequest)


class DialogflowEsResponse(BaseModel):
    """Only the fields this service sets; Dialogflow ignores absent ones."""

    fulfillmentText: str
    fulfillmentMessages: list[dict[str, Any]]
    outputContexts: list[dict[str, Any]] | None = None
    payload: dict[str, Any] | None = None
    source: str = "order-status-fulfillment"


def _dig(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def asker(request: DialogflowEsRequest) -> Asker:
    """Who is asking, from what the integration (not the user) put in the payload."""
    source = (request.originalDetectIntentRequest.source or "").strip()
    payload = request.originalDetectIntentRequest.payload
    # Telegram: payload.data.message.from (or callback_query.from for a tapped button).
    sender = _dig(payload, "data", "message", "from") or _dig(
        payload, "data", "callback_query", "from"
    )
    if isinstance(sender, dict) and (sender_id := identity_text(sender.get("id"))):
        return Asker(
            uid=sender_id,
            channel=(source or "telegram").upper(),
            user_name=identity_text(sender.get("username")),
            first_name=identity_text(sender.get("first_name")),
            last_name=identity_text(sender.get("last_name")),
        )
    # Google Assistant: payload.user (userId, or a verified e-mail from account linking).
    user = payload.get("user")
    if isinstance(user, dict):
        found = user.get("profile")
        profile: dict[str, Any] = found if isinstance(found, dict) else {}
        uid = (
            identity_text(profile.get("email"))
            or identity_text(user.get("userId"))
            or identity_text(user.get("idToken"))
        )
        if uid:
            return Asker(
                uid=uid, channel="GOOGLE", first_name=identity_text(profile.get("givenName"))
            )
    # Phone Gateway: the caller's number.
    caller = identity_text(_dig(payload, "telephony", "caller_id"))
    if caller:
        return Asker(uid=caller, channel="PHONE")
    # Other integrations and custom front ends: payload {userId|uid, channel, username}.
    uid = (
        identity_text(payload.get("userId"))
        or identity_text(payload.get("uid"))
        or identity_text(payload.get("user_id"))
    )
    if uid:
        return Asker(
            uid=uid,
            channel=(identity_text(payload.get("channel")) or source).upper() or None,
            user_name=identity_text(payload.get("username")),
            first_name=identity_text(payload.get("first_name")),
        )
    # Nobody identified: the session stands in, which owns no orders.
    return Asker(uid=request.session.rsplit("/", 1)[-1], channel="DIALOGFLOW")


def awaiting(request: DialogflowEsRequest) -> Context | None:
    return next((c for c in request.queryResult.outputContexts if c.short_name == AWAITING), None)


def to_turn(
    request: DialogflowEsRequest,
    interest_type: str,
    language: Language,
    order_parameters: list[str],
    response_type: ResponseType,
) -> Turn:
    result = request.queryResult
    return Turn(
        interest_type=interest_type,
        asker=asker(request),
        locale=language.locale,
        response_type=response_type,
        order_ids=tuple(parameter_values(result.parameters, order_parameters)),
        text=result.queryText,
        language=language.spoken,
    )


def is_google(request: DialogflowEsRequest) -> bool:
    return (request.originalDetectIntentRequest.source or "").lower() in (
        "google",
        "actions_on_google",
    )


def _card(card: CardMessage) -> dict[str, Any]:
    body: dict[str, Any] = {"title": card.title, "subtitle": card.subtitle}
    if card.image:
        body["imageUri"] = card.image.url
    if card.button:
        body["buttons"] = [{"text": card.button.title, "postback": card.button.url}]
    return {"card": body}


def _messages(reply: Reply) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    items = reply.messages
    for index, message in enumerate(items):
        following = items[index + 1] if index + 1 < len(items) else None
        if isinstance(message, TextMessage):
            # A question followed by chips becomes the chips' title, not a second bubble.
            if not isinstance(following, SuggestionsMessage):
                messages.append({"text": {"text": [message.text]}})
        elif isinstance(message, CardMessage):
            messages.append(_card(message))
        elif isinstance(message, MediaMessage):
            messages += [
                {"image": {"imageUri": o.image.url, "accessibilityText": o.image.alt}}
                for o in message.objects[:10]
            ]
        elif isinstance(message, SuggestionsMessage):
            previous = items[index - 1] if index else None
            title = previous.text if isinstance(previous, TextMessage) else ""
            messages.append(
                {"quickReplies": {"title": title, "quickReplies": list(message.chips[:10])}}
            )
    return messages


def _google(reply: Reply) -> dict[str, Any]:
    """Actions on Google rich response: a simple response first, at most two, one card."""
    said = texts(reply)
    bubbles = [said[0], " ".join(said[1:])] if len(said) > 2 else said
    items: list[dict[str, Any]] = [
        {"simpleResponse": {"textToSpeech": text, "displayText": text}} for text in bubbles if text
    ]
    found_cards = cards(reply)
    pictures = [o for m in media(reply) for o in m.objects]
    if found_cards:
        card = found_cards[0]
        basic: dict[str, Any] = {
            "title": card.title,
            "subtitle": card.subtitle,
            "formattedText": card.body,
        }
        if card.image:
            basic["image"] = {"url": card.image.url, "accessibilityText": card.image.alt}
        if card.button:
            basic["buttons"] = [
                {"title": card.button.title, "openUrlAction": {"url": card.button.url}}
            ]
        items.append({"basicCard": basic})
    elif pictures:
        # Assistant's mediaResponse plays audio only; product pictures go in a card.
        first = pictures[0]
        items.append(
            {
                "basicCard": {
                    "title": first.name,
                    "formattedText": first.description,
                    "image": {"url": first.image.url, "accessibilityText": first.image.alt},
                }
            }
        )
    rich: dict[str, Any] = {"items": items}
    suggestions = chips(reply)
    if suggestions:
        rich["suggestions"] = [{"title": chip[:25]} for chip in suggestions[:8]]
    return {"google": {"expectUserResponse": True, "richResponse": rich}}


def from_reply(reply: Reply, request: DialogflowEsRequest, interest_type: str) -> bytes:
    """The response body, encoded once (its size decides whether the pictures fit)."""
    contexts = []
    waiting = awaiting(request)
    if reply.awaits_order_number:
        contexts.append(
            {
                "name": f"{request.session}/contexts/{AWAITING}",
                "lifespanCount": 2,
                "parameters": {"interestType": interest_type},
            }
        )
    elif waiting is not None:
        contexts.append({"name": waiting.name, "lifespanCount": 0})  # answered: forget it
    response = DialogflowEsResponse(
        fulfillmentText="\n".join(texts(reply)),
        fulfillmentMessages=_messages(reply),
        outputContexts=contexts or None,
        payload=_google(reply) if is_google(request) else None,
    )
    body = response.model_dump_json(exclude_none=True).encode("utf-8")
    if len(body) > MAX_RESPONSE_BYTES:
        # Never over Dialogflow's limit: the words matter more than the pictures.
        response.fulfillmentMessages = [{"text": {"text": [t]}} for t in texts(reply)]
        response.payload = None
        body = response.model_dump_json(exclude_none=True).encode("utf-8")
    return body
