"""The same customer question as each platform would send it, built on realistic fixtures."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from support import DATA, build_request, user_hash

FIXTURES = DATA / "platforms"


def fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


@dataclass(frozen=True)
class Customer:
    uid: str
    channel: str
    username: str
    first_name: str


RAVI = Customer("51342", "TELEGRAM", "ravir", "Ravi")
MAYA = Customer("90817", "TELEGRAM", "mayal", "Maya")


@dataclass(frozen=True)
class Question:
    order_id: str | None = "748596"  # as the platform's parameter, slot or entity
    text: str | None = "where is my order 748596?"
    language: str = "en-US"
    response_type: str = "text"
    customer: Customer = RAVI


def seed(q: Question) -> dict[str, Any]:
    body = build_request(
        q.order_id,
        uid=q.customer.uid,
        channel=q.customer.channel,
        username=q.customer.username,
        language=q.language,
        response_type=q.response_type,
        text=q.text,
    )
    body["conversationRequest"]["userInfo"]["first_name"] = q.customer.first_name
    return body


def es(q: Question) -> dict[str, Any]:
    body = copy.deepcopy(fixture("es-telegram"))
    result = body["queryResult"]
    # Dialogflow sends "" for a parameter the user did not fill.
    result["parameters"] = {"orderId": q.order_id or ""}
    result["queryText"] = q.text or ""
    result["languageCode"] = q.language
    payload = body["originalDetectIntentRequest"]["payload"]
    sender = payload["data"]["message"]["from"]
    sender.update(
        id=int(q.customer.uid), username=q.customer.username, first_name=q.customer.first_name
    )
    payload["responseType"] = q.response_type
    return body


def cx(q: Question) -> dict[str, Any]:
    body = copy.deepcopy(fixture("cx"))
    if q.order_id:
        body["intentInfo"]["parameters"] = {
            "order_id": {"originalValue": q.order_id, "resolvedValue": q.order_id}
        }
        body["sessionInfo"]["parameters"] = {"order_id": q.order_id}
    else:
        body["intentInfo"]["parameters"] = {}
        body["sessionInfo"]["parameters"] = {}
        body["pageInfo"]["formInfo"]["parameterInfo"][0].update(state="EMPTY", value=None)
    body["text"] = q.text or ""
    body["languageCode"] = q.language
    body["payload"] = {
        # A custom front end's ids are the browser's word: the shop's back end signs them.
        "userHash": user_hash(q.customer.uid),
        "channel": q.customer.channel,
        "userId": q.customer.uid,
        "username": q.customer.username,
        "first_name": q.customer.first_name,
        "responseType": q.response_type,
    }
    return body


def rasa(q: Question) -> dict[str, Any]:
    body = copy.deepcopy(fixture("rasa"))
    tracker = body["tracker"]
    body["sender_id"] = tracker["sender_id"] = q.customer.uid
    tracker["latest_input_channel"] = q.customer.channel.lower()
    tracker["slots"]["order_id"] = q.order_id
    tracker["slots"]["language"] = q.language
    message = tracker["latest_message"]
    message["text"] = q.text or ""
    message["entities"] = (
        [{"entity": "order_id", "value": q.order_id, "extractor": "RegexEntityExtractor"}]
        if q.order_id
        else []
    )
    message["metadata"] = {
        "first_name": q.customer.first_name,
        "username": q.customer.username,
        "responseType": q.response_type,
    }
    return body


def seed_texts(body: dict[str, Any]) -> list[str]:
    return [
        m["simpleResponse"]["responseText"]
        for m in body["response"]["responseMessages"]
        if "simpleResponse" in m
    ]


def es_texts(body: dict[str, Any]) -> list[str]:
    # The untagged text messages, one per bubble (fulfillmentText joins them with line
    # breaks, and a message may hold line breaks of its own: a list of orders).
    return [
        t
        for m in body.get("fulfillmentMessages", [])
        if "text" in m and "platform" not in m
        for t in m["text"]["text"]
    ]


def cx_texts(body: dict[str, Any]) -> list[str]:
    return [
        t for m in body["fulfillmentResponse"]["messages"] if "text" in m for t in m["text"]["text"]
    ]


def rasa_texts(body: dict[str, Any]) -> list[str]:
    return [
        r["text"] for r in body["responses"] if r["text"] and r["image"] is None and not r["custom"]
    ]


def shape(value: Any) -> Any:
    """The structure of a JSON value, without its words: what golden responses compare."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "url" if value.startswith("https://") else "str"
    return value
