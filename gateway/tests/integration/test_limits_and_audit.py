"""Rate limits, revocation on every replica, security headers, the audit log."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest
from gateway.app import create_app

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _key(gateway, tenant, **body) -> str:
    r = await gateway.client.post(
        "/api/v1/api-keys", headers=tenant.headers, json={"name": "k", "role": "viewer", **body}
    )
    assert r.status_code == 201, r.text
    return r.json()["key"]


async def test_a_burst_past_the_keys_bucket_gets_429_with_retry_after(gateway) -> None:
    tenant = await gateway.tenant()
    key = await _key(gateway, tenant, rate_per_minute=60, burst=3)
    headers = {"Authorization": f"Bearer {key}"}
    statuses = [
        (await gateway.client.get("/api/v1/customers", headers=headers)).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 200]
    limited = await gateway.client.get("/api/v1/customers", headers=headers)
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 2
    assert limited.headers["content-type"] == "application/problem+json"
    # another key of the same tenant has its own bucket
    assert (
        await gateway.client.get("/api/v1/customers", headers=tenant.headers)
    ).status_code == 200


async def test_a_revoked_key_is_refused_on_every_replica_within_a_second(gateway) -> None:
    tenant = await gateway.tenant()
    key = await _key(gateway, tenant)
    headers = {"Authorization": f"Bearer {key}"}
    other = create_app(gateway.app.state.settings)
    async with other.router.lifespan_context(other):
        transport = httpx.ASGITransport(app=other)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw2") as replica:
            # both replicas have the key cached as valid
            assert (await replica.get("/api/v1/me", headers=headers)).status_code == 200
            assert (await gateway.client.get("/api/v1/me", headers=headers)).status_code == 200
            key_id = (await replica.get("/api/v1/me", headers=headers)).json()["api_key"]["id"]
            revoked = await gateway.client.delete(
                f"/api/v1/api-keys/{key_id}", headers=tenant.headers
            )
            assert revoked.status_code == 204
            started = time.monotonic()
            while (await replica.get("/api/v1/me", headers=headers)).status_code != 401:
                assert time.monotonic() - started < 1.0, "still accepted after 1 s"
                await asyncio.sleep(0.02)


async def test_security_headers(gateway) -> None:
    tenant = await gateway.tenant()
    r = await gateway.client.get("/api/v1/me", headers=tenant.headers)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in r.headers["content-security-policy"]


async def test_writes_and_sign_ins_are_audited_for_admins_and_managers_only(gateway) -> None:
    tenant = await gateway.tenant()
    created = await gateway.client.post(
        "/api/v1/customers", headers=tenant.headers, json={"first_name": "Audited"}
    )
    cid = created.json()["id"]
    await gateway.client.delete(f"/api/v1/customers/{cid}?confirm=true", headers=tenant.headers)
    email = f"audit-{uuid.uuid4().hex[:10]}@example.com"
    await gateway.client.post(
        "/api/v1/users",
        headers=tenant.headers,
        json={"email": email, "password": "a long passphrase", "name": "A", "role": "agent"},
    )
    await gateway.client.post(
        "/api/v1/auth/login", json={"email": email, "password": "not the passphrase"}
    )
    login = await gateway.client.post(
        "/api/v1/auth/login", json={"email": email, "password": "a long passphrase"}
    )
    log = (await gateway.client.get("/api/v1/audit", headers=tenant.headers)).json()["items"]
    actions = [e["action"] for e in log]
    assert "POST /api/v1/customers" in actions
    assert "DELETE /api/v1/customers/{customer_id}" in actions
    assert "users.create" in actions and "auth.login" in actions
    deleted = next(e for e in log if e["action"].startswith("DELETE"))
    assert deleted["target"] == f"customer_id={cid}" and deleted["actor"].startswith("key:")
    signed_in = (
        await gateway.client.get("/api/v1/audit?action=auth.", headers=tenant.headers)
    ).json()["items"]
    assert {e["action"] for e in signed_in} == {"auth.login"}
    assert [e["outcome"] for e in signed_in] == ["ok"]  # the failed one named no tenant
    agent = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert (await gateway.client.get("/api/v1/audit", headers=agent)).status_code == 403
    other = await gateway.tenant()
    assert (await gateway.client.get("/api/v1/audit", headers=other.headers)).json()["items"] == []
