"""Security checks: every route asks for credentials, responses are not cached or sniffed,
CORS is off unless configured, and nothing secret or personal reaches logs or error bodies."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient
from support import API_KEY, build_request

from fulfillment.app import SEED_PATH, create_app
from fulfillment.settings import Settings

# Public by design: health checks for orchestrators, and the playground's sign-in shell
# (a page and its script, no data; its API needs the key).
PUBLIC = {"/healthz", "/readyz", "/health", "/playground", "/playground/static/playground.js"}
HEADERS = {"Authorization": f"Bearer {API_KEY}"}
SAMPLE_FILES = {"/playground/static": "/playground/static/playground.js"}


@pytest.fixture(scope="module")
def app_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("security"), api_keys=[API_KEY])
    with TestClient(create_app(settings)) as client:
        yield client


def every_route() -> list[tuple[str, str]]:
    """(method, path) of every route the app serves, read from the app itself."""
    app = create_app(Settings(data_dir=Path("/nonexistent"), api_keys=[API_KEY]))
    found = []
    for route in app.routes:
        if isinstance(route, Mount):
            found.append(("GET", SAMPLE_FILES[route.path]))
        elif isinstance(route, Route):
            found += [(m, route.path) for m in sorted(route.methods or ()) if m != "HEAD"]
    return found


ROUTES = every_route()


def test_the_walk_sees_every_kind_of_route() -> None:
    paths = {path for _, path in ROUTES}
    assert {SEED_PATH, "/metrics", "/openapi.json", "/actions", "/playground/api/try"} <= paths
    assert paths >= PUBLIC


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_but_health_checks_needs_credentials(
    app_client: TestClient, method: str, path: str
) -> None:
    response = app_client.request(method, path, json=build_request("748596"))
    if path in PUBLIC:
        assert response.status_code == 200
        return
    assert response.status_code == 401, (method, path)
    assert response.json()["error"]["code"] == "unauthorized"
    assert "Bearer" in response.headers["www-authenticate"]


MALFORMED_AUTH = [
    {"Authorization": ""},
    {"Authorization": "Bearer"},
    {"Authorization": "Bearer "},
    {"Authorization": "Bearer wrong"},
    {"Authorization": f"Bearer {API_KEY}x"},
    {"Authorization": f"bearer  {API_KEY[:-1]}"},
    {"Authorization": "Token " + API_KEY},
    {"Authorization": "Basic"},
    {"Authorization": "Basic !!!not-base64!!!"},
    {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
    {"Authorization": "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode()},
    {"Authorization": "Basic " + base64.b64encode(b"user:wrong").decode()},
    {"Authorization": "\x00" * 10},
    {"X-API-Key": ""},
    {"X-API-Key": "wrong"},
    {"X-API-Key": API_KEY + "\t" + API_KEY},
    {"Authorization": "Bearer " + "A" * 8000},
]


@pytest.mark.parametrize("headers", MALFORMED_AUTH, ids=range(len(MALFORMED_AUTH)))
def test_malformed_credentials_are_a_clean_401(
    app_client: TestClient, headers: dict[str, str]
) -> None:
    response = app_client.post(SEED_PATH, json=build_request("748596"), headers=headers)
    assert response.status_code == 401
    body = response.text
    assert API_KEY not in body
    assert json.loads(body)["error"]["code"] == "unauthorized"
    # The next good request is answered.
    assert (
        app_client.post(SEED_PATH, json=build_request("748596"), headers=HEADERS).status_code == 200
    )


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize("authenticated", [True, False])
def test_no_store_and_nosniff_on_every_response(
    app_client: TestClient, method: str, path: str, authenticated: bool
) -> None:
    headers = HEADERS if authenticated else {}
    response = app_client.request(method, path, json=build_request("748596"), headers=headers)
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/nowhere", 404), ("DELETE", SEED_PATH, 405), ("POST", SEED_PATH, 422)],
)
def test_error_responses_carry_them_too(
    app_client: TestClient, method: str, path: str, status: int
) -> None:
    response = app_client.request(method, path, json={"nonsense": True}, headers=HEADERS)
    assert response.status_code == status
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_cors_is_off_by_default(app_client: TestClient) -> None:
    preflight = app_client.options(
        SEED_PATH,
        headers={
            "Origin": "https://evil.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert "access-control-allow-origin" not in preflight.headers
    answered = app_client.post(
        SEED_PATH, json=build_request("748596"), headers={**HEADERS, "Origin": "https://a.example"}
    )
    assert "access-control-allow-origin" not in answered.headers


def test_cors_allows_only_the_configured_origins(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, api_keys=[API_KEY], cors_origins="https://shop.example")
    with TestClient(create_app(settings)) as client:
        for origin, allowed in (("https://shop.example", True), ("https://evil.example", False)):
            preflight = client.options(
                SEED_PATH,
                headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
            )
            assert (preflight.headers.get("access-control-allow-origin") == origin) is allowed
            response = client.post(
                SEED_PATH, json=build_request("748596"), headers={**HEADERS, "Origin": origin}
            )
            assert response.status_code == 200
            assert (response.headers.get("access-control-allow-origin") == origin) is allowed


PERSONAL = {
    "first_name": "Ravi",
    "last_name": "Rajaratnam",
    "uid": "51342",
    "username": "ravir",
    "email": "ravi.r@example.com",
    "phone": "0151 23456789",
}


def test_no_secret_or_personal_data_in_logs_or_error_bodies(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(data_dir=tmp_path, api_keys=[API_KEY], basic_auth=["ops:s3cret-pass"])
    asked = build_request(
        None,
        uid=PERSONAL["uid"],
        username=PERSONAL["username"],
        text=f"my order 748596, call {PERSONAL['phone']} or mail {PERSONAL['email']}",
    )
    asked["conversationRequest"]["userInfo"].update(
        first_name=PERSONAL["first_name"], last_name=PERSONAL["last_name"]
    )
    bodies = []
    with caplog.at_level(logging.DEBUG), TestClient(create_app(settings)) as client:
        basic = "Basic " + base64.b64encode(b"ops:s3cret-pass").decode()
        for headers in (HEADERS, {"Authorization": basic}, {"Authorization": "Bearer guess-1"}):
            bodies.append(client.post(SEED_PATH, json=asked, headers=headers).text)
        broken = {**asked, "languageCode": {"nested": PERSONAL["email"]}}
        bodies.append(client.post(SEED_PATH, json=broken, headers=HEADERS).text)
        bodies.append(
            client.post(SEED_PATH, content=b'{"uid": "51342", "x": ', headers=HEADERS).text
        )
    # The message and the structured fields a record carries: all of it reaches the log line.
    logged = "\n".join(
        f"{record.getMessage()} {getattr(record, 'fields', '')}" for record in caplog.records
    )
    assert sum(r.name == "fulfillment.access" for r in caplog.records) == len(bodies)
    assert "748596" in bodies[0]  # the customer's own reply, to them
    errors = bodies[2:]
    secrets = [API_KEY, "s3cret-pass", "guess-1", base64.b64encode(b"ops:s3cret-pass").decode()]
    for secret in secrets:
        assert secret not in logged
        assert all(secret not in body for body in bodies)
    for value in PERSONAL.values():
        assert value not in logged, value
        assert all(value not in body for body in errors), value
    # Order numbers stay out of the access log unless a setting allows them.
    assert "748596" not in logged
