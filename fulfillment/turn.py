"""One turn of a conversation, as every platform adapter hands it to the intent handlers."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from fulfillment.domain import Asker, Proof


class ResponseType(StrEnum):
    TEXT = "text"
    CARD = "card"
    MEDIA = "media"


class Turn(NamedTuple):
    """One turn, immutable (a tuple, made for every request: see domain.Asker)."""

    interest_type: str
    asker: Asker
    locale: str
    response_type: ResponseType = ResponseType.TEXT
    order_ids: tuple[str, ...] = ()
    text: str | None = None
    # The ISO 639 language the customer writes in (resolved with `locale`, from the same
    # languageCode): the extractor picks its tokenizer by it, even for a language whose
    # replies fall back to another locale.
    language: str | None = None
    # The platform's conversation (Dialogflow session, Rasa sender): guesses are counted
    # per session too, whatever identity each turn claims.
    session: str | None = None
    # A guest's second factors as the platform gave them (parameters, slots, entityInfo);
    # none: read from the text, if it is there.
    proofs: tuple[Proof, ...] = ()
    # The order number a guest named in an earlier turn and was asked to prove, carried in
    # the platform's memory (Dialogflow's context, CX's session, a Rasa slot).
    verifying: str | None = None
