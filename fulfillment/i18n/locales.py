"""Turning whatever a platform sends as languageCode into one of the locales we serve."""

from __future__ import annotations

import re
from collections.abc import Iterable

from babel import Locale, UnknownLocaleError

# A BCP 47 extension or private-use part starts at a single-letter subtag: en-US-u-ca-gregory.
_EXTENSION = re.compile(r"-[a-z0-9]-.*$", re.IGNORECASE)
# Region codes people use that ISO 3166 does not (en-UK).
_REGION_ALIASES = {"UK": "GB"}
# For a bare language, which of our regional catalogs answers.
LANGUAGE_DEFAULTS = {"en": "en_US", "pt": "pt_BR"}
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
        if locale.territory and f"{locale.language}_{locale.territory}" in self.available:
            return f"{locale.language}_{locale.territory}"
        if locale.language in self.available:
            return locale.language
        preferred = LANGUAGE_DEFAULTS.get(locale.language)
        if preferred in self.available:
            return preferred
        return self.default


def bcp47(locale_name: str) -> str:
    """en_GB -> en-GB, for the Content-Language header."""
    return locale_name.replace("_", "-")
