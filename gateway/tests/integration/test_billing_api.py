"""Billing routes through the gateway (in-process app, real lifespan) in front of a real
billing service on real PostgreSQL and NATS."""

import asyncio
import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import jsonschema
import pytest
import pytest_asyncio
from billing.domain.webhooks import sign
from billing.testing import migrate as migrate_billing
from billing.testing import running_billing_service
from gateway.app import create_app
from gateway.auth import Role, create_api_key, create_tenant
from gateway.cli import MIGRATIONS
from gateway.config import GatewaySettings
from gateway.permissions import Permission, allowed
from moodline_kit import migrations

pytestmark = pytest.mark.integration

SLOT = {"starts_at": "2027-05-03T10:00:00Z", "ends_at": "2027-05-03T11:00:00Z"}


@dataclass
class Api:
    client: httpx.AsyncClient
    app: object

    async def headers(self, role: Role = Role.ADMIN) -> dict[str, str]:
        engine = self.app.state.engine
        tenant_id, key = await create_tenant(engine, name="Billing test", default_country="US")
        if role is not Role.ADMIN:
            key = await create_api_key(engine, tenant_id=tenant_id, role=role)
        return {"Authorization": f"Bearer {key}"}


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def api(database_factory, infra_urls) -> AsyncIterator[Api]:
    billing_db = await database_factory("gw_billing")
    gateway_db = await database_factory("gw_billing_gateway")
    await migrate_billing(billing_db)
    await asyncio.to_thread(migrations.upgrade, MIGRATIONS, gateway_db)
    async with running_billing_service(billing_db, infra_urls.nats_url) as billing:
        settings = GatewaySettings(
            database_url=gateway_db,
            customer_addr="127.0.0.1:1",
            conversation_addr="127.0.0.1:1",
            billing_addr=billing.address,
            redis_url=infra_urls.redis_url,
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
                yield Api(client, app)


def _fields(response: httpx.Response) -> list[str]:
    assert response.headers["content-type"].startswith("application/problem+json")
    return [e["field"] for e in response.json().get("errors", [])]


async def test_twenty_concurrent_bookings_of_one_slot_one_201_the_rest_409(api):
    h = await api.headers()
    staff = (await api.client.post("/api/v1/staff", json={"name": "Mia"}, headers=h)).json()
    service = await api.client.post(
        "/api/v1/services",
        json={
            "name": "Cut & colour",
            "duration_minutes": 60,
            "price_minor": 12_000,
            "currency": "USD",
        },
        headers=h,
    )
    assert service.status_code == 201 and service.json()["status"] == "active"
    replies = await asyncio.gather(
        *(
            api.client.post(
                "/api/v1/bookings",
                json={
                    "customer_id": str(uuid.uuid4()),
                    "service_id": service.json()["id"],
                    "staff_id": staff["id"],
                    "starts_at": SLOT["starts_at"],
                    "currency": "USD",
                },
                headers=h,
            )
            for _ in range(20)
        )
    )
    codes = sorted(r.status_code for r in replies)
    assert codes == [201] + [409] * 19
    won = next(r.json() for r in replies if r.status_code == 201)
    assert won["status"] == "requested" and won["amount_minor"] == 12_000
    assert won["ends_at"] == "2027-05-03T11:00:00.000000Z"
    listed = await api.client.get(f"/api/v1/bookings?staff_id={staff['id']}", headers=h)
    assert [b["id"] for b in listed.json()["items"]] == [won["id"]]


async def test_booking_lifecycle_and_customer_value_through_the_routes(api):
    h = await api.headers()
    ann, ben = str(uuid.uuid4()), str(uuid.uuid4())
    created = await api.client.post(
        "/api/v1/bookings",
        json={
            "customer_id": ann,
            **SLOT,
            "amount_minor": 30_000,
            "currency": "USD",
            "party": [
                {"customer_id": ben, "share_minor": 10_000},
                {"name": "Guest", "share_minor": 5_000},
            ],
        },
        headers=h,
    )
    assert created.status_code == 201, created.text
    b = created.json()
    for action, status in (("confirm", "confirmed"), ("complete", "completed")):
        reply = await api.client.post(f"/api/v1/bookings/{b['id']}/{action}", headers=h)
        assert reply.json()["status"] == status
    again = await api.client.post(f"/api/v1/bookings/{b['id']}/cancel", headers=h)
    assert again.status_code == 409
    paid = await api.client.post(
        "/api/v1/payments",
        json={
            "customer_id": ann,
            "amount_minor": 30_000,
            "currency": "USD",
            "method": "card",
            "booking_id": b["id"],
        },
        headers=h,
    )
    assert paid.status_code == 201 and paid.json()["status"] == "succeeded"
    refund = await api.client.post(
        f"/api/v1/payments/{paid.json()['id']}/refund", json={"amount_minor": 2_500}, headers=h
    )
    assert refund.json()["status"] == "partially_refunded"
    ann_value = (await api.client.get(f"/api/v1/customers/{ann}/value", headers=h)).json()
    ben_value = (await api.client.get(f"/api/v1/customers/{ben}/value", headers=h)).json()
    # Ann: 30,000 - Ben's 10,000 share (the guest's share stays with her) - 2,500 refunded
    assert ann_value["lifetime_value_minor"] == 17_500
    assert ben_value["lifetime_value_minor"] == 10_000 and ben_value["purchases_count"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount_minor": -100, "currency": "USD"}, "amount_minor"),
        ({"amount_minor": 100, "currency": "QQQ"}, "currency"),
        ({"amount_minor": 100, "currency": "EUR"}, "currency"),
        ({"amount_minor": 100, "currency": "USD", "ends_at": "2027-05-03T09:00:00Z"}, "ends_at"),
    ],
)
async def test_bad_bookings_are_422_naming_the_field_and_store_nothing(api, body, field):
    h = await api.headers()
    reply = await api.client.post(
        "/api/v1/bookings",
        json={"customer_id": str(uuid.uuid4()), **SLOT, **body},
        headers=h,
    )
    assert reply.status_code == 422
    assert field in _fields(reply)
    assert (await api.client.get("/api/v1/bookings", headers=h)).json()["items"] == []


