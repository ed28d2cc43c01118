"""Reading .po files so that one broken entry costs that entry, not the file.

Babel's reader either stops at the first mistake (abort_invalid) or prints a warning to stdout
and goes on as if nothing happened: an entry with one plural form too many loses it quietly.
This reader goes on too, but remembers each mistake with the entry it belongs to, so that
entry is not served and the mistake is reported. It also:

- parses entries with CLDR's number of plural forms, whatever the Plural-Forms header says
  (a wrong header is one finding, not a reason to lose every plural entry);
- reads `#| msgid` lines (the English an entry was translated from, before it changed) into
  `previous_id`: Babel reads them as user comments and writes them back as `# | msgid`;
- reads the header's `X-Inherits-From` (catalogs.py, inheritance), which Babel drops.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.plurals import get_plural
from babel.messages.pofile import PoFileParser, unescape

from fulfillment.i18n.checks import Problem, forms_text, plural_rule


@dataclass(frozen=True, slots=True)
class Entry:
    """One catalog entry, as checks and look-ups need it."""

    context: str | None
    ids: tuple[str, ...]  # (msgid,) or (msgid, msgid_plural)
    strings: tuple[str, ...]  # (msgstr,) or the plural forms
    line: int  # of its msgid, as Babel counts
    fuzzy: bool = False
    previous: tuple[str, ...] = ()  # #| msgid [msgid_plural]: the English it translated
    previous_context: str | None = None  # #| msgctxt, when another tool wrote one
    obsolete: bool = False  # #~: kept by a tool, not part of the catalog
    syntax: tuple[tuple[int, str], ...] = ()  # (line, what) the reader found wrong in it
    comments: tuple[str, ...] = ()  # #. notes

    @property
    def key(self) -> tuple[str | None, str]:
        return self.context, self.ids[0]

    @property
    def translated(self) -> bool:
        return any(self.strings)


@dataclass
class Parsed:
    """A catalog as read: Babel's Catalog (to write back), its entries, and its problems."""

    path: Path
    catalog: Catalog
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # not tied to one entry
    # The header's X-Inherits-From (the locale whose entries this one takes where it has none)
    # and its line; Babel's Catalog forgets headers it does not know, so they are kept here.
    inherits: str | None = None
    inherits_line: int = 0


class _Parser(PoFileParser):
    """Babel's parser, remembering mistakes instead of printing them (Babel is pinned <2.20;
    `_invalid_pofile`, `_add_message` and the plural attributes are its internals)."""

    def __init__(self, catalog: Catalog, plurals: int | None, expr: str | None) -> None:
        super().__init__(catalog, ignore_obsolete=False, abort_invalid=False)
        self.mistakes: list[tuple[int, int | None, str]] = []  # line, entry line, what
        self.header_plurals: int | None = None
        self._plurals, self._expr = plurals, expr

    def _invalid_pofile(self, line: str, lineno: int, msg: str) -> None:
        entry = self.offset + 1 if self.messages else None
        self.mistakes.append((lineno + 1, entry, msg))

    def _add_message(self) -> None:
        header = len(self.messages) == 1 and not self.messages[0].denormalize()
        super()._add_message()
        if header and not self.obsolete and self._plurals is not None:
            self.header_plurals = self.catalog.num_plurals
            catalog: Any = self.catalog  # Babel types these private fields as None
            catalog._num_plurals = self._plurals
            catalog._plural_expr = self._expr


PREVIOUS_CONTEXT = "previous_context"  # the `#| msgctxt` of a Babel Message, as read


def _previous(message: Message) -> tuple[tuple[str, ...], str | None]:
    """Take `#|` lines out of the user comments: (previous msgid[, plural]), previous msgctxt."""
    lines = [c[1:].strip() for c in message.user_comments if c.startswith("|")]
    if not lines:
        return (), None
    message.user_comments = [c for c in message.user_comments if not c.startswith("|")]
    fields: dict[str, str] = {}
    current = None
    for line in lines:
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid", "msgid_plural") and rest.startswith('"'):
            current = keyword
            fields[current] = unescape(rest)
        elif line.startswith('"') and current is not None:
            fields[current] += unescape(line)
    ids = tuple(fields[k] for k in ("msgid", "msgid_plural") if k in fields)
    message.previous_id = list(ids)
    # Babel's Message has no field for it; `catalogs update` writes it back (maintain.py).
    setattr(message, PREVIOUS_CONTEXT, fields.get("msgctxt"))
    return ids, fields.get("msgctxt")


