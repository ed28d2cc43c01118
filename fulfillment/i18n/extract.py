"""Babel extractor for intents/*.yaml, registered as the `intents` extraction method.

Every reply variant and phrase becomes a catalog entry whose msgctxt is
"<interest_type>:<key>", with translator comments saying when it is used and what each
placeholder holds. `entries` is the one place that says which entries an intent has: the
extractor, `catalogs check` and the phrasebooks all read it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import IO, Any

import yaml

from fulfillment.i18n.checks import TEXT, kind_of
from fulfillment.intents import IntentSpec, SafeLoader
from fulfillment.templates import placeholders

Extracted = tuple[int, str, tuple[str, ...], list[str]]


def _mapping(node: yaml.Node | None) -> dict[str, yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
    return {}


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _comments(spec: IntentSpec, note: str | None, templates: Sequence[str]) -> list[str]:
    comments = [note] if note else []
    names = sorted(set().union(*(placeholders(t) for t in templates)))
    comments += [f"{{{name}}}: {spec.placeholders[name]}" for name in names]
    return comments


def entries(spec: IntentSpec, root: yaml.Node | None = None) -> Iterator[Extracted]:
    """(line, gettext function, (msgctxt, msgid[, msgid_plural]), comments) per entry.

    Lines come from `root`, the composed YAML file, when given; otherwise they are 0.
    """
    top = _mapping(root)
    replies = _mapping(top.get("replies"))
    for key, reply in spec.replies.items():
        node = replies.get(key)
        variants = _mapping(node).get("variants")
        lines = (
            [_line(n) for n in variants.value] if isinstance(variants, yaml.SequenceNode) else []
        )
        for index, template in enumerate(reply.variants):
            line = lines[index] if index < len(lines) else (_line(node) if node else 0)
            comments = _comments(spec, reply.note, [template])
            if len(reply.variants) > 1:
                comments.append(
                    f"Variant {index + 1} of {len(reply.variants)}; "
                    "the first one whose placeholders are known is used."
                )
            yield line, "pgettext", (spec.context(f"replies.{key}"), template), comments

    phrases = _mapping(top.get("phrases"))
    for key, phrase in spec.phrases.items():
        node = phrases.get(key)
        line = _line(node) if node else 0
        comments = _comments(spec, phrase.note, phrase.templates())
        context = spec.context(f"phrases.{key}")
        kind = kind_of(context)
        if kind is not TEXT:  # where space is short, say how short (checks.py, rule length)
            limit = f"at most {kind.limit} characters ({kind.why})"
            comments.append(f"Shown as a {kind.name}: {limit}.")
        if phrase.is_plural:
            assert phrase.one is not None and phrase.other is not None
            yield line, "npgettext", (context, phrase.one, phrase.other), comments
        else:
            assert phrase.text is not None
            yield line, "pgettext", (context, phrase.text), comments


def extract_intents(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Sequence[str],
    options: Mapping[str, Any],
) -> Iterator[Extracted]:
    text = fileobj.read().decode("utf-8")
    spec = IntentSpec.model_validate(yaml.load(text, Loader=SafeLoader))  # noqa: S506 (safe)
    yield from entries(spec, yaml.compose(text, Loader=SafeLoader))
