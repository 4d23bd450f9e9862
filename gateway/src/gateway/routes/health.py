"""Liveness (/healthz: the process answers) and readiness (/readyz: the gateway's database, and
each upstream reported on its own).

The gateway is ready while it can serve most routes: its own database answers (every route
authenticates against it) and a majority of the upstreams serve. With one upstream down (a
Triton restart making the sentiment service NOT_SERVING, a rollout), the routes of the others
still work, so the pods stay in the Service and that upstream's routes answer 503 (gRPC
UNAVAILABLE → problem+json with Retry-After) until it is back; /readyz says which upstreams fail
("degraded"). Most upstreams down, or no database: 503 "not ready"."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from grpc_health.v1 import health_pb2
from moodline_kit.db import check_database
from pydantic import BaseModel, Field

router = APIRouter(tags=["health"])
CHECK_TIMEOUT = 2.0


class Readiness(BaseModel):
    status: str = Field(description="ready, degraded (some upstream down) or not ready")
    checks: dict[str, str] = Field(description="database and each upstream: ok or why not")


@router.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}


async def _database(request: Request) -> str:
    try:
        await asyncio.wait_for(check_database(request.app.state.engine), CHECK_TIMEOUT)
        return "ok"
    except Exception as exc:
        return f"failing: {exc.__class__.__name__}"


async def _upstream(stub: object) -> str:
    try:
        reply = await stub.Check(  # type: ignore[attr-defined]
            health_pb2.HealthCheckRequest(service=""), timeout=CHECK_TIMEOUT
        )
    except Exception as exc:
        return f"failing: {exc.__class__.__name__}"
    return "ok" if reply.status == health_pb2.HealthCheckResponse.SERVING else "not serving"


def verdict(database: str, upstreams: dict[str, str]) -> str:
    """ "ready" (everything answers), "degraded" (ready, some upstream down: its routes answer
    503) or "not ready" (no database, or most upstreams down)."""
    if database != "ok":
        return "not ready"
    serving = sum(1 for status in upstreams.values() if status == "ok")
    if serving == len(upstreams):
        return "ready"
    return "degraded" if serving * 2 > len(upstreams) else "not ready"


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "not ready"}},
)
async def readyz(request: Request) -> JSONResponse:
    health = request.app.state.upstreams.health
    names = list(health)
    results = await asyncio.gather(_database(request), *(_upstream(health[n]) for n in names))
    database, upstreams = results[0], dict(zip(names, results[1:], strict=True))
    status = verdict(database, upstreams)
    return JSONResponse(
        {"status": status, "checks": {"database": database, **upstreams}},
        status_code=503 if status == "not ready" else 200,
    )
