"""The Rasa action-server protocol (what `rasa run actions` speaks)."""

from __future__ import annotations

import json
from collections.abc import Mapping as ReadOnly
from typing import Any, ClassVar

import orjson
from pydantic import BaseModel, ConfigDict, Field

from fulfillment.adapters.common import (
    PROOF_NAMES,
    as_dict,
    as_list,
    as_text,
    button,
    buttons_item,
    given_proofs,
    identity_text,
    image_item,
    note_item,
    paragraphs,
    parameter_values,
    speech_item,
    text_item,
)
from fulfillment.domain import Asker
from fulfillment.i18n.locales import Language
from fulfillment.intents import IntentSpec
from fulfillment.platform import Platform, PlatformRoutes, Surface, Trial, Unrouted, response_type
from fulfillment.reply import CardMessage, MediaMessage, Reply, SuggestionsMessage, TextMessage
from fulfillment.turn import ResponseType, Turn

PATH = "/webhook"
ORDER_SLOT = "order_id"
# The order a guest was asked to prove theirs with a second factor.
VERIFYING_SLOT = "verifying_order_id"
# Set when the reply offers a person; its value is why (exception, late, stale, …).
HANDOFF_SLOT = "handoff_reason"


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


# rasa-sdk's tracker types allow null for the tracker's maps, lists and message (a tracker
# before any user message). They are read as they come, null included, and looked into
# through the functions below: a validator turning null into {} made pydantic build each of
# them as Python objects first, and validating Rasa's call cost half as much again.


class Entity(_In):
    entity: str = Field(max_length=200)
    value: Any = None


class LatestMessage(_In):
    text: str | None = Field(default=None, max_length=2000)
    entities: list[Entity] | None = Field(default=None, max_length=100)
    metadata: dict[str, Any] | None = None


class Tracker(_In):
    sender_id: str | None = Field(default=None, max_length=320)
    slots: dict[str, Any] | None = None
    latest_message: LatestMessage | None = None
    latest_input_channel: str | None = Field(default=None, max_length=60)


class RasaActionCall(_In):
    """What rasa-sdk's action server reads of a call. Rasa also sends its whole domain,
    which an action server may read and this one does not: left unparsed."""

    next_action: str = Field(min_length=1, max_length=200)
    sender_id: str | None = Field(default=None, max_length=320)
    tracker: Tracker = Field(default_factory=Tracker)
    version: str | None = None


_NO_MESSAGE = LatestMessage()


def latest_message(call: RasaActionCall) -> LatestMessage:
    return call.tracker.latest_message or _NO_MESSAGE


def message_metadata(call: RasaActionCall) -> dict[str, Any]:
    return latest_message(call).metadata or {}


def tracker_slots(call: RasaActionCall) -> dict[str, Any]:
    return call.tracker.slots or {}


class RasaActionResult(BaseModel):
    events: list[dict[str, Any]]
    responses: list[dict[str, Any]]


def language_code(call: RasaActionCall) -> str | None:
    """Rasa Pro keeps the conversation's language in the `language` slot."""
    for value in (tracker_slots(call).get("language"), message_metadata(call).get("language")):
        if isinstance(value, str) and value:
            return value
    return None


# Rasa's input channels (`name()` of each connector) and the store's channel for them. Web
# chats all count as WEB; voice channels as PHONE; Twilio's sender says SMS or WhatsApp.
CHANNELS = {
    "telegram": "TELEGRAM",
    "whatsapp": "WHATSAPP",
    "facebook": "FACEBOOK",
    "messenger": "FACEBOOK",
    "instagram": "INSTAGRAM",
    "slack": "SLACK",
    "rest": "WEB",
    "socketio": "WEB",
    "callback": "WEB",
    "webchat": "WEB",
    "botframework": "BOTFRAMEWORK",
    "mattermost": "MATTERMOST",
    "rocketchat": "ROCKETCHAT",
    "webexteams": "WEBEX",
    "hangouts": "GOOGLE_CHAT",
    "twilio_voice": "PHONE",
    "audiocodes": "PHONE",
    "genesys": "PHONE",
    "jambonz": "PHONE",
}
# Channels that speak: a picture there is dropped (Twilio Voice) or fails the whole message
# (AudioCodes raises), so none is sent.
VOICE_CHANNELS = frozenset({"twilio_voice", "audiocodes", "genesys", "jambonz"})


