"""A real automation service in a test's event loop (the devkit's harness), Celery workers as
real processes, and a webhook receiver test double. Used by this service's integration tests,
the gateway's and the benchmark."""

from __future__ import annotations

import contextlib
import subprocess
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from moodline.automation.v1.automation_pb2_grpc import AutomationServiceStub
from moodline_devkit.infra import free_port
from moodline_devkit.testing import workers
from moodline_devkit.testing.harness import RunningService, running_service
from moodline_devkit.testing.harness import migrate as _migrate
from moodline_devkit.testing.workers import settings_env

from automation.bootstrap import SERVICE
from automation.config import AutomationSettings

__all__ = [
    "AutomationStack",
    "RunningService",
    "WebhookReceiver",
    "celery_worker",
    "migrate",
    "running_automation_service",
    "running_automation_stack",
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


@dataclass
class AutomationStack:
    customer: RunningService
    conversation: RunningService
    automation: RunningService
    nats_url: str


@contextlib.asynccontextmanager
async def running_automation_stack(
    database_factory: Callable[[str], Awaitable[str]],
    redis_url: str,
    *,
    prefix: str,
    conversation: dict[str, Any] | None = None,
    **overrides: Any,
) -> AsyncIterator[AutomationStack]:
    """Real customer, conversation and automation services, each on a migrated database of
    its own (`<prefix>customer`, ...), on a NATS of their own (the trigger consumers see only
    this stack's events), runs on a Celery queue of the stack's own on `redis_url`; sweeps
    every second and retries soon, as tests want (`overrides`: more automation settings,
    `conversation`: the conversation service's)."""
    from conversation.testing import migrate as migrate_conversation
    from conversation.testing import running_conversation_service
    from customer.testing import migrate as migrate_customer
    from customer.testing import running_customer_service
    from moodline_devkit.testing.plugin import own_nats

    customer_db = await database_factory(f"{prefix}customer")
    conversation_db = await database_factory(f"{prefix}conversation")
    automation_db = await database_factory(f"{prefix}automation")
    await migrate_customer(customer_db)
    await migrate_conversation(conversation_db)
    await migrate(automation_db)
    with own_nats() as nats_server:
        nats_url = f"nats://127.0.0.1:{nats_server.port}"
        async with (
            running_customer_service(customer_db, nats_url, db_pool_size=3) as customer,
            running_conversation_service(
                conversation_db, nats_url, customer.address, db_pool_size=3, **conversation or {}
            ) as conversing,
            running_automation_service(
                automation_db,
                nats_url,
                redis_url=redis_url,
                customer_addr=customer.address,
                conversation_addr=conversing.address,
                **{"db_pool_size": 3, "sweep_interval": 1.0, "retry_base_seconds": 0.2} | overrides,
            ) as automation,
        ):
            yield AutomationStack(customer, conversing, automation, nats_url)


WORKER_SETTINGS = (
    *("database_url", "nats_url", "redis_url", "customer_addr", "conversation_addr"),
    *("allow_http_webhooks", "celery_queue", "sweep_interval", "stale_after"),
    *("retry_base_seconds", "db_pool_size"),
)


def worker_env(settings: AutomationSettings, **extra: str) -> dict[str, str]:
    return settings_env(settings, WORKER_SETTINGS, **extra)


def celery_worker(
    settings: AutomationSettings, log: Path, *, beat: bool = False, concurrency: int = 1, **env: str
) -> contextlib.AbstractContextManager[subprocess.Popen]:
    """A real Celery worker process (`moodline-automation worker`: solo for one, else prefork
    with `concurrency` children) on the settings' queue; with `beat`, the sweeper runs in it."""
    return workers.celery_worker(
        "automation",
        settings.celery_queue,
        worker_env(settings, **env),
        log,
        beat=beat,
        concurrency=concurrency,
    )


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
