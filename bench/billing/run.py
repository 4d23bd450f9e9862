"""Billing through the gateway, on the platform `make run` started (reads var/run.json):

1. bookings/s — `--clients` concurrent clients POST confirmed bookings (each its own slot of
   one of 3 staff members, so the exclusion constraint is checked on every insert) for
   `--seconds`; throughput and p50/p99 latency of the 201s.
2. payments/s — the same with POST /api/v1/payments (cash, standalone, random customers).
Between 2. and 3. it waits until the customer service's read-model consumer has worked off
what 1. and 2. published (and reports how long that took), so 3. starts without a backlog.
3. payment recorded -> LTV visible — while a background load of `--load` bookings+payments per
   second runs, `--probes` times: a fresh customer, one payment of a random amount, then
   GET /api/v1/customers/{id} every 10 ms until its `lifetime_value_minor` shows it; the time
   from the payment's 201 to that read (billing commit -> outbox relay -> JetStream -> the
   customer service's read model -> the gateway). p50/p95/p99/max.

    python bench/billing/run.py [--var var] [--clients 8] [--seconds 20] [--load 10] [--probes 100]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import nats

ROOT = Path(__file__).resolve().parents[2]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Bench:
    def __init__(self, url: str, key: str) -> None:
        self.client = httpx.AsyncClient(
            base_url=url,
            headers={"Authorization": f"Bearer {key}"},
            timeout=30,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
        )
        self.slots = itertools.count()
        self.origin = datetime(2030, 1, 1, tzinfo=UTC) + timedelta(days=random.randint(0, 3000))
        self.staff: list[str] = []

    async def setup(self) -> None:
        for name in ("Bench A", "Bench B", "Bench C"):
            r = await self.client.post("/api/v1/staff", json={"name": name})
            r.raise_for_status()
            self.staff.append(r.json()["id"])

    async def booking(self) -> httpx.Response:
        n = next(self.slots)
        start = self.origin + timedelta(minutes=30 * (n // len(self.staff)))
        return await self.client.post(
            "/api/v1/bookings",
            json={
                "customer_id": str(uuid.uuid4()),
                "staff_id": self.staff[n % len(self.staff)],
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(minutes=30)).isoformat(),
                "amount_minor": 4_500,
                "currency": "USD",
                "confirm": True,
            },
        )

    async def payment(self, customer_id: str | None = None, amount: int = 2_000) -> httpx.Response:
        return await self.client.post(
            "/api/v1/payments",
            json={
                "customer_id": customer_id or str(uuid.uuid4()),
                "amount_minor": amount,
                "currency": "USD",
                "method": "cash",
            },
        )


async def throughput(call, clients: int, seconds: float) -> dict:  # type: ignore[no-untyped-def]
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal errors
        while time.monotonic() < deadline:
            t0 = time.perf_counter()
            r = await call()
            if r.status_code == 201:
                latencies.append(time.perf_counter() - t0)
            else:
                errors += 1

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(clients)))
    elapsed = time.monotonic() - started
    return {
        "per_s": len(latencies) / elapsed,
        "ok": len(latencies),
        "errors": errors,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * pct(latencies, 99),
    }


async def background(bench: Bench, rate: float, stop: asyncio.Event) -> int:
    sent = 0
    tasks: set[asyncio.Task] = set()
    while not stop.is_set():
        for call in (bench.booking, bench.payment):
            task = asyncio.create_task(call())
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            sent += 1
        await asyncio.sleep(2 / rate)
    await asyncio.gather(*tasks, return_exceptions=True)
    return sent


async def visibility(bench: Bench, probes: int) -> dict:
    waits: list[float] = []
    for _ in range(probes):
        customer = await bench.client.post("/api/v1/customers", json={"first_name": "Probe"})
        customer.raise_for_status()
        cid = customer.json()["id"]
        amount = random.randint(100, 90_000)
        r = await bench.payment(cid, amount)
        r.raise_for_status()
        recorded = time.perf_counter()
        while True:
            seen = await bench.client.get(f"/api/v1/customers/{cid}")
            if seen.json().get("lifetime_value_minor") == amount:
                waits.append(time.perf_counter() - recorded)
                break
            if time.perf_counter() - recorded > 30:
                raise TimeoutError(f"LTV of {cid} not visible after 30 s")
            await asyncio.sleep(0.01)
    return {
        "probes": len(waits),
        "p50_ms": 1000 * statistics.median(waits),
        "p95_ms": 1000 * pct(waits, 95),
        "p99_ms": 1000 * pct(waits, 99),
        "max_ms": 1000 * max(waits),
    }


async def drain(nats_url: str, durable: str = "customer-read-model") -> dict:
    """Wait until the customer service's consumer of BILLING has nothing pending."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    started = time.monotonic()
    first = None
    try:
        while True:
            info = await js.consumer_info("BILLING", durable)
            pending = info.num_pending + info.num_ack_pending
            first = pending if first is None else first
            if pending == 0:
                break
            await asyncio.sleep(0.5)
    finally:
        await nc.close()
    elapsed = time.monotonic() - started
    return {"backlog": first, "seconds": elapsed, "per_s": first / elapsed if elapsed else 0.0}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--var", default=str(ROOT / "var"))
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--load", type=float, default=10, help="background requests/s in 3.")
    parser.add_argument("--probes", type=int, default=100)
    args = parser.parse_args()
    info = json.loads((Path(args.var) / "run.json").read_text())
    bench = Bench(info["gateway_url"], info["api_key"])
    await bench.setup()
    for _ in range(20):  # warm-up
        await bench.booking()
        await bench.payment()
    results = {}
    for name, call in (("bookings", bench.booking), ("payments", bench.payment)):
        results[name] = await throughput(call, args.clients, args.seconds)
        r = results[name]
        print(
            f"{name}: {r['per_s']:.1f}/s with {args.clients} clients "
            f"(p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, {r['errors']} errors)",
            flush=True,
        )
    results["drain"] = await drain(info["nats_url"])
    d = results["drain"]
    print(
        f"customer read model worked off {d['backlog']} billing events in {d['seconds']:.0f} s "
        f"({d['per_s']:.0f}/s)",
        flush=True,
    )
    stop = asyncio.Event()
    load = asyncio.create_task(background(bench, args.load, stop))
    results["ltv_visible"] = await visibility(bench, args.probes)
    stop.set()
    results["ltv_visible"]["background_requests"] = await load
    await bench.client.aclose()
    v = results["ltv_visible"]
    print(
        f"payment recorded -> LTV visible at ~{args.load:.0f} req/s background: "
        f"p50 {v['p50_ms']:.0f} ms, p95 {v['p95_ms']:.0f} ms, p99 {v['p99_ms']:.0f} ms, "
        f"max {v['max_ms']:.0f} ms over {v['probes']} probes"
    )
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
