"""The realistic mix of the load test (run by bench/load/run.py, in its own process):
reads dominate (customer list, search, profile), then message ingestion, updates and bookings.

Env: LOAD_API_KEY, LOAD_CUSTOMERS (a JSON file of [{"id", "phone"}]), LOAD_RATE (requests/s
per simulated user; unset: as fast as the server answers, with a short think time).
"""

from __future__ import annotations

import json
import os
import random
import uuid
from datetime import UTC, datetime, timedelta

from locust import HttpUser, between, constant_throughput, task

CUSTOMERS = json.loads(open(os.environ["LOAD_CUSTOMERS"]).read())
TEXTS = (
    "Thanks, that was quick!",
    "Why does a refund take five days?",
    "Can I move my appointment to Friday?",
    "Again the order is wrong.",
    "Lovely service as always.",
)
SEARCHES = ("555-0", "Load", "load1", "555-1", "Ann")


class PlatformUser(HttpUser):
    wait_time = (
        constant_throughput(float(os.environ["LOAD_RATE"]))
        if os.environ.get("LOAD_RATE")
        else between(0.05, 0.2)
    )

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {os.environ['LOAD_API_KEY']}"

    @task(30)
    def list_customers(self) -> None:
        self.client.get("/api/v1/customers?limit=50", name="GET /customers (page of 50)")

    @task(15)
    def search_customers(self) -> None:
        q = random.choice(SEARCHES)
        self.client.get(f"/api/v1/customers?q={q}&limit=20", name="GET /customers?q= (search)")

    @task(25)
    def profile(self) -> None:
        c = random.choice(CUSTOMERS)
        self.client.get(f"/api/v1/customers/{c['id']}", name="GET /customers/{id}")

    @task(15)
    def ingest(self) -> None:
        c = random.choice(CUSTOMERS)
        self.client.post(
            "/api/v1/conversations/messages",
            name="POST /conversations/messages",
            json={
                "provider_message_id": f"load-{uuid.uuid4().hex}",
                "channel": "sms",
                "customer": {"phone": c["phone"]},
                "direction": "inbound",
                "author": "customer",
                "text": random.choice(TEXTS),
                "sent_at": datetime.now(UTC).isoformat(),
            },
        )

    @task(8)
    def update(self) -> None:
        c = random.choice(CUSTOMERS)
        with self.client.get(
            f"/api/v1/customers/{c['id']}", name="GET /customers/{id}", catch_response=True
        ) as r:
            etag = r.headers.get("etag", "")
        with self.client.patch(
            f"/api/v1/customers/{c['id']}",
            name="PATCH /customers/{id}",
            headers={"If-Match": etag},
            json={"preferred_contact_time": f"after {random.randrange(9, 18)}:00"},
            catch_response=True,
        ) as r:
            # 412: another user changed the customer since our read (optimistic locking works)
            if r.status_code in (200, 412):
                r.success()

    @task(5)
    def book(self) -> None:
        c = random.choice(CUSTOMERS)
        starts = datetime(2028, 1, 1, tzinfo=UTC) + timedelta(minutes=random.randrange(10**6))
        self.client.post(
            "/api/v1/bookings",
            name="POST /bookings",
            json={
                "customer_id": c["id"],
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(minutes=30)).isoformat(),
                "amount_minor": 4_500,
                "currency": "USD",
                "confirm": True,
            },
        )
