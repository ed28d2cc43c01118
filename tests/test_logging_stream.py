"""One log stream: `fulfillment serve` writes nothing but JSON lines, one access line a request.

The server runs as the README starts it, in its own process; its stdout and stderr go to one
file (`start` in test_server.py), and every line of it is read back after a SIGTERM.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import time
from pathlib import Path
from typing import Any

import httpx2
import pytest
from support import build_request, seed_example, seed_example_text
from test_server import free_port, start, wait_until_up

from fulfillment.app import SEED_PATH

pytestmark = pytest.mark.server

# Not 127.0.0.1: uvicorn names the address it listens on ("Uvicorn running on ..."), and what
# must never appear is the address the requests come from (127.0.0.1, checked below).
HOST = "127.0.0.2"
FORWARDED = "203.0.113.77"  # X-Forwarded-For from a trusted proxy: the client uvicorn believes
PERSONAL = ("Zelda", "Quartermaine", "zelda.quartermaine@example.com", "748596", "where is")


def personal_request() -> dict[str, Any]:
    request = build_request(
        None,
        uid="zelda.quartermaine@example.com",
        channel="WEB",
        username=None,
        text="hi, I am Zelda Quartermaine, where is my order 748596?",
    )
    request["conversationRequest"]["userInfo"]["first_name"] = "Zelda"
    return request


def upgrade_request(port: int, request_id: str) -> tuple[str, int]:
    """A WebSocket handshake on a raw socket: the address it came from, and the status."""
    with socket.create_connection((HOST, port), timeout=5) as sock:
        client = sock.getsockname()[0]
        sock.sendall(
            (
                f"GET /healthz HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: Upgrade\r\n"
                "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                f"X-Request-ID: {request_id}\r\n\r\n"
            ).encode()
        )
        answer = sock.recv(65536).decode("latin-1")
    return client, int(answer.split(" ", 2)[1])


def stop(process: Any) -> None:
    """SIGTERM, as a platform stops a dyno; uvicorn shuts down, then dies of the signal."""
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) in (0, -signal.SIGTERM)


def json_lines(log: Path) -> list[dict[str, Any]]:
    """Every line of the process's output, each of which must be one JSON object."""
    text = log.read_text(encoding="utf-8")
    assert text.endswith("\n")
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        try:
            entry = json.loads(line)
        except ValueError:
            pytest.fail(f"line {number} is not JSON: {line!r}")
        assert isinstance(entry, dict), line
        assert {"time", "level", "logger", "message"} <= entry.keys(), line
        entries.append(entry)
    return entries


def test_every_line_is_json_one_access_line_per_request_no_client_address(
    tmp_path: Path,
) -> None:
    port = free_port()
    process = start(tmp_path, ["serve", "--host", HOST, "--port", str(port)], {})
    base = f"http://{HOST}:{port}"
    try:
        wait_until_up(process, base)
        key = (tmp_path / "data" / "api-key").read_text().strip()
        auth = {"Authorization": f"Bearer {key}"}
        json_type = {"Content-Type": "application/json"}
        calls: list[tuple[str, str, dict[str, Any]]] = [
            ("POST", SEED_PATH, {"json": seed_example(), "headers": auth}),
            ("POST", SEED_PATH, {"json": personal_request(), "headers": auth}),
            (
                "POST",
                SEED_PATH,
                {"json": seed_example(), "headers": {**auth, "X-Forwarded-For": FORWARDED}},
            ),
            ("POST", SEED_PATH, {"json": seed_example()}),
            ("POST", SEED_PATH, {"content": seed_example_text(), "headers": {**auth, **json_type}}),
            ("GET", "/no/such/path", {}),
            ("GET", "/healthz", {}),
            ("GET", "/readyz", {}),
            ("GET", "/health", {}),
        ]
        expected: dict[str, tuple[str, str, int]] = {}
        with httpx2.Client(base_url=base, trust_env=False) as client:
            for number, (method, path, options) in enumerate(calls):
                request_id = f"stream-{number}"
                headers = {**options.pop("headers", {}), "X-Request-ID": request_id}
                response = client.request(method, path, headers=headers, **options)
                assert response.headers["x-request-id"] == request_id
                expected[request_id] = (method, path, response.status_code)
        statuses = sorted(status for _, _, status in expected.values())
        assert statuses == [200, 200, 200, 200, 200, 200, 400, 401, 404]
        client_address, status = upgrade_request(port, "stream-upgrade")
        expected["stream-upgrade"] = ("GET", "/healthz", status)
        assert client_address != HOST, "the test needs the two addresses to differ"
    finally:
        stop(process)

    entries = json_lines(tmp_path / "server.log")
    output = (tmp_path / "server.log").read_text(encoding="utf-8")
    assert client_address not in output
    assert FORWARDED not in output
    # The banner's example request names an order; no other line names one, or the customer.
    for line in output.splitlines():
        if '"try":' not in line:
            for secret in PERSONAL:
                assert secret not in line
    access = [e for e in entries if e["logger"] == "fulfillment.access"]
    for request_id, (method, path, status) in expected.items():
        [line] = [e for e in access if e["request_id"] == request_id]
        assert (line["method"], line["path"], line["status"]) == (method, path, status)
    # The rest: wait_until_up's probes, and nothing from uvicorn's access log.
    probes = [e for e in access if e["request_id"] not in expected]
    assert probes
    assert all((e["path"], e["status"]) == ("/healthz", 200) for e in probes)
    assert not [e for e in entries if e["logger"] == "uvicorn.access"]
    # uvicorn's own lines are in the stream, as JSON, from start-up to shutdown.
    uvicorn_messages = [e["message"] for e in entries if e["logger"].startswith("uvicorn")]
    assert "Application startup complete." in uvicorn_messages
    assert any(m.startswith("Finished server process") for m in uvicorn_messages)
    # So is the start-up banner: the command to try, ready to paste, in one field.
    [banner] = [e for e in entries if "try" in e]
    assert banner["try"].startswith(f"curl -s http://localhost:{port}{SEED_PATH} ")
    assert f"'Authorization: Bearer {key}'" in banner["try"]


