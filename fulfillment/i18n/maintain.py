"""`catalogs extract`, `update` and `init`, done with Babel's API instead of its command line.

- extract reads intents/ where the settings say (a copy works too), not through pyproject.toml,
  and leaves messages.pot untouched when nothing changed;
- update pairs a changed English text only with the old entry of the same msgctxt: Babel's
  fuzzy matching ignores msgctxt and could hand the German of "delivered" to "shipped". The
  old translation is kept, marked fuzzy, with the old English as `#| msgid` (Poedit and
  Weblate show what changed), and served meanwhile (catalogs.py);
- update writes, in each catalog's notes, how each date placeholder comes out in that locale
  ("{expected_date} here: Mittwoch, 12. März 2025"), so translators see their own dates;
- a catalog that inherits (X-Inherits-From) keeps only its own translations: update adds no
  untranslated entries to it (those are inherited) and keeps the header Babel would drop;
- nothing here prints a traceback: what goes wrong is a CatalogError in plain words.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import os
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import normalize, write_po

from fulfillment import __version__
from fulfillment.errors import ConfigurationError
from fulfillment.i18n.catalogs import SOURCE_LOCALE, TEMPLATE, catalog_paths, read_catalog
from fulfillment.i18n.checks import Problem, plural_rule
from fulfillment.i18n.dates import rendering_notes
from fulfillment.i18n.extract import extract_intents
from fulfillment.i18n.pofiles import INHERITS_HEADER, PREVIOUS_CONTEXT, Parsed, parse
from fulfillment.intents import load_intents

WIDTH = 100
PROJECT = "order-status-fulfillment"


class CatalogError(Exception):
    """What stopped a catalogs command, in plain words."""


def _previous_lines(catalog: Catalog, text: str) -> str:
    """`#| msgid` lines, as gettext writes them, above each fuzzy entry that has them.

    Babel's own (write_po's include_previous) wraps them like a comment: a long msgid comes
    out broken, which Poedit and msgmerge cannot read.
    """
    for message in catalog:
        if not (message.id and message.fuzzy and message.previous_id):
            continue
        ids = message.id if isinstance(message.id, list | tuple) else [message.id]
        head = f"msgctxt {normalize(message.context, width=WIDTH)}\n" if message.context else ""
        head += f"msgid {normalize(ids[0], width=WIDTH)}\n"
        context = getattr(message, PREVIOUS_CONTEXT, None) or message.context
        lines = [f"msgctxt {normalize(context, width=WIDTH)}"] if context else []
        lines.append(f"msgid {normalize(message.previous_id[0], width=WIDTH)}")
        if len(message.previous_id) > 1:
            lines.append(f"msgid_plural {normalize(message.previous_id[1], width=WIDTH)}")
        previous = "".join(f"#| {line}\n" for line in "\n".join(lines).splitlines())
        at = text.find("\n" + head)
        if at >= 0:
            text = text[: at + 1] + previous + text[at + 1 :]
    return text


def _with_header(text: str, name: str, value: str | None) -> str:
    """The catalog's text with a header line Babel does not know (it writes only its own)."""
    if value is None:
        return text
    head, rest = text.split("\n\n", 1) if "\n\n" in text else (text.rstrip("\n"), "")
    return f'{head}\n"{name}: {value}\\n"\n\n{rest}'


def _write(path: Path, catalog: Catalog, inherits: str | None = None, **options: bool) -> bool:
    """Write a catalog if its text changed; True when written."""
    buffer = BytesIO()
    write_po(buffer, catalog, width=WIDTH, **options)
    text = _previous_lines(catalog, buffer.getvalue().decode("utf-8"))
    data = _with_header(text, INHERITS_HEADER, inherits).encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    return True


