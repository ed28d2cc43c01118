"""The playground's API, through HTTP into the app: what the page builds on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient
from support import API_KEY

from fulfillment.app import create_app
from fulfillment.handlers.order_status import REQUIRED_REPLIES
from fulfillment.settings import PROJECT_ROOT, Settings

LOCALES = sorted(p.name for p in (PROJECT_ROOT / "locales").iterdir() if p.is_dir())
SERVED = ["en_US", *LOCALES]
PLATFORMS = ["seed", "dialogflow-es", "dialogflow-cx", "rasa"]
RAVI = {"channel": "TELEGRAM", "userId": "51342", "userName": "ravir", "firstName": "Ravi"}
MAYA = {"channel": "TELEGRAM", "userId": "90817", "userName": "mayal", "firstName": "Maya"}
API = [
    ("GET", "/playground/api/options"),
    ("POST", "/playground/api/try"),
    ("GET", "/playground/api/replies"),
    ("GET", "/playground/api/phrase-tests"),
]
GERMAN = "Hallo, wo bleibt meine Bestellung 748596? Sie erreichen mich unter 0151 23456789."


def trial(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "text": "where is my order 748596?",
        "locale": "en_US",
        "responseType": "card",
        "platform": "seed",
        "customer": RAVI,
    }
    return {**body, **changes}


@pytest.fixture
def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {API_KEY}"}


def test_the_page_is_public_and_holds_no_data(shared_client: TestClient) -> None:
    page = shared_client.get("/playground")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert "748596" not in page.text
    assert "Ravi" not in page.text
    assert shared_client.get("/playground/static/playground.js").status_code == 200


@pytest.mark.parametrize(("method", "path"), API)
def test_every_api_call_needs_the_key(shared_client: TestClient, method: str, path: str) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong-key"}):
        response = shared_client.request(method, path, headers=headers, json=trial())
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"


def test_options(shared_client: TestClient, auth: dict[str, str]) -> None:
    options = shared_client.get("/playground/api/options", headers=auth).json()
    assert [locale["code"] for locale in options["locales"]] == sorted(SERVED)
    assert {"code": "de", "tag": "de", "name": "Deutsch"} in options["locales"]
    assert {"code": "pt_BR", "tag": "pt-BR", "name": "português (Brasil)"} in options["locales"]
    assert options["defaultLocale"] == "en_US"
    assert [p["id"] for p in options["platforms"]] == PLATFORMS
    assert options["responseTypes"] == ["text", "card", "media"]
    ravi = next(c for c in options["customers"] if c["userId"] == "51342")
    assert ravi["channel"] == "TELEGRAM"
    assert ravi["firstName"] == "Ravi"
    assert "748596" in ravi["orders"]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_german_phrase_through_each_platform(
    shared_client: TestClient, auth: dict[str, str], platform: str
) -> None:
    body = trial(text=GERMAN, locale="de", platform=platform)
    result = shared_client.post("/playground/api/try", headers=auth, json=body).json()
    assert result["status"] == 200
    assert result["locale"] == "de"
    # Only the order number is taken; the phone number is not.
    extraction = result["extraction"]
    assert extraction["orderIds"] == ["748596"]
    taken = [c for c in extraction["candidates"] if c["taken"]]
    assert [GERMAN[c["start"] : c["end"]] for c in taken] == ["748596"]
    assert all(c["reasons"] for c in extraction["candidates"])
    reply = result["reply"]
    assert reply["outcome"] == "answered"
    assert reply["locale"] == "de"
    kinds = [m["kind"] for m in reply["messages"]]
    assert kinds == ["text", "card"]
    card = reply["messages"][1]
    assert card["button"]["url"].startswith("https://")
    assert "Bestellung" in reply["messages"][0]["text"]
    # The raw exchange is the platform's own: its request and its webhook's response.
    assert result["request"]
    assert result["response"]
    assert "748596" in str(result["request"])
    assert "748596" in str(result["response"])


@pytest.mark.parametrize("locale", SERVED)
def test_every_locale_answers(shared_client: TestClient, auth: dict[str, str], locale: str) -> None:
    result = shared_client.post(
        "/playground/api/try", headers=auth, json=trial(locale=locale, responseType="text")
    ).json()
    assert result["status"] == 200
    assert result["reply"]["locale"] == locale
    assert [m["kind"] for m in result["reply"]["messages"]] == ["text"]
    assert "748596" in result["reply"]["messages"][0]["text"]


def test_someone_elses_order_stays_private(shared_client: TestClient, auth: dict[str, str]) -> None:
    result = shared_client.post(
        "/playground/api/try", headers=auth, json=trial(customer=MAYA)
    ).json()
    assert result["reply"]["outcome"] == "not_found"
    assert "Blue Dart" not in str(result["response"])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"locale": "xx_YY"}, "locale"),
        ({"locale": "../../etc"}, "locale"),
        ({"platform": "telegram"}, "platform"),
        ({"responseType": "video"}, "responseType"),
        ({"text": ""}, "text"),
        ({"text": "x" * 2001}, "text"),
        ({"customer": {"channel": "WEB"}}, "customer.userId"),
        ({"extra": 1}, "extra"),
    ],
)
def test_a_bad_try_is_a_clear_422(
    shared_client: TestClient, auth: dict[str, str], changes: dict[str, Any], field: str
) -> None:
    response = shared_client.post("/playground/api/try", headers=auth, json=trial(**changes))
    assert response.status_code == 422
    details = response.json()["error"]["details"]
    fields = [d["field"] for d in details] if isinstance(details, list) else [details["field"]]
    assert field in fields


@pytest.mark.parametrize("locale", SERVED)
def test_every_reply_of_a_locale(
    shared_client: TestClient, auth: dict[str, str], locale: str
) -> None:
    response = shared_client.get(
        "/playground/api/replies", headers=auth, params={"locale": locale, "responseType": "card"}
    )
    assert response.status_code == 200
    rows = response.json()["rows"]
    assert {row["key"] for row in rows} == REQUIRED_REPLIES
    for row in rows:
        assert row["messages"], row["key"]
        text = row["messages"][0]["text"]
        assert text, row["key"]
        assert "{" not in text, (row["key"], text)
        assert "%(" not in text, (row["key"], text)


def test_every_reply_refuses_an_unknown_type(
    shared_client: TestClient, auth: dict[str, str]
) -> None:
    response = shared_client.get(
        "/playground/api/replies", headers=auth, params={"responseType": "video"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"]["field"] == "responseType"


def test_phrase_tests_run_every_phrase(shared_client: TestClient, auth: dict[str, str]) -> None:
    expected = 0
    for path in sorted(Path(PROJECT_ROOT / "intents").glob("*.yaml")):
        expected += len(yaml.safe_load(path.read_text(encoding="utf-8")).get("tests", []))
    assert expected >= 80, "the designers' phrase tests are missing"
    result = shared_client.get("/playground/api/phrase-tests", headers=auth).json()
    assert result["total"] == len(result["rows"]) == expected
    assert result["failed"] == 0
    assert result["passed"] == expected


@pytest.mark.parametrize(
    ("changes", "enabled"),
    [
        ({}, True),
        ({"playground": False}, False),
        ({"database_url": "postgresql://u:p@127.0.0.1:9/none"}, False),
        ({"database_url": "postgresql://u:p@127.0.0.1:9/none", "playground": True}, True),
    ],
)
def test_on_by_default_only_with_the_demo_store(
    tmp_path: Path, changes: dict[str, Any], enabled: bool
) -> None:
    settings = Settings(data_dir=tmp_path, api_keys=[API_KEY], **changes)
    assert settings.playground_enabled is enabled
    # Routes only: no lifespan, so no database is contacted.
    paths = {getattr(route, "path", None) for route in create_app(settings).routes}
    assert ("/playground" in paths) is enabled
    assert ("/playground/api/try" in paths) is enabled
