"""Who is calling: API keys (`mdl_...`) and staff access tokens (JWT), both as
`Authorization: Bearer <credential>`, resolved to a `Principal` of one tenant."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass, field, replace
from enum import StrEnum

import sqlalchemy as sa
from moodline_kit.auth import API_AUDIENCE, Claims, KeySet, sign_service_token
from moodline_kit.errors import Unauthenticated
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.tables import api_keys, sessions, tenants, users

KEY_PREFIX = "mdl_"


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    AGENT = "agent"
    VIEWER = "viewer"


@dataclass(frozen=True)
class Principal:
    """A verified caller. `folders is None`: every customer folder is visible; `unfoldered`:
    customers in no folder are visible; `assigned_only`: only customers assigned to this user."""

    tenant_id: uuid.UUID
    key_id: uuid.UUID | None
    role: Role
    user_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None
    folders: frozenset[uuid.UUID] | None = None
    unfoldered: bool = True
    assigned_only: bool = False
    rate_per_minute: int | None = None
    burst: int | None = None
    # The short-lived token sent with every downstream call made for this principal: these
    # claims, signed by the gateway (see docs/trust.md).
    service_token: str = field(default="", compare=False, repr=False)

    @property
    def subject(self) -> str:
        return f"user:{self.user_id}" if self.user_id else f"key:{self.key_id}"

    @property
    def actor(self) -> uuid.UUID:
        """The id recorded as the author of a change (user, else API key)."""
        return self.user_id or self.key_id  # type: ignore[return-value]

    def claims(self) -> Claims:
        return Claims(
            tenant_id=self.tenant_id,
            subject=self.subject,
            role=self.role.value,
            folders=self.folders,
            unfoldered=self.unfoldered,
            assigned_only=self.assigned_only,
        )


def hash_secret(secret: str) -> str:
    """SHA-256 of a 256-bit random secret (API key, refresh token): a fast hash is safe for
    random secrets, and the plaintext is never stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


hash_key = hash_secret


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


class CredentialStore:
    """Resolves credentials to principals. Lookups (hits and misses) are cached per process
    for `cache_seconds`; `forget` drops cached entries at once (revocation, broadcast to every
    replica by `gateway.revocation`)."""

    def __init__(
        self,
        engine: AsyncEngine,
        keys: KeySet,
        *,
        cache_seconds: float,
        service_token_ttl: float = 60.0,
    ) -> None:
        self._engine = engine
        self.keys = keys
        self._service_token_ttl = service_token_ttl
        # A cached principal's service token keeps at least half its lifetime.
        self._cache_seconds = min(cache_seconds, service_token_ttl / 2)
        self._cache: dict[str, tuple[float, Principal | None]] = {}

    def forget(self, cache_key: str | None = None) -> None:
        if cache_key is None:
            self._cache.clear()
        else:
            self._cache.pop(cache_key, None)

    async def authenticate(self, credential: str) -> Principal | None:
        if credential.startswith(KEY_PREFIX):
            return await self._cached(f"key:{hash_secret(credential)}")
        try:
            claims = self.keys.verify(credential, audience=API_AUDIENCE)
            session_id = uuid.UUID(str(claims["sid"]))
        except (Unauthenticated, KeyError, ValueError):
            return None
        return await self._cached(f"session:{session_id}")

    async def _cached(self, cache_key: str) -> Principal | None:
        hit = self._cache.get(cache_key)
        now = time.monotonic()
        if hit and hit[0] > now:
            return hit[1]
        kind, _, value = cache_key.partition(":")
        async with self._engine.connect() as conn:
            if kind == "key":
                found = await _key_principal(conn, value)
            else:
                found = await _session_principal(conn, uuid.UUID(value))
        if found is not None:
            found = self.with_service_token(found)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[cache_key] = (now + self._cache_seconds, found)
        return found

    def with_service_token(self, principal: Principal) -> Principal:
        token = sign_service_token(self.keys, principal.claims(), ttl=self._service_token_ttl)
        return replace(principal, service_token=token)


async def _key_principal(conn, digest: str) -> Principal | None:  # type: ignore[no-untyped-def]
    row = (
        await conn.execute(
            sa.select(
                api_keys.c.id,
                api_keys.c.tenant_id,
                api_keys.c.role,
                api_keys.c.rate_per_minute,
                api_keys.c.burst,
            ).where(api_keys.c.key_hash == digest, api_keys.c.revoked_at.is_(None))
        )
    ).first()
    if row is None:
        return None
    return Principal(
        row.tenant_id,
        row.id,
        Role(row.role),
        rate_per_minute=row.rate_per_minute,
        burst=row.burst,
    )


async def _session_principal(conn, session_id: uuid.UUID) -> Principal | None:  # type: ignore[no-untyped-def]
    row = (
        await conn.execute(
            sa.select(users, sessions.c.id.label("session_id"))
            .join(sessions, sessions.c.user_id == users.c.id)
            .where(
                sessions.c.id == session_id,
                sessions.c.revoked_at.is_(None),
                sessions.c.expires_at > sa.func.now(),
                users.c.disabled_at.is_(None),
            )
        )
    ).first()
    if row is None:
        return None
    return user_principal(row, session_id=row.session_id)


def user_principal(row, *, session_id: uuid.UUID | None = None) -> Principal:  # type: ignore[no-untyped-def]
    return Principal(
        row.tenant_id,
        None,
        Role(row.role),
        user_id=row.id,
        session_id=session_id,
        folders=None if row.folders is None else frozenset(row.folders),
        unfoldered=row.unfoldered,
        assigned_only=row.assigned_only,
    )


async def insert_key(  # type: ignore[no-untyped-def]
    conn,
    *,
    tenant_id: uuid.UUID,
    role: Role,
    name: str,
    created_by: str = "",
    rate_per_minute: int | None = None,
    burst: int | None = None,
) -> tuple[uuid.UUID, str]:
    key = new_key()
    key_id = uuid.uuid4()
    await conn.execute(
        api_keys.insert().values(
            id=key_id,
            tenant_id=tenant_id,
            key_hash=hash_secret(key),
            prefix=key[: len(KEY_PREFIX) + 6],
            name=name,
            role=role.value,
            created_by=created_by,
            rate_per_minute=rate_per_minute,
            burst=burst,
        )
    )
    return key_id, key


async def create_tenant(
    engine: AsyncEngine, *, name: str, default_country: str, role: Role = Role.ADMIN
) -> tuple[uuid.UUID, str]:
    """Create a tenant and its first API key; returns (tenant id, plaintext key)."""
    tenant_id = uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            tenants.insert().values(id=tenant_id, name=name, default_country=default_country)
        )
        _, key = await insert_key(conn, tenant_id=tenant_id, role=role, name="initial")
    return tenant_id, key


async def create_api_key(
    engine: AsyncEngine, *, tenant_id: uuid.UUID, role: Role, name: str = ""
) -> str:
    """Another key for an existing tenant (e.g. a read-only viewer key); returns it once."""
    async with engine.begin() as conn:
        return (await insert_key(conn, tenant_id=tenant_id, role=role, name=name))[1]


async def tenant_exists(engine: AsyncEngine, tenant_id: uuid.UUID) -> bool:
    async with engine.connect() as conn:
        return bool(await conn.scalar(sa.select(sa.func.count()).where(tenants.c.id == tenant_id)))
