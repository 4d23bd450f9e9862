import asyncio
import uuid

import pytest
from gateway.auth import Role
from moodline_devkit.testing.phones import unique_phone

pytestmark = pytest.mark.integration

URL = "/api/v1/conversations/messages"


def body(**changes) -> dict:
    out = {
        "provider_message_id": f"wamid.{uuid.uuid4().hex}",
        "channel": "whatsapp",
        "customer": {"phone": "+1 415 555 0199", "display_name": "Ann"},
        "direction": "inbound",
        "author": "customer",
        "text": "Hi, where is my order #12345?",
        "sent_at": "2026-11-20T10:00:00Z",
    }
    out.update(changes)
    return out


def phone() -> str:
    return unique_phone("+1628555")


async def test_ingest_creates_a_prospect_once_and_is_idempotent(gateway):
    t = await gateway.tenant()
    message = body(customer={"phone": phone(), "display_name": "Walk-in"})
    first = await gateway.client.post(URL, json=message, headers=t.headers)
    assert first.status_code == 202, first.text
    out = first.json()
    assert out["customer_created"] and out["conversation_opened"] and not out["duplicate"]
    again = await gateway.client.post(URL, json=message, headers=t.headers)
    assert again.status_code == 202
    assert again.json() == {
        **out,
        "duplicate": True,
        "customer_created": False,
        "conversation_opened": False,
    }
    customer = await gateway.client.get(
        f"/api/v1/customers/{out['customer_id']}", headers=t.headers
    )
    assert customer.status_code == 200
    conversation = (
        await gateway.client.get(
            f"/api/v1/conversations/{out['conversation_id']}", headers=t.headers
        )
    ).json()
    assert conversation["message_count"] == 1 and conversation["channel"] == "whatsapp"
    assert [m["text"] for m in conversation["messages"]] == [message["text"]]


async def test_twenty_concurrent_messages_from_an_unknown_number_make_one_prospect(gateway):
    t = await gateway.tenant()
    number = phone()
    replies = await asyncio.gather(
        *(
            gateway.client.post(
                URL, json=body(customer={"phone": number}, text=f"line {i}"), headers=t.headers
            )
            for i in range(20)
        )
    )
    assert {r.status_code for r in replies} == {202}
    assert len({r.json()["customer_id"] for r in replies}) == 1
    assert sum(r.json()["customer_created"] for r in replies) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"channel": "telegram"}, "channel"),
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 10_001}, "text"),
        ({"customer": {}}, "customer"),
        ({"customer": None}, "customer"),
        ({"sent_at": "yesterday"}, "sent_at"),
        ({"sent_at": "2026-11-20T10:00:00"}, "sent_at"),
        ({"direction": "sideways"}, "direction"),
        ({"surprise": 1}, "surprise"),
    ],
)
async def test_bad_input_is_422_problem_and_nothing_is_stored(gateway, change, field):
    t = await gateway.tenant()
    message = body(**change)
    if change.get("customer") is None and "customer" in change:
        del message["customer"]
    reply = await gateway.client.post(URL, json=message, headers=t.headers)
    assert reply.status_code == 422, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    assert any(e["field"].startswith(field) for e in reply.json()["errors"]), reply.json()
    listed = await gateway.client.get("/api/v1/conversations", headers=t.headers)
    assert listed.json()["items"] == []
    customers = await gateway.client.get("/api/v1/customers", headers=t.headers)
    assert customers.json()["items"] == []


async def test_unreadable_phone_is_422_from_the_customer_service(gateway):
    t = await gateway.tenant()
    reply = await gateway.client.post(
        URL, json=body(customer={"phone": "call me"}), headers=t.headers
    )
    assert reply.status_code == 422
    assert reply.json()["errors"][0]["field"] == "customer.phone"


