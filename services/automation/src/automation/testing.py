"""A real automation service in a test's event loop (the devkit's harness), Celery workers as
real processes, and a webhook receiver test double. Used by this service's integration tests,
the gateway's and the benchmark."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from moodline.automation.v1.automation_pb2_grpc import AutomationServiceStub
from moodline_devkit.infra import free_port
from moodline_devkit.testing.harness import RunningService, running_service
from moodline_devkit.testing.harness import migrate as _migrate

from automation.bootstrap import SERVICE
from automation.config import AutomationSettings

__all__ = [
    "RunningService",
    "WebhookReceiver",
    "celery_worker",
    "migrate",
    "running_automation_service",
]


async def migrate(database_url: str) -> None:
    await _migrate(SERVICE, database_url)


def running_automation_service(  # type: ignore[no-untyped-def]
    database_url: str,
    nats_url: str,
    *,
    redis_url: str,
    customer_addr: str,
    conversation_addr: str,
    **overrides: Any,
):
    """Its runs go to a Celery queue of its own (`celery_worker(service.container.settings)`
    serves it), so concurrent test sessions on one Redis never take each other's runs."""
    return running_service(
        SERVICE,
        AutomationServiceStub,
        database_url=database_url,
        nats_url=nats_url,
        redis_url=redis_url,
        customer_addr=customer_addr,
        conversation_addr=conversation_addr,
        **{
            "allow_http_webhooks": True,
            "celery_queue": f"automation-test-{uuid.uuid4().hex[:10]}",
            **overrides,
        },
    )


def worker_env(settings: AutomationSettings, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "NATS_URL": settings.nats_url,
        "REDIS_URL": settings.redis_url,
        "CUSTOMER_ADDR": settings.customer_addr,
        "CONVERSATION_ADDR": settings.conversation_addr,
        "ALLOW_HTTP_WEBHOOKS": str(settings.allow_http_webhooks).lower(),
        "CELERY_QUEUE": settings.celery_queue,
        "SWEEP_INTERVAL": str(settings.sweep_interval),
        "STALE_AFTER": str(settings.stale_after),
        "RETRY_BASE_SECONDS": str(settings.retry_base_seconds),
        "DB_POOL_SIZE": str(settings.db_pool_size),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    return {**env, **extra}


@contextlib.contextmanager
def celery_worker(
    settings: AutomationSettings, log: Path, *, beat: bool = False, concurrency: int = 1, **env: str
) -> Iterator[subprocess.Popen]:
    """A real Celery worker process (`moodline-automation worker`: solo for one, else prefork
    with `concurrency` children) on the settings' queue; with `beat`, the sweeper runs in it."""
    argv = [
        str(Path(sys.executable).parent / "moodline-automation"),
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
