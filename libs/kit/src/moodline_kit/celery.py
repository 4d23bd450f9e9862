"""Celery app factory: Redis broker, JSON only, late acks (a crashed worker's task is redone),
and OpenTelemetry instrumentation in each worker process after fork."""

from __future__ import annotations

from celery import Celery
from celery.signals import worker_process_init

from moodline_kit.config import KitSettings


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

    @worker_process_init.connect(weak=False)
    def _init_tracing(**_: object) -> None:
        from opentelemetry.instrumentation.celery import CeleryInstrumentor

        from moodline_kit.telemetry import configure_tracing

        configure_tracing(settings)
        CeleryInstrumentor().instrument()

    return app
