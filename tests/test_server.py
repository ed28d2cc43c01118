"""The service started the way the README starts it: a real process on a real port."""

from __future__ import annotations

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
        assert httpx2.get(f"{base}/actions").json() == [{"name": "action_order_status"}]
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
