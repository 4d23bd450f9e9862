"""Conversation ingestion and message-search benchmark (never part of `make test`).

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres NATS_URL=nats://... \
      nice .venv/bin/python bench/ingest/bench_ingest.py [--messages 1000000] [--keep]

1. Creates its own databases (bench_ingest_conversation_*, bench_ingest_customer_*), migrates
   them and starts the real customer and conversation services in this process.
2. Seeds N messages (default 1M) for one tenant with server-side SQL (generate_series), in
   ~60k conversations of 20k customers; a few of them mention "order #12345".
3. Search: SearchMessages over gRPC, sequentially, for several queries -> p50/p99 (ms).
4. Ingestion (another tenant, same big tables): IngestMessage one at a time with 32 in flight,
   then IngestMessages in batches of 500 -> accepted msgs/s, p50/p99 per call, and events
   published/s (outbox rows acknowledged by JetStream).
5. New contacts (right after the services start, each round in its own tenant): a batch of 200
   messages from 200 new contacts, resolved in one ResolveCustomers call vs one ResolveCustomer
   call each (the code before #25), rounds alternating -> p50 per batch of each
   (`--only-new-contacts`: only this, no seed).
Prints a JSON report; drops its databases unless --keep.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import resource
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from conversation.testing import migrate as migrate_conversation
from conversation.testing import running_conversation_service
from customer.testing import migrate as migrate_customer
from customer.testing import running_customer_service
from google.protobuf.timestamp_pb2 import Timestamp
from moodline.conversation.v1 import conversation_pb2 as pb
from moodline_devkit.testing.databases import create_database, drop_database
from moodline_kit.auth import ensure_local_keys
from moodline_kit.errors import DomainError
from moodline_kit.grpc.client import tenant_metadata
from sqlalchemy.ext.asyncio import create_async_engine

LOAD_AT_START = round(os.getloadavg()[0], 2)

SEED_SQL = """
WITH params AS (SELECT CAST(:tenant AS uuid) AS tenant)
INSERT INTO conversations (id, tenant_id, customer_id, channel, status, started_at, created_at,
                           updated_at, message_count, last_message_at)
SELECT md5('conv' || c)::uuid, (SELECT tenant FROM params),
       md5('cust' || (c % :customers))::uuid,
       (ARRAY['phone','sms','whatsapp','email','webchat'])[1 + c % 5],
       CASE WHEN c % 7 = 0 THEN 'open' ELSE 'resolved' END,
       now() - make_interval(mins => c), now(), now(), 0, now()
FROM generate_series(0, :conversations - 1) AS c
"""

MESSAGES_SQL = """
INSERT INTO messages (id, tenant_id, conversation_id, customer_id, channel, direction, author,
                      author_id, text, sent_at, provider_message_id, created_at)
SELECT md5('msg' || i)::uuid, CAST(:tenant AS uuid), md5('conv' || (i % :conversations))::uuid,
       md5('cust' || ((i % :conversations) % :customers))::uuid,
       (ARRAY['phone','sms','whatsapp','email','webchat'])[1 + (i % :conversations) % 5],
       CASE WHEN i % 2 = 0 THEN 'inbound' ELSE 'outbound' END,
       CASE WHEN i % 2 = 0 THEN 'customer' ELSE 'ai' END,
       CASE WHEN i % 2 = 0 THEN '' ELSE 'ai-receptionist' END,
       CASE i % 10
         WHEN 0 THEN 'Hi, where is my order #' || (10000 + (i::bigint * 7919) % 900000)::text
                     || '? It was due.'
         WHEN 1 THEN 'Your order ' || (10000 + (i::bigint * 104729) % 900000)::text
                     || ' ships tomorrow.'
         WHEN 2 THEN 'Can I move my appointment to Friday afternoon?'
         WHEN 3 THEN 'I would like a refund for the last visit, the colour was wrong.'
         WHEN 4 THEN 'Thanks so much, see you next week!'
         WHEN 5 THEN 'We have availability on Tuesday at 3pm or Thursday at 11am.'
         WHEN 6 THEN 'Do you sell gift cards? It is for my sister''s birthday.'
         WHEN 7 THEN 'The stylist was late again and I waited 40 minutes.'
         WHEN 8 THEN 'Please call me back on my mobile about booking ' || (i % 5000)::text
         ELSE 'Your appointment is confirmed. Reply STOP to opt out.'
       END || ' ref ' || substr(md5(i::text), 1, 6),
       now() - make_interval(secs => i), 'seed-' || i, now()
