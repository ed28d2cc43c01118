"""Dialogflow CX: tags, form parameters, rich content, session parameters."""

from __future__ import annotations

import json
from typing import Any

import pytest
from platforms import FIXTURES, MAYA, Question, cx, fixture, shape
from starlette.testclient import TestClient
from support import API_KEY

from fulfillment.webhooks import CX_PATH

HEADERS = {"X-API-Key": API_KEY}  # what a CX webhook's request headers usually carry


def post(client: TestClient, body: dict[str, Any]) -> Any:
    return client.post(CX_PATH, json=body, headers=HEADERS)


def golden(name: str) -> Any:
    return json.loads((FIXTURES / "golden" / f"{name}.json").read_text())


@pytest.mark.parametrize(
    ("name", "question"),
    [
        ("cx-card", Question(response_type="card")),
        ("cx-ask", Question(order_id=None, text="where is my order?", response_type="card")),
    ],
)
def test_golden_structures(shared_client: TestClient, name: str, question: Question) -> None:
    assert shape(post(shared_client, cx(question)).json()) == golden(name)


def test_fixture_as_cx_sends_it(shared_client: TestClient) -> None:
    body = post(shared_client, fixture("cx")).json()
    [text] = body["fulfillmentResponse"]["messages"][0]["text"]["text"]
    assert text.startswith("Order 748596 has been shipped")
    assert body["sessionInfo"] == {"parameters": {"order_id": "748596"}}


def test_transcript_is_read_when_there_is_no_text(shared_client: TestClient) -> None:
    body = cx(Question(order_id=None, text=None))
    body.pop("text")
    body["transcript"] = "order number 748 596"
    reply = post(shared_client, body).json()
    assert reply["fulfillmentResponse"]["messages"][0]["text"]["text"][0].startswith("Order 748596")


def test_asking_marks_the_form_parameter_invalid(shared_client: TestClient) -> None:
    body = post(shared_client, cx(Question(order_id=None, text="hello"))).json()
    assert body["sessionInfo"] == {"parameters": {"order_id": None}}
    assert body["pageInfo"]["formInfo"]["parameterInfo"] == [
        {"displayName": "order_id", "state": "INVALID"}
    ]


def test_media_is_rich_content_images(shared_client: TestClient) -> None:
    body = post(shared_client, cx(Question(response_type="media"))).json()
    [payload] = [m["payload"] for m in body["fulfillmentResponse"]["messages"] if "payload" in m]
    [images] = payload["richContent"]
    assert [i["type"] for i in images] == ["image", "image"]


def test_someone_elses_order_sets_no_parameter(shared_client: TestClient) -> None:
    body = post(shared_client, cx(Question(customer=MAYA))).json()
    assert body["fulfillmentResponse"]["messages"][0]["text"]["text"][0].startswith(
        "I couldn't find order 748596."
    )
    assert "sessionInfo" not in body


def test_unknown_tag_is_a_422(shared_client: TestClient) -> None:
    body = cx(Question())
    body["fulfillmentInfo"]["tag"] = "weather"
    response = post(shared_client, body)
    assert response.status_code == 422
    assert response.json()["error"]["details"] == {
        "field": "fulfillmentInfo.tag",
        "known": ["order-status", "order.status"],
    }


def test_phone_gateway_caller_is_the_asker(shared_client: TestClient) -> None:
    body = cx(Question())
    body["payload"] = {"telephony": {"caller_id": "+14155550123"}}
    reply = post(shared_client, body).json()
    # The caller's number is not an identity of Ravi's: the order stays private.
    assert reply["fulfillmentResponse"]["messages"][0]["text"]["text"][0].startswith(
        "I couldn't find order 748596."
    )
