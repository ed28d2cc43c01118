"""How a date placeholder is written in a locale: its format (templates.py) as a CLDR pattern.

`{expected_date}` is written with DATE_SKELETON, `{expected_date:long}` with the locale's long
date format, `{expected_date:MMMMd}` with the locale's pattern nearest that skeleton (Babel's
match_skeleton, as format_skeleton does). A skeleton the locale has nothing for is written
with DATE_SKELETON (`catalogs check` names it, rule placeholder).
"""

from __future__ import annotations

import datetime as dt

from babel import Locale
from babel.dates import DateTimePattern, match_skeleton

from fulfillment.templates import DATE_LENGTHS, fields, is_date

# The default: weekday, day, month and year, unambiguous, and written differently in en_US
# ("Wed, March 12, 2025"), en_GB ("Wednesday, 12 March 2025") and en_AU ("Wednesday 12
# March 2025"). The month is spelled out: "mar" is March and Tuesday in Spanish.
DATE_SKELETON = "yMMMMEEEEd"
# The date the catalogs' comments write each date placeholder with (a Wednesday).
SAMPLE_DATE = dt.date(2025, 3, 12)


def has_skeleton(locale: Locale, spec: str) -> bool:
    """Whether the locale has a date pattern for a format ("" and the lengths always)."""
    if not spec or spec in DATE_LENGTHS:
        return True
    return match_skeleton(spec, locale.datetime_skeletons) is not None


def date_pattern(locale: Locale, spec: str = "") -> DateTimePattern:
    """The locale's pattern for a date placeholder's format: "" (DATE_SKELETON), a length
    (long) or a skeleton (MMMMd)."""
    if spec in DATE_LENGTHS:
        pattern: DateTimePattern = locale.date_formats[spec]
        return pattern
    skeletons = locale.datetime_skeletons
    match = match_skeleton(spec or DATE_SKELETON, skeletons)
    if match is None:
        match = match_skeleton(DATE_SKELETON, skeletons)
    found: DateTimePattern = skeletons[match]
    return found


def write_date(value: dt.date, locale: Locale, spec: str = "") -> str:
    return date_pattern(locale, spec).apply(value, locale)


def rendering_notes(texts: list[str], locale: str) -> list[str]:
    """Notes for translators: how each date placeholder of `texts` (the English, the
    translation) comes out in `locale`, by default and in each format they give it:
    "{expected_date} here: Mittwoch, 12. März 2025"."""
    written = Locale.parse(locale)
    found: dict[tuple[str, str], None] = {}
    for text in texts:
        try:
            for name, spec in fields(text):
                if is_date(name):
                    found[(name, "")] = None
                    if spec and has_skeleton(written, spec):
                        found[(name, spec)] = None
        except ValueError:
            continue  # catalogs check names it
    return [
        f"{{{name}{':' + spec if spec else ''}}} here: {write_date(SAMPLE_DATE, written, spec)}"
        for name, spec in found
    ]
