"""Translators' catalogs: read at start-up, matched entry by entry against the English of
intents/, and served as far as they are sound.

The policy (TRANSLATING.md, "When the English changes"):

- an entry translated for the current English, and sound, is served;
- an entry whose English changed since it was translated (marked fuzzy by `catalogs update`,
  or not updated yet: same msgctxt, old msgid) is *stale*: its previous translation is served
  until the translator reviews it, and counted;
- an entry that is missing, untranslated or broken (a bad placeholder, a missing plural form,
  markup, too long) is not served; a reply that needs it is answered whole in the locale's
  fallback language (phrasing.Phrasebook.whole). The rest of the language stays served.

Only a catalog that cannot be read at all (not UTF-8, an unreadable header) is not served.

A catalog may inherit (its header's `X-Inherits-From: en_GB`): it then holds only what differs
from that catalog of its own language, and takes each entry it does not translate from it
(and from its parent in turn); a reply none of them can say whole falls back as above.
"""

from __future__ import annotations

import gettext
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from fulfillment.i18n.checks import (
    SERVED_RULES,
    Problem,
    date_findings,
    kind_of,
    plural_rule,
    text_findings,
)
from fulfillment.i18n.locales import fallback_locale
from fulfillment.i18n.matching import Resolution, Resolved, about, english, resolve, similarity
from fulfillment.i18n.pofiles import INHERITS_HEADER, Parsed, parse
from fulfillment.i18n.sources import Source, intents_sources, template_sources

logger = logging.getLogger("fulfillment")

SOURCE_LOCALE = "en_US"
TEMPLATE = "messages.pot"

__all__ = [
    "SOURCE_LOCALE",
    "TEMPLATE",
    "CatalogTranslations",
    "Problem",
    "Resolution",
    "Resolved",
    "Stats",
    "catalog_paths",
    "catalog_stats",
    "check_all",
    "check_catalog",
    "inheritance",
    "load_translations",
    "read_catalog",
    "read_template",
    "resolve",
    "resolve_all",
    "stats_of",
]


@dataclass(frozen=True, slots=True)
class Stats:
    locale: str
    total: int
    translated: int  # by this catalog itself
    inherited: int  # taken from the catalog it inherits from (X-Inherits-From)
    stale: int  # served with the previous translation of a changed English text
    untranslated: int  # missing or not translated: answered in the fallback language
    broken: int  # translated, but not served because a check fails


def catalog_paths(locales_dir: Path) -> dict[str, Path]:
    """locale name -> its messages.po, for every catalog a translator has started."""
    return {
        path.parent.parent.name: path
        for path in sorted(locales_dir.glob("*/LC_MESSAGES/messages.po"))
    }


def read_catalog(path: Path, locale: str | None = None) -> Parsed | Problem:
    """A catalog as read, or why it cannot be read at all."""
    if locale is not None:
        try:
            plural_rule(locale)
        except ValueError as exc:
            return Problem(path, 0, f"{exc}: name the folder like de, pt_BR, es_MX", "locale")
    return parse(path, locale)


def read_template(locales_dir: Path) -> Parsed | Problem:
    return read_catalog(locales_dir / TEMPLATE)


def english_problems(sources: Sequence[Source]) -> list[Problem]:
    """The designers' own texts against the same limits: markup, length, date formats."""
    return [
        Problem(source.path or Path("intents"), source.line, f"{about(source.context)}{m}", r)
        for source in sources
        for text in source.ids
        for r, m in [
            *text_findings(text, kind_of(source.context)),
            *(("placeholder", m) for m in date_findings(text, SOURCE_LOCALE)),
        ]
    ]


def _notes(comments: Sequence[str]) -> str:
    """Notes as text: a .pot wraps long ones over several lines."""
    return " ".join(" ".join(comments).split())


def template_problems(sources: Sequence[Source], template: Parsed) -> list[Problem]:
    """Where messages.pot no longer says what intents/ says: run catalogs extract."""
    path = template.path
    entries = {e.key: e for e in template.entries if not e.obsolete}
    wanted = {s.key for s in sources}
    problems = []
    gone = [e for key, e in entries.items() if key not in wanted]
    for source in sources:
        entry = entries.get(source.key)
        if entry is None:
            # The old text of the same msgctxt, if any: one finding for one change.
            same = [e for e in gone if e.context == source.context]
            if same:
                old = max(same, key=lambda e: similarity(e.ids, source.ids))
                gone.remove(old)
                problems.append(
                    Problem(
                        path,
                        old.line,
                        f"{about(source.context)}the English changed in {source.where}; "
                        "messages.pot still has the old text: run catalogs extract",
                        "template",
                    )
                )
            else:
                problems.append(
                    Problem(
                        source.path or path,
                        source.line,
                        f"{about(source.context)}new, not in messages.pot yet: "
                        "run catalogs extract",
                        "template",
                    )
                )
        elif entry.ids != source.ids or _notes(entry.comments) != _notes(source.comments):
            what = "plural" if entry.ids != source.ids else "notes for translators"
            problems.append(
                Problem(
                    path,
                    entry.line,
                    f"{about(source.context)}the {what} changed in {source.where}: "
                    "run catalogs extract",
                    "template",
                )
            )
    problems += [
        Problem(
            path,
            entry.line,
            f"{about(entry.context)}{entry.ids[0]!r} is no longer in intents/: "
            "run catalogs extract",
            "template",
        )
        for entry in gone
    ]
    return problems