def _plural_header_line(text: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith('"Plural-Forms:'):
            return number
    return 1


INHERITS_HEADER = "X-Inherits-From"
_INHERITS = re.compile(rf'^"{INHERITS_HEADER}:[ \t]*([^"\\]*?)[ \t]*\\n"$', re.MULTILINE)


def _inherits(text: str) -> tuple[str | None, int]:
    """The header's X-Inherits-From and its line (the header is the file's first entry)."""
    header = text.split("\n\n", 1)[0]
    found = _INHERITS.search(header)
    if found is None or not found.group(1):
        return None, 0
    return found.group(1), header[: found.start()].count("\n") + 1


_MORE_FORMS = "msg has more translations than num_plurals of catalog"
# Babel's words for what it could not read, in a translator's.
_PLAIN = {
    "Unknown or misformatted keyword": (
        "neither a msgid/msgstr line nor a quoted text: is a quote or the keyword missing?"
    ),
    'Got line starting with " but not in msgid, msgstr or msgctxt': (
        "a quoted text outside any msgid or msgstr"
    ),
    "cannot parse po file with conflicts": "a merge conflict (#-#-#-#-#): resolve it",
}


def parse(path: Path, locale: str | None) -> Parsed | Problem:
    """Read a .po or .pot file; a Problem when nothing of it can be used."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return Problem(path, 0, f"cannot read the file: {exc.strerror or exc}", "syntax")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return Problem(path, line, "not UTF-8 text: save the file as UTF-8", "syntax")
    plurals = expr = None
    if locale is not None:
        plurals, expr = plural_rule(locale)[0], str(get_plural(locale).plural_expr)
    catalog = Catalog(locale=locale)
    parser = _Parser(catalog, plurals, expr)
    try:
        parser.parse(text.splitlines())
    except Exception as exc:  # a header Babel cannot read (e.g. a broken Plural-Forms)
        return Problem(path, 1, f"cannot read the catalog's header: {exc}", "syntax")
    parsed = Parsed(path, catalog)
    parsed.inherits, parsed.inherits_line = _inherits(text)
    by_entry: dict[int, list[tuple[int, str]]] = {}
    for line, entry, what in parser.mistakes:
        if what == _MORE_FORMS and locale is not None:
            what = f"more plural forms than {locale} has ({forms_text(locale)})"
        elif what.startswith("missing msgstr"):
            what = "a msgid without msgstr"
        what = _PLAIN.get(what, what)
        if entry is not None:
            by_entry.setdefault(entry, []).append((line, what))
        else:
            parsed.problems.append(Problem(path, line, what, "syntax"))
    if plurals is not None and parser.header_plurals not in (None, plurals):
        parsed.problems.append(
            Problem(
                path,
                _plural_header_line(text),
                f"Plural-Forms says {parser.header_plurals} forms; {locale} has {plurals} "
                f"({forms_text(locale or '')}): run catalogs update to correct it",
                "plural-header",
            )
        )
    messages = [(m, False) for m in catalog if m.id]
    messages += [(m, True) for m in catalog.obsolete.values() if m.id]
    lines = set()
    for message, obsolete in messages:
        previous, previous_context = _previous(message)
        line = message.lineno or 0
        lines.add(line)
        parsed.entries.append(
            Entry(
                context=message.context,
                ids=_tuple(message.id),
                strings=_tuple(message.string),
                line=line,
                fuzzy=message.fuzzy,
                previous=previous,
                previous_context=previous_context,
                obsolete=obsolete,
                syntax=tuple(by_entry.get(line, ())),
                comments=tuple(message.auto_comments),
            )
        )
    for entry in sorted(by_entry.keys() - lines):  # mistakes of an entry that did not make it
        parsed.problems += [Problem(path, line, what, "syntax") for line, what in by_entry[entry]]
    return parsed


def _tuple(value: Any) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return (str(value) if value else "",)
