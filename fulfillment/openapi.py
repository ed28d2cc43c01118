"""The OpenAPI document: every route the app serves, its credentials, bodies and errors.

Request and webhook reply bodies are generated from the pydantic models that validate the
traffic; the small JSON answers of the operations endpoints and the playground are described
here, precisely enough that the schema fuzzer (tests/test_schema_fuzz.py) checks each reply.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from fulfillment import __version__
from fulfillment.adapters import PLATFORMS
from fulfillment.errors import ErrorEnvelope
from fulfillment.platform import Platform
from fulfillment.playground.routes import SURFACE_IDS, TryRequest, TurnRequest
from fulfillment.turn import ResponseType

_REF = "#/components/schemas/{model}"
# Minimal real requests, one per wire format, shipped with the package.
EXAMPLES = Path(__file__).parent / "examples"

Security = list[dict[str, list[str]]]
_SECURED: Security = [{"bearer": []}, {"apiKey": []}, {"basic": []}]
# Rasa's endpoints.yml sends its action endpoint's `token` as ?token=<key>.
_RASA_SECURED: Security = [*_SECURED, {"rasaToken": []}]
_PUBLIC: Security = []

_PLATFORMS = list(PLATFORMS)
_RESPONSE_TYPES = [t.value for t in ResponseType]
_OUTCOMES = ["answered", "not_found", "asked", "backend_down", "refused"]


def _ref(name: str | type[BaseModel]) -> dict[str, str]:
    return {"$ref": _REF.format(model=name if isinstance(name, str) else name.__name__)}


def _example(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def _json(schema: dict[str, Any], example: str | None = None) -> dict[str, Any]:
    content: dict[str, Any] = {"schema": schema}
    if example:
        content["example"] = _example(example)
    return {"application/json": content}


def _header(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "required": True, "schema": schema}


# Every response carries the caller's X-Request-ID (when well-formed) or a new one.
_REQUEST_ID = _header(
    "The caller's X-Request-ID when it is 1-64 of [A-Za-z0-9._:-], else a new one.",
    {"type": "string", "pattern": r"^[A-Za-z0-9._:-]{1,64}$"},
)
_CONTENT_LANGUAGE = _header(
    "The locale that answered, as a BCP 47 tag (en-US, de, pt-BR).",
    {"type": "string", "pattern": r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"},
)


def _error(description: str, *codes: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    """An error response: the one envelope, with the codes this status can carry."""
    schema: dict[str, Any] = {
        "allOf": [
            _ref(ErrorEnvelope),
            {"properties": {"error": {"properties": {"code": {"enum": list(codes)}}}}},
        ]
    }
    response: dict[str, Any] = {"description": description, "content": _json(schema)}
    if headers:
        response["headers"] = headers
    return response


_UNAUTHORIZED = _error(
    "Missing or invalid credentials.",
    "unauthorized",
    headers={
        "WWW-Authenticate": _header(
            "The schemes accepted: Bearer and Basic.", {"type": "string", "minLength": 1}
        )
    },
)
_HEADERS_TOO_LARGE = _error(
    "More than 100 request headers, or more than 16 KiB of them.", "headers_too_large"
)
_PLAYGROUND_OFF = "The playground is off (FULFILLMENT_PLAYGROUND, or a production store)."
# What reading and validating a JSON body can answer, whichever endpoint reads it.
_BODY_ERRORS = {
    "400": _error(
        "The body is not valid JSON (details give line and column), or is empty.",
        "malformed_json",
    ),
    "408": _error("The body did not all arrive within the deadline.", "request_timeout"),
    "413": _error("The body is larger than the configured limit.", "payload_too_large"),
    "415": _error("The body is not JSON (Content-Type).", "unsupported_media_type"),
}


def _operation(
    method: str,
    operation_id: str,
    summary: str,
    security: Security,
    responses: dict[str, Any],
    **extra: Any,
) -> dict[str, Any]:
    every = dict(responses)
    if security:
        every["401"] = _UNAUTHORIZED
    every["431"] = _HEADERS_TOO_LARGE
    return {
        method: {
            "operationId": operation_id,
            "summary": summary,
            "security": security,
            **extra,
            "responses": dict(sorted(every.items())),
        }
    }


def _webhook(platform: Platform[Any]) -> dict[str, Any]:
    example = f"{platform.example}-request.json"
    responses: dict[str, Any] = {
        "200": {
            "description": "The reply to show the customer. Content-Language names the locale.",
            "headers": {"Content-Language": _CONTENT_LANGUAGE},
            "content": _json(_ref(platform.response_model), example.replace("request", "response")),
        },
        **_BODY_ERRORS,
        "422": _error(
            "The body does not match the schema (details list the fields), or names an "
            "intent this service does not answer (details list the known ones).",
            "invalid_request",
            "unknown_interest_type",
        ),
    }
    for status, (description, model) in platform.extra_responses.items():
        responses[status] = {"description": description, "content": _json(_ref(model))}
    return _operation(
        "post",
        platform.operation_id,
        platform.summary,
        _RASA_SECURED if platform.query_token else _SECURED,
        responses,
        requestBody={"required": True, "content": _json(_ref(platform.request_model), example)},
    )


def _get(
    operation_id: str,
    summary: str,
    schema: dict[str, Any],
    *,
    security: Security = _SECURED,
    media_type: str = "application/json",
    errors: dict[str, Any] | None = None,
    parameters: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    responses = {"200": {"description": summary, "content": {media_type: {"schema": schema}}}}
    extra = {"parameters": parameters} if parameters else {}
    return _operation(
        "get", operation_id, summary, security, {**responses, **(errors or {})}, **extra
    )


def _object(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    """A closed object: these answers are built here, so an unknown field is a bug."""
    return {
        "type": "object",
        "properties": {**required, **(optional or {})},
        "required": list(required),
        "additionalProperties": False,
    }


def _array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


_STRING = {"type": "string"}
_STRINGS = _array(_STRING)
_COUNT = {"type": "integer", "minimum": 0}
_IMAGE = _object({"url": _STRING, "alt": _STRING})
# A button or chip on a surface: `send` is what a tap sends as the customer's next message.
_BUTTON = _object({"title": _STRING, "send": _nullable(_STRING), "url": _nullable(_STRING)})
_TIME = {"type": "string", "format": "date-time"}

# The small JSON answers, by component name.
_SCHEMAS: dict[str, dict[str, Any]] = {
    "Alive": _object({"status": {"const": "ok"}}),
    "Ready": _object({"status": {"const": "ready"}, "checks": _object({"store": {"const": "ok"}})}),
    "RasaActionList": _array(_object({"name": {"type": "string", "minLength": 1}})),
    "OpenApiDocument": {
        "type": "object",
        "properties": {
            "openapi": {"type": "string", "pattern": r"^3\.1\.\d+$"},
            "info": {"type": "object", "required": ["title", "version"]},
            "paths": {"type": "object", "minProperties": 1},
            "components": {"type": "object"},
        },
        "required": ["openapi", "info", "paths", "components"],
    },
    # A reply message as the playground draws it.
    "PlaygroundMessage": {
        "oneOf": [
            _object({"kind": {"const": "text"}, "text": _STRING}),
            _object(
                {
                    "kind": {"const": "card"},
                    "title": _STRING,
                    "subtitle": _STRING,
                    "body": _STRING,
                    "image": _nullable(_IMAGE),
                    "button": _nullable(_object({"title": _STRING, "url": _STRING})),
                }
            ),
            _object(
                {
                    "kind": {"const": "media"},
                    "objects": _array(
                        _object(
                            {
                                "name": _STRING,
                                "description": _STRING,
                                "url": _STRING,
                                "image": _IMAGE,
                            }
                        )
                    ),
                }
            ),
            _object({"kind": {"const": "suggestions"}, "chips": _STRINGS}),
        ]
    },
    # What a surface shows or says (fulfillment/adapters/common.py), item by item.
    "PlaygroundPreviewItem": {
        "oneOf": [
            _object({"kind": {"enum": ["text", "speech", "note"]}, "text": _STRING}),
            _object({"kind": {"const": "image"}, "url": _STRING, "alt": _STRING}),
            _object(
                {
                    "kind": {"const": "card"},
                    "title": _STRING,
                    "subtitle": _STRING,
                    "text": _STRING,
                    "image": _nullable(_IMAGE),
                    "buttons": _array(_BUTTON),
                }
            ),
            _object(
                {
                    "kind": {"const": "buttons"},
                    "text": _STRING,
                    "layout": {
                        "enum": ["chips", "keyboard", "inline", "quick_replies", "template", "list"]
                    },
                    "buttons": _array(_BUTTON),
                }
            ),
        ]
    },
    "PlaygroundConversations": _object(
        {
            "total": _COUNT,
            "passed": _COUNT,
            "failed": _COUNT,
            "rows": _array(
                _object(
                    {
                        "interestType": _STRING,
                        "name": _STRING,
                        "note": _nullable(_STRING),
                        "platform": {"enum": _PLATFORMS},
                        "surface": {"enum": SURFACE_IDS},
                        "customer": _object({"channel": _STRING, "uid": _STRING}),
                        "lang": _STRING,
                        "passed": {"type": "boolean"},
                        "turns": _array(
                            _object(
                                {
                                    "action": {"enum": ["say", "click"]},
                                    "words": _STRING,
                                    "expect": _STRINGS,
                                    "expectNot": _STRINGS,
                                    "ran": {"type": "boolean"},
                                    "sent": _nullable(_STRING),
                                    "status": _nullable({"type": "integer"}),
                                    "missing": _STRINGS,
                                    "unexpected": _STRINGS,
                                    "problem": _nullable(_STRING),
                                    "passed": {"type": "boolean"},
                                    "preview": _array(_ref("PlaygroundPreviewItem")),
                                }
                            )
                        ),
                    }
                )
            ),
        }
    ),
    "PlaygroundExtraction": _object(
        {
            "text": _STRING,
            "language": _STRING,
            "orderIds": _STRINGS,
            "candidates": _array(
                _object(
                    {
                        "start": _COUNT,
                        "end": _COUNT,
                        "text": _STRING,
                        "value": _STRING,
                        "format": _STRING,
                        "taken": {"type": "boolean"},
                        "reasons": _STRINGS,
                    }
                )
            ),
        }
    ),
    "PlaygroundOptions": _object(
        {
            "locales": _array(
                _object(
                    {
                        "code": _STRING,
                        "tag": _STRING,
                        "name": _STRING,
                        "dir": {"enum": ["ltr", "rtl"]},
                    }
                )
            ),
            "defaultLocale": _STRING,
            "platforms": _array(
                _object(
                    {
                        "id": {"enum": _PLATFORMS},
                        "name": _STRING,
                        "surfaces": _array(
                            _object(
                                {
                                    "id": {"enum": SURFACE_IDS},
                                    "label": _STRING,
                                    "channel": _nullable(_STRING),
                                    "voice": {"type": "boolean"},
                                    "note": _nullable(_STRING),
                                }
                            )
                        ),
                    }
                )
            ),
            "responseTypes": _array({"enum": _RESPONSE_TYPES}),
            "customers": _array(
                _object(
                    {
                        "label": _STRING,
                        "channel": _STRING,
                        "userId": _STRING,
                        "userName": _nullable(_STRING),
                        "firstName": _nullable(_STRING),
                        "orders": _STRINGS,
                    }
                )
            ),
        }
    ),
    "PlaygroundTry": _object(
        {
            "locale": _STRING,
            "platform": {"enum": _PLATFORMS},
            "surface": {"enum": SURFACE_IDS},
            "path": {"enum": [p.path for p in PLATFORMS.values()]},
            "status": {"type": "integer", "minimum": 100, "maximum": 599},
            "request": {"type": "object", "description": "What the platform would send."},
            "response": {"description": "What the webhook answered (JSON, or its text)."},
            "extraction": _nullable(_ref("PlaygroundExtraction")),
            "preview": _array(_ref("PlaygroundPreviewItem")),
            "state": {
                "type": "object",
                "description": "The platform's memory after this turn, for the next turn.",
            },
            "reply": _nullable(
                _object(
                    {
                        "outcome": {"enum": _OUTCOMES},
                        "locale": _STRING,
                        "messages": _array(_ref("PlaygroundMessage")),
                    }
                )
            ),
        }
    ),
    "PlaygroundReplies": _object(
        {
            "locale": _STRING,
            "responseType": {"enum": _RESPONSE_TYPES},
            "rows": _array(
                _object(
                    {
                        "key": _STRING,
                        "label": _STRING,
                        "messages": _array(_ref("PlaygroundMessage")),
                    }
                )
            ),
        }
    ),
    "PlaygroundPhraseTests": _object(
        {
            "total": _COUNT,
            "passed": _COUNT,
            "failed": _COUNT,
            "rows": _array(
                _object(
                    {
                        "interestType": _STRING,
                        "text": _STRING,
                        "language": _STRING,
                        "note": _nullable(_STRING),
                        "expected": _STRINGS,
                        "found": _STRINGS,
                        "passed": {"type": "boolean"},
                    }
                )
            ),
        }
    ),
    "PlaygroundContent": _object(
        {
            "loadedAt": _TIME,
            "reload": {"type": "boolean", "description": "Are edits served without a restart."},
            "reloads": _COUNT,
            "lastError": _nullable(
                _object(
                    {
                        "message": {"type": "string", "minLength": 1},
                        "file": _nullable(_STRING),
                        "line": _nullable({"type": "integer", "minimum": 1}),
                        "at": _TIME,
                    }
                )
            ),
            "interestTypes": _STRINGS,
            "locales": _array(
                _object(
                    {
                        "code": _STRING,
                        "tag": _STRING,
                        "name": _STRING,
                        "state": {
                            "enum": ["served", "kept", "not_served"],
                            "description": "kept: the file is broken now; its last good "
                            "version is served.",
                        },
                        "served": {"type": "boolean"},
                        "file": _nullable(_STRING),
                        "reason": _nullable(_STRING),
                        "line": _nullable({"type": "integer", "minimum": 0}),
                        "loadedAt": _nullable(_TIME),
                        "staleEntries": _STRINGS,
                    }
                )
            ),
        }
    ),
}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def _playground_paths() -> dict[str, Any]:
    not_found = {"404": _error(_PLAYGROUND_OFF, "not_found")}
    return {
        "/playground": _get(
            "playground",
            "The playground page: a sign-in shell that holds no data.",
            _STRING,
            security=_PUBLIC,
            media_type="text/html",
            errors=not_found,
        ),
        "/playground/api/options": _get(
            "playgroundOptions",
            "Served locales, platforms, response types, and customers from the store.",
            _ref("PlaygroundOptions"),
            errors=not_found,
        ),
        "/playground/api/try": _operation(
            "post",
            "playgroundTry",
            "Try a phrase through a platform's real webhook, as a customer of the store.",
            _SECURED,
            {
                "200": {
                    "description": "The extraction, the reply, and the platform's raw exchange.",
                    "content": _json(_ref("PlaygroundTry")),
                },
                **_BODY_ERRORS,
                **not_found,
                "422": _error(
                    "The body does not match the schema, or names a locale, interest type, "
                    "surface or platform route that is not served (details say which).",
                    "invalid_request",
                ),
            },
            requestBody={"required": True, "content": _json(_ref(TryRequest))},
        ),
        "/playground/api/turn": _operation(
            "post",
            "playgroundTurn",
            "One turn of a conversation: a try that carries the platform's memory (state) "
            "from the turn before and gives it back for the next.",
            _SECURED,
            {
                "200": {
                    "description": "The try's answer; `state` goes into the next turn.",
                    "content": _json(_ref("PlaygroundTry")),
                },
                **_BODY_ERRORS,
                **not_found,
                "422": _error(
                    "The body does not match the schema, or names a locale, interest type, "
                    "surface or platform route that is not served (details say which).",
                    "invalid_request",
                ),
            },
            requestBody={"required": True, "content": _json(_ref(TurnRequest))},
        ),
        "/playground/api/conversations": _get(
            "playgroundConversations",
            "Runs the conversations of intents/*.yaml through the webhooks, turn by turn.",
            _ref("PlaygroundConversations"),
            errors=not_found,
        ),
        "/playground/api/replies": _get(
            "playgroundReplies",
            "Every reply of a locale, rendered for sample orders.",
            _ref("PlaygroundReplies"),
            parameters=[
                _query(
                    "locale",
                    "A served locale, by catalog name (pt_BR) or BCP 47 tag (pt-BR); "
                    "default the service's default locale.",
                    {"type": "string"},
                ),
                _query("responseType", "Default card.", {"enum": _RESPONSE_TYPES}),
                _query("interestType", "Default order-status.", {"type": "string"}),
            ],
            errors={
                "404": _error(f"No replies for that interest type. {_PLAYGROUND_OFF}", "not_found"),
                "422": _error(
                    "The locale is not served, or the response type unknown.", "invalid_request"
                ),
            },
        ),
        "/playground/api/phrase-tests": _get(
            "playgroundPhraseTests",
            "Runs the phrase tests of intents/*.yaml.",
            _ref("PlaygroundPhraseTests"),
            errors=not_found,
        ),
        "/playground/api/content": _get(
            "playgroundContent",
            "What intents/ and locales/ are served as: since when, whether edits are reloaded, "
            "the last reload's problem, and each locale's catalog.",
            _ref("PlaygroundContent"),
            errors=not_found,
        ),
    }


def _with_request_id(paths: dict[str, Any]) -> dict[str, Any]:
    paths = copy.deepcopy(paths)  # the error responses above are shared between operations
    for item in paths.values():
        for operation in item.values():
            for response in operation["responses"].values():
                response["headers"] = {"X-Request-ID": _REQUEST_ID, **response.get("headers", {})}
    return paths


def openapi_document() -> dict[str, Any]:
    platforms = list(PLATFORMS.values())
    models: list[type[BaseModel]] = [p.request_model for p in platforms]
    models += [TryRequest, TurnRequest]
    outputs: list[type[BaseModel]] = [p.response_model for p in platforms]
    outputs += [model for p in platforms for _, model in p.extra_responses.values()]
    outputs.append(ErrorEnvelope)
    _, schemas = models_json_schema(
        [(m, "validation") for m in models] + [(m, "serialization") for m in outputs],
        ref_template=_REF,
    )
    paths: dict[str, Any] = {
        **{p.path: _webhook(p) for p in platforms},
        "/healthz": _get("healthz", "The process is alive.", _ref("Alive"), security=_PUBLIC),
        "/readyz": _get(
            "readyz",
            "The order store answers.",
            _ref("Ready"),
            security=_PUBLIC,
            errors={
                "503": _error("The store does not answer, or its circuit is open.", "not_ready")
            },
        ),
        "/health": _get(
            "rasaHealth", "The process is alive (rasa-sdk's path).", _ref("Alive"), security=_PUBLIC
        ),
        "/actions": _get(
            "rasaActions",
            "The Rasa actions this service runs.",
            _ref("RasaActionList"),
            security=_RASA_SECURED,
        ),
        "/metrics": _get(
            "metrics",
            "Prometheus metrics, in the text exposition format.",
            {"type": "string"},
            media_type="text/plain",
        ),
        "/openapi.json": _get("openapi", "This document.", _ref("OpenApiDocument")),
        **_playground_paths(),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Order-status fulfillment",
            "version": __version__,
            "description": (
                "Answers chatbot platforms with the status of the asking customer's order: the "
                "getOrderStatus contract, Dialogflow ES and CX webhooks, and the Rasa action "
                "server. Every route needs credentials except the health checks and the "
                'playground page. Every error is the one envelope {"error": {"code", '
                '"message", "details"}}: also a path not listed here (404 not_found) and '
                "a method not listed for a path (405 method_not_allowed, with Allow)."
            ),
        },
        "components": {
            "schemas": {**schemas.get("$defs", {}), **_SCHEMAS},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "basic": {"type": "http", "scheme": "basic"},
                "rasaToken": {"type": "apiKey", "in": "query", "name": "token"},
            },
        },
        "paths": _with_request_id(paths),
    }
