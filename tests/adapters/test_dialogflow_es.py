"""Dialogflow ES: Telegram and Google Assistant requests, rich replies, the context round trip."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from platforms import FIXTURES, MAYA, Question, es, fixture, shape
from pydantic import BaseModel
from starlette.testclient import TestClient
from support import API_KEY

from fulfillment.adapters import dialogflow_cx, dialogflow_es, rasa
from fulfillment.reply import Button, CardMessage, Image, Reply, SuggestionsMessage, TextMessage
from fulfillment.webhooks import ES_PATH

HEADERS = {"Authorization": f"Bearer {API_KEY}"}


def post(client: TestClient, body: dict[str, Any], headers: dict[str, str] = HEADERS) -> Any:
    return client.post(ES_PATH, json=body, headers=headers)


def golden(name: str) -> Any:
    return json.loads((FIXTURES / "golden" / f"{name}.json").read_text())


@pytest.mark.parametrize(
    ("name", "question"),
    [
        ("es-telegram-card", Question(response_type="card")),
        ("es-telegram-media", Question(response_type="media")),
        (
            "es-telegram-ask",
            Question(order_id=None, text="where is my order?", response_type="card"),
        ),
    ],
)
def test_golden_structures(shared_client: TestClient, name: str, question: Question) -> None:
    assert shape(post(shared_client, es(question)).json()) == golden(name)


def test_telegram_fixture_as_dialogflow_sends_it(shared_client: TestClient) -> None:
    response = post(shared_client, fixture("es-telegram"))
    assert response.status_code == 200
    body = response.json()
    assert body["fulfillmentText"].startswith("Order 748596 has been shipped")
    kinds = [next(iter(m)) for m in body["fulfillmentMessages"]]
    # ES replies default to rich content: the words untagged, then Telegram's own messages.
    assert kinds == ["text", "text", "card"]
    assert [m.get("platform") for m in body["fulfillmentMessages"]] == [
        None,
        "TELEGRAM",
        "TELEGRAM",
    ]
    card = body["fulfillmentMessages"][2]["card"]
    assert card["buttons"] == [
        {
            "text": "Track your package",
            "postback": "https://track.example.com/blue-dart/BD123456789IN",
        }
    ]
    assert "payload" not in body  # no Google payload for Telegram


def test_no_actions_on_google_payload(shared_client: TestClient) -> None:
    # Conversational Actions were shut down in June 2023: payload.google is dead weight.
    body = post(shared_client, fixture("es-google")).json()
    assert "payload" not in body
    assert body["fulfillmentText"].startswith("Order 100004 has been")


def _asking(source: str | None) -> dict[str, Any]:
    body = es(Question(order_id=None, text="where is my order?", response_type="card"))
    body["originalDetectIntentRequest"]["source"] = source
    return body


ASKING = Reply(
    locale="en_US",
    messages=[
        TextMessage("Which order do you mean? 748596 or 748597?"),
        SuggestionsMessage(("748596", "748597")),
    ],
)
CARD = Reply(
    locale="en_US",
    messages=[
        TextMessage("Order 748596 has been shipped."),
        CardMessage(
            "Order 748596", "Shipped", "1 x Kurta", None, Button("Track", "https://t.example/1")
        ),
    ],
)
SOURCES = [None, "telegram", "facebook", "slack", "line", "viber", "kik", "skype", "hangouts"]


def _request(source: str | None) -> dialogflow_es.DialogflowEsRequest:
    body = es(Question())
    body["originalDetectIntentRequest"]["source"] = source
    return dialogflow_es.DialogflowEsRequest.model_validate(body)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("reply", [ASKING, CARD], ids=["asking", "card"])
def test_the_words_are_always_untagged_text_first(source: str | None, reply: Reply) -> None:
    """Dialogflow Messenger and the phone gateway render no quick replies, and an
    integration without messages of its own shows the untagged ones: every sentence is an
    untagged text message, before anything else."""
    messages = dialogflow_es.fulfillment_messages(reply, _request(source))
    words = [m.text for m in reply.messages if isinstance(m, TextMessage)]
    assert words
    assert messages[: len(words)] == [{"text": {"text": [w]}} for w in words]


@pytest.mark.parametrize(
    ("source", "platform"),
    [
        ("telegram", "TELEGRAM"),
        ("facebook", "FACEBOOK"),
        ("slack", "SLACK"),
        ("slack_testbot", "SLACK"),
        ("line", "LINE"),
        ("viber", "VIBER"),
        ("hangouts", "GOOGLE_HANGOUTS"),
    ],
)
def test_an_integration_gets_its_own_platform_messages(source: str, platform: str) -> None:
    messages = dialogflow_es.fulfillment_messages(ASKING, _request(source))
    assert [m.get("platform") for m in messages] == [None, platform]
    # These integrations show the quick replies' title as the message: the question itself.
    assert messages[1]["quickReplies"] == {
        "title": "Which order do you mean? 748596 or 748597?",
        "quickReplies": ["748596", "748597"],
    }
    card = dialogflow_es.fulfillment_messages(CARD, _request(source))
    assert [next(k for k in m if k != "platform") for m in card] == ["text", "text", "card"]
    assert [m.get("platform") for m in card] == [None, platform, platform]


def test_telegram_asks_with_the_question_and_chips(shared_client: TestClient) -> None:
    messages = post(shared_client, _asking("telegram")).json()["fulfillmentMessages"]
    assert messages[0]["text"]["text"][0].startswith("Hi Ravi! Which order do you mean?")
    assert messages[1]["platform"] == "TELEGRAM"
    assert messages[1]["quickReplies"]["title"] == messages[0]["text"]["text"][0]
    assert messages[1]["quickReplies"]["quickReplies"] == ["748596", "748597"]


def test_dialogflow_messenger_gets_rich_content_chips(shared_client: TestClient) -> None:
    messages = post(shared_client, _asking(None)).json()["fulfillmentMessages"]
    assert [next(iter(m)) for m in messages] == ["text", "payload"]
    [[chips]] = messages[1]["payload"]["richContent"]
    assert chips == {"type": "chips", "options": [{"text": "748596"}, {"text": "748597"}]}


def test_phone_gateway_gets_text_only(shared_client: TestClient) -> None:
    body = _asking(None)
    body["originalDetectIntentRequest"]["payload"] = {"telephony": {"caller_id": "+15550100"}}
    messages = post(shared_client, body).json()["fulfillmentMessages"]
    assert all(set(m) == {"text"} for m in messages)


def test_not_found_waits_for_the_next_number(shared_client: TestClient) -> None:
    first = post(shared_client, es(Question(order_id="999999", text="where is 999999"))).json()
    assert first["fulfillmentText"].startswith("I couldn't find order 999999.")
    [context] = first["outputContexts"]
    assert context["name"].endswith("/contexts/awaiting_order_number")
    assert context["lifespanCount"] > 0
    # The number sent next lands on the fallback intent; the context routes it.
    follow_up = es(Question(order_id=None, text="748596"))
    follow_up["queryResult"]["intent"] = {"displayName": "Default Fallback Intent"}
    follow_up["queryResult"]["outputContexts"] = [{**context, "lifespanCount": 1}]
    second = post(shared_client, follow_up)
    assert second.status_code == 200
    assert second.json()["fulfillmentText"].startswith("Order 748596 has been shipped")


@pytest.mark.parametrize("order_id", [1e300, "9" * 10_000, "<b>748596</b>", "748596; DROP"])
def test_values_that_are_not_order_numbers_are_not_echoed(
    shared_client: TestClient, order_id: object
) -> None:
    body = es(Question(order_id=None, text="where is my order?"))
    body["queryResult"]["parameters"] = {"orderId": order_id}
    reply = post(shared_client, body)
    assert reply.status_code == 200
    said = reply.json()["fulfillmentText"]
    assert said.startswith("Hi Ravi! Which order do you mean?")
    assert "0000000000" not in said
    assert "9999999999" not in said
    assert "<b>" not in said
    assert all(
        len(t) <= 640
        for m in reply.json()["fulfillmentMessages"]
        if "text" in m
        for t in m["text"]["text"]
    )


def test_context_round_trip(shared_client: TestClient) -> None:
    first = post(shared_client, es(Question(order_id=None, text="where is my order?")))
    contexts = first.json()["outputContexts"]
    [context] = contexts
    assert context["name"].endswith("/contexts/awaiting_order_number")
    assert context["lifespanCount"] > 0

    # The customer answers with the bare number; the agent matches no order intent,
    # but sends back the context the webhook set.
    follow_up = es(Question(order_id=None, text="748596"))
    follow_up["queryResult"]["intent"] = {
        "name": "projects/p/agent/intents/f",
        "displayName": "Default Fallback Intent",
    }
    follow_up["queryResult"]["outputContexts"] = [{**context, "lifespanCount": 1}]
    second = post(shared_client, follow_up)
    assert second.status_code == 200
    body = second.json()
    assert body["fulfillmentText"].startswith("Order 748596 has been shipped")
    assert body["outputContexts"] == [{"name": context["name"], "lifespanCount": 0}]


def test_an_intent_it_cannot_route_keeps_the_agents_own_responses(
    shared_client: TestClient,
) -> None:
    """A 4xx is a webhook error to Dialogflow; an empty 200 leaves the intent's responses."""
    body = es(Question())
    body["queryResult"]["intent"]["displayName"] = "Default Fallback Intent"
    response = post(shared_client, body)
    assert response.status_code == 200
    assert response.json() == {}


