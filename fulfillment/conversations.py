"""Conversations the designers write in intents/*.yaml: several turns, each platform's memory
carried from one to the next.

```yaml
conversations:
  - name: several open orders, the customer taps a chip
    platforms: [seed, dialogflow-es]        # optional; default every platform
    customer: {channel: TELEGRAM, uid: "51342"}   # guest: true for a visitor nobody identified
    lang: en                                # optional; default en
    turns:
      - say: where is my order?
        expect: Which order do you mean?    # a substring, or a list of them
      - click: "748597"                     # a chip or button of the last reply, by its label
        expect: [748597, out for delivery]
        expect_not: 748596
```

`fulfillment phrases` runs every conversation on every platform it names, through the service
in process, on a throw-away demo store (fulfillment/phrasetests.py); the playground's tests view
runs them too. Expectations are matched, ignoring case, against what the customer sees or hears
on the platform's surface (its bubbles, cards, buttons, spoken text), not against JSON.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _listed(value: Any) -> Any:
    """One expectation may be written bare; a number (748596) is its digits."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [_text(item) for item in items]


def _text(value: Any) -> Any:
    """YAML reads 748596 as a number; a label or an id is its digits."""
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


Expectations = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=640)]], BeforeValidator(_listed)
]
Said = Annotated[str, BeforeValidator(_text), Field(min_length=1, max_length=2000)]
Label = Annotated[str, BeforeValidator(_text), Field(min_length=1, max_length=200)]


class ConversationCustomer(_Strict):
    """Who talks: a customer of the store, by the identity the platforms send."""

    channel: str = Field(min_length=1, max_length=40, description="TELEGRAM, WEB, WHATSAPP, ...")
    uid: Annotated[str, BeforeValidator(_text)] = Field(
        min_length=1, max_length=320, description="The user (chat) id on that channel."
    )
    username: str | None = Field(default=None, max_length=200)
    first_name: str | None = Field(default=None, max_length=200)
    guest: bool = Field(
        default=False,
        description="A visitor nobody identified (a shop's website without sign-in): the "
        "identity is sent unsigned (Dialogflow front ends send none), so the service asks "
        "for a second factor before it tells anything about an order.",
    )


class ConversationTurn(_Strict):
    """What the customer does (says something, or taps a chip or button of the last reply)
    and what the bot's answer must, and must not, contain."""

    say: Said | None = None
    click: Label | None = None
    expect: Expectations = Field(default_factory=list)
    expect_not: Expectations = Field(default_factory=list)
    note: str | None = None

    @model_validator(mode="after")
    def _say_or_click(self) -> ConversationTurn:
        if (self.say is None) == (self.click is None):
            raise ValueError("a turn either says something (say:) or taps a label (click:)")
        return self

    @property
    def action(self) -> Literal["say", "click"]:
        return "say" if self.say is not None else "click"

    @property
    def words(self) -> str:
        """What the designer wrote: the text said, or the label tapped."""
        return self.say if self.say is not None else self.click or ""


class Conversation(_Strict):
    name: str = Field(min_length=1, max_length=200)
    note: str | None = None
    platforms: list[str] | None = Field(
        default=None, description="The platforms it runs on (seed, dialogflow-es, ...); all."
    )
    surfaces: dict[str, str] = Field(
        default_factory=dict,
        description="Per platform, the surface to talk on (dialogflow-es: phone); default the "
        "surface that vouches for the customer's channel, else the platform's first.",
    )
    customer: ConversationCustomer
    lang: str = Field(default="en", min_length=2, max_length=35, description="languageCode.")
    response_type: Literal["text", "card", "media"] = "card"
    turns: list[ConversationTurn] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _known_platforms(self) -> Conversation:
        # Imported here: the platforms import this module's importer (fulfillment.intents).
        from fulfillment.adapters import PLATFORMS

        for name in [*(self.platforms or []), *self.surfaces]:
            if name not in PLATFORMS:
                raise ValueError(f"no platform {name!r}; known: {', '.join(PLATFORMS)}")
        for name, surface in self.surfaces.items():
            known = [s.id for s in PLATFORMS[name].surfaces]
            if surface not in known:
                raise ValueError(f"{name} has no surface {surface!r}; known: {', '.join(known)}")
        return self

    def platform_names(self) -> list[str]:
        from fulfillment.adapters import PLATFORMS

        return list(self.platforms) if self.platforms else list(PLATFORMS)
