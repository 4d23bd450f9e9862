import pytest
from gateway.auth import Role

pytestmark = pytest.mark.integration

ANN = {
    "first_name": "Ann",
    "last_name": "Lee",
    "company": "Glow Salon",
    "phones": [{"number": "(415) 555-2671", "primary": True}],
    "emails": [{"address": "Ann.Lee@Example.com", "primary": True}],
}


async def test_create_get_and_search_by_partial_phone(gateway):
    t = await gateway.tenant()
    created = await gateway.client.post("/api/v1/customers", json=ANN, headers=t.headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["location"] == f"/api/v1/customers/{body['id']}"
    assert body["phones"] == [{"number": "+14155552671", "primary": True}]
    assert body["emails"] == [{"address": "ann.lee@example.com", "primary": True}]
    assert body.pop("likely_duplicates") == []
    got = await gateway.client.get(f"/api/v1/customers/{body['id']}", headers=t.headers)
    assert got.json() == body
    for q in ("555-26", "4155552671", "+1 415 555", "ann.lee", "GLOW", "lee"):
        found = await gateway.client.get("/api/v1/customers", params={"q": q}, headers=t.headers)
        assert [c["id"] for c in found.json()["items"]] == [body["id"]], q
    short = await gateway.client.get("/api/v1/customers", params={"q": "an"}, headers=t.headers)
    assert short.status_code == 422
    assert [e["field"] for e in short.json()["errors"]] == ["q"]


async def test_national_numbers_use_the_tenant_default_country(gateway):
    t = await gateway.tenant(country="GB")
    created = await gateway.client.post(
        "/api/v1/customers",
        headers=t.headers,
        json={"first_name": "Liam", "phones": [{"number": "07911 123456", "primary": True}]},
    )
    assert created.json()["phones"][0]["number"] == "+447911123456"


async def test_cursor_pagination(gateway):
    t = await gateway.tenant()
    for i in range(5):
        await gateway.client.post(
            "/api/v1/customers", json={"first_name": f"P{i}"}, headers=t.headers
        )
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (
            await gateway.client.get("/api/v1/customers", params=params, headers=t.headers)
        ).json()
        seen += [c["first_name"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["P4", "P3", "P2", "P1", "P0"]
    bad = await gateway.client.get(
        "/api/v1/customers", params={"cursor": "garbage"}, headers=t.headers
    )
    assert bad.status_code == 422


async def test_a_tenant_key_never_reads_another_tenants_customer(gateway):
    mine, theirs = await gateway.tenant(), await gateway.tenant()
    created = (
        await gateway.client.post("/api/v1/customers", json=ANN, headers=mine.headers)
    ).json()
    other = await gateway.client.get(f"/api/v1/customers/{created['id']}", headers=theirs.headers)
    assert other.status_code == 404
    assert other.headers["content-type"] == "application/problem+json"
    listed = await gateway.client.get(
        "/api/v1/customers", params={"q": "Ann"}, headers=theirs.headers
    )
    assert listed.json()["items"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"last_name": "Lee"}, "first_name"),
        ({"first_name": ""}, "first_name"),
        ({"first_name": "Ann", "emails": [{"address": "not-an-email"}]}, "emails[0].address"),
        ({"first_name": "Ann", "phones": [{"number": "12"}]}, "phones[0].number"),
        ({"first_name": "Ann", "phones": [{"number": "abc"}]}, "phones[0].number"),
        ({"first_name": "Ann", "nickname": "A"}, "nickname"),
        ({"first_name": "Ann", "phones": [{"number": "4155552671", "ext": 1}]}, "phones[0].ext"),
        ({"first_name": "Ann", "phones": "4155552671"}, "phones"),
    ],
)
async def test_bad_input_is_a_422_problem_naming_the_field_and_nothing_is_stored(
    gateway, body, field
):
    t = await gateway.tenant()
    response = await gateway.client.post("/api/v1/customers", json=body, headers=t.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and problem["title"] and problem["detail"]
    assert field in {e["field"] for e in problem["errors"]}
    listed = await gateway.client.get("/api/v1/customers", headers=t.headers)
    assert listed.json()["items"] == []


async def test_oversized_bodies_are_413_and_malformed_ones_422(gateway):
    t = await gateway.tenant()
    huge = {"first_name": "Ann", "company": "x" * 20_000}
    too_big = await gateway.client.post("/api/v1/customers", json=huge, headers=t.headers)
    assert too_big.status_code == 413
    assert too_big.headers["content-type"] == "application/problem+json"
    broken = await gateway.client.post(
        "/api/v1/customers",
        content=b'{"first_name": ',
        headers={**t.headers, "content-type": "application/json"},
    )
    assert broken.status_code == 422


async def test_authentication_and_roles(gateway):
    t = await gateway.tenant()
    missing = await gateway.client.get("/api/v1/customers")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    wrong = await gateway.client.get(
        "/api/v1/customers", headers={"Authorization": "Bearer mdl_nope"}
    )
    assert wrong.status_code == 401
    viewer = await gateway.tenant(role=Role.VIEWER)
    assert (
        await gateway.client.get("/api/v1/customers", headers=viewer.headers)
    ).status_code == 200
    denied = await gateway.client.post("/api/v1/customers", json=ANN, headers=viewer.headers)
    assert denied.status_code == 403
    assert denied.headers["content-type"] == "application/problem+json"
    assert (await gateway.client.get("/api/v1/customers", headers=t.headers)).status_code == 200


async def test_health_readiness_and_openapi(gateway):
    assert (await gateway.client.get("/healthz")).json() == {"status": "ok"}
    ready = await gateway.client.get("/readyz")
    assert ready.status_code == 200, ready.text
    spec = (await gateway.client.get("/openapi.json")).json()
    assert {"/api/v1/customers", "/api/v1/customers/{customer_id}"} <= set(spec["paths"])
