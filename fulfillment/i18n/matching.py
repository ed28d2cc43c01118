"""Matching a catalog's entries to the English of intents/, entry by entry.

Exact msgctxt and msgid first; then, for an English text that changed, the entry of the same
msgctxt that still has the old text (not updated yet), the most similar first. Never across
msgctxt: the German of "delivered" must not answer "shipped". An entry the catalog does not
translate is then taken from its parent's resolution, if it inherits (X-Inherits-From: en_AU
from en_GB): "inherited", served, and no finding.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field

from fulfillment.i18n.checks import (
    SERVED_RULES,
    Problem,
    forms_text,
    kind_of,
    plural_rule,
    translation_findings,
)
from fulfillment.i18n.pofiles import Entry, Parsed
from fulfillment.i18n.sources import Key, Source


@dataclass(frozen=True, slots=True)
class Resolved:
    """How one English entry is answered in a locale."""

    source: Source
    state: str  # translated, stale, inherited, untranslated, missing or broken
    strings: tuple[str, ...] | None  # what is served; None: nothing (the fallback answers)
    entry: Entry | None = None  # an inherited entry: the parent's (or its parent's) entry


@dataclass
class Resolution:
    entries: dict[Key, Resolved] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    locale: str = ""

    def count(self, *states: str) -> int:
        return sum(1 for r in self.entries.values() if r.state in states)


def about(context: str | None) -> str:
    return f"msgctxt {context!r}: " if context else ""


def _in(source: Source) -> str:
    return f" in {source.where}" if source.path else ""


def similarity(old: tuple[str, ...], new: tuple[str, ...]) -> float:
    return difflib.SequenceMatcher(None, "\n".join(old), "\n".join(new)).ratio()


def english(sources: Sequence[Source], locale: str) -> Resolution:
    """The designers' English as a resolution: what a catalog inheriting from the source
    locale (X-Inherits-From: en_US) takes where it has no entry."""
    entries = {s.key: Resolved(s, "translated", s.ids) for s in sources}
    return Resolution(entries, locale=locale)


def _inheritable(resolved: Resolved | None, locale: str, parent: str) -> bool:
    """Whether a parent's answer serves `locale` too: plural forms only between languages
    whose forms are the same ones (pt_PT and pt_BR both have one, many, other)."""
    if resolved is None or resolved.strings is None:
        return False
    return not resolved.source.is_plural or plural_rule(locale)[2] == plural_rule(parent)[2]


def resolve(
    sources: Sequence[Source],
    catalog: Parsed,
    locale: str,
    fallback: str | None,
    parent: Resolution | None = None,
) -> Resolution:
    """Which translation answers each English entry in `locale`, and every finding; `parent`:
    the resolution of the locale it inherits from, if any."""
    path = catalog.path
    resolution = Resolution(problems=list(catalog.problems), locale=locale)
    problems = resolution.problems
    instead = f"replies that need it are answered in {fallback}" if fallback else ""
    live = {e.key: e for e in catalog.entries if not e.obsolete}
    wanted = {s.key for s in sources}
    # msgid -> msgctxts, to tell a fuzzy match Babel made from another reply's English.
    elsewhere: dict[str, set[str]] = {}
    for source in sources:
        elsewhere.setdefault(source.ids[0], set()).add(source.context)
    pending: list[Source] = []

    def findings(entry: Entry, source: Source, stale: bool) -> list[tuple[int, str, str]]:
        """(line, rule, message) of everything wrong with `entry` as a translation of `source`."""
        found = [(line, "syntax", what) for line, what in entry.syntax]
        if (len(entry.ids) > 1) != source.is_plural:
            what = "plural and singular do not match: run catalogs update"
            return [*found, (entry.line, "plural-forms", what)]
        kind = kind_of(source.context)
        checked = translation_findings(entry.strings, source.ids, locale, kind, stale=stale)
        return found + [(entry.line, rule, what) for rule, what in checked]

    def breaks(found: list[tuple[int, str, str]]) -> bool:
        """Whether findings keep an entry from being served (typography does not)."""
        return any(rule not in SERVED_RULES for _line, rule, _what in found)

    def report(entry: Entry, found: list[tuple[int, str, str]]) -> None:
        where = about(entry.context)
        problems.extend(Problem(path, line, where + what, rule) for line, rule, what in found)

    for source in sources:
        entry = live.get(source.key)
        if entry is None or not entry.translated:
            pending.append(source)
            continue
        # `#| msgctxt` says where the translation came from (catalogs update always writes it);
        # without it, an old English that another msgctxt still has gives a tool's match away.
        if entry.previous_context is not None:
            foreign = entry.fuzzy and entry.previous_context != source.context
        else:
            others = elsewhere.get(entry.previous[0], set()) if entry.previous else set()
            foreign = entry.fuzzy and bool(others - {source.context})
        found = findings(entry, source, stale=entry.fuzzy)
        if foreign:
            was = f" ({entry.previous[0]!r})" if entry.previous else ""
            found.append(
                (
                    entry.line,
                    "fuzzy-match",
                    f"fuzzy, and its translation is of another entry's English{was}, matched by a "
                    "tool that ignores msgctxt: not served; translate it, then remove the fuzzy "
                    "flag (catalogs update never matches across msgctxt)",
                )
            )
        report(entry, found)
        if breaks(found):
            resolution.entries[source.key] = Resolved(source, "broken", None, entry)
        elif entry.fuzzy:
            what = (
                f"the English changed (it was {entry.previous[0]!r}): its previous translation"
                if entry.previous and entry.previous != source.ids
                else "fuzzy: the translation"
            )
            problems.append(
                Problem(
                    path,
                    entry.line,
                    f"{about(entry.context)}{what} is served until you review it and remove "
                    "the fuzzy flag",
                    "stale",
                )
            )
            resolution.entries[source.key] = Resolved(source, "stale", entry.strings, entry)
        else:
            resolution.entries[source.key] = Resolved(source, "translated", entry.strings, entry)

    # Entries whose English changed and that no update has touched yet: the same msgctxt, an
    # older msgid. Each answers the most similar changed text of its msgctxt, if it can.
    leftovers = [e for e in catalog.entries if e.key not in wanted and e.translated]
    pairs = sorted(
        (
            (similarity(entry.ids, source.ids), -number, index, entry, source)
            for number, entry in enumerate(leftovers)
            for index, source in enumerate(pending)
            if entry.context == source.context
            and len(entry.ids) == len(source.ids)
            and not breaks(findings(entry, source, stale=True))
        ),
        key=lambda pair: pair[:3],
        reverse=True,
    )
    used: set[int] = set()
    for _ratio, _number, _index, entry, source in pairs:
        if id(entry) in used or source.key in resolution.entries:
            continue
        used.add(id(entry))
        resolution.entries[source.key] = Resolved(source, "stale", entry.strings, entry)
        problems.append(
            Problem(
                path,
                entry.line,
                f"{about(entry.context)}the English changed{_in(source)}; this translation of "
                "the old text is served until the catalog is updated (catalogs extract, "
                "catalogs update) and you review it",
                "stale",
            )
        )
    for source in pending:
        if source.key in resolution.entries:
            continue
        entry = live.get(source.key)
        inherited = parent.entries.get(source.key) if parent is not None else None
        if parent is not None and _inheritable(inherited, locale, parent.locale):
            assert inherited is not None
            resolution.entries[source.key] = Resolved(
                source, "inherited", inherited.strings, inherited.entry
            )
            continue
        if parent is not None:
            resolution.entries[source.key] = Resolved(source, "missing", None, entry)
            if inherited is not None and inherited.strings is not None:  # its plural forms
                problems.append(
                    Problem(
                        path,
                        entry.line if entry is not None else 1,
                        f"{about(source.context)}{source.ids[0]!r}{_in(source)}: the plural "
                        f"forms of {parent.locale}, which this catalog inherits from, are not "
                        f"{locale}'s ({forms_text(locale)}): translate it here"
                        + (f"; until then, {instead}" if instead else ""),
                        "missing",
                    )
                )
            # Else the parent's own findings name the gap: it is filled there, once.
        elif entry is not None:
            resolution.entries[source.key] = Resolved(source, "untranslated", None, entry)
            problems.append(
                Problem(
                    path,
                    entry.line,
                    f"{about(source.context)}not translated" + (f"; {instead}" if instead else ""),
                    "untranslated",
                )
            )
        else:
            resolution.entries[source.key] = Resolved(source, "missing", None)
            problems.append(
                Problem(
                    path,
                    1,
                    f"{about(source.context)}{source.ids[0]!r}{_in(source)} is missing: run "
                    "catalogs update" + (f"; until it is translated, {instead}" if instead else ""),
                    "missing",
                )
            )
    for entry in catalog.entries:
        if entry.obsolete or entry.key in wanted or id(entry) in used:
            continue
        problems.append(
            Problem(
                path,
                entry.line,
                f"{about(entry.context)}{entry.ids[0]!r} is no longer in intents/ "
                "(run catalogs extract and catalogs update)",
                "obsolete",
            )
        )
    problems.sort(key=lambda problem: problem.line)
    return resolution