_NO_METADATA = (
    "Rasa's own connector puts no responseType in the metadata: the playground sends "
    "responseType, username and first_name as a connector's get_metadata would; without "
    "one, replies are text."
)


def input_channel(call: RasaActionCall) -> str:
    return (call.tracker.latest_input_channel or "").strip().lower()


def asker(call: RasaActionCall) -> Asker:
    """The sender id is the channel's user (or chat) id; the input channel names the channel."""
    given = message_metadata(call)
    sender = call.tracker.sender_id or call.sender_id or ""
    found = given.get("user")
    user: dict[str, Any] = found if isinstance(found, dict) else {}
    name = input_channel(call)
    channel = CHANNELS.get(name, name.upper() or None)
    if name == "twilio":
        # Twilio's `From` as received: "whatsapp:+14155550123" on WhatsApp, "+1..." by SMS.
        prefix, colon, number = sender.partition(":")
        if colon and prefix.lower() == "whatsapp":
            channel, sender = "WHATSAPP", number
        else:
            channel = "SMS"
    return Asker(
        uid=sender,
        channel=channel,
        # The shop's own web chats (rest, socketio, callback) send the sender id the page
        # chose; the messaging channels' connectors take it from the platform.
        source="browser" if channel in ("WEB", None) else "platform",
        user_name=identity_text(given.get("username")) or identity_text(user.get("username")),
        first_name=identity_text(given.get("first_name")) or identity_text(user.get("first_name")),
    )


def to_turn(
    call: RasaActionCall,
    interest_type: str,
    language: Language,
    order_parameters: list[str],
    response_type: ResponseType,
) -> Turn:
    message = latest_message(call)
    entities = {e.entity: e.value for e in message.entities or ()}
    numbers = parameter_values(entities, order_parameters)
    memory = tracker_slots(call)
    if not numbers:
        numbers = parameter_values(memory, order_parameters)
    verifying = identity_text(memory.get(VERIFYING_SLOT))
    return Turn(
        interest_type=interest_type,
        asker=asker(call),
        locale=language.locale,
        response_type=response_type,
        order_ids=tuple(numbers),
        text=message.text,
        language=language.spoken,
        proofs=given_proofs(entities) or given_proofs(memory),
        verifying=verifying[:64] if verifying else None,
    )


def _slot(name: str, value: object) -> dict[str, Any]:
    """rasa-sdk's SlotSet event."""
    return {"event": "slot", "timestamp": None, "name": name, "value": value}


def _response(**fields: Any) -> dict[str, Any]:
    """A message as rasa-sdk's CollectingDispatcher.utter_message builds it."""
    message: dict[str, Any] = {
        "text": None,
        "buttons": [],
        "elements": [],
        "custom": {},
        "template": None,
        "response": None,
        "image": None,
        "attachment": None,
    }
    message.update(fields)
    return message


def from_reply(
    reply: Reply, channel: str = "", slots: ReadOnly[str, Any] | None = None
) -> RasaActionResult:
    """The action's result: see `events_and_responses`."""
    events, responses = events_and_responses(reply, channel, slots)
    return RasaActionResult(events=events, responses=responses)


