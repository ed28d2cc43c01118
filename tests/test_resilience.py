"""Deadlines, the circuit breaker, and a PostgreSQL server that goes away and comes back."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sqlite3
import time
from pathlib import Path

import psycopg
import pytest
from pg import running_postgres
from starlette.testclient import TestClient
from support import API_KEY, build_request

from fulfillment.app import SEED_PATH, create_app
from fulfillment.resilience import Backend, BackendUnavailable, CircuitBreaker
from fulfillment.settings import Settings
from fulfillment.store.demo import demo_orders
from fulfillment.store.postgres import PostgresOrderStore, upgrade

HEADERS = {"Authorization": f"Bearer {API_KEY}"}


def test_breaker_opens_after_the_threshold_and_tries_again_after_the_pause() -> None:
    breaker = CircuitBreaker(threshold=2, reset_seconds=0.05)
    assert breaker.allow()
    breaker.failed()
    assert breaker.allow()
    breaker.failed()
    assert breaker.is_open
    assert not breaker.allow()
    time.sleep(0.06)
    assert breaker.allow()  # half-open: one trial
    assert not breaker.allow()
    breaker.failed()  # the trial failed: open again
    assert not breaker.allow()
    time.sleep(0.06)
    assert breaker.allow()
    breaker.succeeded()
    assert not breaker.is_open
    assert breaker.allow()


def test_backend_call_keeps_the_deadline_and_names_the_failure() -> None:
    kinds: list[str] = []
    backend = Backend(CircuitBreaker(threshold=2, reset_seconds=60), kinds.append)

    async def slow() -> str:
        await asyncio.sleep(10)
        return "late"

    async def broken() -> str:
        raise OSError("connection refused")

    async def scenario() -> float:
        started = time.monotonic()
        with pytest.raises(BackendUnavailable):
            await backend.call(slow(), time.monotonic() + 0.2)
        elapsed = time.monotonic() - started
        with pytest.raises(BackendUnavailable):
            await backend.call(broken(), time.monotonic() + 1)
        with pytest.raises(BackendUnavailable):  # open now: fails without calling
            await backend.call(slow(), time.monotonic() + 1)
        return elapsed

    elapsed = asyncio.run(scenario())
    assert elapsed < 1
    assert kinds == ["timeout", "error", "circuit_open"]


def _text(response: object) -> str:
    body = response.json()  # type: ignore[attr-defined]
    return str(body["response"]["responseMessages"][0]["simpleResponse"]["responseText"])


def test_postgres_stopped_mid_test_and_back(tmp_path: Path) -> None:
    with running_postgres() as server:
        asyncio.run(upgrade(server.url))

        async def load() -> None:
            store = PostgresOrderStore(server.url)
            await store.open()
            await store.save(demo_orders(dt.date.today()))
            await store.close()

        asyncio.run(load())
        settings = Settings(
            data_dir=tmp_path,
            api_keys=[API_KEY],
            database_url=server.url,
            deadline_seconds=1.5,
            breaker_threshold=2,
            breaker_reset_seconds=0.5,
        )
        request = build_request("748596")
        with TestClient(create_app(settings)) as client:
            assert _text(client.post(SEED_PATH, json=request, headers=HEADERS)).startswith(
                "Order 748596 has been shipped"
            )
            assert client.get("/readyz").status_code == 200

            server.stop()
            for _ in range(4):
                started = time.monotonic()
                response = client.post(SEED_PATH, json=request, headers=HEADERS)
                elapsed = time.monotonic() - started
                assert response.status_code == 200
                assert _text(response) == (
                    "Sorry, I can't check order 748596 right now. "
                    "Please try again in a few minutes."
                )
                assert elapsed < settings.deadline_seconds + 0.5
            ready = client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["error"]["code"] == "not_ready"
            metrics = client.get("/metrics", headers=HEADERS).text
            assert (
                'fulfillment_requests_total{outcome="backend_down",platform="seed"} 4.0' in metrics
            )
            assert "fulfillment_circuit_open 1.0" in metrics

            server.start()
            deadline = time.monotonic() + 20
            text = ""
            while time.monotonic() < deadline:
                text = _text(client.post(SEED_PATH, json=request, headers=HEADERS))
                if text.startswith("Order 748596 has been shipped"):
                    break
                time.sleep(0.2)
            assert text.startswith("Order 748596 has been shipped")
            assert client.get("/readyz").status_code == 200


def test_a_database_down_at_start_up_does_not_stop_the_service(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        api_keys=[API_KEY],
        database_url="postgresql://postgres@127.0.0.1:9/none",
        deadline_seconds=1.0,
    )
    with TestClient(create_app(settings)) as client:
        response = client.post(SEED_PATH, json=build_request("748596"), headers=HEADERS)
        assert response.status_code == 200
        assert _text(response).startswith("Sorry, I can't check order 748596 right now.")
        assert client.get("/readyz").status_code == 503
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect("postgresql://postgres@127.0.0.1:9/none", connect_timeout=1)


# --- a bug is a bug, an outage is an outage ------------------------------------------------


def test_a_bug_in_a_store_propagates_and_is_not_counted_as_an_outage() -> None:
    kinds: list[str] = []
    breaker = CircuitBreaker(threshold=1, reset_seconds=60)
    backend = Backend(breaker, kinds.append)

    async def buggy() -> str:
        raise AttributeError("'NoneType' object has no attribute 'number'")

    async def driver_down() -> str:
        raise sqlite3.OperationalError("database is locked")

    async def scenario() -> None:
        for _ in range(3):
            with pytest.raises(AttributeError):
                await backend.call(buggy(), time.monotonic() + 1, failures=(sqlite3.Error,))
        assert not breaker.is_open
        assert kinds == []
        with pytest.raises(BackendUnavailable):
            await backend.call(driver_down(), time.monotonic() + 1, failures=(sqlite3.Error,))
        assert breaker.is_open
        assert kinds == ["error"]

    asyncio.run(scenario())


def test_a_bug_in_the_trial_call_frees_the_trial() -> None:
    breaker = CircuitBreaker(threshold=1, reset_seconds=0.01)
    backend = Backend(breaker, lambda kind: None)

    async def down() -> str:
        raise OSError("connection refused")

    async def buggy() -> str:
        raise KeyError("status")

    async def fine() -> str:
        return "answered"

    async def scenario() -> str:
        with pytest.raises(BackendUnavailable):
            await backend.call(down(), time.monotonic() + 1)
        await asyncio.sleep(0.02)
        with pytest.raises(KeyError):
            await backend.call(buggy(), time.monotonic() + 1)  # the trial
        return await backend.call(fine(), time.monotonic() + 1)  # the next one may try

    assert asyncio.run(scenario()) == "answered"


@pytest.mark.parametrize("platform", ["seed", "rasa"])
def test_a_store_bug_answers_500_with_a_logged_traceback_and_leaves_the_breaker_closed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, platform: str
) -> None:
    settings = Settings(data_dir=tmp_path, api_keys=[API_KEY], breaker_threshold=2)
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        services = app.state.services

        async def buggy(number: str, asker: object) -> None:
            raise AttributeError("secret 748596 of ram123@gmail.com")

        services.store.find_order = buggy
        if platform == "seed":
            path, body = SEED_PATH, build_request("748596")
        else:
            path = "/webhook"
            body = {
                "next_action": "action_order_status",
                "sender_id": "51342",
                "tracker": {
                    "sender_id": "51342",
                    "slots": {"order_id": "748596"},
                    "latest_message": {"text": "order 748596", "metadata": {}},
                },
                "domain": {},
            }
        with caplog.at_level(logging.ERROR, logger="fulfillment"):
            for _ in range(4):
                response = client.post(path, json=body, headers=HEADERS)
                assert response.status_code == 500
                assert response.json()["error"]["code"] == "internal_error"
                assert "748596" not in response.text
                assert "ram123" not in response.text
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 4
        assert all(r.exc_info and r.exc_info[0] is AttributeError for r in errors)
        assert not services.backend.breaker.is_open
        assert services.backend.breaker.failures == 0
        metrics = client.get("/metrics", headers=HEADERS).text
        assert "fulfillment_backend_errors_total{" not in metrics
        assert client.get("/readyz").status_code == 200

        async def locked(number: str, asker: object) -> None:
            raise sqlite3.OperationalError("database is locked")

        services.store.find_order = locked
        response = client.post(SEED_PATH, json=build_request("748596"), headers=HEADERS)
        assert response.status_code == 200
        assert _text(response).startswith("Sorry, I can't check order 748596 right now.")
        assert services.backend.breaker.failures == 1
