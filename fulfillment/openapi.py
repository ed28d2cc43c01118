"""The OpenAPI document, generated from the pydantic models that validate the traffic."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from fulfillment import __version__
from fulfillment.adapters.dialogflow_cx import DialogflowCxRequest, DialogflowCxResponse
from fulfillment.adapters.dialogflow_es import DialogflowEsRequest, DialogflowEsResponse
from fulfillment.adapters.rasa import RasaActionCall, RasaActionNotFound, RasaActionResult
from fulfillment.adapters.seed import OrderStatusRequest, OrderStatusResponse
from fulfillment.errors import ErrorEnvelope
from fulfillment.webhooks import CX_PATH, ES_PATH, RASA_PATH, SEED_PATH

_REF = "#/components/schemas/{model}"
# Minimal real requests, one per wire format, shipped with the package.
EXAMPLES = Path(__file__).parent / "examples"


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": _REF.format(model=model.__name__)}


def _json(model: type[BaseModel], example: str | None = None) -> dict[str, Any]:
    content: dict[str, Any] = {"schema": _ref(model)}
    if example:
        content["example"] = json.loads((EXAMPLES / example).read_text(encoding="utf-8"))
    return {"application/json": content}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": _json(ErrorEnvelope)}


_STATUS = {
    "type": "object",
    "properties": {"status": {"type": "string"}},
    "required": ["status"],
}
_SECURED: list[dict[str, list[str]]] = [{"bearer": []}, {"apiKey": []}, {"basic": []}]
_CLIENT_ERRORS = {
    "400": _error("The body is not valid JSON; details give line and column."),
    "401": _error("Missing or invalid credentials."),
    "413": _error("The body is larger than the configured limit."),
    "415": _error("The body is not JSON."),
    "422": _error(
        "The body does not match the schema (details list the fields), or names an "
        "intent this service does not answer (details list the known ones)."
    ),
}


def _webhook(
    operation: str,
    summary: str,
    request: type[BaseModel],
    response: type[BaseModel],
    example: str,
    extra_responses: dict[str, Any] | None = None,
    security: list[dict[str, list[str]]] = _SECURED,
) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {
            "description": "The reply to show the customer. Content-Language names the locale.",
            "headers": {"Content-Language": {"schema": {"type": "string"}}},
            "content": _json(response, example.replace("request", "response")),
        },
        **_CLIENT_ERRORS,
        **(extra_responses or {}),
    }
    return {
        "post": {
            "operationId": operation,
            "summary": summary,
            "security": security,
            "requestBody": {"required": True, "content": _json(request, example)},
            "responses": responses,
        }
    }


def _get(operation: str, summary: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    responses = {
        "200": {"description": summary, "content": {"application/json": {"schema": schema}}}
    }
    return {
        "get": {
            "operationId": operation,
            "summary": summary,
            "security": [],
            "responses": {**responses, **extra},
        }
    }


def openapi_document() -> dict[str, Any]:
    models: list[type[BaseModel]] = [
        OrderStatusRequest,
        DialogflowEsRequest,
        DialogflowCxRequest,
        RasaActionCall,
    ]
    outputs: list[type[BaseModel]] = [
        OrderStatusResponse,
        DialogflowEsResponse,
        DialogflowCxResponse,
        RasaActionResult,
        RasaActionNotFound,
        ErrorEnvelope,
    ]
    _, schemas = models_json_schema(
        [(m, "validation") for m in models] + [(m, "serialization") for m in outputs],
        ref_template=_REF,
    )
    rasa_security: list[dict[str, list[str]]] = [*_SECURED, {"rasaToken": []}]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Order-status fulfillment",
            "version": __version__,
            "description": (
                "Answers chatbot platforms with the status of the asking customer's order: the "
                "getOrderStatus contract, Dialogflow ES and CX webhooks, and the Rasa action "
                "server."
            ),
        },
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "basic": {"type": "http", "scheme": "basic"},
                "rasaToken": {"type": "apiKey", "in": "query", "name": "token"},
            },
        },
        "paths": {
            SEED_PATH: _webhook(
                "getOrderStatus",
                "The status of the asking customer's order, in their language.",
                OrderStatusRequest,
                OrderStatusResponse,
                "seed-request.json",
            ),
            ES_PATH: _webhook(
                "dialogflowEs",
                "Dialogflow ES (v2) fulfillment webhook.",
                DialogflowEsRequest,
                DialogflowEsResponse,
                "dialogflow-es-request.json",
            ),
            CX_PATH: _webhook(
                "dialogflowCx",
                "Dialogflow CX (v3) webhook; the tag names the intent.",
                DialogflowCxRequest,
                DialogflowCxResponse,
                "dialogflow-cx-request.json",
            ),
            RASA_PATH: _webhook(
                "rasaAction",
                "Rasa action server: run a custom action.",
                RasaActionCall,
                RasaActionResult,
                "rasa-request.json",
                {"404": {"description": "No such action.", "content": _json(RasaActionNotFound)}},
                rasa_security,
            ),
            "/healthz": _get("healthz", "The process is alive.", _STATUS),
            "/health": _get("rasaHealth", "The process is alive (rasa-sdk's path).", _STATUS),
            "/actions": _get(
                "rasaActions",
                "The Rasa actions this service runs.",
                {
                    "type": "array",
                    "items": {"type": "object", "properties": {"name": {"type": "string"}}},
                },
            ),
            "/readyz": _get(
                "readyz",
                "The order store answers.",
                _STATUS,
                **{"503": _error("The store is down.")},
            ),
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document.",
                    "security": [],
                    "responses": {"200": {"description": "The OpenAPI document."}},
                }
            },
        },
    }
