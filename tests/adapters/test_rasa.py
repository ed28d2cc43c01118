"""The Rasa action-server protocol: what `rasa run actions` answers, answered by this service."""

from __future__ import annotations

import json
from typing import Any

import pytest
from platforms import FIXTURES, MAYA, Question, fixture, rasa, shape
from starlette.testclient import TestClient
from support import API_KEY

from fulfillment.webhooks import RASA_PATH


def post(
    client: TestClient, body: dict[str, Any], url: str = f"{RASA_PATH}?token={API_KEY}"
) -> Any:
    # Rasa's endpoints.yml `token:` arrives as a query parameter.
    return client.post(url, json=body)


def golden(name: str) -> Any:
    return json.loads((FIXTURES / "golden" / f"{name}.json").read_text())


def assert_rasa_accepts(body: dict[str, Any]) -> None:
    """The shape rasa's RemoteAction validates before it applies events and utters responses."""
    assert set(body) == {"events", "responses"}
    for event in body["events"]:
        assert isinstance(event["event"], str)
        if event["event"] == "slot":
            assert isinstance(event["name"], str)
            assert "value" in event
    for response in body["responses"]:
        assert isinstance(response, dict)
        assert set(response) >= {"text", "buttons", "image", "custom", "elements", "attachment"}
        for button in response["buttons"]:
            assert isinstance(button["title"], str)


@pytest.mark.parametrize(
    ("name", "question"),
    [
        ("rasa-card", Question(response_type="card")),
        ("rasa-ask", Question(order_id=None, text="where is my order?", response_type="card")),
    ],
)
def test_golden_structures(shared_client: TestClient, name: str, question: Question) -> None:
    body = post(shared_client, rasa(question)).json()
    assert shape(body) == golden(name)
    assert_rasa_accepts(body)


def test_fixture_as_rasa_sends_it(shared_client: TestClient) -> None:
    body = post(shared_client, fixture("rasa")).json()
    assert_rasa_accepts(body)
    assert body["events"] == [
        {"event": "slot", "timestamp": None, "name": "order_id", "value": "748596"}
    ]
    assert body["responses"][0]["text"].startswith("Order 748596 has been shipped")


def test_chips_are_buttons_whose_payload_is_the_number(shared_client: TestClient) -> None:
    body = post(
        shared_client, rasa(Question(order_id=None, text="hi", response_type="card"))
    ).json()
    [response] = body["responses"]
    assert [b["payload"] for b in response["buttons"]] == [b["title"] for b in response["buttons"]]
    assert body["events"][0]["value"] is None


def test_someone_elses_order(shared_client: TestClient) -> None:
    body = post(shared_client, rasa(Question(customer=MAYA))).json()
    assert body["responses"][0]["text"].startswith("I couldn't find order 748596.")
    assert body["events"][0]["value"] is None


def test_unknown_action_gets_rasa_sdk_s_answer(shared_client: TestClient) -> None:
    body = rasa(Question())
    body["next_action"] = "action_weather"
    response = post(shared_client, body)
    assert response.status_code == 404
    assert response.json() == {
        "error": "No registered action found for name 'action_weather'.",
        "action_name": "action_weather",
    }


@pytest.mark.parametrize(
    ("url", "headers", "status"),
    [
        (RASA_PATH, {}, 401),
        (f"{RASA_PATH}?token=wrong", {}, 401),
        (RASA_PATH, {"X-API-Key": API_KEY}, 200),
        (RASA_PATH, {"Authorization": f"Bearer {API_KEY}"}, 200),
    ],
)
def test_auth(shared_client: TestClient, url: str, headers: dict[str, str], status: int) -> None:
    assert shared_client.post(url, json=rasa(Question()), headers=headers).status_code == status


def test_malformed_call_is_a_4xx(shared_client: TestClient) -> None:
    response = post(shared_client, {"tracker": {}})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "next_action"


def test_health_and_actions_like_rasa_sdk(shared_client: TestClient) -> None:
    assert shared_client.get("/health").json() == {"status": "ok"}
    assert shared_client.get(f"/actions?token={API_KEY}").json() == [
        {"name": "action_order_status"}
    ]


def test_language_from_the_language_slot(shared_client: TestClient) -> None:
    response = post(shared_client, rasa(Question(language="fr-FR")))
    assert response.headers["content-language"] == "fr"
    assert response.json()["responses"][0]["text"].startswith("Votre commande 748596")
