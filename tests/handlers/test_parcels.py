"""Orders in parcels on every platform and in every locale, and a person offered when a
parcel is late, stale or in trouble (the demo store's orders of Lena, Telegram 44002)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from platforms import Customer, Question, cx, es, rasa, seed
from starlette.testclient import TestClient
from support import API_KEY, LOCALES

from fulfillment.adapters import rasa as rasa_adapter
from fulfillment.adapters.dialogflow_es import HANDOVER
from fulfillment.domain import Order, OrderStatus, Shipment, ShipmentStatus
from fulfillment.handlers.parcels import TroublePolicy, trouble
from fulfillment.reply import Handover, Reply, TextMessage
from fulfillment.webhooks import CX_PATH, ES_PATH, RASA_PATH, SEED_PATH

LENA = Customer("44002", "TELEGRAM", "lenak", "Lena")
HEADERS = {"X-API-Key": API_KEY}
BUILD = {"seed": seed, "dialogflow-es": es, "dialogflow-cx": cx, "rasa": rasa}
PATHS = {"seed": SEED_PATH, "dialogflow-es": ES_PATH, "dialogflow-cx": CX_PATH, "rasa": RASA_PATH}


def ask(client: TestClient, platform: str, order: str, language: str = "en-US") -> Any:
    question = Question(order_id=order, text=f"order {order}", language=language, customer=LENA)
    response = client.post(PATHS[platform], json=BUILD[platform](question), headers=HEADERS)
    assert response.status_code == 200, response.text
    return response


def words(platform: str, body: dict[str, Any]) -> list[str]:
    if platform == "seed":
        messages = body["response"]["responseMessages"]
        return [m["simpleResponse"]["responseText"] for m in messages if "simpleResponse" in m]
    if platform == "dialogflow-es":
        return [t for m in body["fulfillmentMessages"] if "text" in m for t in m["text"]["text"]]
    if platform == "dialogflow-cx":
        messages = body["fulfillmentResponse"]["messages"]
        return [t for m in messages if "text" in m for t in m["text"]["text"]]
    return [r["text"] for r in body["responses"] if r["text"]]


@pytest.mark.parametrize("platform", list(BUILD))
def test_two_parcels_are_both_told(shared_client: TestClient, platform: str) -> None:
    said = words(platform, ask(shared_client, platform, "556677").json())
    text = " ".join(said)
    assert said[0] == "Order 556677 comes in 2 parcels."
    assert "Parcel 1 (Linen shirt) was delivered on" in text
    assert "Parcel 2 (Straw hat and Sandals) is on its way with DHL" in text
    assert "JJD0099887766" in text


@pytest.mark.parametrize("locale", LOCALES)
def test_two_parcels_in_every_locale(shared_client: TestClient, locale: str) -> None:
    response = ask(shared_client, "seed", "556677", locale.replace("_", "-"))
    assert response.headers["Content-Language"] == locale.replace("_", "-")
    said = words("seed", response.json())
    # The summary, then one message per parcel, each with its carrier's words and items.
    assert len(said) == 3
    assert "556677" in said[0]
    # "2 parcels", unless the language says two with a word of its own (Arabic's dual).
    assert "2" in said[0] or "طردين" in said[0]
    assert "Linen shirt" in said[1]
    assert "Straw hat" in said[2]
    assert "DHL" in said[2]
    assert "JJD0099887766" in said[2]


def test_parcel_cards_one_per_parcel(shared_client: TestClient) -> None:
    question = Question(order_id="556677", text="", response_type="card", customer=LENA)
    body = shared_client.post(SEED_PATH, json=seed(question), headers=HEADERS).json()
    cards = [m["basicCard"] for m in body["response"]["responseMessages"] if "basicCard" in m]
    assert [c["title"] for c in cards] == ["Parcel 1 of 2", "Parcel 2 of 2"]
    assert [c["subtitle"] for c in cards] == ["Delivered", "In transit"]
    assert cards[1]["buttons"][0]["openUrlAction"]["url"].endswith("/JJD0099887766")


TROUBLE = {
    "556678": ("late", "was expected by"),
    "556679": ("exception", "DHL reported a problem"),
    "556680": ("stale", "hasn't changed since"),
}


@pytest.mark.parametrize("order", list(TROUBLE))
@pytest.mark.parametrize("platform", list(BUILD))
def test_trouble_is_told_honestly_and_offers_a_person(
    shared_client: TestClient, platform: str, order: str
) -> None:
    reason, sentence = TROUBLE[order]
    body = ask(shared_client, platform, order).json()
    said = words(platform, body)
    assert sentence in said[0]
    # No promise on old or overdue news.
    assert "should arrive" not in " ".join(said)
    assert said[-1] == "Would you like me to pass this on to a person on our team?"
    about = {"orderId": order, "reason": reason}
    if platform == "dialogflow-es":
        [context] = [c for c in body["outputContexts"] if c["name"].endswith(f"/{HANDOVER}")]
        assert context["parameters"] == about
        assert context["lifespanCount"] > 0
        assert {"payload": {"humanHandoff": about}} in body["fulfillmentMessages"]
    elif platform == "dialogflow-cx":
        messages = body["fulfillmentResponse"]["messages"]
        assert {"liveAgentHandoff": {"metadata": about}} in messages
        assert body["sessionInfo"]["parameters"]["handoff_reason"] == reason
    elif platform == "rasa":
        slots = {e["name"]: e["value"] for e in body["events"] if e["event"] == "slot"}
        assert slots["handoff_reason"] == reason


@pytest.mark.parametrize("channel", ["rest", "callback", "socketio", "telegram", "twilio"])
def test_rasa_web_chats_get_the_handoff_payload(channel: str) -> None:
    offered = Reply(
        locale="en_US",
        messages=[TextMessage("There is a problem.")],
        order_ids=["556679"],
        handover=Handover(reason="exception", order_id="556679"),
    )
    body = rasa_adapter.from_reply(offered, channel).model_dump()
    customs = [r["custom"] for r in body["responses"] if r["custom"]]
    expected = {"handoff": True, "reason": "exception", "order_id": "556679"}
    # rest and callback are the shop's own front ends; socket.io emits only `data`; other
    # channels would send a custom payload as JSON text or fail on it: the slot only.
    assert customs == {
        "rest": [expected],
        "callback": [expected],
        "socketio": [{"data": expected}],
    }.get(channel, [])
    assert {
        "event": "slot",
        "timestamp": None,
        "name": "handoff_reason",
        "value": "exception",
    } in body["events"]


def test_handovers_are_counted_by_reason(shared_client: TestClient) -> None:
    ask(shared_client, "seed", "556679")
    metrics = shared_client.get("/metrics", headers=HEADERS).text
    assert 'fulfillment_handovers_total{reason="exception"}' in metrics


def test_a_parcel_in_trouble_among_several(shared_client: TestClient) -> None:
    question = Question(order_id="556677", text="", customer=LENA)
    said = words("seed", shared_client.post(SEED_PATH, json=seed(question), headers=HEADERS).json())
    assert "Would you like me to pass this on" not in " ".join(said)


TODAY = dt.date(2026, 12, 6)
POLICY = TroublePolicy(late_after_days=2, stale_after_days=5)


@pytest.mark.parametrize(
    ("parcel", "why"),
    [
        (Shipment(status=ShipmentStatus.IN_TRANSIT, expected_date=dt.date(2026, 12, 4)), None),
        (Shipment(status=ShipmentStatus.IN_TRANSIT, expected_date=dt.date(2026, 12, 3)), "late"),
        (Shipment(expected_date=dt.date(2026, 12, 1), delivered_date=dt.date(2026, 12, 1)), None),
        (
            Shipment(updated_at=dt.datetime(2026, 11, 30, 23, tzinfo=dt.UTC)),
            "stale",
        ),
        (Shipment(updated_at=dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)), None),
        (Shipment(status=ShipmentStatus.DELIVERY_FAILED), "delivery_failed"),
        (Shipment(status=ShipmentStatus.RETURNED), "returned"),
        (Shipment(status=ShipmentStatus.EXCEPTION, expected_date=dt.date(2026, 1, 1)), "exception"),
    ],
)
def test_what_counts_as_trouble(parcel: Shipment, why: str | None) -> None:
    order = Order("1", OrderStatus.SHIPPED, dt.date(2026, 11, 1), shipments=(parcel,))
    assert trouble(parcel, order, TODAY, POLICY) == why


def test_a_cancelled_order_is_not_late() -> None:
    parcel = Shipment(status=ShipmentStatus.IN_TRANSIT, expected_date=dt.date(2026, 11, 1))
    order = Order("1", OrderStatus.CANCELLED, dt.date(2026, 10, 1), shipments=(parcel,))
    assert trouble(parcel, order, TODAY, POLICY) is None
