import pytest

pytestmark = pytest.mark.integration

ANN = {"first_name": "Ann", "emails": [{"address": "ann@example.com", "primary": True}]}


async def test_send_a_message_to_a_customer(gateway):
    t = await gateway.tenant()
    created = await gateway.client.post("/api/v1/customers", json=ANN, headers=t.headers)
    url = f"/api/v1/customers/{created.json()['id']}/messages"
    body = {"channel": "email", "template": "Hi {{customer.first_name}}", "idempotency_key": "m1"}
    sent = await gateway.client.post(url, json=body, headers=t.headers)
    assert sent.status_code == 202, sent.text
    out = sent.json()
    assert out["status"] == "queued" and out["text"] == "Hi Ann"
    assert out["recipient"] == "ann@example.com" and out["author"] == "agent"
    again = await gateway.client.post(url, json=body, headers=t.headers)
    assert again.status_code == 200 and again.json()["id"] == out["id"]


async def test_opted_out_customer_is_not_messaged_and_told_why(gateway):
    t = await gateway.tenant()
    created = await gateway.client.post("/api/v1/customers", json=ANN, headers=t.headers)
    cid = created.json()["id"]
    await gateway.client.post(
        f"/api/v1/customers/{cid}/consents",
        json={"kind": "marketing", "granted": False, "source": "web form"},
        headers=t.headers,
    )
    refused = await gateway.client.post(
        f"/api/v1/customers/{cid}/messages",
        json={"channel": "email", "text": "Spring sale", "marketing": True},
        headers=t.headers,
    )
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["detail"] == "customer opted out of marketing"


async def test_bad_message_requests_are_422(gateway):
    t = await gateway.tenant()
    created = await gateway.client.post("/api/v1/customers", json=ANN, headers=t.headers)
    url = f"/api/v1/customers/{created.json()['id']}/messages"
    both = await gateway.client.post(
        url, json={"channel": "email", "text": "a", "template": "b"}, headers=t.headers
    )
    assert both.status_code == 422
    phone = await gateway.client.post(
        url, json={"channel": "phone", "text": "a"}, headers=t.headers
    )
    assert phone.status_code == 422 and phone.json()["errors"][0]["field"] == "channel"
    placeholder = await gateway.client.post(
        url, json={"channel": "email", "template": "Hi {{customer.nope}}"}, headers=t.headers
    )
    assert placeholder.status_code == 422 and "template" in placeholder.json()["detail"]


async def test_provider_callback_needs_a_valid_signature(gateway):
    t = await gateway.tenant()
    bad = await gateway.client.post(
        f"/api/v1/channel-callbacks/provider/{t.id}",
        content=b'{"reference": "x/y", "status": "delivered"}',
        headers={"X-Provider-Signature": "00"},
    )
    assert bad.status_code == 403
