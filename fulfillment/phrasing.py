"""One intent's words in one locale: catalog lookups, variant choice and Babel formatting."""

from __future__ import annotations

import datetime as dt
import gettext
from collections.abc import Mapping, Sequence
from decimal import Decimal

from babel import Locale
from babel.dates import format_skeleton
from babel.lists import format_list
from babel.numbers import format_currency

from fulfillment.intents import IntentSpec
from fulfillment.templates import fill, placeholders

# Weekday, day, month and year: unambiguous, and written differently in en_US
# ("Wed, March 12, 2025"), en_GB ("Wednesday, 12 March 2025") and en_AU ("Wednesday 12
# March 2025"). The month is spelled out: "mar" is March and Tuesday in Spanish.
DATE_SKELETON = "yMMMMEEEEd"


class Phrasebook:
    def __init__(
        self, spec: IntentSpec, locale: str, translations: gettext.NullTranslations
    ) -> None:
        self.spec = spec
        self.locale = locale
        self._babel_locale = Locale.parse(locale)
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
        return str(format_skeleton(DATE_SKELETON, value, locale=self._babel_locale))

    def join_list(self, parts: Sequence[str]) -> str:
        """ "a, b and c" the way the locale joins a list."""
        return str(format_list(list(parts), locale=self._babel_locale))

    def money(self, amount: Decimal, currency: str) -> str:
        return str(format_currency(amount, currency, locale=self._babel_locale))
