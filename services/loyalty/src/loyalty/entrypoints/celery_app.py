"""Celery worker/beat for the loyalty service's periodic jobs: expiry and outbox purge.

Run: `celery -A loyalty.entrypoints.celery_app:app worker` and `... beat`.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from moodline_kit.celery import create_celery_app
from moodline_kit.db import create_engine
from moodline_kit.outbox import purge_published

from loyalty.adapters.tables import kit
from loyalty.bootstrap import unit_of_work
from loyalty.config import LoyaltySettings
from loyalty.service_layer.expiry import expire_due

settings = LoyaltySettings()
app = create_celery_app("loyalty", settings)
# Its own queue: other services' workers share the broker and must not take these tasks.
app.conf.task_default_queue = "loyalty"
app.conf.beat_schedule = {
    "purge-published-outbox": {
        "task": "loyalty.purge_published_outbox",
        "schedule": timedelta(hours=1),
        "kwargs": {"older_than_hours": 24},
    },
    "expire-credits": {
        "task": "loyalty.expire_credits",
        "schedule": timedelta(minutes=settings.expiry_interval_minutes),
    },
}


@app.task(name="loyalty.purge_published_outbox")
def purge_published_outbox(older_than_hours: int = 24) -> int:
    """Delete outbox rows published more than `older_than_hours` ago; returns how many."""

    async def _purge() -> int:
        engine = create_engine(settings.database_url, pool_size=1)
        try:
            return await purge_published(engine, kit, older_than=timedelta(hours=older_than_hours))
        finally:
            await engine.dispose()

    return asyncio.run(_purge())


@app.task(name="loyalty.expire_credits")
def expire_credits(batch_size: int = 500) -> int:
    """Write off unspent credits past their expiry and enrolments past their date (events via
    the outbox, published by the running service's relay). Returns how many enrolments
    changed."""

    async def _run() -> int:
        engine = create_engine(settings.database_url, pool_size=1)
        try:
            return await expire_due(uow=unit_of_work(engine), batch_size=batch_size)
        finally:
            await engine.dispose()

    return asyncio.run(_run())
