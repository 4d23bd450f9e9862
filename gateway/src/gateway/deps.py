"""Request-scoped dependencies: the authenticated principal and the downstream stubs."""

from __future__ import annotations

import logging

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from moodline_kit import auth as kit_auth
from moodline_kit.tenancy import TENANT_METADATA_KEY
from redis.exceptions import RedisError

from gateway.auth import CredentialStore, Principal
from gateway.upstreams import Upstreams

log = logging.getLogger(__name__)

bearer = HTTPBearer(
    auto_error=False,
    description="API key or staff access token: `Authorization: Bearer <credential>`",
)


async def principal(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            401,
            "missing credential (Authorization: Bearer <API key or access token>)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    store: CredentialStore = request.app.state.credentials
    found = await store.authenticate(credentials.credentials)
    if found is None:
        raise HTTPException(
            401,
            "invalid, expired or revoked credential",
            headers={"WWW-Authenticate": "Bearer"},
        )
    request.state.principal = found
    try:
        decision = await request.app.state.rate_limiter.hit(found)
    except (RedisError, OSError) as exc:  # fail open: Redis down must not stop the API
        log.warning("rate limiter unavailable", extra={"error": str(exc)})
    else:
        if not decision.allowed:
            raise HTTPException(
                429,
                "rate limit exceeded: retry after the time in Retry-After",
                headers={"Retry-After": str(decision.retry_after)},
            )
    return found


async def upstreams(request: Request) -> Upstreams:
    # async: a plain `def` dependency is run in the thread pool (a thread hop on every request).
    return request.app.state.upstreams


def metadata(who: Principal) -> tuple[tuple[str, str], ...]:
    """The metadata of every downstream call: the tenant and the principal's signed claims."""
    return (
        (TENANT_METADATA_KEY, str(who.tenant_id)),
        (kit_auth.TOKEN_METADATA_KEY, kit_auth.bearer(who.service_token)),
    )