def test_intent_matched_by_action(shared_client: TestClient) -> None:
    body = es(Question())
    body["queryResult"]["intent"]["displayName"] = "Where is my stuff"
    body["queryResult"]["action"] = "track.order"
    assert post(shared_client, body).status_code == 200


def test_someone_elses_order(shared_client: TestClient) -> None:
    body = post(shared_client, es(Question(customer=MAYA))).json()
    assert body["fulfillmentText"].startswith("I couldn't find order 748596.")


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Basic " + base64.b64encode(f"dialogflow:{API_KEY}".encode()).decode()},
        {"X-API-Key": API_KEY},
        {"Authorization": f"Bearer {API_KEY}"},
    ],
)
def test_auth_as_dialogflow_sends_it(shared_client: TestClient, headers: dict[str, str]) -> None:
    assert post(shared_client, es(Question()), headers).status_code == 200


def test_no_credentials_no_answer(shared_client: TestClient) -> None:
    response = post(shared_client, es(Question()), {})
    assert response.status_code == 401


def test_malformed_payload_is_a_422_with_paths(shared_client: TestClient) -> None:
    body = es(Question())
    del body["session"]
    body["queryResult"]["outputContexts"] = [{"lifespanCount": 1}]
    response = post(shared_client, body)
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert fields == {"session", "queryResult.outputContexts[0].name"}