async def test_refund_above_paid_and_payment_on_void_invoice_are_422(api):
    h = await api.headers()
    customer = str(uuid.uuid4())
    invoice = await api.client.post(
        "/api/v1/invoices",
        json={
            "customer_id": customer,
            "items": [{"description": "Leak repair", "quantity": 1, "unit_price_minor": 20_000}],
            "tax_minor": 2_000,
            "currency": "USD",
        },
        headers=h,
    )
    assert invoice.status_code == 201
    inv = invoice.json()
    assert (inv["status"], inv["number"], inv["total_minor"]) == ("open", "INV-000001", 22_000)
    paid = await api.client.post(
        "/api/v1/payments",
        json={
            "customer_id": customer,
            "amount_minor": 1_000,
            "currency": "USD",
            "method": "cash",
            "invoice_id": inv["id"],
        },
        headers=h,
    )
    too_much = await api.client.post(
        f"/api/v1/payments/{paid.json()['id']}/refund", json={"amount_minor": 1_001}, headers=h
    )
    assert too_much.status_code == 422 and _fields(too_much) == ["amount_minor"]
    second = await api.client.post(
        "/api/v1/invoices",
        json={
            "customer_id": customer,
            "items": [{"description": "Call-out", "unit_price_minor": 5_000}],
            "currency": "USD",
        },
        headers=h,
    )
    voided = await api.client.post(
        f"/api/v1/invoices/{second.json()['id']}/void", json={"reason": "dup"}, headers=h
    )
    assert voided.json()["status"] == "void"
    on_void = await api.client.post(
        "/api/v1/payments",
        json={
            "customer_id": customer,
            "amount_minor": 5_000,
            "currency": "USD",
            "method": "cash",
            "invoice_id": second.json()["id"],
        },
        headers=h,
    )
    assert on_void.status_code == 422 and _fields(on_void) == ["invoice_id"]
    payments = (await api.client.get(f"/api/v1/payments?customer_id={customer}", headers=h)).json()
    assert [p["id"] for p in payments["items"]] == [paid.json()["id"]]


