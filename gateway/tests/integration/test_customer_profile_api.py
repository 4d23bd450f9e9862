import pytest

pytestmark = pytest.mark.integration

ANN = {
    "first_name": "Ann",
    "last_name": "Lee",
    "phones": [{"number": "(415) 555-2671", "primary": True}],
    "emails": [{"address": "ann@example.com"}],
}


async def create(gateway, t, body=ANN):
    response = await gateway.client.post("/api/v1/customers", json=body, headers=t.headers)
    assert response.status_code == 201, response.text
    return response


async def test_patch_needs_the_current_etag(gateway):
    t = await gateway.tenant()
    created = await create(gateway, t)
    cid, tag = created.json()["id"], created.headers["etag"]
    url = f"/api/v1/customers/{cid}"
    folder = await gateway.client.post(
        "/api/v1/folders", json={"name": "New Leads"}, headers=t.headers
    )
    missing = await gateway.client.patch(url, json={"company": "X"}, headers=t.headers)
    assert missing.status_code == 428
    assert missing.json()["title"] == "Precondition Required"
    ok = await gateway.client.patch(
        url,
        json={
            "company": "Glow",
            "folder": folder.json()["id"],
            "tags": ["VIP-candidate", "vip-candidate", "color"],
            "workers": ["staff-1"],
            "call_status": "spoke",
            "preferred_channel": "whatsapp",
            "language": "pt-BR",
            "timezone": "Europe/Lisbon",
            "addresses": [{"line1": "1 Main St", "city": "SF", "country": "us"}],
        },
        headers={**t.headers, "If-Match": tag},
    )
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert body["tags"] == ["vip-candidate", "color"]
    assert body["addresses"][0]["country"] == "US"
    assert ok.headers["etag"] != tag and body["version"] == 2
    stale = await gateway.client.patch(
        url, json={"company": "Other"}, headers={**t.headers, "If-Match": tag}
    )
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    got = await gateway.client.get(url, headers=t.headers)
    assert got.json()["company"] == "Glow" and got.headers["etag"] == ok.headers["etag"]


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"phones": [{"number": "+1 415 555 01"}]}, "phones[0].number"),
        ({"emails": [{"address": "nope"}]}, "emails[0].address"),
        ({"custom_fields": {"unknown_key": "x"}}, "custom_fields.unknown_key"),
        ({"custom_fields": {"visits": "many"}}, "custom_fields.visits"),
        ({"custom_fields": {"plan": "platinum"}}, "custom_fields.plan"),
        ({"timezone": "Mars/Base"}, "timezone"),
        ({"call_status": "maybe"}, "call_status"),
        ({"nickname": "A"}, "nickname"),
    ],
)
async def test_bad_patches_are_422_naming_the_field_and_write_nothing(gateway, patch, field):
    t = await gateway.tenant()
    for key, kind, options in (("visits", "number", []), ("plan", "dropdown", ["gold"])):
        r = await gateway.client.put(
            f"/api/v1/custom-fields/{key}",
            json={"type": kind, "options": options},
            headers=t.headers,
        )
        assert r.status_code == 200, r.text
    created = await create(gateway, t)
    url = f"/api/v1/customers/{created.json()['id']}"
    response = await gateway.client.patch(
        url,
        json={"company": "Written?", **patch},
        headers={**t.headers, "If-Match": created.headers["etag"]},
    )
    assert response.status_code == 422, response.text
    assert field in {e["field"] for e in response.json()["errors"]}
    after = await gateway.client.get(url, headers=t.headers)
    assert after.json()["company"] == "" and after.json()["version"] == 1


