"""Translators' catalogs: read from .po, checked, compiled in memory at start-up.

The checks are ours because Babel's are not enough: it checks only %-style placeholders,
counts fuzzy entries as translated, and compiles a catalog with errors anyway.
"""

from __future__ import annotations

import gettext
import logging
import re
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import PoFileError, read_po

from fulfillment.templates import placeholders

logger = logging.getLogger("fulfillment")

SOURCE_LOCALE = "en_US"
TEMPLATE = "messages.pot"
_PERCENT = re.compile(r"%\((\w+)\)[sdifr]")

Key = tuple[str | None, str]


@dataclass(frozen=True, slots=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class Stats:
    locale: str
    total: int
    translated: int
    fuzzy: int
    untranslated: int


def catalog_paths(locales_dir: Path) -> dict[str, Path]:
    """locale name -> its messages.po, for every catalog a translator has started."""
    return {
        path.parent.parent.name: path
        for path in sorted(locales_dir.glob("*/LC_MESSAGES/messages.po"))
    }


def read_catalog(path: Path, locale: str | None = None) -> Catalog | Problem:
    try:
        with path.open("rb") as handle:
            return read_po(handle, locale=locale, abort_invalid=True)
    except (OSError, PoFileError, ValueError) as exc:
        line = getattr(exc, "lineno", 0) or 0
        return Problem(path, line, f"cannot read the catalog: {exc}")


def _key(message: Message) -> Key:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return message.context, msgid


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, tuple | list):
        return tuple(str(v) for v in value)
    return (str(value),) if value else ("",)


def _names(text: str) -> frozenset[str]:
    """Placeholders as written: {name} and %(name)s are different (only one gets filled).

    ValueError for a malformed brace template.
    """
    return frozenset(f"{{{n}}}" for n in placeholders(text)) | frozenset(
        f"%({n})s" for n in _PERCENT.findall(text)
    )


def placeholder_problems(message: Message) -> list[str]:
    """Placeholders a translation lost, invented or mistyped."""
    if not message.id or not any(_strings(message.string)):
        return []
    try:
        expected = frozenset().union(*(_names(s) for s in _strings(message.id)))
    except ValueError as exc:
        return [f"source: {exc}"]
    problems = []
    for form, translation in enumerate(_strings(message.string)):
        if not translation:
            continue
        try:
            found = _names(translation)
        except ValueError as exc:
            problems.append(f"msgstr[{form}]: {exc}")
            continue
        if found - expected:
            problems.append(f"unknown placeholder(s) {', '.join(sorted(found - expected))}")
        # A plural form may leave out {count} ("one item"), never anything else.
        lost = expected - found - {"{count}"}
        if lost:
            problems.append(f"missing placeholder(s) {', '.join(sorted(lost))}")
    return problems


def check_catalog(catalog: Catalog, path: Path, template: Catalog | None) -> list[Problem]:
    """Everything that would let a customer see a broken or untranslated reply."""
    problems: list[Problem] = []
    locale = str(catalog.locale) if catalog.locale else path.parent.parent.name
    try:
        plurals = get_plural(locale).num_plurals
    except ValueError:
        plurals = catalog.num_plurals
    if catalog.num_plurals != plurals:
        problems.append(
            Problem(
                path, 1, f"Plural-Forms says {catalog.num_plurals} forms; {locale} has {plurals}"
            )
        )
    wanted = {_key(m) for m in template if m.id} if template is not None else None
    for message in catalog:
        if not message.id:
            continue
        where = f"msgctxt {message.context!r}: " if message.context else ""
        line = message.lineno or 0

        def report(text: str, line: int = line, where: str = where) -> None:
            problems.append(Problem(path, line, where + text))

        if wanted is not None and _key(message) not in wanted:
            report(f"{_key(message)[1]!r} is no longer in the template (run catalogs update)")
        strings = _strings(message.string)
        if message.pluralizable and len(strings) != plurals:
            report(f"{len(strings)} plural forms; {locale} needs {plurals}")
        if message.fuzzy:
            report("fuzzy: review the translation and remove the fuzzy flag")
        elif not all(strings):
            report("not translated")
        for problem in placeholder_problems(message):
            report(problem)
    if wanted is not None:
        present = {_key(m) for m in catalog if m.id}
        for context, msgid in sorted(wanted - present, key=lambda k: (k[0] or "", k[1])):
            where = f"msgctxt {context!r}: " if context else ""
            problems.append(Problem(path, 1, f"{where}{msgid!r} is missing (run catalogs update)"))
    return problems


def catalog_stats(locale: str, catalog: Catalog, template: Catalog) -> Stats:
    """Fuzzy entries are not translated; entries the catalog lacks are untranslated."""
    messages = {_key(m): m for m in catalog if m.id}
    translated = fuzzy = 0
    keys = [_key(m) for m in template if m.id]
    for key in keys:
        message = messages.get(key)
        if message is None:
            continue
        if message.fuzzy:
            fuzzy += 1
        elif all(_strings(message.string)):
            translated += 1
    return Stats(locale, len(keys), translated, fuzzy, len(keys) - translated - fuzzy)


def read_template(locales_dir: Path) -> Catalog | Problem:
    return read_catalog(locales_dir / TEMPLATE)


def check_all(locales_dir: Path) -> list[Problem]:
    """Every problem of every catalog in locales/ (what `fulfillment catalogs check` prints)."""
    template = read_template(locales_dir)
    if isinstance(template, Problem):
        return [template]
    problems: list[Problem] = []
    for locale, path in catalog_paths(locales_dir).items():
        catalog = read_catalog(path, locale)
        if isinstance(catalog, Problem):
            problems.append(catalog)
        else:
            problems += check_catalog(catalog, path, template)
    return problems


def compile_catalog(catalog: Catalog) -> gettext.GNUTranslations:
    """The catalog as gettext would load it from a .mo file, without a file on disk."""
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def load_translations(locales_dir: Path) -> dict[str, gettext.NullTranslations]:
    """Every locale that can be served, with its translations; the source locale needs none.

    A catalog with any problem is not served (its customers get the default locale, never
    half-translated or broken replies) and each problem is logged as file:line.
    """
    translations: dict[str, gettext.NullTranslations] = {SOURCE_LOCALE: gettext.NullTranslations()}
    template = read_template(locales_dir)
    template_catalog = None if isinstance(template, Problem) else template
    for locale, path in catalog_paths(locales_dir).items():
        catalog = read_catalog(path, locale)
        problems = (
            [catalog]
            if isinstance(catalog, Problem)
            else check_catalog(catalog, path, template_catalog)
        )
        if problems or isinstance(catalog, Problem):
            for problem in problems:
                logger.warning("locale %s not served: %s", locale, problem)
            continue
        translations[locale] = compile_catalog(catalog)
    return translations
