"""Liveness (/healthz: the process answers) and readiness (/readyz: per dependency).

Readiness tells the truth per dependency instead of coupling everything: the gateway is ready
(200) while it can serve most routes — its database answers (every route authenticates against
it) and a majority of the upstream services report SERVING. A single upstream that is down
(a Triton restart making the sentiment service NOT_SERVING, a customer-service rollout) leaves
the gateway ready, answers 503 on that upstream's routes, and shows in `checks`; a Kubernetes
readiness probe therefore never takes every gateway pod out because one dependency blinks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from grpc_health.v1 import health_pb2
from moodline_kit.db import check_database
from pydantic import BaseModel, Field

router = APIRouter(tags=["health"])

OK = "ok"
CHECK_TIMEOUT_S = 2.0


@router.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}


async def _database(engine) -> str:  # type: ignore[no-untyped-def]
    try:
        await asyncio.wait_for(check_database(engine), CHECK_TIMEOUT_S)
        return OK
    except Exception as exc:
        return f"failing: {exc.__class__.__name__}"


async def _upstream(stub) -> str:  # type: ignore[no-untyped-def]
    try:
        reply = await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=CHECK_TIMEOUT_S)
    except Exception as exc:
        return f"failing: {exc.__class__.__name__}"
    return OK if reply.status == health_pb2.HealthCheckResponse.SERVING else "not serving"


def verdict(database: str, upstreams: Mapping[str, str]) -> str:
    """ "ready" (everything answers), "degraded" (ready, some upstream down: its routes answer
    503) or "not ready" (no database, or most upstreams down)."""
    if database != OK:
        return "not ready"
    serving = sum(1 for status in upstreams.values() if status == OK)
    if serving == len(upstreams):
        return "ready"
    return "degraded" if serving * 2 > len(upstreams) else "not ready"


class Readiness(BaseModel):
    status: str = Field(description="ready, degraded (some upstream down) or not ready")
    checks: dict[str, str] = Field(description="database and each upstream: ok or why not")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "not ready"}},
)
async def readyz(request: Request) -> JSONResponse:
    state = request.app.state
    names = list(state.health_stubs)
    database, *statuses = await asyncio.gather(
        _database(state.engine), *(_upstream(state.health_stubs[n]) for n in names)
    )
    upstreams = dict(zip(names, statuses, strict=True))
    status = verdict(database, upstreams)
    return JSONResponse(
        {"status": status, "checks": {"database": database, **upstreams}},
        status_code=503 if status == "not ready" else 200,
    )
