"""The application factory: routes, exception handlers and start-up, all explicit."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from fulfillment import webhooks
from fulfillment.adapters import PLATFORMS
from fulfillment.content import ContentWarmer, ContentWatcher
from fulfillment.domain import Asker
from fulfillment.errors import EXCEPTION_HANDLERS, NotReady
from fulfillment.limits import HeaderLimits
from fulfillment.observability import (
    AccessLog,
    Metrics,
    RequestLog,
    SecurityHeaders,
    configure_logging,
)
from fulfillment.openapi import openapi_document
from fulfillment.playground.routes import routes as playground_routes
from fulfillment.resilience import BackendUnavailable
from fulfillment.services import build_services
from fulfillment.settings import Settings
from fulfillment.webhooks import SEED_PATH, Webhooks, services_of

__all__ = ["SEED_PATH", "create_app"]


EXAMPLE_REQUEST = {
    "conversationRequest": {
        "channel": "TELEGRAM",
        "userInfo": {"first_name": "Ravi", "last_name": "R", "uid": "51342", "username": "ravir"},
    },
    "queryInfo": {
        "interestType": "order-status",
        "parameters": {"params": {"entityInfo": {"orderId": "748596"}}},
    },
    "languageCode": "en",
}
# Who asks in EXAMPLE_REQUEST, and about which order: the banner shows the example only when
# the store holds that order for that asker (the demo store does; a shop's own orders do not).
EXAMPLE_ASKER = Asker(
    uid="51342", channel="TELEGRAM", user_name="ravir", first_name="Ravi", last_name="R"
)
EXAMPLE_ORDER = "748596"


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    services = services_of(request)
    if services.backend.breaker.is_open:
        raise NotReady("The order store is failing; its circuit is open.", {"store": "down"})
    try:
        async with asyncio.timeout(services.settings.deadline_seconds):
            up = await services.store.ping()
    except Exception:  # a ping that hangs or raises means the same as one that says no
        up = False
    if not up:
        raise NotReady("The order store does not answer.", {"store": "down"})
    return JSONResponse({"status": "ready", "checks": {"store": "ok"}})


async def metrics(request: Request) -> Response:
    services = services_of(request)
    services.credentials.check(request)
    services.metrics.circuit_open.set(1 if services.backend.breaker.is_open else 0)
    return Response(services.metrics.render(), media_type=CONTENT_TYPE_LATEST)


async def openapi(request: Request) -> Response:
    services_of(request).credentials.check(request)
    return JSONResponse(request.app.state.openapi)


def _announce_key(key: str, with_example: bool) -> None:
    """Tell whoever started the demo how to call it; the key itself stays in the data dir."""
    import logging

    port = os.environ.get("PORT", "8000")
    body = json.dumps(EXAMPLE_REQUEST)
    command = (
        f"curl -s http://localhost:{port}{SEED_PATH} -H 'Authorization: Bearer {key}'"
        f" -H 'Content-Type: application/json' -d '{body}'"
    )
    # One JSON log line like every other on stderr; `try` is the command, ready to paste
    # (jq -r .try).
    logging.getLogger(__name__).info(
        "no API keys configured; using the generated key",
        extra={"fields": {"api_key": key, "try": command} if with_example else {"api_key": key}},
    )


def _collect_and_freeze() -> None:
    """What start-up does once its long-lived objects are made (see lifespan)."""
    gc.collect()
    gc.freeze()


class ServiceApp(Starlette):
    """Starlette, with the platforms' webhooks answered first, in plain ASGI (webhooks.py):
    the same steps as through the middleware and the routes, without their cost per call.
    Everything else, and the webhooks too when CORS is configured, goes through Starlette."""

    webhooks: Webhooks | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.webhooks is not None:
            platform = self.webhooks.route(scope)
            if platform is not None:
                await self.webhooks(platform, scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None) -> ServiceApp:
    settings = settings or Settings()
    configure_logging()
    app_metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Start-up makes millions of long-lived objects (spaCy vocabularies, CLDR data) and
        # no garbage worth collecting: the collector walking them cost ~0.3 s of cold start.
        # Frozen afterwards, it stops walking them, which took pauses of a second. Most
        # languages of the extractors are built after start-up, by the warmer's thread (or
        # by a request that needs one first): what that makes is frozen when it is done.
        gc.disable()
        try:
            services = build_services(settings, app_metrics)
            await services.store.open()
        finally:
            _collect_and_freeze()
            gc.enable()
        warmer = ContentWarmer(services.content, then=_collect_and_freeze)
        warmer.start()
        app.state.warmer = warmer
        app.state.services = services
        if isinstance(app, ServiceApp) and app.webhooks is not None:
            app.webhooks.services = services
        if services.generated_key:
            # The example request only where it would answer: its order, for its asker.
            store = services.store
            lookup = store.find_order(EXAMPLE_ORDER, EXAMPLE_ASKER)
            deadline = time.monotonic() + settings.deadline_seconds
            try:
                found = await services.backend.call(lookup, deadline, store.remote, store.failures)
            except BackendUnavailable:  # a store down at start-up: only the key hint
                found = None
            _announce_key(services.generated_key, with_example=found is not None)
        # Designers' and translators' edits served without a restart (settings.reload_content).
        watcher = ContentWatcher(services) if settings.reload_content_enabled else None
        if watcher is not None:
            await watcher.start()
        try:
            yield
        finally:
            if watcher is not None:
                await watcher.stop()
            await asyncio.to_thread(warmer.stop)
            await services.store.close()

    routes: list[BaseRoute] = [
        Route(platform.path, webhooks.endpoint(platform), methods=["POST"])
        for platform in PLATFORMS.values()
    ]
    routes += [
        Route("/health", webhooks.rasa_health, methods=["GET"]),
        Route("/actions", webhooks.rasa_actions, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
    if settings.playground_enabled:
        routes += playground_routes()
    middleware = [
        Middleware(RequestLog, metrics=app_metrics, log_order_numbers=settings.log_order_numbers),
        Middleware(SecurityHeaders),
        Middleware(HeaderLimits),
    ]
    if settings.cors_origins:
        # Off unless configured: platforms call server to server; only a shop's own web
        # front end calling from a browser needs it.
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type", "X-API-Key", "X-Request-ID"],
                max_age=600,
            )
        )
    app = ServiceApp(
        routes=routes,
        exception_handlers=dict(EXCEPTION_HANDLERS),
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.openapi = openapi_document()
    if not settings.cors_origins:  # CORSMiddleware has headers to add to their answers
        app.webhooks = Webhooks(AccessLog(app_metrics, settings.log_order_numbers))
    return app
