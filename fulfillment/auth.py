"""API keys (Bearer or X-API-Key) and HTTP Basic, compared in constant time."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from pathlib import Path
from urllib.parse import parse_qsl

from starlette.requests import Request

from fulfillment.errors import Unauthorized
from fulfillment.settings import Settings

_ACCEPTED_MAX = 64
CHALLENGE = 'Bearer realm="fulfillment", Basic realm="fulfillment", charset="UTF-8"'


def _digest(secret: str) -> bytes:
    # Comparing fixed-length digests keeps compare_digest constant-time whatever the length.
    return hashlib.sha256(secret.encode("utf-8")).digest()


def _unauthorized(message: str) -> Unauthorized:
    return Unauthorized(message, headers={"WWW-Authenticate": CHALLENGE})


class Credentials:
    def __init__(self, api_keys: list[str], basic: list[str]) -> None:
        self._keys = [_digest(key) for key in api_keys]
        self._basic = [_digest(pair) for pair in basic]
        # Credentials already found valid, so a platform's every call skips the hashing. Only
        # valid ones are kept: a stranger's guesses cannot grow it, and hitting it tells them
        # nothing the 200 does not.
        self._accepted: set[tuple[str, bool]] = set()
        # The same, one step earlier: the raw values of requests that passed (Authorization,
        # X-API-Key, and the query string where ?token= counts), so a platform's every call
        # is one set lookup, no parsing.
        self._passed: set[tuple[bytes | None, bytes | None, bytes]] = set()

    def _matches(self, candidate: str, basic: bool) -> bool:
        if (candidate, basic) in self._accepted:
            return True
        presented = _digest(candidate)
        found = False
        for digest in self._basic if basic else self._keys:  # no early exit: same cost each
            found |= hmac.compare_digest(presented, digest)
        if found:
            if len(self._accepted) >= _ACCEPTED_MAX:
                self._accepted.clear()
            self._accepted.add((candidate, basic))
        return found

    def check(self, request: Request, query_token: bool = False) -> None:
        """Raise Unauthorized unless the request carries a valid credential.

        `query_token` also accepts `?token=<key>`, which is how Rasa's endpoints.yml sends
        the `token` of an action endpoint.
        """
        headers = request.scope["headers"]
        self.check_raw(
            next((v for k, v in headers if k == b"authorization"), None),
            next((v for k, v in headers if k == b"x-api-key"), None),
            request.scope.get("query_string", b"") if query_token else b"",
        )

    def check_raw(
        self, authorization: bytes | None, api_key: bytes | None, query_string: bytes = b""
    ) -> None:
        """`check` on the raw header values (the first of each) and the raw query string
        (b"" where ?token= does not count)."""
        key = (authorization, api_key, query_string)
        if key in self._passed:
            return
        self._check(
            None if authorization is None else authorization.decode("latin-1"),
            None if api_key is None else api_key.decode("latin-1"),
            query_string,
        )
        if len(self._passed) >= _ACCEPTED_MAX:
            self._passed.clear()
        self._passed.add(key)

    def _check(self, header: str | None, api_key: str | None, query_string: bytes) -> None:
        source = "X-API-Key"
        if query_string and header is None and api_key is None:
            token = _query_token(query_string)
            if token is not None:
                api_key, source = token, "?token="
        if header is None and api_key is None:
            raise _unauthorized(
                "Credentials required: send 'Authorization: Bearer <key>', "
                "'X-API-Key: <key>' or HTTP Basic."
            )
        if api_key is not None:
            if not self._matches(api_key.strip(), basic=False):
                raise _unauthorized(f"The API key in {source} is not valid.")
            return
        assert header is not None
        scheme, _, value = header.strip().partition(" ")
        value = value.strip()
        if scheme.lower() == "bearer" and value:
            if not self._matches(value, basic=False):
                raise _unauthorized("The bearer token is not a valid API key.")
            return
        if scheme.lower() == "basic" and value:
            try:
                pair = base64.b64decode(value, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                raise _unauthorized(
                    "The Basic credentials are not valid base64 of user:password."
                ) from None
            _user, colon, password = pair.partition(":")
            if not colon:
                raise _unauthorized("The Basic credentials must be user:password.")
            # A key as the password lets a console that only offers Basic use an API key.
            if not (self._matches(pair, basic=True) | self._matches(password, basic=False)):
                raise _unauthorized("The Basic credentials are not valid.")
            return
        raise _unauthorized("The Authorization header must be 'Bearer <key>' or 'Basic <base64>'.")


def _query_token(query_string: bytes) -> str | None:
    """The query string's `token`, as Starlette's query_params gives it (the last one)."""
    found = None
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if name == "token":
            found = value
    return found


def _generated_key(path: Path) -> str:
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    # Written owner-only: the key opens every customer's order status.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


def load_credentials(settings: Settings) -> tuple[Credentials, str | None]:
    """The configured credentials; with none configured, a generated key (never run open)."""
    keys = [key.get_secret_value() for key in settings.api_keys]
    basic = [pair.get_secret_value() for pair in settings.basic_auth]
    generated = None
    if not keys and not basic:
        generated = _generated_key(settings.generated_key_path)
        keys = [generated]
    return Credentials(keys, basic), generated
