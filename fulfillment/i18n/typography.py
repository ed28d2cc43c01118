"""Each language's typography, as `catalogs check` holds translations to it (rule `typography`).

A finding here does not stop an entry from being served (a French reply with an ordinary
space before "?" is still better than an English one); it is listed until it is fixed.

- French: a no-break space (U+202F narrow, or U+00A0) before : ; ? ! and inside « »; never an
  ordinary space there, which lets the mark wrap alone onto the next line of a bubble. Canadian
  French (fr_CA, OQLF) writes ; ? ! with no space at all, and : and « » as in France.
- German: „…“ quotes (U+201E … U+201C); never "…" nor the English “…” (Swiss German may also
  write «…»).
- Spanish: every ? closes a ¿ and every ! a ¡, and each opening mark is closed.
- Japanese and Chinese: no ASCII space before or after full-width punctuation (。、 and the
  full-width ! ? , : ; and brackets).
"""

from __future__ import annotations

import re
from collections.abc import Callable

NBSP, NARROW_NBSP = "\u00a0", "\u202f"
NO_BREAK = frozenset({NBSP, NARROW_NBSP})

# Placeholders and web addresses are not text: "{first_name} !" is checked as "X !".
_NOT_TEXT = re.compile(r"\{[^{}]*\}|\bhttps?://\S+")

_FRENCH_MARKS = ":;?!"
# Full-width punctuation of Japanese and Chinese: sentence marks, commas and closing brackets
# (nothing is written after them but the next word), and opening brackets (nothing before).
_CJK_AFTER = "。、，．！？：；」』）】〉》〕"  # noqa: RUF001 (full-width on purpose)
_CJK_BEFORE = "「『（【〈《〔"  # noqa: RUF001


def _french(text: str, region: str | None) -> list[str]:
    # fr_CA: no space before ; ? ! (OQLF); a no-break one there is accepted too.
    spaced = ":" if region == "CA" else _FRENCH_MARKS
    ordinary: list[str] = []  # "before '?'": an ordinary space where a no-break one belongs
    missing: list[str] = []  # "before '!'": no space where French needs one
    for index, char in enumerate(text):
        before = text[index - 1] if index else ""
        after = text[index + 1] if index + 1 < len(text) else ""
        if char in _FRENCH_MARKS:
            if not before or before in _FRENCH_MARKS or before in NO_BREAK:
                continue  # the start of the text, "?!", or already right
            if char == ":" and before.isdigit() and after.isdigit():
                continue  # 14:30
            if before.isspace():
                ordinary.append(f"before {char!r}")
            elif char in spaced:
                missing.append(f"before {char!r}")
        elif char in "«»":
            inside, where = (after, "after") if char == "«" else (before, "before")
            if inside and inside not in NO_BREAK:
                (ordinary if inside.isspace() else missing).append(f"{where} {char}")
    findings = []
    if ordinary:
        findings.append(
            f"an ordinary space {', '.join(dict.fromkeys(ordinary))}: French writes a no-break "
            "space there (U+202F, or U+00A0), or the mark can wrap alone onto the next line"
        )
    if missing:
        findings.append(
            f"no space {', '.join(dict.fromkeys(missing))}: French writes a no-break space "
            "there (U+202F, or U+00A0)"
        )
    return findings


def _german(text: str, region: str | None) -> list[str]:
    findings = []
    if '"' in text:
        findings.append('straight quotes "…": German writes „…“ (U+201E … U+201C)')
    if "\u201d" in text:
        findings.append("English quotes “…”: German writes „…“ (U+201E … U+201C)")
    opened, closed = text.count("\u201e"), text.count("\u201c")
    if opened != closed and "\u201d" not in text:
        findings.append(f"{opened} „ but {closed} “: each „ needs its “")
    return findings


def _spanish(text: str, region: str | None) -> list[str]:
    findings = []
    for opening, closing in (("¿", "?"), ("¡", "!")):
        depth = unopened = 0
        for char in text:
            if char == opening:
                depth += 1
            elif char == closing:
                if depth:
                    depth -= 1
                else:
                    unopened += 1
        if unopened:
            findings.append(f"{closing!r} without its {opening!r}: Spanish opens with {opening}")
        if depth:
            findings.append(f"{opening!r} never closed by {closing!r}")
    return findings


def _cjk(text: str, region: str | None) -> list[str]:
    marks: list[str] = []
    for index, char in enumerate(text):
        before = text[index - 1] if index else ""
        after = text[index + 1] if index + 1 < len(text) else ""
        if (char in _CJK_AFTER and before == " ") or (
            char in _CJK_AFTER + _CJK_BEFORE and after == " "
        ):
            marks.append(char)
    if not marks:
        return []
    shown = " ".join(dict.fromkeys(marks))
    return [f"an ASCII space next to {shown}: full-width punctuation takes no space around it"]


RULES: dict[str, Callable[[str, str | None], list[str]]] = {
    "fr": _french,
    "de": _german,
    "es": _spanish,
    "ja": _cjk,
    "zh": _cjk,
    "yue": _cjk,
}


def typography_findings(text: str, locale: str) -> list[str]:
    """What breaks `locale`'s typography in a translation (empty for a language without rules)."""
    language, _, rest = locale.partition("_")
    rule = RULES.get(language)
    if rule is None:
        return []
    region = next((part for part in rest.split("_") if part.isupper()), None)
    return rule(_NOT_TEXT.sub("X", text), region)
