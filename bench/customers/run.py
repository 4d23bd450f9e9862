"""Customer list/search/stats benchmark: the same queries through the gateway and as the direct
SQL the repository issues, side by side, on the database `seed.py` made.

Starts a private NATS (so the service's durable consumers never touch anyone else's events),
the real customer service (`moodline-customer serve`) and the real gateway
(`moodline-gateway serve`) as subprocesses, then for each query: warm-up, then N sequential
requests through the gateway (aiohttp, keep-alive) and N executions of the compiled repository
statement with asyncpg. Prints a table and writes results.md next to this file.

    python bench/customers/run.py [--n 200] [--warmup 20] [--only NAME]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import asyncpg
import sqlalchemy as sa
from customer.adapters.listing import list_statement, stats_statement
from customer.domain.listing import Thresholds, parse_list_query
from moodline.customer.v1 import customer_pb2, customer_pb2_grpc
from moodline_devkit.infra import free_port, wait_for_port
from moodline_kit.auth import ensure_local_keys
from moodline_kit.grpc.client import create_channel, tenant_metadata
from sqlalchemy.dialects.postgresql import asyncpg as pg_asyncpg

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
DIALECT = pg_asyncpg.dialect()
PAGE = 50


@dataclass
class Query:
    name: str
    params: dict[str, object] = field(default_factory=dict)
    stats: bool = False
    page2: bool = False  # fetch page 1 once, then time page 2 (the cursor)


QUERIES = [
    *(
        Query(f"segment {s}", {"segment": s})
        for s in ("all", "vip", "high_value", "at_risk", "recent", "inactive", "happy", "problem")
    ),
    Query("search phone '555-01'", {"q": "555-01"}),
    Query("search phone '+44 7920 12'", {"q": "+44 7920 12"}),
    Query("search phone national '07920 12'", {"q": "07920 12"}),
    Query("search email 'garcia12'", {"q": "garcia12"}),
    Query("search email '@icloud'", {"q": "@icloud"}),
    Query("search name 'MaRtIn'", {"q": "MaRtIn"}),
    Query("search name 'hoffman'", {"q": "hoffman"}),
    Query("search company 'golden spa'", {"q": "golden spa"}),
    Query(
        "stage=repeat tag=regular sort=ltv", {"stage": "repeat", "tag": "regular", "sort": "ltv"}
    ),
    Query(
        "min_ltv=50000 channel=whatsapp sort=last_interaction",
        {"min_ltv": 50000, "channel": "whatsapp", "sort": "last_interaction"},
    ),
    Query(
        "min_conversations=20 sort=conversations",
        {"min_conversations": 20, "sort": "conversations"},
    ),
    Query("sort=name", {"sort": "name"}),
    Query(
        "sentiment=frustrated folder='Follow Up'",
        {"sentiment": "frustrated", "folder": "Follow Up"},
    ),
    Query(
        "last_contact_within_days=7 sort=last_interaction",
        {"last_contact_within_days": 7, "sort": "last_interaction"},
    ),
    Query("vip sort=ltv page 2", {"segment": "vip", "sort": "ltv"}, page2=True),
    Query("all sort=name page 2", {"sort": "name"}, page2=True),
    Query("stats", stats=True),
]


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def compiled(stmt: sa.Select) -> tuple[str, list[object]]:
    c = stmt.compile(dialect=DIALECT)
    return str(c), [c.params[k] for k in c.positiontup]


class Stack:
    """Private NATS + customer service + gateway, as subprocesses."""

    def __init__(self, state: dict) -> None:
        self.state = state
        self.procs: list[subprocess.Popen] = []
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-customers-"))
        self.http_port = free_port()

    def _start(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        log = open(self.tmp / f"{name}.log", "wb")
        self.procs.append(
            subprocess.Popen(
                argv, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
            )
        )

    def start(self) -> str:
        nats_port, grpc_port = free_port(), free_port()
        self.grpc_addr = f"127.0.0.1:{grpc_port}"
        nats_bin = shutil.which("nats-server", path=str(VENV_BIN)) or "nats-server"
        self._start(
            "nats",
            [nats_bin, "-a", "127.0.0.1", "-p", str(nats_port), "-js", "-sd", str(self.tmp)],
            {},
        )
        wait_for_port(nats_port)
        common = {
            "NATS_URL": f"nats://127.0.0.1:{nats_port}",
            "LOG_LEVEL": "WARNING",
            "METRICS_PORT": "0",
        }
        self._start(
            "customer",
            [str(VENV_BIN / "moodline-customer"), "serve"],
            {**common, "DATABASE_URL": self.state["customer_url"], "GRPC_PORT": str(grpc_port)},
        )
        wait_for_port(grpc_port)
        gateway = [str(VENV_BIN / "moodline-gateway"), "serve"]
        if os.environ.get("BENCH_PROFILE_GATEWAY"):
            out = os.environ["BENCH_PROFILE_GATEWAY"]
            gateway = [str(VENV_BIN / "python"), "-m", "cProfile", "-o", out, *gateway]
        self._start(
            "gateway",
            gateway,
            {
                **common,
                "DATABASE_URL": self.state["gateway_url"],
                "CUSTOMER_ADDR": f"127.0.0.1:{grpc_port}",
                "HTTP_HOST": "127.0.0.1",
                "HTTP_PORT": str(self.http_port),
                # a benchmark measures the path, not the per-key rate limit
                "RATE_LIMIT_PER_MINUTE": "100000000",
                "RATE_LIMIT_BURST": "1000000",
            },
        )
        wait_for_port(self.http_port)
        return f"http://127.0.0.1:{self.http_port}"

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.send_signal(signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)


async def get(client: aiohttp.ClientSession, url: str, params: dict) -> tuple[int, bytes]:
    async with client.get(url, params=params) as response:
        return response.status, await response.read()


async def gateway_times(
    client: aiohttp.ClientSession, q: Query, n: int, warmup: int, cursor: str
) -> list[float]:
    """aiohttp, not httpx: the client is not what is measured, and httpx's pure-Python
    transport costs ~0.8 ms a request here (aiohttp ~0.15 ms; asyncpg, the SQL column's
    client, is as lean)."""
    url = "/api/v1/customers/stats" if q.stats else "/api/v1/customers"
    params = {k: str(v) for k, v in q.params.items()}
    if not q.stats:
        params["limit"] = str(PAGE)
    if cursor:
        params["cursor"] = cursor
    out = []
    for i in range(warmup + n):
        started = time.perf_counter()
        status, body = await get(client, url, params)
        elapsed = time.perf_counter() - started
        if status != 200:
            raise RuntimeError(f"{q.name}: {status} {body[:300]!r}")
        if i >= warmup:
            out.append(elapsed * 1000)
    return out


async def grpc_times(stub, tenant: uuid.UUID, q: Query, cursor: str, n: int, warmup: int):  # type: ignore[no-untyped-def]
    """The customer service alone (what the gateway calls), same request."""
    md = tenant_metadata(str(tenant))
    if q.stats:
        call, request = stub.GetCustomerStats, customer_pb2.GetCustomerStatsRequest()
    else:
        p = q.params
        request = customer_pb2.ListCustomersRequest(
            query=str(p.get("q", "")),
            page_size=PAGE,
            page_token=cursor,
            segment=str(p.get("segment", "all")),
            sort=str(p.get("sort", "recent")),
            stage=str(p.get("stage", "")),
            tag=str(p.get("tag", "")),
            folder=str(p.get("folder", "")),
            channel=str(p.get("channel", "")),
            sentiment=str(p.get("sentiment", "")),
        )
        for name, field_name in (
            ("min_ltv", "min_ltv_minor"),
            ("min_conversations", "min_conversations"),
            ("last_contact_within_days", "last_contact_within_days"),
        ):
            if name in p:
                setattr(request, field_name, int(p[name]))  # type: ignore[call-overload]
        call = stub.ListCustomers
    out = []
    for i in range(warmup + n):
        started = time.perf_counter()
        await call(request, metadata=md)
        elapsed = time.perf_counter() - started
        if i >= warmup:
            out.append(elapsed * 1000)
    return out


async def sql_statement(
    conn: asyncpg.Connection, tenant: uuid.UUID, q: Query, cursor: str
) -> tuple[str, list[object]]:
    if q.stats:
        return compiled(stats_statement(tenant))
    p = q.params
    query = parse_list_query(
        text=str(p.get("q", "")),
        segment=str(p.get("segment", "")),
        sort=str(p.get("sort", "")),
        stage=str(p.get("stage", "")),
        tag=str(p.get("tag", "")),
        folder=str(p.get("folder", "")),
        channel=str(p.get("channel", "")),
        sentiment=str(p.get("sentiment", "")),
        min_ltv_minor=p.get("min_ltv"),  # type: ignore[arg-type]
        min_conversations=p.get("min_conversations"),  # type: ignore[arg-type]
        last_contact_within_days=p.get("last_contact_within_days"),  # type: ignore[arg-type]
    )
    row = await conn.fetchrow(
        "SELECT high_value_ltv_minor, recent_days, inactive_days FROM tenant_settings"
        " WHERE tenant_id = $1",
        tenant,
    )
    thresholds = Thresholds(*row) if row else Thresholds()
    stmt = list_statement(
        tenant, query, thresholds=thresholds, limit=PAGE, cursor=cursor, now=datetime.now(UTC)
    )
    return compiled(stmt)


async def sql_times(conn: asyncpg.Connection, sql: str, args: list, n: int, warmup: int):  # type: ignore[no-untyped-def]
    out = []
    statement = await conn.prepare(sql)
    for i in range(warmup + n):
        started = time.perf_counter()
        await statement.fetch(*args)
        elapsed = time.perf_counter() - started
        if i >= warmup:
            out.append(elapsed * 1000)
    return out


async def main_async(args: argparse.Namespace) -> None:
    state = json.loads((HERE / ".state.json").read_text())
    tenant = uuid.UUID(state["tenant_id"])
    dsn = state["customer_url"].replace("postgresql+asyncpg", "postgresql")
    stack = Stack(state)
    base = stack.start()
    rows: list[tuple] = []
    try:
        conn = await asyncpg.connect(dsn)
        for codec in ("json", "jsonb"):
            await conn.set_type_codec(
                codec, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
            )
        channel = create_channel(stack.grpc_addr)
        stub = customer_pb2_grpc.CustomerServiceStub(channel)
        headers = {"Authorization": f"Bearer {state['api_key']}"}
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(base, headers=headers, timeout=timeout) as client:
            for _ in range(100):  # the customer service answers once its readiness is green
                if (await get(client, "/api/v1/customers/stats", {}))[0] == 200:
                    break
                await asyncio.sleep(0.2)
            for q in QUERIES:
                if args.only and args.only not in q.name:
                    continue
                cursor = ""
                if q.page2:
                    params = {k: str(v) for k, v in q.params.items()}
                    _, first = await get(
                        client, "/api/v1/customers", {**params, "limit": str(PAGE)}
                    )
                    cursor = json.loads(first)["next_cursor"]
                gw = await gateway_times(client, q, args.n, args.warmup, cursor)
                rpc = await grpc_times(stub, tenant, q, cursor, args.n, args.warmup)
                sql, sql_args = await sql_statement(conn, tenant, q, cursor)
                direct = await sql_times(conn, sql, sql_args, args.n, args.warmup)
                count = len(await conn.fetch(sql, *sql_args))
                row = (
                    q.name,
                    statistics.median(gw),
                    pct(gw, 99),
                    statistics.median(rpc),
                    pct(rpc, 99),
                    statistics.median(direct),
                    pct(direct, 99),
                    count,
                )
                rows.append(row)
                print(
                    f"{row[0]:<50} gw {row[1]:6.2f} {row[2]:6.2f} | grpc {row[3]:6.2f} "
                    f"{row[4]:6.2f} | sql {row[5]:6.2f} {row[6]:6.2f} | "
                    f"x{row[1] / row[5]:.1f} x{row[2] / row[6]:.1f} ({count})",
                    flush=True,
                )
                if args.explain:
                    plan = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *sql_args)
                    print("\n".join("    " + r[0] for r in plan))
        await conn.close()
        await channel.close()
    finally:
        stack.stop()
    write_results(rows, state, args)


def write_results(rows, state: dict, args: argparse.Namespace) -> None:  # type: ignore[no-untyped-def]
    lines = [
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
        f"({os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at the end); "
        f"{state['customers']:,} customers in the benchmarked tenant + 2 x {state['others']:,}; "
        f"page size {PAGE}; n={args.n} sequential after {args.warmup} warm-up.",
        "",
        "| query | gateway p50 | gateway p99 | gRPC p50 | gRPC p99 | SQL p50 | SQL p99 |"
        " gw/SQL p50 | gw/SQL p99 | rows |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, gp50, gp99, rp50, rp99, sp50, sp99, count in rows:
        lines.append(
            f"| {name} | {gp50:.1f} | {gp99:.1f} | {rp50:.1f} | {rp99:.1f} | {sp50:.2f} | "
            f"{sp99:.2f} | {gp50 / sp50:.1f} | {gp99 / sp99:.1f} | {count} |"
        )
    if not args.only:
        (HERE / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    ensure_local_keys()  # the services started here verify what this process signs
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--only", default="")
    parser.add_argument("--explain", action="store_true")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
