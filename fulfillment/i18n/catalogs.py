"""Translators' catalogs: read from .po, checked, compiled in memory at start-up."""

from __future__ import annotations

import gettext
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po

from fulfillment.errors import ConfigurationError
from fulfillment.templates import placeholders

SOURCE_LOCALE = "en_US"


def catalog_paths(locales_dir: Path) -> dict[str, Path]:
    """locale name -> its messages.po, for every catalog a translator has started."""
    return {
        path.parent.parent.name: path
        for path in sorted(locales_dir.glob("*/LC_MESSAGES/messages.po"))
    }


def read_catalog(path: Path, locale: str) -> Catalog:
    try:
        with path.open("rb") as handle:
            return read_po(handle, locale=locale, abort_invalid=True)
    except (OSError, PoFileError, ValueError) as exc:
        raise ConfigurationError(f"{path}: cannot read catalog: {exc}") from None


def placeholder_problems(message: Message) -> list[str]:
    """Brace placeholders a translation lost, invented or mistyped (Babel checks only %-style)."""
    if not message.id or not message.string:
        return []
    sources = message.id if isinstance(message.id, tuple | list) else (message.id,)
    translations = message.string if isinstance(message.string, tuple | list) else (message.string,)
    try:
        expected = frozenset().union(*(placeholders(s) for s in sources))
    except ValueError as exc:
        return [f"source: {exc}"]
    problems = []
    for form, translation in enumerate(translations):
        if not translation:
            continue
        try:
            found = placeholders(translation)
        except ValueError as exc:
            problems.append(f"form {form}: {exc}")
            continue
        if found - expected:
            problems.append(f"unknown placeholder(s) {', '.join(sorted(found - expected))}")
        # A plural form may leave out {count} ("one item"), never anything else.
        lost = expected - found - {"count"}
        if lost:
            problems.append(f"missing placeholder(s) {', '.join(sorted(lost))}")
    return problems


def check_catalog(catalog: Catalog, path: Path) -> None:
    errors = []
    for message in catalog:
        for problem in placeholder_problems(message):
            where = f"msgctxt {message.context!r} " if message.context else ""
            source = message.id[0] if isinstance(message.id, tuple | list) else message.id
            errors.append(f"{path}:{message.lineno}: {where}msgid {source!r}: {problem}")
    if errors:
        raise ConfigurationError("\n".join(errors))


def compile_catalog(catalog: Catalog) -> gettext.GNUTranslations:
    """The catalog as gettext would load it from a .mo file, without a file on disk."""
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def load_translations(locales_dir: Path) -> dict[str, gettext.NullTranslations]:
    """Every served locale with its translations; the source locale needs none."""
    translations: dict[str, gettext.NullTranslations] = {SOURCE_LOCALE: gettext.NullTranslations()}
    for locale, path in catalog_paths(locales_dir).items():
        catalog = read_catalog(path, locale)
        check_catalog(catalog, path)
        translations[locale] = compile_catalog(catalog)
    return translations
