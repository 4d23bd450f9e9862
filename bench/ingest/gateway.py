"""Batch ingestion through the gateway, every service in its own process (never in `make test`).

    .venv/bin/python bench/ingest/gateway.py [--batches 40] [--batch-size 100,500] [--in-flight 4]
        [--baseline DIR]

1. Starts the platform as `make run` does (bench/load/run.py's `start_platform`: embedded
   PostgreSQL, NATS, Redis, the CPU Triton, every service, Celery and the gateway under
   supervisord, each in its own process).
2. POSTs `--batches` batches of `--batch-size` messages to /api/v1/conversations/messages/batch,
   `--in-flight` at once, from 1,000 distinct phones, each already known (a warm-up sends one
   message from each first, in batches of 50: each creates a Prospect through the customer
   service, reported as new_contacts_msgs_per_s) -> accepted msgs/s and per-batch p50/p99; a
   batch answered with a 5xx is sent again (counted).
3. Waits until the conversation service's outbox is drained and every message is on its
   customer's timeline (the customer read model's consumer has caught up), then reports the CPU
   each process spent per message over that window (from /proc: gateway, conversation, customer,
   sentiment, Triton, PostgreSQL backends, NATS), and the messages sentiment scored in it.
4. Repeats the first batch: every item must come back `duplicate` (nothing stored twice).
With --baseline DIR the same run is first made with the checkout in DIR (its own .venv), so
that the two figures come from one run on the same machine state.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psutil
import sqlalchemy as sa
from moodline_devkit.infra import stop_platform
from sqlalchemy.ext.asyncio import create_async_engine

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "bench" / "load"))
from run import platform_processes, start_platform  # noqa: E402

BATCH = "/api/v1/conversations/messages/batch"
PHONES = [f"+1628{5550000 + k:07d}" for k in range(1000)]


def body(start: int, size: int, run: str) -> dict:
    now = datetime.now(UTC)
    return {
        "messages": [
            {
                "provider_message_id": f"{run}-{i}",
                "channel": "sms",
                "customer": {"phone": PHONES[i % len(PHONES)]},
                "direction": "inbound",
                "author": "customer",
                "text": f"[{run}] message {i}: can I move my appointment? order #{10000 + i}",
                "sent_at": (now - timedelta(seconds=i)).isoformat(),
            }
            for i in range(start, start + size)
        ]
    }


def group(name: str) -> str:
    """Process name -> hop (PostgreSQL backends and Triton stubs summed)."""
    for prefix in ("postgres", "triton"):
        if name.startswith(prefix):
            return prefix
    return name.split("-")[0] if name[-1].isdigit() else name


def cpu(procs: dict[str, psutil.Process]) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for name, p in procs.items():
        try:
            t = p.cpu_times()
        except psutil.Error:
            continue
        out[f"{group(name)}"] += t.user + t.system
    return out


async def counts(pg_port: str, run: str) -> dict[str, int]:
    """Messages stored, outbox rows still unpublished, messages the customer read model counted,
    messages scored (the platform's own databases)."""
    queries = {
        "stored": (
            "conversation",
            "SELECT count(*) FROM messages WHERE provider_message_id LIKE :run",
        ),
        "unpublished": ("conversation", "SELECT count(*) FROM outbox WHERE published_at IS NULL"),
        "counted": (
            "customer",
            "SELECT count(*) FROM customer_timeline "
            "WHERE type = 'conversation.message.received' AND summary LIKE :tag",
        ),
        "scored": ("sentiment", "SELECT count(*) FROM message_scores"),
    }
    out = {}
    for key, (db, sql) in queries.items():
        engine = create_async_engine(
            f"postgresql+asyncpg://postgres@127.0.0.1:{pg_port}/moodline_{db}"
        )
        try:
            async with engine.connect() as conn:
                out[key] = (
                    await conn.execute(sa.text(sql), {"run": f"{run}-%", "tag": f"%[{run}]%"})
                ).scalar_one()
        except Exception as exc:  # a table this checkout does not have
            out[key] = -1
            print(f"{key}: {exc!r}"[:200], file=sys.stderr)
        finally:
            await engine.dispose()
    return out


async def ingest(base: str, key: str, batches: int, size: int, in_flight: int, run: str) -> dict:
    """A batch that fails (a 5xx: the gateway's deadline passed) is sent again, as a client
    would: what its first try stored comes back `duplicate`."""
    gate = asyncio.Semaphore(in_flight)
    latencies: list[float] = []
    retries = 0
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=300) as client:

        async def one(b: int) -> None:
            nonlocal retries
            payload = body(b * size, size, run)
            tries = 0
            while True:
                tries += 1
                async with gate:
                    t0 = time.perf_counter()
                    r = await client.post(BATCH, json=payload)
                    latencies.append(time.perf_counter() - t0)
                if r.status_code < 500 or tries == 5:
                    break
                retries += 1
            r.raise_for_status()
            statuses = {x["status"] for x in r.json()["results"]}
            assert statuses <= {"accepted", "duplicate"} and (tries > 1 or statuses == {"accepted"})

        t0 = time.perf_counter()
        await asyncio.gather(*(one(b) for b in range(batches)))
        elapsed = time.perf_counter() - t0
        again = await client.post(BATCH, json=body(0, size, run))
        again.raise_for_status()
    ms = sorted(x * 1000 for x in latencies)
    return {
        "elapsed_s": elapsed,
        "msgs_per_s": batches * size / elapsed,
        "batch_p50_ms": statistics.median(ms),
        "batch_p99_ms": ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))],
        "retried_batches": retries,
        "repeat_all_duplicates": all(x["status"] == "duplicate" for x in again.json()["results"]),
    }