def _same_entries(catalog: Catalog, path: Path) -> bool:
    before = parse(path, None)
    if isinstance(before, Problem):
        return False

    def entries(messages: list[Message]) -> list[object]:
        # Notes compared as text: a .pot wraps a long one over several #. lines.
        return [
            (m.context, m.id, " ".join(m.auto_comments).split(), m.locations, sorted(m.flags))
            for m in messages
        ]

    return entries([m for m in before.catalog if m.id]) == entries([m for m in catalog if m.id])


def extract(intents_dir: Path, template: Path) -> bool:
    """messages.pot from intents/*.yaml; False when it already said the same (left untouched)."""
    try:
        load_intents(intents_dir)  # a broken file is told in plain words, before anything
    except ConfigurationError as exc:
        raise CatalogError(str(exc)) from None
    catalog = Catalog(
        project=PROJECT,
        version=__version__,
        copyright_holder=f"{PROJECT} contributors",
        charset="utf-8",
    )
    for path in sorted(intents_dir.glob("*.yaml")):
        where = path.relative_to(intents_dir.parent).as_posix()
        method: Any = extract_intents  # Babel's type for an extractor is narrower than its use
        extracted = extract_from_file(
            method,
            os.fspath(path),
            keywords=DEFAULT_KEYWORDS,
            comment_tags=("Translators:",),
            strip_comment_tags=False,
        )
        for line, message, comments, context in extracted:
            catalog.add(message, None, [(where, line)], auto_comments=comments, context=context)
    if template.exists() and _same_entries(catalog, template):
        return False
    return _write(template, catalog, sort_by_file=True)


def _translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, list | tuple) else [message.string]
    return any(strings)


def _text(message: Message) -> str:
    return "\n".join(message.id) if isinstance(message.id, list | tuple) else str(message.id)


def _carry_over(catalog: Catalog) -> None:
    """Give each new, untranslated entry the translation of the removed entry of its msgctxt
    whose English is most like its own: fuzzy, with that English as its previous msgid."""
    new = [m for m in catalog if m.id and not _translated(m)]
    old = [(key, m) for key, m in catalog.obsolete.items() if m.id and _translated(m)]
    pairs = sorted(
        (
            (difflib.SequenceMatcher(None, _text(o), _text(n)).ratio(), i, j)
            for i, (_key, o) in enumerate(old)
            for j, n in enumerate(new)
            if o.context == n.context and o.pluralizable == n.pluralizable
        ),
        reverse=True,
    )
    taken_old: set[int] = set()
    taken_new: set[int] = set()
    for _ratio, i, j in pairs:
        if i in taken_old or j in taken_new:
            continue
        taken_old.add(i)
        taken_new.add(j)
        key, before = old[i]
        message = new[j]
        strings = before.string
        if message.pluralizable:
            forms = [strings] if isinstance(strings, str) else list(strings or ())
            forms = forms[: catalog.num_plurals]
            message.string = tuple(forms + [""] * (catalog.num_plurals - len(forms)))
        else:
            message.string = strings
        message.flags.add("fuzzy")
        # The English the translation was made for: an entry already fuzzy keeps its own.
        if before.fuzzy and before.previous_id:
            message.previous_id = list(before.previous_id)
            context = getattr(before, PREVIOUS_CONTEXT, None) or before.context
        else:
            message.previous_id = [before.id] if isinstance(before.id, str) else list(before.id)
            context = before.context
        setattr(message, PREVIOUS_CONTEXT, context)
        message.user_comments = list(before.user_comments)
        del catalog.obsolete[key]


def _notes(catalog: Catalog, locale: str) -> None:
    """How each date placeholder comes out in this locale, under the designers' notes."""
    for message in catalog:
        if message.id:
            ids, strings = message.id, message.string
            texts = [
                str(text)
                for text in [
                    *(ids if isinstance(ids, list | tuple) else [ids]),
                    *(strings if isinstance(strings, list | tuple) else [strings]),
                ]
                if text
            ]
            message.auto_comments = [*message.auto_comments, *rendering_notes(texts, locale)]


