"""The designers' room: one YAML file per interestType in intents/, validated at start-up."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from fulfillment.conversations import Conversation
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
    conversations: list[Conversation] = []

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
            known = ", ".join(f"{{{name}}}" for name in sorted(spec.placeholders))
            hints = "; ".join(f"{{{n}}}: {_did_you_mean(n, spec.placeholders)}" for n in unknown)
            # Declaring a new name under `placeholders` would not help: the service fills only
            # the values its handler knows, and a variant with an unfilled name is never used.
            raise ConfigurationError(
                f"{path}: {entry}: unknown placeholder(s) {', '.join(unknown)}: {hints} (the "
                f"service fills {known}; a new placeholder needs a code change, not only a line "
                "under 'placeholders')"
            )


def load_intent(path: Path) -> IntentSpec:
    try:
        text = path.read_text(encoding="utf-8")
        raw = yaml.load(text, Loader=SafeLoader)  # noqa: S506 (safe)
    except OSError as exc:
        raise ConfigurationError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigurationError(f"{path}: cannot read it: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path}: {_yaml_problem(exc)}") from None
    try:
        spec = IntentSpec.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            _where(raw, text, err["loc"]) + err["msg"].removeprefix("Value error, ")
            for err in exc.errors(include_url=False)
        )
        raise ConfigurationError(f"{path}: {problems}") from None
    if spec.interest_type != path.stem:
        raise ConfigurationError(
            f"{path}: interest_type {spec.interest_type!r} must match the file name {path.stem!r}"
        )
    _check_placeholders(spec, path)
    return spec


# PyYAML's words for the mistakes people make most, and what to do about them.
_YAML_HINTS = {
    "found character '\\t' that cannot start any token": "a tab: indent with spaces",
    "mapping values are not allowed here": (
        "a colon followed by a space inside a text: put the text in quotes"
    ),
    "mapping values are not allowed in this context": (
        "a colon followed by a space inside a text: put the text in quotes"
    ),
    "found character that cannot start any token": (
        "a tab, or a character such as @ or ` starting a text: indent with spaces, quote the text"
    ),
    "found a tab character that violates indentation": "a tab: indent with spaces",
    "found a tab character where an indentation space is expected": "a tab: indent with spaces",
    "found unexpected end of stream": "a quote or bracket is never closed",
    "could not find expected ':'": "a line without 'name: value', or a quote never closed",
    "did not find expected key": "this line is not indented like the ones around it",
    "did not find expected '-' indicator": "this line is not indented like the list around it",
    "found duplicate anchor": "the same &anchor twice",
}


def _yaml_problem(error: yaml.YAMLError) -> str:
    """A YAML syntax error in plain words: line, what is wrong, column."""
    if not isinstance(error, yaml.MarkedYAMLError):
        return f"cannot read it: not valid YAML: {error}"
    mark = error.problem_mark or error.context_mark
    problem = error.problem or error.context or "not valid YAML"
    if problem.startswith("found unknown escape character"):
        what = "a backslash in double quotes: use single quotes for regular expressions"
    else:
        what = _YAML_HINTS.get(problem, problem)
    if mark is None:
        return f"cannot read it: {what}"
    return f"cannot read line {mark.line + 1}: {what} (column {mark.column + 1})"


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return f"did you mean {{{close[0]}}}?" if close else "no placeholder has a name like it"


def _where(raw: object, text: str, loc: tuple[int | str, ...]) -> str:
    """Where a validation error is: the dotted path, and for an item of a list with a `name`
    (an order-number format) that name and the line, which say more than its index."""
    node: object = raw
    for index, part in enumerate(loc):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            name = node.get("name") if isinstance(node, dict) else None
            if isinstance(name, str) and name:
                parent = ".".join(str(p) for p in loc[:index])
                rest = ".".join(str(p) for p in loc[index + 1 :])
                line = _line_of(text, name, str(loc[index + 1]) if rest else None)
                kind = "format" if parent.endswith("formats") else "entry"
                at = f", line {line}" if line else ""
                return f"{'.'.join(str(p) for p in loc)}: the {kind} {name!r}{at}: "
        else:
            break
    return f"{'.'.join(str(p) for p in loc) or '(top level)'}: "


def _line_of(text: str, name: str, field: str | None) -> int | None:
    """The line of `field:` in the list item whose `name:` is `name`, else of its name."""
    lines = text.splitlines()
    for number, line in enumerate(lines, 1):
        stripped = line.strip().removeprefix("- ").strip()
        if stripped.startswith("name:") and stripped[5:].strip().strip("'\"") == name:
            for after, other in enumerate(lines[number:], number + 1):
                if other.lstrip().startswith("- "):
                    break
                if field and other.strip().startswith(f"{field}:"):
                    return after
            return number
    return None


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
