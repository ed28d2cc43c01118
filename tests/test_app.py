"""Operations endpoints and the OpenAPI document."""

from __future__ import annotations

import asyncio

from starlette.testclient import TestClient

from fulfillment.adapters.seed import OrderStatusRequest
from fulfillment.app import SEED_PATH


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


def test_openapi_documents_the_contract_auth_and_errors(client: TestClient, auth: dict[str, str]) -> None:
    document = client.get("/openapi.json", headers=auth).json()
    assert document["openapi"].startswith("3.1")
    operation = document["paths"][SEED_PATH]["post"]
    assert {"bearer", "apiKey", "basic"} == {
        name for requirement in operation["security"] for name in requirement
    }
    assert set(operation["responses"]) == {"200", "400", "401", "413", "415", "422"}
    schemas = document["components"]["schemas"]
    assert {"OrderStatusRequest", "OrderStatusResponse", "ErrorEnvelope"} <= set(schemas)
    # The document is generated from the same model that validates requests.
    request_schema = OrderStatusRequest.model_json_schema()
    assert set(schemas["OrderStatusRequest"]["properties"]) == set(request_schema["properties"])
    assert "queryText" in schemas["QueryInfo"]["properties"]
    for path in ("/healthz", "/readyz", "/openapi.json"):
        assert document["paths"][path]["get"]["security"] == []


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


def test_every_platform_endpoint_is_documented_with_a_real_example(client: TestClient, auth: dict[str, str]) -> None:
    from fulfillment.adapters import dialogflow_cx, dialogflow_es, rasa, seed
    from fulfillment.webhooks import CX_PATH, ES_PATH, RASA_PATH

    document = client.get("/openapi.json", headers=auth).json()
    models = {
        SEED_PATH: (seed.OrderStatusRequest, seed.OrderStatusResponse),
        ES_PATH: (dialogflow_es.DialogflowEsRequest, dialogflow_es.DialogflowEsResponse),
        CX_PATH: (dialogflow_cx.DialogflowCxRequest, dialogflow_cx.DialogflowCxResponse),
        RASA_PATH: (rasa.RasaActionCall, rasa.RasaActionResult),
    }
    headers = {"Authorization": "Bearer test-key-0123456789"}
    for path, (request_model, response_model) in models.items():
        operation = document["paths"][path]["post"]
        example = operation["requestBody"]["content"]["application/json"]["example"]
        answer = operation["responses"]["200"]["content"]["application/json"]["example"]
        request_model.model_validate(example)
        response_model.model_validate(answer)
        # The example is real: posting it gets an answer of the documented shape.
        live = client.post(path, json=example, headers=headers)
        assert live.status_code == 200
        assert set(live.json()) == set(answer)
    assert "404" in document["paths"][RASA_PATH]["post"]["responses"]
    assert {"/health", "/actions"} <= set(document["paths"])