async def test_batch_search_update_and_close(gateway):
    t = await gateway.tenant()
    number = phone()
    batch = {
        "messages": [
            body(
                customer={"phone": number},
                provider_message_id="b1",
                text="Is order #12345 shipped?",
            ),
            body(
                customer={"phone": number},
                provider_message_id="b2",
                direction="outbound",
                author="ai",
                author_id="ai-concierge",
                text="Yes, it left this morning.",
                sent_at="2026-11-20T10:00:05Z",
            ),
            body(customer={"phone": number}, provider_message_id="b1"),
            body(customer={"phone": "nonsense"}, provider_message_id="b3"),
        ]
    }
    reply = await gateway.client.post(f"{URL}/batch", json=batch, headers=t.headers)
    assert reply.status_code == 202, reply.text
    statuses = [r["status"] for r in reply.json()["results"]]
    assert statuses == ["accepted", "accepted", "duplicate", "failed"]
    assert reply.json()["results"][3]["error"]["field"] == "customer.phone"
    conversation_id = reply.json()["results"][0]["result"]["conversation_id"]

    found = await gateway.client.get(
        f"{URL}/search", params={"q": "order #12345"}, headers=t.headers
    )
    assert found.status_code == 200, found.text
    hits = found.json()["items"]
    assert [h["message"]["provider_message_id"] for h in hits] == ["b1"]
    snippet, spans = hits[0]["snippet"], hits[0]["highlights"]
    assert [snippet[s["start"] : s["end"]] for s in spans] == ["order", "12345"]
    assert found.json()["customer_ids"] == [hits[0]["message"]["customer_id"]]

    patched = await gateway.client.patch(
        f"/api/v1/conversations/{conversation_id}",
        json={"handoff": {"agent_id": "staff-3", "kind": "human", "reason": "VIP"}, "csat": 5},
        headers=t.headers,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["escalated"] and patched.json()["csat"] == 5
    bad = await gateway.client.patch(
        f"/api/v1/conversations/{conversation_id}", json={"csat": 9}, headers=t.headers
    )
    assert bad.status_code == 422
    closed = await gateway.client.post(
        f"/api/v1/conversations/{conversation_id}/close",
        json={"ended_at": "2026-11-20T10:05:00Z"},
        headers=t.headers,
    )
    assert closed.json()["status"] == "resolved" and closed.json()["duration_seconds"] == 300
    listed = await gateway.client.get(
        "/api/v1/conversations",
        params={"customer_id": hits[0]["message"]["customer_id"], "status": "resolved"},
        headers=t.headers,
    )
    assert [c["id"] for c in listed.json()["items"]] == [conversation_id]
    missing = await gateway.client.get(f"/api/v1/conversations/{uuid.uuid4()}", headers=t.headers)
    assert missing.status_code == 404


async def test_viewers_may_read_but_not_ingest(gateway):
    viewer = await gateway.tenant(role=Role.VIEWER)
    assert (await gateway.client.post(URL, json=body(), headers=viewer.headers)).status_code == 403
    assert (
        await gateway.client.get("/api/v1/conversations", headers=viewer.headers)
    ).status_code == 200


async def test_a_batch_runs_under_its_own_deadline(gateway):
    """POST /messages/batch is given BATCH_UPSTREAM_TIMEOUT, not the per-call UPSTREAM_TIMEOUT
    (a batch cut off at a short deadline stores nothing and its retry starts over)."""
    t = await gateway.tenant()
    batch = {"messages": [body(customer={"phone": phone()})]}
    state = gateway.app.state
    settings = state.settings
    state.settings = settings.model_copy(update={"batch_upstream_timeout": 0.000_001})
    try:
        cut = await gateway.client.post(f"{URL}/batch", json=batch, headers=t.headers)
    finally:
        state.settings = settings
    assert cut.status_code == 504, cut.text
    reply = await gateway.client.post(f"{URL}/batch", json=batch, headers=t.headers)
    assert reply.status_code == 202, reply.text
    assert reply.json()["results"][0]["status"] in ("accepted", "duplicate")
