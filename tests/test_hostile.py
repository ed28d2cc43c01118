"""A hostile-input corpus, sent over a real socket to the service started as the README starts it.

Each input gets a clean 4xx with the JSON error envelope (or a normal reply where the input is
legitimately odd), within the deadline, and the server answers the next good request.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from support import build_request
from test_server import free_port, start, wait_until_up

from fulfillment.app import SEED_PATH

pytestmark = pytest.mark.server

KEY = "hostile-key-0123456789"
DEADLINE = 3.5  # the service's default deadline_seconds
AUTH = f"Authorization: Bearer {KEY}\r\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    cwd = tmp_path_factory.mktemp("hostile")
    port = free_port()
    # Unknown order numbers are the point here: the enumeration guard is tested elsewhere.
    env = {
        "FULFILLMENT_API_KEYS": KEY,
        "FULFILLMENT_LOOKUP_SLOW_AFTER": "100000",
        "FULFILLMENT_LOOKUP_REFUSE_AFTER": "100000",
    }
    process = start(cwd, ["serve", "--port", str(port)], env)
    try:
        wait_until_up(process, f"http://127.0.0.1:{port}")
        yield "127.0.0.1", port
    finally:
        process.terminate()
        process.wait(timeout=15)
        assert process.returncode is not None


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)


def exchange(
    address: tuple[str, int], data: bytes, pause: float = 0.0, tail: bytes = b""
) -> Answer:
    """Send raw bytes (and, after `pause` seconds, `tail`), read one HTTP response."""
    started = time.monotonic()
    with socket.create_connection(address, timeout=DEADLINE + 5) as sock:
        try:
            sock.sendall(data)
            if pause:
                time.sleep(pause)
                sock.sendall(tail)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before a huge body is all sent
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            assert chunk, f"connection closed without a response: {received[:200]!r}"
            received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    return Answer(int(lines[0].split()[1]), headers, body, time.monotonic() - started)


def post(
    body: bytes,
    content_type: str | None = "application/json",
    extra: str = "",
    length: int | None = None,
    path: str = SEED_PATH,
    method: str = "POST",
) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: test\r\n{AUTH}{extra}"
    if content_type is not None:
        head += f"Content-Type: {content_type}\r\n"
    head += f"Content-Length: {len(body) if length is None else length}\r\n\r\n"
    return head.encode("latin-1") + body


def seed(**changes: Any) -> dict[str, Any]:
    return {**build_request("748596"), **changes}


def with_order(number: Any) -> bytes:
    request = build_request("748596")
    request["queryInfo"]["parameters"]["params"]["entityInfo"]["orderId"] = number
    return json.dumps(request).encode()


def with_name(name: str) -> bytes:
    request = build_request("748596")
    request["conversationRequest"]["userInfo"]["first_name"] = name
    request["conversationRequest"]["userInfo"]["username"] = name[:60]
    return json.dumps(request).encode()


INJECTIONS = [
    "' OR '1'='1",
    "748596' --",
    "1; DROP TABLE orders; --",
    '" OR ""="',
    "748596 UNION SELECT number FROM orders",
    '{"$gt": ""}',
    '{"$ne": null}',
    "'; return true; var x='",
    "${jndi:ldap://x}",
    "<script>alert(1)</script>",
]

# name -> (raw request, expected statuses)
Case = tuple[Callable[[], bytes], set[int]]
CASES: dict[str, Case] = {
    "invalid UTF-8": (lambda: post(b'{"languageCode": "\xff\xfe\xc3("}'), {400}),
    "JSON nested 100,000 deep": (lambda: post(b"[" * 100_000 + b"]" * 100_000), {400, 413}),
    "JSON nested 30,000 deep (under the size limit)": (
        lambda: post(b'{"a":' * 10_000 + b"1" + b"}" * 10_000),
        {400, 422},
    ),
    "10 MB body": (lambda: post(b'{"x": "' + b"a" * 10_000_000 + b'"}'), {413}),
    "10 MB declared, 10 bytes sent": (lambda: post(b"{}", length=10_000_000), {413}),
    "NaN": (lambda: post(b'{"languageCode": NaN}'), {400, 422}),
    "Infinity": (lambda: post(b'{"queryInfo": {"interestType": Infinity}}'), {400, 422}),
    "a number with 10,000 digits": (lambda: post(with_order_raw("1" * 10_000)), {400, 422}),
    "a number with 10,000 digits as languageCode": (
        lambda: post(json.dumps(seed()).encode().replace(b'"en-US"', b"9" * 10_000)),
        {400, 422},
    ),
    "null bytes in strings": (lambda: post(with_name("Ra\x00vi")), {200, 422}),
    "a null byte in the body": (lambda: post(b'{"a": 1}\x00'), {400}),
    "duplicate keys": (
        lambda: post(b'{"languageCode": "de", "languageCode": "en", ' + seed_tail()),
        {200},
    ),
    "wrong content type": (lambda: post(json.dumps(seed()).encode(), "text/plain"), {415}),
    "form content type": (
        lambda: post(b"a=1&b=2", "application/x-www-form-urlencoded"),
        {415},
    ),
    "no content type": (lambda: post(json.dumps(seed()).encode(), None), {200}),
    "empty body": (lambda: post(b""), {400}),
    "JSON that is not an object": (lambda: post(b'["748596"]'), {422}),
    "GET on the webhook": (lambda: post(b"", method="GET"), {405}),
    "DELETE on the webhook": (lambda: post(b"", method="DELETE"), {405}),
    "PUT on the webhook": (lambda: post(b"{}", method="PUT"), {405}),
    "an unknown path": (lambda: post(b"{}", path="/../../etc/passwd"), {404}),
    "a traversal path": (lambda: post(b"{}", path="/api/rest/v1/%2e%2e/%2e%2e/etc/passwd"), {404}),
    "a 200 kB header": (lambda: post(b"{}", extra=f"X-Big: {'a' * 200_000}\r\n"), {431}),
    "5,000 headers": (
        lambda: post(b"{}", extra="".join(f"X-{i}: a\r\n" for i in range(5000))),
        {431},
    ),
    "a header that is not latin-1 text": (
        lambda: post(json.dumps(seed()).encode(), extra="X-Name: ").replace(
            b"X-Name: ", b"X-Name: \xc3\xa9\xff\r\n", 1
        ),
        {200},
    ),
}


def with_order_raw(digits: str) -> bytes:
    """An orderId that is a bare JSON number with this many digits."""
    return json.dumps(build_request("748596")).encode().replace(b'"748596"', digits.encode())


def seed_tail() -> bytes:
    """The seed request's members after its opening brace, to follow a duplicated key."""
    return json.dumps({k: v for k, v in seed().items() if k != "languageCode"}).encode()[1:]