def _delivery(endpoint: dict, body: dict, *, ts: int | None = None, secret: str | None = None):
    raw = json.dumps(body).encode()
    ts = int(time.time()) if ts is None else ts
    return raw, {
        "Moodline-Webhook-Endpoint": endpoint["id"],
        "Moodline-Webhook-Timestamp": str(ts),
        "Moodline-Webhook-Signature": "v1=" + sign(secret or endpoint["secret"], ts, raw),
        "content-type": "application/json",
    }


async def test_webhooks_reject_bad_signatures_stale_and_replayed_events(api):
    h = await api.headers()
    endpoint = (
        await api.client.post("/api/v1/webhooks/payments/manual/endpoint", headers=h)
    ).json()
    customer = str(uuid.uuid4())
    event = {
        "id": "evt_1",
        "type": "payment.succeeded",
        "data": {
            "payment_id": "pay_1",
            "customer_id": customer,
            "amount_minor": 4_200,
            "currency": "USD",
            "method": "card",
        },
    }
    url = "/api/v1/webhooks/payments/manual"
    raw, headers = _delivery(endpoint, event, secret="whsec_wrong")
    assert (await api.client.post(url, content=raw, headers=headers)).status_code == 401
    raw, headers = _delivery(endpoint, event, ts=int(time.time()) - 301)
    assert (await api.client.post(url, content=raw, headers=headers)).status_code == 401
    raw, headers = _delivery(endpoint, event)
    tampered = raw.replace(b"4200", b"9900")
    assert (await api.client.post(url, content=tampered, headers=headers)).status_code == 401
    assert (await api.client.get(f"/api/v1/payments?customer_id={customer}", headers=h)).json()[
        "items"
    ] == []

    first = await api.client.post(url, content=raw, headers=headers)
    assert first.status_code == 200 and first.json()["status"] == "applied"
    replay = await api.client.post(url, content=raw, headers=headers)
    assert replay.json()["status"] == "duplicate"
    # the same event id re-signed now (a replay inside the window) changes nothing either
    raw2, headers2 = _delivery(endpoint, {**event, "data": {**event["data"], "amount_minor": 1}})
    assert (await api.client.post(url, content=raw2, headers=headers2)).json()[
        "status"
    ] == "duplicate"
    payments = (await api.client.get(f"/api/v1/payments?customer_id={customer}", headers=h)).json()[
        "items"
    ]
    assert [(p["amount_minor"], p["provider"]) for p in payments] == [(4_200, "manual")]

    refund = {
        "id": "evt_2",
        "type": "payment.refunded",
        "data": {"payment_id": "pay_1", "amount_minor": 200},
    }
    raw3, headers3 = _delivery(endpoint, refund)
    results = await asyncio.gather(
        *(api.client.post(url, content=raw3, headers=headers3) for _ in range(3))
    )
    assert sorted(r.json()["status"] for r in results) == ["applied", "duplicate", "duplicate"]
    value = (await api.client.get(f"/api/v1/customers/{customer}/value", headers=h)).json()
    assert value["lifetime_value_minor"] == 4_000


async def test_billing_routes_need_a_key_and_a_role_and_isolate_tenants(api):
    assert (await api.client.get("/api/v1/bookings")).status_code == 401
    viewer = await api.headers(Role.VIEWER)
    assert (await api.client.get("/api/v1/bookings", headers=viewer)).status_code == 200
    assert (
        await api.client.post("/api/v1/staff", json={"name": "Zoe"}, headers=viewer)
    ).status_code == 403
    agent = await api.headers(Role.AGENT)
    booking = {"customer_id": str(uuid.uuid4()), **SLOT, "amount_minor": 1, "currency": "USD"}
    assert (
        await api.client.post("/api/v1/bookings", json=booking, headers=agent)
    ).status_code == 201
    assert (
        await api.client.post(
            "/api/v1/services",
            json={"name": "x", "duration_minutes": 5, "price_minor": 1, "currency": "USD"},
            headers=agent,
        )
    ).status_code == 403
    h1, h2 = await api.headers(), await api.headers()
    staff = await api.client.post("/api/v1/staff", json={"name": "Leo"}, headers=h1)
    assert (
        await api.client.get(f"/api/v1/staff/{staff.json()['id']}", headers=h2)
    ).status_code == 404


