"""The service started the way the README starts it: a real process on a real port."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from support import DATA, seed_example

from fulfillment.app import SEED_PATH
from fulfillment.settings import PROJECT_ROOT
from fulfillment.store.demo import demo_orders
from fulfillment.store.postgres import PostgresOrderStore

pytestmark = pytest.mark.server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_up(process: subprocess.Popen[str], base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}")
        try:
            if httpx2.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx2.TransportError:
            time.sleep(0.1)
    raise AssertionError("server did not come up")


def start(cwd: Path, args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    executable = shutil.which("fulfillment")
    assert executable, "the console script is installed by pip install -e ."
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FULFILLMENT_")}
    clean.pop("PORT", None)
    # Output goes to a file: a pipe nobody reads would block the server once full.
    with (cwd / "server.log").open("w") as log:
        return subprocess.Popen(
            [executable, *args],
            cwd=cwd,
            env={**clean, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen[str]]]:
    port = free_port()
    process = start(tmp_path, ["serve", "--port", str(port)], {})
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(process, base)
        yield base, tmp_path, process
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_seed_request_over_the_socket(server: tuple[str, Path, subprocess.Popen[str]]) -> None:
    base, cwd, _ = server
    key = (cwd / "data" / "api-key").read_text().strip()

    response = httpx2.post(
        base + SEED_PATH, json=seed_example(), headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 200
    assert response.headers["content-language"] == "en-US"
    [message] = response.json()["response"]["responseMessages"]
    assert message["simpleResponse"]["responseText"].startswith("Order 748596 has been shipped")

    refused = httpx2.post(base + SEED_PATH, json=seed_example())
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"

    assert httpx2.get(base + "/readyz").json()["status"] == "ready"
    assert (cwd / "data" / "orders.sqlite3").exists()


def test_start_up_prints_the_key_and_a_curl_command(
    server: tuple[str, Path, subprocess.Popen[str]],
) -> None:
    base, cwd, process = server
    key = (cwd / "data" / "api-key").read_text().strip()
    process.terminate()
    process.wait(timeout=15)
    stderr = (cwd / "server.log").read_text()
    port = base.rsplit(":", 1)[1]
    assert f"curl -s http://localhost:{port}{SEED_PATH}" in stderr
    assert f"Authorization: Bearer {key}" in stderr


def test_port_comes_from_the_environment(tmp_path: Path) -> None:
    port = free_port()
    process = start(tmp_path, ["serve"], {"PORT": str(port), "FULFILLMENT_API_KEYS": "env-key-1"})
    try:
        wait_until_up(process, f"http://127.0.0.1:{port}")
        response = httpx2.post(
            f"http://127.0.0.1:{port}{SEED_PATH}",
            json=seed_example(),
            headers={"X-API-Key": "env-key-1"},
        )
        assert response.status_code == 200
        assert not (tmp_path / "data" / "api-key").exists()
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_a_broken_intent_file_stops_the_server_with_a_plain_message(tmp_path: Path) -> None:
    intents = tmp_path / "intents"
    intents.mkdir()
    source = (PROJECT_ROOT / "intents" / "order-status.yaml").read_text(encoding="utf-8")
    (intents / "order-status.yaml").write_text(
        source.replace(r"pattern: '#\d{4,8}'", r"pattern: '#[0-9'"), encoding="utf-8"
    )
    process = start(
        tmp_path, ["serve", "--port", str(free_port())], {"FULFILLMENT_INTENTS_DIR": str(intents)}
    )
    assert process.wait(timeout=60) == 1
    output = (tmp_path / "server.log").read_text()
    assert "order-status.yaml: extraction.formats.1.pattern" in output
    assert "Traceback" not in output


def test_rasa_calls_a_running_server_as_its_action_endpoint(tmp_path: Path) -> None:
    """What rasa sends to `action_endpoint: {url: http://host:5055/webhook, token: ...}`."""
    port = free_port()
    process = start(
        tmp_path, ["serve", "--port", str(port)], {"FULFILLMENT_API_KEYS": "rasa-key-1"}
    )
    base = f"http://127.0.0.1:{port}"
    call = json.loads((DATA / "platforms" / "rasa.json").read_text(encoding="utf-8"))
    try:
        wait_until_up(process, base)
        assert httpx2.get(f"{base}/health").json() == {"status": "ok"}
        assert httpx2.get(f"{base}/actions?token=rasa-key-1").json() == [
            {"name": "action_order_status"}
        ]
        response = httpx2.post(f"{base}/webhook?token=rasa-key-1", json=call)
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"events", "responses"}
        assert body["events"] == [
            {"event": "slot", "timestamp": None, "name": "order_id", "value": "748596"}
        ]
        assert body["responses"][0]["text"].startswith("Order 748596 has been shipped")
        unknown = httpx2.post(
            f"{base}/webhook?token=rasa-key-1", json={**call, "next_action": "action_nope"}
        )
        assert unknown.status_code == 404
        assert unknown.json()["action_name"] == "action_nope"
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_two_instances_on_one_postgres_behave_as_one(tmp_path: Path, postgres_url: str) -> None:
    async def load() -> None:
        store = PostgresOrderStore(postgres_url)
        await store.open()
        await store.save(demo_orders(dt.date.today()))
        await store.close()

    asyncio.run(load())
    env = {
        "FULFILLMENT_DATABASE_URL": postgres_url,
        "FULFILLMENT_API_KEYS": "two-instances-key",
        "FULFILLMENT_LOOKUP_SLOW_AFTER": "100",
        "FULFILLMENT_LOOKUP_REFUSE_AFTER": "3",
    }
    instances = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        port = free_port()
        instances.append((start(tmp_path / name, ["serve", "--port", str(port)], env), port))
    headers = {"X-API-Key": "two-instances-key"}
    try:
        bases = [f"http://127.0.0.1:{port}" for _, port in instances]
        for (process, _), base in zip(instances, bases, strict=True):
            wait_until_up(process, base)
            reply = httpx2.post(base + SEED_PATH, json=seed_example(), headers=headers)
            assert reply.json()["response"]["responseMessages"][0]["simpleResponse"][
                "responseText"
            ].startswith("Order 748596 has been shipped")

        def ask(base: str, number: str) -> str:
            request = {**seed_example()}
            request["conversationRequest"] = {
                "channel": "TELEGRAM",
                "userInfo": {"uid": "90817", "username": "mayal"},
            }
            request["queryInfo"] = {
                "interestType": "order-status",
                "parameters": {"params": {"entityInfo": {"orderId": number}}},
            }
            body = httpx2.post(base + SEED_PATH, json=request, headers=headers).json()
            return str(body["response"]["responseMessages"][0]["simpleResponse"]["responseText"])

        # Three misses spread over both instances, then either one refuses.
        for base, number in zip(
            [bases[0], bases[1], bases[0]], ["111111", "222222", "333333"], strict=True
        ):
            assert ask(base, number).startswith(f"I couldn't find order {number}.")
        assert ask(bases[1], "444444").startswith("I can't look up more order numbers")
        assert ask(bases[0], "555555").startswith("I can't look up more order numbers")
    finally:
        for process, _ in instances:
            process.terminate()
            process.wait(timeout=15)
