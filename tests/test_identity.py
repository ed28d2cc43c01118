"""The shop's signatures on an identity: userHash (HMAC-SHA256, hex) and identity tokens."""

from __future__ import annotations

import hashlib
import hmac
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from fulfillment.identity import Signatures, signed_identity

SECRET = "shop-identity-secret-0123456789-abcdef"
OLD = "the-secret-before-rotation-9876-fedcba-00"
SIGNATURES = Signatures.of([SECRET, OLD])


def user_hash(user_id: str, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def token(sub: str, secret: str = SECRET, **claims: object) -> str:
    return jwt.encode({"sub": sub, "exp": int(time.time()) + 600, **claims}, secret, "HS256")


@pytest.mark.parametrize("user_id", ["ram123", "ram123@gmail.com", "Ünïcødé id"])
def test_user_hash_under_either_secret(user_id: str) -> None:
    assert signed_identity(SIGNATURES, user_id, user_hash(user_id), None) == user_id
    assert signed_identity(SIGNATURES, user_id, user_hash(user_id, OLD), None) == user_id


@pytest.mark.parametrize(
    "given",
    [
        None,
        "",
        user_hash("ram123", "another-shop-with-its-own-long-secret"),
        user_hash("ram124"),
        user_hash("ram123").upper(),  # lowercase hex, exactly
        user_hash("ram123")[:-1],
        123,
        {"hash": user_hash("ram123")},
    ],
)
def test_a_wrong_or_missing_hash_vouches_for_nobody(given: object) -> None:
    assert signed_identity(SIGNATURES, "ram123", given, None) is None


def test_the_user_id_is_hashed_exactly_as_sent() -> None:
    assert signed_identity(SIGNATURES, "RAM123", user_hash("ram123"), None) is None
    assert signed_identity(SIGNATURES, " ram123", user_hash("ram123"), None) is None


def test_a_token_s_subject_is_the_user() -> None:
    assert signed_identity(SIGNATURES, None, None, token("ram123")) == "ram123"
    assert signed_identity(SIGNATURES, "someone-else", None, token("ram123")) == "ram123"
    assert signed_identity(SIGNATURES, None, None, token("ram123", OLD)) == "ram123"


@pytest.mark.parametrize(
    "bad",
    [
        jwt.encode({"sub": "ram123", "exp": int(time.time()) - 5}, SECRET, "HS256"),  # expired
        jwt.encode({"sub": "ram123"}, SECRET, "HS256"),  # no exp
        jwt.encode({"exp": int(time.time()) + 60}, SECRET, "HS256"),  # no sub
        jwt.encode({"sub": "ram123", "exp": int(time.time()) + 60}, "w" * 40, "HS256"),
        jwt.encode({"sub": "ram123", "exp": int(time.time()) + 60}, SECRET * 2, "HS512"),
        "not.a.token",
        "x" * 10_000,
        42,
    ],
)
def test_a_bad_token_vouches_for_nobody(bad: object) -> None:
    assert signed_identity(SIGNATURES, None, None, bad) is None


def test_unsigned_none_algorithm_is_refused() -> None:
    forged = jwt.encode({"sub": "ram123", "exp": int(time.time()) + 60}, None, "none")
    assert signed_identity(SIGNATURES, None, None, forged) is None


def test_rs256_with_the_shop_s_public_key() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signatures = Signatures.of([], public.decode())
    good = jwt.encode({"sub": "ram123", "exp": int(time.time()) + 60}, key, "RS256")
    assert signed_identity(signatures, None, None, good) == "ram123"
    # A token signed with the public key as an HMAC secret (algorithm confusion) is refused.
    confused = jwt.encode({"sub": "ram123", "exp": int(time.time()) + 60}, "x" * 40, "HS256")
    assert signed_identity(signatures, None, None, confused) is None


def test_nothing_configured_vouches_for_nobody() -> None:
    assert signed_identity(Signatures(), "ram123", user_hash("ram123"), token("ram123")) is None
