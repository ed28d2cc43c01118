"""Helpers shared by the tests: the seed example, request builders, the shipped files."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fulfillment.i18n.catalogs import SOURCE_LOCALE, catalog_paths
from fulfillment.settings import PROJECT_ROOT

# Under CI (.ci/run installs PostgreSQL and Chromium) a missing tool fails the tests that need
# it; elsewhere they are skipped.
IN_CI = os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}
DATA = Path(__file__).parent / "data"
API_KEY = "test-key-0123456789"
SEED_EXAMPLE = DATA / "seed-example-request.json"

INTENT_FILES = sorted((PROJECT_ROOT / "intents").glob("*.yaml"))
CATALOGS = catalog_paths(PROJECT_ROOT / "locales")
LOCALES = sorted([SOURCE_LOCALE, *CATALOGS])


def seed_example_text() -> str:
    """The seed's example request exactly as the API page prints it (trailing comma included)."""
    return SEED_EXAMPLE.read_text(encoding="utf-8")


def seed_example() -> dict[str, Any]:
    """The seed's example request with its trailing comma removed."""
    text = seed_example_text()
    fixed = text.replace('"en",\n}', '"en"\n}')
    assert fixed != text
    parsed: dict[str, Any] = json.loads(fixed)
    return parsed


Ask = Callable[..., Any]


# The tests' shop signs the identities its web chat sends (identity.py): userHash.
IDENTITY_SECRET = "tests-identity-secret-0123456789abcdef"


def user_hash(user_id: str, secret: str = IDENTITY_SECRET) -> str:
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def build_request(
    order_id: str | int | None = "748596",
    *,
    signed: bool = True,
    uid: str = "51342",
    channel: str | None = "TELEGRAM",
    username: str | None = "ravir",
    language: str | None = "en-US",
    response_type: str | None = "text",
    interest_type: str = "order-status",
    text: str | None = None,
) -> dict[str, Any]:
    body = copy.deepcopy(seed_example())
    user = body["conversationRequest"]["userInfo"]
    user["uid"] = uid
    if username is None:
        user.pop("username")
    else:
        user["username"] = username
    if channel is None:
        body["conversationRequest"].pop("channel")
    else:
        body["conversationRequest"]["channel"] = channel
    body["queryInfo"]["interestType"] = interest_type
    if order_id is None:
        body["queryInfo"].pop("parameters")
    else:
        body["queryInfo"]["parameters"]["params"]["entityInfo"]["orderId"] = order_id
    if text is not None:
        body["queryInfo"]["queryText"] = text
    if language is None:
        body.pop("languageCode")
    else:
        body["languageCode"] = language
    if response_type is not None:
        body["responseType"] = response_type
    if signed and (channel or "").upper() not in ("TELEGRAM", "WHATSAPP", "SMS", "PHONE"):
        # A web chat's or an e-mail id counts only signed by the shop's back end.
        user["userHash"] = user_hash(uid)
    return body
