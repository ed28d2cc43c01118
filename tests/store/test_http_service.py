"""The service on a shop's own order API: every failure still gets a reply inside the deadline."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from support import API_KEY, build_request
from test_http_store import free_port, start_shop, stop_shop, write_config

from fulfillment.app import SEED_PATH, create_app
from fulfillment.settings import Settings

pytestmark = pytest.mark.server
HEADERS = {"Authorization": f"Bearer {API_KEY}"}
DEADLINE = 1.5
SORRY = "Sorry, I can't check order {number} right now. Please try again in a few minutes."


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base, process = start_shop(tmp_path_factory.mktemp("shop-service") / "shop.log")
    try:
        yield base
    finally:
        stop_shop(process)


def service(directory: Path, base: str) -> TestClient:
    settings = Settings(
        data_dir=directory / "data",
        api_keys=[API_KEY],
        order_api_config=write_config(directory, base),
        deadline_seconds=DEADLINE,
        breaker_threshold=100,  # each failure on its own here; the breaker has its own tests
    )
    return TestClient(create_app(settings))


def ask(client: TestClient, number: str) -> tuple[str, float]:
    started = time.monotonic()
    response = client.post(SEED_PATH, json=build_request(number), headers=HEADERS)
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    return response.json()["response"]["responseMessages"][0]["simpleResponse"][
        "responseText"
    ], elapsed


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("SH-1001", "Order SH-1001 has been shipped"),  # the shop's own words, mapped
        ("SH-9876", "I couldn't find order SH-9876."),  # 404 from the shop
        ("SH-2001", "I couldn't find order SH-2001."),  # someone else's
        ("SH-SLOW", SORRY.format(number="SH-SLOW")),  # slower than the shop timeout
        ("SH-BOOM", SORRY.format(number="SH-BOOM")),  # HTTP 500, retried once
        ("SH-GARBLED", SORRY.format(number="SH-GARBLED")),  # malformed JSON
        ("SH-3001", SORRY.format(number="SH-3001")),  # a status word nobody mapped
    ],
)
def test_each_answer_of_the_shop(shop: str, tmp_path: Path, number: str, expected: str) -> None:
    with service(tmp_path, shop) as client:
        text, elapsed = ask(client, number)
    assert text.startswith(expected)
    assert elapsed < DEADLINE + 0.5


def test_connection_refused(tmp_path: Path) -> None:
    with service(tmp_path, f"http://127.0.0.1:{free_port()}") as client:
        text, elapsed = ask(client, "SH-1001")
        assert text == SORRY.format(number="SH-1001")
        assert elapsed < DEADLINE + 0.5
        assert client.get("/readyz").status_code == 503
        assert (
            'fulfillment_backend_errors_total{kind="error"} 1.0'
            in client.get("/metrics", headers=HEADERS).text
        )
