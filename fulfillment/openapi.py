"""The OpenAPI document, generated from the pydantic models that validate the traffic."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from fulfillment import __version__
from fulfillment.adapters.seed import OrderStatusRequest, OrderStatusResponse
from fulfillment.errors import ErrorEnvelope

_REF = "#/components/schemas/{model}"


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": _REF.format(model=model.__name__)}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref(ErrorEnvelope)}},
    }


_STATUS_SCHEMA = {
    "type": "object",
    "properties": {"status": {"type": "string"}},
    "required": ["status"],
}


def openapi_document() -> dict[str, Any]:
    _, schemas = models_json_schema(
        [
            (OrderStatusRequest, "validation"),
            (OrderStatusResponse, "serialization"),
            (ErrorEnvelope, "serialization"),
        ],
        ref_template=_REF,
    )
    secured: list[dict[str, list[str]]] = [{"bearer": []}, {"apiKey": []}, {"basic": []}]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Order-status fulfillment",
            "version": __version__,
            "description": (
                "Answers chatbot platforms with the status of the asking customer's order."
            ),
        },
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "basic": {"type": "http", "scheme": "basic"},
            },
        },
        "paths": {
            "/api/rest/v1/ecom/integrations/getOrderStatus": {
                "post": {
                    "operationId": "getOrderStatus",
                    "summary": "The status of the asking customer's order, in their language.",
                    "security": secured,
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref(OrderStatusRequest)}},
                    },
                    "responses": {
                        "200": {
                            "description": "The reply to show the customer. Content-Language "
                            "names the locale that answered.",
                            "headers": {
                                "Content-Language": {"schema": {"type": "string"}},
                            },
                            "content": {"application/json": {"schema": _ref(OrderStatusResponse)}},
                        },
                        "400": _error("The body is not valid JSON; details give line and column."),
                        "401": _error("Missing or invalid credentials."),
                        "413": _error("The body is larger than the configured limit."),
                        "415": _error("The body is not JSON."),
                        "422": _error(
                            "The body does not match the schema, or the interestType "
                            "is unknown; details list the fields."
                        ),
                    },
                }
            },
            "/healthz": {
                "get": {
                    "operationId": "healthz",
                    "summary": "The process is alive.",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "Alive.",
                            "content": {"application/json": {"schema": _STATUS_SCHEMA}},
                        }
                    },
                }
            },
            "/readyz": {
                "get": {
                    "operationId": "readyz",
                    "summary": "The order store answers.",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "Ready to answer.",
                            "content": {"application/json": {"schema": _STATUS_SCHEMA}},
                        },
                        "503": _error("The order store does not answer."),
                    },
                }
            },
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
