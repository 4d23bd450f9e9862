"""Celery worker/beat for the loyalty service's periodic jobs (expiry, outbox purge), built from
the settings by `create_app` (nothing at import time).

Run: `moodline-loyalty worker` and `moodline-loyalty beat` (the kit's CLI), or
`celery -A loyalty.entrypoints.celery_app:app worker` (the module builds `app` on first use).
"""

from __future__ import annotations

from datetime import timedelta

from celery import Celery
from moodline_kit.celery import (
    add_outbox_purge,
    app_on_first_use,
    create_celery_app,
    run_in_unit_of_work,
)

from loyalty import bootstrap
from loyalty.adapters.tables import kit
from loyalty.config import LoyaltySettings
from loyalty.service_layer.expiry import expire_due


def create_app(settings: LoyaltySettings) -> Celery:
    app = create_celery_app("loyalty", settings)
    # Its own queue: other services' workers share the broker and must not take these tasks.
    app.conf.task_default_queue = "loyalty"
    app.conf.beat_schedule = {
        "expire-credits": {
            "task": "loyalty.expire_credits",
            "schedule": timedelta(minutes=settings.expiry_interval_minutes),
        },
    }
    add_outbox_purge(app, "loyalty", settings, kit)

    @app.task(name="loyalty.expire_credits")
    def expire_credits(batch_size: int = 500) -> int:
        """Write off unspent credits past their expiry and enrolments past their date (events
        via the outbox, published by the running service's relay). Returns how many enrolments
        changed."""
        return run_in_unit_of_work(
            settings,
            bootstrap.units_of_work,
            lambda uow: expire_due(uow=uow, batch_size=batch_size),
        )

    return app


__getattr__ = app_on_first_use(__name__, create_app, LoyaltySettings)