async def phase(var: Path, info: dict, bin_dir: Path, size: int, args: argparse.Namespace) -> dict:
    """`args.batches` batches of `size`; then until the outbox is drained and the customer read
    model has every message: msgs/s and CPU per message per process."""
    pg_port = info["ports"]["MOODLINE_PG_PORT"]
    run = f"s{size}-{int(time.time())}"
    before = await counts(pg_port, run)
    load = os.getloadavg()
    c0, t0 = cpu(platform_processes(var, bin_dir)), time.perf_counter()
    try:
        result = await ingest(
            info["gateway_url"], info["api_key"], args.batches, size, args.in_flight, run
        )
    except httpx.HTTPStatusError as exc:  # a batch failed 5 times
        return {"batch_size": size, "failed": str(exc).splitlines()[0]}
    total = args.batches * size
    deadline = time.perf_counter() + args.drain_s
    while time.perf_counter() < deadline:
        now = await counts(pg_port, run)
        if now["unpublished"] == 0 and now["counted"] >= total:
            break
        await asyncio.sleep(0.5)
    drained = time.perf_counter() - t0
    c1 = cpu(platform_processes(var, bin_dir))
    spent = {k: c1[k] - c0.get(k, 0.0) for k in c1}
    return {
        "batch_size": size,
        **result,
        "load_before": [round(x, 1) for x in load],
        "load_after": [round(x, 1) for x in os.getloadavg()],
        "stored": now["stored"],
        "on_timelines": now["counted"],
        "drained_s": drained,
        # until every message is on its customer's timeline (or --drain-s ran out)
        "pipeline_msgs_per_s": now["counted"] / drained,
        "scored_in_window": now["scored"] - before["scored"],
        "cpu_ms_per_msg": {
            k: round(v * 1000 / total, 3)
            for k, v in sorted(spent.items(), key=lambda kv: -kv[1])
            if v > 0.05
        },
    }


async def measure(var: Path, info: dict, checkout: Path, args: argparse.Namespace) -> dict:
    # Warm-up (not measured): one message from each phone in batches of 50, so the measured
    # batches are of known contacts (each new contact is one ResolveCustomer call, reported
    # apart as "new_contacts").
    t0 = time.perf_counter()
    await ingest(info["gateway_url"], info["api_key"], len(PHONES) // 50, 50, 1, "warm")
    out: dict = {"new_contacts_msgs_per_s": len(PHONES) / (time.perf_counter() - t0)}
    for size in args.batch_size:
        await asyncio.sleep(5)
        out[f"batch_{size}"] = await phase(var, info, checkout / ".venv" / "bin", size, args)
        print(json.dumps(out[f"batch_{size}"]), flush=True)
    return out


def one_checkout(checkout: Path, args: argparse.Namespace) -> dict:
    work = Path(tempfile.mkdtemp(prefix="moodline-ingest-"))
    os.chmod(work, 0o755)
    (work / "var").mkdir()
    os.chmod(work / "var", 0o755)
    started = time.perf_counter()
    proc, info = start_platform(work / "var", checkout)
    print(f"{checkout}: platform up in {time.perf_counter() - started:.0f} s", flush=True)
    try:
        commit = subprocess.run(
            ["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        return {"checkout": str(checkout), "commit": commit} | asyncio.run(
            measure(work / "var", info, checkout, args)
        )
    finally:
        stop_platform(proc)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--batches", type=int, default=40)
    ap.add_argument(
        "--batch-size",
        type=lambda v: [int(x) for x in v.split(",")],
        default=[100, 500],
        help="comma-separated: one measured phase each, in this order",
    )
    ap.add_argument("--in-flight", type=int, default=4)
    ap.add_argument(
        "--drain-s", type=float, default=300, help="longest wait for the consumers to catch up"
    )
    ap.add_argument("--baseline", type=Path, help="another checkout (with its .venv), run first")
    args = ap.parse_args()
    runs = []
    for checkout in ([args.baseline.resolve()] if args.baseline else []) + [REPO]:
        runs.append(one_checkout(checkout, args))
        print(json.dumps(runs[-1], indent=1), flush=True)
    print(json.dumps(runs, indent=1))
    print("\n| checkout | batch | load | msgs/s | batch p50 / p99 ms | CPU ms/msg (top 5) |")
    print("| --- | ---: | --- | ---: | --- | --- |")
    for r in runs:
        for key in (k for k in r if k.startswith("batch_")):
            p = r[key]
            if "failed" in p:
                print(f"| {r['commit']} | {p['batch_size']} | | failed: {p['failed']} | | |")
                continue
            top = ", ".join(f"{k} {v:.2f}" for k, v in list(p["cpu_ms_per_msg"].items())[:5])
            print(
                f"| {r['commit']} | {p['batch_size']} | {p['load_before'][0]} | "
                f"{p['msgs_per_s']:.0f} | {p['batch_p50_ms']:.0f} / {p['batch_p99_ms']:.0f} | "
                f"{top} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
