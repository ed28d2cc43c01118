"""All configuration in one place, read from FULFILLMENT_* environment variables."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from fulfillment.domain import Factor
from fulfillment.identity import DEFAULT_TRUSTED_CHANNELS

# In a source checkout (and its editable install) the repository, where the designers' and
# translators' rooms sit beside the package; installed from a wheel, merely site-packages.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def shipped_dir(room: str) -> Path:
    """The intents/ or locales/ this installation ships: the default of *_dir below.

    A wheel carries them inside the package, in fulfillment/_content/ (pyproject.toml maps the
    top-level folders there); a checkout, and its editable install, has no _content, so its
    own folders are used and designers' and translators' edits are what it serves. Only ever
    read: catalogs are compiled in memory, so an installation's directory may be read-only.
    """
    bundled = files("fulfillment").joinpath("_content", room)
    if isinstance(bundled, Path) and bundled.is_dir():
        return bundled
    return PROJECT_ROOT / room


def _split_commas(value: object) -> object:
    # Operators write keys as "k1,k2" in an environment variable; JSON lists are for tools.
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FULFILLMENT_", extra="ignore")

    data_dir: Path = Field(
        default=Path("data"),
        description="Where the embedded SQLite store and the generated API key live.",
    )
    demo_data: bool = Field(
        default=True, description="Fill a new embedded store with demo orders on first start."
    )
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description=(
            "Accepted API keys, comma-separated; list the old and the new key to rotate them."
        ),
    )
    basic_auth: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="Accepted HTTP Basic credentials as user:password, comma-separated.",
    )
    max_body_bytes: int = Field(
        default=64 * 1024, ge=1024, description="Largest request body accepted, in bytes."
    )
    max_orders_per_message: int = Field(
        default=3, ge=1, le=10, description="How many order numbers one message may ask about."
    )
    max_text_chars: int = Field(
        default=1000,
        ge=50,
        le=2000,
        description="Free text longer than this is cut before order numbers are searched.",
    )
    default_locale: str = Field(
        default="en_US", description="Locale used when languageCode is missing or unsupported."
    )
    database_url: SecretStr | None = Field(
        default=None,
        description="postgresql://user:password@host/db: keep orders in PostgreSQL instead of "
        "the embedded SQLite store.",
    )
    order_api_config: Path | None = Field(
        default=None, description="YAML file describing a shop's own order API to read orders from."
    )
    # --- Shopify and WooCommerce: orders read from the shop platform itself, no mapping ---
    shop: Literal["shopify", "woocommerce"] | None = Field(
        default=None,
        description="Read orders from a Shopify or WooCommerce shop (shopify, woocommerce) "
        "instead of a store of our own; needs FULFILLMENT_SHOP_URL and the shop's credentials.",
    )
    shop_url: str | None = Field(
        default=None,
        description="The shop: its myshopify.com domain for Shopify (example.myshopify.com), "
        "the WordPress site's https:// address for WooCommerce.",
    )
    shop_token: SecretStr | None = Field(
        default=None,
        description="Shopify: the custom app's Admin API access token (scope read_orders; "
        "read_customers too to find open orders by phone).",
    )
    shop_key: SecretStr | None = Field(
        default=None, description="WooCommerce: the REST API consumer key (ck_..., Read access)."
    )
    shop_secret: SecretStr | None = Field(
        default=None, description="WooCommerce: the REST API consumer secret (cs_...)."
    )
    shopify_api_version: str = Field(
        # The stable version when this was written (store/shopify.py, DEFAULT_API_VERSION).
        default="2026-10",
        description="Shopify: the Admin API version (YYYY-MM); each is supported for a year.",
    )

    @field_validator("shop", "shop_url", "shop_token", "shop_key", "shop_secret", mode="before")
    @classmethod
    def _shop_words(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    @field_validator("shop", mode="before")
    @classmethod
    def _shop_any_case(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @staticmethod
    def _env_names(fields: Sequence[str]) -> str:
        names = [f"FULFILLMENT_{name.upper()}" for name in fields]
        return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]

    @model_validator(mode="after")
    def _shop_settings(self) -> Self:
        """The shop settings agree with each other; the URL is kept as a clean https:// root."""
        credentials = {"shopify": ("shop_token",), "woocommerce": ("shop_key", "shop_secret")}
        given = [
            name
            for name in ("shop_url", "shop_token", "shop_key", "shop_secret")
            if getattr(self, name) is not None
        ]
        if self.shop is None:
            if given:
                names = self._env_names(given)
                raise ValueError(f"{names} set, but not FULFILLMENT_SHOP (shopify or woocommerce)")
            return self
        if self.order_api_config is not None:
            raise ValueError(
                "FULFILLMENT_SHOP and FULFILLMENT_ORDER_API_CONFIG both say where orders come "
                "from; set only one"
            )
        if self.playground:
            raise ValueError(
                "FULFILLMENT_PLAYGROUND cannot be on with FULFILLMENT_SHOP: the playground is "
                "never served in front of a shop's real orders"
            )
        needed = ("shop_url", *credentials[self.shop])
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"FULFILLMENT_SHOP={self.shop} needs {self._env_names(missing)}")
        foreign = [name for name in given if name not in needed]
        if foreign:
            raise ValueError(
                f"{self._env_names(foreign)} not used with FULFILLMENT_SHOP={self.shop} (it needs "
                f"{self._env_names(needed)}); remove it"
            )
        # Imported only when a shop is configured (it brings the HTTP client along).
        from fulfillment.errors import ConfigurationError
        from fulfillment.store.shopify import API_VERSION, shop_base_url

        try:
            url = shop_base_url(self.shop_url or "", "FULFILLMENT_SHOP_URL")
        except ConfigurationError as exc:
            raise ValueError(str(exc)) from None
        if self.shop == "shopify":
            host = url.split("://", 1)[1]
            loopback = url.startswith("http://127.0.0.1")
            if not loopback and ("/" in host or not host.endswith(".myshopify.com")):
                raise ValueError(
                    "FULFILLMENT_SHOP_URL: the shop's myshopify.com domain, e.g. "
                    "example.myshopify.com (not the storefront's own domain)"
                )
            if not API_VERSION.match(self.shopify_api_version):
                raise ValueError(
                    "FULFILLMENT_SHOPIFY_API_VERSION: a version like 2026-10 (YYYY-01, -04, "
                    "-07 or -10)"
                )
        self.shop_url = url
        return self

    deadline_seconds: float = Field(
        default=3.5, gt=0, le=30, description="Every reply is sent within this many seconds."
    )
    breaker_threshold: int = Field(
        default=5, ge=1, description="Backend failures in a row that open the circuit breaker."
    )
    breaker_reset_seconds: float = Field(
        default=10, gt=0, description="How long an open circuit waits before trying again."
    )
    lookup_slow_after: int = Field(
        default=3, ge=1, description="Unknown order numbers a customer may ask before slowing."
    )
    lookup_refuse_after: int = Field(
        default=10, ge=1, description="Unknown order numbers after which lookups are refused."
    )
    lookup_window_seconds: int = Field(
        default=900, ge=1, description="The window in which unknown lookups are counted."
    )
    late_after_days: int = Field(
        default=2,
        ge=0,
        le=365,
        description="Days past its expected date after which a parcel is told as late and a "
        "person is offered.",
    )
    stale_after_days: int = Field(
        default=5,
        ge=1,
        le=365,
        description="Days without a tracking change after which a parcel's status is told as "
        "old news and a person is offered.",
    )
    identity_secrets: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="Secrets the shop's back end signs identities with (userHash, HS256 "
        "identity tokens), comma-separated; list the old and the new one to rotate.",
    )
    identity_public_key: str | None = Field(
        default=None,
        description="PEM public key of the shop's back end, for RS256 identity tokens.",
    )
    signed_identities: bool | None = Field(
        default=None,
        description="Take an identity a browser supplies (a web chat's user id, an e-mail "
        "address as the id) only when the shop's back end signed it; unset, on everywhere "
        "but the embedded demo store (whose playground tries any customer).",
    )
    trusted_channels: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_TRUSTED_CHANNELS),
        description="Channels whose user ids the seed contract's caller vouches for, "
        "comma-separated; ids on any other channel (WEB) count only when signed.",
    )
    guest_factor: Factor = Field(
        default=Factor.EMAIL,
        description="What a guest (nobody vouched for their identity) gives besides the "
        "order number to see it: the e-mail address on the order (email), its delivery "
        "postcode (postcode) or the last 4 digits of its phone number (phone_last4).",
    )
    log_order_numbers: bool = Field(
        default=False, description="Write order numbers in the access log (never by default)."
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Browser origins allowed to call the service (CORS), comma-separated; "
        "none by default.",
    )
    playground: bool | None = Field(
        default=None,
        description="Serve the designers' playground at /playground; unset, it is on only with "
        "the embedded demo store (never by default in front of real customers' orders).",
    )
    reload_content: bool | None = Field(
        default=None,
        description="Reload intents/ and locales/ when they change, without a restart; unset, "
        "it is on only with the embedded demo store (where designers and translators try "
        "their edits). A broken file never replaces what is served.",
    )
    intents_dir: Path = Field(
        default=shipped_dir("intents"), description="The designers' intent files."
    )
    locales_dir: Path = Field(
        default=shipped_dir("locales"), description="The translators' gettext catalogs."
    )

    @field_validator("identity_secrets")
    @classmethod
    def _long_secrets(cls, value: list[SecretStr]) -> list[SecretStr]:
        # HMAC-SHA256 keys shorter than its block's worth of entropy are guessable offline.
        if any(len(secret.get_secret_value()) < 32 for secret in value):
            raise ValueError("each identity secret must be at least 32 characters")
        return value

    @field_validator(
        "api_keys",
        "basic_auth",
        "cors_origins",
        "identity_secrets",
        "trusted_channels",
        mode="before",
    )
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return _split_commas(value)

    @field_validator("database_url", "order_api_config", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("basic_auth")
    @classmethod
    def _user_and_password(cls, value: list[SecretStr]) -> list[SecretStr]:
        for credential in value:
            if ":" not in credential.get_secret_value():
                raise ValueError("each basic_auth entry must be user:password")
        return value

    @property
    def playground_enabled(self) -> bool:
        if self.shop is not None:
            return False  # never in front of a shop's real orders
        if self.playground is not None:
            return self.playground
        return self.database_url is None and self.order_api_config is None and self.demo_data

    @property
    def reload_content_enabled(self) -> bool:
        if self.reload_content is not None:
            return self.reload_content
        return (
            self.database_url is None
            and self.order_api_config is None
            and self.shop is None
            and self.demo_data
        )

    @property
    def identities_must_be_signed(self) -> bool:
        if self.signed_identities is not None:
            return self.signed_identities
        demo = self.database_url is None and self.order_api_config is None and self.demo_data
        return self.shop is not None or not demo

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "orders.sqlite3"

    @property
    def generated_key_path(self) -> Path:
        return self.data_dir / "api-key"
