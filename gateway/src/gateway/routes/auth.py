"""Sign-in: `/api/v1/auth/login|refresh|logout` and `/api/v1/me`."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from gateway.auth import Principal
from gateway.deps import principal
from gateway.login_throttle import LoginThrottle, Throttled
from gateway.permissions import MATRIX
from gateway.staff import (
    InvalidCredentials,
    InvalidRefreshToken,
    refresh,
    revoke_session,
    sign_in,
    tenant_name,
)
from gateway.staff_schemas import LoginIn, LogoutIn, MeOut, RefreshIn, TokensOut, UserRef
from gateway.tables import users

router = APIRouter(prefix="/api/v1", tags=["auth"])

_UNAUTHORIZED = {"WWW-Authenticate": "Bearer"}
_PROBLEM = {"content": {"application/problem+json": {}}}


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


@router.post(
    "/auth/login",
    response_model=TokensOut,
    responses={
        401: {"description": "wrong e-mail or password", **_PROBLEM},
        423: {"description": "account or address locked; see Retry-After", **_PROBLEM},
        429: {"description": "too many failed attempts; see Retry-After", **_PROBLEM},
    },
)
async def login(body: LoginIn, request: Request) -> TokensOut:
    state = request.app.state
    throttle: LoginThrottle = state.login_throttle
    ip = client_ip(request)
    email = body.email.strip().lower()
    try:
        await throttle.check(email, ip)
    except Throttled as exc:
        await state.audit.record_sign_in(request, email, outcome=f"throttled-{exc.status}")
        raise HTTPException(
            exc.status,
            f"too many failed sign-ins: {exc}",
            headers={"Retry-After": str(exc.retry_after)},
        ) from exc
    settings = state.settings
    try:
        tokens = await sign_in(
            state.engine,
            state.credentials.keys,
            email=email,
            password=body.password,
            client_ip=ip,
            access_ttl=settings.access_token_ttl,
            session_ttl=settings.session_ttl,
        )
    except InvalidCredentials as exc:
        await throttle.failed(email, ip)
        await state.audit.record_sign_in(request, email, outcome="failed")
        raise HTTPException(401, "wrong e-mail or password", headers=_UNAUTHORIZED) from exc
    await throttle.succeeded(email)
    await state.audit.record_sign_in(
        request, email, outcome="ok", tenant_id=tokens.tenant_id, user_id=tokens.user_id
    )
    return TokensOut(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
    )


@router.post(
    "/auth/refresh",
    response_model=TokensOut,
    responses={401: {"description": "unknown, spent, revoked or expired", **_PROBLEM}},
)
async def refresh_tokens(body: RefreshIn, request: Request) -> TokensOut:
    state = request.app.state
    try:
        tokens, reused_session = await refresh(
            state.engine,
            state.credentials.keys,
            token=body.refresh_token,
            access_ttl=state.settings.access_token_ttl,
        )
    except InvalidRefreshToken as exc:
        raise HTTPException(401, f"refresh refused: {exc}", headers=_UNAUTHORIZED) from exc
    if tokens is None:
        await state.revocations.revoke(f"session:{reused_session}")
        raise HTTPException(
            401,
            "refresh token already used: every token of this sign-in is revoked",
            headers=_UNAUTHORIZED,
        )
    return TokensOut(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
    )


@router.post(
    "/auth/logout",
    status_code=204,
    response_class=Response,
    responses={401: {"description": "no valid credential", **_PROBLEM}},
)
async def logout(
    request: Request, body: LogoutIn | None = None, who: Principal = Depends(principal)
) -> Response:
    """Signs out the session of the access token: its refresh tokens and access tokens stop
    working on every replica. With an API key there is no session: nothing changes."""
    if who.session_id is not None:
        await revoke_session(request.app.state.engine, who.session_id, "signed out")
        await request.app.state.revocations.revoke(f"session:{who.session_id}")
    return Response(status_code=204)


@router.get(
    "/me",
    response_model=MeOut,
    responses={401: {"description": "no valid credential", **_PROBLEM}},
)
async def me(request: Request, who: Principal = Depends(principal)) -> MeOut:
    engine = request.app.state.engine
    user = None
    if who.user_id is not None:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    users.select().where(
                        users.c.id == who.user_id, users.c.tenant_id == who.tenant_id
                    )
                )
            ).first()
        if row is not None:
            user = UserRef(id=str(row.id), name=row.name, email=row.email)
    return MeOut(
        user=user,
        api_key={"id": str(who.key_id)} if who.key_id else None,
        role=who.role,
        tenant={"id": str(who.tenant_id), "name": await tenant_name(engine, who.tenant_id)},
        permissions=sorted(p.value for p in MATRIX[who.role]),
        folders=None if who.folders is None else sorted(str(f) for f in who.folders),
        unfoldered=who.unfoldered,
        assigned_only=who.assigned_only,
    )
