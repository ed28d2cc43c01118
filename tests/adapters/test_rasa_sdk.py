"""rasa-sdk's own action server next to ours: the same calls, the same status codes and shapes.

rasa-sdk's server (`python -m rasa_sdk`, a real process) runs a trivial `action_order_status`:
one `utter_message(text=...)` and a `SlotSet("order_id", ...)`. Each call below goes to it and
to ours (`?token=`, as Rasa's endpoints.yml sends it); the status codes must match, except where
DIFFERENCES says why not, and a 200 from both must have rasa-sdk's shape: the top-level keys,
each event's keys, each response's keys (what `CollectingDispatcher.utter_message` emits) and
the kind of value under each.

rasa-sdk cannot live in the project's venv (bench/peer.py says why), so it is not in the `test`
extra: it runs from a venv of its own that bench/peer.py builds once and keeps in the system's
temp directory, shared with the benchmark (`python -m bench`, which races the two servers). The
first build downloads and installs it (about a minute); afterwards the module takes seconds.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx2
import pytest
from platforms import MAYA, Customer, Question, rasa
from starlette.testclient import TestClient
from support import API_KEY, IN_CI

from bench import peer
from fulfillment.webhooks import RASA_PATH

pytestmark = pytest.mark.server

OUR_URL = f"{RASA_PATH}?token={API_KEY}"

ACTIONS = '''\
"""The twin of this service's action_order_status, written the rasa-sdk way."""

from rasa_sdk import Action
from rasa_sdk.events import SlotSet


class ActionOrderStatus(Action):
    def name(self):
        return "action_order_status"

    def run(self, dispatcher, tracker, domain):
        number = tracker.get_slot("order_id")
        dispatcher.utter_message(text=f"Order {number} has been shipped.")
        return [SlotSet("order_id", number)]