async def test_patch_reschedules_and_filters_list_bookings(api):
    h = await api.headers()
    staff = (await api.client.post("/api/v1/staff", json={"name": "Ida"}, headers=h)).json()
    base = {"customer_id": str(uuid.uuid4()), "staff_id": staff["id"], "currency": "USD"}
    first = await api.client.post(
        "/api/v1/bookings", json={**base, **SLOT, "amount_minor": 5_000}, headers=h
    )
    later = {"starts_at": "2027-05-03T14:00:00Z", "ends_at": "2027-05-03T15:00:00Z"}
    second = await api.client.post(
        "/api/v1/bookings", json={**base, **later, "amount_minor": 5_000}, headers=h
    )
    clash = await api.client.patch(f"/api/v1/bookings/{second.json()['id']}", json=SLOT, headers=h)
    assert clash.status_code == 409
    moved = await api.client.patch(
        f"/api/v1/bookings/{second.json()['id']}",
        json={
            "starts_at": "2027-05-03T12:00:00Z",
            "ends_at": "2027-05-03T13:00:00Z",
            "notes": "moved",
        },
        headers=h,
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["starts_at"], moved.json()["notes"]) == (
        "2027-05-03T12:00:00.000000Z",
        "moved",
    )
    await api.client.post(f"/api/v1/bookings/{first.json()['id']}/confirm", headers=h)
    confirmed = await api.client.get("/api/v1/bookings?status=confirmed", headers=h)
    assert [b["id"] for b in confirmed.json()["items"]] == [first.json()["id"]]
    window = await api.client.get(
        "/api/v1/bookings",
        params={"from": "2027-05-03T11:00:00Z", "to": "2027-05-03T23:00:00Z"},
        headers=h,
    )
    assert [b["id"] for b in window.json()["items"]] == [second.json()["id"]]
    bad = await api.client.get("/api/v1/bookings?status=pending", headers=h)
    assert bad.status_code == 422


async def test_quotes_convert_and_subscriptions_cancel_through_the_routes(api):
    h = await api.headers()
    customer = str(uuid.uuid4())
    quote = await api.client.post(
        "/api/v1/quotes",
        json={
            "customer_id": customer,
            "items": [{"description": "Boiler swap", "quantity": 1, "unit_price_minor": 180_000}],
            "tax_minor": 18_000,
            "currency": "USD",
        },
        headers=h,
    )
    assert quote.status_code == 201 and quote.json()["status"] == "open"
    converted = await api.client.post(f"/api/v1/quotes/{quote.json()['id']}/convert", headers=h)
    assert converted.json()["status"] == "converted"
    invoice = await api.client.get(f"/api/v1/invoices/{converted.json()['invoice_id']}", headers=h)
    assert (invoice.json()["status"], invoice.json()["total_minor"]) == ("open", 198_000)
    sub = await api.client.post(
        "/api/v1/subscriptions",
        json={
            "customer_id": customer,
            "plan_name": "Annual service plan",
            "price_minor": 12_000,
            "currency": "USD",
            "interval": "yearly",
        },
        headers=h,
    )
    assert sub.status_code == 201 and sub.json()["status"] == "active"
    cancelled = await api.client.post(
        f"/api/v1/subscriptions/{sub.json()['id']}/cancel", json={"at_period_end": False}, headers=h
    )
    assert cancelled.json()["status"] == "cancelled"
    listed = await api.client.get(f"/api/v1/subscriptions?customer_id={customer}", headers=h)
    assert [s["status"] for s in listed.json()["items"]] == ["cancelled"]