def events_and_responses(
    reply: Reply, channel: str = "", slots: ReadOnly[str, Any] | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Messages every Rasa channel renders (channels.md, from each connector's output code).

    Buttons carry `title` and `payload` (Telegram, Slack, socket.io, Mattermost, Rocket.Chat
    raise KeyError without either) and no `url`: most channels cannot show a link button,
    so a card's tracking link is a line of its text. No `custom`: it must be each channel's
    native form, and elsewhere it fails (Rocket.Chat, Twilio Voice) or is sent as JSON text.
    """
    pictures = channel not in VOICE_CHANNELS
    responses: list[dict[str, Any]] = []
    for message in reply.messages:
        if isinstance(message, TextMessage):
            responses.append(_response(text=message.text))
        elif isinstance(message, CardMessage):
            lines = [message.title, message.subtitle, *message.body.split("  \n")]
            if message.button:
                lines += [message.button.title, message.button.url]
            image = message.image.url if message.image and pictures else None
            responses.append(_response(text="\n".join(line for line in lines if line), image=image))
        elif isinstance(message, MediaMessage) and pictures:
            responses += [_response(text=o.name, image=o.image.url) for o in message.objects[:10]]
        elif isinstance(message, SuggestionsMessage):
            # A tapped button sends its payload as the customer's next message. Facebook sends
            # the text alone when there are more than 3, Slack more than 5.
            buttons = [{"title": chip, "payload": chip} for chip in message.chips[:3]]
            if responses and responses[-1]["text"] and not responses[-1]["buttons"]:
                responses[-1]["buttons"] = buttons
            else:
                responses.append(_response(buttons=buttons))
    value = reply.order_ids[0] if reply.order_ids else None
    events = [{"event": "slot", "timestamp": None, "name": ORDER_SLOT, "value": value}]
    slots = slots or {}
    if reply.verifying or slots.get(VERIFYING_SLOT) is not None:
        # The order a guest was asked to prove theirs, until the next turn answers.
        events.append(_slot(VERIFYING_SLOT, reply.verifying))
    if reply.outcome == "not_found":
        # A factor that did not match is asked for again, not tried again.
        events += [_slot(name, None) for name in PROOF_NAMES if slots.get(name) is not None]
    if reply.handover is not None:
        # Rasa leaves the hand-over to the assistant and its front end (fallback-handoff
        # docs): a slot its rules can route on and, where the front end is the shop's own
        # web chat, the custom payload it switches hosts on (socket.io emits only `data`).
        reason = reply.handover.reason
        about = {"handoff": True, "reason": reason, "order_id": reply.handover.order_id}
        events.append({"event": "slot", "timestamp": None, "name": HANDOFF_SLOT, "value": reason})
        if channel in ("rest", "callback"):
            responses.append(_response(custom=about))
        elif channel == "socketio":
            responses.append(_response(custom={"data": about}))
    return events, responses


class RasaActionNotFound(BaseModel):
    """rasa-sdk's 404 body for an action it does not know."""

    error: str
    action_name: str


def action_not_found(name: str) -> RasaActionNotFound:
    return RasaActionNotFound(
        error=f"No registered action found for name '{name}'.", action_name=name
    )


class Rasa(Platform[RasaActionCall]):
    name = "rasa"
    title = "Rasa action server"
    path = PATH
    operation_id = "rasaAction"
    summary = "Rasa action server: run a custom action."
    request_model = RasaActionCall
    response_model = RasaActionResult
    example = "rasa"
    interest_field = "next_action"
    query_token = True
    extra_responses: ClassVar[dict[str, tuple[str, type[BaseModel]]]] = {
        "404": ("No such action.", RasaActionNotFound)
    }

    def interest_type(self, payload: RasaActionCall, routes: PlatformRoutes) -> str | None:
        return routes.rasa_actions.get(payload.next_action)

    def unrouted(self, payload: RasaActionCall, routes: PlatformRoutes) -> Unrouted:
        # rasa-sdk's own answer to an action it does not know.
        body = action_not_found(payload.next_action).model_dump_json().encode("utf-8")
        return Unrouted(404, body)

    def known(self, routes: PlatformRoutes) -> list[str]:
        return sorted(routes.rasa_actions)

    def proof(self, payload: RasaActionCall) -> tuple[object, object]:
        given = message_metadata(payload)
        return given.get("userHash"), given.get("identityToken")

    def language_code(self, payload: RasaActionCall) -> str | None:
        return language_code(payload)

    def to_turn(
        self,
        payload: RasaActionCall,
        interest_type: str,
        language: Language,
        routes: PlatformRoutes,
    ) -> Turn:
        wanted = message_metadata(payload).get("responseType")
        return to_turn(
            payload,
            interest_type,
            language,
            routes.order_parameters.get(interest_type, []),
            response_type(wanted, ResponseType.TEXT),
        )

    def render(
        self, reply: Reply, payload: RasaActionCall, turn: Turn, routes: PlatformRoutes
    ) -> bytes:
        events, responses = events_and_responses(
            reply, input_channel(payload), tracker_slots(payload)
        )
        # The same bytes as RasaActionResult's own JSON, a fifth of its cost on the hot path.
        return orjson.dumps({"events": events, "responses": responses})

    # Rasa's channels a designer can pick in the playground: the connector's name() (Twilio
    # split by the sender's form), what it sends, and how its output channel shows replies.
    surfaces: ClassVar[tuple[Surface, ...]] = (
        Surface(
            "rest",
            "REST (the shop's own web or app chat)",
            channel="WEB",
            note="The page chooses the sender id and sends metadata (responseType, "
            "username, first_name) with each message.",
        ),
        Surface(
            "socketio",
            "Socket.IO (Rasa's web chat widget)",
            channel="WEB",
            note="The sender is the widget's session; customData becomes the metadata.",
        ),
        Surface("telegram", "Telegram", channel="TELEGRAM", note=_NO_METADATA),
        Surface("twilio-sms", "Twilio SMS", channel="SMS", note=_NO_METADATA),
        Surface("twilio-whatsapp", "Twilio WhatsApp", channel="WHATSAPP", note=_NO_METADATA),
        Surface("slack", "Slack", channel="SLACK", note=_NO_METADATA),
        Surface("facebook", "Facebook Messenger", channel="FACEBOOK", note=_NO_METADATA),
        Surface(
            "twilio_voice", "Twilio Voice (phone)", channel="PHONE", voice=True, note=_NO_METADATA
        ),
    )

    def build(self, trial: Trial, spec: IntentSpec, interest_type: str) -> dict[str, Any]:
        # What a connector's get_metadata adds (REST and socket.io pass the client's).
        metadata: dict[str, Any] = {"responseType": trial.response_type}
        if trial.user_hash:
            metadata["userHash"] = trial.user_hash
        if trial.user_name:
            metadata["username"] = trial.user_name
        if trial.first_name:
            metadata["first_name"] = trial.first_name
        surface = trial.surface or "rest"
        sender = sender_id(surface, trial.user_id)
        slots = {**as_dict(trial.state.get("slots")), "language": trial.language_code}
        return {
            "next_action": spec.platforms.rasa_actions[0],
            "sender_id": sender,
            "tracker": {
                "sender_id": sender,
                "slots": slots,
                "latest_message": {"text": trial.text, "entities": [], "metadata": metadata},
                "latest_input_channel": surface.partition("-")[0],
            },
            "version": "3.6.20",
        }

    def preview(self, response_body: Any, surface: str) -> list[dict[str, Any]]:
        channel = self.surface(surface).id
        body = as_dict(response_body)
        if "responses" not in body:
            return [note_item("No reply: Rasa sends nothing and applies no events.")]
        items: list[dict[str, Any]] = []
        for response in map(as_dict, as_list(body.get("responses"))):
            items += channel_output(response, channel)
        return items or [note_item("The action sent no messages.")]

    def next_state(self, request: ReadOnly[str, Any], response: Any) -> dict[str, Any]:
        """The tracker's slots after the action's events: SlotSet sets one, a reset or a
        restart clears them all."""
        slots = dict(as_dict(as_dict(request.get("tracker")).get("slots")))
        for event in map(as_dict, as_list(as_dict(response).get("events"))):
            kind = event.get("event")
            if kind == "slot" and isinstance(event.get("name"), str):
                slots[event["name"]] = event.get("value")
            elif kind in ("reset_slots", "restart"):
                slots = {k: v for k, v in slots.items() if k == "language"}
        return {"slots": slots}


def sender_id(surface: str, user_id: str) -> str:
    """The sender id in the channel's own form: Twilio's `From` is +E164, on WhatsApp
    whatsapp:+E164; the others send their user (or chat, or session) id."""
    if surface.startswith("twilio"):
        digits = user_id.removeprefix("whatsapp:").replace(" ", "").replace("-", "")
        number = "+" + digits.removeprefix("+") if digits.removeprefix("+").isdigit() else user_id
        return f"whatsapp:{number}" if surface == "twilio-whatsapp" else number
    return user_id


def _button_line(index: int, found: dict[str, Any]) -> str:
    """rasa.cli.utils.button_to_string: `1: Title (payload) - {other keys as JSON}`."""
    rest = {k: v for k, v in found.items() if k not in ("title", "payload")}
    payload = f" ({found['payload']})" if "payload" in found else ""
    details = f" - {json.dumps(rest, sort_keys=True)}" if rest else ""
    return f"{index + 1}: {found.get('title', '')}{payload}{details}"


def _buttons(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [button(as_text(b.get("title")), send=as_text(b.get("payload")) or None) for b in found]


def channel_output(response: dict[str, Any], channel: str) -> list[dict[str, Any]]:
    """One response as Rasa's output channel sends it (channels.md 1.1 and 1.3): only one of
    quick_replies > buttons > text, then an image, custom, attachment and elements each as a
    message of their own; text one paragraph per message."""
    text = as_text(response.get("text"))
    quick = [b for b in map(as_dict, as_list(response.get("quick_replies"))) if b]
    found = quick or [b for b in map(as_dict, as_list(response.get("buttons"))) if b]
    voice = channel == "twilio_voice"
    items: list[dict[str, Any]] = []
    if found:
        items += _with_buttons(text, found, channel, bool(quick))
    elif text:
        items += [speech_item(p) if voice else text_item(p) for p in paragraphs(text)]
    image = as_text(response.get("image"))
    if image:
        if voice:
            items.append(note_item("Twilio Voice drops pictures."))
        else:
            items.append(image_item(image))
    if response.get("custom"):
        items.append(note_item("A custom message: the channel gets it as it is."))
    if response.get("attachment"):
        items.append(text_item(f"Attachment: {response['attachment']}"))
    if response.get("elements"):
        items.append(note_item("Elements: shown as the channel's carousel or as text."))
    return items


def _with_buttons(
    text: str, found: list[dict[str, Any]], channel: str, quick: bool
) -> list[dict[str, Any]]:
    complete = all("title" in b and "payload" in b for b in found)
    if channel == "telegram":
        if not complete:
            return [note_item("Telegram fails on a button without title and payload: lost.")]
        return [buttons_item(text, "inline", _buttons(found))]
    if channel == "slack":
        if len(found) > 5:
            return [text_item(p) for p in paragraphs(text)] + [
                note_item("Slack: more than 5 buttons, Rasa sends the text alone.")
            ]
        return [buttons_item(text, "inline", _buttons(found))]
    if channel == "facebook":
        if quick:
            return [buttons_item(text, "quick_replies", _buttons(found[:11]))]
        if len(found) > 3:
            return [text_item(p) for p in paragraphs(text)] + [
                note_item("Messenger: more than 3 buttons, Rasa sends the text alone.")
            ]
        return [buttons_item(text, "template", _buttons(found))]
    if channel == "socketio":
        parts = paragraphs(text) or [""]
        last = buttons_item(parts[-1], "quick_replies", _buttons(found))
        return [text_item(p) for p in parts[:-1]] + [last]
    if channel == "rest":
        return [buttons_item(text, "list", _buttons(found))]
    if channel == "twilio_voice":
        return [speech_item(p) for p in paragraphs(text)] + [
            speech_item(as_text(b.get("title"))) for b in found
        ]
    # Twilio SMS and WhatsApp: Rasa's base output, the text then one message per button.
    return [text_item(p) for p in paragraphs(text)] + [
        text_item(_button_line(i, b)) for i, b in enumerate(found)
    ]


PLATFORM = Rasa()
