"""The FastAPI application factory. Engines and channels are built in the lifespan."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from moodline_kit.auth import KeySet, generate_signing_key
from moodline_kit.db import create_engine
from moodline_kit.heap import freeze_startup_heap
from redis.asyncio import Redis

from gateway import openapi, problems, upstreams
from gateway.audit import AuditLog, AuditWrites
from gateway.auth import CredentialStore
from gateway.config import GatewaySettings
from gateway.limits import BodySizeLimit
from gateway.login_throttle import LoginThrottle, Policy
from gateway.metrics import RequestMetrics
from gateway.middleware import SecurityHeaders, UnexpectedErrors
from gateway.rate_limit import RateLimiter
from gateway.revocation import Revocations
from gateway.routes import (
    audit,
    auth,
    automations,
    billing,
    conversations,
    customer_data,
    customer_records,
    customers,
    events,
    exports,
    folders,
    health,
    imports,
    loyalty,
    messages,
    orders,
    sentiment,
    users,
    webhooks,
)
from gateway.routes import settings as customer_settings
from gateway.validation import refuse_unsafe_input
from gateway.web import mount_web

log = logging.getLogger(__name__)

_UNTRACED = frozenset(("/healthz", "/readyz"))


def _untraced(scope: MutableMapping[str, Any]) -> bool:
    return scope.get("path") in _UNTRACED


def signing_keys(settings: GatewaySettings) -> KeySet:
    if settings.auth_signing_keys:
        return KeySet.from_signing(settings.auth_signing_keys)
    log.warning("AUTH_SIGNING_KEYS not set: signing with a key made at start-up")
    return KeySet.from_signing(generate_signing_key())


def create_app(settings: GatewaySettings, *, freeze_heap: bool = False) -> FastAPI:
    """`freeze_heap` (the `serve` process, not in-process tests): once the lifespan has built
    the engines and channels, `moodline_kit.heap.freeze_startup_heap()`, as the gRPC services
    do."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
        redis = Redis.from_url(settings.redis_url)
        app.state.settings = settings
        app.state.engine = engine
        app.state.redis = redis
        app.state.credentials = CredentialStore(
            engine,
            signing_keys(settings),
            cache_seconds=settings.api_key_cache_seconds,
            service_token_ttl=settings.service_token_ttl,
        )
        app.state.revocations = Revocations(redis, app.state.credentials)
        await app.state.revocations.start()
        app.state.login_throttle = LoginThrottle(
            redis,
            account=Policy(
                settings.login_slow_after,
                settings.login_lock_after,
                settings.login_window_seconds,
                settings.login_lock_seconds,
            ),
            address=Policy(
                settings.login_address_slow_after,
                settings.login_address_lock_after,
                settings.login_window_seconds,
                settings.login_lock_seconds,
            ),
        )
        app.state.audit = AuditLog(engine)
        app.state.nats = None  # connected by the first /api/v1/events stream
        app.state.nats_lock = asyncio.Lock()
        app.state.rate_limiter = RateLimiter(
            redis, per_minute=settings.rate_limit_per_minute, burst=settings.rate_limit_burst
        )
        app.state.upstreams = upstreams.connect(settings)
        if freeze_heap:
            freeze_startup_heap()
        yield
        await app.state.revocations.stop()
        if app.state.nats is not None:
            await app.state.nats.close()
        await redis.aclose()
        await app.state.upstreams.close()
        await engine.dispose()

    app = FastAPI(
        title="Moodline API",
        version="1.0.0",
        description="Customer management driven by conversation sentiment. Authenticate with "
        "`Authorization: Bearer <API key or access token>` (access tokens from "
        "`POST /api/v1/auth/login`); errors are RFC 9457 problem+json.",
        lifespan=lifespan,
        # FastAPI's own OpenTelemetry server span per request, named by route template, the trace
        # context taken from the request. Not opentelemetry-instrumentation-fastapi: it matched
        # every request against the flattened route table again to name its span (~15% of a
        # request's CPU) and added ASGI send/receive child spans.
        telemetry={"operation_spans": False, "exclude": _untraced},
        # Every route, present and future: no NUL, unpaired surrogate or non-finite number.
        dependencies=[Depends(refuse_unsafe_input)],
    )
    app.state.settings = settings
    problems.install(app)
    openapi.install(app)
    app.include_router(health.router)
    app.include_router(auth.router)
    app.include_router(users.router)
    app.include_router(customer_data.router)  # before customers: /duplicates is no id
    app.include_router(customers.router)
    app.include_router(folders.router)
    app.include_router(imports.router)
    app.include_router(exports.router)
    app.include_router(audit.router)
    app.include_router(events.router)
    app.include_router(customer_records.router)
    app.include_router(conversations.router)
    app.include_router(messages.router)
    app.include_router(automations.router)
    app.include_router(automations.tasks_router)
    app.include_router(sentiment.router)
    app.include_router(sentiment.settings_router)
    app.include_router(customer_settings.router)
    app.include_router(billing.router)
    app.include_router(orders.router)
    app.include_router(webhooks.router)
    app.include_router(loyalty.router)

    mount_web(app, settings.web_dir)

    # Last added runs first: security headers on everything, then metrics, CORS, size limits,
    # and unexpected errors caught closest to the routes.
    app.add_middleware(UnexpectedErrors)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        streamed_limits={"/api/v1/imports": settings.max_import_bytes + 64 * 1024},
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "Last-Event-ID"],
            expose_headers=["ETag", "Retry-After", "Location"],
            max_age=600,
        )
    app.add_middleware(AuditWrites)
    app.add_middleware(RequestMetrics)
    app.add_middleware(SecurityHeaders)

    return app
