"""Celery worker/beat for the customer service's periodic jobs, built from the settings by
`create_app` (nothing at import time).

Run: `moodline-customer worker` and `moodline-customer beat` (the kit's CLI), or
`celery -A customer.entrypoints.celery_app:app worker` (the module builds `app` on first use).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from functools import partial
from typing import Any

from celery import Celery
from celery.schedules import crontab
from moodline_kit.bootstrap import engine_for_task
from moodline_kit.celery import create_celery_app
from moodline_kit.db import session_factory
from moodline_kit.outbox import purge_published

from customer.adapters.tables import kit
from customer.config import CustomerSettings
from customer.service_layer.lifecycle import run_inactivity_rules
from customer.service_layer.unit_of_work import CustomerUnitOfWork

BEAT_SCHEDULE = {
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


def create_app(settings: CustomerSettings) -> Celery:
    app = create_celery_app("customer", settings)
    app.conf.beat_schedule = BEAT_SCHEDULE

    @app.task(name="customer.purge_published_outbox")
    def purge_published_outbox(older_than_hours: int = 24) -> int:
        """Delete outbox rows published more than `older_than_hours` ago; returns how many."""

        async def _purge() -> int:
            async with engine_for_task(settings) as engine:
                older_than = timedelta(hours=older_than_hours)
                return await purge_published(engine, kit, older_than=older_than)

        return asyncio.run(_purge())

    @app.task(name="customer.lifecycle_inactivity")
    def lifecycle_inactivity(batch_size: int = 500) -> int:
        """Daily: idle 90+ days -> At Risk, 180+ days -> Churned (batched; events via the
        outbox, published by the running service's relay). Returns how many changed stage."""

        async def _run() -> int:
            async with engine_for_task(settings) as engine:
                uow = partial(CustomerUnitOfWork, session_factory(engine), kit, source="customer")
                return await run_inactivity_rules(uow=uow, batch_size=batch_size)

        return asyncio.run(_run())

    return app


def __getattr__(name: str) -> Any:
    """`celery -A customer.entrypoints.celery_app:app`: the app, built when Celery asks."""
    if name == "app":
        global app
        app = create_app(CustomerSettings())
        return app
    raise AttributeError(name)
