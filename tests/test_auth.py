"""API keys, Basic auth, key rotation and the generated key of an unconfigured service."""

from __future__ import annotations

import base64
import logging
import os
import stat
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from support import build_request

from fulfillment.app import SEED_PATH, create_app
from fulfillment.settings import Settings

OLD_KEY = "old-key-aaaaaaaaaaaaaaaa"
NEW_KEY = "new-key-bbbbbbbbbbbbbbbb"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def rotating(tmp_path: Path) -> TestClient:
    settings = Settings(
        data_dir=tmp_path,
        api_keys=[OLD_KEY, NEW_KEY],
        basic_auth=["dialogflow:s3cret:with-colon"],
    )
    with TestClient(create_app(settings)) as client:
        yield client


def post(client: TestClient, headers: dict[str, str]) -> tuple[int, dict[str, object]]:
    response = client.post(SEED_PATH, json=build_request(), headers=headers)
    if response.status_code == 401:
        assert response.headers["www-authenticate"].startswith('Bearer realm="fulfillment"')
        assert "Basic" in response.headers["www-authenticate"]
    return response.status_code, response.json()


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": f"Bearer {OLD_KEY}"},
        {"Authorization": f"Bearer {NEW_KEY}"},
        {"Authorization": f"bearer   {NEW_KEY}"},
        {"X-API-Key": OLD_KEY},
        {"X-API-Key": NEW_KEY},
        {"Authorization": basic("dialogflow", "s3cret:with-colon")},
        {"Authorization": basic("anyone", NEW_KEY)},  # a key as the Basic password
    ],
    ids=[
        "bearer-old",
        "bearer-new",
        "bearer-case",
        "header-old",
        "header-new",
        "basic",
        "basic-key",
    ],
)
def test_accepted(rotating: TestClient, headers: dict[str, str]) -> None:
    status, body = post(rotating, headers)
    assert status == 200
    assert "response" in body


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-key"},
        {"Authorization": f"Bearer {OLD_KEY}x"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": OLD_KEY},
        {"Authorization": f"Token {OLD_KEY}"},
        {"X-API-Key": "wrong-key"},
        {"X-API-Key": ""},
        {"Authorization": basic("dialogflow", "wrong")},
        {"Authorization": basic("intruder", "s3cret:with-colon")},
        {"Authorization": "Basic !!!not-base64!!!"},
        {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
        {"Authorization": "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode()},
        {"Authorization": "Basic"},
    ],
)
def test_refused_with_401_envelope(rotating: TestClient, headers: dict[str, str]) -> None:
    status, body = post(rotating, headers)
    assert status == 401
    error = body["error"]
    assert isinstance(error, dict)
    assert error["code"] == "unauthorized"
    assert error["message"]


def test_missing_key_says_how_to_authenticate(rotating: TestClient) -> None:
    _, body = post(rotating, {})
    error = body["error"]
    assert isinstance(error, dict)
    assert "Bearer" in str(error["message"])
    assert "X-API-Key" in str(error["message"])


def test_rotation_drops_the_old_key(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, api_keys=[NEW_KEY])
    with TestClient(create_app(settings)) as client:
        assert post(client, {"Authorization": f"Bearer {OLD_KEY}"})[0] == 401
        assert post(client, {"Authorization": f"Bearer {NEW_KEY}"})[0] == 200


def test_keys_from_the_environment_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FULFILLMENT_API_KEYS", f" {OLD_KEY} , {NEW_KEY},")
    keys = [key.get_secret_value() for key in Settings().api_keys]
    assert keys == [OLD_KEY, NEW_KEY]


def test_basic_credentials_need_a_colon() -> None:
    with pytest.raises(ValueError, match="user:password"):
        Settings(basic_auth=["no-colon"])


def _banner(caplog: pytest.LogCaptureFixture) -> str:
    """What the start-up banner said: its message and fields, as its JSON line holds them."""
    found = [r for r in caplog.records if r.name == "fulfillment.app"]
    caplog.clear()
    return "\n".join(f"{r.getMessage()} {getattr(r, 'fields', {})}" for r in found)


def test_unconfigured_service_generates_a_key_and_keeps_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="fulfillment")
    settings = Settings(data_dir=tmp_path)
    with TestClient(create_app(settings)) as client:
        assert post(client, {})[0] == 401
        key_file = tmp_path / "api-key"
        key = key_file.read_text().strip()
        assert len(key) >= 32
        assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
        assert post(client, {"Authorization": f"Bearer {key}"})[0] == 200
    printed = _banner(caplog)
    assert f"Authorization: Bearer {key}" in printed
    assert "curl -s http://localhost:" in printed
    assert SEED_PATH in printed

    # The next start reuses the same key and prints it again.
    with TestClient(create_app(settings)) as client:
        assert post(client, {"Authorization": f"Bearer {key}"})[0] == 200
    assert key in _banner(caplog)


def test_configured_keys_generate_nothing(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(data_dir=tmp_path, api_keys=[NEW_KEY]))):
        pass
    assert not (tmp_path / "api-key").exists()


def test_health_checks_need_no_key(rotating: TestClient) -> None:
    for path in ("/healthz", "/readyz", "/health"):
        assert rotating.get(path).status_code == 200
