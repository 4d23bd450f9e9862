"""Run a real automation service (gRPC server, outbox relay, trigger consumers) inside a
test's event loop, and Celery workers as real processes. Used by this service's integration
tests, the gateway's, the e2e tests and the benchmark."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
from moodline.automation.v1 import automation_pb2_grpc
from moodline_kit import migrations
from moodline_kit.dev.infra import free_port
from moodline_kit.grpc import server as grpc_server

from automation import bootstrap
from automation.config import AutomationSettings
from automation.entrypoints.cli import MIGRATIONS


@dataclass
class RunningService:
    container: bootstrap.Container
    address: str
    channel: grpc.aio.Channel
    stub: automation_pb2_grpc.AutomationServiceStub


async def migrate(database_url: str) -> None:
    await asyncio.to_thread(migrations.upgrade, MIGRATIONS, database_url)


def settings_for(
    database_url: str,
    nats_url: str,
    redis_url: str,
    customer_addr: str,
    conversation_addr: str,
    **overrides: object,
) -> AutomationSettings:
    """Consumers of their own (unique durable names, starting at "now"), so concurrent test
    sessions on one NATS never split each other's events."""
    return AutomationSettings(
        database_url=database_url,
        nats_url=nats_url,
        redis_url=redis_url,
        customer_addr=customer_addr,
        conversation_addr=conversation_addr,
        grpc_port=free_port(),
        readiness_interval=0.2,
        allow_http_webhooks=True,
        **{
            "trigger_consumer": f"automation-test-{uuid.uuid4().hex[:10]}",
            "celery_queue": f"automation-test-{uuid.uuid4().hex[:10]}",
            **overrides,
        },
    )


@contextlib.asynccontextmanager
async def running_automation_service(settings: AutomationSettings) -> AsyncIterator[RunningService]:
    container = await bootstrap.build(settings)
    stop = asyncio.Event()
    task = asyncio.create_task(grpc_server.run(bootstrap.grpc_app(container), stop=stop))
    address = f"127.0.0.1:{settings.grpc_port}"
    channel = grpc.aio.insecure_channel(address)
    await asyncio.wait_for(channel.channel_ready(), 10)
    try:
        yield RunningService(
            container, address, channel, automation_pb2_grpc.AutomationServiceStub(channel)
        )
    finally:
        await channel.close()
        stop.set()
        try:
            await asyncio.wait_for(task, 30)
        finally:
            js = container.nc.jetstream() if not container.nc.is_closed else None
            if js is not None:
                for consumer in container.consumers:
                    with contextlib.suppress(Exception):
                        await js.delete_consumer(consumer.stream, consumer.config.durable_name)


def worker_env(settings: AutomationSettings, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "NATS_URL": settings.nats_url,
        "REDIS_URL": settings.redis_url,
        "CUSTOMER_ADDR": settings.customer_addr,
        "CONVERSATION_ADDR": settings.conversation_addr,
        "ALLOW_HTTP_WEBHOOKS": "true",
        "CELERY_QUEUE": settings.celery_queue,
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    return {**env, **extra}


@contextlib.contextmanager
def celery_worker(
    settings: AutomationSettings, log: Path, *, beat: bool = False, concurrency: int = 1, **env: str
) -> Iterator[subprocess.Popen]:
    """A real Celery worker process (prefork with `concurrency` children, or solo for 1);
    with `beat`, the sweeper runs in it too."""
    bin_dir = Path(sys.executable).parent
    argv = [
        str(bin_dir / "celery"),
        "-A",
        "automation.entrypoints.celery_app:app",
        "worker",
        "--loglevel=WARNING",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        f"--queues={settings.celery_queue}",
        f"--hostname=automation-{uuid.uuid4().hex[:8]}@%h",
    ]
    if concurrency == 1:
        argv.append("--pool=solo")
    else:
        argv += ["--pool=prefork", f"--concurrency={concurrency}"]
    if beat:
        argv += ["-B", f"--schedule={log.parent / f'beat-{uuid.uuid4().hex[:6]}'}"]
    out = open(log, "ab")
    proc = subprocess.Popen(argv, env=worker_env(settings, **env), stdout=out, stderr=out)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        out.close()


class WebhookReceiver:
    """A TEST DOUBLE of a team's webhook endpoint: a real local HTTP server that records each
    request and answers 400 to the first `fail_first` of them, 200 after."""

    def __init__(self, *, fail_first: int = 0) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.requests: list[dict] = []
        self._fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                receiver.requests.append(
                    {"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                )
                self.send_response(400 if len(receiver.requests) <= receiver._fail_first else 200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
