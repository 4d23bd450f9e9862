"""Celery worker/beat for the customer service's periodic jobs.

Run: `celery -A customer.entrypoints.celery_app:app worker` and `... beat`.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from functools import partial

from celery.schedules import crontab
from moodline_kit.celery import create_celery_app
from moodline_kit.db import create_engine, session_factory
from moodline_kit.outbox import purge_published

from customer.adapters.tables import kit
from customer.config import CustomerSettings
from customer.service_layer.lifecycle import run_inactivity_rules
from customer.service_layer.unit_of_work import CustomerUnitOfWork

settings = CustomerSettings()
app = create_celery_app("customer", settings)
app.conf.beat_schedule = {
    "purge-published-outbox": {
        "task": "customer.purge_published_outbox",
        "schedule": timedelta(hours=1),
        "kwargs": {"older_than_hours": 24},
    },
    "lifecycle-inactivity": {
        "task": "customer.lifecycle_inactivity",
        "schedule": crontab(hour=3, minute=15),
    },
}


@app.task(name="customer.purge_published_outbox")
def purge_published_outbox(older_than_hours: int = 24) -> int:
    """Delete outbox rows published more than `older_than_hours` ago; returns how many."""

    async def _purge() -> int:
        engine = create_engine(settings.database_url, pool_size=1)
        try:
            return await purge_published(engine, kit, older_than=timedelta(hours=older_than_hours))
        finally:
            await engine.dispose()

    return asyncio.run(_purge())


@app.task(name="customer.lifecycle_inactivity")
def lifecycle_inactivity(batch_size: int = 500) -> int:
    """Daily: idle 90+ days -> At Risk, 180+ days -> Churned (batched; events via the outbox,
    published by the running service's relay). Returns how many customers changed stage."""

    async def _run() -> int:
        engine = create_engine(settings.database_url, pool_size=1)
        try:
            uow = partial(CustomerUnitOfWork, session_factory(engine), kit, source="customer")
            return await run_inactivity_rules(uow=uow, batch_size=batch_size)
        finally:
            await engine.dispose()

    return asyncio.run(_run())