def inheritance(catalogs: Mapping[str, Parsed]) -> tuple[dict[str, str], list[Problem]]:
    """locale -> the locale it inherits from, for each catalog whose X-Inherits-From names one it
    can inherit from (a catalog here of the same language, or the source locale's English),
    and why the others cannot."""
    parents: dict[str, str] = {}
    problems = []
    for locale, catalog in catalogs.items():
        name = catalog.inherits
        if name is None:
            continue
        why = None
        if name == locale:
            why = "names this catalog itself"
        elif name.split("_")[0] != locale.split("_")[0]:
            why = (
                f"{name} is another language; a catalog inherits from its own language only "
                "(en_AU from en_GB, pt_PT from pt_BR)"
            )
        elif name not in catalogs and name != SOURCE_LOCALE:
            there = ", ".join(sorted(catalogs)) or "none"
            why = f"there is no readable catalog for {name} here (there are: {there})"
        if why is None:
            parents[locale] = name
        else:
            problems.append(
                Problem(
                    catalog.path,
                    catalog.inherits_line,
                    f"{INHERITS_HEADER}: {why}; nothing is inherited",
                    "inherits",
                )
            )
    looping = set()
    for locale in parents:
        chain = [locale]
        while chain[-1] in parents and parents[chain[-1]] not in chain:
            chain.append(parents[chain[-1]])
        if chain[-1] in parents and parents[chain[-1]] == locale:
            looping.add(locale)
            catalog = catalogs[locale]
            problems.append(
                Problem(
                    catalog.path,
                    catalog.inherits_line,
                    f"{INHERITS_HEADER}: {' -> '.join([*chain, locale])} goes round in a "
                    "circle; nothing is inherited",
                    "inherits",
                )
            )
    return {k: v for k, v in parents.items() if k not in looping}, problems


def resolve_all(
    sources: Sequence[Source], catalogs: Mapping[str, Parsed], served: frozenset[str]
) -> dict[str, Resolution]:
    """Every catalog resolved against `sources`, each after the one it inherits from; the
    `inherits` findings with the catalog they are about."""
    parents, problems = inheritance(catalogs)
    done: dict[str, Resolution] = {}

    def one(locale: str) -> Resolution:
        if locale not in done:
            name = parents.get(locale)
            parent = None
            if name == SOURCE_LOCALE:
                parent = english(sources, SOURCE_LOCALE)
            elif name is not None:
                parent = one(name)
            fallback = fallback_locale(locale, served | {SOURCE_LOCALE}, SOURCE_LOCALE)
            resolution = resolve(sources, catalogs[locale], locale, fallback, parent)
            path = catalogs[locale].path
            resolution.problems[:0] = [p for p in problems if p.path == path]
            done[locale] = resolution
        return done[locale]

    return {locale: one(locale) for locale in catalogs}


def check_catalog(
    catalog: Parsed,
    path: Path,
    template: Parsed | None,
    sources: Sequence[Source] | None = None,
    served: frozenset[str] = frozenset(),
    parent: Resolution | None = None,
) -> list[Problem]:
    """Every finding of one catalog, against `sources` (intents/), else against the template;
    `parent`: the resolution of the catalog it inherits from (see resolve_all)."""
    if sources is None:
        sources = template_sources(template) if template is not None else []
    locale = path.parent.parent.name
    fallback = fallback_locale(locale, served | {SOURCE_LOCALE}, SOURCE_LOCALE)
    return resolve(sources, catalog, locale, fallback, parent).problems


def check_all(
    locales_dir: Path, intents_dir: Path | None = None, locale: str | None = None
) -> list[Problem]:
    """Every finding of intents/ (its English, and whether messages.pot is up to date) and of
    every catalog, or only `locale`'s (what `fulfillment catalogs check` prints)."""
    problems: list[Problem] = []
    template = read_template(locales_dir)
    sources: list[Source] | None = None
    if intents_dir is not None:
        sources, problems = intents_sources(intents_dir)
        problems += english_problems(sources)
        if problems and not sources:
            sources = None  # nothing readable in intents/: compare with the template
    if isinstance(template, Problem):
        problems.append(template)
        template_catalog = None
    else:
        template_catalog = template
        if sources is not None:
            problems += template_problems(sources, template)
    if sources is None:
        sources = template_sources(template_catalog) if template_catalog is not None else []
    paths = catalog_paths(locales_dir)
    catalogs: dict[str, Parsed] = {}
    for name, path in paths.items():
        catalog = read_catalog(path, name)
        if isinstance(catalog, Problem):
            if locale is None or name == locale:
                problems.append(catalog)
        else:
            catalogs[name] = catalog
    # Every catalog is read: the one checked may inherit from any of them.
    for name, resolution in resolve_all(sources, catalogs, frozenset(paths)).items():
        if locale is None or name == locale:
            problems += resolution.problems
    return problems


