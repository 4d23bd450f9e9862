"""API keys bound to one tenant: `Authorization: Bearer <key>`."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.tables import api_keys, tenants

KEY_PREFIX = "mdl_"


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    AGENT = "agent"
    VIEWER = "viewer"


WRITE_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.AGENT})


@dataclass(frozen=True)
class Principal:
    tenant_id: uuid.UUID
    key_id: uuid.UUID
    role: Role

    @property
    def can_write(self) -> bool:
        return self.role in WRITE_ROLES


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


class ApiKeyStore:
    def __init__(self, engine: AsyncEngine, *, cache_seconds: float) -> None:
        self._engine = engine
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Principal | None]] = {}

    async def authenticate(self, key: str) -> Principal | None:
        digest = hash_key(key)
        hit = self._cache.get(digest)
        now = time.monotonic()
        if hit and hit[0] > now:
            return hit[1]
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(api_keys.c.id, api_keys.c.tenant_id, api_keys.c.role).where(
                        api_keys.c.key_hash == digest, api_keys.c.revoked_at.is_(None)
                    )
                )
            ).first()
        principal = Principal(row.tenant_id, row.id, Role(row.role)) if row else None
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (now + self._cache_seconds, principal)
        return principal


async def _insert_key(conn, *, tenant_id: uuid.UUID, role: Role, name: str) -> str:  # type: ignore[no-untyped-def]
    key = new_key()
    await conn.execute(
        api_keys.insert().values(
            id=uuid.uuid4(),
            tenant_id=tenant_id,
            key_hash=hash_key(key),
            prefix=key[: len(KEY_PREFIX) + 6],
            name=name,
            role=role.value,
        )
    )
    return key


async def create_tenant(
    engine: AsyncEngine, *, name: str, default_country: str, role: Role = Role.ADMIN
) -> tuple[uuid.UUID, str]:
    """Create a tenant and its first API key; returns (tenant id, plaintext key)."""
    tenant_id = uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            tenants.insert().values(id=tenant_id, name=name, default_country=default_country)
        )
        key = await _insert_key(conn, tenant_id=tenant_id, role=role, name="initial")
    return tenant_id, key


async def create_api_key(
    engine: AsyncEngine, *, tenant_id: uuid.UUID, role: Role, name: str = ""
) -> str:
    """Another key for an existing tenant (e.g. a read-only viewer key); returns it once."""
    async with engine.begin() as conn:
        return await _insert_key(conn, tenant_id=tenant_id, role=role, name=name)


async def tenant_exists(engine: AsyncEngine, tenant_id: uuid.UUID) -> bool:
    async with engine.connect() as conn:
        return bool(await conn.scalar(sa.select(sa.func.count()).where(tenants.c.id == tenant_id)))
