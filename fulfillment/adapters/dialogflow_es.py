"""Dialogflow ES (v2) DialogflowEsRequest and DialogflowEsResponse."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from fulfillment.adapters.common import (
    as_dict,
    as_list,
    as_text,
    button,
    buttons_item,
    card_item,
    given_proofs,
    identity_text,
    image_item,
    link_or_reply,
    messenger_preview,
    note_item,
    parameter_values,
    rich_content,
    speech_item,
    text_item,
    texts,
)
from fulfillment.domain import Asker
from fulfillment.i18n.locales import Language
from fulfillment.intents import IntentSpec
from fulfillment.platform import (
    Platform,
    PlatformRoutes,
    Surface,
    Trial,
    Unrouted,
    custom_payload,
    response_type,
)
from fulfillment.reply import CardMessage, MediaMessage, Reply, SuggestionsMessage, TextMessage
from fulfillment.turn import ResponseType, Turn

PATH = "/dialogflow/es"
# The context that offers a person (its parameters say which order and why).
HANDOVER = "human_handoff"
# The context that marks "the bot just asked for an order number".
AWAITING = "awaiting_order_number"
# Its parameter naming the order a guest was asked to prove theirs.
VERIFYING = "verifyingOrderId"
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
    """Who is asking, from what the integration (not the user) put in the payload.

    Dialogflow itself sets `source` for its integrations: only then do the integration's
    ids come vouched for. A custom front end writes the payload itself (the browser's word)."""
    source = (request.originalDetectIntentRequest.source or "").strip()
    vouched = "platform" if integration(request) or source.lower() == "google" else "browser"
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
            source=vouched,
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
                uid=uid,
                channel="GOOGLE",
                first_name=identity_text(profile.get("givenName")),
                source=vouched,
            )
    # Phone Gateway: the caller's number.
    caller = identity_text(_dig(payload, "telephony", "caller_id"))
    if caller:
        # The gateway's own payload; a custom caller writing one is still a browser.
        phone = "platform" if is_phone(request) and source else "browser"
        return Asker(uid=caller, channel="PHONE", source=phone)
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
            source="browser",
        )
    # Nobody identified: the session stands in, a guest.
    session = request.session.rsplit("/", 1)[-1]
    return Asker(uid=session, channel="DIALOGFLOW", source="browser", trusted=False)


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
    waiting = awaiting(request)
    verifying = identity_text(waiting.parameters.get(VERIFYING)) if waiting else None
    return Turn(
        interest_type=interest_type,
        asker=asker(request),
        locale=language.locale,
        response_type=response_type,
        order_ids=tuple(parameter_values(result.parameters, order_parameters)),
        text=result.queryText,
        language=language.spoken,
        proofs=given_proofs(result.parameters),
        verifying=verifying[:64] if verifying else None,
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
    if reply.awaits_order_number or reply.verifying:
        parameters = {"interestType": interest_type}
        if reply.verifying:
            # The order a guest was asked to prove: the next turn's e-mail address is for it.
            parameters[VERIFYING] = reply.verifying
        contexts.append(
            {
                "name": f"{request.session}/contexts/{AWAITING}",
                "lifespanCount": 2,
                "parameters": parameters,
            }
        )
    elif waiting is not None:
        contexts.append({"name": waiting.name, "lifespanCount": 0})  # answered: forget it
    messages = fulfillment_messages(reply, request)
    handover: list[dict[str, Any]] = []
    if reply.handover is not None:
        # The offer of a person, for the agent to route on: a context an intent ("yes,
        # a person please") can require, and a payload a custom front end can act on.
        # Not followupEventInput: Dialogflow would drop every message of the reply.
        about = {"orderId": reply.handover.order_id, "reason": reply.handover.reason}
        contexts.append(
            {
                "name": f"{request.session}/contexts/{HANDOVER}",
                "lifespanCount": 2,
                "parameters": about,
            }
        )
        handover = [{"payload": {"humanHandoff": about}}]
    said = texts(reply)
    response = DialogflowEsResponse(
        fulfillmentText="\n".join(said),
        fulfillmentMessages=messages + handover,
        outputContexts=contexts or None,
        source="order-status-fulfillment",
    )
    body = response.model_dump_json(exclude_none=True).encode("utf-8")
    if len(body) > MAX_RESPONSE_BYTES:
        # Never over Dialogflow's limit: the words matter more than the pictures.
        response.fulfillmentMessages = [{"text": {"text": [t]}} for t in said] + handover
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

    def session(self, payload: DialogflowEsRequest) -> str | None:
        return payload.session

    def proof(self, payload: DialogflowEsRequest) -> tuple[object, object]:
        found = payload.originalDetectIntentRequest.payload
        return found.get("userHash"), found.get("identityToken")

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

    # The integrations a designer can pick in the playground, each sending what it sends.
    surfaces: ClassVar[tuple[Surface, ...]] = (
        Surface(
            "messenger",
            "Dialogflow Messenger (web widget)",
            note="The shop's page passes who is asking in the payload (userId, channel, "
            "username), as a custom front end does. Shows text and richContent.",
        ),
        Surface(
            "telegram",
            "Telegram",
            channel="TELEGRAM",
            note="Telegram's own sender (payload.data.message.from) says who is asking. The "
            "integration sends no responseType: replies are cards.",
        ),
        Surface(
            "facebook",
            "Facebook Messenger",
            channel="FACEBOOK",
            note="Messenger's page-scoped id comes as payload.data.sender.id, which the "
            "service does not read: every customer here is a stranger.",
        ),
        Surface(
            "phone",
            "Phone Gateway",
            channel="PHONE",
            voice=True,
            note="The caller's number (payload.telephony.caller_id) says who is asking. Only "
            "the text is spoken.",
        ),
    )

    def build(self, trial: Trial, spec: IntentSpec, interest_type: str) -> dict[str, Any]:
        contexts = carried_contexts(trial.state)
        intent = spec.platforms.dialogflow_intents[0]
        if any(c["name"].rsplit("/", 1)[-1] == AWAITING for c in contexts):
            # The bot asked for the number: a bare answer matches no intent of the agent's,
            # so Dialogflow's fallback answers, and the context makes it the answer.
            intent = FALLBACK_INTENT
        return {
            "responseId": "playground",
            "session": f"projects/playground/agent/sessions/{trial.user_id}",
            "queryResult": {
                "queryText": trial.text,
                "parameters": {},
                "intent": {"displayName": intent},
                "languageCode": trial.language_code,
                "outputContexts": contexts,
            },
            "originalDetectIntentRequest": original_request(trial),
        }

    def preview(self, response_body: Any, surface: str) -> list[dict[str, Any]]:
        return preview(as_dict(response_body), self.surface(surface))

    def next_state(self, request: Mapping[str, Any], response: Any) -> dict[str, Any]:
        return {"outputContexts": next_contexts(request, as_dict(response))}


FALLBACK_INTENT = "Default Fallback Intent"


def _telegram_id(user_id: str) -> int | str:
    """Telegram's ids are integers; a playground customer's id may be anything."""
    return int(user_id) if user_id.isdigit() and len(user_id) < 19 else user_id


def e164(user_id: str) -> str:
    """A phone number as gateways send it, +digits; an id that is no number stays as it is."""
    digits = user_id.replace(" ", "").replace("-", "").removeprefix("+")
    return "+" + digits if digits.isdigit() else user_id


def original_request(trial: Trial) -> dict[str, Any]:
    """originalDetectIntentRequest as the trial's integration fills it."""
    surface = trial.surface or "messenger"
    now = int(time.time())
    if surface == "telegram":
        person: dict[str, Any] = {"id": _telegram_id(trial.user_id)}
        if trial.first_name:
            person["first_name"] = trial.first_name
        if trial.user_name:
            person["username"] = trial.user_name
        message = {
            "message_id": now % 100_000,
            "date": now,
            "text": trial.text,
            "chat": {**person, "type": "private"},
            "from": {**person, "is_bot": False, "language_code": trial.language_code},
        }
        return {
            "source": "telegram",
            "payload": {"data": {"update_id": now, "message": message}, "source": "telegram"},
        }
    if surface == "facebook":
        data = {
            "sender": {"id": trial.user_id},
            "recipient": {"id": "playground-page"},
            "timestamp": now * 1000,
            "message": {"mid": f"m_playground_{now}", "text": trial.text},
        }
        return {"source": "facebook", "payload": {"data": data, "source": "facebook"}}
    if surface == "phone":
        return {
            "source": "GOOGLE_TELEPHONY",
            "payload": {"telephony": {"caller_id": e164(trial.user_id)}},
        }
    return {"payload": custom_payload(trial)}


def carried_contexts(state: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The active contexts a conversation's state holds, as the next request carries them."""
    carried = []
    for context in map(as_dict, as_list(state.get("outputContexts"))):
        name = context.get("name")
        if isinstance(name, str) and 0 < len(name) <= 500:
            kept: dict[str, Any] = {"name": name}
            lifespan = context.get("lifespanCount")
            if isinstance(lifespan, int) and not isinstance(lifespan, bool):
                kept["lifespanCount"] = lifespan
            kept["parameters"] = as_dict(context.get("parameters"))
            carried.append(kept)
    return carried[:100]


def next_contexts(request: Mapping[str, Any], response: dict[str, Any]) -> list[dict[str, Any]]:
    """Dialogflow's contexts after this turn: those the request carried lose one turn of
    their lifespan (this query used it); those the response sets replace them with their
    own lifespan, and a lifespan of 0 ends a context."""
    result = as_dict(request.get("queryResult"))
    active: dict[str, dict[str, Any]] = {}
    for context in carried_contexts(result):
        left = context.get("lifespanCount", 5) - 1  # Dialogflow's default lifespan is 5
        if left > 0:
            active[context["name"]] = {**context, "lifespanCount": left}
    for context in carried_contexts(response):
        lifespan = context.get("lifespanCount", 0)  # unset is 0: expired at once
        if lifespan > 0:
            active[context["name"]] = {**context, "lifespanCount": lifespan}
        else:
            active.pop(context["name"], None)
    return list(active.values())


# What each integration surface is, for its rendering: the platform its messages carry.
_SURFACE_PLATFORMS = {"telegram": "TELEGRAM", "facebook": "FACEBOOK"}


def _untagged(message: dict[str, Any]) -> bool:
    return message.get("platform") in (None, "", "PLATFORM_UNSPECIFIED")


def preview(body: dict[str, Any], surface: Surface) -> list[dict[str, Any]]:
    """What the integration shows or says for a webhook response."""
    messages = [m for m in map(as_dict, as_list(body.get("fulfillmentMessages"))) if m]
    fallback_text = as_text(body.get("fulfillmentText"))
    if not messages and not fallback_text:
        return [note_item("No messages: the intent's own responses in the agent stand.")]
    if surface.id == "phone":
        # The gateway speaks the text messages (telephony ones first, when there are any).
        phone = [m for m in messages if m.get("platform") == "TELEPHONY"]
        chosen = phone or [m for m in messages if _untagged(m)]
        said: list[str] = []
        for message in chosen:
            said += [as_text(t) for t in as_list(as_dict(message.get("text")).get("text"))[:1]]
            said.append(as_text(as_dict(message.get("telephonySynthesizeSpeech")).get("text")))
        items = [speech_item(text) for text in said if text]
        if not items and fallback_text:
            items = [speech_item(fallback_text)]
        if any(key in m for m in chosen for key in ("payload", "card", "image", "quickReplies")):
            items.append(note_item("Cards, pictures and chips are not spoken."))
        return items
    platform = _SURFACE_PLATFORMS.get(surface.id)
    if platform is None:  # Dialogflow Messenger: the untagged text and richContent
        items = messenger_preview([m for m in messages if _untagged(m)])
    else:
        # An integration shows its platform's messages, and the untagged ones only when
        # there are none.
        tagged = [m for m in messages if m.get("platform") == platform]
        items = _integration(tagged or [m for m in messages if _untagged(m)], surface.id)
    if not items and fallback_text:
        items = [text_item(fallback_text)]
    return items


def _integration(messages: list[dict[str, Any]], surface: str) -> list[dict[str, Any]]:
    """Telegram and Facebook Messenger, as Dialogflow's one-click integrations render the
    rich-message types: text, card, image, quick replies (a tap sends the reply's text)."""
    items: list[dict[str, Any]] = []
    for message in messages:
        if "text" in message:
            said = as_list(as_dict(message["text"]).get("text"))[:1]
            items += [text_item(as_text(t)) for t in said]
        elif "card" in message:
            card = as_dict(message["card"])
            image_uri = as_text(card.get("imageUri"))
            title = as_text(card.get("title"))
            buttons = [
                link_or_reply(as_text(b.get("text")), as_text(b.get("postback")))
                for b in map(as_dict, as_list(card.get("buttons")))
            ]
            items.append(
                card_item(
                    title,
                    as_text(card.get("subtitle")),
                    image={"url": image_uri, "alt": title} if image_uri else None,
                    buttons=buttons[:3] if surface == "facebook" else buttons,
                )
            )
        elif "image" in message:
            image = as_dict(message["image"])
            items.append(
                image_item(as_text(image.get("imageUri")), as_text(image.get("accessibilityText")))
            )
        elif "quickReplies" in message:
            quick = as_dict(message["quickReplies"])
            replies = [as_text(r) for r in as_list(quick.get("quickReplies")) if as_text(r)]
            layout = "keyboard" if surface == "telegram" else "quick_replies"
            limit = 10 if surface == "telegram" else 13
            items.append(
                buttons_item(
                    as_text(quick.get("title")),
                    layout,
                    [button(r, send=r) for r in replies[:limit]],
                )
            )
        elif "payload" in message:
            items.append(note_item("A custom payload: the integration sends it as it is."))
    return items


PLATFORM = DialogflowEs()
