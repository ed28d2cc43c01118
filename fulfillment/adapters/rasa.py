"""The Rasa action-server protocol (what `rasa run actions` speaks)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from fulfillment.adapters.common import identity_text, parameter_values
from fulfillment.domain import Asker
from fulfillment.i18n.locales import Language
from fulfillment.intents import IntentSpec
from fulfillment.platform import Platform, PlatformRoutes, Trial, Unrouted, response_type
from fulfillment.reply import CardMessage, MediaMessage, Reply, SuggestionsMessage, TextMessage
from fulfillment.turn import ResponseType, Turn

PATH = "/webhook"
ORDER_SLOT = "order_id"


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


def _none_is_empty(value: Any) -> Any:
    # rasa-sdk's tracker types allow null for these (a tracker before any user message).
    return {} if value is None else value


def _none_is_no_list(value: Any) -> Any:
    return [] if value is None else value


Mapping = Annotated[dict[str, Any], BeforeValidator(_none_is_empty)]


class Entity(_In):
    entity: str = Field(max_length=200)
    value: Any = None


class LatestMessage(_In):
    text: str | None = Field(default=None, max_length=2000)
    entities: Annotated[list[Entity], BeforeValidator(_none_is_no_list)] = Field(
        default_factory=list, max_length=100
    )
    metadata: Mapping = Field(default_factory=dict)


class Tracker(_In):
    sender_id: str | None = Field(default=None, max_length=320)
    slots: Mapping = Field(default_factory=dict)
    latest_message: Annotated[
        LatestMessage,
        BeforeValidator(_none_is_empty, json_schema_input_type=LatestMessage | None),
    ] = Field(default_factory=LatestMessage)
    latest_input_channel: str | None = Field(default=None, max_length=60)


class RasaActionCall(_In):
    next_action: str = Field(min_length=1, max_length=200)
    sender_id: str | None = Field(default=None, max_length=320)
    tracker: Tracker = Field(default_factory=Tracker)
    domain: dict[str, Any] | None = None
    version: str | None = None


class RasaActionResult(BaseModel):
    events: list[dict[str, Any]]
    responses: list[dict[str, Any]]


def language_code(call: RasaActionCall) -> str | None:
    """Rasa Pro keeps the conversation's language in the `language` slot."""
    for value in (
        call.tracker.slots.get("language"),
        call.tracker.latest_message.metadata.get("language"),
    ):
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


def input_channel(call: RasaActionCall) -> str:
    return (call.tracker.latest_input_channel or "").strip().lower()


def asker(call: RasaActionCall) -> Asker:
    """The sender id is the channel's user (or chat) id; the input channel names the channel."""
    metadata = call.tracker.latest_message.metadata
    sender = call.tracker.sender_id or call.sender_id or ""
    found = metadata.get("user")
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
        user_name=identity_text(metadata.get("username")) or identity_text(user.get("username")),
        first_name=identity_text(metadata.get("first_name"))
        or identity_text(user.get("first_name")),
    )


def to_turn(
    call: RasaActionCall,
    interest_type: str,
    language: Language,
    order_parameters: list[str],
    response_type: ResponseType,
) -> Turn:
    message = call.tracker.latest_message
    entities = {e.entity: e.value for e in message.entities}
    numbers = parameter_values(entities, order_parameters)
    if not numbers:
        numbers = parameter_values(call.tracker.slots, order_parameters)
    return Turn(
        interest_type=interest_type,
        asker=asker(call),
        locale=language.locale,
        response_type=response_type,
        order_ids=tuple(numbers),
        text=message.text,
        language=language.spoken,
    )


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


def from_reply(reply: Reply, channel: str = "") -> RasaActionResult:
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
    return RasaActionResult(events=events, responses=responses)


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

    def language_code(self, payload: RasaActionCall) -> str | None:
        return language_code(payload)

    def to_turn(
        self,
        payload: RasaActionCall,
        interest_type: str,
        language: Language,
        routes: PlatformRoutes,
    ) -> Turn:
        wanted = payload.tracker.latest_message.metadata.get("responseType")
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
        result = from_reply(reply, input_channel(payload))
        return result.model_dump_json(exclude_none=True).encode("utf-8")

    def build(self, trial: Trial, spec: IntentSpec, interest_type: str) -> dict[str, Any]:
        metadata: dict[str, Any] = {"responseType": trial.response_type}
        if trial.user_name:
            metadata["username"] = trial.user_name
        if trial.first_name:
            metadata["first_name"] = trial.first_name
        return {
            "next_action": spec.platforms.rasa_actions[0],
            "sender_id": trial.user_id,
            "tracker": {
                "sender_id": trial.user_id,
                "slots": {"language": trial.language_code},
                "latest_message": {"text": trial.text, "entities": [], "metadata": metadata},
                "latest_input_channel": trial.channel.lower(),
            },
            "version": "3.6.20",
        }


PLATFORM = Rasa()
