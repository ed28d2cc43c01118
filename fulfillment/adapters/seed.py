"""The seed's own getOrderStatus contract (shared/seed/OrderStatus.md)."""

from __future__ import annotations

import random
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from fulfillment.adapters.common import (
    as_dict,
    as_list,
    as_text,
    button,
    buttons_item,
    card_item,
    given_proofs,
    image_item,
    note_item,
    text_item,
)
from fulfillment.domain import Asker, Proof
from fulfillment.i18n.locales import Language
from fulfillment.intents import IntentSpec
from fulfillment.platform import RESPONSE_TYPES, Platform, PlatformRoutes, Trial
from fulfillment.reply import CardMessage, MediaMessage, Message, Reply, TextMessage
from fulfillment.turn import ResponseType, Turn

PATH = "/api/rest/v1/ecom/integrations/getOrderStatus"


def _text_or_number(value: Any) -> Any:
    # Platforms send order numbers as JSON numbers as often as strings; some as 748596.0
    # (an integer too, for JSON Schema).
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


Name = Annotated[str, Field(max_length=200)]
OrderNumber = Annotated[str, Field(max_length=64)]
# Platforms send order numbers as JSON numbers too; read as text, at most 64 digits.
NumericOrder = Annotated[int, Field(gt=-(10**63), lt=10**64)]


class _In(BaseModel):
    # Platforms add fields of their own; unknown ones are ignored, not refused.
    model_config = ConfigDict(extra="ignore")


class UserInfo(_In):
    first_name: Name | None = Field(default=None, description="firstName: may personalise replies.")
    last_name: Name | None = Field(default=None, description="lastName.")
    uid: Annotated[str, Field(min_length=1, max_length=320)] = Field(
        description="uuid: who is asking, a chat id or the customer's e-mail address."
    )
    username: Name | None = Field(default=None, description="userName: the handle on the channel.")
    userHash: Annotated[str, Field(max_length=128)] | None = Field(
        default=None,
        description="Lowercase hex HMAC-SHA256 of uid under the shop's identity secret: makes "
        "a uid on an untrusted channel (WEB, or an e-mail address) count.",
    )
    identityToken: Annotated[str, Field(max_length=4096)] | None = Field(
        default=None, description="A JWT from the shop's back end whose sub is the user id."
    )


class ConversationRequest(_In):
    channel: Annotated[str, Field(max_length=40)] | None = Field(
        default=None, description="TELEGRAM, WHATSAPP, WEB, ...: where the user is talking."
    )
    userInfo: UserInfo


class EntityInfo(_In):
    # The length applies to the string: on `str | None` it made a null a TypeError (a 500).
    orderId: Annotated[
        OrderNumber | None,
        BeforeValidator(_text_or_number, json_schema_input_type=OrderNumber | NumericOrder | None),
    ] = Field(default=None, description="The order number, when the platform recognised one.")
    # A guest's second factor (the shop chooses which: FULFILLMENT_GUEST_FACTOR), given with
    # the order number in the same request.
    email: Annotated[str, Field(max_length=320)] | None = Field(
        default=None, description="For a guest: the e-mail address on the order."
    )
    postcode: Annotated[str, Field(max_length=20)] | None = Field(
        default=None, description="For a guest: the delivery address's postcode."
    )
    phoneLast4: Annotated[str, Field(max_length=40)] | None = Field(
        default=None, description="For a guest: the last 4 digits of the phone number on the order."
    )


class Params(_In):
    entityInfo: EntityInfo | None = None


class Parameters(_In):
    params: Params | None = None


class QueryInfo(_In):
    interestType: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="Which intent answers, e.g. order-status."
    )
    parameters: Parameters | None = None
    queryText: Annotated[str, Field(max_length=2000)] | None = Field(
        default=None,
        description="What the user typed or said. When entityInfo.orderId is missing or not "
        "a valid order number, order numbers are searched for in this text.",
    )


class OrderStatusRequest(_In):
    conversationRequest: ConversationRequest
    queryInfo: QueryInfo
    languageCode: Annotated[str, Field(max_length=64)] = Field(
        default="en-US",
        description="BCP 47 language of the conversation; unsupported ones fall back to en-US.",
    )
    responseType: Annotated[Literal["text", "card", "media"], BeforeValidator(_lower)] = Field(
        default="text", description="text, card or media."
    )


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SimpleResponse(_Out):
    responseText: Annotated[str, Field(max_length=640)]


