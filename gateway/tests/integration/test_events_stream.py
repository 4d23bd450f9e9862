"""Live updates: the sentiment change of a message ingested through the gateway arrives on the
SSE stream within 2 s; a user without access to the customer's folder never sees it; a
reconnect with Last-Event-ID resumes where the stream was."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import httpx
import pytest

pytestmark = pytest.mark.asyncio(loop_scope="session")

PASSWORD = "correct horse battery"


class Stream:
    """An SSE client reading in the background: events with their arrival time."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.url, self.headers = url, headers
        self.events: list[dict] = []
        self.connected = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def _read(self) -> None:
        async with (
            httpx.AsyncClient(timeout=None) as client,
            client.stream("GET", self.url, headers=self.headers) as response,
        ):
            assert response.status_code == 200, await response.aread()
            assert response.headers["content-type"].startswith("text/event-stream")
            event: dict = {}
            async for line in response.aiter_lines():
                if line.startswith(": connected"):
                    self.connected.set()
                elif line.startswith("id: "):
                    event["id"] = line[4:]
                elif line.startswith("event: "):
                    event["event"] = line[7:]
                elif line.startswith("data: "):
                    event["data"] = json.loads(line[6:])
                elif line == "" and "data" in event:
                    event["at"] = time.monotonic()
                    self.events.append(event)
                    event = {}

    async def __aenter__(self) -> Stream:
        self._task = asyncio.create_task(self._read())
        await asyncio.wait_for(self.connected.wait(), 10)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await self._task

    def about(self, customer_id: str, event_type: str) -> list[dict]:
        return [
            e
            for e in self.events
            if e["event"] == event_type and e["data"]["customer_id"] == customer_id
        ]

    async def wait_for(self, customer_id: str, event_type: str, seconds: float) -> dict:
        deadline = time.monotonic() + seconds
        while not self.about(customer_id, event_type):
            assert time.monotonic() < deadline, (event_type, self.events)
            await asyncio.sleep(0.02)
        return self.about(customer_id, event_type)[0]


async def _ingest(gw, tenant, phone: str, text: str) -> dict:
    r = await gw.client.post(
        "/api/v1/conversations/messages",
        headers=tenant.headers,
        json={
            "provider_message_id": uuid.uuid4().hex,
            "channel": "sms",
            "customer": {"phone": phone},
            "direction": "inbound",
            "author": "customer",
            "text": text,
            "sent_at": "2026-11-22T10:00:00Z",
        },
    )
    assert r.status_code == 202, r.text
    return r.json()


async def _in_folder(gw, tenant, phone: str, folder: str) -> str:
    created = await gw.client.post(
        "/api/v1/customers",
        headers=tenant.headers,
        json={"first_name": "Pat", "phones": [{"number": phone, "primary": True}]},
    )
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    r = await gw.client.patch(
        f"/api/v1/customers/{cid}",
        headers={**tenant.headers, "If-Match": created.headers["etag"]},
        json={"folder": folder},
    )
    assert r.status_code == 200, r.text
    return cid


