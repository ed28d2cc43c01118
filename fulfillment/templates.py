"""Reply templates: named {placeholders} only, checked once and filled safely."""

from __future__ import annotations

import string
from collections.abc import Mapping

_FORMATTER = string.Formatter()


def placeholders(template: str) -> frozenset[str]:
    """The placeholder names in a template; ValueError when it is not a plain template.

    Only bare names are allowed: attribute access, indexing, conversions and format
    specs would let a catalog reach into Python objects or break at run time.
    """
    names: set[str] = set()
    for _literal, field, spec, conversion in _FORMATTER.parse(template):
        if field is None:
            continue
        if not field.isidentifier():
            raise ValueError(f"placeholder {{{field}}} is not a plain name")
        if spec or conversion:
            raise ValueError(f"placeholder {{{field}}} must not carry a format or conversion")
        names.add(field)
    return frozenset(names)


def fill(template: str, values: Mapping[str, object]) -> str:
    """Fill a template whose placeholders were checked by `placeholders`."""
    return template.format_map(values)