class ImageOut(_Out):
    url: str
    accessibilityText: str


class OpenUrlAction(_Out):
    url: str


class ButtonOut(_Out):
    title: str
    openUrlAction: OpenUrlAction


class BasicCard(_Out):
    title: str
    subtitle: str
    formattedText: str
    image: ImageOut | None = None
    buttons: Annotated[list[ButtonOut], Field(max_length=1)] = Field(default_factory=list)


class MediaObjectOut(_Out):
    name: str
    description: str
    contentUrl: str
    largeImage: ImageOut


class MediaResponse(_Out):
    mediaType: Literal["IMAGE"] = "IMAGE"
    mediaObjects: list[MediaObjectOut]


class Suggestion(_Out):
    title: Annotated[str, Field(max_length=25)]


class SuggestionsMessage(_Out):
    suggestions: Annotated[list[Suggestion], Field(min_length=1, max_length=8)]


class SimpleResponseMessage(_Out):
    simpleResponse: SimpleResponse


class BasicCardMessage(_Out):
    basicCard: BasicCard


class MediaResponseMessage(_Out):
    mediaResponse: MediaResponse


ResponseMessage = (
    SimpleResponseMessage | BasicCardMessage | MediaResponseMessage | SuggestionsMessage
)


class OrderStatusResponseBody(_Out):
    responseType: Literal["text", "card", "media"]
    responseId: Annotated[
        str, Field(pattern=r"^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}-[0-9a-f]{8}$")
    ]
    responseMessages: list[ResponseMessage]


class OrderStatusResponse(_Out):
    response: OrderStatusResponseBody


def response_id() -> str:
    """The seed's form: a random (version 4) UUID, a hyphen and 8 hex digits."""
    # An id, not a secret: random's generator instead of a system call per reply.
    h = f"{random.getrandbits(160):040x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}-{h[32:40]}"


# RFC 4122's variant in the first hex digit of the fourth group: 10xx in binary.
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def to_turn(request: OrderStatusRequest, language: Language) -> Turn:
    user = request.conversationRequest.userInfo
    params = request.queryInfo.parameters
    entity = params.params.entityInfo if params and params.params else None
    order_id = entity.orderId.strip() if entity and entity.orderId else None
    return Turn(
        interest_type=request.queryInfo.interestType,
        asker=Asker(
            uid=user.uid,
            channel=request.conversationRequest.channel,
            user_name=user.username,
            first_name=user.first_name,
            last_name=user.last_name,
            source="caller",
        ),
        locale=language.locale,
        response_type=RESPONSE_TYPES[request.responseType],
        order_ids=(order_id,) if order_id else (),
        text=request.queryInfo.queryText,
        language=language.spoken,
        proofs=_proofs(entity) if entity else (),
    )


def _proofs(entity: EntityInfo) -> tuple[Proof, ...]:
    email, postcode, phone = entity.email, entity.postcode, entity.phoneLast4
    if email is None and postcode is None and phone is None:
        return ()  # most turns
    given = {"email": email, "postcode": postcode, "phoneLast4": phone}
    return given_proofs({name: value for name, value in given.items() if value is not None})


def _image(image_url: str, alt: str) -> dict[str, str]:
    return {"url": image_url, "accessibilityText": alt}


def _message(message: Message) -> dict[str, Any]:
    if isinstance(message, TextMessage):
        return {"simpleResponse": {"responseText": message.text}}
    if isinstance(message, CardMessage):
        card: dict[str, Any] = {
            "title": message.title,
            "subtitle": message.subtitle,
            "formattedText": message.body,
            "buttons": [],
        }
        if message.image:
            card["image"] = _image(message.image.url, message.image.alt)
        if message.button:
            card["buttons"] = [
                {"title": message.button.title, "openUrlAction": {"url": message.button.url}}
            ]
        return {"basicCard": card}
    if isinstance(message, MediaMessage):
        objects = [
            {
                "name": obj.name,
                "description": obj.description,
                "contentUrl": obj.url,
                "largeImage": _image(obj.image.url, obj.image.alt),
            }
            for obj in message.objects
        ]
        return {"mediaResponse": {"mediaType": "IMAGE", "mediaObjects": objects}}
    return {"suggestions": [{"title": chip[:25]} for chip in message.chips[:8]]}


