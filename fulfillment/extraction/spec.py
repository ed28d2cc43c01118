"""The designers' extraction data in intents/*.yaml: formats, cue words, test phrases."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Literal

from babel import localedata
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

# The words for every language, in each table of words per language.
ANY = "any"
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


def _language(key: str) -> str:
    """A language the data names: an ISO 639 code that Babel's CLDR data knows (the month
    names and plural rules come from there), in lower case and without a region: "pt", not
    "pt_BR" (the customer's languageCode comes to its language before the words are chosen)."""
    if not (_LANGUAGE_CODE.fullmatch(key) and localedata.exists(key)):
        raise ValueError(
            f"{key!r} is not a language code that Babel knows (ISO 639, lower case, "
            'no region: "pt", not "pt_BR")'
        )
    return key


def _language_key(key: str) -> str:
    return key if key == ANY else _language(key)


# A table's key: a language, or "any" for words of every language. The languages served are
# those the data names (ExtractionSpec.languages): adding one needs no code.
LanguageKey = Annotated[str, AfterValidator(_language_key)]
Language = Annotated[str, AfterValidator(_language)]
# How a language's text is cut into tokens, on which cue words are found (numbers are found in
# the text itself). "language": spaCy's tokenizer for the language; "generic": spaCy's
# multi-language one; "scripts": the multi-language one that also cuts where the script changes
# (kanji, kana, digits, Latin letters), for languages written without spaces between words.
Tokenizer = Literal["language", "generic", "scripts"]


def _regex(pattern: str) -> str:
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    if compiled.match(""):
        raise ValueError("the pattern matches the empty string")
    if compiled.groups:
        raise ValueError("use (?:...) instead of capturing groups")
    try:  # formats are searched for together, each a group of one pattern
        re.compile(f"x|(?:{pattern})")
    except re.error:
        raise ValueError(
            "flags such as (?i) apply to one pattern only here, as (?i:...); "
            "formats are matched without regard to case anyway"
        ) from None
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


def _prefix(word: str) -> str:
    if not (1 <= len(word) <= 3 and all(unicodedata.category(c)[0] in "LM" for c in word)):
        raise ValueError(f"{word!r} is not a prefix of one to three letters")
    return word


class Vocabulary(_Strict):
    """Words per language; "any" applies to every language."""

    order_cues: dict[LanguageKey, Words] = Field(default_factory=dict)
    markers: dict[LanguageKey, Words] = Field(default_factory=dict)
    phone_cues: dict[LanguageKey, Words] = Field(default_factory=dict)
    tracking_cues: dict[LanguageKey, Words] = Field(default_factory=dict)
    postcode_cues: dict[LanguageKey, Words] = Field(default_factory=dict)
    quantity_words: dict[LanguageKey, Words] = Field(default_factory=dict)
    currency_words: dict[LanguageKey, Words] = Field(default_factory=dict)
    # Words after which digits are the end of an order number ("the one ending in 8596"):
    # an identified customer's own orders are matched by that suffix.
    last_digits_cues: dict[LanguageKey, Words] = Field(default_factory=dict)
    # Words of a letter or two written on the front of the next word, a number too: Arabic
    # و "and" (٧٤٨٥٩٦ و٧٤٨٥٩٧). A number right after one stands alone, as after a space.
    number_prefixes: dict[LanguageKey, list[Annotated[str, AfterValidator(_prefix)]]] = Field(
        default_factory=dict
    )


def _one_word(word: str) -> str:
    """A number word is one word: letters and the marks that go with them, nothing else
    (but letter numbers, such as the kanji zero U+3007, which Unicode counts as numbers)."""
    if not all(unicodedata.category(c)[0] in "LM" or unicodedata.category(c) == "Nl" for c in word):
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
        for key in (ANY, language):
            digits.update(self.digit_words.get(key, {}))
            repeats.update(self.repeat_words.get(key, {}))
        return digits, repeats

    @model_validator(mode="after")
    def _complete_and_unambiguous(self) -> SpelledDigits:
        for language in sorted({ANY, *self.digit_words, *self.repeat_words}):
            meanings: dict[str, str] = {}  # folded word -> what it means
            for key in dict.fromkeys((ANY, language)):  # in this order, once each
                for tables, kind in ((self.digit_words, "digit "), (self.repeat_words, "repeat x")):
                    for word, number in tables.get(key, {}).items():
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
    tokenizers: dict[Language, Tokenizer] = Field(
        default_factory=dict,
        description="The tokenizer of a language, where it is not the default: spaCy's "
        "tokenizer for the language when spaCy has one, else spaCy's multi-language one.",
    )

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages the data names, in its word tables, number words and tokenizers:
        each gets its tokenizer and its words (and those for "any")."""
        keys = set(self.tokenizers)
        for name in type(self.words).model_fields:
            keys.update(getattr(self.words, name))
        if self.spelled_digits is not None:
            keys.update(self.spelled_digits.digit_words, self.spelled_digits.repeat_words)
        return tuple(sorted(keys - {ANY}))


class PhraseTest(_Strict):
    """A phrase a customer might write, and the order numbers the service must find in it."""

    text: str = Field(min_length=1, max_length=2000)
    lang: str = Field(min_length=2, max_length=35)
    expect: list[str] = Field(default_factory=list)
    note: str | None = None
