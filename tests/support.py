"""Helpers shared by the tests: the seed example, request builders, the shipped files."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import gettext
import hashlib
import hmac
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_skeleton
from babel.messages.pofile import normalize, read_po

from fulfillment.i18n.catalogs import (
    SOURCE_LOCALE,
    CatalogTranslations,
    catalog_paths,
    load_translations,
)
from fulfillment.i18n.dates import DATE_SKELETON
from fulfillment.i18n.sources import spec_sources
from fulfillment.intents import IntentSpec
from fulfillment.settings import PROJECT_ROOT
from fulfillment.templates import DATE_LENGTHS, fields

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


# -- a catalog's own words, so that a test edits what translators wrote, whatever they wrote --


def msgstr(path: Path, context: str, msgid: str) -> str | tuple[str, ...]:
    """The translation of one entry of a .po file as Babel reads it: its msgstr, or a tuple of
    its plural forms (msgid: the entry's English, the singular of a plural entry)."""
    with path.open("rb") as handle:
        catalog = read_po(handle)
    message = catalog.get(msgid, context=context)
    assert message is not None, f"{path}: no entry {context!r} {msgid!r}"
    assert message.string, f"{path}: {context!r} {msgid!r} is not translated"
    if isinstance(message.string, str):
        return message.string
    return tuple(message.string)


def replace_msgstr(path: Path, context: str, msgid: str, new: str | Sequence[str | None]) -> int:
    """Write `new` as the translation of one entry of a .po file, every other line left as it
    is; the line of the entry's msgid, as Babel and the checks count. A plural entry takes a
    sequence of forms, msgstr[0], msgstr[1]...; None leaves that form out."""
    with path.open("rb") as handle:
        catalog = read_po(handle)
    message = catalog.get(msgid, context=context)
    assert message is not None, f"{path}: no entry {context!r} {msgid!r}"
    assert message.lineno
    lines = path.read_text(encoding="utf-8").split("\n")
    start = message.lineno  # the line after the msgid's (lines[] counts from 0)
    while not lines[start].startswith("msgstr"):
        start += 1
    end = start
    while end < len(lines) and lines[end].startswith(("msgstr", '"')):
        end += 1
    if isinstance(new, str):
        assert not message.pluralizable, f"{context!r} is a plural entry: give its forms"
        written = [f"msgstr {normalize(new, width=0)}"]
    else:
        assert message.pluralizable, f"{context!r} has no plural forms"
        written = [
            f"msgstr[{index}] {normalize(form, width=0)}"
            for index, form in enumerate(new)
            if form is not None
        ]
    lines[start:end] = "\n".join(written).split("\n")
    path.write_text("\n".join(lines), encoding="utf-8")
    return message.lineno


def served_template(spec: IntentSpec, locale: str, entry: str, variant: int = 0) -> str:
    """The text the shipped catalogs of `locale` serve for `entry` ("replies.delivered", its
    `variant`-th variant; "phrases.order_summary"): the catalog's own translation, the one it
    inherits, or the designers' English for en_US."""
    if entry.startswith("replies."):
        english: str | None = spec.replies[entry.removeprefix("replies.")].variants[variant]
    else:
        english = spec.phrases[entry.removeprefix("phrases.")].text
    assert english is not None, f"{entry} is a plural phrase"
    key = (spec.context(entry), english)
    translations = _shipped_translations().get(locale)
    if not isinstance(translations, CatalogTranslations):
        return english
    strings = translations.resolve(spec_sources(spec)).entries[key].strings
    assert strings is not None, f"{locale} does not serve {key}"
    return strings[0]


@functools.cache
def _shipped_translations() -> dict[str, gettext.NullTranslations]:
    return load_translations(PROJECT_ROOT / "locales")


def served_format(spec: IntentSpec, locale: str, entry: str, name: str, variant: int = 0) -> str:
    """The format ("", "long", "MMMMd"...) the served text of `entry` (served_template) gives
    the date placeholder `name`; translators choose it per message (TRANSLATING.md, "Dates")."""
    template = served_template(spec, locale, entry, variant)
    formats = dict(fields(template))
    assert name in formats, f"{locale}: no {{{name}}} in {template!r}"
    return formats[name]


def written_date(day: dt.date, spec: str, locale: str) -> str:
    """A date as Babel itself writes it in a placeholder's format: "" (the default,
    DATE_SKELETON), a length (long), or a skeleton (MMMMd)."""
    if spec in DATE_LENGTHS:
        return str(format_date(day, spec, locale=locale))
    return str(format_skeleton(spec or DATE_SKELETON, day, locale=locale))
