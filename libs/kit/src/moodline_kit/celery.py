"""Celery app factory: Redis broker, JSON only, late acks (a crashed worker's task is redone),
and OpenTelemetry instrumentation in each worker process after fork; `send_task`, which
enqueues a task by name with the caller's trace context."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_process_init
from opentelemetry import trace
from sqlalchemy.ext.asyncio import AsyncEngine

from moodline_kit.bootstrap import engine_for_task
from moodline_kit.config import KitSettings
from moodline_kit.db import KitTables
from moodline_kit.metrics import CELERY_TASKS, serve_metrics
from moodline_kit.outbox import purge_published
from moodline_kit.telemetry import inject_context

T = TypeVar("T")
HOUR = timedelta(hours=1)
tracer = trace.get_tracer(__name__)


def create_celery_app(name: str, settings: KitSettings) -> Celery:
    app = Celery(name, broker=settings.redis_url, backend=settings.redis_url)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        timezone="UTC",
        enable_utc=True,
        result_expires=3600,
    )

    # Workers only: the worker's `run/<task>` span continues the trace its message carries.
    # Producers enqueue with `send_task` below: the instrumentation's publish hook starts a
    # span it never ends for a task the producing process does not define (a service's
    # send_task by name), and the worker's span then hangs off a span no one exports.
    from opentelemetry.instrumentation.celery import CeleryInstrumentor

    @worker_process_init.connect(weak=False)
    def _init_tracing(**_: object) -> None:
        from moodline_kit.telemetry import configure_tracing

        configure_tracing(settings)
        if not CeleryInstrumentor().is_instrumented_by_opentelemetry:
            CeleryInstrumentor().instrument()
        serve_metrics(settings.metrics_port)

    started: dict[str, float] = {}

    @task_prerun.connect(weak=False)
    def _task_started(task_id: str, **_: object) -> None:
        started[task_id] = time.monotonic()

    @task_postrun.connect(weak=False)
    def _task_done(task_id: str, task: Any, state: str | None = None, **_: object) -> None:
        begun = started.pop(task_id, None)
        if begun is not None:
            CELERY_TASKS.labels(task.name, state or "UNKNOWN").observe(time.monotonic() - begun)

    return app


def send_task(
    app: Celery,
    name: str,
    *,
    args: Sequence[object] = (),
    queue: str | None = None,
    countdown: float | None = None,
) -> None:
    """Enqueue task `name` (defined by the worker, not necessarily here) in a producer span
    whose W3C context the message carries: the worker's `run/<name>` span joins the caller's
    trace (an event consumer's, a gRPC call's)."""
    with tracer.start_as_current_span(
        f"send {name}",
        kind=trace.SpanKind.PRODUCER,
        attributes={"messaging.system": "celery", "messaging.destination.name": queue or ""},
    ):
        app.send_task(
            name, args=list(args), queue=queue, countdown=countdown, headers=inject_context()
        )


def run_in_unit_of_work(
    settings: KitSettings,
    units_of_work: Callable[[AsyncEngine], partial[Any]],
    job: Callable[[partial[Any]], Awaitable[T]],
) -> T:
    """Run one task's job with the service's unit-of-work factory (`units_of_work`, from its
    bootstrap) on an engine of its own (built in the worker process, disposed after)."""

    async def main() -> T:
        async with engine_for_task(settings) as engine:
            return await job(units_of_work(engine))

    return asyncio.run(main())


def add_outbox_purge(
    app: Celery, name: str, settings: KitSettings, tables: KitTables, *, every: timedelta = HOUR
) -> None:
    """The `<name>.purge_published_outbox` task, scheduled `every` (keeps a day of published
    rows: the relay never reads them again)."""

    @app.task(name=f"{name}.purge_published_outbox")
    def purge_published_outbox(older_than_hours: int = 24) -> int:
        """Delete outbox rows published more than `older_than_hours` ago; returns how many."""

        async def purge() -> int:
            async with engine_for_task(settings) as engine:
                older_than = timedelta(hours=older_than_hours)
                return await purge_published(engine, tables, older_than=older_than)

        return asyncio.run(purge())

    schedule = dict(app.conf.beat_schedule or {})
    schedule["purge-published-outbox"] = {
        "task": f"{name}.purge_published_outbox",
        "schedule": every,
        "kwargs": {"older_than_hours": 24},
    }
    app.conf.beat_schedule = schedule


def app_on_first_use(
    module: str, create_app: Callable[[Any], Celery], settings_class: type[KitSettings]
) -> Callable[[str], Any]:
    """A module `__getattr__` giving `app` (what `celery -A <module>:app` asks for), built from
    the settings on first use, so importing the module builds nothing."""

    def __getattr__(name: str) -> Any:
        if name != "app":
            raise AttributeError(name)
        app = create_app(settings_class())
        sys.modules[module].app = app
        return app

    return __getattr__
