"""The designers' extraction data in intents/*.yaml: formats, cue words, test phrases."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

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


def _one_word(word: str) -> str:
    """A number word is one word: letters and the marks that go with them, nothing else."""
    if not all(unicodedata.category(c)[0] in "LM" for c in word):
        raise ValueError(f"{word!r} is not one word of letters (no spaces, digits or signs)")
    return word


def _word_keys(value: object) -> object:
    """YAML reads some bare words as something else: `null` as nothing, `no`/`on` as
    true/false. Say so, instead of pydantic's "Input should be a valid string"."""
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise ValueError(
                    f"{key!r} is not a word: put the word in quotes (YAML reads a bare "
                    "null, yes, no, on, off or number as something else)"
                )
    return value


NumberWord = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_one_word)]
DigitWords = Annotated[
    dict[NumberWord, Annotated[int, Field(strict=True, ge=0, le=9)]],
    BeforeValidator(_word_keys),
]
RepeatWords = Annotated[
    dict[NumberWord, Annotated[int, Field(strict=True, ge=2, le=9)]],
    BeforeValidator(_word_keys),
]


def fold(word: str) -> str:
    """A number word as compared with another: case and Unicode composition do not count."""
    return unicodedata.normalize("NFC", word).casefold()


class SpelledDigits(_Strict):
    """Order numbers said digit by digit: "seven four eight five nine six".

    Per language ("any": every language), each digit's words and the words that repeat the
    digit after them ("double five" is 55). A run of at least two of these words (and ASCII
    digits among them), separated by spaces or hyphens, is read as its digits; it is taken
    like an order number written in digits when it has `min_digits` digits or more and
    matches one of the formats.
    """

    digit_words: dict[LanguageKey, DigitWords] = Field(min_length=1)
    repeat_words: dict[LanguageKey, RepeatWords] = Field(default_factory=dict)
    min_digits: int | None = Field(
        default=None,
        ge=2,
        le=40,
        description="The fewest digits a run is read with; by default the shortest number "
        "of digits a format takes alone, and at least 4.",
    )

    def tables(self, language: str) -> tuple[dict[str, int], dict[str, int]]:
        """A language's digit words and repeat words: its own and those for "any"."""
        digits: dict[str, int] = {}
        repeats: dict[str, int] = {}
        for key in ("any", language):
            digits.update(next((t for k, t in self.digit_words.items() if k == key), {}))
            repeats.update(next((t for k, t in self.repeat_words.items() if k == key), {}))
        return digits, repeats

    @model_validator(mode="after")
    def _complete_and_unambiguous(self) -> SpelledDigits:
        for language in LANGUAGES:
            meanings: dict[str, str] = {}  # folded word -> what it means
            for key in ("any", language):
                for tables, kind in ((self.digit_words, "digit "), (self.repeat_words, "repeat x")):
                    table = next((t for k, t in tables.items() if k == key), {})
                    for word, number in table.items():
                        meaning = f"{kind}{number}"
                        known = meanings.setdefault(fold(word), meaning)
                        if known != meaning:
                            raise ValueError(
                                f"{language}: {word!r} has two meanings, {known} and {meaning}"
                            )
            digits, repeats = self.tables(language)
            missing = sorted(set(range(10)) - set(digits.values()))
            if digits and missing:
                raise ValueError(
                    f"digit_words.{language}: no word for {', '.join(map(str, missing))}"
                )
            if repeats and not digits:
                raise ValueError(f"repeat_words.{language}: {language} has no digit words")
        return self


class ExtractionSpec(_Strict):
    formats: list[OrderFormat] = Field(min_length=1)
    words: Vocabulary = Field(default_factory=Vocabulary)
    spelled_digits: SpelledDigits | None = Field(
        default=None, description="Digits written as words, per language."
    )


class PhraseTest(_Strict):
    """A phrase a customer might write, and the order numbers the service must find in it."""

    text: str = Field(min_length=1, max_length=2000)
    lang: str = Field(min_length=2, max_length=35)
    expect: list[str] = Field(default_factory=list)
    note: str | None = None
