"""Celery worker/beat for billing's periodic jobs: overdue invoices, subscription renewals,
outbox purge. Each job is safe to run twice or in parallel (see the service layer).

Run: `celery -A billing.entrypoints.celery_app:app worker` and `... beat`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from typing import TypeVar

from moodline_kit.celery import create_celery_app
from moodline_kit.db import create_engine, session_factory
from moodline_kit.outbox import purge_published

from billing.adapters.tables import kit
from billing.config import BillingSettings
from billing.service_layer.invoices import mark_overdue
from billing.service_layer.subscriptions import renew_subscriptions
from billing.service_layer.unit_of_work import BillingUnitOfWork

T = TypeVar("T")

settings = BillingSettings()
app = create_celery_app("billing", settings)
# Its own queue: the services' workers share one Redis, and a customer worker does not know
# billing's tasks (workers consume the default queue unless told otherwise).
app.conf.task_default_queue = "billing"
app.conf.beat_schedule = {
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


def _run(job: Callable[[partial[BillingUnitOfWork]], Awaitable[T]]) -> T:
    async def _main() -> T:
        engine = create_engine(settings.database_url, pool_size=1)
        try:
            return await job(
                partial(BillingUnitOfWork, session_factory(engine), kit, source="billing")
            )
        finally:
            await engine.dispose()

    return asyncio.run(_main())


@app.task(name="billing.purge_published_outbox")
def purge_published_outbox(older_than_hours: int = 24) -> int:
    """Delete outbox rows published more than `older_than_hours` ago; returns how many."""

    async def _purge() -> int:
        engine = create_engine(settings.database_url, pool_size=1)
        try:
            return await purge_published(engine, kit, older_than=timedelta(hours=older_than_hours))
        finally:
            await engine.dispose()

    return asyncio.run(_purge())


@app.task(name="billing.mark_invoices_overdue")
def mark_invoices_overdue() -> int:
    """Open invoices past due -> overdue (billing.invoice.overdue, once each). Events go out
    through the outbox, published by the running service's relay."""
    return _run(lambda uow: mark_overdue(uow=uow))


@app.task(name="billing.renew_subscriptions")
def renew_due_subscriptions() -> int:
    """Subscriptions whose period ended start the next one with an issued invoice (once per
    period)."""
    return _run(lambda uow: renew_subscriptions(uow=uow))
