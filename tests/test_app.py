"""Operations endpoints and the OpenAPI document."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from pathlib import Path

import pytest
from pydantic import BaseModel
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from fulfillment.adapters.seed import OrderStatusRequest
from fulfillment.app import EXAMPLE_REQUEST, SEED_PATH, create_app
from fulfillment.settings import Settings
from fulfillment.store.records import OrderRecord
from fulfillment.store.sqlite import SQLiteOrderStore


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_the_store(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"store": "ok"}


def test_readyz_is_503_when_the_store_is_gone(client: TestClient) -> None:
    store = client.app.state.services.store  # type: ignore[attr-defined]
    asyncio.run(store.close())
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "not_ready"


def test_openapi_documents_the_contract_auth_and_errors(
    client: TestClient, auth: dict[str, str]
) -> None:
    document = client.get("/openapi.json", headers=auth).json()
    assert document["openapi"].startswith("3.1")
    operation = document["paths"][SEED_PATH]["post"]
    assert {"bearer", "apiKey", "basic"} == {
        name for requirement in operation["security"] for name in requirement
    }
    assert set(operation["responses"]) == {"200", "400", "401", "408", "413", "415", "422", "431"}
    schemas = document["components"]["schemas"]
    assert {"OrderStatusRequest", "OrderStatusResponse", "ErrorEnvelope"} <= set(schemas)
    # The document is generated from the same model that validates requests.
    request_schema = OrderStatusRequest.model_json_schema()
    assert set(schemas["OrderStatusRequest"]["properties"]) == set(request_schema["properties"])
    assert "queryText" in schemas["QueryInfo"]["properties"]
    # Public: the health checks and the playground's page; everything else needs a key.
    public = {("get", path) for path in ("/healthz", "/readyz", "/health", "/playground")}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if (method, path) in public:
                assert operation["security"] == [], path
                assert "401" not in operation["responses"], path
            else:
                schemes = {name for requirement in operation["security"] for name in requirement}
                assert {"bearer", "apiKey", "basic"} <= schemes, path
                assert "401" in operation["responses"], path
    # Rasa's endpoints.yml sends its token as ?token=; only Rasa's routes take it.
    for path, item in document["paths"].items():
        for operation in item.values():
            takes_token = any("rasaToken" in r for r in operation["security"])
            assert takes_token == (path in ("/webhook", "/actions")), path


def test_openapi_describes_every_route_of_the_app(client: TestClient, auth: dict[str, str]) -> None:
    document = client.get("/openapi.json", headers=auth).json()
    served = set()
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Route):
            served |= {(m.lower(), route.path) for m in route.methods or () if m != "HEAD"}
        else:  # the playground's static files, left out of the document
            assert isinstance(route, Mount)
            assert route.path == "/playground/static"
    documented = {(method, path) for path, item in document["paths"].items() for method in item}
    assert documented == served
    metrics = document["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert set(metrics) == {"text/plain"}
    page = document["paths"]["/playground"]["get"]["responses"]["200"]["content"]
    assert set(page) == {"text/html"}
    try_body = document["paths"]["/playground/api/try"]["post"]["requestBody"]
    assert try_body["content"]["application/json"]["schema"]["$ref"].endswith("/TryRequest")
    replies = document["paths"]["/playground/api/replies"]["get"]
    assert {p["name"] for p in replies["parameters"]} == {"locale", "responseType", "interestType"}


def test_every_error_response_is_the_envelope_with_its_codes(
    client: TestClient, auth: dict[str, str]
) -> None:
    document = client.get("/openapi.json", headers=auth).json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                assert "X-Request-ID" in response["headers"], (method, path, status)
                if status.startswith("2") or (path == "/webhook" and status == "404"):
                    continue  # rasa-sdk's own 404 body for an unknown action
                schema = response["content"]["application/json"]["schema"]
                envelope, codes = schema["allOf"]
                assert envelope == {"$ref": "#/components/schemas/ErrorEnvelope"}
                assert codes["properties"]["error"]["properties"]["code"]["enum"], (path, status)
            if "401" in operation["responses"]:
                assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]


def test_every_reference_in_the_document_resolves(client: TestClient, auth: dict[str, str]) -> None:
    document = client.get("/openapi.json", headers=auth).json()
    schemas = document["components"]["schemas"]

    def refs(node: object) -> list[str]:
        if isinstance(node, dict):
            found = [node["$ref"]] if "$ref" in node else []
            return found + [r for value in node.values() for r in refs(value)]
        if isinstance(node, list):
            return [r for value in node for r in refs(value)]
        return []

    for ref in refs(document):
        assert ref.startswith("#/components/schemas/")
        assert ref.rsplit("/", 1)[1] in schemas


def test_every_platform_endpoint_is_documented_with_a_real_example(
    client: TestClient, auth: dict[str, str]
) -> None:
    from fulfillment.adapters import dialogflow_cx, dialogflow_es, rasa, seed
    from fulfillment.webhooks import CX_PATH, ES_PATH, RASA_PATH

    document = client.get("/openapi.json", headers=auth).json()
    models: dict[str, tuple[type[BaseModel], type[BaseModel]]] = {
        SEED_PATH: (seed.OrderStatusRequest, seed.OrderStatusResponse),
        ES_PATH: (dialogflow_es.DialogflowEsRequest, dialogflow_es.DialogflowEsResponse),
        CX_PATH: (dialogflow_cx.DialogflowCxRequest, dialogflow_cx.DialogflowCxResponse),
        RASA_PATH: (rasa.RasaActionCall, rasa.RasaActionResult),
    }
    for path, (request_model, response_model) in models.items():
        operation = document["paths"][path]["post"]
        example = operation["requestBody"]["content"]["application/json"]["example"]
        answer = operation["responses"]["200"]["content"]["application/json"]["example"]
        request_model.model_validate(example)
        response_model.model_validate(answer)
        # The example is real: posting it gets an answer of the documented shape.
        live = client.post(path, json=example, headers=auth)
        assert live.status_code == 200
        assert set(live.json()) == set(answer)
    assert "404" in document["paths"][RASA_PATH]["post"]["responses"]
    assert {"/health", "/actions"} <= set(document["paths"])


def _stderr_and_logs(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> str:
    """What start-up told the operator, printed as text or logged as JSON fields."""
    logged = [f"{r.getMessage()} {getattr(r, 'fields', '')}" for r in caplog.records]
    return "\n".join([capsys.readouterr().err, *logged])


def _shop_order(number: str) -> OrderRecord:
    return OrderRecord.model_validate(
        {
            "number": number,
            "status": "shipped",
            "placed_date": dt.date.today().isoformat(),
            "customer": {"email": "ana@example.com", "identities": []},
        }
    )


@pytest.mark.parametrize(
    ("store", "example_works"),
    [("demo", True), ("no demo data", False), ("the shop's own orders", False)],
)
def test_the_start_up_banner_shows_the_example_request_only_where_it_answers(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    store: str,
    example_works: bool,
) -> None:
    caplog.set_level(logging.INFO, logger="fulfillment")
    data_dir = tmp_path / "data"
    if store == "the shop's own orders":  # loaded into a new data directory, as the README says
        SQLiteOrderStore(data_dir / "orders.sqlite3").save_orders([_shop_order("A-20001")])
    settings = Settings(data_dir=data_dir, demo_data=store == "demo")
    with TestClient(create_app(settings)) as client:
        banner = _stderr_and_logs(capsys, caplog)
        key = (data_dir / "api-key").read_text(encoding="utf-8").strip()
        assert key
        assert key in banner  # the key hint is always there
        assert ("748596" in banner) is example_works
        # The example is shown exactly when posting it gets the order's status.
        response = client.post(SEED_PATH, json=EXAMPLE_REQUEST, headers={"X-API-Key": key})
    assert response.status_code == 200
    text = response.json()["response"]["responseMessages"][0]["simpleResponse"]["responseText"]
    assert text.startswith("Order 748596 has been shipped") is example_works, text


def test_a_configured_key_is_never_announced(
    settings: Settings, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="fulfillment")
    with TestClient(create_app(settings)):
        banner = _stderr_and_logs(capsys, caplog)
    assert settings.api_keys
    assert not (settings.data_dir / "api-key").exists()
    assert "748596" not in banner
    assert "generated key" not in banner