'''


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx2.Client]:
    try:
        peer.venv_python()
    except peer.PeerUnavailable as error:
        if IN_CI:
            pytest.fail(str(error))
        pytest.skip(str(error))
    folder = tmp_path_factory.mktemp("rasa-sdk-actions")
    with (
        peer.action_server(ACTIONS, folder) as base,
        httpx2.Client(base_url=base, timeout=30) as client,
    ):
        yield client


# ---- the calls ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    chunked: bool = False  # aiohttp streams a compressed body (Transfer-Encoding: chunked)

    def content(self) -> bytes | Iterator[bytes]:
        return iter([self.body]) if self.chunked else self.body


JSON = {"Content-Type": "application/json"}
# Twilio's sender id is `From` as received; REST's the JSON `sender`; socket.io's the client's
# session id (nobody the store knows: the not-found reply).
RAM_WHATSAPP = Customer("whatsapp:+14155550123", "TWILIO", "ram123", "Ram")
RAM_REST = Customer("ram123", "REST", "ram123", "Ram")
SOCKET = Customer("5d1c2e3f4a5b6c7d8e9f0a1b2c3d4e5f", "SOCKETIO", "guest", "Guest")


def as_json(body: Any) -> Call:
    return Call(json.dumps(body).encode(), JSON)


def changed(edit: Callable[[dict[str, Any]], Any]) -> Call:
    body = rasa(Question())
    edit(body)
    return as_json(body)


def without_domain(body: dict[str, Any]) -> None:
    # Rasa Pro's first try: no domain, and the digest of a model rasa-sdk has not seen.
    del body["domain"]
    body["domain_digest"] = "a-digest-nobody-sent"


def deflated(body: dict[str, Any]) -> Call:
    # COMPRESS_ACTION_SERVER_REQUEST=true: aiohttp's compress=True, zlib "deflate".
    headers = {**JSON, "Content-Encoding": "deflate"}
    return Call(zlib.compress(json.dumps(body).encode()), headers, chunked=True)


CALLS: dict[str, Callable[[], Call]] = {
    "telegram": lambda: as_json(rasa(Question())),
    "telegram-ask": lambda: as_json(
        rasa(Question(order_id=None, text="where is my order?", response_type="card"))
    ),
    "telegram-foreign": lambda: as_json(rasa(Question(customer=MAYA))),
    "twilio": lambda: as_json(
        rasa(Question("100004", "where is my order 100004?", customer=RAM_WHATSAPP))
    ),
    "rest": lambda: as_json(
        rasa(Question("100004", "where is my order 100004?", customer=RAM_REST))
    ),
    "socketio": lambda: as_json(rasa(Question(customer=SOCKET, response_type="card"))),
    "deflate": lambda: deflated(rasa(Question())),
    "invalid-json": lambda: Call(b'{"next_action": "action_order_status", "tracker": {', JSON),
    "json-array": lambda: as_json([rasa(Question())]),
    "no-next-action": lambda: changed(lambda body: body.pop("next_action")),
    "unknown-action": lambda: changed(lambda body: body.update(next_action="action_weather")),
    "latest-message-null": lambda: changed(
        lambda body: body["tracker"].update(latest_message=None)
    ),
    "domain-missing": lambda: changed(without_domain),
}

# Where ours answers on purpose with another status: (rasa-sdk's, ours). Never a 5xx from us.
DIFFERENCES = {
    # A JSON array: rasa-sdk crashes on it ('list' object has no attribute 'get') with a 500;
    # ours refuses it as a 422 that names the problem.
    "json-array": (500, 422),
    # No next_action: rasa-sdk runs nothing and answers 200 with the body `null` (Rasa 3.6 then
    # fails its own schema check on it). Ours says which field is missing, in a 422.
    "no-next-action": (200, 422),
    # rasa-sdk 3.21.1 runs the action, then its tracing helper (rasa_sdk/tracing/utils.py
    # set_span_attributes: tracker.get("latest_message", {}).get(...)) raises on null: a 500.
    # Ours reads a null latest_message as an empty one, as rasa-sdk's Tracker itself does.
    "latest-message-null": (500, 200),
    # No domain and a digest it has not seen: rasa-sdk asks Rasa (Pro) to resend the call with
    # the domain (449). Ours never reads the domain, so it has nothing to ask for.
    "domain-missing": (449, 200),
}


def send(client: Any, url: str, call: Call) -> Any:
    return client.post(url, content=call.content(), headers=call.headers)


def assert_same_shape(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    assert set(ours) == set(theirs) == {"events", "responses"}
    [their_event] = theirs["events"]
    assert ours["events"], "no SlotSet"
    for event in ours["events"]:
        assert set(event) == set(their_event), event  # event, timestamp, name, value
        assert event["event"] == their_event["event"] == "slot"
        assert event["name"] == their_event["name"] == "order_id"
    [their_response] = theirs["responses"]
    assert ours["responses"], "no message"
    for response in ours["responses"]:
        # text, buttons, elements, custom, template, response, image, attachment
        assert set(response) == set(their_response), response
        for key, their_value in their_response.items():
            if isinstance(their_value, list | dict):
                assert type(response[key]) is type(their_value), (key, response[key])
            else:
                assert response[key] is None or isinstance(response[key], str), (key, response)
        for button in response["buttons"]:
            assert isinstance(button["title"], str)
            assert isinstance(button["payload"], str)


@pytest.mark.parametrize("name", list(CALLS))
def test_same_status_and_shape_as_rasa_sdk(
    action_server: httpx2.Client, shared_client: TestClient, name: str
) -> None:
    call = CALLS[name]()
    theirs = send(action_server, "/webhook", call)
    ours = send(shared_client, OUR_URL, call)

    assert ours.status_code < 500, ours.text[:500]
    expected = DIFFERENCES.get(name, (theirs.status_code, theirs.status_code))
    assert (theirs.status_code, ours.status_code) == expected, (theirs.text[:300], ours.text[:300])
    if ours.status_code == theirs.status_code == 200:
        assert_same_shape(ours.json(), theirs.json())
    elif ours.status_code == theirs.status_code == 404:
        assert ours.json() == theirs.json()  # {"error": "No registered action …", "action_name"}
    elif ours.status_code == 200:
        # Only where rasa-sdk failed on its own: our reply still has the shape of its 200.
        reference = send(action_server, "/webhook", CALLS["telegram"]())
        assert_same_shape(ours.json(), reference.json())
