"""One intent's words in one locale: catalog lookups, variant choice and Babel formatting.

A reply is said in one language, whole. A handler composes it from several pieces (a status
sentence, an item count, a card's title and button...) inside `Phrasebook.whole`: if any piece
has no translation in the locale, the whole reply is composed again by the locale's fallback
phrasebook (its dates, amounts and lists too), never piece by piece. A stale translation (of
an English text that changed since) is a translation: it is served. See TRANSLATING.md.
"""

from __future__ import annotations

import copy
import datetime as dt
import gettext
import logging
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

from babel import Locale
from babel.dates import DateTimePattern
from babel.lists import format_list
from babel.numbers import format_currency

from fulfillment.i18n.catalogs import CatalogTranslations, Resolution
from fulfillment.i18n.checks import SERVED_RULES, Problem
from fulfillment.i18n.dates import DATE_SKELETON, date_pattern
from fulfillment.i18n.sources import spec_sources
from fulfillment.intents import IntentSpec
from fulfillment.templates import fill, placeholders

if TYPE_CHECKING:
    from fulfillment.observability import Metrics

logger = logging.getLogger("fulfillment")

__all__ = ["DATE_SKELETON", "FSI", "PDI", "SENTENCE_SEPARATORS", "Phrasebook", "Untranslated"]

# A date placeholder without a format ({expected_date}) is written with DATE_SKELETON in the
# locale's own order and words; a translator chooses another per placeholder:
# {expected_date:long}, {expected_date:MMMMd} (templates.py, i18n/dates.py, TRANSLATING.md).
_CACHE_LIMIT = 4096  # distinct dates and amounts remembered per locale

# Unicode bidi isolates (UAX #9): FIRST STRONG ISOLATE ... POP DIRECTIONAL ISOLATE. In a
# right-to-left reply each value filled in (an order number, a carrier, a URL, a date) is
# isolated, so "A-10023" or "UPS" keep their own direction and do not reorder the sentence.
FSI, PDI = "\u2068", "\u2069"

# What goes between two sentences of one message. Languages written without spaces between
# sentences (Japanese, Chinese: "発送しました。追跡番号は…") take none; CLDR has no datum for it,
# so this table says it. Thai separates sentences (it has no full stop) with a space: the default.
SENTENCE_SEPARATORS = {"ja": "", "zh": "", "yue": ""}

T = TypeVar("T")


class Untranslated(LookupError):
    """A piece of a reply has no translation in this locale (raised inside `whole` only)."""


def _source_index(count: int) -> int:
    return 0 if count == 1 else 1


