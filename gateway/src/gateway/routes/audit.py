"""`GET /api/v1/audit`: the tenant's audit log, newest first, filterable."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from gateway.auth import Principal
from gateway.permissions import Permission, require

router = APIRouter(prefix="/api/v1", tags=["audit"])

can_read = require(Permission.AUDIT_READ)


class AuditEntry(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    outcome: str
    client_ip: str
    details: dict


class AuditPage(BaseModel):
    items: list[AuditEntry]
    next_cursor: str | None


@router.get("/audit", response_model=AuditPage)
async def audit(
    request: Request,
    actor: Annotated[str | None, Query(max_length=200, description="user:<id> or key:<id>")] = None,
    action: Annotated[
        str | None, Query(max_length=200, description="prefix, e.g. `auth.` or `DELETE`")
    ] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str, Query(max_length=20, pattern=r"^[0-9]*$")] = "",
    who: Principal = Depends(can_read),
) -> AuditPage:
    """Who did what, when, from where: sign-ins, every write, key and user changes."""
    rows = await request.app.state.audit.search(
        who.tenant_id,
        actor=actor,
        action=action,
        since=since,
        until=until,
        before_id=int(cursor) if cursor else None,
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(
        items=[AuditEntry(**{k: r[k] for k in AuditEntry.model_fields}) for r in rows],
        next_cursor=str(rows[-1]["id"]) if more and rows else None,
    )
