"""Dialogflow ES: Telegram and Google Assistant requests, rich replies, the context round trip."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from platforms import FIXTURES, MAYA, Question, es, fixture, shape
from starlette.testclient import TestClient
from support import API_KEY

from fulfillment.adapters import dialogflow_es
from fulfillment.reply import Button, CardMessage, Image, Reply, TextMessage
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
    assert kinds == ["text", "card"]  # ES replies default to rich content
    card = body["fulfillmentMessages"][1]["card"]
    assert card["buttons"] == [
        {
            "text": "Track your package",
            "postback": "https://track.example.com/blue-dart/BD123456789IN",
        }
    ]
    assert "payload" not in body  # no Google payload for Telegram


def test_google_assistant_gets_a_rich_response(shared_client: TestClient) -> None:
    body = post(shared_client, fixture("es-google")).json()
    assert shape(body) == golden("es-google-card")
    rich = body["payload"]["google"]["richResponse"]
    assert "simpleResponse" in rich["items"][0]
    card = rich["items"][1]["basicCard"]
    # The AoG shape: image.url and openUrlAction.url (not imageUri/openUriAction).
    assert card["image"]["url"].startswith("https://")
    assert card["buttons"][0]["openUrlAction"]["url"].endswith("/1Z999AA10123456784")
    assert rich["items"][0]["simpleResponse"]["displayText"].startswith("Order 100004 has been")


def test_google_assistant_suggestions_when_asking(shared_client: TestClient) -> None:
    body = fixture("es-google")
    body["queryResult"].update(parameters={"orderId": ""}, queryText="where are my orders")
    rich = post(shared_client, body).json()["payload"]["google"]["richResponse"]
    assert rich["items"][0]["simpleResponse"]["displayText"].startswith("Hi Ram! Which order")
    assert 1 <= len(rich["suggestions"]) <= 8
    assert all(len(s["title"]) <= 25 for s in rich["suggestions"])


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


def test_unknown_intent_is_a_422_listing_known_ones(shared_client: TestClient) -> None:
    body = es(Question())
    body["queryResult"]["intent"]["displayName"] = "smalltalk.weather"
    response = post(shared_client, body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "unknown_interest_type"
    assert "order.status" in error["details"]["known"]


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


def test_fixture_files_are_valid_json() -> None:
    for path in Path(FIXTURES).glob("*.json"):
        json.loads(path.read_text())
