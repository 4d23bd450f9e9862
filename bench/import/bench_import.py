"""Customer import and export at scale (never part of `make test`): a generated CSV of N rows is
uploaded through the gateway (in-process, multipart, as a browser would), run by the customer
service's Celery worker (`moodline-customer worker`, its own process, solo pool), and timed to
`completed`; side by side in the same run, a raw PostgreSQL `COPY` of the same file into a
plain table (the floor: no validation, no indexes, no matching). The worker's peak RSS (VmHWM)
is read for each size (a fresh worker per size). Then every customer is exported to CSV by a
fresh worker, timed, its peak RSS read, and the download streamed through the signed URL.

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres \\
    NATS_URL=nats://127.0.0.1:4222 REDIS_URL=redis://127.0.0.1:6379/0 \\
    nice .venv/bin/python bench/import/bench_import.py --sizes 100000 1000000

Creates throw-away databases (dropped at the end unless --keep). Rows: first, last name,
company, a US phone in national format (distinct, as in a real list), an e-mail, city and two
tags; every 50th row has a bad phone and no e-mail (2% rejected, reported); every 200th repeats
the name and company of a person 102 rows earlier with other contacts (0.5%: reported as
possible duplicates). `--floor-upto N` also times (for sizes up to N) the customers the import
wrote, copied set-based into a copy of the customers table with all its indexes (no Python, no
side tables): what PostgreSQL alone needs for the main table's writes, beside the raw COPY.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
from customer.config import CustomerSettings
from customer.testing import celery_worker, migrate, running_customer_service
from gateway.app import create_app
from gateway.auth import create_tenant
from gateway.cli import MIGRATIONS
from gateway.config import GatewaySettings
from moodline_devkit.testing.databases import create_database, drop_database
from moodline_kit import migrations
from moodline_kit.auth import ensure_local_keys

AREAS = ("212", "415", "646", "718", "312", "617", "202", "305", "404", "512")


def write_csv(path: Path, rows: int) -> int:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["First Name", "Last Name", "Company", "Mobile", "E-mail", "City", "Tags"])
        for i in range(rows):
            area = AREAS[i % 10]
            exchange = 200 + (i // 10) % 800
            line = (i // 8000) % 10000
            if i % 50 == 49:
                writer.writerow([f"Bad{i}", "Row", "", "12", "", "", ""])
                continue
            person = i - 102 if i % 200 == 150 else i
            writer.writerow([f"First{person}", f"Last{person % 997}", f"Company {person % 5000}",
                             f"({area}) {exchange}-{line:04d}", f"person{i}@example{i % 97}.com",
                             "Springfield", "imported; bench"])  # fmt: skip
    return path.stat().st_size


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def plain_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def raw_copy(database_url: str, path: Path) -> float:
    conn = await asyncpg.connect(plain_dsn(database_url))
    try:
        await conn.execute(
            "CREATE TABLE raw_copy (first_name text, last_name text, company text, phone text, "
            "email text, city text, tags text)"
        )
        started = time.perf_counter()
        await conn.copy_to_table("raw_copy", source=str(path), format="csv", header=True)
        elapsed = time.perf_counter() - started
        await conn.execute("DROP TABLE raw_copy")
        return elapsed
    finally:
        await conn.close()


async def floor_copy(database_url: str, tenant: str) -> tuple[int, float]:
    """The tenant's customers written again, set-based, into a copy of the table with every
    index (the floor of the main table's writes)."""
    conn = await asyncpg.connect(plain_dsn(database_url))
    try:
        await conn.execute("CREATE TABLE floor_customers (LIKE customers INCLUDING ALL)")
        started = time.perf_counter()
        done = await conn.execute(
            "INSERT INTO floor_customers SELECT * FROM customers WHERE tenant_id = $1",
            uuid.UUID(tenant),
        )
        elapsed = time.perf_counter() - started
        await conn.execute("DROP TABLE floor_customers")
        return int(done.split()[-1]), elapsed
    finally:
        await conn.close()


def load() -> str:
    return "load average " + " / ".join(f"{x:.1f}" for x in os.getloadavg())


class ChildRss:
    """The largest resident set seen of the worker's child processes (the import's validation
    process lives only while its job runs: sampled while waiting)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_mib = 0.0

    def sample(self) -> None:
        try:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        except OSError:
            return
        for child in children:
            try:
                status = Path(f"/proc/{child}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    self.peak_mib = max(self.peak_mib, int(line.split()[1]) / 1024)


async def wait(
    client, headers, url: str, within: float = 7200, rss: ChildRss | None = None
) -> dict:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if rss is not None:
            rss.sample()
        state = (await client.get(url, headers=headers)).json()
        if state["status"] in ("completed", "failed", "cancelled"):
            return state
        await asyncio.sleep(0.5)
    raise TimeoutError(url)


async def main(args: argparse.Namespace) -> None:
    ensure_local_keys()
    server = os.environ["DATABASE_URL"]
    nats_url = os.environ["NATS_URL"]
    redis_url = os.environ["REDIS_URL"]
    tag = uuid.uuid4().hex[:8]
    names = (f"bench_import_customer_{tag}", f"bench_import_gateway_{tag}")
    customer_db = await create_database(server, names[0])
    gateway_db = await create_database(server, names[1])
    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    results: list[str] = []
    try:
        await migrate(customer_db)
        await asyncio.to_thread(migrations.upgrade, MIGRATIONS, gateway_db)
        async with running_customer_service(
            customer_db,
            nats_url,
            redis_url=redis_url,
            jobs_queue=f"customer-bench-{tag}",
            db_pool_size=4,
        ) as customer:
            settings: CustomerSettings = customer.container.settings
            gw = GatewaySettings(
                database_url=gateway_db,
                customer_addr=customer.address,
                redis_url=redis_url,
                nats_url=nats_url,
                max_import_bytes=1024**3,
                rate_limit_per_minute=1_000_000,
                rate_limit_burst=100_000,
                upstream_timeout=600.0,
            )
            app = create_app(gw)
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://gw", timeout=3600
                ) as client:
                    for size in args.sizes:
                        tenant, key = await create_tenant(
                            app.state.engine, name=f"bench {size}", default_country="US"
                        )
                        headers = {"Authorization": f"Bearer {key}"}
                        path = work / f"customers-{size}.csv"
                        nbytes = await asyncio.to_thread(write_csv, path, size)
                        copy_s = await raw_copy(customer_db, path)
                        load_before = load()
                        started = time.perf_counter()
                        with path.open("rb") as handle:
                            uploaded = (
                                await client.post(
                                    "/api/v1/imports",
                                    headers=headers,
                                    files={"file": (path.name, handle, "text/csv")},
                                )
                            ).json()
                        upload_s = time.perf_counter() - started
                        url = f"/api/v1/imports/{uploaded['id']}"
                        log = work / f"worker-import-{size}.log"
                        with celery_worker(settings, log) as worker:
                            await asyncio.sleep(3)  # the worker's start-up is not the import's
                            run_started = time.perf_counter()
                            children = ChildRss(worker.pid)
                            await client.post(f"{url}/run", headers=headers, json={})
                            done = await wait(client, headers, url, rss=children)
                            run_s = time.perf_counter() - run_started
                            rss = peak_rss_mib(worker.pid)
                        total_s = upload_s + run_s
                        line = (
                            f"import {size:,} rows ({nbytes / 2**20:.0f} MiB): status "
                            f"{done['status']}, created {done['created']:,}, failed "
                            f"{done['failed']:,}, possible duplicates "
                            f"{done.get('possible_duplicates', 0):,}; upload {upload_s:.1f} s, job "
                            f"{run_s:.1f} s, "
                            f"end to end {total_s:.1f} s = {size / total_s:,.0f} rows/s "
                            f"(job alone {size / run_s:,.0f} rows/s); raw COPY of the same "
                            f"file {copy_s:.2f} s = {size / copy_s:,.0f} rows/s; ratio "
                            f"{copy_s / total_s:.3f}x COPY (job alone {copy_s / run_s:.3f}x); "
                            f"worker peak RSS {rss:.0f} MiB (its validation process "
                            f"{children.peak_mib:.0f} MiB, sampled); {load_before} before, "
                            f"{load()} after"
                        )
                        print(line, flush=True)
                        results.append(line)
                        path.unlink()
                        if size <= args.floor_upto:
                            rows, floor_s = await floor_copy(customer_db, str(tenant))
                            share = copy_s / floor_s * rows / size
                            line = (
                                f"floor: its {rows:,} customers copied set-based into a copy of "
                                f"the customers table with every index: {floor_s:.1f} s = "
                                f"{rows / floor_s:,.0f} rows/s ({share:.3f}x "
                                f"the raw COPY per row); {load()}"
                            )
                            print(line, flush=True)
                            results.append(line)
                        if args.skip_export:
                            continue
                        log = work / f"worker-export-{size}.log"
                        with celery_worker(settings, log) as worker:
                            await asyncio.sleep(3)
                            started = time.perf_counter()
                            made = (
                                await client.post(
                                    "/api/v1/exports", headers=headers, json={"format": "csv"}
                                )
                            ).json()
                            done = await wait(client, headers, f"/api/v1/exports/{made['id']}")
                            export_s = time.perf_counter() - started
                            rss = peak_rss_mib(worker.pid)
                        got = 0
                        started = time.perf_counter()
                        async with client.stream("GET", done["download_url"]) as response:
                            async for data in response.aiter_bytes():
                                got += len(data)
                        download_s = time.perf_counter() - started
                        line = (
                            f"export {done['total']:,} customers to CSV: {export_s:.1f} s = "
                            f"{done['total'] / export_s:,.0f} rows/s, {got / 2**20:.0f} MiB, "
                            f"download {download_s:.1f} s; worker peak RSS {rss:.0f} MiB; {load()}"
                        )
                        print(line, flush=True)
                        results.append(line)
    finally:
        if not args.keep:
            for name in names:
                await drop_database(server, name)
    print("\n".join(["", "summary:", *results]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--floor-upto", type=int, default=0, help="sizes to measure the floor at")
    asyncio.run(main(parser.parse_args()))
