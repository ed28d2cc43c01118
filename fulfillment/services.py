"""Everything heavy, built once at start-up and shared by all requests."""

from __future__ import annotations

import datetime as dt
import gettext
from dataclasses import dataclass

from fulfillment.auth import Credentials, load_credentials
from fulfillment.errors import ConfigurationError
from fulfillment.extraction.extractor import Extractor
from fulfillment.guard import LookupGuard, MemoryMissLog, MissLog
from fulfillment.handlers import HANDLERS, REQUIREMENTS
from fulfillment.i18n.catalogs import load_translations
from fulfillment.i18n.locales import LocaleResolver
from fulfillment.intents import IntentSpec, load_intents, require
from fulfillment.observability import Metrics
from fulfillment.phrasing import Phrasebook
from fulfillment.platform import PlatformRoutes
from fulfillment.resilience import Backend, CircuitBreaker
from fulfillment.settings import Settings
from fulfillment.store.base import OrderStore
from fulfillment.store.demo import demo_orders
from fulfillment.store.sqlite import SQLiteOrderStore


@dataclass
class Services:
    settings: Settings
    store: OrderStore
    credentials: Credentials
    generated_key: str | None
    intents: dict[str, IntentSpec]
    resolver: LocaleResolver
    phrasebooks: dict[tuple[str, str], Phrasebook]
    extractors: dict[str, Extractor]
    platforms: PlatformRoutes
    metrics: Metrics
    backend: Backend
    guard: LookupGuard

    @property
    def interest_types(self) -> list[str]:
        return sorted(self.intents)


def open_store(settings: Settings) -> SQLiteOrderStore:
    store = SQLiteOrderStore(settings.sqlite_path)
    if settings.demo_data and store.is_empty():
        store.save_orders(demo_orders(dt.date.today()))
    return store


def make_store(settings: Settings) -> tuple[OrderStore, MissLog]:
    """The configured backend, and where unknown lookups are counted (shared when possible)."""
    postgres = None
    if settings.database_url is not None:
        # Imported only when configured: the PostgreSQL driver adds 0.1 s to every start.
        from fulfillment.store.postgres import PostgresOrderStore

        postgres = PostgresOrderStore(settings.database_url.get_secret_value())
    if settings.order_api_config is not None:
        from fulfillment.store.http import HttpOrderStore, ShopApiConfig

        shop = HttpOrderStore(ShopApiConfig.from_file(settings.order_api_config))
        return shop, postgres or MemoryMissLog()
    if postgres is not None:
        return postgres, postgres
    return open_store(settings), MemoryMissLog()


def load_configuration(
    settings: Settings,
) -> tuple[dict[str, IntentSpec], dict[str, gettext.NullTranslations]]:
    """The designers' and translators' files, checked; ConfigurationError names what is wrong."""
    intents = load_intents(settings.intents_dir)
    for interest_type, (replies, phrases) in REQUIREMENTS.items():
        path = settings.intents_dir / f"{interest_type}.yaml"
        if interest_type not in intents:
            raise ConfigurationError(f"{path}: missing; the {interest_type} handler needs it")
        require(intents[interest_type], str(path), replies, phrases)
    unhandled = sorted(intents.keys() - HANDLERS.keys())
    if unhandled:
        raise ConfigurationError(
            f"{settings.intents_dir}: no handler for interest type(s) {', '.join(unhandled)}"
        )
    return intents, load_translations(settings.locales_dir)


def build_services(settings: Settings, metrics: Metrics | None = None) -> Services:
    intents, translations = load_configuration(settings)
    try:
        resolver = LocaleResolver(translations, settings.default_locale)
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None
    phrasebooks = {
        (interest_type, locale): Phrasebook(spec, locale, catalog)
        for interest_type, spec in intents.items()
        for locale, catalog in translations.items()
    }
    extractors = {
        interest_type: Extractor(
            spec.extraction, settings.max_orders_per_message, settings.max_text_chars
        )
        for interest_type, spec in intents.items()
        if spec.extraction is not None
    }
    credentials, generated_key = load_credentials(settings)
    metrics = metrics or Metrics()
    store, misses = make_store(settings)
    return Services(
        settings=settings,
        store=store,
        credentials=credentials,
        generated_key=generated_key,
        intents=intents,
        resolver=resolver,
        phrasebooks=phrasebooks,
        extractors=extractors,
        platforms=PlatformRoutes.from_intents(intents),
        metrics=metrics,
        guard=LookupGuard(
            misses,
            settings.lookup_slow_after,
            settings.lookup_refuse_after,
            settings.lookup_window_seconds,
        ),
        backend=Backend(
            CircuitBreaker(settings.breaker_threshold, settings.breaker_reset_seconds),
            on_error=lambda kind: metrics.backend_errors.labels(kind).inc(),
        ),
    )
