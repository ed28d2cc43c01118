"""Reply templates: named {placeholders} only, checked once and filled safely.

A date placeholder (its name ends in `_date`) may say how its date is written, the locale's
way: `{expected_date:long}` (one of CLDR's lengths: short, medium, long, full) or
`{expected_date:MMMMd}` (a CLDR skeleton made of date fields only: which fields, how wide; the
locale orders and punctuates them). Nothing else after a colon: a Python format spec would
let a catalog reach into Python's formatting, and a spec on another placeholder means nothing.
"""

from __future__ import annotations

import functools
import itertools
import string
from collections.abc import Callable, Mapping

_FORMATTER = string.Formatter()

DATE_SUFFIX = "_date"
DATE_LENGTHS = ("short", "medium", "long", "full")
# CLDR's date field symbols (unicode.org/reports/tr35/tr35-dates.html#Date_Field_Symbol_Table):
# era, years, quarters, months, weeks, days, weekdays. No time fields: the values are dates.
DATE_FIELDS = frozenset("GyYuUrQqMLwWdDFgEec")
_MAX_WIDTH = 6  # EEEEEE, the widest width any date field has
_MAX_SKELETON = 16

# One parsed template: (literal text, placeholder name or None, spec).
Parsed = tuple[tuple[str, str | None, str], ...]
# How a value is written into a template: (value, spec) -> text.
Writer = Callable[[object, str], str]


def is_date(name: str) -> bool:
    return name.endswith(DATE_SUFFIX)


def date_spec_problem(spec: str) -> str | None:
    """Why `spec` is not a date format a template may give, or None when it is one."""
    if spec in DATE_LENGTHS:
        return None
    lengths = ", ".join(DATE_LENGTHS)
    if not spec or len(spec) > _MAX_SKELETON or not set(spec) <= DATE_FIELDS:
        return f"{spec!r} is neither a date length ({lengths}) nor a CLDR date skeleton"
    runs = [(letter, len(list(group))) for letter, group in itertools.groupby(spec)]
    letters = [letter for letter, _width in runs]
    if len(set(letters)) != len(letters):
        return f"skeleton {spec!r} gives a field twice: write each letter in one run"
    wide = next((letter * width for letter, width in runs if width > _MAX_WIDTH), None)
    if wide:
        return f"skeleton {spec!r}: {wide!r} is wider than any CLDR date field"
    return None


@functools.lru_cache(maxsize=1024)
def _parse(template: str) -> Parsed:
    """The template's pieces; ValueError when it is not a plain template."""
    pieces = []
    for literal, field, spec, conversion in _FORMATTER.parse(template):
        if field is not None:
            if not field.isidentifier():
                raise ValueError(f"placeholder {{{field}}} is not a plain name")
            if conversion:
                raise ValueError(f"placeholder {{{field}}} must not carry a conversion")
            if spec and not is_date(field):
                raise ValueError(
                    f"placeholder {{{field}}} must not carry a format: only a date "
                    f"({{…{DATE_SUFFIX}}}) may, e.g. {{expected_date:long}}"
                )
            problem = date_spec_problem(spec) if spec else None
            if problem:
                raise ValueError(f"placeholder {{{field}:{spec}}}: {problem}")
        pieces.append((literal, field, spec or ""))
    return tuple(pieces)


def fields(template: str) -> tuple[tuple[str, str], ...]:
    """(name, spec) of each placeholder, in order, spec "" when it has none; ValueError when
    the template is not a plain one (see `placeholders`)."""
    return tuple((name, spec) for _literal, name, spec in _parse(template) if name is not None)


def placeholders(template: str) -> frozenset[str]:
    """The placeholder names in a template; ValueError when it is not a plain template.

    Only bare names are allowed, and a date format on a date placeholder: attribute access,
    indexing, conversions and Python format specs would let a catalog reach into Python
    objects or break at run time.
    """
    return frozenset(name for name, _spec in fields(template))


def _plain(value: object, spec: str) -> str:
    return str(value)


def fill(template: str, values: Mapping[str, object], write: Writer = _plain) -> str:
    """Fill a template whose placeholders were checked by `placeholders`: each value as
    `write(value, spec)` says (phrasing.Phrasebook writes dates, and isolates values in a
    right-to-left language). KeyError for a placeholder without a value."""
    parts = []
    for literal, name, spec in _parse(template):
        parts.append(literal)
        if name is not None:
            parts.append(write(values[name], spec))
    return "".join(parts)
