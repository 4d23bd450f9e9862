"""The batch ingestion route has its own, larger body limit; every other route keeps the global
one."""

import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from gateway.limits import ROUTE_LIMITS, BodySizeLimit

from gateway import problems

BATCH = "/api/v1/conversations/messages/batch"


@pytest.fixture
def client():
    app = FastAPI()
    problems.install(app)

    @app.post(BATCH)
    async def batch(body: dict) -> dict:
        return {"messages": len(body["messages"])}

    @app.post("/api/v1/conversations/messages")
    async def single(body: dict) -> dict:
        return {"ok": True}

    app.add_middleware(BodySizeLimit, max_bytes=256 * 1024)
    return TestClient(app)


def realistic_batch(n: int = 500) -> bytes:
    message = {
        "provider_message_id": "SM" + "0" * 32,
        "channel": "sms",
        "customer": {"phone": "+14155550100", "display_name": "Ann Example"},
        "direction": "inbound",
        "author": "customer",
        "text": "Hi, can I move my appointment to Friday afternoon? " * 20,
        "sent_at": "2026-11-01T09:00:00Z",
    }
    return json.dumps({"messages": [message] * n}).encode()


def test_a_500_message_batch_over_the_global_limit_is_accepted(client):
    body = realistic_batch()
    assert len(body) > 256 * 1024
    response = client.post(BATCH, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
    assert response.json() == {"messages": 500}


def test_the_batch_limit_is_explicit_and_bodies_over_it_are_refused(client):
    assert ROUTE_LIMITS[BATCH] == 8 * 1024 * 1024
    body = b'{"messages": ["' + b"x" * (8 * 1024 * 1024) + b'"]}'
    response = client.post(BATCH, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert f"exceeds {8 * 1024 * 1024} bytes" in response.json()["detail"]


def test_other_routes_keep_the_global_limit(client):
    response = client.post(
        "/api/v1/conversations/messages",
        content=realistic_batch(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert f"exceeds {256 * 1024} bytes" in response.json()["detail"]
