"""One intent's words in one locale: catalog lookups, variant choice and Babel formatting."""

from __future__ import annotations

import datetime as dt
import gettext
from collections.abc import Mapping, Sequence
from decimal import Decimal

from babel import Locale
from babel.dates import format_date, match_skeleton
from babel.lists import format_list
from babel.numbers import format_currency

from fulfillment.intents import IntentSpec
from fulfillment.templates import fill, placeholders

# Weekday, day, month and year: unambiguous, and written differently in en_US
# ("Wed, March 12, 2025"), en_GB ("Wednesday, 12 March 2025") and en_AU ("Wednesday 12
# March 2025"). The month is spelled out: "mar" is March and Tuesday in Spanish.
DATE_SKELETON = "yMMMMEEEEd"
_CACHE_LIMIT = 4096  # distinct dates and amounts remembered per locale


class Phrasebook:
    def __init__(
        self, spec: IntentSpec, locale: str, translations: gettext.NullTranslations
    ) -> None:
        self.spec = spec
        self.locale = locale
        self._babel_locale = Locale.parse(locale)
        skeletons = self._babel_locale.datetime_skeletons
        self._date_pattern = skeletons[match_skeleton(DATE_SKELETON, skeletons)]
        self._dates: dict[dt.date, str] = {}
        self._amounts: dict[tuple[Decimal, str], str] = {}
        self._lists: dict[tuple[str, ...], str] = {}
        self._translations = translations
        # Variant choice depends only on the English source, so it is worked out once.
        self._variants = {
            key: [(template, placeholders(template)) for template in reply.variants]
            for key, reply in spec.replies.items()
        }

    def reply(self, key: str, values: Mapping[str, object]) -> str:
        """The first variant of a reply whose placeholders all have values, translated."""
        known = {name for name, value in values.items() if value is not None}
        variants = self._variants[key]
        template = next((t for t, names in variants if names <= known), variants[-1][0])
        translated = self._translations.pgettext(self.spec.context(f"replies.{key}"), template)
        return fill(translated, values)

    def phrase(self, key: str, values: Mapping[str, object] | None = None) -> str:
        phrase = self.spec.phrases[key]
        assert phrase.text is not None, f"{key} is a plural phrase"
        translated = self._translations.pgettext(self.spec.context(f"phrases.{key}"), phrase.text)
        return fill(translated, values or {})

    def plural(self, key: str, count: int, values: Mapping[str, object] | None = None) -> str:
        phrase = self.spec.phrases[key]
        assert phrase.one is not None and phrase.other is not None, f"{key} is not plural"
        translated = self._translations.npgettext(
            self.spec.context(f"phrases.{key}"), phrase.one, phrase.other, count
        )
        return fill(translated, {**(values or {}), "count": count})

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
