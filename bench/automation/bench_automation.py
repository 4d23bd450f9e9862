"""Automation benchmark: trigger events -> completed runs per second, and the latency from a
trigger event to a run's last action.

1. Creates its own databases (bench_automation_{customer,conversation,automation}_*), migrates,
   runs the real customer, conversation (e-mail to a local SMTP inbox) and automation services
   in-process, and `--workers` real Celery worker processes (`moodline-automation worker`,
   solo pool each) on a queue of its own.
2. Creates `--customers` customers with an assigned worker and the demo workflow ("customer
   turns Frustrated": add a tag, create a task for the assigned worker, e-mail the manager;
   cool-down 0).
3. Publishes one `sentiment.customer.changed` (turned Frustrated) per customer to JetStream,
   `--rate` per second (0 = as fast as possible), and waits until every run has finished.

Reported: runs/s = runs / (last run's end - first event's publication); per run, trigger ->
last action = the last step's `finished_at` - the event's publication time (p50/p95/p99/max);
e-mails delivered to the SMTP inbox. Uses DATABASE_URL (server level), NATS_URL and REDIS_URL;
drops its databases unless --keep. Prints a JSON report.

    nice .venv/bin/python bench/automation/bench_automation.py --customers 300 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import nats
import sqlalchemy as sa
from automation.testing import celery_worker, running_automation_service
from automation.testing import migrate as migrate_automation
from conversation.testing import migrate as migrate_conversation
from conversation.testing import running_conversation_service
from customer.testing import migrate as migrate_customer
from customer.testing import running_customer_service
from google.protobuf import struct_pb2
from moodline.automation.v1 import automation_pb2 as pb
from moodline.customer.v1 import customer_pb2
from moodline.events.v1 import envelope_pb2, subjects
from moodline.events.v1 import sentiment_pb2 as sentiment_events
from moodline.sentiment.v1 import sentiment_pb2
from moodline_devkit.mail import SmtpInbox
from moodline_devkit.seed import DEMO_AUTOMATIONS
from moodline_devkit.testing.databases import create_database, drop_database
from moodline_kit.auth import ensure_local_keys
from moodline_kit.grpc.client import tenant_metadata
from sqlalchemy.ext.asyncio import create_async_engine

SERVER = os.environ.get("DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
NATS_URL = os.environ.get("NATS_URL", "nats://127.0.0.1:4222")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def struct(value: dict) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(value)
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def create_customers(stub, tenant, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    async def one(i: int) -> str:
        created = await stub.CreateCustomer(
            customer_pb2.CreateCustomerRequest(
                first_name=f"Bench{i}",
                last_name="Customer",
                emails=[customer_pb2.Email(address=f"bench{i}@example.com", primary=True)],
            ),
            metadata=tenant,
        )
        await stub.UpdateCustomer(
            customer_pb2.UpdateCustomerRequest(
                id=created.id, update_mask=["workers"], workers=[f"staff-{i % 7}"]
            ),
            metadata=tenant,
        )
        return created.id

    ids: list[str] = []
    for start in range(0, count, 20):
        ids += await asyncio.gather(*(one(i) for i in range(start, min(count, start + 20))))
    return ids


async def publish_events(tenant_id: str, customers: list[str], rate: float) -> dict[str, float]:
    """One turned-Frustrated event per customer; returns customer -> publication time."""
    nc = await nats.connect(NATS_URL)
    js = nc.jetstream()
    published: dict[str, float] = {}
    gap = 1.0 / rate if rate else 0.0
    started = time.time()
    try:
        for i, customer in enumerate(customers):
            if gap:
                await asyncio.sleep(max(0.0, started + i * gap - time.time()))
            envelope = envelope_pb2.EventEnvelope(
                event_id=str(uuid.uuid4()),
                type=subjects.SENTIMENT_CUSTOMER_CHANGED,
                tenant_id=tenant_id,
                source="bench",
            )
            envelope.occurred_at.GetCurrentTime()
            envelope.payload.Pack(
                sentiment_events.CustomerSentimentChanged(
                    customer_id=customer,
                    sentiment=sentiment_pb2.Sentiment(
                        label=sentiment_pb2.SENTIMENT_LABEL_FRUSTRATED, score=-0.7
                    ),
                    previous_label=sentiment_pb2.SENTIMENT_LABEL_NEUTRAL,
                )
            )
            published[customer] = time.time()
            await js.publish(
                subjects.SENTIMENT_CUSTOMER_CHANGED,
                envelope.SerializeToString(),
                headers={"Nats-Msg-Id": envelope.event_id},
            )
    finally:
        await nc.close()
    return published


async def wait_finished(engine, expected: int, within: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        async with engine.connect() as conn:
            done = (
                await conn.execute(
                    sa.text(
                        "SELECT count(*) FROM runs "
                        "WHERE status IN ('succeeded', 'failed', 'skipped', 'cancelled')"
                    )
                )
            ).scalar_one()
        if done >= expected:
            return
        await asyncio.sleep(0.5)
    raise TimeoutError(f"only {done} of {expected} runs finished within {within:.0f} s")


async def main(args: argparse.Namespace) -> dict:
    tag = uuid.uuid4().hex[:8]
    names = {s: f"bench_automation_{s}_{tag}" for s in ("customer", "conversation", "automation")}
    urls = {s: await create_database(SERVER, n) for s, n in names.items()}
    await migrate_customer(urls["customer"])
    await migrate_conversation(urls["conversation"])
    await migrate_automation(urls["automation"])
    work = Path(tempfile.mkdtemp(prefix="bench-automation-"))
    inbox = SmtpInbox(work / "mail").start()
    tenant_id = str(uuid.uuid4())
    tenant = tenant_metadata(tenant_id)
    try:
        async with (
            running_customer_service(urls["customer"], NATS_URL, db_pool_size=5) as customer,
            running_conversation_service(
                urls["conversation"],
                NATS_URL,
                customer.address,
                smtp_host=inbox.host,
                smtp_port=inbox.port,
                db_pool_size=5,
            ) as conversation,
            running_automation_service(
                urls["automation"],
                NATS_URL,
                redis_url=REDIS_URL,
                customer_addr=customer.address,
                conversation_addr=conversation.address,
                db_pool_size=5,
            ) as automation,
        ):
            demo = DEMO_AUTOMATIONS[0]
            await automation.stub.CreateWorkflow(
                pb.CreateWorkflowRequest(
                    workflow=pb.Workflow(
                        name=demo["name"],
                        enabled=True,
                        trigger=struct(demo["trigger"]),
                        actions=[struct(a) for a in demo["actions"]],
                        cooldown_seconds=0,
                    )
                ),
                metadata=tenant,
            )
            customers = await create_customers(customer.stub, tenant, args.customers)
            settings = automation.container.settings
            with contextlib_workers(settings, work, args.workers):
                await asyncio.sleep(args.warmup)  # workers up before the clock starts
                published = await publish_events(tenant_id, customers, args.rate)
                engine = create_async_engine(urls["automation"])
                try:
                    await wait_finished(engine, len(customers), args.timeout)
                    async with engine.connect() as conn:
                        rows = (
                            await conn.execute(
                                sa.text(
                                    "SELECT r.customer_id, r.status, r.error, "
                                    "coalesce(max(s.finished_at), r.finished_at) AS last "
                                    "FROM runs r LEFT JOIN run_steps s ON s.run_id = r.id "
                                    "GROUP BY r.id, r.customer_id, r.status, r.error"
                                )
                            )
                        ).all()
                finally:
                    await engine.dispose()
            for _ in range(60):  # the last e-mails may still be on their way
                if len(inbox.messages()) >= len(customers):
                    break
                await asyncio.sleep(0.5)
            mails = len(inbox.messages())
    finally:
        inbox.stop()
        if not args.keep:
            for name in names.values():
                await drop_database(SERVER, name)
    latencies = [r.last.timestamp() - published[str(r.customer_id)] for r in rows]
    first = min(published.values())
    last = max(r.last.timestamp() for r in rows)
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "customers_events": len(customers),
        "workers": args.workers,
        "publish_rate": args.rate or "max",
        "runs_succeeded": sum(1 for r in rows if r.status == "succeeded"),
        "runs_not_succeeded": dict(
            Counter(f"{r.status}: {r.error[:120]}" for r in rows if r.status != "succeeded")
        ),
        "runs_per_second": round(len(rows) / (last - first), 1),
        "trigger_to_last_action_ms": {
            "p50": round(statistics.median(latencies) * 1000),
            "p95": round(percentile(latencies, 0.95) * 1000),
            "p99": round(percentile(latencies, 0.99) * 1000),
            "max": round(max(latencies) * 1000),
        },
        "emails_in_inbox": mails,
        "load_average": os.getloadavg(),
    }


def contextlib_workers(settings, work: Path, count: int):  # type: ignore[no-untyped-def]
    import contextlib

    stack = contextlib.ExitStack()
    for i in range(count):
        stack.enter_context(celery_worker(settings, work / f"worker-{i}.log"))
    return stack


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=0.0, help="events/s; 0 = as fast as possible")
    parser.add_argument("--warmup", type=float, default=8.0)
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--keep", action="store_true")
    # the services (and worker processes) started here verify what this process signs; the
    # automation worker signs its own calls with the same keys (docs/trust.md)
    ensure_local_keys()
    print(json.dumps(asyncio.run(main(parser.parse_args())), indent=2))