class Phrasebook:
    def __init__(
        self,
        spec: IntentSpec,
        locale: str,
        translations: gettext.NullTranslations,
        *,
        report: bool = True,
    ) -> None:
        """`translations`: the locale's CatalogTranslations; anything else (the source locale's
        NullTranslations) means the intent's own English. `report`: log at start-up what is
        stale or not served (the fallback phrasebooks built here do not repeat it)."""
        self.spec = spec
        self.locale = locale
        self._babel_locale = Locale.parse(locale)
        self.right_to_left = self._babel_locale.character_order == "right-to-left"
        self._separator = SENTENCE_SEPARATORS.get(self._babel_locale.language, " ")
        self._date_patterns: dict[str, DateTimePattern] = {}
        self._dates: dict[tuple[dt.date, str], str] = {}
        self._amounts: dict[tuple[Decimal, str], str] = {}
        self._lists: dict[tuple[str, ...], str] = {}
        sources = spec_sources(spec)
        served: dict[tuple[str | None, str], tuple[str, ...] | None]
        # Answers a reply this locale cannot answer whole; None when nothing is missing.
        self.fallback: Phrasebook | None = None
        self.stale: tuple[Problem, ...] = ()  # entries served with a previous translation
        self.unserved: tuple[Problem, ...] = ()  # why entries are not served
        self._plural_index: Callable[[int], int] = _source_index
        if isinstance(translations, CatalogTranslations):
            resolution = translations.resolve(sources)
            served = {key: r.strings for key, r in resolution.entries.items()}
            self._plural_index = translations.plural_index
            self.stale = tuple(p for p in resolution.problems if p.rule == "stale")
            self.unserved = tuple(p for p in resolution.problems if p.rule not in SERVED_RULES)
            fallback = translations.fallback
            missing = any(strings is None for strings in served.values())
            if missing and translations.fallback_locale and fallback is not None:
                self.fallback = Phrasebook(
                    spec, translations.fallback_locale, fallback, report=False
                )
            if report:
                self._report(resolution)
        else:
            served = {source.key: source.ids for source in sources}
        if self.fallback is None:  # nothing to fall back to: the English answers what is missing
            english = {source.key: source.ids for source in sources}
            served = {key: strings or english[key] for key, strings in served.items()}

        def text(context: str, english: str) -> str | None:
            strings = served.get((context, english))
            return strings[0] if strings else None

        # Variant choice depends on the English source and on what is translated: worked out once.
        self._variants = {
            key: [
                (placeholders(template), text(spec.context(f"replies.{key}"), template))
                for template in reply.variants
            ]
            for key, reply in spec.replies.items()
        }
        self._phrases = {
            key: text(spec.context(f"phrases.{key}"), phrase.text)
            for key, phrase in spec.phrases.items()
            if phrase.text is not None
        }
        self._plurals = {
            key: served.get((spec.context(f"phrases.{key}"), phrase.one))
            for key, phrase in spec.phrases.items()
            if phrase.one is not None
        }
        self._metrics: Metrics | None = None
        # The same words, raising Untranslated instead of falling back piece by piece: what
        # `whole` composes with. Shares every cache with this one.
        self._strict = False
        self._strict_view = copy.copy(self)
        self._strict_view._strict = True

    def _report(self, resolution: Resolution) -> None:
        where = {"locale": self.locale, "interest_type": self.spec.interest_type}
        if self.stale:
            logger.warning(
                "%s: %d entr%s answered with the previous translation (the English changed)",
                self.locale,
                len(self.stale),
                "y" if len(self.stale) == 1 else "ies",
                extra={"fields": {**where, "stale": [str(p) for p in self.stale]}},
            )
        unserved = resolution.count("untranslated", "missing", "broken")
        if unserved:
            logger.warning(
                "%s: %d entr%s not served; replies that need them are answered in %s",
                self.locale,
                unserved,
                "y" if unserved == 1 else "ies",
                self.fallback.locale if self.fallback else "English",
                extra={"fields": {**where, "problems": [str(p) for p in self.unserved]}},
            )

    def whole(
        self, compose: Callable[[Phrasebook], T], metrics: Metrics | None = None
    ) -> tuple[Phrasebook, T]:
        """compose(book) with this locale's words if it has all of them, else with the first
        phrasebook of its fallback chain that does: one language per reply, and the book that
        answered (its locale is the reply's Content-Language)."""
        if metrics is not None and self._metrics is not metrics:
            self._metrics = metrics
            metrics.stale_translations.labels(self.spec.interest_type, self.locale).set(
                len(self.stale)
            )
        book = self
        while True:
            try:
                result = compose(book._strict_view)
            except Untranslated:
                if book.fallback is None:
                    raise
                book = book.fallback
                continue
            if book is not self and metrics is not None:
                metrics.fallback_replies.labels(self.locale, book.locale).inc()
            return book, result

    def _untranslated(self, entry: str) -> Phrasebook:
        """The phrasebook to ask instead, outside `whole`; inside, Untranslated."""
        if self._strict or self.fallback is None:
            raise Untranslated(f"{self.locale}: {self.spec.context(entry)}")
        return self.fallback

    def reply(self, key: str, values: Mapping[str, object]) -> str:
        """The first variant of a reply whose placeholders all have values and which is
        translated, translated; the last variant when none has all its values."""
        known = {name for name, value in values.items() if value is not None}
        variants = self._variants[key]
        fits = False
        for names, text in variants:
            if names <= known:
                if text is not None:
                    return fill(text, values, self._write)
                fits = True  # not translated yet: the next variant that fits, if any
        last = variants[-1][1]
        if not fits and last is not None:
            return fill(last, values, self._write)
        return self._untranslated(f"replies.{key}").reply(key, values)

    def phrase(self, key: str, values: Mapping[str, object] | None = None) -> str:
        phrase = self.spec.phrases[key]
        assert phrase.text is not None, f"{key} is a plural phrase"
        translated = self._phrases[key]
        if translated is None:
            return self._untranslated(f"phrases.{key}").phrase(key, values)
        return fill(translated, values or {}, self._write)

    def plural(self, key: str, count: int, values: Mapping[str, object] | None = None) -> str:
        phrase = self.spec.phrases[key]
        assert phrase.one is not None and phrase.other is not None, f"{key} is not plural"
        forms = self._plurals[key]
        if forms is None:
            return self._untranslated(f"phrases.{key}").plural(key, count, values)
        values = {**(values or {}), "count": count}
        return fill(forms[self._plural_index(count)], values, self._write)

    def date_pattern(self, spec: str = "") -> DateTimePattern:
        """The locale's pattern for a date placeholder's format (i18n/dates.py): Babel
        matches a skeleton against all of the locale's patterns, so once per format."""
        pattern = self._date_patterns.get(spec)
        if pattern is None:
            pattern = self._date_patterns[spec] = date_pattern(self._babel_locale, spec)
        return pattern

    def date(self, value: dt.date, spec: str = "") -> str:
        """A date as this locale writes it, in the format a placeholder asks for (see
        date_pattern); remembered, since a date is written the same way every time."""
        key = (value, spec)
        written = self._dates.get(key)
        if written is None:
            written = self.date_pattern(spec).apply(value, self._babel_locale)
            if len(self._dates) < _CACHE_LIMIT:
                self._dates[key] = written
        return written

    def isolate(self, text: str) -> str:
        """`text` in bidi isolates in a right-to-left locale; as it is elsewhere."""
        return f"{FSI}{text}{PDI}" if self.right_to_left else text

    def _write(self, value: object, spec: str) -> str:
        """A value as a template shows it: a date in the locale's format, isolated in a
        right-to-left language."""
        text = self.date(value, spec) if isinstance(value, dt.date) else str(value)
        return f"{FSI}{text}{PDI}" if self.right_to_left else text

    def sentences(self, *parts: str) -> str:
        """Sentences of one message, joined the locale's way (SENTENCE_SEPARATORS)."""
        return self._separator.join(part for part in parts if part)

    def join_list(self, parts: Sequence[str]) -> str:
        """ "a, b and c" the way the locale joins a list; in a right-to-left language each
        part isolated (a Latin product name among Arabic words)."""
        key = tuple(parts)
        written = self._lists.get(key)
        if written is None:
            items = [self.isolate(part) for part in parts]
            written = str(format_list(items, locale=self._babel_locale))
            if len(self._lists) < _CACHE_LIMIT:
                self._lists[key] = written
        return written

    def money(self, amount: Decimal, currency: str) -> str:
        key = (amount, currency)
        written = self._amounts.get(key)
        if written is None:
            written = str(format_currency(amount, currency, locale=self._babel_locale))
            if len(self._amounts) < _CACHE_LIMIT:
                self._amounts[key] = written
        return written
