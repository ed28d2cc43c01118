"""The designers' extraction data in intents/*.yaml: formats, cue words, test phrases."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

# The languages whose spaCy tokenizer is built at start-up; "any" holds words for all of them.
LANGUAGES = ("en", "de", "es", "fr", "pt", "hi")
LanguageKey = Literal["any", "en", "de", "es", "fr", "pt", "hi"]


def _regex(pattern: str) -> str:
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    if compiled.match(""):
        raise ValueError("the pattern matches the empty string")
    if compiled.groups:
        raise ValueError("use (?:...) instead of capturing groups")
    return pattern


Words = list[Annotated[str, Field(min_length=1, max_length=60)]]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OrderFormat(_Strict):
    """One way the shop writes order numbers, as a regular expression over the whole number."""

    name: str = Field(min_length=1, max_length=60)
    pattern: Annotated[str, AfterValidator(_regex)]
    distinctive: bool = Field(
        default=False,
        description="True when the format cannot be mistaken for another number "
        "(letters, a '#', hyphens): it counts without a cue word.",
    )
    example: str | None = None

    @model_validator(mode="after")
    def _example_matches(self) -> OrderFormat:
        if self.example is not None and not re.fullmatch(self.pattern, self.example):
            raise ValueError(f"example {self.example!r} does not match the pattern")
        return self


class Vocabulary(_Strict):
    """Words per language; "any" applies to every language."""

    order_cues: dict[LanguageKey, Words] = Field(default_factory=dict)
    markers: dict[LanguageKey, Words] = Field(default_factory=dict)
    phone_cues: dict[LanguageKey, Words] = Field(default_factory=dict)
    tracking_cues: dict[LanguageKey, Words] = Field(default_factory=dict)
    postcode_cues: dict[LanguageKey, Words] = Field(default_factory=dict)
    quantity_words: dict[LanguageKey, Words] = Field(default_factory=dict)
    currency_words: dict[LanguageKey, Words] = Field(default_factory=dict)


class ExtractionSpec(_Strict):
    formats: list[OrderFormat] = Field(min_length=1)
    words: Vocabulary = Field(default_factory=Vocabulary)


class PhraseTest(_Strict):
    """A phrase a customer might write, and the order numbers the service must find in it."""

    text: str = Field(min_length=1, max_length=2000)
    lang: str = Field(min_length=2, max_length=35)
    expect: list[str] = Field(default_factory=list)
    note: str | None = None