FROM generate_series(:start, :stop - 1) AS i
"""

TARGETS_SQL = """
UPDATE messages SET text = 'Hello, where is my order #12345? I paid last week.'
WHERE tenant_id = CAST(:tenant AS uuid) AND provider_message_id IN ('seed-17', 'seed-500017')
"""


def cpu_s() -> tuple[float, dict[int, float]]:
    """(this process's CPU seconds, {pid: CPU seconds} of every local postgres process). This
    process runs the client, the conversation service and the customer service; postgres is read
    from /proc per process, so backends that start or exit during a phase don't skew the sum."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    pg: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        if name.startswith("postgres"):
            fields = stat[stat.rindex(")") + 2 :].split()
            pg[int(pid)] = (int(fields[11]) + int(fields[12])) / tick
    return me.ru_utime + me.ru_stime, pg


def cpu_per_message(before: tuple[float, dict[int, float]], messages: int) -> dict:
    """CPU per message over a phase. PostgreSQL: the growth of each process alive at the end
    (a backend that exited during the phase is not counted, so this is a lower bound)."""
    after = cpu_s()
    pg = sum(cpu - before[1].get(pid, 0.0) for pid, cpu in after[1].items())
    return {
        "cpu_ms_per_msg_python": round((after[0] - before[0]) * 1000 / messages, 2),
        "cpu_ms_per_msg_postgres": round(pg * 1000 / messages, 2),
    }


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(latencies_s: list[float]) -> dict:
    ms = [v * 1000 for v in latencies_s]
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 2),
        "p99_ms": round(pct(ms, 0.99), 2),
        "max_ms": round(max(ms), 2),
    }


