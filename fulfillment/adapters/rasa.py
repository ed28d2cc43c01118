"""The Rasa action-server protocol (what `rasa run actions` speaks)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from fulfillment.adapters.common import identity_text, parameter_values
from fulfillment.domain import Asker
from fulfillment.i18n.locales import Language
from fulfillment.reply import CardMessage, MediaMessage, Reply, SuggestionsMessage, TextMessage
from fulfillment.turn import ResponseType, Turn

ORDER_SLOT = "order_id"


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Entity(_In):
    entity: str = Field(max_length=200)
    value: Any = None


class LatestMessage(_In):
    text: str | None = Field(default=None, max_length=2000)
    entities: list[Entity] = Field(default_factory=list, max_length=100)
    metadata: dict[str, Any] = Field(default_factory=dict)


class Tracker(_In):
    sender_id: str | None = Field(default=None, max_length=320)
    slots: dict[str, Any] = Field(default_factory=dict)
    latest_message: LatestMessage = Field(default_factory=LatestMessage)
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


def asker(call: RasaActionCall) -> Asker:
    """The sender id is the channel's user (or chat) id; the input channel names the channel."""
    metadata = call.tracker.latest_message.metadata
    sender = call.tracker.sender_id or call.sender_id or ""
    found = metadata.get("user")
    user: dict[str, Any] = found if isinstance(found, dict) else {}
    return Asker(
        uid=sender,
        channel=(call.tracker.latest_input_channel or "").upper() or None,
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


def from_reply(reply: Reply) -> RasaActionResult:
    responses: list[dict[str, Any]] = []
    for message in reply.messages:
        if isinstance(message, TextMessage):
            responses.append(_response(text=message.text))
        elif isinstance(message, CardMessage):
            buttons = (
                [{"title": message.button.title, "url": message.button.url, "type": "web_url"}]
                if message.button
                else []
            )
            responses.append(
                _response(
                    text="\n".join([message.title, *message.body.split("  \n")]),
                    image=message.image.url if message.image else None,
                    buttons=buttons,
                    custom={"card": {"title": message.title, "subtitle": message.subtitle}},
                )
            )
        elif isinstance(message, MediaMessage):
            responses += [_response(text=o.name, image=o.image.url) for o in message.objects[:10]]
        elif isinstance(message, SuggestionsMessage):
            # A tapped button sends its payload as the customer's next message.
            buttons = [{"title": chip, "payload": chip} for chip in message.chips[:10]]
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