async def test_sentiment_changes_stream_live_filtered_by_folder_and_resumable(
    sentiment_gateway, served_gateway
) -> None:
    gw = sentiment_gateway
    t = await gw.tenant()
    folder_a = await gw.client.post("/api/v1/folders", headers=t.headers, json={"name": "A"})
    folder_b = await gw.client.post("/api/v1/folders", headers=t.headers, json={"name": "B"})
    a, b = folder_a.json()["id"], folder_b.json()["id"]
    email = f"sse-{uuid.uuid4().hex[:10]}@example.com"
    await gw.client.post(
        "/api/v1/users",
        headers=t.headers,
        json={
            "email": email,
            "password": PASSWORD,
            "name": "B only",
            "role": "agent",
            "folders": [b],
            "unfoldered": False,
        },
    )
    login = await gw.client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    b_user = {"Authorization": f"Bearer {login.json()['access_token']}"}
    in_a = await _in_folder(gw, t, "(415) 555-0111", a)
    in_b = await _in_folder(gw, t, "(415) 555-0122", b)
    url = f"{served_gateway}/api/v1/events"
    async with Stream(url, t.headers) as admin, Stream(url, b_user) as limited:
        sent = time.monotonic()
        await _ingest(gw, t, "(415) 555-0111", "This is the third time the order is wrong!")
        scored = await admin.wait_for(in_a, "sentiment.message.scored", 10)
        latency = scored["at"] - sent
        print(f"\nSSE: sentiment.message.scored {latency:.2f}s after the ingest call")
        assert latency < 2.0
        await _ingest(gw, t, "(415) 555-0122", "Thank you, that was quick and friendly.")
        await limited.wait_for(in_b, "sentiment.message.scored", 10)
        await admin.wait_for(in_b, "sentiment.message.scored", 10)
        await asyncio.sleep(0.5)
        assert limited.about(in_a, "sentiment.message.scored") == []
        assert all(e["data"]["customer_id"] in (in_b, None) for e in limited.events)
        resume_from = scored["id"]
    # events while disconnected come back with Last-Event-ID
    await _ingest(gw, t, "(415) 555-0111", "Still waiting for the refund.")
    await asyncio.sleep(0.5)
    async with Stream(url, {**t.headers, "Last-Event-ID": resume_from}) as resumed:
        await resumed.wait_for(in_a, "conversation.message.received", 10)
        await resumed.wait_for(in_b, "sentiment.message.scored", 10)  # after the resume point


async def test_deleting_a_folder_moves_its_customers_into_view_at_once(
    sentiment_gateway, served_gateway
) -> None:
    """Deleting a folder publishes `customer.folder.changed` for each customer it held: a user
    who may see unfoldered customers (not that folder) gets the event and the customer's next
    events at once, though the stream had just found the customer invisible."""
    gw = sentiment_gateway
    t = await gw.tenant()
    hidden = (
        await gw.client.post("/api/v1/folders", headers=t.headers, json={"name": "Hidden"})
    ).json()["id"]
    shown = (
        await gw.client.post("/api/v1/folders", headers=t.headers, json={"name": "Shown"})
    ).json()["id"]
    email = f"sse-{uuid.uuid4().hex[:10]}@example.com"
    r = await gw.client.post(
        "/api/v1/users",
        headers=t.headers,
        json={
            "email": email,
            "password": PASSWORD,
            "name": "Unfoldered",
            "role": "agent",
            "folders": [shown],
            "unfoldered": True,
        },
    )
    assert r.status_code == 201, r.text
    login = await gw.client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    user = {"Authorization": f"Bearer {login.json()['access_token']}"}
    cid = await _in_folder(gw, t, "(415) 555-0133", hidden)
    url = f"{served_gateway}/api/v1/events"
    async with Stream(url, t.headers) as admin, Stream(url, user) as limited:
        await _ingest(gw, t, "(415) 555-0133", "Where is my parcel?")
        await admin.wait_for(cid, "sentiment.message.scored", 10)
        await asyncio.sleep(0.3)
        assert limited.about(cid, "sentiment.message.scored") == []  # now known as invisible
        deleted = await gw.client.delete(f"/api/v1/folders/{hidden}", headers=t.headers)
        assert deleted.status_code == 204, deleted.text
        moved = await limited.wait_for(cid, "customer.folder.changed", 3)
        assert moved["data"]["data"]["from_folder"] == hidden
        assert moved["data"]["data"].get("to_folder", "") == ""
        await limited.wait_for(cid, "customer.customer.updated", 3)
        await _ingest(gw, t, "(415) 555-0133", "Thanks, it arrived.")
        await limited.wait_for(cid, "sentiment.message.scored", 3)  # not the 5 s memory
    got = await gw.client.get(f"/api/v1/customers/{cid}", headers=user)
    assert got.status_code == 200 and not got.json().get("folder")