async def seed(url: str, tenant: str, messages: int) -> dict:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    conversations = max(1, messages // 16)
    customers = max(1, conversations // 3)
    started = time.perf_counter()
    async with engine.connect() as conn:
        await conn.execute(sa.text("SET maintenance_work_mem = '512MB'"))
        await conn.execute(sa.text("DROP INDEX ix_messages_search"))
        await conn.execute(
            sa.text(SEED_SQL),
            {"tenant": tenant, "conversations": conversations, "customers": customers},
        )
        step = 200_000
        for start in range(0, messages, step):
            await conn.execute(
                sa.text(MESSAGES_SQL),
                {
                    "tenant": tenant,
                    "conversations": conversations,
                    "customers": customers,
                    "start": start,
                    "stop": min(messages, start + step),
                },
            )
        await conn.execute(sa.text(TARGETS_SQL), {"tenant": tenant})
        loaded = time.perf_counter()
        await conn.execute(
            sa.text("CREATE INDEX ix_messages_search ON messages USING gin (tenant_id, tsv)")
        )
        await conn.execute(sa.text("VACUUM ANALYZE messages"))
        await conn.execute(sa.text("VACUUM ANALYZE conversations"))
        size = (
            await conn.execute(sa.text("SELECT pg_size_pretty(pg_total_relation_size('messages'))"))
        ).scalar_one()
    await engine.dispose()
    return {
        "messages": messages,
        "conversations": conversations,
        "customers": customers,
        "load_s": round(loaded - started, 1),
        "index_s": round(time.perf_counter() - loaded, 1),
        "messages_table_size": size,
    }


async def bench_search(stub, tenant: str, rounds: int) -> dict:
    md = tenant_metadata(tenant)
    queries = {
        "order #12345": {},
        "order #12345 (customers_only)": {"customers_only": True},
        '"gift card"': {},
        "refund colour": {},
        "appointment (common word, ~20% of rows)": {},
        "nonexistentword": {},
    }
    out = {}
    for label, extra in queries.items():
        query = label.split(" (")[0]
        latencies = []
        reply = None
        for _ in range(rounds):
            t0 = time.perf_counter()
            reply = await stub.SearchMessages(
                pb.SearchMessagesRequest(query=query, page_size=20, **extra), metadata=md
            )
            latencies.append(time.perf_counter() - t0)
        assert reply is not None
        out[label] = {
            **summary(latencies),
            "hits_on_page": len(reply.hits),
            "customer_ids": len(reply.customer_ids),
        }
    return out


def ts(value: datetime) -> Timestamp:
    out = Timestamp()
    out.FromDatetime(value)
    return out


def request(i: int, phone: str, run: str) -> pb.IngestMessageRequest:
    return pb.IngestMessageRequest(
        provider_message_id=f"{run}-{i}",
        channel=pb.CHANNEL_SMS,
        customer_phone=phone,
        direction=pb.DIRECTION_INBOUND,
        author=pb.AUTHOR_CUSTOMER,
        text=f"Hi, this is message {i}: can I move my appointment? order #{10000 + i}",
        sent_at=ts(datetime.now(UTC) - timedelta(seconds=i)),
    )


async def wait_published(url: str, tenant: str, expected: int, limit_s: float = 300) -> float:
    engine = create_async_engine(url)
    deadline = time.perf_counter() + limit_s
    try:
        while time.perf_counter() < deadline:
            async with engine.connect() as conn:
                done = (
                    await conn.execute(
                        sa.text(
                            "SELECT count(*) FROM outbox WHERE tenant_id = CAST(:t AS uuid) "
                            "AND published_at IS NOT NULL"
                        ),
                        {"t": tenant},
                    )
                ).scalar_one()
            if done >= expected:
                return time.perf_counter()
            await asyncio.sleep(0.05)
    finally:
        await engine.dispose()
    raise TimeoutError(f"outbox not drained ({expected} expected)")


async def bench_ingest(
    stub, url: str, singles: int, batches: int, batch_size: int, profile: str = ""
) -> dict:
    result = {}
    # One at a time (32 in flight), 200 distinct customers (first messages create Prospects).
    tenant = str(uuid.uuid4())
    md = tenant_metadata(tenant)
    phones = [f"+1415{5550000 + k:07d}" for k in range(200)]
    gate = asyncio.Semaphore(32)
    latencies: list[float] = []

    async def one(i: int) -> None:
        async with gate:
            t0 = time.perf_counter()
            await stub.IngestMessage(request(i, phones[i % len(phones)], "single"), metadata=md)
            latencies.append(time.perf_counter() - t0)

    t0, c0 = time.perf_counter(), cpu_s()
    await asyncio.gather(*(one(i) for i in range(singles)))
    elapsed = time.perf_counter() - t0
    cpu = cpu_per_message(c0, singles)
    events = singles + len(phones)  # message.received + conversation.opened
    drained = await wait_published(url, tenant, events)
    result["single"] = {
        "messages": singles,
        "accepted_msgs_per_s": round(singles / elapsed),
        **summary(latencies),
        "events": events,
        "events_published_per_s": round(events / (drained - t0)),
        **cpu,
    }

    # Batches of batch_size (backfill), 4 in flight, 1000 distinct customers.
    tenant = str(uuid.uuid4())
    md = tenant_metadata(tenant)
    phones = [f"+1628{5550000 + k:07d}" for k in range(1000)]
    gate = asyncio.Semaphore(4)
    latencies = []

    async def batch(b: int) -> None:
        async with gate:
            messages = [
                request(b * batch_size + j, phones[(b * batch_size + j) % len(phones)], "batch")
                for j in range(batch_size)
            ]
            t0 = time.perf_counter()
            reply = await stub.IngestMessages(
                pb.IngestMessagesRequest(messages=messages), metadata=md, timeout=120
            )
            latencies.append(time.perf_counter() - t0)
            assert all(r.WhichOneof("outcome") == "ingested" for r in reply.results)

    profiler = cProfile.Profile() if profile else None
    t0, c0 = time.perf_counter(), cpu_s()
    if profiler:
        profiler.enable()
    await asyncio.gather(*(batch(b) for b in range(batches)))
    elapsed = time.perf_counter() - t0
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    cpu = cpu_per_message(c0, batches * batch_size)
    total = batches * batch_size
    events = total + len(phones)
    drained = await wait_published(url, tenant, events)
    result["batch"] = {
        "batch_size": batch_size,
        "messages": total,
        "accepted_msgs_per_s": round(total / elapsed),
        "per_batch": summary(latencies),
        "events": events,
        "events_published_per_s": round(events / (drained - t0)),
        **cpu,
    }
    # Repeat of the first batch: all duplicates, nothing stored.
    again = await stub.IngestMessages(
        pb.IngestMessagesRequest(
            messages=[request(j, phones[j % len(phones)], "batch") for j in range(batch_size)]
        ),
        metadata=md,
        timeout=120,
    )
    result["batch"]["repeat_all_duplicates"] = all(r.ingested.duplicate for r in again.results)
    return result


async def bench_new_contacts(stub, directory, rounds: int, size: int) -> dict:
    """A batch of `size` messages from `size` new contacts through IngestMessages, side by side
    in one run: `one_call` as the service resolves them (one ResolveCustomers call for the
    batch), `per_contact` as it did before (#25: one ResolveCustomer call per contact, 16 at once,
    the old `_resolve_contacts` loop, put back in place of `resolve_many` for its rounds).
    Rounds alternate (per_contact first), each in its own tenant; p50 of the batch's time."""
    one_call = directory.resolve_many
    gate = asyncio.Semaphore(16)

    async def per_contact(contacts):  # type: ignore[no-untyped-def]
        async def one(contact, display_name):  # type: ignore[no-untyped-def]
            async with gate:
                try:
                    return await directory.resolve(contact, display_name)
                except DomainError as exc:
                    return exc

        return list(await asyncio.gather(*(one(c, n) for c, n in contacts)))

    times: dict[str, list[float]] = {"per_contact": [], "one_call": []}
    try:
        for r in range(rounds):
            for mode, resolve_many in (("per_contact", per_contact), ("one_call", one_call)):
                directory.resolve_many = resolve_many
                md = tenant_metadata(str(uuid.uuid4()))
                messages = [
                    request(j, f"+1628{5550000 + j:07d}", f"new-{mode}-{r}") for j in range(size)
                ]
                t0 = time.perf_counter()
                reply = await stub.IngestMessages(
                    pb.IngestMessagesRequest(messages=messages), metadata=md, timeout=120
                )
                times[mode].append(time.perf_counter() - t0)
                assert all(x.ingested.customer_created for x in reply.results), mode
    finally:
        directory.resolve_many = one_call
    p50 = {mode: statistics.median(t) for mode, t in times.items()}
    return {
        "batch_size": size,
        "rounds": rounds,
        **{
            f"{mode}_ms": {"p50": round(p50[mode] * 1000), "all": [round(t * 1000) for t in ts]}
            for mode, ts in times.items()
        },
        "new_contacts_per_s": {mode: round(size / p50[mode]) for mode in times},
        "speedup_p50": round(p50["per_contact"] / p50["one_call"], 1),
        "load_avg_1m_before_after": [LOAD_AT_START, round(os.getloadavg()[0], 2)],
    }


async def main() -> None:
    ensure_local_keys()  # the services started here verify what this process signs
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--search-rounds", type=int, default=200)
    parser.add_argument("--singles", type=int, default=3000)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--new-contact-rounds", type=int, default=5)
    parser.add_argument("--new-contact-batch", type=int, default=200)
    parser.add_argument(
        "--only-new-contacts",
        action="store_true",
        help="only the new-contacts batch, one ResolveCustomers call vs one call per contact",
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--profile", default="", help="cProfile the batch phase into this file")
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    nats_url = os.environ.get("NATS_URL", "nats://127.0.0.1:4222")
    suffix = uuid.uuid4().hex[:8]
    names = [f"bench_ingest_conversation_{suffix}", f"bench_ingest_customer_{suffix}"]
    conversation_db = await create_database(server, names[0])
    customer_db = await create_database(server, names[1])
    report: dict = {"started_at": datetime.now(UTC).isoformat()}
    try:
        await migrate_conversation(conversation_db)
        await migrate_customer(customer_db)
        tenant = str(uuid.uuid4())
        if not args.only_new_contacts:
            report["seed"] = await seed(conversation_db, tenant, args.messages)
            print(json.dumps(report["seed"]), flush=True)
        async with (
            running_customer_service(customer_db, nats_url) as customer,
            running_conversation_service(
                conversation_db,
                nats_url,
                customer.address,
                db_pool_size=20,
                customer_timeout=30,
            ) as conversation,
        ):
            if args.new_contact_rounds:
                report["new_contacts"] = await bench_new_contacts(
                    conversation.stub,
                    conversation.container.customers,
                    args.new_contact_rounds,
                    args.new_contact_batch,
                )
                print(json.dumps(report["new_contacts"], indent=1), flush=True)
            if not args.only_new_contacts:
                report["search"] = await bench_search(conversation.stub, tenant, args.search_rounds)
                print(json.dumps(report["search"], indent=1), flush=True)
                report["ingest"] = await bench_ingest(
                    conversation.stub,
                    conversation_db,
                    args.singles,
                    args.batches,
                    args.batch_size,
                    args.profile,
                )
    finally:
        if not args.keep:
            for name in names:
                await drop_database(server, name)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
