"""Turning whatever a platform sends as languageCode into one of the locales we serve."""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError
from babel.core import get_global

# A BCP 47 extension or private-use part starts at a single-letter subtag: en-US-u-ca-gregory.
_EXTENSION = re.compile(r"-[a-z0-9]-.*$", re.IGNORECASE)
# Region codes people use that ISO 3166 does not (en-UK).
_REGION_ALIASES = {"UK": "GB"}
# For a bare language, which of our regional catalogs answers.
LANGUAGE_DEFAULTS = {"en": "en_US", "pt": "pt_BR", "es": "es", "fr": "fr", "de": "de"}
# CLDR groups regional variants under a parent (en_IN, en_AU and en_GB under en_001,
# "English as used outside the US"); which served locale speaks for such a family.
FAMILY_DEFAULTS = {"en_001": "en_GB", "en_150": "en_GB", "es_419": "es"}
_PARENTS: Mapping[str, str] = get_global("parent_exceptions")


def ancestors(name: str) -> list[str]:
    """CLDR's parent chain of a locale name: en_IN -> [en_001]; the language itself excluded."""
    chain = []
    while name in _PARENTS and _PARENTS[name] not in chain and _PARENTS[name] != "root":
        name = _PARENTS[name]
        chain.append(name)
    return chain


_CACHE_LIMIT = 4096


def parse_language_code(code: str) -> Locale | None:
    """A Babel Locale for a BCP 47 or POSIX-style code, or None when it cannot be read."""
    if not code or len(code) > 64:
        return None
    code = _EXTENSION.sub("", code.strip().replace("_", "-"))
    parts = code.split("-")
    if len(parts) > 1 and parts[-1].upper() in _REGION_ALIASES:
        parts[-1] = _REGION_ALIASES[parts[-1].upper()]
    try:
        # Babel raises ValueError for malformed codes and UnknownLocaleError (not a
        # ValueError) for well-formed unknown ones.
        return Locale.parse("-".join(parts), sep="-")
    except (ValueError, TypeError, UnknownLocaleError):
        return None


@dataclass(frozen=True, slots=True)
class Language:
    """What one languageCode comes to, worked out once per request."""

    locale: str  # the served catalog that answers
    # The language the customer writes in, as its ISO 639 code ("fr" for fr-CA even when no
    # French catalog is served), or None when the code cannot be read: the extractor picks its
    # tokenizer and cue words by it.
    spoken: str | None


@functools.lru_cache(maxsize=_CACHE_LIMIT)
def spoken_language(code: str | None) -> str | None:
    """The ISO 639 language of a languageCode ("pt" for pt-BR), or None when unreadable."""
    locale = parse_language_code(code) if code else None
    return locale.language if locale is not None else None


class LocaleResolver:
    """Maps languageCode to a served locale; total: anything unknown gets the default."""

    def __init__(self, available: Iterable[str], default: str) -> None:
        self.available = frozenset(available)
        if default not in self.available:
            raise ValueError(f"default locale {default} is not among {sorted(self.available)}")
        self.default = default
        self._unknown = Language(default, None)
        self._cache: dict[str, Language] = {}

    def resolve(self, code: str | None) -> str:
        """The served locale for a languageCode."""
        return self.language(code).locale

    def language(self, code: str | None) -> Language:
        """The served locale and the spoken language for a languageCode."""
        if not code:
            return self._unknown
        found = self._cache.get(code)
        if found is None:
            locale = parse_language_code(code)
            found = (
                Language(self._served(locale), locale.language)
                if locale is not None
                else self._unknown
            )
            # Codes come from strangers; keep the cache from growing without bound.
            if len(self._cache) < _CACHE_LIMIT:
                self._cache[code] = found
        return found

    def _served(self, locale: Locale) -> str:
        language = locale.language
        if locale.territory:
            name = f"{language}_{locale.territory}"
            if name in self.available:
                return name
            # The nearest relative: en-IN is closer to en_GB than to en_US.
            for ancestor in ancestors(name):
                if ancestor in self.available:
                    return ancestor
                family = sorted(a for a in self.available if ancestor in ancestors(a))
                if family:
                    preferred = FAMILY_DEFAULTS.get(ancestor)
                    return preferred if preferred in family else family[0]
        if language in self.available:
            return language
        preferred = LANGUAGE_DEFAULTS.get(language)
        if preferred in self.available:
            return preferred
        relatives = sorted(a for a in self.available if a.split("_")[0] == language)
        return relatives[0] if relatives else self.default


def _generality(locale: str) -> int:
    """How far a locale speaks for others: regional 0, a family's default 1, a bare
    language 2, a language's default 3 (en_AU, en_GB, es, en_US)."""
    language = locale.split("_")[0]
    if LANGUAGE_DEFAULTS.get(language) == locale:
        return 3
    if "_" not in locale:
        return 2
    return 1 if locale in FAMILY_DEFAULTS.values() else 0


def fallback_locale(locale: str, served: Collection[str], source: str) -> str | None:
    """The locale that answers, whole, a reply `locale` has no translation for.

    Its nearest served relative that speaks for more people (en_AU -> en_GB -> en_US;
    es_MX -> es -> en_US; pt_PT -> pt_BR -> en_US), else the source locale, whose English is
    complete by definition; None for the source locale itself. Each step goes to a more
    general locale, so a chain never loops.
    """
    if locale == source:
        return None
    language = locale.split("_")[0]
    candidates = [FAMILY_DEFAULTS.get(ancestor) for ancestor in ancestors(locale)]
    candidates += [language, LANGUAGE_DEFAULTS.get(language)]
    for candidate in candidates:
        if candidate and candidate in served and _generality(candidate) > _generality(locale):
            return candidate
    return source


def bcp47(locale_name: str) -> str:
    """en_GB -> en-GB, for the Content-Language header."""
    return locale_name.replace("_", "-")
