"""/api/v1/sentiment through the gateway, on the real sentiment service and a real Triton:
analyze (422 naming each bad text), a message ingested through the gateway scored and folded
into the customer's sentiment, staff overrides, tenancy, and 503 without a sentiment service."""

import asyncio
import uuid

import pytest
from gateway.auth import Role
from moodline_devkit.testing.phones import unique_phone
from sentiment.testing import WARM_LETTER_WITH_ONE_COMPLAINT

pytestmark = pytest.mark.integration

ANALYZE = "/api/v1/sentiment/analyze"
HAPPY = "Thank you so much, the haircut is perfect and the staff were lovely!"
ANGRY = "This is the third time my refund is late. I am really fed up with you."


async def test_analyze_scores_in_order(sentiment_gateway):
    t = await sentiment_gateway.tenant()
    reply = await sentiment_gateway.client.post(
        ANALYZE, json={"texts": [HAPPY, ANGRY]}, headers=t.headers
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["model_version"]
    happy, angry = body["results"]
    assert happy["label"] == "Happy" and happy["score"] > 0
    assert angry["label"] == "Frustrated" and angry["score"] < 0
    assert set(angry["emotions"]) == {"frustration", "satisfaction", "confusion", "urgency"}
    # a short text is read whole: its explanation is one span, the whole text
    (span,) = angry["explanation"]["spans"]
    assert (span["start"], span["end"], span["text"]) == (0, len(ANGRY), ANGRY)
    assert "label" in span["drives"] and span["sentiment"]["label"] == "Frustrated"


async def test_analyze_explains_a_long_letter_by_its_complaint_sentence(sentiment_gateway):
    t = await sentiment_gateway.tenant()
    reply = await sentiment_gateway.client.post(
        ANALYZE, json={"texts": [WARM_LETTER_WITH_ONE_COMPLAINT]}, headers=t.headers
    )
    assert reply.status_code == 200, reply.text
    (letter,) = reply.json()["results"]
    assert letter["label"] == "Frustrated" and letter["explanation"]["sentences"] == 7
    drivers = [s for s in letter["explanation"]["spans"] if "label" in s["drives"]]
    strongest = max(drivers, key=lambda s: s["confidence"])
    assert strongest["text"].startswith("He left the old boiler")
    assert (
        WARM_LETTER_WITH_ONE_COMPLAINT[strongest["start"] : strongest["end"]] == strongest["text"]
    )
    assert strongest["sentiment"]["label"] == "Frustrated"


async def test_analyze_422_names_each_bad_text(sentiment_gateway):
    t = await sentiment_gateway.tenant()
    client = sentiment_gateway.client
    bad = await client.post(
        ANALYZE, json={"texts": ["fine", "   ", "x" * 10_001, ""]}, headers=t.headers
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in bad.json()["errors"]] == ["texts[1]", "texts[2]", "texts[3]"]
    for texts in ([], ["a"] * 257):
        r = await client.post(ANALYZE, json={"texts": texts}, headers=t.headers)
        assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["texts"]
    r = await client.post(ANALYZE, json={"texts": [1]}, headers=t.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "texts[0]"
    assert (await client.post(ANALYZE, json={"texts": ["hi"]})).status_code == 401


async def test_analyze_256_texts(sentiment_gateway):
    t = await sentiment_gateway.tenant()
    texts = [f"booking {i} was fine, thanks" for i in range(256)]
    r = await sentiment_gateway.client.post(ANALYZE, json={"texts": texts}, headers=t.headers)
    assert r.status_code == 200 and len(r.json()["results"]) == 256


async def _scored(client, tenant, message_id, seconds=60.0):
    for _ in range(int(seconds / 0.25)):
        r = await client.get(f"/api/v1/sentiment/messages/{message_id}", headers=tenant.headers)
        if r.status_code == 200:
            return r.json()
        assert r.status_code == 404, r.text
        await asyncio.sleep(0.25)
    raise AssertionError(f"message {message_id} not scored in {seconds} s")


async def test_an_ingested_message_is_scored_and_overrides_work(sentiment_gateway):
    t = await sentiment_gateway.tenant()
    client = sentiment_gateway.client
    phone = unique_phone("+1628555")
    ingested = await client.post(
        "/api/v1/conversations/messages",
        json={
            "provider_message_id": f"wamid.{uuid.uuid4().hex}",
            "channel": "whatsapp",
            "customer": {"phone": phone, "display_name": "Fed Up"},
            "direction": "inbound",
            "author": "customer",
            "text": ANGRY,
            "sent_at": "2026-11-20T10:00:00Z",
        },
        headers=t.headers,
    )
    assert ingested.status_code == 202, ingested.text
    out = ingested.json()
    scored = await _scored(client, t, out["message_id"])
    assert scored["customer_id"] == out["customer_id"]
    assert scored["conversation_id"] == out["conversation_id"]
    assert scored["sentiment"]["label"] == "Frustrated" and 0 <= scored["confidence"] <= 1
    (span,) = scored["explanation"]["spans"]  # stored: offsets, no text
    assert (span["start"], span["end"], span["text"]) == (0, len(ANGRY), None)
    url = f"/api/v1/sentiment/customers/{out['customer_id']}"
    customer = (await client.get(url, headers=t.headers)).json()
    assert customer["message_count"] == 1 and customer["source"] == "model"
    assert customer["sentiment"]["label"] == "Frustrated" and customer["override"] is None
    (driver,) = customer["drivers"]["contributors"]
    assert driver["source"] == out["message_id"] and driver["label"] == "Frustrated"
    assert driver["weight"] == 1 and driver["contribution"] < 0
    assert customer["drivers"]["override"] is None

    # Staff override: shown label changes, the model's view stays in `computed`.
    bad = await client.put(f"{url}/override", json={"label": "Ecstatic"}, headers=t.headers)
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"label", "reason"}
    viewer = await sentiment_gateway.tenant(role=Role.VIEWER)
    forbidden = await client.put(
        f"{url}/override", json={"label": "Happy", "reason": "x"}, headers=viewer.headers
    )
    assert forbidden.status_code == 403
    set_ = await client.put(
        f"{url}/override",
        json={"label": "Happy", "reason": "refund sent by phone"},
        headers=t.headers,
    )
    assert set_.status_code == 200, set_.text
    o = set_.json()
    assert o["source"] == "override" and o["sentiment"]["label"] == "Happy"
    assert o["computed"]["label"] == "Frustrated"
    assert o["override"]["reason"] == "refund sent by phone" and o["override"]["set_by"]
    assert o["drivers"]["override"] == {"remaining": 3.0, "evidence": 0.0}
    cleared = await client.delete(f"{url}/override", headers=t.headers)
    assert cleared.status_code == 200
    assert cleared.json()["source"] == "model" and cleared.json()["override"] is None

    # Another tenant sees nothing of it.
    other = await sentiment_gateway.tenant()
    r = await client.get(f"/api/v1/sentiment/messages/{out['message_id']}", headers=other.headers)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    r = await client.get(url, headers=other.headers)
    assert r.status_code == 200 and r.json()["message_count"] == 0  # never scored: Neutral


async def test_without_a_sentiment_service_the_routes_answer_503(gateway):
    t = await gateway.tenant()
    r = await gateway.client.post(ANALYZE, json={"texts": ["hi"]}, headers=t.headers)
    assert r.status_code == 503
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_reply_targets_are_tenant_settings(sentiment_gateway):
    t = await sentiment_gateway.tenant()
    client = sentiment_gateway.client
    url = "/api/v1/settings/sentiment"
    defaults = {"email": 1440, "phone": None, "sms": 60, "webchat": 10, "whatsapp": 60}
    r = await client.get(url, headers=t.headers)
    assert r.status_code == 200 and r.json() == {"reply_target_minutes": defaults}
    r = await client.patch(
        url,
        json={"reply_target_minutes": {"sms": 240, "phone": 15, "webchat": None}},
        headers=t.headers,
    )
    assert r.status_code == 200, r.text
    changed = {**defaults, "sms": 240, "phone": 15, "webchat": None}
    assert r.json() == {"reply_target_minutes": changed}
    for body, fields in (
        ({"reply_target_minutes": {"fax": 5, "email": 30}}, ["reply_target_minutes.fax"]),
        ({"reply_target_minutes": {"sms": 0}}, ["reply_target_minutes.sms"]),
        ({"reply_target_minutes": {"sms": 43_201}}, ["reply_target_minutes.sms"]),
        ({"reply_target_minutes": {"sms": "60"}}, ["reply_target_minutes.sms"]),
        ({"reply_target_minutes": {}, "colour": "red"}, ["colour"]),
    ):
        bad = await client.patch(url, json=body, headers=t.headers)
        assert bad.status_code == 422, (body, bad.text)
        assert bad.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in bad.json()["errors"]] == fields
    # Nothing of the refused changes was written; another tenant keeps the defaults.
    assert (await client.get(url, headers=t.headers)).json()["reply_target_minutes"] == changed
    other = await sentiment_gateway.tenant()
    assert (await client.get(url, headers=other.headers)).json()["reply_target_minutes"] == (
        defaults
    )
    viewer = await sentiment_gateway.tenant(role=Role.VIEWER)
    assert (await client.get(url, headers=viewer.headers)).status_code == 200
    forbidden = await client.patch(
        url, json={"reply_target_minutes": {"sms": 5}}, headers=viewer.headers
    )
    assert forbidden.status_code == 403
