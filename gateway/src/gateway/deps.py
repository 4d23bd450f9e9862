"""Request-scoped dependencies: the authenticated principal and the downstream stubs."""

from __future__ import annotations

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from moodline_kit.grpc.client import tenant_metadata

from gateway.auth import ApiKeyStore, Principal
from gateway.upstreams import Upstreams

bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer <key>`")


async def principal(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            401,
            "missing API key (Authorization: Bearer <key>)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    store: ApiKeyStore = request.app.state.api_keys
    found = await store.authenticate(credentials.credentials)
    if found is None:
        raise HTTPException(
            401, "invalid or revoked API key", headers={"WWW-Authenticate": "Bearer"}
        )
    return found


async def writer(who: Principal = Depends(principal)) -> Principal:
    if not who.can_write:
        raise HTTPException(403, f"role {who.role} may not change data")
    return who


async def upstreams(request: Request) -> Upstreams:
    # async: a plain `def` dependency is run in the thread pool (a thread hop on every request).
    return request.app.state.upstreams


def metadata(who: Principal) -> tuple[tuple[str, str], ...]:
    return tenant_metadata(str(who.tenant_id))
