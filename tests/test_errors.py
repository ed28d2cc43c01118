"""Every error status in the one JSON envelope; a client fault never yields a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient
from support import API_KEY, build_request

from fulfillment.app import SEED_PATH, create_app
from fulfillment.errors import EXCEPTION_HANDLERS
from fulfillment.settings import Settings

JSON = {"Content-Type": "application/json"}


def assert_envelope(response: object, status: int, code: str) -> dict[str, object]:
    assert getattr(response, "status_code") == status  # noqa: B009
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return dict(body["error"])


@pytest.mark.parametrize(
    ("body", "line", "column"),
    [
        (b'{"a": 1,}', 1, 9),
        (b'{\n  "queryInfo": {\n    "interestType": "order-status"\n  \n', 5, 1),
        (b"{'single': 'quotes'}", 1, 2),
        (b'{"a": [1, 2}', 1, 12),
    ],
)
def test_400_names_line_and_column(
    client: TestClient, auth: dict[str, str], body: bytes, line: int, column: int
) -> None:
    response = client.post(SEED_PATH, content=body, headers={**auth, **JSON})
    error = assert_envelope(response, 400, "malformed_json")
    details = error["details"]
    assert isinstance(details, dict)
    assert (details["line"], details["column"]) == (line, column)
    assert f"line {line}" in str(error["message"])


@pytest.mark.parametrize("body", [b"", b"   ", b"\xff\xfe{}", b"\x00"])
def test_400_for_empty_or_undecodable_bodies(
    client: TestClient, auth: dict[str, str], body: bytes
) -> None:
    response = client.post(SEED_PATH, content=body, headers={**auth, **JSON})
    assert_envelope(response, 400, "malformed_json")


def test_404(client: TestClient) -> None:
    error = assert_envelope(client.get("/no/such/page"), 404, "not_found")
    assert error["details"] == {"method": "GET", "path": "/no/such/page"}


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_405_says_what_is_allowed(client: TestClient, auth: dict[str, str], method: str) -> None:
    response = client.request(method, SEED_PATH, headers=auth)
    assert_envelope(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "POST"


def test_413_by_declared_length(client: TestClient, auth: dict[str, str]) -> None:
    body = b'{"padding": "' + b"x" * (64 * 1024) + b'"}'
    response = client.post(SEED_PATH, content=body, headers={**auth, **JSON})
    error = assert_envelope(response, 413, "payload_too_large")
    assert error["details"] == {"limitBytes": 65536}


def test_413_when_streamed_without_length(client: TestClient, auth: dict[str, str]) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"padding": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    response = client.post(SEED_PATH, content=chunks(), headers={**auth, **JSON})
    assert "content-length" not in response.request.headers
    assert_envelope(response, 413, "payload_too_large")


def test_body_limit_is_a_setting(tmp_path: Path, auth: dict[str, str]) -> None:
    settings = Settings(data_dir=tmp_path, api_keys=[API_KEY], max_body_bytes=2048)
    request = build_request()
    request["padding"] = "x" * 3000
    with TestClient(create_app(settings)) as client:
        response = client.post(SEED_PATH, json=request, headers=auth)
    assert_envelope(response, 413, "payload_too_large")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_415_for_non_json(client: TestClient, auth: dict[str, str], content_type: str) -> None:
    response = client.post(
        SEED_PATH, content=b"orderId=748596", headers={**auth, "Content-Type": content_type}
    )
    assert_envelope(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/vnd.shop+json", None]
)
def test_json_content_types_are_accepted(
    client: TestClient, auth: dict[str, str], content_type: str | None
) -> None:
    headers = dict(auth)
    if content_type:
        headers["Content-Type"] = content_type
    response = client.post(SEED_PATH, content=json.dumps(build_request()), headers=headers)
    assert response.status_code == 200


def test_422_lists_the_field_paths(client: TestClient, auth: dict[str, str]) -> None:
    request = build_request()
    del request["conversationRequest"]["userInfo"]["uid"]
    request["responseType"] = "hologram"
    request["queryInfo"]["parameters"]["params"]["entityInfo"]["orderId"] = ["748596"]
    response = client.post(SEED_PATH, json=request, headers=auth)
    error = assert_envelope(response, 422, "invalid_request")
    details = error["details"]
    assert isinstance(details, list)
    fields = {problem["field"] for problem in details}
    assert fields == {
        "conversationRequest.userInfo.uid",
        "responseType",
        "queryInfo.parameters.params.entityInfo.orderId",
    }


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"42", b"null", b"{}"])
def test_422_for_json_that_is_not_the_request(
    client: TestClient, auth: dict[str, str], body: bytes
) -> None:
    response = client.post(SEED_PATH, content=body, headers={**auth, **JSON})
    assert_envelope(response, 422, "invalid_request")


def test_422_for_unknown_interest_type_lists_known_ones(
    client: TestClient, auth: dict[str, str]
) -> None:
    request = build_request(interest_type="weather")
    response = client.post(SEED_PATH, json=request, headers=auth)
    error = assert_envelope(response, 422, "unknown_interest_type")
    assert error["details"] == {"field": "queryInfo.interestType", "known": ["order-status"]}


def test_auth_is_checked_before_the_body(client: TestClient) -> None:
    response = client.post(SEED_PATH, content=b"{not json", headers=JSON)
    assert_envelope(response, 401, "unauthorized")


@pytest.mark.parametrize("language", ["", "xx-YY", "../../etc/passwd", "en-US-u-ca-buddhist", "🙂"])
def test_odd_language_codes_fall_back_instead_of_failing(
    client: TestClient, auth: dict[str, str], language: str
) -> None:
    response = client.post(SEED_PATH, json=build_request(language=language), headers=auth)
    assert response.status_code == 200
    assert response.headers["content-language"] == "en-US"


def test_500_never_echoes_the_exception_or_the_request() -> None:
    async def broken(request: Request) -> Response:
        raise RuntimeError("secret order 748596 of ram123@gmail.com")

    app = Starlette(
        routes=[Route("/boom", broken, methods=["POST"])],
        exception_handlers=dict(EXCEPTION_HANDLERS),
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post("/boom", json={"email": "ram123@gmail.com"})
    error = assert_envelope(response, 500, "internal_error")
    assert "748596" not in response.text
    assert "ram123" not in response.text
    assert error["details"] is None
