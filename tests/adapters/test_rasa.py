"""The Rasa action-server protocol: what `rasa run actions` answers, answered by this service."""

from __future__ import annotations

import gzip
import json
import zlib
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


# --- what Rasa's channels need (channels.md, from each connector's output code) ------------

CHANNELS = ["telegram", "twilio", "rest", "socketio", "callback", "facebook", "slack"]
CHANNELS += ["botframework", "mattermost", "rocketchat", "webexteams", "twilio_voice"]
QUESTIONS = {
    "card": Question(response_type="card"),
    "media": Question(response_type="media"),
    "ask": Question(order_id=None, text="where is my order?", response_type="card"),
    "not-found": Question(order_id="999999", text="where is 999999", response_type="card"),
}


def _on(channel: str, question: Question) -> dict[str, Any]:
    body = rasa(question)
    body["tracker"]["latest_input_channel"] = channel
    return body


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("kind", list(QUESTIONS))
def test_every_channel_can_render_every_reply(
    shared_client: TestClient, channel: str, kind: str
) -> None:
    body = post(shared_client, _on(channel, QUESTIONS[kind])).json()
    assert_rasa_accepts(body)
    for response in body["responses"]:
        # Rocket.Chat pops `text` from custom and Twilio passes custom to create(): none sent.
        assert response["custom"] == {}
        assert response["text"] or response["buttons"] or response["image"]
        # Telegram (inline), Slack, socket.io, Mattermost and Rocket.Chat raise KeyError
        # without title and payload; Telegram's callback_data is 1-64 bytes.
        for button in response["buttons"]:
            assert set(button) == {"title", "payload"}
            assert 1 <= len(button["payload"].encode()) <= 64
            assert button["title"]
        # Facebook sends the text alone above 3 buttons (Slack above 5).
        assert len(response["buttons"]) <= 3
        if channel == "twilio_voice":
            assert response["image"] is None  # dropped with a warning, or a failure
        # Twilio refuses a body over 1600 characters.
        assert len(response["text"] or "") <= 1600


def test_a_card_s_tracking_link_is_in_its_text(shared_client: TestClient) -> None:
    body = post(shared_client, rasa(Question(response_type="card"))).json()
    card = body["responses"][1]
    assert "https://track.example.com/blue-dart/BD123456789IN" in card["text"].split("\n")
    assert card["buttons"] == []


@pytest.mark.parametrize(
    ("channel", "sender", "order", "answered"),
    [
        ("twilio", "whatsapp:+14155550123", "100002", True),  # Ram on WhatsApp via Twilio
        ("twilio", "+14155550123", "100002", False),  # the same number by SMS is not on file
        ("telegram", "51342", "748596", True),
        ("twilio_voice", "+14155550123", "100002", False),
    ],
)
def test_rasa_channels_map_to_the_store_s_channels(
    shared_client: TestClient, channel: str, sender: str, order: str, answered: bool
) -> None:
    body = rasa(Question(order_id=order, text=f"where is {order}"))
    body["sender_id"] = body["tracker"]["sender_id"] = sender
    body["tracker"]["latest_input_channel"] = channel
    text = post(shared_client, body).json()["responses"][0]["text"]
    assert text.startswith(f"Order {order}") is answered, text


@pytest.mark.parametrize("field", ["latest_message", "slots", "metadata", "entities"])
def test_nulls_rasa_sdk_allows_are_accepted(shared_client: TestClient, field: str) -> None:
    body = rasa(Question())
    if field in ("metadata", "entities"):
        body["tracker"]["latest_message"][field] = None
    else:
        body["tracker"][field] = None
    response = post(shared_client, body)
    assert response.status_code == 200
    assert_rasa_accepts(response.json())


def test_a_wrong_token_is_named_as_the_token(shared_client: TestClient) -> None:
    response = post(shared_client, rasa(Question()), f"{RASA_PATH}?token=wrong")
    assert response.status_code == 401
    message = response.json()["error"]["message"]
    assert "token" in message
    assert "X-API-Key" not in message


def _compressed(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.compress(body)
    if encoding == "deflate-raw":
        squeezer = zlib.compressobj(wbits=-15)
        return squeezer.compress(body) + squeezer.flush()
    return zlib.compress(body)  # what Rasa's aiohttp client sends as deflate


@pytest.mark.parametrize("encoding", ["deflate", "gzip", "deflate-raw"])
def test_compressed_requests_as_rasa_sends_them(shared_client: TestClient, encoding: str) -> None:
    """COMPRESS_ACTION_SERVER_REQUEST=true: a zlib body with Content-Encoding: deflate."""
    raw = json.dumps(rasa(Question())).encode()
    response = shared_client.post(
        f"{RASA_PATH}?token={API_KEY}",
        content=_compressed(raw, encoding),
        headers={
            "Content-Type": "application/json",
            "Content-Encoding": encoding.split("-")[0],
        },
    )
    assert response.status_code == 200
    assert response.json()["responses"][0]["text"].startswith("Order 748596 has been shipped")


def test_a_small_body_that_inflates_past_the_limit_is_413(shared_client: TestClient) -> None:
    bomb = zlib.compress(b'{"next_action": "' + b" " * 10_000_000 + b'"}', 9)
    assert len(bomb) < 64 * 1024
    response = shared_client.post(
        f"{RASA_PATH}?token={API_KEY}",
        content=bomb,
        headers={"Content-Type": "application/json", "Content-Encoding": "deflate"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize(
    ("encoding", "content", "status"),
    [("deflate", b"not deflate at all", 400), ("br", b"{}", 415), ("gzip", b"\x1f\x8b", 400)],
)
def test_broken_or_unknown_encodings_are_4xx(
    shared_client: TestClient, encoding: str, content: bytes, status: int
) -> None:
    response = shared_client.post(
        f"{RASA_PATH}?token={API_KEY}",
        content=content,
        headers={"Content-Type": "application/json", "Content-Encoding": encoding},
    )
    assert response.status_code == status
    assert response.json()["error"]["code"] in {"malformed_json", "unsupported_media_type"}
