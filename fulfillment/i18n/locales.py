"""Turning whatever a platform sends as languageCode into one of the locales we serve."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

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


class LocaleResolver:
    """Maps languageCode to a served locale; total: anything unknown gets the default."""

    def __init__(self, available: Iterable[str], default: str) -> None:
        self.available = frozenset(available)
        if default not in self.available:
            raise ValueError(f"default locale {default} is not among {sorted(self.available)}")
        self.default = default
        self._cache: dict[str, str] = {}

    def resolve(self, code: str | None) -> str:
        if not code:
            return self.default
        found = self._cache.get(code)
        if found is None:
            found = self._resolve(code)
            # Codes come from strangers; keep the cache from growing without bound.
            if len(self._cache) < _CACHE_LIMIT:
                self._cache[code] = found
        return found

    def _resolve(self, code: str) -> str:
        locale = parse_language_code(code)
        if locale is None:
            return self.default
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


def bcp47(locale_name: str) -> str:
    """en_GB -> en-GB, for the Content-Language header."""
    return locale_name.replace("_", "-")
