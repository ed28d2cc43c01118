"""The same question through all four entry points gives the same words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from platforms import (
    MAYA,
    Question,
    cx,
    cx_texts,
    es,
    es_texts,
    rasa,
    rasa_texts,
    seed,
    seed_texts,
)
from starlette.testclient import TestClient
from support import API_KEY

from fulfillment.webhooks import CX_PATH, ES_PATH, RASA_PATH, SEED_PATH

HEADERS = {"Authorization": f"Bearer {API_KEY}"}
ENTRY_POINTS: dict[
    str, tuple[str, Callable[[Question], dict[str, Any]], Callable[..., list[str]]]
] = {
    "seed": (SEED_PATH, seed, seed_texts),
    "dialogflow-es": (ES_PATH, es, es_texts),
    "dialogflow-cx": (CX_PATH, cx, cx_texts),
    "rasa": (RASA_PATH, rasa, rasa_texts),
}
SCENARIOS = {
    "parameter": Question(order_id="748596", text="where is my order?"),
    "text-only": Question(
        order_id=None, text="hi, where is my order 748596? call me on 555-123-4567"
    ),
    "missing": Question(order_id=None, text="where is my order?"),
    "unknown": Question(order_id="999999", text="order 999999"),
    "someone-elses": Question(order_id="748596", customer=MAYA),
    "two-orders": Question(order_id=None, text="orders 748596 and 748597"),
}


def answer(client: TestClient, platform: str, question: Question) -> tuple[list[str], str]:
    path, build, read = ENTRY_POINTS[platform]
    response = client.post(path, json=build(question), headers=HEADERS)
    assert response.status_code == 200, response.text
    return read(response.json()), response.headers["content-language"]


@pytest.mark.parametrize("language", ["en-US", "de-DE", "hi-IN"])
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
@pytest.mark.parametrize("platform", ["dialogflow-es", "dialogflow-cx", "rasa"])
def test_same_words_as_the_seed_contract(
    shared_client: TestClient, platform: str, scenario: str, language: str
) -> None:
    question = Question(**{**SCENARIOS[scenario].__dict__, "language": language})
    expected = answer(shared_client, "seed", question)
    assert expected[0], "the seed contract answered with words"
    assert answer(shared_client, platform, question) == expected


@pytest.mark.parametrize("response_type", ["text", "card", "media"])
@pytest.mark.parametrize("platform", ["dialogflow-es", "dialogflow-cx", "rasa"])
def test_every_response_type_says_the_same(
    shared_client: TestClient, platform: str, response_type: str
) -> None:
    question = Question(response_type=response_type)
    expected = answer(shared_client, "seed", question)
    assert expected[0], "the seed contract answered with words"
    assert answer(shared_client, platform, question) == expected