def test_workers_from_web_concurrency_write_the_same_stream(tmp_path: Path) -> None:
    """The Procfile's case: `fulfillment serve` with $WEB_CONCURRENCY worker processes."""
    port = free_port()
    env = {"WEB_CONCURRENCY": "2", "FULFILLMENT_API_KEYS": "stream-key-0123456789"}
    process = start(tmp_path, ["serve", "--host", HOST, "--port", str(port)], env)
    base = f"http://{HOST}:{port}"
    try:
        wait_until_up(process, base)
        with httpx2.Client(base_url=base, trust_env=False) as client:
            for number in range(6):
                response = client.post(
                    SEED_PATH,
                    json=seed_example(),
                    headers={"X-API-Key": "stream-key-0123456789", "X-Request-ID": f"w-{number}"},
                )
                assert response.status_code == 200
        client_address, _ = upgrade_request(port, "w-upgrade")
    finally:
        stop(process)

    entries = json_lines(tmp_path / "server.log")
    assert client_address not in (tmp_path / "server.log").read_text(encoding="utf-8")
    started = [e for e in entries if e["message"].startswith("Started server process")]
    assert len(started) == 2
    ids = [e["request_id"] for e in entries if e["logger"] == "fulfillment.access"]
    for request_id in [f"w-{n}" for n in range(6)] + ["w-upgrade"]:
        assert ids.count(request_id) == 1


def test_concurrent_requests_one_whole_line_each_written_while_serving(tmp_path: Path) -> None:
    """Lines of requests answered in the same round of the event loop go out in one write:
    still one whole JSON line each, none lost, and written while the server runs (not kept
    until it stops)."""
    port = free_port()
    key = "stream-key-0123456789"
    process = start(
        tmp_path, ["serve", "--host", HOST, "--port", str(port)], {"FULFILLMENT_API_KEYS": key}
    )
    base = f"http://{HOST}:{port}"
    ids = [f"c-{number}" for number in range(200)]

    async def ask_all() -> None:
        limits = httpx2.Limits(max_connections=32)
        async with httpx2.AsyncClient(base_url=base, trust_env=False, limits=limits) as client:

            async def ask(request_id: str) -> None:
                headers = {"X-API-Key": key, "X-Request-ID": request_id}
                response = await client.post(SEED_PATH, json=seed_example(), headers=headers)
                assert response.status_code == 200

            await asyncio.gather(*(ask(request_id) for request_id in ids))

    log = tmp_path / "server.log"
    try:
        wait_until_up(process, base)
        asyncio.run(ask_all())
        deadline = time.monotonic() + 10
        while not all(f'"request_id":"{i}"' in log.read_text(encoding="utf-8") for i in ids):
            assert time.monotonic() < deadline, "access lines not written while serving"
            time.sleep(0.05)
    finally:
        stop(process)

    written = [e["request_id"] for e in json_lines(log) if e["logger"] == "fulfillment.access"]
    for request_id in ids:
        assert written.count(request_id) == 1
