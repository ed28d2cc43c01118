"""Dialogflow ES (v2) DialogflowEsRequest and DialogflowEsResponse."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from fulfillment.adapters.common import identity_text, parameter_values, rich_content, texts
from fulfillment.domain import Asker
from fulfillment.i18n.locales import Language
from fulfillment.intents import IntentSpec
from fulfillment.platform import (
    Platform,
    PlatformRoutes,
    Trial,
    Unrouted,
    custom_payload,
    response_type,
)
from fulfillment.reply import CardMessage, MediaMessage, Reply, SuggestionsMessage, TextMessage
from fulfillment.turn import ResponseType, Turn

PATH = "/dialogflow/es"
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
    """Only the fields this service sets; Dialogflow ignores absent ones (an empty object
    leaves the intent's own responses standing)."""

    fulfillmentText: str | None = None
    fulfillmentMessages: list[dict[str, Any]] | None = None
    outputContexts: list[dict[str, Any]] | None = None
    source: str | None = None


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


# Dialogflow's one-click integrations, by the `source` they put in the request, and the
# `platform` their rich messages must carry (v2 intent.proto's Platform enum).
INTEGRATIONS = {
    "facebook": "FACEBOOK",
    "slack": "SLACK",
    "slack_testbot": "SLACK",
    "telegram": "TELEGRAM",
    "kik": "KIK",
    "skype": "SKYPE",
    "line": "LINE",
    "viber": "VIBER",
    "hangouts": "GOOGLE_HANGOUTS",
    "google_hangouts": "GOOGLE_HANGOUTS",
}


def integration(request: DialogflowEsRequest) -> str | None:
    """The Platform enum of the integration that sent the request; None for Dialogflow
    Messenger, the phone gateway, the API and custom front ends (no `source`, or one
    without rich messages of its own)."""
    return INTEGRATIONS.get((request.originalDetectIntentRequest.source or "").strip().lower())


def _card(card: CardMessage) -> dict[str, Any]:
    body: dict[str, Any] = {"title": card.title, "subtitle": card.subtitle}
    if card.image:
        body["imageUri"] = card.image.url
    if card.button:
        body["buttons"] = [{"text": card.button.title, "postback": card.button.url}]
    return {"card": body}


def _platform_messages(reply: Reply, platform: str) -> list[dict[str, Any]]:
    """The rich messages one integration shows, tagged with its platform.

    An integration shows the messages of its platform, and the untagged ones only when
    there are none; so the text is repeated here, first, and a question followed by chips
    becomes the chips' title (which these integrations show as the message's text)."""
    messages: list[dict[str, Any]] = []
    items = reply.messages
    for index, message in enumerate(items):
        following = items[index + 1] if index + 1 < len(items) else None
        if isinstance(message, TextMessage):
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
    return [{**rich, "platform": platform} for rich in messages]


def fulfillment_messages(reply: Reply, request: DialogflowEsRequest) -> list[dict[str, Any]]:
    """Every sentence as untagged text first, which every integration, Dialogflow Messenger
    and the phone gateway show or speak; then the rich part in the form the calling
    integration renders: its own platform's messages, or Dialogflow Messenger's richContent
    for an integration without a platform of its own."""
    messages: list[dict[str, Any]] = [{"text": {"text": [text]}} for text in texts(reply)]
    platform = integration(request)
    if platform is not None:
        messages += _platform_messages(reply, platform)
    elif not is_phone(request):
        rich = rich_content(reply)
        if rich:
            messages.append({"payload": {"richContent": rich}})
    return messages


def is_phone(request: DialogflowEsRequest) -> bool:
    """The phone gateway: it speaks text and plays audio, nothing else."""
    payload = request.originalDetectIntentRequest.payload
    source = (request.originalDetectIntentRequest.source or "").lower()
    return "telephony" in payload or "telephony" in source


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
    said = texts(reply)
    response = DialogflowEsResponse(
        fulfillmentText="\n".join(said),
        fulfillmentMessages=fulfillment_messages(reply, request),
        outputContexts=contexts or None,
        source="order-status-fulfillment",
    )
    body = response.model_dump_json(exclude_none=True).encode("utf-8")
    if len(body) > MAX_RESPONSE_BYTES:
        # Never over Dialogflow's limit: the words matter more than the pictures.
        response.fulfillmentMessages = [{"text": {"text": [t]}} for t in said]
        body = response.model_dump_json(exclude_none=True).encode("utf-8")
    return body


class DialogflowEs(Platform[DialogflowEsRequest]):
    name = "dialogflow-es"
    title = "Dialogflow ES"
    path = PATH
    operation_id = "dialogflowEs"
    summary = "Dialogflow ES (v2) fulfillment webhook."
    request_model = DialogflowEsRequest
    response_model = DialogflowEsResponse
    example = "dialogflow-es"
    interest_field = "queryResult.intent.displayName"

    def interest_type(self, payload: DialogflowEsRequest, routes: PlatformRoutes) -> str | None:
        result = payload.queryResult
        intents = routes.dialogflow_intents
        for name in (result.intent.displayName if result.intent else None, result.action):
            if name and name.lower() in intents:
                return intents[name.lower()]
        waiting = awaiting(payload)
        if waiting is not None:
            # The bot asked for an order number last turn: whatever matched, this is the answer.
            found = waiting.parameters.get("interestType")
            if isinstance(found, str) and found in routes.interest_types:
                return found
        return None

    def unrouted(self, payload: DialogflowEsRequest, routes: PlatformRoutes) -> Unrouted:
        # An intent whose webhook call this service cannot answer (a fallback intent with the
        # webhook on, say) keeps the agent's own responses: a 4xx would be logged as a
        # webhook error, and a reply of ours would replace them.
        return Unrouted(200, b"{}")

    def known(self, routes: PlatformRoutes) -> list[str]:
        return sorted(routes.dialogflow_intents)

    def language_code(self, payload: DialogflowEsRequest) -> str | None:
        return payload.queryResult.languageCode

    def to_turn(
        self,
        payload: DialogflowEsRequest,
        interest_type: str,
        language: Language,
        routes: PlatformRoutes,
    ) -> Turn:
        wanted = payload.originalDetectIntentRequest.payload.get("responseType")
        return to_turn(
            payload,
            interest_type,
            language,
            routes.order_parameters.get(interest_type, []),
            response_type(wanted, ResponseType.CARD),
        )

    def render(
        self, reply: Reply, payload: DialogflowEsRequest, turn: Turn, routes: PlatformRoutes
    ) -> bytes:
        return from_reply(reply, payload, turn.interest_type)

    def build(self, trial: Trial, spec: IntentSpec, interest_type: str) -> dict[str, Any]:
        return {
            "responseId": "playground",
            "session": f"projects/playground/agent/sessions/{trial.user_id}",
            "queryResult": {
                "queryText": trial.text,
                "parameters": {},
                "intent": {"displayName": spec.platforms.dialogflow_intents[0]},
                "languageCode": trial.language_code,
            },
            "originalDetectIntentRequest": {"payload": custom_payload(trial)},
        }


PLATFORM = DialogflowEs()
