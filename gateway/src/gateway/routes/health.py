"""Liveness (/healthz: the process answers) and readiness (/readyz: DB and upstreams)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from grpc_health.v1 import health_pb2
from moodline_kit.db import check_database

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    checks: dict[str, str] = {}
    state = request.app.state
    try:
        await asyncio.wait_for(check_database(state.engine), 2.0)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"failing: {exc!r}"
    for name, stub in state.health_stubs.items():
        try:
            reply = await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=2.0)
            serving = reply.status == health_pb2.HealthCheckResponse.SERVING
            checks[name] = "ok" if serving else "not serving"
        except Exception as exc:
            checks[name] = f"failing: {exc.__class__.__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
    )
