"""The designers' room: one YAML file per interestType in intents/, validated at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from fulfillment.errors import ConfigurationError
from fulfillment.extraction.spec import ExtractionSpec, PhraseTest
from fulfillment.templates import placeholders

# libyaml's loader when PyYAML was built with it: several times faster than pure Python.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Template = Annotated[str, Field(min_length=1, max_length=640)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReplySpec(_Strict):
    """A whole reply; the first variant whose placeholders the situation can fill is used."""

    note: str | None = Field(default=None, description="For translators: when this reply is used.")
    variants: list[Template] = Field(min_length=1)


class PhraseSpec(_Strict):
    """A piece of a reply (a card title, a status name); plural when it has one/other."""

    note: str | None = None
    text: Template | None = None
    one: Template | None = None
    other: Template | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare_string(cls, value: object) -> object:
        return {"text": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _text_or_plural(self) -> PhraseSpec:
        if (self.text is None) == (self.one is None or self.other is None):
            raise ValueError("give either text, or both one and other (a plural)")
        return self

    @property
    def is_plural(self) -> bool:
        return self.text is None

    def templates(self) -> list[str]:
        return [t for t in (self.text, self.one, self.other) if t is not None]


class PlatformNames(_Strict):
    """How each platform names this intent and its order-number parameter."""

    dialogflow_intents: list[str] = Field(
        default_factory=list, description="Dialogflow ES intent display names (or actions)."
    )
    cx_tags: list[str] = Field(default_factory=list, description="Dialogflow CX webhook tags.")
    rasa_actions: list[str] = Field(default_factory=list, description="Rasa custom action names.")
    order_parameters: list[str] = Field(
        default_factory=list,
        description="Parameter, slot and entity names that carry the order number.",
    )


class IntentSpec(_Strict):
    interest_type: str = Field(pattern=r"^[a-z][a-z0-9-]{0,62}$")
    description: str | None = None
    placeholders: dict[str, str] = Field(
        default_factory=dict, description="What each {placeholder} holds, for translators."
    )
    replies: dict[str, ReplySpec]
    phrases: dict[str, PhraseSpec] = Field(default_factory=dict)
    extraction: ExtractionSpec | None = Field(
        default=None, description="How to find this intent's order numbers in free text."
    )
    platforms: PlatformNames = Field(default_factory=PlatformNames)
    tests: list[PhraseTest] = Field(
        default_factory=list, description="Phrases and the order numbers to find in them."
    )

    def context(self, key: str) -> str:
        """The gettext msgctxt of a reply or phrase: unique, and tells translators where it is."""
        return f"{self.interest_type}:{key}"

    def templates(self) -> list[tuple[str, str]]:
        """Every (entry key, template) pair in the file."""
        pairs = [(f"replies.{key}", t) for key, spec in self.replies.items() for t in spec.variants]
        pairs += [(f"phrases.{key}", t) for key, p in self.phrases.items() for t in p.templates()]
        return pairs


def _check_placeholders(spec: IntentSpec, path: Path) -> None:
    for entry, template in spec.templates():
        try:
            names = placeholders(template)
        except ValueError as exc:
            raise ConfigurationError(f"{path}: {entry}: {exc}") from None
        unknown = sorted(names - spec.placeholders.keys())
        if unknown:
            raise ConfigurationError(
                f"{path}: {entry}: unknown placeholder(s) {', '.join(unknown)}; "
                f"declare them under 'placeholders' (known: {', '.join(sorted(spec.placeholders))})"
            )


def load_intent(path: Path) -> IntentSpec:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SafeLoader)  # noqa: S506 (safe)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"{path}: cannot read: {exc}") from None
    try:
        spec = IntentSpec.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
            for err in exc.errors(include_url=False)
        )
        raise ConfigurationError(f"{path}: {problems}") from None
    if spec.interest_type != path.stem:
        raise ConfigurationError(
            f"{path}: interest_type {spec.interest_type!r} must match the file name {path.stem!r}"
        )
    _check_placeholders(spec, path)
    return spec


def load_intents(directory: Path) -> dict[str, IntentSpec]:
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise ConfigurationError(f"{directory}: no intent files (*.yaml)")
    return {spec.interest_type: spec for spec in map(load_intent, files)}


def require(spec: IntentSpec, path_hint: str, replies: set[str], phrases: set[str]) -> None:
    """Fail start-up when a handler needs replies or phrases the designers' file lacks."""
    missing = [f"replies.{k}" for k in sorted(replies - spec.replies.keys())]
    missing += [f"phrases.{k}" for k in sorted(phrases - spec.phrases.keys())]
    if missing:
        raise ConfigurationError(f"{path_hint}: missing entries: {', '.join(missing)}")