def from_reply(reply: Reply, response_type: ResponseType) -> bytes:
    """The response body, in the shape of OrderStatusResponse.

    Built as plain data and encoded once: constructing the pydantic models for every reply
    cost more than the rest of the reply. The models stay the contract (OpenAPI, tests).
    """
    body = {
        "response": {
            "responseType": response_type.value,
            "responseId": response_id(),
            "responseMessages": [_message(m) for m in reply.messages],
        }
    }
    return orjson.dumps(body)


class Seed(Platform[OrderStatusRequest]):
    name = "seed"
    title = "getOrderStatus (seed contract)"
    path = PATH
    operation_id = "getOrderStatus"
    summary = "The status of the asking customer's order, in their language."
    request_model = OrderStatusRequest
    response_model = OrderStatusResponse
    example = "seed"
    interest_field = "queryInfo.interestType"

    def interest_type(self, payload: OrderStatusRequest, routes: PlatformRoutes) -> str | None:
        interest_type = payload.queryInfo.interestType
        return interest_type if interest_type in routes.interest_types else None

    def proof(self, payload: OrderStatusRequest) -> tuple[object, object]:
        user = payload.conversationRequest.userInfo
        return user.userHash, user.identityToken

    def language_code(self, payload: OrderStatusRequest) -> str | None:
        return payload.languageCode

    def to_turn(
        self,
        payload: OrderStatusRequest,
        interest_type: str,
        language: Language,
        routes: PlatformRoutes,
    ) -> Turn:
        return to_turn(payload, language)

    def render(
        self, reply: Reply, payload: OrderStatusRequest, turn: Turn, routes: PlatformRoutes
    ) -> bytes:
        return from_reply(reply, turn.response_type)

    def build(self, trial: Trial, spec: IntentSpec, interest_type: str) -> dict[str, Any]:
        user: dict[str, Any] = {"uid": trial.user_id}
        if trial.user_hash:
            user["userHash"] = trial.user_hash
        if trial.user_name:
            user["username"] = trial.user_name
        if trial.first_name:
            user["first_name"] = trial.first_name
        return {
            "conversationRequest": {"channel": trial.channel, "userInfo": user},
            "queryInfo": {"interestType": interest_type, "queryText": trial.text},
            "languageCode": trial.language_code,
            "responseType": trial.response_type,
        }

    def preview(self, response_body: Any, surface: str) -> list[dict[str, Any]]:
        self.surface(surface)
        return preview(as_dict(response_body))


def _picture(found: Any) -> dict[str, str] | None:
    image = as_dict(found)
    url = as_text(image.get("url"))
    return {"url": url, "alt": as_text(image.get("accessibilityText"))} if url else None


def preview(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The contract's messages as a client draws them: bubbles, a card with its link button,
    pictures, and suggestion chips whose tap sends their title."""
    items: list[dict[str, Any]] = []
    messages = as_list(as_dict(body.get("response")).get("responseMessages"))
    for message in map(as_dict, messages):
        if "simpleResponse" in message:
            items.append(text_item(as_text(as_dict(message["simpleResponse"]).get("responseText"))))
        elif "basicCard" in message:
            card = as_dict(message["basicCard"])
            buttons = [
                button(
                    as_text(b.get("title")),
                    url=as_text(as_dict(b.get("openUrlAction")).get("url")) or None,
                )
                for b in map(as_dict, as_list(card.get("buttons")))
            ]
            items.append(
                card_item(
                    as_text(card.get("title")),
                    as_text(card.get("subtitle")),
                    as_text(card.get("formattedText")),
                    _picture(card.get("image")),
                    buttons,
                )
            )
        elif "mediaResponse" in message:
            for found in map(
                as_dict, as_list(as_dict(message["mediaResponse"]).get("mediaObjects"))
            ):
                image = _picture(found.get("largeImage"))
                if image:
                    items.append(image_item(image["url"], image["alt"]))
        elif "suggestions" in message:
            titles = [as_text(as_dict(c).get("title")) for c in as_list(message["suggestions"])]
            items.append(buttons_item("", "chips", [button(t, send=t) for t in titles if t]))
    return items or [note_item("No messages.")]


PLATFORM = Seed()