async def test_orders_from_the_catalogue_are_paid_and_count_in_the_customer_value(api):
    h = await api.headers()
    customer = str(uuid.uuid4())
    service = await api.client.post(
        "/api/v1/services",
        json={
            "name": "Deep tissue",
            "duration_minutes": 60,
            "price_minor": 9_000,
            "currency": "USD",
        },
        headers=h,
    )
    body = {"customer_id": customer, "items": [{"service_id": service.json()["id"], "quantity": 2}]}
    retry = {**h, "Idempotency-Key": f"order-{uuid.uuid4()}"}
    first = await api.client.post("/api/v1/orders", json=body, headers=retry)
    again = await api.client.post("/api/v1/orders", json=body, headers=retry)
    assert first.status_code == 201, first.text
    order = first.json()
    assert again.json()["id"] == order["id"]
    assert first.headers["Location"] == f"/api/v1/orders/{order['id']}"
    assert (order["status"], order["total_minor"], order["currency"]) == ("placed", 18_000, "USD")
    assert order["items"] == [
        {
            "service_id": service.json()["id"],
            "description": "Deep tissue",
            "quantity": 2,
            "unit_price_minor": 9_000,
            "total_minor": 18_000,
        }
    ]
    pay = {"customer_id": customer, "order_id": order["id"], "currency": "USD", "method": "card"}
    too_much = await api.client.post(
        "/api/v1/payments", json={**pay, "amount_minor": 18_001}, headers=h
    )
    assert too_much.status_code == 422
    assert too_much.headers["content-type"].startswith("application/problem+json")
    assert "amount_minor" in too_much.text
    paid = await api.client.post(
        "/api/v1/payments", json={**pay, "amount_minor": 18_000}, headers=h
    )
    assert paid.status_code == 201 and paid.json()["order_id"] == order["id"]
    got = (await api.client.get(f"/api/v1/orders/{order['id']}", headers=h)).json()
    assert (got["status"], got["amount_paid_minor"], got["amount_due_minor"]) == ("paid", 18_000, 0)
    value = (await api.client.get(f"/api/v1/customers/{customer}/value", headers=h)).json()
    assert (value["lifetime_value_minor"], value["purchases_count"]) == (18_000, 1)
    listed = await api.client.get(f"/api/v1/orders?customer_id={customer}&status=paid", headers=h)
    assert [o["id"] for o in listed.json()["items"]] == [order["id"]]
    # a paid order is not cancelled; a placed one is
    assert (
        await api.client.post(f"/api/v1/orders/{order['id']}/cancel", headers=h)
    ).status_code == 409
    other = (await api.client.post("/api/v1/orders", json=body, headers=h)).json()
    cancelled = await api.client.post(
        f"/api/v1/orders/{other['id']}/cancel", json={"reason": "duplicate"}, headers=h
    )
    assert cancelled.json()["status"] == "cancelled"


