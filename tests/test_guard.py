"""Someone asking about many orders that are not theirs is slowed, then politely refused."""

from __future__ import annotations

import time
from pathlib import Path

from starlette.testclient import TestClient
from support import API_KEY, build_request

from fulfillment.app import SEED_PATH, create_app
from fulfillment.settings import Settings

HEADERS = {"Authorization": f"Bearer {API_KEY}"}
REFUSED = (
    "I can't look up more order numbers for you right now. Please check your order "
    "confirmation e-mail, or try again later."
)


def text(response: object) -> str:
    body = response.json()  # type: ignore[attr-defined]
    return str(body["response"]["responseMessages"][0]["simpleResponse"]["responseText"])


def test_slowed_then_refused(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, api_keys=[API_KEY], lookup_slow_after=2, lookup_refuse_after=4
    )
    maya = {"uid": "90817", "username": "mayal"}
    with TestClient(create_app(settings)) as client:
        timings = []
        for number in ("748596", "100001", "100002", "100003"):
            started = time.monotonic()
            reply = client.post(SEED_PATH, json=build_request(number, **maya), headers=HEADERS)
            timings.append(time.monotonic() - started)
            assert text(reply).startswith(f"I couldn't find order {number}.")
        # The third and fourth unknown numbers waited before they were looked up.
        assert timings[2] >= 0.4
        assert timings[3] >= 0.9
        refused = client.post(SEED_PATH, json=build_request("100004", **maya), headers=HEADERS)
        assert refused.status_code == 200
        assert text(refused) == REFUSED
        # Others are not affected, and the owner still gets her own order.
        ravi = client.post(SEED_PATH, json=build_request("748596"), headers=HEADERS)
        assert text(ravi).startswith("Order 748596 has been shipped")
        assert (
            "fulfillment_lookups_refused_total 1.0" in client.get("/metrics", headers=HEADERS).text
        )


def test_one_number_guessed_under_many_identities_is_refused(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, api_keys=[API_KEY], lookup_slow_after=100, lookup_refuse_after=5
    )
    with TestClient(create_app(settings)) as client:
        said = []
        for n in range(50):
            stranger = {"uid": f"9{n:04d}", "username": f"guesser{n}"}
            reply = client.post(
                SEED_PATH, json=build_request("748596", **stranger), headers=HEADERS
            )
            said.append(text(reply))
        # Each identity guessed once; the number itself was refused after the fifth miss.
        assert all(s.startswith("I couldn't find order 748596.") for s in said[:5])
        assert said[5:] == [REFUSED] * 45
        # The owner still gets the answer.
        ravi = client.post(SEED_PATH, json=build_request("748596"), headers=HEADERS)
        assert text(ravi).startswith("Order 748596 has been shipped")


def test_a_customer_locked_out_for_guessing_still_hears_about_their_own_orders(
    tmp_path: Path,
) -> None:
    settings = Settings(
        data_dir=tmp_path, api_keys=[API_KEY], lookup_slow_after=100, lookup_refuse_after=3
    )
    with TestClient(create_app(settings)) as client:
        for number in ("100001", "100002", "100003", "100004"):
            client.post(SEED_PATH, json=build_request(number), headers=HEADERS)
        assert text(client.post(SEED_PATH, json=build_request("999999"), headers=HEADERS)) == (
            REFUSED
        )
        own = client.post(SEED_PATH, json=build_request("748596"), headers=HEADERS)
        assert text(own).startswith("Order 748596 has been shipped")
