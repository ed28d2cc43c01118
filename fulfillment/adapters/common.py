"""Small translations every platform adapter needs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fulfillment.domain import Factor, Proof
from fulfillment.reply import CardMessage, MediaMessage, Reply, SuggestionsMessage, TextMessage


def parameter_values(parameters: Mapping[str, Any], names: Iterable[str]) -> list[str]:
    """Order numbers from platform parameters: strings, numbers, lists, or {original, resolved}.

    Dialogflow sends "" for an unfilled parameter and lists for list parameters; numbers come
    as floats (748596.0) from some NLU entity types.
    """
    found: list[str] = []
    for name in names:
        value = parameters.get(name)
        if value is None:  # most names asked for are absent: no isinstance checks for them
            continue
        for item in value if isinstance(value, list) else (value,):
            if type(item) is str:  # the usual case, first: the ABC check below costs more
                if item := item.strip():
                    found.append(item)
                continue
            if isinstance(item, Mapping):
                item = item.get("resolvedValue", item.get("original", item.get("value")))
            if isinstance(item, float) and item.is_integer():
                item = int(item)
            if isinstance(item, int | str) and not isinstance(item, bool) and str(item).strip():
                found.append(str(item).strip())
    return found


# The parameter (slot, entity) names a guest's second factor may come under: ours, and
# Dialogflow's system entities' defaults (@sys.email, @sys.zip-code).
PROOF_PARAMETERS = {
    Factor.EMAIL: ("email", "emailAddress", "email_address"),
    Factor.POSTCODE: ("postcode", "zip-code", "zip_code", "zipCode", "postalCode", "postal_code"),
    Factor.PHONE_LAST4: ("phoneLast4", "phone_last4", "phone-last4"),
}


# Every one of those names, for platforms that forget a factor that did not match.
PROOF_NAMES = tuple(name for names in PROOF_PARAMETERS.values() for name in names)
_PROOF_NAMES = frozenset(PROOF_NAMES)


def given_proofs(parameters: Mapping[str, Any]) -> tuple[Proof, ...]:
    """A guest's second factors among a platform's parameters or slots, each the first
    usable value under one of its names."""
    if _PROOF_NAMES.isdisjoint(parameters):  # most turns: one set operation, not 15 lookups
        return ()
    proofs = []
    for factor, names in PROOF_PARAMETERS.items():
        for value in parameter_values(parameters, names):
            proof = Proof.of(factor, value[:320])
            if proof is not None:
                proofs.append(proof)
                break
    return tuple(proofs)


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


# ------------------------------------------------------------------------------------------
# What a surface shows: the playground's preview. Plain data, one item per thing the customer
# sees or hears, in order:
#   {"kind": "text", "text"}                      a chat bubble (one SMS, one paragraph...)
#   {"kind": "speech", "text"}                    said aloud (phone gateway, Twilio Voice)
#   {"kind": "image", "url", "alt"}               a picture on its own
#   {"kind": "card", "title", "subtitle", "text", "image": {url, alt} | None, "buttons"}
#   {"kind": "buttons", "text", "layout", "buttons"}   a message with buttons or chips
#   {"kind": "note", "text"}                      what the surface does that shows nothing
# A button is {"title", "send", "url"}: `send` is what a tap sends as the customer's next
# message (None: it opens `url`, or nothing).
# Bodies are read defensively: a preview never fails on an odd response.


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def button(title: str, send: str | None = None, url: str | None = None) -> dict[str, Any]:
    return {"title": title, "send": send, "url": url}


def link_or_reply(title: str, target: str) -> dict[str, Any]:
    """A button whose target is a web address opens it; otherwise a tap sends the target
    (Dialogflow's card buttons: `postback` is text to send back, or a URI to open)."""
    if target.startswith(("https://", "http://")):
        return button(title, url=target)
    return button(title, send=target or title)


def text_item(text: str) -> dict[str, Any]:
    return {"kind": "text", "text": text}


def speech_item(text: str) -> dict[str, Any]:
    return {"kind": "speech", "text": text}


def image_item(url: str, alt: str = "") -> dict[str, Any]:
    return {"kind": "image", "url": url, "alt": alt}


def card_item(
    title: str,
    subtitle: str = "",
    text: str = "",
    image: dict[str, str] | None = None,
    buttons: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "kind": "card",
        "title": title,
        "subtitle": subtitle,
        "text": text,
        "image": image,
        "buttons": buttons or [],
    }


def buttons_item(text: str, layout: str, buttons: list[dict[str, Any]]) -> dict[str, Any]:
    """Layouts: chips (Dialogflow Messenger, the seed's suggestions), keyboard (Telegram's
    reply keyboard), inline (Telegram's inline keyboard, Slack's actions), quick_replies
    (Messenger, socket.io), template (Messenger's button template), list (REST: the client
    draws them)."""
    return {"kind": "buttons", "text": text, "layout": layout, "buttons": buttons}


def note_item(text: str) -> dict[str, Any]:
    return {"kind": "note", "text": text}


def paragraphs(text: str) -> list[str]:
    """Rasa's channels send a text one paragraph (blank-line separated) per message."""
    return [part for part in text.strip().split("\n\n") if part.strip()]


def messenger_preview(messages: list[Any]) -> list[dict[str, Any]]:
    """Dialogflow Messenger (ES and CX): text messages as bubbles, and a custom payload's
    `richContent`, where each inner list is one card (info, description, button), a set of
    pictures, or a row of chips. Other message types it does not show."""
    items: list[dict[str, Any]] = []
    for message in map(as_dict, messages):
        if "text" in message:
            said = as_list(as_dict(message["text"]).get("text"))[:1]
            items += [text_item(as_text(t)) for t in said]
        for group in as_list(as_dict(message.get("payload")).get("richContent")):
            items += _rich_group(as_list(group))
    return items


def _rich_group(elements: list[Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    card: dict[str, Any] | None = None
    for element in map(as_dict, elements):
        kind = element.get("type")
        if kind in ("info", "description", "button"):
            if card is None:
                card = card_item("")
                items.append(card)
            if kind == "info":
                card["title"] = as_text(element.get("title"))
                card["subtitle"] = as_text(element.get("subtitle"))
                raw = as_text(as_dict(as_dict(element.get("image")).get("src")).get("rawUrl"))
                if raw:
                    card["image"] = {"url": raw, "alt": card["title"]}
            elif kind == "description":
                lines = element.get("text")
                # Each line of the description is a line of the card (Markdown's "  \n").
                text = "  \n".join(map(str, lines)) if isinstance(lines, list) else as_text(lines)
                card["text"] = "  \n".join(t for t in (card["text"], text) if t)
            else:
                link = as_text(element.get("link"))
                card["buttons"].append(link_or_reply(as_text(element.get("text")), link))
        elif kind == "image":
            raw = as_text(element.get("rawUrl"))
            items.append(image_item(raw, as_text(element.get("accessibilityText"))))
        elif kind == "chips":
            chips = [
                link_or_reply(as_text(o.get("text")), as_text(o.get("link")))
                for o in map(as_dict, as_list(element.get("options")))
            ]
            items.append(buttons_item("", "chips", chips))
        else:
            items.append(note_item(f"A richContent element of type {kind!r} is not shown."))
    return items
