"""languageCode resolution: total, case-blind, en-UK meaning en-GB."""

from __future__ import annotations

import pytest

from fulfillment.i18n.locales import LocaleResolver, bcp47, parse_language_code

SERVED = ["en_US", "en_GB", "en_AU", "de", "es", "fr", "pt_BR", "hi"]


@pytest.fixture
def resolver() -> LocaleResolver:
    return LocaleResolver(SERVED, "en_US")


@pytest.mark.parametrize(
    ("code", "locale"),
    [
        ("en-US", "en_US"),
        ("en_us", "en_US"),
        ("EN-us", "en_US"),
        ("en", "en_US"),
        ("en-UK", "en_GB"),
        ("en-uk", "en_GB"),
        ("en_UK", "en_GB"),
        ("en-GB", "en_GB"),
        ("en-AU", "en_AU"),
        ("en-AU-u-ca-gregory", "en_AU"),
        ("en-GB-x-private", "en_GB"),
        ("en-CA", "en_US"),
        ("en-IN", "en_GB"),  # CLDR: Indian English is a child of en_001, like en_GB
        ("en-NZ", "en_GB"),
        ("de-DE", "de"),
        ("de-AT", "de"),
        ("DE_ch", "de"),
        ("es-MX", "es"),
        ("es-419", "es"),
        ("pt", "pt_BR"),
        ("pt-PT", "pt_BR"),
        ("pt-br", "pt_BR"),
        ("fr", "fr"),
        ("fr-CA", "fr"),
        ("hi-IN", "hi"),
        ("it-IT", "en_US"),
        ("xx-YY", "en_US"),
        ("../../etc", "en_US"),
        ("", "en_US"),
        (None, "en_US"),
        ("not a language", "en_US"),
        ("e", "en_US"),
        ("../../etc/passwd", "en_US"),
        ("en-\x00", "en_US"),
        ("x" * 1000, "en_US"),
        ("zz-ZZ", "en_US"),
    ],
)
def test_resolution(resolver: LocaleResolver, code: str | None, locale: str) -> None:
    assert resolver.resolve(code) == locale
    assert resolver.resolve(code) == locale  # and again, from the cache


def test_default_must_be_served() -> None:
    with pytest.raises(ValueError, match="default locale"):
        LocaleResolver(SERVED, "de_DE")


def test_default_is_configurable() -> None:
    assert LocaleResolver(SERVED, "en_GB").resolve("it-IT") == "en_GB"


def test_only_served_locales_are_chosen() -> None:
    english_only = LocaleResolver(["en_US", "en_AU"], "en_US")
    assert english_only.resolve("en-IN") == "en_AU"  # the only en_001 relative served
    assert english_only.resolve("de-AT") == "en_US"


def test_cache_is_bounded(resolver: LocaleResolver) -> None:
    for n in range(10_000):
        resolver.resolve(f"xx-{n}")
    assert len(resolver._cache) == 4096  # filled up to its bound, and no further


def test_parse_language_code_drops_extensions() -> None:
    parsed = parse_language_code("en-GB-u-ca-gregory")
    assert parsed is not None
    assert (parsed.language, parsed.territory) == ("en", "GB")


def test_bcp47() -> None:
    assert bcp47("en_GB") == "en-GB"
    assert bcp47("en") == "en"
