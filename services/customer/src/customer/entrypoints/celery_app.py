"""Celery worker/beat for the customer service's periodic jobs.

Run: `celery -A customer.entrypoints.celery_app:app worker` and `... beat`.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from moodline_kit.celery import create_celery_app
from moodline_kit.db import create_engine
from moodline_kit.outbox import purge_published

from customer.adapters.tables import kit
from customer.config import CustomerSettings

settings = CustomerSettings()
app = create_celery_app("customer", settings)
app.conf.beat_schedule = {
    "purge-published-outbox": {
        "task": "customer.purge_published_outbox",
        "schedule": timedelta(hours=1),
        "kwargs": {"older_than_hours": 24},
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
