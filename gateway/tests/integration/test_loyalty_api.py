"""/api/v1/loyalty through the gateway on real customer and loyalty services (real PostgreSQL):
1,000 concurrent mixed adjustments on one enrolment end at the exact balance and replaying
every key changes nothing; bad input is a 422 naming the field with nothing stored; a
customer's programs; removal needs confirm; bulk enrolment; tenancy."""

import asyncio
import uuid

import pytest
from gateway.auth import Role

pytestmark = pytest.mark.integration

PROGRAMS = "/api/v1/loyalty/programs"


async def customer(gw, t) -> str:
    r = await gw.client.post(
        "/api/v1/customers",
        json={"first_name": "Ann", "emails": [{"address": f"{uuid.uuid4().hex}@example.com"}]},
        headers=t.headers,
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def program(gw, t, **extra) -> dict:
    body = {"name": "Stars", "kind": "points", "currency": "USD", **extra}
    r = await gw.client.post(PROGRAMS, json=body, headers=t.headers)
    assert r.status_code == 201, r.text
    return r.json()


async def enrol(gw, t, customer_id, program_id, **extra) -> dict:
    r = await gw.client.post(
        f"/api/v1/customers/{customer_id}/loyalty",
        json={"program_id": program_id, **extra},
        headers=t.headers,
    )
    assert r.status_code == 201, r.text
    return r.json()


async def test_1000_concurrent_adjustments_end_exact_and_replays_change_nothing(gateway):
    t = await gateway.tenant()
    p = await program(gateway, t)
    e = await enrol(gateway, t, await customer(gateway, t), p["id"], starting_balance=1000)
    url = f"/api/v1/loyalty/enrolments/{e['id']}/adjustments"
    bodies = [
        {"points": 3, "reason": "earned", "idempotency_key": f"earn-{i}"}
        if i % 2
        else {"points": -2, "reason": "redeemed", "idempotency_key": f"redeem-{i}"}
        for i in range(1000)
    ]

    async def send(body):
        r = await gateway.client.post(url, json=body, headers=t.headers)
        return r.status_code, r.json()

    first = await asyncio.gather(*(send(b) for b in bodies))
    assert {status for status, _ in first} == {201}
    expected = 1000 + 500 * 3 - 500 * 2
    got = (
        await gateway.client.get(f"/api/v1/loyalty/enrolments/{e['id']}", headers=t.headers)
    ).json()
    assert got["balance"] == expected and got["ledger_sequence"] == 1001
    # The ledger is the balance: every entry's balance_after follows from the one before.
    entries, cursor = [], None
    while True:
        params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        page = (
            await gateway.client.get(
                f"/api/v1/loyalty/enrolments/{e['id']}/ledger", params=params, headers=t.headers
            )
        ).json()
        entries += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert [x["sequence"] for x in entries] == list(range(1001, 0, -1))
    running = 0
    for x in reversed(entries):
        running += x["points"]
        assert x["balance_after"] == running
    assert running == expected

    replays = await asyncio.gather(*(send(b) for b in bodies))
    assert {status for status, _ in replays} == {200}
    assert all(body["replayed"] for _, body in replays)
    assert [b["entry"]["id"] for _, b in replays] == [b["entry"]["id"] for _, b in first]
    got = (
        await gateway.client.get(f"/api/v1/loyalty/enrolments/{e['id']}", headers=t.headers)
    ).json()
    assert got["balance"] == expected and got["ledger_sequence"] == 1001


async def test_bad_input_is_422_naming_the_field_and_nothing_is_stored(gateway):
    t = await gateway.tenant()
    client = gateway.client
    p = await program(gateway, t)
    c = await customer(gateway, t)
    cases = [
        ({"program_id": str(uuid.uuid4())}, "program_id"),
        ({"program_id": p["id"], "starting_balance": -5}, "starting_balance"),
        ({"program_id": p["id"], "expires_on": "2020-01-01"}, "expires_on"),
        ({"program_id": p["id"], "expires_on": "31/12/2030"}, "expires_on"),
    ]
    for body, field in cases:
        r = await client.post(f"/api/v1/customers/{c}/loyalty", json=body, headers=t.headers)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert field in [e["field"] for e in r.json()["errors"]], r.text
    listed = (
        await client.get(f"/api/v1/customers/{c}/loyalty?include_ended=true", headers=t.headers)
    ).json()
    assert listed["items"] == []

    e = await enrol(gateway, t, c, p["id"], starting_balance=40)
    url = f"/api/v1/loyalty/enrolments/{e['id']}/adjustments"
    r = await client.post(
        url, json={"points": -41, "reason": "redeemed", "idempotency_key": "x"}, headers=t.headers
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "points", "message": "exceeds the available balance of 40"}
    ]
    for body, field in (
        ({"points": 0, "reason": "earned", "idempotency_key": "y"}, "points"),
        ({"points": 5, "reason": "expired", "idempotency_key": "y"}, "reason"),
        ({"points": 5, "reason": "earned"}, "idempotency_key"),
        ({"points": 5, "reason": "redeemed", "idempotency_key": "y"}, "points"),
    ):
        r = await client.post(url, json=body, headers=t.headers)
        assert r.status_code == 422 and field in [x["field"] for x in r.json()["errors"]], r.text
    ledger = (
        await client.get(f"/api/v1/loyalty/enrolments/{e['id']}/ledger", headers=t.headers)
    ).json()
    assert [x["points"] for x in ledger["items"]] == [40]

    r = await client.post(PROGRAMS, json={"name": "Credit", "kind": "credits"}, headers=t.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "currency"
    r = await client.post(PROGRAMS, json={"name": "X", "kind": "miles"}, headers=t.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"
    r = await client.post(
        PROGRAMS,
        json={"name": "X", "kind": "points", "expiry_policy": "after_days"},
        headers=t.headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "expire_after_days"


async def test_customer_programs_update_remove_and_replay_conflict(gateway):
    t = await gateway.tenant()
    client = gateway.client
    p = await program(gateway, t, expiry_policy="after_days", expire_after_days=365)
    c = await customer(gateway, t)
    e = await enrol(gateway, t, c, p["id"], starting_balance=50, notes="walk-in")
    assert e["balance"] == 50 and e["program_name"] == "Stars" and e["kind"] == "points"
    assert e["next_expiry_amount"] == 50 and e["next_expiry_at"]
    r = await client.post(
        f"/api/v1/customers/{c}/loyalty", json={"program_id": p["id"]}, headers=t.headers
    )
    assert r.status_code == 409

    url = f"/api/v1/loyalty/enrolments/{e['id']}/adjustments"
    body = {"points": -20, "reason": "redeemed", "idempotency_key": "once", "note": "coffee"}
    r = await client.post(url, json=body, headers=t.headers)
    assert r.status_code == 201 and r.json()["entry"]["draws"][0]["points"] == 20
    r = await client.post(url, json={**body, "points": -21}, headers=t.headers)
    assert r.status_code == 409

    r = await client.patch(
        f"/api/v1/loyalty/enrolments/{e['id']}",
        json={"expires_on": "2099-12-31", "notes": "regular"},
        headers=t.headers,
    )
    assert r.status_code == 200 and r.json()["expires_on"] == "2099-12-31"
    mine = (await client.get(f"/api/v1/customers/{c}/loyalty", headers=t.headers)).json()
    (item,) = mine["items"]
    assert item["balance"] == 30 and item["notes"] == "regular" and item["last_activity_at"]

    r = await client.delete(f"/api/v1/loyalty/enrolments/{e['id']}", headers=t.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "confirm"
    r = await client.delete(f"/api/v1/loyalty/enrolments/{e['id']}?confirm=true", headers=t.headers)
    assert r.status_code == 200 and r.json()["status"] == "removed"
    assert (await client.get(f"/api/v1/customers/{c}/loyalty", headers=t.headers)).json()[
        "items"
    ] == []

    other = await gateway.tenant()
    for path in (
        f"/api/v1/loyalty/enrolments/{e['id']}",
        f"{PROGRAMS}/{p['id']}",
        f"/api/v1/customers/{c}/loyalty",
    ):
        assert (await client.get(path, headers=other.headers)).status_code == 404
    viewer = await gateway.tenant(role=Role.VIEWER)
    r = await client.post(PROGRAMS, json={"name": "V", "kind": "points"}, headers=viewer.headers)
    assert r.status_code == 403


async def test_programs_update_archive_and_bulk_enrolment(gateway):
    t = await gateway.tenant()
    client = gateway.client
    p = await program(
        gateway,
        t,
        earn_rules=[
            {"trigger": "payment_succeeded", "amount_per_unit": 1, "spend_unit_minor": 100}
        ],
    )
    r = await client.patch(
        f"{PROGRAMS}/{p['id']}",
        json={"rounding": "nearest", "min_redemption": 10},
        headers=t.headers,
    )
    assert r.status_code == 200 and r.json()["rounding"] == "nearest"
    assert r.json()["earn_rules"][0]["amount_per_unit"] == 1
    customers = [await customer(gateway, t) for _ in range(3)]
    body = {
        "starting_balance": 25,
        "entries": [{"customer_id": c} for c in customers] + [{"customer_id": "bogus"}],
    }
    url = f"{PROGRAMS}/{p['id']}/enrolments:bulk"
    first = (await client.post(url, json=body, headers=t.headers)).json()
    assert (first["enrolled"], first["already_enrolled"], first["failed"]) == (3, 0, 1)
    again = (await client.post(url, json=body, headers=t.headers)).json()
    assert (again["enrolled"], again["already_enrolled"]) == (0, 3)
    listed = (
        await client.get(f"/api/v1/customers/{customers[0]}/loyalty", headers=t.headers)
    ).json()
    assert listed["items"][0]["balance"] == 25
    r = await client.post(f"{PROGRAMS}/{p['id']}/archive", headers=t.headers)
    assert r.status_code == 200 and r.json()["archived"]
    assert (await client.get(PROGRAMS, headers=t.headers)).json()["items"] == []
    assert (
        len(
            (await client.get(PROGRAMS + "?include_archived=true", headers=t.headers)).json()[
                "items"
            ]
        )
        == 1
    )
