"""Every input that once produced a 500 or a partial write (issue "Hardening"), replayed against
the real services: none answers 5xx, each is refused with the documented 4xx, and none leaves a
row behind — checked in the customer, conversation and sentiment databases."""

import base64
import json
import uuid

import grpc
import pytest
import sqlalchemy as sa
from moodline.customer.v1 import customer_pb2
from moodline_kit.db import create_engine
from moodline_kit.grpc.client import tenant_metadata

pytestmark = pytest.mark.integration

NUL = "\u0000"
BIG_ID = "a" * 9 * 1024


def _cursor(*parts: object) -> str:
    raw = json.dumps(list(parts), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _message(phone: str, **changes: object) -> dict:
    message = {
        "provider_message_id": f"hostile-{uuid.uuid4().hex}",
        "channel": "sms",
        "customer": {"phone": phone, "display_name": "Hostile"},
        "direction": "inbound",
        "author": "customer",
        "text": "Where is my order?",
        "sent_at": "2026-11-22T10:00:00Z",
    }
    return message | changes


async def _rows(url: str, table: str, tenant_id: uuid.UUID) -> int:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return await conn.scalar(
                sa.text(f"SELECT count(*) FROM {table} WHERE tenant_id = :t"), {"t": tenant_id}
            )
    finally:
        await engine.dispose()


async def test_every_listed_input_is_refused_without_5xx_or_rows(sentiment_gateway):
    gw = sentiment_gateway
    t = await gw.tenant()
    h = t.headers
    created = await gw.client.post("/api/v1/customers", json={"first_name": "Ann"}, headers=h)
    assert created.status_code == 201, created.text
    c = created.json()
    etag = created.headers["etag"]
    ghost = str(uuid.uuid4())
    json_h = {**h, "content-type": "application/json"}

    # (method, path, keyword arguments, expected status)
    cases: list[tuple[str, str, dict, int]] = [
        # integers beyond the contract's int32 / int64
        ("GET", "/api/v1/customers", {"params": {"min_conversations": 2**31}}, 422),
        ("GET", "/api/v1/customers", {"params": {"min_ltv": 2**63}}, 422),
        ("PATCH", "/api/v1/settings/customers", {"json": {"high_value_ltv_minor": 2**63}}, 422),
        (
            "PATCH",
            f"/api/v1/customers/{c['id']}",
            {"json": {"first_name": "X"}, "headers": {"If-Match": 'W/"9223372036854775808"'}},
            412,
        ),
        (
            "GET",
            "/api/v1/customers",
            {"params": {"sort": "ltv", "cursor": _cursor("ltv", 10**30, ghost)}},
            422,
        ),
        (
            "GET",
            "/api/v1/customers",
            {"params": {"sort": "conversations", "cursor": _cursor("conversations", 2**40, ghost)}},
            422,
        ),
        (
            "GET",
            "/api/v1/customers",
            {"params": {"sort": "name", "cursor": _cursor("name", NUL, ghost)}},
            422,
        ),
        # NUL in a name, tag, note, override reason, message text, search q, agent_id
        ("POST", "/api/v1/customers", {"json": {"first_name": f"A{NUL}n"}}, 422),
        ("POST", f"/api/v1/customers/{c['id']}/tags", {"json": {"add": [f"v{NUL}ip"]}}, 422),
        ("POST", f"/api/v1/customers/{c['id']}/notes", {"json": {"text": f"n{NUL}"}}, 422),
        (
            "PUT",
            f"/api/v1/sentiment/customers/{c['id']}/override",
            {"json": {"label": "Happy", "reason": f"r{NUL}"}},
            422,
        ),
        (
            "POST",
            "/api/v1/conversations/messages",
            {"json": _message("+14155550101", text=f"hi{NUL}")},
            422,
        ),
        ("GET", "/api/v1/conversations/messages/search", {"params": {"q": f"or{NUL}der"}}, 422),
        ("GET", "/api/v1/customers", {"params": {"q": f"An{NUL}n"}}, 422),
        ("GET", "/api/v1/conversations", {"params": {"agent_id": f"a{NUL}"}}, 422),
        # a lone surrogate (not encodable as UTF-8)
        ("POST", "/api/v1/customers", {"content": b'{"first_name": "A\\ud800"}'}, 422),
        # timestamps at the edges of the calendar
        (
            "POST",
            "/api/v1/conversations/messages",
            {"json": _message("+14155550102", sent_at="0001-01-01T00:00:00+14:00")},
            422,
        ),
        (
            "GET",
            "/api/v1/conversations",
            {"params": {"started_before": "9999-12-31T23:59:59-14:00"}},
            422,
        ),
        (
            "GET",
            "/api/v1/conversations/messages/search",
            {"params": {"q": "order", "sent_after": "0001-01-01T00:00:00+14:00"}},
            422,
        ),
        # NaN, Infinity, 1e309 in custom fields
        *[
            (
                "PATCH",
                f"/api/v1/customers/{c['id']}",
                {"content": b'{"custom_fields": {"x": %s}}' % v, "headers": {"If-Match": etag}},
                422,
            )
            for v in (b"NaN", b"Infinity", b"-Infinity", b"1e309")
        ],
        # ids: NUL, 9 KB, not a UUID
        ("GET", "/api/v1/sentiment/messages/%00", {}, 422),
        ("GET", f"/api/v1/sentiment/messages/{BIG_ID}", {}, 422),
        ("GET", f"/api/v1/customers/{BIG_ID}", {}, 422),
        ("GET", "/api/v1/conversations", {"params": {"customer_id": BIG_ID}}, 422),
        # a batch with one bad item fails whole before anything is stored
        (
            "POST",
            "/api/v1/conversations/messages/batch",
            {
                "json": {
                    "messages": [_message("+14155550103"), _message("+14155550104", text=f"x{NUL}")]
                }
            },
            422,
        ),
        # sentiment endpoints: unknown fields, phantom overrides
        (
            "PUT",
            "/api/v1/sentiment/customers/ghost-xyz/override",
            {"json": {"label": "Happy", "reason": "r", "surprise": 1}},
            422,
        ),
        (
            "PUT",
            f"/api/v1/sentiment/customers/{ghost}/override",
            {"json": {"label": "Happy", "reason": "r"}},
            404,
        ),
        (
            "PUT",
            f"/api/v1/sentiment/customers/{c['id']}/override",
            {"json": {"label": "Happy", "reason": "r", "expires": "never"}},
            422,
        ),
        ("POST", "/api/v1/sentiment/analyze", {"json": {"texts": ["hi"], "model": "x"}}, 422),
        # sizes
        ("POST", "/api/v1/customers", {"json": {"first_name": "A", "company": "x" * 300_000}}, 413),
        ("GET", "/api/v1/customers", {"headers": {"x-padding": "x" * 20_000}}, 431),
        # malformed JSON and a body that is not UTF-8
        ("POST", "/api/v1/customers", {"content": b'{"first_name": '}, 422),
        ("POST", "/api/v1/customers", {"content": b'{"first_name": "\xff\xfe"}'}, 400),
    ]
    for method, path, kwargs, expected in cases:
        headers = {**json_h, **kwargs.pop("headers", {})}
        r = await gw.client.request(method, path, headers=headers, **kwargs)
        assert r.status_code < 500, (method, path, r.status_code, r.text)
        assert r.status_code == expected, (method, path, r.status_code, r.text[:300])
        assert r.headers["content-type"] == "application/problem+json", (path, r.headers)
        assert r.headers["x-content-type-options"] == "nosniff"
        if expected == 422 and "errors" in r.json():
            assert all(e["field"] for e in r.json()["errors"])

    # A direct gRPC call with NUL text is refused by the service itself.
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await gw.app.state.upstreams.customers.CreateCustomer(
            customer_pb2.CreateCustomerRequest(first_name=f"Zed{NUL}"),
            metadata=tenant_metadata(str(t.id)),
        )
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT

    # Nothing of any of them was stored.
    db = gw.databases
    assert await _rows(db["customer"], "customers", t.id) == 1  # Ann only
    assert await _rows(db["customer"], "customer_notes", t.id) == 0
    assert await _rows(db["conversation"], "messages", t.id) == 0
    assert await _rows(db["conversation"], "conversations", t.id) == 0
    assert await _rows(db["conversation"], "contacts", t.id) == 0
    assert await _rows(db["sentiment"], "customer_sentiment", t.id) == 0
    ann = (await gw.client.get(f"/api/v1/customers/{c['id']}", headers=h)).json()
    assert (ann["first_name"], ann["tags"], ann["custom_fields"]) == ("Ann", [], {})
    assert ann["version"] == c["version"]
    settings = (await gw.client.get("/api/v1/settings/customers", headers=h)).json()
    assert settings["high_value_ltv_minor"] < 2**63


async def test_a_batch_stores_only_its_good_items_and_their_prospects(sentiment_gateway):
    gw = sentiment_gateway
    t = await gw.tenant()
    missing = str(uuid.uuid4())
    batch = [
        _message("+14155550111"),
        _message("+14155550112", conversation_id=missing),  # would need a prospect first
        _message("+14155550113"),
    ]
    r = await gw.client.post(
        "/api/v1/conversations/messages/batch", json={"messages": batch}, headers=t.headers
    )
    assert r.status_code == 202, r.text
    results = r.json()["results"]
    assert [x["status"] for x in results] == ["accepted", "failed", "accepted"]
    assert results[1]["error"]["code"]
    db = gw.databases
    assert await _rows(db["customer"], "customers", t.id) == 2  # no prospect for the failed one
    assert await _rows(db["conversation"], "messages", t.id) == 2


async def test_a_single_ingest_of_a_missing_conversation_creates_no_prospect(sentiment_gateway):
    gw = sentiment_gateway
    t = await gw.tenant()
    r = await gw.client.post(
        "/api/v1/conversations/messages",
        json=_message("+14155550121", conversation_id=str(uuid.uuid4())),
        headers=t.headers,
    )
    assert r.status_code == 404, r.text
    assert await _rows(gw.databases["customer"], "customers", t.id) == 0
