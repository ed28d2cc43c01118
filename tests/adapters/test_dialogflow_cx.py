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


def test_someone_elses_order_in_a_filled_form_is_asked_again(shared_client: TestClient) -> None:
    # The form holds a number that is not the asker's: "check the number and send it
    # again" must clear it and mark it INVALID, or the form stays complete and CX never asks.
    request = cx(Question(customer=MAYA))
    assert request["pageInfo"]["formInfo"]["parameterInfo"][0]["state"] == "FILLED"
    body = post(shared_client, request).json()
    assert body["fulfillmentResponse"]["messages"][0]["text"]["text"][0].startswith(
        "I couldn't find order 748596."
    )
    assert body["sessionInfo"] == {"parameters": {"order_id": None}}
    assert body["pageInfo"]["formInfo"]["parameterInfo"] == [
        {"displayName": "order_id", "state": "INVALID"}
    ]


@pytest.mark.parametrize("form", ["none", "empty", "other"])
def test_form_state_only_for_a_parameter_the_page_has(shared_client: TestClient, form: str) -> None:
    """A webhook cannot add form parameters: no pageInfo unless the form has order_id."""
    request = cx(Question(order_id=None, text="hello"))
    if form == "none":
        del request["pageInfo"]
    elif form == "empty":
        request["pageInfo"]["formInfo"] = {}
    else:
        request["pageInfo"]["formInfo"]["parameterInfo"][0]["displayName"] = "email"
    body = post(shared_client, request).json()
    assert "pageInfo" not in body
    assert body["sessionInfo"] == {"parameters": {"order_id": None}}


@pytest.mark.parametrize("number", [0, 1, 2, 3])
def test_form_state_as_its_enum_number(shared_client: TestClient, number: int) -> None:
    # Valid proto JSON: an enum may be sent by its number.
    request = cx(Question())
    request["pageInfo"]["formInfo"]["parameterInfo"][0]["state"] = number
    response = post(shared_client, request)
    assert response.status_code == 200
    assert response.json()["sessionInfo"] == {"parameters": {"order_id": "748596"}}


def test_unknown_tag_keeps_the_pages_own_fulfillment(shared_client: TestClient) -> None:
    body = cx(Question())
    body["fulfillmentInfo"]["tag"] = "weather"
    response = post(shared_client, body)
    assert response.status_code == 200
    assert response.json() == {}


def test_phone_gateway_caller_is_the_asker(shared_client: TestClient) -> None:
    body = cx(Question())
    body["payload"] = {"telephony": {"caller_id": "+14155550123"}}
    reply = post(shared_client, body).json()
    # The caller's number is not an identity of Ravi's: the order stays private.
    assert reply["fulfillmentResponse"]["messages"][0]["text"]["text"][0].startswith(
        "I couldn't find order 748596."
    )
