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
from babel.dates import format_date, match_skeleton
from babel.lists import format_list
from babel.numbers import format_currency

from fulfillment.i18n.catalogs import CatalogTranslations, Resolution
from fulfillment.i18n.checks import SERVED_RULES, Problem
from fulfillment.i18n.sources import spec_sources
from fulfillment.intents import IntentSpec
from fulfillment.templates import fill, placeholders

if TYPE_CHECKING:
    from fulfillment.observability import Metrics

logger = logging.getLogger("fulfillment")

# Weekday, day, month and year: unambiguous, and written differently in en_US
# ("Wed, March 12, 2025"), en_GB ("Wednesday, 12 March 2025") and en_AU ("Wednesday 12
# March 2025"). The month is spelled out: "mar" is March and Tuesday in Spanish.
DATE_SKELETON = "yMMMMEEEEd"
_CACHE_LIMIT = 4096  # distinct dates and amounts remembered per locale

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
        skeletons = self._babel_locale.datetime_skeletons
        self._date_pattern = skeletons[match_skeleton(DATE_SKELETON, skeletons)]
        self._dates: dict[dt.date, str] = {}
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
                    return fill(text, values)
                fits = True  # not translated yet: the next variant that fits, if any
        last = variants[-1][1]
        if not fits and last is not None:
            return fill(last, values)
        return self._untranslated(f"replies.{key}").reply(key, values)

    def phrase(self, key: str, values: Mapping[str, object] | None = None) -> str:
        phrase = self.spec.phrases[key]
        assert phrase.text is not None, f"{key} is a plural phrase"
        translated = self._phrases[key]
        if translated is None:
            return self._untranslated(f"phrases.{key}").phrase(key, values)
        return fill(translated, values or {})

    def plural(self, key: str, count: int, values: Mapping[str, object] | None = None) -> str:
        phrase = self.spec.phrases[key]
        assert phrase.one is not None and phrase.other is not None, f"{key} is not plural"
        forms = self._plurals[key]
        if forms is None:
            return self._untranslated(f"phrases.{key}").plural(key, count, values)
        return fill(forms[self._plural_index(count)], {**(values or {}), "count": count})

    def date(self, value: dt.date) -> str:
        # Babel matches a skeleton against all of the locale's patterns on every call; the
        # pattern was chosen once in __init__, and a date is written the same way every time.
        written = self._dates.get(value)
        if written is None:
            written = str(format_date(value, self._date_pattern, locale=self._babel_locale))
            if len(self._dates) < _CACHE_LIMIT:
                self._dates[value] = written
        return written

    def join_list(self, parts: Sequence[str]) -> str:
        """ "a, b and c" the way the locale joins a list."""
        key = tuple(parts)
        written = self._lists.get(key)
        if written is None:
            written = str(format_list(list(parts), locale=self._babel_locale))
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
