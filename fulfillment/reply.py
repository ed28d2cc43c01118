"""Platform-neutral replies: what to say or show, before any adapter shapes it."""

from __future__ import annotations

from dataclasses import dataclass, field

# Google's limit for a chat bubble, and a sane one for every other channel.
MAX_BUBBLE = 640


def fit_bubble(text: str, limit: int = MAX_BUBBLE) -> str:
    """Cut an over-long text at the last word break, so no channel truncates mid-word."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


@dataclass(frozen=True, slots=True)
class TextMessage:
    text: str


@dataclass(frozen=True, slots=True)
class Button:
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Image:
    url: str
    alt: str


@dataclass(frozen=True, slots=True)
class CardMessage:
    title: str
    subtitle: str
    body: str
    image: Image | None = None
    button: Button | None = None


@dataclass(frozen=True, slots=True)
class MediaObject:
    name: str
    description: str
    url: str
    image: Image


@dataclass(frozen=True, slots=True)
class MediaMessage:
    objects: tuple[MediaObject, ...]


@dataclass(frozen=True, slots=True)
class SuggestionsMessage:
    """Chips the customer can tap instead of typing; at most 8 on any platform."""

    chips: tuple[str, ...]


Message = TextMessage | CardMessage | MediaMessage | SuggestionsMessage


@dataclass(frozen=True, slots=True)
class Handover:
    """The reply offers a person: why (exception, delivery_failed, returned, late, stale)
    and about which order. Each platform passes it on its own way."""

    reason: str
    order_id: str


@dataclass(slots=True)
class Reply:
    locale: str
    messages: list[Message] = field(default_factory=list)
    # What platforms keep in their conversation state: the order numbers answered, and
    # whether the reply asks the customer for one (so the next turn is read as the answer).
    order_ids: list[str] = field(default_factory=list)
    awaits_order_number: bool = False
    # The order number a guest was asked to prove theirs (the next turn is read as the
    # proof: platforms keep the number until then).
    verifying: str | None = None
    # For logs and metrics: answered, not_found, asked, verifying, backend_down or refused.
    outcome: str = "answered"
    handover: Handover | None = None
