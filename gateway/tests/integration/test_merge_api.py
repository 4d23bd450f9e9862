"""Duplicates, merge and GDPR routes through the gateway in front of every service: roles,
tenant isolation, problem+json, the 308 of a merged-away customer, JSON and PDF exports."""

import asyncio

import pytest
from gateway.auth import Role

pytestmark = pytest.mark.integration


async def _create(gw, headers, first, last, phone):
    r = await gw.client.post(
        "/api/v1/customers",
        headers=headers,
        json={"first_name": first, "last_name": last, "phones": [{"number": phone}]},
    )
    assert r.status_code == 201, r.text
    return r.json()


async def test_roles_decide_who_may_merge_export_and_erase(sentiment_gateway):
    gw = sentiment_gateway
    t = await gw.tenant()
    keys = {role: (await _key(gw, t, role)) for role in Role}
    a = await _create(gw, t.headers, "Kai", "Moreno", "(415) 555-3101")
    b = await _create(gw, t.headers, "Kay", "Moreno", "(415) 555-3101")
    assert [d["customer"]["id"] for d in b["likely_duplicates"]] == [a["id"]]
    assert {r["kind"] for r in b["likely_duplicates"][0]["reasons"]} == {"phone", "name"}
    base = f"/api/v1/customers/{a['id']}"
    for role in (Role.VIEWER, Role.AGENT):
        h = keys[role]
        assert (await gw.client.get("/api/v1/customers/duplicates", headers=h)).status_code == 200
        preview = await gw.client.get(
            f"{base}/merge-preview", params={"duplicate_id": b["id"]}, headers=h
        )
        assert preview.status_code == 403, role
        merge = await gw.client.post(f"{base}/merge", json={"duplicate_id": b["id"]}, headers=h)
        assert merge.status_code == 403, role
        assert (await gw.client.get(f"{base}/export", headers=h)).status_code == 403, role
    manager = keys[Role.MANAGER]
    erase = await gw.client.post(f"{base}/erase", json={"confirm": True}, headers=manager)
    assert erase.status_code == 403
    assert erase.headers["content-type"].startswith("application/problem+json")

    pairs = (await gw.client.get("/api/v1/customers/duplicates", headers=manager)).json()
    assert [(p["customer"]["id"], p["duplicate"]["id"]) for p in pairs["items"]] == [
        (a["id"], b["id"])
    ]
    itself = await gw.client.post(f"{base}/merge", json={"duplicate_id": a["id"]}, headers=manager)
    assert itself.status_code == 422
    assert [e["field"] for e in itself.json()["errors"]] == ["duplicate_id"]
    preview = await gw.client.get(
        f"{base}/merge-preview", params={"duplicate_id": b["id"]}, headers=manager
    )
    assert preview.status_code == 200 and preview.json()["sources"]["first_name"] == "survivor"
    picked = await gw.client.get(
        f"{base}/merge-preview",
        params={"duplicate_id": b["id"], "from_duplicate": ["first_name"]},
        headers=manager,
    )
    assert picked.status_code == 200, picked.text
    assert picked.json()["sources"]["first_name"] == "duplicate"
    assert picked.json()["result"]["first_name"] == "Kay"
    assert picked.json()["survivor"]["first_name"] == "Kai"
    both = await gw.client.get(
        f"{base}/merge-preview",
        params={
            "duplicate_id": b["id"],
            "from_duplicate": ["first_name"],
            "from_survivor": ["first_name", "company"],
        },
        headers=manager,
    )
    assert both.status_code == 422
    assert both.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in both.json()["errors"]] == ["from_survivor"]
    unknown = await gw.client.get(
        f"{base}/merge-preview",
        params={"duplicate_id": b["id"], "from_duplicate": ["phones"]},
        headers=manager,
    )
    assert unknown.status_code == 422
    merged = await gw.client.post(
        f"{base}/merge",
        json={"duplicate_id": b["id"], "fields": {"first_name": "duplicate"}},
        headers=manager,
    )
    assert merged.status_code == 202, merged.text
    op = merged.json()
    assert merged.headers["location"] == f"/api/v1/customers/operations/{op['id']}"
    moved = await gw.client.get(f"/api/v1/customers/{b['id']}", headers=manager)
    assert moved.status_code == 308
    assert moved.headers["location"] == base
    assert (await gw.client.get(base, headers=manager)).json()["first_name"] == "Kay"
    for _ in range(300):  # every service answers through NATS
        got = (await gw.client.get(merged.headers["location"], headers=manager)).json()
        if got["status"] == "completed":
            break
        await asyncio.sleep(0.2)
    assert got["status"] == "completed", got
    assert {s["service"] for s in got["steps"]} == {
        "customer", "conversation", "sentiment", "billing", "loyalty", "automation"
    }  # fmt: skip

    exported = await gw.client.get(f"{base}/export", headers=manager)
    assert exported.status_code == 200
    data = exported.json()
    assert data["customer"]["profile"]["id"] == a["id"]
    assert set(data) >= {"conversation", "sentiment", "billing", "loyalty", "automation"}
    pdf = await gw.client.get(f"{base}/export", params={"format": "pdf"}, headers=manager)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    other = await gw.tenant()
    foreign = await gw.client.post(
        f"{base}/merge", json={"duplicate_id": b["id"]}, headers=other.headers
    )
    assert foreign.status_code == 404
    assert (await gw.client.get(f"{base}/export", headers=other.headers)).status_code == 404

    erased = await gw.client.post(f"{base}/erase", json={"confirm": True}, headers=t.headers)
    assert erased.status_code == 202 and erased.json()["kind"] == "erasure"
    refused = await gw.client.post(f"{base}/erase", json={"confirm": False}, headers=t.headers)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "confirm"
    again = await gw.client.post(f"{base}/erase", json={"confirm": True}, headers=t.headers)
    assert again.json()["id"] == erased.json()["id"]  # the same erasure: its operation
    after = (await gw.client.get(base, headers=t.headers)).json()
    assert after["first_name"] == "Erased" and after["phones"] == []


async def _key(gw, tenant, role):
    from gateway.auth import create_api_key

    key = await create_api_key(gw.app.state.engine, tenant_id=tenant.id, role=role)
    return {"Authorization": f"Bearer {key}"}
