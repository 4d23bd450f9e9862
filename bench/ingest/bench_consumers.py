"""CPU per message of the two consumers every ingested message wakes (never part of `make test`):
automation's `message.received` trigger consumer and the customer read model, each before and
after batching, side by side in one run (rounds interleaved, so load drifts hit both alike).

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres \\
      nice .venv/bin/python bench/ingest/bench_consumers.py [--customers 200] [--rounds 3]

In this process, on databases of its own (bench_consumers_*, migrated, dropped unless --keep),
without NATS: the consumers' own message handling (`handle` / `handle_batch`, markers, units of
work, handlers) is fed deliveries of `message.received` events (half inbound, customers taken
round robin, batches of --batch as JetStream hands them over). Variants:
- automation before: a transaction per event (the kit's IdempotentConsumer, `on_event`);
- automation after: a transaction per batch (BatchIdempotentConsumer, `on_events`);
- customer before: a transaction per batch, a lock and a save per event (read-model calls
  without `Held`, as before);
- customer after: one lock and one save per customer in a batch (`on_events`).
CPU ms per message: this process (`time.process_time`) and the PostgreSQL backends of the bench
databases (/proc). No workflow triggers on `message.received` (as in the demo data): the
trigger consumer's cost is its transaction, marker and workflow lookup.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import partial

import sqlalchemy as sa
from automation.adapters.tables import kit as automation_kit
from automation.entrypoints import consumers as automation_consumers
from automation.service_layer.unit_of_work import AutomationUnitOfWork
from automation.testing import migrate as migrate_automation
from customer.bootstrap import units_of_work as customer_units_of_work
from customer.entrypoints import consumers as customer_consumers
from customer.service_layer import handlers as customer_handlers
from customer.testing import migrate as migrate_customer
from moodline.events.v1 import envelope_pb2, subjects
from moodline_devkit.testing.databases import create_database, drop_database
from moodline_devkit.testing.events import message_received
from moodline_devkit.testing.jetstream import deliveries
from moodline_kit import bootstrap, tenancy
from moodline_kit.consumer import (
    BatchIdempotentConsumer,
    BatchSubscription,
    IdempotentConsumer,
    Subscription,
)
from moodline_kit.db import create_engine
from sqlalchemy.ext.asyncio import create_async_engine

SERVER = os.environ.get("DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
TENANT = uuid.uuid4()
TICK = os.sysconf("SC_CLK_TCK")


async def read_model_before(
    envelopes: Sequence[envelope_pb2.EventEnvelope], work, *, calls_with_held: bool = False
) -> None:  # type: ignore[no-untyped-def]
    """The read model's batch handler before customers were held for the batch: every call
    locks and saves its customer."""
    for envelope in envelopes:
        read = customer_consumers.HANDLERS.get(envelope.type)
        if read is None:
            continue
        token = tenancy.set_tenant(uuid.UUID(envelope.tenant_id))
        try:
            await read(envelope)(work)
        finally:
            tenancy.reset_tenant(token)


def pg_cpu(pids: Sequence[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += (int(fields[11]) + int(fields[12])) / TICK
    return total


async def backends(admin, databases: Sequence[str]) -> list[int]:  # type: ignore[no-untyped-def]
    async with admin.connect() as conn:
        rows = await conn.execute(
            sa.text("SELECT pid FROM pg_stat_activity WHERE datname = ANY(:d)"),
            {"d": list(databases)},
        )
        return [r.pid for r in rows]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2048, help="per variant and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument(
        "--workflow", action="store_true", help="an enabled workflow on message.received"
    )
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    suffix = uuid.uuid4().hex[:8]
    names = {"automation": f"bench_consumers_automation_{suffix}"}
    names["customer"] = f"bench_consumers_customer_{suffix}"
    urls = {k: await create_database(SERVER, v) for k, v in names.items()}
    admin = create_async_engine(SERVER)
    engines = []
    try:
        await migrate_automation(urls["automation"])
        await migrate_customer(urls["customer"])
        a_engine = create_engine(urls["automation"], pool_size=1)
        c_engine = create_engine(urls["customer"], pool_size=1)
        engines = [a_engine, c_engine]
        a_uow = bootstrap.unit_of_work_on(a_engine, automation_kit, AutomationUnitOfWork, "bench")
        c_uow = customer_units_of_work(c_engine)
        from customer.adapters.tables import kit as customer_kit

        token = tenancy.set_tenant(TENANT)
        customers = []
        for i in range(args.customers):
            command = customer_handlers.CreateCustomer(tenant_id=TENANT, first_name=f"C{i}")
            made = await customer_handlers.create_customer_handler(command=command, uow=c_uow)
            customers.append(str(made.id))
        if args.workflow:
            from automation.service_layer import workflows

            draft = workflows.WorkflowDraft(
                name="on a message",
                enabled=True,
                trigger={"type": "message.received"},
                actions=[{"type": "add_tag", "tag": "wrote"}],
            )
            await workflows.create_workflow(draft=draft, uow=a_uow)
        tenancy.reset_tenant(token)

        from automation.bootstrap import budget
        from automation.config import AutomationSettings

        limits = budget(AutomationSettings.model_construct(max_runs_per_customer_per_hour=30))
        stream, subject = "CONVERSATION", [subjects.CONVERSATION_MESSAGE_RECEIVED]

        def batch_consumer(uow, tables, durable, handler):  # type: ignore[no-untyped-def]
            subscription = BatchSubscription(durable, stream, subject, handler)
            return BatchIdempotentConsumer(None, uow, tables, subscription)  # type: ignore[arg-type]

        per_event = IdempotentConsumer(
            None,  # type: ignore[arg-type]
            a_uow,
            automation_kit,
            Subscription(
                "automation-before",
                stream,
                subject,
                partial(automation_consumers.on_event, budget=limits),
            ),
        )
        batched = batch_consumer(
            a_uow,
            automation_kit,
            "automation-after",
            partial(automation_consumers.on_events, budget=limits),
        )
        read_before = batch_consumer(c_uow, customer_kit, "read-model-before", read_model_before)
        read_after = batch_consumer(
            c_uow, customer_kit, "read-model-after", customer_consumers.on_events
        )

        async def automation_before(msgs) -> None:  # type: ignore[no-untyped-def]
            for msg in msgs:
                await per_event.handle(msg)

        variants = {
            "automation before (a transaction per event)": automation_before,
            "automation after (a transaction per batch)": batched.handle_batch,
            "read model before (a lock and a save per event)": read_before.handle_batch,
            "read model after (a lock and a save per customer and batch)": read_after.handle_batch,
        }
        start = datetime.now(UTC) - timedelta(hours=1)
        n = 0

        def messages(count: int) -> list[envelope_pb2.EventEnvelope]:
            nonlocal n
            out = []
            for _ in range(count):
                customer = customers[n % len(customers)]
                at = start + timedelta(milliseconds=n)
                out.append(message_received(TENANT, customer, n, at=at, inbound=n % 2 == 0))
                n += 1
            return out

        for handle in variants.values():  # warm-up: connections, prepared statements
            await handle(deliveries(messages(32)))
        results: dict[str, list[dict]] = {k: [] for k in variants}
        for _ in range(args.rounds):
            for name, handle in variants.items():
                events = messages(args.messages)
                chunks = [
                    deliveries(events[i : i + args.batch])
                    for i in range(0, len(events), args.batch)
                ]
                pids = await backends(admin, list(names.values()))
                cpu0, pg0, wall0 = time.process_time(), pg_cpu(pids), time.perf_counter()
                for chunk in chunks:
                    await handle(chunk)
                wall = time.perf_counter() - wall0
                cpu, pg = time.process_time() - cpu0, pg_cpu(pids) - pg0
                settled = {s for chunk in chunks for m in chunk for s in m.settled}
                assert settled == {"ack"}, settled
                results[name].append(
                    {
                        "python_ms": cpu * 1000 / len(events),
                        "postgres_ms": pg * 1000 / len(events),
                        "msgs_per_s": len(events) / wall,
                    }
                )

        handled = n  # every variant's events are new: each is marked once by its consumer
        count = sa.text("SELECT count(*) FROM processed_events")
        marked = 0
        for engine in engines:
            async with engine.connect() as conn:
                marked += (await conn.execute(count)).scalar_one()
        assert marked == handled, (marked, handled)
        report = {
            "messages_per_variant_and_round": args.messages,
            "rounds": args.rounds,
            "batch": args.batch,
            "customers": args.customers,
            "workflow_on_message_received": args.workflow,
            "load_average": os.getloadavg(),
            "variants": {
                name: {
                    key: round(sorted(r[key] for r in runs)[len(runs) // 2], 3)
                    for key in ("python_ms", "postgres_ms", "msgs_per_s")
                }
                | {
                    "cpu_ms_per_msg": round(
                        sorted(r["python_ms"] + r["postgres_ms"] for r in runs)[len(runs) // 2], 3
                    )
                }
                for name, runs in results.items()
            },
        }
        print(json.dumps(report, indent=2))
    finally:
        for engine in engines:
            await engine.dispose()
        await admin.dispose()
        if not args.keep:
            for name in names.values():
                await drop_database(SERVER, name)


if __name__ == "__main__":
    asyncio.run(main())