def test_replies_stay_under_64_kib() -> None:
    request = dialogflow_es.DialogflowEsRequest.model_validate(es(Question()))
    url = "https://shop.example.com/" + "x" * 2000
    reply = Reply(
        locale="en_US",
        messages=[TextMessage("Order 748596 has been shipped.")]
        + [CardMessage("t", "s", "b", Image(url, "alt"), Button("b", url)) for _ in range(40)],
    )
    encoded = dialogflow_es.from_reply(reply, request, "order-status")
    assert len(encoded) <= 64 * 1024
    response = json.loads(encoded)
    assert response["fulfillmentMessages"] == [
        {"text": {"text": ["Order 748596 has been shipped."]}}
    ]


def test_every_platform_fixture_is_a_request_its_adapter_accepts() -> None:
    # The files the tests build on are there (a glob that finds nothing must not pass)...
    requests = {path.stem: path for path in FIXTURES.glob("*.json")}
    models: dict[str, type[BaseModel]] = {
        "es-telegram": dialogflow_es.DialogflowEsRequest,
        "es-google": dialogflow_es.DialogflowEsRequest,
        "cx": dialogflow_cx.DialogflowCxRequest,
        "rasa": rasa.RasaActionCall,
    }
    assert set(requests) == set(models)
    # ...and each is a request its platform's model reads, not merely JSON.
    for name, model in models.items():
        model.model_validate_json(requests[name].read_text(encoding="utf-8"))
    # The golden replies the three platforms' tests compare with are there too.
    goldens = {path.stem: path for path in (FIXTURES / "golden").glob("*.json")}
    assert set(goldens) >= {
        "es-telegram-card",
        "es-telegram-media",
        "es-telegram-ask",
        "cx-card",
        "cx-ask",
        "rasa-card",
        "rasa-ask",
    }
    for path in goldens.values():
        assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict), path.name