for text in INJECTIONS:
    CASES[f"injection as order number: {text}"] = (lambda t=text: post(with_order(t)), {200, 422})
    CASES[f"injection as name: {text}"] = (lambda t=text: post(with_name(t)), {200, 422})
for code in [
    "../../../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "en\x00de",
    "de\r\nX-Injected: 1",
    "\x1b[31mred",
    "%2e%2e%2f",
    "x" * 5000,
    "",
    "zz-ZZ-u-ca-buddhist-x-" + "a" * 8,
    "\u202ear",
]:
    CASES[f"languageCode {code[:30]!r}"] = (
        lambda c=code: post(json.dumps(seed(languageCode=c)).encode()),
        {200, 422},
    )
for digits in ["٧٤٨٥٩٦", "۷۴۸۵۹۶", "७४८५९६", "７４８５９６", "𝟩𝟦𝟪𝟧𝟫𝟨"]:
    CASES[f"look-alike digits {digits}"] = (lambda d=digits: post(with_order(d)), {200, 422})


def good(address: tuple[str, int]) -> None:
    answer = exchange(address, post(json.dumps(seed()).encode()))
    assert answer.status == 200
    assert "748596" in answer.body.decode()


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_input(server: tuple[str, int], name: str) -> None:
    build, expected = CASES[name]
    answer = exchange(server, build())
    assert answer.status in expected, (answer.status, answer.body[:300])
    assert answer.seconds < DEADLINE + 1
    assert answer.headers.get("content-type", "").startswith("application/json")
    body = answer.json()
    if answer.status >= 400:
        assert set(body) == {"error"}
        assert body["error"]["code"]
        assert body["error"]["message"]
    good(server)


def test_a_body_that_never_finishes_arriving(server: tuple[str, int]) -> None:
    """Declared 1,000 bytes, sends 5 and stops: refused once the deadline passes."""
    answer = exchange(server, post(b'{"a":', length=1000))
    assert answer.status == 408
    assert answer.json()["error"]["code"] == "request_timeout"
    assert DEADLINE - 0.5 < answer.seconds < DEADLINE + 1.5
    good(server)


def test_a_body_that_arrives_slowly_but_in_time(server: tuple[str, int]) -> None:
    body = json.dumps(seed()).encode()
    answer = exchange(server, post(body)[: -len(body) + 10], pause=0.5, tail=body[10:])
    assert answer.status == 200


def test_many_slow_clients_do_not_stop_good_ones(server: tuple[str, int]) -> None:
    """Twenty connections holding half a request each; good requests still answered."""
    held = []
    try:
        for _ in range(20):
            sock = socket.create_connection(server)
            sock.sendall(post(b'{"a":', length=1000))
            held.append(sock)
        started = time.monotonic()
        good(server)
        assert time.monotonic() - started < 1.0
    finally:
        for sock in held:
            sock.close()
    good(server)
