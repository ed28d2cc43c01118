"""Identities a browser supplies count only when the shop's back end signed them (issue 16)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from platforms import Customer, Question, cx, es, rasa, seed
from starlette.testclient import TestClient
from support import API_KEY, IDENTITY_SECRET, user_hash

from fulfillment.app import create_app
from fulfillment.settings import Settings
from fulfillment.webhooks import CX_PATH, ES_PATH, RASA_PATH, SEED_PATH

HEADERS = {"X-API-Key": API_KEY}
PATHS = {"seed": SEED_PATH, "dialogflow-es": ES_PATH, "dialogflow-cx": CX_PATH, "rasa": RASA_PATH}
RAM_ORDER = "100002"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("signed") / "data",
        api_keys=[API_KEY],
        identity_secrets=[IDENTITY_SECRET],
        signed_identities=True,  # on by default everywhere but the demo store
        lookup_slow_after=10_000,
        lookup_refuse_after=10_000,
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def token(sub: str, seconds: int = 600, secret: str = IDENTITY_SECRET) -> str:
    return jwt.encode({"sub": sub, "exp": int(time.time()) + seconds}, secret, "HS256")


def request(platform: str, uid: str, proof: dict[str, str]) -> dict[str, Any]:
    ram = Customer(uid, "WEB", "ram123", "Ram")
    question = Question(order_id=RAM_ORDER, text=f"where is {RAM_ORDER}", customer=ram)
    if platform == "seed":
        body = seed(question)
        user = body["conversationRequest"]["userInfo"]
        user.pop("userHash", None)
        user.update(proof)
    elif platform == "dialogflow-es":
        body = es(Question(order_id=RAM_ORDER, text=f"where is {RAM_ORDER}"))
        # A custom front end (no integration source) writes the payload itself.
        original = body["originalDetectIntentRequest"]
        original.pop("source", None)
        original["payload"] = {"userId": uid, "channel": "WEB", **proof}
    elif platform == "dialogflow-cx":
        body = cx(question)
        body["payload"] = {"userId": uid, "channel": "WEB", **proof}
    else:
        body = rasa(question)
        body["tracker"]["latest_input_channel"] = "rest"
        body["sender_id"] = body["tracker"]["sender_id"] = uid
        body["tracker"]["latest_message"]["metadata"].update(proof)
    return body


def said(client: TestClient, platform: str, body: dict[str, Any]) -> str:
    response = client.post(PATHS[platform], json=body, headers=HEADERS)
    assert response.status_code == 200, response.text
    return response.text


PLATFORMS = list(PATHS)
UIDS = ["ram123", "ram123@gmail.com"]


@pytest.mark.parametrize("uid", UIDS)
@pytest.mark.parametrize("platform", PLATFORMS)
def test_unsigned_web_ids_never_reveal_an_order(
    client: TestClient, platform: str, uid: str
) -> None:
    text = said(client, platform, request(platform, uid, {}))
    # A guest: asked for the e-mail address on the order, told nothing of it.
    assert f"the e-mail address you used for order {RAM_ORDER}" in text
    assert "Running shoes" not in text


@pytest.mark.parametrize("uid", UIDS)
@pytest.mark.parametrize("platform", PLATFORMS)
def test_signed_ids_do(client: TestClient, platform: str, uid: str) -> None:
    by_hash = said(client, platform, request(platform, uid, {"userHash": user_hash(uid)}))
    assert f"Order {RAM_ORDER}" in by_hash
    assert "Running shoes" in by_hash
    by_token = said(client, platform, request(platform, uid, {"identityToken": token(uid)}))
    assert "Running shoes" in by_token


@pytest.mark.parametrize(
    "proof",
    [
        {"identityToken": token("ram123", seconds=-10)},  # expired
        {"identityToken": token("ram123", secret="another-shop-s-secret-0123456789abcd")},
        {"userHash": user_hash("ram123", "another-shop-s-secret-0123456789abcd")},
        {"userHash": user_hash("ram124")},
    ],
    ids=["expired", "wrong-token-secret", "wrong-hash-secret", "someone-else-s-hash"],
)
@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_bad_signature_reads_as_a_guest(
    client: TestClient, platform: str, proof: dict[str, str]
) -> None:
    text = said(client, platform, request(platform, "ram123", proof))
    assert f"the e-mail address you used for order {RAM_ORDER}" in text
    assert "Running shoes" not in text


def test_platform_vouched_ids_need_no_signature(client: TestClient) -> None:
    # Telegram's from.id through Dialogflow's Telegram integration (source: telegram).
    text = said(client, "dialogflow-es", es(Question()))
    assert "Order 748596 has been shipped" in text
    # Twilio's WhatsApp sender through Rasa.
    body = rasa(Question(order_id=RAM_ORDER, customer=Customer("x", "TELEGRAM", "r", "Ram")))
    body["tracker"]["latest_input_channel"] = "twilio"
    body["sender_id"] = body["tracker"]["sender_id"] = "whatsapp:+14155550123"
    assert "Running shoes" in said(client, "rasa", body)


def test_a_guest_is_asked_for_the_number_not_shown_anyone_s_orders(client: TestClient) -> None:
    body = request("seed", "ram123", {})
    body["queryInfo"].pop("parameters")
    body["queryInfo"]["queryText"] = "where are my orders?"
    text = said(client, "seed", body)
    assert "Which order should I check?" in text
    assert RAM_ORDER not in text


def test_the_demo_store_takes_ids_as_given(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, api_keys=[API_KEY])
    assert not settings.identities_must_be_signed
    assert Settings(data_dir=tmp_path, database_url="postgresql://x@h/db").identities_must_be_signed
