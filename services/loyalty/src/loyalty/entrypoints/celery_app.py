"""Celery worker/beat for the loyalty service's periodic jobs (expiry, outbox purge), built from
the settings by `create_app` (nothing at import time).

Run: `moodline-loyalty worker` and `moodline-loyalty beat` (the kit's CLI), or
`celery -A loyalty.entrypoints.celery_app:app worker` (the module builds `app` on first use).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from functools import partial
from typing import Any

from celery import Celery
from moodline_kit.bootstrap import engine_for_task
from moodline_kit.celery import create_celery_app
from moodline_kit.db import session_factory
from moodline_kit.outbox import purge_published

from loyalty.adapters.tables import kit
from loyalty.config import LoyaltySettings
from loyalty.service_layer.expiry import expire_due
from loyalty.service_layer.unit_of_work import LoyaltyUnitOfWork


def create_app(settings: LoyaltySettings) -> Celery:
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
            async with engine_for_task(settings) as engine:
                older_than = timedelta(hours=older_than_hours)
                return await purge_published(engine, kit, older_than=older_than)

        return asyncio.run(_purge())

    @app.task(name="loyalty.expire_credits")
    def expire_credits(batch_size: int = 500) -> int:
        """Write off unspent credits past their expiry and enrolments past their date (events
        via the outbox, published by the running service's relay). Returns how many enrolments
        changed."""

        async def _run() -> int:
            async with engine_for_task(settings) as engine:
                uow = partial(LoyaltyUnitOfWork, session_factory(engine), kit, source="loyalty")
                return await expire_due(uow=uow, batch_size=batch_size)

        return asyncio.run(_run())

    return app


def __getattr__(name: str) -> Any:
    """`celery -A loyalty.entrypoints.celery_app:app`: the app, built when Celery asks."""
    if name == "app":
        global app
        app = create_app(LoyaltySettings())
        return app
    raise AttributeError(name)
