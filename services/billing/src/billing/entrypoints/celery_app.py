"""Celery worker/beat for billing's periodic jobs (overdue invoices, subscription renewals,
outbox purge), built from the settings by `create_app` (nothing at import time). Each job is
safe to run twice or in parallel (see the service layer); events go out through the outbox,
published by the running service's relay.

Run: `moodline-billing worker` and `moodline-billing beat` (the kit's CLI), or
`celery -A billing.entrypoints.celery_app:app worker` (the module builds `app` on first use).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from celery import Celery
from moodline_kit.bootstrap import engine_for_task
from moodline_kit.celery import create_celery_app
from moodline_kit.db import session_factory
from moodline_kit.outbox import purge_published

from billing.adapters.tables import kit
from billing.config import BillingSettings
from billing.service_layer.invoices import mark_overdue
from billing.service_layer.subscriptions import renew_subscriptions
from billing.service_layer.unit_of_work import BillingUnitOfWork

T = TypeVar("T")

BEAT_SCHEDULE = {
    "purge-published-outbox": {
        "task": "billing.purge_published_outbox",
        "schedule": timedelta(hours=1),
        "kwargs": {"older_than_hours": 24},
    },
    "mark-invoices-overdue": {
        "task": "billing.mark_invoices_overdue",
        "schedule": timedelta(minutes=5),
    },
    "renew-subscriptions": {
        "task": "billing.renew_subscriptions",
        "schedule": timedelta(minutes=5),
    },
}


def create_app(settings: BillingSettings) -> Celery:
    app = create_celery_app("billing", settings)
    app.conf.beat_schedule = BEAT_SCHEDULE
    # Its own queue: the services' workers share one Redis, and another service's worker does
    # not know billing's tasks (a worker consumes the default queue unless told otherwise).
    app.conf.task_default_queue = "billing"

    def run(job: Callable[[partial[BillingUnitOfWork]], Awaitable[T]]) -> T:
        async def _main() -> T:
            async with engine_for_task(settings) as engine:
                uow = partial(BillingUnitOfWork, session_factory(engine), kit, source="billing")
                return await job(uow)

        return asyncio.run(_main())

    @app.task(name="billing.purge_published_outbox")
    def purge_published_outbox(older_than_hours: int = 24) -> int:
        """Delete outbox rows published more than `older_than_hours` ago; returns how many."""

        async def _purge() -> int:
            async with engine_for_task(settings) as engine:
                older_than = timedelta(hours=older_than_hours)
                return await purge_published(engine, kit, older_than=older_than)

        return asyncio.run(_purge())

    @app.task(name="billing.mark_invoices_overdue")
    def mark_invoices_overdue() -> int:
        """Open invoices past due -> overdue (billing.invoice.overdue, once each)."""
        return run(lambda uow: mark_overdue(uow=uow))

    @app.task(name="billing.renew_subscriptions")
    def renew_due_subscriptions() -> int:
        """Subscriptions whose period ended start the next one with an issued invoice (once
        per period)."""
        return run(lambda uow: renew_subscriptions(uow=uow))

    return app


def __getattr__(name: str) -> Any:
    """`celery -A billing.entrypoints.celery_app:app`: the app, built when Celery asks."""
    if name == "app":
        global app
        app = create_app(BillingSettings())
        return app
    raise AttributeError(name)
