"""Loyalty adjustments (never part of `make test`): AdjustBalance through a real loyalty service
(`moodline-loyalty serve` in its own process: gRPC, PostgreSQL, outbox relay to NATS) —
adjustments/s and latency p50/p99 on ONE hot enrolment (every call waits for its row lock) and
spread over 10,000 enrolments; then every idempotency key is replayed (nothing may change) and
the balances are checked to the point.

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres \\
    NATS_URL=nats://127.0.0.1:4222 nice .venv/bin/python bench/loyalty/bench_loyalty.py

Options: --adjustments N (per scenario, default 4000), --concurrency C (calls in flight,
default 32), --enrolments E (spread scenario, default 10000), --pool P (service DB pool, 10).
Creates a throw-away database (dropped at the end). Mixed load: odd calls earn 3, even calls
redeem 2 (each enrolment starts with enough to never run dry).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from moodline.loyalty.v1 import loyalty_pb2 as pb
from moodline.loyalty.v1.loyalty_pb2_grpc import LoyaltyServiceStub
from moodline_devkit.infra import free_port
from moodline_devkit.testing.databases import create_database, drop_database
from moodline_kit.auth import ensure_local_keys
from moodline_kit.grpc.client import tenant_metadata

BIN = Path(sys.executable).parent


@contextlib.asynccontextmanager
async def served(database_url: str, nats_url: str, pool: int) -> AsyncIterator[LoyaltyServiceStub]:
    """`moodline-loyalty migrate`, then `serve` in a process of its own until the bench ends."""
    port = free_port()
    suffix = f"-bench-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "NATS_URL": nats_url,
        "GRPC_PORT": str(port),
        "GRPC_HOST": "127.0.0.1",
        "DB_POOL_SIZE": str(pool),
        "CONSUMER_SUFFIX": suffix,
        "CONSUMER_START": "new",
        "LOG_LEVEL": "WARNING",
    }
    await asyncio.to_thread(
        subprocess.run, [BIN / "moodline-loyalty", "migrate"], env=env, check=True
    )
    proc = await asyncio.to_thread(subprocess.Popen, [BIN / "moodline-loyalty", "serve"], env=env)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        health = health_pb2_grpc.HealthStub(channel)
        for _ in range(120):
            with contextlib.suppress(grpc.aio.AioRpcError):
                reply = await health.Check(health_pb2.HealthCheckRequest(), timeout=1)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    break
            await asyncio.sleep(0.5)
        yield LoyaltyServiceStub(channel)
    finally:
        await channel.close()
        proc.terminate()
        await asyncio.to_thread(proc.wait, 30)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(stub, md, targets: list[str], n: int, concurrency: int, tag: str) -> dict:
    """n adjustments, target chosen per call; returns figures and the expected deltas."""
    latencies: list[float] = []
    expected: dict[str, int] = {}
    requests = []
    for i in range(n):
        target = targets[i % len(targets)] if len(targets) == 1 else random.choice(targets)
        delta, reason = (3, pb.LEDGER_REASON_EARNED) if i % 2 else (-2, pb.LEDGER_REASON_REDEEMED)
        expected[target] = expected.get(target, 0) + delta
        requests.append(
            pb.AdjustBalanceRequest(
                enrolment_id=target, delta=delta, reason=reason, idempotency_key=f"{tag}-{i}"
            )
        )
    queue = iter(requests)

    async def worker() -> None:
        for request in queue:
            started = time.perf_counter()
            await stub.AdjustBalance(request, metadata=md, timeout=60)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - started
    return {
        "rate": n / wall,
        "p50": statistics.median(latencies) * 1000,
        "p99": pct(latencies, 0.99) * 1000,
        "expected": expected,
        "requests": requests,
    }


async def replay(stub, md, requests, concurrency: int) -> float:
    queue = iter(requests)

    async def worker() -> None:
        for request in queue:
            out = await stub.AdjustBalance(request, metadata=md, timeout=60)
            assert out.replayed, "a replay changed the ledger"

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return len(requests) / (time.perf_counter() - started)


async def check(stub, md, starting: int, expected: dict[str, int]) -> None:
    for enrolment_id, delta in expected.items():
        got = await stub.GetEnrolment(pb.GetEnrolmentRequest(id=enrolment_id), metadata=md)
        assert got.balance == starting + delta, (enrolment_id, got.balance, starting + delta)


async def main() -> None:
    ensure_local_keys()  # the services started here verify what this process signs
    parser = argparse.ArgumentParser()
    parser.add_argument("--adjustments", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--enrolments", type=int, default=10_000)
    parser.add_argument("--pool", type=int, default=10)
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    nats_url = os.environ.get("NATS_URL", "nats://127.0.0.1:4222")
    name = f"bench_loyalty_{uuid.uuid4().hex[:8]}"
    url = await create_database(server, name)
    try:
        async with served(url, nats_url, args.pool) as stub:
            md = tenant_metadata(str(uuid.uuid4()))
            program = await stub.CreateProgram(
                pb.CreateProgramRequest(
                    program=pb.Program(name="Bench", type=pb.PROGRAM_TYPE_POINTS)
                ),
                metadata=md,
            )
            starting = 1_000_000
            ids: list[str] = []
            started = time.perf_counter()
            for chunk in range(0, args.enrolments, 5000):
                size = min(5000, args.enrolments - chunk)
                out = await stub.BulkEnrol(
                    pb.BulkEnrolRequest(
                        program_id=program.id,
                        entries=[
                            pb.BulkEnrolEntry(
                                customer_id=str(uuid.uuid4()), starting_balance=starting
                            )
                            for _ in range(size)
                        ],
                    ),
                    metadata=md,
                    timeout=300,
                )
                ids += [r.enrolment_id for r in out.results]
            enrol_s = time.perf_counter() - started
            print(
                f"bulk enrolment: {len(ids)} enrolments in {enrol_s:.1f} s "
                f"({len(ids) / enrol_s:.0f}/s, 5,000 per call)",
                flush=True,
            )
            for scenario, targets in (("hot (1 enrolment)", ids[:1]), ("spread", ids[1:])):
                label = scenario if len(targets) == 1 else f"spread ({len(targets)} enrolments)"
                tag = uuid.uuid4().hex[:6]
                r = await run(stub, md, targets, args.adjustments, args.concurrency, tag)
                await check(stub, md, starting, r["expected"])
                again = await replay(stub, md, r["requests"], args.concurrency)
                await check(stub, md, starting, r["expected"])
                print(
                    f"{label:28s} {args.adjustments} adjustments, {args.concurrency} in flight: "
                    f"{r['rate']:7.0f} adj/s  p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms  "
                    f"| replays {again:6.0f}/s, nothing changed, balances exact",
                    flush=True,
                )
    finally:
        await drop_database(server, name)


if __name__ == "__main__":
    asyncio.run(main())
