"""How far the identity in a request can be trusted, and the shop's signatures on it.

An identity the platform itself vouches for (Telegram's `from.id` through Dialogflow's
Telegram integration, a phone gateway's caller id, Twilio's WhatsApp sender, the seed
contract's caller for the channels the shop trusts it for) is taken as it comes. One a
browser supplies (a web chat's user id, Dialogflow payload ids, an e-mail address given as
the id) counts only when the shop's back end signed it: `userHash`, the lowercase hex
HMAC-SHA256 of the user id exactly as sent, or a JWT (`identityToken`) whose `sub` is the
user id. Anything else is a guest, who owns no order until they prove a second factor.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import jwt
import jwt.types

from fulfillment.domain import Asker

# Channels whose ids the platform vouches for when the seed contract's caller (the shop's
# own bot platform, authenticated with an API key) says so; WEB is the browser's word.
DEFAULT_TRUSTED_CHANNELS = ("TELEGRAM", "WHATSAPP", "SMS", "PHONE", "FACEBOOK", "SLACK")
# A token is a few hundred bytes; far more is not one of ours, and not worth decoding.
_MAX_TOKEN = 4096


@dataclass(frozen=True, slots=True)
class Signatures:
    """The shop's secrets (several during a rotation) and, for RS256 tokens, its public key."""

    secrets: tuple[bytes, ...] = ()
    public_key: str | None = None

    @classmethod
    def of(cls, secrets: Iterable[str], public_key: str | None = None) -> Signatures:
        return cls(tuple(s.encode("utf-8") for s in secrets if s), public_key or None)

    @property
    def configured(self) -> bool:
        return bool(self.secrets or self.public_key)

    def user_hash_valid(self, user_id: str, user_hash: object) -> bool:
        """True when `user_hash` is the HMAC-SHA256 of `user_id` under one of the secrets."""
        if not isinstance(user_hash, str) or len(user_hash) != 64:
            return False
        given = user_hash.encode("ascii", "replace")
        found = False
        for secret in self.secrets:
            expected = sign_user_id(secret, user_id).encode("ascii")
            # Every secret is tried, so the time taken does not tell which one matched.
            found |= hmac.compare_digest(expected, given)
        return found

    def token_subject(self, token: object) -> str | None:
        """The `sub` of a valid, unexpired identity token, else None (never says why)."""
        if not isinstance(token, str) or not token or len(token) > _MAX_TOKEN:
            return None
        options: jwt.types.Options = {"require": ["exp", "sub"]}
        attempts: list[tuple[str | bytes, Sequence[str]]] = [(s, ["HS256"]) for s in self.secrets]
        if self.public_key:
            attempts.append((self.public_key, ["RS256"]))
        for key, algorithms in attempts:
            try:
                claims = jwt.decode(token, key, algorithms=algorithms, options=options)
            except jwt.PyJWTError:
                continue
            subject = claims.get("sub")
            if isinstance(subject, str) and subject.strip():
                return subject
        return None


@dataclass(frozen=True, slots=True)
class TrustPolicy:
    """Which identities are taken as they come, and the signatures that vouch for the rest."""

    signatures: Signatures
    trusted_channels: frozenset[str]
    # Off only on the demo store (settings.identities_must_be_signed): every id as given.
    enforced: bool = True

    def judge(self, asker: Asker, user_hash: object = None, token: object = None) -> Asker:
        """The asker as far as they can be trusted: as given, signed, or a guest."""
        if not self.enforced:
            subject = self.signatures.token_subject(token) if token is not None else None
            return asker._replace(uid=subject) if subject else asker
        email = "@" in asker.uid  # an e-mail address as the id is typed, never vouched for
        if not email and asker.source == "platform":
            return asker
        channel = (asker.channel or "").upper()
        if not email and asker.source == "caller" and channel in self.trusted_channels:
            return asker
        uid = signed_identity(self.signatures, asker.uid, user_hash, token)
        if uid is None:
            return asker._replace(trusted=False)
        return asker._replace(uid=uid, trusted=True)


def sign_user_id(secret: bytes, user_id: str) -> str:
    """The `userHash` a shop's back end sends: lowercase hex HMAC-SHA256 of the user id."""
    return hmac.new(secret, user_id.encode("utf-8"), hashlib.sha256).hexdigest()


def signed_identity(
    signatures: Signatures, user_id: str | None, user_hash: object, token: object
) -> str | None:
    """The user id the shop's back end vouches for, if any: a valid token's subject (which
    wins), else `user_id` when `user_hash` signs it."""
    if not signatures.configured:
        return None
    subject = signatures.token_subject(token) if token is not None else None
    if subject is not None:
        return subject
    if user_id and signatures.user_hash_valid(user_id, user_hash):
        return user_id
    return None