def _update_one(parsed: Parsed, template: Catalog, locale: str) -> bool:
    catalog = parsed.catalog
    previous = {
        (m.id, m.context): (m.previous_id, getattr(m, PREVIOUS_CONTEXT, None))
        for m in catalog
        if m.id and m.previous_id
    }
    # Babel's update puts the template's own Message objects of new entries into the catalog:
    # each catalog gets a template of its own, or one's translations would leak into the next.
    catalog.update(copy.deepcopy(template), no_fuzzy_matching=True)
    _carry_over(catalog)
    for message in catalog:
        if not message.id:
            continue
        if not message.fuzzy:
            message.previous_id = []
        elif not message.previous_id:  # still fuzzy since the last update: keep what changed
            ids, context = previous.get((message.id, message.context), ([], None))
            message.previous_id = ids
            setattr(message, PREVIOUS_CONTEXT, context)
    if parsed.inherits is not None:
        # What it does not translate, it inherits: no empty entries to fill in by mistake.
        for message in [m for m in catalog if m.id and not m.fuzzy and not _translated(m)]:
            catalog.delete(message.id, message.context)
    _notes(catalog, locale)
    return _write(parsed.path, catalog, parsed.inherits, ignore_obsolete=True)


def update(locales_dir: Path) -> list[tuple[str, str]]:
    """Bring every catalog in line with messages.pot: (locale, what happened) for each."""
    template = parse(locales_dir / TEMPLATE, None)
    if isinstance(template, Problem):
        raise CatalogError(f"{template}; run catalogs extract")
    results = []
    for locale, path in catalog_paths(locales_dir).items():
        parsed = read_catalog(path, locale)
        if isinstance(parsed, Problem):
            results.append((locale, f"not updated: {parsed}"))
            continue
        unreadable = [p for p in parsed.problems if p.rule == "syntax"]
        unreadable += [
            Problem(path, line, what, "syntax") for e in parsed.entries for line, what in e.syntax
        ]
        if unreadable:
            # Writing it back would drop what the reader could not understand.
            results.append((locale, f"not updated until this is fixed: {unreadable[0]}"))
            continue
        changed = _update_one(parsed, template.catalog, locale)
        results.append((locale, "updated" if changed else "up to date"))
    return results


def init(locales_dir: Path, locale: str, inherits: str | None = None) -> Path:
    """Start a catalog for `locale` from messages.pot; one that `inherits` from another
    catalog of its language starts empty (X-Inherits-From), to hold what differs."""
    try:
        plural_rule(locale)
        parsed_locale = Locale.parse(locale)
    except ValueError as exc:
        raise CatalogError(f"{exc}: use a CLDR name such as it, nl, pt_PT or es_MX") from None
    path = locales_dir / locale / "LC_MESSAGES" / "messages.po"
    if path.exists():
        raise CatalogError(f"{locale} already has a catalog ({path}); use catalogs update")
    if inherits is not None:
        if inherits.split("_")[0] != locale.split("_")[0] or inherits == locale:
            raise CatalogError(
                f"{locale} can inherit from another catalog of its own language only "
                "(en_AU from en_GB, pt_PT from pt_BR)"
            )
        if (
            inherits != SOURCE_LOCALE
            and not (locales_dir / inherits / "LC_MESSAGES" / "messages.po").exists()
        ):
            raise CatalogError(f"there is no catalog for {inherits} in {locales_dir}")
    template = parse(locales_dir / TEMPLATE, locale)
    if isinstance(template, Problem):
        raise CatalogError(f"{template}; run catalogs extract")
    catalog = template.catalog
    catalog.locale = parsed_locale
    catalog.revision_date = dt.datetime.now(dt.UTC)
    catalog.fuzzy = False
    if inherits is not None:
        for message in [m for m in catalog if m.id]:
            catalog.delete(message.id, message.context)
    _notes(catalog, locale)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write(path, catalog, inherits)
    return path
