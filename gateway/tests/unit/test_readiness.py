"""/readyz: each upstream is reported on its own; one upstream down leaves the API ready
("degraded") so the other upstreams' routes keep working; no database, or most upstreams down,
is not ready."""

from __future__ import annotations

import grpc
import httpx
import pytest
from fastapi import FastAPI
from gateway.routes import health
from gateway.upstreams import Upstreams
from grpc_health.v1 import health_pb2


class Health:
    def __init__(self, status: int | None) -> None:
        self.status = status

    async def Check(self, request, **options):  # type: ignore[no-untyped-def]
        if self.status is None:
            raise grpc.aio.AioRpcError(
                grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(), grpc.aio.Metadata()
            )
        return health_pb2.HealthCheckResponse(status=self.status)


SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


async def readyz(monkeypatch, database_ok: bool, **statuses):  # type: ignore[no-untyped-def]
    async def check_database(engine) -> None:  # type: ignore[no-untyped-def]
        if not database_ok:
            raise ConnectionError("database down")

    monkeypatch.setattr(health, "check_database", check_database)
    app = FastAPI()
    app.include_router(health.router)
    app.state.engine = object()
    app.state.upstreams = Upstreams(stubs={}, health={k: Health(v) for k, v in statuses.items()})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        return await client.get("/readyz")


async def test_ready_when_everything_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    r = await readyz(monkeypatch, True, customer=SERVING, conversation=SERVING)
    assert r.status_code == 200
    assert r.json() == {
        "status": "ready",
        "checks": {"database": "ok", "customer": "ok", "conversation": "ok"},
    }


async def test_one_upstream_down_is_reported_not_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    r = await readyz(monkeypatch, True, customer=SERVING, conversation=None, sentiment=SERVING)
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "degraded"
    assert body["checks"]["customer"] == body["checks"]["sentiment"] == "ok"
    assert body["checks"]["conversation"].startswith("failing")


async def test_most_upstreams_down_is_not_ready(monkeypatch: pytest.MonkeyPatch) -> None:
    r = await readyz(monkeypatch, True, customer=SERVING, conversation=None, sentiment=NOT_SERVING)
    assert r.status_code == 503
    assert r.json()["checks"]["sentiment"] == "not serving"


async def test_the_database_down_is_not_ready(monkeypatch: pytest.MonkeyPatch) -> None:
    r = await readyz(monkeypatch, False, customer=SERVING)
    assert r.status_code == 503
    assert r.json()["status"] == "not ready"
