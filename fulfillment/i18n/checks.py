"""What can be wrong with one translation, each finding named by its rule.

Babel's own checkers look only at %-style placeholders and plural counts, so a mistyped
{order_id} would compile cleanly; these checks are ours. They run at start-up (a translation
that fails one is not served: that entry, not the language) and in `catalogs check`.
"""

from __future__ import annotations

import difflib
import functools
import gettext
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.messages.plurals import get_plural

from fulfillment.i18n.dates import has_skeleton
from fulfillment.i18n.typography import typography_findings
from fulfillment.templates import DATE_LENGTHS, fields, placeholders

# Rules whose findings still leave the entry served (with its previous translation, or as it
# is): typography is listed until fixed, not a reason to answer in another language.
SERVED_RULES = frozenset(
    {"stale", "obsolete", "plural-header", "template", "typography", "inherits"}
)


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding: the file and line to open, the rule, what is wrong and what to do."""

    path: Path
    line: int
    message: str
    rule: str = "catalog"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.message}"


@dataclass(frozen=True, slots=True)
class Kind:
    """Where a text is shown, which decides how long it may be."""

    name: str
    limit: int
    why: str


# The strictest platform we render for sets each limit, so that none cuts a text off or refuses
# the message. Lengths count characters as written, placeholders included. The platforms'
# documented limits, with their sources, are collected in the project's shared channel
# references, channels.md (CH) and platform-formats.md (PF):
# - Messenger button titles, "20 character limit" (developers.facebook.com/docs/messenger-platform
#   /reference/buttons/url); Slack's button text takes 75 (CH §1.3 Slack).
BUTTON = Kind("button label", 20, "Messenger cuts button titles at 20")
# - Chips (suggestions, quick replies): Messenger's quick-reply title, 20 (CH §1.3 Facebook
#   Messenger: fbmessenger warns above 20; developers.facebook.com .../send-messages/quick-replies);
#   Google's suggestion chips take 25 (the seed adapter cuts them there).
CHIP = Kind("chip", 20, "Messenger cuts quick-reply titles at 20, Google's chips at 25")
# - Card title and subtitle: Messenger's generic template (our card there), "80 character limit"
#   each (developers.facebook.com/docs/messenger-platform/reference/templates/generic); Google's
#   basic card shows them on one line, truncated (PF §3, basicCard).
CARD_TITLE = Kind("card title", 80, "Messenger's card title takes 80")
CARD_SUBTITLE = Kind("card subtitle", 80, "Messenger's card subtitle takes 80")
# - A chat bubble: Google's simple response, 640 per bubble (PF §3, simpleResponse), and
#   Messenger's text next to buttons, 640 (CH §1.3 Facebook Messenger); Twilio takes 1600 and
#   Telegram 4096 (CH §1.3). fulfillment/reply.py, MAX_BUBBLE.
TEXT = Kind("text", 640, "a chat bubble takes 640")

# By the entry's key under phrases: (card.button, status.shipped, card.parcel_title ...).
_KINDS: tuple[tuple[re.Pattern[str], Kind], ...] = (
    (re.compile(r"(^|[._])buttons?$"), BUTTON),
    (re.compile(r"(^|[._])(chip|suggestion|quick_reply)s?$"), CHIP),
    (re.compile(r"(^|[._])title$"), CARD_TITLE),
    (re.compile(r"(^|[._])subtitle$|^(status|shipment)\.\w+$"), CARD_SUBTITLE),
)


def kind_of(context: str | None) -> Kind:
    """The kind of text an entry is, from its msgctxt ("order-status:phrases.card.button")."""
    key = (context or "").partition(":")[2]
    if key.startswith("phrases."):
        name = key.removeprefix("phrases.")
        for pattern, kind in _KINDS:
            if pattern.search(name):
                return kind
    return TEXT


# An HTML tag or entity: chat platforms show it as typed, or drop the message.
_MARKUP = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>|&(#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);")
_PERCENT = re.compile(r"%\((\w+)\)[sdifr]")


@functools.lru_cache(maxsize=64)
def plural_rule(locale: str) -> tuple[int, Callable[[int], int], tuple[str, ...]]:
    """CLDR's plural forms for a locale, as Babel writes them into catalogs: how many, which
    form a number takes, and each form's CLDR name ("one", "many", "other").

    ValueError for a locale Babel does not know.
    """
    try:
        rule = get_plural(locale)
        cldr = Locale.parse(locale).plural_form
    except Exception as exc:  # UnknownLocaleError is not a ValueError
        raise ValueError(f"{locale!r} is not a locale CLDR knows") from exc
    # Locales with the same rules (de, nl, en_GB: "n != 1" and CLDR's "one: i = 1 and
    # v = 0") have the same forms: worked out once, from a thousand samples.
    key = (rule.num_plurals, rule.plural_expr, tuple(sorted(cldr.rules.items())))
    forms = _FORMS.get(key)
    if forms is None:
        index: Callable[[int], int] = gettext.c2py(rule.plural_expr)
        names: dict[int, set[str]] = {}
        for number in _SAMPLES:
            names.setdefault(index(number), set()).add(str(cldr(number)))
        named = tuple(
            "/".join(sorted(names.get(form, {"unused"}))) for form in range(rule.num_plurals)
        )
        forms = _FORMS[key] = (rule.num_plurals, index, named)
    return forms


_SAMPLES = [*range(1001), *(m * 10**k for k in range(3, 10) for m in (1, 2, 5))]
_FORMS: dict[
    tuple[int, str, tuple[tuple[str, str], ...]], tuple[int, Callable[[int], int], tuple[str, ...]]
] = {}


def forms_text(locale: str) -> str:
    """ "[0] one, [1] other": a locale's plural forms, for messages."""
    _count, _index, names = plural_rule(locale)
    return ", ".join(f"[{form}] {name}" for form, name in enumerate(names))


