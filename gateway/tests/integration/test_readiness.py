"""Readiness per dependency: an upstream that is down answers 503 (with Retry-After) on its own
routes and shows in /readyz, while the gateway stays ready for the routes it can serve; most
upstreams down makes it not ready."""

import httpx
import pytest
from gateway.app import create_app
from moodline_devkit.infra import free_port

pytestmark = pytest.mark.integration


async def _client_for(gateway, **changes):  # type: ignore[no-untyped-def]
    settings = gateway.app.state.settings.model_copy(update=changes)
    app = create_app(settings)
    return app, app.router.lifespan_context(app)


async def test_one_upstream_down_degrades_only_its_routes(gateway):
    t = await gateway.tenant()
    dead = f"127.0.0.1:{free_port()}"  # nothing listens there
    app, lifespan = await _client_for(gateway, sentiment_addr=dead)
    async with lifespan:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            ready = await client.get("/readyz")
            assert ready.status_code == 200, ready.text
            body = ready.json()
            assert body["status"] == "degraded"
            assert body["checks"]["database"] == "ok"
            assert body["checks"]["customer"] == "ok"
            assert body["checks"]["conversation"] == "ok"
            assert body["checks"]["sentiment"].startswith("failing")

            down = await client.post(
                "/api/v1/sentiment/analyze", json={"texts": ["hello"]}, headers=t.headers
            )
            assert down.status_code == 503, down.text
            assert down.headers["content-type"] == "application/problem+json"
            assert int(down.headers["retry-after"]) >= 1
            assert "failed to connect" not in down.text  # no transport internals

            listed = await client.get("/api/v1/customers", headers=t.headers)
            assert listed.status_code == 200, listed.text


async def test_most_upstreams_down_is_not_ready(gateway):
    t = await gateway.tenant()
    app, lifespan = await _client_for(
        gateway,
        customer_addr=f"127.0.0.1:{free_port()}",
        conversation_addr=f"127.0.0.1:{free_port()}",
    )
    async with lifespan:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            ready = await client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["status"] == "not ready"
            r = await client.get("/api/v1/customers", headers=t.headers)
            assert r.status_code == 503 and r.headers["retry-after"]
