"""Staff users (`/api/v1/users`) and API keys (`/api/v1/api-keys`), managed by admins."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Request, Response

from gateway.auth import Principal, insert_key
from gateway.permissions import Permission, require
from gateway.staff import EmailTaken, create_user, list_users, session_ids, update_user
from gateway.staff_schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPage,
    UserCreate,
    UserOut,
    UserPage,
    UserPatch,
    api_key_out,
    user_out,
)
from gateway.tables import api_keys
from gateway.validation import PathId

router = APIRouter(prefix="/api/v1", tags=["staff"])

_PROBLEM = {"content": {"application/problem+json": {}}}
_COMMON = {
    401: {"description": "no valid credential", **_PROBLEM},
    403: {"description": "role lacks the permission", **_PROBLEM},
}
_NOT_FOUND = {404: {"description": "no such id in this tenant", **_PROBLEM}}

manage_users = require(Permission.USERS_MANAGE)
manage_keys = require(Permission.API_KEYS_MANAGE)


def _parse_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise HTTPException(404, "not found") from exc


@router.post(
    "/users",
    status_code=201,
    response_model=UserOut,
    responses={**_COMMON, 409: {"description": "e-mail already in use", **_PROBLEM}},
)
async def create(
    body: UserCreate, request: Request, who: Principal = Depends(manage_users)
) -> UserOut:
    try:
        row = await create_user(
            request.app.state.engine,
            tenant_id=who.tenant_id,
            email=body.email,
            password=body.password,
            name=body.name,
            role=body.role,
            folders=body.folders,
            unfoldered=body.unfoldered,
            assigned_only=body.assigned_only,
        )
    except EmailTaken as exc:
        raise HTTPException(409, "e-mail already in use") from exc
    await request.app.state.audit.record_change(
        request, who, "users.create", target=f"user:{row['id']}", details={"role": row["role"]}
    )
    return user_out(row)


@router.get("/users", response_model=UserPage, responses=_COMMON)
async def list_(request: Request, who: Principal = Depends(manage_users)) -> UserPage:
    rows = await list_users(request.app.state.engine, who.tenant_id)
    return UserPage(items=[user_out(r) for r in rows])


@router.get("/users/{user_id}", response_model=UserOut, responses={**_COMMON, **_NOT_FOUND})
async def get(user_id: PathId, request: Request, who: Principal = Depends(manage_users)) -> UserOut:
    uid = _parse_id(user_id)
    for row in await list_users(request.app.state.engine, who.tenant_id):
        if row["id"] == uid:
            return user_out(row)
    raise HTTPException(404, "no such user")


@router.patch("/users/{user_id}", response_model=UserOut, responses={**_COMMON, **_NOT_FOUND})
async def update(
    user_id: PathId, body: UserPatch, request: Request, who: Principal = Depends(manage_users)
) -> UserOut:
    """Change name, role, folders, disable/enable, or reset the password. Disabling or a new
    password signs the user out everywhere; a role or folder change applies to their next
    request."""
    uid = _parse_id(user_id)
    # An explicit null changes nothing (every folder visible is `all_folders: true`).
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    if changes.pop("all_folders", None):
        changes["folders"] = None
    if uid == who.user_id and (changes.get("disabled") or changes.get("role", "admin") != "admin"):
        raise HTTPException(409, "an admin cannot disable or demote themselves")
    state = request.app.state
    result = await update_user(state.engine, tenant_id=who.tenant_id, user_id=uid, changes=changes)
    if result is None:
        raise HTTPException(404, "no such user")
    row, affects_sessions = result
    if affects_sessions:
        sessions = await session_ids(state.engine, uid)
        await state.revocations.revoke(*(f"session:{s}" for s in sessions))
    if "password" in changes:
        await state.login_throttle.unlock(row["email"])
    changes.pop("password", None)
    await state.audit.record_change(
        request,
        who,
        "users.update",
        target=f"user:{uid}",
        details={k: str(v) for k, v in changes.items()}
        | ({"password": "reset"} if body.password else {}),
    )
    return user_out(row)


@router.post(
    "/api-keys",
    status_code=201,
    response_model=ApiKeyCreated,
    responses=_COMMON,
)
async def create_key(
    body: ApiKeyCreate, request: Request, who: Principal = Depends(manage_keys)
) -> ApiKeyCreated:
    """Create a key for a platform client; the secret is in this response only."""
    async with request.app.state.engine.begin() as conn:
        key_id, key = await insert_key(
            conn,
            tenant_id=who.tenant_id,
            role=body.role,
            name=body.name,
            created_by=who.subject,
            rate_per_minute=body.rate_per_minute,
            burst=body.burst,
        )
        row = (await conn.execute(api_keys.select().where(api_keys.c.id == key_id))).one()
    await request.app.state.audit.record_change(
        request, who, "api_keys.create", target=f"key:{key_id}", details={"role": body.role}
    )
    return ApiKeyCreated(**api_key_out(row._asdict()).model_dump(), key=key)


@router.get("/api-keys", response_model=ApiKeyPage, responses=_COMMON)
async def list_keys(request: Request, who: Principal = Depends(manage_keys)) -> ApiKeyPage:
    async with request.app.state.engine.connect() as conn:
        rows = await conn.execute(
            api_keys.select()
            .where(api_keys.c.tenant_id == who.tenant_id)
            .order_by(api_keys.c.created_at)
        )
        return ApiKeyPage(items=[api_key_out(r._asdict()) for r in rows])


@router.delete(
    "/api-keys/{key_id}",
    status_code=204,
    response_class=Response,
    responses={**_COMMON, **_NOT_FOUND},
)
async def revoke_key(
    key_id: PathId, request: Request, who: Principal = Depends(manage_keys)
) -> Response:
    """Revoke a key: refused on every gateway replica within a second."""
    kid = _parse_id(key_id)
    async with request.app.state.engine.begin() as conn:
        digest = await conn.scalar(
            api_keys.update()
            .where(api_keys.c.id == kid, api_keys.c.tenant_id == who.tenant_id)
            .values(revoked_at=sa.func.coalesce(api_keys.c.revoked_at, sa.func.now()))
            .returning(api_keys.c.key_hash)
        )
    if digest is None:
        raise HTTPException(404, "no such API key")
    await request.app.state.revocations.revoke(f"key:{digest}")
    await request.app.state.audit.record_change(
        request, who, "api_keys.revoke", target=f"key:{kid}"
    )
    return Response(status_code=204)