async def test_custom_fields_are_typed_and_filterable(gateway):
    t = await gateway.tenant()
    for key, kind, options in (("visits", "number", []), ("plan", "dropdown", ["gold", "basic"])):
        await gateway.client.put(
            f"/api/v1/custom-fields/{key}",
            json={"type": kind, "options": options},
            headers=t.headers,
        )
    created = await create(gateway, t)
    await create(gateway, t, {"first_name": "Bob"})
    ok = await gateway.client.patch(
        f"/api/v1/customers/{created.json()['id']}",
        json={"custom_fields": {"visits": 3, "plan": "gold"}},
        headers={**t.headers, "If-Match": created.headers["etag"]},
    )
    assert ok.json()["custom_fields"] == {"visits": 3, "plan": "gold"}
    found = await gateway.client.get(
        "/api/v1/customers", params={"cf.plan": "gold", "cf.visits": "3"}, headers=t.headers
    )
    assert [c["first_name"] for c in found.json()["items"]] == ["Ann"]
    unknown = await gateway.client.get(
        "/api/v1/customers", params={"cf.colour": "red"}, headers=t.headers
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "custom_fields.colour"


@pytest.mark.parametrize(("param", "value"), [("segment", "rich"), ("sort", "height")])
async def test_unknown_segment_or_sort_is_422_naming_the_param(gateway, param, value):
    t = await gateway.tenant()
    response = await gateway.client.get(
        "/api/v1/customers", params={param: value}, headers=t.headers
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [param]


async def test_sorts_segments_stats_and_cursor_per_sort(gateway):
    t = await gateway.tenant()
    for name in ("Cara", "abe", "Bea"):
        await create(gateway, t, {"first_name": name})
    seen, cursor = [], None
    while True:
        params = {"sort": "name", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await gateway.client.get("/api/v1/customers", params=params, headers=t.headers)
        seen += [c["first_name"] for c in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if not cursor:
            break
    assert seen == ["abe", "Bea", "Cara"]
    vip_target = (await gateway.client.get("/api/v1/customers", headers=t.headers)).json()["items"][
        0
    ]
    await gateway.client.patch(
        f"/api/v1/customers/{vip_target['id']}",
        json={"vip": True},
        headers={**t.headers, "If-Match": f'W/"{vip_target["version"]}"'},
    )
    vips = await gateway.client.get(
        "/api/v1/customers", params={"segment": "vip"}, headers=t.headers
    )
    assert [c["id"] for c in vips.json()["items"]] == [vip_target["id"]]
    assert vips.json()["items"][0]["lifecycle_stage"] == "vip"
    recent = await gateway.client.get(
        "/api/v1/customers", params={"segment": "recent"}, headers=t.headers
    )
    assert len(recent.json()["items"]) == 3
    stats = (await gateway.client.get("/api/v1/customers/stats", headers=t.headers)).json()
    assert stats == {
        "total": 3,
        "vip": 1,
        "happy": 0,
        "problem": 0,
        "total_ltv_minor": 0,
        "average_ltv_minor": 0,
    }


async def test_tags_consent_notes_relations_timeline_and_delete(gateway):
    t = await gateway.tenant()
    ann = (await create(gateway, t)).json()
    kid = (await create(gateway, t, {"first_name": "Kid"})).json()
    base = f"/api/v1/customers/{ann['id']}"
    tagged = await gateway.client.post(f"{base}/tags", json={"add": ["Loyal"]}, headers=t.headers)
    assert tagged.json()["tags"] == ["loyal"]
    listed = await gateway.client.get(
        "/api/v1/customers", params={"tag": "loyal"}, headers=t.headers
    )
    assert [c["id"] for c in listed.json()["items"]] == [ann["id"]]
    for granted in (True, False):
        r = await gateway.client.post(
            f"{base}/consents",
            json={"kind": "marketing", "granted": granted, "source": "web"},
            headers=t.headers,
        )
        assert r.status_code == 200, r.text
    assert r.json()["consents"][0]["granted"] is False
    history = (await gateway.client.get(f"{base}/consents", headers=t.headers)).json()["items"]
    assert [h["granted"] for h in history] == [False, True]
    bad = await gateway.client.post(
        f"{base}/consents", json={"kind": "telepathy", "granted": True}, headers=t.headers
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "kind"
    note = await gateway.client.post(
        f"{base}/notes", json={"text": "Prefers mornings", "author": "sam"}, headers=t.headers
    )
    assert note.status_code == 201
    related = await gateway.client.put(
        f"{base}/children/{kid['id']}", json={"label": "family"}, headers=t.headers
    )
    assert related.json()["relations"] == [
        {"customer_id": kid["id"], "role": "child", "label": "family"}
    ]
    cycle = await gateway.client.put(
        f"/api/v1/customers/{kid['id']}/children/{ann['id']}", json={}, headers=t.headers
    )
    assert cycle.status_code == 422
    feed = (await gateway.client.get(f"{base}/timeline", headers=t.headers)).json()["items"]
    kinds = [e["kind"] for e in feed]
    assert kinds[0] == "relation" and {"note", "consent", "profile"} <= set(kinds)
    page = (await gateway.client.get(f"{base}/timeline?limit=2", headers=t.headers)).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    unconfirmed = await gateway.client.delete(base, headers=t.headers)
    assert unconfirmed.status_code == 422
    assert unconfirmed.json()["errors"][0]["field"] == "confirm"
    gone = await gateway.client.delete(f"{base}?confirm=true", headers=t.headers)
    assert gone.status_code == 204
    assert (await gateway.client.get(base, headers=t.headers)).status_code == 404
    stats = (await gateway.client.get("/api/v1/customers/stats", headers=t.headers)).json()
    assert stats["total"] == 1


async def test_a_list_item_is_the_customer_as_get_shows_it(gateway):
    """The list maps database rows straight to messages (no aggregate): every field must come
    out as GET /customers/{id} shows it, but relations and stage history (a list has neither)."""
    t = await gateway.tenant()
    await gateway.client.put(
        "/api/v1/custom-fields/visits", json={"type": "number"}, headers=t.headers
    )
    created = await create(gateway, t)
    url = f"/api/v1/customers/{created.json()['id']}"
    folder = await gateway.client.post(
        "/api/v1/folders", json={"name": "New Leads"}, headers=t.headers
    )
    patched = await gateway.client.patch(
        url,
        json={
            "company": "Glow",
            "folder": folder.json()["id"],
            "tags": ["loyal", "spa"],
            "workers": ["staff-1"],
            "call_status": "spoke",
            "preferred_channel": "whatsapp",
            "preferred_contact_time": "mornings",
            "language": "pt-BR",
            "timezone": "Europe/Lisbon",
            "addresses": [{"label": "home", "line1": "1 Main St", "city": "SF", "country": "us"}],
            "custom_fields": {"visits": 3},
            "vip": True,
        },
        headers={**t.headers, "If-Match": created.headers["etag"]},
    )
    assert patched.status_code == 200, patched.text
    consent = await gateway.client.post(
        f"{url}/consents",
        json={"kind": "marketing", "granted": True, "source": "web form"},
        headers=t.headers,
    )
    assert consent.status_code == 200, consent.text
    got = (await gateway.client.get(url, headers=t.headers)).json()
    items = (await gateway.client.get("/api/v1/customers", headers=t.headers)).json()["items"]
    assert len(items) == 1
    assert got["consents"] and got["addresses"] and got["custom_fields"] and got["vip"]
    assert items[0] == {**got, "relations": [], "stage_history": []}
