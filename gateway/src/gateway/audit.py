"""The audit log: who did what, when, from where (sign-ins, every write, key and user changes)."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

import sqlalchemy as sa
from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.auth import Principal
from gateway.tables import audit_log

log = logging.getLogger(__name__)


def _ip(request: Request) -> str:
    return request.client.host if request.client else ""


class AuditLog:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def record(
        self,
        *,
        tenant_id: uuid.UUID | None,
        actor: str,
        action: str,
        outcome: str,
        target: str = "",
        client_ip: str = "",
        details: dict | None = None,
    ) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                audit_log.insert().values(
                    tenant_id=tenant_id,
                    actor=actor,
                    action=action,
                    target=target,
                    outcome=outcome,
                    client_ip=client_ip,
                    details=details or {},
                )
            )

    async def record_sign_in(
        self,
        request: Request,
        email: str,
        *,
        outcome: str,
        tenant_id: uuid.UUID | None = None,
        user_id: uuid.UUID | None = None,
    ) -> None:
        await self.record(
            tenant_id=tenant_id,
            actor=f"user:{user_id}" if user_id else email,
            action="auth.login",
            outcome=outcome,
            target=email,
            client_ip=_ip(request),
        )

    async def record_change(
        self,
        request: Request,
        who: Principal,
        action: str,
        *,
        target: str = "",
        outcome: str = "ok",
        details: dict | None = None,
    ) -> None:
        await self.record(
            tenant_id=who.tenant_id,
            actor=who.subject,
            action=action,
            target=target,
            outcome=outcome,
            client_ip=_ip(request),
            details=details,
        )

    async def search(
        self,
        tenant_id: uuid.UUID,
        *,
        actor: str | None = None,
        action: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        before_id: int | None = None,
        limit: int = 50,
    ) -> list[dict]:
        query = sa.select(audit_log).where(audit_log.c.tenant_id == tenant_id)
        if actor:
            query = query.where(audit_log.c.actor == actor)
        if action:
            query = query.where(audit_log.c.action.startswith(action, autoescape=True))
        if since:
            query = query.where(audit_log.c.at >= since)
        if until:
            query = query.where(audit_log.c.at < until)
        if before_id:
            query = query.where(audit_log.c.id < before_id)
        query = query.order_by(audit_log.c.id.desc()).limit(limit)
        async with self._engine.connect() as conn:
            return [r._asdict() for r in await conn.execute(query)]


# Writes recorded by the routes themselves, with more detail (sign-in, users, API keys).
_SELF_AUDITED = ("/api/v1/auth/", "/api/v1/users", "/api/v1/api-keys")
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class AuditWrites:
    """Pure ASGI middleware: every successful write through the API goes to the audit log —
    who (the principal `deps.principal` put in the request state), what (method and route
    template, the path's ids as target), when, from where, the status."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if (
            scope["type"] != "http"
            or scope["method"] not in _WRITES
            or not scope["path"].startswith("/api/")
            or scope["path"].startswith(_SELF_AUDITED)
        ):
            await self.app(scope, receive, send)
            return
        status = 0

        async def capture(message) -> None:  # type: ignore[no-untyped-def]
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, capture)
        who = (scope.get("state") or {}).get("principal")
        if who is None or status >= 400:
            return
        route = scope.get("route")
        template = getattr(route, "path", scope["path"])
        params = scope.get("path_params") or {}
        try:
            await scope["app"].state.audit.record(
                tenant_id=who.tenant_id,
                actor=who.subject,
                action=f"{scope['method']} {template}",
                target=",".join(f"{k}={v}" for k, v in sorted(params.items())),
                outcome=str(status),
                client_ip=(scope.get("client") or ("",))[0],
            )
        except Exception:  # the write happened; a lost audit row is logged, not a 500
            log.exception("audit record failed")
