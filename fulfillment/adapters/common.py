"""Small translations every platform adapter needs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fulfillment.reply import CardMessage, MediaMessage, Reply, SuggestionsMessage, TextMessage


def parameter_values(parameters: Mapping[str, Any], names: Iterable[str]) -> list[str]:
    """Order numbers from platform parameters: strings, numbers, lists, or {original, resolved}.

    Dialogflow sends "" for an unfilled parameter and lists for list parameters; numbers come
    as floats (748596.0) from some NLU entity types.
    """
    found: list[str] = []
    for name in names:
        value = parameters.get(name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, Mapping):
                item = item.get("resolvedValue", item.get("original", item.get("value")))
            if isinstance(item, float) and item.is_integer():
                item = int(item)
            if isinstance(item, int | str) and not isinstance(item, bool) and str(item).strip():
                found.append(str(item).strip())
    return found


def identity_text(value: Any) -> str | None:
    """A name or id read from a free-form platform payload: text, or a whole number as text.

    Payloads are JSON of any shape. Anything else (an object, a list, true, 1.5) counts as
    absent: passed on, it reached the order store as a query parameter, failed there, and was
    counted as a backend outage (an apology, and the circuit breaker opened for everyone).
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Dialogflow's Struct carries every number as a double
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    return None


def texts(reply: Reply) -> list[str]:
    return [m.text for m in reply.messages if isinstance(m, TextMessage)]


def cards(reply: Reply) -> list[CardMessage]:
    return [m for m in reply.messages if isinstance(m, CardMessage)]


def media(reply: Reply) -> list[MediaMessage]:
    return [m for m in reply.messages if isinstance(m, MediaMessage)]


def chips(reply: Reply) -> list[str]:
    return [chip for m in reply.messages if isinstance(m, SuggestionsMessage) for chip in m.chips]


def rich_content(reply: Reply) -> list[list[dict[str, Any]]]:
    """Dialogflow Messenger's richContent (ES and CX): one list of elements per card,
    picture set or row of chips."""
    content: list[list[dict[str, Any]]] = []
    for card in cards(reply):
        info: dict[str, Any] = {"type": "info", "title": card.title, "subtitle": card.subtitle}
        if card.image:
            info["image"] = {"src": {"rawUrl": card.image.url}}
        if card.button:
            info["actionLink"] = card.button.url
        elements = [info, {"type": "description", "text": card.body.split("  \n")}]
        if card.button:
            elements.append({"type": "button", "text": card.button.title, "link": card.button.url})
        content.append(elements)
    for found in media(reply):
        content.append(
            [
                {"type": "image", "rawUrl": o.image.url, "accessibilityText": o.image.alt}
                for o in found.objects[:10]
            ]
        )
    suggestions = chips(reply)
    if suggestions:
        content.append([{"type": "chips", "options": [{"text": c} for c in suggestions[:8]]}])
    return content