@pytest.mark.parametrize(
    ("items", "field"),
    [
        (
            [{"service_id": "0f9b1c52-4c7e-4a43-9d0e-4b0f3e0a0a01", "quantity": 1}],
            "items[0].service_id",
        ),
        ([{"service_id": "nope", "quantity": 1}], "items[0].service_id"),
    ],
)
async def test_bad_orders_are_422_naming_the_field_and_store_nothing(api, items, field):
    h = await api.headers()
    customer = str(uuid.uuid4())
    bad = await api.client.post(
        "/api/v1/orders", json={"customer_id": customer, "items": items}, headers=h
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert field in bad.text
    listed = await api.client.get(f"/api/v1/orders?customer_id={customer}", headers=h)
    assert listed.json()["items"] == []


async def test_order_routes_follow_the_permission_matrix_and_isolate_tenants(api):
    engine = api.app.state.engine
    tenant, admin_key = await create_tenant(engine, name="Orders matrix", default_country="US")
    admin = {"Authorization": f"Bearer {admin_key}"}
    service = await api.client.post(
        "/api/v1/services",
        json={"name": "Trim", "duration_minutes": 15, "price_minor": 1_500, "currency": "USD"},
        headers=admin,
    )
    body = {"customer_id": str(uuid.uuid4()), "items": [{"service_id": service.json()["id"]}]}
    order = (await api.client.post("/api/v1/orders", json=body, headers=admin)).json()
    for role in Role:
        key = await create_api_key(engine, tenant_id=tenant, role=role)
        h = {"Authorization": f"Bearer {key}"}
        may_write = allowed(role, Permission.BILLING_WRITE)
        assert allowed(role, Permission.BILLING_READ)
        assert (await api.client.get("/api/v1/orders", headers=h)).status_code == 200
        assert (await api.client.get(f"/api/v1/orders/{order['id']}", headers=h)).status_code == 200
        created = await api.client.post("/api/v1/orders", json=body, headers=h)
        assert created.status_code == (201 if may_write else 403), (role, created.text)
        cancel = await api.client.post(f"/api/v1/orders/{order['id']}/cancel", headers=h)
        assert cancel.status_code in ((200, 409) if may_write else (403,)), (role, cancel.text)
    assert (await api.client.get("/api/v1/orders")).status_code == 401
    stranger = await api.headers()
    assert (
        await api.client.get(f"/api/v1/orders/{order['id']}", headers=stranger)
    ).status_code == 404
    assert (
        await api.client.post(f"/api/v1/orders/{order['id']}/cancel", headers=stranger)
    ).status_code == 404


def _operation(doc: dict, method: str, path: str) -> tuple[str, dict]:
    """The OpenAPI operation serving `method path`: (its path template, the operation)."""
    for template, operations in doc["paths"].items():
        pattern = "^" + re.sub(r"\{[^/]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in operations:
            return template, operations[method.lower()]
    raise AssertionError(f"{method} {path} is not in the OpenAPI document")


async def test_every_billing_response_matches_its_declared_model(api):
    """Each billing route declares its response model (one schema style for the gateway), and
    what it answers validates against it (the models forbid fields they do not declare)."""
    doc = api.app.openapi()
    h = await api.headers()
    customer = str(uuid.uuid4())
    seen: set[tuple[str, str]] = set()

    async def call(method: str, path: str, **kw):  # type: ignore[no-untyped-def]
        response = await api.client.request(method, path, headers=h, **kw)
        assert response.status_code < 300, (method, path, response.text)
        template, operation = _operation(doc, method, path.split("?")[0])
        declared = operation["responses"][str(response.status_code)]["content"]
        schema = declared["application/json"]["schema"]
        assert schema, f"{method} {template} declares no response model"
        # the models forbid fields they do not declare (additionalProperties: false)
        jsonschema.validate(response.json(), {**schema, "components": doc["components"]})
        seen.add((method.lower(), template))
        return response.json()

    await call("GET", "/api/v1/settings/billing")
    await call("PUT", "/api/v1/settings/billing", json={"currency": "USD"})
    service = await call(
        "POST",
        "/api/v1/services",
        json={"name": "Colour", "duration_minutes": 90, "price_minor": 12_000, "currency": "USD"},
    )
    await call("GET", "/api/v1/services")
    await call("GET", f"/api/v1/services/{service['id']}")
    staff = await call("POST", "/api/v1/staff", json={"name": "Noor"})
    await call("GET", "/api/v1/staff")
    await call("GET", f"/api/v1/staff/{staff['id']}")
    slot = {"starts_at": "2027-06-01T10:00:00Z", "ends_at": "2027-06-01T11:00:00Z"}
    party = [{"name": "Guest", "share_minor": 1_000}]
    booking = await call(
        "POST",
        "/api/v1/bookings",
        json={"customer_id": customer, "staff_id": staff["id"], "service_id": service["id"],
              **slot, "currency": "USD", "party": party},
    )  # fmt: skip
    await call("GET", "/api/v1/bookings")
    await call("GET", f"/api/v1/bookings/{booking['id']}")
    await call("PATCH", f"/api/v1/bookings/{booking['id']}", json={"notes": "n"})
    await call("POST", f"/api/v1/bookings/{booking['id']}/confirm")
    await call("POST", f"/api/v1/bookings/{booking['id']}/complete")
    for end in ("cancel", "no-show"):
        other = await call(
            "POST",
            "/api/v1/bookings",
            json={"customer_id": customer, "amount_minor": 500, "currency": "USD", **slot},
        )
        if end == "no-show":
            await call("POST", f"/api/v1/bookings/{other['id']}/confirm")
        await call("POST", f"/api/v1/bookings/{other['id']}/{end}")
    items = [{"description": "Parts", "quantity": 2, "unit_price_minor": 2_500}]
    invoice = await call(
        "POST",
        "/api/v1/invoices",
        json={"customer_id": customer, "items": items, "currency": "USD", "draft": True},
    )
    await call("POST", f"/api/v1/invoices/{invoice['id']}/issue")
    await call("GET", "/api/v1/invoices")
    await call("GET", f"/api/v1/invoices/{invoice['id']}")
    payment = await call(
        "POST",
        "/api/v1/payments",
        json={"customer_id": customer, "invoice_id": invoice["id"], "amount_minor": 5_000,
              "currency": "USD", "method": "card"},
    )  # fmt: skip
    await call("GET", "/api/v1/payments")
    await call("GET", f"/api/v1/payments/{payment['id']}")
    await call("POST", f"/api/v1/payments/{payment['id']}/refund", json={"amount_minor": 100})
    draft = await call(
        "POST",
        "/api/v1/invoices",
        json={"customer_id": customer, "items": items, "currency": "USD"},
    )
    await call("POST", f"/api/v1/invoices/{draft['id']}/void")
    quote = await call(
        "POST", "/api/v1/quotes", json={"customer_id": customer, "items": items, "currency": "USD"}
    )
    await call("GET", "/api/v1/quotes")
    await call("GET", f"/api/v1/quotes/{quote['id']}")
    await call("POST", f"/api/v1/quotes/{quote['id']}/convert")
    declined = await call(
        "POST", "/api/v1/quotes", json={"customer_id": customer, "items": items, "currency": "USD"}
    )
    await call("POST", f"/api/v1/quotes/{declined['id']}/decline")
    order = await call(
        "POST",
        "/api/v1/orders",
        json={"customer_id": customer, "items": [{"service_id": service["id"]}]},
    )
    await call("GET", "/api/v1/orders")
    await call("GET", f"/api/v1/orders/{order['id']}")
    await call("POST", f"/api/v1/orders/{order['id']}/cancel")
    sub = await call(
        "POST",
        "/api/v1/subscriptions",
        json={"customer_id": customer, "plan_name": "Plan", "price_minor": 900,
              "currency": "USD", "interval": "monthly"},
    )  # fmt: skip
    await call("GET", "/api/v1/subscriptions")
    await call("GET", f"/api/v1/subscriptions/{sub['id']}")
    await call("POST", f"/api/v1/subscriptions/{sub['id']}/cancel")
    await call("GET", f"/api/v1/customers/{customer}/value")
    endpoint = await call("POST", "/api/v1/webhooks/payments/manual/endpoint")
    body = json.dumps(
        {"id": f"evt-{uuid.uuid4()}", "type": "payment.succeeded",
         "data": {"payment_id": f"p-{uuid.uuid4()}", "customer_id": customer,
                  "amount_minor": 300, "currency": "USD"}}
    ).encode()  # fmt: skip
    stamp = str(int(time.time()))
    h = {
        "Moodline-Webhook-Endpoint": endpoint["id"],
        "Moodline-Webhook-Timestamp": stamp,
        "Moodline-Webhook-Signature": "v1=" + sign(endpoint["secret"], stamp, body),
    }
    await call("POST", "/api/v1/webhooks/payments/manual", content=body)
    # every billing route (tags billing, webhooks) was called and checked
    declared = {
        (method, template)
        for template, operations in doc["paths"].items()
        for method, operation in operations.items()
        if {"billing", "webhooks"} & set(operation.get("tags", ()))
    }
    assert declared <= seen, declared - seen
