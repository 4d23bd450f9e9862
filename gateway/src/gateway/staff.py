"""Staff users and their sign-in sessions.

Passwords are hashed with argon2id. Signing in opens a session and returns a short-lived access
token (JWT naming the session) and a refresh token. Each refresh token is good once: exchanging
it spends it and returns the next one of the same family (the session); presenting a spent one
again means it was stolen or replayed, so the whole family is revoked.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from moodline_kit.auth import API_AUDIENCE, ISSUER, KeySet
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.auth import Role, hash_secret
from gateway.tables import refresh_tokens, sessions, tenants, users

REFRESH_PREFIX = "mrt_"

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile
# Verified when the e-mail is unknown, so a miss costs as long as a wrong password: the hash of
# a random secret no one kept, with the hasher's parameters (hashing one at import cost every
# gateway start ~0.2 s of CPU; tests/unit/test_staff_dummy_hash.py holds it to `_hasher`).
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$FMmgOD8ui5v69nv9/xZTvw"
    "$m1I+10tHHx0l0jk21Yp01nFKAwHymTuW6ctV1B5tfzA"
)


class EmailTaken(Exception):
    pass


class InvalidCredentials(Exception):
    pass


class InvalidRefreshToken(Exception):
    pass


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    session_id: uuid.UUID


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def _verify_password(password_hash: str, password: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def create_user(
    engine: AsyncEngine,
    *,
    tenant_id: uuid.UUID,
    email: str,
    password: str,
    name: str,
    role: Role,
    folders: list[uuid.UUID] | None = None,
    unfoldered: bool = True,
    assigned_only: bool = False,
) -> dict:
    password_hash = await hash_password(password)
    user_id = uuid.uuid4()
    try:
        async with engine.begin() as conn:
            row = (
                await conn.execute(
                    users.insert()
                    .values(
                        id=user_id,
                        tenant_id=tenant_id,
                        email=normalize_email(email),
                        name=name,
                        role=role.value,
                        password_hash=password_hash,
                        folders=folders,
                        unfoldered=unfoldered,
                        assigned_only=assigned_only,
                    )
                    .returning(users)
                )
            ).one()
    except IntegrityError as exc:
        raise EmailTaken(email) from exc
    return row._asdict()


async def get_user(
    conn: AsyncConnection, tenant_id: uuid.UUID, user_id: uuid.UUID
) -> sa.Row | None:
    return (
        await conn.execute(
            sa.select(users).where(users.c.tenant_id == tenant_id, users.c.id == user_id)
        )
    ).first()


async def list_users(engine: AsyncEngine, tenant_id: uuid.UUID) -> list[dict]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(users).where(users.c.tenant_id == tenant_id).order_by(users.c.created_at)
        )
        return [r._asdict() for r in rows]


async def update_user(
    engine: AsyncEngine, *, tenant_id: uuid.UUID, user_id: uuid.UUID, changes: dict
) -> tuple[dict, bool] | None:
    """Apply `changes` (name, role, folders, unfoldered, assigned_only, disabled, password).
    Returns (user, sessions_revoked) or None when the user is not in this tenant. A new password
    or disabling revokes every session of the user."""
    values: dict = {}
    for column in ("name", "role", "folders", "unfoldered", "assigned_only"):
        if column in changes:
            value = changes[column]
            values[column] = value.value if isinstance(value, Role) else value
    revoke_reason = None
    if "password" in changes:
        values["password_hash"] = await hash_password(changes["password"])
        revoke_reason = "password reset"
    if "disabled" in changes:
        values["disabled_at"] = sa.func.now() if changes["disabled"] else None
        if changes["disabled"]:
            revoke_reason = "user disabled"
    async with engine.begin() as conn:
        query = users.update().where(users.c.tenant_id == tenant_id, users.c.id == user_id)
        row = (
            await conn.execute(query.values(**values, updated_at=sa.func.now()).returning(users))
        ).first()
        if row is None:
            return None
        if revoke_reason:
            await conn.execute(
                sessions.update()
                .where(sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None))
                .values(revoked_at=sa.func.now(), revoked_reason=revoke_reason)
            )
    return row._asdict(), revoke_reason is not None or "role" in values or "folders" in values


async def session_ids(engine: AsyncEngine, user_id: uuid.UUID) -> list[uuid.UUID]:
    async with engine.connect() as conn:
        return list(
            (await conn.execute(sa.select(sessions.c.id).where(sessions.c.user_id == user_id)))
            .scalars()
            .all()
        )


def _access_token(
    keys: KeySet, *, user_id: uuid.UUID, tenant_id: uuid.UUID, session_id: uuid.UUID, ttl: int
) -> str:
    now = int(dt.datetime.now(dt.UTC).timestamp())
    return keys.sign(
        {
            "iss": ISSUER,
            "aud": API_AUDIENCE,
            "sub": f"user:{user_id}",
            "tid": str(tenant_id),
            "sid": str(session_id),
            "iat": now,
            "exp": now + ttl,
            "jti": secrets.token_hex(8),
        }
    )


async def _new_refresh(conn: AsyncConnection, session_id: uuid.UUID) -> str:
    token = REFRESH_PREFIX + secrets.token_urlsafe(32)
    await conn.execute(
        refresh_tokens.insert().values(token_hash=hash_secret(token), session_id=session_id)
    )
    return token


async def sign_in(
    engine: AsyncEngine,
    keys: KeySet,
    *,
    email: str,
    password: str,
    client_ip: str,
    access_ttl: int,
    session_ttl: int,
) -> Tokens:
    async with engine.connect() as conn:
        row = (
            await conn.execute(sa.select(users).where(users.c.email == normalize_email(email)))
        ).first()
    ok = await _verify_password(row.password_hash if row else _DUMMY_HASH, password)
    if row is None or not ok or row.disabled_at is not None:
        raise InvalidCredentials
    if _hasher.check_needs_rehash(row.password_hash):
        async with engine.begin() as conn:
            await conn.execute(
                users.update()
                .where(users.c.id == row.id)
                .values(password_hash=await hash_password(password))
            )
    session_id = uuid.uuid4()
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=session_ttl)
    async with engine.begin() as conn:
        await conn.execute(
            sessions.insert().values(
                id=session_id,
                tenant_id=row.tenant_id,
                user_id=row.id,
                expires_at=expires,
                client_ip=client_ip,
            )
        )
        refresh = await _new_refresh(conn, session_id)
    access = _access_token(
        keys, user_id=row.id, tenant_id=row.tenant_id, session_id=session_id, ttl=access_ttl
    )
    return Tokens(access, refresh, access_ttl, row.id, row.tenant_id, session_id)


async def refresh(
    engine: AsyncEngine, keys: KeySet, *, token: str, access_ttl: int
) -> tuple[Tokens | None, uuid.UUID | None]:
    """Exchange a refresh token. Returns (tokens, None) on success; (None, session id) when a
    spent token was replayed and its family has just been revoked; raises
    InvalidRefreshToken for anything else that is not good."""
    digest = hash_secret(token)
    async with engine.begin() as conn:
        spent = (
            await conn.execute(
                refresh_tokens.update()
                .where(refresh_tokens.c.token_hash == digest, refresh_tokens.c.used_at.is_(None))
                .values(used_at=sa.func.now())
                .returning(refresh_tokens.c.session_id)
            )
        ).first()
        if spent is None:
            known = await conn.scalar(
                sa.select(refresh_tokens.c.session_id).where(refresh_tokens.c.token_hash == digest)
            )
            if known is None:
                raise InvalidRefreshToken("unknown refresh token")
            await conn.execute(
                sessions.update()
                .where(sessions.c.id == known, sessions.c.revoked_at.is_(None))
                .values(revoked_at=sa.func.now(), revoked_reason="refresh token reused")
            )
            return None, known
        session = (
            await conn.execute(
                sa.select(sessions.c.id, sessions.c.user_id, sessions.c.tenant_id)
                .join(users, users.c.id == sessions.c.user_id)
                .where(
                    sessions.c.id == spent.session_id,
                    sessions.c.revoked_at.is_(None),
                    sessions.c.expires_at > sa.func.now(),
                    users.c.disabled_at.is_(None),
                )
            )
        ).first()
        if session is None:
            raise InvalidRefreshToken("session revoked or expired")
        new_refresh = await _new_refresh(conn, session.id)
    access = _access_token(
        keys,
        user_id=session.user_id,
        tenant_id=session.tenant_id,
        session_id=session.id,
        ttl=access_ttl,
    )
    return Tokens(
        access, new_refresh, access_ttl, session.user_id, session.tenant_id, session.id
    ), None


async def revoke_session(engine: AsyncEngine, session_id: uuid.UUID, reason: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            sessions.update()
            .where(sessions.c.id == session_id, sessions.c.revoked_at.is_(None))
            .values(revoked_at=sa.func.now(), revoked_reason=reason)
        )


async def tenant_name(engine: AsyncEngine, tenant_id: uuid.UUID) -> str:
    async with engine.connect() as conn:
        return (await conn.scalar(sa.select(tenants.c.name).where(tenants.c.id == tenant_id))) or ""
