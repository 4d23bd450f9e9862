"""The whole platform as `make run` starts it, for every e2e module: one platform per module
(module scope), in a temporary var/ with free ports, stopped with Ctrl-C at the module's end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
import redis
from moodline_devkit.infra import platform_ports, stop_platform
from moodline_devkit.stack import SERVICES
from moodline_devkit.testing.otlp import OtlpCollector

REPO = Path(__file__).resolve().parents[2]
# Seconds for `make run` to come up (MOODLINE_READY_TIMEOUT, the launcher's own wait, follows
# it); a loaded shared machine may need more.
STARTUP_BUDGET_S = int(os.environ.get("MOODLINE_E2E_STARTUP_S", "300"))


def _forget_sign_in_failures(redis_url: str) -> None:
    """A shared Redis keeps the sign-in throttle of 127.0.0.1 across test modules (the OpenAPI
    fuzz run signs in wrongly hundreds of times from that address): each platform starts clean."""
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match="moodline:login:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(scope="module")
def otlp_collector():
    """Where every process of the platform exports its spans over OTLP/gRPC."""
    with OtlpCollector() as collector:
        yield collector


@pytest.fixture(scope="module")
def platform(tmp_path_factory, otlp_collector):
    var = tmp_path_factory.mktemp("var")
    os.chmod(var, 0o755)
    env = {
        **os.environ,
        "MOODLINE_VAR": str(var),
        **platform_ports(),
        "MOODLINE_DB_PREFIX": f"e2e_{uuid.uuid4().hex[:8]}",
        "OTEL_EXPORTER_OTLP_ENDPOINT": otlp_collector.endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "200",  # export spans within ~0.2 s (default 5 s)
        "PYTHONUNBUFFERED": "1",
        "MOODLINE_READY_TIMEOUT": str(STARTUP_BUDGET_S),
    }
    if os.environ.get("NATS_URL"):
        # A shared NATS: the sentiment service gets consumers of its own that start at "now"
        # (the shared CONVERSATION stream may hold other runs' and benchmarks' messages).
        # supervisord passes its environment on to the programs.
        prefix = env["MOODLINE_DB_PREFIX"]
        env |= {
            "SCORING_CONSUMER": f"{prefix}-sentiment-scoring",
            "OUTCOMES_CONSUMER": f"{prefix}-sentiment-outcomes",
            "CONSUMER_START": "new",
            "EARN_CONSUMER": f"{prefix}-loyalty-earn",
            "CUSTOMER_CONSUMER": f"{prefix}-loyalty-customers",
            "TRIGGER_CONSUMER": f"{prefix}-automation-triggers",
        }
    if os.environ.get("REDIS_URL"):
        # A shared Redis: the automation and customer workers get Celery queues of their own.
        env["CELERY_QUEUE"] = f"{env['MOODLINE_DB_PREFIX']}-automation"
        env["JOBS_QUEUE"] = f"{env['MOODLINE_DB_PREFIX']}-customer"
    if os.environ.get("REDIS_URL"):
        _forget_sign_in_failures(os.environ["REDIS_URL"])
    log = open(var / "launcher.log", "wb")
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moodline_devkit.run"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    run_json = var / "run.json"
    try:
        while not run_json.exists():
            assert proc.poll() is None, (var / "launcher.log").read_text()
            assert time.monotonic() - started < STARTUP_BUDGET_S, (
                f"not up within {STARTUP_BUDGET_S} s"
            )
            time.sleep(0.5)
        time.sleep(0.2)
        info = json.loads(run_json.read_text())
        yield {
            **info,
            "var": var,
            "proc": proc,
            # what a test needs to reach each service's database, and to stop/start a program
            "db_prefix": env["MOODLINE_DB_PREFIX"],
            "database_url": os.environ.get("DATABASE_URL")
            or f"postgresql+asyncpg://postgres@127.0.0.1:{env['MOODLINE_PG_PORT']}/postgres",
            "supervisorctl": [
                str(Path(sys.executable).parent / "supervisorctl"),
                "-c",
                str(var / "supervisord.conf"),
            ],
            "startup_s": time.monotonic() - started,
            "triton_grpc_port": int(env["MOODLINE_TRITON_GRPC_PORT"]),
            "grpc_ports": [int(env["MOODLINE_GRPC_PORT_BASE"]) + i for i in range(len(SERVICES))],
            "listening_ports": {
                int(env[name])
                for name in (
                    "MOODLINE_GATEWAY_PORT",
                    "MOODLINE_TRITON_HTTP_PORT",
                    "MOODLINE_TRITON_GRPC_PORT",
                    "MOODLINE_TRITON_METRICS_PORT",
                )
            }
            | {int(env["MOODLINE_GRPC_PORT_BASE"]) + i for i in range(len(SERVICES))},
        }
    finally:
        stop_platform(proc, timeout=90)
        log.close()
        if os.environ.get("DATABASE_URL"):
            _drop_databases(env["MOODLINE_DB_PREFIX"])
        if os.environ.get("NATS_URL"):
            _delete_consumers(
                ("CONVERSATION", env["SCORING_CONSUMER"]),
                ("CONVERSATION", env["OUTCOMES_CONSUMER"]),
                ("BILLING", env["EARN_CONSUMER"]),
                ("CUSTOMER", env["CUSTOMER_CONSUMER"]),
                *(
                    (stream, env["TRIGGER_CONSUMER"])
                    for stream in ("CUSTOMER", "SENTIMENT", "BILLING", "CONVERSATION")
                ),
            )


def _drop_databases(prefix: str) -> None:
    import asyncio

    from moodline_devkit.testing.databases import drop_database

    async def drop() -> None:
        services = ("customer", "conversation", "sentiment", "billing", "loyalty", "automation")
        for name in (*services, "gateway"):
            await drop_database(os.environ["DATABASE_URL"], f"{prefix}_{name}")

    asyncio.run(drop())


def _delete_consumers(*durables: tuple[str, str]) -> None:
    import asyncio
    import contextlib

    import nats

    async def delete() -> None:
        nc = await nats.connect(os.environ["NATS_URL"])
        try:
            for stream, durable in durables:
                with contextlib.suppress(Exception):
                    await nc.jetstream().delete_consumer(stream, durable)
        finally:
            await nc.close()

    asyncio.run(delete())


@pytest.fixture
def customer_with_history(platform):
    """Makes a customer with a conversation (one SMS), a confirmed booking paid in full and,
    given a loyalty program, an enrolment, a task and a note. Returns the created customer."""
    base = platform["gateway_url"]
    headers = {"Authorization": f"Bearer {platform['api_key']}"}

    def post(path: str, body: dict, expect: int) -> dict:
        r = httpx.post(f"{base}{path}", headers=headers, json=body, timeout=30)
        assert r.status_code == expect, r.text
        return r.json()

    def make(
        *,
        first: str,
        last: str,
        phone: str,
        email: str,
        text: str,
        amount: int,
        program_id: str | None = None,
    ) -> dict:
        created = post(
            "/api/v1/customers",
            {
                "first_name": first,
                "last_name": last,
                "phones": [{"number": phone}],
                "emails": [{"address": email}],
            },
            201,
        )
        cid = created["id"]
        message = {
            "provider_message_id": f"SM{uuid.uuid4().hex}",
            "channel": "sms",
            "customer": {"phone": phone},
            "direction": "inbound",
            "author": "customer",
            "text": text,
            "sent_at": "2026-11-20T10:00:00Z",
        }
        ingested = post("/api/v1/conversations/messages", message, 202)
        assert ingested["customer_id"] == cid and not ingested["customer_created"]
        if program_id:
            post(
                f"/api/v1/customers/{cid}/loyalty",
                {"program_id": program_id, "starting_balance": 10, "notes": f"enrolled {first}"},
                201,
            )
        booking = post(
            "/api/v1/bookings",
            {
                "customer_id": cid,
                "starts_at": "2027-06-01T10:00:00Z",
                "ends_at": "2027-06-01T11:00:00Z",
                "amount_minor": amount,
                "currency": "USD",
                "confirm": True,
                "notes": f"{first} likes tea",
            },
            201,
        )
        post(
            "/api/v1/payments",
            {
                "customer_id": cid,
                "amount_minor": amount,
                "currency": "USD",
                "method": "card",
                "booking_id": booking["id"],
            },
            201,
        )
        if program_id:
            post("/api/v1/tasks", {"customer_id": cid, "title": f"Call {first} {last}"}, 201)
            post(f"/api/v1/customers/{cid}/notes", {"text": f"{first} prefers mornings"}, 201)
        return created

    return make