def catalog_stats(
    locale: str, catalog: Parsed, sources: Sequence[Source], parent: Resolution | None = None
) -> Stats:
    resolution = resolve(sources, catalog, locale, None, parent)
    return stats_of(resolution)


def stats_of(resolution: Resolution) -> Stats:
    return Stats(
        resolution.locale,
        len(resolution.entries),
        resolution.count("translated"),
        resolution.count("inherited"),
        resolution.count("stale"),
        resolution.count("untranslated", "missing"),
        resolution.count("broken"),
    )


class CatalogTranslations(gettext.NullTranslations):
    """One locale's catalog as served. `Phrasebook` resolves it against the intent's English
    (`resolve`); pgettext and npgettext answer reviewed, sound-looking entries only."""

    def __init__(self, locale: str, catalog: Parsed) -> None:
        super().__init__()
        self.locale = locale
        self.catalog = catalog
        self.forms, self.plural_index, _names = plural_rule(locale)
        # The locale answering a reply this one cannot answer whole (set by load_translations).
        self.fallback_locale: str | None = None
        self.fallback: gettext.NullTranslations | None = None
        # The locale whose entries this one takes where it has none (X-Inherits-From), and
        # its catalog (None for the source locale's English).
        self.parent_locale: str | None = None
        self.parent: CatalogTranslations | None = None
        self._reviewed = {
            e.key: e.strings
            for e in catalog.entries
            if not (e.obsolete or e.fuzzy or e.syntax) and all(e.strings)
        }

    def resolve(self, sources: Sequence[Source]) -> Resolution:
        parent = None
        if self.parent is not None:
            parent = self.parent.resolve(sources)
        elif self.parent_locale is not None:
            parent = english(sources, self.parent_locale)
        return resolve(sources, self.catalog, self.locale, self.fallback_locale, parent)

    def pgettext(self, context: str, message: str) -> str:
        strings = self._reviewed.get((context, message))
        if strings and len(strings) == 1:
            return strings[0]
        return self.parent.pgettext(context, message) if self.parent else message

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        strings = self._reviewed.get((context, msgid1))
        if strings and len(strings) == self.forms:
            return strings[self.plural_index(n)]
        if self.parent is not None and self.parent.forms == self.forms:
            return self.parent.npgettext(context, msgid1, msgid2, n)
        return msgid1 if n == 1 else msgid2


def _warn(locale: str, problem: Problem, what: str) -> None:
    logger.warning(
        "%s: %s",
        locale,
        what,
        extra={
            "fields": {
                "locale": locale,
                "file": str(problem.path),
                "line": problem.line,
                "rule": problem.rule,
                "problem": problem.message,
            }
        },
    )


def load_translations(locales_dir: Path) -> dict[str, gettext.NullTranslations]:
    """Every locale that can be served, with its catalog; the source locale needs none.

    Every catalog that can be read is served, entry by entry (see the module's docstring);
    what is wrong with it is logged at start-up, here for the file and by each Phrasebook for
    its entries. A catalog that cannot be read at all is not served, and logged.
    """
    translations: dict[str, gettext.NullTranslations] = {SOURCE_LOCALE: gettext.NullTranslations()}
    catalogs: dict[str, CatalogTranslations] = {}
    for locale, path in catalog_paths(locales_dir).items():
        parsed = read_catalog(path, locale)
        if isinstance(parsed, Problem):
            _warn(locale, parsed, f"not served: {parsed}")
            continue
        for problem in parsed.problems:
            if problem.rule not in SERVED_RULES:
                _warn(locale, problem, f"served, but {problem}")
        catalogs[locale] = CatalogTranslations(locale, parsed)
    translations.update(catalogs)
    parents, problems = inheritance({locale: c.catalog for locale, c in catalogs.items()})
    for problem in problems:
        _warn(problem.path.parent.parent.name, problem, f"served, but {problem}")
    for locale, catalog in catalogs.items():
        fallback = fallback_locale(locale, translations.keys(), SOURCE_LOCALE)
        catalog.fallback_locale = fallback
        catalog.fallback = translations.get(fallback) if fallback else None
        catalog.parent_locale = parents.get(locale)
        catalog.parent = catalogs.get(catalog.parent_locale or "")
    return translations
