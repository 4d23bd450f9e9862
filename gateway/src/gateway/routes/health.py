"""Liveness (/healthz: the process answers) and readiness (/readyz: the gateway's database, and
each upstream reported on its own).

Only the gateway's own database decides readiness: with one upstream down, the routes of the
others still work, so the pods stay in the Service and that upstream's routes answer 503
(gRPC UNAVAILABLE → problem+json) until it is back. /readyz says which upstreams fail
("degraded")."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from grpc_health.v1 import health_pb2
from moodline_kit.db import check_database

router = APIRouter(tags=["health"])
CHECK_TIMEOUT = 2.0


@router.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}


async def _database(request: Request) -> str:
    try:
        await asyncio.wait_for(check_database(request.app.state.engine), CHECK_TIMEOUT)
        return "ok"
    except Exception as exc:
        return f"failing: {exc!r}"


async def _upstream(stub: object) -> str:
    try:
        reply = await stub.Check(  # type: ignore[attr-defined]
            health_pb2.HealthCheckRequest(service=""), timeout=CHECK_TIMEOUT
        )
    except Exception as exc:
        return f"failing: {exc.__class__.__name__}"
    return "ok" if reply.status == health_pb2.HealthCheckResponse.SERVING else "not serving"


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    health = request.app.state.upstreams.health
    names = list(health)
    results = await asyncio.gather(_database(request), *(_upstream(health[n]) for n in names))
    database, upstreams = results[0], dict(zip(names, results[1:], strict=True))
    ready = database == "ok"
    status = "not ready" if not ready else "ready"
    if ready and any(v != "ok" for v in upstreams.values()):
        status = "degraded"
    return JSONResponse(
        {"status": status, "checks": {"database": database, **upstreams}},
        status_code=200 if ready else 503,
    )