def _did_you_mean(name: str, allowed: frozenset[str]) -> str:
    close = difflib.get_close_matches(name, sorted(allowed), n=1, cutoff=0.6)
    if close:
        return f"did you mean {{{close[0]}}}?"
    if allowed:
        return "this text has " + ", ".join(f"{{{n}}}" for n in sorted(allowed))
    return "this text has no placeholders"


def placeholder_findings(text: str, allowed: frozenset[str], required: frozenset[str]) -> list[str]:
    """Placeholders a translation invented, mistyped, wrote the %-way or lost."""
    try:
        found = placeholders(text)
    except ValueError as exc:
        return [f"broken placeholder: {exc} (write {{{{ or }}}} for a brace itself)"]
    problems = [
        f"placeholder %({name})s: write {{{name}}}"
        if name in allowed
        else f"unknown placeholder %({name})s: {_did_you_mean(name, allowed)}"
        for name in _PERCENT.findall(text)
    ]
    problems += [
        f"unknown placeholder {{{name}}}: {_did_you_mean(name, allowed)}"
        for name in sorted(found - allowed)
    ]
    problems += [f"missing placeholder {{{name}}}" for name in sorted(required - found)]
    return problems


def date_findings(text: str, locale: str) -> list[str]:
    """Date formats (`{expected_date:MMMMd}`) the locale has no pattern for; a text whose
    placeholders cannot be read is placeholder_findings' to name."""
    try:
        found = fields(text)
    except ValueError:
        return []
    written = Locale.parse(locale)
    return [
        f"{{{name}:{spec}}}: {locale} has no date format with the fields {spec!r}; "
        f"try one of {', '.join(DATE_LENGTHS)}, or fewer fields"
        for name, spec in dict.fromkeys(found)
        if not has_skeleton(written, spec)
    ]


def text_findings(text: str, kind: Kind) -> list[tuple[str, str]]:
    """Markup and length, as (rule, message)."""
    problems = []
    markup = _MARKUP.search(text)
    if markup:
        problems.append(
            (
                "markup",
                f"markup {markup.group(0)!r}: chat platforms show it as typed; write plain text",
            )
        )
    if len(text) > kind.limit:
        problems.append(
            (
                "length",
                f"{kind.name} is {len(text)} characters; at most {kind.limit} ({kind.why})",
            )
        )
    return problems


def translation_findings(
    strings: tuple[str, ...],
    english: tuple[str, ...],
    locale: str,
    kind: Kind,
    *,
    stale: bool = False,
) -> list[tuple[str, str]]:
    """Everything wrong with one translation of `english`, as (rule, message).

    A stale translation (of an older English text) may lack placeholders the English has
    since gained, never use one it no longer has: that one would have no value to fill in.
    """
    try:
        allowed = frozenset().union(*(placeholders(text) for text in english))
    except ValueError as exc:
        return [("placeholder", f"the English has a broken placeholder: {exc}")]
    plural = len(english) > 1
    problems: list[tuple[str, str]] = []
    if plural:
        count, _index, names = plural_rule(locale)
        for form in range(count):
            if form >= len(strings) or not strings[form]:
                name = names[form] if form < len(names) else "?"
                problems.append(("plural-forms", f"missing plural form [{form}] ({name})"))
        if len(strings) > count:
            problems.append(
                (
                    "plural-forms",
                    f"{len(strings)} plural forms; {locale} has {count} ({forms_text(locale)})",
                )
            )
    elif len(strings) != 1:
        problems.append(("plural-forms", "plural forms for a text that has no plural"))
    # A plural form may leave out {count} ("un article" for one); no other placeholder.
    required = frozenset() if stale else allowed - ({"count"} if plural else set())
    for form, text in enumerate(strings):
        if not text:
            continue
        where = f"msgstr[{form}]: " if plural else ""
        problems += [
            ("placeholder", where + problem)
            for problem in placeholder_findings(text, allowed, required)
        ]
        problems += [("placeholder", where + problem) for problem in date_findings(text, locale)]
        problems += [(rule, where + problem) for rule, problem in text_findings(text, kind)]
        problems += [("typography", where + p) for p in typography_findings(text, locale)]
    return problems
