"""Guests prove an order with a second factor; identified customers may name an order by its
last digits (issue 16). Through HTTP into the app, with signed identities enforced as a shop
runs; the two-turn flows on each platform's own memory are the conversations in intents/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from platforms import RAVI, Customer, Question, cx, cx_texts, es, es_texts, rasa, rasa_texts, seed
from starlette.testclient import TestClient
from support import API_KEY, IDENTITY_SECRET, user_hash

from fulfillment.app import create_app
from fulfillment.settings import Settings
from fulfillment.webhooks import CX_PATH, ES_PATH, RASA_PATH, SEED_PATH

HEADERS = {"X-API-Key": API_KEY}
RAM_ORDER, RAM_EMAIL = "100002", "ram123@gmail.com"
RAVI_ORDER = "748596"
VISITOR = Customer("visitor-42", "WEB", "visitor", "Sam")


def make_client(tmp_path: Path, **settings: Any) -> TestClient:
    defaults: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "api_keys": [API_KEY],
        "identity_secrets": [IDENTITY_SECRET],
        "signed_identities": True,
        "lookup_slow_after": 10_000,
        "lookup_refuse_after": 10_000,
    }
    return TestClient(create_app(Settings(**{**defaults, **settings})))


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with make_client(tmp_path_factory.mktemp("guests")) as test_client:
        yield test_client


def guest_seed(order_id: str | None, text: str | None, **entity: str) -> dict[str, Any]:
    body = seed(Question(order_id=order_id, text=text, customer=VISITOR))
    body["conversationRequest"]["userInfo"].pop("userHash", None)  # nobody signed it
    if entity:
        params = body["queryInfo"].setdefault("parameters", {"params": {"entityInfo": {}}})
        params["params"]["entityInfo"].update(entity)
    return body


def seed_text(client: TestClient, body: dict[str, Any]) -> str:
    response = client.post(SEED_PATH, json=body, headers=HEADERS)
    assert response.status_code == 200, response.text
    messages = response.json()["response"]["responseMessages"]
    return " ".join(m["simpleResponse"]["responseText"] for m in messages if "simpleResponse" in m)


def test_a_guest_is_asked_for_the_e_mail_address_and_told_nothing(client: TestClient) -> None:
    text = seed_text(client, guest_seed(RAM_ORDER, None))
    assert text == (
        "To keep your orders private, please tell me the e-mail address you used for order "
        f"{RAM_ORDER}."
    )


@pytest.mark.parametrize(
    "entity",
    [{"email": RAM_EMAIL}, {"email": " Ram123@GMAIL.com "}],
    ids=["as-given", "case-and-spaces"],
)
def test_the_matching_pair_in_one_seed_request_answers(
    client: TestClient, entity: dict[str, str]
) -> None:
    text = seed_text(client, guest_seed(RAM_ORDER, None, **entity))
    assert text.startswith(f"Order {RAM_ORDER} is being prepared")
    assert "Running shoes" in text


def test_the_e_mail_address_in_the_text_counts_too(client: TestClient) -> None:
    text = seed_text(client, guest_seed(None, f"order {RAM_ORDER}, e-mail {RAM_EMAIL}"))
    assert "Running shoes" in text


def test_a_wrong_pair_reads_exactly_as_an_unknown_or_foreign_order(client: TestClient) -> None:
    def reply(number: str, email: str) -> str:
        return seed_text(client, guest_seed(number, None, email=email)).replace(number, "N")

    wrong_email = reply(RAM_ORDER, "someone@example.com")
    unknown_order = reply("999999", RAM_EMAIL)
    foreign_order = reply(RAVI_ORDER, RAM_EMAIL)  # Ravi's order, Ram's address
    assert wrong_email == unknown_order == foreign_order
    assert wrong_email.startswith("I couldn't find order N.")


def test_a_guest_never_sees_anyone_s_open_orders(client: TestClient) -> None:
    text = seed_text(client, guest_seed(None, f"where are my orders? I'm {RAM_EMAIL}"))
    assert "Which order should I check?" in text
    assert RAM_ORDER not in text


def test_last_digits_are_never_for_guests(client: TestClient) -> None:
    text = seed_text(client, guest_seed(None, "the one ending in 0002"))
    assert "Which order should I check?" in text
    assert RAM_ORDER not in text


@pytest.mark.parametrize(
    ("factor", "entity", "wrong"),
    [
        ("postcode", {"postcode": "94 107"}, {"postcode": "94105"}),  # 94105: another order's
        ("phone_last4", {"phoneLast4": "0123"}, {"phoneLast4": "0124"}),
    ],
)
def test_the_shop_chooses_the_factor(
    tmp_path: Path, factor: str, entity: dict[str, str], wrong: dict[str, str]
) -> None:
    with make_client(tmp_path, guest_factor=factor) as shop:
        asked = seed_text(shop, guest_seed(RAM_ORDER, None, email=RAM_EMAIL))
        words = {"postcode": "postcode of the delivery address", "phone_last4": "last 4 digits"}
        assert words[factor] in asked  # an e-mail address is not what this shop asks for
        assert "Running shoes" in seed_text(shop, guest_seed(RAM_ORDER, None, **entity))
        assert seed_text(shop, guest_seed(RAM_ORDER, None, **wrong)).startswith(
            f"I couldn't find order {RAM_ORDER}."
        )


def test_a_postcode_of_six_digits_is_not_taken_for_an_order_number(tmp_path: Path) -> None:
    with make_client(tmp_path, guest_factor="postcode") as shop:
        text = seed_text(shop, guest_seed(None, f"order {RAVI_ORDER}, pin code 560034"))
        assert "Blue Dart" in text


# -- Two turns on each platform's own memory ---------------------------------------------


def _es_guest(text: str, contexts: list[dict[str, Any]]) -> dict[str, Any]:
    body = es(Question(order_id=None, text=text))
    original = body["originalDetectIntentRequest"]
    original.pop("source", None)
    original["payload"] = {}  # a custom front end that knows nobody
    body["queryResult"]["outputContexts"] = contexts
    return body


def test_dialogflow_es_keeps_the_order_in_its_context(client: TestClient) -> None:
    first = client.post(ES_PATH, json=_es_guest(f"where is {RAM_ORDER}?", []), headers=HEADERS)
    assert "e-mail address" in " ".join(es_texts(first.json()))
    contexts = first.json()["outputContexts"]
    waiting = next(c for c in contexts if c["name"].endswith("/awaiting_order_number"))
    assert waiting["parameters"]["verifyingOrderId"] == RAM_ORDER
    second = client.post(ES_PATH, json=_es_guest(RAM_EMAIL, contexts), headers=HEADERS)
    said = " ".join(es_texts(second.json()))
    assert "Running shoes" in said
    # Answered: the context is forgotten.
    assert any(c["lifespanCount"] == 0 for c in second.json()["outputContexts"])


def test_dialogflow_cx_keeps_the_order_in_a_session_parameter(client: TestClient) -> None:
    body = cx(Question(order_id=None, text=f"where is {RAM_ORDER}?"))
    body.pop("payload", None)
    first = client.post(CX_PATH, json=body, headers=HEADERS).json()
    assert first["sessionInfo"]["parameters"]["verifyingOrderId"] == RAM_ORDER
    body["text"] = "wrong@example.com"
    body["sessionInfo"]["parameters"].update(first["sessionInfo"]["parameters"])
    body["sessionInfo"]["parameters"]["email"] = "wrong@example.com"  # @sys.email filled it
    second = client.post(CX_PATH, json=body, headers=HEADERS).json()
    assert " ".join(cx_texts(second)).startswith(f"I couldn't find order {RAM_ORDER}.")
    # The wrong address and the pending order are forgotten, so neither is tried again.
    assert second["sessionInfo"]["parameters"]["email"] is None
    assert second["sessionInfo"]["parameters"]["verifyingOrderId"] is None


def test_rasa_keeps_the_order_in_a_slot(client: TestClient) -> None:
    body = rasa(Question(order_id=None, text=f"where is {RAM_ORDER}?", customer=VISITOR))
    body["tracker"]["latest_input_channel"] = "rest"
    body["tracker"]["latest_message"]["metadata"].pop("userHash", None)
    first = client.post(RASA_PATH, json=body, headers=HEADERS).json()
    slots = {e["name"]: e["value"] for e in first["events"] if e["event"] == "slot"}
    assert slots["verifying_order_id"] == RAM_ORDER
    body["tracker"]["slots"].update(slots)
    body["tracker"]["latest_message"]["text"] = f"my e-mail is {RAM_EMAIL}"
    second = client.post(RASA_PATH, json=body, headers=HEADERS).json()
    assert "Running shoes" in " ".join(rasa_texts(second))
    slots = {e["name"]: e["value"] for e in second["events"] if e["event"] == "slot"}
    assert slots["verifying_order_id"] is None


# -- The guard ----------------------------------------------------------------------------


def test_fifty_guests_guessing_one_order_are_refused_and_the_owner_still_answered(
    tmp_path: Path,
) -> None:
    with make_client(tmp_path, lookup_slow_after=100, lookup_refuse_after=5) as shop:
        said = []
        for n in range(50):
            visitor = Customer(f"visitor-{n}", "WEB", f"v{n}", "V")
            body = seed(Question(order_id=RAM_ORDER, text=None, customer=visitor))
            body["conversationRequest"]["userInfo"].pop("userHash", None)
            body["queryInfo"]["parameters"]["params"]["entityInfo"]["email"] = f"x{n}@example.com"
            said.append(seed_text(shop, body))
        assert all(s.startswith(f"I couldn't find order {RAM_ORDER}.") for s in said[:5])
        assert all(s.startswith("I can't look up more order numbers") for s in said[5:])
        # Even the right address is refused now for a guest: a guesser learns nothing.
        assert seed_text(shop, guest_seed(RAM_ORDER, None, email=RAM_EMAIL)).startswith(
            "I can't look up more order numbers"
        )
        # Ram, signed in on the shop's website, still hears about his order.
        ram = Customer("ram123", "WEB", "ram123", "Ram")
        body = seed(Question(order_id=RAM_ORDER, text=None, customer=ram))
        body["conversationRequest"]["userInfo"]["userHash"] = user_hash("ram123")
        assert "Running shoes" in seed_text(shop, body)


# -- Last digits --------------------------------------------------------------------------


def ravi_says(client: TestClient, text: str) -> dict[str, Any]:
    body = seed(Question(order_id=None, text=text, customer=RAVI, response_type="card"))
    response = client.post(SEED_PATH, json=body, headers=HEADERS)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def texts_of(body: dict[str, Any]) -> str:
    messages = body["response"]["responseMessages"]
    return " ".join(m["simpleResponse"]["responseText"] for m in messages if "simpleResponse" in m)


@pytest.mark.parametrize(
    "text",
    [
        "what about the one ending in 8597?",
        "die Bestellung, die endet auf 8597",
        "el pedido que termina en 85 97",
        "la commande qui se termine par 8597",
        "o pedido que termina em 8597",
        "आखिरी अंक 8597 वाला ऑर्डर",
    ],
)
def test_one_order_ending_so_answers(client: TestClient, text: str) -> None:
    assert "748597" in texts_of(ravi_says(client, text))


def test_no_order_ending_so_says_so(client: TestClient) -> None:
    said = texts_of(ravi_says(client, "the one ending in 0002"))  # Ram's, not Ravi's
    assert said == (
        "I couldn't find an order of yours ending in 0002. Please check the digits, or send me "
        "the whole order number."
    )


def test_several_orders_ending_so_are_listed_with_chips(client: TestClient) -> None:
    body = ravi_says(client, "order ending in 8596")  # 748596 and the older 728596
    said = texts_of(body)
    lines = said.split("\n")
    assert lines[0] == "Several of your orders end in 8596. Which one do you mean?"
    assert lines[1].startswith("748596 from ")  # the latest first, one per line
    assert lines[2].startswith("728596 from ")
    assert lines[2].endswith("(Brass diya set)")
    chips = [m for m in body["response"]["responseMessages"] if "suggestions" in m]
    assert [c["title"] for c in chips[0]["suggestions"]] == ["748596", "728596"]


def test_fewer_than_four_digits_are_not_last_digits(client: TestClient) -> None:
    said = texts_of(ravi_says(client, "the one ending in 596"))
    assert "ending in" not in said
