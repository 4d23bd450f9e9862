"""Folders as objects, and folder permissions: a user sees and edits only customers in the
folders they may see (and unfoldered ones when allowed), or only those assigned to them; lists,
search, stats, timeline and conversations all respect it, counts included."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="session")

PASSWORD = "correct horse battery"


async def _user(gateway, tenant, role: str, **limits) -> dict[str, str]:
    email = f"folders-{uuid.uuid4().hex[:12]}@example.com"
    created = await gateway.client.post(
        "/api/v1/users",
        headers=tenant.headers,
        json={"email": email, "password": PASSWORD, "name": "F", "role": role, **limits},
    )
    assert created.status_code == 201, created.text
    login = await gateway.client.post(
        "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
    )
    return {"Authorization": f"Bearer {login.json()['access_token']}", "id": created.json()["id"]}


async def _customer(gateway, tenant, name: str, **patch) -> str:
    r = await gateway.client.post(
        "/api/v1/customers", headers=tenant.headers, json={"first_name": name}
    )
    assert r.status_code == 201, r.text
    if patch:
        p = await gateway.client.patch(
            f"/api/v1/customers/{r.json()['id']}",
            headers={**tenant.headers, "If-Match": r.headers["etag"]},
            json=patch,
        )
        assert p.status_code == 200, p.text
    return r.json()["id"]


async def test_folders_are_created_renamed_ordered_coloured_and_deleted(gateway) -> None:
    t = await gateway.tenant()
    h = t.headers
    leads = await gateway.client.post("/api/v1/folders", headers=h, json={"name": "New Leads"})
    assert leads.status_code == 201, leads.text
    active = await gateway.client.post(
        "/api/v1/folders", headers=h, json={"name": "Active Clients", "colour": "#22AA66"}
    )
    assert active.json()["position"] > leads.json()["position"]
    dup = await gateway.client.post("/api/v1/folders", headers=h, json={"name": "New Leads"})
    assert dup.status_code == 409
    bad = await gateway.client.post(
        "/api/v1/folders", headers=h, json={"name": "", "colour": "green"}
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"name", "colour"}
    fid = leads.json()["id"]
    moved = await gateway.client.patch(
        f"/api/v1/folders/{fid}", headers=h, json={"name": "Leads", "position": 99}
    )
    assert moved.status_code == 200 and moved.json()["name"] == "Leads"
    listed = (await gateway.client.get("/api/v1/folders", headers=h)).json()["items"]
    assert [f["name"] for f in listed] == ["Active Clients", "Leads"]
    cid = await _customer(gateway, t, "Ann", folder=fid)
    assert [f["customer_count"] for f in listed] == [0, 0]
    unknown = await gateway.client.patch(
        f"/api/v1/customers/{cid}",
        headers={
            **h,
            "If-Match": (await gateway.client.get(f"/api/v1/customers/{cid}", headers=h)).headers[
                "etag"
            ],
        },
        json={"folder": str(uuid.uuid4())},
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "folder"
    other = await gateway.tenant()
    assert (
        await gateway.client.patch(
            f"/api/v1/folders/{fid}", headers=other.headers, json={"name": "X"}
        )
    ).status_code == 404
    assert (await gateway.client.delete(f"/api/v1/folders/{fid}", headers=h)).status_code == 204
    customer = (await gateway.client.get(f"/api/v1/customers/{cid}", headers=h)).json()
    assert customer["folder"] == ""


async def test_a_user_sees_only_customers_in_permitted_folders_counts_included(gateway) -> None:
    t = await gateway.tenant()
    h = t.headers
    a = (await gateway.client.post("/api/v1/folders", headers=h, json={"name": "A"})).json()["id"]
    b = (await gateway.client.post("/api/v1/folders", headers=h, json={"name": "B"})).json()["id"]
    in_a = await _customer(gateway, t, "Alice", folder=a)
    in_b = await _customer(gateway, t, "Bob", folder=b)
    loose = await _customer(gateway, t, "Carol")
    only_a = await _user(gateway, t, "agent", folders=[a], unfoldered=False)
    a_and_loose = await _user(gateway, t, "viewer", folders=[a])
    for headers, expected in ((only_a, {in_a}), (a_and_loose, {in_a, loose})):
        hdr = {"Authorization": headers["Authorization"]}
        items = (await gateway.client.get("/api/v1/customers", headers=hdr)).json()["items"]
        assert {c["id"] for c in items} == expected
        stats = (await gateway.client.get("/api/v1/customers/stats", headers=hdr)).json()
        assert stats["total"] == len(expected)
        search = (await gateway.client.get("/api/v1/customers?q=Bob", headers=hdr)).json()
        assert search["items"] == []
        folders = (await gateway.client.get("/api/v1/folders", headers=hdr)).json()["items"]
        assert [(f["id"], f["customer_count"]) for f in folders] == [(a, 1)]
        for path in ("", "/timeline", "/notes", "/consents"):
            r = await gateway.client.get(f"/api/v1/customers/{in_b}{path}", headers=hdr)
            assert r.status_code == 404, (path, r.text)
    agent = {"Authorization": only_a["Authorization"]}
    etag = (await gateway.client.get(f"/api/v1/customers/{in_b}", headers=h)).headers["etag"]
    write = await gateway.client.patch(
        f"/api/v1/customers/{in_b}", headers={**agent, "If-Match": etag}, json={"company": "X"}
    )
    assert write.status_code == 404
    tags = await gateway.client.post(
        f"/api/v1/customers/{in_b}/tags", headers=agent, json={"add": ["x"]}
    )
    assert tags.status_code == 404
    # moving a visible customer into a folder the agent may not use is refused
    etag = (await gateway.client.get(f"/api/v1/customers/{in_a}", headers=agent)).headers["etag"]
    move = await gateway.client.patch(
        f"/api/v1/customers/{in_a}", headers={**agent, "If-Match": etag}, json={"folder": b}
    )
    assert move.status_code == 422
    # the admin still sees everything
    assert (await gateway.client.get("/api/v1/customers/stats", headers=h)).json()["total"] == 3


async def test_conversations_of_forbidden_customers_are_not_seen(gateway) -> None:
    t = await gateway.tenant()
    h = t.headers
    a = (await gateway.client.post("/api/v1/folders", headers=h, json={"name": "A"})).json()["id"]
    b = (await gateway.client.post("/api/v1/folders", headers=h, json={"name": "B"})).json()["id"]
    conversations = {}
    for name, folder in (("Ann", a), ("Ben", b)):
        email = f"{name.lower()}-{uuid.uuid4().hex[:6]}@example.com"
        ingested = await gateway.client.post(
            "/api/v1/conversations/messages",
            headers=h,
            json={
                "provider_message_id": uuid.uuid4().hex,
                "channel": "email",
                "customer": {"email": email},
                "direction": "inbound",
                "author": "customer",
                "text": f"Hello from {name}, about the refund",
                "sent_at": "2026-11-22T10:00:00Z",
            },
        )
        assert ingested.status_code == 202, ingested.text
        body = ingested.json()
        cid = body["customer_id"]
        await gateway.move_to_folder(h, cid, folder)
        conversations[name] = (cid, body["conversation_id"])
    agent = await _user(gateway, t, "agent", folders=[a], unfoldered=False)
    hdr = {"Authorization": agent["Authorization"]}
    listed = (await gateway.client.get("/api/v1/conversations", headers=hdr)).json()["items"]
    assert {c["customer_id"] for c in listed} == {conversations["Ann"][0]}
    ben_cid, ben_conv = conversations["Ben"]
    assert (
        await gateway.client.get(f"/api/v1/conversations/{ben_conv}", headers=hdr)
    ).status_code == 404
    assert (
        await gateway.client.get(f"/api/v1/conversations?customer_id={ben_cid}", headers=hdr)
    ).status_code == 404
    assert (
        await gateway.client.post(f"/api/v1/conversations/{ben_conv}/close", headers=hdr, json={})
    ).status_code == 404
    found = (
        await gateway.client.get("/api/v1/conversations/messages/search?q=refund", headers=hdr)
    ).json()
    assert {i["message"]["customer_id"] for i in found["items"]} <= {conversations["Ann"][0]}
    assert ben_cid not in found["customer_ids"]


async def test_an_agent_limited_to_assigned_customers(gateway) -> None:
    t = await gateway.tenant()
    agent = await _user(gateway, t, "agent", assigned_only=True)
    mine = await _customer(gateway, t, "Mine", workers=[agent["id"]])
    await _customer(gateway, t, "Theirs", workers=["someone-else"])
    hdr = {"Authorization": agent["Authorization"]}
    items = (await gateway.client.get("/api/v1/customers", headers=hdr)).json()["items"]
    assert [c["id"] for c in items] == [mine]
    assert (await gateway.client.get("/api/v1/customers/stats", headers=hdr)).json()["total"] == 1
