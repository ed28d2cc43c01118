"""The access log says what happened and nothing personal; /metrics counts it."""

from __future__ import annotations

import io
import json
import logging
import sys
from pathlib import Path

import pytest
from platforms import Question, es
from starlette.testclient import TestClient
from support import API_KEY, build_request

from fulfillment.app import SEED_PATH, create_app
from fulfillment.observability import JsonFormatter, JsonLineHandler
from fulfillment.settings import Settings
from fulfillment.webhooks import ES_PATH

HEADERS = {"Authorization": f"Bearer {API_KEY}"}


def personal_request() -> dict[str, object]:
    request = build_request(
        None,
        uid="zelda.quartermaine@example.com",
        channel=None,
        text=(
            "hi, I am Zelda Quartermaine, where is my order 748596? "
            "mail zelda.quartermaine@example.com"
        ),
    )
    request["conversationRequest"]["userInfo"]["first_name"] = "Zelda"  # type: ignore[index]
    request["conversationRequest"]["userInfo"]["last_name"] = "Quartermaine"  # type: ignore[index]
    return request


def access_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    formatter = JsonFormatter()
    return [formatter.format(r) for r in caplog.records if r.name == "fulfillment.access"]


def test_one_line_per_request_with_no_personal_data(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="fulfillment.access")
    response = client.post(SEED_PATH, json=personal_request(), headers=HEADERS)
    assert response.status_code == 200
    [line] = access_lines(caplog)
    for secret in ("Zelda", "Quartermaine", "zelda", "748596", "example.com", "where is"):
        assert secret not in line
    entry = json.loads(line)
    assert entry["platform"] == "seed"
    assert entry["interest_type"] == "order-status"
    assert entry["locale"] == "en_US"
    assert entry["outcome"] == "not_found"
    assert entry["status"] == 200
    assert entry["latency_ms"] >= 0
    assert entry["request_id"] == response.headers["x-request-id"]


def test_request_id_is_taken_or_made(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="fulfillment.access")
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces \x7f"})
    assert made.headers["x-request-id"] != "bad id with spaces \x7f"
    assert len(made.headers["x-request-id"]) == 32
    ids = [json.loads(line)["request_id"] for line in access_lines(caplog)]
    assert ids == ["abc-123", made.headers["x-request-id"]]


def test_order_numbers_only_when_a_setting_allows(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="fulfillment.access")
    settings = Settings(data_dir=tmp_path, api_keys=[API_KEY], log_order_numbers=True)
    with TestClient(create_app(settings)) as client:
        client.post(SEED_PATH, json=build_request("748596"), headers=HEADERS)
    [line] = access_lines(caplog)
    assert json.loads(line)["order_ids"] == ["748596"]


def test_metrics_count_what_just_happened(client: TestClient) -> None:
    client.post(SEED_PATH, json=build_request("748596"), headers=HEADERS)
    client.post(SEED_PATH, json=build_request("748596"), headers=HEADERS)
    client.post(SEED_PATH, json=build_request("999999"), headers=HEADERS)
    client.post(SEED_PATH, json={"bad": True}, headers=HEADERS)
    client.post(
        ES_PATH,
        json=es(Question(order_id=None, text="orders 748596 and 748597")),
        headers=HEADERS,
    )
    text = client.get("/metrics", headers=HEADERS).text
    assert 'fulfillment_requests_total{outcome="answered",platform="seed"} 2.0' in text
    assert 'fulfillment_requests_total{outcome="not_found",platform="seed"} 1.0' in text
    assert 'fulfillment_requests_total{outcome="client_error",platform="seed"} 1.0' in text
    assert 'fulfillment_requests_total{outcome="answered",platform="dialogflow-es"} 1.0' in text
    assert 'fulfillment_extractions_total{outcome="several"} 1.0' in text
    assert 'fulfillment_request_seconds_count{platform="seed"} 4.0' in text
    assert "fulfillment_circuit_open 0.0" in text
    assert "fulfillment_backend_errors_total" in text


def test_an_error_is_logged_with_its_traceback_in_one_line_without_its_message() -> None:
    email, order, name = "zelda.quartermaine@example.com", "748596", "Zelda Quartermaine"

    def find(customer: str) -> None:
        raise KeyError(customer)

    stream = io.StringIO()
    logger = logging.getLogger("fulfillment.test_traceback")
    logger.addHandler(JsonLineHandler(stream))
    logger.propagate = False
    try:
        try:
            find(email)
        except KeyError as exc:
            raise ValueError(f"no order {order} for {name}") from exc
    except ValueError:
        logger.exception("lookup failed")
    finally:
        logger.handlers.clear()
        logger.propagate = True
    [line] = stream.getvalue().splitlines()
    entry = json.loads(line)
    assert (entry["level"], entry["message"], entry["error"]) == (
        "error",
        "lookup failed",
        "ValueError",
    )
    trace = entry["traceback"]
    # Python's own layout, the cause first: every frame, with its source line, and each type.
    assert trace.startswith("Traceback (most recent call last):\n")
    assert ", in find\n    raise KeyError(customer)\n" in trace
    assert (
        "\nKeyError\n\nThe above exception was the direct cause of the following exception:\n"
        in trace
    )
    assert 'raise ValueError(f"no order {order} for {name}") from exc' in trace
    assert trace.endswith("\nValueError")
    # What the exceptions said is not there.
    for secret in ("Zelda", "zelda", "example.com", order):
        assert secret not in line


def test_a_traceback_follows_the_context_and_stays_one_line() -> None:
    key = "zelda.quartermaine@example.com"
    try:
        try:
            {}[key]
        except KeyError:
            1 / 0  # noqa: B018
    except ZeroDivisionError:
        record = logging.LogRecord(
            "fulfillment", logging.ERROR, __file__, 1, "m", None, sys.exc_info()
        )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert key not in line
    trace = json.loads(line)["traceback"]
    assert (
        "\nKeyError\n\nDuring handling of the above exception, another exception occurred:\n"
        in trace
    )
    assert trace.endswith("\nZeroDivisionError")


def test_access_lines_wait_for_the_end_of_the_loops_round_and_never_for_a_stopped_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import asyncio

    from fulfillment import observability

    stream = io.StringIO()
    access = logging.getLogger("fulfillment.access")
    monkeypatch.setattr(access, "handlers", [JsonLineHandler(stream)])
    monkeypatch.setattr(access, "propagate", False)
    monkeypatch.setattr(access, "filters", [])

    # A loop that stops in the round that wrote a line, so its write never comes.
    stopped = asyncio.new_event_loop()
    stopped.call_soon(observability._write, '{"n":1}')
    stopped.call_soon(stopped.stop)
    stopped.run_forever()
    stopped.close()
    assert stream.getvalue() == ""

    # The next loop's round writes it, with its own, in one write.
    async def two_lines() -> None:
        observability._write('{"n":2}')
        observability._write('{"n":3}')
        assert stream.getvalue() == ""  # not yet: at the end of the round

    asyncio.run(two_lines())
    assert stream.getvalue() == '{"n":1}\n{"n":2}\n{"n":3}\n'

    observability._write('{"n":4}')  # no event loop: at once
    assert stream.getvalue().endswith('{"n":3}\n{"n":4}\n')
