"""Everything heavy, built once at start-up and shared by all requests.

What comes from intents/ and locales/ is one `Content` (fulfillment/content.py), which a
reload replaces as a whole; the store, credentials, metrics, breaker and guard stay.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from fulfillment.auth import Credentials, load_credentials
from fulfillment.content import Content, ContentStatus, build_content
from fulfillment.extraction.extractor import Extractor
from fulfillment.guard import LookupGuard, MemoryMissLog, MissLog
from fulfillment.i18n.locales import LocaleResolver
from fulfillment.identity import Signatures, TrustPolicy
from fulfillment.intents import IntentSpec
from fulfillment.observability import Metrics
from fulfillment.phrasing import Phrasebook
from fulfillment.platform import PlatformRoutes
from fulfillment.resilience import Backend, CircuitBreaker
from fulfillment.settings import Settings
from fulfillment.store.base import OrderStore
from fulfillment.store.demo import demo_orders
from fulfillment.store.sqlite import SQLiteOrderStore

__all__ = ["Content", "Services", "build_content", "build_services"]


@dataclass
class Services:
    settings: Settings
    store: OrderStore
    credentials: Credentials
    generated_key: str | None
    # Swapped whole by a reload (one assignment); a request reads it once and keeps it.
    content: Content
    metrics: Metrics
    backend: Backend
    guard: LookupGuard
    trust: TrustPolicy
    content_status: ContentStatus = field(default_factory=ContentStatus)

    # The content's parts, as served right now (a request should read `content` once instead).
    @property
    def intents(self) -> dict[str, IntentSpec]:
        return self.content.intents

    @property
    def resolver(self) -> LocaleResolver:
        return self.content.resolver

    @property
    def phrasebooks(self) -> dict[tuple[str, str], Phrasebook]:
        return self.content.phrasebooks

    @property
    def extractors(self) -> dict[str, Extractor]:
        return self.content.extractors

    @property
    def platforms(self) -> PlatformRoutes:
        return self.content.platforms

    @property
    def interest_types(self) -> list[str]:
        return self.content.interest_types


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
    if settings.shop == "shopify":
        from fulfillment.store.shopify import ShopifyOrderStore

        return ShopifyOrderStore.from_settings(settings), postgres or MemoryMissLog()
    if settings.shop == "woocommerce":
        from fulfillment.store.woocommerce import WooCommerceOrderStore

        return WooCommerceOrderStore.from_settings(settings), postgres or MemoryMissLog()
    if postgres is not None:
        return postgres, postgres
    return open_store(settings), MemoryMissLog()


def build_services(settings: Settings, metrics: Metrics | None = None) -> Services:
    # The default locale's language now; each other language's tokenizer when first needed,
    # or by a ContentWarmer (the app's lifespan starts one): seconds less of start-up.
    content = build_content(settings, lazy=True)
    credentials, generated_key = load_credentials(settings)
    metrics = metrics or Metrics()
    store, misses = make_store(settings)
    trust = TrustPolicy(
        Signatures.of(
            [secret.get_secret_value() for secret in settings.identity_secrets],
            settings.identity_public_key,
        ),
        frozenset(channel.upper() for channel in settings.trusted_channels),
        enforced=settings.identities_must_be_signed,
    )
    return Services(
        trust=trust,
        settings=settings,
        store=store,
        credentials=credentials,
        generated_key=generated_key,
        content=content,
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
